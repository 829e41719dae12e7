/**
 * Terraform expressions, as HashiCorp's hcl2json leaves them (`"${var.batch_size}"`, `"orders-${local.stage}"`,
 * `"${jsonencode({ maxReceiveCount = 5 })}"`), evaluated as far as the configuration alone allows: literals,
 * templates, references (through a Scope that knows variables, locals, module outputs and resources),
 * arithmetic, comparison, logic, conditionals, tuples, objects and the common functions. What needs a deployment (an
 * ARN) is a Link to the resource; what esm-sim does not evaluate (for expressions, splats, template directives,
 * other functions) is an Unknown that names the expression.
 *
 * Source: https://developer.hashicorp.com/terraform/language/expressions (operators, references, templates:
 * `$${` and `%%{` escape), https://developer.hashicorp.com/terraform/language/functions (jsonencode sorts object
 * keys; try returns its first argument that evaluates).
 */
import { firstUnknown, Unknown } from "./synth.js";
import { JsonDocument, Link } from "./terraform.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Link) && !(v instanceof Unknown) && !(v instanceof JsonDocument);

/** What an expression's names mean: `var.x`, `local.x`, `module.m.out`, `aws_sqs_queue.q.arn`, ... */
export interface Scope {
  /** The value a traversal designates: its root name and the keys after it (attribute names, indexes). */
  lookup(root: string, keys: (string | number)[], text: string): unknown;
}

/** Longest expression esm-sim evaluates, and deepest nesting (a configuration's are far smaller). */
const MAX_EXPRESSION = 100_000;
const MAX_NESTING = 100;

class ParseError extends Error {}

/** A value from hcl2json's JSON: strings are templates; lists and maps are evaluated element by element. */
export function evaluate(value: unknown, scope: Scope, depth = 0): unknown {
  if (depth > MAX_NESTING) return new Unknown("the value nests too deeply");
  if (typeof value === "string") return template(value, scope);
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope, depth + 1));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, scope, depth + 1)]));
  return value;
}

/** A template string: one interpolation alone gives its value; otherwise the text with each interpolation in it. */
export function template(s: string, scope: Scope): unknown {
  if (s.length > MAX_EXPRESSION) return new Unknown(`an expression of ${s.length} characters (esm-sim evaluates up to ${MAX_EXPRESSION})`);
  try {
    const parts = templateParts(s);
    if (parts.length === 1 && typeof parts[0] !== "string") return expression(parts[0].expr, scope);
    let out = "";
    for (const p of parts) {
      const v = typeof p === "string" ? p : expression(p.expr, scope);
      if (v instanceof Unknown) return v;
      if (v instanceof Link) return new Unknown(`${show(s)} contains ${v.address}.${v.attribute}, known only after apply`);
      if (v !== null && typeof v === "object") return new Unknown(`${show(s)} puts a list or map into a string`);
      out += v === null ? "" : String(v);
    }
    return out;
  } catch (e) {
    return new Unknown(`${show(s)}: ${e instanceof ParseError ? e.message : "not understood by esm-sim"}`);
  }
}

const show = (s: string) => `\`${s.length > 120 ? `${s.slice(0, 117)}...` : s}\``;

type TemplatePart = string | { expr: string };

/** `a-${x}-$${y}` -> ["a-", {expr: "x"}, "-${y}"]; directives (`%{if}`) are refused. */
function templateParts(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
      text += s.slice(i + 1, i + 3);
      i += 3;
    } else if (s.startsWith("%{", i)) {
      throw new ParseError("template directives (%{ ... }) are not evaluated by esm-sim");
    } else if (s.startsWith("${", i)) {
      const end = interpolationEnd(s, i + 2);
      if (text) parts.push(text);
      text = "";
      parts.push({ expr: s.slice(i + 2, end).replace(/^~/, "").replace(/~$/, "") });
      i = end + 1;
    } else text += s[i++];
  }
  if (text || parts.length === 0) parts.push(text);
  return parts;
}

/** The index of the `}` closing an interpolation whose expression starts at `from` (braces and strings skipped). */
function interpolationEnd(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"') i = stringEnd(s, i + 1);
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new ParseError("an interpolation is not closed");
}

/** The index of the `"` closing a quoted string whose text starts at `from`, nested interpolations included. */
function stringEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s.startsWith("${", i)) i = interpolationEnd(s, i + 2);
    else if (s[i] === '"') return i;
  }
  throw new ParseError("a string is not closed");
}

/** Evaluate one expression's text. */
export function expression(text: string, scope: Scope): unknown {
  const p = new Parser(tokenize(text), scope, text);
  const v = p.expression();
  p.end();
  return v;
}

