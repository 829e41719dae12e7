import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseScenario } from "../src/scenario/parse.js";
import type { Scenario } from "../src/scenario/model.js";
import { simulate } from "../src/run/simulate.js";
import { traceLine } from "../src/report/trace-jsonl.js";
import type { TraceEvent } from "../src/trace/events.js";

export function scenarioFrom(yaml: string, file = "test.yaml"): Scenario {
  const r = parseScenario(yaml, file);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.scenario;
}

/** Run a scenario and collect its trace events and JSONL lines. */
export function runWithTrace(s: Scenario) {
  const events: TraceEvent[] = [];
  const lines: string[] = [];
  const result = simulate(s, {
    trace: (ctx) => (e) => {
      events.push(e);
      lines.push(traceLine(e, ctx));
    },
  });
  return { report: result.report, events, lines };
}

export const SCENARIO_DIR = join(__dirname, "..", "scenarios");
export function shippedScenarios(): { file: string; text: string }[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ file: join("scenarios", f), text: readFileSync(join(SCENARIO_DIR, f), "utf8") }));
}
