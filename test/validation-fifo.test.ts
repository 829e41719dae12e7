import type { SqsSourceConfig } from "../src/scenario/model.js";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";

const fifo = (source: string, rest = "") => `name: f
source: { type: sqs-fifo${source} }
traffic:
  - { at: 0s, records: 10 }
${rest}`;

function errorsOf(text: string): string[] {
  const r = parseScenario(text, "s.yaml");
  return r.ok ? [] : r.errors.map(formatProblem);
}

describe("validation of sqs-fifo, producer retries and provisioned mode", () => {
  it.each([
    ["a minimal FIFO scenario", fifo("")],
    ["a FIFO queue name", fifo(", QueueName: orders.fifo")],
    ["BatchSize 10 on FIFO", fifo("", "mapping: { BatchSize: 10 }\n")],
    ["content-based deduplication", fifo(", ContentBasedDeduplication: true", "").replace("records: 10 }", "records: 10, duplicateSendRate: 0.1, deduplicationId: content }")],
    ["producer retries on a standard queue", "name: s\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1, duplicateSendRate: 0.5, duplicateSendAfter: 2s }]\n"],
    ["provisioned mode", "name: s\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nmapping: { ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 2000 } }\n"],
  ])("accepts %s", (_what, text) => {
    expect(errorsOf(text)).toEqual([]);
  });

  it.each([
    [
      "a standard dead-letter queue for a FIFO queue",
      fifo(', RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:plain-dlq" }'),
      's.yaml:2:85 source.RedrivePolicy.deadLetterTargetArn: must be a FIFO queue (a name ending in .fifo): SQS takes a FIFO queue\'s dead-letter queue only of the FIFO type, and a standard queue\'s only of the standard type (got "arn:aws:sqs:us-east-1:123456789012:plain-dlq")',
    ],
    [
      "a FIFO dead-letter queue for a standard queue",
      'name: s\nsource: { type: sqs, RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:dlq.fifo" } }\ntraffic: [{ at: 0s, records: 1 }]\n',
      "source.RedrivePolicy.deadLetterTargetArn: must be a standard queue (a name not ending in .fifo)",
    ],
    ["a FIFO queue name without .fifo", fifo(", QueueName: orders"), 's.yaml:2:38 source.QueueName: The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length. (got "orders")'],
    ["a .fifo name on a standard queue", "name: s\nsource: { type: sqs, QueueName: a.fifo }\ntraffic: [{ at: 0s, records: 1 }]\n", 's.yaml:2:33 source.QueueName: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (got "a.fifo"; a name ending in .fifo needs type: sqs-fifo)'],
    ["BatchSize above 10 on FIFO", fifo("", "mapping: { BatchSize: 11, MaximumBatchingWindowInSeconds: 1 }\n"), "s.yaml:5:23 mapping.BatchSize: Maximum batch size must be between 1 and 10 inclusive (FIFO queues; got 11)"],
    ["a batching window on FIFO", fifo("", "mapping: { MaximumBatchingWindowInSeconds: 5 }\n"), "s.yaml:5:44 mapping.MaximumBatchingWindowInSeconds: Batching window is not supported for FIFO queues"],
    ["spontaneous duplicates on FIFO", fifo(", duplicateDeliveryRate: 0.01"), "s.yaml:2:50 source.duplicateDeliveryRate: applies to sqs (standard) sources only: a FIFO queue delivers each message exactly once; for producer retries use traffic duplicateSendRate"],
    ["ContentBasedDeduplication on a standard queue", "name: s\nsource: { type: sqs, ContentBasedDeduplication: true }\ntraffic: [{ at: 0s, records: 1 }]\n", "s.yaml:2:49 source.ContentBasedDeduplication: applies to sqs-fifo sources only, not sqs"],
    ["content deduplication without ContentBasedDeduplication", fifo("").replace("records: 10 }", "records: 10, deduplicationId: content }"), "s.yaml:4:45 traffic[0].deduplicationId: The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"],
    ["a deduplication ID mode on a standard queue", "name: s\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1, deduplicationId: message }]\n", "s.yaml:3:50 traffic[0].deduplicationId: applies to sqs-fifo sources only, not sqs"],
    ["duplicateSendAfter without duplicateSendRate", fifo("").replace("records: 10 }", "records: 10, duplicateSendAfter: 1s }"), "s.yaml:4:48 traffic[0].duplicateSendAfter: applies only with duplicateSendRate (when the producer's retry is sent)"],
    ["a duplicateSendRate above 1", fifo("").replace("records: 10 }", "records: 10, duplicateSendRate: 2 }"), "s.yaml:4:47 traffic[0].duplicateSendRate: must be a probability 0..1 (the share of sends the producer sends a second time) (got 2)"],
    ["an unknown deduplication ID mode", fifo("").replace("records: 10 }", "records: 10, deduplicationId: random }"), 's.yaml:4:45 traffic[0].deduplicationId: must be one of message | perAttempt | content (got "random")'],
    ["MinimumPollers below 2", fifo("", "mapping: { ProvisionedPollerConfig: { MinimumPollers: 1 } }\n"), "s.yaml:5:55 mapping.ProvisionedPollerConfig.MinimumPollers: must be an integer 2..200 (got 1)"],
    ["MaximumPollers above 2,000", fifo("", "mapping: { ProvisionedPollerConfig: { MaximumPollers: 2001 } }\n"), "s.yaml:5:55 mapping.ProvisionedPollerConfig.MaximumPollers: must be an integer 2..2,000 (got 2001)"],
    ["MinimumPollers above MaximumPollers", fifo("", "mapping: { ProvisionedPollerConfig: { MinimumPollers: 50, MaximumPollers: 10 } }\n"), "s.yaml:5:55 mapping.ProvisionedPollerConfig.MinimumPollers: MinimumPollers (50) must not be greater than MaximumPollers (10)"],
    ["provisioned mode with MaximumConcurrency", fifo("", "mapping: { ProvisionedPollerConfig: {}, ScalingConfig: { MaximumConcurrency: 5 } }\n"), "s.yaml:5:78 mapping.ScalingConfig.MaximumConcurrency: cannot be used with ProvisionedPollerConfig"],
    ["provisioned mode under legacy-2022", fifo("", "profile: legacy-2022\nmapping: { ProvisionedPollerConfig: {} }\n"), "s.yaml:6:37 mapping.ProvisionedPollerConfig: provisioned mode for SQS did not exist in profile legacy-2022 (as of 2022-11-14); it launched on 2025-11-14: use profile: current"],
    ["a null override of a figure every era has", fifo("", "scaling: { scaleUpPerMinute: null }\n"), "s.yaml:5:30 scaling.scaleUpPerMinute: may be null only for lowTrafficConcurrency, provisionedScaleUpPerMinute"],
    ["a fractional account concurrency", fifo("", "scaling: { accountConcurrency: 1.5 }\n"), "s.yaml:5:32 scaling.accountConcurrency: must be a whole number of at least 1 (got 1.5)"],
  ])("rejects %s", (_what, text, expected) => {
    const errs = errorsOf(text);
    expect(errs.join("\n")).toContain(expected);
  });

  it("names the FIFO queue and its DLQ with the .fifo suffix by default, and defaults the deduplication ID mode", () => {
    const r = parseScenario(fifo(", RedrivePolicy: { maxReceiveCount: 5 }, ContentBasedDeduplication: true"), "s.yaml");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.scenario.source as SqsSourceConfig).queueName).toBe("f-queue.fifo");
    expect((r.scenario.source as SqsSourceConfig).dlqArn).toBe("arn:aws:sqs:us-east-1:123456789012:f-queue-dlq.fifo");
    expect(r.scenario.traffic[0].resend.deduplicationId).toBe("content");
  });
});

