/**
 * A sensitivity run in words: the lead lines (a headline that moves by more than a tenth over the chosen figures'
 * plausible ranges, and the figure that drives it), then each headline's range, the figures and whether the run
 * exercised them, and the variants that failed an expectation. Pure: returns strings.
 */
import { FIGURE_WORDS, type HeadlineRange, type Sensitivity } from "../sweep/sensitivity.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { fmtExpected, fmtInt, fmtMs } from "./format.js";

const OPS: Record<string, string> = { eq: "=", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

function fmt(h: { kind: "ms" | "count" }, v: number): string {
  return h.kind === "ms" ? fmtMs(v) : fmtInt(v);
}

/** The lines that lead the table: one per headline that moves, e.g.
 *  "drain time 47m (depends on esm-sim's choice of scale-up hold after failures: 5m..47m)". */
export function sensitivityLead(s: Sensitivity): string[] {
  return s.headlines
    .filter((h) => h.moves && h.drivenBy !== null)
    .map((h) => `${h.label} ${fmt(h, h.value)} (depends on esm-sim's choice of ${FIGURE_WORDS[h.drivenBy!] ?? h.drivenBy}: ${fmt(h, h.driverMin)}..${fmt(h, h.driverMax)})`);
}

function rangeText(h: HeadlineRange): string {
  return h.min === h.max ? fmt(h, h.value) : `${fmt(h, h.min)}..${fmt(h, h.max)}`;
}

/** The section after the report: every headline's range, the figures varied, the failed variants. */
export function renderSensitivity(s: Sensitivity): string {
  const out: string[] = ["", `Sensitivity to esm-sim's chosen figures (${s.runs} runs: this one, and each figure at its plausible low and high)`];
  const labelW = Math.max(...s.headlines.map((h) => h.label.length));
  for (const h of s.headlines) {
    const driver = h.drivenBy === null ? "no chosen figure moves it" : `most by ${h.drivenBy}`;
    out.push(`  ${h.label.padEnd(labelW)}  ${fmt(h, h.value).padStart(8)}  range ${rangeText(h).padEnd(17)} ${driver}`);
  }
  const exercised = s.figures.filter((f) => f.exercised);
  const idle = s.figures.filter((f) => !f.exercised);
  out.push(`  exercised: ${exercised.length ? exercised.map((f) => f.name).join(", ") : "none"}`);
  if (idle.length) out.push(`  no effect on this run: ${idle.map((f) => f.name).join(", ")}`);
  const failed = s.variants.filter((v) => v.failed.length > 0);
  for (const v of failed) {
    for (const e of v.failed) out.push(`  ✗ with ${v.setting} (its ${v.at}): ${e.path} ${OPS[e.op] ?? e.op} ${e.written} fails (actual ${fmtExpected(METRIC_PATHS[e.path] === "ms" ? "ms" : "other", e.actual)})`);
  }
  if (failed.length === 0 && s.expectationsHold && s.variants.length > 0) out.push("  every expectation holds in every variant");
  return out.join("\n") + "\n";
}
