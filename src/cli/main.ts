/**
 * The esm-sim command line. The only code that prints, reads files, looks at the terminal or sets exit codes:
 * 0 ran and every expectation passed; 1 an expectation failed; 2 invalid scenario or command line; 3 internal error.
 */
import chalk from "chalk";
import { Command, CommanderError, Option } from "commander";
import { CheckSuite } from "../checks/suite.js";
import { limitsOf } from "../checks/limits.js";
import { InternalError } from "../engine/assert.js";
import { FIGURE_NAMES, PROFILES, PROFILE_NAMES } from "../esm/profiles.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { fmtMs } from "../report/format.js";
import { renderChecks } from "../report/checks.js";
import { renderJson } from "../report/json.js";
import { renderTable } from "../report/table.js";
import { traceLine } from "../report/trace-jsonl.js";
import { DEFAULT_MAX_EVENTS, DEFAULT_TRACE_LIMIT_BYTES, defaultMaxEvents, estimateRecords, formatBytes, MAX_EVENTS_PER_RECORD, TRACE_BYTES_PER_RECORD } from "../run/budget.js";
import { simulate, type TraceContext } from "../run/simulate.js";
import type { TraceEvent, TraceListener } from "../trace/events.js";
import { VERSION } from "../run/version.js";
import { parseScenario } from "../scenario/parse.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import { formatDurationUs, parseDurationUs, parseSizeBytes } from "../scenario/units.js";
import { AtomicLineWriter, readScenarioFile, UsageError, writeFileAtomic } from "./files.js";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
}

const defaultIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
});

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
  format: "table" | "json";
  output?: string;
  trace?: string;
  color: boolean;
  check?: boolean;
  maxEvents?: string;
  traceLimit?: string;
}

