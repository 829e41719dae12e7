/**
 * Terraform `.tf` files, read as the JSON that hcl2json makes of each (HashiCorp's HCL parser compiled to
 * WebAssembly; the CLI runs it, as it is asynchronous and this layer is pure). The root module is the files at the top of the given
 * directory; `module` blocks with a local `source` inside that directory are read from their own files, those
 * outside it are refused, remote ones (the registry, git, ...) are left out with a warning. Values are resolved as far
 * as the configuration allows (terraform-hcl.ts): literals, `var.` (--parameter, then terraform.tfvars and
 * *.auto.tfvars, then the default), `local.`, module outputs, `count` and `for_each` over known values, and
 * references between resources; the rest is named in a comment and the AWS default used, as for a template.
 *
 * Sources: https://developer.hashicorp.com/terraform/language/modules/sources (local paths start with ./ or ../),
 * https://developer.hashicorp.com/terraform/language/values/variables (precedence of -var, *.auto.tfvars,
 * terraform.tfvars, defaults), https://developer.hashicorp.com/terraform/language/meta-arguments/count and
 * .../for_each (instance addresses), and the hcl2json package (npm @cdktn/hcl2json, from
 * https://github.com/open-constructs/cdk-terrain, packages/@cdktn/hcl2json): blocks as lists of maps, expressions
 * as `${...}` strings. HashiCorp's own @cdktf/hcl2json gives the same JSON, but is no longer maintained.
 * Not handled: `dynamic` blocks (named in a comment), module calls with count or for_each (read as one instance),
 * `.tf.json` files, `moved` and `import` blocks, provider aliases.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { MAX_TEMPLATE_BYTES, pathKey, type Position } from "./load.js";
import { Synth, Unknown, type Imported } from "./synth.js";
import { evaluate, step, type Scope } from "./terraform-hcl.js";
import { importResources, Link, TF_TYPES, type TerraformImportOptions, type TfResource } from "./terraform.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** One file of the configuration. */
export interface TerraformFile {
  /** Its path from the root module's directory, with `/` (`main.tf`, `modules/orders/main.tf`, `terraform.tfvars`). */
  name: string;
  /** What hcl2json's `parse(name, text)` returned for it. */
  json: unknown;
  /** Its text, for the line and column of messages. */
  text?: string;
}

/** How many files, and how many module levels, a configuration may have. */
export const MAX_TF_FILES = 1000;
const MAX_MODULE_DEPTH = 20;
const MAX_INSTANCES = 1000;
/** Attributes that a deployment gives a resource (an ARN): a reference to one is a Link. */
const COMPUTED = ["arn", "id", "url", "stream_arn", "invoke_arn", "qualified_arn", "function_name", "name"];

export function terraformConfigImport(files: readonly TerraformFile[], dir: string, options: TerraformImportOptions = {}): Imported {
  const config = new Configuration(files, dir, options.parameters ?? new Map());
  const refused = config.check();
  if (refused.length) return { ok: false, errors: refused, warnings: [] };
  config.read();
  if (config.errors.length) return { ok: false, errors: config.errors, warnings: config.warnings };
  const synth = new Synth(dir, config.positions, false);
  const parameters = new Map(options.parameters ?? []);
  const region = config.region();
  if (typeof region === "string" && !parameters.has("AWS::Region")) parameters.set("AWS::Region", region);
  return importResources(config.resources, synth, `no event source mapping esm-sim can simulate: it looks for aws_lambda_event_source_mapping resources in the .tf files of ${dir} and its local modules`, config.warnings, { ...options, parameters });
}

/**
 * Problems from an error hcl2json's parse() threw (`parse config: [main.tf:3,7-4,1: Summary; Detail.]`), each at
 * its file, line and column.
 */
export function hclParseProblems(message: string, file: string): Problem[] {
  const inner = message.replace(/^parse config: \[/, "").replace(/\]$/, "");
  const out: Problem[] = [];
  for (const m of inner.matchAll(/(\S+?):(\d+),(\d+)-[\d,]+: ([^;]+);\s*((?:(?!\S+?:\d+,\d+-[\d,]+: ).)*)/gs)) {
    out.push({ severity: "error", file: m[1], line: Number(m[2]), col: Number(m[3]), path: "", message: `not valid HCL: ${m[4]}${m[5] ? `: ${m[5].trim()}` : ""}` });
  }
  return out.length ? out : [{ severity: "error", file, line: 1, col: 1, path: "", message: `not valid HCL: ${inner.slice(0, 500)}` }];
}

