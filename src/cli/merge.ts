/** `esm-sim merge`: combine the JSON results of sweep shards into exactly what the unsharded sweep gives. */
import { SWEEP_RESULT_INPUT } from "../sweep/limits.js";
import { tooDeep } from "../sweep/result-schema.js";
import { mergeSweeps, type SweepResult } from "../sweep/sweep.js";
import type { CommandContext } from "./context.js";
import { checkOutputs, readTextFile } from "./files.js";
import { UsageError, usageErrors } from "./usage-error.js";
import { parseMaxRows, writeSweep, type SweepOutputOpts } from "./sweep.js";

export interface MergeOpts extends SweepOutputOpts {
  maxRows?: string;
}

export function mergeCommand(ctx: CommandContext, files: readonly string[], opts: MergeOpts): void {
  checkOutputs(
    files.map((path) => ({ what: "a result being merged", path })),
    [opts.output !== undefined ? { what: "--output", path: opts.output } : null],
  );
  ctx.code = writeSweep(ctx.io, mergeFiles(files, parseMaxRows(opts.maxRows)), opts);
}

/** Read the shard results named on the command line (io/input.ts: at most 64 MB each) and merge them. */
function mergeFiles(files: readonly string[], maxRows: number): SweepResult {
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
  if (bad.length > 0) throw usageErrors(bad);
  const merged = mergeSweeps(inputs, maxRows);
  if (Array.isArray(merged)) throw usageErrors(merged);
  return merged;
}
