/**
 * Hostile scenario files, one per known attack or accident, each ending in a clear problem (or a valid scenario),
 * never a throw and never seconds of work. Found by fuzzing (test/fuzz.test.ts); each row is a fixed regression.
 */
import { describe, expect, it } from "vitest";
import { MAX_YAML_ELEMENTS, parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";

const VALID = "name: x\nsource: {type: sqs}\ntraffic: [{at: 0, records: 1}]\n";

function problems(text: string): string[] {
  const r = parseScenario(text, "h.yaml");
  return r.ok ? [] : r.errors.map(formatProblem);
}

describe("hostile scenario files", () => {
  it.each([
    ["deeply nested flow lists (a stack overflow in the YAML library)", "[".repeat(5000) + "]".repeat(5000), /nests deeper than 64 levels/],
    ["deeply nested flow maps", "{a: ".repeat(4000) + "1" + "}".repeat(4000), /nests deeper than 64 levels/],
    ["a list that contains itself", "a: &a [*a]\n", /nests deeper than 64 levels/],
    ["a billion-laughs alias bomb", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", /its aliases \(\*name\) repeat anchored values too many times \(anchors and aliases are limited to 1000 expansions\); write the values out, or use fewer aliases/],
    ["half a million compact nested sequences (seconds and 350 MB in the YAML library)", "- ".repeat(500_000), /about 500,000 YAML elements .* limited to 10,000/],
    ["a million quote characters", '"'.repeat(1_000_000), /about 1,000,000 YAML elements/],
    ["half a million comment lines", "#\n".repeat(500_000), /about 500,000 YAML elements/],
    ["a key twice in one map", "name: a\nsource: {type: sqs}\nname: b\n", /h\.yaml:3:1 not valid YAML: the key "name" appears twice in one map \(first at line 1\)/],
    ["two documents", "name: a\n---\nname: b\n", /^h\.yaml:2:1 not valid YAML: a second YAML document starts here \(a line ---\); a scenario file holds one document$/],
    ["an unclosed flow map in JSON, told once at its place", '{"name": "x",\n"source": {\n', /^h\.yaml:3:1 not valid YAML: [^\n]*\}$/],
    ["a map given a number", "name: x\nsource: 5\ntraffic: [{at: 0s, records: 1}]\n", /^h\.yaml:2:9 source: must be a map of keys \(got 5\)$/],
    ["NaN and infinities", "name: x\nsource: {type: sqs, VisibilityTimeout: .nan}\ntraffic: [{at: .inf, records: -.inf}]\n", /VisibilityTimeout: must be an integer 0\.\.43,200 \(got NaN\)/],
    ["an expectation on toString, inherited by every JS object", VALID + "expect: {toString: {eq: 1}}\n", /expect\.toString: is not a report field/],
    ["an expectation on __proto__", VALID + "expect: {__proto__: {eq: 1}}\n", /expect\.__proto__: is not a report field/],
    ["a scalar document", "just text\n", /a scenario must be a map of keys such as name, source, traffic \(got "just text"\)/],
    ["an empty file", "", /the file is empty/],
    ["only a BOM and spaces", "\uFEFF  \n", /./],
  ])("%s", (_, text, message) => {
    const p = problems(text);
    expect(p.join("\n")).toMatch(message);
  });

  it("accepts a byte-order mark before a valid scenario", () => {
    expect(problems("\uFEFF" + VALID)).toEqual([]);
  });

  it("lists at most 100 problems and says how many more there are", () => {
    const text = "name: x\nsource: {type: sqs}\ntraffic: [{at: 0, records: 1}]\n" + Array.from({ length: 3000 }, (_, i) => `k${i}: 1`).join("\n");
    const p = problems(text);
    expect(p).toHaveLength(101);
    expect(p[100]).toMatch(/\.\.\. and 2900 more problems not listed \(only the first 100 are shown\)/);
  });

  it("counts YAML elements without under-counting quoted or commented text", () => {
    expect(MAX_YAML_ELEMENTS).toBe(10_000);
    const p = problems("a: '" + "- x\n".repeat(20_000) + "'\n");
    expect(p.join("\n")).toMatch(/YAML elements/);
  });
});