/** A block of a file: its body (hcl2json: a map), the file and the block's path there. */
interface Block {
  body: Obj;
  file: TerraformFile;
  /** The block's labels, for finding its line: ["resource", "aws_sqs_queue", "q"]. */
  header: string[];
}

/** The blocks of one directory's files, by kind. */
interface ModuleFiles {
  resources: Map<string, Block>;
  data: Map<string, Block>;
  variables: Map<string, Block>;
  locals: Map<string, { value: unknown; file: TerraformFile }>;
  modules: Map<string, Block>;
  outputs: Map<string, Block>;
}

const dirOf = (name: string) => (name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "");

/** `modules/a` + `../b` -> `modules/b`; null when it leaves the root (or is absolute). */
export function joinPath(dir: string, rel: string): string | null {
  if (rel.startsWith("/") || /^[A-Za-z]:/.test(rel)) return null;
  const out = dir === "" ? [] : dir.split("/");
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.join("/");
}

class Configuration {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  readonly resources: TfResource[] = [];
  readonly positions = new Map<string, Position>();
  private readonly dirs = new Map<string, ModuleFiles>();
  private readonly tfvars = new Map<string, unknown>();

  constructor(
    private readonly files: readonly TerraformFile[],
    private readonly dir: string,
    private readonly given: ReadonlyMap<string, string>,
  ) {}

  /** The file name as the user gave the directory (`infra/main.tf`). */
  shown(f: TerraformFile): string {
    return this.dir === "." || this.dir === "" ? f.name : `${this.dir.replace(/\/$/, "")}/${f.name}`;
  }

  problem(severity: Problem["severity"], f: TerraformFile | null, header: string[], path: string, message: string): Problem {
    const pos = f?.text ? blockPosition(f.text, header) : null;
    return { severity, file: f ? this.shown(f) : this.dir, line: pos?.line ?? 1, col: pos?.col ?? 1, path, message };
  }

  /** Sizes, and --parameter names against the root module's variables. */
  check(): Problem[] {
    if (this.files.length > MAX_TF_FILES) return [this.problem("error", null, [], "", `${this.files.length} files; esm-sim reads configurations of up to ${MAX_TF_FILES}`)];
    const bytes = this.files.reduce((n, f) => n + (f.text?.length ?? 0), 0);
    if (bytes > MAX_TEMPLATE_BYTES) return [this.problem("error", null, [], "", `the .tf files hold ${bytes} bytes; esm-sim reads configurations of up to ${MAX_TEMPLATE_BYTES}`)];
    const bad = this.files.find((f) => !isObj(f.json));
    if (bad) return [this.problem("error", bad, [], "", "not what hcl2json gives for a .tf file (a map of blocks)")];
    const root = this.module("");
    const problems: Problem[] = [];
    for (const k of this.given.keys()) {
      if (!k.startsWith("AWS::") && !root.variables.has(k)) problems.push(this.problem("error", null, [], "", `--parameter ${k}: the root module has no variable ${k} (variables: ${[...root.variables.keys()].join(", ") || "none"})`));
    }
    return problems;
  }

  /** The blocks of the files directly in a directory (`""`: the root). */
  module(dir: string): ModuleFiles {
    const known = this.dirs.get(dir);
    if (known) return known;
    const m: ModuleFiles = { resources: new Map(), data: new Map(), variables: new Map(), locals: new Map(), modules: new Map(), outputs: new Map() };
    for (const f of this.files) {
      if (dirOf(f.name) !== dir) continue;
      if (f.name.endsWith(".tfvars")) {
        if (dir === "" && (f.name === "terraform.tfvars" || f.name.endsWith(".auto.tfvars"))) for (const [k, v] of Object.entries(f.json as Obj)) this.tfvars.set(k, v);
        continue;
      }
      collect(f, m);
    }
    this.dirs.set(dir, m);
    return m;
  }

  private root: Instance | null = null;

  read(): void {
    this.root = new Instance(this, this.module(""), "", "", null, []);
    this.instance(this.root);
  }

