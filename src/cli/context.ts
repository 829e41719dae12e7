/**
 * What every command of the CLI shares: the terminal it talks to (Io), where it leaves its exit code and what an
 * internal error should print (CommandContext), and the lines it prints for a scenario's problems and warnings.
 */
import chalk from "chalk";
import { parseScenario, type ParseOptions, type ParseResult } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { ProgressBar } from "./progress.js";
import { filesNamedBy } from "./files.js";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
  /** One line of input (quiz answers), or null at end of input. */
  readLine?: () => Promise<string | null>;
  /** stderr is a terminal (progress bars); default false. */
  errIsTty?: boolean;
  /** Wall clock in ms, for progress bars only. */
  nowMs?: () => number;
}

/**
 * A command's outcome, set by its action: the exit code, and for a run the seed and the command line that
 * reproduces it (printed with an internal error, so that the bug can be reported).
 */
export interface CommandContext {
  readonly io: Io;
  code: number;
  reproduce: string | null;
  seed: number | null;
}

export function newContext(io: Io): CommandContext {
  return { io, code: 0, reproduce: null, seed: null };
}

/** Colours only on a terminal, never into a file, and not with --no-color. */
export function useColor(io: Io, colorFlag: boolean, toFile = false): boolean {
  return colorFlag && !toFile && io.isTty && chalk.level > 0;
}

export function progressBar(io: Io): ProgressBar {
  return new ProgressBar({ err: io.err, errIsTty: Boolean(io.errIsTty), nowMs: io.nowMs ?? (() => 0), columns: process.stderr.columns });
}

/** Every problem, then how many: the scenario was not run. */
export function printProblems(io: Io, problems: Problem[]): void {
  for (const p of problems) io.err(formatProblem(p) + "\n");
  io.err(`${problems.length} problem${problems.length > 1 ? "s" : ""} found; nothing was run\n`);
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