describe("expectable report fields", () => {
  it("every field an expectation may name resolves to a number or boolean in a report", async () => {
    const { METRIC_PATHS } = await import("../src/metrics/paths.js");
    const { valueAtPath } = await import("../src/run/expect.js");
    const { simulate } = await import("../src/run/simulate.js");
    // Traffic over 5 s: the queue is sampled once a second, so its CloudWatch gauges have data points. With cold
    // starts, so that the coldStarts fields are reported.
    const r = parseScenario(fifo("", "function: { coldStart: 200ms }\n").replace("{ at: 0s, records: 10 }", "{ rate: 10/s, from: 0s, to: 5s }"), "s.yaml");
    if (!r.ok) throw new Error("invalid");
    const report = simulate(r.scenario).report;
    const k = parseScenario("name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ at: 0s, records: 10 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n", "k.yaml");
    if (!k.ok) throw new Error("invalid");
    const streamReport = simulate(k.scenario).report;
    // With enhanced fan-out: SubscribeToShardEvent's metrics instead of GetRecords'.
    const e = parseScenario("name: e\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ at: 0s, records: 10 }]\nmapping: { StartingPosition: TRIM_HORIZON, enhancedFanOut: true }\n", "e.yaml");
    if (!e.ok) throw new Error("invalid");
    const efoReport = simulate(e.scenario).report;
    const { cloudwatchMetricSources } = await import("../src/metrics/cloudwatch.js");
    for (const [path, kind] of Object.entries(METRIC_PATHS)) {
      // stream.* fields exist only in stream reports, and each CloudWatch metric only for the sources AWS publishes
      // it for (validation refuses the others); Kinesis' own metrics are in the kinesis report.
      const cw = path.startsWith("cloudwatch.") ? path.slice("cloudwatch.".length) : null;
      const forStream = path.startsWith("stream.") || (cw !== null && cloudwatchMetricSources(cw, "sqs-fifo") !== null);
      const forPushed = cw !== null && cloudwatchMetricSources(cw, "kinesis") !== null && cloudwatchMetricSources(cw, "kinesis-efo") === null;
      const v = valueAtPath(forPushed ? efoReport : forStream ? streamReport : report, path);
      expect([path, typeof v]).toEqual([path, kind === "bool" ? "boolean" : "number"]);
      // a queue's own fields are not in a stream's report (validation refuses them there)
      if (path.startsWith("sqs.")) expect([path, valueAtPath(streamReport, path)]).toEqual([path, undefined]);
    }
  });
});
