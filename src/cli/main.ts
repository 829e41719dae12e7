/**
 * The esm-sim command line. The only code that prints, reads files, looks at the terminal or sets exit codes:
 * 0 ran and every expectation passed; 1 an expectation failed; 2 invalid scenario or command line; 3 internal error.
 */
import chalk from "chalk";
import { Command, CommanderError, Option } from "commander";
import { InternalError } from "../engine/assert.js";
import { FIGURE_NAMES, PROFILES, PROFILE_NAMES } from "../esm/profiles.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { fmtMs } from "../report/format.js";
import { renderHtml } from "../report/html.js";
import { renderJson } from "../report/json.js";
import { renderMarkdown } from "../report/markdown.js";
import { renderTable } from "../report/table.js";
import { traceLine } from "../report/trace-jsonl.js";
import { simulate } from "../run/simulate.js";
import { VERSION } from "../run/version.js";
import { renderJsonSchema } from "../scenario/json-schema.js";
import { parseScenario } from "../scenario/parse.js";
import { isOverrideProblem, parseOverride, type Override } from "../scenario/overrides.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { parseDurationUs } from "../scenario/units.js";
import { AtomicLineWriter, readScenarioFile, UsageError, writeFileAtomic } from "./files.js";
import { ProgressBar, runFraction } from "./progress.js";
import type { SweepResult } from "../sweep/sweep.js";
import { mergeFiles, parseJobs, parseShardArg, parseVaryArgs, RowFailure, renderSweep, runSweep, type SweepFormat } from "./sweep.js";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
  /** stderr is a terminal (progress bars); default false. */
  errIsTty?: boolean;
  /** Wall clock in ms, for progress bars only. */
  nowMs?: () => number;
}

const defaultIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
  errIsTty: Boolean(process.stderr.isTTY),
  nowMs: () => performance.now(),
});

function progressBar(io: Io): ProgressBar {
  return new ProgressBar({ err: io.err, errIsTty: Boolean(io.errIsTty), nowMs: io.nowMs ?? (() => 0), columns: process.stderr.columns });
}

const EXAMPLES = `
Examples:
  $ esm-sim run scenarios/sqs-backlog-burst.yaml
  $ esm-sim run scenarios/sqs-poison-message-dlq.yaml --format json --output report.json
  $ esm-sim run scenarios/sqs-backlog-burst.yaml --seed 7 --until 10m --trace run.jsonl
  $ esm-sim validate my-mapping.yaml
  $ esm-sim profiles

Exit codes: 0 ran and every expectation passed, 1 an expectation failed,
            2 invalid scenario or command line, 3 internal error (a bug).`;

interface RunOpts {
  seed?: string;
  until?: string;
  set: string[];
  format: "table" | "json" | "markdown";
  output?: string;
  trace?: string;
  html?: string;
  color: boolean;
}

