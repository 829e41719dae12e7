/**
 * Scenarios from CloudFormation, SAM and CDK templates: load, discover the event source mappings, draft and write a
 * scenario for each (or for the one asked for). No file system here; the CLI reads and writes the files.
 * Terraform (plan and state JSON, `.tf` files) and serverless.yml go through the same path: their importers
 * (terraform-plan.ts, terraform-config.ts, serverless.ts) draft through discover() too (synth.ts).
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import type { NamedFile } from "../io/input.js";
import { discover, type Discovery } from "./discover.js";
import type { Draft, Origin } from "./draft.js";
import { loadDocument, positionOf, showTemplatePath, templateOf, type Template } from "./load.js";
import { overlayPosition, type Overlay } from "./overlay.js";
import { serverlessImport } from "./serverless.js";
import type { Imported } from "./synth.js";
import { terraformConfigImport, type TerraformFile } from "./terraform-config.js";
import { terraformPlanImport } from "./terraform-plan.js";
import { renderDraft, type Rendered } from "./write.js";

export { parseOverlay, type Overlay } from "./overlay.js";
export type { Rendered } from "./write.js";
export type { TerraformFile } from "./terraform-config.js";
export { hclParseProblems } from "./terraform-config.js";

export interface FromTemplateOptions {
  parameters?: ReadonlyMap<string, string>;
  /** A logical id (or SAM `Function.Event`, or CDK construct path) to select one mapping. */
  resource?: string;
  overlay?: Overlay | null;
  /** The command line that writes these scenarios, recorded in their intro comment. */
  command?: string;
  /** The name each scenario's problems carry (its output file); default `<id>.yaml`. */
  fileNameFor?: (id: string) => string;
  /** A line for a scenario's intro comment about its file name (init: when it is not the id as written). */
  fileNoteFor?: (id: string) => string | null;
  /** init --metrics: the CloudWatch export each scenario replays, as that scenario names it, and as given. */
  metricsFor?: (id: string) => { file: string; given: string };
  /** The files the scenarios name (exports), read by the CLI, for checking the written scenarios. */
  files?: ReadonlyMap<string, NamedFile>;
}

export type FromTemplateResult =
  | {
      ok: true;
      template: Template;
      scenarios: Rendered[];
      drafts: Draft[];
      warnings: Problem[];
      /** Mappings left out (another source, a false Condition), and why; none when one was chosen with --resource. */
      skipped: { id: string; reason: string }[];
    }
  | { ok: false; errors: Problem[]; warnings: Problem[]; listing: string | null };

export function scenariosFromTemplate(text: string, templateFile: string, options: FromTemplateOptions = {}): FromTemplateResult {
  const doc = loadDocument(text, templateFile);
  if (!doc.ok) return { ok: false, errors: doc.errors, warnings: [], listing: null };
  const format = formatOf(doc.root);
  if (format === "terraform") return fromImported(terraformPlanImport(doc.root as Record<string, unknown>, doc.positions, templateFile, options), templateFile, options);
  if (format === "serverless") return fromImported(serverlessImport(doc.root as Record<string, unknown>, doc.positions, templateFile, options), templateFile, options);
  const loaded = templateOf(doc.root, doc.positions, templateFile);
  if (!loaded.ok) return { ok: false, errors: loaded.errors, warnings: [], listing: null };
  const t = loaded.template;
  const found = discover(t, { parameters: options.parameters });
  return fromImported({ ok: true, template: t, found, nothing: CLOUDFORMATION_NOTHING }, templateFile, options);
}

/**
 * Scenarios from Terraform `.tf` files, each given as the JSON that hcl2json (npm @cdktn/hcl2json) makes of it (see
 * template/terraform-config.ts); `dir` names the root module's directory in descriptions and messages.
 */
export function scenariosFromTerraformConfig(files: readonly TerraformFile[], dir: string, options: FromTemplateOptions = {}): FromTemplateResult {
  return fromImported(terraformConfigImport(files, dir, options), dir, options);
}

const CLOUDFORMATION_NOTHING = "no event source mapping esm-sim can simulate: it looks for AWS::Lambda::EventSourceMapping resources and AWS::Serverless::Function events of type SQS, Kinesis and DynamoDB";

/**
 * Which format a loaded file is in: Terraform's JSON (`terraform show -json` of a plan or a state: format_version
 * with planned_values or values), a serverless.yml (service and functions), or else a CloudFormation template.
 */
export function formatOf(root: unknown): "terraform" | "serverless" | "cloudformation" {
  if (typeof root !== "object" || root === null || Array.isArray(root)) return "cloudformation";
  if ("format_version" in root && ("planned_values" in root || "values" in root)) return "terraform";
  if ("service" in root && "functions" in root && !("Resources" in root)) return "serverless";
  return "cloudformation";
}