// --- tokens --------------------------------------------------------------------------------------

type Token = { kind: "number"; value: number } | { kind: "string"; value: string } | { kind: "ident"; value: string } | { kind: "op"; value: string };

const OPS = ["==", "!=", "<=", ">=", "&&", "||", "=>", "...", "[*]", ".*", "?", ":", "!", "+", "-", "*", "/", "%", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", "="];

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) i++;
    else if (c === "#" || s.startsWith("//", i)) i = lineEnd(s, i);
    else if (s.startsWith("/*", i)) i = s.indexOf("*/", i) < 0 ? s.length : s.indexOf("*/", i) + 2;
    else if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i))!;
      out.push({ kind: "number", value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(s.slice(i))!;
      out.push({ kind: "ident", value: m[0] });
      i += m[0].length;
    } else if (c === '"') {
      const end = stringEnd(s, i + 1);
      out.push({ kind: "string", value: s.slice(i + 1, end) });
      i = end + 1;
    } else if (s.startsWith("<<", i)) throw new ParseError("heredocs inside expressions are not evaluated by esm-sim");
    else {
      const op = OPS.find((o) => s.startsWith(o, i));
      if (!op) throw new ParseError(`unexpected ${JSON.stringify(c)}`);
      out.push({ kind: "op", value: op });
      i += op.length;
    }
  }
  return out;
}

function lineEnd(s: string, i: number): number {
  const n = s.indexOf("\n", i);
  return n < 0 ? s.length : n;
}

/** A quoted string's escapes (`\n`, `\"`, `\\`, `\uXXXX`), before its template is evaluated. */
function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e[0] === "u" || e[0] === "U") return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ({ n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" } as Record<string, string>)[e] ?? e;
  });
}

// --- parsing and evaluating ----------------------------------------------------------------------

