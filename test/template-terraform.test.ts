/**
 * Terraform through the same drafting as CloudFormation: the JSON of `terraform show -json` (a plan and a state, in
 * test/fixtures/terraform/) through the same entry point as templates, and `.tf` files through hcl2json (run here,
 * as the CLI runs it) and scenariosFromTerraformConfig. Each turns its fixtures into scenarios that parse and run,
 * with a comment on every value naming the Terraform address it came from.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as hcl2json } from "@cdktn/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { loadDocument } from "../src/template/load.js";
import { formatOf, hclParseProblems, parseOverlay, scenariosFromTemplate, scenariosFromTerraformConfig, type FromTemplateOptions, type FromTemplateResult, type TerraformFile } from "../src/template/index.js";
import { expression } from "../src/template/terraform-hcl.js";
import { Unknown } from "../src/template/synth.js";
import type { DlqEvent, InvokeEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";
import { sourceSupported, valuesOf } from "./template-helpers.js";

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

  it("follows a function ARN through a module variable, and an enhanced fan-out consumer to its stream, read by enhanced fan-out", () => {
    const s = byId(r, "module.clicks.aws_lambda_event_source_mapping.this");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks-prod", ShardCount: 4, RetentionPeriodHours: 48 });
    expect(v.mapping).toMatchObject({ BatchSize: 500, StartingPosition: "LATEST", ParallelizationFactor: 2, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true });
    expect(v.mapping.DestinationConfig).toEqual({ OnFailure: { Destination: "arn:aws:sqs:eu-west-1:111122223333:clicks-prod-failures" } });
    expect(v.function).toEqual({ FunctionName: "clicks-prod", Timeout: 60 });
    expect(v.mapping.enhancedFanOut).toBe(true);
    expect(s.text).toContain("  enhancedFanOut: true # from module.clicks.aws_lambda_event_source_mapping.this.event_source_arn (the stream consumer module.clicks.aws_kinesis_stream_consumer.this: enhanced fan-out)");
    expect(s.text).not.toContain("does not model dedicated EFO throughput");
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

/** Every .tf and .tfvars file under a directory, parsed by hcl2json as the CLI does. */
async function tfFiles(root: string): Promise<TerraformFile[]> {
  const list = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? list(join(d, f)) : [join(d, f)]));
  const out: TerraformFile[] = [];
  for (const p of list(root).sort()) {
    if (!/\.tf$|\.tfvars$/.test(p)) continue;
    const name = relative(root, p).split("\\").join("/");
    const text = readFileSync(p, "utf8");
    out.push({ name, text, json: await hcl2json(name, text) });
  }
  return out;
}

