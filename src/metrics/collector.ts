/**
 * Metrics as a fold over the trace: where records ended, duplicates, ordering, invocation outcomes, concurrency,
 * the age of the oldest message (SQS IteratorAge), latency and throughput. Memory is bounded by the number of keys
 * and fixed-size histograms, not by the number of records.
 *
 * Definitions (docs/reports.md): succeeded counts distinct records; duplicates are successful
 * processings beyond the first; an ordering violation is a record whose first success came after that of a
 * later-produced record with the same key; latency runs from production to the end of the first successful
 * invocation; SQS IteratorAge is the age of the oldest message in the queue, sampled once a second.
 * A producer retry accepted as a new message is its own record (produced, succeeded...); when both it and the
 * send it repeats succeed, the later success also counts in `duplicates` (and `producerDuplicates`): one logical
 * message processed twice. Only records that carry a logicalN are tracked, each until both copies have ended,
 * so memory stays small.
 * Stream IteratorAge is the age of each batch's last record when it is sent (invoke events carry it).
 *
 * The fold also keeps the trace digest (digest.ts): every event except `produce` (which is only emitted when
 * someone asks for per-record events) feeds its type, time and integer fields, so the digest is the same with
 * and without --trace and costs a few multiplications per event.
 */
import type {
  BisectEvent,
  CheckpointEvent,
  DedupEvent,
  DlqEvent,
  ExpireEvent,
  FilterEvent,
  InvokeEvent,
  OnFailureEvent,
  PollEvent,
  ReadThrottleEvent,
  ResultEvent,
  SampleEvent,
  ScaleEvent,
  SimRecord,
  StreamRetryEvent,
  ThrottleEvent,
  TraceEvent,
  VisibleAgainEvent,
} from "../trace/events.js";
import {
  digestBisect,
  digestCheckpoint,
  digestDedup,
  digestDlq,
  digestExpire,
  digestFilter,
  digestInvoke,
  digestOnFailure,
  digestPoll,
  digestReadThrottle,
  digestResult,
  digestRetry,
  digestSample,
  digestScale,
  digestStreamRetry,
  digestThrottle,
  TraceDigest,
} from "./digest.js";
import { Percentiles } from "./histogram.js";
import { OutcomeBuckets } from "./outcomes.js";
import { TimelineCollector } from "./timeline.js";

export interface SeriesPoint {
  tUs: number;
  value: number;
}

export class MetricsCollector {
  succeeded = 0;
  dlq = 0;
  expired = 0;
  onFailure = 0;
  /** Of onFailure: records whose invocation record reached the on-failure destination, and records dropped (no
   *  destination, or the destination refused the invocation record), as the trace's `delivered` says. */
  onFailureDelivered = 0;
  onFailureDropped = 0;
  filtered = 0;
  duplicates = 0;
  /** Of `duplicates`, by cause (docs/reports.md): a queue's message back after its visibility timeout ran out or
   *  delivered twice by the queue; a stream's record read again after a checkpoint rewind. The fourth cause, a
   *  producer retry, is `producerDuplicates`. */
  duplicatesVisibilityTimeout = 0;
  duplicatesDuplicateDelivery = 0;
  duplicatesCheckpointRewind = 0;
  orderingViolations = 0;
  invocations = 0;
  errors = 0;
  timeouts = 0;
  throttles = 0;
  partial = 0;
  partialIgnored = 0;
  /** Of partialIgnored: responses whose batchItemFailures Lambda did not find (partial-unread). */
  partialUnread = 0;
  deletedDespiteReportedFailure = 0;
  visibilityRedeliveries = 0;
  spontaneousDuplicates = 0;
  dedupDropped = 0;
  /** FIFO: messages processed successfully whose delete the queue refused (an expired receipt handle). */
  deletesRefused = 0;
  producerDuplicates = 0;
  /** Where records carry no logicalN (stream records): the first send of the record with this production index, if
   *  it has or is a producer retry, asked once, when the record first succeeds (StreamSource.takeLogicalOf); null:
   *  records carry their own. */
  logicalOf: ((n: number) => number | undefined) | null = null;
  /** Logical messages with a producer retry, by first send, until both of their copies have ended: the copies that
   *  succeeded times 4, plus the copies that have ended (1; at 2 the entry is dropped). A first send is retried once
   *  at most and a retry never, so a logical message has two copies; each ends once (a success, or on a queue the
   *  DLQ, expiry, a filter, or a FIFO queue dropping the retry as a duplicate; on a stream, expiry, a filter or an
   *  on-failure discard), after which no event names it as ending. A stream record's tie to its first send is taken
   *  when it first ends, so a record an on-failure discard names after it succeeded counts once. */
  private readonly logicalSuccesses = new Map<number, number>();

