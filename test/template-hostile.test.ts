import { describe, expect, it } from "vitest";
import { scenariosFromTemplate } from "../src/template/index.js";
import { loadTemplate, MAX_EXPANDED_SIZE } from "../src/template/load.js";

// Templates are untrusted input: anchors used many times, strings built from many aliases, and maps of many keys
// must end in a clear problem (exit 2 from the CLI) within the template caps, never exhaust memory or time.

const queue = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
const mapping = (queueName: string) =>
  `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Timeout: 10 }
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: ${queueName}
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Q.Arn
      FunctionName: !Ref Fn
`;

describe("a template made to expand without end", () => {
  it("refuses an anchor of a large list used thousands of times, at the alias that crosses the bound", { timeout: 30_000 }, () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `    - ${i}`).join("\n");
    const uses = Array.from({ length: 1_000 }, (_, i) => `  k${i}: *big`).join("\n");
    const text = `${queue}Big: &big\n${items}\nUse:\n${uses}\n`;
    const r = loadTemplate(text, "t.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].message).toBe(`the template expands to more than ${MAX_EXPANDED_SIZE} values and characters through its aliases; use each anchor fewer times`);
    // reported where the alias is used, not inside the anchor's list
    expect(r.errors[0].line).toBeGreaterThan(20_004);
  });

  it("refuses a long string repeated through thousands of aliases", () => {
    const refs = Array.from({ length: 2_000 }, () => "      - *s").join("\n");
    const text = `Str: &s ${"x".repeat(100_000)}\n${queue}    Properties:\n      QueueName: !Join\n      - ''\n      -\n${refs}\n`;
    const r = loadTemplate(text, "t.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toContain("expands to more than");
  });

  it("reads an alias as the latest anchor of its name before it, when an anchor is set again", () => {
    const r = loadTemplate(`${queue}A: &x { v: 1 }\nB: *x\nC: &x { v: 2 }\nD: *x\nE: [&y 3, *y, &y 4, *y]\n`, "t.yaml");
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.template.root.B, r.template.root.D, r.template.root.E]).toEqual([{ v: 1 }, { v: 2 }, [3, 3, 4, 4]]);
  });

  it("refuses thousands of aliases of a small anchor in a large template within its caps", () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `  - ${i}`).join("\n");
    const uses = Array.from({ length: 10_001 }, () => "  - *one").join("\n");
    const r = loadTemplate(`${queue}One: &one 1\nBig:\n${items}\nUse:\n${uses}\n`, "t.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.message)).toEqual(["too many alias expansions (more than 10000)"]);
  });

  it("keeps an anchor used a few times working", () => {
    const r = loadTemplate(`${queue}A: &a { x: 1 }\nB: *a\nC: *a\n`, "t.yaml");
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.template.root.C).toEqual({ x: 1 });
  });

  it("leaves a string that Fn::Sub would make longer than a template unresolved, with the reason", () => {
    const big = "y".repeat(600_000);
    const text = mapping(`!Sub "${"${Name}".repeat(8)}"`).replace("Resources:", `Parameters:\n  Name: { Type: String, Default: ${big} }\nResources:`);
    const r = scenariosFromTemplate(text, "t.yaml");
    expect(r.ok).toBe(true);
    const all = JSON.stringify(r);
    expect(all).toContain("Fn::Sub builds a string of more than 4194304 characters");
  });
});

describe("a template with many keys", () => {
  it("reads a map of 40,000 distinct keys", () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  key${i}: ${i}`).join("\n");
    const r = loadTemplate(`${queue}Meta:\n${keys}\n`, "t.yaml");
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.keys(r.template.root.Meta as object)).toHaveLength(40_000);
  });

  it("names a duplicate key where it stands", () => {
    const r = loadTemplate(`${queue}  Q:\n    Type: AWS::SQS::Queue\n`, "t.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`)).toEqual(["4:3 not a valid YAML or JSON template: Map keys must be unique"]);
  });
});
