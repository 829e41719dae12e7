import { describe, expect, it } from "vitest";
import { filterView } from "../src/filter/filter-pattern.js";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import { FILTERING_APPLIED } from "../src/scenario/rules.js";

const head = `name: f
source:
  type: sqs
traffic:
  - at: 0s
    records: 10
    data: { type: order, total: 120 }
  - at: 1s
    records: 5
    data: { type: refund }
`;

function problemsOf(text: string) {
  const r = parseScenario(text, "s.yaml");
  return { errors: r.ok ? [] : r.errors.map(formatProblem), warnings: r.warnings.map(formatProblem) };
}

const notApplied = FILTERING_APPLIED ? [] : ["s.yaml:13:5 warning: mapping.FilterCriteria: is valid, but this version of esm-sim does not apply it yet: every record reaches the function and records.filtered stays 0"];

describe("FilterCriteria in a scenario", () => {
  it("accepts a valid FilterCriteria on an SQS mapping and compiles it into the mapping config", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: '{"body": {"type": ["order"], "total": [{"numeric": [">", 100]}]}}'
`;
    const r = parseScenario(text, "s.yaml");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map(formatProblem)).toEqual(notApplied);
    const filter = r.scenario.mapping.filter;
    expect(filter?.patterns).toEqual(['{"body": {"type": ["order"], "total": [{"numeric": [">", 100]}]}}']);
    const kept = r.scenario.traffic.map((p) => filter!.matches(filterView("sqs", { payload: p.payload, messageId: "m", sentMs: 0, receiveCount: 1, firstReceiveMs: 0 })));
    expect(kept).toEqual([true, false]);
  });

  it("has no filter without FilterCriteria, or with Filters: []", () => {
    for (const extra of ["", "mapping:\n  FilterCriteria: { Filters: [] }\n", "mapping:\n  FilterCriteria: {}\n"]) {
      const r = parseScenario(head + extra, "s.yaml");
      expect(r.ok && r.scenario.mapping.filter).toBe(null);
    }
  });

  it("points at the bad leaf inside a single-quoted pattern", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: '{"body": {"type": []}}'
`;
    expect(problemsOf(text).errors).toEqual([
      `s.yaml:14:37 mapping.FilterCriteria.Filters[0].Pattern: Invalid filter pattern definition. body.type: must be a non-empty list of values or operators, e.g. ["x"] (got [])`,
    ]);
  });

  it("points at the bad leaf inside a double-quoted pattern with escaped quotes", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: "{\\"body\\": {\\"type\\": \\"order\\"}}"
`;
    expect(problemsOf(text).errors).toEqual([
      `s.yaml:14:41 mapping.FilterCriteria.Filters[0].Pattern: Invalid filter pattern definition. body.type: must be a non-empty list of values or operators, e.g. ["order"] (got "order")`,
    ]);
  });

  it("points at the line and column inside a block pattern", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: |
          {
            "body": {
              "total": [{"numeric": [">", "100"]}]
            }
          }
`;
    expect(problemsOf(text).errors).toEqual([
      `s.yaml:17:37 mapping.FilterCriteria.Filters[0].Pattern: Invalid filter pattern definition. body.total: numeric: must be a list such as ["=", 100], [">", 0] or [">", 0, "<=", 5] with numbers within -5e9..5e9; ">" must be followed by a number (got [">", "100"])`,
    ]);
  });

  it("points at the pattern itself when it cannot place the character (a folded scalar)", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: >
          {"body": {"type": "x"}}
`;
    expect(problemsOf(text).errors.map((e) => e.split(" mapping")[0])).toEqual(["s.yaml:14:18"]);
  });

  it("reports JSON syntax errors at the character, and every filter's problems at once", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: '{"body": {"type": ["order"]}'
      - Pattern: '{"body": {"type": [{"wildcard": "o*"}]}}'
`;
    expect(problemsOf(text).errors).toEqual([
      `s.yaml:14:47 mapping.FilterCriteria.Filters[0].Pattern: Invalid filter pattern definition. Not valid JSON: expected "," or "}", found end of text (at character 29)`,
      `s.yaml:15:39 mapping.FilterCriteria.Filters[1].Pattern: Invalid filter pattern definition. body.type: "wildcard" is an EventBridge operator that Lambda event filtering does not document; operators: prefix, suffix, equals-ignore-case, anything-but, numeric, exists`,
    ]);
  });

  it("asks for a string when the pattern is written as a YAML map", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: { body: { type: [order] } }
`;
    expect(problemsOf(text).errors).toEqual([
      `s.yaml:14:18 mapping.FilterCriteria.Filters[0].Pattern: must be a string holding a JSON event pattern, e.g. '{"body": {"status": ["ERROR"]}}' (AWS says "Invalid filter pattern definition.") (got a map)`,
    ]);
  });

  it("refuses 11 filters and warns about 6", () => {
    const filters = (n: number) => `${head}mapping:\n  FilterCriteria:\n    Filters:\n${Array.from({ length: n }, (_, i) => `      - Pattern: '{"body": {"n": [${i}]}}'\n`).join("")}`;
    expect(problemsOf(filters(11)).errors).toEqual(["s.yaml:14:7 mapping.FilterCriteria.Filters: at most 10 filters per event source mapping (5 by default, up to 10 with a quota increase) (got 11)"]);
    const six = problemsOf(filters(6));
    expect(six.errors).toEqual([]);
    expect(six.warnings).toEqual([
      ...notApplied,
      "s.yaml:14:7 warning: mapping.FilterCriteria.Filters: 6 filters is above the default quota of 5 per event source mapping: AWS refuses the mapping unless the quota was raised (up to 10)",
    ]);
  });

  it("warns where an SQS pattern reads a key other than body", () => {
    const text = `${head}mapping:
  FilterCriteria:
    Filters:
      - Pattern: '{"messageAttributes": {"kind": {"stringValue": ["a"]}}}'
`;
    const w = problemsOf(text).warnings;
    expect(w.filter((x) => x.includes("body key")).map((x) => x.split(": SQS")[0])).toEqual(['s.yaml:14:20 warning: mapping.FilterCriteria.Filters[0].Pattern: "messageAttributes"']);
  });

  it("warns when patterns read the body but a producer has no data", () => {
    const text = `name: f
source: { type: sqs }
traffic:
  - { at: 0s, records: 1, data: { type: order } }
  - { at: 0s, records: 1 }
mapping:
  FilterCriteria: { Filters: [ { Pattern: '{"body": {"type": ["order"]}}' } ] }
`;
    expect(problemsOf(text).warnings.filter((w) => w.includes("has no data"))).toEqual([
      "s.yaml:5:5 warning: traffic[1]: has no data, so its records carry the payload {} (an empty JSON object) and FilterCriteria patterns on body see no fields: give this producer data: { ... }",
    ]);
  });

  it("validates FilterCriteria for stream sources too, alongside the unsupported-source error", () => {
    const text = `name: f
source: { type: kinesis }
traffic:
  - { at: 0s, records: 1, data: "plain text" }
mapping:
  FilterCriteria: { Filters: [ { Pattern: '{"data": ["plain text"]}' } ] }
`;
    const errs = problemsOf(text).errors;
    expect(errs.filter((e) => e.includes("FilterCriteria"))).toEqual([
      `s.yaml:6:53 mapping.FilterCriteria.Filters[0].Pattern: Invalid filter pattern definition. data: the filter pattern for data properties must be in a valid JSON format: write an object pattern such as {"data": {"field": ["value"]}} (got a list of values)`,
    ]);
  });
});

describe("traffic data in a scenario", () => {
  it("gives each producer its payload: YAML data as JSON, a string as raw text, {} when absent", () => {
    const r = parseScenario(
      `name: d
source: { type: sqs }
traffic:
  - { at: 0s, records: 1, data: { a: [1, 2.5, null, true] } }
  - { at: 0s, records: 1, data: '{"a": 300.0}' }
  - { at: 0s, records: 1, data: hello }
  - { at: 0s, records: 1 }
`,
      "s.yaml",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.traffic.map((p) => [p.payload.text, p.payload.isJson])).toEqual([
      ['{"a":[1,2.5,null,true]}', true],
      ['{"a": 300.0}', true],
      ["hello", false],
      ["{}", true],
    ]);
    expect(r.scenario.traffic[2].data).toBe("hello");
  });

  it("refuses data JSON cannot hold, at the offending value", () => {
    expect(problemsOf(`name: d\nsource: { type: sqs }\ntraffic:\n  - at: 0s\n    records: 1\n    data: { a: { b: .inf } }\n`).errors).toEqual([
      "s.yaml:6:21 traffic[0].data.a.b: must be JSON-compatible data (numbers must be finite) (got Infinity)",
    ]);
  });

  it("requires a map of attributes as data for a DynamoDB source", () => {
    const errs = problemsOf(`name: d\nsource: { type: dynamodb }\ntraffic:\n  - at: 0s\n    records: 1\n    data: [1, 2]\n`).errors;
    expect(errs.filter((e) => e.includes("data"))).toEqual(["s.yaml:6:11 traffic[0].data: must be a map of attributes for a dynamodb source: the data is the item's NewImage (got a list)"]);
    const broken = problemsOf(`name: d\nsource: { type: dynamodb }\ntraffic:\n  - at: 0s\n    records: 1\n    data: '{"a": '\n`).errors;
    expect(broken.filter((e) => e.includes("data"))).toEqual(["s.yaml:6:11 traffic[0].data: must be a map of attributes for a dynamodb source: the data is the item's NewImage (got a string that is not a JSON object)"]);
  });
});
