/**
 * `esm-sim init <sqs|sqs-fifo|kinesis|dynamodb>`: a commented starter scenario for one source type, each key with its
 * AWS range and default, ready to edit and run. Ranges and defaults:
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html.
 */
import type { Entry } from "./draft.js";
import type { SourceType } from "../scenario/schema.js";
import { buildDocument, finishDocument, type Finished, type TopItem } from "./write.js";

const n = (note: string) => ({ kind: "note" as const, note });
const e = (key: string, value: unknown, note: string, block = false): Entry => ({ key, value, origin: n(note), block });

const WHAT: Record<SourceType, string> = {
  sqs: "an SQS standard queue feeding a Lambda function",
  "sqs-fifo": "an SQS FIFO queue feeding a Lambda function, in order within each message group",
  kinesis: "a Kinesis data stream read by a Lambda function, shard by shard and in order",
  dynamodb: "a DynamoDB table's stream read by a Lambda function, in order for each item",
};

function source(type: SourceType): Entry[] {
  const t = e("type", type, "kinesis | dynamodb | sqs | sqs-fifo");
  switch (type) {
    case "sqs":
      return [
        t,
        e("VisibilityTimeout", 30, "seconds 0..43,200 (AWS default 30); AWS recommends at least 6 x function Timeout + batching window"),
        e("MessageRetentionPeriod", 345_600, "seconds 60..1,209,600 (AWS default 345,600 = 4 days)"),
        e("DelaySeconds", 0, "seconds 0..900 (AWS default 0)"),
        e("RedrivePolicy", { maxReceiveCount: 5 }, "optional: after 5 receives a message moves to a dead-letter queue (none by default)"),
      ];
    case "sqs-fifo":
      return [
        t,
        e("QueueName", "my-queue.fifo", "a FIFO queue's name ends in .fifo"),
        e("FifoQueue", true, "true for sqs-fifo"),
        e("VisibilityTimeout", 30, "seconds 0..43,200 (AWS default 30); at least the function Timeout"),
        e("MessageRetentionPeriod", 345_600, "seconds 60..1,209,600 (AWS default 4 days)"),
        e("ContentBasedDeduplication", false, "AWS default false"),
        e("RedrivePolicy", { maxReceiveCount: 5 }, "optional: a dead-letter queue breaks the order of its group"),
      ];
    case "kinesis":
      return [t, e("ShardCount", 2, "1..10,000 shards; each takes 1 MB/s or 1,000 records/s of writes"), e("RetentionPeriodHours", 24, "24..8,760 hours (AWS default 24)")];
    case "dynamodb":
      return [t, e("ShardCount", 1, "stream shards: DynamoDB makes one per table partition; records are kept 24 hours")];
  }
}

function mapping(type: SourceType): Entry[] {
  switch (type) {
    case "sqs":
      return [
        e("BatchSize", 10, "1..10,000 (AWS default 10); above 10 needs MaximumBatchingWindowInSeconds of at least 1"),
        e("MaximumBatchingWindowInSeconds", 0, "0..300 seconds (AWS default 0)"),
        e("FunctionResponseTypes", [], "AWS default []; [ReportBatchItemFailures] retries only the messages the function reports"),
      ];
    case "sqs-fifo":
      return [e("BatchSize", 10, "1..10 for FIFO (AWS default 10); FIFO takes no batching window"), e("FunctionResponseTypes", [], "AWS default []; [ReportBatchItemFailures] to report failed messages")];
    case "kinesis":
    case "dynamodb":
      return [
        e("BatchSize", 100, "1..10,000 (AWS default 100)"),
        e("MaximumBatchingWindowInSeconds", 1, "0..300 seconds (AWS default 0)"),
        e("StartingPosition", "TRIM_HORIZON", type === "kinesis" ? "required: TRIM_HORIZON | LATEST | AT_TIMESTAMP" : "required: TRIM_HORIZON | LATEST"),
        e("ParallelizationFactor", 1, "1..10 concurrent batches per shard (AWS default 1)"),
        e("MaximumRetryAttempts", 3, "-1..10,000 (AWS default -1: retry until the record expires, blocking its shard)"),
        e("MaximumRecordAgeInSeconds", 3600, "-1 or 60..604,800 (AWS default -1: no limit)"),
        e("BisectBatchOnFunctionError", true, "AWS default false: split a failing batch in two to find the bad record"),
        e("FunctionResponseTypes", ["ReportBatchItemFailures"], "AWS default []: the function reports the first failed record"),
        e("DestinationConfig", { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:esm-failures" } }, "where records go when retries or age run out (an SQS queue, SNS topic or S3 bucket)"),
      ];
  }
}

function traffic(type: SourceType): unknown[] {
  const keyWord = type === "sqs-fifo" ? 20 : type === "sqs" ? 100 : 50;
  return [
    { rate: "50/s", from: "0s", to: "5m", keys: keyWord },
    { at: "60s", records: 1000 },
  ];
}

/** The starter scenario for `type`, with the scenario's own checks run on it. */
export function renderStarter(type: SourceType, fileName: string): Finished {
  const keysMean = type === "sqs" ? "distinct keys" : type === "sqs-fifo" ? "message group IDs" : type === "kinesis" ? "partition keys" : "item keys";
  const items: TopItem[] = [
    { key: "name", value: `my-${type}-mapping` },
    { key: "description", value: "Replace with what this scenario shows." },
    { key: "seed", value: 1, origin: n("every random draw comes from this seed; --seed overrides it") },
    { key: "source", entries: source(type), header: ["source, mapping and function use AWS's own names, units, ranges and defaults (CloudFormation's spelling)"] },
    {
      key: "traffic",
      value: traffic(type),
      block: true,
      header: [`traffic: producers that all run at once. Steady: rate, from, to (arrival: poisson for random spacing);`, `a burst: at, records. keys: the number of ${keysMean} (keyDistribution: zipf for hot keys), or key: one literal key.`],
    },
    {
      key: "mapping",
      entries: mapping(type),
      footer: type === "sqs" || type === "sqs-fifo" ? ["ScalingConfig: { MaximumConcurrency: 50 }   2..1,000: caps the mapping's concurrent invocations"] : type === "kinesis" ? ["TumblingWindowInSeconds: 0   0..900: aggregate records in windows"] : [],
    },
    {
      key: "function",
      entries: [
        e("Timeout", 3, `seconds 1..900 (AWS default 3)${type === "sqs" || type === "sqs-fifo" ? "; must not exceed VisibilityTimeout" : ""}`),
        e("duration", { base: "100ms", perRecord: "2ms" }, "how long one invocation runs; jitter: 0.2 spreads it"),
        e("failures", [{ when: { probability: 0.001 }, effect: "error" }], "first matching rule wins (when: key, attempt, probability, from/to); effect: error | timeout | partial", true),
      ],
      footer: ["ReservedConcurrentExecutions: 10   reserved concurrency (none by default: the account's unreserved pool)"],
    },
    { key: "account", entries: [e("ConcurrentExecutions", 1000, "the account's concurrency limit (AWS default 1,000)")] },
    {
      key: "expect",
      entries: [
        e("drained", { eq: true }, "every record reached an end state"),
        e("records.pending", { eq: 0 }, "any report field (records.dlq, latency.p99, iteratorAge.max, ...); a failed check exits 1"),
      ],
    },
  ];
  const { doc } = buildDocument(items);
  const intro = [`esm-sim starter scenario: ${WHAT[type]}.`, "Edit the values, then: esm-sim validate FILE, and esm-sim run FILE"];
  return finishDocument(doc, intro, fileName, []);
}
