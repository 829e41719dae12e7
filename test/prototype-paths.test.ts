/**
 * Paths that would walk into JavaScript's object machinery (`__proto__`, `constructor`, `prototype`) are refused
 * wherever esm-sim walks a path: --set, --vary, the API's `set` (as strings and as object keys), expectation paths,
 * quiz answers and serverless.yml's `${self:...}`. Each is refused with a message and exit code 2, and after every one
 * of them Object.prototype is exactly as it was: no run can change the objects of the process it runs in.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario } from "../src/api.js";
import { parseAnswer } from "../src/scenario/quiz-answer.js";
import { parseOverride, unsafePathMessage } from "../src/scenario/overrides.js";
import { parseScenario } from "../src/scenario/parse.js";
import { parseVary } from "../src/sweep/sweep.js";
import { scenariosFromTemplate } from "../src/template/index.js";
import { cli, scratch } from "./cli-helpers.js";

const PROTO_NAMES_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();
const PROTO_VALUES_BEFORE = PROTO_NAMES_BEFORE.map((k) => (Object.prototype as Record<string, unknown>)[k]);
const yaml = `name: proto
source: { type: sqs }
traffic:
  - { at: 0s, records: 20, keys: 2 }
mapping: { BatchSize: 10 }
`;
const { write } = scratch("esm-sim-proto-");
const file = write("s.yaml", yaml);

/** Nothing was added to, removed from or changed on Object.prototype. */
function prototypeUntouched(): void {
  const names = Object.getOwnPropertyNames(Object.prototype).sort();
  expect(names).toEqual(PROTO_NAMES_BEFORE);
  expect(names.map((k) => (Object.prototype as Record<string, unknown>)[k])).toEqual(PROTO_VALUES_BEFORE);
  const probe = {} as Record<string, unknown>;
  for (const k of ["polluted", "isAdmin", "x", "BatchSize"]) expect(probe[k]).toBeUndefined();
}

const PATHS = [
  "__proto__.polluted",
  "__proto__.hasOwnProperty",
  "constructor.prototype.x",
  "mapping.__proto__.BatchSize",
  "mapping.constructor.prototype.polluted",
  "expect.__proto__.eq",
  "traffic.0.__proto__.isAdmin",
  "prototype",
  "a. __proto__ .b",
];

