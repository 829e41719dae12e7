/**
 * Programmatic API: `simulate(loadScenario("s.yaml")).report` is the same typed report the CLI prints.
 *
 *   import { loadScenario, simulate } from "esm-sim";
 *   const { report } = simulate(loadScenario("scenarios/sqs-backlog-burst.yaml", { set: { "mapping.BatchSize": 5 } }));
 *   expect(report.records.dlq).toBe(0);
 */
export { loadScenario, type LoadOptions } from "./api.js";
export { parseScenario, type ParseOptions, type ParseResult } from "./scenario/parse.js";
export { ScenarioError, formatProblem, type Problem } from "./scenario/problems.js";
export type { Scenario } from "./scenario/model.js";
export { simulate } from "./run/simulate.js";
export type { SimulateOptions, Progress, TraceContext } from "./run/options.js";
export type { TraceEvent, TraceListener, SimRecord } from "./trace/events.js";
export type { Report, RunResult, ExpectationResult, TimelineView, TimelineEntry, CheckOutcome } from "./run/result.js";
export { CheckSuite, checkTrace, limitsOf, type CheckLimits } from "./checks/index.js";
export { renderJson } from "./report/json.js";
export { renderTable } from "./report/table.js";
export { renderMarkdown } from "./report/markdown.js";
export { renderHtml } from "./report/html.js";
export { scenarioJsonSchema } from "./scenario/json-schema.js";
export { PROFILES } from "./esm/profiles.js";
export { parseFilterCriteria, filterView, preparePayload, type CompiledFilter, type FilterSource } from "./filter/filter-pattern.js";
export { METRIC_PATHS } from "./metrics/paths.js";
export { REPORT_SCHEMA_VERSION, VERSION } from "./run/version.js";
export { scenariosFromTemplate, parseOverlay, type FromTemplateOptions, type FromTemplateResult } from "./template/index.js";
export { renderStarter } from "./template/starter.js";
