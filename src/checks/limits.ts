/**
 * What the invariant checkers need to know about a scenario: its limits and the promises its source makes,
 * derived once from the Scenario. The checkers read only these and the trace, so they work for any source type:
 * adding a source is one entry in LIMITS_BY_SOURCE.
 *
 * Sources for the promises: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (standard queues: best-effort
 * order, at-least-once), https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (per partition key order
 * with any ParallelizationFactor), https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html and
 * with-sqs.html (FIFO: order per message group, one batch per group in flight).
 */
import { assert } from "../engine/assert.js";
import { US_PER_MS } from "../engine/time.js";
import { isStreamSource, type Scenario } from "../scenario/model.js";

/** Where a source promises the order of first successful processing (and exclusive in-flight batches). */
export type OrderScope = "none" | "key" | "group";

export interface CheckLimits {
  sourceType: string;
  orderScope: OrderScope;
  /** Human words for the promise, used when a check does not apply. */
  orderPromise: string;
  /** Streams: shard count and batches per shard (ParallelizationFactor); null for queues. */
  shards: number | null;
  parallelizationFactor: number | null;
  /** ScalingConfig.MaximumConcurrency, when set. */
  maximumConcurrency: number | null;
  /** The function's ReservedConcurrentExecutions, when set. */
  reservedConcurrency: number | null;
  accountConcurrency: number;
  /** The most concurrent batches the mapping may run (SQS: profile maximum, MaximumConcurrency, account); null if none. */
  pollerCeiling: number | null;
  batchSizeMax: number;
  /** Source retention (stream retention, SQS MessageRetentionPeriod). */
  retentionUs: number;
  /** IteratorAge (report and trace samples) must stay within 0..this. */
  iteratorAgeMaxUs: number;
  iteratorAgeWhy: string;
  /** SQS: receives after which a message goes to the DLQ (Infinity without a redrive policy). */
  maxReceiveCount: number;
  /**
   * A successful result ends every record it did not report as failed (SQS: deleted), so `succeeded` and
   * `duplicates` can be recomputed exactly. False where a partial response re-delivers records past a checkpoint.
   */
  successEndsRecords: boolean;
  /** An on-failure destination is configured (streams): each onFailure trace event has one destination record. */
  onFailureDestination: boolean;
  /**
   * How long a batch holds its keys (groups) exclusively: Infinity for streams; for FIFO the visibility timeout its
   * receive gave (the queue's, or the effective one), whose messages become receivable again when it runs out even
   * if the function is still running.
   */
  keyLockMaxUs: number;
  /** A delete with a receipt handle past its visibility timeout is refused (SQS FIFO,
   *  https://repost.aws/knowledge-center/sqs-receipt-handle-error): only such a queue may list `undeleted` messages. */
  receiptsExpire: boolean;
}

type LimitsFor = (s: Scenario) => CheckLimits;

/**
 * How long a receive hides the mapping's messages: the queue's VisibilityTimeout, or, where the profile applies the
 * 2022 guide's effective visibility timeout (figure effectiveVisibilityExtraMs), window + function timeout + that
 * figure when a batching window and window + timeout exceed the queue's ("If your batch window is greater than 0,
 * and (batch window) + (function timeout) > (queue visibility timeout), then your effective queue visibility timeout
 * is (batch window) + (function timeout) + 30s",
 * https://github.com/awsdocs/aws-lambda-developer-guide/blob/a83f69b/doc_source/with-sqs.md).
 */
function receiveVisibilityUs(s: Scenario, queueVisibilityUs: number): number {
  const extraMs = s.figures.effectiveVisibilityExtraMs;
  const windowUs = s.mapping.batchingWindowUs;
  const timeoutUs = s.fn.timeoutUs;
  if (extraMs === null || windowUs <= 0 || windowUs + timeoutUs <= queueVisibilityUs) return queueVisibilityUs;
  return windowUs + timeoutUs + extraMs * US_PER_MS;
}

