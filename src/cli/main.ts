/**
 * The esm-sim command line. The only code that prints, reads files, looks at the terminal or sets exit codes:
 * 0 ran and every expectation passed; 1 an expectation failed; 2 invalid scenario or command line; 3 internal error.
 */
import chalk from "chalk";
import { Argument, Command, CommanderError, Option } from "commander";
import { CheckSuite } from "../checks/suite.js";
import { limitsOf } from "../checks/limits.js";
import { InternalError } from "../engine/assert.js";
import { PROFILES } from "../esm/profiles.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { fmtMs } from "../report/format.js";
import { renderHtml } from "../report/html.js";
import { renderChecks } from "../report/checks.js";
import { renderJson } from "../report/json.js";
import { renderProfiles } from "../report/profiles.js";
import { renderMarkdown } from "../report/markdown.js";
import { renderTable } from "../report/table.js";
import { traceLine } from "../report/trace-jsonl.js";
import { DEFAULT_MAX_EVENTS, DEFAULT_TRACE_LIMIT_BYTES, defaultMaxEvents, estimateRecords, formatBytes, MAX_EVENTS_PER_RECORD, TRACE_BYTES_PER_RECORD } from "../run/budget.js";
import type { TraceContext } from "../run/options.js";
import { simulate } from "../run/simulate.js";
import type { TraceEvent, TraceListener } from "../trace/events.js";
import { VERSION } from "../run/version.js";
import { renderJsonSchema } from "../scenario/json-schema.js";
import { parseScenario } from "../scenario/parse.js";
import { isOverrideProblem, parseOverride, type Override } from "../scenario/overrides.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import { formatDurationUs, parseDurationUs, parseSizeBytes } from "../scenario/units.js";
import { resolveScenario } from "./catalogue.js";
import { AtomicLineWriter, readScenarioFile, UsageError, writeFileAtomic } from "./files.js";
import { registerLearnCommands } from "./learn.js";
import { INIT_SOURCE_TYPES, runInit, scenarioFromTemplateForRun, type InitOpts } from "./init.js";
import { ProgressBar, runFraction } from "./progress.js";
import type { SweepResult } from "../sweep/sweep.js";
import { mergeFiles, parseJobs, parseShardArg, parseVaryArgs, RowFailure, renderSweep, runSweep, type SweepFormat } from "./sweep.js";

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

const defaultIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
  readLine: readStdinLine,
  errIsTty: Boolean(process.stderr.isTTY),
  nowMs: () => performance.now(),
});

/** The first line of standard input (typed on a terminal or piped), or null when there is none. */
async function readStdinLine(): Promise<string | null> {
  let data = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    data += chunk as string;
    if (data.includes("\n")) break;
  }
  return data === "" ? null : data.split(/\r?\n/)[0];
}

function progressBar(io: Io): ProgressBar {
  return new ProgressBar({ err: io.err, errIsTty: Boolean(io.errIsTty), nowMs: io.nowMs ?? (() => 0), columns: process.stderr.columns });
}