  /** The root module's default `provider "aws"` region, when the configuration says it. */
  region(): unknown {
    const providers = this.files.filter((f) => dirOf(f.name) === "" && isObj((f.json as Obj).provider)).map((f) => ((f.json as Obj).provider as Obj).aws);
    const blocks = providers.flatMap((p) => (Array.isArray(p) ? p : [p])).filter((b): b is Obj => isObj(b) && b.alias === undefined);
    return blocks.length && this.root ? evaluate(blocks[0].region, this.root.scope()) : undefined;
  }

  /** The resources of a module instance and of the modules it calls. */
  private instance(inst: Instance): void {
    for (const [, block] of inst.files.resources) inst.expand(block, "managed");
    for (const [, block] of inst.files.data) inst.expand(block, "data");
    for (const name of inst.files.modules.keys()) {
      const child = inst.child(name);
      if (child) this.instance(child);
    }
  }

  /** The instance a module block calls, or null (a problem says why). */
  call(parent: Instance, name: string, block: Block): Instance | null {
    const source = block.body.source;
    const at = (severity: Problem["severity"], message: string) => this.problem(severity, block.file, block.header, `module.${name}.source`, message);
    if (typeof source !== "string") {
      this.errors.push(at("error", "a module needs a source"));
      return null;
    }
    if (!source.startsWith("./") && !source.startsWith("../")) {
      this.warnings.push(at("warning", `module ${name} (${source}) is not a local path: esm-sim reads modules inside ${this.dir} only, so its resources and outputs are unknown`));
      return null;
    }
    const dir = joinPath(parent.dir, source);
    if (dir === null) {
      this.errors.push(at("error", `module ${name}: its source ${source} is outside ${this.dir}; esm-sim reads modules inside the given directory only`));
      return null;
    }
    const seen = [...parent.ancestors, parent.dir];
    if (seen.includes(dir) || seen.length > MAX_MODULE_DEPTH) {
      this.errors.push(at("error", `module ${name}: ${seen.includes(dir) ? `${source} calls itself` : `modules nest deeper than ${MAX_MODULE_DEPTH} levels`}`));
      return null;
    }
    if (!this.files.some((f) => dirOf(f.name) === dir && f.name.endsWith(".tf"))) {
      this.errors.push(at("error", `module ${name}: no .tf files in ${source} (${this.dir}/${dir})`));
      return null;
    }
    if (block.body.count !== undefined || block.body.for_each !== undefined) this.warnings.push(at("warning", `module ${name} has count or for_each: esm-sim reads it as one instance, module.${name}`));
    return new Instance(this, this.module(dir), dir, `${parent.prefix}module.${name}.`, { parent, block }, seen);
  }

  /** A root variable from --parameter or a .tfvars file, if given. */
  rootValue(name: string, declared: Obj): unknown {
    const cli = this.given.get(name);
    if (cli !== undefined) return typed(cli, declared);
    return this.tfvars.has(name) ? this.tfvars.get(name) : undefined;
  }
}

/** `--parameter x=5` as the variable's type wants it. */
function typed(s: string, declared: Obj): unknown {
  const type = typeof declared.type === "string" ? declared.type : "";
  if (type.includes("number") || typeof declared.default === "number") return Number.isFinite(Number(s)) && s.trim() !== "" ? Number(s) : s;
  if (type.includes("bool") || typeof declared.default === "boolean") return s === "true" ? true : s === "false" ? false : s;
  if (/list|map|object|set|tuple/.test(type)) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  }
  return s;
}

/** The blocks of one file into a module's maps (hcl2json: `{ resource: { type: { name: [body] } }, ... }`). */
function collect(f: TerraformFile, m: ModuleFiles): void {
  const json = f.json as Obj;
  const labelled = (kind: string, into: Map<string, Block>) => {
    const byName = isObj(json[kind]) ? json[kind] : {};
    for (const [name, bodies] of Object.entries(byName)) {
      const body = Array.isArray(bodies) ? bodies[0] : bodies;
      if (isObj(body)) into.set(name, { body, file: f, header: [kind, name] });
    }
  };
  for (const [kind, into] of [["resource", m.resources], ["data", m.data]] as const) {
    const byType = isObj(json[kind]) ? json[kind] : {};
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObj(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        const body = Array.isArray(bodies) ? bodies[0] : bodies;
        if (isObj(body)) into.set(`${type}.${name}`, { body, file: f, header: [kind, type, name] });
      }
    }
  }
  labelled("variable", m.variables);
  labelled("module", m.modules);
  labelled("output", m.outputs);
  const locals = Array.isArray(json.locals) ? json.locals : isObj(json.locals) ? [json.locals] : [];
  for (const block of locals) if (isObj(block)) for (const [k, v] of Object.entries(block)) m.locals.set(k, { value: v, file: f });
}

