/**
 * Golden files: every output format of one small run with every outcome, compared byte for byte.
 * After an intended change, regenerate with `ESM_SIM_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`
 * and review the diff.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderJson } from "../src/report/json.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderTable } from "../src/report/table.js";
import { simulate } from "../src/run/simulate.js";
import { GOLDEN, golden } from "./golden-helper.js";
import { scenarioFrom } from "./helpers.js";

const scenario = scenarioFrom(readFileSync(join(GOLDEN, "mixed.yaml"), "utf8"), "test/golden/mixed.yaml");
const { report } = simulate(scenario);

describe("golden reports of test/golden/mixed.yaml", () => {
  it("has every outcome, so every part of each format is exercised", () => {
    const i = report.invocations;
    expect([i.errors, i.timeouts, i.throttles, i.partial].every((n) => n > 0)).toBe(true);
    expect(report.expectations.filter((e) => !e.passed).map((e) => e.path)).toEqual(["latency.p99"]);
  });
  it("json", () => golden("mixed.json", renderJson(report)));
  it("table without colour", () => golden("mixed.table.txt", renderTable(report, { color: false })));
  it("markdown", () => golden("mixed.md", renderMarkdown(report, { reproduce: "esm-sim run test/golden/mixed.yaml --seed 7" })));
});
