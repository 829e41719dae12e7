/**
 * Reading a template and its --traffic file for `esm-sim init --from` and `esm-sim run --template`: a
 * CloudFormation, SAM or CDK template, a Terraform plan or state (`terraform show -json`), a serverless.yml, or a
 * Terraform configuration (a folder of .tf files, or one .tf file for its folder); the --parameter values; and the
 * lines printed for their problems. The logic lives in src/template; this module only does files and output.
 */
import { dirname, join } from "node:path";
import { parseScenario, type ParseOptions, type ParseResult } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { MAX_TEMPLATE_BYTES } from "../template/load.js";
import { parseOverlay, relocate, scenariosFromTemplate, scenariosFromTerraformConfig, type FromTemplateOptions, type FromTemplateResult, type Overlay } from "../template/index.js";
import { hclParseProblems, type TerraformFile } from "../template/terraform-config.js";
import { InputError, isFolder, listInputFolder, readNamedFiles } from "../io/input.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { replayFiles } from "../scenario/replay.js";
import type { Io } from "./context.js";
import { readTextFile } from "./files.js";
import { UsageError } from "./usage-error.js";

export const TEMPLATE_FILE = { what: "template", plural: "templates", format: "a template is a YAML or JSON file", maxBytes: MAX_TEMPLATE_BYTES };
/** A Terraform configuration: its .tf and .tfvars files, 1,000 at most, together no larger than one template. */
const TERRAFORM_FOLDER = { what: "Terraform", plural: "Terraform configurations", format: "a Terraform file is HCL text", maxBytes: MAX_TEMPLATE_BYTES, endings: [".tf", ".tfvars"], maxFiles: 1000 };
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

/** A Terraform configuration is named by its folder or by one of its .tf files. */
function isTerraformConfig(path: string): boolean {
  return isFolder(path) || path.endsWith(".tf");
}

/** A template read from its file or folder (read now, so that its file problems come first), ready to give its
 *  scenarios once the options are known. */
export type ReadTemplate = (options: FromTemplateOptions) => Promise<FromTemplateResult>;

/** Read a template of any kind esm-sim takes. HCL is parsed by HashiCorp's HCL-to-JSON package, loaded only when a
 *  Terraform configuration is read. */
export function readTemplate(path: string): ReadTemplate {
  if (!isTerraformConfig(path)) {
    const text = readTextFile(path, TEMPLATE_FILE);
    return async (options) => scenariosFromTemplate(text, path, options);
  }
  const dir = isFolder(path) ? path : dirname(path);
  const texts = readTerraformFolder(dir);
  return async (options) => {
    const { parse } = await import("@cdktn/hcl2json");
    const files: TerraformFile[] = [];
    const errors: Problem[] = [];
    for (const [name, text] of texts) {
      try {
        files.push({ name, text, json: await parse(join(dir, name), text) });
      } catch (e) {
        errors.push(...hclParseProblems(e instanceof Error ? e.message : String(e), join(dir, name)));
      }
    }
    if (errors.length > 0) return { ok: false, errors, warnings: [], listing: null };
    return scenariosFromTerraformConfig(files, dir, options);
  };
}

/** The text of every .tf and .tfvars file of a Terraform configuration, by its path within the folder. */
function readTerraformFolder(dir: string): Map<string, string> {
  let names: string[];
  try {
    names = listInputFolder(dir, TERRAFORM_FOLDER);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
  if (!names.some((n) => n.endsWith(".tf"))) throw new UsageError(`${dir}: holds no .tf file (a Terraform configuration is a folder of .tf files)`);
  return new Map(names.map((name) => [name, readTextFile(join(dir, name), TERRAFORM_FOLDER)]));
}

/** `run --template`: the scenario to run and the text, file name and options it was parsed from, or an exit code
 *  when it cannot run. `beforeParse` is told what is about to be parsed. */
export async function scenarioFromTemplateForRun(opts: TemplateRunOpts, io: Io, beforeParse?: (source: { text: string; file: string; options: ParseOptions }) => void): Promise<{ parse: Extract<ParseResult, { ok: true }>; id: string; source: { text: string; file: string; options: ParseOptions } } | number> {
  if (opts.traffic === undefined) throw new UsageError("run --template: needs --traffic FILE (the template says nothing about traffic; `esm-sim init --from` writes a scenario with a placeholder instead)");
  const parameters = parseParameters(opts.parameter);
  const template = readTemplate(opts.template);
  const overlay = readOverlay(opts.traffic, io);
  if (overlay === "failed") return 2;
  // A replay in the --traffic file names its export relative to that file's folder.
  const files = overlay === null ? undefined : readNamedFiles(replayFiles(overlay.data), opts.traffic, CLOUDWATCH_EXPORT_INPUT);
  const r = await template({ parameters, resource: opts.resource, overlay, fileNameFor: (id) => `${opts.template}#${id}`, files });
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
  const source = { text: rendered.text, file: `${opts.template}#${rendered.id}`, options: { seed: opts.seed, untilUs: opts.untilUs, files } };
  beforeParse?.(source);
  const parse = parseScenario(source.text, source.file, source.options);
  const seen = new Set<string>();
  printWarningsOnce(io, r.warnings, seen);
  printWarningsOnce(io, parse.warnings.map(toTemplate), seen);
  if (!parse.ok) {
    const errors = parse.errors.map(toTemplate);
    for (const e of errors) io.err(formatProblem(e) + "\n");
    io.err(`${errors.length} problem${errors.length > 1 ? "s" : ""} found; nothing was run\n`);
    return 2;
  }
  return { parse, id: rendered.id, source };
}
