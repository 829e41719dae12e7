/**
 * The programmatic API's loader: `loadScenario(pathOrText)` reads a scenario file (or takes YAML text), applies
 * options such as `--set` would, and returns the validated Scenario, or throws a ScenarioError holding every
 * problem at once. `simulate(loadScenario("s.yaml")).report` is the same typed report the CLI prints.
 */
import { InputError, pathExists, readInputText, readNamedFiles } from "./io/input.js";
import { CLOUDWATCH_EXPORT_INPUT } from "./metrics/cloudwatch-export.js";
import type { Scenario } from "./scenario/model.js";
import { isOverrideProblem, parseOverride, type Override } from "./scenario/overrides.js";
import { parseScenario, scenarioFiles, SCENARIO_INPUT } from "./scenario/parse.js";
import { ScenarioError, type Problem } from "./scenario/problems.js";
import { DURATION_MAX_US, DURATION_MAX_WORDS, parseDurationUs } from "./scenario/units.js";

export interface LoadOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Overrides the scenario's `until`: seconds or a duration such as "30m". */
  until?: number | string;
  /**
   * Changes keys before validation, like `--set`: `{ "mapping.BatchSize": 500 }` or `["mapping.BatchSize=500"]`.
   * An empty value (`"mapping.ScalingConfig="`) or `undefined` removes the key.
   */
  set?: Record<string, unknown> | string[];
  /** The name problems are reported under when `pathOrText` is YAML text (default "scenario.yaml"). */
  fileName?: string;
  /** Called with each lint warning (valid scenario, but probably not what you meant). */
  onWarning?: (warning: Problem) => void;
}

/** A path when it has no line break and names an existing file or ends in .yaml/.yml; YAML text otherwise. */
function looksLikePath(s: string): boolean {
  if (s.includes("\n")) return false;
  return /\.ya?ml$/i.test(s.trim()) || pathExists(s);
}

function problem(file: string, message: string, origin?: string): Problem {
  return { severity: "error", file, line: 1, col: 1, path: "", message, ...(origin ? { origin } : {}) };
}

/**
 * Files the scenario names (a replay's CloudWatch export) are read relative to the scenario file's folder, or to
 * the current folder when the scenario is given as text.
 */
export function loadScenario(pathOrText: string, options: LoadOptions = {}): Scenario {
  let text = pathOrText;
  let file = options.fileName ?? "scenario.yaml";
  let fromFile = false;
  if (looksLikePath(pathOrText)) {
    file = pathOrText;
    fromFile = true;
    try {
      text = readInputText(pathOrText, SCENARIO_INPUT);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new ScenarioError([problem(file, e.message.slice(pathOrText.length + 2))]);
    }
  }
  const overrides: Override[] = [];
  const errors: Problem[] = [];
  const sets = Array.isArray(options.set) ? options.set : Object.entries(options.set ?? {}).map(([k, v]) => ({ path: k, value: v }));
  for (const s of sets) {
    if (typeof s === "string") {
      const o = parseOverride(s, "set");
      if (isOverrideProblem(o)) errors.push(problem(file, o.message, o.origin));
      else overrides.push(o);
    } else {
      overrides.push({ arg: `${s.path}=${JSON.stringify(s.value)}`, flag: "set", path: s.path, value: s.value });
    }
  }
  let untilUs: number | undefined;
  if (options.until !== undefined) {
    const us = parseDurationUs(options.until);
    if (us === null || us === 0) errors.push(problem(file, `until: must be a positive duration such as 30m, 2h or 90s (got ${JSON.stringify(options.until)})`, "options"));
    else if (us > DURATION_MAX_US) errors.push(problem(file, `until: must be at most ${DURATION_MAX_WORDS} (got ${JSON.stringify(options.until)})`, "options"));
    else untilUs = us;
  }
  if (errors.length > 0) throw new ScenarioError(errors);
  const files = readNamedFiles(scenarioFiles(text, overrides), fromFile ? file : null, CLOUDWATCH_EXPORT_INPUT);
  const r = parseScenario(text, file, { seed: options.seed, untilUs, overrides, files });
  for (const w of r.warnings) options.onWarning?.(w);
  if (!r.ok) throw new ScenarioError(r.errors);
  return r.scenario;
}
