/**
 * Event filtering (FilterCriteria): parse and compile EventBridge-style filter patterns once into closures, then
 * match records with no parsing and no allocation per match (except lower-casing for equals-ignore-case).
 * Pure: no clock, no randomness, no trace.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (FILTER),
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html (SQS-FILTER),
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html,
 *   https://docs.aws.amazon.com/lambda/latest/api/API_Filter.html (Pattern: at most 4096 characters),
 *   the archived FILTER page (github.com/awsdocs/aws-lambda-developer-guide, doc_source/invocation-eventfiltering.md)
 *   for the JSON mismatch tables.
 *
 * Semantics (AWS's, as documented):
 * - Up to 5 filters by default, 10 with a quota increase; filters are ORed: a record is kept if any pattern matches.
 * - Within a pattern all fields must match (AND); a field's list of values matches if any entry matches (OR).
 *   `$or: [p1, p2, ...]` at any level matches if any sub-pattern matches on the same object.
 * - A record field holding an array matches if any element matches; objects inside arrays are matched element by
 *   element, so two fields of one sub-pattern must match within the same element.
 * - Exact values: strings character by character; numbers by their spelling (300 does not match 300.0 or 3.0e2);
 *   true, false, null by identity. null matches a field whose value is null, not a missing field; "" matches "".
 * - Operators: prefix, suffix, equals-ignore-case (prefix and suffix may hold {"equals-ignore-case": "..."}),
 *   anything-but (a value, a list of only strings or only numbers, or {prefix|suffix|equals-ignore-case}),
 *   numeric (=, <, <=, >, >=; one bound or one lower plus one upper), exists (true or false).
 *   Operators only work on strings (prefix, suffix, equals-ignore-case) or numbers (numeric).
 * - exists works on leaves only: exists:false matches a missing field and a field holding an object (no leaf);
 *   exists:true matches a field holding any leaf value (null included).
 * - numeric compares numerically, limited to -5e9..5e9 with six decimal places (EventBridge's limits): values are
 *   rounded to micro-units before comparing; a record value outside the limits never matches numeric.
 * - Invalid patterns are refused with AWS's text "Invalid filter pattern definition." plus which field and why.
 * - Data keys (FILTER): SQS `body`, Kinesis `data`, DynamoDB `dynamodb`. On a data key, a JSON (object) pattern
 *   against data that is not JSON, or a plain value-list pattern against JSON data, drops the record (archived
 *   FILTER mismatch tables). For Kinesis and DynamoDB a value-list pattern on the data key is refused at creation.
 *
 * esm-sim's choices where AWS is silent (also in README "Filtering"):
 * - More than 5 filters: accepted up to 10 with a warning (the quota must be raised); above 10 refused.
 * - "JSON data" means text that parses as a JSON object or array; a body such as `42` or `"x"` is a plain string.
 * - SQS patterns on keys other than `body`: AWS documents body-only filtering for SQS; esm-sim warns and matches
 *   them against the event fields of the SQS record (messageId, attributes, messageAttributes, eventSource, ...).
 * - anything-but matches any present leaf not excluded; a non-string value is never excluded by the
 *   prefix/suffix/equals-ignore-case forms; numbers in an anything-but list are compared numerically.
 * - An empty pattern `{}` and `$or` with fewer than two sub-patterns are refused (EventBridge would read a one-entry
 *   `$or` as a field named "$or").
 * - wildcard and cidr (EventBridge operators absent from Lambda's documented filter syntax) are refused.
 * Not modelled: Amazon MQ, MSK and Kafka sources (data keys `data`, `value`), base64 in the Kinesis event (filters
 * see the decoded data), message attributes' own typed values (SQS messageAttributes are empty).
 */
import { assert } from "../engine/assert.js";
import { JsonNumber, parseJsonText, type ChildOffsets } from "./json-text.js";

export type FilterSource = "sqs" | "sqs-fifo" | "kinesis" | "dynamodb";

/** AWS's text for a pattern it refuses. */
export const INVALID_PATTERN = "Invalid filter pattern definition.";
/** Filters per mapping: the default quota and the most a quota increase allows (FILTER). */
export const FILTERS_DEFAULT_QUOTA = 5;
export const FILTERS_MAX = 10;
/** Pattern length limit (API_Filter). */
export const PATTERN_MAX_CHARS = 4096;
/** EventBridge's numeric matching range. */
export const NUMERIC_LIMIT = 5e9;

const OPERATORS = ["prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"] as const;
const UNSUPPORTED_OPERATORS = ["wildcard", "cidr"];
/** The key that holds a record's data, per source (FILTER); without a source, any of them. */
function dataKeysOf(source: FilterSource | undefined): ReadonlySet<string> {
  if (source === "sqs" || source === "sqs-fifo") return new Set(["body"]);
  if (source === "kinesis") return new Set(["data"]);
  if (source === "dynamodb") return new Set(["dynamodb"]);
  return new Set(["body", "data", "dynamodb"]);
}