  /** Logical messages the collector still holds a count for (what a test reads to see memory stay bounded). */
  get logicalMessagesHeld(): number {
    return this.logicalSuccesses.size;
  }
  polls = 0;
  emptyPolls = 0;
  /** Streams: batches scheduled to be invoked again (failed or throttled), and batches split in two. */
  streamRetries = 0;
  bisects = 0;
  /** Cold starts (function.coldStart): invocations that created their execution environment, and their Init phases. */
  coldStarts = 0;
  initSumUs = 0;
  initMaxUs = 0;
  concurrencyMax = 0;
  concurrencyMaxAtUs = 0;
  pollersMax = 0;
  firstSuccessUs = Infinity;
  lastSuccessUs = 0;
  readonly latency = new Percentiles();
  readonly iteratorAge = new Percentiles();
  readonly batchSizes = new Percentiles();
  /** Per key: the highest production index that has succeeded so far (-1 none). */
  private readonly maxSucceededN: Float64Array;
  readonly concurrencySeries: SeriesPoint[] = [];
  readonly backlogSeries: SeriesPoint[] = [];
  readonly ageSeries: SeriesPoint[] = [];
  /** Invocation outcomes over time, in a bounded number of buckets. */
  readonly outcomes = new OutcomeBuckets();
  /** Start, end and outcome of each invocation, kept for small runs only. */
  readonly timeline = new TimelineCollector();
  private seriesEveryUs: number;
  private nextSeriesUs = 0;
  readonly digest = new TraceDigest();

  /**
   * Series samples are taken at most every `seriesEveryUs` (first 1 s); when a series would pass `seriesMaxPoints`,
   * every other sample is dropped and the spacing doubles, so a series stays bounded and evenly spaced whatever
   * the run's length.
   */
  constructor(keyCount: number, seriesEveryUs = 1_000_000, private readonly seriesMaxPoints = 600) {
    this.maxSucceededN = new Float64Array(Math.max(1, keyCount)).fill(-1);
    this.seriesEveryUs = seriesEveryUs;
  }

  private thinSeries(): void {
    for (const s of [this.concurrencySeries, this.backlogSeries, this.ageSeries]) {
      let w = 0;
      for (let i = 0; i < s.length; i += 2) s[w++] = s[i];
      s.length = w;
    }
    this.seriesEveryUs *= 2;
    const last = this.concurrencySeries[this.concurrencySeries.length - 1];
    this.nextSeriesUs = last.tUs + this.seriesEveryUs;
  }

  // One method per event type: the listener below switches on the type once and calls it, and a fold that
  // dispatches for several collectors at once (metrics/run-fold.ts) calls them directly. Each feeds the digest too.

  onPoll(e: PollEvent): void {
    digestPoll(this.digest, e);
    this.polls++;
    if (e.received === 0) this.emptyPolls++;
  }