/** The index values of count or for_each: [key, each.value or count.index] pairs, or an Unknown. */
type Instances = { key: string; index: string | number; value: unknown }[] | Unknown | null;

/** One module instance: its files, its address prefix, and what it was called with. */
class Instance {
  private readonly memo = new Map<string, unknown>();
  private readonly visiting = new Set<string>();
  private readonly children = new Map<string, Instance | null>();

  constructor(
    private readonly config: Configuration,
    readonly files: ModuleFiles,
    readonly dir: string,
    /** `""` or `module.orders.` */
    readonly prefix: string,
    private readonly call: { parent: Instance; block: Block } | null,
    /** The directories of the modules that called this one, root first. */
    readonly ancestors: string[],
  ) {}

  /** The instance a module block of this module calls (read once), or null. */
  child(name: string): Instance | null {
    if (!this.children.has(name)) {
      const block = this.files.modules.get(name);
      this.children.set(name, block ? this.config.call(this, name, block) : null);
    }
    return this.children.get(name)!;
  }

  /** A scope for expressions in this module, with count.index / each.* when inside an instance of a resource. */
  scope(index?: { index: string | number; value: unknown; each: boolean }): Scope {
    return { lookup: (root, keys, text) => this.lookup(root, keys, text, index) };
  }

  private lookup(root: string, keys: (string | number)[], text: string, index?: { index: string | number; value: unknown; each: boolean }): unknown {
    const rest = (v: unknown, from: number) => keys.slice(from).reduce((acc, k) => step(acc, k), v);
    const name = String(keys[0] ?? "");
    switch (root) {
      case "var":
        return rest(this.variable(name), 1);
      case "local":
        return rest(this.local(name), 1);
      case "module":
        return rest(this.output(name, String(keys[1] ?? "")), 2);
      case "count":
        return index && !index.each && name === "index" ? index.index : new Unknown(`${text} is used outside a resource with count`);
      case "each":
        return index?.each && (name === "key" || name === "value") ? rest(name === "key" ? index.index : index.value, 1) : new Unknown(`${text} is used outside a resource with for_each`);
      case "data":
        return this.resource(`data.${name}.${String(keys[1] ?? "")}`, keys.slice(2), text);
      default:
        if (root.includes("_")) return this.resource(`${root}.${name}`, keys.slice(1), text);
        return new Unknown(`${text} is not evaluated by esm-sim`);
    }
  }

  private memoized(key: string, f: () => unknown): unknown {
    if (this.memo.has(key)) return this.memo.get(key);
    if (this.visiting.has(key)) return new Unknown(`${key} refers to itself`);
    this.visiting.add(key);
    const v = f();
    this.visiting.delete(key);
    this.memo.set(key, v);
    return v;
  }

  /** `var.x`: the module call's argument, or for the root --parameter / .tfvars; else the default. */
  variable(name: string): unknown {
    return this.memoized(`var.${name}`, () => {
      const declared = this.files.variables.get(name)?.body;
      if (!declared) return new Unknown(`var.${name} is not declared in ${this.dir || "the root module"}`);
      const arg = this.call ? this.call.block.body[name] : this.config.rootValue(name, declared);
      if (arg !== undefined) return this.call ? evaluate(arg, this.call.parent.scope()) : arg;
      if ("default" in declared) return evaluate(declared.default, this.scope());
      return new Unknown(this.call ? `var.${name} has no default and module.${this.prefix} passes no value` : `var.${name} has no default; pass --parameter ${name}=VALUE`);
    });
  }

