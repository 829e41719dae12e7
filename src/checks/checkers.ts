/**
 * Invariant checkers: folds over the trace that recompute, from the events alone, what must hold in every run,
 * and compare it with the limits of the scenario and with the report. They never look inside the model, so a bug
 * in the model's bookkeeping shows up as a disagreement here.
 *
 * Event types other branches add (`onFailure`, `filter`, a `shard` on invoke) are read loosely by name, so the
 * checkers light up for stream and FIFO sources once those emit them.
 */
import { formatCount, formatDurationUs } from "../scenario/units.js";
import { usToMs } from "../engine/time.js";
import { DESTINATION_RECORDS_KEPT, isS3Destination } from "../metrics/stream-metrics.js";
import type { Report } from "../run/result.js";
import type { SimRecord, TraceEvent } from "../trace/events.js";
import type { CheckLimits } from "./limits.js";
import { NumberTable, RecordPositions, SlotTable, StateTable } from "./tables.js";

export const MAX_EXAMPLES = 5;

const NO_RECORDS: readonly SimRecord[] = [];

/** `1 invocation`, `2 invocations`, with thousands separators. */
export const count = (n: number, noun: string): string => `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;

/** Any trace event, including types this version does not define, read by field name. */
export interface LooseEvent {
  type: string;
  tUs: number;
  record?: SimRecord;
  records?: readonly SimRecord[];
  shard?: unknown;
  [field: string]: unknown;
}

export const loose = (e: TraceEvent): LooseEvent => e as unknown as LooseEvent;

/** The records an event refers to. */
export function recordsOf(e: TraceEvent): readonly SimRecord[] {
  const l = loose(e);
  if (Array.isArray(l.records)) return l.records;
  if (l.record) return [l.record];
  return [];
}

export type Verdict = { status: "pass" | "fail" | "skip"; summary: string };

export abstract class Checker {
  abstract readonly name: string;
  /** Whether `event` reads produce events, one per record and the most of any type: the suite passes them only to
   *  the checkers that do. */
  readonly readsProduce: boolean = true;
  violations = 0;
  readonly examples: string[] = [];

  protected fail(tUs: number | null, message: string): void {
    this.violations++;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(tUs === null ? message : `at ${formatDurationUs(tUs)}: ${message}`);
  }

  /** Compare a number the checker recomputed with the report's. */
  protected agree(what: string, report: number | boolean, recomputed: number | boolean): void {
    if (report !== recomputed) this.fail(null, `the report says ${what} = ${report}, the trace gives ${recomputed}`);
  }

  abstract event(e: TraceEvent): void;
  abstract finish(report: Report): Verdict;

  protected verdict(passSummary: string): Verdict {
    return this.violations === 0
      ? { status: "pass", summary: passSummary }
      : { status: "fail", summary: count(this.violations, "violation") };
  }
}

export const END = { none: 0, succeeded: 1, onFailure: 2, dlq: 3, expired: 4, filtered: 5 } as const;
export type EndState = (typeof END)[keyof typeof END];
const END_NAME = ["pending", "succeeded", "onFailure", "dlq", "expired", "filtered"];

/** Where each produced record is, by production index: shared by the checkers, updated by ConservationChecker. A
 *  hand-made trace's index far beyond the others (or not an array index at all) costs one chunk, or a Map entry.
 *  End states are final, so 4,096 records that all ended alike share one chunk (StateTable). */
export class RecordBook {
  produced = 0;
  private readonly states = new StateTable();

  state(n: number): EndState {
    return this.states.get(n) as EndState;
  }

  set(n: number, s: EndState): void {
    this.states.set(n, s);
  }

  /** Blocks of 4,096 records the book holds a byte per record for (what a test reads to see memory stay bounded). */
  get heldChunks(): number {
    return this.states.ownChunkCount;
  }
}

const id = (r: SimRecord) => `record ${r.n}`;

/** The trace itself: time never goes back, records are produced 0, 1, 2, ... and referred to only after. */
export class TraceChecker extends Checker {
  readonly name = "trace";
  private lastUs = 0;
  private events = 0;
  /** The run's count of records produced so far, when the checks watch a run (countProducedBy); null when the
   *  records produced are known from produce events alone. */
  private producedByRun: (() => number) | null = null;
  /** Produce events seen: when a watched run also makes them (another listener asked for them), they must agree
   *  with its count. */
  private produceEvents = 0;

  constructor(private readonly book: RecordBook) {
    super();
  }

  /** Watch a run that says how many records it has produced so far: before each event, the records produced since
   *  the last one count as produced (and as the produce events a full trace would have had). */
  countProducedBy(produced: () => number): void {
    this.producedByRun = produced;
  }

  /** Take in the records the watched run produced since the last event (the last ones, as a run stops, have no
   *  event after them). */
  catchUp(): void {
    const produced = this.producedByRun;
    if (produced === null) return;
    const n = produced();
    const book = this.book;
    if (n === book.produced) return;
    if (n < book.produced) {
      this.fail(null, `the run says ${n} records were produced, after produce events of ${book.produced}`);
      return;
    }
    if (this.produceEvents > 0) this.fail(null, `the run says ${n} records were produced, but made produce events for ${book.produced}`);
    this.events += n - book.produced;
    book.produced = n;
  }

  event(e: TraceEvent): void {
    if (e.type !== "produce" && this.producedByRun !== null) this.catchUp();
    this.events++;
    if (e.tUs < this.lastUs) this.fail(e.tUs, `${e.type} event comes after an event at ${formatDurationUs(this.lastUs)}`);
    if (!Number.isInteger(e.tUs) || e.tUs < 0) this.fail(e.tUs, `${e.type} event at a time that is not a non-negative integer of microseconds (${e.tUs})`);
    this.lastUs = Math.max(this.lastUs, e.tUs);
    if (e.type === "produce") {
      this.produceEvents++;
      if (e.record.n !== this.book.produced) this.fail(e.tUs, `produce of record ${e.record.n}, expected record ${this.book.produced}`);
      if (e.record.sentUs !== e.tUs) this.fail(e.tUs, `${id(e.record)} produced with sent time ${e.record.sentUs}`);
      this.book.produced = Math.max(this.book.produced, e.record.n + 1);
      return;
    }
    for (const r of recordsOf(e)) {
      if (r.n >= this.book.produced) this.fail(e.tUs, `${e.type} refers to ${id(r)}, which was not produced yet`);
      else if (r.sentUs > e.tUs) this.fail(e.tUs, `${e.type} refers to ${id(r)}, sent later (${formatDurationUs(r.sentUs)})`);
    }
  }

  finish(): Verdict {
    const produced = this.book.produced === 0 ? "no records produced" : `records produced 0..${this.book.produced - 1} and referred to only after`;
    return this.verdict(`${count(this.events, "event")} in time order; ${produced}`);
  }
}

/** Every produced record ends at most once; the report's counts and its conservation line agree with the trace. */
export class ConservationChecker extends Checker {
  readonly name = "conservation";
  override readonly readsProduce = false;
  private readonly ended = [0, 0, 0, 0, 0, 0];

  constructor(private readonly book: RecordBook) {
    super();
  }

  private end(tUs: number, r: SimRecord, s: EndState): void {
    const before = this.book.state(r.n);
    if (before !== END.none) {
      this.fail(tUs, `${id(r)} ended twice: ${END_NAME[before]}, then ${END_NAME[s]}`);
      return;
    }
    this.book.set(r.n, s);
    this.ended[s]++;
  }

  event(e: TraceEvent): void {
    switch (loose(e).type) {
      case "result":
        for (const r of (e as Extract<TraceEvent, { type: "result" }>).succeeded) this.end(e.tUs, r, END.succeeded);
        break;
      case "dlq":
        this.end(e.tUs, (e as Extract<TraceEvent, { type: "dlq" }>).record, END.dlq);
        break;
      case "expire":
        this.end(e.tUs, (e as Extract<TraceEvent, { type: "expire" }>).record, END.expired);
        break;
      case "onFailure": {
        // A stream batch given up on may hold records that already succeeded once (a partial response rewound the
        // checkpoint before them): they stay succeeded, and the event says how many records it ended.
        let ended = 0;
        for (const r of recordsOf(e)) {
          if (this.book.state(r.n) === END.succeeded) continue;
          this.end(e.tUs, r, END.onFailure);
          ended++;
        }
        const said = loose(e).ended;
        if (typeof said === "number" && said !== ended) this.fail(e.tUs, `an onFailure event says it ended ${said} records; the record book says ${ended}`);
        break;
      }
      case "filter":
        for (const r of recordsOf(e)) this.end(e.tUs, r, END.filtered);
        break;
    }
  }

  finish(report: Report): Verdict {
    const rec = report.records;
    const [, succeeded, onFailure, dlq, expired, filtered] = this.ended;
    const produced = this.book.produced;
    const pending = produced - succeeded - onFailure - dlq - expired - filtered;
    this.agree("records.produced", rec.produced, produced);
    this.agree("records.succeeded", rec.succeeded, succeeded);
    this.agree("records.onFailure", rec.onFailure, onFailure);
    this.agree("records.dlq", rec.dlq, dlq);
    this.agree("records.expired", rec.expired, expired);
    this.agree("records.filtered", rec.filtered, filtered);
    this.agree("records.pending", rec.pending, pending);
    const sum = rec.succeeded + rec.onFailure + rec.dlq + rec.expired + rec.filtered + rec.pending;
    if (sum !== rec.produced) this.fail(null, `the report's conservation line does not hold: produced ${rec.produced} != ${sum}`);
    if (report.drained && rec.pending !== 0) this.fail(null, `the report says drained with ${rec.pending} records pending`);
    const f = formatCount;
    return this.verdict(
      `each of ${f(produced)} records ended at most once: ${f(succeeded)} succeeded + ${f(onFailure)} onFailure + ${f(dlq)} dlq + ${f(expired)} expired + ${f(filtered)} filtered + ${f(pending)} pending`,
    );
  }
}

