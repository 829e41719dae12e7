/** The JSON report: the core fields first (docs/reports.md), in a fixed order, then esm-sim's additions. */
import type { Report } from "../run/result.js";

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
