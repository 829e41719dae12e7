/**
 * `esm-sim run`: run a scenario (a file, a shipped name, or a template's mapping with --traffic) and print its
 * report; optionally write the trace, an HTML report and the invariant checks. Exit 1 when an expectation or a
 * check fails, 2 when the run stopped at a sanity budget.
 */
import { METRIC_PATHS } from "../metrics/paths.js";
import { fmtMs } from "../report/format.js";
import { dirname, relative, resolve } from "node:path";
import type { Sensitivity } from "../sweep/sensitivity.js";
import type { SweepRow, SweepSpec } from "../sweep/sweep.js";
import { readNamedFiles } from "../io/input.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { renderTable } from "../report/table.js";
import { DEFAULT_TRACE_LIMIT_BYTES, defaultMaxEvents, estimateRecords, formatBytes, TRACE_BYTES_PER_RECORD } from "../run/budget.js";
import type { Progress } from "../run/options.js";
import type { Report, RunResult } from "../run/result.js";
import { simulate } from "../run/simulate.js";
import type { Scenario } from "../scenario/model.js";
import type { Override } from "../scenario/overrides.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import { formatCount, parseSizeBytes } from "../scenario/units.js";
import { optionalSeed, optionalUntil, parseJobs, readOverrides, shellQuote } from "./args.js";
import { resolveScenario } from "./catalogue.js";
import type { CommandContext, Io } from "./context.js";
import { parseOrReport, progressBar, refuseOptions, useColor } from "./printing.js";
import { planOutput, standardFdOf } from "../io/output.js";
import { shownPath } from "../io/shown-path.js";
import { checkOutputs, filesNamedBy, formatFileName, onStandardOutput, openStreamedOutputs, pathsNamedBy, readScenarioFile, scenarioInput, writeOutputFile, type FileUse } from "./files.js";
import { OptionProblems, UsageError } from "./usage-error.js";
import { runFraction } from "./progress.js";
import type { OutputOpts } from "./run-outputs.js";
import type { Interruption } from "./run-thread.js";
import type { RunWorker, ScenarioSource } from "./run-worker-start.js";

export interface RunOpts {
  seed?: string;
  until?: string;
  set: string[];
  format: "table" | "json" | "markdown";
  output?: string;
  trace?: string;
  html?: string;
  perfetto?: string;
  metricsOut?: string;
  color: boolean;
  template?: string;
  traffic?: string;
  resource?: string;
  parameter: string[];
  check?: boolean;
  maxEvents?: string;
  traceLimit?: string;
  sensitivity?: boolean;
  jobs?: string;
  cloudwatch?: boolean;
}

/** The command line's settings, read before any file is. */
interface RunSettings {
  seed?: number;
  untilUs?: number;
  overrides: Override[];
  maxEvents?: number;
  traceLimitBytes: number;
}

/** The scenario to run, what it was parsed from, and how the reproduce line names it. */
interface Chosen {
  scenario: Scenario;
  source: ScenarioSource;
  what: string;
  /** The scenario file's path and text (not for --template): what --sensitivity's variants are parsed from. */
  file?: { path: string; text: string };
}