interface InFlight {
  tUs: number;
  /** A cold start's Init phase, which runs before the duration the result reports. */
  initUs: number;
  records: readonly SimRecord[];
  shard: unknown;
}

/**
 * Invocations: one result per invoke, with the same records; outcomes consistent with the failed and succeeded
 * lists; batch sizes within BatchSize; durations as the trace's times say; and the report's invocation counts.
 * Where a success ends every record it did not report as failed (SQS), `succeeded` and `duplicates` are
 * recomputed exactly from the record book, and each duplicate's cause from the queue's `retry` events (a message the
 * queue delivered twice on its own, or else one back after its visibility timeout); on a stream every duplicate is a
 * checkpoint rewind's. The report's poll counts agree with the trace's poll events, and a stream's read throttles
 * with its readThrottle events. On a queue the deletes are recomputed too, and agree with the report's
 * DeletedEventCount and NumberOfMessagesDeleted (with the filter events): each message a result ends as succeeded,
 * and each it finds deleted already, where the queue takes a delete with any receipt handle (standard; on a FIFO
 * queue a message is received again only once its first receipt handle has expired, so that delete is refused).
 * Must run before ConservationChecker sees the event.
 */
export class InvocationChecker extends Checker {
  readonly name = "invocations";
  override readonly readsProduce = false;
  readonly inFlight = new SlotTable<InFlight>();
  /** The records of the batch whose result is being checked. */
  private readonly batch = new RecordPositions();
  private lastInvocation = -Infinity;
  private invokes = 0;
  private results = 0;
  private errors = 0;
  private timeouts = 0;
  private partial = 0;
  private throttles = 0;
  private redundant = 0;
  /** Of redundant: the results' own count of messages the queue had delivered twice on its own. */
  private redundantDuplicateDelivery = 0;
  /** 1 for a message the queue has delivered a spontaneous duplicate of (a `retry` event, DuplicateDelivery). */
  private readonly duplicated = new NumberTable(0, "uint8");
  /** For a message, how many batches processed it successfully but could not delete it (a result's `undeleted`),
   *  until it ends: the success that ends it counts each as a duplicate. */
  private readonly undeleted = new NumberTable(0, "int32", true);

