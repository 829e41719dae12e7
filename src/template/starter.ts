/**
 * `esm-sim init <sqs|sqs-fifo|kinesis|dynamodb>`: a commented starter scenario for one source type, each key with its
 * AWS range and default, ready to edit and run. Ranges and defaults come from the parameter table (scenario/params.ts).
 */
import type { Entry } from "./draft.js";
import { defaultOf, fmt, noLimitMeaning, rangeText, type SourceType } from "../scenario/params.js";
import { buildDocument, finishDocument, type Finished, type TopItem } from "./write.js";

const n = (note: string) => ({ kind: "note" as const, note });
const e = (key: string, value: unknown, note: string, block = false): Entry => ({ key, value, origin: n(note), block });
const DAY_S = 86_400;

const WHAT: Record<SourceType, string> = {
  sqs: "an SQS standard queue feeding a Lambda function",
  "sqs-fifo": "an SQS FIFO queue feeding a Lambda function, in order within each message group",
  kinesis: "a Kinesis data stream read by a Lambda function, shard by shard and in order",
  dynamodb: "a DynamoDB table's stream read by a Lambda function, in order for each item",
};

function source(type: SourceType): Entry[] {
  const t = e("type", type, "kinesis | dynamodb | sqs | sqs-fifo");
  const vt = defaultOf("source.VisibilityTimeout");
  const vtNote = `seconds ${rangeText("source.VisibilityTimeout")} (AWS default ${vt})`;
  const retention = defaultOf("source.MessageRetentionPeriod");
  const retentionRange = `seconds ${rangeText("source.MessageRetentionPeriod")}`;
  switch (type) {
    case "sqs":
      return [
        t,
        e("VisibilityTimeout", vt, `${vtNote}; AWS recommends at least 6 x function Timeout + batching window`),
        e("MessageRetentionPeriod", retention, `${retentionRange} (AWS default ${fmt(retention)} = ${retention / DAY_S} days)`),
        e("DelaySeconds", defaultOf("source.DelaySeconds"), `seconds ${rangeText("source.DelaySeconds")} (AWS default ${defaultOf("source.DelaySeconds")})`),
        e("RedrivePolicy", { maxReceiveCount: 5 }, "optional: after 5 receives a message moves to a dead-letter queue (none by default)"),
      ];
    case "sqs-fifo":
      return [
        t,
        e("QueueName", "my-queue.fifo", "a FIFO queue's name ends in .fifo"),
        e("FifoQueue", true, "true for sqs-fifo"),
        e("VisibilityTimeout", vt, `${vtNote}; at least the function Timeout`),
        e("MessageRetentionPeriod", retention, `${retentionRange} (AWS default ${retention / DAY_S} days)`),
        e("ContentBasedDeduplication", defaultOf("source.ContentBasedDeduplication"), `AWS default ${defaultOf("source.ContentBasedDeduplication")}`),
        e("RedrivePolicy", { maxReceiveCount: 5 }, "optional: a dead-letter queue breaks the order of its group"),
      ];
    case "kinesis":
      return [
        t,
        e("ShardCount", 2, `${rangeText("source.ShardCount")} shards; each takes 1 MB/s or 1,000 records/s of writes`),
        e("RetentionPeriodHours", defaultOf("source.RetentionPeriodHours", type), `${rangeText("source.RetentionPeriodHours")} hours (AWS default ${defaultOf("source.RetentionPeriodHours", type)})`),
      ];
    case "dynamodb":
      return [t, e("ShardCount", defaultOf("source.ShardCount"), `stream shards: DynamoDB makes one per table partition; records are kept ${defaultOf("source.RetentionPeriodHours", type)} hours`)];
  }
}

