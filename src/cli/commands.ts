/**
 * Every command of the CLI as the user sees it: its name, arguments, options and help. A command's work lives in a
 * module of its own, loaded by its action when it runs, so that `esm-sim --version`, `--help` or one command load only
 * what they use. Whatever a definition shows (a default, a choice, a limit) comes from a module that loads nothing.
 */
import { Argument, Option, type Command } from "commander";
import { DEFAULT_MAX_EVENTS, DEFAULT_TRACE_LIMIT_BYTES, formatBytes, MAX_EVENTS_PER_RECORD } from "../run/budget.js";
import { SOURCE_TYPES } from "../scenario/params.js";
import { formatCount } from "../scenario/units.js";
import { DEFAULT_MAX_ROWS, SWEEP_RESULT_INPUT } from "../sweep/limits.js";
import type { CalibrateOpts } from "./calibrate.js";
import type { CommandContext } from "./context.js";
import type { ExplainOpts } from "./explain.js";
import type { InitOpts } from "./init.js";
import type { MergeOpts } from "./merge.js";
import type { QuizOpts } from "./quiz.js";
import type { RunOpts } from "./run.js";
import type { SweepOpts } from "./sweep.js";

/** commander's accumulator for a repeatable option. */
const collect = (v: string, prev: string[]) => [...prev, v];

/** Define every command on `program`, in the order of `esm-sim --help`; `examples` ends the help of `run` too. */
export function registerCommands(program: Command, ctx: CommandContext, examples: string): void {
  registerRun(program, ctx, examples);
  registerValidate(program, ctx);
  registerInit(program, ctx);
  registerProfiles(program, ctx);
  registerExplain(program, ctx);
  registerScenarios(program, ctx);
  registerQuiz(program, ctx);
  registerSchema(program, ctx);
  registerSweep(program, ctx);
  registerMerge(program, ctx);
  registerCalibrate(program, ctx);
}

function registerRun(program: Command, ctx: CommandContext, examples: string): void {
  program
    .command("run")
    .description("run a scenario and print its report")
    .argument("[scenario]", "scenario YAML file, or the name of a shipped scenario (esm-sim scenarios); or --template with --traffic")
    .option("--template <file>", "run the event source mapping of a template (CloudFormation, SAM, CDK, a Terraform plan, state or .tf folder, a serverless.yml) instead of a scenario")
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
    .option("--perfetto <file.json>", "also write the run as a timeline for ui.perfetto.dev or chrome://tracing (one track per poller or shard lane)")
    .option("--metrics-out <file.json>", "also write the run's CloudWatch series as aws cloudwatch get-metric-data prints them (--output json), for calibrate or any tool that reads such exports")
    .option("--no-color", "no colours in the table (colours are used only on a terminal)")
    .option("--cloudwatch", "add the run's CloudWatch metrics to the table or Markdown report: AWS's names, statistics and units, the run's value and one data point per period (the JSON report always has them)")
    .option("--check", "also check the run's invariants on its trace (conservation, limits, order where promised, ...); a failed check exits 1")
    .option("--max-events <n>", `stop the run after this many scheduler events, a sanity budget (default ${formatCount(DEFAULT_MAX_EVENTS)} or ${MAX_EVENTS_PER_RECORD} a record, whichever is larger)`)
    .option("--trace-limit <size>", `largest --trace file to write, e.g. 4GB (default ${formatBytes(DEFAULT_TRACE_LIMIT_BYTES)})`)
    .option("--sensitivity", "also run each chosen figure (one AWS does not document) at its plausible low and high, report how far the headline results move and which figure drives them; an expect must hold in every variant")
    .option("--jobs <n>", "with --sensitivity: runs at once, this thread and n-1 worker threads (default: the machine's available parallelism)")
    .addHelpText("after", examples)
    .action(async (file: string | undefined, opts: RunOpts) => {
      // A run that writes its trace or timeline under a temporary name runs on a worker thread, so that Ctrl-C can
      // remove the file; started first, the thread loads while this one loads the run and parses the scenario.
      const worker = opts.trace !== undefined || opts.perfetto !== undefined ? (await import("./run-worker-start.js")).startRunWorker(opts.trace, opts.perfetto) : null;
      try {
        const { runCommand } = await import("./run.js");
        await runCommand(ctx, file, opts, worker);
      } finally {
        worker?.dispose();
      }
    });
}

