/**
 * The typed trace: the model's only output channel. Metrics fold over these events; `--trace` serialises them.
 * Events hold references to records (not strings) so that emitting costs no formatting; the JSONL writer turns
 * them into the fields of the JSON Lines trace (record ids, ms).
 */
import { US_PER_MIN } from "../engine/time.js";

/** A produced record or message. `n` is its global production index (0, 1, 2, ... in production order). */
export interface SimRecord {
  n: number;
  /** Index into the run's key table. */
  keyIndex: number;
  sentUs: number;
  sizeBytes: number;
  /**
   * Set when a producer retry was accepted as a separate record: the production index of the first send of the
   * same logical message, on both the first send and the accepted retry (-1 or absent otherwise).
   */
  logicalN?: number;
}

export type Outcome = "ok" | "error" | "timeout" | "partial";

interface Base {
  tUs: number;
}

export interface ProduceEvent extends Base {
  type: "produce";
  record: SimRecord;
  /** Streams: the record's shard. */
  shard?: number;
}
export interface PollEvent extends Base {
  type: "poll";
  poller: number;
  received: number;
  /** Messages visible in the queue after this receive (streams: records read and not yet in a batch). */
  visible: number;
  /** Streams: the shard read (poller is the shard index too). */
  shard?: number;
  /** Streams: the age of the last record read when it is read (Kinesis's GetRecords.IteratorAgeMilliseconds;
   *  not digested). */
  readAgeUs?: number;
}
export interface InvokeEvent extends Base {
  type: "invoke";
  invocation: number;
  poller: number;
  records: readonly SimRecord[];
  /** Delivery attempt: SQS, the largest ApproximateReceiveCount in the batch. */
  attempt: number;
  /** Function concurrency including this invocation. */
  concurrency: number;
  /** Why the batch closed: size, window, payload, or available (took what a receive returned); SQS adds visibility
   *  (its first message's visibility timeout was about to run out while the batch was still gathering); streams add
   *  retry, bisect, rewind (the part of a batch after a partial response's checkpoint) and window-end. */
  closedBy: "size" | "window" | "payload" | "available" | "visibility" | "retry" | "bisect" | "rewind" | "window-end";
  /** Streams: the shard, and the parallel lane (0 .. ParallelizationFactor-1) within it. */
  shard?: number;
  lane?: number;
  /** Streams: the age of the batch's last record when it is sent (AWS's IteratorAge). */
  iteratorAgeUs?: number;
  /** Streams with TumblingWindowInSeconds: the window, the state carried in (records processed so far in it), and
   *  whether this is the window's final invocation. */
  window?: { startUs: number; endUs: number; stateRecords: number; isFinalInvokeForWindow: boolean };
  /** A cold start (function.coldStart): the invocation created its execution environment, whose Init phase runs
   *  this long before the handler (REPORT's Init Duration); absent when the environment was warm. The result comes
   *  initUs + durationUs after the invoke. */
  initUs?: number;
}
export interface ResultEvent extends Base {
  type: "result";
  invocation: number;
  outcome: Outcome;
  records: readonly SimRecord[];
  /** Records not processed successfully: all on error or timeout, the reported ones on partial. */
  failed: readonly SimRecord[];
  /** Records this result ended as succeeded (first successful processing, deleted / checkpointed). */
  succeeded: readonly SimRecord[];
  /** Records processed successfully again although an earlier success already ended them, or processed before by a
   *  batch whose delete was refused (`undeleted`): duplicates. On a stream each was read again after a checkpoint
   *  rewind; on a queue each came back after its visibility timeout ran out, or as a spontaneous duplicate
   *  (`redundantDuplicateDelivery`). */
  redundant: number;
  /** Queues: of `redundant`, messages the queue had made a spontaneous duplicate copy of (streams: omitted). */
  redundantDuplicateDelivery?: number;
  /** Queues: of `redundant`, messages deleted already whose delete SQS still answered with success (a receipt handle
   *  that had not expired): with `succeeded`, the DeleteMessage calls that count in NumberOfMessagesDeleted and
   *  DeletedEventCount. The rest of `redundant` were refused deletes (FIFO, expired receipt handle) or processings
   *  whose delete had been refused before. Streams: omitted. */
  redeleted?: number;
  durationUs: number;
  /** Failures the function reported that the mapping ignored (no ReportBatchItemFailures): those records were deleted. */
  ignoredPartial: number;
  /** The response named an itemIdentifier not in the batch, which fails the whole batch (with ReportBatchItemFailures
   *  on; without it the response is not read). */
  invalidResponse?: boolean;
  /** The response held its batchItemFailures where Lambda does not look (`partial-unread`), so Lambda read no list
   *  and the batch succeeded: `ignoredPartial` counts the records it named (only when true, and only with
   *  ReportBatchItemFailures on: without it no response is read). */
  unreadResponse?: boolean;
  /** FIFO queues: messages processed successfully whose delete the queue refused, because the batch ran past their
   *  receipt handle's visibility timeout; they stay in the queue (only when there are some). */
  undeleted?: readonly SimRecord[];
  /** Standard queues: of `succeeded`, messages another poller had received again before this delete (their
   *  visibility timeout ran out while the batch ran, or SQS delivered a spare copy): deleted now, but the copy that
   *  poller holds is still processed, a duplicate to come (only when there are some). */
  receivedAgain?: readonly SimRecord[];
  shard?: number;
}
export interface ThrottleEvent extends Base {
  type: "throttle";
  poller: number;
  records: readonly SimRecord[];
  concurrency: number;
  limit: number;
  /** What the mapping does next: retry the invoke later, or give the batch back to the queue. */
  next: "retry" | "release";
  /** Why: the concurrency limit (reserved or account), or the function's scaling rate (new environments per 10 s). */
  reason: "concurrency" | "scaling-rate";
  shard?: number;
}
export interface DlqEvent extends Base {
  type: "dlq";
  record: SimRecord;
  receiveCount: number;
  dlqArn: string;
}
export interface ExpireEvent extends Base {
  type: "expire";
  record: SimRecord;
  /** Streams: the record's shard. */
  shard?: number;
  /** Source retention (stream retention, SQS MessageRetentionPeriod). */
  reason: "RetentionPeriodExceeded";
}
export interface VisibleAgainEvent extends Base {
  type: "retry";
  record: SimRecord;
  /** SQS: the message's visibility timeout ran out; it is visible again with this receive count so far. */
  receiveCount: number;
  reason: "VisibilityTimeoutExpired" | "DuplicateDelivery";
}
export interface DedupEvent extends Base {
  type: "dedup";
  /** Production index of the message whose deduplication ID the dropped retry carried. */
  ofN: number;
  keyIndex: number;
  /** SQS FIFO: a send with a deduplication ID seen within the deduplication interval is accepted but not delivered. */
  reason: "DeduplicationInterval";
}
export interface ScaleEvent extends Base {
  type: "scale";
  from: number;
  to: number;
  reason: "start" | "scale-up" | "scale-down" | "low-traffic" | "back-off" | "limit";
}
export interface SampleEvent extends Base {
  type: "sample";
  /** Messages visible (ready to receive). */
  visible: number;
  /** Messages received and not yet deleted or visible again. */
  inFlight: number;
  /** Age of the oldest message not yet deleted, or 0 when none. */
  oldestAgeUs: number;
  /** The same for messages received fewer than three times (SQS's ApproximateAgeOfOldestMessage; not digested). */
  oldestAgeCountedUs?: number;
  pollers: number;
  concurrency: number;
}

