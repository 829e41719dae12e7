import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { fixturePath } from "./template-helpers.js";
import { cli, scratch } from "./cli-helpers.js";

const { dir, write } = scratch("esm-sim-init-");
const TRAFFIC = write("traffic.yaml", "traffic:\n  - rate: 10/s\n    from: 0s\n    to: 20s\n    keys: 5\nexpect:\n  records.pending: { eq: 0 }\n");

const TWO_QUEUES = write(
  "two.yaml",
  `Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
Resources:
  A: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 60 } }
  B: { Type: AWS::SQS::Queue }
  Fn: { Type: AWS::Lambda::Function, Properties: { Timeout: 10 } }
  AMapping: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt A.Arn, FunctionName: !Ref Fn } }
  BMapping: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt B.Arn, FunctionName: !Ref Fn, BatchSize: 5 } }
  KafkaMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { EventSourceArn: "arn:aws:kafka:us-east-1:123456789012:cluster/c/abc", FunctionName: !Ref Fn, Topics: [orders], StartingPosition: LATEST }
`,
);

describe("esm-sim init --from", () => {
  it("writes one scenario per mapping, named after its logical id, each ready to validate and run", async () => {
    const out = join(dir, "all");
    const r = await cli("init", "--from", fixturePath("imports.yaml"), "--out-dir", out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["ReturnsMapping.yaml", "ShipmentsMapping.yaml"]);
    expect(r.out).toContain(`wrote ${join(out, "ShipmentsMapping.yaml")}: ShipmentsMapping: ShipmentsQueue (AWS::SQS::Queue) -> ShipmentsFunction (AWS::Lambda::Function)`);
    expect(r.err).toContain(`${fixturePath("imports.yaml")}:21:9 warning: ShipmentsQueue.Properties.VisibilityTimeout: cannot be resolved`);
    // the function's Timeout warning concerns both mappings but is printed once
    expect(r.err.split("ShipmentsFunction.Properties.Timeout").length - 1).toBe(1);
    const v = await cli("validate", join(out, "ShipmentsMapping.yaml"));
    expect(v.code).toBe(0);
    const run = await cli("run", join(out, "ShipmentsMapping.yaml"));
    expect(run.code).toBe(0);
    expect(run.out).toContain("Drained at");
  });

  it("writes only the mapping --resource names, also by its SAM or CDK name, to --out", async () => {
    const out = join(dir, "orders.yaml");
    const r = await cli("init", "--from", fixturePath("cdk-orders.template.json"), "--resource", "OrdersStack/OrderHandler/SqsEventSource:OrdersStackOrdersQueue1A2B3C4D", "--out", out);
    expect(r.code).toBe(0);
    expect(parse(readFileSync(out, "utf8")).function).toEqual({ Timeout: 30, ReservedConcurrentExecutions: 20 });
    const sam = await cli("init", "--from", fixturePath("sam-sqs.yaml"), "--resource", "OrdersFunction.OrdersFromQueue", "--out", join(dir, "sam.yaml"));
    expect(sam.code).toBe(0);
    expect(sam.err).toContain("sam.yaml:18:22 warning: source.VisibilityTimeout: 120 s is below 6 x function Timeout");
  });

  it("exits 2 for an unknown --resource, listing the mappings found and the ones it skips", async () => {
    const r = await cli("init", "--from", TWO_QUEUES, "--resource", "CMapping");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--resource CMapping: no event source mapping of that name in the template");
    expect(r.err).toContain(`event source mappings in ${TWO_QUEUES}:\n  AMapping: A (AWS::SQS::Queue) -> Fn (AWS::Lambda::Function)\n  BMapping: B (AWS::SQS::Queue) -> Fn (AWS::Lambda::Function)\n  KafkaMapping: skipped, its source is an Amazon MSK cluster; esm-sim simulates SQS, Kinesis and DynamoDB mappings`);
    const kafka = await cli("init", "--from", TWO_QUEUES, "--resource", "KafkaMapping");
    expect(kafka.code).toBe(2);
    expect(kafka.err).toContain(`${TWO_QUEUES}:10:5 KafkaMapping: --resource KafkaMapping: esm-sim cannot simulate it: its source is an Amazon MSK cluster`);
  });

  it("refuses to overwrite a file without --force, and --out for several mappings", async () => {
    const out = join(dir, "twice");
    expect((await cli("init", "--from", TWO_QUEUES, "--out-dir", out)).code).toBe(0);
    const again = await cli("init", "--from", TWO_QUEUES, "--out-dir", out);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${join(out, "AMapping.yaml")} already exists; use --force to overwrite it`);
    expect((await cli("init", "--from", TWO_QUEUES, "--out-dir", out, "--force")).code).toBe(0);
    const several = await cli("init", "--from", TWO_QUEUES, "--out", join(dir, "one.yaml"));
    expect(several.code).toBe(2);
    expect(several.err).toContain("--out takes one scenario, and");
    expect(existsSync(join(dir, "one.yaml"))).toBe(false);
  });

  it("checks --parameter: the name must be a parameter, the value one of its AllowedValues", async () => {
    const unknown = await cli("init", "--from", TWO_QUEUES, "--parameter", "Stag=prod");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("--parameter Stag: the template has no parameter Stag (parameters: Stage;");
    const notAllowed = await cli("init", "--from", TWO_QUEUES, "--parameter", "Stage=qa");
    expect(notAllowed.err).toContain("--parameter Stage: Parameter 'Stage' must be one of AllowedValues (dev, prod; got \"qa\")");
    const malformed = await cli("init", "--from", TWO_QUEUES, "--parameter", "Stage");
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('--parameter: must be Key=Value (got "Stage")');
  });

  it("takes traffic, behaviour and expectations from --traffic, and says where they came from", async () => {
    const out = join(dir, "with-traffic.yaml");
    const r = await cli("init", "--from", TWO_QUEUES, "--resource", "BMapping", "--traffic", TRAFFIC, "--out", out);
    expect(r.code).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(parse(text).traffic).toEqual([{ rate: "10/s", from: "0s", to: "20s", keys: 5 }]);
    expect(text).toContain(`traffic: # from ${TRAFFIC}`);
    expect(text).toContain(`  records.pending: { eq: 0 }`);
    expect(text).toContain("# Written by: esm-sim init --from");
  });

  it("still writes a scenario the scenario checks refuse, and exits 2 saying why", async () => {
    const t = write("vt-too-short.yaml", "Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 20 } }\n  Fn: { Type: AWS::Lambda::Function, Properties: { Timeout: 30 } }\n  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref Fn } }\n");
    const out = join(dir, "vt-too-short-out.yaml");
    const r = await cli("init", "--from", t, "--out", out);
    expect(r.code).toBe(2);
    expect(readFileSync(out, "utf8")).toContain("#   function.Timeout: Queue visibility timeout: 20 seconds is less than Function timeout: 30 seconds");
    expect(r.err).toMatch(/vt-too-short-out\.yaml:\d+:\d+ function\.Timeout: Queue visibility timeout: 20 seconds is less than Function timeout: 30 seconds/);
    expect(r.err).toContain("1 problem in the written scenario: fix the template (or edit the file) before running it");
  });

  it("exits 2 for a template that is not YAML or has no mapping, with positions", async () => {
    const broken = await cli("init", "--from", write("broken.yaml", "Resources:\n  Q: [\n"));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.yaml:\d+:\d+ not a valid YAML or JSON template/);
    const none = await cli("init", "--from", write("none.yaml", "Resources:\n  Q: { Type: AWS::SQS::Queue }\n"));
    expect(none.code).toBe(2);
    expect(none.err).toContain("no event source mapping esm-sim can simulate");
    expect((await cli("init", "--from", join(dir, "missing.yaml"))).err).toContain("missing.yaml: no such file");
  });
});