  /** Blocks of 4,096 records it holds state for (what a test reads to see memory stay bounded). */
  get heldChunks(): number {
    return this.undeleted.chunkCount;
  }
  private batchMax = 0;
  /** Poll events, and of them those that received nothing. */
  private polls = 0;
  private emptyPolls = 0;
  /** Streams: reads refused by the shard's read limit. */
  private readThrottles = 0;
  /** Streams: retries that count toward MaximumRetryAttempts (streamRetry events with countsAsRetry). */
  private countedRetries = 0;
  /** Queues: deletes SQS took, recomputed from the record book (DeletedEventCount), and filter events (which
   *  NumberOfMessagesDeleted counts too). */
  private deletes = 0;
  private filters = 0;

  constructor(
    private readonly limits: CheckLimits,
    private readonly book: RecordBook,
  ) {
    super();
  }

  event(e: TraceEvent): void {
    if (e.type === "poll") {
      this.polls++;
      if (e.received === 0) this.emptyPolls++;
      return;
    }
    if (e.type === "readThrottle") {
      this.readThrottles++;
      return;
    }
    if (e.type === "streamRetry") {
      if (e.countsAsRetry) this.countedRetries++;
      return;
    }
    if (e.type === "filter") {
      this.filters++;
      return;
    }
    if (e.type === "invoke") {
      this.invokes++;
      if (e.invocation <= this.lastInvocation) this.fail(e.tUs, `invocation ${e.invocation} after invocation ${this.lastInvocation}: invocation numbers must count up`);
      this.lastInvocation = Math.max(this.lastInvocation, e.invocation);
      const n = e.records.length;
      // Only a tumbling window's final invocation may carry no records (it hands over the window's state).
      if (n === 0 && !e.window?.isFinalInvokeForWindow) this.fail(e.tUs, `invocation ${e.invocation} has no records`);
      if (n > this.limits.batchSizeMax) this.fail(e.tUs, `invocation ${e.invocation} has ${n} records, above BatchSize ${this.limits.batchSizeMax}`);
      if (n > this.batchMax) this.batchMax = n;
      if (!(e.attempt >= 1)) this.fail(e.tUs, `invocation ${e.invocation} has attempt ${e.attempt}`);
      this.inFlight.set(e.invocation, { tUs: e.tUs, initUs: e.initUs ?? 0, records: e.records, shard: loose(e).shard });
      return;
    }
    if (e.type === "throttle") {
      this.throttles++;
      // Streams: a tumbling window's final invocation carries no records, and it can be throttled like any other.
      if (e.records.length === 0 && this.limits.shards === null) this.fail(e.tUs, "a throttled invoke with no records");
      return;
    }
    if (e.type === "retry") {
      if (e.reason === "DuplicateDelivery") this.duplicated.set(e.record.n, 1);
      return;
    }
    if (e.type === "dlq" || e.type === "expire") {
      this.undeleted.clear(e.record.n);
      return;
    }
    if (e.type !== "result") return;
    this.results++;
    const inv = this.inFlight.get(e.invocation);
    if (!inv) {
      this.fail(e.tUs, `result of invocation ${e.invocation}, which is not in flight`);
      return;
    }
    this.inFlight.delete(e.invocation);
    if (e.outcome === "error") this.errors++;
    else if (e.outcome === "timeout") this.timeouts++;
    else if (e.outcome === "partial") this.partial++;
    this.redundant += e.redundant;
    const redundantDuplicateDelivery = e.redundantDuplicateDelivery ?? 0;
    this.redundantDuplicateDelivery += redundantDuplicateDelivery;
    const what = `invocation ${e.invocation}`;
    if (inv.initUs + e.durationUs !== e.tUs - inv.tUs) {
      const init = inv.initUs > 0 ? ` after an init of ${inv.initUs} us` : "";
      this.fail(e.tUs, `${what} reports a duration of ${e.durationUs} us${init} but ran ${e.tUs - inv.tUs} us`);
    }
    if (!sameRecords(e.records, inv.records)) this.fail(e.tUs, `${what}: the result's records differ from the invoke's`);
    const inBatch = this.batch;
    inBatch.load(inv.records);
    // Most results list no failed record: a Set of them is made only when one is asked about.
    let failedSet: Set<SimRecord> | null = null;
    const failed = (r: SimRecord): boolean => e.failed.length > 0 && (failedSet ??= new Set(e.failed)).has(r);
    for (const r of e.failed) if (!inBatch.has(r)) this.fail(e.tUs, `${what}: failed ${id(r)} was not in the batch`);
    for (const r of e.succeeded) {
      if (!inBatch.has(r)) this.fail(e.tUs, `${what}: succeeded ${id(r)} was not in the batch`);
      if (failed(r)) this.fail(e.tUs, `${what}: ${id(r)} both failed and succeeded`);
    }
    // Messages whose delete the queue refused: processed successfully, not ended.
    const undeleted = e.undeleted ?? NO_RECORDS;
    let undeletedSet: Set<SimRecord> | null = null;
    const notDeleted = (r: SimRecord): boolean => undeleted.length > 0 && (undeletedSet ??= new Set(undeleted)).has(r);
    for (const r of undeleted) {
      if (!inBatch.has(r)) this.fail(e.tUs, `${what}: undeleted ${id(r)} was not in the batch`);
      if (failed(r)) this.fail(e.tUs, `${what}: ${id(r)} both failed and was processed`);
    }
    if (undeleted.length > 0 && !this.limits.receiptsExpire) this.fail(e.tUs, `${what}: a delete was refused, on a queue that takes deletes with any receipt handle`);
    if (e.receivedAgain !== undefined) {
      const ended = new Set(e.succeeded);
      for (const r of e.receivedAgain) if (!ended.has(r)) this.fail(e.tUs, `${what}: ${id(r)}, received again before the delete, is not among the records it deleted`);
    }
    if (redundantDuplicateDelivery > e.redundant) this.fail(e.tUs, `${what} counted ${redundantDuplicateDelivery} duplicates from a duplicate delivery, of only ${e.redundant}`);
    if (e.outcome === "error" || e.outcome === "timeout") {
      if (e.failed.length !== inv.records.length) this.fail(e.tUs, `${what} ended in ${e.outcome} but lists ${e.failed.length} of ${inv.records.length} records as failed`);
      if (e.succeeded.length > 0 || e.redundant > 0) this.fail(e.tUs, `${what} ended in ${e.outcome} but ended records as succeeded`);
      return;
    }
    if (e.outcome === "ok" && e.failed.length > 0) this.fail(e.tUs, `${what} ended ok but lists ${e.failed.length} failed records`);
    // A response naming an identifier not in the batch (streams) fails the whole batch even when it holds no record.
    if (e.outcome === "partial" && e.failed.length === 0 && !e.invalidResponse) this.fail(e.tUs, `${what} is a partial response with no failed records`);
    if (!this.limits.successEndsRecords) return;
    // Recompute: each record not reported failed ends now if it had not ended, and is a duplicate if it had succeeded
    // before or if it is in the batch a second time (its first place in the batch ended it).
    let expectSucceeded = 0;
    let expectRedundant = 0;
    let expectDuplicateDelivery = 0;
    let expectRedeleted = 0;
    for (let i = 0; i < inv.records.length; i++) {
      const r = inv.records[i];
      if (failed(r)) continue;
      const s = this.book.state(r.n);
      if (s === END.succeeded || (s === END.none && inBatch.firstAt(r) < i)) {
        expectRedundant++;
        if (this.duplicated.get(r.n) === 1) expectDuplicateDelivery++;
        if (!this.limits.receiptsExpire) expectRedeleted++;
      } else if (s === END.none && notDeleted(r)) {
        this.undeleted.set(r.n, this.undeleted.get(r.n) + 1);
      } else if (s === END.none) {
        expectSucceeded++;
        // Processed before by batches that could not delete it: each was a processing too.
        expectRedundant += this.undeleted.get(r.n);
        this.undeleted.clear(r.n);
      }
    }
    if (expectSucceeded !== e.succeeded.length) this.fail(e.tUs, `${what} ended ${e.succeeded.length} records as succeeded; the record book says ${expectSucceeded}`);
    if (expectRedundant !== e.redundant) this.fail(e.tUs, `${what} counted ${e.redundant} duplicates; the record book says ${expectRedundant}`);
    if (expectDuplicateDelivery !== redundantDuplicateDelivery) {
      this.fail(e.tUs, `${what} counted ${redundantDuplicateDelivery} duplicates from a duplicate delivery; the queue's retry events say ${expectDuplicateDelivery}`);
    }
    if (e.redeleted !== undefined && e.redeleted !== expectRedeleted) this.fail(e.tUs, `${what} counted ${e.redeleted} messages deleted again; the record book says ${expectRedeleted}`);
    this.deletes += expectSucceeded + expectRedeleted;
  }