export interface FilterProblem {
  severity: "error" | "warning";
  /** What kind of problem: `shape` problems (FilterCriteria not a map, Pattern not a string) are also caught by
   *  the scenario schema, which callers with a schema may skip. */
  code: "shape" | "limit" | "pattern";
  /** Path inside the FilterCriteria value, e.g. ["Filters", 0, "Pattern"]. */
  path: (string | number)[];
  /** Character offset inside the Pattern string where the problem is, when known. */
  offset?: number;
  message: string;
}

export interface CompiledFilter {
  /** The Pattern strings as written, in order. Empty: no filtering (every record is kept). */
  readonly patterns: readonly string[];
  /** True when the record (a filterView) satisfies at least one pattern (or there are no patterns). */
  matches(record: unknown): boolean;
  /** Top-level keys the patterns read, sorted: if they only name the data key, the result depends on the payload only. */
  readonly roots: readonly string[];
  /** Every field path the patterns read (including inside $or), sorted by their dotted form. */
  readonly paths: readonly (readonly string[])[];
}

export type FilterParse =
  | { ok: true; filter: CompiledFilter; warnings: FilterProblem[] }
  | { ok: false; problems: FilterProblem[]; warnings: FilterProblem[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
const hasOwn = Object.prototype.hasOwnProperty;

/** Parse and compile a mapping's FilterCriteria value: `{ Filters: [{ Pattern: "<JSON>" }, ...] }`.
 *  With `source`, source-specific rules apply (value-list patterns on stream data keys, SQS keys beyond body). */
export function parseFilterCriteria(raw: unknown, source?: FilterSource): FilterParse {
  const problems: FilterProblem[] = [];
  const warnings: FilterProblem[] = [];
  if (raw === undefined || raw === null) return { ok: true, filter: compiledFilter([], []), warnings };
  if (!isObj(raw)) {
    problems.push({ severity: "error", code: "shape", path: [], message: `FilterCriteria must be a map such as { Filters: [ { Pattern: '{"body": {"x": ["y"]}}' } ] } (got ${kindOf(raw)})` });
    return { ok: false, problems, warnings };
  }
  for (const k of Object.keys(raw)) {
    if (k !== "Filters") problems.push({ severity: "error", code: "shape", path: [k], message: `unknown key in FilterCriteria (allowed: Filters)` });
  }
  const filters = raw.Filters;
  if (filters === undefined) return problems.length ? { ok: false, problems, warnings } : { ok: true, filter: compiledFilter([], []), warnings };
  if (!Array.isArray(filters)) {
    problems.push({ severity: "error", code: "shape", path: ["Filters"], message: `Filters must be a list of { Pattern: "<JSON>" } (got ${kindOf(filters)})` });
    return { ok: false, problems, warnings };
  }
  if (filters.length > FILTERS_MAX) {
    problems.push({ severity: "error", code: "limit", path: ["Filters"], message: `at most ${FILTERS_MAX} filters per event source mapping (${FILTERS_DEFAULT_QUOTA} by default, up to ${FILTERS_MAX} with a quota increase) (got ${filters.length})` });
  } else if (filters.length > FILTERS_DEFAULT_QUOTA) {
    warnings.push({ severity: "warning", code: "limit", path: ["Filters"], message: `${filters.length} filters is above the default quota of ${FILTERS_DEFAULT_QUOTA} per event source mapping: AWS refuses the mapping unless the quota was raised (up to ${FILTERS_MAX})` });
  }
  const texts: string[] = [];
  const compiled: Matcher[] = [];
  const paths: string[][] = [];
  filters.forEach((f, i) => {
    const text = patternText(f, ["Filters", i], problems);
    if (text === null) return;
    const r = compilePattern(text, source);
    for (const p of r.problems) (p.severity === "error" ? problems : warnings).push({ ...p, path: ["Filters", i, "Pattern"] });
    if (r.matcher) {
      texts.push(text);
      compiled.push(r.matcher);
      for (const p of r.paths) paths.push(p);
    }
  });
  if (problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, filter: compiledFilter(texts, compiled, paths), warnings };
}

/** A filter's Pattern string, or null (its problems added) when the filter is not `{ Pattern: "<JSON>" }` within the length limit. */
function patternText(f: unknown, at: (string | number)[], problems: FilterProblem[]): string | null {
  if (!isObj(f)) {
    problems.push({ severity: "error", code: "shape", path: at, message: `a filter must be a map { Pattern: "<JSON>" } (got ${kindOf(f)})` });
    return null;
  }
  for (const k of Object.keys(f)) {
    if (k !== "Pattern") problems.push({ severity: "error", code: "shape", path: [...at, k], message: `unknown key in a filter (allowed: Pattern)` });
  }
  const text = f.Pattern;
  const pAt = [...at, "Pattern"];
  if (typeof text !== "string") {
    problems.push({ severity: "error", code: "shape", path: pAt, message: `Pattern must be a string holding a JSON event pattern, e.g. '{"body": {"x": ["y"]}}' (got ${kindOf(text)}); AWS says "Invalid filter pattern definition."` });
    return null;
  }
  if (text.length > PATTERN_MAX_CHARS) {
    problems.push({ severity: "error", code: "limit", path: pAt, message: `failed to satisfy constraint: Member must have length less than or equal to ${PATTERN_MAX_CHARS} (got ${text.length} characters)` });
    return null;
  }
  return text;
}

function compiledFilter(texts: string[], matchers: Matcher[], paths: string[][] = []): CompiledFilter {
  const n = matchers.length;
  const matches =
    n === 0
      ? () => true
      : n === 1
        ? matchers[0]
        : (record: unknown) => {
            for (let i = 0; i < n; i++) if (matchers[i](record)) return true;
            return false;
          };
  const byKey = new Map<string, string[]>();
  for (const p of paths) byKey.set(p.join("\u0000"), p);
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const roots = [...new Set(paths.map((p) => p[0]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { patterns: texts, matches, roots, paths: keys.map((k) => byKey.get(k)!) };
}

/** Which top-level keys a filter reads. */
export function referencedRoots(filter: CompiledFilter): readonly string[] {
  return filter.roots;
}

/** True when a filter's verdict on a record depends on the record's payload only (so a caller may compute it once
 *  per payload): SQS patterns that read only `body`, Kinesis patterns that read only `data`. */
export function payloadDecides(filter: CompiledFilter, source: FilterSource): boolean {
  const key = source === "kinesis" ? "data" : source === "dynamodb" ? null : "body";
  return key !== null && filter.roots.every((r) => r === key);
}

// ------------------------------------------------------------------------------------------------------------
// Compiling one pattern

type Matcher = (v: unknown) => boolean;
type ValueTest = (x: unknown) => boolean;

interface PatternResult {
  matcher: Matcher | null;
  problems: Omit<FilterProblem, "path">[];
  paths: string[][];
}

type Problems = Omit<FilterProblem, "path">[];
/** What an entry of a field's list compiles to: a test of one value, or an exists operator. */
type EntryTest = ValueTest | "exists:true" | "exists:false";

function compilePattern(text: string, source: FilterSource | undefined): PatternResult {
  const parsed = parseJsonText(text, { offsets: true });
  if (!parsed.ok) {
    const problem = { severity: "error" as const, code: "pattern" as const, offset: parsed.offset, message: `${INVALID_PATTERN} Not valid JSON: ${parsed.message} (at character ${parsed.offset + 1})` };
    return { matcher: null, problems: [problem], paths: [] };
  }
  const c = new PatternCompiler(parsed.offsets!, source);
  const root = parsed.value;
  if (!isObj(root)) {
    c.bad([], parsed.rootOffset, `a pattern must be a JSON object such as {"body": {"status": ["ERROR"]}} (got ${kindOf(root)})`);
    return { matcher: null, problems: c.problems, paths: c.paths };
  }
  const matcher = c.object(root, [], [], parsed.rootOffset, true);
  return { matcher: c.problems.some((p) => p.severity === "error") ? null : matcher, problems: c.problems, paths: c.paths };
}

/**
 * Compiles the parsed JSON of one pattern into matchers, node by node, collecting every problem (with its offset in
 * the pattern text) rather than stopping at the first, and the record paths the pattern reads. In messages, `field`
 * names a node as the pattern writes it ($or branches included); `rec` is its path in the record; `top` marks the
 * record's top level, where the data keys are.
 */
class PatternCompiler {
  readonly problems: Problems = [];
  readonly paths: string[][] = [];
  private readonly dataKeys: ReadonlySet<string>;

  constructor(
    private readonly offsets: WeakMap<object, ChildOffsets>,
    private readonly source: FilterSource | undefined,
  ) {
    this.dataKeys = dataKeysOf(source);
  }

  bad(field: string[], offset: number | undefined, why: string): void {
    const where = field.length ? `${field.join(".")}: ` : "";
    this.problems.push({ severity: "error", code: "pattern", offset, message: `${INVALID_PATTERN} ${where}${why}` });
  }

  private valueOffset(container: object, key: string | number): number | undefined {
    return this.offsets.get(container)?.values.get(key);
  }

  private keyOffset(container: object, key: string): number | undefined {
    return this.offsets.get(container)?.keys.get(key);
  }

  /** An object node: each field, and each `$or` group. */
  object(node: Obj, field: string[], rec: string[], nodeOffset: number | undefined, top: boolean): Matcher | null {
    const keys = Object.keys(node);
    if (keys.length === 0) {
      this.bad(field, nodeOffset, field.length ? `an empty object matches nothing: give fields, or a list of values such as ["x"]` : `an empty pattern {} has no field to match`);
      return null;
    }
    const fieldMatchers: { key: string; m: Matcher }[] = [];
    const ors: Matcher[][] = [];
    let okAll = true;
    for (const key of keys) {
      if (key === "$or") {
        const branches = this.orGroup(node[key], field, rec, this.valueOffset(node, key), top);
        if (branches) ors.push(branches);
        else okAll = false;
        continue;
      }
      const m = this.field(node, key, field, rec, top);
      if (m) fieldMatchers.push({ key, m });
      else okAll = false;
    }
    if (top && (this.source === "sqs" || this.source === "sqs-fifo")) this.warnSqsKeys(node, keys);
    return okAll ? objectMatcher(fieldMatchers, ors) : null;
  }

  /** `$or: [p1, p2, ...]`: every branch compiled on the same object; null when the group or a branch is invalid. */
  private orGroup(v: unknown, field: string[], rec: string[], vOff: number | undefined, top: boolean): Matcher[] | null {
    if (!Array.isArray(v) || v.length < 2 || !v.every(isObj)) {
      this.bad([...field, "$or"], vOff, `$or must be a list of at least two pattern objects, e.g. "$or": [{"a": ["x"]}, {"b": ["y"]}] (got ${kindOf(v)})`);
      return null;
    }
    const branches: Matcher[] = [];
    let ok = true;
    v.forEach((b, j) => {
      const m = this.object(b as Obj, [...field, `$or[${j}]`], rec, this.valueOffset(v, j), top);
      if (m) branches.push(m);
      else ok = false;
    });
    return ok ? branches : null;
  }

  /** One field of an object node: a list of values and operators, a nested object, or a mistake. */
  private field(node: Obj, key: string, field: string[], rec: string[], top: boolean): Matcher | null {
    const v = node[key];
    const sub = [...field, key];
    const vOff = this.valueOffset(node, key);
    if (Array.isArray(v)) return this.listField(v, key, sub, rec, vOff, top);
    if (isObj(v)) return this.objectField(v, key, sub, rec, vOff, top);
    if ((OPERATORS as readonly string[]).includes(key) || UNSUPPORTED_OPERATORS.includes(key)) {
      const parent = field.length ? field[field.length - 1] : "field";
      this.bad(sub, this.keyOffset(node, key), `"${key}" is an operator and must sit inside a field's list, e.g. "${parent}": [{"${key}": ${jsonOf(v)}}] (operators work on leaf values only)`);
    } else {
      this.bad(sub, vOff, `must be a non-empty list of values or operators, e.g. [${jsonOf(v)}] (got ${jsonOf(v)})`);
    }
    return null;
  }

  private listField(list: unknown[], key: string, sub: string[], rec: string[], vOff: number | undefined, top: boolean): Matcher | null {
    const m = this.leaf(list, sub, vOff);
    if (!m) return null;
    let out = m;
    if (top && this.dataKeys.has(key)) {
      if (this.source === "kinesis" || this.source === "dynamodb") {
        this.bad(sub, vOff, `the filter pattern for data properties must be in a valid JSON format: write an object pattern such as {"${key}": {"field": ["value"]}} (got a list of values)`);
        return null;
      }
      // A value-list pattern on a data key never matches JSON data (mismatch table: the record is dropped).
      out = (x) => !isStructured(x) && m(x);
    }
    this.paths.push([...rec, key]);
    return out;
  }

  private objectField(node: Obj, key: string, sub: string[], rec: string[], vOff: number | undefined, top: boolean): Matcher | null {
    const m = this.object(node, sub, [...rec, key], vOff, false);
    if (!m) return null;
    // A JSON pattern on a data key never matches data that is not JSON (mismatch table: the record is dropped).
    return top && this.dataKeys.has(key) ? (x) => (x === undefined || isStructured(x)) && m(x) : m;
  }

  /** SQS filters only on body (AWS); esm-sim matches other top-level keys against the record's fields, with a warning. */
  private warnSqsKeys(node: Obj, keys: string[]): void {
    for (const key of keys) {
      if (key !== "body" && key !== "$or") {
        this.problems.push({ severity: "warning", code: "pattern", offset: this.keyOffset(node, key), message: `"${key}": SQS event source mappings only support filtering on the body key (AWS); esm-sim matches it against the SQS record's own fields (messageId, attributes, messageAttributes, eventSource, eventSourceARN, awsRegion)` });
      }
    }
  }

  /** A field's list: any entry may match (exact values and operators); exists entries decide for missing fields. */
  private leaf(list: unknown[], field: string[], listOffset: number | undefined): Matcher | null {
    if (list.length === 0) {
      this.bad(field, listOffset, `must be a non-empty list of values or operators, e.g. ["x"] (got [])`);
      return null;
    }
    const tests: ValueTest[] = [];
    let existsTrue = false;
    let existsFalse = false;
    let ok = true;
    list.forEach((e, j) => {
      const r = this.entry(e, field, this.valueOffset(list, j));
      if (r === null) ok = false;
      else if (r === "exists:true") existsTrue = true;
      else if (r === "exists:false") existsFalse = true;
      else tests.push(r);
    });
    return ok ? leafMatcher(tests, existsTrue, existsFalse) : null;
  }

  /** One entry of a field's list: an exact value, or an operator object. */
  private entry(e: unknown, field: string[], off: number | undefined): EntryTest | null {
    if (typeof e === "string") return (x) => x === e;
    if (typeof e === "number" || e instanceof JsonNumber) return exactNumber(e);
    if (typeof e === "boolean") return (x) => x === e;
    if (e === null) return (x) => x === null;
    if (Array.isArray(e)) {
      this.bad(field, off, `a list of values may hold strings, numbers, true, false, null or operator objects, not a nested list (got ${jsonOf(e)})`);
      return null;
    }
    return this.operator(e as Obj, field, off);
  }

  /** `{"<operator>": <argument>}`: exactly one operator, and an argument it accepts. */
  private operator(op: Obj, field: string[], off: number | undefined): EntryTest | null {
    const keys = Object.keys(op);
    if (keys.length !== 1) {
      this.bad(field, off, `an operator object holds exactly one operator such as {"prefix": "x"} (got ${jsonOf(op)})`);
      return null;
    }
    const name = keys[0];
    const arg = op[name];
    const opOff = this.valueOffset(op, name);
    const fail = (why: string): null => {
      this.bad(field, opOff, `${name}: ${why} (got ${jsonOf(arg)})`);
      return null;
    };
    switch (name) {
      case "prefix":
      case "suffix":
        return compileAffix(name === "prefix", arg, fail);
      case "equals-ignore-case":
        return compileEqualsIgnoreCase(arg, fail);
      case "exists":
        if (typeof arg !== "boolean") return fail("must be true or false");
        return arg ? "exists:true" : "exists:false";
      case "numeric":
        return compileNumeric(arg, fail);
      case "anything-but":
        return compileAnythingBut(arg, fail);
      default:
        this.bad(field, this.keyOffset(op, name), UNSUPPORTED_OPERATORS.includes(name) ? `"${name}" is an EventBridge operator that Lambda event filtering does not document; operators: ${OPERATORS.join(", ")}` : `unknown operator "${name}" (operators: ${OPERATORS.join(", ")})`);
        return null;
    }
  }
}

/** prefix or suffix: a string, or {"equals-ignore-case": "<string>"} to ignore case. */
function compileAffix(starts: boolean, arg: unknown, fail: (why: string) => null): ValueTest | null {
  if (typeof arg === "string") return starts ? (x) => typeof x === "string" && x.startsWith(arg) : (x) => typeof x === "string" && x.endsWith(arg);
  if (isObj(arg) && Object.keys(arg).length === 1 && typeof arg["equals-ignore-case"] === "string") {
    const lower = (arg["equals-ignore-case"] as string).toLowerCase();
    return starts ? (x) => typeof x === "string" && x.toLowerCase().startsWith(lower) : (x) => typeof x === "string" && x.toLowerCase().endsWith(lower);
  }
  return fail(`must be a string, or {"equals-ignore-case": "<string>"}`);
}

function compileEqualsIgnoreCase(arg: unknown, fail: (why: string) => null): ValueTest | null {
  if (typeof arg !== "string") return fail("must be a string");
  const lower = arg.toLowerCase();
  return (x) => typeof x === "string" && x.toLowerCase() === lower;
}

const isStructured = (x: unknown): boolean => typeof x === "object" && x !== null && !(x instanceof JsonNumber);

/** An object node: every field matches, and each $or group has a matching branch. Arrays: any element. */
function objectMatcher(fields: { key: string; m: Matcher }[], ors: Matcher[][]): Matcher {
  const keys = fields.map((f) => f.key);
  const ms = fields.map((f) => f.m);
  return ors.length === 0 ? fieldsMatcher(keys, ms) : fieldsAndOrsMatcher(keys, ms, ors);
}

/** Fields only (the common case): field `keys[i]` of the object must satisfy `ms[i]`. */
function fieldsMatcher(keys: string[], ms: Matcher[]): Matcher {
  const nf = keys.length;
  const noOr = (v: unknown): boolean => {
    if (typeof v === "object" && v !== null && !(v instanceof JsonNumber)) {
      if (Array.isArray(v)) {
        if (v.length === 0) return noOr(undefined);
        for (let i = 0; i < v.length; i++) if (noOr(v[i])) return true;
        return false;
      }
      const o = v as Obj;
      for (let i = 0; i < nf; i++) {
        const k = keys[i];
        if (!ms[i](hasOwn.call(o, k) ? o[k] : undefined)) return false;
      }
      return true;
    }
    for (let i = 0; i < nf; i++) if (!ms[i](undefined)) return false;
    return true;
  };
  return noOr;
}

/** Fields and $or groups: every field, and in each group at least one branch, on the same object. */
function fieldsAndOrsMatcher(keys: string[], ms: Matcher[], ors: Matcher[][]): Matcher {
  const nf = keys.length;
  const self = (v: unknown): boolean => {
    if (Array.isArray(v)) {
      if (v.length === 0) return self(undefined);
      for (let i = 0; i < v.length; i++) if (self(v[i])) return true;
      return false;
    }
    const o = isObj(v) ? v : null;
    for (let i = 0; i < nf; i++) {
      const k = keys[i];
      if (!ms[i](o !== null && hasOwn.call(o, k) ? o[k] : undefined)) return false;
    }
    for (let g = 0; g < ors.length; g++) {
      const group = ors[g];
      let any = false;
      for (let j = 0; j < group.length; j++) {
        if (group[j](v)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  };
  return self;
}

/** A leaf: the field's leaf values (arrays flattened, objects skipped) against value tests and exists. */
function leafMatcher(tests: ValueTest[], existsTrue: boolean, existsFalse: boolean): Matcher {
  const n = tests.length;
  // 0: no leaf value seen; 1: leaf values seen, none matched; 2: matched.
  const scan = (v: unknown): number => {
    if (Array.isArray(v)) {
      let seen = 0;
      for (let i = 0; i < v.length; i++) {
        const r = scan(v[i]);
        if (r === 2) return 2;
        if (r === 1) seen = 1;
      }
      return seen;
    }
    if (typeof v === "object" && v !== null && !(v instanceof JsonNumber)) return 0;
    for (let i = 0; i < n; i++) if (tests[i](v)) return 2;
    return 1;
  };
  if (n === 1 && !existsTrue && !existsFalse) {
    // The common case: one value test on a scalar.
    const t = tests[0];
    return (v) => (typeof v !== "object" ? v !== undefined && t(v) : v === null ? t(v) : scan(v) === 2);
  }
  return (v) => {
    if (v === undefined) return existsFalse;
    if (typeof v !== "object") {
      for (let i = 0; i < n; i++) if (tests[i](v)) return true;
      return existsTrue;
    }
    const r = scan(v);
    if (r === 2) return true;
    return r === 0 ? existsFalse : existsTrue;
  };
}

/** Exact number: by spelling. A canonical spelling equals a plain number with that value; any other spelling
 *  equals only a JsonNumber written the same way. */
function exactNumber(e: number | JsonNumber): ValueTest {
  if (typeof e === "number") return (x) => x === e;
  const text = e.text;
  return (x) => x instanceof JsonNumber && x.text === text;
}

function numberOf(x: unknown): number | null {
  if (typeof x === "number") return x;
  if (x instanceof JsonNumber) return x.value;
  return null;
}

/** Six decimal places, as EventBridge's numeric matching. */
const quantize = (v: number): number => Math.round(v * 1e6);

/** A numeric operator's bounds, quantized: one `=`, or at most one lower and one upper bound. */
interface NumericBounds {
  eq: number | null;
  lo: number;
  loIncl: boolean;
  hi: number;
  hiIncl: boolean;
}

function numericBounds(arg: unknown, fail: (why: string) => null): NumericBounds | null {
  const usage = `must be a list such as ["=", 100], [">", 0] or [">", 0, "<=", 5] with numbers within -5e9..5e9`;
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) return fail(usage);
  const b: NumericBounds = { eq: null, lo: -Infinity, loIncl: false, hi: Infinity, hiIncl: false };
  let lows = 0;
  let highs = 0;
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const raw = numberOf(arg[i + 1]);
    if (typeof op !== "string" || !["=", "<", "<=", ">", ">="].includes(op)) return fail(`${usage}; operators are =, <, <=, >, >=`);
    if (raw === null || !Number.isFinite(raw)) return fail(`${usage}; ${JSON.stringify(op)} must be followed by a number`);
    if (Math.abs(raw) > NUMERIC_LIMIT) return fail(`numbers must be within -5e9..5e9 (EventBridge's numeric range)`);
    const q = quantize(raw);
    if (op === "=") {
      if (arg.length !== 2) return fail(`"=" stands alone: ["=", 100]`);
      b.eq = q;
    } else if (op === ">" || op === ">=") {
      lows++;
      b.lo = q;
      b.loIncl = op === ">=";
    } else {
      highs++;
      b.hi = q;
      b.hiIncl = op === "<=";
    }
  }
  if (lows > 1 || highs > 1) return fail(`give at most one lower bound (> or >=) and one upper bound (< or <=)`);
  return b;
}

function compileNumeric(arg: unknown, fail: (why: string) => null): ValueTest | null {
  const b = numericBounds(arg, fail);
  if (b === null) return null;
  if (b.eq !== null) {
    const target = b.eq;
    return (x) => {
      const v = numberOf(x);
      return v !== null && Math.abs(v) <= NUMERIC_LIMIT && quantize(v) === target;
    };
  }
  const { lo, loIncl, hi, hiIncl } = b;
  if (lo > hi || (lo === hi && !(loIncl && hiIncl))) return fail(`the range is empty: the lower bound must be below the upper bound`);
  return (x) => {
    const v = numberOf(x);
    if (v === null || Math.abs(v) > NUMERIC_LIMIT) return false;
    const q = quantize(v);
    return (loIncl ? q >= lo : q > lo) && (hiIncl ? q <= hi : q < hi);
  };
}

function compileAnythingBut(arg: unknown, fail: (why: string) => null): ValueTest | null {
  const usage = `must be a string, a number, a non-empty list of only strings or only numbers, or {"prefix"|"suffix"|"equals-ignore-case": "<string>"}`;
  if (typeof arg === "string") return (x) => x !== arg;
  const asNum = numberOf(arg);
  if (asNum !== null) {
    if (Math.abs(asNum) > NUMERIC_LIMIT) return fail(`numbers must be within -5e9..5e9`);
    const q = quantize(asNum);
    return (x) => {
      const v = numberOf(x);
      return v === null || Math.abs(v) > NUMERIC_LIMIT || quantize(v) !== q;
    };
  }
  if (Array.isArray(arg)) return arg.length === 0 ? fail(usage) : anythingButList(arg, usage, fail);
  return anythingButString(arg) ?? fail(usage);
}

/** anything-but a list: of only strings (compared as written) or only numbers (compared numerically). */
function anythingButList(list: unknown[], usage: string, fail: (why: string) => null): ValueTest | null {
  if (list.every((e) => typeof e === "string")) {
    const set = new Set(list as string[]);
    return (x) => !(typeof x === "string" && set.has(x));
  }
  const nums = list.map(numberOf);
  if (!nums.every((v) => v !== null)) return fail(usage);
  if (nums.some((v) => Math.abs(v!) > NUMERIC_LIMIT)) return fail(`numbers must be within -5e9..5e9`);
  const set = new Set(nums.map((v) => quantize(v!)));
  return (x) => {
    const v = numberOf(x);
    return v === null || Math.abs(v) > NUMERIC_LIMIT || !set.has(quantize(v));
  };
}

/** anything-but `{"prefix"|"suffix"|"equals-ignore-case": "<string>"}`; null when `arg` is not one of those. */
function anythingButString(arg: unknown): ValueTest | null {
  if (!isObj(arg) || Object.keys(arg).length !== 1) return null;
  const [k] = Object.keys(arg);
  const s = arg[k];
  if (typeof s !== "string") return null;
  if (k === "prefix") return (x) => !(typeof x === "string" && x.startsWith(s));
  if (k === "suffix") return (x) => !(typeof x === "string" && x.endsWith(s));
  if (k === "equals-ignore-case") {
    const lower = s.toLowerCase();
    return (x) => !(typeof x === "string" && x.toLowerCase() === lower);
  }
  return null;
}

function kindOf(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : "a list";
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}

function jsonOf(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonOf).join(", ")}]`;
  if (isObj(v)) return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}: ${jsonOf(v[k])}`).join(", ")}}`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

// ------------------------------------------------------------------------------------------------------------
// Payloads and the record views AWS matches against

/** A producer's payload, prepared once: its text (SQS body, Kinesis data), the JSON value filters see when the
 *  text is a JSON object or array, and (lazily) its DynamoDB attribute-value image. */
export interface Payload {
  /** The payload as text: a string as written, anything else serialised as JSON. */
  readonly text: string;
  /** True when the text is a JSON object or array (AWS's "valid JSON" data). */
  readonly isJson: boolean;
  /** What a filter sees under the data key: the parsed JSON when isJson, else the text. */
  readonly value: unknown;
}

/** Prepare a producer's `data` (any JSON-compatible value; a string is the raw payload text). */
export function preparePayload(data: unknown): Payload {
  if (typeof data === "string") {
    const parsed = parseJsonText(data);
    const isJson = parsed.ok && isStructured(parsed.value);
    return { text: data, isJson, value: isJson && parsed.ok ? parsed.value : data };
  }
  const text = JSON.stringify(data);
  assert(text !== undefined, "payload data must be JSON-compatible");
  const isJson = isStructured(data);
  return { text, isJson, value: isJson ? data : text };
}

export type DynamoAttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: DynamoAttributeValue[] }
  | { M: Record<string, DynamoAttributeValue> };

/** Plain JSON -> DynamoDB attribute-value JSON: strings S, numbers N (as their JSON spelling), booleans BOOL,
 *  null NULL, lists L, maps M. */
export function toAttributeValue(v: unknown): DynamoAttributeValue {
  if (typeof v === "string") return { S: v };
  if (typeof v === "number") return { N: String(v) };
  if (v instanceof JsonNumber) return { N: v.text };
  if (typeof v === "boolean") return { BOOL: v };
  if (v === null) return { NULL: true };
  if (Array.isArray(v)) return { L: v.map(toAttributeValue) };
  assert(typeof v === "object", () => `not a JSON value: ${String(v)}`);
  return { M: toImage(v as Obj) };
}

/** A plain JSON object -> a DynamoDB item image (a map of attribute names to attribute values). */
export function toImage(item: Obj): Record<string, DynamoAttributeValue> {
  const out: Record<string, DynamoAttributeValue> = Object.create(null) as Record<string, DynamoAttributeValue>;
  for (const k of Object.keys(item)) out[k] = toAttributeValue(item[k]);
  return out;
}

const imageCache = new WeakMap<Payload, Record<string, DynamoAttributeValue>>();
/** The payload as a DynamoDB image (computed once per payload). The payload must be a JSON object. */
export function payloadImage(p: Payload): Record<string, DynamoAttributeValue> {
  let img = imageCache.get(p);
  if (!img) {
    assert(isObj(p.value), "a DynamoDB payload must be a JSON object (the scenario rules check this)");
    img = toImage(p.value);
    imageCache.set(p, img);
  }
  return img;
}

export interface SqsViewInput {
  payload: Payload;
  messageId: string;
  /** SentTimestamp, ms since the epoch. */
  sentMs: number;
  /** ApproximateReceiveCount of this delivery. */
  receiveCount: number;
  /** ApproximateFirstReceiveTimestamp, ms since the epoch. */
  firstReceiveMs: number;
  queueArn?: string;
  /** sqs-fifo only. */
  messageGroupId?: string;
  sequenceNumber?: string;
  messageDeduplicationId?: string;
}

export interface KinesisViewInput {
  payload: Payload;
  partitionKey: string;
  sequenceNumber: string;
  /** approximateArrivalTimestamp, ms since the epoch (the event gives seconds with a fraction). */
  arrivalMs: number;
}

export interface DynamoViewInput {
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  /** The item's key attributes as plain JSON, e.g. { pk: "order-1" }. */
  keys: Obj;
  /** The item after (INSERT, MODIFY) and before (MODIFY, REMOVE) the change. */
  newImage: Payload | null;
  oldImage: Payload | null;
  streamViewType: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
  sequenceNumber: string;
  sizeBytes: number;
  /** ApproximateCreationDateTime, seconds since the epoch. */
  creationS: number;
}

export const AWS_REGION = "us-east-1";

/** The object AWS matches a record against, shaped like the record in the function's event. */
export function filterView(source: "sqs" | "sqs-fifo", input: SqsViewInput): Obj;
export function filterView(source: "kinesis", input: KinesisViewInput): Obj;
export function filterView(source: "dynamodb", input: DynamoViewInput): Obj;
export function filterView(source: FilterSource, input: SqsViewInput | KinesisViewInput | DynamoViewInput): Obj {
  if (source === "sqs" || source === "sqs-fifo") {
    const m = input as SqsViewInput;
    const attributes: Record<string, string> = {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(Math.floor(m.sentMs)),
      SenderId: "AIDAESMSIMULATOR00000",
      ApproximateFirstReceiveTimestamp: String(Math.floor(m.firstReceiveMs)),
    };
    if (source === "sqs-fifo") {
      if (m.sequenceNumber !== undefined) attributes.SequenceNumber = m.sequenceNumber;
      if (m.messageGroupId !== undefined) attributes.MessageGroupId = m.messageGroupId;
      if (m.messageDeduplicationId !== undefined) attributes.MessageDeduplicationId = m.messageDeduplicationId;
    }
    const view: Obj = { messageId: m.messageId, body: m.payload.value, attributes, messageAttributes: {}, eventSource: "aws:sqs" };
    if (m.queueArn !== undefined) view.eventSourceARN = m.queueArn;
    view.awsRegion = AWS_REGION;
    return view;
  }
  if (source === "kinesis") {
    const k = input as KinesisViewInput;
    return {
      kinesisSchemaVersion: "1.0",
      partitionKey: k.partitionKey,
      sequenceNumber: k.sequenceNumber,
      data: k.payload.value,
      approximateArrivalTimestamp: k.arrivalMs / 1000,
    };
  }
  const d = input as DynamoViewInput;
  const ddb: Obj = { ApproximateCreationDateTime: d.creationS, Keys: toImage(d.keys) };
  const wantsNew = d.streamViewType === "NEW_IMAGE" || d.streamViewType === "NEW_AND_OLD_IMAGES";
  const wantsOld = d.streamViewType === "OLD_IMAGE" || d.streamViewType === "NEW_AND_OLD_IMAGES";
  if (wantsNew && d.newImage && d.eventName !== "REMOVE") ddb.NewImage = payloadImage(d.newImage);
  if (wantsOld && d.oldImage && d.eventName !== "INSERT") ddb.OldImage = payloadImage(d.oldImage);
  ddb.SequenceNumber = d.sequenceNumber;
  ddb.SizeBytes = d.sizeBytes;
  ddb.StreamViewType = d.streamViewType;
  return { eventName: d.eventName, eventVersion: "1.1", eventSource: "aws:dynamodb", awsRegion: AWS_REGION, dynamodb: ddb };
}
