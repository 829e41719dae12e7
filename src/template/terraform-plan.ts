/**
 * The JSON that `terraform show -json` prints for a saved plan or for the state: the resources of
 * `planned_values.root_module` (a plan) or `values.root_module` (a state) and of their `child_modules`, read into
 * TfResource values for terraform.ts. In a plan, a value known only after apply (`after_unknown` in
 * `resource_changes`, such as the ARN of a queue not created yet) is found by following the `references` of its
 * expression in the plan's `configuration`: through the module's input variables (the calling module's
 * `module_calls.<name>.expressions`) and other modules' outputs, to the resource it names.
 *
 * Source: https://developer.hashicorp.com/terraform/internals/json-format (the plan, state, values, configuration
 * and change representations; an unsupported major `format_version` is to be rejected).
 * Not handled: `local.` values in references (the configuration does not describe locals), module calls with
 * count or for_each in references, `resource_drift`.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { show } from "../scenario/show.js";
import type { Position } from "./load.js";
import { Synth, Unknown, type Imported } from "./synth.js";
import { importResources, Link, TF_TYPES, type TerraformImportOptions, type TfResource } from "./terraform.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const DOCS = "https://developer.hashicorp.com/terraform/internals/json-format";
/** How far references are followed through variables and outputs before esm-sim gives up. */
const MAX_HOPS = 20;

export function terraformPlanImport(root: Obj, positions: ReadonlyMap<string, Position>, file: string, options: TerraformImportOptions = {}): Imported {
  const fail = (path: Path, message: string): Imported => {
    const p = positions.get(path.map(String).join("\u001f")) ?? { line: 1, col: 1 };
    return { ok: false, errors: [{ severity: "error", file, line: p.line, col: p.col, path: path.join("."), message }], warnings: [] };
  };
  const version = root.format_version;
  if (typeof version !== "string" || !/^[01]\.\d+$/.test(version)) return fail(["format_version"], `format_version ${show(version)}: esm-sim reads the 0.x and 1.x versions of Terraform's JSON output (${DOCS})`);
  const plan = "planned_values" in root;
  const key = plan ? "planned_values" : "values";
  const values = root[key];
  if (!isObj(values) || !isObj(values.root_module)) return fail([key], `${key} has no root_module: the ${plan ? "plan" : "state"} holds no resources`);
  for (const [k] of options.parameters ?? []) {
    if (!k.startsWith("AWS::")) return fail([], `--parameter ${k}: a ${plan ? "plan" : "state"} has its variables resolved already; only AWS::Region, AWS::AccountId and AWS::Partition may be given`);
  }
  const reader = new PlanReader(root, plan);
  reader.module(values.root_module, [key, "root_module"], 0);
  const synth = new Synth(file, positions);
  const kind = plan ? "plan" : "state";
  return importResources(reader.resources, synth, `no event source mapping esm-sim can simulate: it looks for ${kind === "plan" ? "planned " : ""}aws_lambda_event_source_mapping resources in the ${kind}'s root module and child modules`, reader.problems, options);
}

/** A module of the configuration, and how it was called (for its input variables). */
interface ModuleConfig {
  config: Obj;
  /** The absolute address prefix of its resources: "" or "module.orders.". */
  prefix: string;
  parent: ModuleConfig | null;
  /** The `module_calls` entry that calls it, in the parent. */
  call: Obj | null;
}

/** A resource's configuration, its module, and where it is in the JSON. */
interface ResourceConfig {
  resource: Obj;
  module: ModuleConfig;
  raw: Path;
}

class PlanReader {
  readonly resources: TfResource[] = [];
  readonly problems: Problem[] = [];
  private readonly changes = new Map<string, Obj>();

  constructor(
    private readonly root: Obj,
    private readonly plan: boolean,
  ) {
    const changes = Array.isArray(root.resource_changes) ? root.resource_changes : [];
    for (const c of changes) if (isObj(c) && typeof c.address === "string" && isObj(c.change)) this.changes.set(c.address, c.change);
  }

  /** The resources of a values-representation module and of its child modules. */
  module(m: unknown, raw: Path, depth: number): void {
    if (!isObj(m) || depth > 50) return;
    const resources = Array.isArray(m.resources) ? m.resources : [];
    resources.forEach((r, i) => this.resource(r, [...raw, "resources", i]));
    const children = Array.isArray(m.child_modules) ? m.child_modules : [];
    children.forEach((c, i) => this.module(c, [...raw, "child_modules", i], depth + 1));
  }

