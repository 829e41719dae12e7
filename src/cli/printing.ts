/**
 * What commands print besides their output: a scenario's problems and warnings (parseOrReport parses and prints
 * them), the progress bar on stderr, and whether to colour at all.
 */
import chalk from "chalk";
import { parseScenario, type ParseOptions, type ParseResult } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import type { CommandContext, Io } from "./context.js";
import { resolveScenario } from "./catalogue.js";
import { filesNamedBy, readScenarioFile } from "./files.js";
import { UsageError, usageErrors } from "./usage-error.js";
import { ProgressBar } from "./progress.js";

/** Colours only on a terminal, never into a file, and not with --no-color. */
export function useColor(io: Io, colorFlag: boolean, toFile = false): boolean {
  return colorFlag && !toFile && io.isTty && chalk.level > 0;
}

export function progressBar(io: Io): ProgressBar {
  return new ProgressBar({ err: io.err, errIsTty: Boolean(io.errIsTty), nowMs: io.nowMs ?? (() => 0), columns: process.stderr.columns });
}

/** Every problem, then how many (`options`: the command line's, said first): the scenario was not run. */
export function printProblems(io: Io, problems: Problem[], options: readonly string[] = []): void {
  for (const m of options) io.err(`esm-sim: ${m}\n`);
  for (const p of problems) io.err(formatProblem(p) + "\n");
  const n = options.length + problems.length;
  io.err(`${n} problem${n > 1 ? "s" : ""} found; nothing was run\n`);
}

/**
 * Refuse a command line with problems in its options (`problems`, every one), and tell the scenario's problems too
 * when `arg` names one that can be read, parsed with the options that could be read: all at once, exit code 2. When
 * the scenario has none, the options' problems are a usage error as any other.
 */
export function refuseOptions(ctx: CommandContext, problems: readonly string[], arg: string | undefined, options: ParseOptions = {}): void {
  const all = [...problems];
  let found: Problem[] = [];
  if (arg !== undefined) {
    try {
      const file = resolveScenario(arg);
      const text = readScenarioFile(file);
      const parsed = parseScenario(text, file, { ...options, files: filesNamedBy(text, file, options.overrides) });
      if (!parsed.ok) found = parsed.errors;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      all.push(...e.problems);
    }
  }
  if (found.length === 0) throw usageErrors(all);
  printProblems(ctx.io, found, [...new Set(all)]);
  ctx.code = 2;
}

export function printWarnings(io: Io, warnings: Problem[]): void {
  for (const w of warnings) io.err(formatProblem(w) + "\n");
}

/**
 * Parse a scenario (the files it names read beside `file`, unless `options.files` gives them) and print its
 * warnings; when it has problems, print them, set exit code 2 and return null.
 */
export function parseOrReport(ctx: CommandContext, text: string, file: string, options: ParseOptions = {}): Extract<ParseResult, { ok: true }> | null {
  const parsed = parseScenario(text, file, { ...options, files: options.files ?? filesNamedBy(text, file, options.overrides) });
  printWarnings(ctx.io, parsed.warnings);
  if (parsed.ok) return parsed;
  printProblems(ctx.io, parsed.errors);
  ctx.code = 2;
  return null;
}
