/**
 * Properties over generated scenarios (test/gen/scenarios.ts): every valid scenario parses, runs without an
 * internal error, conserves every record, passes every invariant check on its trace, and gives identical bytes
 * of report and trace when run twice (and the same report, trace digest and check outcomes when the checks watch
 * a run that makes no produce events, as run --check does).
 *
 * Budget: ESM_SIM_PROPERTY_RUNS scenarios (default 150, a few seconds on two cores) from a fixed seed;
 * `npm run test:long` runs thousands from a random seed. ESM_SIM_PROPERTY_SEED (and ESM_SIM_PROPERTY_PATH)
 * replay a failing run: fast-check prints both; the failing scenario's YAML is printed in the error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CheckSuite } from "../src/checks/suite.js";
import { explain } from "../src/explain/explain.js";
import { limitsOf } from "../src/checks/limits.js";
import { renderJson } from "../src/report/json.js";
import { traceLine, traceObject } from "../src/report/trace-jsonl.js";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import type { Scenario } from "../src/scenario/model.js";
import { scenarioArb, toYaml } from "./gen/scenarios.js";

export const PROPERTY_RUNS = Number(process.env.ESM_SIM_PROPERTY_RUNS ?? 150);
/** A fixed seed keeps CI repeatable; `random` (npm run test:long) explores new scenarios on every run. */
const seedVar = process.env.ESM_SIM_PROPERTY_SEED ?? "20250601";
const SEED = seedVar === "random" ? undefined : Number(seedVar);
const PATH = process.env.ESM_SIM_PROPERTY_PATH;

/** Runs with a trace listener feeding both the JSONL lines and the checks; `lineMismatches`: lines written directly
 *  (produce events) that differ from the trace object's JSON. */
function tracedRun(s: Scenario) {
  const suite = new CheckSuite(limitsOf(s));
  const lines: string[] = [];
  const lineMismatches: string[] = [];
  const { report } = simulate(s, {
    trace: (ctx) => (e) => {
      const line = traceLine(e, ctx);
      lines.push(line);
      if (e.type === "produce" && lineMismatches.length < 3 && line !== JSON.stringify(traceObject(e, ctx))) lineMismatches.push(line);
      suite.listener(e);
    },
  });
  return { report, json: renderJson(report), trace: lines.join("\n"), checks: suite.finish(report), lineMismatches };
}

/** Parse the YAML, or throw with every problem. */
function parse(yaml: string): Scenario {
  const r = parseScenario(yaml, "property.yaml");
  if (!r.ok) throw new Error(`the generator made a scenario the loader refuses:\n${r.errors.map(formatProblem).join("\n")}`);
  return r.scenario;
}

/** Run `body` on the scenario's YAML; on failure, rethrow with the YAML so it can be saved and replayed. */
function withYaml(doc: Record<string, unknown>, body: (yaml: string) => void): void {
  const yaml = toYaml(doc);
  try {
    body(yaml);
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Error(`${msg}\n--- scenario (save as s.yaml; esm-sim run s.yaml --check) ---\n${yaml}---`);
  }
}

const params = { numRuns: PROPERTY_RUNS, seed: SEED, path: PATH, endOnFailure: true };
/** Generous: a hang shows up as a timeout, a slow machine does not. */
const TIMEOUT_MS = 60_000 + PROPERTY_RUNS * 1000;

describe(`properties over ${PROPERTY_RUNS} generated scenarios`, () => {
  it("every run conserves records, passes every invariant check, gives identical bytes twice and writes each produce line as its trace object's JSON", () => {
    let records = 0;
    let invocations = 0;
    fc.assert(
      fc.property(scenarioArb(), (doc) =>
        withYaml(doc, (yaml) => {
          const s = parse(yaml);
          const a = tracedRun(s);
          const b = tracedRun(parse(yaml));
          const failed = a.checks.filter((c) => c.status === "fail");
          if (failed.length > 0) throw new Error(`checks failed:\n${failed.map((c) => `${c.name}: ${c.summary}\n  ${c.examples.join("\n  ")}`).join("\n")}`);
          const r = a.report.records;
          expect(r.produced).toBe(r.succeeded + r.onFailure + r.dlq + r.expired + r.filtered + r.pending);
          if (a.json !== b.json) throw new Error("the same scenario and seed gave different report bytes");
          if (a.trace !== b.trace) throw new Error("the same scenario and seed gave different trace bytes");
          if (a.lineMismatches.length > 0) throw new Error(`produce lines that are not their trace object's JSON:\n${a.lineMismatches.join("\n")}`);
          // As run --check runs: the checks watch the run, which counts its records rather than making produce events.
          const watching = new CheckSuite(limitsOf(s));
          const watched = simulate(parse(yaml), { watch: watching.watcher }).report;
          const plain = renderJson(watched);
          if (plain !== a.json) throw new Error(`the report differs without a trace listener (digest ${JSON.parse(plain).traceDigest} vs ${a.report.traceDigest})`);
          expect(watching.finish(watched)).toEqual(a.checks);
          records += r.produced;
          invocations += a.report.invocations.total;
        }),
      ),
      params,
    );
    // A budget that ran nothing proves nothing.
    expect(records).toBeGreaterThan(0);
    expect(invocations).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("explain narrates every generated run without an error, within its line budget, and leaves the run's report as it was", () => {
    let lines = 0;
    fc.assert(
      fc.property(scenarioArb(), (doc) =>
        withYaml(doc, (yaml) => {
          const told: string[] = [];
          const narrated = explain(parse(yaml), { width: 100 }, (l) => told.push(l));
          const plain = renderJson(simulate(parse(yaml)).report);
          if (renderJson(narrated.report) !== plain) throw new Error("explain's run gave another report than a plain run");
          // The narration stops at maxLines (400) and says so; header and footer come on top.
          if (told.length > 500) throw new Error(`explain printed ${told.length} lines`);
          for (const l of told) if (l.includes("undefined") || l.includes("NaN")) throw new Error(`a narration line with a missing value: ${l}`);
          lines += told.length;
        }),
      ),
      { ...params, numRuns: Math.max(10, Math.round(PROPERTY_RUNS / 3)) },
    );
    expect(lines).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("a different seed changes the trace digest of a scenario with random draws", () => {
    // Poisson arrivals draw from the seed, so two seeds give two different traces.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const yaml = `name: d\nsource: { type: sqs }\ntraffic: [{ rate: 5/s, arrival: poisson, to: 20s, keys: 3 }]\n`;
        const digest = (seed: number) => simulate({ ...parse(yaml), seed }).report.traceDigest;
        const d1 = digest(seed);
        const d2 = digest(seed + 1);
        expect(d1).toMatch(/^[0-9a-f]{16}$/);
        expect(d1).not.toBe(d2);
      }),
      { numRuns: 10, seed: SEED },
    );
  });
});
