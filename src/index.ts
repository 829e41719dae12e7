/** Programmatic API: `simulate(loadScenario(text).scenario).report` is the same report the CLI prints. */
export { loadScenario } from "./scenario/load.js";
export { parseScenario } from "./scenario/parse.js";
export { ScenarioError, formatProblem, type Problem } from "./scenario/problems.js";
export type { Scenario } from "./scenario/model.js";
export { simulate, type SimulateOptions } from "./run/simulate.js";
export type { Report, RunResult, ExpectationResult, CheckOutcome } from "./run/result.js";
export { CheckSuite, checkTrace, limitsOf, type CheckLimits } from "./checks/index.js";
export { renderJson } from "./report/json.js";
export { renderTable } from "./report/table.js";
export { PROFILES } from "./esm/profiles.js";
export { VERSION } from "./run/version.js";
