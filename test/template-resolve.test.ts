import { describe, expect, it } from "vitest";
import { Unresolved } from "../src/template/intrinsics.js";
import { loadTemplate, positionOf } from "../src/template/load.js";
import { Stack } from "../src/template/stack.js";
import { fixture, loaded } from "./template-helpers.js";

/** Resolve `Outputs.X.Value` of a template with the given parameter overrides. */
function outputs(text: string, params: Record<string, string> = {}): Record<string, unknown> {
  const t = loaded(text);
  const stack = new Stack(t.root, new Map(Object.entries(params)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.root.Outputs as Record<string, { Value: unknown }>)) {
    const r = stack.resolver.resolve(v.Value);
    out[k] = r instanceof Unresolved ? `UNRESOLVED: ${r.reason}` : r;
  }
  return out;
}

const RESOURCES = `
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !Sub "orders-\${Stage}" }
  Fifo:
    Type: AWS::SQS::Queue
    Properties: { FifoQueue: true }
  S:
    Type: AWS::Kinesis::Stream
    Properties: { ShardCount: 1 }
  T:
    Type: AWS::DynamoDB::Table
    Properties: { TableName: orders, StreamSpecification: { StreamViewType: NEW_IMAGE } }
  F:
    Type: AWS::Lambda::Function
    Properties: { FunctionName: handler }
  Live:
    Type: AWS::Lambda::Alias
    Properties: { FunctionName: !Ref F, Name: live, FunctionVersion: "1" }
  Topic:
    Type: AWS::SNS::Topic
`;

describe("template loading", () => {
  it("turns every short-form tag into its long form, splitting !GetAtt at the first dot", () => {
    const t = loaded(`
Resources:
  R:
    Type: X
    Properties:
      A: !Ref Foo
      B: !GetAtt Stream.Arn
      C: !GetAtt Table.StreamSpecification.StreamArn
      D: !Sub ["\${X}-y", { X: !Ref Bar }]
      E: !If [Cond, !Ref A, !Ref "AWS::NoValue"]
      F: !ImportValue { "Fn::Sub": "\${Env}-x" }
      G: !Join ["", [a, !Select [0, !Split [",", "b,c"]]]]
      H: !FindInMap [M, K1, K2]
      I: !Base64 text
      J: !GetAZs ""
      K: !Equals [!Not [!Condition C1], !And [!Condition C2, !Or [!Condition C3, !Condition C4]]]
      L: !Cidr ["10.0.0.0/16", 4, 8]
`);
    const p = (t.root.Resources as any).R.Properties;
    expect(p.A).toEqual({ Ref: "Foo" });
    expect(p.B).toEqual({ "Fn::GetAtt": ["Stream", "Arn"] });
    expect(p.C).toEqual({ "Fn::GetAtt": ["Table", "StreamSpecification.StreamArn"] });
    expect(p.D).toEqual({ "Fn::Sub": ["${X}-y", { X: { Ref: "Bar" } }] });
    expect(p.E).toEqual({ "Fn::If": ["Cond", { Ref: "A" }, { Ref: "AWS::NoValue" }] });
    expect(p.F).toEqual({ "Fn::ImportValue": { "Fn::Sub": "${Env}-x" } });
    expect(p.G).toEqual({ "Fn::Join": ["", ["a", { "Fn::Select": [0, { "Fn::Split": [",", "b,c"] }] }]] });
    expect(p.H).toEqual({ "Fn::FindInMap": ["M", "K1", "K2"] });
    expect(p.I).toEqual({ "Fn::Base64": "text" });
    expect(p.J).toEqual({ "Fn::GetAZs": "" });
    expect(p.K).toEqual({ "Fn::Equals": [{ "Fn::Not": [{ Condition: "C1" }] }, { "Fn::And": [{ Condition: "C2" }, { "Fn::Or": [{ Condition: "C3" }, { Condition: "C4" }] }] }] });
    expect(p.L).toEqual({ "Fn::Cidr": ["10.0.0.0/16", 4, 8] });
  });

  it("keeps the line and column of every value, tagged or not", () => {
    const t = loaded("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !Ref Vt\n      DelaySeconds: 5\n");
    expect(positionOf(t, ["Resources", "Q", "Properties", "VisibilityTimeout"])).toEqual({ line: 5, col: 26 });
    expect(positionOf(t, ["Resources", "Q", "Properties", "DelaySeconds"])).toEqual({ line: 6, col: 21 });
    expect(positionOf(t, ["Resources", "Q", "Properties", "Missing", "Deeper"])).toEqual({ line: 5, col: 7 });
  });

  it("reads JSON templates, with positions", () => {
    const t = loaded('{\n "Resources": {\n  "Q": {\n   "Type": "AWS::SQS::Queue",\n   "Properties": { "VisibilityTimeout": 60 }\n  }\n }\n}\n', "t.json");
    expect((t.root.Resources as any).Q.Properties.VisibilityTimeout).toBe(60);
    expect(positionOf(t, ["Resources", "Q", "Properties", "VisibilityTimeout"])).toEqual({ line: 5, col: 41 });
  });

  it("finds positions in JSON past escaped quotes and backslashes, in lists and nested maps", () => {
    const text = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Metadata": {"note": "a \\"quoted\\" \\\\ path", "list": [1, {"x": [true, null]}]},\n  "Properties": {"DelaySeconds": 7}}}}';
    const t = loaded(text, "t.json");
    expect((t.root.Resources as any).Q.Metadata.note).toBe('a "quoted" \\ path');
    expect(positionOf(t, ["Resources", "Q", "Properties", "DelaySeconds"])).toEqual({ line: 2, col: 34 });
    expect(positionOf(t, ["Resources", "Q", "Metadata", "list", 1, "x", 1])).toEqual({ line: 1, col: text.indexOf("null") + 1 });
  });

  it("gives the positions of a CDK template's values", () => {
    const t = loaded(fixture("cdk-orders.template.json"), "cdk.json");
    expect(positionOf(t, ["Resources", "OrdersQueue3F9A5E21", "Properties", "VisibilityTimeout"])).toEqual({ line: 27, col: 26 });
    expect(positionOf(t, ["Resources", "OrdersQueue3F9A5E21", "Properties", "RedrivePolicy", "maxReceiveCount"])).toEqual({ line: 25, col: 25 });
  });

  it("reports an unknown tag, broken YAML and a missing Resources section with positions", () => {
    const bad = loadTemplate("Resources:\n  Q:\n    Type: !Reff Foo\n", "t.yaml");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatchObject({ line: 3, col: 11, path: "Q.Type", message: expect.stringContaining("unknown tag !Reff") });
    const broken = loadTemplate("Resources:\n  Q: [\n", "t.yaml");
    expect(!broken.ok && broken.errors[0].message).toMatch(/^not a valid YAML or JSON template/);
    const none = loadTemplate("Parameters: {}\n", "t.yaml");
    expect(!none.ok && none.errors[0].message).toBe("the template has no Resources section");
  });
});

