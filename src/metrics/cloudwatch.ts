/**
 * CloudWatch's numbers under CloudWatch's names: a fold over the trace (plus the sources' production meter, since
 * `produce` events exist only when a listener asks for every record) into per-period buckets, one array slot per
 * metric statistic, reported as series and run totals.
 *
 * Definitions followed:
 *   Lambda and event source mapping metrics: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 *     (event source mapping metrics are opt-in on AWS through the mapping's MetricsConfig, Metrics: [EventCount];
 *     esm-sim reports them whatever the mapping's configuration).
 *   SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 *     (NumberOfMessagesDeleted counts "every successful deletion operation that uses a valid receipt handle, including
 *     duplicate deletions": one per message a result deleted, and one per message deleted again by a later batch
 *     with a receipt handle of its own; a delete SQS refused, as a FIFO queue refuses an expired receipt handle,
 *     counts nothing. DeletedEventCount counts the same deletes, the mapping's; NumberOfMessagesDeleted adds those
 *     of filtered-out messages.)
 *   Kinesis: https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html (a mapping with enhanced
 *     fan-out reads through SubscribeToShard, not GetRecords: its records count in SubscribeToShardEvent.Records and
 *     how far behind it is in SubscribeToShardEvent.MillisBehindLatest, the age of the last record pushed, and it has
 *     no GetRecords.* metrics).
 *
 * Stamping: CloudWatch labels a period by its start, periods aligned to UTC; virtual time 0 is the scenario's
 * startTime (2024-01-01T00:00:00Z unless set), always on a whole minute, so period k starts at startTime + k * period
 * (for periods past a minute, reached only in runs longer than a day, on the start's grid rather than UTC's). Lambda stamps Invocations, Errors and
 * Duration with the time the function was invoked, not when it ended ("the timestamp on an error metric reflects
 * when the function was invoked"); everything else is stamped when it happens.
 *
 * Memory: one Float64Array of buckets x slots, grown by doubling up to MAX_BUCKETS; a run that outgrows it moves to
 * CloudWatch's next standard period (60 s, 5 min, 15 min, 1 h, 6 h, 1 d, then whole multiples of a day), merging
 * whole buckets, so the report holds at most MAX_BUCKETS points per metric. Nothing is allocated per record.
 */
import { isoUtc, US_PER_S } from "../engine/time.js";
import type { FilterEvent, InvokeEvent, OnFailureEvent, PollEvent, ReadThrottleEvent, ResultEvent, SampleEvent, ThrottleEvent, TraceEvent } from "../trace/events.js";

/** The source as far as its metrics go: a Kinesis mapping with enhanced fan-out (`kinesis-efo`) makes no GetRecords
 *  calls; its records come in SubscribeToShard events, which Kinesis counts under metrics of their own. */
export type CloudWatchSource = "sqs" | "sqs-fifo" | "kinesis" | "kinesis-efo" | "dynamodb";

/** The CloudWatchSource of a scenario's source type and its mapping's enhanced fan-out setting. */
export function cloudwatchSourceOf(type: string, enhancedFanOut: boolean): CloudWatchSource {
  if (type === "kinesis" && enhancedFanOut) return "kinesis-efo";
  return type as CloudWatchSource;
}

/** The source in words, for messages ("a kinesis source with enhanced fan-out"). */
export function describeCloudWatchSource(source: CloudWatchSource): string {
  return source === "kinesis-efo" ? "a kinesis source with enhanced fan-out" : `a ${source} source`;
}
export type CloudWatchStat = "Sum" | "Maximum" | "Average";
export type CloudWatchUnit = "Count" | "Milliseconds" | "Seconds" | "Bytes";
type Stat = CloudWatchStat;
type Unit = CloudWatchUnit;
type Namespace = "AWS/Lambda" | "AWS/SQS" | "AWS/Kinesis";

/** Which sources a metric exists for: AWS publishes ESM and service metrics only for the sources they describe.
 *  `kinesis-polling`: GetRecords calls, made by a mapping without enhanced fan-out; `kinesis-efo`: SubscribeToShard
 *  events, which carry the records of a mapping with it. */
type Applies = "all" | "sqs" | "stream" | "kinesis" | "kinesis-polling" | "kinesis-efo";

