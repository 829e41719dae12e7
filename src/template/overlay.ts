/**
 * The --traffic file: what a template cannot say. Either a list of producers (the scenario's `traffic`), or a map
 * with `traffic` and any of the simulator's own keys: description, seed, until, startTime, profile, scaling,
 * account, expect, and function.duration / function.failures. AWS settings (source, mapping, function Timeout, ...) come from the
 * template only, so the same traffic file can be replayed against every version of the template.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import { locate, type Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { show, suggest } from "../scenario/show.js";

export const OVERLAY_TOP_KEYS = ["description", "seed", "until", "startTime", "profile", "scaling", "traffic", "function", "account", "expect"] as const;
export const OVERLAY_FUNCTION_KEYS = ["duration", "failures"] as const;
const FROM_TEMPLATE = ["name", "source", "mapping"];

export interface Overlay {
  file: string;
  /** The overlay as a scenario-shaped map (a bare list becomes { traffic: list }). */
  data: Record<string, unknown>;
  /** True when the file is a bare list of producers. */
  bareList: boolean;
  doc: Document;
  lc: LineCounter;
}

export type OverlayResult = { ok: true; overlay: Overlay } | { ok: false; errors: Problem[] };

export function parseOverlay(text: string, file: string): OverlayResult {
  const err = (line: number, col: number, path: string, message: string): Problem => ({ severity: "error", file, line, col, path, message });
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return err(p.line, p.col, "", `not valid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
      }),
    };
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, errors: [err(1, 1, "", `cannot expand the YAML: ${(e as Error).message}`)] };
  }
  if (Array.isArray(js)) return { ok: true, overlay: { file, data: { traffic: js }, bareList: true, doc, lc } };
  if (typeof js !== "object" || js === null) {
    return { ok: false, errors: [err(1, 1, "", `a traffic file is a list of producers, or a map with traffic and the simulator's own keys (${OVERLAY_TOP_KEYS.join(", ")}) (got ${show(js)})`)] };
  }
  const data = js as Record<string, unknown>;
  const errors: Problem[] = [];
  const at = (path: Path, key?: string) => locate(doc, lc, path, key);
  for (const k of Object.keys(data)) {
    if ((OVERLAY_TOP_KEYS as readonly string[]).includes(k)) continue;
    const pos = at([], k);
    if (FROM_TEMPLATE.includes(k)) errors.push(err(pos.line, pos.col, k, "comes from the template: change the template, or edit the scenario that `esm-sim init` writes"));
    else {
      const s = suggest(k, OVERLAY_TOP_KEYS);
      errors.push(err(pos.line, pos.col, k, `unknown key (${s ? `did you mean "${s}"?` : `allowed: ${OVERLAY_TOP_KEYS.join(", ")}`})`));
    }
  }
  const fn = data.function;
  if (fn !== undefined) {
    if (typeof fn !== "object" || fn === null || Array.isArray(fn)) {
      const pos = at(["function"]);
      errors.push(err(pos.line, pos.col, "function", `must be a map with duration and/or failures (got ${show(fn)})`));
    } else {
      for (const k of Object.keys(fn)) {
        if ((OVERLAY_FUNCTION_KEYS as readonly string[]).includes(k)) continue;
        const pos = at(["function"], k);
        errors.push(err(pos.line, pos.col, `function.${k}`, /^[A-Z]/.test(k) ? "comes from the template (an AWS setting): change the template, or edit the scenario that `esm-sim init` writes" : `unknown key (allowed here: ${OVERLAY_FUNCTION_KEYS.join(", ")})`));
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, overlay: { file, data, bareList: false, doc, lc } };
}

/** Where a scenario path (as written into the scenario) stands in the overlay file. */
export function overlayPosition(o: Overlay, scenarioPath: Path): { line: number; col: number } {
  const path = o.bareList ? scenarioPath.slice(1) : scenarioPath;
  return locate(o.doc, o.lc, path);
}