  private resource(r: unknown, raw: Path): void {
    if (!isObj(r) || typeof r.address !== "string" || typeof r.type !== "string") return;
    const mode = r.mode === "data" ? "data" : "managed";
    if (mode === "managed" && !TF_TYPES.includes(r.type)) return;
    const address = r.address;
    const values = isObj(r.values) ? structuredClone(r.values) : {};
    const config = this.plan ? this.configOf(address) : null;
    if (this.plan) this.fillUnknown(address, values, config);
    const expressions = config && isObj(config.resource.expressions) ? config.resource.expressions : null;
    const source = (path: Path) => {
      // A value known only after apply is shown where the configuration says what it is.
      if (config && isUnknownIn(values, path)) return { path: [address, ...path], at: [...config.raw, "expressions", ...path] };
      const unset = expressions && path.length > 0 && !(String(path[0]) in expressions);
      return { path: [address, ...path], at: [...raw, "values", ...path], via: unset ? "not set in the configuration: the provider's default or AWS's" : undefined };
    };
    this.resources.push({ address, type: r.type, mode, values, source });
  }

  /** Replace each value known only after apply by what the configuration's references say it is. */
  private fillUnknown(address: string, values: Obj, config: ResourceConfig | null): void {
    const change = this.changes.get(address);
    const unknown = change && isObj(change.after_unknown) ? change.after_unknown : {};
    for (const path of leaves(unknown)) {
      // Without an expression the value is computed by the provider or AWS (an ARN, an unset attribute's
      // default): it stays absent, as for a template that does not set it.
      const expr = config ? expressionAt(config.resource.expressions, path) : null;
      if (!expr || !config) continue;
      setAt(values, path, JSON_DOCUMENTS.includes(String(path[path.length - 1])) ? document(expr) : this.follow(expr, config.module, 0, addressIndex(address)));
    }
  }

  /** What an expression designates: its constant, or the resource attribute its references lead to. */
  private follow(expr: Obj, m: ModuleConfig, hops: number, index: string): unknown {
    if ("constant_value" in expr) return expr.constant_value;
    const refs = Array.isArray(expr.references) ? expr.references.filter((x): x is string => typeof x === "string") : [];
    if (hops > MAX_HOPS) return new Unknown(`its references go through more than ${MAX_HOPS} variables and outputs`);
    const ref = refs[0];
    if (ref === undefined) return new Unknown("known only after apply, from an expression without references");
    const steps = splitAddress(ref);
    if (steps[0] === "var") return this.variable(steps[1], m, hops, index, ref);
    if (steps[0] === "module") return this.output(steps[1], steps[2], m, hops, index, ref);
    if (steps[0] === "data" && steps.length >= 4) return new Link(`${m.prefix}data.${steps[1]}.${steps[2]}`, steps[3]);
    if (steps.length >= 3 && steps[0].includes("_")) return this.resourceLink(`${m.prefix}${steps[0]}.${steps[1]}`, steps[2], index);
    return new Unknown(`known only after apply: it comes from ${ref}, which the plan's configuration does not describe`);
  }

  /** `var.x` inside a module: the calling module's argument for x. */
  private variable(name: string, m: ModuleConfig, hops: number, index: string, ref: string): unknown {
    const arg = m.call && isObj(m.call.expressions) ? m.call.expressions[name] : undefined;
    if (!m.parent || !isObj(arg)) return new Unknown(`known only after apply: it comes from ${ref}, which the plan does not resolve`);
    return this.follow(arg, m.parent, hops + 1, index);
  }

  /** `module.x.out`: the child module's output expression, in the child. */
  private output(call: string | undefined, out: string | undefined, m: ModuleConfig, hops: number, index: string, ref: string): unknown {
    const calls = isObj(m.config.module_calls) ? m.config.module_calls : {};
    const c = call !== undefined ? calls[stripIndex(call)] : undefined;
    const child = isObj(c) && isObj(c.module) ? c.module : null;
    const outputs = child && isObj(child.outputs) ? child.outputs : {};
    const o = out !== undefined ? outputs[out] : undefined;
    if (!isObj(c) || !child || !isObj(o) || !isObj(o.expression)) return new Unknown(`known only after apply: it comes from ${ref}, an output the plan's configuration does not describe`);
    return this.follow(o.expression, { config: child, prefix: `${m.prefix}module.${call}.`, parent: m, call: c }, hops + 1, index);
  }