  onInvoke(e: InvokeEvent): void {
    digestInvoke(this.digest, e);
    this.invocations++;
    if (e.iteratorAgeUs !== undefined) this.iteratorAge.add(e.iteratorAgeUs);
    this.batchSizes.add(e.records.length);
    this.timeline.invoke(e);
    if (e.initUs !== undefined) {
      this.coldStarts++;
      this.initSumUs += e.initUs;
      if (e.initUs > this.initMaxUs) this.initMaxUs = e.initUs;
    }
    if (e.concurrency > this.concurrencyMax) {
      this.concurrencyMax = e.concurrency;
      this.concurrencyMaxAtUs = e.tUs;
    }
  }

  onResult(e: ResultEvent): void {
    digestResult(this.digest, e);
    const tUs = e.tUs;
    const outcome = e.outcome;
    this.outcomes.addResult(tUs, outcome);
    this.timeline.result(e);
    if (outcome === "error") this.errors++;
    else if (outcome === "timeout") this.timeouts++;
    else if (outcome === "partial") this.partial++;
    if (e.ignoredPartial > 0) {
      this.partialIgnored++;
      if (e.unreadResponse) this.partialUnread++;
      this.deletedDespiteReportedFailure += e.ignoredPartial;
    }
    if (e.undeleted !== undefined) this.deletesRefused += e.undeleted.length;
    const redundant = e.redundant;
    if (redundant > 0) {
      this.duplicates += redundant;
      // Only a stream's results name a shard.
      if (e.shard !== undefined) this.duplicatesCheckpointRewind += redundant;
      else {
        const delivered = e.redundantDuplicateDelivery ?? 0;
        this.duplicatesDuplicateDelivery += delivered;
        this.duplicatesVisibilityTimeout += redundant - delivered;
      }
    }
    const succeeded = e.succeeded;
    if (succeeded.length > 0) {
      if (tUs < this.firstSuccessUs) this.firstSuccessUs = tUs;
      this.lastSuccessUs = tUs;
    }
    const maxN = this.maxSucceededN;
    this.succeeded += succeeded.length;
    for (let i = 0; i < succeeded.length; i++) {
      const r = succeeded[i];
      this.latency.add(tUs - r.sentUs);
      if (maxN[r.keyIndex] > r.n) this.orderingViolations++;
      else maxN[r.keyIndex] = r.n;
      const logical = this.logicalOf === null ? r.logicalN : this.logicalOf(r.n);
      if (logical !== undefined && logical >= 0) this.logicalSuccess(logical);
    }
  }

  /** A copy of a logical message with a producer retry succeeded: every copy after the first is a duplicate. */
  private logicalSuccess(logical: number): void {
    const held = this.logicalSuccesses.get(logical) ?? 0;
    if (held >= 4) {
      this.duplicates++;
      this.producerDuplicates++;
    }
    this.logicalCopyEnded(logical, held + 4);
  }

  /** A copy of a logical message ended (`held`: its entry, with any success of this copy added). */
  private logicalCopyEnded(logical: number, held: number): void {
    if ((held & 3) === 1) this.logicalSuccesses.delete(logical);
    else this.logicalSuccesses.set(logical, held + 1);
  }

  /** A record ended other than by succeeding: if it is a copy of a logical message, that copy has ended. A stream
   *  record's tie to its first send is taken now (a record that succeeded before has none left). */
  private copyEnded(r: SimRecord): void {
    const logical = this.logicalOf === null ? r.logicalN : this.logicalOf(r.n);
    if (logical === undefined || logical < 0) return;
    this.logicalCopyEnded(logical, this.logicalSuccesses.get(logical) ?? 0);
  }

  onThrottle(e: ThrottleEvent): void {
    digestThrottle(this.digest, e);
    this.throttles++;
    this.outcomes.add(e.tUs, "throttle");
    this.timeline.throttle(e);
  }

  onDlq(e: DlqEvent): void {
    digestDlq(this.digest, e);
    this.dlq++;
    this.copyEnded(e.record);
  }

