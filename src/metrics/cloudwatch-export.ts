/**
 * CloudWatch metric exports, read exactly as the AWS CLI prints them with `--output json`: the output of
 * `aws cloudwatch get-metric-data` and of `aws cloudwatch get-metric-statistics`, or a JSON list of several such
 * outputs (pages, or one output per metric). Pure: the text comes in (read through io/input.ts with
 * CLOUDWATCH_EXPORT_INPUT), series of points and problems come out; nothing is read, nothing is thrown.
 *
 * What AWS documents, and what this module relies on:
 * - get-metric-data returns `MetricDataResults`, each with `Id`, `Label`, `Timestamps`, `Values`, `StatusCode`
 *   and `Messages`; "the number of timestamps always matches the number of values and the value for Timestamps[x]
 *   is Values[x]"; `PartialData` means more points can be had with `NextToken`; points come newest first unless
 *   the request said `--scan-by TimestampAscending`. A result carries no metric name and no statistic: only the
 *   Id and Label the caller chose (CloudWatch labels a metric by its name when the query gives no label).
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
 *   https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-data.html
 * - get-metric-statistics returns `Label` (the metric name) and `Datapoints`, each with `Timestamp`, `Unit` and the
 *   statistics asked for (`SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum`, `ExtendedStatistics` for
 *   percentiles); "data points are not returned in chronological order".
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Datapoint.html
 *   https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-statistics.html
 * - The CLI prints times as ISO 8601 with an offset ("2024-09-29T22:10:00+00:00"; older versions "...Z").
 * - Metric names: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
 *   https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
 *
 * What esm-sim chose where the formats leave room:
 * - Results with the same Id are one series, whether in one output (the CLI joins pages that way) or in several
 *   outputs of a list; get-metric-statistics outputs with the same Label and statistic are one series too (the
 *   way to fetch more than 1,440 points). The same time twice with the same value is kept once; with two values,
 *   it is an error.
 * - A result is named by `--map` first (Id, or Label for get-metric-statistics output), then by its Label, then
 *   by its Id, each compared with the known names case-insensitively and ignoring spaces, `_`, `-`, `.` and
 *   parentheses. The statistic comes from the end of the Label ("Duration Maximum", "Duration (Average)",
 *   "Duration.Max"), else from the map (`Duration.Maximum`), else from the end of the Id ("duration_max").
 * - A time is ISO 8601 with a time zone (a `T` or a space between day and time), or a number of Unix seconds (what
 *   the API's wire format and SDKs give). A time without a zone is refused rather than read in some local time.
 * - The period is the smallest gap between a series' points (more exactly, the largest period dividing every gap,
 *   the same whenever two neighbouring periods have data) unless the caller gives one; every gap must be a whole
 *   multiple of it. Longer gaps are periods without data (CloudWatch leaves them out), counted, not refused. An
 *   inferred period must be whole minutes: AWS publishes the metrics esm-sim reads at one-minute resolution, so
 *   points off the minute grid are named as errors rather than read as a period of seconds.
 */
import { daysFromCivil } from "../engine/time.js";
import { JsonNumber, parseJsonText, type ChildOffsets } from "../filter/json-text.js";
import type { InputKind } from "../io/input.js";

/** How an export file is read (io/input.ts): 16 MB holds several hundred thousand points. */
export const CLOUDWATCH_EXPORT_INPUT = {
  what: "CloudWatch export",
  plural: "CloudWatch exports",
  format: "a CloudWatch export is the JSON that aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)",
  maxBytes: 16 * 1024 * 1024,
} as const satisfies InputKind;

/**
 * The metric names results are matched against unless the caller gives its own list: the CloudWatch metrics of
 * Lambda, event source mappings, SQS and Kinesis that describe what esm-sim simulates.
 */
export const CLOUDWATCH_METRICS: readonly string[] = [
  // Lambda, per function
  "Invocations",
  "Errors",
  "Throttles",
  "ConcurrentExecutions",
  "Duration",
  "IteratorAge",
  "DestinationDeliveryFailures",
  // Lambda, per event source mapping
  "PolledEventCount",
  "InvokedEventCount",
  "FilteredOutEventCount",
  "FailedInvokeEventCount",
  "DroppedEventCount",
  "OnFailureDestinationDeliveredEventCount",
  "DeletedEventCount",
  // SQS, per queue
  "ApproximateNumberOfMessagesVisible",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateAgeOfOldestMessage",
  "NumberOfMessagesSent",
  "NumberOfMessagesReceived",
  "NumberOfMessagesDeleted",
  "NumberOfEmptyReceives",
  // Kinesis, per stream
  "IncomingRecords",
  "IncomingBytes",
  "GetRecords.Records",
  "GetRecords.IteratorAgeMilliseconds",
  // Kinesis, per stream and enhanced fan-out consumer
  "SubscribeToShardEvent.Records",
  "SubscribeToShardEvent.MillisBehindLatest",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
];

export const STATISTICS = ["Sum", "Average", "Maximum", "Minimum", "SampleCount"] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface MetricPoint {
  /** Unix seconds (fractions only when the export has them). */
  tS: number;
  value: number;
}

