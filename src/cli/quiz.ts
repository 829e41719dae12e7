/** `esm-sim quiz`: a question about a scenario, answered by running it, then the story of that run. */
import { randomInt } from "node:crypto";
import { wrap } from "../explain/narrator.js";
import { choiceLetter, formatValue, judge, pickQuestion, type CatalogueEntry } from "../explain/quiz.js";
import { askQuestion, type Asked } from "../explain/quiz-ask.js";
import { RULES } from "../explain/rules.js";
import { parseSeed } from "./args.js";
import { loadCatalogue, resolveScenario } from "./catalogue.js";
import type { CommandContext, Io } from "./context.js";
import { parseOrReport, useColor } from "./printing.js";
import { filesNamedBy, readScenarioFile } from "./files.js";
import { UsageError } from "./usage-error.js";
import { outputWidth } from "./width.js";

export interface QuizOpts {
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

export async function quizCommand(ctx: CommandContext, arg: string | undefined, opts: QuizOpts): Promise<void> {
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
  const width = outputWidth(ctx.io);
  const asked = askQuestion(pick, seed, { color: useColor(ctx.io, opts.color), width, text });
  ctx.io.out(questionLines(asked, arg, text, width).join("\n") + "\n");
  const value = asked.unit === "bool" ? "yes or no" : "a value";
  const letters = asked.choices.length > 1 ? `${choiceLetter(0)}-${choiceLetter(asked.choices.length - 1)}, or ${value}` : value;
  ctx.io.out(`Your answer (${letters}${asked.bareNote ? `; ${asked.bareNote}` : ""}): `);
  const reply = ctx.io.readLine ? await ctx.io.readLine() : null;
  if (!ctx.io.isTty) ctx.io.out(`${reply ?? ""}\n`);
  const correct = printVerdict(ctx.io, asked, reply, width);
  if (opts.strict && !correct) ctx.code = 1;
}

/** A scenario file of the user's own (with a quiz: block), or the catalogue; null (exit code 2) when the file has problems. */
function quizSource(ctx: CommandContext, arg: string | undefined): QuizSource | null {
  const file = arg === undefined ? null : resolveScenario(arg);
  if (file === null || file !== arg) return { entries: loadCatalogue(), name: arg?.replace(/\.ya?ml$/, ""), text: null };
  const text = readScenarioFile(file);
  const files = filesNamedBy(text, file);
  const parsed = parseOrReport(ctx, text, file, { files });
  return parsed && { entries: [{ name: file, scenario: parsed.scenario, files }], name: file, text };
}

function questionLines(q: Asked, arg: string | undefined, text: string, width: number): string[] {
  const s = q.pick.entry.scenario;
  const choices = q.choices.map((c, i) => `${choiceLetter(i)}) ${formatValue(c.value, q.unit)}`).join("   ");
  return [
    `esm-sim quiz · ${q.pick.entry.name}${s.concept ? ` · ${s.concept}` : ""}`,
    `Concept: ${q.lesson.concept}`,
    `(quiz seed ${q.seed}: \`esm-sim quiz ${arg === undefined ? "" : `${arg} `}--seed ${q.seed}\` asks this again)`,
    "",
    "With these settings:",
    ...settingsText(text).map((l) => `  ${l}`),
    "",
    ...wrap(`Question: ${q.pick.question.ask}`, width).map((l, i) => (i === 0 ? l : `  ${l}`)),
    ...(q.choices.length > 1 ? [`  ${choices}`] : []),
    "",
  ];
}

/** Whether the reply was right, the rule and its AWS page, the mistake behind each other choice, and the story of the run. */
function printVerdict(io: Io, q: Asked, reply: string | null, width: number): boolean {
  const { unit, answer, choices } = q;
  const verdict = judge(reply, choices, answer, unit, q.bare);
  const index = choices.findIndex((c) => c.value === answer);
  const shown = `${formatValue(answer, unit)}${index >= 0 && choices.length > 1 ? ` (${choiceLetter(index)})` : ""}`;
  const example = formatValue(choices[0].value, unit);
  const unread = reply !== null && reply.trim() !== "" ? `Could not read ${JSON.stringify(reply.trim())} as an answer (a choice letter, or a value such as ${example}). ` : "No answer read. ";
  const given = verdict.given === null ? undefined : choices.find((c) => c.value === verdict.given);
  const head =
    verdict.given === null
      ? `${unread}The run says ${shown}.`
      : verdict.correct
        ? `Right: ${shown}.`
        : given?.plausible
          ? `The run says ${shown}; you said ${formatValue(verdict.given, unit)}, which another plausible value of a figure AWS does not publish gives (below): not a mistake about AWS's rules.`
          : `Not quite: you said ${formatValue(verdict.given, unit)}; the run says ${shown}.`;
  const rule = RULES[q.lesson.rule];
  const lines = ["", head, `(computed from ${q.pick.question.answer} of this run; \`esm-sim run ${q.pick.entry.name}\` shows the full report)`, ""];
  lines.push(...wrap(`The rule: ${rule.title}`, width), `  ${rule.url}`);
  const others = choices.map((c, i) => ({ c, i })).filter(({ c }) => c.value !== answer && c.mistake !== "");
  if (others.length > 0) {
    lines.push("", "The other choices, and the mistake behind each:");
    const w = Math.max(...others.map(({ c, i }) => `${choiceLetter(i)}) ${formatValue(c.value, unit)}`.length));
    for (const { c, i } of others) {
      const label = `${choiceLetter(i)}) ${formatValue(c.value, unit)}`.padEnd(w);
      const body = wrap(c.mistake, Math.max(20, width - w - 4));
      lines.push(`  ${label}  ${body[0]}`, ...body.slice(1).map((l) => `${" ".repeat(w + 4)}${l}`));
    }
  }
  lines.push("", "What happened and why:", "", ...q.story);
  io.out(lines.join("\n") + "\n");
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