interface MetricDef {
  /** The report key, also the `expect` path after `cloudwatch.`: the metric name, with the statistic appended when
   *  one metric is reported under two statistics (Duration.Average, Duration.Maximum). */
  key: string;
  namespace: Namespace;
  metric: string;
  stat: Stat;
  unit: Unit;
  applies: Applies;
}

/** Bucket slots. Sum and Maximum metrics own one slot; an Average owns a sum slot and a count slot. */
const S = {
  invocations: 0,
  errors: 1,
  throttles: 2,
  concurrency: 3,
  durationSum: 4,
  durationCount: 5,
  durationMax: 6,
  iteratorAge: 7,
  deliveryFailures: 8,
  polled: 9,
  invoked: 10,
  filtered: 11,
  failedInvoke: 12,
  dropped: 13,
  delivered: 14,
  deleted: 15,
  visible: 16,
  notVisible: 17,
  oldestAge: 18,
  sent: 19,
  received: 20,
  sqsDeleted: 21,
  emptyReceives: 22,
  incomingRecords: 23,
  incomingBytes: 24,
  getRecords: 25,
  getRecordsAge: 26,
  writeThrottles: 27,
  readThrottles: 28,
  pushedRecords: 29,
  pushedAge: 30,
} as const;
const SLOTS = 31;
/** Slots holding a maximum (-1 = no data point in the bucket); the rest hold sums. */
const MAX_SLOTS: readonly number[] = [S.concurrency, S.durationMax, S.iteratorAge, S.visible, S.notVisible, S.oldestAge, S.getRecordsAge, S.pushedAge];