describe("esm-sim init <source-type>", () => {
  it.each(["sqs", "sqs-fifo", "kinesis", "dynamodb"])("writes a commented %s starter to stdout", async (type) => {
    const r = await cli("init", type);
    expect(r.code).toBe(0);
    const v = parse(r.out);
    expect(v.source.type).toBe(type);
    expect(v.name).toBe(`my-${type}-mapping`);
    expect(r.out).toMatch(/^# esm-sim starter scenario: /);
    expect(r.out).toMatch(/\n {2}BatchSize: \d+ # 1\.\.10/);
  });

  it("writes a starter that runs and passes its expectations", async () => {
    const p = join(dir, "starter.yaml");
    expect((await cli("init", "sqs", "--out", p)).code).toBe(0);
    const run = await cli("run", p);
    expect(run.code).toBe(0);
    expect(run.out).toContain("Expectations: all 2 passed");
  });

  it("exits 2 for a source type with --from, neither, or an unknown type", async () => {
    expect((await cli("init", "sqs", "--from", TWO_QUEUES)).code).toBe(2);
    expect((await cli("init")).err).toContain("init: give a source type (kinesis | dynamodb | sqs | sqs-fifo)");
    const bad = await cli("init", "kafka");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("argument value 'kafka' is invalid for argument 'source-type'. Allowed choices are kinesis, dynamodb, sqs, sqs-fifo.");
    expect((await cli("init", "sqs", "--resource", "X")).err).toContain("--resource applies with --from TEMPLATE only");
  });
});

describe("esm-sim run --template", () => {
  it("runs a template's mapping with a traffic file, without writing a scenario", async () => {
    const before = readdirSync(dir).length;
    const r = await cli("run", "--template", fixturePath("cdk-orders.template.json"), "--traffic", TRAFFIC, "--format", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.scenario).toBe("OrderHandlerSqsEventSourceOrdersStackOrdersQueue1A2B3C4D5E6F7A8B");
    expect(report.records.produced).toBe(200);
    expect(report.expectations).toEqual([expect.objectContaining({ path: "records.pending", passed: true })]);
    expect(readdirSync(dir).length).toBe(before);
  });

  it("takes the scenario's wall-clock start from the traffic file's startTime: the CloudWatch periods and init's scenario carry it", async () => {
    const timed = write("timed-traffic.yaml", "startTime: 2026-03-01T09:00:00Z\ntraffic:\n  - rate: 10/s\n    from: 0s\n    to: 90s\n");
    const r = await cli("run", "--template", TWO_QUEUES, "--traffic", timed, "--resource", "BMapping", "--format", "json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).cloudwatch.series.timestamps.slice(0, 2)).toEqual(["2026-03-01T09:00:00Z", "2026-03-01T09:01:00Z"]);
    const untimed = await cli("run", "--template", TWO_QUEUES, "--traffic", TRAFFIC, "--resource", "BMapping", "--format", "json");
    expect(JSON.parse(untimed.out).cloudwatch.series.timestamps[0]).toBe("2024-01-01T00:00:00Z");
    const out = join(dir, "timed.yaml");
    expect((await cli("init", "--from", TWO_QUEUES, "--resource", "BMapping", "--traffic", timed, "--out", out)).code).toBe(0);
    expect(String(parse(readFileSync(out, "utf8")).startTime)).toBe("2026-03-01T09:00:00Z");
    // a start that is not an instant is placed in the traffic file
    const bad = write("bad-start.yaml", "startTime: yesterday\ntraffic: [{ rate: 1/s, from: 0s, to: 5s }]\n");
    const b = await cli("run", "--template", TWO_QUEUES, "--traffic", bad, "--resource", "BMapping");
    expect(b.code).toBe(2);
    expect(b.err).toContain(`${bad}:1:12 startTime: `);
  });

  it("needs --resource when the template has several mappings", async () => {
    const r = await cli("run", "--template", TWO_QUEUES, "--traffic", TRAFFIC);
    expect(r.code).toBe(2);
    expect(r.err).toContain("has 2 event source mappings; name one with --resource");
    expect((await cli("run", "--template", TWO_QUEUES, "--traffic", TRAFFIC, "--resource", "BMapping")).code).toBe(0);
  });

  it("needs --traffic, and --traffic needs --template", async () => {
    expect((await cli("run", "--template", TWO_QUEUES, "--resource", "AMapping")).err).toContain("run --template: needs --traffic FILE");
    expect((await cli("run", "x.yaml", "--traffic", TRAFFIC)).err).toContain("run: --traffic applies with --template only");
    expect((await cli("run")).err).toContain("missing required argument");
  });

  it("points a problem of the generated scenario at the template line it came from", async () => {
    const t = write("short-vt.yaml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 20\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: 30\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref Fn }\n");
    const r = await cli("run", "--template", t, "--traffic", TRAFFIC);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${t}:9:16 function.Timeout (from Fn.Properties.Timeout): Queue visibility timeout: 20 seconds is less than Function timeout: 30 seconds`);
    expect(r.err).toContain("1 problem found; nothing was run");
  });

  it("points a problem in the traffic file at the traffic file", async () => {
    const bad = write("bad-traffic.yaml", "traffic:\n  - rate: fast\n    to: 1m\n");
    const r = await cli("run", "--template", TWO_QUEUES, "--resource", "AMapping", "--traffic", bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:2:11 traffic[0].rate: must be a rate such as 100/s`);
    const aws = write("aws-in-traffic.yaml", "traffic: [{ at: 0s, records: 1 }]\nsource: { VisibilityTimeout: 5 }\nfunction: { Timeout: 9, duration: { base: 1s } }\n");
    const r2 = await cli("run", "--template", TWO_QUEUES, "--resource", "AMapping", "--traffic", aws);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`${aws}:2:1 source: comes from the template`);
    expect(r2.err).toContain(`${aws}:3:13 function.Timeout: comes from the template (an AWS setting)`);
  });

  it("exits 1 on a failed expectation, with a reproduce line that reruns the template", async () => {
    const failing = write("failing.yaml", "traffic: [{ at: 0s, records: 10 }]\nexpect:\n  records.succeeded: { eq: 11 }\n");
    const r = await cli("run", "--template", TWO_QUEUES, "--resource", "AMapping", "--traffic", failing, "--seed", "4");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`reproduce: esm-sim run --template ${TWO_QUEUES} --traffic ${failing} --resource AMapping --seed 4`);
  });
});