/** Streams: a failed or throttled batch will be invoked again after `delayUs`. Serialised as `retry`. */
export interface StreamRetryEvent extends Base {
  type: "streamRetry";
  shard: number;
  lane: number;
  records: readonly SimRecord[];
  /** The batch's invocation number the retry will be. */
  attempt: number;
  delayUs: number;
  reason: "FunctionError" | "PartialBatchFailure" | "Throttled";
  /** Whether it uses up one of MaximumRetryAttempts (throttles and the rest of a partially failed batch do not). */
  countsAsRetry: boolean;
}
/** Streams: a GetRecords call went over the shard's read limit (ReadProvisionedThroughputExceeded); the mapping
 *  reads the shard again after `delayUs`. */
export interface ReadThrottleEvent extends Base {
  type: "readThrottle";
  shard: number;
  delayUs: number;
}
/** Streams: BisectBatchOnFunctionError split a failed batch; the left half goes first. */
export interface BisectEvent extends Base {
  type: "bisect";
  shard: number;
  lane: number;
  records: readonly SimRecord[];
  left: readonly SimRecord[];
  right: readonly SimRecord[];
}
/** Streams: the shard's checkpoint moved; every record up to `record` is done. */
export interface CheckpointEvent extends Base {
  type: "checkpoint";
  shard: number;
  record: SimRecord;
}
/** Streams: the mapping gave up on a batch (or its expired head) and wrote an invocation record to the on-failure
 *  destination (or dropped it when none is configured). */
