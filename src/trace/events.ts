/**
 * The typed trace: the model's only output channel. Metrics fold over these events; `--trace` serialises them.
 * Events hold references to records (not strings) so that emitting costs no formatting; the JSONL writer turns
 * them into the contract's fields (record ids, ms).
 */

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
}
export interface PollEvent extends Base {
  type: "poll";
  poller: number;
  received: number;
  /** Messages visible in the queue after this receive. */
  visible: number;
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
  /** Why the batch closed: size, window, payload, or available (took what a receive returned). */
  closedBy: "size" | "window" | "payload" | "available";
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
  /** Records processed successfully again although an earlier success already ended them: duplicates. */
  redundant: number;
  durationUs: number;
  /** Failures the function reported that the mapping ignored (no ReportBatchItemFailures): those records were deleted. */
  ignoredPartial: number;
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
  pollers: number;
  concurrency: number;
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
  | DedupEvent;

export type TraceListener = (event: TraceEvent) => void;

/** Fan-out of trace events. `verbose` says whether anyone wants per-record events (produce). */
export class Trace {
  private listeners: TraceListener[] = [];
  verbose = false;

  listen(listener: TraceListener, verbose = false): void {
    this.listeners.push(listener);
    if (verbose) this.verbose = true;
  }

  emit(event: TraceEvent): void {
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i](event);
  }
}
