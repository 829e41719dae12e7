/** `esm-sim merge`: combine the JSON results of sweep shards into exactly what the unsharded sweep gives. */
import { SWEEP_RESULT_INPUT } from "../sweep/limits.js";
import { tooDeep } from "../sweep/result-schema.js";
import { mergeSweeps, type SweepResult } from "../sweep/sweep.js";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { shownPath } from "../io/shown-path.js";
import type { CommandContext } from "./context.js";
import { checkOutputs, formatFileName, readTextFile } from "./files.js";
import { UsageError, usageErrors } from "./usage-error.js";
import { parseMaxRows, writeSweep, type SweepOutputOpts } from "./sweep.js";

export interface MergeOpts extends SweepOutputOpts {
  maxRows?: string;
}

export function mergeCommand(ctx: CommandContext, files: readonly string[], opts: MergeOpts): void {
  checkOutputs(
    files.map((path) => ({ what: "a result being merged", path })),
    [opts.output !== undefined ? { what: "--output", path: opts.output, example: formatFileName("sweep", opts.format) } : null],
  );
  const maxRows = parseMaxRows(opts.maxRows);
  const { once, twice } = filesOnce(files);
  const merged = mergeFiles(once, maxRows);
  if (twice.length > 0 || Array.isArray(merged)) throw usageErrors([...twice, ...(Array.isArray(merged) ? merged : [])]);
  ctx.code = writeSweep(ctx.io, merged, opts);
}

/**
 * The results given, each file once (compared as the system finds it: through links and other spellings of its
 * path), and a problem for each one given again: merged twice, its rows would all be "in both" files.
 */
function filesOnce(files: readonly string[]): { once: string[]; twice: string[] } {
  const first = new Map<string, string>();
  const once: string[] = [];
  const twice: string[] = [];
  for (const f of files) {
    const id = fileIdentity(f);
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, f);
      once.push(f);
    } else {
      twice.push(`${shownPath(f)}: ${seen === f ? "is given twice" : `is ${shownPath(seen)}, given again`}; give each shard's result once`);
    }
  }
  return { once, twice };
}

/** A file's identity: its device and inode when it is there, else its absolute path (reading it will say why not). */
function fileIdentity(path: string): string {
  try {
    const st = statSync(path);
    return `inode ${st.dev}:${st.ino}`;
  } catch {
    return `path ${resolve(path)}`;
  }
}

/** Read the shard results named on the command line (io/input.ts: at most 64 MB each) and merge them; every problem
 *  found when they cannot be. */
function mergeFiles(files: readonly string[], maxRows: number): SweepResult | string[] {
  const inputs: { name: string; value: unknown }[] = [];
  const bad: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readTextFile(f, SWEEP_RESULT_INPUT);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      bad.push(e.message);
      continue;
    }
    const deep = tooDeep(text);
    if (deep !== null) {
      bad.push(`${f}: ${deep}; ${SWEEP_RESULT_INPUT.format}`);
      continue;
    }
    try {
      inputs.push({ name: f, value: JSON.parse(text) });
    } catch (e) {
      // V8's message quotes the text around the mistake: on one line, and not too long.
      const why = (e as Error).message.replace(/\s+/g, " ").slice(0, 160);
      bad.push(`${f}: not JSON (${why}); ${SWEEP_RESULT_INPUT.format}`);
    }
  }
  if (bad.length > 0) return bad;
  return mergeSweeps(inputs, maxRows);
}
