/** What one run produced: the report's numbers (in ms where they are times) and what is needed to render them. */
import type { CloudWatchReport } from "../metrics/cloudwatch.js";
import type { OutcomeSeries } from "../metrics/outcomes.js";
import type { Expectation, Scenario } from "../scenario/model.js";

/** Why the run stopped. The two budgets stop a run that would take too long or hold too much (run/budget.ts). */
export type StopReason = "drained" | "until" | "cap" | "event-budget" | "record-budget";

export interface ExpectationResult {
  path: string;
  op: Expectation["op"];
  expected: number | boolean;
  written: string;
  actual: number | boolean;
  passed: boolean;
}

/** One invariant check of a run (src/checks), as `--check` reports it. */
export interface CheckOutcome {
  name: string;
  status: "pass" | "fail" | "skip";
  /** What was checked and the numbers seen (pass), why it does not apply (skip), or how many violations (fail). */
  summary: string;
  violations: number;
  /** The first few violations, each with its virtual time. */
  examples: string[];
}

/**
 * The SQS section of a queue's report. producerRetries: retried sends (traffic duplicateSendRate);
 * producerRetriesDelivered: those the queue accepted as new messages (standard: all; FIFO: after the deduplication
 * interval or with a new ID per attempt); dedupDropped: those FIFO deduplication dropped (not produced records);
 * producerDuplicates: successful processings of a logical message beyond its first (included in `duplicates`).
 * mode: on-demand or provisioned (ProvisionedPollerConfig); eventPollersMax: provisioned mode's peak event pollers
 * (10 concurrent batches each), 0 on demand; rateLimitedReceives: receives that waited for the next second's
 * event-poller budget; deletesRefused: FIFO, messages processed successfully whose delete the queue refused because
 * the batch ran past their receipt handle's visibility timeout (each is processed again, or ends otherwise).
 */
export interface SqsReport {
  polls: number;
  emptyPolls: number;
  visibilityRedeliveries: number;
  spontaneousDuplicates: number;
  producerRetries: number;
  producerRetriesDelivered: number;
  dedupDropped: number;
  producerDuplicates: number;
  mode: "on-demand" | "provisioned";
  eventPollersMax: number;
  rateLimitedReceives: number;
  deletesRefused: number;
}

