/**
 * A calibration's result (sweep/calibrate.ts) as text: how well the run matches the export per metric before and
 * after fitting, the fitted figures, and a `scaling:` block to paste into the scenario; or as JSON.
 */
import type { FigureOutcome, MetricFit } from "../sweep/calibrate.js";

export interface Calibration {
  scenario: string;
  export: string;
  /** The instant virtual time 0 was placed at, and what placed it. */
  start: string;
  startFrom: "export" | "--start" | "startTime";
  periodSeconds: number;
  metrics: { key: string; metric: string; statistic: string; points: number; before: number | null; after: number | null }[];
  score: { before: number | null; after: number | null };
  figures: FigureOutcome[];
  /** The fitted values that differ from those in force. */
  scaling: Record<string, number | null>;
  runs: number;
  notes: string[];
}

/** Per metric, the fit before and after (the same run when nothing is fitted). */
export function metricRows(before: readonly MetricFit[], after: readonly MetricFit[]): Calibration["metrics"] {
  return before.map((b, i) => ({ key: b.key, metric: b.metric, statistic: b.statistic, points: b.points, before: round(b.error), after: round(after[i]?.error ?? null) }));
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
const shown = (x: number | null) => (x === null ? "-" : x.toFixed(3));
const value = (v: number | null) => (v === null ? "null" : String(v));

function columns(rows: string[][], right: readonly boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd(),
  );
}

export function renderCalibrationJson(c: Calibration): string {
  return JSON.stringify(c, null, 2) + "\n";
}

export function renderCalibration(c: Calibration): string {
  const out: string[] = [];
  const placed = c.startFrom === "export" ? "the export's first point" : c.startFrom === "--start" ? "--start" : "the scenario's startTime";
  out.push(`${c.scenario} against ${c.export}, ${c.periodSeconds} s periods`);
  out.push(`virtual time 0: ${c.start} (${placed})`);
  out.push("");
  const fitted = c.figures.length > 0;
  const head = fitted ? ["metric", "statistic", "points", "error before", "after"] : ["metric", "statistic", "points", "error"];
  const rows = c.metrics.map((m) => [m.metric, m.statistic, String(m.points), shown(m.before), ...(fitted ? [shown(m.after)] : [])]);
  const total = ["mean", "", "", shown(c.score.before), ...(fitted ? [shown(c.score.after)] : [])];
  out.push(...columns([head, ...rows, total], [false, false, true, true, true]));
  out.push("error: the RMSE over the periods compared, divided by the mean of the real values (0 = the same series)");
  if (fitted) {
    out.push("");
    out.push(`Fitted over ${c.runs} runs:`);
    const span = (f: FigureOutcome) => (!f.resolvable ? "not resolvable from these metrics" : f.equallyGood ? `as good: ${value(f.equallyGood[0])}..${value(f.equallyGood[1])}` : "");
    const fig = c.figures.map((f) => [f.name, value(f.before), value(f.fitted), `${value(f.low)}..${value(f.high)}`, span(f)]);
    out.push(...columns([["figure", "before", "fitted", "plausible", ""], ...fig], [false, true, true, false, false]).map((l) => `  ${l}`.trimEnd()));
    out.push("");
    const names = Object.keys(c.scaling);
    if (names.length === 0) out.push("The values in force fit best: nothing to change.");
    else {
      out.push("Paste into the scenario:");
      out.push("scaling:");
      for (const n of names) out.push(`  ${n}: ${value(c.scaling[n])}`);
    }
    if (c.figures.some((f) => f.equallyGood)) {
      out.push("as good: the values tried that fit exactly as well, the other figures as fitted.");
    }
    if (c.figures.some((f) => !f.resolvable)) {
      out.push("not resolvable: the same series at both ends of its plausible range, so it keeps the value in force.");
    }
  }
  if (c.notes.length) {
    out.push("");
    out.push("Notes:");
    for (const n of c.notes) out.push(`- ${n}`);
  }
  return out.join("\n") + "\n";
}
