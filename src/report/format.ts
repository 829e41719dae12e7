/** Number and time formatting shared by the renderers. Fixed locale and decimals: output is stable to the byte. */
import { formatCount, formatDurationUs } from "../scenario/units.js";

export function fmtInt(n: number): string {
  return formatCount(Math.round(n));
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

/**
 * `n` as a share of `total` with one decimal, never rounded to a misleading 0.0% or 100.0%: a share above zero but
 * under 0.05% reads "<0.1%", one under 100% that would round to it reads ">99.9%". "-" when there is no total.
 */
export function fmtShare(n: number, total: number): string {
  if (total <= 0) return "-";
  const pct = (100 * n) / total;
  if (n > 0 && pct < 0.05) return "<0.1%";
  if (n < total && pct >= 99.95) return ">99.9%";
  return `${pct.toFixed(1)}%`;
}

/** "Expectations: all 3 passed", but "1 passed" for one: the headline of a report's expectations. */
export function fmtAllPassed(n: number, noun = ""): string {
  const what = noun ? ` ${n === 1 ? noun : `${noun}s`}` : "";
  return n === 1 ? `1${what} passed` : `all ${fmtInt(n)}${what} passed`;
}

/** "1 record", "2,500 records". */
export function fmtCount(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${Math.round(n) === 1 ? one : many}`;
}