function sqsLimits(s: Scenario): CheckLimits {
  const src = s.source;
  assert(!isStreamSource(src), "sqsLimits on a stream source");
  const visibilityUs = receiveVisibilityUs(s, src.visibilityTimeoutUs);
  const extended = visibilityUs !== src.visibilityTimeoutUs;
  const fifo = src.type === "sqs-fifo";
  const prov = s.mapping.provisioned;
  // Provisioned mode: MaximumPollers x (batches per event poller) replaces the on-demand maximum.
  const mappingMax = prov ? prov.maxPollers * (s.figures.provisionedInvokesPerPoller ?? 10) : s.figures.maxConcurrency;
  return {
    sourceType: src.type,
    orderScope: fifo ? "group" : "none",
    orderPromise: fifo ? "SQS FIFO queues keep order per message group" : "SQS standard queues give best-effort order only",
    shards: null,
    parallelizationFactor: null,
    maximumConcurrency: s.mapping.maximumConcurrency,
    reservedConcurrency: s.fn.reservedConcurrency,
    accountConcurrency: s.accountConcurrency,
    pollerCeiling: Math.min(mappingMax, s.mapping.maximumConcurrency ?? Infinity, s.accountConcurrency),
    batchSizeMax: s.mapping.batchSize,
    retentionUs: src.retentionUs,
    // A message in flight is expired only once it is visible again (esm-sim's choice, sqs-queue.ts), and it was
    // received before its retention ran out, so the oldest message is younger than retention + the visibility its
    // receive gave it.
    iteratorAgeMaxUs: src.retentionUs + visibilityUs,
    iteratorAgeWhy: extended
      ? "MessageRetentionPeriod + the effective visibility timeout (window + function Timeout + effectiveVisibilityExtraMs): a message in flight expires once visible again"
      : "MessageRetentionPeriod + VisibilityTimeout: a message in flight expires once visible again",
    maxReceiveCount: src.maxReceiveCount,
    successEndsRecords: true,
    onFailureDestination: false,
    keyLockMaxUs: visibilityUs,
    receiptsExpire: fifo,
  };
}

function streamLimits(s: Scenario): CheckLimits {
  const src = s.source;
  assert(isStreamSource(src), "streamLimits on a queue source");
  const pf = s.mapping.parallelizationFactor;
  return {
    sourceType: src.type,
    orderScope: "key",
    orderPromise: "streams keep order per partition key (per shard with ParallelizationFactor 1)",
    shards: src.shardCount,
    parallelizationFactor: pf,
    maximumConcurrency: null,
    reservedConcurrency: s.fn.reservedConcurrency,
    accountConcurrency: s.accountConcurrency,
    pollerCeiling: Math.min(src.shardCount * pf, s.accountConcurrency),
    batchSizeMax: s.mapping.batchSize,
    retentionUs: src.retentionUs,
    // IteratorAge is the age of a batch's last record when it is sent; a record older than retention is gone.
    iteratorAgeMaxUs: src.retentionUs,
    iteratorAgeWhy: "the stream's retention: an older record has expired",
    maxReceiveCount: Infinity,
    // A partial batch response moves the checkpoint back, so records after it are delivered again.
    successEndsRecords: false,
    onFailureDestination: s.mapping.onFailureArn !== null,
    keyLockMaxUs: Infinity,
    receiptsExpire: false,
  };
}

/** One entry per source type the model runs. */
export const LIMITS_BY_SOURCE: Readonly<Record<string, LimitsFor>> = {
  sqs: sqsLimits,
  "sqs-fifo": sqsLimits,
  kinesis: streamLimits,
  dynamodb: streamLimits,
};

export function limitsOf(s: Scenario): CheckLimits {
  const f = LIMITS_BY_SOURCE[s.source.type];
  assert(f, () => `no check limits for source type ${s.source.type}`);
  return f(s);
}
