import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, renderJson, REPORT_SCHEMA_VERSION, ScenarioError, simulate, type Problem, type Report } from "../src/index.js";
import { main } from "../src/cli/main.js";
import { knownKeysAt } from "../src/scenario/schema.js";
import { renderJsonSchema, scenarioJsonSchema } from "../src/scenario/json-schema.js";

const ROOT = join(__dirname, "..");
const POISON = join(ROOT, "scenarios", "sqs-poison-message-dlq.yaml");

describe("programmatic API", () => {
  it("loads a file by path and returns the same report the CLI prints as JSON", async () => {
    const report: Report = simulate(loadScenario(POISON)).report;
    let out = "";
    await main(["node", "esm-sim", "run", POISON, "--format", "json"], { out: (s) => (out += s), err: () => {}, isTty: false });
    expect(renderJson(report)).toBe(out);
    expect(report.records.dlq).toBeGreaterThan(0);
  });

  it("gives the report's format version as its first field, and exports it to compare with", () => {
    const report = simulate(loadScenario(POISON)).report;
    expect(REPORT_SCHEMA_VERSION).toBe(1);
    expect(report.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(Object.keys(JSON.parse(renderJson(report)))[0]).toBe("schemaVersion");
  });

  it("takes YAML text and options: seed, until and set, as on the command line", () => {
    const text = "name: t\nsource: { type: sqs }\ntraffic: [{ rate: 10/s, from: 0s, to: 1m }]\n";
    const s = loadScenario(text, { seed: 9, until: "10s", set: { "mapping.BatchSize": 1 } });
    expect([s.seed, s.untilUs, s.mapping.batchSize]).toEqual([9, 10_000_000, 1]);
    expect(loadScenario(text, { set: ["mapping.BatchSize=3"] }).mapping.batchSize).toBe(3);
    const r = simulate(s).report;
    expect(r.stopReason).toBe("until");
    expect(r.batchSize.max).toBe(1);
  });

  it("throws one ScenarioError with every problem, positioned", () => {
    const text = "name: t\nsource: { type: sqs, VisibilityTimeout: -1 }\ntraffic: [{ at: 0s, records: 1 }]\nmapping: { BatchSize: x }\n";
    let err: unknown;
    try {
      loadScenario(text, { fileName: "bad.yaml", set: { "function.Timeout": 0 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const problems = (err as ScenarioError).problems.map((p: Problem) => [p.line, p.col, p.path]);
    expect(problems).toEqual([
      [0, 0, "function.Timeout"],
      [2, 41, "source.VisibilityTimeout"],
      [4, 23, "mapping.BatchSize"],
    ]);
    expect(() => loadScenario("/nonexistent/s.yaml")).toThrow("/nonexistent/s.yaml:1:1 no such file");
  });

  it("refuses an until longer than virtual time can hold", () => {
    const text = "name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n";
    expect(() => loadScenario(text, { until: "300000000000d" })).toThrow("until: must be at most 9,007,199,254 s");
    expect(loadScenario(text, { until: 9_007_199_254 }).untilUs).toBe(9_007_199_254_000_000);
  });

  it("passes lint warnings to onWarning", () => {
    const warnings: string[] = [];
    loadScenario("name: w\nsource: { type: sqs, VisibilityTimeout: 10 }\ntraffic: [{ at: 0s, records: 1 }]\nfunction: { Timeout: 5 }\n", { onWarning: (w) => warnings.push(w.path) });
    expect(warnings).toEqual(["source.VisibilityTimeout"]);
  });

  it('resolves as import { simulate, loadScenario } from "esm-sim" through package.json exports', () => {
    const code = `import { simulate, loadScenario } from "esm-sim"; const r = simulate(loadScenario(${JSON.stringify(POISON)})).report; console.log(r.records.produced, r.records.dlq);`;
    // A module inside the package imports it by name (Node resolves a package's own name through its exports).
    mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
    const script = join(ROOT, "test-artifacts", "api-import.mjs");
    writeFileSync(script, code);
    const out = execFileSync(process.execPath, [script], { cwd: ROOT, encoding: "utf8" });
    const report = simulate(loadScenario(POISON)).report;
    expect(out.trim()).toBe(`${report.records.produced} ${report.records.dlq}`);
  });
});

describe("JSON Schema", () => {
  it("is derived from the validator's schema: the same keys at each level", () => {
    const s = scenarioJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: boolean };
    expect(Object.keys(s.properties)).toEqual(knownKeysAt([]));
    expect(Object.keys(s.properties.mapping.properties!)).toEqual(knownKeysAt(["mapping"]));
    expect(Object.keys(s.properties.source.properties!)).toEqual(knownKeysAt(["source"]));
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.mapping.properties!.BatchSize).toEqual({ type: "integer", minimum: 1, maximum: 10000 });
  });

  it("esm-sim schema prints it, and the committed schema/esm-sim.schema.json is up to date", async () => {
    let out = "";
    expect(await main(["node", "esm-sim", "schema"], { out: (s) => (out += s), err: () => {}, isTty: false })).toBe(0);
    expect(out).toBe(renderJsonSchema());
    expect(readFileSync(join(ROOT, "schema", "esm-sim.schema.json"), "utf8"), "run: node bin/esm-sim.js schema > schema/esm-sim.schema.json").toBe(out);
  });
});

describe("README", () => {
  it("shows the example test that runs as test/readme-example.test.ts, word for word", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const example = readFileSync(join(ROOT, "test", "readme-example.test.ts"), "utf8").trimEnd();
    expect(readme).toContain("```ts\n" + example + "\n```");
  });
});

describe("JSON Schema of expect", () => {
  it("lists the report paths an expectation may check, from METRIC_PATHS", async () => {
    const { METRIC_PATHS } = await import("../src/metrics/paths.js");
    const s = scenarioJsonSchema() as { properties: { expect: { propertyNames: { enum: string[] } } } };
    expect(s.properties.expect.propertyNames.enum).toEqual(Object.keys(METRIC_PATHS));
  });
});
