/**
 * Reading a CloudFormation, SAM or CDK template and its --traffic file for `esm-sim init --from` and
 * `esm-sim run --template`: the files, the --parameter values, and the lines printed for their problems. The logic
 * lives in src/template; this module only does files and output.
 */
import { parseScenario, type ParseResult } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { MAX_TEMPLATE_BYTES } from "../template/load.js";
import { parseOverlay, relocate, scenariosFromTemplate, type FromTemplateResult, type Overlay } from "../template/index.js";
import type { Io } from "./context.js";
import { readTextFile, UsageError } from "./files.js";

export const TEMPLATE_FILE = { what: "template", plural: "templates", format: "a template is a YAML or JSON file", maxBytes: MAX_TEMPLATE_BYTES };
const TRAFFIC_FILE = { what: "traffic", plural: "traffic files", format: "a traffic file is a YAML file", maxBytes: 1024 * 1024 };

/** `--parameter Key=Value` options to a map; pseudo parameters (AWS::Region=...) are allowed. */
export function parseParameters(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--parameter: must be Key=Value (got ${JSON.stringify(item)})`);
    const k = item.slice(0, eq).trim();
    if (out.has(k)) throw new UsageError(`--parameter: ${k} is given twice`);
    out.set(k, item.slice(eq + 1));
  }
  return out;
}

/** The --traffic file read as an overlay; null without one; "failed" (its problems printed) when it has problems. */
export function readOverlay(file: string | undefined, io: Io): Overlay | null | "failed" {
  if (file === undefined) return null;
  const r = parseOverlay(readTextFile(file, TRAFFIC_FILE), file);
  if (!r.ok) {
    for (const p of r.errors) io.err(formatProblem(p) + "\n");
    io.err(`${r.errors.length} problem${r.errors.length > 1 ? "s" : ""} found in the traffic file\n`);
    return "failed";
  }
  return r.overlay;
}

/** Print warnings, each line once (`seen` carries the lines already printed). */
export function printWarningsOnce(io: Io, warnings: Problem[], seen = new Set<string>()): void {
  for (const w of warnings) {
    const line = formatProblem(w);
    if (seen.has(line)) continue;
    seen.add(line);
    io.err(line + "\n");
  }
}

/** A template that gave no scenario: its warnings, its errors, and the list of its mappings when there is one. */
export function printTemplateFailure(io: Io, r: Extract<FromTemplateResult, { ok: false }>): void {
  printWarningsOnce(io, r.warnings);
  for (const e of r.errors) io.err(formatProblem(e) + "\n");
  if (r.listing) io.err(r.listing + "\n");
}

export interface TemplateRunOpts {
  template: string;
  traffic?: string;
  resource?: string;
  parameter: string[];
  seed?: number;
  untilUs?: number;
}

/** `run --template`: the scenario to run, or an exit code when it cannot run. */
export function scenarioFromTemplateForRun(opts: TemplateRunOpts, io: Io): { parse: Extract<ParseResult, { ok: true }>; id: string } | number {
  if (opts.traffic === undefined) throw new UsageError("run --template: needs --traffic FILE (the template says nothing about traffic; `esm-sim init --from` writes a scenario with a placeholder instead)");
  const parameters = parseParameters(opts.parameter);
  const text = readTextFile(opts.template, TEMPLATE_FILE);
  const overlay = readOverlay(opts.traffic, io);
  if (overlay === "failed") return 2;
  const r = scenariosFromTemplate(text, opts.template, { parameters, resource: opts.resource, overlay, fileNameFor: (id) => `${opts.template}#${id}` });
  if (!r.ok) {
    printTemplateFailure(io, r);
    return 2;
  }
  if (r.scenarios.length > 1) {
    io.err(`esm-sim: run --template: ${opts.template} has ${r.scenarios.length} event source mappings; name one with --resource\n`);
    io.err(r.drafts.map((d) => `  ${d.summary}`).join("\n") + "\n");
    return 2;
  }
  const rendered = r.scenarios[0];
  const toTemplate = (p: Problem) => relocate(p, rendered, r.template, r.drafts[0], overlay);
  const parse = parseScenario(rendered.text, `${opts.template}#${rendered.id}`, { seed: opts.seed, untilUs: opts.untilUs });
  const seen = new Set<string>();
  printWarningsOnce(io, r.warnings, seen);
  printWarningsOnce(io, parse.warnings.map(toTemplate), seen);
  if (!parse.ok) {
    const errors = parse.errors.map(toTemplate);
    for (const e of errors) io.err(formatProblem(e) + "\n");
    io.err(`${errors.length} problem${errors.length > 1 ? "s" : ""} found; nothing was run\n`);
    return 2;
  }
  return { parse, id: rendered.id };
}
