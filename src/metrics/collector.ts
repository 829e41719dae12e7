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
import type { SimRecord, TraceEvent } from "../trace/events.js";
import { TraceDigest } from "./digest.js";
import { Percentiles } from "./histogram.js";

const OUTCOME_CODE = { ok: 0, error: 1, timeout: 2, partial: 3 } as const;
const CLOSED_BY_CODE = { size: 0, window: 1, payload: 2, available: 3 } as const;
const SCALE_REASON_CODE = { start: 0, "scale-up": 1, "scale-down": 2, "low-traffic": 3, "back-off": 4, limit: 5 } as const;

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

  /** Record ids in order, folded into one word first (one multiply per record), then into the digest. */
  private digestIds(records: readonly SimRecord[]): void {
    let acc = records.length;
    for (let i = 0; i < records.length; i++) acc = (Math.imul(acc, 0x01000193) + records[i].n) | 0;
    this.digest.word(acc);
  }

  readonly listener = (e: TraceEvent): void => {
    const d = this.digest;
    switch (e.type) {
      case "poll":
        d.word(1);
        d.wide(e.tUs);
        d.word(e.poller);
        d.word(e.received);
        d.word(e.visible);
        this.polls++;
        if (e.received === 0) this.emptyPolls++;
        break;
      case "invoke":
        d.word(2);
        d.wide(e.tUs);
        d.word(e.invocation);
        d.word(e.poller);
        d.word(e.attempt);
        d.word(e.concurrency);
        d.word(CLOSED_BY_CODE[e.closedBy]);
        this.digestIds(e.records);
        this.invocations++;
        this.batchSizes.add(e.records.length);
        if (e.concurrency > this.concurrencyMax) {
          this.concurrencyMax = e.concurrency;
          this.concurrencyMaxAtUs = e.tUs;
        }
        break;
      case "result": {
        d.word(3);
        d.wide(e.tUs);
        d.word(e.invocation);
        d.word(OUTCOME_CODE[e.outcome]);
        d.wide(e.durationUs);
        d.word(e.redundant);
        d.word(e.ignoredPartial);
        this.digestIds(e.failed);
        this.digestIds(e.succeeded);
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
        d.word(4);
        d.wide(e.tUs);
        d.word(e.poller);
        d.word(e.records.length);
        d.word(e.concurrency);
        d.word(e.limit);
        d.word(e.next === "retry" ? 0 : 1);
        this.throttles++;
        break;
      case "dlq":
        d.word(5);
        d.wide(e.tUs);
        d.word(e.record.n);
        d.word(e.receiveCount);
        this.dlq++;
        break;
      case "expire":
        d.word(6);
        d.wide(e.tUs);
        d.word(e.record.n);
        this.expired++;
        break;
      case "retry":
        d.word(7);
        d.wide(e.tUs);
        d.word(e.record.n);
        d.word(e.receiveCount);
        d.word(e.reason === "VisibilityTimeoutExpired" ? 0 : 1);
        if (e.reason === "VisibilityTimeoutExpired") this.visibilityRedeliveries++;
        else this.spontaneousDuplicates++;
        break;
      case "scale":
        d.word(8);
        d.wide(e.tUs);
        d.word(e.from);
        d.word(e.to);
        d.word(SCALE_REASON_CODE[e.reason]);
        if (e.to > this.pollersMax) this.pollersMax = e.to;
        break;
      case "sample":
        d.word(9);
        d.wide(e.tUs);
        d.word(e.visible);
        d.word(e.inFlight);
        d.wide(e.oldestAgeUs);
        d.word(e.pollers);
        d.word(e.concurrency);
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