  finish(report: Report): Verdict {
    const inv = report.invocations;
    this.agree("invocations.total", inv.total, this.invokes);
    this.agree("invocations.errors", inv.errors, this.errors);
    this.agree("invocations.timeouts", inv.timeouts, this.timeouts);
    this.agree("invocations.partial", inv.partial, this.partial);
    this.agree("invocations.throttles", inv.throttles, this.throttles);
    // `duplicates` also counts a logical message processed twice through an accepted producer retry (two records,
    // sqs.producerDuplicates); the record book recomputes the per-record part.
    const producerDuplicates = report.sqs?.producerDuplicates ?? report.stream?.producerDuplicates ?? 0;
    this.agree("duplicates (per record)", report.duplicates - producerDuplicates, this.redundant);
    // A report written by an esm-sim from before the split has none to check.
    const causes = report.duplicatesByCause as Report["duplicatesByCause"] | undefined;
    if (causes !== undefined) {
      const stream = this.limits.shards !== null;
      this.agree("duplicatesByCause.visibilityTimeout", causes.visibilityTimeout, stream ? 0 : this.redundant - this.redundantDuplicateDelivery);
      this.agree("duplicatesByCause.duplicateDelivery", causes.duplicateDelivery, stream ? 0 : this.redundantDuplicateDelivery);
      this.agree("duplicatesByCause.checkpointRewind", causes.checkpointRewind, stream ? this.redundant : 0);
      this.agree("duplicatesByCause.producerRetry", causes.producerRetry, producerDuplicates);
    }
    this.agree("batchSize.max", report.batchSize.max, this.batchMax);
    // A queue's poll event is one ReceiveMessage call, empty or not. A stream's is one GetRecords call (or push)
    // that put records in a lane: the calls that returned records are at least as many (a call whose records a filter
    // all dropped makes none).
    if (report.sqs) {
      this.agree("sqs.polls", report.sqs.polls, this.polls);
      this.agree("sqs.emptyPolls", report.sqs.emptyPolls, this.emptyPolls);
    }
    if (report.stream) {
      const returned = report.stream.polls - report.stream.emptyPolls;
      if (returned < this.polls) this.fail(null, `the report says ${returned} reads returned records (stream.polls - stream.emptyPolls), but the trace has ${this.polls} poll events, each a read that did`);
      if (this.emptyPolls > 0) this.fail(null, `the trace has ${this.emptyPolls} stream poll events that received nothing; a stream's poll event is a read that returned records`);
      this.agree("stream.readThrottles", report.stream.readThrottles, this.readThrottles);
      this.agree("stream.retries", report.stream.retries, this.countedRetries);
    }
    // A message is deleted once when it succeeds, again by each later batch that holds it, and at once when it is
    // filtered out; a report without the metrics (a stream's, or one hand-made) has none to check.
    const deleted = report.cloudwatch?.DeletedEventCount;
    if (this.limits.successEndsRecords && typeof deleted === "number") {
      this.agree("cloudwatch.DeletedEventCount", deleted, this.deletes);
      const sqsDeleted = report.cloudwatch.NumberOfMessagesDeleted;
      if (typeof sqsDeleted === "number") this.agree("cloudwatch.NumberOfMessagesDeleted", sqsDeleted, this.deletes + this.filters);
    }
    if (report.drained && this.inFlight.size > 0) this.fail(null, `the report says drained with ${this.inFlight.size} invocations still running`);
    const f = formatCount;
    return this.verdict(
      `${f(this.invokes)} invokes, ${f(this.results)} results (${f(this.errors)} errors, ${f(this.timeouts)} timeouts, ${f(this.partial)} partial), ${f(this.throttles)} throttles; batches of at most ${this.batchMax} <= BatchSize ${this.limits.batchSizeMax}`,
    );
  }
}

