/**
 * Sweeps: one scenario run over a grid of `--vary path=v1,v2,...` values. The grid is the cartesian product in a
 * stable order (the first --vary changes slowest); each row is an independent, deterministic run, so rows can run
 * in any order on any number of workers and still give the same result. `--shard k/n` keeps rows whose index is
 * k-1 modulo n; `merge` puts shard results back together into exactly what the unsharded sweep gives.
 * Pure: no file system, no threads, no clock (src/cli drives the workers).
 */
import type { CloudWatchReport } from "../metrics/cloudwatch.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { valueAtPath } from "../run/expect.js";
import type { Report } from "../run/result.js";
import { simulate } from "../run/simulate.js";
import { VERSION } from "../run/version.js";
import { parseScenario, scenarioFiles, type ParseResult } from "../scenario/parse.js";
import type { NamedFile } from "../io/input.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { parseOverride, parseValue, unsafePathMessage, type Override } from "../scenario/overrides.js";
import { formatCount } from "../scenario/units.js";
import { DEFAULT_MAX_ROWS } from "./limits.js";
import { readSweepResult, SWEEP_SCHEMA_VERSION } from "./result-schema.js";

export interface Vary {
  path: string;
  /** Values as written on the command line. */
  values: string[];
}

/** One row's settings: each varied path and its value as written, in --vary order. */
export type Params = [string, string][];

/** A row of the grid: its index in the whole grid and its settings. Plain data, so it can be posted to a worker. */
export interface GridRow {
  index: number;
  params: Params;
}

export interface SweepExpectation {
  path: string;
  op: string;
  written: string;
  actual: number | boolean;
  passed: boolean;
}

export interface SweepRow {
  index: number;
  params: Record<string, string>;
  seed: number;
  passed: boolean;
  /** Every report field an expectation may check (METRIC_PATHS), by path. */
  metrics: Record<string, number | boolean>;
  expectations: SweepExpectation[];
  /** The run's cloudwatch section, when the spec asks for it (calibrate); never in a sweep's result. */
  cloudwatch?: CloudWatchReport;
}

export interface Shard {
  k: number;
  n: number;
}

/**
 * A sweep to run: the scenario, the settings every row shares, the grid, and which rows this process runs. The CLI
 * reads it off the command line once; the rows (on any worker), the reproduce line of a failed row and the result's
 * header all come from it. Plain data, so it can be handed to a worker thread.
 */
export interface SweepSpec {
  /** The scenario file as named on the command line, and its text. */
  file: string;
  text: string;
  /** --seed for every row; null keeps the scenario's. */
  seed: number | null;
  /** --until for every row, as written and in microseconds; null keeps the scenario's. */
  until: { written: string; us: number } | null;
  /** --set for every row, in order; a row's own --vary values are applied after them. */
  set: Override[];
  /** The grid: the first --vary changes slowest. */
  vary: Vary[];
  /** --shard k/n: only rows k-1, k-1+n, ...; null runs every row. */
  shard: Shard | null;
  /** The files the scenario names in any row (a replay's CloudWatch export), read by the CLI (sweepFiles says which). */
  files?: ReadonlyMap<string, NamedFile>;
  /** Also return each row's cloudwatch section (calibrate compares its series with an export). */
  cloudwatch?: boolean;
}

/** The settings of a sweep as written on its command line: what a result records, and what merge compares. */
export interface SweepSettings {
  seed: number | null;
  until: string | null;
  set: string[];
  vary: Vary[];
}

export interface SweepHeader extends SweepSettings {
  scenario: string;
  /** FNV-1a of the scenario text, so that merge refuses shards of different files. */
  scenarioHash: string;
}

/** What a sweep (or a shard of one) produced. The JSON form is what `merge` reads. */
export interface SweepResult extends SweepHeader {
  /** The sweep result format's version (result-schema.ts SWEEP_SCHEMA_VERSION); always the first field. */
  schemaVersion: number;
  kind: "esm-sim-sweep";
  version: string;
  rows: number;
  shard?: Shard;
  results: SweepRow[];
}