describe("ProvisionedPollerConfig in a template", () => {
  const expected = { MinimumPollers: 3, MaximumPollers: 20 };
  /** The mapping section of the scenario init --from prints for `template`. */
  async function mappingOf(template: string): Promise<Record<string, unknown>> {
    const r = await cli("init", "--from", template, "--out", "-");
    expect(r.err).not.toContain("not modelled by esm-sim (M): ProvisionedPollerConfig");
    return (parse(r.out) as { mapping: Record<string, unknown> }).mapping;
  }

  it("is carried from a CloudFormation mapping, a SAM SQS event and a Terraform provisioned_poller_config block", async () => {
    const cfn = write(
      "provisioned-cfn.yaml",
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { VisibilityTimeout: 300 }\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Timeout: 30 }\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      EventSourceArn: !GetAtt Q.Arn\n      FunctionName: !Ref F\n      ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 20 }\n",
    );
    expect((await mappingOf(cfn)).ProvisionedPollerConfig).toEqual(expected);
    const sam = write(
      "provisioned-sam.yaml",
      "Transform: AWS::Serverless-2016-10-31\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { VisibilityTimeout: 300 }\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 30\n      Events:\n        S:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Q.Arn\n            ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 20 }\n",
    );
    expect((await mappingOf(sam)).ProvisionedPollerConfig).toEqual(expected);
    const tf = join(dir, "provisioned-tf");
    mkdirSync(tf);
    writeFileSync(
      join(tf, "main.tf"),
      'resource "aws_sqs_queue" "q" {\n  name = "jobs"\n  visibility_timeout_seconds = 300\n}\nresource "aws_lambda_function" "f" {\n  function_name = "worker"\n  timeout = 30\n}\nresource "aws_lambda_event_source_mapping" "m" {\n  event_source_arn = aws_sqs_queue.q.arn\n  function_name = aws_lambda_function.f.arn\n  provisioned_poller_config {\n    minimum_pollers = 3\n    maximum_pollers = 20\n  }\n}\n',
    );
    expect((await mappingOf(tf)).ProvisionedPollerConfig).toEqual(expected);
  });

  it("beside ScalingConfig makes a scenario AWS would refuse, and says so at the template's line", async () => {
    const both = write(
      "provisioned-both.yaml",
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { VisibilityTimeout: 300 }\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Timeout: 30 }\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      EventSourceArn: !GetAtt Q.Arn\n      FunctionName: !Ref F\n      ScalingConfig: { MaximumConcurrency: 40 }\n      ProvisionedPollerConfig: { MinimumPollers: 3, MaximumPollers: 20 }\n",
    );
    const r = await cli("run", "--template", both, "--traffic", TRAFFIC);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/provisioned-both\.yaml:\d+:\d+ .*ProvisionedPollerConfig/);
  });
});