function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description("check a scenario and print every problem and warning, without running it")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario")
    .option("--set <path=value>", "override a scenario key before validation (repeatable)", collect, [])
    .action(async (arg: string, opts: { set: string[] }) => {
      const { validateCommand } = await import("./validate.js");
      validateCommand(ctx, arg, opts);
    });
}

function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command("init")
    .description("write a scenario: one per event source mapping of a template (--from: CloudFormation, SAM, CDK, Terraform, Serverless Framework), or a commented starter for a source type")
    .addArgument(new Argument("[source-type]", "write a commented starter scenario for this source").choices(SOURCE_TYPES))
    .option("--from <template>", "a CloudFormation, SAM or CDK-synthesized template (YAML or JSON), a Terraform plan or state (terraform show -json), a folder of Terraform .tf files (or one .tf file), or a serverless.yml")
    .option("--resource <id>", "only this mapping (its logical id; SAM: function id + event name, or Function.Event; CDK: construct path)")
    .option("--parameter <Key=Value>", "a template parameter's value instead of its Default (repeatable; AWS::Region=... too)", collect, [])
    .option("--traffic <file>", "traffic (and function behaviour, expectations) to put in the scenarios instead of a placeholder")
    .option("--metrics <export.json>", "replay production traffic: a CloudWatch export (aws cloudwatch get-metric-data --output json) of the source's NumberOfMessagesSent (SQS) or IncomingRecords (Kinesis), Sum per period")
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
  $ esm-sim init --from template.yaml --metrics orders-sent.json --out orders.yaml   # replay an hour of production
  $ esm-sim init kinesis > my-stream.yaml`,
    )
    .action(async (type: string | undefined, opts: InitOpts) => {
      const { runInit } = await import("./init.js");
      ctx.code = await runInit(type, opts, ctx.io);
    });
}

function registerProfiles(program: Command, ctx: CommandContext): void {
  program
    .command("profiles")
    .description("list the AWS figures of every profile side by side, with their sources and dates")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (opts: { format: string }) => {
      const { profilesCommand } = await import("./profiles.js");
      profilesCommand(ctx, opts);
    });
}

function registerExplain(program: Command, ctx: CommandContext): void {
  program
    .command("explain")
    .description("run a scenario and narrate the moments that matter, each with its rule and AWS page")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario (esm-sim scenarios)")
    .option("--seed <n>", "seed for every random draw (overrides the scenario's seed)")
    .option("--until <duration>", "stop at this virtual time, e.g. 30m")
    .option("--verbose", "show every step (all but the once-a-second samples) instead of folding repetition")
    .option("--at <time>", "zoom: 10m..12m, ..90s, 1h.., 10m (30 s either side) or 10m+-5s")
    .option("--no-color", "no colours (colours are used only on a terminal anyway)")
    .action(async (arg: string, opts: ExplainOpts) => {
      const { explainCommand } = await import("./explain.js");
      explainCommand(ctx, arg, opts);
    });
}

function registerScenarios(program: Command, ctx: CommandContext): void {
  program
    .command("scenarios")
    .description("list the shipped scenarios and the concept each one shows")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (opts: { format: string }) => {
      const { scenariosCommand } = await import("./scenarios.js");
      scenariosCommand(ctx, opts);
    });
}

function registerQuiz(program: Command, ctx: CommandContext): void {
  program
    .command("quiz")
    .description("answer a question about a shipped scenario, then watch the run that answers it")
    .argument("[scenario]", "a shipped scenario's name, or a scenario file with a quiz: block (default: any)")
    .option("--seed <n>", "picks the scenario, the question and the choices (default: random, printed)")
    .option("--strict", "exit 1 when the answer is wrong (default: exit 0 either way)")
    .option("--no-color", "no colours")
    .action(async (arg: string | undefined, opts: QuizOpts) => {
      const { quizCommand } = await import("./quiz.js");
      await quizCommand(ctx, arg, opts);
    });
}

function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command("schema")
    .description("print the JSON Schema of the scenario format (for editor completion: # yaml-language-server: $schema=...)")
    .action(async () => {
      const { schemaCommand } = await import("./schema.js");
      schemaCommand(ctx);
    });
}

function registerSweep(program: Command, ctx: CommandContext): void {
  program
    .command("sweep")
    .description("run a scenario over a grid of settings, in parallel, and compare the key metrics")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario")
    .option("--vary <path=v1,v2,...>", "a key and the values to try, e.g. mapping.BatchSize=10,100,1000 (repeatable: the grid is every combination)", collect, [])
    .option("--set <path=value>", "override a scenario key in every row (repeatable)", collect, [])
    .option("--seed <n>", "seed for every row (overrides the scenario's seed)")
    .option("--until <duration>", "stop every row at this virtual time")
    .option("--jobs <n>", "runs at once, this thread and n-1 worker threads (default: the machine's available parallelism)")
    .option("--shard <k/n>", "run only rows k-1, k-1+n, k-1+2n, ... (combine the JSON results with esm-sim merge)")
    .option("--max-rows <n>", `the most rows the grid may have (default ${formatCount(DEFAULT_MAX_ROWS)})`)
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv", "markdown"]).default("table"))
    .option("--output <file>", "write the result to a file instead of stdout")
    .option("--no-color", "no colours in the table")
    .addHelpText("after", `
