/**
 * Realistic templates of each kind turned into scenarios: the generated values are asserted for every template;
 * the runs of stream templates activate by themselves once this version of esm-sim supports their source type.
 */
import { describe, expect, it } from "vitest";
import { parseOverlay, scenariosFromTemplate, type Overlay } from "../src/template/index.js";
import type { InvokeEvent, DlqEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";
import { filteringSupported, fixture, generate, sourceSupported, valuesOf } from "./template-helpers.js";

function overlay(text: string, file = "traffic.yaml"): Overlay {
  const r = parseOverlay(text, file);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.overlay;
}

const SMALL_TRAFFIC = overlay(`
traffic:
  - rate: 20/s
    from: 0s
    to: 30s
    keys: 10
  - at: 5s
    records: 1
    key: poison
function:
  duration: { base: 50ms, perRecord: 2ms }
  failures:
    - when: { key: poison }
      effect: error
`);

const invokes = (events: ReturnType<typeof runWithTrace>["events"]) => events.filter((e): e is InvokeEvent => e.type === "invoke");
const dlqs = (events: ReturnType<typeof runWithTrace>["events"]) => events.filter((e): e is DlqEvent => e.type === "dlq");

describe("SAM: an SQS queue with a dead-letter queue and a function with Globals", () => {
  const r = generate("sam-sqs.yaml");
  const s = r.scenarios[0];
  const v = valuesOf(s.text);

  it("finds the SQS event (not the Api one) and names it as SAM names the mapping", () => {
    expect(r.scenarios.map((x) => x.id)).toEqual(["OrdersFunctionOrdersFromQueue"]);
    // The function has one mapping event, so its own id names the mapping too.
    expect(r.drafts[0].aliases).toEqual(["OrdersFunction.OrdersFromQueue", "OrdersFunction"]);
  });

  it("takes the queue, the redrive policy, the event's settings and Globals.Function.Timeout", () => {
    expect(v.name).toBe("OrdersFunctionOrdersFromQueue");
    expect(v.source).toEqual({
      type: "sqs",
      QueueName: "orders-dev",
      VisibilityTimeout: 120,
      MessageRetentionPeriod: 345600,
      DelaySeconds: 0,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:orders-dlq-dev" },
    });
    expect(v.mapping).toEqual({ BatchSize: 50, MaximumBatchingWindowInSeconds: 2, FunctionResponseTypes: ["ReportBatchItemFailures"], ScalingConfig: { MaximumConcurrency: 5 } });
    expect(v.function).toEqual({ Timeout: 20, ReservedConcurrentExecutions: 5 });
    expect(v.traffic).toEqual([{ rate: "10/s", from: "0s", to: "1m" }]);
  });

  it("says where each value came from", () => {
    const lines = s.text.split("\n");
    expect(lines).toContain("  VisibilityTimeout: 120 # from OrdersQueue.Properties.VisibilityTimeout (parameter OrdersVisibilityTimeout, its Default)");
    expect(lines).toContain("  DelaySeconds: 0 # AWS default");
    expect(lines).toContain("  Timeout: 20 # from Globals.Function.Timeout");
    expect(lines).toContain("  ReservedConcurrentExecutions: 5 # from OrdersFunction.Properties.ReservedConcurrentExecutions (Fn::If: condition IsProd is false)");
    expect(lines).toContain("  BatchSize: 50 # from OrdersFunction.Properties.Events.OrdersFromQueue.Properties.BatchSize");
    expect(lines).toContain("# not modelled by esm-sim (OrdersQueue): KmsMasterKeyId");
    expect(lines).toContain("# not modelled by esm-sim (OrdersFunction with Globals.Function): Runtime, MemorySize, Tracing, Environment, CodeUri, Handler");
  });

  it("puts the lint warnings and the template's warnings at the top", () => {
    const header = s.text.slice(0, s.text.indexOf("\nname:"));
    expect(header).toContain("#   source.VisibilityTimeout: 120 s is below 6 x function Timeout (20 s) + MaximumBatchingWindowInSeconds (2 s) = 122 s");
    expect(header).toContain("#   source.RedrivePolicy.maxReceiveCount: 3 is below 5");
    expect(header).toContain("sam-sqs.yaml:52:9 OrdersFunction.Properties.DeadLetterQueue: applies to asynchronous invocations only; an event source mapping ignores it");
    expect(s.parse.ok).toBe(true);
    expect(s.parse.warnings.map((w) => w.path)).toEqual(["source.VisibilityTimeout", "source.RedrivePolicy.maxReceiveCount"]);
  });

  it("follows --parameter: Stage=prod renames the queues and reserves 50", () => {
    const prod = valuesOf(generate("sam-sqs.yaml", { parameters: new Map([["Stage", "prod"], ["OrdersVisibilityTimeout", "180"]]) }).scenarios[0].text);
    expect(prod.source).toMatchObject({ QueueName: "orders-prod", VisibilityTimeout: 180, RedrivePolicy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:orders-dlq-prod" } });
    expect(prod.function).toEqual({ Timeout: 20, ReservedConcurrentExecutions: 50 });
  });

  it("runs: batches of at most 50, at most 5 at once, and messages reach the template's DLQ after 3 receives", () => {
    const withTraffic = generate("sam-sqs.yaml", { overlay: SMALL_TRAFFIC }).scenarios[0];
    const { report, events } = runWithTrace(scenarioFrom(withTraffic.text));
    expect(Math.max(...invokes(events).map((e) => e.records.length))).toBeLessThanOrEqual(50);
    expect(Math.max(...invokes(events).map((e) => e.concurrency))).toBeLessThanOrEqual(5);
    const dlq = dlqs(events);
    expect(dlq.map((e) => [e.dlqArn, e.receiveCount])).toContainEqual(["arn:aws:sqs:us-east-1:123456789012:orders-dlq-dev", 3]);
    expect(new Set(dlq.map((e) => e.receiveCount))).toEqual(new Set([3]));
    expect(report.records.produced).toBe(601);
  });

  it("writes the same bytes every time", () => {
    expect(generate("sam-sqs.yaml").scenarios[0].text).toBe(s.text);
  });
});

describe("CloudFormation: a Kinesis stream with an on-failure destination", () => {
  const r = generate("kinesis-on-failure.yaml");
  const s = r.scenarios[0];
  const v = valuesOf(s.text);

  it("resolves the stream, the FindInMap retry settings and the destination queue", () => {
    expect(r.scenarios.map((x) => x.id)).toEqual(["ClickProcessorMapping"]);
    expect(v.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks-staging", ShardCount: 2, RetentionPeriodHours: 48 });
    expect(v.mapping).toEqual({
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      StartingPosition: "TRIM_HORIZON",
      ParallelizationFactor: 4,
      MaximumRetryAttempts: 2,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:esm-sim-stack-click-failures" } },
    });
    expect(v.function).toEqual({ FunctionName: "click-processor-staging", Timeout: 60 });
    expect(s.text).toContain("# not modelled by esm-sim (ClickProcessorMapping): MetricsConfig");
    expect(s.text).toContain("# not modelled by esm-sim (ClickStream): StreamEncryption");
  });

  it("follows Environment=production through the mapping and the stream name", () => {
    const p = valuesOf(generate("kinesis-on-failure.yaml", { parameters: new Map([["Environment", "production"], ["ShardCount", "6"]]) }).scenarios[0].text);
    expect(p.mapping).toMatchObject({ MaximumRetryAttempts: 5, MaximumRecordAgeInSeconds: 86400 });
    expect(p.source).toMatchObject({ StreamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks-production", ShardCount: 6 });
  });

  it.skipIf(!sourceSupported("kinesis"))("runs: batches of at most 500, and the poison record ends at the on-failure destination", () => {
    const { report, events } = runWithTrace(scenarioFrom(generate("kinesis-on-failure.yaml", { overlay: SMALL_TRAFFIC }).scenarios[0].text));
    expect(Math.max(...invokes(events).map((e) => e.records.length))).toBeLessThanOrEqual(500);
    expect(report.records.onFailure).toBeGreaterThanOrEqual(1);
    expect(report.records.produced).toBe(report.records.succeeded + report.records.onFailure + report.records.dlq + report.records.expired + report.records.filtered + report.records.pending);
  });
});

describe("SAM: a DynamoDB table stream with filters", () => {
  const r = generate("dynamodb-filters.yaml");
  const v = valuesOf(r.scenarios[0].text);

  it("reads the table's stream, the filters (a map pattern becomes JSON) and the SNS destination", () => {
    expect(v.source).toEqual({ type: "dynamodb", StreamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/1970-01-01T00:00:00.000", ShardCount: 1 });
    expect(v.mapping).toEqual({
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 1,
      StartingPosition: "LATEST",
      ParallelizationFactor: 1,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: [],
      DestinationConfig: { OnFailure: { Destination: "arn:aws:sns:us-east-1:123456789012:esm-sim-stack-PaidOrdersTopic" } },
      FilterCriteria: {
        Filters: [{ Pattern: '{"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}' }, { Pattern: '{"eventName":["REMOVE"]}' }],
      },
    });
    expect(v.function).toEqual({ FunctionName: "payments", Timeout: 15, ReservedConcurrentExecutions: 20 });
    expect(r.scenarios[0].text).toContain("  ShardCount: 1 # esm-sim's choice: DynamoDB makes one stream shard per table partition");
  });

  it("refuses a table without StreamSpecification: there is no stream to read", () => {
    const noStream = fixture("dynamodb-filters.yaml").replace("      StreamSpecification:\n        StreamViewType: NEW_AND_OLD_IMAGES\n", "");
    const out = scenariosFromTemplate(noStream, "t.yaml");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.errors[0]).toMatchObject({ line: 14, col: 7, path: "OrdersTable.Properties", message: "OrdersTable has no StreamSpecification, so the table has no stream for a mapping to read (AWS rejects the mapping)" });
  });

  it.skipIf(!sourceSupported("dynamodb") || !filteringSupported())("runs: batches of at most 25", () => {
    const { report, events } = runWithTrace(scenarioFrom(generate("dynamodb-filters.yaml", { overlay: SMALL_TRAFFIC }).scenarios[0].text));
    expect(Math.max(...invokes(events).map((e) => e.records.length))).toBeLessThanOrEqual(25);
    expect(report.records.produced).toBe(report.records.succeeded + report.records.onFailure + report.records.dlq + report.records.expired + report.records.filtered + report.records.pending);
  });
});

describe("CDK: a synthesized JSON template", () => {
  const r = generate("cdk-orders.template.json");
  const s = r.scenarios[0];
  const v = valuesOf(s.text);

  it("finds the one mapping among roles, policies and CDKMetadata, and knows its construct path", () => {
    expect(r.scenarios.map((x) => x.id)).toEqual(["OrderHandlerSqsEventSourceOrdersStackOrdersQueue1A2B3C4D5E6F7A8B"]);
    expect(r.drafts[0].aliases).toEqual(["OrdersStack/OrderHandler/SqsEventSource:OrdersStackOrdersQueue1A2B3C4D"]);
    expect(r.warnings).toEqual([]);
  });

  it("resolves Fn::GetAtt arrays and Ref to the hashed logical ids", () => {
    expect(v.source).toEqual({
      type: "sqs",
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 345600,
      DelaySeconds: 0,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:esm-sim-stack-OrdersDlq7A3B1C2D" },
    });
    expect(v.mapping).toEqual({ BatchSize: 10, MaximumBatchingWindowInSeconds: 0, FunctionResponseTypes: ["ReportBatchItemFailures"], ScalingConfig: { MaximumConcurrency: 10 } });
    expect(v.function).toEqual({ Timeout: 30, ReservedConcurrentExecutions: 20 });
    expect(s.parse.ok && s.parse.warnings).toEqual([]);
  });

  it("runs: batches of at most 10, at most 10 at once, the DLQ after 5 receives", () => {
    const { events } = runWithTrace(scenarioFrom(generate("cdk-orders.template.json", { overlay: SMALL_TRAFFIC }).scenarios[0].text));
    expect(Math.max(...invokes(events).map((e) => e.records.length))).toBeLessThanOrEqual(10);
    expect(Math.max(...invokes(events).map((e) => e.concurrency))).toBeLessThanOrEqual(10);
    expect(dlqs(events).map((e) => [e.dlqArn, e.receiveCount])).toContainEqual(["arn:aws:sqs:us-east-1:123456789012:esm-sim-stack-OrdersDlq7A3B1C2D", 5]);
  });
});

describe("a template whose settings are imported or read at deploy time", () => {
  const r = generate("imports.yaml");
  const [shipments, returns] = r.scenarios;

  it("warns for each unresolvable property, naming the resource and property, and uses AWS's default", () => {
    expect(r.warnings.map((w) => `${w.line}:${w.col} ${w.path}`)).toEqual([
      "21:9 ShipmentsQueue.Properties.VisibilityTimeout",
      "22:21 ShipmentsQueue.Properties.DelaySeconds",
      "24:30 ShipmentsQueue.Properties.RedrivePolicy.deadLetterTargetArn",
      "43:18 ShipmentsMapping.Properties.BatchSize",
      "33:16 ShipmentsFunction.Properties.Timeout",
      "49:23 ReturnsMapping.Properties.EventSourceArn",
      "33:16 ShipmentsFunction.Properties.Timeout",
    ]);
    expect(r.warnings[0].message).toBe('cannot be resolved: Fn::ImportValue "platform-prod-QueueVisibilityTimeout" is an output exported by another stack; esm-sim uses the AWS default (30)');
    expect(valuesOf(shipments.text).source).toEqual({ type: "sqs", QueueName: "shipments", VisibilityTimeout: 30, MessageRetentionPeriod: 345600, DelaySeconds: 0, RedrivePolicy: { maxReceiveCount: 6 } });
    expect(valuesOf(shipments.text).mapping).toEqual({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: [] });
    expect(valuesOf(shipments.text).function).toEqual({ Timeout: 3 });
  });

  it("says so in the written scenario, next to the value", () => {
    const lines = shipments.text.split("\n");
    expect(lines).toContain('  VisibilityTimeout: 30 # AWS default: ShipmentsQueue.Properties.VisibilityTimeout cannot be resolved (Fn::ImportValue "platform-prod-QueueVisibilityTimeout" is an output exported by another stack)');
    expect(lines).toContain("  DelaySeconds: 0 # AWS default: ShipmentsQueue.Properties.DelaySeconds cannot be resolved (dynamic reference {{resolve:ssm:/shipping/queue/delay}} is read from SSM Parameter Store when the stack deploys)");
    expect(lines.filter((l) => l.startsWith("#   ") && l.includes("imports.yaml:"))).toHaveLength(5);
  });

  it("takes an imported source ARN as an SQS queue with AWS's defaults when the mapping sets no StartingPosition", () => {
    expect(returns.id).toBe("ReturnsMapping");
    expect(valuesOf(returns.text).source).toEqual({ type: "sqs", VisibilityTimeout: 30, MessageRetentionPeriod: 345600, DelaySeconds: 0 });
    expect(returns.text).toContain("  type: sqs # assumed: the source cannot be resolved");
  });

  it("resolves what --parameter supplies", () => {
    const p = valuesOf(generate("imports.yaml", { parameters: new Map([["TimeoutSeconds", "5"]]), resource: "ShipmentsMapping" }).scenarios[0].text);
    expect(p.function).toEqual({ Timeout: 5 });
  });

  it("runs with AWS's defaults: the DLQ after 6 receives, under a name esm-sim gives it", () => {
    const { events } = runWithTrace(scenarioFrom(generate("imports.yaml", { overlay: SMALL_TRAFFIC, resource: "ShipmentsMapping" }).scenarios[0].text));
    expect(Math.max(...invokes(events).map((e) => e.records.length))).toBeLessThanOrEqual(10);
    const dlq = dlqs(events);
    expect(dlq.length).toBeGreaterThanOrEqual(1);
    expect(new Set(dlq.map((e) => `${e.dlqArn} after ${e.receiveCount}`))).toEqual(new Set(["arn:aws:sqs:us-east-1:123456789012:shipments-dlq after 6"]));
  });
});

describe("the guard on runs of sources this version does not simulate", () => {
  it("treats sqs as supported and an unknown type as not blocked by 'not supported yet'", () => {
    expect(sourceSupported("sqs")).toBe(true);
    expect(sourceSupported("nosuch")).toBe(true); // a schema error, not "not supported yet": the guard must not hide it
  });
});