/** Read `path=v1,v2,...`. Values are split on commas and read as YAML, like --set. */
export function parseVary(arg: string): Vary | string {
  const eq = arg.indexOf("=");
  if (eq <= 0) return `--vary ${arg}: must be <path>=<value>,<value>,..., e.g. mapping.BatchSize=10,100,1000`;
  const path = arg.slice(0, eq).trim();
  const values = arg
    .slice(eq + 1)
    .split(",")
    .map((v) => v.trim());
  if (path.split(".").some((s) => s === "")) return `--vary ${arg}: the path ${JSON.stringify(path)} has an empty segment`;
  const unsafe = unsafePathMessage(path);
  if (unsafe !== null) return `--vary ${arg}: ${unsafe}`;
  if (values.some((v) => v === "")) return `--vary ${arg}: has an empty value`;
  const bad = values.find((v) => parseValue(v) === undefined);
  if (bad !== undefined) return `--vary ${arg}: the value ${JSON.stringify(bad)} is not a YAML value`;
  if (new Set(values).size !== values.length) return `--vary ${arg}: lists a value twice`;
  return { path, values };
}

/** Every --vary argument read into the grid, or every reason it cannot be: at least one, each path varied once. */
export function parseGrid(args: readonly string[]): { ok: true; vary: Vary[] } | { ok: false; problems: string[] } {
  if (args.length === 0) return { ok: false, problems: ["sweep: give at least one --vary <path>=<value>,<value>,..., e.g. --vary mapping.BatchSize=10,100,1000"] };
  const vary: Vary[] = [];
  const problems: string[] = [];
  for (const a of args) {
    const v = parseVary(a);
    if (typeof v === "string") problems.push(v);
    else if (vary.some((o) => o.path === v.path)) problems.push(`--vary ${a}: ${v.path} is already varied by another --vary`);
    else vary.push(v);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, vary };
}

/** A path's segments, a bracketed list index read as --set reads it (`traffic[0].rate` is traffic, 0, rate). */
function segmentsOf(path: string): string[] {
  return path.replace(/\[([^\]]*)\]/g, ".$1").split(".");
}

/** Whether the path `outer` is `inner` or holds it (`mapping` holds `mapping.BatchSize`). */
function holds(outer: readonly string[], inner: readonly string[]): boolean {
  return outer.length <= inner.length && outer.every((seg, i) => seg === inner[i]);
}

/** Whether a --set value given at `setPath` gives the key at `path` below it (`mapping={ BatchSize: 5 }` gives BatchSize). */
function givesBelow(o: Override, setPath: readonly string[], path: readonly string[]): boolean {
  let v: unknown = o.value;
  for (const seg of path.slice(setPath.length)) {
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, seg)) return false;
    v = (v as Record<string, unknown>)[seg];
  }
  return true;
}

/**
 * The --set arguments that give a key a --vary also gives: each row applies its --vary values after --set, so the
 * --set would be named for every row and used by none. One message each.
 */
export function setVaryClashes(set: readonly Override[], vary: readonly Vary[]): string[] {
  const out: string[] = [];
  for (const o of set) {
    const setPath = segmentsOf(o.path);
    for (const v of vary) {
      const varied = segmentsOf(v.path);
      const inside = varied.length < setPath.length && holds(varied, setPath);
      const clash = inside || (holds(setPath, varied) && givesBelow(o, setPath, varied));
      if (!clash) continue;
      const given = `--vary ${v.path}=${v.values.join(",")}`;
      const what = inside ? `${o.path} is inside ${v.path}, which ${given} replaces in every row` : `${v.path} is varied by ${given}`;
      out.push(`--set ${o.arg}: ${what}, so --set may not also give it; drop the --set to keep the rows' values, or the --vary to run every row with the --set`);
    }
  }
  return out;
}

/** How many rows the grid has (the product of each --vary's value count), without listing them. */
export function gridSize(vary: readonly Vary[]): number {
  return vary.reduce((n, v) => n * v.values.length, 1);
}

/** A message when the grid has more rows than `maxRows`; null when it fits. */
export function gridTooLarge(vary: readonly Vary[], maxRows: number): string | null {
  const n = gridSize(vary);
  if (n <= maxRows) return null;
  const shape = vary.map((v) => formatCount(v.values.length)).join(" x ");
  const allow = Number.isSafeInteger(n) ? `, or allow it with --max-rows ${n}` : "";
  return `sweep: the grid has ${formatCount(n)} rows (${shape} values), more than the ${formatCount(maxRows)} allowed: vary fewer values${allow}`;
}

/** The grid's rows in stable order: the first --vary changes slowest, the last fastest. */
export function gridRows(vary: readonly Vary[]): Params[] {
  let rows: Params[] = [[]];
  for (const v of vary) rows = rows.flatMap((r) => v.values.map((val): Params => [...r, [v.path, val]]));
  return rows;
}

/** `k/n` with 1 <= k <= n. */
export function parseShard(s: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) return `--shard: must be k/n such as 1/4 (got ${JSON.stringify(s)})`;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n) return `--shard: k must be 1..n and n at least 1 (got ${JSON.stringify(s)})`;
  return { k, n };
}