describe("intrinsic functions", () => {
  it("resolves Ref and GetAtt of queues, streams, tables, functions, aliases and topics", () => {
    const o = outputs(
      `Parameters: { Stage: { Type: String, Default: dev } }
${RESOURCES}
Outputs:
  QUrl: { Value: !Ref Q }
  QArn: { Value: !GetAtt Q.Arn }
  QName: { Value: !GetAtt Q.QueueName }
  FifoName: { Value: !GetAtt Fifo.QueueName }
  SArn: { Value: !GetAtt S.Arn }
  TStream: { Value: !GetAtt T.StreamArn }
  FRef: { Value: !Ref F }
  FArn: { Value: !GetAtt F.Arn }
  Alias: { Value: !Ref Live }
  Topic: { Value: !Ref Topic }
  Unknown: { Value: !GetAtt Q.Nope }
`,
    );
    expect(o).toEqual({
      QUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev",
      QArn: "arn:aws:sqs:us-east-1:123456789012:orders-dev",
      QName: "orders-dev",
      FifoName: "esm-sim-stack-Fifo.fifo",
      SArn: "arn:aws:kinesis:us-east-1:123456789012:stream/esm-sim-stack-S",
      TStream: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/1970-01-01T00:00:00.000",
      FRef: "handler",
      FArn: "arn:aws:lambda:us-east-1:123456789012:function:handler",
      Alias: "arn:aws:lambda:us-east-1:123456789012:function:handler:live",
      Topic: "arn:aws:sns:us-east-1:123456789012:esm-sim-stack-Topic",
      Unknown: "UNRESOLVED: Fn::GetAtt Q.Nope (AWS::SQS::Queue): esm-sim does not know this attribute",
    });
  });

  it("evaluates Sub (both forms), Join, Select, Split, FindInMap, If and conditions, with --parameter and pseudo parameters", () => {
    const text = `
Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Sizes: { Type: CommaDelimitedList, Default: "10,50,100" }
  Count: { Type: Number, Default: "3" }
Mappings:
  ByStage:
    dev: { Timeout: 10 }
    prod: { Timeout: 30 }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  InUsEast: !Equals [!Ref "AWS::Region", us-east-1]
  ProdInUsEast: !And [!Condition IsProd, !Condition InUsEast]
  NotProd: !Not [!Condition IsProd]
  Either: !Or [!Condition IsProd, !Condition InUsEast]
${RESOURCES}
Outputs:
  Sub1: { Value: !Sub "\${AWS::StackName}-\${Stage}-\${AWS::Region}-\${!Literal}-\${Q.QueueName}" }
  Sub2: { Value: !Sub ["\${Name}-x", { Name: !Ref Stage }] }
  Join: { Value: !Join [":", [a, !Ref Stage, !Ref Count]] }
  Select: { Value: !Select [1, !Ref Sizes] }
  Split: { Value: !Select [2, !Split ["/", "a/b/c"]] }
  Find: { Value: !FindInMap [ByStage, !Ref Stage, Timeout] }
  If: { Value: !If [IsProd, 500, 5] }
  And: { Value: !If [ProdInUsEast, yes, no] }
  Not: { Value: !If [NotProd, yes, no] }
  Or: { Value: !If [Either, yes, no] }
  Count: { Value: !Ref Count }
  Account: { Value: !Ref "AWS::AccountId" }
`;
    expect(outputs(text)).toEqual({
      Sub1: "esm-sim-stack-dev-us-east-1-${Literal}-orders-dev",
      Sub2: "dev-x",
      Join: "a:dev:3",
      Select: "50",
      Split: "c",
      Find: 10,
      If: 5,
      And: "no",
      Not: "yes",
      Or: "yes",
      Count: 3,
      Account: "123456789012",
    });
    const prod = outputs(text, { Stage: "prod", "AWS::Region": "eu-west-1", "AWS::StackName": "shop" });
    expect(prod).toMatchObject({ Sub1: "shop-prod-eu-west-1-${Literal}-orders-prod", Find: 30, If: 500, And: "no", Not: "no", Or: "yes" });
  });

  it("removes a property set to AWS::NoValue", () => {
    const t = loaded(`Conditions: { Never: !Equals [a, b] }\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !If [Never, 5, !Ref "AWS::NoValue"]\n      VisibilityTimeout: 40\n`);
    const stack = new Stack(t.root, new Map());
    expect(stack.resolver.resolve((t.root.Resources as any).Q.Properties)).toEqual({ VisibilityTimeout: 40 });
  });

  it("leaves imports, dynamic references, SSM parameters, missing defaults and unknown conditions unresolved, saying why", () => {
    const o = outputs(`
Parameters:
  FromSsm: { Type: "AWS::SSM::Parameter::Value<String>", Default: /app/timeout }
  NoDefault: { Type: Number }
Conditions:
  Imported: !Equals [!ImportValue Env, prod]
Resources:
  Q: { Type: AWS::SQS::Queue }
Outputs:
  Import: { Value: !ImportValue SharedQueueArn }
  Dynamic: { Value: "{{resolve:ssm:/app/batch-size}}" }
  Secret: { Value: "{{resolve:secretsmanager:db:SecretString:password}}" }
  Ssm: { Value: !Ref FromSsm }
  NoDefault: { Value: !Ref NoDefault }
  IfImported: { Value: !If [Imported, 1, 2] }
  IfMissing: { Value: !If [Missing, 1, 2] }
  RefMissing: { Value: !Ref Nowhere }
  Joined: { Value: !Join ["-", [a, !ImportValue X]] }
`);
    expect(o).toEqual({
      Import: 'UNRESOLVED: Fn::ImportValue "SharedQueueArn" is an output exported by another stack',
      Dynamic: "UNRESOLVED: dynamic reference {{resolve:ssm:/app/batch-size}} is read from SSM Parameter Store when the stack deploys",
      Secret: "UNRESOLVED: dynamic reference {{resolve:secretsmanager:db:SecretString:password}} is read from Secrets Manager when the stack deploys",
      Ssm: "UNRESOLVED: parameter FromSsm is read from SSM Parameter Store (/app/timeout) when the stack deploys; pass --parameter FromSsm=VALUE",
      NoDefault: "UNRESOLVED: parameter NoDefault has no Default; pass --parameter NoDefault=VALUE",
      IfImported: 'UNRESOLVED: Fn::If picks by condition Imported, which cannot be evaluated: Fn::ImportValue "Env" is an output exported by another stack',
      IfMissing: "UNRESOLVED: Fn::If picks by condition Missing, which is not defined in Conditions",
      RefMissing: 'UNRESOLVED: Ref to "Nowhere", which is neither a parameter nor a resource of the template',
      Joined: 'UNRESOLVED: Fn::ImportValue "X" is an output exported by another stack',
    });
    expect(outputs("Parameters: { FromSsm: { Type: 'AWS::SSM::Parameter::Value<String>' } }\nResources: {}\nOutputs: { V: { Value: !Ref FromSsm } }\n", { FromSsm: "42" })).toEqual({ V: "42" });
  });

  it("stops on a condition or a name that refers to itself", () => {
    const o = outputs(`
Conditions:
  A: !Condition B
  B: !Condition A
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !GetAtt Q.QueueName }
Outputs:
  Loop: { Value: !If [A, 1, 2] }
  Self: { Value: !GetAtt Q.Arn }
`);
    expect(o.Loop).toMatch(/^UNRESOLVED: Fn::If picks by condition A, which cannot be evaluated: .*refers to itself/);
    expect(o.Self).toBe("UNRESOLVED: Q refers to itself");
  });
});
