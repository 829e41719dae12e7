/**
 * `esm-sim init` and the template half of `esm-sim run --template`: reading the template and the --traffic file,
 * writing scenarios, printing warnings and problems. The logic lives in src/template; this module only does files
 * and output.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseScenario, type ParseResult } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { SOURCE_TYPES, type SourceType } from "../scenario/params.js";
import { MAX_TEMPLATE_BYTES } from "../template/load.js";
import { parseOverlay, relocate, scenariosFromTemplate, type Overlay } from "../template/index.js";
import { renderStarter } from "../template/starter.js";
import { readTextFile, UsageError, writeFileAtomic } from "./files.js";

export interface InitIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface InitOpts {
  from?: string;
  resource?: string;
  parameter: string[];
  traffic?: string;
  outDir?: string;
  out?: string;
  force?: boolean;
}

const TEMPLATE_FILE = { what: "template", plural: "templates", format: "a template is a YAML or JSON file", maxBytes: MAX_TEMPLATE_BYTES };
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

export function readOverlay(file: string | undefined, io: InitIo): Overlay | null | "failed" {
  if (file === undefined) return null;
  const r = parseOverlay(readTextFile(file, TRAFFIC_FILE), file);
  if (!r.ok) {
    printProblems(io, r.errors, "the traffic file");
    return "failed";
  }
  return r.overlay;
}

function printProblems(io: InitIo, problems: Problem[], what: string): void {
  for (const p of problems) io.err(formatProblem(p) + "\n");
  io.err(`${problems.length} problem${problems.length > 1 ? "s" : ""} found in ${what}\n`);
}

function printWarnings(io: InitIo, warnings: Problem[], seen = new Set<string>()): void {
  for (const w of warnings) {
    const line = formatProblem(w);
    if (seen.has(line)) continue;
    seen.add(line);
    io.err(line + "\n");
  }
}

/** Errors that only say "not supported yet": the scenario is right, this version cannot run it. */
const onlyUnsupported = (r: ParseResult) => !r.ok && r.errors.every((e) => e.message.includes("not supported yet"));

/** `esm-sim init`: returns the exit code. */
export function runInit(type: string | undefined, opts: InitOpts, io: InitIo): number {
  if (type !== undefined && opts.from !== undefined) throw new UsageError(`init: give a source type (${type}) or --from TEMPLATE, not both`);
  if (type === undefined && opts.from === undefined) throw new UsageError(`init: give a source type (${SOURCE_TYPES.join(" | ")}) for a starter scenario, or --from TEMPLATE to read a CloudFormation, SAM or CDK template`);
  if (type !== undefined) {
    for (const [flag, given] of [["--resource", opts.resource], ["--traffic", opts.traffic], ["--out-dir", opts.outDir], ["--parameter", opts.parameter.length ? "x" : undefined]] as const) {
      if (given !== undefined) throw new UsageError(`init ${type}: ${flag} applies with --from TEMPLATE only`);
    }
    return initStarter(type as SourceType, opts, io);
  }
  return initFromTemplate(opts.from!, opts, io);
}

function refuseOverwrite(path: string, force: boolean | undefined): void {
  if (!force && existsSync(path)) throw new UsageError(`${path} already exists; use --force to overwrite it`);
}

function initStarter(type: SourceType, opts: InitOpts, io: InitIo): number {
  const fileName = opts.out ?? "(stdout)";
  const r = renderStarter(type, fileName);
  if (opts.out) {
    refuseOverwrite(opts.out, opts.force);
    writeFileAtomic(opts.out, r.text);
    io.out(`wrote ${opts.out}: a starter ${type} scenario\n`);
  } else {
    io.out(r.text);
  }
  return reportParse(io, r.parse);
}

/** Print a written scenario's lints and problems; the exit code (2 for problems other than "not supported yet"). */
function reportParse(io: InitIo, parse: ParseResult, seen = new Set<string>()): number {
  printWarnings(io, parse.warnings, seen);
  if (parse.ok) return 0;
  if (onlyUnsupported(parse)) {
    for (const e of parse.errors) io.err(`note: ${formatProblem({ ...e, severity: "warning" }).replace(" warning: ", " ")}\n`);
    return 0;
  }
  for (const e of parse.errors) io.err(formatProblem(e) + "\n");
  io.err(`${parse.errors.length} problem${parse.errors.length > 1 ? "s" : ""} in the written scenario: fix the template (or edit the file) before running it\n`);
  return 2;
}

