/**
 * The Serverless Framework's variables, resolved as far as a serverless.yml alone allows: `${self:a.b}`,
 * `${opt:name}` (esm-sim's --parameter name=value), `${sls:stage}` (`${opt:stage, self:provider.stage, "dev"}`),
 * `${param:name}` (the file's own `params` for the stage, then `params.default`), `${aws:region}`,
 * `${aws:accountId}`, and fallbacks (`${opt:stage, 'dev'}`, `${env:X, 10}`), nested or not. Whatever needs the
 * outside world (`${env:...}` without a fallback, `${file(...)}`, `${ssm:...}`, `${cf:...}`, `${s3:...}`, ...) is
 * not read: it becomes an Unknown with the reason, and the importer uses the AWS default with a comment.
 *
 * Source: https://www.serverless.com/framework/docs/providers/aws/guide/variables (syntax, sources, fallbacks;
 * `sls:stage` is documented as `${opt:stage, self:provider.stage, "dev"}`).
 */
import { MAX_TEMPLATE_BYTES } from "./load.js";
import { Unknown } from "./synth.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_DEPTH = 64;
/** How many variables one file may resolve: each self reference is resolved once, so real files need far fewer. */
const MAX_RESOLUTIONS = 100_000;

export class Variables {
  private readonly memo = new Map<string, unknown>();
  private readonly visiting = new Set<string>();
  private resolutions = 0;

  constructor(
    private readonly root: Obj,
    /** `--parameter name=value`: the CLI options `${opt:name}` reads. */
    private readonly options: ReadonlyMap<string, string>,
    private readonly region: () => unknown,
    private readonly account: string,
  ) {}

  /** The stage: `${opt:stage, self:provider.stage, "dev"}`. */
  stage(): unknown {
    const opt = this.options.get("stage");
    if (opt !== undefined) return opt;
    const provider = this.root.provider;
    const own = isObj(provider) ? this.value(provider.stage) : undefined;
    return own === undefined || own === null ? "dev" : own;
  }

