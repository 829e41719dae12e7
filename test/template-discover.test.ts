/** How mappings, their sources and functions are found and mapped to scenario keys, on small inline templates. */
import { describe, expect, it } from "vitest";
import { scenariosFromTemplate } from "../src/template/index.js";
import { parseOverlay } from "../src/template/index.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";
import { sourceSupported, valuesOf } from "./template-helpers.js";

function overlayOf(text: string) {
  const r = parseOverlay(text, "traffic.yaml");
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.overlay;
}

function gen(text: string, resource?: string) {
  const r = scenariosFromTemplate(text, "t.yaml", { resource });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join("\n"));
  return { ...r, values: r.scenarios.map((s) => valuesOf(s.text)), warned: r.warnings.map((w) => `${w.path}: ${w.message}`) };
}

const FN = `
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Timeout: 10, Runtime: python3.12 }`;

const esm = (props: string) => `
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, ${props} }`;

describe("sources", () => {
  it("reads a FIFO queue as sqs-fifo, with no batching window unless the template sets one", () => {
    const r = gen(`Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { FifoQueue: true, ContentBasedDeduplication: "true", VisibilityTimeout: 60 }
${FN}${esm("EventSourceArn: !GetAtt Q.Arn, BatchSize: 10")}`);
    expect(r.values[0].source).toEqual({ type: "sqs-fifo", FifoQueue: true, VisibilityTimeout: 60, MessageRetentionPeriod: 345600, DelaySeconds: 0, ContentBasedDeduplication: true });
    expect(r.values[0].mapping).toEqual({ BatchSize: 10, FunctionResponseTypes: [] });
  });

  it.skipIf(!sourceSupported("sqs-fifo"))("runs a FIFO queue's mapping: batches of at most 10", () => {
    const r = scenariosFromTemplate(`Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { FifoQueue: true, VisibilityTimeout: 60 } }
${FN}${esm("EventSourceArn: !GetAtt Q.Arn")}`, "t.yaml", { overlay: overlayOf("traffic: [{ rate: 20/s, from: 0s, to: 10s, keys: 3 }]\n") });
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
    const { report, events } = runWithTrace(scenarioFrom(r.scenarios[0].text));
    const sizes = events.flatMap((e) => (e.type === "invoke" ? [e.records.length] : []));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(report.records.produced).toBe(200);
  });

  it("reads a RedrivePolicy written as a JSON string", () => {
    const r = gen(`Resources:
  Dlq: { Type: AWS::SQS::Queue, Properties: { QueueName: dlq } }
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: !Sub '{"deadLetterTargetArn": "\${Dlq.Arn}", "maxReceiveCount": "4"}'
${FN}${esm("EventSourceArn: !GetAtt Q.Arn")}`);
    expect(r.values[0].source.RedrivePolicy).toEqual({ maxReceiveCount: 4, deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:dlq" });
    expect(r.scenarios[0].text).toContain("  RedrivePolicy: # from Q.Properties.RedrivePolicy (a JSON string)");
  });

  it("gives an ON_DEMAND stream 4 shards, and a stream without ShardCount 1, each with a warning", () => {
    const r = gen(`Resources:
  S:
    Type: AWS::Kinesis::Stream
    Properties: { StreamModeDetails: { StreamMode: ON_DEMAND } }
  P: { Type: AWS::Kinesis::Stream }
${FN}${esm("EventSourceArn: !GetAtt S.Arn, StartingPosition: LATEST")}
  N:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt P.Arn }`);
    expect(r.values[0].source).toEqual({ type: "kinesis", ShardCount: 4, RetentionPeriodHours: 24 });
    expect(r.scenarios[0].text).toContain("  ShardCount: 4 # esm-sim's choice: ON_DEMAND (S.Properties.StreamModeDetails.StreamMode): a new on-demand stream writes 4 MB/s, 1 MB/s per shard");
    expect(r.values[1].source).toEqual({ type: "kinesis", ShardCount: 1, RetentionPeriodHours: 24 });
    expect(r.values[1].mapping.StartingPosition).toBe("TRIM_HORIZON");
    expect(r.warned).toEqual([
      "S.Properties.StreamModeDetails.StreamMode: an ON_DEMAND stream has no fixed shard count, and esm-sim needs one: it uses 4, the shards of a new on-demand stream (4 MB/s of write capacity at 1 MB/s per shard); esm-sim does not model on-demand resharding",
      "P.Properties: has no ShardCount (AWS requires it for a PROVISIONED stream): esm-sim uses 1",
      "N.Properties: has no StartingPosition (AWS requires it for kinesis mappings): esm-sim uses TRIM_HORIZON",
    ]);
  });

  it("reads a stream through its enhanced fan-out consumer (Ref or GetAtt ConsumerARN) as enhancedFanOut on the consumer's stream, without a warning", () => {
    const r = gen(`Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { ShardCount: 3 } }
  C: { Type: AWS::Kinesis::StreamConsumer, Properties: { ConsumerName: efo, StreamARN: !GetAtt S.Arn } }
${FN}${esm("EventSourceArn: !Ref C, StartingPosition: TRIM_HORIZON")}
  N:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt C.ConsumerARN, StartingPosition: LATEST }
  P:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt S.Arn, StartingPosition: LATEST }`);
    expect(r.values.map((v) => v.source)).toEqual([0, 1, 2].map(() => ({ type: "kinesis", ShardCount: 3, RetentionPeriodHours: 24 })));
    expect(r.values.map((v) => v.mapping.enhancedFanOut)).toEqual([true, true, undefined]);
    expect(r.scenarios[0].text).toContain("  enhancedFanOut: true # from M.Properties.EventSourceArn (the stream consumer C: enhanced fan-out)");
    expect(r.scenarios[0].text).toContain("  type: kinesis # S is an AWS::Kinesis::Stream, read through C");
    expect(r.warned).toEqual([]);
  });

  it("reads a consumer's ARN written out as enhanced fan-out on its stream, in the template or not, and a SAM Kinesis event through a consumer the same way", () => {
    const consumerArn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/lambda-efo:1700000000";
    const r = gen(`Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { Name: clicks, ShardCount: 2 } }
${FN}${esm(`EventSourceArn: "${consumerArn}", StartingPosition: LATEST`)}
  Out:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Fn, EventSourceArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/shared/consumer/c1:1", StartingPosition: LATEST }
  C: { Type: AWS::Kinesis::StreamConsumer, Properties: { ConsumerName: sam-efo, StreamARN: !GetAtt S.Arn } }
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 30
      Events:
        Clicks: { Type: Kinesis, Properties: { Stream: !GetAtt C.ConsumerARN, StartingPosition: LATEST } }`);
    const [m, out, sam] = r.values;
    expect(m.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", ShardCount: 2, RetentionPeriodHours: 24 });
    expect(m.mapping.enhancedFanOut).toBe(true);
    expect(r.scenarios[0].text).toContain("  enhancedFanOut: true # from M.Properties.EventSourceArn (a stream consumer's ARN: enhanced fan-out)");
    expect(out.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/shared", ShardCount: 1, RetentionPeriodHours: 24 });
    expect(out.mapping.enhancedFanOut).toBe(true);
    expect(sam.source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", ShardCount: 2, RetentionPeriodHours: 24 });
    expect(sam.mapping.enhancedFanOut).toBe(true);
    expect(r.scenarios[2].text).toContain("  enhancedFanOut: true # from Sam.Properties.Events.Clicks.Properties.Stream (the stream consumer C: enhanced fan-out)");
    expect(r.warned).toEqual(["Out.Properties.EventSourceArn: arn:aws:kinesis:eu-west-1:111122223333:stream/shared/consumer/c1:1 is not a source of this template: its settings are unknown, so esm-sim uses AWS's defaults"]);
  });

  it("runs a mapping drafted from a consumer with enhanced fan-out: pushed, never read-throttled", () => {
    const r = scenariosFromTemplate(`Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { ShardCount: 1 } }
  C: { Type: AWS::Kinesis::StreamConsumer, Properties: { ConsumerName: efo, StreamARN: !GetAtt S.Arn } }
${FN}${esm("EventSourceArn: !Ref C, StartingPosition: TRIM_HORIZON, BatchSize: 10000")}`, "t.yaml", { overlay: overlayOf("traffic: [{ at: 0s, records: 30000, recordSize: 1KB, keys: 10 }]\n") });
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
    const { report, events } = runWithTrace(scenarioFrom(r.scenarios[0].text));
    expect(report.stream!.enhancedFanOut).toBe(true);
    expect(events.filter((e) => e.type === "readThrottle")).toEqual([]);
    expect(report.records.succeeded).toBe(30_000);
  });

  it("takes the type and name of a source outside the template from its ARN, with AWS's defaults", () => {
    const r = gen(`Resources:
${FN}${esm("EventSourceArn: arn:aws:kinesis:eu-west-1:111122223333:stream/shared-clicks, StartingPosition: LATEST")}`);
    expect(r.values[0].source).toEqual({ type: "kinesis", StreamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/shared-clicks", ShardCount: 1, RetentionPeriodHours: 24 });
    expect(r.warned[0]).toBe("M.Properties.EventSourceArn: arn:aws:kinesis:eu-west-1:111122223333:stream/shared-clicks is not a source of this template: its settings are unknown, so esm-sim uses AWS's defaults");
    const q = gen(`Resources:\n${FN}${esm("EventSourceArn: arn:aws:sqs:us-east-1:111122223333:jobs.fifo")}`);
    expect(q.values[0].source).toMatchObject({ type: "sqs-fifo", QueueName: "jobs.fifo", FifoQueue: true });
  });

  it("refuses a DynamoDB table stream without StreamViewType", () => {
    const r = scenariosFromTemplate(`Resources:
  T: { Type: AWS::DynamoDB::Table, Properties: { StreamSpecification: {} } }
${FN}${esm("EventSourceArn: !GetAtt T.StreamArn, StartingPosition: LATEST")}`, "t.yaml");
    expect(!r.ok && r.errors.map((e) => e.message)).toEqual(["has no StreamViewType, so the table has no stream (AWS requires NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY)"]);
  });
});

describe("functions", () => {
  it("follows an alias ARN to its function", () => {
    const r = gen(`Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 90 } }
${FN}
  Live: { Type: AWS::Lambda::Alias, Properties: { FunctionName: !Ref Fn, FunctionVersion: "3", Name: live } }
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Live, EventSourceArn: !GetAtt Q.Arn }`);
    expect(r.values[0].function).toEqual({ Timeout: 10 });
    expect(r.scenarios[0].text).toContain("# not modelled by esm-sim (Fn): Runtime");
  });

  it("uses AWS's defaults for a function outside the template, keeping its name", () => {
    const r = gen(`Resources:
  Q: { Type: AWS::SQS::Queue }
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:legacy-worker:prod", EventSourceArn: !GetAtt Q.Arn }`);
    expect(r.values[0].function).toEqual({ FunctionName: "legacy-worker", Timeout: 3 });
    expect(r.warned).toEqual(["M.Properties.FunctionName: legacy-worker is not a function of this template: its Timeout and concurrency are unknown, so esm-sim uses AWS's defaults"]);
  });

  it("warns that a function's DeadLetterConfig does not apply to a stream mapping", () => {
    const r = gen(`Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { ShardCount: 1 } }
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Timeout: 10, DeadLetterConfig: { TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq } }
${esm("EventSourceArn: !GetAtt S.Arn, StartingPosition: LATEST")}`);
    expect(r.warned).toEqual(["Fn.Properties.DeadLetterConfig: applies to asynchronous invocations only; an event source mapping ignores it (failed stream records go to the mapping's DestinationConfig.OnFailure)"]);
  });
});

describe("mappings", () => {
  it("skips a mapping whose Condition is false, and keeps one whose Condition cannot be evaluated", () => {
    const r = gen(`Parameters: { Stage: { Type: String, Default: dev } }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  Imported: !Equals [!ImportValue Flag, "on"]
Resources:
  Q: { Type: AWS::SQS::Queue }
${FN}
  ProdOnly:
    Type: AWS::Lambda::EventSourceMapping
    Condition: IsProd
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt Q.Arn }
  Maybe:
    Type: AWS::Lambda::EventSourceMapping
    Condition: Imported
    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt Q.Arn }`);
    expect(r.scenarios.map((s) => s.id)).toEqual(["Maybe"]);
    expect(r.warned).toEqual(['Maybe.Condition: condition Imported, which cannot be evaluated: Fn::ImportValue "Flag" is an output exported by another stack; esm-sim assumes the stack creates Maybe']);
    const prod = scenariosFromTemplate(`Parameters: { Stage: { Type: String, Default: dev } }\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n  Q: { Type: AWS::SQS::Queue }\n${FN}\n  ProdOnly:\n    Type: AWS::Lambda::EventSourceMapping\n    Condition: IsProd\n    Properties: { FunctionName: !Ref Fn, EventSourceArn: !GetAtt Q.Arn }\n`, "t.yaml", { resource: "ProdOnly" });
    expect(!prod.ok && prod.errors[0].message).toBe("--resource ProdOnly: esm-sim cannot simulate it: its Condition IsProd is false, so the stack does not create it");
  });

  it("writes one scenario per SAM event of a function with several, named function id + event name", () => {
    const r = gen(`Transform: AWS::Serverless-2016-10-31
Resources:
  A: { Type: AWS::SQS::Queue }
  B: { Type: AWS::SQS::Queue }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: x
      Events:
        FromA: { Type: SQS, Properties: { Queue: !GetAtt A.Arn } }
        FromB: { Type: SQS, Properties: { Queue: !GetAtt B.Arn, BatchSize: 3 } }
        Nightly: { Type: Schedule, Properties: { Schedule: rate(1 day) } }`);
    expect(r.scenarios.map((s) => s.id)).toEqual(["WorkerFromA", "WorkerFromB"]);
    expect(r.drafts.map((d) => d.aliases)).toEqual([["Worker.FromA"], ["Worker.FromB"]]);
    expect(r.values.map((v) => v.mapping.BatchSize)).toEqual([10, 3]);
    expect(r.values[0].function).toEqual({ Timeout: 3 });
  });

  it("writes a DestinationConfig on an SQS mapping, where the scenario's check gives AWS's own error", () => {
    const r = gen(`Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 60 } }
  Failed: { Type: AWS::SQS::Queue }
${FN}${esm("EventSourceArn: !GetAtt Q.Arn, DestinationConfig: { OnFailure: { Destination: !GetAtt Failed.Arn } }")}`);
    const s = r.scenarios[0];
    expect(s.parse.ok).toBe(false);
    expect(!s.parse.ok && s.parse.errors.map((e) => e.message)).toEqual(["Unsupported DestinationConfig parameter for given event source mapping type. (SQS failures go to the queue's RedrivePolicy dead-letter queue)"]);
    expect(s.text).toContain("# Problems (esm-sim refuses to run this scenario until they are fixed):\n#   mapping.DestinationConfig: Unsupported DestinationConfig parameter");
  });

  it("keeps an on-failure destination it cannot resolve, with a placeholder ARN, and drops filters it cannot resolve", () => {
    const r = gen(`Resources:
  S: { Type: AWS::Kinesis::Stream, Properties: { ShardCount: 1 } }
${FN}${esm("EventSourceArn: !GetAtt S.Arn, StartingPosition: LATEST, DestinationConfig: { OnFailure: { Destination: !ImportValue FailureTopic } }, FilterCriteria: !ImportValue Filters")}`);
    expect(r.values[0].mapping.DestinationConfig).toEqual({ OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:unresolved-on-failure-destination" } });
    expect(r.values[0].mapping.FilterCriteria).toBeUndefined();
    expect(r.warned).toEqual([
      'M.Properties.DestinationConfig.OnFailure.Destination: cannot be resolved: Fn::ImportValue "FailureTopic" is an output exported by another stack; esm-sim keeps an on-failure destination with a placeholder ARN (arn:aws:sqs:us-east-1:123456789012:unresolved-on-failure-destination)',
      'M.Properties.FilterCriteria: cannot be resolved: Fn::ImportValue "Filters" is an output exported by another stack; esm-sim uses AWS\'s behaviour without filters (every record is delivered)',
    ]);
  });

  it("assumes a Kinesis stream for an unresolvable source when the mapping sets StartingPosition", () => {
    const r = gen(`Resources:\n${FN}${esm("EventSourceArn: !ImportValue StreamArn, StartingPosition: LATEST, BatchSize: 200")}`);
    expect(r.values[0].source).toEqual({ type: "kinesis", ShardCount: 1, RetentionPeriodHours: 24 });
    expect(r.warned[0]).toContain("the source is assumed to be a Kinesis stream because the mapping sets StartingPosition (set type: dynamodb if it is a table stream)");
  });
});

describe("template errors", () => {
  it("refuses a mapping without EventSourceArn or FunctionName, naming both", () => {
    const r = scenariosFromTemplate("Resources:\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: { BatchSize: 5 }\n", "t.yaml");
    expect(!r.ok && r.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`)).toEqual([
      "4:17 M.Properties: has no EventSourceArn (AWS requires it for SQS, Kinesis and DynamoDB mappings)",
      "4:17 M.Properties: has no FunctionName (AWS requires it)",
    ]);
  });
});

describe("odd templates", () => {
  it.each([
    ["Properties that are not a map", "Resources:\n  M: { Type: AWS::Lambda::EventSourceMapping, Properties: oops }\n"],
    ["an EventSourceArn that is a number", "Resources:\n  F: { Type: AWS::Lambda::Function }\n  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: 5, FunctionName: !Ref F } }\n"],
    ["a RedrivePolicy list and a FilterCriteria string", "Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { RedrivePolicy: [1] } }\n  F: { Type: AWS::Lambda::Function, Properties: oops }\n  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F, FilterCriteria: x, ScalingConfig: 3, DestinationConfig: [] } }\n"],
    ["SAM Events that are a list, an event without Properties", "Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Events: [1] } }\n  G: { Type: AWS::Serverless::Function, Properties: { Events: { E: { Type: SQS } } } }\n"],
    ["intrinsics with wrong arguments", "Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: !Select [9, [1]], DelaySeconds: !Join [1], QueueName: !Sub [1, 2] } }\n  F: { Type: AWS::Lambda::Function, Properties: { Timeout: !GetAtt Nope.Arn } }\n  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !GetAtt F, BatchSize: !FindInMap [A] } }\n"],
    ["a Resources list", "Resources: [1, 2]\n"],
    ["a resource that is a string", "Resources:\n  M: AWS::Lambda::EventSourceMapping\n"],
  ])("reports problems, never crashes: %s", (_what, text) => {
    const r = scenariosFromTemplate(text, "odd.yaml");
    const problems = r.ok ? r.scenarios.flatMap((s) => (s.parse.ok ? [] : s.parse.errors)) : r.errors;
    expect(problems.length + (r.ok ? r.warnings.length : 0)).toBeGreaterThan(0);
    for (const p of problems) expect(p.message).not.toMatch(/TypeError|undefined/);
  });
});
