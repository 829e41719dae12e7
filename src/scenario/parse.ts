/**
 * parse(text, fileName) -> a Scenario, or every problem at once. No file system here: the CLI reads the file.
 * Problems carry file:line:col (from yaml's LineCounter), the key path, what is allowed and what was found.
 */
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import { formatPath, locate, locateInString, type Path } from "./locate.js";
import { toScenario, type Scenario } from "./model.js";
import { applyOverrides, type AppliedOverride, type Override } from "./overrides.js";
import { sortProblems, type Problem } from "./problems.js";
import { checkRules, keysApplyingTo } from "./rules.js";
import { knownKeysAt, scenarioSchema } from "./schema.js";
import { show, suggest } from "./show.js";
import { formatCount } from "./units.js";
import { replayFiles, resolveReplays } from "./replay.js";
import type { NamedFile } from "../io/input.js";

export type ParseResult =
  | { ok: true; scenario: Scenario; warnings: Problem[] }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

export interface ParseOptions {
  seed?: number;
  untilUs?: number;
  /** `--set path=value` changes, applied in order to the document before it is validated. */
  overrides?: readonly Override[];
  /**
   * The files the scenario names (`fromMetrics.file`), read by the caller: by the path as written, the file as
   * read and its text or why it could not be read (io/input.ts readNamedFiles; `scenarioFiles` says which).
   */
  files?: ReadonlyMap<string, NamedFile>;
}

/** Scenario files larger than this are refused before parsing. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** How a scenario file is read (io/input.ts): named in messages, and never more than MAX_SCENARIO_BYTES. */
export const SCENARIO_INPUT = { what: "scenario", plural: "scenarios", format: "a scenario is a YAML file", maxBytes: MAX_SCENARIO_BYTES } as const;
const MAX_ALIAS_COUNT = 1000;
const MAX_DEPTH = 64;
/**
 * Documents with more YAML elements than this are refused before parsing: the YAML library needs about 20 us and
 * 2 KB per element, so a 1 MB file of 250,000 tiny elements would take seconds and hundreds of MB. Real
 * scenarios hold a few hundred.
 */
export const MAX_YAML_ELEMENTS = 10_000;
/** Problems beyond this many are counted, not located or listed (locating each one costs a walk of the document). */
export const MAX_PROBLEMS = 100;
const TOO_DEEP = `the document nests deeper than ${MAX_DEPTH} levels`;