  local(name: string): unknown {
    return this.memoized(`local.${name}`, () => {
      const l = this.files.locals.get(name);
      return l ? evaluate(l.value, this.scope()) : new Unknown(`local.${name} is not defined in ${this.dir || "the root module"}`);
    });
  }

  /** `module.name.output`: the child module instance's output. */
  private output(call: string, name: string): unknown {
    return this.memoized(`module.${call}.${name}`, () => {
      if (!this.files.modules.has(call)) return new Unknown(`module.${call} is not called in ${this.dir || "the root module"}`);
      const child = this.child(call);
      if (!child) return new Unknown(`module.${call}.${name} comes from a module esm-sim does not read`);
      const out = child.files.outputs.get(name);
      return out ? evaluate(out.body.value, child.scope()) : new Unknown(`module.${call} has no output ${name}`);
    });
  }

  /** `type.name[key].attribute...` in this module. */
  private resource(local: string, keys: (string | number)[], text: string): unknown {
    const block = (local.startsWith("data.") ? this.files.data : this.files.resources).get(local.replace(/^data\./, ""));
    if (!block) return new Unknown(`${text}: ${this.prefix}${local} is not in the configuration`);
    const instances = this.instancesOf(block);
    let address = `${this.prefix}${local}`;
    let index: { index: string | number; value: unknown; each: boolean } | undefined;
    let k = 0;
    if (Array.isArray(instances)) {
      const key = keys[k++];
      const found = instances.find((i) => i.index === key);
      if (!found) return new Unknown(`${text}: ${address} has no instance ${JSON.stringify(key)}`);
      address += found.key;
      index = { index: found.index, value: found.value, each: block.body.for_each !== undefined };
    }
    const attr = keys[k];
    if (attr === undefined) return new Unknown(`${text} is a whole resource`);
    const own = block.body[String(attr)];
    const v = own !== undefined ? this.memoized(`${address}.${String(attr)}`, () => evaluate(own, this.scope(index))) : this.unset(address, String(attr), text);
    return keys.slice(k + 1).reduce((acc, key) => step(acc, key), v);
  }

  /** An attribute the configuration does not set: an ARN and the like (a Link), or else unknown. */
  private unset(address: string, attr: string, text: string): unknown {
    if (COMPUTED.includes(attr)) return new Link(address, attr);
    if (address.includes("data.")) return new Unknown(`${text} is read from AWS by a data source when Terraform runs`);
    return new Unknown(`${text}: ${address} does not set ${attr}`);
  }

  /** count / for_each of a block, evaluated (once); null when it has neither. */
  instancesOf(block: Block): Instances {
    return this.memoized(`instances of ${block.header.join(".")}`, () => this.evaluateInstances(block)) as Instances;
  }

  private evaluateInstances(block: Block): Instances {
    const { count, for_each } = block.body;
    if (count !== undefined) {
      const n = evaluate(count, this.scope());
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return n instanceof Unknown ? n : new Unknown(`count is ${JSON.stringify(n)}`);
      if (n > MAX_INSTANCES) return new Unknown(`count is ${n}; esm-sim reads up to ${MAX_INSTANCES} instances`);
      return Array.from({ length: n }, (_, i) => ({ key: `[${i}]`, index: i, value: i }));
    }
    if (for_each === undefined) return null;
    const v = evaluate(for_each, this.scope());
    if ((Array.isArray(v) && v.length > MAX_INSTANCES) || (isObj(v) && Object.keys(v).length > MAX_INSTANCES)) return new Unknown(`for_each has more than ${MAX_INSTANCES} keys; esm-sim reads up to ${MAX_INSTANCES} instances`);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.map((x) => ({ key: `[${JSON.stringify(x)}]`, index: x, value: x }));
    if (isObj(v) && !(v instanceof Link)) return Object.entries(v).map(([key, value]) => ({ key: `[${JSON.stringify(key)}]`, index: key, value }));
    return v instanceof Unknown ? v : new Unknown("for_each is not a map or a set of strings esm-sim can evaluate");
  }