function sameRecords(a: readonly SimRecord[], b: readonly SimRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].n !== b[i].n) return false;
  return true;
}

/**
 * Concurrency, counted from invoke and result events: never above the function's limit (reserved, else the
 * account's), MaximumConcurrency, the mapping's ceiling, shards x ParallelizationFactor, or ParallelizationFactor
 * per shard; where order is promised per key or group, never two batches in flight holding the same key. The
 * concurrency the trace states (invoke, throttle, sample) must equal the count.
 */
export class ConcurrencyChecker extends Checker {
  readonly name = "concurrency";
  override readonly readsProduce = false;
  private count = 0;
  private max = 0;
  private readonly perShard = new Map<unknown, number>();
  /** By key index: batches in flight holding the key. */
  private readonly perKey = new NumberTable(0);
  /** The keys of each batch in flight, by invocation, each once (kept where order is promised). */
  private readonly keysInFlight = new SlotTable<number[]>();
  /** FIFO, by production index: the invocation in flight that holds the message, when one does; and, for a message
   *  that several hold (received again after its visibility timeout ran out while a batch still ran), all of them
   *  in `holders` instead. Most messages are only ever held by one batch, which then costs no list. */
  private readonly heldBy = new Map<number, number>();
  private readonly holders = new Map<number, number[]>();
  /** By key index: the number of the last invoke that held the key, to list each key of a batch once. */
  private readonly keyInvoke = new NumberTable(0);
  /** Invokes numbered where order is promised, for keyInvoke. */
  private invokeNumber = 0;
  private readonly caps: { limit: number; what: string }[] = [];
  private pollersMax = 0;

  constructor(
    private readonly limits: CheckLimits,
    private readonly invocations: InvocationChecker,
  ) {
    super();
    const l = limits;
    const fnLimit = l.reservedConcurrency ?? l.accountConcurrency;
    this.caps.push({ limit: fnLimit, what: l.reservedConcurrency !== null ? `ReservedConcurrentExecutions ${fnLimit}` : `account ConcurrentExecutions ${fnLimit}` });
    if (l.maximumConcurrency !== null) this.caps.push({ limit: l.maximumConcurrency, what: `MaximumConcurrency ${l.maximumConcurrency}` });
    if (l.pollerCeiling !== null) this.caps.push({ limit: l.pollerCeiling, what: `the mapping's ceiling ${l.pollerCeiling} (profile maximum, MaximumConcurrency, account)` });
    if (l.shards !== null && l.parallelizationFactor !== null) {
      this.caps.push({ limit: l.shards * l.parallelizationFactor, what: `shards x ParallelizationFactor = ${l.shards * l.parallelizationFactor}` });
    }
  }

  private get fnLimit(): number {
    return this.limits.reservedConcurrency ?? this.limits.accountConcurrency;
  }

  /** By key index: when the last batch holding the key started. */
  private readonly perKeyStartUs = new NumberTable(-Infinity);
  /** FIFO, by key (group) index: when a message of the group last became visible again after its visibility timeout.
   *  (A batch that outlasts that timeout cannot delete its messages: the queue refuses an expired receipt handle,
   *  so no delete of an earlier batch frees a group a later batch holds.) */
  private readonly releasedAtUs = new NumberTable(-Infinity);

  /** Called before InvocationChecker sees the event, so a result's invocation is still in its in-flight map. */
  event(e: TraceEvent): void {
    switch (e.type) {
      case "invoke": {
        this.count++;
        if (this.count > this.max) this.max = this.count;
        if (e.concurrency !== this.count) this.fail(e.tUs, `invocation ${e.invocation} states concurrency ${e.concurrency}, but ${this.count} invocations are in flight`);
        for (const c of this.caps) if (this.count > c.limit) this.fail(e.tUs, `invocation ${e.invocation} makes ${this.count} in flight, above ${c.what}`);
        const shard = loose(e).shard;
        if (shard !== undefined) {
          const s = (this.perShard.get(shard) ?? 0) + 1;
          this.perShard.set(shard, s);
          const pf = this.limits.parallelizationFactor ?? 1;
          if (s > pf) this.fail(e.tUs, `invocation ${e.invocation} makes ${s} batches in flight on shard ${String(shard)}, above ParallelizationFactor ${pf}`);
        }
        if (this.limits.orderScope !== "none") {
          const invoke = ++this.invokeNumber;
          const keys: number[] = [];
          for (const r of e.records) {
            if (this.keyInvoke.get(r.keyIndex) === invoke) continue;
            this.keyInvoke.set(r.keyIndex, invoke);
            keys.push(r.keyIndex);
            const k = this.perKey.get(r.keyIndex) + 1;
            this.perKey.set(r.keyIndex, k);
            const lastStartUs = this.perKeyStartUs.get(r.keyIndex);
            this.perKeyStartUs.set(r.keyIndex, e.tUs);
            // FIFO: a group's messages become visible again after the visibility timeout even while the function
            // still runs (why AWS asks for a visibility timeout well above the function timeout); not a violation.
            // A message of the group that became visible again since then also ended that batch's hold (it can be
            // received again, e.g. and deleted by FilterCriteria, which frees the group before the timeout's length).
            const released = this.releasedAtUs.get(r.keyIndex) >= lastStartUs;
            if (k > 1 && e.tUs - lastStartUs < this.limits.keyLockMaxUs && !released) this.fail(e.tUs, `invocation ${e.invocation} holds key #${r.keyIndex} while another batch with that ${this.limits.orderScope} is in flight`);
          }
          this.keysInFlight.set(e.invocation, keys);
          if (this.limits.orderScope === "group") for (const r of e.records) this.hold(r.n, e.invocation);
        }
        break;
      }
      case "result": {
        const inv = this.invocations.inFlight.get(e.invocation);
        if (!inv) break; // InvocationChecker reports it
        this.count--;
        if (inv.shard !== undefined) this.perShard.set(inv.shard, (this.perShard.get(inv.shard) ?? 1) - 1);
        if (this.limits.orderScope === "group") this.releaseHolders(e.invocation, e.succeeded, inv.records);
        const keys = this.keysInFlight.get(e.invocation);
        if (keys) {
          this.keysInFlight.delete(e.invocation);
          for (const k of keys) this.perKey.set(k, this.perKey.get(k) - 1);
        }
        break;
      }
      case "retry":
        if (e.reason === "VisibilityTimeoutExpired") this.releasedAtUs.set(e.record.keyIndex, e.tUs);
        break;
      case "dlq":
      case "expire":
      case "filter":
        if (this.limits.orderScope === "group") for (const r of recordsOf(e)) this.dropHolds(r, -1);
        break;
      case "throttle":
        if (e.concurrency !== this.count) this.fail(e.tUs, `a throttle states concurrency ${e.concurrency}, but ${this.count} invocations are in flight`);
        if (e.limit !== this.fnLimit) this.fail(e.tUs, `a throttle states limit ${e.limit}, but the function's limit is ${this.fnLimit}`);
        if (e.concurrency < e.limit) this.fail(e.tUs, `an invoke was throttled with ${e.concurrency} in flight, below the limit ${e.limit}`);
        break;
      case "sample":
        if (e.concurrency !== this.count) this.fail(e.tUs, `a sample states concurrency ${e.concurrency}, but ${this.count} invocations are in flight`);
        if (e.pollers > this.pollersMax) this.pollersMax = e.pollers;
        if (this.limits.pollerCeiling !== null && e.pollers > this.limits.pollerCeiling) this.fail(e.tUs, `${e.pollers} pollers, above the mapping's ceiling ${this.limits.pollerCeiling}`);
        break;
      case "scale":
        if (e.to < 0) this.fail(e.tUs, `scaled to ${e.to} pollers`);
        if (this.limits.pollerCeiling !== null && e.to > this.limits.pollerCeiling) this.fail(e.tUs, `scaled to ${e.to} pollers, above the mapping's ceiling ${this.limits.pollerCeiling}`);
        break;
    }
  }

