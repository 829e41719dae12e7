/**
 * Metrics as a fold over the trace: where records ended, duplicates, ordering, invocation outcomes, concurrency,
 * the age of the oldest message (SQS IteratorAge), latency and throughput. Memory is bounded by the number of keys
 * and fixed-size histograms, not by the number of records.
 *
 * Definitions (shared/design/scenario-format.md): succeeded counts distinct records; duplicates are successful
 * processings beyond the first; an ordering violation is a record whose first success came after that of a
 * later-produced record with the same key; latency runs from production to the end of the first successful
 * invocation; SQS IteratorAge is the age of the oldest message in the queue, sampled once a second.
 *
 * The fold also keeps the trace digest (digest.ts): every event except `produce` (which is only emitted when
 * someone asks for per-record events) feeds its type, time and integer fields, so the digest is the same with
 * and without --trace and costs a few multiplications per event.
 */
import type { TraceEvent } from "../trace/events.js";
import { digestEvent, TraceDigest } from "./digest.js";
import { Percentiles } from "./histogram.js";

export interface SeriesPoint {
  tUs: number;
  value: number;
}

export class MetricsCollector {
  succeeded = 0;
  dlq = 0;
  expired = 0;
  onFailure = 0;
  filtered = 0;
  duplicates = 0;
  orderingViolations = 0;
  invocations = 0;
  errors = 0;
  timeouts = 0;
  throttles = 0;
  partial = 0;
  partialIgnored = 0;
  deletedDespiteReportedFailure = 0;
  visibilityRedeliveries = 0;
  spontaneousDuplicates = 0;
  polls = 0;
  emptyPolls = 0;
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
  private readonly seriesEveryUs: number;
  private nextSeriesUs = 0;
  readonly digest = new TraceDigest();

  constructor(keyCount: number, seriesEveryUs = 10_000_000) {
    this.maxSucceededN = new Float64Array(Math.max(1, keyCount)).fill(-1);
    this.seriesEveryUs = seriesEveryUs;
  }

  readonly listener = (e: TraceEvent): void => {
    digestEvent(this.digest, e);
    switch (e.type) {
      case "poll":
        this.polls++;
        if (e.received === 0) this.emptyPolls++;
        break;
      case "invoke":
        this.invocations++;
        this.batchSizes.add(e.records.length);
        if (e.concurrency > this.concurrencyMax) {
          this.concurrencyMax = e.concurrency;
          this.concurrencyMaxAtUs = e.tUs;
        }
        break;
      case "result": {
        if (e.outcome === "error") this.errors++;
        else if (e.outcome === "timeout") this.timeouts++;
        else if (e.outcome === "partial") this.partial++;
        if (e.ignoredPartial > 0) {
          this.partialIgnored++;
          this.deletedDespiteReportedFailure += e.ignoredPartial;
        }
        this.duplicates += e.redundant;
        if (e.succeeded.length > 0) {
          if (e.tUs < this.firstSuccessUs) this.firstSuccessUs = e.tUs;
          this.lastSuccessUs = e.tUs;
        }
        const maxN = this.maxSucceededN;
        for (const r of e.succeeded) {
          this.succeeded++;
          this.latency.add(e.tUs - r.sentUs);
          if (maxN[r.keyIndex] > r.n) this.orderingViolations++;
          else maxN[r.keyIndex] = r.n;
        }
        break;
      }
      case "throttle":
        this.throttles++;
        break;
      case "dlq":
        this.dlq++;
        break;
      case "expire":
        this.expired++;
        break;
      case "retry":
        if (e.reason === "VisibilityTimeoutExpired") this.visibilityRedeliveries++;
        else this.spontaneousDuplicates++;
        break;
      case "scale":
        if (e.to > this.pollersMax) this.pollersMax = e.to;
        break;
      case "sample":
        this.iteratorAge.add(e.oldestAgeUs);
        if (e.tUs >= this.nextSeriesUs) {
          this.concurrencySeries.push({ tUs: e.tUs, value: e.concurrency });
          this.backlogSeries.push({ tUs: e.tUs, value: e.visible + e.inFlight });
          this.ageSeries.push({ tUs: e.tUs, value: e.oldestAgeUs });
          this.nextSeriesUs = e.tUs + this.seriesEveryUs;
        }
        break;
      case "produce":
        break;
    }
  };
}