export function inShard(index: number, shard: Shard | null): boolean {
  return shard === null || index % shard.n === shard.k - 1;
}

/** The rows this process runs: the whole grid, or its shard. */
export function specRows(spec: SweepSpec): GridRow[] {
  return gridRows(spec.vary)
    .map((params, index) => ({ index, params }))
    .filter((r) => inShard(r.index, spec.shard));
}

/** A row's overrides: the --set ones, then the row's --vary values (parseVary has checked them). */
function rowOverrides(spec: SweepSpec, row: GridRow): Override[] {
  return [...spec.set, ...row.params.map(([path, value]) => parseOverride(`${path}=${value}`, "--vary") as Override)];
}

function parseRow(spec: SweepSpec, row: GridRow): ParseResult {
  return parseScenario(spec.text, spec.file, { seed: spec.seed ?? undefined, untilUs: spec.until?.us, overrides: rowOverrides(spec, row), files: spec.files });
}

/** The files the scenario names in any of `rows` (after each row's overrides), each once: what the CLI reads into `files`. */
export function sweepFiles(spec: SweepSpec, rows: readonly GridRow[]): string[] {
  const out = new Set<string>();
  for (const row of rows.length ? rows : [{ index: 0, params: [] }]) for (const f of scenarioFiles(spec.text, rowOverrides(spec, row))) out.add(f);
  return [...out];
}

/** Every problem of every row, once each (a bad value shows in many rows). Empty when all rows are valid. */
export function checkRows(spec: SweepSpec, rows: readonly GridRow[]): Problem[] {
  const seen = new Set<string>();
  // A problem of a varied key that reads the same whatever its value (an unknown key, a key of another source type)
  // is told once, naming the values that have it: the key alone when every value has it.
  const forKey = new Map<string, { problem: Problem; path: string; values: string[] }>();
  const out: Problem[] = [];
  for (const row of rows) {
    const r = parseRow(spec, row);
    if (r.ok) continue;
    for (const p of r.errors) {
      const key = formatProblem(p);
      if (seen.has(key)) continue;
      seen.add(key);
      const own = { ...p };
      out.push(own);
      const m = p.origin === undefined ? null : /^--vary ([^=]+)=(.*)$/s.exec(p.origin);
      if (m === null) continue;
      const same = `${m[1]}\u0000${p.path}\u0000${p.message}`;
      const first = forKey.get(same);
      if (first === undefined) forKey.set(same, { problem: own, path: m[1], values: [m[2]] });
      else {
        first.values.push(m[2]);
        out.pop();
      }
    }
  }
  for (const { problem, path, values } of forKey.values()) {
    if (values.length < 2) continue;
    const all = spec.vary.find((v) => v.path === path)?.values.length === values.length;
    problem.origin = all ? `--vary ${path}` : `--vary ${path}=${values.join(",")}`;
  }
  return out;
}

/** Run one row: parse with its overrides, simulate, keep the metrics and expectations. */
export function runRow(spec: SweepSpec, row: GridRow): SweepRow {
  const r = parseRow(spec, row);
  if (!r.ok) throw new Error(`row ${row.index} is invalid: ${r.errors.map(formatProblem).join("; ")}`);
  const { report } = simulate(r.scenario);
  const out = reportRow(report, row);
  return spec.cloudwatch ? { ...out, cloudwatch: report.cloudwatch } : out;
}

/** A row's result from its run's report: the metrics and expectations. */
export function reportRow(report: Report, row: GridRow): SweepRow {
  const metrics: Record<string, number | boolean> = {};
  for (const path of Object.keys(METRIC_PATHS)) {
    const v = valueAtPath(report, path);
    if (v !== undefined) metrics[path] = v; // fields another source type reports (stream.* on SQS) are left out
  }
  const expectations = report.expectations.map((e) => ({ path: e.path, op: e.op, written: e.written, actual: e.actual, passed: e.passed }));
  return {
    index: row.index,
    params: Object.fromEntries(row.params),
    seed: report.seed,
    passed: expectations.every((e) => e.passed),
    metrics,
    expectations,
  };
}

/** The spec's settings as its command line wrote them. */
export function writtenSettings(spec: SweepSpec): SweepSettings {
  return { seed: spec.seed, until: spec.until?.written ?? null, set: spec.set.map((o) => o.arg), vary: spec.vary };
}