Examples:
  $ esm-sim sweep s.yaml --vary mapping.BatchSize=10,100,1000 --vary mapping.ParallelizationFactor=1,2,4
  $ esm-sim sweep s.yaml --vary function.Timeout=3,10,30 --format csv --output grid.csv
  $ esm-sim sweep s.yaml --vary mapping.BatchSize=1,10 --shard 1/2 --format json --output part1.json
  $ esm-sim merge part1.json part2.json`)
    .action(async (file: string, opts: SweepOpts) => {
      const { sweepCommand } = await import("./sweep.js");
      await sweepCommand(ctx, file, opts);
    });
}

function registerMerge(program: Command, ctx: CommandContext): void {
  program
    .command("merge")
    .description("combine the JSON results of sweep shards (--shard k/n) into the unsharded sweep's output")
    .argument("<results...>", `sweep results written with --format json (each at most ${SWEEP_RESULT_INPUT.maxBytes / 1024 ** 2} MB)`)
    .addOption(new Option("--format <format>", "output format").choices(["table", "json", "csv", "markdown"]).default("table"))
    .option("--output <file>", "write the result to a file instead of stdout")
    .option("--max-rows <n>", `the most rows the merged grid may have (default ${formatCount(DEFAULT_MAX_ROWS)}, as for sweep)`)
    .option("--no-color", "no colours in the table")
    .action(async (files: string[], opts: MergeOpts) => {
      const { mergeCommand } = await import("./merge.js");
      mergeCommand(ctx, files, opts);
    });
}

function registerCalibrate(program: Command, ctx: CommandContext): void {
  program
    .command("calibrate")
    .description("compare a scenario's CloudWatch series with a real export and fit esm-sim's chosen figures to it")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario")
    .option("--metrics <export.json>", "the CloudWatch export: what aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)")
    .option("--map <Id=Metric>", "name an export result's metric (and statistic), e.g. m1=Invocations or m2=Duration.Maximum (repeatable)", collect, [])
    .option("--start <instant>", "the instant the scenario starts at, e.g. 2026-03-01T09:00:00Z (default: the scenario's startTime, else the export's first point)")
    .option("--fit <figure,...>", "the chosen figures to fit (default: every one the source's mapping reads that the scenario does not set; none: only compare)")
    .option("--seed <n>", "seed for every run (overrides the scenario's seed)")
    .option("--until <duration>", "stop every run at this virtual time, e.g. 30m (overrides the scenario's until)")
    .option("--set <path=value>", "override a scenario key in every run, before the fit, e.g. mapping.BatchSize=500 (repeatable; not a figure being fitted)", collect, [])
    .option("--jobs <n>", "runs at once, this thread and n-1 worker threads (default: the machine's available parallelism)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("--html <file.html>", "also write a self-contained page charting each compared metric: the export's series and the run's, before and after the fit (opens offline)")
    .addHelpText("after", `
Examples:
  $ esm-sim calibrate orders.yaml --metrics export.json
  $ esm-sim calibrate orders.yaml --metrics export.json --fit scaleUpHoldAfterFailureMs,scaleDownIntervalMs
  $ esm-sim calibrate orders.yaml --metrics export.json --map m1=Invocations --start 2026-03-01T09:00:00Z --fit none
  $ esm-sim calibrate orders.yaml --metrics export.json --set mapping.BatchSize=20 --html calibration.html`)
    .action(async (file: string, opts: CalibrateOpts) => {
      const { calibrateCommand } = await import("./calibrate.js");
      await calibrateCommand(ctx, file, opts);
    });
}
