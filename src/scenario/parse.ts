/**
 * parse(text, fileName) -> a Scenario, or every problem at once. No file system here: the CLI reads the file.
 * Problems carry file:line:col (from yaml's LineCounter), the key path, what is allowed and what was found.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { formatPath, locate, locateInString, type Path } from "./locate.js";
import { toScenario, type Scenario } from "./model.js";
import { applyOverrides, type AppliedOverride, type Override } from "./overrides.js";
import { sortProblems, type Problem } from "./problems.js";
import { checkRules } from "./rules.js";
import { knownKeysAt, scenarioSchema } from "./schema.js";
import { show, suggest } from "./show.js";

export type ParseResult =
  | { ok: true; scenario: Scenario; warnings: Problem[] }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

export interface ParseOptions {
  seed?: number;
  untilUs?: number;
  /** `--set path=value` changes, applied in order to the document before it is validated. */
  overrides?: readonly Override[];
}

/** Scenario files larger than this are refused before parsing. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 1000;
const MAX_DEPTH = 64;

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

  const lc = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    return { ok: false, errors: [problem("error", 1, 1, "", `not valid YAML: ${(e as Error).message}`)], warnings: [] };
  }
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => {
      const pos = lc.linePos(e.pos[0]);
      const msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      return problem("error", pos.line, pos.col, "", `not valid YAML: ${msg}`);
    });
    return { ok: false, errors: sortProblems(dedupe(errors)), warnings: [] };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return { ok: false, errors: [problem("error", 1, 1, "", `cannot expand the YAML: ${(e as Error).message} (anchors and aliases are limited to ${MAX_ALIAS_COUNT} expansions)`)], warnings: [] };
  }
  if (depthOf(data, 0) > MAX_DEPTH) {
    return { ok: false, errors: [problem("error", 1, 1, "", `the document nests deeper than ${MAX_DEPTH} levels`)], warnings: [] };
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
  /** A problem at a path an override wrote names that override instead of a file position. */
  const originOf = (path: Path): string | undefined => {
    let found: string | undefined;
    for (const a of applied) if (a.path.length <= path.length && a.path.every((seg, i) => String(seg) === String(path[i]))) found = a.origin;
    return found;
  };
  const at = (path: Path, keyName?: string) => locate(doc, lc, path, keyName);
  const tag = (p: Problem, path: Path): Problem => {
    const origin = originOf(path);
    return origin === undefined ? p : { ...p, line: 0, col: 0, origin };
  };

  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(path);
        for (const key of issue.keys) {
          const pos = at(path, key);
          const s = suggest(key, known);
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
    const pos = f.offset === undefined ? at(f.path) : locateInString(doc, lc, text, f.path, f.offset);
    (f.severity === "error" ? errors : warnings).push(tag(problem(f.severity, pos.line, pos.col, formatPath(f.path), f.message), f.path));
  }

  if (errors.length > 0 || !parsed.success) {
    return { ok: false, errors: sortProblems(dedupe(errors)), warnings: sortProblems(dedupe(warnings)) };
  }
  return { ok: true, scenario: toScenario(parsed.data, options), warnings: sortProblems(dedupe(warnings)) };
}

/** zod's own messages are replaced by the contract's form wherever a helper did not set one. */
function messageOf(issue: z.core.$ZodIssue, path: Path, data: unknown): string {
  const m = issue.message;
  if (!m.startsWith("Invalid input") && !m.startsWith("Too ") && !m.startsWith("Expected") && !m.startsWith("Invalid ")) return m;
  const found = valueAt(data, path);
  if (found === undefined) return "is required";
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

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
