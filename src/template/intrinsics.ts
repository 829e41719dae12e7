/**
 * CloudFormation's intrinsic functions and conditions, evaluated as far as a template alone allows.
 * Ref (parameters, pseudo parameters, resources), Fn::GetAtt, Fn::Sub (both forms), Fn::Join, Fn::Select,
 * Fn::Split, Fn::FindInMap, Fn::If, Fn::Equals/Not/And/Or, Condition, Fn::Base64, Fn::GetAZs, Fn::Length and
 * Fn::ToJsonString resolve; Fn::ImportValue, Fn::Cidr, Fn::Transform, dynamic references (`{{resolve:...}}`) and
 * SSM parameter types do not: they become an `Unresolved` value that carries the reason, and whoever reads the
 * property turns it into a warning and uses the AWS default.
 *
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html.
 * esm-sim's choices (AWS has no answer without a deployment): region us-east-1, account 123456789012, stack name
 * esm-sim-stack, Fn::GetAZs returns the region's a, b and c zones. All may be overridden with --parameter
 * (AWS::Region=eu-west-1).
 */
/** A value the template does not determine, with the reason (shown in warnings and in the written scenario). */
export class Unresolved {
  constructor(readonly reason: string) {}
}

/** What `Ref: AWS::NoValue` resolves to: the property is removed. */
import { MAX_TEMPLATE_BYTES } from "./load.js";

export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

export const PSEUDO_DEFAULTS: Readonly<Record<string, string>> = {
  "AWS::Region": "us-east-1",
  "AWS::AccountId": "123456789012",
  "AWS::StackName": "esm-sim-stack",
  "AWS::Partition": "aws",
  "AWS::URLSuffix": "amazonaws.com",
};

/** Resource-level answers, given by the stack (stack.ts). */
export interface ResourceOracle {
  has(logicalId: string): boolean;
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first Unresolved inside a resolved value, if any. */
export function firstUnresolved(v: unknown): Unresolved | null {
  if (v instanceof Unresolved) return v;
  if (Array.isArray(v)) {
    for (const x of v) {
      const u = firstUnresolved(x);
      if (u) return u;
    }
  } else if (isObj(v)) {
    for (const x of Object.values(v)) {
      const u = firstUnresolved(x);
      if (u) return u;
    }
  }
  return null;
}

const DYNAMIC_REF = /\{\{resolve:([a-z-]+):([^}]*)\}\}/;
const MAX_RESOLVE_DEPTH = 60;
/** The longest string Fn::Join or Fn::Sub may build: as long as a whole template may be (template/load.ts). */
const MAX_STRING_CHARS = MAX_TEMPLATE_BYTES;

export interface ParameterSpec {
  Type?: unknown;
  Default?: unknown;
  AllowedValues?: unknown;
}

export class Resolver {
  private readonly conditionMemo = new Map<string, boolean | Unresolved>();
  private readonly conditionVisiting = new Set<string>();
  readonly pseudo: Record<string, string>;

  constructor(
    private readonly root: Obj,
    /** Parameter values given on the command line (--parameter K=V); pseudo parameters may be among them. */
    private readonly overrides: ReadonlyMap<string, string>,
    private oracle: ResourceOracle,
  ) {
    this.pseudo = { ...PSEUDO_DEFAULTS };
    for (const [k, v] of overrides) if (k in PSEUDO_DEFAULTS) this.pseudo[k] = v;
    this.pseudo["AWS::StackId"] = `arn:${this.pseudo["AWS::Partition"]}:cloudformation:${this.pseudo["AWS::Region"]}:${this.pseudo["AWS::AccountId"]}:stack/${this.pseudo["AWS::StackName"]}/00000000-0000-0000-0000-000000000000`;
  }

  setOracle(oracle: ResourceOracle): void {
    this.oracle = oracle;
  }

  get region(): string {
    return this.pseudo["AWS::Region"];
  }
  get account(): string {
    return this.pseudo["AWS::AccountId"];
  }
  get partition(): string {
    return this.pseudo["AWS::Partition"];
  }
  get stackName(): string {
    return this.pseudo["AWS::StackName"];
  }

  private section(name: string): Obj {
    const s = this.root[name];
    return isObj(s) ? s : {};
  }