describe("prototype words in paths", () => {
  afterAll(prototypeUntouched);

  it.each(PATHS)("--set %s=1 is refused with exit 2 and a message naming the segment", async (path) => {
    const r = await cli("run", file, "--set", `${path}=1`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/has the segment "\s*(__proto__|constructor|prototype)\s*": no scenario key is named __proto__, constructor, prototype/);
    expect(r.err).not.toMatch(/internal error|TypeError|\n\s+at /);
    prototypeUntouched();
  });

  it("validate and sweep refuse them too (--set and --vary)", async () => {
    for (const args of [
      ["validate", file, "--set", "__proto__.polluted=1"],
      ["sweep", file, "--jobs", "1", "--vary", "__proto__.polluted=1,2"],
      ["sweep", file, "--jobs", "1", "--vary", "mapping.BatchSize=1,2", "--set", "constructor.prototype.polluted=1"],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/no scenario key is named __proto__, constructor, prototype/);
    }
    expect(parseVary("mapping.prototype=1,2")).toMatch(/^--vary mapping.prototype=1,2: the path "mapping.prototype" has the segment "prototype"/);
    prototypeUntouched();
  });

  it("the API's set refuses them as strings and as object keys, and leaves the caller's objects alone", () => {
    const attempts: Parameters<typeof loadScenario>[1][] = [
      { set: ["__proto__.isAdmin=true"] },
      { set: ["constructor.prototype.isAdmin=true"] },
      { set: { "__proto__.isAdmin": true } },
      { set: { "constructor.prototype.isAdmin": true } },
      { set: { "mapping.__proto__.polluted": 1 } },
    ];
    for (const options of attempts) {
      expect(() => loadScenario(file, options)).toThrow(/no scenario key is named __proto__, constructor, prototype/);
      prototypeUntouched();
    }
    expect(loadScenario(file, { set: { "mapping.BatchSize": 5 } }).mapping.batchSize).toBe(5);
  });

  it("parseOverride says what is allowed and what was found", () => {
    expect(parseOverride("__proto__.x=1")).toEqual({
      origin: "--set __proto__.x=1",
      message: 'the path "__proto__.x" has the segment "__proto__": no scenario key is named __proto__, constructor, prototype (paths such as mapping.BatchSize are allowed)',
    });
    expect(unsafePathMessage("mapping.BatchSize")).toBeNull();
    expect(unsafePathMessage("function.Constructor")).toBeNull();
  });

  it("keys and quiz answers with these names in a scenario file are problems, not lookups", () => {
    const text = `${yaml}__proto__: { polluted: 1 }
expect:
  constructor: { eq: 1 }
  __proto__: { eq: 2 }
quiz:
  - { ask: "a?", answer: constructor }
  - { ask: "b?", answer: __proto__ }
  - { ask: "c?", answer: toString }
`;
    const r = parseScenario(text, "p.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["__proto__", "expect.constructor", "expect.__proto__", "quiz[0].answer", "quiz[1].answer", "quiz[2].answer"]));
    for (const answer of ["constructor", "__proto__", "toString", "hasOwnProperty"]) expect(parseAnswer(answer)).toMatch(/^must be a report field/);
    prototypeUntouched();
  });

  it("template intrinsics look up own keys only: Ref, Fn::Sub, Fn::If and Fn::FindInMap on prototype words", async () => {
    const tpl = `Parameters:
  Env: { Type: String, Default: prod }
Mappings:
  Retry: { prod: { Attempts: 3 } }
Resources:
  Q: { Type: AWS::Kinesis::Stream, Properties: { ShardCount: 1 } }
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Q.Arn
      FunctionName: !Sub "\${toString}"
      StartingPosition: TRIM_HORIZON
      MaximumRetryAttempts: !FindInMap [Retry, { a: 1 }, Attempts]
      BatchSize: !FindInMap [Retry, constructor, Attempts]
      ParallelizationFactor: !If [constructor, 2, 3]
      MaximumRecordAgeInSeconds: !Ref hasOwnProperty
`;
    const { dir: out } = scratch("esm-sim-proto-tpl-");
    const r = await cli("init", "--from", write("proto-template.yaml", tpl), "--out-dir", out, "--force");
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/internal error|\[object Object\]/);
    expect(r.err).toContain('Ref to "toString", which is neither a parameter nor a resource of the template');
    expect(r.err).toContain("Fn::FindInMap: Mappings has no Retry.constructor.Attempts");
    expect(r.err).toContain('Fn::FindInMap: the map name and keys must be strings (got {"a":1})');
    expect(r.err).toContain("Fn::If picks by condition constructor, which is not defined in Conditions");
    expect(r.err).toContain('Ref to "hasOwnProperty", which is neither a parameter nor a resource of the template');
    prototypeUntouched();
  });

  it("serverless.yml's ${self:...} reads own keys only", () => {
    const sls = `service: s
provider: { name: aws, runtime: nodejs20.x }
custom: { size: 5 }
functions:
  worker:
    handler: h.main
    timeout: \${self:constructor.name}
    events:
      - sqs: { arn: "arn:aws:sqs:us-east-1:123456789012:q", batchSize: "\${self:custom.size}" }
`;
    const r = scenariosFromTemplate(sls, "serverless.yml");
    const messages = [...(r.ok ? r.warnings : [...r.errors, ...r.warnings])].map((p) => p.message).join("\n");
    expect(messages).toMatch(/\$\{self:constructor.name\} names nothing in the file/);
    prototypeUntouched();
  });
});
