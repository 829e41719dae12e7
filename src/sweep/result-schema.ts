/**
 * The JSON of a sweep result (`esm-sim sweep --format json`), as `esm-sim merge` reads it: declared once with zod,
 * checked before anything is merged, one message per problem, each naming the file, the path in it, what is
 * allowed and what was found. Sizes are checked before elements, so `"rows": 300000000` or a results list of
 * millions is one message, not a long loop. Pure: the CLI reads the files.
 */
import { z } from "zod";
import { VERSION } from "../run/version.js";
import { show } from "../scenario/show.js";
import { formatCount } from "../scenario/units.js";

/**
 * The sweep result format's version, its first field. Raised only by a change that could make a reader of the
 * previous format misread a result: a key removed or renamed, a key's type or meaning changed, or rows that hold
 * metrics a reader could no longer rely on (a report field removed or left out of some reports, whose
 * REPORT_SCHEMA_VERSION is raised too). `merge` reads this version only: rows of two formats cannot make one grid.
 */
export const SWEEP_SCHEMA_VERSION = 1;

/** Nesting a sweep result may have (it has 4); JSON.parse takes seconds and hundreds of MB on millions of levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * A message when JSON text nests deeper than MAX_JSON_DEPTH (brackets outside strings, in one pass, before
 * JSON.parse); null otherwise.
 */
export function tooDeep(text: string): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels (a sweep result nests 4)`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}

/** Problems listed per file; more are counted in one line. */
const MAX_LISTED = 20;

type Iss = { input?: unknown };
const must = (allowed: string) => (iss: Iss) => (iss.input === undefined ? `is required: ${allowed}` : `must be ${allowed} (got ${show(iss.input)})`);

const str = (allowed = "a string") => z.string({ error: must(allowed) });
const wholeNumber = (min: number, allowed: string) => {
  const e = { error: must(allowed) };
  return z.number(e).int(e).min(min, e).max(Number.MAX_SAFE_INTEGER, e);
};
const strings = (allowed: string) => z.array(str(), { error: must(allowed) });
/** A metric or an expectation's actual value: JSON writes a non-finite number as null. */
const value = z.union([z.number(), z.boolean(), z.null()], { error: must("a number, true, false or null") });

const expectation = z.strictObject(
  {
    path: str(),
    op: z.enum(["eq", "ne", "lt", "lte", "gt", "gte"], { error: must("one of eq | ne | lt | lte | gt | gte") }),
    written: str(),
    actual: value.optional(),
    passed: z.boolean({ error: must("true or false") }),
  },
  { error: must("a map of path, op, written, actual, passed") },
);

const row = z.strictObject(
  {
    index: wholeNumber(0, "a row index 0.."),
    params: z.record(z.string(), str(), { error: must("a map of varied paths to values") }),
    seed: wholeNumber(0, "a seed 0.."),
    passed: z.boolean({ error: must("true or false") }),
    metrics: z.record(z.string(), value, { error: must("a map of metric paths to values") }),
    expectations: z.array(expectation, { error: must("a list of expectations") }),
  },
  { error: must("a map of index, params, seed, passed, metrics, expectations") },
);

/** Everything but `results`, which is checked row by row once its length is known to fit. */
const header = z.strictObject(
  {
    schemaVersion: z.literal(SWEEP_SCHEMA_VERSION),
    kind: z.literal("esm-sim-sweep"),
    version: str(),
    scenario: str(),
    scenarioHash: str("8 hex digits").regex(/^[0-9a-f]{8}$/, { error: must("8 hex digits") }),
    seed: z.union([wholeNumber(0, "a seed 0.. or null"), z.null()], { error: must("a seed 0.. or null") }),
    until: z.union([str(), z.null()], { error: must("a duration as written, or null") }),
    set: strings("a list of --set arguments"),
    vary: z.array(z.strictObject({ path: str(), values: strings("a list of values") }, { error: must("a map of path and values") }), { error: must("a list of { path, values }") }),
    rows: wholeNumber(1, "a whole number of rows 1.."),
    shard: z.strictObject({ k: wholeNumber(1, "k 1.."), n: wholeNumber(1, "n 1..") }, { error: must("a map of k and n") }).optional(),
    results: z.array(z.unknown(), { error: must("a list of rows") }),
  },
  { error: must("a map: an esm-sim sweep result, written with esm-sim sweep ... --format json") },
);

/** `results[3].metrics` from zod's path. */
function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? String(seg) : `.${String(seg)}`;
  return out;
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `${pathText(issue.path)}${issue.path.length ? ": " : ""}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
  const where = pathText(issue.path);
  return where === "" ? issue.message : `${where}: ${issue.message}`;
}

