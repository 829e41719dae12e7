/** Load a scenario from text, throwing ScenarioError with every problem when it cannot run. No file system. */
import { parseScenario, type ParseOptions } from "./parse.js";
import { ScenarioError, type Problem } from "./problems.js";
import type { Scenario } from "./model.js";

export function loadScenario(text: string, fileName = "scenario.yaml", options: ParseOptions = {}): { scenario: Scenario; warnings: Problem[] } {
  const r = parseScenario(text, fileName, options);
  if (!r.ok) throw new ScenarioError(r.errors);
  return { scenario: r.scenario, warnings: r.warnings };
}