  /** A Link to a resource instance: the address itself, the instance with the same index, or the only instance. */
  private resourceLink(base: string, attribute: string, index: string): unknown {
    const known = (a: string) => this.resources.some((r) => r.address === a) || this.planned(a);
    if (known(base)) return new Link(base, attribute);
    if (index && known(`${base}${index}`)) return new Link(`${base}${index}`, attribute);
    const instances = [...this.changes.keys()].filter((a) => a.startsWith(`${base}[`));
    if (instances.length === 1) return new Link(instances[0], attribute);
    return new Unknown(`known only after apply: it is ${base}.${attribute}, ${instances.length ? "one of several instances" : "a resource the plan does not hold"}`);
  }

  private planned(address: string): boolean {
    const c = this.changes.get(address);
    return !!c && Array.isArray(c.actions) && !(c.actions.length === 1 && c.actions[0] === "delete");
  }

  /** The configuration of a resource, and of the module it is in (plans only). */
  private configOf(address: string): ResourceConfig | null {
    const configuration = this.root.configuration;
    if (!isObj(configuration) || !isObj(configuration.root_module)) return null;
    let m: ModuleConfig = { config: configuration.root_module, prefix: "", parent: null, call: null };
    let raw: Path = ["configuration", "root_module"];
    const steps = splitAddress(address);
    let i = 0;
    for (; steps[i] === "module" && i + 1 < steps.length; i += 2) {
      const calls = isObj(m.config.module_calls) ? m.config.module_calls : {};
      const call = calls[stripIndex(steps[i + 1])];
      if (!isObj(call) || !isObj(call.module)) return null;
      m = { config: call.module, prefix: `${m.prefix}module.${steps[i + 1]}.`, parent: m, call };
      raw = [...raw, "module_calls", stripIndex(steps[i + 1]), "module"];
    }
    const local = steps.slice(i).map(stripIndex).join(".");
    const resources = Array.isArray(m.config.resources) ? m.config.resources : [];
    const index = resources.findIndex((r) => isObj(r) && r.address === local);
    return index >= 0 ? { resource: resources[index] as Obj, module: m, raw: [...raw, "resources", index] } : null;
  }
}

/** `module.a[0].aws_sqs_queue.q["x"]` -> ["module", "a[0]", "aws_sqs_queue", 'q["x"]']: dots outside brackets. */
export function splitAddress(address: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "." && depth === 0) {
      out.push(address.slice(start, i));
      start = i + 1;
    }
  }
  out.push(address.slice(start));
  return out;
}

/** Attributes that hold a JSON document (jsonencode of a map): their references are parts of it, not the value. */
const JSON_DOCUMENTS = ["redrive_policy", "pattern"];

/** A JSON document known only after apply: what it is built from, for the comment. */
function document(expr: Obj): Unknown {
  const refs = Array.isArray(expr.references) ? expr.references.filter((r): r is string => typeof r === "string") : [];
  const own = refs.filter((r) => !refs.some((o) => o !== r && o.startsWith(`${r}.`)));
  return new Unknown(`known only after apply: it is built from ${own.join(", ") || "values"} (a resource this plan creates); the state after apply, or the .tf files, hold it`);
}

const stripIndex = (step: string) => step.replace(/\[.*\]$/s, "");
/** The instance key of an address's last step (`[0]`, `["eu"]`), or "". */
const addressIndex = (address: string) => /(\[[^\]]*\])$/.exec(splitAddress(address).pop() ?? "")?.[1] ?? "";

/** The paths of the `true` leaves of an after_unknown value. */
function leaves(v: unknown, path: Path = []): Path[] {
  if (v === true) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [];
}

/** The expression at an attribute path of a block expressions representation (nested blocks are lists). */
function expressionAt(expressions: unknown, path: Path): Obj | null {
  let v = expressions;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isObj(v)) v = v[String(seg)];
    else return null;
  }
  return isObj(v) && ("references" in v || "constant_value" in v) ? v : null;
}

function setAt(values: Obj, path: Path, v: unknown): void {
  let holder: unknown = values;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    const next = Array.isArray(holder) ? holder[seg as number] : isObj(holder) ? holder[String(seg)] : undefined;
    if (next === undefined || next === null) {
      const fresh = typeof path[i + 1] === "number" ? [] : {};
      if (Array.isArray(holder)) holder[seg as number] = fresh;
      else if (isObj(holder)) holder[String(seg)] = fresh;
      holder = fresh;
    } else holder = next;
  }
  const last = path[path.length - 1];
  if (Array.isArray(holder)) holder[last as number] = v;
  else if (isObj(holder)) holder[String(last)] = v;
}

function isUnknownIn(values: Obj, path: Path): boolean {
  let v: unknown = values;
  for (const seg of path) v = Array.isArray(v) ? v[seg as number] : isObj(v) ? v[String(seg)] : undefined;
  return v instanceof Unknown || v instanceof Link;
}