/** Each problem once (zod reports a number both too large and not safe twice), at most MAX_LISTED, then how many more. */
function listed(name: string, all: string[]): string[] {
  const problems = [...new Set(all)];
  const out = problems.slice(0, MAX_LISTED).map((p) => `${name}: ${p}`);
  if (problems.length > MAX_LISTED) out.push(`${name}: ... and ${problems.length - MAX_LISTED} more problems not listed`);
  return out;
}

/** Why a sweep result of another format cannot be merged by this esm-sim, or null when its format is this one's. */
function otherSchemaVersion(value: Record<string, unknown>): string | null {
  const v = value.schemaVersion;
  if (v === SWEEP_SCHEMA_VERSION) return null;
  // The writer's version, when it reads as one (the file may come from anywhere: nothing else of it is echoed).
  const by = typeof value.version === "string" && /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z.-]{1,20})?$/.test(value.version) ? `esm-sim ${value.version}` : "another esm-sim";
  const again = `run that sweep again with esm-sim ${VERSION}, or merge it with the esm-sim that wrote it`;
  if (v === undefined) return `has no schemaVersion: it was written by ${by}, before sweep results had one, and esm-sim ${VERSION} merges schemaVersion ${SWEEP_SCHEMA_VERSION} only; ${again}`;
  return `schemaVersion: esm-sim ${VERSION} merges sweep results of schemaVersion ${SWEEP_SCHEMA_VERSION} only (got ${show(v)}, written by ${by}); ${again}`;
}

/**
 * A parsed JSON value as a sweep result, or every problem with it. `maxRows` bounds the grid (merge --max-rows):
 * `rows` must be the product of the varied values' counts and at most `maxRows`, `results` at most `rows` long.
 */
/** Checks a sweep result's shape; the caller (sweep.ts, which owns the SweepResult type) takes a checked value as one. */
export function readSweepResult(value: unknown, name: string, maxRows: number): { ok: true; result: unknown } | { ok: false; problems: string[] } {
  // Something else altogether (another tool's JSON, a list, null) is one problem, not a list of missing keys.
  const kind = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>).kind : undefined;
  if (kind !== "esm-sim-sweep") return { ok: false, problems: [`${name}: not an esm-sim sweep result (write one with esm-sim sweep ... --format json)`] };
  const other = otherSchemaVersion(value as Record<string, unknown>);
  if (other !== null) return { ok: false, problems: [`${name}: ${other}`] };
  const h = header.safeParse(value);
  if (!h.success) return { ok: false, problems: listed(name, h.error.issues.map(issueText)) };
  const r = h.data;
  const grid = r.vary.reduce((n, v) => n * v.values.length, 1);
  const sizes: string[] = [];
  if (r.rows > maxRows) sizes.push(`rows: the grid has ${formatCount(r.rows)} rows, more than the ${formatCount(maxRows)} allowed: allow it with --max-rows ${r.rows}`);
  else if (r.rows !== grid) sizes.push(`rows: must be the product of the varied values' counts (${formatCount(grid)}) (got ${r.rows})`);
  if (r.results.length > r.rows) sizes.push(`results: has ${formatCount(r.results.length)} rows, more than the grid's ${formatCount(r.rows)}`);
  if (r.shard && r.shard.k > r.shard.n) sizes.push(`shard: k must be 1..n (got ${r.shard.k}/${r.shard.n})`);
  if (sizes.length > 0) return { ok: false, problems: listed(name, sizes) };
  const problems: string[] = [];
  r.results.forEach((x, i) => {
    const p = row.safeParse(x);
    if (!p.success) for (const issue of p.error.issues) problems.push(issueText({ ...issue, path: ["results", i, ...issue.path] }));
  });
  if (problems.length > 0) return { ok: false, problems: listed(name, problems) };
  return { ok: true, result: value };
}