/** Run the CLI. Returns the exit code (never throws, never exits the process itself). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let code = 0;
  let reproduce: string | null = null;
  let runSeed: number | null = null;
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
    .addOption(new Option("--format <format>", "report format").choices(["table", "json"]).default("table"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--trace <file.jsonl>", "write every step of the run as JSON lines")
    .option("--no-color", "no colours in the table (colours are used only on a terminal)")
    .option("--check", "also check the run's invariants on its trace (conservation, limits, order where promised, ...); a failed check exits 1")
    .option("--max-events <n>", `stop the run after this many scheduler events, a sanity budget (default ${DEFAULT_MAX_EVENTS.toLocaleString("en-US")} or ${MAX_EVENTS_PER_RECORD} a record, whichever is larger)`)
    .option("--trace-limit <size>", `largest --trace file to write, e.g. 4GB (default ${formatBytes(DEFAULT_TRACE_LIMIT_BYTES)})`)
    .addHelpText("after", EXAMPLES)
    .action((file: string, opts: RunOpts) => {
      const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
      const untilUs = opts.until === undefined ? undefined : parseUntil(opts.until);
      const maxEventsOpt = opts.maxEvents === undefined ? undefined : parseMaxEvents(opts.maxEvents);
      const traceLimitBytes = opts.traceLimit === undefined ? DEFAULT_TRACE_LIMIT_BYTES : parseTraceLimit(opts.traceLimit);
      const text = readScenarioFile(file);
      const parsed = parseScenario(text, file, { seed, untilUs });
      printWarnings(io, parsed.warnings);
      if (!parsed.ok) {
        printProblems(io, parsed.errors);
        code = 2;
        return;
      }
      const scenario = parsed.scenario;
      const maxEvents = maxEventsOpt ?? defaultMaxEvents(scenario);
      runSeed = scenario.seed;
      reproduce = `esm-sim run ${file} --seed ${scenario.seed}${opts.until ? ` --until ${opts.until}` : ""}${opts.check ? " --check" : ""}`;
      if (opts.trace) {
        const records = estimateRecords(scenario);
        const bytes = records * TRACE_BYTES_PER_RECORD;
        if (bytes > traceLimitBytes) {
          throw new UsageError(
            `--trace: about ${records.toLocaleString("en-US")} records would write about ${formatBytes(bytes)} of trace (at least ${TRACE_BYTES_PER_RECORD} bytes a record), more than the ${formatBytes(traceLimitBytes)} limit: shorten the run (until, the producers' to), lower the rates, or allow it with --trace-limit ${formatBytes(Math.ceil(bytes * 2)).replace(" ", "")}`,
          );
        }
      }
      let writer: AtomicLineWriter | null = null;
      if (opts.trace) writer = new AtomicLineWriter(opts.trace);
      const suite = opts.check ? new CheckSuite(limitsOf(scenario)) : null;
      let result;
      try {
        const w = writer;
        const write = (e: TraceEvent, ctx: TraceContext) => {
          w!.line(traceLine(e, ctx));
          if (w!.chars > traceLimitBytes) {
            throw new UsageError(
              `--trace: the trace passed the ${formatBytes(traceLimitBytes)} limit at virtual time ${formatDurationUs(e.tUs)}; nothing was written. Shorten the run or allow more with --trace-limit ${formatBytes(traceLimitBytes * 4).replace(" ", "")}`,
            );
          }
        };
        const listen = w || suite ? { trace: (ctx: TraceContext): TraceListener => {
          if (!suite) return (e) => write(e, ctx);
          if (!w) return suite.listener;
          return (e) => {
            write(e, ctx);
            suite.listener(e);
          };
        } } : {};
        result = simulate(scenario, { ...listen, maxEvents });
        writer?.commit();
      } catch (e) {
        writer?.abort();
        throw e;
      }
      const report = result.report;
      if (suite) report.checks = suite.finish(report);
      const color = opts.color && !opts.output && io.isTty && chalk.level > 0;
      let text2 = opts.format === "json" ? renderJson(report) : renderTable(report, { color });
      if (report.checks && opts.format !== "json") text2 += "\n" + renderChecks(report.checks, { color });
      if (opts.output) writeFileAtomic(opts.output, text2);
      else io.out(text2);
      if (report.stopReason === "event-budget") {
        io.err(
          `esm-sim: the run stopped early, after ${report.eventsRun.toLocaleString("en-US")} scheduler events (the sanity budget) at virtual time ${fmtMs(report.endedAt)}, before it drained; the report covers the run so far. Shorten the run (until, the producers' to), lower the rates, or raise the budget with --max-events ${maxEvents * 4}\n`,
        );
        code = 2;
        return;
      }
      if (report.stopReason === "record-budget") {
        io.err(
          `esm-sim: the run stopped early at virtual time ${fmtMs(report.endedAt)}: more than ${MAX_WAITING_RECORDS.toLocaleString("en-US")} records were waiting at once, and esm-sim holds each waiting record in memory (about 1 GB for that many); the report covers the run so far. Lower the rates or bursts, or let the mapping keep up (BatchSize, MaximumConcurrency, ReservedConcurrentExecutions, function duration)\n`,
        );
        code = 2;
        return;
      }
      const failed = report.expectations.filter((x) => !x.passed);
      const failedChecks = (report.checks ?? []).filter((x) => x.status === "fail");
      if (failed.length > 0 || failedChecks.length > 0) {
        for (const f of failed) {
          const actual = METRIC_PATHS[f.path] === "ms" && typeof f.actual === "number" ? fmtMs(f.actual) : String(f.actual);
          io.err(`expectation failed: ${f.path} ${f.op} ${f.written} (actual ${actual})\n`);
        }
        for (const f of failedChecks) {
          io.err(`check failed: ${f.name}: ${f.summary}${f.examples.length ? `; first: ${f.examples[0]}` : ""}\n`);
        }
        io.err(`seed: ${report.seed}\nreproduce: ${reproduce}\n`);
        code = 1;
      }
    });

  program
    .command("validate")
    .description("check a scenario and print every problem and warning, without running it")
    .argument("<scenario>", "scenario YAML file")
    .action((file: string) => {
      const parsed = parseScenario(readScenarioFile(file), file);
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

  try {
    await program.parseAsync(argv);
  } catch (e) {
    return handleError(e, io, reproduce, runSeed);
  }
  return code;
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

function parseSeed(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 4_294_967_295) throw new UsageError(`--seed: must be an integer 0..4294967295 (got ${JSON.stringify(s)})`);
  return Number(s);
}

function parseMaxEvents(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new UsageError(`--max-events: must be a whole number of at least 1 (got ${JSON.stringify(s)})`);
  return Number(s);
}

function parseTraceLimit(s: string): number {
  const bytes = parseSizeBytes(/^\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  if (bytes === null || bytes < 1) throw new UsageError(`--trace-limit: must be a size such as 500MB or 4GB (got ${JSON.stringify(s)})`);
  return bytes;
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

function handleError(e: unknown, io: Io, reproduce: string | null, seed: number | null): number {
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
  if (seed !== null) io.err(`seed: ${seed}\n`);
  if (reproduce) io.err(`reproduce: ${reproduce}\n`);
  io.err("Please report it with the scenario file and the reproduce line.\n");
  return 3;
}