/** The report's metrics, in the report's key order, each with its slot(s). */
const METRICS: readonly (MetricDef & { slot: number; countSlot?: number })[] = [
  { key: "Invocations", namespace: "AWS/Lambda", metric: "Invocations", stat: "Sum", unit: "Count", applies: "all", slot: S.invocations },
  { key: "Errors", namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", unit: "Count", applies: "all", slot: S.errors },
  { key: "Throttles", namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", unit: "Count", applies: "all", slot: S.throttles },
  { key: "ConcurrentExecutions", namespace: "AWS/Lambda", metric: "ConcurrentExecutions", stat: "Maximum", unit: "Count", applies: "all", slot: S.concurrency },
  { key: "Duration.Average", namespace: "AWS/Lambda", metric: "Duration", stat: "Average", unit: "Milliseconds", applies: "all", slot: S.durationSum, countSlot: S.durationCount },
  { key: "Duration.Maximum", namespace: "AWS/Lambda", metric: "Duration", stat: "Maximum", unit: "Milliseconds", applies: "all", slot: S.durationMax },
  { key: "IteratorAge", namespace: "AWS/Lambda", metric: "IteratorAge", stat: "Maximum", unit: "Milliseconds", applies: "stream", slot: S.iteratorAge },
  { key: "DestinationDeliveryFailures", namespace: "AWS/Lambda", metric: "DestinationDeliveryFailures", stat: "Sum", unit: "Count", applies: "stream", slot: S.deliveryFailures },
  { key: "PolledEventCount", namespace: "AWS/Lambda", metric: "PolledEventCount", stat: "Sum", unit: "Count", applies: "all", slot: S.polled },
  { key: "InvokedEventCount", namespace: "AWS/Lambda", metric: "InvokedEventCount", stat: "Sum", unit: "Count", applies: "all", slot: S.invoked },
  { key: "FilteredOutEventCount", namespace: "AWS/Lambda", metric: "FilteredOutEventCount", stat: "Sum", unit: "Count", applies: "all", slot: S.filtered },
  { key: "FailedInvokeEventCount", namespace: "AWS/Lambda", metric: "FailedInvokeEventCount", stat: "Sum", unit: "Count", applies: "all", slot: S.failedInvoke },
  { key: "DroppedEventCount", namespace: "AWS/Lambda", metric: "DroppedEventCount", stat: "Sum", unit: "Count", applies: "stream", slot: S.dropped },
  { key: "OnFailureDestinationDeliveredEventCount", namespace: "AWS/Lambda", metric: "OnFailureDestinationDeliveredEventCount", stat: "Sum", unit: "Count", applies: "stream", slot: S.delivered },
  { key: "DeletedEventCount", namespace: "AWS/Lambda", metric: "DeletedEventCount", stat: "Sum", unit: "Count", applies: "sqs", slot: S.deleted },
  { key: "ApproximateNumberOfMessagesVisible", namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", unit: "Count", applies: "sqs", slot: S.visible },
  { key: "ApproximateNumberOfMessagesNotVisible", namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesNotVisible", stat: "Maximum", unit: "Count", applies: "sqs", slot: S.notVisible },
  { key: "ApproximateAgeOfOldestMessage", namespace: "AWS/SQS", metric: "ApproximateAgeOfOldestMessage", stat: "Maximum", unit: "Seconds", applies: "sqs", slot: S.oldestAge },
  { key: "NumberOfMessagesSent", namespace: "AWS/SQS", metric: "NumberOfMessagesSent", stat: "Sum", unit: "Count", applies: "sqs", slot: S.sent },
  { key: "NumberOfMessagesReceived", namespace: "AWS/SQS", metric: "NumberOfMessagesReceived", stat: "Sum", unit: "Count", applies: "sqs", slot: S.received },
  { key: "NumberOfMessagesDeleted", namespace: "AWS/SQS", metric: "NumberOfMessagesDeleted", stat: "Sum", unit: "Count", applies: "sqs", slot: S.sqsDeleted },
  { key: "NumberOfEmptyReceives", namespace: "AWS/SQS", metric: "NumberOfEmptyReceives", stat: "Sum", unit: "Count", applies: "sqs", slot: S.emptyReceives },
  { key: "IncomingRecords", namespace: "AWS/Kinesis", metric: "IncomingRecords", stat: "Sum", unit: "Count", applies: "kinesis", slot: S.incomingRecords },
  { key: "IncomingBytes", namespace: "AWS/Kinesis", metric: "IncomingBytes", stat: "Sum", unit: "Bytes", applies: "kinesis", slot: S.incomingBytes },
  { key: "GetRecords.Records", namespace: "AWS/Kinesis", metric: "GetRecords.Records", stat: "Sum", unit: "Count", applies: "kinesis-polling", slot: S.getRecords },
  { key: "GetRecords.IteratorAgeMilliseconds", namespace: "AWS/Kinesis", metric: "GetRecords.IteratorAgeMilliseconds", stat: "Maximum", unit: "Milliseconds", applies: "kinesis-polling", slot: S.getRecordsAge },
  { key: "SubscribeToShardEvent.Records", namespace: "AWS/Kinesis", metric: "SubscribeToShardEvent.Records", stat: "Sum", unit: "Count", applies: "kinesis-efo", slot: S.pushedRecords },
  { key: "SubscribeToShardEvent.MillisBehindLatest", namespace: "AWS/Kinesis", metric: "SubscribeToShardEvent.MillisBehindLatest", stat: "Maximum", unit: "Milliseconds", applies: "kinesis-efo", slot: S.pushedAge },
  { key: "WriteProvisionedThroughputExceeded", namespace: "AWS/Kinesis", metric: "WriteProvisionedThroughputExceeded", stat: "Sum", unit: "Count", applies: "kinesis", slot: S.writeThrottles },
  { key: "ReadProvisionedThroughputExceeded", namespace: "AWS/Kinesis", metric: "ReadProvisionedThroughputExceeded", stat: "Sum", unit: "Count", applies: "kinesis", slot: S.readThrottles },
];

/** Every metric key the report can hold, with the kind of value an `expect` entry compares it with: Milliseconds
 *  take durations ("5s") or a bare number of milliseconds, Seconds a plain number of seconds. */
export const CLOUDWATCH_METRIC_KINDS: readonly [string, "count" | "ms" | "rate"][] = METRICS.map((m) => [
  m.key,
  m.unit === "Milliseconds" ? "ms" : m.unit === "Seconds" ? "rate" : "count",
]);

/** The sources a metric key (without `cloudwatch.`) is published for, in words ("kinesis and dynamodb sources"), or
 *  null when it is published for `source`; undefined for a key that is no CloudWatch metric. */
export function cloudwatchMetricSources(key: string, source: CloudWatchSource): string | null | undefined {
  const m = METRICS.find((x) => x.key === key);
  if (!m) return undefined;
  if (applies(m.applies, source)) return null;
  switch (m.applies) {
    case "sqs":
      return "sqs and sqs-fifo sources";
    case "stream":
      return "kinesis and dynamodb sources";
    case "kinesis-polling":
      return "kinesis sources without enhanced fan-out (a mapping with mapping.enhancedFanOut makes no GetRecords calls)";
    case "kinesis-efo":
      return "kinesis sources with enhanced fan-out (mapping.enhancedFanOut: true)";
    default:
      return "kinesis sources";
  }
}

/** A metric of the report's section as CloudWatch names it: namespace, metric name, statistic and unit. */
export interface CloudWatchMetricInfo {
  /** Where it is in the section (`cloudwatch.<key>`, a dotted key nesting once). */
  key: string;
  namespace: Namespace;
  metric: string;
  stat: Stat;
  unit: Unit;
}

/** The metrics a report of `source` holds, in the report's order. */
export function cloudwatchMetricsFor(source: CloudWatchSource): CloudWatchMetricInfo[] {
  return METRICS.filter((m) => applies(m.applies, source)).map(({ key, namespace, metric, stat, unit }) => ({ key, namespace, metric, stat, unit }));
}

/** The value under `key` in a section or its series, read the way `put` wrote it; undefined when absent. */
export function cloudwatchAt(obj: Record<string, unknown>, key: string): unknown {
  const dot = key.indexOf(".");
  if (dot < 0) return Object.hasOwn(obj, key) ? obj[key] : undefined;
  const inner = Object.hasOwn(obj, key.slice(0, dot)) ? obj[key.slice(0, dot)] : undefined;
  return inner !== null && typeof inner === "object" ? cloudwatchAt(inner as Record<string, unknown>, key.slice(dot + 1)) : undefined;
}

/** CloudWatch's standard periods, seconds; past the last, whole days doubling. */
const PERIODS_S = [60, 300, 900, 3600, 21_600, 86_400];
export const MAX_BUCKETS = 1440;

function nextPeriodS(periodS: number): number {
  const i = PERIODS_S.indexOf(periodS);
  return i >= 0 && i + 1 < PERIODS_S.length ? PERIODS_S[i + 1] : periodS * 2;
}

function applies(a: Applies, source: CloudWatchSource): boolean {
  if (a === "all") return true;
  if (a === "sqs") return source === "sqs" || source === "sqs-fifo";
  if (a === "stream") return source === "kinesis" || source === "kinesis-efo" || source === "dynamodb";
  if (a === "kinesis-polling") return source === "kinesis";
  if (a === "kinesis-efo") return source === "kinesis-efo";
  return source === "kinesis" || source === "kinesis-efo";
}

/**
 * The report section: each metric's statistic over the whole run under its key (a key with a dot nests:
 * `GetRecords.Records` is `GetRecords: { Records }`, so that `cloudwatch.GetRecords.Records` is both the JSON path
 * and the `expect` path), null when CloudWatch would have no data point; and `series`, one value per period
 * (timestamps: the period starts, UTC), keyed the same way.
 */
export type CloudWatchReport = { periodSeconds: number } & Record<string, unknown> & {
    series: { timestamps: string[] } & Record<string, unknown>;
  };

/** Set `obj[a][b]` for key "a.b", `obj[a]` for key "a". */
function put(obj: Record<string, unknown>, key: string, v: unknown): void {
  const dot = key.indexOf(".");
  if (dot < 0) {
    obj[key] = v;
    return;
  }
  const head = key.slice(0, dot);
  const inner = (obj[head] ??= {}) as Record<string, unknown>;
  inner[key.slice(dot + 1)] = v;
}

export class CloudWatchMetrics {
  private periodUs = 60 * US_PER_S;
  private buckets = 0;
  private data = new Float64Array(0);
  /** Function concurrency now, and the last bucket it was recorded in (carried into buckets with no invoke). */
  private concurrency = 0;
  private concurrencyBucket = 0;
  private readonly stream: boolean;
  /** Slots a stream's reads count in: GetRecords' or, with enhanced fan-out, SubscribeToShardEvent's. */
  private readonly readRecordsSlot: number;
  private readonly readAgeSlot: number;

  /** `startUnixS`: virtual time 0 in Unix seconds (the scenario's startTime), a whole minute. */
  constructor(
    private readonly source: CloudWatchSource,
    private readonly startUnixS: number,
  ) {
    this.stream = source === "kinesis" || source === "kinesis-efo" || source === "dynamodb";
    const pushed = source === "kinesis-efo";
    this.readRecordsSlot = pushed ? S.pushedRecords : S.getRecords;
    this.readAgeSlot = pushed ? S.pushedAge : S.getRecordsAge;
    this.grow(16);
  }

  private grow(buckets: number): void {
    const data = new Float64Array(buckets * SLOTS);
    data.set(this.data);
    for (let b = this.buckets; b < buckets; b++) for (const s of MAX_SLOTS) data[b * SLOTS + s] = -1;
    this.data = data;
    this.buckets = buckets;
  }

  /** The last bucket found and the times it covers, [lastFromUs, lastToUs): most lookups fall in it. */
  private lastBucket = 0;
  private lastFromUs = 0;
  private lastToUs = 0;

  /** The bucket for `tUs`, growing the array or moving to a longer period as needed (small, so that it is inlined:
   *  the lookup past the last bucket is a function of its own). */
  private bucket(tUs: number): number {
    return tUs >= this.lastFromUs && tUs < this.lastToUs ? this.lastBucket : this.findBucket(tUs);
  }

  private findBucket(tUs: number): number {
    let b = Math.floor(tUs / this.periodUs);
    while (b >= this.buckets) {
      if (this.buckets < MAX_BUCKETS) this.grow(Math.min(MAX_BUCKETS, this.buckets * 2));
      else this.coarsen();
      b = Math.floor(tUs / this.periodUs);
    }
    this.lastBucket = b;
    this.lastFromUs = b * this.periodUs;
    this.lastToUs = this.lastFromUs + this.periodUs;
    return b;
  }

  private coarsen(): void {
    const periodS = this.periodUs / US_PER_S;
    const factor = nextPeriodS(periodS) / periodS;
    const old = this.data;
    const n = this.buckets;
    this.data = new Float64Array(0);
    this.buckets = 0;
    this.grow(n);
    const data = this.data;
    for (let b = 0; b < n; b++) {
      const to = Math.floor(b / factor) * SLOTS;
      const from = b * SLOTS;
      for (let s = 0; s < SLOTS; s++) {
        if (MAX_SLOTS.includes(s)) data[to + s] = Math.max(data[to + s], old[from + s]);
        else data[to + s] += old[from + s];
      }
    }
    this.periodUs *= factor;
    this.concurrencyBucket = Math.floor(this.concurrencyBucket / factor);
    this.lastToUs = this.lastFromUs = 0;
  }

  // The bucket first, then the array: finding the bucket may replace the array.
  private add(tUs: number, slot: number, v: number): void {
    const i = this.bucket(tUs) * SLOTS + slot;
    this.data[i] += v;
  }

  private max(tUs: number, slot: number, v: number): void {
    const i = this.bucket(tUs) * SLOTS + slot;
    if (v > this.data[i]) this.data[i] = v;
  }

  /** ConcurrentExecutions: the level held since the last change counts in every bucket it spans, up to bucket `b`
   *  (found by the caller, for the event's time). */
  private concurrencyIn(b: number, level: number): void {
    const data = this.data;
    if (this.concurrency > 0) {
      for (let k = this.concurrencyBucket; k <= b; k++) {
        const i = k * SLOTS + S.concurrency;
        if (this.concurrency > data[i]) data[i] = this.concurrency;
      }
    }
    const i = b * SLOTS + S.concurrency;
    if (level > data[i]) data[i] = level;
    this.concurrency = level;
    this.concurrencyBucket = b;
  }

  /** The sources' production meter (sources/*: ProductionMeter): `records` records (1 when left out) accepted in the
   *  minute of `tUs`, so in its bucket whatever the period; `sizeBytes` and `throttledAttempts` are their totals. */
  readonly meter = (tUs: number, sizeBytes: number, throttledAttempts: number, records?: number): void => {
    const count = records === undefined ? 1 : records;
    if (this.stream) {
      // The bucket first, then the array: finding the bucket may replace the array.
      const i = this.bucket(tUs) * SLOTS;
      const data = this.data;
      data[i + S.incomingRecords] += count;
      data[i + S.incomingBytes] += sizeBytes;
      if (throttledAttempts > 0) data[i + S.writeThrottles] += throttledAttempts;
    } else {
      this.add(tUs, S.sent, count);
    }
  };

  // One method per event type that counts in a metric (the listener below switches on the type once and calls it;
  // metrics/run-fold.ts calls them directly). The frequent ones find their bucket once and then write the array.

  onPoll(e: PollEvent): void {
    const i = this.bucket(e.tUs) * SLOTS;
    const data = this.data;
    const received = e.received;
    data[i + S.polled] += received;
    if (this.stream) {
      data[i + this.readRecordsSlot] += received;
      const age = e.readAgeUs;
      if (age !== undefined && age > data[i + this.readAgeSlot]) data[i + this.readAgeSlot] = age;
    } else {
      data[i + S.received] += received;
      if (received === 0) data[i + S.emptyReceives] += 1;
    }
  }

  onFilter(e: FilterEvent): void {
    const i = this.bucket(e.tUs) * SLOTS;
    const data = this.data;
    data[i + S.filtered] += 1;
    // A stream's poll event counts the records it kept; the filtered ones were read too. An SQS filter deletes
    // the message (after the receive counted it).
    if (this.stream) {
      data[i + S.polled] += 1;
      data[i + this.readRecordsSlot] += 1;
    } else data[i + S.sqsDeleted] += 1;
  }

  onInvoke(e: InvokeEvent): void {
    const b = this.bucket(e.tUs);
    const i = b * SLOTS;
    const data = this.data;
    data[i + S.invocations] += 1;
    data[i + S.invoked] += e.records.length;
    this.concurrencyIn(b, e.concurrency);
    const age = e.iteratorAgeUs;
    if (age !== undefined && age > data[i + S.iteratorAge]) data[i + S.iteratorAge] = age;
  }

  onResult(e: ResultEvent): void {
    const durationUs = e.durationUs;
    // Errors and Duration are stamped at the invocation's start, as Lambda stamps them. The result's bucket is
    // found first (it may grow or coarsen the array); the start's is then the same bucket or an earlier one.
    const b = this.bucket(e.tUs);
    const startUs = e.tUs - durationUs;
    const j = (startUs >= this.lastFromUs ? b : Math.floor(startUs / this.periodUs)) * SLOTS;
    const data = this.data;
    if (e.outcome === "error" || e.outcome === "timeout") data[j + S.errors] += 1;
    data[j + S.durationSum] += durationUs;
    data[j + S.durationCount] += 1;
    if (durationUs > data[j + S.durationMax]) data[j + S.durationMax] = durationUs;
    const i = b * SLOTS;
    data[i + S.failedInvoke] += e.failed.length;
    this.concurrencyIn(b, Math.max(0, this.concurrency - 1));
    if (!this.stream) {
      // One per DeleteMessage SQS took: each message the result deleted (those of a partial response Lambda did not
      // read among them), and each it deleted again with a receipt handle still valid, which SQS counts too
      // ("including duplicate deletions", sqs-available-cloudwatch-metrics.html). A refused delete is none.
      const deleted = e.succeeded.length + (e.redeleted ?? 0);
      data[i + S.deleted] += deleted;
      data[i + S.sqsDeleted] += deleted;
    }
  }

  onReadThrottle(e: ReadThrottleEvent): void {
    // a GetRecords call refused by the shard's read limit (ReadProvisionedThroughputExceeded)
    this.add(e.tUs, S.readThrottles, 1);
  }

  onThrottle(e: ThrottleEvent): void {
    this.add(e.tUs, S.throttles, 1);
    this.add(e.tUs, S.failedInvoke, e.records.length);
  }

  onOnFailure(e: OnFailureEvent): void {
    if (e.delivered) this.add(e.tUs, S.delivered, e.records.length);
    else {
      this.add(e.tUs, S.dropped, e.records.length);
      if (e.destinationArn !== null) this.add(e.tUs, S.deliveryFailures, 1);
    }
  }

  onSample(e: SampleEvent): void {
    this.max(e.tUs, S.visible, e.visible);
    this.max(e.tUs, S.notVisible, e.inFlight);
    this.max(e.tUs, S.oldestAge, e.oldestAgeCountedUs ?? e.oldestAgeUs);
  }

  readonly listener = (e: TraceEvent): void => {
    switch (e.type) {
      case "poll":
        this.onPoll(e);
        break;
      case "invoke":
        this.onInvoke(e);
        break;
      case "result":
        this.onResult(e);
        break;
      case "filter":
        this.onFilter(e);
        break;
      case "readThrottle":
        this.onReadThrottle(e);
        break;
      case "throttle":
        this.onThrottle(e);
        break;
      case "onFailure":
        this.onOnFailure(e);
        break;
      case "sample":
        this.onSample(e);
        break;
      default:
        break;
    }
  };

  /** The section, covering every period from virtual time 0 to `endUs`. */
  report(endUs: number): CloudWatchReport {
    const last = this.bucket(Math.max(0, endUs - 1));
    const n = last + 1;
    const periodS = this.periodUs / US_PER_S;
    const timestamps: string[] = [];
    for (let b = 0; b < n; b++) timestamps.push(isoUtc((this.startUnixS + b * periodS) * 1000, true));
    const out: Record<string, unknown> = { periodSeconds: periodS };
    const series: Record<string, unknown> = { timestamps };
    const data = this.data;
    for (const m of METRICS) {
      if (!applies(m.applies, this.source)) continue;
      const values: (number | null)[] = [];
      let total = 0;
      let count = 0;
      let maxAll = -1;
      for (let b = 0; b < n; b++) {
        const v = data[b * SLOTS + m.slot];
        if (m.stat === "Sum") {
          values.push(v);
          total += v;
        } else if (m.stat === "Maximum") {
          values.push(v < 0 ? null : scaled(v, m.unit));
          if (v > maxAll) maxAll = v;
        } else {
          const c = data[b * SLOTS + m.countSlot!];
          values.push(c === 0 ? null : scaled(v / c, m.unit));
          total += v;
          count += c;
        }
      }
      const value = m.stat === "Sum" ? total : m.stat === "Maximum" ? (maxAll < 0 ? null : scaled(maxAll, m.unit)) : count === 0 ? null : scaled(total / count, m.unit);
      put(out, m.key, value);
      put(series, m.key, values);
    }
    out.series = series;
    return out as CloudWatchReport;
  }
}

/** Microseconds to the unit, rounded to three decimals (byte-stable); counts and bytes are whole already. */
function scaled(us: number, unit: Unit): number {
  if (unit === "Milliseconds") return Math.round(us) / 1000;
  if (unit === "Seconds") return Math.round(us / 1000) / 1000;
  return us;
}

/** One metric statistic of the section's series, as CloudWatch names it. */
export interface CloudWatchSeriesEntry {
  /** The report key (`Duration.Average`, `GetRecords.Records`). */
  key: string;
  namespace: string;
  metric: string;
  statistic: Stat;
  unit: Unit;
  /** One value per period; null where CloudWatch would have no data point. */
  values: (number | null)[];
}

/** The section's series as a list, in the report's key order: what an export of it (run --metrics-out) and a
 *  comparison with a real export (calibrate) read. */
export function cloudwatchSeries(cw: CloudWatchReport): { periodS: number; timestamps: string[]; entries: CloudWatchSeriesEntry[] } {
  const entries: CloudWatchSeriesEntry[] = [];
  for (const m of METRICS) {
    const dot = m.key.indexOf(".");
    const values = (dot < 0 ? cw.series[m.key] : (cw.series[m.key.slice(0, dot)] as Record<string, unknown> | undefined)?.[m.key.slice(dot + 1)]) as (number | null)[] | undefined;
    if (values === undefined) continue; // not published for this source
    entries.push({ key: m.key, namespace: m.namespace, metric: m.metric, statistic: m.stat, unit: m.unit, values });
  }
  return { periodS: cw.periodSeconds, timestamps: cw.series.timestamps, entries };
}

/** The statistic esm-sim reports a metric under, per report key (`Duration` has two keys). */
export function cloudwatchKeysOf(metric: string): { key: string; statistic: Stat }[] {
  return METRICS.filter((m) => m.metric === metric).map((m) => ({ key: m.key, statistic: m.stat }));
}
