/**
 * The shipped scenarios (the catalogue), found relative to the package (dist/../scenarios, or src/../scenarios
 * when run from source), so `esm-sim run <name>` works from any directory and through npx.
 */
import { existsSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CatalogueEntry } from "../explain/quiz.js";
import { ioReason, STDIN_PATH } from "../io/input.js";
import { shownPath } from "../io/shown-path.js";
import { parseScenario } from "../scenario/parse.js";
import { suggest } from "../scenario/show.js";
import { filesNamedBy, readScenarioFile } from "./files.js";
import { UsageError } from "./usage-error.js";

export const SCENARIO_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** Stems of the shipped scenario files, sorted. */
export function shippedNames(dir = SCENARIO_DIR): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The file a scenario argument names: an existing path wins, and `-` is the standard input; otherwise a shipped
 * scenario's name (with or without .yaml). An unknown name is a usage error with a suggestion.
 */
export function resolveScenario(arg: string, dir = SCENARIO_DIR): string {
  if (existsSync(arg) || arg === STDIN_PATH) return arg;
  refuseBrokenLink(arg);
  const looksLikeName = !arg.includes("/") && !arg.includes("\\");
  if (!looksLikeName) return arg; // reading it reports "no such file"
  const stem = arg.replace(/\.ya?ml$/, "");
  const names = shippedNames(dir);
  if (names.includes(stem)) return join(dir, `${stem}.yaml`);
  const s = suggest(stem, names) ?? nearestByPrefix(stem, names);
  throw new UsageError(`${shownPath(arg)}: no such file, and no shipped scenario has that name${s ? ` (did you mean "${s}"?)` : ""}; \`esm-sim scenarios\` lists them`);
}

/**
 * A symbolic link that leads to no file is the file meant, not a shipped scenario's name: a dangling one says where it
 * points; one that loops, or a path through such a link, is left for the read to say so (too many symbolic links).
 */
function refuseBrokenLink(arg: string): void {
  let target: string | null = null;
  try {
    target = readlinkSync(arg);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOOP") return; // not a link: a missing file, or a name
  }
  try {
    statSync(arg);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw new UsageError(`${shownPath(arg)}: ${ioReason(e)}`);
    if (target !== null) throw new UsageError(`${shownPath(arg)}: is a symbolic link to ${shownPath(target)}, which does not exist`);
  }
}

function nearestByPrefix(stem: string, names: readonly string[]): string | null {
  const hit = names.find((n) => n.includes(stem) || stem.includes(n));
  return hit ?? null;
}

/** Every shipped scenario, parsed. A shipped scenario that does not parse is a bug in the package. */
export function loadCatalogue(dir = SCENARIO_DIR): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  for (const name of shippedNames(dir)) {
    const file = join(dir, `${name}.yaml`);
    if (!statSync(file).isFile()) continue;
    const text = readScenarioFile(file);
    const files = filesNamedBy(text, file);
    const parsed = parseScenario(text, file, { files });
    if (!parsed.ok) throw new Error(`shipped scenario ${name} is invalid: ${parsed.errors.map((e) => e.message).join("; ")}`);
    out.push({ name, scenario: parsed.scenario, files });
  }
  return out;
}