/**
 * The options that give a row its settings, in command-line order: --seed, --until, each --set, then the row's
 * own values as --set. Without `params`, what every row shares.
 */
export function settingArgs(s: Omit<SweepSettings, "vary">, params: Params = []): [flag: string, value: string][] {
  const args: [string, string][] = [];
  if (s.seed !== null) args.push(["--seed", String(s.seed)]);
  if (s.until !== null) args.push(["--until", s.until]);
  for (const a of s.set) args.push(["--set", a]);
  for (const [path, value] of params) args.push(["--set", `${path}=${value}`]);
  return args;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The result object, always built here so that its key order (and so the JSON bytes) never depends on the path. */
export function sweepResult(h: SweepHeader, rows: SweepRow[], shard: Shard | null = null): SweepResult {
  return {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    kind: "esm-sim-sweep",
    version: VERSION,
    scenario: h.scenario,
    scenarioHash: h.scenarioHash,
    seed: h.seed,
    until: h.until,
    set: [...h.set],
    vary: h.vary.map((v) => ({ path: v.path, values: [...v.values] })),
    rows: gridSize(h.vary),
    ...(shard ? { shard: { k: shard.k, n: shard.n } } : {}),
    results: [...rows].sort((a, b) => a.index - b.index),
  };
}

/** The header of a sweep over `spec`: the scenario's name (the file name when the file does not parse). */
export function sweepHeader(spec: SweepSpec): SweepHeader {
  const r = parseScenario(spec.text, spec.file, { files: spec.files });
  return { scenario: r.ok ? r.scenario.name : spec.file, scenarioHash: fnv1a(spec.text), ...writtenSettings(spec) };
}

const SAME = ["kind", "version", "scenario", "scenarioHash", "seed", "until", "set", "vary", "rows"] as const;

interface Part {
  name: string;
  r: SweepResult;
}

/**
 * Put shards back together. Returns the merged result, or every reason the inputs do not fit. Each input is checked
 * against the result schema first (result-schema.ts); `maxRows` bounds the grid (merge --max-rows).
 */
export function mergeSweeps(inputs: { name: string; value: unknown }[], maxRows = DEFAULT_MAX_ROWS): SweepResult | string[] {
  const problems: string[] = [];
  const parts: Part[] = [];
  for (const { name, value } of inputs) {
    const r = readSweepResult(value, name, maxRows);
    if (r.ok) parts.push({ name, r: r.result as SweepResult });
    else problems.push(...r.problems);
  }
  if (problems.length > 0) return problems;
  if (parts.length === 0) return ["nothing to merge"];
  const first = parts[0];
  for (const p of parts.slice(1)) problems.push(...headerMismatches(p, first));
  const rows = rowsOfGrid(parts, first.r.rows, problems);
  if (problems.length > 0) return problems;
  return sweepResult(first.r, rows);
}

/** Where a shard's header differs from the first shard's: they are not shards of one sweep. */
function headerMismatches(p: Part, first: Part): string[] {
  return SAME.filter((key) => JSON.stringify(p.r[key]) !== JSON.stringify(first.r[key])).map(
    (key) => `${p.name}: ${key} is ${JSON.stringify(p.r[key])} but ${first.name} has ${JSON.stringify(first.r[key])}; only shards of one sweep can be merged`,
  );
}

/** Every row of the grid, each from exactly one shard; rows outside the grid, twice, or missing are problems. */
function rowsOfGrid(parts: Part[], total: number, problems: string[]): SweepRow[] {
  const byIndex = new Map<number, { name: string; row: SweepRow }>();
  for (const p of parts) {
    for (const row of p.r.results) {
      const prev = byIndex.get(row.index);
      if (!Number.isInteger(row.index) || row.index < 0 || row.index >= total) problems.push(`${p.name}: row index ${row.index} is outside the grid of ${total} rows`);
      else if (prev) problems.push(`row ${row.index} is in both ${prev.name} and ${p.name}`);
      else byIndex.set(row.index, { name: p.name, row });
    }
  }
  // Counted, with the first ten kept: a grid may have millions of rows (merge --max-rows).
  const firstMissing: number[] = [];
  const missing = total - byIndex.size;
  for (let i = 0; i < total && firstMissing.length < 10; i++) if (!byIndex.has(i)) firstMissing.push(i);
  if (missing > 0) {
    const shown = firstMissing.join(", ") + (missing > 10 ? ", ..." : "");
    problems.push(`${missing} of ${total} rows are missing (${shown}): merge the results of every --shard k/n, k = 1..n`);
  }
  return [...byIndex.values()].map((x) => x.row);
}
