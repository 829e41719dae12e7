/** `esm-sim quiz`: a question about a scenario, answered by running it, then the story of that run. */
import { randomInt } from "node:crypto";
import type { Command } from "commander";
import { explain } from "../explain/explain.js";
import { answerExpr, answerValue, choiceLetter, choicesFor, formatValue, judge, measureFor, pickQuestion, unitOf, type CatalogueEntry, type Pick, type Unit } from "../explain/quiz.js";
import { parseSeed } from "./args.js";
import { loadCatalogue, resolveScenario } from "./catalogue.js";
import { parseOrReport, useColor, type CommandContext, type Io } from "./context.js";
import { readScenarioFile, UsageError } from "./files.js";

interface QuizOpts {
  seed?: string;
  strict?: boolean;
  color: boolean;
}

/** Where the question comes from: the user's own file (its text known), or the catalogue. */
interface QuizSource {
  entries: CatalogueEntry[];
  name: string | undefined;
  text: string | null;
}

/** The question, asked of one run: its answer, the choices offered, and the run's story. */
interface Asked {
  pick: Pick;
  seed: number;
  unit: Unit;
  answer: number | boolean;
  choices: (number | boolean)[];
  story: string[];
}

export function registerQuiz(program: Command, ctx: CommandContext): void {
  program
    .command("quiz")
    .description("answer a question about a shipped scenario, then watch the run that answers it")
    .argument("[scenario]", "a shipped scenario's name, or a scenario file with a quiz: block (default: any)")
    .option("--seed <n>", "picks the scenario, the question and the choices (default: random, printed)")
    .option("--strict", "exit 1 when the answer is wrong (default: exit 0 either way)")
    .option("--no-color", "no colours")
    .action((arg: string | undefined, opts: QuizOpts) => quizCommand(ctx, arg, opts));
}

async function quizCommand(ctx: CommandContext, arg: string | undefined, opts: QuizOpts): Promise<void> {
  const seed = opts.seed === undefined ? randomInt(0, 2 ** 31) : parseSeed(opts.seed);
  const from = quizSource(ctx, arg);
  if (from === null) return;
  const pick = pickQuestion(from.entries, seed, from.name);
  if (!pick) {
    const withQuiz = from.entries.filter((e) => e.scenario.quiz.length > 0).map((e) => e.name);
    throw new UsageError(`${from.name ?? "the catalogue"} has no quiz questions${withQuiz.length ? `; scenarios with questions: ${withQuiz.join(", ")}` : ""}`);
  }
  const text = from.text ?? readScenarioFile(resolveScenario(pick.entry.name));
  ctx.reproduce = `esm-sim quiz ${pick.entry.name} --seed ${seed}`;
  const asked = askOfOneRun(pick, seed, useColor(ctx.io, opts.color));
  ctx.io.out(questionLines(asked, arg, text).join("\n") + "\n");
  ctx.io.out(`Your answer (${choiceLetter(0)}-${choiceLetter(asked.choices.length - 1)}, or a value): `);
  const reply = ctx.io.readLine ? await ctx.io.readLine() : null;
  if (!ctx.io.isTty) ctx.io.out(`${reply ?? ""}\n`);
  const correct = printVerdict(ctx.io, asked, reply);
  if (opts.strict && !correct) ctx.code = 1;
}

/** A scenario file of the user's own (with a quiz: block), or the catalogue; null (exit code 2) when the file has problems. */
function quizSource(ctx: CommandContext, arg: string | undefined): QuizSource | null {
  const file = arg === undefined ? null : resolveScenario(arg);
  if (file === null || file !== arg) return { entries: loadCatalogue(), name: arg?.replace(/\.ya?ml$/, ""), text: null };
  const text = readScenarioFile(file);
  const parsed = parseOrReport(ctx, text, file);
  return parsed && { entries: [{ name: file, scenario: parsed.scenario }], name: file, text };
}

/** Run first (silently): the answer and the narration come from the same run. */
function askOfOneRun(pick: Pick, seed: number, color: boolean): Asked {
  const expr = answerExpr(pick.question);
  const measure = measureFor(expr);
  const story: string[] = [];
  const result = explain(pick.entry.scenario, { header: false, footer: true, color, measures: measure ? [measure] : [] }, (l) => story.push(l));
  const answer = answerValue(expr, result.report, measure);
  const unit = unitOf(expr);
  return { pick, seed, unit, answer, choices: choicesFor(answer, unit, seed), story };
}

function questionLines(q: Asked, arg: string | undefined, text: string): string[] {
  const s = q.pick.entry.scenario;
  return [
    `esm-sim quiz · ${q.pick.entry.name}${s.concept ? ` · ${s.concept}` : ""}`,
    `(quiz seed ${q.seed}: \`esm-sim quiz ${arg === undefined ? "" : `${arg} `}--seed ${q.seed}\` asks this again)`,
    "",
    "With these settings:",
    ...settingsText(text).map((l) => `  ${l}`),
    "",
    `Question: ${q.pick.question.ask}`,
    "  " + q.choices.map((c, i) => `${choiceLetter(i)}) ${formatValue(c, q.unit)}`).join("   "),
    "",
  ];
}

/** Whether the reply was right, what the run says, and the story of the run. Returns true when it was right. */
function printVerdict(io: Io, q: Asked, reply: string | null): boolean {
  const { unit, answer, choices } = q;
  const verdict = judge(reply, choices, answer, unit);
  const letter = choiceLetter(choices.findIndex((c) => c === answer));
  const shown = `${formatValue(answer, unit)} (${letter})`;
  const unread = reply !== null && reply.trim() !== "" ? `Could not read ${JSON.stringify(reply.trim())} as an answer (a choice letter, or a value such as ${formatValue(choices[0], unit)}). ` : "No answer read. ";
  const head = verdict.given === null ? `${unread}The run says ${shown}.` : verdict.correct ? `Right: ${shown}.` : `Not quite: you said ${formatValue(verdict.given, unit)}; the run says ${shown}.`;
  io.out(["", head, `(computed from ${q.pick.question.answer} of this run; \`esm-sim run ${q.pick.entry.name}\` shows the full report)`, "", "What happened and why:", "", ...q.story].join("\n") + "\n");
  return verdict.correct;
}

const HIDDEN_KEYS = new Set(["description", "expect", "quiz", "concept"]);

/** The scenario's settings as written, without the parts that would give the answer away. */
export function settingsText(yaml: string): string[] {
  const out: string[] = [];
  let hiding = false;
  for (const line of yaml.split(/\r?\n/)) {
    const top = /^([A-Za-z_][\w.-]*)\s*:/.exec(line);
    if (top) hiding = HIDDEN_KEYS.has(top[1]);
    else if (/^\S/.test(line) && !line.startsWith("#")) hiding = false;
    if (hiding) continue;
    if (line.trimStart().startsWith("#")) continue;
    out.push(line);
  }
  while (out.length && out[out.length - 1].trim() === "") out.pop();
  // Collapse runs of blank lines.
  return out.filter((l, i) => !(l.trim() === "" && (i === 0 || out[i - 1].trim() === "")));
}