  /** The value of a parameter: the --parameter override, else its Default. */
  parameter(name: string): unknown {
    const parameters = this.section("Parameters");
    const spec = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (!isObj(spec)) return new Unresolved(`"${name}" is not a parameter of the template`);
    const type = typeof spec.Type === "string" ? spec.Type : "String";
    const given = this.overrides.get(name);
    if (given === undefined && type.startsWith("AWS::SSM::Parameter::Value<")) {
      return new Unresolved(`parameter ${name} is read from SSM Parameter Store (${typeof spec.Default === "string" ? spec.Default : "no Default"}) when the stack deploys; pass --parameter ${name}=VALUE`);
    }
    const raw = given ?? spec.Default;
    if (raw === undefined) return new Unresolved(`parameter ${name} has no Default; pass --parameter ${name}=VALUE`);
    if (type === "Number") {
      const n = typeof raw === "number" ? raw : Number(String(raw));
      return Number.isFinite(n) && String(raw).trim() !== "" ? n : raw;
    }
    if (type === "CommaDelimitedList" || type.startsWith("List<")) {
      if (Array.isArray(raw)) return raw;
      if (typeof raw === "object" && raw !== null) return new Unresolved(`parameter ${name} of type ${type} is a map, not a list or a comma-separated string`);
      return String(raw)
        .split(",")
        .map((s) => s.trim());
    }
    return raw;
  }

  /** Whether the named condition holds, or Unresolved. */
  condition(name: string): boolean | Unresolved {
    const memo = this.conditionMemo.get(name);
    if (memo !== undefined) return memo;
    const conditions = this.section("Conditions");
    if (!Object.hasOwn(conditions, name)) return new Unresolved(`condition ${name}, which is not defined in Conditions`);
    if (this.conditionVisiting.has(name)) return new Unresolved(`condition ${name}, which refers to itself`);
    this.conditionVisiting.add(name);
    const v = this.resolve(conditions[name], 0, true);
    this.conditionVisiting.delete(name);
    const u = firstUnresolved(v);
    const result: boolean | Unresolved = u ? new Unresolved(`condition ${name}, which cannot be evaluated: ${u.reason}`) : typeof v === "boolean" ? v : new Unresolved(`condition ${name}, which is not a true/false expression`);
    this.conditionMemo.set(name, result);
    return result;
  }

