/**
 * Terraform through the same drafting as CloudFormation: the JSON of `terraform show -json` (a plan and a state, in
 * test/fixtures/terraform/) through the same entry point as templates, turned into scenarios that parse and run,
 * with a comment on every value naming the Terraform address it came from.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { loadDocument } from "../src/template/load.js";
import { formatOf, parseOverlay, scenariosFromTemplate, type FromTemplateOptions, type FromTemplateResult } from "../src/template/index.js";
import type { DlqEvent, InvokeEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";
import { valuesOf } from "./template-helpers.js";

const DIR = join(__dirname, "fixtures", "terraform");
const read = (name: string) => readFileSync(join(DIR, name), "utf8");

function ok(r: FromTemplateResult) {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}: ${e.message}`).join("\n"));
  return r;
}

const byId = (r: Extract<FromTemplateResult, { ok: true }>, id: string) => {
  const s = r.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} (have ${r.scenarios.map((x) => x.id).join(", ")})`);
  return s;
};

/** Nothing of the synthesized template shows through. */
function clean(text: string): void {
  expect(text).not.toMatch(/⟪|EsmSimUnresolved|\.Properties\.|AWS::Lambda::EventSourceMapping\)/);
}

function overlay(text: string) {
  const o = parseOverlay(text, "traffic.yaml");
  if (!o.ok) throw new Error(o.errors.map((e) => e.message).join("\n"));
  return o.overlay;
}

describe("a Terraform plan (terraform show -json of a saved plan)", () => {
  const generate = (options: FromTemplateOptions = {}) => ok(scenariosFromTemplate(read("plan.json"), "plan.json", options));
  const r = generate();

  it("is told apart from a template, as a state is", () => {
    for (const f of ["plan.json", "state.json"]) {
      const doc = loadDocument(read(f), f);
      expect(doc.ok && formatOf(doc.root)).toBe("terraform");
    }
  });

  it("finds the mappings of every module and names them by address", () => {
    expect(r.scenarios.map((s) => s.id)).toEqual(["module.clicks.aws_lambda_event_source_mapping.this", "module.orders.aws_lambda_event_source_mapping.this"]);
    for (const s of r.scenarios) {
      expect(parseScenario(s.text, `${s.id}.yaml`).ok).toBe(true);
      clean(s.text);
    }
  });

  it("follows the configuration's references to a queue the plan creates, and takes its settings", () => {
    const s = byId(r, "module.orders.aws_lambda_event_source_mapping.this");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({ type: "sqs", QueueName: "orders-prod", VisibilityTimeout: 180, MessageRetentionPeriod: 345600, DelaySeconds: 0 });
    expect(v.mapping).toEqual({
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] },
      ScalingConfig: { MaximumConcurrency: 10 },
      Enabled: true,
    });
    expect(v.function).toEqual({ FunctionName: "orders-worker-prod", Timeout: 30, ReservedConcurrentExecutions: 20 });
  });

  it("says where each value came from, by Terraform address", () => {
    const lines = byId(r, "module.orders.aws_lambda_event_source_mapping.this").text.split("\n");
    expect(lines).toContain("  VisibilityTimeout: 180 # from module.orders.aws_sqs_queue.this.visibility_timeout_seconds");
    expect(lines).toContain("  MessageRetentionPeriod: 345600 # from module.orders.aws_sqs_queue.this.message_retention_seconds (not set in the configuration: the provider's default or AWS's)");
    expect(lines).toContain("  ScalingConfig: { MaximumConcurrency: 10 } # from module.orders.aws_lambda_event_source_mapping.this.scaling_config[0].maximum_concurrency");
    expect(lines).toContain("  Timeout: 30 # from aws_lambda_function.orders_worker.timeout");
    expect(lines).toContain("# not modelled by esm-sim (aws_lambda_function.orders_worker): memory_size");
  });

  it("names a redrive policy known only after apply, at its expression in the configuration", () => {
    const s = byId(r, "module.orders.aws_lambda_event_source_mapping.this");
    expect(s.text).toContain("# RedrivePolicy: left out (known only after apply: it is built from aws_sqs_queue.dlq.arn, var.max_receive_count (a resource this plan creates)");
    expect(r.warnings).toContainEqual(expect.objectContaining({ file: "plan.json", line: 1122, col: 37, path: "module.orders.aws_sqs_queue.this.redrive_policy" }));
  });

  it("follows a function ARN through a module variable, and an enhanced fan-out consumer to its stream, with a warning", () => {
    const s = byId(r, "module.clicks.aws_lambda_event_source_mapping.this");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks-prod", ShardCount: 4, RetentionPeriodHours: 48 });
    expect(v.mapping).toMatchObject({ BatchSize: 500, StartingPosition: "LATEST", ParallelizationFactor: 2, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true });
    expect(v.mapping.DestinationConfig).toEqual({ OnFailure: { Destination: "arn:aws:sqs:eu-west-1:111122223333:clicks-prod-failures" } });
    expect(v.function).toEqual({ FunctionName: "clicks-prod", Timeout: 60 });
    expect(s.text).toContain("reads through the enhanced fan-out consumer module.clicks.aws_kinesis_stream_consumer.this: esm-sim does not model dedicated EFO throughput");
  });

  it("refuses a format it does not know, and variables given to a plan", () => {
    const v2 = scenariosFromTemplate(read("plan.json").replace('"format_version": "1.2"', '"format_version": "2.0"'), "plan.json");
    expect(v2.ok).toBe(false);
    if (!v2.ok) expect(v2.errors[0]).toMatchObject({ line: 2, col: 21, message: expect.stringContaining('format_version "2.0": esm-sim reads the 0.x and 1.x versions') });
    const vars = scenariosFromTemplate(read("plan.json"), "plan.json", { parameters: new Map([["stage", "dev"]]) });
    expect(!vars.ok && vars.errors[0].message).toContain("has its variables resolved already");
  });

  it("writes the same bytes every time", () => {
    expect(generate().scenarios.map((s) => s.text)).toEqual(r.scenarios.map((s) => s.text));
  });

  it("runs: batches of at most 25, at most 10 at once", () => {
    const s = generate({ overlay: overlay("traffic:\n  - rate: 40/s\n    from: 0s\n    to: 20s\n    data: { kind: order }\n"), resource: "module.orders.aws_lambda_event_source_mapping.this" }).scenarios[0];
    const { report, events } = runWithTrace(scenarioFrom(s.text));
    const invokes = events.filter((e): e is InvokeEvent => e.type === "invoke");
    expect(Math.max(...invokes.map((e) => e.records.length))).toBeLessThanOrEqual(25);
    expect(Math.max(...invokes.map((e) => e.concurrency))).toBeLessThanOrEqual(10);
    expect(report.records.produced).toBe(800);
  });
});