/** Run the CLI. Returns the exit code (never throws, never exits the process itself). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let code = 0;
  let reproduce: string | null = null;
  const program = new Command()
    .name("esm-sim")
    .description("Deterministic simulator of AWS Lambda event source mappings: what will this mapping actually do?")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText("after", EXAMPLES);

  program
    .command("run")
    .description("run a scenario and print its report")
    .argument("<scenario>", "scenario YAML file")
    .option("--seed <n>", "seed for every random draw (overrides the scenario's seed)")
    .option("--until <duration>", "stop at this virtual time, e.g. 30m (overrides the scenario's until)")
    .option("--set <path=value>", "override a scenario key before validation, e.g. mapping.BatchSize=500 (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "report format (markdown: a GitHub summary for PR comments and $GITHUB_STEP_SUMMARY)").choices(["table", "json", "markdown"]).default("table"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--trace <file.jsonl>", "write every step of the run as JSON lines")
    .option("--html <file.html>", "also write a self-contained HTML report with charts (opens offline)")
    .option("--no-color", "no colours in the table (colours are used only on a terminal)")
    .addHelpText("after", EXAMPLES)
    .action((file: string, opts: RunOpts) => {
      const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
      const untilUs = opts.until === undefined ? undefined : parseUntil(opts.until);
      const overrides = parseOverrides(opts.set);
      const text = readScenarioFile(file);
      const parsed = parseScenario(text, file, { seed, untilUs, overrides });
      printWarnings(io, parsed.warnings);
      if (!parsed.ok) {
        printProblems(io, parsed.errors);
        code = 2;
        return;
      }
      const scenario = parsed.scenario;
      reproduce = `esm-sim run ${shellQuote(file)} --seed ${scenario.seed}${opts.until ? ` --until ${shellQuote(opts.until)}` : ""}${opts.set.map((a) => ` --set ${shellQuote(a)}`).join("")}`;
      let writer: AtomicLineWriter | null = null;
      if (opts.trace) writer = new AtomicLineWriter(opts.trace);
      let result;
      const bar = progressBar(io);
      try {
        const w = writer;
        result = simulate(scenario, {
          ...(w ? { trace: (ctx) => (e) => w.line(traceLine(e, ctx)) } : {}),
          progress: (p) => {
            const f = runFraction(scenario, p);
            bar.update(f.fraction, f.label);
          },
          progressEvery: 8192,
        });
        bar.done();
        writer?.commit();
      } catch (e) {
        bar.done();
        writer?.abort();
        throw e;
      }
      const report = result.report;
      const color = opts.color && !opts.output && io.isTty && chalk.level > 0;
      const text2 =
        opts.format === "json" ? renderJson(report) : opts.format === "markdown" ? renderMarkdown(report, { reproduce }) : renderTable(report, { color });
      if (opts.html) writeFileAtomic(opts.html, renderHtml(result, { reproduce }));
      if (opts.output) writeFileAtomic(opts.output, text2);
      else io.out(text2);
      const failed = report.expectations.filter((x) => !x.passed);
      if (failed.length > 0) {
        for (const f of failed) {
          const actual = METRIC_PATHS[f.path] === "ms" && typeof f.actual === "number" ? fmtMs(f.actual) : String(f.actual);
          io.err(`expectation failed: ${f.path} ${f.op} ${f.written} (actual ${actual})\n`);
        }
        io.err(`reproduce: ${reproduce}\n`);
        code = 1;
      }
    });

  program
    .command("validate")
    .description("check a scenario and print every problem and warning, without running it")
    .argument("<scenario>", "scenario YAML file")
    .option("--set <path=value>", "override a scenario key before validation (repeatable)", collect, [])
    .action((file: string, opts: { set: string[] }) => {
      const overrides = parseOverrides(opts.set);
      const parsed = parseScenario(readScenarioFile(file), file, { overrides });
      printWarnings(io, parsed.warnings);
      if (!parsed.ok) {
        printProblems(io, parsed.errors);
        code = 2;
        return;
      }
      const w = parsed.warnings.length;
      io.out(`${file}: valid${w ? ` (${w} warning${w > 1 ? "s" : ""})` : ""}\n`);
    });

  program
    .command("profiles")
    .description("list the AWS figures each profile holds, with their sources")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action((opts: { format: string }) => {
      if (opts.format === "json") {
        io.out(JSON.stringify(PROFILES, null, 2) + "\n");
        return;
      }
      io.out(renderProfiles());
    });

  program
    .command("schema")
    .description("print the JSON Schema of the scenario format (for editor completion: # yaml-language-server: $schema=...)")
    .action(() => {
      io.out(renderJsonSchema());
    });

  program
    .command("sweep")
    .description("run a scenario over a grid of settings, in parallel, and compare the key metrics")
    .argument("<scenario>", "scenario YAML file")
    .option("--vary <path=v1,v2,...>", "a key and the values to try, e.g. mapping.BatchSize=10,100,1000 (repeatable: the grid is every combination)", collect, [])
    .option("--set <path=value>", "override a scenario key in every row (repeatable)", collect, [])
    .option("--seed <n>", "seed for every row (overrides the scenario's seed)")
    .option("--until <duration>", "stop every row at this virtual time")
    .option("--jobs <n>", "worker threads (default: the machine's available parallelism)")
    .option("--shard <k/n>", "run only rows k-1, k-1+n, k-1+2n, ... (combine the JSON results with esm-sim merge)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv", "markdown"]).default("table"))
    .option("--output <file>", "write the result to a file instead of stdout")
    .option("--no-color", "no colours in the table")
    .addHelpText("after", `
Examples:
  $ esm-sim sweep s.yaml --vary mapping.BatchSize=10,100,1000 --vary mapping.ParallelizationFactor=1,2,4
  $ esm-sim sweep s.yaml --vary function.Timeout=3,10,30 --format csv --output grid.csv
  $ esm-sim sweep s.yaml --vary mapping.BatchSize=1,10 --shard 1/2 --format json --output part1.json
  $ esm-sim merge part1.json part2.json`)
    .action(async (file: string, opts: { vary: string[]; set: string[]; seed?: string; until?: string; jobs?: string; shard?: string; format: SweepFormat; output?: string; color: boolean }) => {
      const vary = parseVaryArgs(opts.vary);
      parseOverrides(opts.set);
      const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
      const untilUs = opts.until === undefined ? undefined : parseUntil(opts.until);
      const jobs = parseJobs(opts.jobs);
      const shard = parseShardArg(opts.shard);
      const text = readScenarioFile(file);
      const bar = progressBar(io);
      let r;
      try {
        r = await runSweep({ text, file, seed, untilUs, until: opts.until, set: opts.set, vary, jobs, shard, onRow: (done, total) => bar.update(done / total, `${done} of ${total} rows`) });
      } catch (e) {
        bar.done();
        if (e instanceof RowFailure) {
          const t = e.task;
          reproduce = `esm-sim run ${shellQuote(file)}${t.seed !== undefined ? ` --seed ${t.seed}` : ""}${opts.until ? ` --until ${shellQuote(opts.until)}` : ""}${t.overrides.map((o) => ` --set ${shellQuote(o.arg)}`).join("")}`;
          throw e.internal ? new InternalError(`sweep row ${t.index}: ${e.message}`) : new Error(`sweep row ${t.index}: ${e.message}`);
        }
        throw e;
      }
      bar.done();
      if (!r.ok) {
        printProblems(io, r.problems);
        code = 2;
        return;
      }
      code = writeSweep(io, r.result, opts);
    });

  program
    .command("merge")
    .description("combine the JSON results of sweep shards (--shard k/n) into the unsharded sweep's output")
    .argument("<results...>", "sweep results written with --format json")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv", "markdown"]).default("table"))
    .option("--output <file>", "write the result to a file instead of stdout")
    .option("--no-color", "no colours in the table")
    .action((files: string[], opts: { format: SweepFormat; output?: string; color: boolean }) => {
      code = writeSweep(io, mergeFiles(files), opts);
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    return handleError(e, io, reproduce);
  }
  return code;
}

/** Print or write a sweep result; exit code 1 when a row failed an expectation. */
function writeSweep(io: Io, r: SweepResult, opts: { format: SweepFormat; output?: string; color: boolean }): number {
  const color = opts.color && !opts.output && io.isTty && chalk.level > 0;
  const text = renderSweep(r, opts.format, color);
  if (opts.output) writeFileAtomic(opts.output, text);
  else io.out(text);
  const failed = r.results.filter((x) => !x.passed);
  if (failed.length > 0) {
    io.err(`${failed.length} of ${r.results.length} rows failed an expectation: rows ${failed.map((x) => x.index).join(", ")}\n`);
    return 1;
  }
  return 0;
}