/** `worker`: the thread started for a run that writes a file under a temporary name (run-worker-start.ts), or null. */
export async function runCommand(ctx: CommandContext, file: string | undefined, opts: RunOpts, worker: RunWorker | null = null): Promise<void> {
  // Every option is read before any is refused, so that all their problems are told at once, with the scenario's.
  const given = new OptionProblems();
  const settings = readSettings(opts, given);
  if (opts.sensitivity && opts.template !== undefined) given.problems.push("run: --sensitivity applies to a scenario file, not to --template");
  if (opts.jobs !== undefined && !opts.sensitivity) given.problems.push("run: --jobs applies with --sensitivity only");
  const jobs = (opts.sensitivity ? given.read(() => parseJobs(opts.jobs)) : 1) ?? 1;
  given.problems.push(...(opts.template !== undefined ? templateProblems(file, settings) : fileProblems(file, opts)));
  if (given.problems.length > 0) {
    refuseOptions(ctx, given.problems, opts.template === undefined ? file : undefined, { seed: settings.seed, untilUs: settings.untilUs, overrides: settings.overrides });
    return;
  }
  const chosen = opts.template !== undefined ? await fromTemplate(ctx, file, opts, settings, worker) : fromFile(ctx, file!, settings, worker);
  if (chosen === null) return;
  const { scenario } = chosen;
  const reproduce = `esm-sim run ${chosen.what} --seed ${scenario.seed}${opts.until ? ` --until ${shellQuote(opts.until)}` : ""}${opts.set.map((a) => ` --set ${shellQuote(a)}`).join("")}${opts.check ? " --check" : ""}`;
  ctx.reproduce = reproduce;
  const maxEvents = settings.maxEvents ?? defaultMaxEvents(scenario);
  ctx.seed = scenario.seed;
  if (opts.trace) refuseLargeTrace(scenario, settings.traceLimitBytes);
  // Outputs that cannot be written, or that would replace an input or each other, are refused before the run.
  const output = (what: string, path: string | undefined): FileUse | null => (path === undefined ? null : { what, path });
  checkOutputs(inputsOf(chosen, opts, settings), [
    opts.output === undefined ? onStandardOutput("the report", "--output") : { what: "--output", path: opts.output, example: formatFileName("report", opts.format) },
    output("--html", opts.html),
    output("--trace", opts.trace),
    output("--perfetto", opts.perfetto),
    output("--metrics-out", opts.metricsOut),
  ]);
  const result = await simulateWithOutputs(ctx.io, chosen, worker, { tracePath: opts.trace, perfettoPath: opts.perfetto, check: Boolean(opts.check), maxEvents, traceLimitBytes: settings.traceLimitBytes, file: chosen.what });
  if ("interrupted" in result) {
    ctx.io.err(`esm-sim: the run was interrupted (${result.interrupted}); ${interruptedOutputs(opts)}\n`);
    ctx.code = result.exitCode;
    return;
  }
  const sensitivity = opts.sensitivity && chosen.file ? await sensitivityOf(ctx, chosen.file, scenario, settings, opts, result.report, jobs) : null;
  await writeReport(ctx.io, result, opts, reproduce, sensitivity);
  ctx.code = exitCode(ctx, result.report, maxEvents, sensitivity);
}

/** What an interrupted run left: no file replaced, but a trace or timeline written through (to standard output, a
 *  FIFO, a device) has what was written before the signal, as far as it got. */
function interruptedOutputs(opts: RunOpts): string {
  const through = (["--trace", "--perfetto"] as const)
    .map((flag) => ({ flag, path: flag === "--trace" ? opts.trace : opts.perfetto }))
    .filter((o): o is { flag: "--trace" | "--perfetto"; path: string } => o.path !== undefined && planOutput(o.path, o.flag).how !== "replace");
  if (through.length === 0) return "nothing was written";
  return `no file was written, but ${through.map((o) => `${o.flag} ${shownPath(o.path)}`).join(" and ")} got only what was written before it`;
}

/** --sensitivity: the variants on worker threads (the sweep's), the plain run's report as their reference. The
 *  variants, the sweep and its worker pool are loaded only when asked for. */
