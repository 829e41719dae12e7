/**
 * The esm-sim command line. The only code that prints, reads files, looks at the terminal or sets exit codes:
 * 0 ran and every expectation passed; 1 an expectation failed; 2 invalid scenario or command line; 3 internal error.
 * The commands are defined in commands.ts, each loading its own module when it runs; this module maps what they
 * throw to exit codes.
 */
import { Command, CommanderError } from "commander";
import { InternalError } from "../engine/assert.js";
import { InputError } from "../io/input.js";
import { OutputError } from "../io/output.js";
import { VERSION } from "../run/version.js";
import { registerCommands } from "./commands.js";
import { newContext, type CommandContext, type Io } from "./context.js";
import { UsageError } from "./usage-error.js";

const defaultIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTty: Boolean(process.stdout.isTTY),
  readLine: readStdinLine,
  errIsTty: Boolean(process.stderr.isTTY),
  nowMs: () => performance.now(),
});

/** The most of standard input a quiz answer is read from: an answer is a letter or a number. */
const MAX_ANSWER_CHARS = 64 * 1024;

/**
 * The first line of standard input (typed on a terminal or piped), or null when there is none. Reading stops at
 * MAX_ANSWER_CHARS without a line break (`head -c 1G /dev/zero | esm-sim quiz`), like every other input's cap.
 */
async function readStdinLine(): Promise<string | null> {
  let data = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    data += chunk as string;
    if (data.includes("\n") || data.length >= MAX_ANSWER_CHARS) break;
  }
  return data === "" ? null : data.slice(0, MAX_ANSWER_CHARS).split(/\r?\n/)[0];
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

/** Run the CLI. Returns the exit code (never throws, never exits the process itself). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const ctx = newContext(io);
  const program = new Command()
    .name("esm-sim")
    .description("Deterministic simulator of AWS Lambda event source mappings: what will this mapping actually do?")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText("after", EXAMPLES);
  registerCommands(program, ctx, EXAMPLES);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    return exitCodeFor(e, ctx);
  }
  return ctx.code;
}

/** What a command threw, as an exit code: 2 for a usage error (commander's or ours), 3 with a report for anything else. */
function exitCodeFor(e: unknown, ctx: CommandContext): number {
  const { io } = ctx;
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    // commander has already printed its message
    return 2;
  }
  if (e instanceof UsageError || e instanceof OutputError || e instanceof InputError) {
    io.err(`esm-sim: ${e.message}\n`);
    return 2;
  }
  const what = e instanceof InternalError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  io.err(`esm-sim: internal error (a bug in esm-sim, not in your scenario): ${what}\n`);
  if (e instanceof Error && e.stack && process.env.ESM_SIM_DEBUG) io.err(e.stack + "\n");
  if (ctx.seed !== null) io.err(`seed: ${ctx.seed}\n`);
  if (ctx.reproduce) io.err(`reproduce: ${ctx.reproduce}\n`);
  io.err("Please report it with the scenario file and the reproduce line.\n");
  return 3;
}
