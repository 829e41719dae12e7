/**
 * The report's `cloudwatch` section as rows for the table and Markdown reports (`run --cloudwatch`): each metric
 * under CloudWatch's namespace, name, statistic and unit, its statistic over the whole run, and its data points
 * per period as a small sparkline with their smallest and largest value. Pure and byte-stable.
 */
import { cloudwatchAt, cloudwatchMetricsFor, cloudwatchSourceOf, type CloudWatchMetricInfo } from "../metrics/cloudwatch.js";
import type { Report } from "../run/result.js";
import { fmtInt } from "./format.js";

/** The most columns a metric's sparkline takes: one per period up to this, then periods grouped. */
export const CLOUDWATCH_SPARK_WIDTH = 20;
/** Drawn where a column holds no data point (a Maximum or Average with nothing to measure in its periods). */
export const NO_POINT = "·";
const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

export interface CloudWatchRow extends CloudWatchMetricInfo {
  /** The statistic over the whole run, or "no data" when CloudWatch would have no data point. */
  run: string;
  /** One column per period (or group of periods), from zero to the largest data point. */
  spark: string;
  /** "smallest..largest" of the data points, or "" when there is none. */
  range: string;
}

export interface CloudWatchView {
  periodSeconds: number;
  periods: number;
  /** How many periods each sparkline column covers (1 unless the run has more periods than columns). */
  periodsPerColumn: number;
  rows: CloudWatchRow[];
}

/** A value in its CloudWatch unit: counts and bytes whole, with thousands separators; times with up to 3 decimals. */
export function fmtCloudWatch(v: number, unit: CloudWatchMetricInfo["unit"]): string {
  if (unit === "Count" || unit === "Bytes") return fmtInt(v);
  return v.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/** The section of a report as rows; null when the report has none. */
export function cloudwatchView(r: Report): CloudWatchView | null {
  const cw = r.cloudwatch as Record<string, unknown> | undefined;
  if (!cw || typeof cw.periodSeconds !== "number") return null;
  const series = (cw.series ?? {}) as Record<string, unknown>;
  const periods = Array.isArray(series.timestamps) ? series.timestamps.length : 0;
  const perColumn = Math.max(1, Math.ceil(periods / CLOUDWATCH_SPARK_WIDTH));
  const rows: CloudWatchRow[] = [];
  for (const m of cloudwatchMetricsFor(cloudwatchSourceOf(r.source.type, r.stream?.enhancedFanOut === true))) {
    const run = cloudwatchAt(cw, m.key);
    const points = cloudwatchAt(series, m.key);
    const values = Array.isArray(points) ? (points as (number | null)[]) : [];
    const present = values.filter((v): v is number => typeof v === "number");
    rows.push({
      ...m,
      run: typeof run === "number" ? fmtCloudWatch(run, m.unit) : "no data",
      spark: periodSpark(values, perColumn),
      range: present.length > 0 ? `${fmtCloudWatch(Math.min(...present), m.unit)}..${fmtCloudWatch(Math.max(...present), m.unit)}` : "",
    });
  }
  return { periodSeconds: cw.periodSeconds, periods, periodsPerColumn: perColumn, rows };
}

/**
 * A column per `perColumn` periods, each the largest data point it covers (NO_POINT when it covers none), scaled
 * from zero to the largest data point: zero is the lowest block and any value above zero at least the second.
 */
export function periodSpark(values: readonly (number | null)[], perColumn: number): string {
  const cols: (number | null)[] = [];
  for (let i = 0; i < values.length; i += perColumn) {
    let v: number | null = null;
    for (const x of values.slice(i, i + perColumn)) if (typeof x === "number" && (v === null || x > v)) v = x;
    cols.push(v);
  }
  const max = Math.max(0, ...cols.map((v) => v ?? 0));
  return cols.map((v) => (v === null ? NO_POINT : max <= 0 || v <= 0 ? BLOCKS[0] : BLOCKS[Math.max(1, Math.round((v / max) * 7))])).join("");
}

/** What the per-period columns show: "a data point per 1 min, 6 periods" (", 3 periods a column" when grouped). */
export function cloudwatchPeriods(v: CloudWatchView): string {
  const p = v.periodSeconds;
  const period = p % 3600 === 0 ? `${p / 3600} h` : p % 60 === 0 ? `${p / 60} min` : `${p} s`;
  const grouped = v.periodsPerColumn > 1 ? `, ${fmtInt(v.periodsPerColumn)} periods a column` : "";
  return `a data point per ${period}, ${fmtInt(v.periods)} ${v.periods === 1 ? "period" : "periods"}${grouped}`;
}