  /** FIFO: invocation `inv` holds message `n` from now. */
  private hold(n: number, inv: number): void {
    const several = this.holders.get(n);
    if (several !== undefined) {
      several.push(inv);
      return;
    }
    const one = this.heldBy.get(n);
    if (one === undefined) this.heldBy.set(n, inv);
    else {
      this.heldBy.delete(n);
      this.holders.set(n, [one, inv]);
    }
  }

  /**
   * FIFO: invocation `inv` ended, deleting `succeeded`. Another batch still in flight with one of those messages
   * (one that received it before its visibility timeout ran out, and whose receipt handle has expired since) no
   * longer holds that message's group: the queue has no message of it in flight for that batch any more. Then `inv`
   * holds nothing.
   */
  private releaseHolders(inv: number, succeeded: readonly SimRecord[], records: readonly SimRecord[]): void {
    for (const r of succeeded) this.dropHolds(r, inv);
    for (const r of records) {
      const several = this.holders.get(r.n);
      if (several === undefined) {
        if (this.heldBy.get(r.n) === inv) this.heldBy.delete(r.n);
        continue;
      }
      const at = several.indexOf(inv);
      if (at >= 0) several.splice(at, 1);
      if (several.length > 1) continue;
      this.holders.delete(r.n);
      if (several.length === 1) this.heldBy.set(r.n, several[0]);
    }
  }

  /** FIFO: message `r` has ended (deleted by invocation `except`, moved to the DLQ, expired or filtered): every other
   *  batch in flight with it stops holding its group through it. */
  private dropHolds(r: SimRecord, except: number): void {
    const several = this.holders.get(r.n);
    if (several !== undefined) {
      for (const other of several) if (other !== except) this.dropKey(other, r.keyIndex);
      return;
    }
    const one = this.heldBy.get(r.n);
    if (one !== undefined && one !== except) this.dropKey(one, r.keyIndex);
  }

  /** The batch in flight `inv` no longer holds key `key` (if it did). */
  private dropKey(inv: number, key: number): void {
    const keys = this.keysInFlight.get(inv);
    const at = keys === undefined ? -1 : keys.indexOf(key);
    if (at < 0) return;
    keys!.splice(at, 1);
    this.perKey.set(key, this.perKey.get(key) - 1);
  }

  finish(report: Report): Verdict {
    this.agree("concurrency.max", report.concurrency.max, this.max);
    const caps = this.caps.map((c) => c.what).join(", ");
    return this.verdict(`at most ${count(this.max, "invocation")} in flight, within ${caps}${this.limits.orderScope !== "none" ? `; one batch per ${this.limits.orderScope} in flight` : ""}`);
  }
}

/**
 * Order of first successful processing per key (the report's orderingViolations, recomputed). Where the source
 * promises order (per key for streams, per group for FIFO) there must be none; with ParallelizationFactor 1 and no
 * failed invocation, stream records must also first succeed in sequence order within each shard.
 */
export class OrderChecker extends Checker {
  readonly name = "order";
  override readonly readsProduce = false;
  /** By key index: the largest production index that first succeeded (NaN before any did). */
  private readonly maxSucceededN = new NumberTable(NaN);
  /** Each shard an invoke named, numbered in order of first appearance. */
  private readonly shardIds = new Map<unknown, number>();
  private readonly shards: unknown[] = [];
  /** By shard number: the largest production index that first succeeded on that shard (NaN before any did). */
  private readonly maxPerShard = new NumberTable(NaN);
  private shardViolations = 0;
  private recomputed = 0;
  private failures = 0;
  private firstShardExample: string | null = null;

  /** `invocations`: a result's shard is its invoke's, read from the batches in flight there (so this checker must
   *  see a result before InvocationChecker does); a record succeeds on the shard of the batch that held it. */
  constructor(
    private readonly limits: CheckLimits,
    private readonly invocations: InvocationChecker,
  ) {
    super();
  }