  /** The resource instances of a block, read into TfResources. */
  expand(block: Block, mode: "managed" | "data"): void {
    const [, type, name] = block.header;
    if (mode === "managed" && !TF_TYPES.includes(type)) return;
    const base = `${this.prefix}${mode === "data" ? "data." : ""}${type}.${name}`;
    const instances = this.instancesOf(block);
    if (instances instanceof Unknown) {
      this.config.warnings.push(this.config.problem("warning", block.file, block.header, base, `count or for_each cannot be evaluated (${instances.reason}): esm-sim reads one instance, ${base}`));
    }
    const list = Array.isArray(instances) ? instances : [null];
    for (const i of list) this.read(block, mode, type, i ? base + i.key : base, i ? { index: i.index, value: i.value, each: block.body.for_each !== undefined } : undefined);
  }

  private read(block: Block, mode: "managed" | "data", type: string, address: string, index?: { index: string | number; value: unknown; each: boolean }): void {
    const scope = this.scope(index);
    const values: Obj = {};
    for (const [k, v] of Object.entries(block.body)) {
      if (["count", "for_each", "provider", "depends_on", "lifecycle", "dynamic"].includes(k)) continue;
      values[k] = this.memoized(`${address}.${k}`, () => evaluate(v, scope));
    }
    const file = this.config.shown(block.file);
    if (block.file.text) addPositions(this.config.positions, block.file.text, block.header, address, block.body);
    const dynamic = isObj(block.body.dynamic) ? Object.keys(block.body.dynamic) : [];
    if (dynamic.length) this.config.warnings.push(this.config.problem("warning", block.file, block.header, address, `dynamic blocks are not read by esm-sim: ${dynamic.join(", ")}`));
    this.config.resources.push({ address, type, mode, values, source: (path: Path) => ({ path: [address, ...path], file }) });
  }
}

// --- positions -----------------------------------------------------------------------------------

/** The line of a block's header (`resource "aws_sqs_queue" "q" {`), or null. */
function blockLine(lines: string[], header: string[]): number | null {
  if (header.length === 0) return null;
  const [kind, ...labels] = header;
  const re = new RegExp(`^\\s*${kind}\\s+${labels.map((l) => `"${escapeRe(l)}"`).join("\\s+")}\\s*\\{`);
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? null : i;
}

function blockPosition(text: string, header: string[]): Position | null {
  const lines = text.split("\n");
  const i = blockLine(lines, header);
  return i === null ? null : { line: i + 1, col: lines[i].search(/\S/) + 1 };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Positions of a block's attributes and nested blocks, by `[address, ...path]`: the first line that sets each. */
function addPositions(out: Map<string, Position>, text: string, header: string[], address: string, body: Obj): void {
  const lines = text.split("\n");
  const start = blockLine(lines, header);
  if (start === null) return;
  out.set(pathKey([address]), { line: start + 1, col: lines[start].search(/\S/) + 1 });
  scan(lines, start, [address], body, out);
}

/** The lines of a block's body (after its header line) at depth 1, with their index. */
function bodyLines(lines: string[], start: number): [number, string][] {
  const out: [number, string][] = [];
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    const code = lines[i].replace(/"(?:\\.|[^"\\])*"/g, '""').replace(/(#|\/\/).*$/, "");
    if (i > start && depth === 1) out.push([i, lines[i]]);
    for (const c of code) depth += c === "{" ? 1 : c === "}" ? -1 : 0;
    if (depth <= 0 && i > start) break;
  }
  return out;
}

function scan(lines: string[], start: number, path: Path, body: Obj, out: Map<string, Position>): void {
  const own = bodyLines(lines, start);
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v) && v.every(isObj)) {
      const headers = own.filter(([, l]) => new RegExp(`^\\s*${escapeRe(k)}\\s*\\{`).test(l));
      v.forEach((b, n) => {
        if (!headers[n]) return;
        const [line, l] = headers[n];
        out.set(pathKey([...path, k, n]), { line: line + 1, col: l.search(/\S/) + 1 });
        out.set(pathKey([...path, k]), out.get(pathKey([...path, k])) ?? { line: line + 1, col: l.search(/\S/) + 1 });
        scan(lines, line, [...path, k, n], b as Obj, out);
      });
    } else {
      const hit = own.find(([, l]) => new RegExp(`^\\s*"?${escapeRe(k)}"?\\s*=`).test(l));
      if (hit) out.set(pathKey([...path, k]), { line: hit[0] + 1, col: hit[1].search(/\S/) + 1 });
    }
  }
}