export function parseScenario(text: string, fileName: string, options: ParseOptions = {}): ParseResult {
  const problem = (severity: Problem["severity"], line: number, col: number, path: string, message: string): Problem => ({
    severity,
    file: fileName,
    line,
    col,
    path,
    message,
  });

  if (text.length > MAX_SCENARIO_BYTES) {
    return { ok: false, errors: [problem("error", 1, 1, "", `the file is ${text.length} bytes; scenarios are limited to ${MAX_SCENARIO_BYTES} bytes`)], warnings: [] };
  }
  if (text.trim() === "") {
    return { ok: false, errors: [problem("error", 1, 1, "", "the file is empty: a scenario needs at least name, source and traffic")], warnings: [] };
  }

  const { elements, flowDepth } = yamlElementEstimate(text);
  if (flowDepth > 4 * MAX_DEPTH) {
    return { ok: false, errors: [problem("error", 1, 1, "", TOO_DEEP)], warnings: [] };
  }
  if (elements > MAX_YAML_ELEMENTS) {
    return {
      ok: false,
      errors: [problem("error", 1, 1, "", `the document has about ${formatCount(elements)} YAML elements (list items, keys, values, anchors); scenarios are limited to ${formatCount(MAX_YAML_ELEMENTS)}`)],
      warnings: [],
    };
  }

  const lc = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: true, logLevel: "error" });
  } catch (e) {
    const msg = e instanceof RangeError ? TOO_DEEP : `not valid YAML: ${(e as Error).message}`;
    return { ok: false, errors: [problem("error", 1, 1, "", msg)], warnings: [] };
  }
  if (doc.errors.length > 0) {
    // The YAML parser recurses: a document nested thousands deep overflows the stack (reported as a YAML error).
    const deep = doc.errors.find((e) => /call stack/i.test(e.message));
    if (deep) {
      const pos = lc.linePos(deep.pos[0]);
      return { ok: false, errors: [problem("error", pos.line, pos.col, "", TOO_DEEP)], warnings: [] };
    }
    const errors = doc.errors.slice(0, MAX_PROBLEMS).map((e) => {
      const pos = lc.linePos(e.pos[0]);
      return problem("error", pos.line, pos.col, "", `not valid YAML: ${yamlProblem(e.code, e.message)}`);
    });
    // The parser may say one mistake twice at one place (an unclosed { in a block: not indented, and not closed):
    // the first is told.
    const placed = new Set<string>();
    const unique = dedupe(errors).filter((p) => !placed.has(`${p.line}:${p.col}`) && placed.add(`${p.line}:${p.col}`) !== undefined);
    // Repeats are one problem: counted once in the total too.
    return { ok: false, errors: capped(sortProblems(unique), doc.errors.length - (errors.length - unique.length)), warnings: [] };
  }
  let dups: ReturnType<typeof duplicateKeys>;
  try {
    dups = duplicateKeys(doc);
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, errors: [problem("error", 1, 1, "", TOO_DEEP)], warnings: [] };
    throw e;
  }
  if (dups.length > 0) {
    const errors = dups.slice(0, MAX_PROBLEMS).map((d) => {
      const pos = lc.linePos(d.offset);
      const first = lc.linePos(d.firstOffset);
      return problem("error", pos.line, pos.col, "", `not valid YAML: the key ${JSON.stringify(d.key)} appears twice in one map (first at line ${first.line}); map keys must be unique`);
    });
    return { ok: false, errors: capped(sortProblems(errors), dups.length), warnings: [] };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, errors: [problem("error", 1, 1, "", TOO_DEEP)], warnings: [] };
    return { ok: false, errors: [problem("error", 1, 1, "", `cannot expand the YAML: its aliases (*name) repeat anchored values too many times (anchors and aliases are limited to ${MAX_ALIAS_COUNT} expansions); write the values out, or use fewer aliases`)], warnings: [] };
  }
  if (depthOf(data, 0) > MAX_DEPTH) {
    return { ok: false, errors: [problem("error", 1, 1, "", TOO_DEEP)], warnings: [] };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    const pos = locate(doc, lc, []);
    return { ok: false, errors: [problem("error", pos.line, pos.col, "", `a scenario must be a map of keys such as name, source, traffic (got ${show(data)})`)], warnings: [] };
  }

  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  let applied: AppliedOverride[] = [];
  if (options.overrides && options.overrides.length > 0) {
    const r = applyOverrides(data as Record<string, unknown>, options.overrides);
    applied = r.applied;
    for (const p of r.problems) errors.push({ ...problem("error", 0, 0, "", p.message), origin: p.origin });
    if (errors.length > 0) return { ok: false, errors, warnings: [] };
  }
  /** A problem at a path an override wrote, or under a key it made, names that override instead of a file position. */
  const originOf = (path: Path): string | undefined => {
    let found: string | undefined;
    for (const a of applied) if (a.made.length <= path.length && a.made.every((seg, i) => String(seg) === String(path[i]))) found = a.origin;
    return found;
  };
  let unlisted = 0;
  const at = (path: Path, keyName?: string) => locate(doc, lc, path, keyName);
  const tag = (p: Problem, path: Path): Problem => {
    const origin = originOf(path);
    return origin === undefined ? p : { ...p, line: 0, col: 0, origin };
  };

  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      if (errors.length >= MAX_PROBLEMS) {
        unlisted += issue.code === "unrecognized_keys" ? issue.keys.length : 1;
        continue;
      }
      if (issue.code === "unrecognized_keys") {
        const every = knownKeysAt(path);
        const known = keysApplyingTo(path, sourceTypeOf(data), every);
        for (const key of issue.keys) {
          if (errors.length >= MAX_PROBLEMS) {
            unlisted++;
            continue;
          }
          const pos = at(path, key);
          // A near miss among the keys of this source type first; then any key (its own rule then explains).
          const s = suggest(key, known) ?? suggest(key, every);
          const hint = s ? `did you mean "${s}"?` : `allowed: ${known.join(", ")}`;
          errors.push(tag(problem("error", pos.line, pos.col, formatPath([...path, key]), `unknown key (${hint})`), [...path, key]));
        }
        continue;
      }
      const pos = at(path);
      errors.push(tag(problem("error", pos.line, pos.col, formatPath(path), messageOf(issue, path, data)), path));
    }
  }

  for (const f of checkRules(data)) {
    const list = f.severity === "error" ? errors : warnings;
    if (list.length >= MAX_PROBLEMS) {
      if (f.severity === "error") unlisted++;
      continue;
    }
    const pos = f.offset === undefined ? at(f.path) : locateInString(doc, lc, text, f.path, f.offset);
    list.push(tag(problem(f.severity, pos.line, pos.col, formatPath(f.path), f.message), f.path));
  }

  let replays: ReturnType<typeof resolveReplays>["plans"] = [];
  if (parsed.success && parsed.data.traffic.some((t) => t.fromMetrics !== undefined)) {
    const r = resolveReplays(parsed.data, options.files);
    replays = r.plans;
    for (const f of r.findings) {
      const list = f.severity === "error" ? errors : warnings;
      if (list.length >= MAX_PROBLEMS) {
        if (f.severity === "error") unlisted++;
        continue;
      }
      const pos = at(f.path);
      list.push(tag(problem(f.severity, pos.line, pos.col, formatPath(f.path), f.message), f.path));
    }
  }

  if (errors.length > 0 || !parsed.success) {
    const unique = dedupe(errors);
    // Repeats (zod reports 1e300 as both too large and not an integer) are one problem: counted once in the total too.
    return { ok: false, errors: capped(sortProblems(unique), unique.length + unlisted), warnings: sortProblems(dedupe(warnings)) };
  }
  return { ok: true, scenario: toScenario(parsed.data, options, replays), warnings: sortProblems(dedupe(warnings)) };
}