export interface MetricSeries {
  /** The CloudWatch metric name, as the list of known names spells it. */
  metric: string;
  /** Absent when neither the label, the map nor the Id names one (a warning says so). */
  statistic?: Statistic;
  /** What named the metric: the map, the Label, or the Id. */
  from: "label" | "id" | "map";
  /** The get-metric-data result's Id. */
  id?: string;
  label?: string;
  /** The unit of get-metric-statistics datapoints, when they all give the same one. */
  unit?: string;
  /** Seconds between points; null when it cannot be known (fewer than two points and no period given). */
  periodS: number | null;
  /** Points in time order, one per time. */
  points: MetricPoint[];
  /** Periods between the first and last point that have no point. */
  missingPoints: number;
}

/**
 * One problem, with where and what: the same fields as a scenario's problems, so the CLI prints both alike.
 * `path` is the JSON path in the export (`MetricDataResults[2].Timestamps[5]`, `[1].Datapoints[0]` in a list);
 * `line` and `col` count from 1. A problem with a `--map` entry has `origin` set and line 0.
 */
export interface ExportProblem {
  severity: "error" | "warning";
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
  origin?: string;
  /** Set on warnings about a result that is read no further (`left-out`) or read without a statistic
   *  (`no-statistic`), so that a caller reading one series can pass over what concerns the others. */
  kind?: "left-out" | "no-statistic";
}

export interface CloudWatchExportOptions {
  /** Metric names results may resolve to; CLOUDWATCH_METRICS when absent. */
  metrics?: readonly string[];
  /**
   * `Id` (or, for get-metric-statistics output, `Label`) to a metric name, optionally with a statistic:
   * `{ m1: "Invocations", m2: "Duration.Maximum" }`, as `--map m1=Invocations` would give.
   */
  map?: Readonly<Record<string, string>>;
  /** The period in seconds, when known: used for series of one point, and every gap must be a multiple of it. */
  periodS?: number;
  /** Values are counts (records sent): a negative value is an error. */
  counts?: boolean;
}

export type CloudWatchExportResult =
  | { ok: true; series: MetricSeries[]; warnings: ExportProblem[] }
  | { ok: false; errors: ExportProblem[]; warnings: ExportProblem[] };

/** Problems listed per kind (errors, warnings); more are counted in one line. */
export const MAX_PROBLEMS = 100;
/** An export nests 5 levels; anything much deeper is not one. */
const MAX_DEPTH = 16;

const STAT_LIST = "Sum, Average, Maximum, Minimum or SampleCount";
const MAP_HINT = "--map Id=MetricName";
const SHAPES =
  'aws cloudwatch get-metric-data prints {"MetricDataResults": [{"Id", "Label", "Timestamps", "Values", "StatusCode"}, ...], "Messages": [...]}; ' +
  'aws cloudwatch get-metric-statistics prints {"Label": "Invocations", "Datapoints": [{"Timestamp", "Sum", "Unit"}, ...]}; ' +
  "a JSON list of such outputs is read too";

/** Statistic words at the end of a label or an Id, by their lower-case spelling without separators. */
const STAT_WORDS = new Map<string, Statistic>([
  ["sum", "Sum"],
  ["average", "Average"],
  ["avg", "Average"],
  ["maximum", "Maximum"],
  ["max", "Maximum"],
  ["minimum", "Minimum"],
  ["min", "Minimum"],
  ["samplecount", "SampleCount"],
]);
/** CloudWatch's extended statistics: percentiles and trimmed means (p99, p99.9, tm90, IQM...). */
const EXTENDED_STAT = /^(?:(?:p|tm|wm|tc|ts|pr)\d+(?:\.\d+)?|iqm)$/i;

type StatWord = { stat: Statistic } | { extended: string };

/** A statistic word (`Maximum`, `max`, `Sample Count`, `p99`), or null. */
function statWord(word: string): StatWord | null {
  const stat = STAT_WORDS.get(word.toLowerCase().replace(/[\s_.-]/g, ""));
  if (stat) return { stat };
  return EXTENDED_STAT.test(word) ? { extended: word } : null;
}

/**
 * A name followed by a statistic: `Duration Maximum`, `Duration (Average)`, `Duration.Max`, `duration_max`,
 * `Duration Sample Count`, `Duration p99`; null when the text does not end in one.
 */
function splitStat(text: string): { base: string; word: StatWord } | null {
  const s = text.trim();
  const paren = /^(.*?)[\s_.-]*\(\s*([^()]+?)\s*\)$/.exec(s);
  if (paren) {
    const word = statWord(paren[2]);
    return word ? { base: paren[1], word } : null;
  }
  const sample = /^(.*?)[\s_.-]+(sample[\s_.-]*count)$/i.exec(s);
  if (sample) return { base: sample[1], word: { stat: "SampleCount" } };
  const last = /^(.*)[\s_.-]+([a-z][a-z0-9.]*)$/i.exec(s);
  if (last) {
    const word = statWord(last[2]);
    return word ? { base: last[1], word } : null;
  }
  return null;
}

const normal = (s: string) => s.toLowerCase().replace(/[\s_.\-()]/g, "");

/** Known metric names, found by exact spelling (any case), else by spelling without separators when unique. */
class MetricNames {
  private readonly lower = new Map<string, string>();
  private readonly loose = new Map<string, string | null>();