async function sensitivityOf(ctx: CommandContext, file: { path: string; text: string }, scenario: Scenario, settings: RunSettings, opts: RunOpts, report: Report, jobs: number): Promise<Sensitivity> {
  const { summarize, variantRows, variantsOf } = await import("../sweep/sensitivity.js");
  const { reportRow, sweepFiles } = await import("../sweep/sweep.js");
  const { runRows } = await import("./sweep-pool.js");
  const variants = variantsOf(scenario);
  const rows = variantRows(variants);
  const spec: SweepSpec = {
    file: file.path,
    text: file.text,
    seed: scenario.seed,
    until: opts.until === undefined ? null : { written: opts.until, us: settings.untilUs! },
    set: settings.overrides,
    vary: [],
    shard: null,
  };
  spec.files = readNamedFiles(sweepFiles(spec, rows), spec.file, CLOUDWATCH_EXPORT_INPUT);
  const bar = progressBar(ctx.io);
  let done: SweepRow[];
  try {
    done = await runRows(spec, rows.slice(1), jobs, (n, total) => bar.update(n / total, `${n} of ${total} variants`));
  } finally {
    bar.done();
  }
  return summarize(scenario, variants, [reportRow(report, rows[0]), ...done]);
}

/** The command line's settings; a problem in `given` for each that cannot be read (left at its default). */
function readSettings(opts: RunOpts, given: OptionProblems): RunSettings {
  return {
    seed: given.read(() => optionalSeed(opts.seed)),
    untilUs: given.read(() => optionalUntil(opts.until)),
    overrides: readOverrides(opts.set, given),
    maxEvents: opts.maxEvents === undefined ? undefined : given.read(() => parseMaxEvents(opts.maxEvents!)),
    traceLimitBytes: (opts.traceLimit === undefined ? undefined : given.read(() => parseTraceLimit(opts.traceLimit!))) ?? DEFAULT_TRACE_LIMIT_BYTES,
  };
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

/** What is wrong with the command line of `run --template`: a scenario file as well, or --set. */
function templateProblems(file: string | undefined, settings: RunSettings): string[] {
  return [
    ...(file !== undefined ? [`run: give a scenario file (${file}) or --template, not both`] : []),
    ...(settings.overrides.length > 0 ? ["run: --set applies to a scenario file, not to --template (put the change in the --traffic file)"] : []),
  ];
}

/** What is wrong with the command line of `run <scenario>`: no scenario, or options of --template. */
function fileProblems(file: string | undefined, opts: RunOpts): string[] {
  const out = file === undefined ? ["run: missing required argument 'scenario' (or --template FILE --traffic FILE)"] : [];
  for (const [flag, given] of [["--traffic", opts.traffic], ["--resource", opts.resource], ["--parameter", opts.parameter.length ? "x" : undefined]] as const) {
    if (given !== undefined) out.push(`run: ${flag} applies with --template only`);
  }
  return out;
}

/** `run --template`: the template's one mapping with the --traffic file; null (the exit code set) when it cannot run. */
async function fromTemplate(ctx: CommandContext, file: string | undefined, opts: RunOpts, settings: RunSettings, worker: RunWorker | null): Promise<Chosen | null> {
  const template = opts.template!;
  const { scenarioFromTemplateForRun } = await import("./template-input.js");
  const got = await scenarioFromTemplateForRun({ template, traffic: opts.traffic, resource: opts.resource, parameter: opts.parameter, seed: settings.seed, untilUs: settings.untilUs }, ctx.io, (source) => worker?.sendSource(source));
  if (typeof got === "number") {
    ctx.code = got;
    return null;
  }
  const what = `--template ${shellQuote(template)} --traffic ${shellQuote(opts.traffic ?? "")} --resource ${shellQuote(got.id)}${opts.parameter.map((p) => ` --parameter ${shellQuote(p)}`).join("")}`;
  return { scenario: got.parse.scenario, source: got.source, what };
}

/** The files a run reads: the scenario and the files it names, or the template and the traffic file. */
function inputsOf(chosen: Chosen, opts: RunOpts, settings: RunSettings): (FileUse | null)[] {
  if (!chosen.file) return [opts.template === undefined ? null : { what: "the --template file", path: opts.template }, opts.traffic === undefined ? null : { what: "the --traffic file", path: opts.traffic }].filter((u) => u !== null);
  const { path, text } = chosen.file;
  return [scenarioInput(path), ...pathsNamedBy(text, path, settings.overrides).map((p) => ({ what: "the fromMetrics export", path: p }))];
}

/** `run <scenario>`: a scenario file or a shipped scenario's name; null (exit code 2 set) when it has problems. */
function fromFile(ctx: CommandContext, file: string, settings: RunSettings, worker: RunWorker | null): Chosen | null {
  const path = resolveScenario(file);
  const text = readScenarioFile(path);
  const options = { seed: settings.seed, untilUs: settings.untilUs, overrides: settings.overrides, files: filesNamedBy(text, path, settings.overrides) };
  // The run's worker thread, if any, parses the same scenario while this thread does.
  worker?.sendSource({ text, file: path, options });
  const parsed = parseOrReport(ctx, text, path, options);
  return parsed && { scenario: parsed.scenario, source: { text, file: path, options }, what: shellQuote(file), file: { path, text } };
}

/** Refuse, before running, a trace that the scenario's size says would pass the limit. */
function refuseLargeTrace(scenario: Scenario, limitBytes: number): void {
  const records = estimateRecords(scenario);
  const bytes = records * TRACE_BYTES_PER_RECORD;
  if (bytes <= limitBytes) return;
  throw new UsageError(
    `--trace: about ${formatCount(records)} records would write about ${formatBytes(bytes)} of trace (at least ${TRACE_BYTES_PER_RECORD} bytes a record), more than the ${formatBytes(limitBytes)} limit: shorten the run (until, the producers' to), lower the rates, or allow it with --trace-limit ${formatBytes(Math.ceil(bytes * 2)).replace(" ", "")}`,
  );
}

/** How often, in the run loop's turns, a run says where it is (for the progress bar). */
const PROGRESS_EVERY_TURNS = 8192;

/**
 * Simulate with a progress bar, the trace file, the timeline and the checks as asked; each file is written whole or
 * not at all. A run that writes a file under a temporary name runs on its worker thread (run-thread.ts), so that a
 * signal can stop it and remove that file; every other run runs here, and a plain one loads nothing more.
 */
async function simulateWithOutputs(io: Io, chosen: Chosen, worker: RunWorker | null, o: OutputOpts): Promise<RunResult | Interruption> {
  const { scenario } = chosen;
  if (worker) return (await import("./run-thread.js")).simulateOnWorker(io, worker, scenario, chosen.source, o, PROGRESS_EVERY_TURNS);
  const bar = progressBar(io);
  const progress = (p: Progress) => {
    const f = runFraction(scenario, p);
    bar.update(f.fraction, f.label);
  };
  if (!o.tracePath && !o.perfettoPath && !o.check) {
    try {
      return simulate(scenario, { maxEvents: o.maxEvents, progress, progressEvery: PROGRESS_EVERY_TURNS });
    } finally {
      bar.done();
    }
  }
  const { simulateStreaming } = await import("./run-outputs.js");
  const opened = openStreamedOutputs(o.tracePath, o.perfettoPath);
  const files = [opened.trace, opened.perfetto].filter((w) => w !== null);
  try {
    const result = await simulateStreaming(scenario, o, opened, { listener: progress, everyTurns: PROGRESS_EVERY_TURNS });
    bar.done();
    for (const w of files) w.commit();
    return result;
  } catch (e) {
    bar.done();
    for (const w of files) w.abort();
    throw e;
  }
}

/** The report in the chosen format, to --output or stdout, and the --html page; each renderer but the table's is loaded
 *  only when asked for. */
async function writeReport(io: Io, result: RunResult, opts: RunOpts, reproduce: string, sensitivity: Sensitivity | null): Promise<void> {
  const report = result.report;
  const color = useColor(io, opts.color, opts.output !== undefined && opts.output !== "-");
  let text =
    opts.format === "json"
      ? (await import("../report/json.js")).renderJson(sensitivity ? ({ ...report, sensitivity } as Report) : report)
      : opts.format === "markdown"
        ? (await import("../report/markdown.js")).renderMarkdown(report, { reproduce, cloudwatch: opts.cloudwatch })
        : renderTable(report, { color, cloudwatch: opts.cloudwatch });
  if (sensitivity && opts.format !== "json") {
    const { renderSensitivity, sensitivityLead } = await import("../report/sensitivity.js");
    const lead = sensitivityLead(sensitivity);
    text = (lead.length ? lead.join("\n") + "\n\n" : "") + text + renderSensitivity(sensitivity);
  }
  if (report.checks && opts.format !== "json") text += "\n" + (await import("../report/checks.js")).renderChecks(report.checks, { color });
  if (opts.metricsOut) writeOutputFile(opts.metricsOut, (await import("../report/metric-data.js")).renderMetricData(report.cloudwatch), "--metrics-out");
  if (opts.html) writeOutputFile(opts.html, (await import("../report/html.js")).renderHtml(result, { reproduce, timeline: opts.perfetto !== undefined && standardFdOf(opts.perfetto) === null ? relative(dirname(resolve(opts.html)), resolve(opts.perfetto)) : undefined }), "--html");
  if (opts.output !== undefined && opts.output !== "-") writeOutputFile(opts.output, text, "--output");
  else io.out(text);
}

/** 2 when the run stopped at a sanity budget; 1 when an expectation or a check failed (each printed); else 0. */
function exitCode(ctx: CommandContext, report: Report, maxEvents: number, sensitivity: Sensitivity | null): number {
  const { io } = ctx;
  if (report.stopReason === "event-budget") {
    io.err(
      `esm-sim: the run stopped early, after ${formatCount(report.eventsRun)} scheduler events (the sanity budget) at virtual time ${fmtMs(report.endedAt)}, before it drained; the report covers the run so far. Shorten the run (until, the producers' to), lower the rates, or raise the budget with --max-events ${maxEvents * 4}\n`,
    );
    return 2;
  }
  if (report.stopReason === "record-budget") {
    io.err(
      `esm-sim: the run stopped early at virtual time ${fmtMs(report.endedAt)}: more than ${formatCount(MAX_WAITING_RECORDS)} records were waiting at once, and esm-sim holds each waiting record in memory (about 1 GB for that many); the report covers the run so far. Lower the rates or bursts, or let the mapping keep up (BatchSize, MaximumConcurrency, ReservedConcurrentExecutions, function duration)\n`,
    );
    return 2;
  }
  const failed = report.expectations.filter((x) => !x.passed);
  const failedChecks = (report.checks ?? []).filter((x) => x.status === "fail");
  const failedVariants = (sensitivity?.variants ?? []).filter((v) => v.failed.length > 0);
  if (failed.length === 0 && failedChecks.length === 0 && failedVariants.length === 0) return 0;
  for (const v of failedVariants) {
    for (const f of v.failed) io.err(`expectation failed with ${v.setting} (the figure's plausible ${v.at}): ${f.path} ${f.op} ${f.written} (actual ${fmtActual(f.path, f.actual)})\n`);
  }
  for (const f of failed) {
    io.err(`expectation failed: ${f.path} ${f.op} ${f.written} (actual ${fmtActual(f.path, f.actual)})\n`);
  }
  for (const f of failedChecks) {
    io.err(`check failed: ${f.name}: ${f.summary}${f.examples.length ? `; first: ${f.examples[0]}` : ""}\n`);
  }
  io.err(`seed: ${report.seed}\nreproduce: ${ctx.reproduce}${failedVariants.length ? ` --set ${shellQuote(failedVariants[0].setting)}` : ""}\n`);
  return 1;
}

function fmtActual(path: string, actual: number | boolean): string {
  return METRIC_PATHS[path] === "ms" && typeof actual === "number" ? fmtMs(actual) : String(actual);
}