/**
 * The files a scenario's text names (`fromMetrics.file`, after `overrides`), as written: what a loader reads
 * (relative to the scenario's folder) and passes to parseScenario as `files`. Empty when the text names none, or
 * does not parse (parseScenario then says why).
 */
export function scenarioFiles(text: string, overrides: readonly Override[] = []): string[] {
  if (!text.includes("fromMetrics") && !overrides.some((o) => o.path === "traffic" || o.path.startsWith("traffic."))) return [];
  if (text.length > MAX_SCENARIO_BYTES) return [];
  const { elements, flowDepth } = yamlElementEstimate(text);
  if (elements > MAX_YAML_ELEMENTS || flowDepth > 4 * MAX_DEPTH) return [];
  try {
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false, strict: true, logLevel: "silent" });
    if (doc.errors.length > 0) return [];
    const data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    if (depthOf(data, 0) > MAX_DEPTH || typeof data !== "object" || data === null || Array.isArray(data)) return [];
    if (overrides.length > 0) applyOverrides(data as Record<string, unknown>, overrides);
    return replayFiles(data);
  } catch {
    return [];
  }
}

/** The YAML library's problem in esm-sim's words where they differ (a scenario is one document), else its own first
 *  line without its position (the problem's place is given before it). */
function yamlProblem(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return "a second YAML document starts here (a line ---); a scenario file holds one document";
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** How a kind of value zod names (`expected object`) is said in esm-sim's messages. */
const KIND_WORDS: Record<string, string> = {
  object: "a map of keys",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

/** zod's own messages are replaced by esm-sim's form (what is allowed, what was found) wherever a helper did not set one. */
function messageOf(issue: z.core.$ZodIssue, path: Path, data: unknown): string {
  const m = issue.message;
  if (!m.startsWith("Invalid input") && !m.startsWith("Too ") && !m.startsWith("Expected") && !m.startsWith("Invalid ")) return m;
  const found = valueAt(data, path);
  if (found === undefined) return "is required";
  const kind = /^Invalid input: expected (\w+), received \w+$/.exec(m);
  if (kind && KIND_WORDS[kind[1]]) return `must be ${KIND_WORDS[kind[1]]} (got ${show(found)})`;
  return `is not valid here: ${m.replace(/^Invalid input: /, "")} (got ${show(found)})`;
}

function valueAt(data: unknown, path: Path): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function depthOf(v: unknown, d: number): number {
  if (d > MAX_DEPTH) return d;
  if (typeof v !== "object" || v === null) return d;
  let max = d;
  for (const child of Object.values(v as object)) max = Math.max(max, depthOf(child, d + 1));
  return max;
}

/**
 * An upper estimate of the YAML elements in a text, in one pass without allocating: flow brackets and commas,
 * block indicators (`- `, `? `, `: `), anchors, aliases, tags, quotes and comments, counted wherever they stand (inside
 * strings too: over-counting a real scenario's few hundred is harmless, under-counting a hostile file is not);
 * and the deepest nesting of flow brackets, which the YAML library parses recursively and slowly when deep.
 */
export function yamlElementEstimate(text: string): { elements: number; flowDepth: number } {
  let n = 0;
  let depth = 0;
  let maxDepth = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x5b: // [
      case 0x7b: // {
        n++;
        if (++depth > maxDepth) maxDepth = depth;
        break;
      case 0x5d: // ]
      case 0x7d: // }
        if (depth > 0) depth--;
        break;
      case 0x2c: // ,
      case 0x26: // &
      case 0x2a: // *
      case 0x21: // !
      case 0x22: // "
      case 0x27: // '
      case 0x23: // # (each comment is a node for the YAML library)
        n++;
        break;
      case 0x2d: // -
      case 0x3f: // ?
      case 0x3a: {
        // :
        const next = i + 1 < len ? text.charCodeAt(i + 1) : 0x0a;
        if (next === 0x20 || next === 0x0a || next === 0x0d || next === 0x09) n++;
        break;
      }
    }
  }
  return { elements: n, flowDepth: maxDepth };
}

