/**
 * A calibration (sweep/calibrate.ts) as one self-contained HTML page: per compared metric, a line chart of the
 * export's series and the run's over virtual time (the run before the fit, and after it when figures were
 * fitted), with its error; the error table, the fitted figures, the `scaling:` block to paste, and the notes. The
 * charts, page style and hover script are the HTML report's (html.ts), so the two pages read alike. No network,
 * no clock: the same calibration gives the same bytes.
 */
import type { CloudWatchUnit } from "../metrics/cloudwatch.js";
import type { Calibration } from "./calibration.js";
import { CSS, escapeHtml, JS, lineChartHtml, pageHead } from "./html.js";
import type { Point, Unit } from "./series.js";

/** One compared metric's series, [virtual ms, value] at the start of each export period. */
export interface CalibrationChart {
  /** The report key (`Invocations`, `Duration.Maximum`). */
  key: string;
  metric: string;
  statistic: string;
  unit: CloudWatchUnit | null;
  real: [number, number][];
  before: [number, number][];
  /** The run with the fitted values; null when nothing was fitted. */
  after: [number, number][] | null;
  /** The run's span, ms. */
  endMs: number;
}

export interface CalibrationHtmlOptions {
  version: string;
}

/** The legend's names of the three series. */
export const SERIES_NAMES = { real: "CloudWatch export", before: "esm-sim, values in force", after: "esm-sim, fitted values" } as const;

const shown = (x: number | null) => (x === null ? "-" : x.toFixed(3));
const value = (v: number | null) => (v === null ? "null" : String(v));

/** Durations are drawn on the report's time axis (milliseconds); counts and bytes as they are. */
function chartUnit(unit: CloudWatchUnit | null): { unit: Unit; scale: number } {
  if (unit === "Milliseconds") return { unit: "ms", scale: 1 };
  if (unit === "Seconds") return { unit: "ms", scale: 1000 };
  return { unit: "count", scale: 1 };
}

function table(head: string[], rows: string[][], right: readonly boolean[]): string {
  const cell = (tag: string, s: string, c: number) => `<${tag}${right[c] ? ' class="num"' : ""}>${escapeHtml(s)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, c) => cell("th", h, c)).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((s, c) => cell("td", s, c)).join("")}</tr>`).join("")}</tbody></table>`;
}

function chartHtml(ch: CalibrationChart, index: number, m: Calibration["metrics"][number] | undefined, fitted: boolean): string {
  const { unit, scale } = chartUnit(ch.unit);
  const pts = (xs: [number, number][]): Point[] => xs.map(([t, v]) => [t, v * scale]);
  const lines = [
    { name: SERIES_NAMES.real, points: pts(ch.real) },
    { name: SERIES_NAMES.before, points: pts(ch.before) },
    ...(ch.after ? [{ name: SERIES_NAMES.after, points: pts(ch.after) }] : []),
  ];
  const error = m ? (fitted ? `error ${shown(m.before)} before, ${shown(m.after)} after` : `error ${shown(m.before)}`) : "";
  const title = `${ch.metric} ${ch.statistic}${error ? `: ${error}` : ""}`;
  const key = `metric-${index + 1}`;
  if (lines.every((l) => l.points.length === 0)) {
    return `<figure class="chart" id="chart-${key}" data-kind="none"><figcaption>${escapeHtml(title)}</figcaption><p class="note">No points in the run's span.</p></figure>`;
  }
  return lineChartHtml({ key, title, unit, lines, yLabel: ch.statistic }, ch.endMs);
}

export function renderCalibrationHtml(c: Calibration, charts: readonly CalibrationChart[], opts: CalibrationHtmlOptions): string {
  const fitted = c.figures.length > 0;
  const placed = c.startFrom === "export" ? "the export's first point" : c.startFrom === "--start" ? "--start" : "the scenario's startTime";
  const meta = `against ${c.export} · ${c.periodSeconds} s periods · virtual time 0: ${c.start} (${placed}) · esm-sim ${opts.version}`;
  const errors = table(
    fitted ? ["metric", "statistic", "points", "error before", "after"] : ["metric", "statistic", "points", "error"],
    [...c.metrics.map((m) => [m.metric, m.statistic, String(m.points), shown(m.before), ...(fitted ? [shown(m.after)] : [])]), ["mean", "", "", shown(c.score.before), ...(fitted ? [shown(c.score.after)] : [])]],
    [false, false, true, true, true],
  );
  const names = Object.keys(c.scaling);
  const fit = !fitted
    ? ""
    : `<section class="fit"><h2>Fitted over ${c.runs} runs</h2>${table(
        ["figure", "before", "fitted", "plausible", ""],
        c.figures.map((f) => [f.name, value(f.before), value(f.fitted), `${value(f.low)}..${value(f.high)}`, !f.resolvable ? "not resolvable from these metrics" : f.equallyGood ? `as good: ${value(f.equallyGood[0])}..${value(f.equallyGood[1])}` : ""]),
        [false, true, true, false, false],
      )}${
        names.length === 0
          ? `<p>The values in force fit best: nothing to change.</p>`
          : `<p>Paste into the scenario:</p><pre class="scaling">${escapeHtml(["scaling:", ...names.map((n) => `  ${n}: ${value(c.scaling[n])}`)].join("\n"))}</pre>`
      }</section>`;
  const notes = c.notes.length ? `<section class="notes"><h2>Notes</h2><ul>${c.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : "";
  const body = charts.map((ch, i) => chartHtml(ch, i, c.metrics[i], fitted)).join("\n");
  return `${pageHead(`esm-sim calibrate · ${c.scenario}`, CSS + PAGE_CSS)}
<header><h1>esm-sim calibrate · ${escapeHtml(c.scenario)}</h1><p class="meta">${escapeHtml(meta)}</p></header>
<section class="errors"><h2>Error per metric</h2>${errors}<p class="note">error: the RMSE over the periods compared, divided by the mean of the real values (0 = the same series)</p></section>
${fit}
<section class="charts">
${body}
</section>
${notes}
<div id="tooltip" role="tooltip" hidden></div>
<script>${JS}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
table{border-collapse:collapse;font-size:.85rem;background:#fff;border:1px solid #e2e8f0}
th,td{padding:3px 10px;text-align:left;border-bottom:1px solid #e2e8f0}th{color:#475569;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
section{margin:16px 0}.scaling{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px}
.notes li{color:#475569;font-size:.85rem}
`;