  onExpire(e: ExpireEvent): void {
    digestExpire(this.digest, e);
    this.expired++;
    this.copyEnded(e.record);
  }

  onRetry(e: VisibleAgainEvent): void {
    digestRetry(this.digest, e);
    if (e.reason === "VisibilityTimeoutExpired") this.visibilityRedeliveries++;
    else this.spontaneousDuplicates++;
  }

  onScale(e: ScaleEvent): void {
    digestScale(this.digest, e);
    if (e.to > this.pollersMax) this.pollersMax = e.to;
  }

  onSample(e: SampleEvent): void {
    digestSample(this.digest, e);
    this.iteratorAge.add(e.oldestAgeUs);
    if (e.tUs >= this.nextSeriesUs) {
      this.concurrencySeries.push({ tUs: e.tUs, value: e.concurrency });
      this.backlogSeries.push({ tUs: e.tUs, value: e.visible + e.inFlight });
      this.ageSeries.push({ tUs: e.tUs, value: e.oldestAgeUs });
      this.nextSeriesUs = e.tUs + this.seriesEveryUs;
      if (this.concurrencySeries.length > this.seriesMaxPoints) this.thinSeries();
    }
  }

  onDedup(e: DedupEvent): void {
    digestDedup(this.digest, e);
    this.dedupDropped++;
    // A FIFO queue dropped the retry of message ofN: that logical message's second copy has ended.
    if (this.logicalOf === null) this.logicalCopyEnded(e.ofN, this.logicalSuccesses.get(e.ofN) ?? 0);
  }

  onOnFailure(e: OnFailureEvent): void {
    digestOnFailure(this.digest, e);
    this.onFailure += e.ended;
    if (this.logicalOf !== null) for (const r of e.records) this.copyEnded(r);
    if (e.delivered) this.onFailureDelivered += e.ended;
    else this.onFailureDropped += e.ended;
  }

  onFilter(e: FilterEvent): void {
    digestFilter(this.digest, e);
    this.filtered++;
    this.copyEnded(e.record);
  }

  onStreamRetry(e: StreamRetryEvent): void {
    digestStreamRetry(this.digest, e);
    // stream.retries: the retries MaximumRetryAttempts counts; a throttled batch's and a rewound rest's are not.
    if (e.countsAsRetry) this.streamRetries++;
  }

  onBisect(e: BisectEvent): void {
    digestBisect(this.digest, e);
    this.bisects++;
  }

  onCheckpoint(e: CheckpointEvent): void {
    digestCheckpoint(this.digest, e);
  }

  onReadThrottle(e: ReadThrottleEvent): void {
    digestReadThrottle(this.digest, e);
  }

  /** The fold as one trace listener. `produce` events are not counted (nor digested): see the header. */
  readonly listener = (e: TraceEvent): void => {
    switch (e.type) {
      case "produce":
        break;
      case "poll":
        this.onPoll(e);
        break;
      case "invoke":
        this.onInvoke(e);
        break;
      case "result":
        this.onResult(e);
        break;
      case "checkpoint":
        this.onCheckpoint(e);
        break;
      case "throttle":
        this.onThrottle(e);
        break;
      case "dlq":
        this.onDlq(e);
        break;
      case "expire":
        this.onExpire(e);
        break;
      case "retry":
        this.onRetry(e);
        break;
      case "scale":
        this.onScale(e);
        break;
      case "sample":
        this.onSample(e);
        break;
      case "dedup":
        this.onDedup(e);
        break;
      case "onFailure":
        this.onOnFailure(e);
        break;
      case "filter":
        this.onFilter(e);
        break;
      case "streamRetry":
        this.onStreamRetry(e);
        break;
      case "bisect":
        this.onBisect(e);
        break;
      case "readThrottle":
        this.onReadThrottle(e);
        break;
      default: {
        // Every event type must feed the digest: add new types above.
        const unhandled: never = e;
        return unhandled;
      }
    }
  };
}
