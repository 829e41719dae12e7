/**
 * `--set <path>=<value>`: change any key of a scenario before it is validated, e.g. `mapping.BatchSize=500` or
 * `traffic.0.rate=200/s`. The value is read as YAML (`500` is a number, `200/s` a string, `[a, b]` a list). Path
 * segments are separated by dots; a number indexes a list (one past the end appends), and may also be written in
 * brackets as messages show paths (`traffic[0].rate`); a key that itself holds
 * dots (an `expect` entry such as `iteratorAge.max`) is matched whole when it exists, and under `expect` the last
 * segment is the comparison when it names one (`expect.records.dlq.eq=0`). Missing maps on the way are created.
 * An empty value (`--set mapping.ScalingConfig=`) removes the key, as if the file had never set it.
 * The segments `__proto__`, `constructor` and `prototype` are refused: no scenario key has those names, and walking
 * them would reach (and could change) JavaScript's Object.prototype in the whole process.
 * Pure: no file system; problems name the --set they come from.
 */
import { parse as parseYaml } from "yaml";
import type { Path } from "./locate.js";

export interface Override {
  /** The argument as written, e.g. `mapping.BatchSize=500`. */
  arg: string;
  /** The flag it came with, for messages (`--set`, `--vary`). */
  flag: string;
  path: string;
  /** undefined removes the key. */
  value: unknown;
}

export interface OverrideProblem {
  origin: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const OPS = ["eq", "ne", "lt", "lte", "gt", "gte"];

/** Path segments that name JavaScript's object machinery, never a scenario key. */
export const UNSAFE_SEGMENTS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** A message when a dotted path holds a segment that is refused (UNSAFE_SEGMENTS); null when the path is safe. */
export function unsafePathMessage(path: string): string | null {
  const seg = path.split(".").find((s) => UNSAFE_SEGMENTS.includes(s.trim()));
  if (seg === undefined) return null;
  return `the path ${JSON.stringify(path)} has the segment ${JSON.stringify(seg)}: no scenario key is named ${UNSAFE_SEGMENTS.join(", ")} (paths such as mapping.BatchSize are allowed)`;
}

/** Read one `path=value` argument. Returns the override, or a message saying what is wrong with it. */
export function parseOverride(arg: string, flag = "--set"): Override | OverrideProblem {
  const eq = arg.indexOf("=");
  const origin = `${flag} ${arg}`;
  if (eq <= 0) return { origin, message: "must be <path>=<value>, e.g. mapping.BatchSize=500" };
  // A list index in brackets, as problems print paths (traffic[0].rate), is the dotted index (traffic.0.rate); one
  // that is no index (traffic[-1]) is refused where the list is found, with the indexes it has.
  const written = arg.slice(0, eq).trim();
  const path = written.replace(/\[([^\]]*)\]/g, ".$1");
  const raw = arg.slice(eq + 1);
  if (path.split(".").some((s) => s === "")) return { origin, message: `the path ${JSON.stringify(written)} has an empty segment` };
  const unsafe = unsafePathMessage(path);
  if (unsafe !== null) return { origin, message: unsafe };
  if (raw.trim() === "") return { arg, flag, path, value: undefined };
  const value = parseValue(raw);
  if (value === undefined) return { origin, message: `the value ${JSON.stringify(raw)} is not a YAML value` };
  return { arg, flag, path, value };
}

/** A YAML value, or undefined when the text is not one. */
export function parseValue(raw: string): unknown {
  try {
    return parseYaml(raw, { strict: true, uniqueKeys: true, maxAliasCount: 0, logLevel: "error" }) as unknown;
  } catch {
    return undefined;
  }
}

export function isOverrideProblem(x: Override | OverrideProblem): x is OverrideProblem {
  return "message" in x && "origin" in x;
}

/** Where each applied override landed, so later problems under that path can name it. */
export interface AppliedOverride {
  origin: string;
  path: Path;
  /**
   * What the override made: `path` when the key was there already, else the first key on the way that was not (the
   * map `mapping.ScalingConfig` that `--set mapping.ScalingConfig.MaximumConcurrency=5` creates). A problem anywhere
   * under it comes from the override, not from the file.
   */
  made: Path;
}

