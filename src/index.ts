/** Programmatic API: `simulate(loadScenario(text).scenario).report` is the same report the CLI prints. */
export { loadScenario } from "./scenario/load.js";
export { parseScenario } from "./scenario/parse.js";
export { ScenarioError, formatProblem, type Problem } from "./scenario/problems.js";
export type { Scenario } from "./scenario/model.js";
export { simulate, type SimulateOptions } from "./run/simulate.js";
export type { Report, RunResult, ExpectationResult } from "./run/result.js";
export { renderJson } from "./report/json.js";
export { renderTable } from "./report/table.js";
export { PROFILES } from "./esm/profiles.js";
export { parseFilterCriteria, filterView, preparePayload, type CompiledFilter, type FilterSource } from "./esm/filter-pattern.js";
export { VERSION } from "./run/version.js";
export { scenariosFromTemplate, parseOverlay, type FromTemplateOptions, type FromTemplateResult } from "./template/index.js";
export { renderStarter } from "./template/starter.js";
