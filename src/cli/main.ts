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
import { parseScenario } from "../scenario/parse.js";
import { isOverrideProblem, parseOverride, type Override } from "../scenario/overrides.js";
import { formatProblem, type Problem } from "../scenario/problems.js";
import { parseDurationUs } from "../scenario/units.js";
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
      try {
        const w = writer;
        result = simulate(scenario, w ? { trace: (ctx) => (e) => w.line(traceLine(e, ctx)) } : {});
        writer?.commit();
      } catch (e) {
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

  try {
    await program.parseAsync(argv);
  } catch (e) {
    return handleError(e, io, reproduce);
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