function initFromTemplate(templateFile: string, opts: InitOpts, io: InitIo): number {
  const parameters = parseParameters(opts.parameter);
  const text = readTextFile(templateFile, TEMPLATE_FILE);
  const overlay = readOverlay(opts.traffic, io);
  if (overlay === "failed") return 2;
  const outDir = opts.outDir ?? ".";
  if (opts.out !== undefined && opts.outDir !== undefined) throw new UsageError("init: give --out FILE or --out-dir DIR, not both");
  const command = ["esm-sim init --from", templateFile, ...(opts.resource ? ["--resource", opts.resource] : []), ...opts.parameter.map((p) => `--parameter ${p}`), ...(opts.traffic ? ["--traffic", opts.traffic] : [])].join(" ");
  const pathFor = (id: string) => opts.out ?? join(outDir, `${id}.yaml`);
  const r = scenariosFromTemplate(text, templateFile, { parameters, resource: opts.resource, overlay, command, fileNameFor: pathFor });
  if (!r.ok) {
    printWarnings(io, r.warnings);
    for (const e of r.errors) io.err(formatProblem(e) + "\n");
    if (r.listing) io.err(r.listing + "\n");
    return 2;
  }
  if (opts.out !== undefined && r.scenarios.length > 1) {
    throw new UsageError(`init: --out takes one scenario, and ${templateFile} has ${r.scenarios.length} mappings (${r.scenarios.map((s) => s.id).join(", ")}); name one with --resource, or use --out-dir`);
  }
  if (opts.out === undefined) {
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out-dir ${outDir}: is not a directory`);
    mkdirSync(outDir, { recursive: true });
  }
  for (const s of r.scenarios) refuseOverwrite(pathFor(s.id), opts.force);
  const seen = new Set<string>();
  printWarnings(io, r.warnings, seen);
  let code = 0;
  r.scenarios.forEach((s, i) => {
    writeFileAtomic(pathFor(s.id), s.text);
    io.out(`wrote ${pathFor(s.id)}: ${r.drafts[i].summary}\n`);
    code = Math.max(code, reportParse(io, s.parse, seen));
  });
  return code;
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
export function scenarioFromTemplateForRun(opts: TemplateRunOpts, io: InitIo): { parse: Extract<ParseResult, { ok: true }>; id: string } | number {
  if (opts.traffic === undefined) throw new UsageError("run --template: needs --traffic FILE (the template says nothing about traffic; `esm-sim init --from` writes a scenario with a placeholder instead)");
  const parameters = parseParameters(opts.parameter);
  const text = readTextFile(opts.template, TEMPLATE_FILE);
  const overlay = readOverlay(opts.traffic, io);
  if (overlay === "failed") return 2;
  const r = scenariosFromTemplate(text, opts.template, { parameters, resource: opts.resource, overlay, fileNameFor: (id) => `${opts.template}#${id}` });
  if (!r.ok) {
    printWarnings(io, r.warnings);
    for (const e of r.errors) io.err(formatProblem(e) + "\n");
    if (r.listing) io.err(r.listing + "\n");
    return 2;
  }
  if (r.scenarios.length > 1) {
    io.err(`esm-sim: run --template: ${opts.template} has ${r.scenarios.length} event source mappings; name one with --resource\n`);
    io.err(r.drafts.map((d) => `  ${d.summary}`).join("\n") + "\n");
    return 2;
  }
  const rendered = r.scenarios[0];
  const draft = r.drafts[0];
  const parse = parseScenario(rendered.text, `${opts.template}#${rendered.id}`, { seed: opts.seed, untilUs: opts.untilUs });
  const seen = new Set<string>();
  printWarnings(io, r.warnings, seen);
  printWarnings(io, parse.warnings.map((w) => relocate(w, rendered, r.template, draft, overlay)), seen);
  if (!parse.ok) {
    const errors = parse.errors.map((e) => relocate(e, rendered, r.template, draft, overlay));
    for (const e of errors) io.err(formatProblem(e) + "\n");
    io.err(`${errors.length} problem${errors.length > 1 ? "s" : ""} found; nothing was run\n`);
    return 2;
  }
  return { parse, id: rendered.id };
}

export const INIT_SOURCE_TYPES = SOURCE_TYPES;