export interface Report {
  /** The report format's version (run/version.ts REPORT_SCHEMA_VERSION); always the first field. */
  schemaVersion: number;
  scenario: string;
  description: string;
  version: string;
  seed: number;
  profile: string;
  scalingOverrides: Record<string, number | null>;
  source: { type: string; name: string };
  endedAt: number;
  drained: boolean;
  stopReason: StopReason;
  records: {
    produced: number;
    succeeded: number;
    onFailure: number;
    dlq: number;
    expired: number;
    filtered: number;
    pending: number;
    deletedDespiteReportedFailure: number;
    /** Of onFailure (streams): records whose invocation record reached the on-failure destination. */
    onFailureDelivered: number;
    /** Of onFailure (streams): records dropped: no on-failure destination, or one that refused the invocation record. */
    onFailureDropped: number;
  };
  conservation: string;
  duplicates: number;
  /** Of `duplicates`, by cause: visibilityTimeout (queues: a message received again once its visibility timeout ran
   *  out while a batch still held it), duplicateDelivery (standard queues: a message the queue delivered twice on its
   *  own), checkpointRewind (streams: a record read again from a checkpoint before it, after a partial response or a
   *  split batch), producerRetry (a retried send or write processed as well as the first). They add up to
   *  `duplicates`. */
  duplicatesByCause: { visibilityTimeout: number; duplicateDelivery: number; checkpointRewind: number; producerRetry: number };
  orderingViolations: number;
  /** partialIgnored: partial responses Lambda did not read (no ReportBatchItemFailures, or partialUnread: a list held
   *  where Lambda does not look), so the records they named were deleted or checkpointed as processed. */
  invocations: { total: number; errors: number; timeouts: number; throttles: number; partial: number; partialIgnored: number; partialUnread: number };
  /** With function.coldStart only: invocations that created their execution environment, and the Init Duration of
   *  each (as the REPORT log line gives it), average and max in ms. */
  coldStarts?: { count: number; initDuration: { avg: number; max: number } };
  batchSize: { p50: number; max: number };
  iteratorAge: { max: number; p50: number; p99: number; definition: string };
  /** max: peak concurrent invocations; timeToMax: ms from the first arrival to the first invoke at that peak. */
  concurrency: { max: number; timeToMax: number; pollersMax: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { recordsPerSecond: number };
  /** SQS queues (sqs, sqs-fifo) only: a stream's report has no such section. */
  sqs?: SqsReport;
  destinations: unknown[];
  expectations: ExpectationResult[];
  /** Over virtual time: [ms, value] samples, and invocation outcomes in buckets. */
  series: {
    concurrency: [number, number][];
    backlog: [number, number][];
    oldestAge: [number, number][];
    outcomes: OutcomeSeries;
    /** Streams: IteratorAge per shard over time, [ms, max age in ms] per interval. */
    iteratorAgeByShard?: Record<string, [number, number][]>;
    /** Streams: records behind per shard over time, [ms, the largest one-second sample] per interval. */
    recordsBehindByShard?: Record<string, [number, number][]>;
  };
  /** Streams (kinesis, dynamodb) only. */
  stream?: StreamReport;
  /** CloudWatch's metrics under AWS's names, statistics and period stamps (metrics/cloudwatch.ts). */
  cloudwatch: CloudWatchReport;
  eventsRun: number;
  /** 16 hex characters: a digest of the run's trace events (all but produce), identical with and without --trace. */
  traceDigest: string;
  /** Present only with --check. */
  checks?: CheckOutcome[];
}

/** One invocation on the timeline, times in ms; `end` is null for one still running when the run stopped. */
export interface TimelineEntry {
  lane: number;
  invocation: number;
  start: number;
  end: number | null;
  outcome: "ok" | "error" | "timeout" | "partial" | "running";
  records: number;
  /** A cold start only: its Init phase in ms, which runs from `start` before the handler. */
  initMs?: number;
}

/** Every invocation of a small run by lane (poller or shard); null when the run had too many invocations. */
export interface TimelineView {
  lanes: string[];
  items: TimelineEntry[];
  /** Refused invokes: lane and time in ms. */
  throttles: { lane: number; t: number }[];
  /** The most invocations a timeline is kept for. */
  limit: number;
}

export interface RunResult {
  scenario: Scenario;
  report: Report;
  /** Not part of the JSON report: for the HTML report's invocation timeline. */
  timeline: TimelineView | null;
}

export interface StreamShardReport {
  shardId: string;
  invocations: number;
  /** Records sent to the function from this shard, retries included. */
  recordsInvoked: number;
  iteratorAge: { max: number; p50: number; p99: number };
  /** The last checkpointed sequence number, or null. */
  checkpoint: string | null;
  /** Bytes the mapping read from the shard (GetRecords calls, or pushes with enhanced fan-out). */
  bytesRead: number;
  /** GetRecords calls refused with ReadProvisionedThroughputExceeded (the shard's read limit). */
  readThrottles: number;
  /** The most records behind in the shard at a one-second sample (see StreamReport.recordsBehind). */
  recordsBehindMax: number;
}

export interface StreamReport {
  arn: string;
  shardCount: number;
  parallelizationFactor: number;
  /** Kinesis write attempts rejected by the per-shard limits (each retried by the producer). */
  producerThrottles: number;
  producerThrottledRecords: number;
  /** Writes the producers sent again (traffic duplicateSendRate). Kinesis: each is a record of its own; DynamoDB:
   *  none writes a stream record (the item is unchanged). */
  producerRetries: number;
  /** Kinesis: successful processings of a retried write's data beyond the first (also counted in `duplicates`). */
  producerDuplicates: number;
  /** Records lost to the stream's retention (= records.expired). */
  expiredByRetention: number;
  /** Records sent to onFailure because they were older than MaximumRecordAgeInSeconds (RecordAgeExceeded). */
  discardedByRecordAge: number;
  /** Records sent to onFailure after MaximumRetryAttempts (RetryAttemptsExhausted). */
  retryExhausted: number;
  /** Invocation records written to the on-failure destination (the report keeps the first 1,000 in `destinations`). */
  destinationRecords: number;
  /** Invocation records the on-failure destination refused (a FIFO queue or topic): DestinationDeliveryFailures. */
  destinationDeliveryFailures: number;
  /** The mapping's on-failure destination ARN (DestinationConfig.OnFailure.Destination), or null: none configured. */
  onFailureDestination: string | null;
  /** An S3 destination: the object key of each record in `destinations`, in the same order; empty otherwise. */
  destinationObjectKeys: string[];
  retries: number;
  bisects: number;
  /** Deliveries of records that had already been processed successfully (the checkpoint was behind them). */
  redeliveriesOfSucceeded: number;
  /** Reads of a shard (GetRecords calls, or pushes), whatever made them, and the idle ticks skipped (each an empty
   *  call); of them, those that returned nothing. */
  polls: number;
  emptyPolls: number;
  /** Records the function wrote back to its own stream (function.writesBack); counted in records.produced. */
  writtenBack: number;
  /** GetRecords calls refused with ReadProvisionedThroughputExceeded, over all shards. */
  readThrottles: number;
  /** Bytes the mapping read, over all shards. */
  bytesRead: number;
  /** Kinesis: the mapping reads through an enhanced fan-out consumer. */
  enhancedFanOut: boolean;
  /** Records behind, sampled once a second per shard: records that arrived in the shard, not yet read by the
   *  mapping and not removed by retention. The largest sample, its shard and the first time it was seen (ms);
   *  shard and time are null when no sample was above zero. */
  recordsBehind: { max: number; maxShard: string | null; maxAtMs: number | null };
  shards: StreamShardReport[];
}