const unknownIn = (vs: unknown[]): Unknown | null => (vs.find((v) => v instanceof Unknown) as Unknown | undefined) ?? null;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly scope: Scope,
    private readonly text: string,
  ) {}

  private peek(value?: string): Token | undefined {
    const t = this.tokens[this.i];
    return value === undefined || (t && t.kind === "op" && t.value === value) ? t : undefined;
  }

  private eat(value: string): boolean {
    if (!this.peek(value)) return false;
    this.i++;
    return true;
  }

  private expect(value: string): void {
    if (!this.eat(value)) throw new ParseError(`expected ${value}`);
  }

  end(): void {
    if (this.i < this.tokens.length) throw new ParseError("not understood by esm-sim");
  }

  expression(): unknown {
    if (++this.depth > MAX_NESTING) throw new ParseError("the expression nests too deeply");
    const cond = this.binary(0);
    let out = cond;
    if (this.eat("?")) {
      const a = this.expression();
      this.expect(":");
      const b = this.expression();
      out = cond instanceof Unknown || cond instanceof Link ? unknown(cond, "the condition") : cond === true ? a : b;
    }
    this.depth--;
    return out;
  }

  /** Binary operators by precedence, lowest first. */
  private binary(level: number): unknown {
    const LEVELS = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]];
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.tokens[this.i];
      if (!t || t.kind !== "op" || !LEVELS[level].includes(t.value)) return left;
      this.i++;
      left = operate(t.value, left, this.binary(level + 1));
    }
  }

  private unary(): unknown {
    if (this.eat("-")) return operate("-", 0, this.unary());
    if (this.eat("!")) {
      const v = this.unary();
      return v instanceof Unknown || v instanceof Link ? unknown(v, "the operand of !") : !v;
    }
    return this.postfix();
  }

  private postfix(): unknown {
    const t = this.tokens[this.i];
    if (t?.kind === "ident" && !["true", "false", "null"].includes(t.value) && !this.isCall()) return this.traversal();
    let v = this.primary();
    for (;;) {
      if (this.eat(".")) v = step(v, this.key());
      else if (this.peek("[") && !this.peek("[*]")) {
        this.i++;
        const k = this.expression();
        this.expect("]");
        v = step(v, k);
      } else if (this.peek("[*]") || this.peek(".*")) throw new ParseError("splat expressions are not evaluated by esm-sim");
      else return v;
    }
  }

  private isCall(): boolean {
    const n = this.tokens[this.i + 1];
    return n?.kind === "op" && n.value === "(";
  }

  /** `root.a[0].b`: the scope says what it is. */
  private traversal(): unknown {
    const start = this.i;
    const root = (this.tokens[this.i++] as { value: string }).value;
    const keys: (string | number)[] = [];
    for (;;) {
      if (this.eat(".")) keys.push(this.key());
      else if (this.peek("[") && !this.peek("[*]")) {
        this.i++;
        const k = this.expression();
        this.expect("]");
        if (k instanceof Unknown || k instanceof Link) return unknown(k, "an index");
        if (typeof k !== "string" && typeof k !== "number") throw new ParseError("an index must be a string or a number");
        keys.push(k);
      } else if (this.peek("[*]") || this.peek(".*")) throw new ParseError("splat expressions are not evaluated by esm-sim");
      else break;
    }
    return this.scope.lookup(root, keys, this.source(start));
  }

  private source(start: number): string {
    return this.tokens
      .slice(start, this.i)
      .map((t) => (t.kind === "string" ? JSON.stringify(t.value) : String(t.value)))
      .join("");
  }

  private key(): string | number {
    const t = this.tokens[this.i++];
    if (t?.kind === "ident") return t.value;
    if (t?.kind === "number") return t.value;
    throw new ParseError("expected an attribute name");
  }

  private primary(): unknown {
    const t = this.tokens[this.i++];
    if (!t) throw new ParseError("the expression ends too early");
    if (t.kind === "number") return t.value;
    if (t.kind === "string") return template(unescape(t.value), this.scope);
    if (t.kind === "ident") {
      if (t.value === "true" || t.value === "false") return t.value === "true";
      if (t.value === "null") return null;
      return this.call(t.value);
    }
    if (t.value === "(") {
      const v = this.expression();
      this.expect(")");
      return v;
    }
    if (t.value === "[") return this.tuple();
    if (t.value === "{") return this.object();
    throw new ParseError(`unexpected ${t.value}`);
  }

  private tuple(): unknown[] {
    if (this.peek()?.kind === "ident" && (this.peek() as { value: string }).value === "for") throw new ParseError("for expressions are not evaluated by esm-sim");
    const out: unknown[] = [];
    while (!this.eat("]")) {
      out.push(this.expression());
      if (!this.eat(",") && !this.peek("]")) throw new ParseError("expected , or ]");
    }
    return out;
  }

  private object(): unknown {
    if (this.peek()?.kind === "ident" && (this.peek() as { value: string }).value === "for") throw new ParseError("for expressions are not evaluated by esm-sim");
    const out: Obj = {};
    while (!this.eat("}")) {
      const t = this.tokens[this.i];
      let k: unknown;
      if (t?.kind === "ident" && (this.tokens[this.i + 1] as { value?: string } | undefined)?.value !== ".") {
        k = t.value;
        this.i++;
      } else k = this.expression();
      if (!this.eat("=")) this.expect(":");
      const v = this.expression();
      if (k instanceof Unknown || k instanceof Link) return unknown(k, "an object key");
      out[String(k)] = v;
      this.eat(",");
    }
    return out;
  }

  private call(name: string): unknown {
    this.expect("(");
    const args: unknown[] = [];
    while (!this.eat(")")) {
      args.push(this.expression());
      this.eat("...");
      if (!this.eat(",") && !this.peek(")")) throw new ParseError("expected , or )");
    }
    return callFunction(name, args);
  }
}

function unknown(v: unknown, what: string): Unknown {
  if (v instanceof Unknown) return v;
  if (v instanceof Link) return new Unknown(`${what} depends on ${v.address}.${v.attribute}, known only after apply`);
  return new Unknown(`${what} cannot be evaluated`);
}

/** One step of a traversal (`.name`, `[0]`, `["key"]`) into a value. */
export function step(v: unknown, key: unknown): unknown {
  if (v instanceof Unknown) return v;
  if (v instanceof Link) return new Unknown(`an attribute of ${v.address}.${v.attribute}, known only after apply`);
  if (Array.isArray(v) && typeof key === "number") return key in v ? v[key] : new Unknown(`index ${key} is out of range`);
  if (isObj(v) && (typeof key === "string" || typeof key === "number")) return String(key) in v ? v[String(key)] : new Unknown(`no attribute ${String(key)}`);
  return new Unknown(`${JSON.stringify(key)} of a ${v === null ? "null" : typeof v} value`);
}

function operate(op: string, a: unknown, b: unknown): unknown {
  const u = unknownIn([a, b]);
  if (u) return u;
  if (a instanceof Link || b instanceof Link) return unknown(a instanceof Link ? a : b, `the operand of ${op}`);
  switch (op) {
    case "==":
      return JSON.stringify(a) === JSON.stringify(b);
    case "!=":
      return JSON.stringify(a) !== JSON.stringify(b);
    case "&&":
      return a === true && b === true;
    case "||":
      return a === true || b === true;
  }
  const x = typeof a === "string" && a.trim() !== "" ? Number(a) : a;
  const y = typeof b === "string" && b.trim() !== "" ? Number(b) : b;
  if (typeof x !== "number" || typeof y !== "number" || Number.isNaN(x) || Number.isNaN(y)) return new Unknown(`${op} needs numbers`);
  const r: Record<string, () => unknown> = { "+": () => x + y, "-": () => x - y, "*": () => x * y, "/": () => x / y, "%": () => x % y, "<": () => x < y, ">": () => x > y, "<=": () => x <= y, ">=": () => x >= y };
  return r[op]();
}