describe("Terraform .tf files (through hcl2json)", () => {
  const ROOT = "test/fixtures/terraform/config";
  let files: TerraformFile[] = [];
  beforeAll(async () => {
    files = await tfFiles(join(DIR, "config"));
  }, 60_000);
  const generate = (options: FromTemplateOptions = {}) => ok(scenariosFromTerraformConfig(files, ROOT, options));

  it("finds the mappings of the root module and of a local module, count instances included", () => {
    const r = generate();
    expect(r.scenarios.map((s) => s.id)).toEqual(["aws_lambda_event_source_mapping.audit-0", "aws_lambda_event_source_mapping.clicks", "module.orders.aws_lambda_event_source_mapping.this"]);
    expect(r.drafts[0].aliases).toEqual(["aws_lambda_event_source_mapping.audit[0]"]);
    for (const s of r.scenarios) {
      expect(parseScenario(s.text, `${s.id}.yaml`).ok).toBe(true);
      clean(s.text);
    }
  });

  it("resolves terraform.tfvars, locals, module variables, jsonencode and references between resources", () => {
    const s = byId(generate(), "module.orders.aws_lambda_event_source_mapping.this");
    const v = valuesOf(s.text);
    expect(v.source).toEqual({
      type: "sqs",
      QueueName: "shop-prod-orders",
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 345600,
      DelaySeconds: 0,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: "arn:aws:sqs:eu-west-1:123456789012:shop-prod-orders-dlq" },
    });
    expect(v.mapping).toEqual({
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order","refund"]}}' }] },
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    expect(v.function).toEqual({ FunctionName: "shop-prod-orders-worker", Timeout: 30, ReservedConcurrentExecutions: 50 });
    expect(s.text.split("\n")).toContain("  VisibilityTimeout: 180 # from module.orders.aws_sqs_queue.this.visibility_timeout_seconds");
  });

  it("names what it cannot resolve, at its file, line and column, and uses the AWS default", () => {
    const r = generate();
    const at = (path: string) => r.warnings.find((w) => w.path === path);
    expect(at("aws_lambda_event_source_mapping.clicks.tumbling_window_in_seconds")).toMatchObject({ file: `${ROOT}/main.tf`, line: 84, col: 3, message: expect.stringContaining("var.clicks_window has no default; pass --parameter clicks_window=VALUE") });
    expect(at("aws_lambda_event_source_mapping.audit[0].maximum_batching_window_in_seconds")).toMatchObject({ line: 120, message: expect.stringContaining("data.aws_ssm_parameter.audit_window.value is read from AWS by a data source") });
    expect(at("module.network.source")).toMatchObject({ severity: "warning", line: 21, message: expect.stringContaining("is not a local path") });
    expect(byId(r, "aws_lambda_event_source_mapping.audit-0").text).toContain("MaximumBatchingWindowInSeconds: 0 # AWS default: aws_lambda_event_source_mapping.audit[0].maximum_batching_window_in_seconds cannot be resolved");
  });

  it("takes an on-demand stream, a failure queue from another module's output, and the provider's region", () => {
    const v = valuesOf(byId(generate(), "aws_lambda_event_source_mapping.clicks").text);
    expect(v.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/shop-prod-clicks", ShardCount: 4, RetentionPeriodHours: 48 });
    expect(v.mapping.DestinationConfig).toEqual({ OnFailure: { Destination: "arn:aws:sqs:eu-west-1:123456789012:shop-prod-clicks-failures" } });
  });

  it("takes variables from --parameter over terraform.tfvars, and follows count to nothing", () => {
    const r = generate({ parameters: new Map([["stage", "dev"], ["clicks_window", "60"], ["audit_enabled", "false"]]) });
    expect(r.scenarios.map((s) => s.id)).toEqual(["aws_lambda_event_source_mapping.clicks", "module.orders.aws_lambda_event_source_mapping.this"]);
    expect(valuesOf(byId(r, "aws_lambda_event_source_mapping.clicks").text).mapping).toMatchObject({ TumblingWindowInSeconds: 60 });
    expect(valuesOf(byId(r, "module.orders.aws_lambda_event_source_mapping.this").text).function).toMatchObject({ FunctionName: "shop-dev-orders-worker", ReservedConcurrentExecutions: 5 });
  });

  it("refuses a --parameter that names no variable", () => {
    const r = scenariosFromTerraformConfig(files, ROOT, { parameters: new Map([["nope", "1"]]) });
    expect(!r.ok && r.errors[0].message).toContain("--parameter nope: the root module has no variable nope");
  });

  it.skipIf(!sourceSupported("kinesis"))("runs the Kinesis mapping", () => {
    const s = generate({ overlay: overlay("traffic:\n  - rate: 20/s\n    from: 0s\n    to: 10s\n    keys: 8\n"), resource: "aws_lambda_event_source_mapping.clicks" }).scenarios[0];
    expect(runWithTrace(scenarioFrom(s.text)).report.records.produced).toBe(200);
  });

  it("writes the same bytes every time", () => {
    expect(generate().scenarios.map((s) => s.text)).toEqual(generate().scenarios.map((s) => s.text));
  });
});

describe("Terraform .tf files: what is refused or not understood", () => {
  const one = async (main: string, extra: Record<string, string> = {}) => {
    const files: TerraformFile[] = [];
    for (const [name, text] of Object.entries({ "main.tf": main, ...extra })) files.push({ name, text, json: await hcl2json(name, text) });
    return scenariosFromTerraformConfig(files, "infra");
  };
  const mapping = 'resource "aws_lambda_event_source_mapping" "m" {\n  event_source_arn = "arn:aws:sqs:us-east-1:123456789012:jobs"\n  function_name    = "worker"\n}\n';

  it("refuses a module whose source is outside the directory, where the module is", async () => {
    const r = await one(`${mapping}\nmodule "shared" {\n  source = "../shared/queue"\n}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ file: "infra/main.tf", line: 6, col: 1, message: "module shared: its source ../shared/queue is outside infra; esm-sim reads modules inside the given directory only" });
  });

  it("says which file holds invalid HCL, with line and column", async () => {
    let message = "";
    try {
      await hcl2json("infra/main.tf", 'resource "x" "y" {\n  a = \n}\n');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(hclParseProblems(message, "infra/main.tf")).toEqual([{ severity: "error", file: "infra/main.tf", line: 2, col: 7, path: "", message: "not valid HCL: Invalid expression: Expected the start of an expression, but found an invalid expression token." }]);
  }, 60_000);

  it("names an expression it does not evaluate, and uses the AWS default", async () => {
    const r = ok(await one(mapping.replace('function_name    = "worker"', 'function_name    = "worker"\n  batch_size       = [for n in [1, 2] : n][0]')));
    expect(r.scenarios[0].text).toContain("BatchSize: 10 # AWS default: aws_lambda_event_source_mapping.m.batch_size cannot be resolved (`${[for n in [1, 2] : n][0]}`: for expressions are not evaluated by esm-sim)");
  });

  it("expands for_each over a map into one scenario per instance", async () => {
    const r = ok(await one('locals {\n  queues = { orders = 60, refunds = 90 }\n}\nresource "aws_sqs_queue" "q" {\n  for_each = local.queues\n  name = "app-${each.key}"\n  visibility_timeout_seconds = each.value\n}\nresource "aws_lambda_event_source_mapping" "m" {\n  for_each = local.queues\n  event_source_arn = aws_sqs_queue.q[each.key].arn\n  function_name = "worker"\n}\n'));
    expect(r.scenarios.map((s) => s.id)).toEqual(["aws_lambda_event_source_mapping.m-orders", "aws_lambda_event_source_mapping.m-refunds"]);
    expect(r.scenarios.map((s) => valuesOf(s.text).source.VisibilityTimeout)).toEqual([60, 90]);
    expect(r.scenarios[1].text).toContain('VisibilityTimeout: 90 # from aws_sqs_queue.q["refunds"].visibility_timeout_seconds');
  });
});

describe("Terraform expressions", () => {
  const scope = { lookup: (root: string, keys: (string | number)[], text: string) => (root === "var" && keys[0] === "n" ? 4 : new Unknown(`${text} is unknown here`)) };
  const ev = (s: string) => expression(s, scope);

  it("evaluates operators, conditionals, templates and functions", () => {
    expect(ev("var.n * 6 + 1")).toBe(25);
    expect(ev('var.n > 3 ? "big" : "small"')).toBe("big");
    expect(ev('"q-${var.n}-$${literal}"')).toBe("q-4-${literal}");
    expect(ev("max(var.n, 10, 2)")).toBe(10);
    expect(ev('jsonencode({ b = 1, a = [var.n] })')).toBe('{"a":[4],"b":1}');
    expect(ev('lookup({ a = 1 }, "b", 7)')).toBe(7);
    expect(ev('format("%s-%d", "x", var.n)')).toBe("x-4");
  });

  it("keeps the reason of what it cannot evaluate", () => {
    expect(ev("local.x + 1")).toEqual(new Unknown("local.x is unknown here"));
    expect(ev("try(local.x, 3)")).toBe(3);
    expect(ev("cidrsubnet(var.n, 1, 2)")).toEqual(new Unknown("the function cidrsubnet() is not evaluated by esm-sim"));
  });

  it("refuses what nests without end, without a stack overflow", () => {
    expect(() => ev(`${"(".repeat(5000)}1${")".repeat(5000)}`)).toThrow(/nests too deeply/);
  });
});

/** A deterministic generator of small numbers (the same cases every run). */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

const ODD_VALUES: unknown[] = [null, -1, 0, 1e308, "", "x", "${var.x}", "arn:aws:sqs:us-east-1:1:q", true, [], {}, [{}], { references: ["var.x"] }, { constant_value: 3 }, "module.x.y"];

/** The JSON with one value somewhere replaced by an odd one. */
function mutateJson(root: unknown, rnd: (n: number) => number): unknown {
  const copy = structuredClone(root);
  let holder: unknown = copy;
  for (let depth = 0; depth < 12; depth++) {
    const keys = Array.isArray(holder) ? holder.map((_, i) => i) : typeof holder === "object" && holder !== null ? Object.keys(holder) : [];
    if (keys.length === 0) break;
    const k = keys[rnd(keys.length)];
    const child = (holder as Record<string | number, unknown>)[k];
    if (rnd(4) === 0 || typeof child !== "object" || child === null) {
      (holder as Record<string | number, unknown>)[k] = ODD_VALUES[rnd(ODD_VALUES.length)];
      break;
    }
    holder = child;
  }
  return copy;
}

/** Whatever the input, an answer: scenarios that parse, or problems with a position; never an exception. */
function answers(r: FromTemplateResult): void {
  if (r.ok) for (const s of r.scenarios) parseScenario(s.text, "fuzz.yaml");
  else for (const e of r.errors) expect(e.line >= 1 && e.col >= 1 && e.message !== "").toBe(true);
}

describe("Terraform input is untrusted: odd values anywhere end in an answer", () => {
  for (const f of ["plan.json", "state.json"]) {
    it(`${f}: 60 mutations`, { timeout: 60_000 }, () => {
      const rnd = random(f.length);
      const root = JSON.parse(read(f)) as unknown;
      for (let i = 0; i < 60; i++) answers(scenariosFromTemplate(JSON.stringify(mutateJson(root, rnd), null, 1), f));
    });
  }

  it(".tf files as hcl2json gives them: 80 mutations", async () => {
    const files = await tfFiles(join(DIR, "config"));
    const rnd = random(7);
    for (let i = 0; i < 80; i++) {
      const n = rnd(files.length);
      const mutated = files.map((f, j) => (j === n ? { ...f, json: mutateJson(f.json, rnd) } : f));
      answers(scenariosFromTerraformConfig(mutated, "config"));
    }
  }, 60_000);

  it("answers for locals that refer to themselves or chain thousands deep", () => {
    const chain: Record<string, string> = { a0: "${local.a1}", loop: "${local.loop}" };
    for (let i = 1; i < 3000; i++) chain[`a${i}`] = `\${local.a${i + 1}}`;
    chain.a3000 = "5";
    const json = { locals: [chain], resource: { aws_lambda_event_source_mapping: { m: [{ event_source_arn: "arn:aws:sqs:us-east-1:123456789012:q", function_name: "f", batch_size: "${local.a0}", maximum_batching_window_in_seconds: "${local.loop}" }] } } };
    const r = ok(scenariosFromTerraformConfig([{ name: "main.tf", json }], "infra"));
    expect(r.scenarios[0].text).toContain("local.loop refers to itself");
  });

  it("turns any hcl2json error into problems", () => {
    expect(hclParseProblems("something else entirely", "infra/main.tf")).toEqual([{ severity: "error", file: "infra/main.tf", line: 1, col: 1, path: "", message: "not valid HCL: something else entirely" }]);
  });

  it("refuses a plan larger than templates may be", () => {
    const r = scenariosFromTemplate(`{"format_version":"1.0","values":{"root_module":{}},"pad":"${"x".repeat(4 * 1024 * 1024)}"}`, "big.json");
    expect(!r.ok && r.errors[0].message).toMatch(/templates are limited to \d+ bytes/);
  });
});