/** The mappings an importer found, selected (--resource) and written. */
function fromImported(imported: Imported, templateFile: string, options: FromTemplateOptions): FromTemplateResult {
  if (!imported.ok) return { ok: false, errors: imported.errors, warnings: imported.warnings, listing: null };
  const { template: t, found } = imported;
  if (found.errors.length > 0) return { ok: false, errors: found.errors, warnings: found.warnings, listing: null };

  let selected: Draft[];
  if (options.resource !== undefined) {
    const name = options.resource;
    const draft = found.drafts.find((d) => d.id === name) ?? found.drafts.find((d) => d.aliases.includes(name));
    if (!draft) {
      const skip = found.skipped.find((s) => s.id === name || s.aliases.includes(name));
      const listing = listMappings(found, templateFile);
      const p = positionOf(t, skip ? skip.anchor : []);
      const message = skip ? `--resource ${name}: esm-sim cannot simulate it: ${skip.reason}` : `--resource ${name}: no event source mapping of that name in the template`;
      return { ok: false, errors: [{ severity: "error", file: templateFile, line: p.line, col: p.col, path: skip ? showTemplatePath(skip.anchor) : "", message }], warnings: [], listing };
    }
    selected = [draft];
  } else {
    selected = found.drafts;
    if (selected.length === 0) {
      return {
        ok: false,
        errors: [{ severity: "error", file: templateFile, line: 1, col: 1, path: "", message: imported.nothing }],
        warnings: [],
        listing: found.skipped.length ? listMappings(found, templateFile) : null,
      };
    }
  }

  const errors = selected.flatMap((d) => d.errors);
  const warnings = [...found.warnings, ...selected.flatMap((d) => d.warnings)];
  if (errors.length > 0) return { ok: false, errors, warnings, listing: null };
  const fileNameFor = options.fileNameFor ?? ((id: string) => `${id}.yaml`);
  const command = options.command ?? `esm-sim init --from ${templateFile}`;
  const scenarios = selected.map((d) => renderDraft(d, { templateFile, fileName: fileNameFor(d.id), fileNote: options.fileNoteFor?.(d.id) ?? undefined, overlay: options.overlay, command, metrics: options.metricsFor?.(d.id), files: options.files }));
  const skipped = options.resource === undefined ? found.skipped.map((s) => ({ id: s.id, reason: s.reason })) : [];
  return { ok: true, template: t, scenarios, drafts: selected, warnings, skipped };
}

/** The mappings a template holds, one a line, for `--resource` errors. */
export function listMappings(found: Pick<Discovery, "drafts" | "skipped">, templateFile: string): string {
  const lines = [`event source mappings in ${templateFile}:`];
  for (const d of found.drafts) lines.push(`  ${d.id}${d.aliases.length ? ` (also: ${d.aliases.join(", ")})` : ""}: ${d.summary.slice(d.summary.indexOf(": ") + 2)}`);
  for (const s of found.skipped) lines.push(`  ${s.id}: skipped, ${s.reason}`);
  if (found.drafts.length + found.skipped.length === 0) lines.push("  (none)");
  return lines.join("\n");
}

/**
 * A problem found in a generated scenario, moved to where its value came from: the template (for AWS settings),
 * the --traffic file (for traffic and behaviour), or the mapping itself (for AWS defaults). For `run --template`,
 * where no scenario file exists to point at.
 */
export function relocate(p: Problem, r: Rendered, t: Template, draft: Draft, overlay: Overlay | null | undefined): Problem {
  const origin = originFor(r.origins, p.path);
  if (!origin) {
    const pos = positionOf(t, draft.anchor);
    return { ...p, file: t.file, line: pos.line, col: pos.col, path: p.path ? `${p.path} (${draft.id})` : draft.id };
  }
  if (origin.origin.kind === "overlay" && overlay) {
    const scenarioPath = parsePath(p.path);
    const pos = overlayPosition(overlay, scenarioPath);
    return { ...p, file: overlay.file, line: pos.line, col: pos.col };
  }
  const o = origin.origin;
  const tpath: Path | undefined = o.kind === "template" || o.kind === "unresolved" ? o.path : o.kind === "choice" || o.kind === "note" ? o.path : undefined;
  const pos = positionOf(t, tpath && tpath.length ? tpath : draft.anchor);
  const where = tpath && tpath.length ? `from ${showTemplatePath(tpath)}` : o.kind === "default" ? `AWS default, ${draft.id}` : draft.id;
  return { ...p, file: t.file, line: pos.line, col: pos.col, path: `${p.path} (${where})` };
}

function originFor(origins: Map<string, Origin>, path: string): { path: string; origin: Origin } | null {
  let best: { path: string; origin: Origin } | null = null;
  for (const [k, o] of origins) {
    if ((path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`)) && (!best || k.length > best.path.length)) best = { path: k, origin: o };
  }
  return best;
}

/** `traffic[1].rate` -> ["traffic", 1, "rate"]. */
function parsePath(s: string): Path {
  const out: (string | number)[] = [];
  for (const m of s.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}