describe("a Terraform state (terraform show -json after apply)", () => {
  const generate = (options: FromTemplateOptions = {}) => ok(scenariosFromTemplate(read("state.json"), "state.json", options));
  const r = generate();

  it("finds the root's and the module's mappings, matched to their sources and functions by ARN", () => {
    expect(r.scenarios.map((s) => s.id)).toEqual(["aws_lambda_event_source_mapping.audit", "module.orders.aws_lambda_event_source_mapping.this"]);
    for (const s of r.scenarios) {
      expect(parseScenario(s.text, `${s.id}.yaml`).ok).toBe(true);
      clean(s.text);
    }
  });

  it("reads the redrive policy, and leaves out the provider's zeros for stream settings of an SQS mapping", () => {
    const v = valuesOf(byId(r, "module.orders.aws_lambda_event_source_mapping.this").text);
    expect(v.source.RedrivePolicy).toEqual({ maxReceiveCount: 5, deadLetterTargetArn: "arn:aws:sqs:eu-west-1:111122223333:orders-prod-dlq" });
    expect(Object.keys(v.mapping)).toEqual(["BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "FilterCriteria", "ScalingConfig", "Enabled"]);
  });

  it("reads a DynamoDB table stream, and warns that the function's dead-letter queue is for asynchronous invocations", () => {
    const s = byId(r, "aws_lambda_event_source_mapping.audit");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({ type: "dynamodb", StreamArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/audit-prod/stream/1970-01-01T00:00:00.000", ShardCount: 1 });
    expect(v.mapping).toMatchObject({ BatchSize: 100, StartingPosition: "TRIM_HORIZON", MaximumRetryAttempts: 5, BisectBatchOnFunctionError: true });
    expect(v.function).toEqual({ FunctionName: "audit-prod", Timeout: 15 });
    expect(s.text).toContain("state.json:97:31 aws_lambda_function.audit.dead_letter_config[0].target_arn: applies to asynchronous invocations only");
  });

  it("runs, and messages that keep failing reach the dead-letter queue after 5 receives", () => {
    const o = overlay("traffic:\n  - rate: 20/s\n    from: 0s\n    to: 10s\n    data: { kind: order }\n  - at: 2s\n    records: 1\n    key: poison\n    data: { kind: order }\nfunction:\n  failures:\n    - when: { key: poison }\n      effect: error\n");
    const s = generate({ overlay: o, resource: "module.orders.aws_lambda_event_source_mapping.this" }).scenarios[0];
    const { events } = runWithTrace(scenarioFrom(s.text));
    const dlq = events.filter((e): e is DlqEvent => e.type === "dlq");
    expect(dlq.map((e) => [e.dlqArn, e.receiveCount])).toContainEqual(["arn:aws:sqs:eu-west-1:111122223333:orders-prod-dlq", 5]);
  });
});