  constructor(readonly names: readonly string[]) {
    for (const n of names) {
      if (!this.lower.has(n.toLowerCase())) this.lower.set(n.toLowerCase(), n);
      const k = normal(n);
      this.loose.set(k, this.loose.has(k) && this.loose.get(k) !== n ? null : n);
    }
  }

  find(text: string): string | null {
    const t = text.trim();
    if (t === "") return null;
    return this.lower.get(t.toLowerCase()) ?? this.loose.get(normal(t)) ?? null;
  }

  /** A metric name, or a metric name and a statistic word after it. */
  resolve(text: string): { metric: string; word?: StatWord } | null {
    const whole = this.find(text);
    if (whole) return { metric: whole };
    const split = splitStat(text);
    if (!split) return null;
    const metric = this.find(split.base);
    return metric ? { metric, word: split.word } : null;
  }
}

/** How a found value is shown in a message: `"12"`, `12`, `1e400`, `null`, `a list`, `a map`, `nothing`. */
function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return typeof v;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof JsonNumber);
const numberOf = (v: unknown): number | null => (typeof v === "number" ? v : v instanceof JsonNumber ? v.value : null);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;


const daysInMonth = (y: number, m: number) => (m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
/** The finest period of the AWS metrics esm-sim reads (standard resolution): inferred periods are whole minutes. */
const MINUTE_MS = 60_000;
/** Unix seconds beyond this (the year 5138) are milliseconds or nonsense. */
const MAX_UNIX_S = 1e11;
const TIME_FORMS = 'a time such as "2026-03-01T09:05:00+00:00" (ISO 8601 with Z or an offset) or a number of Unix seconds';

/** A time as milliseconds since 1970, or why it is not one. */
function parseTime(v: unknown): { ms: number } | { why: string } {
  const n = numberOf(v);
  if (n !== null) {
    if (!Number.isFinite(n)) return { why: `must be ${TIME_FORMS} (got ${show(v)})` };
    if (n < 0) return { why: `must be ${TIME_FORMS}, 0 or more (got ${show(v)})` };
    if (n >= MAX_UNIX_S) return { why: `must be ${TIME_FORMS} (got ${show(v)}, which looks like milliseconds)` };
    return { ms: Math.round(n * 1000) };
  }
  if (typeof v !== "string") return { why: `must be ${TIME_FORMS} (got ${show(v)})` };
  const m = ISO_TIME.exec(v.trim());
  if (!m) return { why: `must be ${TIME_FORMS} (got ${show(v)})` };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!m[8] && !m[9]) return { why: `must be ${TIME_FORMS} (got ${show(v)}, which has no time zone)` };
  const offH = m[9] ? Number(m[10]) : 0;
  const offM = m[9] ? Number(m[11]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) {
    return { why: `must be ${TIME_FORMS} (got ${show(v)}, which is not a real time)` };
  }
  const fractionMs = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  const sign = m[9] === "-" ? -1 : 1;
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - sign * (offH * 3600 + offM * 60);
  return { ms: seconds * 1000 + fractionMs };
}

/** Seconds, or milliseconds when not whole, for messages: `60 s`, `90 s`, `0.5 s`. */
const seconds = (ms: number) => `${ms / 1000} s`;

/** Where a value is: its JSON path and its offset in the text. */
interface At {
  path: string;
  offset: number;
}

interface RawPoint {
  ms: number;
  value: number;
  /** The time as written, for messages. */
  shown: string;
  at: At;
  valueAt: At;
}

/** The points of one series as found (one get-metric-data Id, or one get-metric-statistics label and statistic). */
interface Group {
  kind: "data" | "stats";
  id?: string;
  label?: string;
  /** get-metric-statistics: the datapoints' field. */
  stat?: Statistic;
  at: At;
  points: RawPoint[];
  units: Set<string>;
  /** get-metric-data: a page said Complete; where the first PartialData was, and whether its page had a NextToken. */
  complete: boolean;
  partial: { at: At; nextToken: boolean } | null;
  /** Some of its points were refused (reported), so its spacing is not checked. */
  bad: boolean;
  /** A StatusCode other than Complete and PartialData was reported: an empty result needs no second word. */
  troubled: boolean;
}

/** Errors and warnings with positions, the first MAX_PROBLEMS of each kept and the rest counted. */
class Problems {
  readonly errors: ExportProblem[] = [];
  readonly warnings: ExportProblem[] = [];
  private errorCount = 0;
  private warningCount = 0;
  private lineStarts: number[] | null = null;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  get failed(): boolean {
    return this.errorCount > 0;
  }

  get errorTotal(): number {
    return this.errorCount;
  }

