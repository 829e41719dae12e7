/**
 * The rules `esm-sim explain` names: one short title per documented behaviour and the AWS page that states it
 * (AWS_PAGES); the titles are esm-sim's own words.
 */

export const AWS_PAGES = {
  ESM: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html",
  SQS: "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html",
  SQS_CFG: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
  SQS_SCALE: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
  SQS_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
  SQS_STD: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html",
  SQS_DLQ: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
  SQS_CQ: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  KIN: "https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html",
  KIN_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html",
  KIN_RBIF: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html",
  KIN_PARAMS: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html",
  KIN_WIN: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html",
  DDB: "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html",
  DDB_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html",
  DDB_WIN: "https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-windows.html",
  METRICS: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html",
  KDS_QUOTAS: "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
  KDS_EFO: "https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html",
  KDS_DUP: "https://docs.aws.amazon.com/streams/latest/dev/kinesis-record-processor-duplicates.html",
  SQS_FIFO_LOGIC: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html",
  SQS_FIFO_TERMS: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html",
  KC_FIFO: "https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned",
  KC_RECEIPT: "https://repost.aws/knowledge-center/sqs-receipt-handle-error",
  FILTER: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html",
  CONC: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
  RECURSION: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html",
  RUNTIME_ENV: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
} as const;

export interface Rule {
  title: string;
  url: string;
}

const rule = (title: string, url: string): Rule => ({ title, url });

