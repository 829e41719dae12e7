/** Number and time formatting shared by the renderers. Fixed locale and decimals: output is stable to the byte. */
import { formatDurationUs } from "../scenario/units.js";

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function fmtMs(ms: number): string {
  if (ms === 0) return "0s";
  return formatDurationUs(Math.round(ms * 1000));
}

export function fmtRate(x: number): string {
  return x >= 100 ? fmtInt(x) : (Math.round(x * 100) / 100).toString();
}

export function fmtExpected(kind: "ms" | "other", v: number | boolean): string {
  if (typeof v === "boolean") return String(v);
  return kind === "ms" ? fmtMs(v) : String(v);
}