  error(at: At, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_PROBLEMS) this.errors.push(this.make("error", at, message));
  }

  warn(at: At, message: string, kind?: ExportProblem["kind"]): void {
    this.warningCount++;
    if (this.warnings.length < MAX_PROBLEMS) this.warnings.push({ ...this.make("warning", at, message), ...(kind ? { kind } : {}) });
  }

  /** A problem with a caller's option rather than the file. */
  option(severity: "error" | "warning", origin: string, message: string): void {
    if (severity === "error") this.errorCount++;
    else this.warningCount++;
    const list = severity === "error" ? this.errors : this.warnings;
    if (list.length < MAX_PROBLEMS) list.push({ severity, file: this.file, line: 0, col: 0, path: "", message, origin });
  }

  private make(severity: "error" | "warning", at: At, message: string): ExportProblem {
    const { line, col } = this.position(at.offset);
    return { severity, file: this.file, line, col, path: at.path, message };
  }

  private position(offset: number): { line: number; col: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 0x0a) this.lineStarts.push(i + 1);
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  }

  sorted(list: ExportProblem[], total: number): ExportProblem[] {
    const out = [...list].sort((a, b) => a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
    if (total > out.length && out.length > 0) {
      const more = total - out.length;
      out.push({ ...out[out.length - 1], path: "", message: `... and ${plural(more, "more problem")} not listed (only the first ${out.length} are shown)` });
    }
    return out;
  }

  result(series: MetricSeries[]): CloudWatchExportResult {
    const warnings = this.sorted(this.warnings, this.warningCount);
    if (this.failed) return { ok: false, errors: this.sorted(this.errors, this.errorCount), warnings };
    return { ok: true, series, warnings };
  }
}

/** The UTF-8 size of a text, counted only as far as needed to compare it with `limit`. */
function utf8Exceeds(text: string, limit: number): number | null {
  if (text.length > limit) return text.length;
  if (text.length * 3 <= limit) return null;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes > limit ? bytes : null;
}

/**
 * Read the text of a CloudWatch export (`file` names it in messages). Every problem is reported at once, each
 * with its JSON path, line and column; results that match no known metric are left out with a warning.
 * Throws only when the caller's `periodS` is not a positive number of seconds, at least 0.001 (a programming
 * error, not the file's).
 */
