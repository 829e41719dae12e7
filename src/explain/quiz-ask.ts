/**
 * Asking one quiz question: the run that computes the answer (told as `explain` tells it), the values the lesson's
 * mistakes lead to (each one the scenario run again with a `--set` change, or the arithmetic of the mistake on the
 * scenario's settings), and the choices built from them. Deterministic for a given quiz seed.
 */
import { PROFILES, type Figure } from "../esm/profiles.js";
import { simulate } from "../run/simulate.js";
import type { Report } from "../run/result.js";
import { isOverrideProblem, parseOverride, type Override } from "../scenario/overrides.js";
import { parseScenario } from "../scenario/parse.js";
import { parseAnswer, type AnswerExpr } from "../scenario/quiz-answer.js";
import { explain } from "./explain.js";
import { TraceNames } from "./names.js";
import { answerExpr, answerValue, bareNumberNote, choicesFor, measureFor, replyUnit, unitOf, type Choice, type MistakeValue, type Pick, type ReplyUnit, type Unit } from "./quiz.js";
import { lessonFor, type Lesson, type MistakeSpec } from "./quiz-lessons.js";

/** The question, asked of one run: its lesson, answer, choices and the run's story. */
export interface Asked {
  pick: Pick;
  seed: number;
  lesson: Lesson;
  unit: Unit;
  answer: number | boolean;
  choices: Choice[];
  /** Every value the lesson's mistakes lead to, before the choices are drawn from them. */
  mistakes: MistakeValue[];
  /** How a bare number in a reply is read, and what the prompt says about it ("" when nothing). */
  bare: ReplyUnit;
  bareNote: string;
  story: string[];
}

export interface AskOptions {
  color: boolean;
  width: number;
  /** The scenario's text, for the runs with `--set` changes; null when only the parsed scenario is at hand. */
  text: string | null;
}

/** Run the question's scenario (silently: the answer and the story come from the same run), then its mistakes. */
export function askQuestion(pick: Pick, seed: number, opts: AskOptions): Asked {
  const expr = answerExpr(pick.question);
  const measure = measureFor(expr);
  const story: string[] = [];
  const result = explain(pick.entry.scenario, { header: false, footer: true, color: opts.color, width: opts.width, measures: measure ? [measure] : [] }, (l) => story.push(l));
  const answer = answerValue(expr, result.report, measure);
  const unit = unitOf(expr);
  const lesson = lessonFor(pick);
  const mistakes = lesson.mistakes.flatMap((m) => mistakeValue(m, pick, expr, result.report, opts.text));
  const choices = choicesFor(answer, mistakes, unit, seed);
  const bare = replyUnit(choices, unit);
  return { pick, seed, lesson, unit, answer, choices, mistakes, bare, bareNote: bareNumberNote(bare), story };
}

/** The value a mistake leads to, with what it assumes; nothing when it cannot be computed for this scenario. */
function mistakeValue(m: MistakeSpec, pick: Pick, expr: AnswerExpr, report: Report, text: string | null): MistakeValue[] {
  if ("calc" in m) return [{ value: m.calc(pick.entry.scenario, report), mistake: m.mistake }];
  if (!("set" in m)) return [{ value: NaN, mistake: m.mistake }];
  if (text === null) return [];
  const overrides: Override[] = [];
  for (const arg of m.set) {
    const o = parseOverride(arg);
    if (isOverrideProblem(o)) return [];
    overrides.push(o);
  }
  const parsed = parseScenario(text, pick.entry.name, { overrides, files: pick.entry.files });
  if (!parsed.ok) return [];
  const measured = m.measure === undefined ? expr : parseAnswer(m.measure);
  if (typeof measured === "string") return [];
  const value = runValue(parsed.scenario, measured);
  if (typeof value !== "number") return [];
  const how = `esm-sim run ${pick.entry.name}${m.set.map((a) => ` --set ${a}`).join("")}`;
  const chosen = chosenFiguresSet(overrides, parsed.scenario.profileName);
  if (chosen.length === 0) return [{ value, mistake: `${m.mistake} (${how})` }];
  // Only esm-sim's own figures differ, within their plausible ranges: AWS would not say this answer is wrong.
  const ranges = chosen.map((c) => `${c.name} ${c.range}`).join(", ");
  return [{ value, mistake: `${m.mistake} (${how}); as plausible as the run's answer: AWS publishes no figure here, and esm-sim chose one (plausible ${ranges})`, plausible: true }];
}

/** The chosen figures (AWS documents none) an override sets within their plausible range, with that range in words. */
function chosenFiguresSet(overrides: readonly Override[], profileName: string): { name: string; range: string }[] {
  const figures = PROFILES[profileName]?.figures as Record<string, Figure | undefined> | undefined;
  const out: { name: string; range: string }[] = [];
  for (const o of overrides) {
    const name = /^scaling\.(\w+)$/.exec(o.path)?.[1];
    const f = name === undefined ? undefined : figures?.[name];
    if (!f || !f.chosen || typeof o.value !== "number") return [];
    const lo = f.low ?? -Infinity;
    const hi = f.high ?? Infinity;
    if (o.value < lo || o.value > hi) return [];
    const shown = (v: number | null | undefined) => (typeof v === "number" ? v.toLocaleString("en-US") : "none");
    out.push({ name: name!, range: `${shown(f.low)}..${shown(f.high)} ${f.unit}` });
  }
  return out;
}

/** The answer expression's value for a run of `scenario`. */
export function runValue(scenario: Parameters<typeof simulate>[0], expr: AnswerExpr): number | boolean {
  const measure = measureFor(expr);
  if (!measure) return answerValue(expr, simulate(scenario).report, null);
  const report = simulate(scenario, {
    trace: (ctx) => {
      const names = new TraceNames(ctx);
      return (e) => measure.onEvent(e, names);
    },
  }).report;
  return answerValue(expr, report, measure);
}
