/**
 * Quiz mode, the pure part: pick a question from the catalogue, compute its answer by running the scenario,
 * offer multiple choices around the computed answer, and judge a reply. Nothing is stored by hand: the answer
 * is the value the run computes (a report field or a trace count, scenario/quiz-answer.ts), and the wrong
 * choices are derived from it. Deterministic for a given quiz seed.
 */
import { prngStream } from "../engine/prng.js";
import { fmtInt, fmtMs, fmtRate } from "../report/format.js";
import { valueAtPath } from "../run/expect.js";
import type { Report } from "../run/result.js";
import type { QuizQuestion, Scenario } from "../scenario/model.js";
import { parseAnswer, type AnswerExpr } from "../scenario/quiz-answer.js";
import { parseDurationUs } from "../scenario/units.js";
import { TraceMeasure } from "./measures.js";

export interface CatalogueEntry {
  name: string;
  scenario: Scenario;
}

export interface Pick {
  entry: CatalogueEntry;
  question: QuizQuestion;
  index: number;
}

/** A question from the named scenario, or from any scenario with questions; chosen by `seed`. */
export function pickQuestion(entries: readonly CatalogueEntry[], seed: number, name?: string): Pick | null {
  const rng = prngStream(seed, "quiz.pick");
  const pool = entries.filter((e) => e.scenario.quiz.length > 0 && (name === undefined || e.name === name));
  if (pool.length === 0) return null;
  const entry = pool[Math.floor(rng.next() * pool.length)];
  const index = Math.floor(rng.next() * entry.scenario.quiz.length);
  return { entry, question: entry.scenario.quiz[index], index };
}

export type Unit = "count" | "ms" | "rate" | "bool";

/** The answer expression of a question (validated when the scenario was parsed). */
export function answerExpr(q: QuizQuestion): AnswerExpr {
  const a = parseAnswer(q.answer);
  if (typeof a === "string") throw new Error(`quiz answer ${JSON.stringify(q.answer)}: ${a}`);
  return a;
}

/** A measure to feed with the run's trace, when the answer is a trace count. */
export function measureFor(expr: AnswerExpr): TraceMeasure | null {
  return expr.kind === "trace" ? new TraceMeasure(expr) : null;
}

export function answerValue(expr: AnswerExpr, report: Report, measure: TraceMeasure | null): number | boolean {
  if (expr.kind === "trace") return measure ? measure.value : 0;
  return valueAtPath(report, expr.path);
}

export function unitOf(expr: AnswerExpr): Unit {
  return expr.unit;
}

export function formatValue(v: number | boolean, unit: Unit): string {
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (unit === "ms") return fmtMs(v);
  if (unit === "rate") return `${fmtRate(v)}/s`;
  return fmtInt(v);
}

/** Four choices (two for yes/no), ascending, one of them the answer; the others derived from it. */
export function choicesFor(answer: number | boolean, unit: Unit, seed: number): (number | boolean)[] {
  if (typeof answer === "boolean") return [true, false];
  const rng = prngStream(seed, "quiz.choices");
  const a = answer;
  const round = (x: number) => (unit === "count" ? Math.round(x) : Math.round(x * 100) / 100);
  const near = unit === "count" ? [a - 1, a + 1, a + 2, a - 2] : [a * 0.8, a * 1.25];
  const far = (unit === "count" ? [a * 2, a / 2, a * 3, a + Math.max(5, a), 0, 1] : [a * 2, a / 2, a * 3]).map(round);
  const seen = new Set<number>([a]);
  const pool: number[] = [];
  for (const c of [...near.map(round), ...far]) {
    if (c < 0 || seen.has(c) || !Number.isFinite(c)) continue;
    seen.add(c);
    pool.push(c);
  }
  // Always one close distractor, then two more drawn from the rest.
  const chosen: number[] = [a];
  if (pool.length > 0) chosen.push(pool.shift()!);
  while (chosen.length < 4 && pool.length > 0) chosen.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]);
  return chosen.sort((x, y) => x - y);
}

export interface Verdict {
  /** What the reply was taken to mean, or null when it was empty or unreadable. */
  given: number | boolean | null;
  correct: boolean;
}

const LETTERS = "abcdefgh";

/** Judge a reply: a choice letter, or the value itself (counts exactly; times and rates within 5%). */
export function judge(reply: string | null, choices: readonly (number | boolean)[], answer: number | boolean, unit: Unit): Verdict {
  const r = (reply ?? "").trim().toLowerCase();
  if (r === "") return { given: null, correct: false };
  let given: number | boolean | null = null;
  const li = r.length === 1 ? LETTERS.indexOf(r) : -1;
  if (li >= 0 && li < choices.length) given = choices[li];
  else if (typeof answer === "boolean") given = ["yes", "y", "true"].includes(r) ? true : ["no", "n", "false"].includes(r) ? false : null;
  else if (unit === "ms") {
    const us = parseDurationUs(/^\d+(\.\d+)?$/.test(r) ? Number(r) / 1000 : r);
    given = us === null ? null : us / 1000;
  } else {
    const n = Number(r.replace(/,/g, "").replace(/\/s$/, ""));
    given = Number.isFinite(n) ? n : null;
  }
  if (given === null) return { given: null, correct: false };
  if (typeof given === "boolean" || typeof answer === "boolean") return { given, correct: given === answer };
  const correct = unit === "count" ? given === answer : Math.abs(given - answer) <= Math.abs(answer) * 0.05;
  return { given, correct };
}

export function choiceLetter(i: number): string {
  return LETTERS[i];
}
