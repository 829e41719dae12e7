/**
 * `esm-sim sweep`: run a scenario over a grid of settings, in parallel (sweep-pool.ts), and compare the key metrics.
 * The command line is read into one SweepSpec (src/sweep); every row is checked before any runs.
 */
import { availableParallelism } from "node:os";
import { InternalError } from "../engine/assert.js";
import { renderSweepCsv, renderSweepJson, renderSweepMarkdown, renderSweepTable } from "../report/sweep.js";
import { DEFAULT_MAX_ROWS } from "../sweep/limits.js";
import { checkRows, gridTooLarge, parseGrid, parseShard, setVaryClashes, settingArgs, specRows, sweepFiles, sweepHeader, sweepResult, writtenSettings, type GridRow, type SweepResult, type SweepSpec } from "../sweep/sweep.js";
import { readNamedFiles } from "../io/input.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { optionalSeed, parseJobs, parseUntil, readOverrides, shellQuote } from "./args.js";
import type { CommandContext, Io } from "./context.js";
import { printProblems, progressBar, refuseOptions, useColor } from "./printing.js";
import { resolveScenario } from "./catalogue.js";
import { checkOutputs, formatFileName, readScenarioFile, scenarioInput, writeOutputFile } from "./files.js";
import { OptionProblems, UsageError } from "./usage-error.js";
import { RowFailure, runRows } from "./sweep-pool.js";

export type SweepFormat = "table" | "json" | "csv" | "markdown";

/** Where and how a sweep result is written (sweep and merge). */
export interface SweepOutputOpts {
  format: SweepFormat;
  output?: string;
  color: boolean;
}

export interface SweepOpts extends SweepOutputOpts {
  vary: string[];
  set: string[];
  seed?: string;
  until?: string;
  jobs?: string;
  shard?: string;
  maxRows?: string;
}

export async function sweepCommand(ctx: CommandContext, file: string, opts: SweepOpts): Promise<void> {
  const read = readSweepOptions(ctx, file, opts);
  if (read === null) return;
  const { spec, jobs } = read;
  const parallelism = availableParallelism();
  if (jobs > parallelism) {
    ctx.io.err(`esm-sim: warning: --jobs ${jobs} is more than the ${parallelism} threads this machine runs at once (os.availableParallelism()); the extra worker threads add memory and switching, not speed\n`);
  }
  const rows = specRows(spec);
  spec.files = readNamedFiles(sweepFiles(spec, rows), spec.file, CLOUDWATCH_EXPORT_INPUT);
  const problems = checkRows(spec, rows);
  if (problems.length > 0) {
    printProblems(ctx.io, problems);
    ctx.code = 2;
    return;
  }
  const bar = progressBar(ctx.io);
  let results;
  try {
    results = await runRows(spec, rows, jobs, (done, total) => bar.update(done / total, `${done} of ${total} rows`));
  } catch (e) {
    bar.done();
    throw e instanceof RowFailure ? rowError(ctx, spec, e) : e;
  }
  bar.done();
  ctx.code = writeSweep(ctx.io, sweepResult(sweepHeader(spec), results, spec.shard), opts);
}

/**
 * The sweep's command line read into its spec and the number of worker threads; null (exit code 2 set) when an
 * option has a problem: every one is told, with the scenario's own problems (read with the --set that could be).
 */
function readSweepOptions(ctx: CommandContext, file: string, opts: SweepOpts): { spec: SweepSpec; jobs: number } | null {
  const given = new OptionProblems();
  const grid = parseGrid(opts.vary);
  if (!grid.ok) given.problems.push(...grid.problems);
  const vary = grid.ok ? grid.vary : [];
  const maxRows = given.read(() => parseMaxRows(opts.maxRows));
  const tooLarge = maxRows === undefined ? null : gridTooLarge(vary, maxRows);
  if (tooLarge !== null) given.problems.push(tooLarge);
  const set = readOverrides(opts.set, given);
  given.problems.push(...setVaryClashes(set, vary));
  const seed = given.read(() => optionalSeed(opts.seed)) ?? null;
  const until = opts.until === undefined ? null : (given.read(() => ({ written: opts.until!, us: parseUntil(opts.until!) })) ?? null);
  const jobs = given.read(() => parseJobs(opts.jobs)) ?? 1;
  const shard = opts.shard === undefined ? null : parseShard(opts.shard);
  if (typeof shard === "string") given.problems.push(shard);
  if (given.problems.length > 0 || typeof shard === "string") {
    refuseOptions(ctx, given.problems, file, { seed: seed ?? undefined, untilUs: until?.us, overrides: set });
    return null;
  }
  const path = resolveScenario(file);
  checkOutputs([scenarioInput(path)], [opts.output !== undefined ? { what: "--output", path: opts.output, example: formatFileName("sweep", opts.format) } : null]);
  return { spec: { file: path, text: readScenarioFile(path), seed, until, set, vary, shard }, jobs };
}

/** --max-rows (sweep and merge): a whole number of at least 1; the default without it. */
export function parseMaxRows(s: string | undefined): number {
  if (s === undefined) return DEFAULT_MAX_ROWS;
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new UsageError(`--max-rows: must be a whole number of at least 1 (got ${JSON.stringify(s)})`);
  return Number(s);
}

/** A row that failed to run: the error main reports, with the `esm-sim run` line that reproduces the row. */
function rowError(ctx: CommandContext, spec: SweepSpec, e: RowFailure): Error {
  const row: GridRow = e.row;
  const args = settingArgs(writtenSettings(spec), row.params).map(([flag, value]) => ` ${flag} ${shellQuote(value)}`);
  ctx.reproduce = `esm-sim run ${shellQuote(spec.file)}${args.join("")}`;
  return e.internal ? new InternalError(`sweep row ${row.index}: ${e.message}`) : new Error(`sweep row ${row.index}: ${e.message}`);
}

/** Print or write a sweep result; exit code 1 when a row failed an expectation. */
export function writeSweep(io: Io, r: SweepResult, opts: SweepOutputOpts): number {
  const text = renderSweep(r, opts.format, useColor(io, opts.color, opts.output !== undefined && opts.output !== "-"));
  if (opts.output !== undefined && opts.output !== "-") writeOutputFile(opts.output, text, "--output");
  else io.out(text);
  const failed = r.results.filter((x) => !x.passed);
  if (failed.length > 0) {
    io.err(`${failed.length} of ${r.results.length} rows failed an expectation: rows ${failed.map((x) => x.index).join(", ")}\n`);
    return 1;
  }
  return 0;
}

function renderSweep(r: SweepResult, format: SweepFormat, color: boolean): string {
  switch (format) {
    case "json":
      return renderSweepJson(r);
    case "csv":
      return renderSweepCsv(r);
    case "markdown":
      return renderSweepMarkdown(r);
    default:
      return renderSweepTable(r, { color });
  }
}
