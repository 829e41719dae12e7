/** `esm-sim merge`: combine the JSON results of sweep shards into exactly what the unsharded sweep gives. */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { mergeSweeps, type SweepResult } from "../sweep/sweep.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./files.js";
import { writeSweep, type SweepOutputOpts } from "./sweep.js";

export function registerMerge(program: Command, ctx: CommandContext): void {
  program
    .command("merge")
    .description("combine the JSON results of sweep shards (--shard k/n) into the unsharded sweep's output")
    .argument("<results...>", "sweep results written with --format json")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv", "markdown"]).default("table"))
    .option("--output <file>", "write the result to a file instead of stdout")
    .option("--no-color", "no colours in the table")
    .action((files: string[], opts: SweepOutputOpts) => {
      ctx.code = writeSweep(ctx.io, mergeFiles(files), opts);
    });
}

/** Read the shard results named on the command line and merge them. */
function mergeFiles(files: readonly string[]): SweepResult {
  const inputs: { name: string; value: unknown }[] = [];
  const bad: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      bad.push(`${f}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      continue;
    }
    try {
      inputs.push({ name: f, value: JSON.parse(text) });
    } catch (e) {
      bad.push(`${f}: not JSON (${(e as Error).message})`);
    }
  }
  if (bad.length > 0) throw new UsageError(bad.join("\nesm-sim: "));
  const merged = mergeSweeps(inputs);
  if (Array.isArray(merged)) throw new UsageError(merged.join("\nesm-sim: "));
  return merged;
}