const EXAMPLES = `
Examples:
  $ esm-sim run scenarios/sqs-backlog-burst.yaml
  $ esm-sim run scenarios/sqs-poison-message-dlq.yaml --format json --output report.json
  $ esm-sim run scenarios/sqs-backlog-burst.yaml --seed 7 --until 10m --trace run.jsonl
  $ esm-sim explain sqs-poison-message-dlq
  $ esm-sim explain sqs-backlog-burst --at 1m..1m10s
  $ esm-sim scenarios
  $ echo b | esm-sim quiz sqs-poison-message-dlq --seed 1
  $ esm-sim validate my-mapping.yaml
  $ esm-sim init --from template.yaml --out-dir scenarios/
  $ esm-sim run --template template.yaml --traffic traffic.yaml --resource OrdersMapping
  $ esm-sim init sqs --out my-sqs.yaml
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
  template?: string;
  traffic?: string;
  resource?: string;
  parameter: string[];
  check?: boolean;
  maxEvents?: string;
  traceLimit?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

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
    .argument("[scenario]", "scenario YAML file, or the name of a shipped scenario (esm-sim scenarios); or --template with --traffic")
    .option("--template <file>", "run the event source mapping of a CloudFormation, SAM or CDK template (YAML or JSON) instead of a scenario")
    .option("--traffic <file>", "with --template: the traffic (and function behaviour, expectations) to run it with")
    .option("--resource <id>", "with --template: the mapping's logical id, when the template has more than one")
    .option("--parameter <Key=Value>", "with --template: a template parameter's value (repeatable)", collect, [])
    .option("--seed <n>", "seed for every random draw (overrides the scenario's seed)")
    .option("--until <duration>", "stop at this virtual time, e.g. 30m (overrides the scenario's until)")
    .option("--set <path=value>", "override a scenario key before validation, e.g. mapping.BatchSize=500 (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "report format (markdown: a GitHub summary for PR comments and $GITHUB_STEP_SUMMARY)").choices(["table", "json", "markdown"]).default("table"))
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--trace <file.jsonl>", "write every step of the run as JSON lines")
    .option("--html <file.html>", "also write a self-contained HTML report with charts (opens offline)")
    .option("--no-color", "no colours in the table (colours are used only on a terminal)")
    .option("--check", "also check the run's invariants on its trace (conservation, limits, order where promised, ...); a failed check exits 1")
    .option("--max-events <n>", `stop the run after this many scheduler events, a sanity budget (default ${DEFAULT_MAX_EVENTS.toLocaleString("en-US")} or ${MAX_EVENTS_PER_RECORD} a record, whichever is larger)`)
    .option("--trace-limit <size>", `largest --trace file to write, e.g. 4GB (default ${formatBytes(DEFAULT_TRACE_LIMIT_BYTES)})`)
    .addHelpText("after", EXAMPLES)
    .action((file: string | undefined, opts: RunOpts) => {
      const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
      const untilUs = opts.until === undefined ? undefined : parseUntil(opts.until);
      const overrides = parseOverrides(opts.set);
      const maxEventsOpt = opts.maxEvents === undefined ? undefined : parseMaxEvents(opts.maxEvents);
      const traceLimitBytes = opts.traceLimit === undefined ? DEFAULT_TRACE_LIMIT_BYTES : parseTraceLimit(opts.traceLimit);
      let scenario;
      let what: string;
      if (opts.template !== undefined) {
        if (file !== undefined) throw new UsageError(`run: give a scenario file (${file}) or --template, not both`);
        if (overrides.length > 0) throw new UsageError("run: --set applies to a scenario file, not to --template (put the change in the --traffic file)");
        const got = scenarioFromTemplateForRun({ template: opts.template, traffic: opts.traffic, resource: opts.resource, parameter: opts.parameter, seed, untilUs }, io);
        if (typeof got === "number") {
          code = got;
          return;
        }
        scenario = got.parse.scenario;
        what = `--template ${shellQuote(opts.template)} --traffic ${shellQuote(opts.traffic ?? "")} --resource ${shellQuote(got.id)}${opts.parameter.map((p) => ` --parameter ${shellQuote(p)}`).join("")}`;
      } else {
        if (file === undefined) throw new UsageError("run: missing required argument 'scenario' (or --template FILE --traffic FILE)");
        for (const [flag, given] of [["--traffic", opts.traffic], ["--resource", opts.resource], ["--parameter", opts.parameter.length ? "x" : undefined]] as const) {
          if (given !== undefined) throw new UsageError(`run: ${flag} applies with --template only`);
        }
        const path = resolveScenario(file);
        const text = readScenarioFile(path);
        const parsed = parseScenario(text, path, { seed, untilUs, overrides });
        printWarnings(io, parsed.warnings);
        if (!parsed.ok) {
          printProblems(io, parsed.errors);
          code = 2;
          return;
        }
        scenario = parsed.scenario;
        what = shellQuote(file);
      }
      reproduce = `esm-sim run ${what} --seed ${scenario.seed}${opts.until ? ` --until ${shellQuote(opts.until)}` : ""}${opts.set.map((a) => ` --set ${shellQuote(a)}`).join("")}${opts.check ? " --check" : ""}`;
      const maxEvents = maxEventsOpt ?? defaultMaxEvents(scenario);
      runSeed = scenario.seed;
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
      const bar = progressBar(io);
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
        result = simulate(scenario, {
          ...listen,
          maxEvents,
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
      if (suite) report.checks = suite.finish(report);
      const color = opts.color && !opts.output && io.isTty && chalk.level > 0;
      let text2 =
        opts.format === "json" ? renderJson(report) : opts.format === "markdown" ? renderMarkdown(report, { reproduce }) : renderTable(report, { color });
      if (report.checks && opts.format !== "json") text2 += "\n" + renderChecks(report.checks, { color });
      if (opts.html) writeFileAtomic(opts.html, renderHtml(result, { reproduce }));
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
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario")
    .option("--set <path=value>", "override a scenario key before validation (repeatable)", collect, [])
    .action((arg: string, opts: { set: string[] }) => {
      const overrides = parseOverrides(opts.set);
      const file = resolveScenario(arg);
      const parsed = parseScenario(readScenarioFile(file), file, { overrides });
      printWarnings(io, parsed.warnings);
      if (!parsed.ok) {
        printProblems(io, parsed.errors);
        code = 2;
        return;
      }
      const w = parsed.warnings.length;
      io.out(`${arg}: valid${w ? ` (${w} warning${w > 1 ? "s" : ""})` : ""}\n`);
    });

  program
    .command("init")
    .description("write a scenario: one per event source mapping of a CloudFormation, SAM or CDK template (--from), or a commented starter for a source type")
    .addArgument(new Argument("[source-type]", "write a commented starter scenario for this source").choices(INIT_SOURCE_TYPES))
    .option("--from <template>", "a CloudFormation, SAM or CDK-synthesized template (YAML or JSON)")
    .option("--resource <id>", "only this mapping (its logical id; SAM: function id + event name, or Function.Event; CDK: construct path)")
    .option("--parameter <Key=Value>", "a template parameter's value instead of its Default (repeatable; AWS::Region=... too)", collect, [])
    .option("--traffic <file>", "traffic (and function behaviour, expectations) to put in the scenarios instead of a placeholder")
    .option("--out-dir <dir>", "where to write the scenarios, one file per mapping named after it (default: .)")
    .option("--out <file>", "write one scenario to this file (a starter goes to stdout without it)")
    .option("--force", "overwrite files that exist")
    .addHelpText(
      "after",
      `
Examples:
  $ esm-sim init --from template.yaml                       # one scenario per mapping, in .
  $ esm-sim init --from cdk.out/OrdersStack.template.json --resource OrdersMapping --out orders.yaml
  $ esm-sim init --from template.yaml --parameter Stage=prod --traffic traffic.yaml --out-dir scenarios
  $ esm-sim init kinesis > my-stream.yaml`,
    )
    .action((type: string | undefined, opts: InitOpts) => {
      code = runInit(type, opts, io);
    });

  program
    .command("profiles")
    .description("list the AWS figures of every profile side by side, with their sources and dates")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action((opts: { format: string }) => {
      if (opts.format === "json") {
        io.out(JSON.stringify(PROFILES, null, 2) + "\n");
        return;
      }
      io.out(renderProfiles());
    });

  registerLearnCommands(program, io, {
    parseSeed,
    parseUntil,
    printProblems: (p) => printProblems(io, p),
    printWarnings: (w) => printWarnings(io, w),
    setCode: (c) => {
      code = c;
    },
    setReproduce: (r) => {
      reproduce = r;
    },
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
    return handleError(e, io, reproduce, runSeed);
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