function renderProfiles(): string {
  const lines: string[] = [];
  const w = Math.max(...FIGURE_NAMES.map((n) => n.length));
  lines.push(`${"figure".padEnd(w)}  ${PROFILE_NAMES.map((p) => p.padStart(12)).join("")}  source`);
  for (const f of FIGURE_NAMES) {
    const vals = PROFILE_NAMES.map((p) => String(PROFILES[p].figures[f].value ?? "-").padStart(12)).join("");
    const fig = PROFILES.current.figures[f];
    lines.push(`${f.padEnd(w)}  ${vals}  ${fig.chosen ? "esm-sim's choice" : fig.source}: ${fig.note}`);
  }
  lines.push("");
  for (const p of PROFILE_NAMES) lines.push(`${p} (as of ${PROFILES[p].asOf}): ${PROFILES[p].description}`);
  lines.push("Override single figures in a scenario with a `scaling:` block, e.g. scaling: { scaleUpPerMinute: 120 }.");
  return lines.join("\n") + "\n";
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every --set argument, or a usage error naming each malformed one. */
export function parseOverrides(args: readonly string[], flag = "--set"): Override[] {
  const out: Override[] = [];
  const bad: string[] = [];
  for (const a of args) {
    const o = parseOverride(a, flag);
    if (isOverrideProblem(o)) bad.push(`${o.origin}: ${o.message}`);
    else out.push(o);
  }
  if (bad.length > 0) throw new UsageError(bad.join("\nesm-sim: "));
  return out;
}

/** Quote a word for a POSIX shell when it needs it (reproduce lines). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function parseSeed(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 4_294_967_295) throw new UsageError(`--seed: must be an integer 0..4294967295 (got ${JSON.stringify(s)})`);
  return Number(s);
}

function parseUntil(s: string): number {
  const us = parseDurationUs(/^\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  if (us === null || us === 0) throw new UsageError(`--until: must be a positive duration such as 30m, 2h or 90s (got ${JSON.stringify(s)})`);
  return us;
}

function printProblems(io: Io, problems: Problem[]): void {
  for (const p of problems) io.err(formatProblem(p) + "\n");
  io.err(`${problems.length} problem${problems.length > 1 ? "s" : ""} found; nothing was run\n`);
}

function printWarnings(io: Io, warnings: Problem[]): void {
  for (const w of warnings) io.err(formatProblem(w) + "\n");
}

function handleError(e: unknown, io: Io, reproduce: string | null): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    // commander has already printed its message
    return 2;
  }
  if (e instanceof UsageError) {
    io.err(`esm-sim: ${e.message}\n`);
    return 2;
  }
  const what = e instanceof InternalError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  io.err(`esm-sim: internal error (a bug in esm-sim, not in your scenario): ${what}\n`);
  if (e instanceof Error && e.stack && process.env.ESM_SIM_DEBUG) io.err(e.stack + "\n");
  if (reproduce) io.err(`reproduce: ${reproduce}\n`);
  io.err("Please report it with the scenario file and the reproduce line.\n");
  return 3;
}