/**
 * Keys repeated within one map. yaml's own `uniqueKeys` check compares every key with every other (a 1 MB file
 * of distinct keys takes seconds); this one uses a set per map.
 */
function duplicateKeys(doc: Document): { key: string; offset: number; firstOffset: number }[] {
  const out: { key: string; offset: number; firstOffset: number }[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        const k = pair.key;
        if (!isScalar(k)) continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        const offset = k.range?.[0] ?? 0;
        const first = seen.get(id);
        if (first === undefined) seen.set(id, offset);
        else out.push({ key: String(k.value), offset, firstOffset: first });
      }
    },
  });
  return out;
}

/** The listed problems, plus one line saying how many more there are when `total` is larger. */
function capped(listed: Problem[], total: number): Problem[] {
  if (total <= listed.length) return listed;
  const last = listed[listed.length - 1];
  const more = total - listed.length;
  return [...listed, { ...last, path: "", message: `... and ${more} more problem${more > 1 ? "s" : ""} not listed (only the first ${listed.length} are shown)` }];
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The scenario's source type as written (undefined when missing or not a string). */
function sourceTypeOf(data: unknown): unknown {
  if (typeof data !== "object" || data === null) return undefined;
  const source = (data as Record<string, unknown>).source;
  return typeof source === "object" && source !== null ? (source as Record<string, unknown>).type : undefined;
}