describe("init --from: mappings it does not write", () => {
  it("are listed after the written ones, with why (a false Condition here)", async () => {
    const template = write(
      "conditional.yaml",
      "Parameters:\n  WithSecond: { Type: String, Default: 'no' }\nConditions:\n  Second: !Equals [!Ref WithSecond, 'yes']\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { VisibilityTimeout: 300 }\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Timeout: 30 }\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F }\n  Later:\n    Type: AWS::Lambda::EventSourceMapping\n    Condition: Second\n    Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F }\n",
    );
    const out = join(dir, "conditional");
    const r = await cli("init", "--from", template, "--out-dir", out);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^wrote .*M\.yaml: /);
    expect(lines[lines.length - 1]).toBe("skipped Later: its Condition Second is false, so the stack does not create it");
    expect(existsSync(join(out, "Later.yaml"))).toBe(false);
    // One mapping chosen with --resource: the others are not listed.
    const one = await cli("init", "--from", template, "--resource", "M", "--out", join(dir, "one.yaml"));
    expect(one.out).not.toContain("skipped");
  });
});

describe("Terraform's starting_position_timestamp", () => {
  it("is read as RFC 3339 and written as StartingPositionTimestamp in Unix seconds, so AT_TIMESTAMP runs", async () => {
    const tf = join(dir, "at-timestamp-tf");
    mkdirSync(tf);
    writeFileSync(
      join(tf, "main.tf"),
      'resource "aws_kinesis_stream" "s" {\n  name = "clicks"\n  shard_count = 1\n}\nresource "aws_lambda_function" "f" {\n  function_name = "worker"\n  timeout = 30\n}\nresource "aws_lambda_event_source_mapping" "m" {\n  event_source_arn = aws_kinesis_stream.s.arn\n  function_name = aws_lambda_function.f.arn\n  starting_position = "AT_TIMESTAMP"\n  starting_position_timestamp = "2023-12-31T23:55:00Z"\n}\n',
    );
    const r = await cli("init", "--from", tf, "--out", "-");
    expect(r.code).toBe(0);
    const mapping = (parse(r.out) as { mapping: Record<string, unknown> }).mapping;
    expect([mapping.StartingPosition, mapping.StartingPositionTimestamp]).toEqual(["AT_TIMESTAMP", 1704066900]);
    expect(r.err).not.toContain("starting_position_timestamp");
  });
});

