/** The JSON report: the contract's core fields first, in a fixed order, then esm-sim's additions. */
import type { Report } from "../run/result.js";

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