/** The functions a mapping's configuration commonly uses; others are Unknown. */
function callFunction(name: string, args: unknown[]): unknown {
  if (name === "try") return args.find((a) => !(a instanceof Unknown) && !(a instanceof Link)) ?? args.find((a) => a instanceof Link) ?? new Unknown("try(): no argument can be evaluated");
  if (name === "can") return !args.some((a) => a instanceof Unknown);
  if (name === "jsonencode") return jsonencode(args[0]);
  const u = unknownIn(args);
  if (u) return u;
  if (args.some((a) => a instanceof Link)) return unknown(args.find((a) => a instanceof Link), `${name}()`);
  const f = FUNCTIONS[name];
  return f ? f(args) : new Unknown(`the function ${name}() is not evaluated by esm-sim`);
}

const num = (v: unknown) => (typeof v === "string" ? Number(v) : (v as number));
const FUNCTIONS: Record<string, (a: unknown[]) => unknown> = {
  tostring: ([v]) => (v === null ? null : String(v)),
  tonumber: ([v]) => (v === null ? null : num(v)),
  tobool: ([v]) => (v === "true" ? true : v === "false" ? false : v),
  tolist: ([v]) => v,
  toset: ([v]) => (Array.isArray(v) ? [...new Set(v.map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as unknown) : v),
  tomap: ([v]) => v,
  max: (a) => Math.max(...a.map(num)),
  min: (a) => Math.min(...a.map(num)),
  abs: ([v]) => Math.abs(num(v)),
  ceil: ([v]) => Math.ceil(num(v)),
  floor: ([v]) => Math.floor(num(v)),
  lower: ([v]) => String(v).toLowerCase(),
  upper: ([v]) => String(v).toUpperCase(),
  trimspace: ([v]) => String(v).trim(),
  join: ([sep, list]) => (Array.isArray(list) ? list.join(String(sep)) : new Unknown("join() needs a list")),
  split: ([sep, s]) => String(s).split(String(sep)),
  concat: (a) => a.flatMap((x) => (Array.isArray(x) ? x : [x])),
  merge: (a) => Object.assign({}, ...a.filter(isObj)),
  length: ([v]) => (Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : String(v).length),
  element: ([list, i]) => (Array.isArray(list) && list.length ? list[num(i) % list.length] : new Unknown("element() needs a list")),
  lookup: ([m, k, d]) => (isObj(m) && String(k) in m ? m[String(k)] : d !== undefined ? d : new Unknown(`lookup(): no key ${String(k)}`)),
  coalesce: (a) => a.find((x) => x !== null && x !== "") ?? null,
  replace: ([s, from, to]) => (String(from).startsWith("/") ? new Unknown("replace() with a regular expression is not evaluated by esm-sim") : String(s).split(String(from)).join(String(to))),
  format: (a) => format(String(a[0]), a.slice(1)),
  jsondecode: ([s]) => {
    try {
      return JSON.parse(String(s)) as unknown;
    } catch {
      return new Unknown("jsondecode(): not JSON");
    }
  },
};

function format(spec: string, args: unknown[]): unknown {
  let n = 0;
  let bad = false;
  const out = spec.replace(/%(%|[-+ #0]*\d*(?:\.\d+)?[sdvfqt])/g, (_, f: string) => {
    if (f === "%") return "%";
    const v = args[n++];
    if (!/^[sdvt]$/.test(f.slice(-1)) || f.length > 1) bad = true;
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  });
  return bad ? new Unknown(`format(${JSON.stringify(spec)}): only %s, %d, %v and %t are evaluated by esm-sim`) : out;
}

/** jsonencode: JSON with object keys sorted, as Terraform writes it; a document with Links is kept as a value. */
function jsonencode(v: unknown): unknown {
  const u = firstUnknown(v);
  if (u) return u;
  if (hasLink(v)) return new JsonDocument(v);
  return JSON.stringify(sortKeys(v));
}

function hasLink(v: unknown): boolean {
  if (v instanceof Link) return true;
  if (Array.isArray(v)) return v.some(hasLink);
  return isObj(v) && Object.values(v).some(hasLink);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}