  private shardId(shard: unknown): number {
    let s = this.shardIds.get(shard);
    if (s === undefined) {
      s = this.shards.length;
      this.shards.push(shard);
      this.shardIds.set(shard, s);
    }
    return s;
  }

  event(e: TraceEvent): void {
    if (e.type !== "result") return;
    if (e.outcome !== "ok") this.failures++;
    const shard = this.limits.parallelizationFactor === 1 ? this.invocations.inFlight.get(e.invocation)?.shard : undefined;
    const s = shard === undefined ? -1 : this.shardId(shard);
    for (const r of e.succeeded) {
      // NaN (no record of the key succeeded yet) compares false, as a missing entry did.
      const m = this.maxSucceededN.get(r.keyIndex);
      if (m > r.n) {
        this.recomputed++;
        if (this.limits.orderScope !== "none") this.fail(e.tUs, `${id(r)} first succeeded after record ${m} of the same ${this.limits.orderScope}, produced later`);
      } else this.maxSucceededN.set(r.keyIndex, r.n);
      if (s === -1) continue;
      const ms = this.maxPerShard.get(s);
      if (ms > r.n) {
        this.shardViolations++;
        this.firstShardExample ??= `at ${formatDurationUs(e.tUs)}: ${id(r)} first succeeded after record ${ms} of shard ${String(this.shards[s])}`;
      } else this.maxPerShard.set(s, r.n);
    }
  }

  finish(report: Report): Verdict {
    this.agree("orderingViolations", report.orderingViolations, this.recomputed);
    if (this.limits.parallelizationFactor === 1 && this.failures === 0 && this.shardViolations > 0) {
      this.violations += this.shardViolations;
      if (this.firstShardExample && this.examples.length < MAX_EXAMPLES) this.examples.push(`${this.firstShardExample} (ParallelizationFactor 1, no failures)`);
    }
    if (this.limits.orderScope === "none" && this.violations === 0) {
      return { status: "skip", summary: `not promised: ${this.limits.orderPromise} (${this.recomputed} out-of-order first successes, as the report says)` };
    }
    return this.verdict(`no record first succeeded after a later record of its ${this.limits.orderScope} (${this.limits.orderPromise})`);
  }
}

/** IteratorAge: never negative and never beyond what retention allows, in the trace and in the report. */
export class IteratorAgeChecker extends Checker {
  readonly name = "iterator-age";
  private maxSeenUs = -1;
  private samples = 0;

  constructor(private readonly limits: CheckLimits) {
    super();
  }

  private see(tUs: number, ageUs: number, what: string): void {
    this.samples++;
    if (ageUs > this.maxSeenUs) this.maxSeenUs = ageUs;
    if (!(ageUs >= 0)) this.fail(tUs, `${what} ${ageUs} us is negative`);
    else if (ageUs > this.limits.iteratorAgeMaxUs) this.fail(tUs, `${what} ${usToMs(ageUs)} ms is beyond ${usToMs(this.limits.iteratorAgeMaxUs)} ms, ${this.limits.iteratorAgeWhy}`);
  }

  event(e: TraceEvent): void {
    if (e.type === "sample") this.see(e.tUs, e.oldestAgeUs, "the age of the oldest message");
    else {
      const age = loose(e).iteratorAgeUs;
      if (typeof age === "number") this.see(e.tUs, age, "IteratorAge");
    }
  }

  finish(report: Report): Verdict {
    const maxMs = usToMs(this.limits.iteratorAgeMaxUs);
    for (const q of ["max", "p50", "p99"] as const) {
      const v = report.iteratorAge[q];
      if (!(v >= 0) || v > maxMs) this.fail(null, `the report's iteratorAge.${q} ${v} ms is outside 0..${maxMs} ms`);
    }
    if (this.samples > 0) this.agree("iteratorAge.max (ms)", report.iteratorAge.max, usToMs(this.maxSeenUs));
    return this.verdict(`${count(this.samples, "reading")}, max ${formatDurationUs(Math.max(0, this.maxSeenUs))}, within 0..${formatDurationUs(this.limits.iteratorAgeMaxUs)} (${this.limits.iteratorAgeWhy})`);
  }
}

/** SQS redrive: a message moves to the DLQ only with a redrive policy, after exactly maxReceiveCount receives. */
export class RedriveChecker extends Checker {
  readonly name = "redrive";
  override readonly readsProduce = false;
  private moved = 0;
  private maxAttempt = 0;

  constructor(private readonly limits: CheckLimits) {
    super();
  }

  event(e: TraceEvent): void {
    const max = this.limits.maxReceiveCount;
    if (e.type === "dlq") {
      this.moved++;
      if (max === Infinity) this.fail(e.tUs, `${id(e.record)} moved to a DLQ without a redrive policy`);
      else if (e.receiveCount !== max) this.fail(e.tUs, `${id(e.record)} moved to the DLQ after ${e.receiveCount} receives, not maxReceiveCount ${max}`);
    } else if (e.type === "invoke") {
      if (e.attempt > this.maxAttempt) this.maxAttempt = e.attempt;
      if (e.attempt > max) this.fail(e.tUs, `invocation ${e.invocation} delivers a message for the ${e.attempt}th time, beyond maxReceiveCount ${max}`);
    }
  }

  finish(): Verdict {
    if (this.limits.sourceType !== "sqs" && this.limits.sourceType !== "sqs-fifo") return { status: "skip", summary: `not applicable to ${this.limits.sourceType} sources` };
    if (this.limits.maxReceiveCount === Infinity && this.violations === 0) return { status: "pass", summary: `no redrive policy and no message moved to a DLQ; deliveries up to attempt ${this.maxAttempt}` };
    return this.verdict(`${count(this.moved, "message")} moved to the DLQ, each after exactly maxReceiveCount (${this.limits.maxReceiveCount}) receives; no delivery beyond attempt ${this.limits.maxReceiveCount}`);
  }
}

/** aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>. */
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const S3_OBJECT_KEY = new RegExp(`^aws/lambda/${UUID}/[^/]+/(\\d{4})/(\\d{2})/(\\d{2})/\\1-\\2-\\3T\\d{2}\\.\\d{2}\\.\\d{2}-${UUID}$`);