export interface OnFailureEvent extends Base {
  type: "onFailure";
  shard: number;
  records: readonly SimRecord[];
  /** The records this event ended (those not already ended, e.g. by an earlier success). */
  ended: number;
  condition: "RetryAttemptsExhausted" | "RecordAgeExceeded";
  approximateInvokeCount: number;
  /** RetryAttemptsExhausted: "Unhandled" after a function error or timeout, null when the function returned a
   *  response that failed the batch. */
  functionError: "Unhandled" | null;
  destinationArn: string | null;
  /** Whether the invocation record reached the destination: false with no destination, or one Lambda cannot
   *  deliver to (esm/config.ts onFailureDelivers). Not digested. */
  delivered: boolean;
}
/** A record dropped by FilterCriteria when it was read; the checkpoint moves past it. */
export interface FilterEvent extends Base {
  type: "filter";
  record: SimRecord;
  /** Streams: the record's shard. */
  shard?: number;
}

export type TraceEvent =
  | ProduceEvent
  | PollEvent
  | InvokeEvent
  | ResultEvent
  | ThrottleEvent
  | DlqEvent
  | ExpireEvent
  | VisibleAgainEvent
  | ScaleEvent
  | SampleEvent
  | DedupEvent
  | StreamRetryEvent
  | ReadThrottleEvent
  | BisectEvent
  | CheckpointEvent
  | OnFailureEvent
  | FilterEvent;

export type TraceListener = (event: TraceEvent) => void;

/**
 * Production counted without a trace event: `produce` is emitted only when a listener asks for every record, so a
 * source reports each accepted record here too (time accepted, size, and the producer's throttled attempts before
 * it was accepted). CloudWatch's per-minute send counts (metrics/cloudwatch.ts) read it; it allocates nothing.
 * One call may count `records` records at once (1 when left out): then `sizeBytes` and `throttledAttempts` are their
 * totals, and every one of them was accepted within the same PRODUCTION_METER_SPAN_US of virtual time as `tUs`.
 */
export type ProductionMeter = (tUs: number, sizeBytes: number, throttledAttempts: number, records?: number) => void;

/** The span a production meter call counting several records stays within: the whole minute [k x 1 min, (k + 1) x
 *  1 min) holding `tUs`. Every CloudWatch period is a whole number of minutes from virtual time 0, so records
 *  accepted in one such minute fall in one period whatever the period. */
export const PRODUCTION_METER_SPAN_US = US_PER_MIN;

/** Fan-out of trace events. `verbose` says whether anyone wants per-record events (produce). */
export class Trace {
  /** The first three listeners in fields of their own, the rest in a list: the fold a run always has (the metrics
   *  with CloudWatch's and a stream's own, metrics/run-fold.ts) and a trace writer are then each called from a call
   *  site that only ever sees that one function, which V8 calls directly instead of through the generic path a loop
   *  over several functions takes. */
  private first: TraceListener | null = null;
  private second: TraceListener | null = null;
  private third: TraceListener | null = null;
  private readonly rest: TraceListener[] = [];
  verbose = false;

  listen(listener: TraceListener, verbose = false): void {
    if (this.first === null) this.first = listener;
    else if (this.second === null) this.second = listener;
    else if (this.third === null) this.third = listener;
    else this.rest.push(listener);
    if (verbose) this.verbose = true;
  }

  emit(event: TraceEvent): void {
    if (this.first === null) return;
    this.first(event);
    if (this.second === null) return;
    this.second(event);
    if (this.third === null) return;
    this.third(event);
    for (let i = 0; i < this.rest.length; i++) this.rest[i](event);
  }
}