  /** Resolve every intrinsic inside `value`. Unresolvable parts become Unresolved; AWS::NoValue removes keys. */
  resolve(value: unknown, depth = 0, inCondition = false): unknown {
    if (depth > MAX_RESOLVE_DEPTH) return new Unresolved("the expression nests too deeply (or refers to itself)");
    if (typeof value === "string") {
      const m = DYNAMIC_REF.exec(value);
      if (m) return new Unresolved(`dynamic reference {{resolve:${m[1]}:${m[2]}}} is read from ${m[1] === "ssm" || m[1] === "ssm-secure" ? "SSM Parameter Store" : "Secrets Manager"} when the stack deploys`);
      return value;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const x of value) {
        const r = this.resolve(x, depth + 1, inCondition);
        if (r !== NO_VALUE) out.push(r);
      }
      return out;
    }
    if (!isObj(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const k = keys[0];
      if (k === "Ref" || k.startsWith("Fn::") || (k === "Condition" && inCondition && typeof value[k] === "string")) {
        return this.intrinsic(k, value[k], depth + 1, inCondition);
      }
    }
    const out: Obj = {};
    for (const k of keys) {
      const r = this.resolve(value[k], depth + 1, inCondition);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private intrinsic(fn: string, arg: unknown, depth: number, inCondition: boolean): unknown {
    const r = (v: unknown) => this.resolve(v, depth + 1, inCondition);
    const bad = (expected: string) => new Unresolved(`${fn} expects ${expected}`);
    switch (fn) {
      case "Ref": {
        const name = r(arg);
        if (name instanceof Unresolved) return name;
        if (typeof name !== "string") return bad("a parameter or logical id");
        return this.ref(name);
      }
      case "Condition": {
        if (typeof arg !== "string") return bad("a condition name");
        return this.condition(arg);
      }
      case "Fn::GetAtt": {
        let parts = r(arg);
        if (parts instanceof Unresolved) return parts;
        if (typeof parts === "string") parts = [parts.slice(0, Math.max(0, parts.indexOf("."))), parts.slice(parts.indexOf(".") + 1)];
        if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== "string" || typeof parts[1] !== "string") return bad("[LogicalId, Attribute]");
        if (!this.oracle.has(parts[0])) return new Unresolved(`Fn::GetAtt on "${parts[0]}", which is not a resource of the template`);
        return this.oracle.getAtt(parts[0], parts[1]);
      }
      case "Fn::Sub":
        return this.sub(arg, depth);
      case "Fn::Join": {
        if (!Array.isArray(arg) || arg.length !== 2) return bad("[delimiter, [values]]");
        const delim = r(arg[0]);
        const list = r(arg[1]);
        const u = firstUnresolved([delim, list]);
        if (u) return u;
        if (typeof delim !== "string" || !Array.isArray(list)) return bad("[delimiter, [values]]");
        if (!list.every((x) => typeof x === "string" || typeof x === "number" || typeof x === "boolean")) return bad("a list of strings");
        const parts = list.map(String);
        const length = parts.reduce((n, p) => n + p.length, delim.length * Math.max(0, parts.length - 1));
        if (length > MAX_STRING_CHARS) return new Unresolved(`Fn::Join builds a string of ${length} characters; esm-sim resolves strings of up to ${MAX_STRING_CHARS}`);
        return parts.join(delim);
      }
      case "Fn::Select": {
        if (!Array.isArray(arg) || arg.length !== 2) return bad("[index, [values]]");
        const index = r(arg[0]);
        const list = r(arg[1]);
        const u = firstUnresolved([index, list]);
        if (u) return u;
        const i = Number(index);
        if (!Array.isArray(list) || !Number.isInteger(i) || i < 0 || i >= list.length) return bad("an index within the list");
        return list[i];
      }
      case "Fn::Split": {
        if (!Array.isArray(arg) || arg.length !== 2) return bad("[delimiter, string]");
        const delim = r(arg[0]);
        const s = r(arg[1]);
        const u = firstUnresolved([delim, s]);
        if (u) return u;
        if (typeof delim !== "string" || typeof s !== "string" || delim === "") return bad("[delimiter, string]");
        return s.split(delim);
      }
      case "Fn::FindInMap": {
        if (!Array.isArray(arg) || arg.length < 3) return bad("[MapName, TopLevelKey, SecondLevelKey]");
        const names = [r(arg[0]), r(arg[1]), r(arg[2])];
        const u = firstUnresolved(names);
        if (u) return u;
        // Names are strings (or numbers); a map or a list here would show as [object Object] in messages.
        const notName = names.find((n) => typeof n !== "string" && typeof n !== "number");
        if (notName !== undefined) return new Unresolved(`Fn::FindInMap: the map name and keys must be strings (got ${JSON.stringify(notName)?.slice(0, 60) ?? String(notName)})`);
        // Own keys only: `constructor` or `__proto__` are not mappings.
        const own = (o: unknown, k: unknown) => (isObj(o) && Object.hasOwn(o, String(k)) ? o[String(k)] : undefined);
        const m = own(this.section("Mappings"), names[0]);
        const top = own(m, names[1]);
        const v = own(top, names[2]);
        if (v !== undefined) return r(v);
        // The AWS::LanguageExtensions form carries a fallback: [map, k1, k2, { DefaultValue: v }].
        const fallback = arg[3];
        if (isObj(fallback) && "DefaultValue" in fallback) return r(fallback.DefaultValue);
        return new Unresolved(`Fn::FindInMap: Mappings has no ${names.map(String).join(".")}`);
      }
      case "Fn::If": {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== "string") return bad("[ConditionName, valueIfTrue, valueIfFalse]");
        const c = this.condition(arg[0]);
        if (c instanceof Unresolved) return new Unresolved(`Fn::If picks by ${c.reason}`);
        return r(c ? arg[1] : arg[2]);
      }
      case "Fn::Equals": {
        if (!Array.isArray(arg) || arg.length !== 2) return bad("[value1, value2]");
        const a = r(arg[0]);
        const b = r(arg[1]);
        const u = firstUnresolved([a, b]);
        if (u) return u;
        return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
      }
      case "Fn::Not": {
        const v = Array.isArray(arg) && arg.length === 1 ? this.resolve(arg[0], depth + 1, true) : bad("[condition]");
        if (v instanceof Unresolved) return v;
        return typeof v === "boolean" ? !v : bad("a true/false condition");
      }
      case "Fn::And":
      case "Fn::Or": {
        if (!Array.isArray(arg) || arg.length < 2) return bad("a list of 2 to 10 conditions");
        const vs = arg.map((x) => this.resolve(x, depth + 1, true));
        // A known deciding operand settles the result even when another is unknown.
        const decider = fn === "Fn::And" ? false : true;
        if (vs.some((v) => v === decider)) return decider;
        const u = firstUnresolved(vs);
        if (u) return u;
        if (!vs.every((v) => typeof v === "boolean")) return bad("true/false conditions");
        return !decider;
      }
      case "Fn::Base64": {
        const s = r(arg);
        if (s instanceof Unresolved) return s;
        return typeof s === "string" ? Buffer.from(s, "utf8").toString("base64") : bad("a string");
      }
      case "Fn::GetAZs": {
        const region = r(arg);
        if (region instanceof Unresolved) return region;
        const reg = typeof region === "string" && region !== "" ? region : this.region;
        return [`${reg}a`, `${reg}b`, `${reg}c`];
      }
      case "Fn::Length": {
        const list = r(arg);
        if (list instanceof Unresolved) return list;
        return Array.isArray(list) ? list.length : bad("a list");
      }
      case "Fn::ToJsonString": {
        const v = r(arg);
        const u = firstUnresolved(v);
        return u ?? JSON.stringify(v);
      }
      case "Fn::ImportValue": {
        const name = r(arg);
        const shown = name instanceof Unresolved ? "(a name that cannot be resolved)" : JSON.stringify(name);
        return new Unresolved(`Fn::ImportValue ${shown} is an output exported by another stack`);
      }
      case "Fn::Cidr":
        return new Unresolved("Fn::Cidr is not evaluated by esm-sim");
      case "Fn::Transform":
        return new Unresolved("Fn::Transform runs a macro when the stack deploys");
      default:
        return new Unresolved(`${fn} is not a CloudFormation intrinsic function esm-sim knows`);
    }
  }