describe("a Terraform on-failure destination in the same configuration", () => {
  it("is the ARN of the SNS topic or S3 bucket it names, not a placeholder SQS queue", async () => {
    for (const [resource, ref, arn] of [
      ['resource "aws_sns_topic" "fail" {\n  name = "stream-failures"\n}\n', "aws_sns_topic.fail.arn", "arn:aws:sns:us-east-1:123456789012:stream-failures"],
      ['resource "aws_s3_bucket" "fail" {\n  bucket = "stream-failures"\n}\n', "aws_s3_bucket.fail.arn", "arn:aws:s3:::stream-failures"],
    ]) {
      const tf = join(dir, `destination-${arn.split(":")[2]}`);
      mkdirSync(tf);
      writeFileSync(
        join(tf, "main.tf"),
        `${resource}resource "aws_kinesis_stream" "s" {\n  name = "clicks"\n  shard_count = 1\n}\nresource "aws_lambda_function" "f" {\n  function_name = "worker"\n  timeout = 30\n}\nresource "aws_lambda_event_source_mapping" "m" {\n  event_source_arn = aws_kinesis_stream.s.arn\n  function_name = aws_lambda_function.f.arn\n  starting_position = "LATEST"\n  destination_config {\n    on_failure {\n      destination_arn = ${ref}\n    }\n  }\n}\n`,
      );
      const r = await cli("init", "--from", tf, "--out", "-");
      expect([r.code, r.err]).toEqual([0, ""]);
      const mapping = (parse(r.out) as { mapping: { DestinationConfig: { OnFailure: { Destination: string } } } }).mapping;
      expect(mapping.DestinationConfig.OnFailure.Destination).toBe(arn);
    }
  });
});
