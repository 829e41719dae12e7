/**
 * serverless.yml through the same entry point as CloudFormation templates: the sqs and stream events of
 * test/fixtures/serverless/serverless.yml become scenarios that parse and run, with a comment on each value naming
 * the serverless.yml path it came from, the framework's own defaults said as such, and variables resolved.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { loadDocument } from "../src/template/load.js";
import { formatOf, parseOverlay, scenariosFromTemplate, type FromTemplateOptions } from "../src/template/index.js";
import type { InvokeEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";
import { sourceSupported, valuesOf } from "./template-helpers.js";

const FILE = "serverless.yml";
const text = readFileSync(join(__dirname, "fixtures", "serverless", FILE), "utf8");

function generate(options: FromTemplateOptions = {}, source = text) {
  const r = scenariosFromTemplate(source, FILE, options);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join("\n"));
  return r;
}

const byId = (r: ReturnType<typeof generate>, id: string) => {
  const s = r.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} (have ${r.scenarios.map((x) => x.id).join(", ")})`);
  return s;
};

describe("serverless.yml: sqs and stream events with resources, variables and provider defaults", () => {
  const r = generate();

  it("is told apart from a CloudFormation template", () => {
    const doc = loadDocument(text, FILE);
    expect(doc.ok && formatOf(doc.root)).toBe("serverless");
    expect(formatOf({ Resources: {}, service: "x", functions: {} })).toBe("cloudformation");
  });

  it("finds each sqs and stream event and names it as the framework names the mapping", () => {
    expect(r.scenarios.map((s) => s.id)).toEqual([
      "WorkerEventSourceMappingSQSOrdersQueue",
      "ClickstreamEventSourceMappingKinesisClicksStream",
      "AuditEventSourceMappingDynamodbAuditTable",
      "AuditEventSourceMappingDynamodbSource",
    ]);
    expect(r.drafts[0].aliases).toEqual(["worker.events[1]", "worker"]);
    expect(r.drafts[2].aliases).toEqual(["audit.events[0]"]);
  });

  it("writes scenarios that parse, with no trace of the CloudFormation it went through", () => {
    for (const s of r.scenarios) {
      expect(parseScenario(s.text, `${s.id}.yaml`).ok).toBe(true);
      expect(s.text).not.toMatch(/⟪|EsmSimUnresolved|\.Properties\.(BatchSize|EventSourceArn|FunctionName)/);
    }
  });

  it("takes the SQS event, the queue from resources.Resources and the function's own timeout", () => {
    const v = valuesOf(byId(r, "WorkerEventSourceMappingSQSOrdersQueue").text);
    expect(v.source).toEqual({
      type: "sqs",
      QueueName: "orders-dev-orders",
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 345600,
      DelaySeconds: 0,
      RedrivePolicy: { maxReceiveCount: 4, deadLetterTargetArn: "arn:aws:sqs:eu-west-1:123456789012:orders-dev-orders-dlq" },
    });
    expect(v.mapping).toEqual({
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] },
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(v.function).toEqual({ FunctionName: "orders-dev-worker", Timeout: 30, ReservedConcurrentExecutions: 20 });
  });

  it("says where each value came from, in serverless.yml's own paths", () => {
    const lines = byId(r, "WorkerEventSourceMappingSQSOrdersQueue").text.split("\n");
    expect(lines).toContain("  BatchSize: 25 # from functions.worker.events[1].sqs.batchSize (${self:custom.ordersBatchSize})");
    expect(lines).toContain("  ScalingConfig: { MaximumConcurrency: 5 } # from functions.worker.events[1].sqs.maximumConcurrency (${param:ordersConcurrency})");
    expect(lines).toContain("  VisibilityTimeout: 180 # from resources.Resources.OrdersQueue.Properties.VisibilityTimeout");
    expect(lines).toContain("  FunctionName: orders-dev-worker # the Serverless Framework names it <service>-<stage>-<function>");
    expect(lines).toContain("  Timeout: 30 # from functions.worker.timeout");
    expect(lines).toContain("# not modelled by esm-sim (functions.worker): handler");
  });

  it("uses provider.timeout, and the framework's defaults where the event sets nothing", () => {
    const lines = byId(r, "AuditEventSourceMappingDynamodbAuditTable").text.split("\n");
    expect(lines).toContain("  Timeout: 20 # from provider.timeout");
    expect(lines).toContain("  BatchSize: 10 # the Serverless Framework's default: it writes BatchSize 10 when the event sets no batchSize");
    expect(lines).toContain("  StartingPosition: TRIM_HORIZON # the Serverless Framework's default: it writes StartingPosition TRIM_HORIZON when the event sets no startingPosition");
    expect(lines).toContain("  MaximumBatchingWindowInSeconds: 5 # from functions.audit.events[0].stream.batchWindow");
  });

  it("reads a Kinesis event through its consumer by enhanced fan-out, with the on-failure queue", () => {
    const s = byId(r, "ClickstreamEventSourceMappingKinesisClicksStream");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/orders-dev-clicks", ShardCount: 4, RetentionPeriodHours: 48 });
    expect(v.mapping).toMatchObject({ BatchSize: 200, StartingPosition: "LATEST", ParallelizationFactor: 2, MaximumRetryAttempts: 3, TumblingWindowInSeconds: 60 });
    expect(v.mapping.DestinationConfig).toEqual({ OnFailure: { Destination: "arn:aws:sqs:eu-west-1:123456789012:orders-dev-clicks-failures" } });
    expect(v.mapping.enhancedFanOut).toBe(true);
    expect(s.text).toContain("  enhancedFanOut: true # from functions.clickstream.events[0].stream.consumer (the stream consumer ClickstreamEventSourceMappingKinesisClicksStreamConsumer: enhanced fan-out)");
    expect(s.text).not.toContain("does not model dedicated EFO throughput");
  });

  it("keeps a stream event's declared type when its ARN is read from another stack, and says why it is unknown", () => {
    const s = byId(r, "AuditEventSourceMappingDynamodbSource");
    expect(valuesOf(s.text).source).toEqual({ type: "dynamodb", ShardCount: 1 });
    const w = r.warnings.find((x) => x.path === "functions.audit.events[1].stream.arn");
    expect(w).toMatchObject({ file: FILE, line: 75, col: 16 });
    expect(w!.message).toContain("${cf:ledger-dev.LedgerStreamArn} is read from AWS when the Serverless Framework runs");
    expect(w!.message).toContain("the event says type: dynamodb");
  });

  it("follows --parameter stage=prod through names, ${sls:stage} and params", () => {
    const prod = generate({ parameters: new Map([["stage", "prod"]]) });
    const v = valuesOf(byId(prod, "WorkerEventSourceMappingSQSOrdersQueue").text);
    expect(v.source).toMatchObject({ QueueName: "orders-prod-orders" });
    expect(v.mapping).toMatchObject({ ScalingConfig: { MaximumConcurrency: 50 } });
    expect(v.function).toMatchObject({ FunctionName: "orders-prod-worker" });
  });

  it("selects one mapping by the function's name", () => {
    expect(generate({ resource: "worker" }).scenarios.map((s) => s.id)).toEqual(["WorkerEventSourceMappingSQSOrdersQueue"]);
  });

  it("writes the same bytes every time", () => {
    expect(generate().scenarios.map((s) => s.text)).toEqual(r.scenarios.map((s) => s.text));
  });

  it("runs: batches of at most 25, at most 5 at once", () => {
    const o = parseOverlay("traffic:\n  - rate: 50/s\n    from: 0s\n    to: 20s\n    data: { kind: order }\n", "traffic.yaml");
    if (!o.ok) throw new Error("overlay");
    const s = byId(generate({ overlay: o.overlay, resource: "worker" }), "WorkerEventSourceMappingSQSOrdersQueue");
    const { report, events } = runWithTrace(scenarioFrom(s.text));
    const invokes = events.filter((e): e is InvokeEvent => e.type === "invoke");
    expect(Math.max(...invokes.map((e) => e.records.length))).toBeLessThanOrEqual(25);
    expect(Math.max(...invokes.map((e) => e.concurrency))).toBeLessThanOrEqual(5);
    expect(report.records.produced).toBe(1000);
  });

  it.skipIf(!sourceSupported("kinesis"))("runs the Kinesis event", () => {
    const o = parseOverlay("traffic:\n  - rate: 20/s\n    from: 0s\n    to: 10s\n    keys: 8\n", "traffic.yaml");
    if (!o.ok) throw new Error("overlay");
    const s = generate({ overlay: o.overlay, resource: "clickstream" }).scenarios[0];
    expect(runWithTrace(scenarioFrom(s.text)).report.records.produced).toBe(200);
  });
});

describe("serverless.yml: what cannot be read", () => {
  const base = (functions: string, rest = "") => `service: svc\nprovider:\n  name: aws\n${rest}functions:\n${functions}`;
  const sqsFn = "  f:\n    handler: h.h\n    events:\n      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs\n";

  it("reads a queue outside the file from its ARN, with AWS's defaults", () => {
    const v = valuesOf(generate({}, base(sqsFn)).scenarios[0].text);
    expect(v.source).toMatchObject({ type: "sqs", QueueName: "jobs", VisibilityTimeout: 30 });
    expect(v.function).toEqual({ FunctionName: "svc-dev-f", Timeout: 6 });
  });

  it("leaves ${file(...)} unread, with a warning where it is", () => {
    const r = generate({}, base(sqsFn) + "resources:\n  - ${file(resources/queues.yml)}\n");
    expect(r.warnings).toContainEqual(expect.objectContaining({ line: 10, col: 5, path: "resources[0]", message: "not read: ${file(resources/queues.yml)} reads another file, which esm-sim does not read" }));
  });

  it("uses the AWS default for a value from the environment, naming the variable", () => {
    const fn = "  f:\n    handler: h.h\n    events:\n      - sqs:\n          arn: arn:aws:sqs:us-east-1:123456789012:jobs\n          batchSize: ${env:BATCH}\n";
    const s = generate({}, base(fn)).scenarios[0];
    expect(s.text).toContain("BatchSize: 10 # AWS default: functions.f.events[0].sqs.batchSize cannot be resolved (${env:BATCH} is read from the environment when the Serverless Framework runs; esm-sim does not read it)");
  });

  it("survives variables that refer to themselves or double at every step", () => {
    const doubling = Array.from({ length: 40 }, (_, i) => `  v${i}: \${self:custom.v${i + 1}}\${self:custom.v${i + 1}}`).join("\n");
    const custom = `custom:\n  loop: \${self:custom.loop}\n${doubling}\n  v40: xxxxxxxxxx\n`;
    const fn = "  f:\n    handler: h.h\n    events:\n      - sqs:\n          arn: arn:aws:sqs:us-east-1:123456789012:${self:custom.v0}\n          batchSize: ${self:custom.loop}\n";
    const r = generate({}, base(fn, custom));
    expect(r.scenarios[0].text).toContain("${self:custom.loop} refers to itself");
    expect(r.scenarios[0].text).toMatch(/the variables build a string longer than \d+ characters|the variables nest too deeply/);
  });

  it("refuses another provider, pointing at it", () => {
    const r = scenariosFromTemplate("service: x\nprovider:\n  name: google\nfunctions: {}\n", FILE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 3, col: 9, message: 'the provider is "google": esm-sim reads serverless.yml files for the aws provider' });
  });

  it("says when no event is a mapping", () => {
    const r = scenariosFromTemplate(base("  f:\n    handler: h.h\n    events:\n      - http: GET /\n"), FILE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toBe("no event source mapping esm-sim can simulate: it looks for sqs and stream events under functions.<name>.events");
  });
});

describe("serverless.yml is untrusted: edits anywhere end in an answer", () => {
  it("100 edits of the fixture: scenarios that parse, or problems with a position, never an exception", { timeout: 60_000 }, () => {
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const tokens = ["", "null", "-1", "[]", "{}", "${self:custom.loop}", "${opt:stage}", "${self:}", "${file(x.yml):a}", "!GetAtt X.Arn", "${param:nope}", "'${", "\n  - sqs: x\n"];
    for (let i = 0; i < 100; i++) {
      const a = rnd(text.length);
      const mutated = text.slice(0, a) + tokens[rnd(tokens.length)] + text.slice(a + rnd(30));
      const r = scenariosFromTemplate(mutated, FILE);
      if (r.ok) for (const s of r.scenarios) parseScenario(s.text, "fuzz.yaml");
      else for (const e of r.errors) expect(e.line >= 1 && e.col >= 1 && e.message !== "").toBe(true);
    }
  });
});
