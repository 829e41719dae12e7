/**
 * Replays (`traffic[].fromMetrics`): a producer that sends, period by period, the records a CloudWatch metric
 * counted in production. The export is read by the loader (the CLI, the API) and handed over as text with the file
 * it came from; this module finds the metric's series in it (metrics/cloudwatch-export.ts) and turns the series
 * into per-period counts. Pure: no file system.
 *
 * What AWS documents:
 * - SQS NumberOfMessagesSent is "the number of messages added to a queue"; with the Sum statistic it is the messages
 *   sent in each period.
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 * - Kinesis IncomingRecords is "the number of records successfully put to the Kinesis stream over the specified time
 *   period" (PutRecord and PutRecords together); its Minimum, Maximum and Average describe single put operations,
 *   so only Sum counts the records of a period.
 *   https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
 * - DynamoDB Streams publishes ReturnedRecordsCount and ReturnedBytes, which count what GetRecords calls return, and
 *   no metric that counts the records written to a stream: a dynamodb source cannot be replayed (rules.ts).
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 * - CloudWatch stamps a period with its start and leaves out periods with no data.
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html
 *
 * What esm-sim chose:
 * - The export's first period starts at the entry's `from` (virtual time 0 by default); later periods keep their
 *   distance from it. Periods without a point send nothing.
 * - A value that is not a whole number (an export of averaged data, or `scale`) is rounded with its remainder
 *   carried to the next period: period k sends round(S_k) - round(S_{k-1}) records, S_k being the scaled values
 *   summed up to it, so the replay sends round(S_n) records in all and no period is off by more than one.
 */
import type { NamedFile } from "../io/input.js";
import type { ReplayPlan } from "../sources/config.js";
import { parseCloudWatchExport, type ExportProblem, type MetricSeries } from "../metrics/cloudwatch-export.js";
import type { Path } from "./locate.js";
import { MAX_RECORDS_TOTAL, REPLAY_METRICS } from "./rules.js";
import type { RawScenario } from "./schema.js";
import { formatCount } from "./units.js";

export interface ReplayFinding {
  severity: "error" | "warning";
  path: Path;
  message: string;
}

/** A scenario names at most this many export files: each may be 16 MB. */
export const MAX_REPLAY_FILES = 8;
/** Export problems listed per file; more are counted in one line. */
const MAX_LISTED = 20;

/** The `fromMetrics.file` paths a raw scenario document names, in order, each once, at most MAX_REPLAY_FILES. */
export function replayFiles(doc: unknown): string[] {
  const out: string[] = [];
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return out;
  const traffic = (doc as Record<string, unknown>).traffic;
  if (!Array.isArray(traffic)) return out;
  for (const t of traffic) {
    if (typeof t !== "object" || t === null) continue;
    const fm = (t as Record<string, unknown>).fromMetrics;
    if (typeof fm !== "object" || fm === null) continue;
    const file = (fm as Record<string, unknown>).file;
    if (typeof file === "string" && file !== "" && !out.includes(file) && out.length < MAX_REPLAY_FILES) out.push(file);
  }
  return out;
}

/** An export problem as one line: where in the export, then what. */
function placed(p: ExportProblem, id: string | undefined): string {
  if (p.origin !== undefined) return `${p.file}: fromMetrics.id ${JSON.stringify(id)}: ${p.message.replace(/ \(or, for get-metric-statistics output, the Label\)/, " or Label")}`;
  return `${p.file}:${p.line}:${p.col}${p.path ? ` ${p.path}` : ""}: ${p.message}`;
}

/** How a series is named in messages: `IncomingRecords Sum (result "m1")`. */
function named(s: MetricSeries): string {
  const where = s.id !== undefined ? `result ${JSON.stringify(s.id)}` : s.label !== undefined ? `label ${JSON.stringify(s.label)}` : "";
  return `${s.metric} ${s.statistic ?? "(no statistic)"}${where ? ` (${where})` : ""}`;
}

/**
 * Every replay of a scenario that passed the schema, resolved against the files read for it: a plan per traffic
 * entry (null for entries that are not replays, or that have problems), and the problems found, placed at the
 * entry's keys. Entries whose shape the rules refuse (a dynamodb source, another metric) are left to those rules.
 */