  /** A value with every variable inside it resolved (or an Unknown in its place). */
  value(v: unknown, depth = 0): unknown {
    if (depth > MAX_DEPTH) return new Unknown("the variables nest too deeply (or refer to themselves)");
    if (typeof v === "string") return v.includes("${") ? this.string(v, depth) : v;
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x, depth + 1)]));
    return v;
  }

  /** A string with variables: the variable's own value when it is the whole string, else the text with each replaced. */
  private string(s: string, depth: number): unknown {
    const parts = splitVariables(s);
    if (parts === null) return new Unknown(`${JSON.stringify(s)} has an unclosed \${`);
    if (parts.length === 1 && typeof parts[0] !== "string") return cloudFormationSub(parts[0].body) ? s : this.variable(parts[0].body, depth + 1);
    let out = "";
    for (const p of parts) {
      const v = typeof p === "string" ? p : cloudFormationSub(p.body) ? `\${${p.body}}` : this.variable(p.body, depth + 1);
      if (v instanceof Unknown) return v;
      if (v !== null && typeof v === "object") return new Unknown(`\${${typeof p === "string" ? p : p.body}} is not a string, and the text around it needs one`);
      out += v === null || v === undefined ? "" : String(v);
      if (out.length > MAX_TEMPLATE_BYTES) return new Unknown(`the variables build a string longer than ${MAX_TEMPLATE_BYTES} characters`);
    }
    return out;
  }

  /** `source:address, fallback, ...`: the first that resolves to a value. */
  private variable(body: string, depth: number): unknown {
    if (++this.resolutions > MAX_RESOLUTIONS) return new Unknown(`more than ${MAX_RESOLUTIONS} variables to resolve`);
    const choices = splitTopLevel(body, ",").map((c) => c.trim());
    let first: Unknown | null = null;
    for (const c of choices) {
      const v = this.choice(c, depth);
      if (v instanceof Unknown) first ??= v;
      else if (v !== undefined && v !== null) return v;
    }
    return first ?? new Unknown(`\${${body}} has no value`);
  }

  private choice(c: string, depth: number): unknown {
    if (c.includes("${")) {
      // A whole variable (`${self:provider.stage}` as a fallback) gives its value; variables inside an address
      // (`cf:ledger-${sls:stage}.StreamArn`) are resolved first, and the address read after.
      const parts = splitVariables(c);
      if (parts && parts.length === 1 && typeof parts[0] !== "string") return this.value(c, depth);
      const address = this.value(c, depth);
      return typeof address === "string" && !address.includes("${") ? this.choice(address, depth + 1) : address;
    }
    const quoted = /^(['"])(.*)\1$/s.exec(c);
    if (quoted) return quoted[2];
    if (/^-?\d+(\.\d+)?$/.test(c)) return Number(c);
    if (c === "true" || c === "false") return c === "true";
    if (c === "null") return null;
    const m = /^([a-zA-Z][\w-]*)(\(([^)]*)\))?(:(.*))?$/s.exec(c);
    if (!m || (m[2] === undefined && m[4] === undefined)) return c === "" ? undefined : c;
    const [, source, , arg, , address] = m;
    return this.source(source, arg, (address ?? "").trim(), depth);
  }

  private source(source: string, arg: string | undefined, address: string, depth: number): unknown {
    switch (source) {
      case "self":
        return this.self(address, depth);
      case "opt":
        return this.options.get(address) ?? new Unknown(`\${opt:${address}} is a command-line option of serverless; pass --parameter ${address}=VALUE`);
      case "sls":
        if (address === "stage") return this.stage();
        return new Unknown(`\${sls:${address}} is known only when the Serverless Framework runs`);
      case "param":
        return this.param(address, depth);
      case "aws":
        if (address === "region") return this.region();
        if (address === "accountId") return this.account;
        return new Unknown(`\${aws:${address}} is read from AWS when the Serverless Framework runs`);
      case "env":
        return new Unknown(`\${env:${address}} is read from the environment when the Serverless Framework runs; esm-sim does not read it`);
      case "file":
        return new Unknown(`\${file(${arg ?? ""})${address ? `:${address}` : ""}} reads another file, which esm-sim does not read`);
      default:
        return new Unknown(`\${${source}${arg !== undefined ? `(${arg})` : ""}:${address}} is read ${["ssm", "cf", "s3", "secretsmanager"].includes(source) ? "from AWS " : ""}when the Serverless Framework runs; esm-sim does not read it`);
    }
  }

  /** `${self:a.b.0}`: the value at that path of the file, itself resolved (once). */
  private self(address: string, depth: number): unknown {
    const key = address;
    if (this.memo.has(key)) return this.memo.get(key);
    if (this.visiting.has(key)) return new Unknown(`\${self:${address}} refers to itself`);
    let v: unknown = this.root;
    for (const seg of address === "" ? [] : address.split(".")) {
      if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)];
      else if (isObj(v)) v = Object.hasOwn(v, seg) ? v[seg] : undefined; // own keys only: `constructor` names nothing
      else v = undefined;
      if (v === undefined) break;
    }
    if (v === undefined) return new Unknown(`\${self:${address}} names nothing in the file`);
    this.visiting.add(key);
    const out = this.value(v, depth + 1);
    this.visiting.delete(key);
    this.memo.set(key, out);
    return out;
  }

  /** `${param:name}`: `params.<stage>.name`, then `params.default.name`. */
  private param(name: string, depth: number): unknown {
    const params = this.root.params;
    const stage = this.stage();
    for (const group of [typeof stage === "string" ? stage : undefined, "default"]) {
      if (group === undefined || !isObj(params) || !isObj(params[group]) || !(name in (params[group] as Obj))) continue;
      return this.self(`params.${group}.${name}`, depth);
    }
    return new Unknown(`\${param:${name}} is not in the file's params for stage ${String(stage)} (other parameters are read from the Serverless Dashboard)`);
  }
}

/** `${AWS::Region}`, `${Stage}`, `${Queue.Arn}`: Fn::Sub's own variables, which the Serverless Framework leaves alone. */
const cloudFormationSub = (body: string): boolean => /^[A-Za-z0-9_.]+$/.test(body) || body.startsWith("AWS::");

type Part = string | { body: string };

/** `a-${x}-${y, ${z}}` -> ["a-", {body: "x"}, "-", {body: "y, ${z}"}]; null when a `${` is not closed. */
export function splitVariables(s: string): Part[] | null {
  const parts: Part[] = [];
  let i = 0;
  while (i < s.length) {
    const start = s.indexOf("${", i);
    if (start < 0) {
      parts.push(s.slice(i));
      break;
    }
    if (start > i) parts.push(s.slice(i, start));
    const end = closing(s, start + 2);
    if (end < 0) return null;
    parts.push({ body: s.slice(start + 2, end) });
    i = end + 1;
  }
  return parts;
}

/** The index of the `}` that closes a `${` whose body starts at `from`, skipping nested `${...}` and quotes. */
function closing(s: string, from: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Split on `sep` outside quotes, parentheses and `${...}`. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "{" || c === "(") depth++;
    else if (c === "}" || c === ")") depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