/** Apply the overrides in order to a scenario document (changed in place). */
export function applyOverrides(doc: Obj, overrides: readonly Override[]): { applied: AppliedOverride[]; problems: OverrideProblem[] } {
  const applied: AppliedOverride[] = [];
  const problems: OverrideProblem[] = [];
  for (const o of overrides) {
    const origin = `${o.flag} ${o.arg}`;
    // Checked here too: the API builds overrides from an object's keys without parseOverride.
    const unsafe = unsafePathMessage(o.path);
    const r = unsafe ?? applyOne(doc, o.path.split("."), o.value);
    if (typeof r === "string") problems.push({ origin, message: r });
    else applied.push({ origin, ...r });
  }
  return { applied, problems };
}

/** Returns the resolved path and what the override made (AppliedOverride), or a message. */
function applyOne(doc: Obj, segs: string[], value: unknown): { path: Path; made: Path } | string {
  const resolved: (string | number)[] = [];
  let made: Path | null = null;
  let cur: Obj | unknown[] = doc;
  let i = 0;
  while (i < segs.length) {
    let key: string | number;
    let used: number;
    if (Array.isArray(cur)) {
      const seg = segs[i];
      if (!/^\d+$/.test(seg) || Number(seg) > cur.length) return `${where(resolved)} ${listIndexes(cur.length)} (got ${/^\d+$/.test(seg) ? seg : JSON.stringify(seg)})`;
      key = Number(seg);
      used = 1;
    } else {
      [key, used] = keyAt(cur, segs, i, resolved);
    }
    const there = Object.prototype.hasOwnProperty.call(cur, key);
    resolved.push(key);
    if (made === null && !there) made = [...resolved];
    i += used;
    const last = i >= segs.length;
    if (last) {
      if (value !== undefined) (cur as Record<string | number, unknown>)[key] = value;
      else if (Array.isArray(cur)) cur.splice(key as number, 1);
      else delete cur[key as string];
      return { path: resolved, made: made ?? resolved };
    }
    let next: unknown = (cur as Record<string | number, unknown>)[key];
    if (value === undefined && (next === undefined || next === null)) return { path: resolved, made: made ?? resolved }; // removing what is not there
    if (next === undefined || next === null) {
      next = /^\d+$/.test(segs[i]) ? [] : {};
      (cur as Record<string | number, unknown>)[key] = next;
      if (made === null) made = [...resolved];
    }
    if (!isObj(next) && !Array.isArray(next)) return `${where(resolved)} is ${JSON.stringify(next)}, not a map or a list, so it has no ${JSON.stringify(segs[i])}`;
    cur = next;
  }
  return { path: resolved, made: made ?? resolved };
}

/** The indexes a list of `n` entries takes: its entries', and `n` to add one. */
function listIndexes(n: number): string {
  if (n === 0) return "is an empty list: use the index 0 to add its first entry";
  return `is a list of ${n} entr${n === 1 ? "y" : "ies"}: use an index 0..${n - 1}, or ${n} to add an entry`;
}

/** The key at segs[i..] in a map: the longest dotted run that exists; under `expect`, the metric path before an op. */
function keyAt(cur: Obj, segs: string[], i: number, resolved: (string | number)[]): [string, number] {
  for (let n = segs.length - i; n > 1; n--) {
    const k = segs.slice(i, i + n).join(".");
    if (Object.prototype.hasOwnProperty.call(cur, k)) return [k, n];
  }
  if (resolved.length === 1 && resolved[0] === "expect") {
    const rest = segs.length - i;
    const n = rest >= 2 && OPS.includes(segs[segs.length - 1]) ? rest - 1 : rest;
    return [segs.slice(i, i + n).join("."), n];
  }
  return [segs[i], 1];
}

function where(path: (string | number)[]): string {
  return path.length === 0 ? "the scenario" : path.join(".");
}