export function parseCloudWatchExport(text: string, file: string, options: CloudWatchExportOptions = {}): CloudWatchExportResult {
  if (options.periodS !== undefined && !(Number.isFinite(options.periodS) && Math.round(options.periodS * 1000) >= 1)) {
    throw new RangeError(`periodS must be a positive number of seconds, at least 0.001 (got ${String(options.periodS)})`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems = new Problems(body, file);
  const root: At = { path: "", offset: 0 };
  const size = utf8Exceeds(body, CLOUDWATCH_EXPORT_INPUT.maxBytes);
  if (size !== null) {
    problems.error(root, `the text is ${size} bytes; ${CLOUDWATCH_EXPORT_INPUT.plural} are limited to ${CLOUDWATCH_EXPORT_INPUT.maxBytes} bytes`);
    return problems.result([]);
  }
  if (body.trim() === "") {
    problems.error(root, `the file is empty; ${CLOUDWATCH_EXPORT_INPUT.format}`);
    return problems.result([]);
  }
  const parsed = parseJsonText(body, { offsets: true, maxDepth: MAX_DEPTH });
  if (!parsed.ok) {
    problems.error({ path: "", offset: parsed.offset }, notJson(body, parsed.offset, parsed.message));
    return problems.result([]);
  }
  const reader = new ExportReader(parsed.offsets!, problems, new MetricNames(options.metrics ?? CLOUDWATCH_METRICS), options);
  return reader.read(parsed.value, { path: "", offset: parsed.rootOffset });
}

/** The message for text that does not parse as JSON, with the usual causes named. */
function notJson(text: string, offset: number, why: string): string {
  if (why.startsWith("nested deeper")) return `${why}; a CloudWatch export nests 5 levels, so this is not one`;
  const word = ["NaN", "-Infinity", "Infinity"].find((w) => text.startsWith(w, offset));
  if (word) return `not JSON: ${word} is not a JSON number; every value must be a finite number`;
  if (offset === text.length - text.trimStart().length && /[A-Za-z|+-]/.test(text[offset] ?? "")) {
    return "not JSON: this looks like the AWS CLI's text, table or YAML output; run the command again with --output json";
  }
  if (/after the end of the JSON value/.test(why) && (text[offset] === "{" || text[offset] === "[")) {
    return "not JSON: a second JSON value starts here, after the first one ended; to pass several outputs (pages), put them in one JSON list: [{...}, {...}]";
  }
  return `not JSON: ${why}; ${CLOUDWATCH_EXPORT_INPUT.format}`;
}

/** A caller's map entry: the metric and the statistic it names. */
interface MapEntry {
  key: string;
  origin: string;
  metric: string;
  stat?: Statistic;
  used: boolean;
}

class ExportReader {
  private readonly groups = new Map<string, Group>();
  private readonly map = new Map<string, MapEntry>();
  /** Warnings given once per output or label (percentiles, unknown labels), by key. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly offsets: WeakMap<object, ChildOffsets>,
    private readonly problems: Problems,
    private readonly names: MetricNames,
    private readonly options: CloudWatchExportOptions,
  ) {
    for (const [key, value] of Object.entries(options.map ?? {})) this.mapEntry(key, value);
  }

  private mapEntry(key: string, value: string): void {
    const origin = `--map ${key}=${value}`;
    const whole = this.names.find(value);
    if (whole) {
      this.map.set(key, { key, origin, metric: whole, used: false });
      return;
    }
    const dot = value.lastIndexOf(".");
    const metric = dot > 0 ? this.names.find(value.slice(0, dot)) : null;
    if (metric) {
      const word = statWord(value.slice(dot + 1));
      if (word && "stat" in word) {
        this.map.set(key, { key, origin, metric, stat: word.stat, used: false });
        return;
      }
      this.problems.option("error", origin, `${JSON.stringify(value.slice(dot + 1))} is not a statistic esm-sim reads: the statistic after the dot must be ${STAT_LIST}`);
      return;
    }
    this.problems.option("error", origin, `${JSON.stringify(value)} is not a metric esm-sim reads; the name must be one of ${this.names.names.join(", ")}, optionally followed by .${STATISTICS.join("|.")}`);
  }

  private child(container: object, at: At, key: string | number): At {
    const path = typeof key === "number" ? `${at.path}[${key}]` : at.path ? `${at.path}.${key}` : key;
    return { path, offset: this.offsets.get(container)?.values.get(key) ?? at.offset };
  }

  read(value: unknown, at: At): CloudWatchExportResult {
    if (Array.isArray(value)) {
      if (value.length === 0) this.problems.error(at, `is an empty list; ${SHAPES}`);
      value.forEach((page, i) => this.output(page, this.child(value, at, i), true));
    } else this.output(value, at, false);
    const series = this.series();
    for (const entry of this.map.values()) {
      if (!entry.used) this.problems.option("warning", entry.origin, `no result in the file has the Id (or, for get-metric-statistics output, the Label) ${JSON.stringify(entry.key)}`);
    }
    return this.problems.result(series);
  }

  /** One output of get-metric-data or get-metric-statistics (`inList`: an element of a list of outputs). */
  private output(v: unknown, at: At, inList: boolean): void {
    if (isMap(v) && v.MetricDataResults !== undefined) return this.dataOutput(v, at);
    if (isMap(v) && v.Datapoints !== undefined) return this.statsOutput(v, at);
    const where = inList ? "is not a CloudWatch output" : "is not a CloudWatch export";
    if (isMap(v) && (v.MetricStat !== undefined || v.Expression !== undefined)) {
      this.problems.error(at, `${where}: it looks like a query passed to get-metric-data --metric-data-queries (it has ${v.MetricStat !== undefined ? "MetricStat" : "Expression"}); pass what the command prints instead. ${SHAPES}`);
      return;
    }
    const keys = isMap(v) ? Object.keys(v) : [];
    const found = isMap(v) ? (keys.length ? `a map with ${keys.slice(0, 6).map((k) => JSON.stringify(k)).join(", ")}${keys.length > 6 ? ", ..." : ""}` : "an empty map") : show(v);
    this.problems.error(at, `${where} (found ${found}): ${SHAPES}`);
  }

  /** `{ "MetricDataResults": [...], "Messages": [...], "NextToken": "..." }` */
  private dataOutput(out: Record<string, unknown>, at: At): void {
    this.messages(out, at, "");
    const nextToken = typeof out.NextToken === "string" && out.NextToken !== "";
    const results = out.MetricDataResults;
    const resultsAt = this.child(out, at, "MetricDataResults");
    if (!Array.isArray(results)) {
      this.problems.error(resultsAt, `must be a list of results, each {"Id", "Label", "Timestamps", "Values", "StatusCode"} (got ${show(results)})`);
      return;
    }
    if (results.length === 0) this.problems.warn(resultsAt, "no results: this output holds no metric");
    results.forEach((r, i) => this.dataResult(r, this.child(results, resultsAt, i), nextToken));
  }

  /** CloudWatch's messages about an output or a result, passed on as warnings. */
  private messages(holder: Record<string, unknown>, at: At, about: string): void {
    const list = holder.Messages;
    if (list === undefined || list === null) return;
    const listAt = this.child(holder, at, "Messages");
    if (!Array.isArray(list)) {
      this.problems.error(listAt, `must be a list of messages, each {"Code", "Value"} (got ${show(list)})`);
      return;
    }
    list.forEach((m, i) => {
      const mAt = this.child(list, listAt, i);
      if (!isMap(m)) return this.problems.error(mAt, `must be a message {"Code", "Value"} (got ${show(m)})`);
      const parts = [m.Code, m.Value].filter((x) => typeof x === "string" && x !== "");
      if (parts.length) this.problems.warn(mAt, `CloudWatch says${about}: ${parts.join(": ")}`);
    });
  }

  /** A string field, or undefined when absent; an error when it is something else. */
  private text(holder: Record<string, unknown>, at: At, key: string): string | undefined {
    const v = holder[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    this.problems.error(this.child(holder, at, key), `must be a string (got ${show(v)})`);
    return undefined;
  }

  private group(key: string, make: () => Group): Group {
    let g = this.groups.get(key);
    if (!g) {
      g = make();
      this.groups.set(key, g);
    }
    return g;
  }

  /** One element of MetricDataResults. */
  private dataResult(r: unknown, at: At, nextToken: boolean): void {
    if (!isMap(r)) {
      this.problems.error(at, `must be a result {"Id", "Label", "Timestamps", "Values", "StatusCode"} (got ${show(r)})`);
      return;
    }
    const id = this.text(r, at, "Id");
    const label = this.text(r, at, "Label");
    const status = this.text(r, at, "StatusCode");
    const name = describeResult(id, label);
    this.messages(r, at, ` about ${name}`);
    const g = this.group(id !== undefined ? `id\u0000${id}` : `at\u0000${at.path}`, () => ({ kind: "data", id, label, at, points: [], units: new Set(), complete: false, partial: null, bad: false, troubled: false }));
    if (g.label === undefined) g.label = label;
    if (status !== undefined && status !== "Complete" && status !== "PartialData") g.troubled = true;
    if (status === "Complete") g.complete = true;
    else if (status === "PartialData") g.partial ??= { at: this.child(r, at, "StatusCode"), nextToken };
    else if (status !== undefined) {
      const known = status === "InternalError" || status === "Forbidden";
      this.problems.warn(this.child(r, at, "StatusCode"), `${name}: StatusCode ${status}: ${known ? "CloudWatch could not return every point of it (see its Messages)" : "not a status CloudWatch documents (Complete, PartialData, InternalError, Forbidden)"}; its points may be incomplete`);
    }

    const ts = r.Timestamps;
    const vs = r.Values;
    const tsAt = this.child(r, at, "Timestamps");
    const vsAt = this.child(r, at, "Values");
    let lists = true;
    for (const [v, key, vAt, what] of [[ts, "Timestamps", tsAt, "times"], [vs, "Values", vsAt, "values"]] as const) {
      if (Array.isArray(v)) continue;
      lists = false;
      if (v === undefined) this.problems.error(at, `has no ${key}: a result holds Timestamps and Values, lists of the same length`);
      else this.problems.error(vAt, `must be a list of ${what} (got ${show(v)})`);
    }
    if (!lists) {
      g.bad = true;
      return;
    }
    const times = ts as unknown[];
    const values = vs as unknown[];
    if (times.length !== values.length) {
      g.bad = true;
      this.problems.error(at, `Timestamps has ${plural(times.length, "entry", "entries")} and Values ${plural(values.length, "entry", "entries")}; CloudWatch gives one value per time, so the two lists have the same length`);
    }
    const n = Math.max(times.length, values.length);
    for (let i = 0; i < n; i++) {
      const tAt = this.child(times, tsAt, i);
      const vAt = this.child(values, vsAt, i);
      const t = i < times.length ? parseTime(times[i]) : null;
      if (t && "why" in t) {
        g.bad = true;
        this.problems.error(tAt, t.why);
      }
      const value = i < values.length ? this.value(values[i], vAt) : null;
      if (i < values.length && value === null) g.bad = true;
      if (t && "ms" in t && value !== null) g.points.push({ ms: t.ms, value, shown: show(times[i]), at: tAt, valueAt: vAt });
    }
  }

  /** A point's value: a finite number, or null after an error. */
  private value(v: unknown, at: At): number | null {
    const n = numberOf(v);
    if (n !== null && Number.isFinite(n)) {
      if (n >= 0 || !this.options.counts) return n;
      this.problems.error(at, `must be 0 or more: the value is a count of records sent in the period (got ${show(v)})`);
      return null;
    }
    this.problems.error(at, `must be a finite number (got ${show(v)}${n !== null ? ", beyond what a double holds" : ""})`);
    return null;
  }

  /** `{ "Label": "Invocations", "Datapoints": [ { "Timestamp", "Sum", "Unit" }, ... ] }` */
  private statsOutput(out: Record<string, unknown>, at: At): void {
    const label = this.text(out, at, "Label");
    if (label === undefined && (out.Label === undefined || out.Label === null)) {
      this.problems.error(at, 'has no Label: get-metric-statistics output names its metric in "Label"');
    }
    const dps = out.Datapoints;
    const dpsAt = this.child(out, at, "Datapoints");
    if (!Array.isArray(dps)) {
      this.problems.error(dpsAt, `must be a list of datapoints, each {"Timestamp", "Sum", "Unit"} (got ${show(dps)})`);
      return;
    }
    const before = this.problems.errorTotal;
    dps.forEach((dp, i) => {
      const dpAt = this.child(dps, dpsAt, i);
      if (!isMap(dp)) return this.problems.error(dpAt, `must be a datapoint {"Timestamp", "Sum", "Unit"} (got ${show(dp)})`);
      const tAt = this.child(dp, dpAt, "Timestamp");
      const t = dp.Timestamp === undefined ? null : parseTime(dp.Timestamp);
      if (t === null) this.problems.error(dpAt, `has no Timestamp: a datapoint holds Timestamp and one or more of ${STATISTICS.join(", ")}`);
      else if ("why" in t) this.problems.error(tAt, t.why);
      const unit = this.text(dp, dpAt, "Unit");
      if (dp.ExtendedStatistics !== undefined && label !== undefined && !this.warned.has(at.path)) {
        this.warned.add(at.path);
        const ext = isMap(dp.ExtendedStatistics) ? Object.keys(dp.ExtendedStatistics) : [];
        const named = ext.length ? ` (${ext.slice(0, 4).join(", ")})` : "";
        this.problems.warn(this.child(dp, dpAt, "ExtendedStatistics"), `${JSON.stringify(label)}: ExtendedStatistics${named} are percentiles; esm-sim reads ${STAT_LIST.replace(" or ", " and ")} only, so they are left out`, "left-out");
      }
      let stats = 0;
      for (const stat of STATISTICS) {
        if (dp[stat] === undefined) continue;
        stats++;
        const vAt = this.child(dp, dpAt, stat);
        const value = this.value(dp[stat], vAt);
        if (label === undefined || t === null || "why" in t || value === null) continue;
        const g = this.group(`stats\u0000${label}\u0000${stat}`, () => ({ kind: "stats", label, stat, at, points: [], units: new Set(), complete: true, partial: null, bad: false, troubled: false }));
        if (unit !== undefined) g.units.add(unit);
        g.points.push({ ms: t.ms, value, shown: show(dp.Timestamp), at: tAt, valueAt: vAt });
      }
      if (stats === 0 && dp.ExtendedStatistics === undefined) this.problems.error(dpAt, `holds no statistic: a datapoint holds Timestamp and one or more of ${STATISTICS.join(", ")}`);
    });
    // A refused datapoint leaves its statistics' series short of a point: their spacing is not checked.
    if (this.problems.errorTotal > before && label !== undefined) {
      for (const stat of STATISTICS) {
        const g = this.groups.get(`stats\u0000${label}\u0000${stat}`);
        if (g) g.bad = true;
      }
    }
    if (dps.length === 0 && label !== undefined) this.problems.warn(dpsAt, `${JSON.stringify(label)}: no datapoints; CloudWatch had no data for it in the time asked for`);
  }

  /** Name every group, check that no two give the same metric and statistic, and build the series. */
  private series(): MetricSeries[] {
    const out: MetricSeries[] = [];
    const taken = new Map<string, Group>();
    for (const g of this.groups.values()) {
      const named = g.kind === "data" ? this.nameData(g) : this.nameStats(g);
      if (!named) continue;
      const key = `${named.metric}\u0000${named.statistic ?? ""}`;
      const first = taken.get(key);
      if (first) {
        const what = `${named.metric}${named.statistic ? ` ${named.statistic}` : " with no statistic"}`;
        this.problems.error(g.at, `${describeGroup(g)} resolves to ${what}, as ${describeGroup(first)} at ${first.at.path || "the top"} does; each metric and statistic may come from one result only: leave one out, or name them apart with ${MAP_HINT}.Statistic`);
        continue;
      }
      taken.set(key, g);
      if (g.kind === "data") {
        if (g.partial && !g.complete) {
          this.problems.warn(g.partial.at, `${describeGroup(g)}: StatusCode PartialData: CloudWatch returned only part of its points${g.partial.nextToken ? " and this output has a NextToken" : ""}; more pages exist: fetch them (the CLI does unless given --no-paginate or --max-items) and pass all pages together, as one output or as a JSON list of outputs`);
        }
        if (g.points.length === 0 && !g.bad && !g.troubled) this.problems.warn(g.at, `${describeGroup(g)}: no points; CloudWatch had no data for it in the time asked for`);
      }
      const timed = this.timeline(g);
      if (!timed) continue;
      out.push({
        metric: named.metric,
        ...(named.statistic ? { statistic: named.statistic } : {}),
        from: named.from,
        ...(g.id !== undefined ? { id: g.id } : {}),
        ...(g.label !== undefined ? { label: g.label } : {}),
        ...(g.units.size === 1 ? { unit: [...g.units][0] } : {}),
        periodS: timed.periodS,
        points: timed.points,
        missingPoints: timed.missing,
      });
    }
    return out;
  }

  /** A get-metric-data result's metric and statistic: by the map, else its Label, else its Id. */
  private nameData(g: Group): { metric: string; statistic?: Statistic; from: MetricSeries["from"] } | null {
    const entry = g.id !== undefined ? this.map.get(g.id) : undefined;
    if (entry) entry.used = true;
    const byLabel = g.label !== undefined ? this.names.resolve(g.label) : null;
    const byId = g.id !== undefined ? this.names.resolve(g.id) : null;
    const metric = entry?.metric ?? byLabel?.metric ?? byId?.metric;
    const from = entry ? "map" : byLabel ? "label" : "id";
    if (!metric) {
      const example = g.id !== undefined ? `--map ${g.id}=Invocations` : "";
      this.problems.warn(g.at, `${describeGroup(g)} matches no metric esm-sim reads, so it is left out; pass ${MAP_HINT} to name it${example ? ` (e.g. ${example})` : ""}`, "left-out");
      return null;
    }
    // The statistic: at the end of the label, else in the map, else at the end of the Id.
    const labelWord = g.label !== undefined ? (byLabel?.word ?? splitStat(g.label)?.word) : undefined;
    const idWord = g.id !== undefined ? (byId?.word ?? splitStat(g.id)?.word) : undefined;
    if (labelWord && "stat" in labelWord && entry?.stat && labelWord.stat !== entry.stat) {
      this.problems.error(g.at, `${describeGroup(g)}: its label says ${labelWord.stat} but ${entry.origin} says ${entry.stat}; make them agree`);
      return null;
    }
    const word: StatWord | undefined = labelWord ?? (entry?.stat ? { stat: entry.stat } : undefined) ?? idWord;
    if (word && "extended" in word) {
      this.problems.warn(g.at, `${describeGroup(g)} is the statistic ${word.extended}; esm-sim reads ${STAT_LIST.replace(" or ", " and ")} only, so it is left out`, "left-out");
      return null;
    }
    if (!word) {
      const example = exampleStat(metric);
      const hint = g.id !== undefined ? `--map ${g.id}=${metric}.${example}` : `${MAP_HINT}.Statistic`;
      this.problems.warn(g.at, `${describeGroup(g)}: no statistic for ${metric}: neither its label nor its Id ends in ${STAT_LIST}; put one at the end of the label (e.g. "${metric} ${example}") or pass ${hint}`, "no-statistic");
      return { metric, from };
    }
    return { metric, statistic: word.stat, from };
  }

  /** A get-metric-statistics series' metric: by the map (keyed by label), else its Label. */
  private nameStats(g: Group): { metric: string; statistic?: Statistic; from: MetricSeries["from"] } | null {
    const label = g.label!;
    const entry = this.map.get(label);
    if (entry) entry.used = true;
    if (entry?.stat && entry.stat !== g.stat) {
      // The map names one statistic of this output; the others are left out without a word each.
      return null;
    }
    const metric = entry?.metric ?? this.names.resolve(label)?.metric;
    if (!metric) {
      if (!this.warned.has(`unknown\u0000${label}`)) {
        this.warned.add(`unknown\u0000${label}`);
        this.problems.warn(g.at, `the get-metric-statistics output labelled ${JSON.stringify(label)} matches no metric esm-sim reads, so it is left out; pass ${MAP_HINT} to name it (e.g. --map ${label}=Invocations)`, "left-out");
      }
      return null;
    }
    return { metric, statistic: g.stat, from: entry ? "map" : "label" };
  }

  /** Points in time order, one per time, with the period and the count of periods without a point. */
  private timeline(g: Group): { points: MetricPoint[]; periodS: number | null; missing: number } | null {
    if (g.bad) return null;
    const sorted = [...g.points].sort((a, b) => a.ms - b.ms);
    const kept: RawPoint[] = [];
    let ok = true;
    for (const p of sorted) {
      const prev = kept[kept.length - 1];
      if (prev && prev.ms === p.ms) {
        if (prev.value !== p.value) {
          ok = false;
          this.problems.error(p.valueAt, `${describeGroup(g)} has two values for the time ${p.shown}: ${p.value} here and ${prev.value} at ${prev.valueAt.path}; a series holds one value per time`);
        }
        continue;
      }
      kept.push(p);
    }
    const givenMs = this.options.periodS === undefined ? null : Math.round(this.options.periodS * 1000);
    let periodMs = givenMs;
    if (periodMs === null && kept.length >= 2) {
      periodMs = inferPeriod(kept.map((p) => p.ms));
      // Off the minute grid: name the points that are, rather than infer a period of seconds.
      if (periodMs % MINUTE_MS !== 0) {
        for (let i = 1; i < kept.length; i++) {
          const gap = kept[i].ms - kept[i - 1].ms;
          if (gap % MINUTE_MS === 0) continue;
          this.problems.error(kept[i].at, `${describeGroup(g)}: ${kept[i].shown} comes ${seconds(gap)} after the point before it (${kept[i - 1].shown}); the metrics esm-sim reads come in periods of whole minutes, so points are a whole number of minutes apart`);
        }
        return null;
      }
    }
    let missing = 0;
    if (periodMs !== null) {
      for (let i = 1; i < kept.length; i++) {
        const gap = kept[i].ms - kept[i - 1].ms;
        if (gap % periodMs === 0) {
          missing += gap / periodMs - 1;
          continue;
        }
        ok = false;
        this.problems.error(kept[i].at, `${describeGroup(g)}: ${kept[i].shown} comes ${seconds(gap)} after the point before it (${kept[i - 1].shown}), which is not a whole number of periods: the period given is ${seconds(periodMs)}`);
      }
    }
    if (!ok) return null;
    return { points: kept.map((p) => ({ tS: p.ms / 1000, value: p.value })), periodS: periodMs === null ? null : periodMs / 1000, missing };
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A series' period from its times (sorted, distinct, at least two): the largest period that divides every gap,
 * which is the smallest gap whenever two neighbouring periods both have data, and still the period when none do
 * (gaps of 120 and 180 s: 60 s).
 */
function inferPeriod(times: number[]): number {
  let common = 0;
  for (let i = 1; i < times.length; i++) common = gcd(times[i] - times[i - 1], common);
  return common;
}

/** A statistic that suits a metric, for examples in messages: Maximum for levels and ages, else Sum. */
function exampleStat(metric: string): Statistic {
  return /Duration|Age|Concurrent|ApproximateNumber/.test(metric) ? "Maximum" : "Sum";
}

function describeResult(id: string | undefined, label: string | undefined): string {
  if (id !== undefined && label !== undefined && label.toLowerCase() !== id.toLowerCase()) return `result ${JSON.stringify(id)} (label ${JSON.stringify(label)})`;
  if (id !== undefined) return `result ${JSON.stringify(id)}`;
  if (label !== undefined) return `the result labelled ${JSON.stringify(label)}`;
  return "a result with neither Id nor Label";
}

function describeGroup(g: Group): string {
  if (g.kind === "data") return describeResult(g.id, g.label);
  return `the get-metric-statistics output labelled ${JSON.stringify(g.label)} (${g.stat})`;
}