  /** Ref to a pseudo parameter, a parameter or a resource. */
  ref(name: string): unknown {
    if (name === "AWS::NoValue") return NO_VALUE;
    if (name === "AWS::NotificationARNs") return [];
    // Own keys only, here and below: `toString` or `constructor` name no parameter, pseudo parameter or condition.
    if (Object.hasOwn(this.pseudo, name)) return this.pseudo[name];
    if (name.startsWith("AWS::")) return new Unresolved(`${name} is not a pseudo parameter esm-sim knows`);
    if (Object.hasOwn(this.section("Parameters"), name)) return this.parameter(name);
    if (this.oracle.has(name)) return this.oracle.ref(name);
    return new Unresolved(`Ref to "${name}", which is neither a parameter nor a resource of the template`);
  }

  private sub(arg: unknown, depth: number): unknown {
    let text: unknown = arg;
    let vars: Obj = {};
    if (Array.isArray(arg)) {
      if (arg.length !== 2 || !isObj(arg[1])) return new Unresolved("Fn::Sub expects a string or [string, { Var: value }]");
      text = arg[0];
      vars = arg[1];
    }
    if (typeof text !== "string") return new Unresolved("Fn::Sub expects a string");
    let out = "";
    let i = 0;
    while (i < text.length) {
      const start = text.indexOf("${", i);
      if (start < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, start);
      const end = text.indexOf("}", start);
      if (end < 0) {
        out += text.slice(start);
        break;
      }
      const name = text.slice(start + 2, end);
      i = end + 1;
      if (name.startsWith("!")) {
        out += "${" + name.slice(1) + "}";
        continue;
      }
      let v: unknown;
      if (Object.hasOwn(vars, name)) v = this.resolve(vars[name], depth + 1);
      else if (name.includes(".") && !name.startsWith("AWS::")) {
        const dot = name.indexOf(".");
        const id = name.slice(0, dot);
        v = this.oracle.has(id) ? this.oracle.getAtt(id, name.slice(dot + 1)) : new Unresolved(`Fn::Sub: \${${name}} names no resource of the template`);
      } else v = this.ref(name);
      if (v instanceof Unresolved) return v;
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return new Unresolved(`Fn::Sub: \${${name}} is not a string`);
      out += String(v);
      if (out.length > MAX_STRING_CHARS) return new Unresolved(`Fn::Sub builds a string of more than ${MAX_STRING_CHARS} characters; esm-sim resolves strings of up to ${MAX_STRING_CHARS}`);
    }
    return this.resolve(out, depth + 1);
  }
}