export const RULES = {
  pollingSync: rule("the mapping polls the source and invokes the function synchronously", AWS_PAGES.ESM),
  longPolling: rule("SQS long polling: an empty receive waits for messages instead of returning at once", AWS_PAGES.SQS_SCALE),
  batchSize: rule("a batch closes when it reaches BatchSize", AWS_PAGES.ESM),
  batchWindow: rule("batching window: wait up to MaximumBatchingWindowInSeconds to fill a batch", AWS_PAGES.ESM),
  receiveAvailable: rule("without a batching window the poller invokes with what its receives returned", AWS_PAGES.SQS),
  payloadLimit: rule("a batch never exceeds the 6 MB synchronous invocation payload", AWS_PAGES.ESM),
  deleteOnSuccess: rule("Lambda deletes messages from the queue after they are processed successfully", AWS_PAGES.SQS),
  failedBatchReturns: rule("a failed batch returns to the queue as individual messages after the visibility timeout", AWS_PAGES.SQS),
  regrouping: rule("returned messages may be processed in a different grouping than the original batch", AWS_PAGES.SQS),
  visibilityTimeout: rule("visibility timeout at least 6 x the function timeout (+ batching window)", AWS_PAGES.SQS_CFG),
  dlqOnQueue: rule("the DLQ belongs to the source queue (RedrivePolicy), not to the function", AWS_PAGES.SQS_CFG),
  retention: rule("messages are deleted when MessageRetentionPeriod runs out", AWS_PAGES.SQS_CQ),
  partialBatch: rule("ReportBatchItemFailures: only the reported messages return", AWS_PAGES.SQS_ERR),
  receiptHandleExpired: rule("a FIFO queue refuses a delete whose receipt handle expired with its visibility timeout", AWS_PAGES.KC_RECEIPT),
  unreadPartialResponse: rule("a response with no batchItemFailures at its top level is a complete success", AWS_PAGES.SQS_ERR),
  invalidPartialResponse: rule("a partial batch response naming a message not in the batch fails the whole batch", AWS_PAGES.SQS_ERR),
  standardOrder: rule("standard queues keep best-effort order only", AWS_PAGES.SQS_STD),
  atLeastOnce: rule("at-least-once delivery: the same message can arrive twice without any error", AWS_PAGES.SQS_STD),
  duplicates: rule("event source mappings process each event at least once: make the function idempotent", AWS_PAGES.ESM),
  sqsStart: rule("an SQS mapping starts with five concurrent batches", AWS_PAGES.SQS_SCALE),
  sqsScaleUp: rule("SQS scale-up: more concurrent invokes a minute while messages remain", AWS_PAGES.SQS_SCALE),
  sqsScaleDown: rule("SQS scale-down and the low-traffic optimisation", AWS_PAGES.SQS_SCALE),
  sqsBackOff: rule("after errors and throttles Lambda backs off the mapping's concurrency", AWS_PAGES.SQS_ERR),
  throttle: rule("mappings don't account for reserved concurrency: extra invokes are throttled", AWS_PAGES.SQS_SCALE),
  shardIterator: rule("one iterator per shard, one batch at a time, in order", AWS_PAGES.KIN),
  streamRetry: rule("a failed batch is retried until it succeeds or expires; the shard waits", AWS_PAGES.KIN_ERR),
  bisect: rule("BisectBatchOnFunctionError splits a failed batch; splitting uses no retry attempts", AWS_PAGES.KIN_ERR),
  checkpoint: rule("with ReportBatchItemFailures the checkpoint is the lowest failed sequence number", AWS_PAGES.KIN_RBIF),
  onFailure: rule("records given up on are discarded: their metadata goes to the on-failure destination, or nowhere without one", AWS_PAGES.KIN_ERR),
  streamRetention: rule("records not processed within the stream's retention are lost", AWS_PAGES.KIN),
  startingPosition: rule("StartingPosition: TRIM_HORIZON reads every retained record, LATEST only new ones, AT_TIMESTAMP from a time", AWS_PAGES.KIN_PARAMS),
  parallelization: rule("ParallelizationFactor: up to 10 batches per shard at once, in order per partition key", AWS_PAGES.KIN),
  iteratorAge: rule("IteratorAge: the age of the last record in a batch when the mapping sends it", AWS_PAGES.METRICS),
  recordAge: rule("MaximumRecordAgeInSeconds: records older than this are discarded, not retried", AWS_PAGES.KIN_ERR),
  streamThrottle: rule("throttles where the batch never reaches the function do not count toward retry attempts", AWS_PAGES.ESM),
  tumblingWindow: rule("tumbling windows: state carried across invocations, one final invocation per window", AWS_PAGES.KIN_WIN),
  shardReadLimit: rule("a Kinesis shard serves 5 GetRecords calls and 2 MB a second of reads, shared by every standard consumer", AWS_PAGES.KDS_QUOTAS),
  enhancedFanOut: rule("enhanced fan-out: records are pushed over a dedicated 2 MB a second per shard for each registered consumer", AWS_PAGES.KDS_EFO),
  producerThrottle: rule("a Kinesis shard takes at most 1 MB or 1,000 records a second of writes", AWS_PAGES.KDS_QUOTAS),
  producerRetryRecord: rule("a Kinesis producer's retry is a second record with the same data", AWS_PAGES.KDS_DUP),
  streamAtLeastOnce: rule("records after the checkpoint are delivered again: stream mappings deliver at least once", AWS_PAGES.KIN_RBIF),
  ddbShardIterator: rule("DynamoDB Streams: shards polled four times a second, one batch at a time, in order", AWS_PAGES.DDB),
  ddbStreamRetry: rule("a failed batch is retried until it succeeds or expires (24 h); the shard waits", AWS_PAGES.DDB_ERR),
  ddbBisect: rule("BisectBatchOnFunctionError splits a failed batch; splitting uses no retry attempts", AWS_PAGES.DDB_ERR),
  ddbOnFailure: rule("records given up on are discarded: their metadata goes to the on-failure destination, or nowhere without one", AWS_PAGES.DDB_ERR),
  ddbTumblingWindow: rule("tumbling windows: state carried across invocations, one final invocation per window", AWS_PAGES.DDB_WIN),
  fifoOrder: rule("FIFO: order holds within a message group; groups are processed in parallel", AWS_PAGES.SQS_SCALE),
  fifoGroupLock: rule("FIFO: in-flight messages block the rest of their message group", AWS_PAGES.KC_FIFO),
  fifoDedup: rule("FIFO: a send with a deduplication ID seen in the last 5 minutes is accepted but not delivered", AWS_PAGES.SQS_FIFO_TERMS),
  filtering: rule("records that match no filter are dropped before batching", AWS_PAGES.FILTER),
  coldStart: rule("a new execution environment runs its Init phase before its first invocation; an idle one is reused", AWS_PAGES.RUNTIME_ENV),
  selfWrite: rule("recursive loop detection covers SQS, SNS and S3, not Kinesis or DynamoDB streams", AWS_PAGES.RECURSION),
} satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;