export function resolveReplays(raw: RawScenario, files: ReadonlyMap<string, NamedFile> | undefined): { plans: (ReplayPlan | null)[]; findings: ReplayFinding[] } {
  const findings: ReplayFinding[] = [];
  const listed = new Set(replayFiles(raw));
  const want = REPLAY_METRICS[raw.source.type];
  const plans = raw.traffic.map((t, i): ReplayPlan | null => {
    const fm = t.fromMetrics;
    if (fm === undefined || want === undefined || fm.metric !== want.metric || (fm.statistic ?? "Sum") !== "Sum") return null;
    const at: Path = ["traffic", i, "fromMetrics", "file"];
    const err = (message: string, path: Path = at) => {
      findings.push({ severity: "error", path, message });
      return null;
    };
    if (!listed.has(fm.file)) return err(`a scenario names at most ${MAX_REPLAY_FILES} CloudWatch exports (each up to 16 MB); replay fewer files, or join the exports into one`);
    const read = files?.get(fm.file);
    if (read === undefined) {
      return err(`${JSON.stringify(fm.file)} was not read: a scenario given as text does not say which folder its files are in; load it from its file (esm-sim run FILE, or loadScenario with the path), or give parseScenario the export's text in its files option`);
    }
    if ("error" in read) return err(`${read.file}: ${read.error}`);
    const periodUs = fm.period;
    if (periodUs !== undefined && periodUs < 1_000_000) return err(`must be at least 1s, CloudWatch's shortest period (got ${periodUs / 1000} ms)`, ["traffic", i, "fromMetrics", "period"]);
    const parsed = parseCloudWatchExport(read.text, read.file, {
      ...(fm.id !== undefined ? { map: { [fm.id]: fm.metric } } : {}),
      ...(periodUs !== undefined ? { periodS: periodUs / 1_000_000 } : {}),
      counts: true,
    });
    for (const w of parsed.warnings) if (w.kind === undefined) findings.push({ severity: "warning", path: at, message: placed(w, fm.id) });
    if (!parsed.ok) {
      const real = parsed.errors.filter((e) => !e.message.startsWith("... and "));
      for (const e of real.slice(0, MAX_LISTED)) err(placed(e, fm.id));
      if (parsed.errors.length > MAX_LISTED) err(`${read.file}: ... and more problems not listed (only the first ${MAX_LISTED} are shown)`);
      return null;
    }
    const series = pick(parsed.series, fm.metric, fm.id);
    if ("why" in series) return err(`${read.file}: ${series.why}`);
    const s = series.s;
    if (s.statistic === undefined) {
      findings.push({ severity: "warning", path: at, message: `${read.file}: ${named(s)}: neither its label nor its Id names a statistic, so it is read as Sum; check that the query asked for Stat Sum (a label such as "${fm.metric} Sum" says so)` });
    } else if (s.statistic !== "Sum") {
      return err(`${read.file}: holds ${fm.metric} as ${s.statistic} only (${named(s)}); a replay needs its Sum, the records sent in each period: ask CloudWatch for Stat Sum`);
    }
    if (s.points.length === 0) return err(`${read.file}: ${named(s)} has no points: there is nothing to replay`);
    if (s.periodS === null) {
      return err(`${read.file}: ${named(s)} has one point, so its period is unknown: give fromMetrics.period, the Period of the query (e.g. 60s)`);
    }
    return plan(s, read.file, t.from ?? 0, fm.scale ?? 1, err);
  });
  return { plans, findings };
}

/** The series to replay: the metric's (the one of `id` when given), preferring its Sum. */
function pick(all: MetricSeries[], metric: string, id: string | undefined): { s: MetricSeries } | { why: string } {
  const byId = (s: MetricSeries) => id === undefined || s.id === id || (s.id === undefined && s.label === id);
  const found = all.filter((s) => s.metric === metric && byId(s));
  const best = found.find((s) => s.statistic === "Sum") ?? found.find((s) => s.statistic === undefined) ?? found[0];
  if (best) return { s: best };
  const held = all.length ? `it holds ${all.map(named).join(", ")}` : "it holds no metric esm-sim reads";
  const hint = id === undefined ? `; when the result's label and Id do not name ${metric}, name it with fromMetrics.id` : "";
  return { why: `holds no ${metric}${id !== undefined ? ` with the Id or Label ${JSON.stringify(id)}` : ""}: ${held}${hint}` };
}

/** Per-period counts, the remainder of each rounding carried to the next period. */
function plan(s: MetricSeries, file: string, fromUs: number, scale: number, err: (m: string) => null): ReplayPlan | null {
  const periodUs = Math.round(s.periodS! * 1_000_000);
  const t0 = s.points[0].tS;
  const startsUs: number[] = [];
  const counts: number[] = [];
  let sum = 0;
  let sent = 0;
  for (const p of s.points) {
    sum += p.value * scale;
    const upTo = Math.floor(sum + 0.5);
    const n = upTo - sent;
    sent = upTo;
    if (n <= 0) continue;
    startsUs.push(fromUs + Math.round((p.tS - t0) * 1_000_000));
    counts.push(n);
  }
  if (sent > MAX_RECORDS_TOTAL) {
    return err(`${file}: replays ${formatCount(sent)} records${scale !== 1 ? ` (scale ${scale})` : ""}, more than esm-sim's limit of ${formatCount(MAX_RECORDS_TOTAL)}: replay a shorter export or lower scale`);
  }
  const endUs = fromUs + Math.round((s.points[s.points.length - 1].tS - t0) * 1_000_000) + periodUs;
  return { file, metric: s.metric, periodUs, startsUs, counts, total: sent, endUs };
}