function mapping(type: SourceType): Entry[] {
  switch (type) {
    case "sqs":
      return [batchSize(type, "; above 10 needs MaximumBatchingWindowInSeconds of at least 1"), batchingWindow(type, 0), responseTypes([], "; [ReportBatchItemFailures] retries only the messages the function reports")];
    case "sqs-fifo":
      return [batchSize(type, "; FIFO takes no batching window", " for FIFO"), responseTypes([], "; [ReportBatchItemFailures] to report failed messages")];
    case "kinesis":
    case "dynamodb":
      return [
        batchSize(type, ""),
        batchingWindow(type, 1),
        e("StartingPosition", defaultOf("mapping.StartingPosition"), type === "kinesis" ? "required: TRIM_HORIZON | LATEST | AT_TIMESTAMP" : "required: TRIM_HORIZON | LATEST"),
        e("ParallelizationFactor", defaultOf("mapping.ParallelizationFactor"), `${rangeText("mapping.ParallelizationFactor")} concurrent batches per shard (AWS default ${defaultOf("mapping.ParallelizationFactor")})`),
        e("MaximumRetryAttempts", 3, `${rangeText("mapping.MaximumRetryAttempts")} (AWS default ${defaultOf("mapping.MaximumRetryAttempts")}: ${noLimitMeaning("mapping.MaximumRetryAttempts")}, blocking its shard)`),
        e("MaximumRecordAgeInSeconds", 3600, `${rangeText("mapping.MaximumRecordAgeInSeconds")} (AWS default ${defaultOf("mapping.MaximumRecordAgeInSeconds")}: ${noLimitMeaning("mapping.MaximumRecordAgeInSeconds")})`),
        e("BisectBatchOnFunctionError", true, `AWS default ${defaultOf("mapping.BisectBatchOnFunctionError")}: split a failing batch in two to find the bad record`),
        responseTypes(["ReportBatchItemFailures"], ": the function reports the first failed record"),
        e("DestinationConfig", { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:esm-failures" } }, "where records go when retries or age run out (an SQS queue, SNS topic or S3 bucket)"),
      ];
  }
}

function batchSize(type: SourceType, tail: string, forWhom = ""): Entry {
  const d = defaultOf("mapping.BatchSize", type);
  return e("BatchSize", d, `${rangeText("mapping.BatchSize", type)}${forWhom} (AWS default ${d})${tail}`);
}

function batchingWindow(type: SourceType, value: number): Entry {
  const note = `${rangeText("mapping.MaximumBatchingWindowInSeconds", type)} seconds (AWS default ${defaultOf("mapping.MaximumBatchingWindowInSeconds", type)})`;
  return e("MaximumBatchingWindowInSeconds", value, note);
}

function responseTypes(value: string[], tail: string): Entry {
  return e("FunctionResponseTypes", value, `AWS default ${JSON.stringify(defaultOf("mapping.FunctionResponseTypes"))}${tail}`);
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
      footer:
        type === "sqs" || type === "sqs-fifo"
          ? [`ScalingConfig: { MaximumConcurrency: 50 }   ${rangeText("mapping.ScalingConfig.MaximumConcurrency")}: caps the mapping's concurrent invocations`]
          : type === "kinesis"
            ? [`TumblingWindowInSeconds: ${defaultOf("mapping.TumblingWindowInSeconds")}   ${rangeText("mapping.TumblingWindowInSeconds")}: aggregate records in windows`]
            : [],
    },
    {
      key: "function",
      entries: [
        e("Timeout", defaultOf("function.Timeout"), `seconds ${rangeText("function.Timeout")} (AWS default ${defaultOf("function.Timeout")})${type === "sqs" || type === "sqs-fifo" ? "; must not exceed VisibilityTimeout" : ""}`),
        e("duration", { base: "100ms", perRecord: "2ms" }, "how long one invocation runs; jitter: 0.2 spreads it"),
        e("failures", [{ when: { probability: 0.001 }, effect: "error" }], "first matching rule wins (when: key, attempt, probability, from/to); effect: error | timeout | partial", true),
      ],
      footer: ["ReservedConcurrentExecutions: 10   reserved concurrency (none by default: the account's unreserved pool)"],
    },
    { key: "account", entries: [e("ConcurrentExecutions", defaultOf("account.ConcurrentExecutions"), `the account's concurrency limit (AWS default ${fmt(defaultOf("account.ConcurrentExecutions"))})`)] },
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