/** How many records an S3 payload's event holds, or null when it is not the event's JSON text. */
function payloadRecords(payload: unknown): number | null {
  if (typeof payload !== "string") return null;
  try {
    const event = JSON.parse(payload) as { Records?: unknown };
    return Array.isArray(event.Records) ? event.Records.length : null;
  } catch {
    return null;
  }
}

/** A destination record's ...BatchInfo (KinesisBatchInfo, DDBStreamBatchInfo), if it has one. */
function batchInfoOf(d: Record<string, unknown>): Record<string, unknown> | undefined {
  const key = Object.keys(d).find((k) => k.endsWith("BatchInfo"));
  return key ? (d[key] as Record<string, unknown>) : undefined;
}

/**
 * On-failure records (streams): one destination record per delivered onFailure trace event, with the same batch
 * size, the sequence range in order, and the report's `destinations` in step with the trace (the first
 * DESTINATION_RECORDS_KEPT; fewer with an S3 destination whose payloads reach the report's budget). The report's
 * split of discarded records (delivered, dropped) adds up to records.onFailure and matches the trace; an S3
 * destination's records carry a payload with the batch and an object key in AWS's layout.
 */
export class OnFailureChecker extends Checker {
  readonly name = "on-failure";
  override readonly readsProduce = false;
  /** The first delivered batches, in order, as many as a report keeps destination records: each has one. */
  private readonly batches: { tUs: number; size: number }[] = [];
  /** Every delivered batch, kept or not. */
  private deliveredBatches = 0;
  private events = 0;
  private delivered = 0;
  private dropped = 0;

  constructor(private readonly limits: CheckLimits) {
    super();
  }

  event(e: TraceEvent): void {
    const l = loose(e);
    if (l.type !== "onFailure") return;
    this.events++;
    const ended = typeof l.ended === "number" ? l.ended : recordsOf(e).length;
    if (l.delivered === true) {
      this.delivered += ended;
      if (recordsOf(e).length > 0) {
        this.deliveredBatches++;
        if (this.batches.length < DESTINATION_RECORDS_KEPT) this.batches.push({ tUs: e.tUs, size: recordsOf(e).length });
      }
    } else this.dropped += ended;
  }

  finish(report: Report): Verdict {
    const dest = report.destinations as Record<string, unknown>[];
    if (!this.limits.onFailureDestination && this.events === 0 && dest.length === 0) {
      const why = this.limits.sourceType.startsWith("sqs") ? "SQS mappings send failures to the queue's dead-letter queue" : "no on-failure destination configured";
      return { status: "skip", summary: `not applicable: ${why}` };
    }
    const rec = report.records;
    if (rec.onFailureDelivered + rec.onFailureDropped !== rec.onFailure) {
      this.fail(null, `records.onFailureDelivered ${rec.onFailureDelivered} + records.onFailureDropped ${rec.onFailureDropped} is not records.onFailure ${rec.onFailure}`);
    }
    if (rec.onFailureDelivered !== this.delivered) this.fail(null, `records.onFailureDelivered is ${rec.onFailureDelivered}; the trace's delivered onFailure events ended ${this.delivered}`);
    if (rec.onFailureDropped !== this.dropped) this.fail(null, `records.onFailureDropped is ${rec.onFailureDropped}; the trace's undelivered onFailure events ended ${this.dropped}`);
    const st = report.stream;
    if (st && st.destinationRecords !== this.deliveredBatches) this.fail(null, `stream.destinationRecords is ${st.destinationRecords}; the trace delivered ${this.deliveredBatches} invocation records`);
    const s3 = st !== undefined && isS3Destination(st.onFailureDestination);
    const fewerKept = dest.length < this.deliveredBatches && (dest.length === DESTINATION_RECORDS_KEPT || (s3 && dest.length > 0));
    if (this.limits.onFailureDestination && dest.length !== this.deliveredBatches && !fewerKept) {
      this.fail(null, `the report holds ${dest.length} on-failure records, the trace ${this.deliveredBatches} delivered onFailure events`);
    }
    if (st && s3 && st.destinationObjectKeys.length !== dest.length) this.fail(null, `stream.destinationObjectKeys holds ${st.destinationObjectKeys.length} keys for ${dest.length} S3 on-failure records`);
    if (st && s3) {
      st.destinationObjectKeys.forEach((k, i) => {
        const shardId = dest[i] ? batchInfoOf(dest[i])?.shardId : undefined;
        if (!S3_OBJECT_KEY.test(k) || k.split("/")[3] !== shardId) {
          this.fail(null, `S3 object key ${i} (${k}) is not aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID> for its record's shard`);
        }
      });
    }
    dest.forEach((d, i) => {
      const info = batchInfoOf(d);
      if (!info) {
        this.fail(null, `on-failure record ${i} has no ...BatchInfo`);
        return;
      }
      const b = this.batches[i];
      if (b && info.batchSize !== b.size) this.fail(b.tUs, `on-failure record ${i} says batchSize ${String(info.batchSize)}, the onFailure event holds ${b.size} records`);
      const start = String(info.startSequenceNumber ?? "");
      const end = String(info.endSequenceNumber ?? "");
      if (!start || !end) this.fail(null, `on-failure record ${i} lacks a sequence range`);
      else if (start.length === end.length ? start > end : start.length > end.length) this.fail(null, `on-failure record ${i}: startSequenceNumber ${start} is after endSequenceNumber ${end}`);
      if (s3) {
        const size = payloadRecords(d.payload);
        if (size !== info.batchSize) this.fail(b?.tUs ?? null, `S3 on-failure record ${i}: its payload holds ${size ?? "no"} records, its batchSize is ${String(info.batchSize)}`);
      } else if (d.payload !== undefined) this.fail(null, `on-failure record ${i} carries a payload, which only S3 destinations receive`);
    });
    const split = `discarded records: ${formatCount(this.delivered)} delivered, ${formatCount(this.dropped)} dropped`;
    return this.verdict(`${count(this.deliveredBatches, "on-failure batch")} delivered, each matching its destination record; ${split}`.replace("batchs", "batches"));
  }
}
