/** Times in `expect`: a duration with its unit, or a bare number of seconds (milliseconds for CloudWatch's metrics). */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import { cli, scratch, smallSqsScenario } from "./cli-helpers.js";
import { scenarioFrom } from "./helpers.js";

const withExpect = (lines: string) => `${smallSqsScenario("times")}expect:\n${lines}`;

describe("a time bound in expect", () => {
  it("reads a bare number as seconds, and shows it with its unit", () => {
    const s = scenarioFrom(withExpect("  latency.p99: { lte: 60 }\n  endedAt: { gt: 0.5 }\n"));
    expect(s.expectations.map((e) => [e.path, e.expected, e.written])).toEqual([
      ["latency.p99", 60_000, "60s"],
      ["endedAt", 500, "0.5s"],
    ]);
  });

  it("reads a duration with a unit as before", () => {
    const s = scenarioFrom(withExpect("  latency.p99: { lte: 250ms }\n  iteratorAge.max: { lt: 2m }\n"));
    expect(s.expectations.map((e) => [e.expected, e.written])).toEqual([
      [250, "250ms"],
      [120_000, "2m"],
    ]);
  });

  it("reads a bare number for a CloudWatch metric in Milliseconds in that unit, as a dashboard shows it", () => {
    const s = scenarioFrom(withExpect("  cloudwatch.Duration.Maximum: { lte: 500 }\n"));
    expect(s.expectations.map((e) => [e.expected, e.written])).toEqual([[500, "500ms"]]);
  });

  it("says a bare number is seconds when a bound is not a time", () => {
    const r = parseScenario(withExpect("  latency.p99: { lte: soon }\n  cloudwatch.Duration.Maximum: { lte: later }\n"), "s.yaml");
    expect(r.ok ? [] : r.errors.map(formatProblem)).toEqual([
      's.yaml:7:23 expect.latency.p99.lte: must be a duration such as 5m or 250ms, or a number of seconds (got "soon")',
      `s.yaml:8:39 expect.cloudwatch.Duration.Maximum.lte: must be a duration such as 5m or 250ms, or a number of milliseconds (CloudWatch's unit for this metric) (got "later")`,
    ]);
  });

  it("passes a run whose p99 latency is under the bare number of seconds, and prints the bound as a time", async () => {
    const t = scratch("esm-expect-times-");
    const file = t.write("s.yaml", withExpect("  latency.p99: { lte: 60 }\n"));
    const r = await cli("run", file);
    expect(r.code).toBe(0);
    expect(r.out).toContain("latency.p99 <= 1m (actual");
  });

  it("names the bound with its unit when a bare number of seconds fails", async () => {
    const t = scratch("esm-expect-times-");
    const file = t.write("s.yaml", withExpect("  latency.p99: { lt: 0.001 }\n"));
    const r = await cli("run", file);
    expect(r.code).toBe(1);
    expect(r.err).toContain("expectation failed: latency.p99 lt 0.001s (actual");
  });
});
