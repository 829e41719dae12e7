/**
 * What the charts and sparklines draw, found generically in `report.series`: any `[ms, value][]` is one line;
 * any map of names to `[ms, value][]` (say IteratorAge per shard) is one chart with a line per name; a bucketed
 * outcome series (`buckets` + `kinds`) is drawn as stacked bars. A source that adds a series to the report gets
 * its chart and sparkline with no change here; a title and unit for a known key only make it read better, and a
 * known key of one source (a queue's depth) is left out of the other's report.
 */
import type { Report } from "../run/result.js";
import { sourceKind, type SourceKind } from "./source-view.js";

export type Unit = "ms" | "count";
export type Point = [number, number];

export interface LineChart {
  key: string;
  title: string;
  unit: Unit;
  lines: { name: string; points: Point[] }[];
}

export interface BucketChart {
  key: string;
  title: string;
  bucketMs: number;
  kinds: string[];
  /** [start ms, count per kind...] */
  buckets: number[][];
}

/** Known series: their titles, units, short names, and the source they belong to (none: any). A series of the
 *  other source is not drawn: a stream report keeps empty queue series in its JSON, which mean nothing there. */
const KNOWN: Record<string, { title: string; unit: Unit; short: string; only?: SourceKind }> = {
  concurrency: { title: "Concurrency (concurrent invocations)", unit: "count", short: "concurrency" },
  backlog: { title: "Messages visible + in flight", unit: "count", short: "visible + in flight", only: "queue" },
  oldestAge: { title: "Age of the oldest message", unit: "ms", short: "oldest message", only: "queue" },
  iteratorAge: { title: "IteratorAge", unit: "ms", short: "iterator age", only: "stream" },
  iteratorAgeByShard: { title: "IteratorAge per shard", unit: "ms", short: "iterator age", only: "stream" },
  recordsBehindByShard: { title: "Records behind per shard (arrived, not yet read by the mapping)", unit: "count", short: "records behind", only: "stream" },
  outcomes: { title: "Invocation outcomes", unit: "count", short: "outcomes" },
};
const ORDER = Object.keys(KNOWN);

function isPoints(v: unknown): v is Point[] {
  return Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "number" && typeof p[1] === "number");
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `iteratorAgeMs` -> "iterator age ms". */
function humanize(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

function unitOf(key: string): Unit {
  return KNOWN[key]?.unit ?? (/age|latency|ms$|duration/i.test(key) ? "ms" : "count");
}

/** Known keys first, in a fixed order, then the rest in the report's own order; not those of the other source. */
function orderedEntries(report: Report): [string, unknown][] {
  const kind = sourceKind(report);
  const entries = Object.entries(report.series as Record<string, unknown>).filter(([k]) => KNOWN[k]?.only === undefined || KNOWN[k].only === kind);
  const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  return entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i).map((x) => x.e);
}

export function lineCharts(report: Report): LineChart[] {
  const out: LineChart[] = [];
  for (const [key, v] of orderedEntries(report)) {
    const title = KNOWN[key]?.title ?? humanize(key);
    if (isPoints(v)) out.push({ key, title, unit: unitOf(key), lines: [{ name: KNOWN[key]?.short ?? humanize(key), points: v }] });
    else if (isObj(v) && Object.keys(v).length > 0 && Object.values(v).every(isPoints)) {
      out.push({ key, title, unit: unitOf(key), lines: Object.entries(v).map(([name, points]) => ({ name, points: points as Point[] })) });
    }
  }
  return out;
}

export function bucketCharts(report: Report): BucketChart[] {
  const out: BucketChart[] = [];
  for (const [key, v] of orderedEntries(report)) {
    if (!isObj(v) || !Array.isArray(v.buckets) || !Array.isArray(v.kinds) || typeof v.bucketMs !== "number") continue;
    out.push({ key, title: KNOWN[key]?.title ?? humanize(key), bucketMs: v.bucketMs, kinds: v.kinds as string[], buckets: v.buckets as number[][] });
  }
  return out;
}

/** Short label for a sparkline row: the series' short name, followed by the line's own (a shard) when the series
 *  has a line per name, even just one. */
export function shortName(chart: LineChart, line: { name: string }): string {
  const short = KNOWN[chart.key]?.short ?? humanize(chart.key);
  return line.name === short ? short : `${short} ${line.name}`;
}

/**
 * A chart of many lines cut down to `keep`: the lines with the largest peaks (ties: the earlier line), in their own
 * order, and one line "others" that is, at each time, the largest value of the lines left out. A chart of at most
 * `keep` lines comes back as it is.
 */
export function topLines(chart: LineChart, keep: number): LineChart {
  if (chart.lines.length <= keep) return chart;
  const peak = (l: { points: Point[] }) => l.points.reduce((m, p) => Math.max(m, p[1]), -Infinity);
  const ranked = chart.lines.map((l, i) => ({ i, peak: peak(l) })).sort((a, b) => b.peak - a.peak || a.i - b.i);
  const kept = new Set(ranked.slice(0, keep - 1).map((x) => x.i));
  const rest = chart.lines.filter((_, i) => !kept.has(i));
  const byTime = new Map<number, number>();
  for (const l of rest) for (const [t, v] of l.points) byTime.set(t, Math.max(byTime.get(t) ?? -Infinity, v));
  const others: Point[] = [...byTime.entries()].sort((a, b) => a[0] - b[0]);
  return { ...chart, lines: [...chart.lines.filter((_, i) => kept.has(i)), { name: `others (largest of ${rest.length})`, points: others }] };
}
