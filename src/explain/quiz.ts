/**
 * Quiz mode, the pure part: pick a question from the catalogue, offer choices, read and judge a reply. The answer
 * is never written by hand: it is the value running the scenario computes (a report field or a trace count,
 * scenario/quiz-answer.ts). The wrong choices are values computed too, each from a mistake a learner makes about
 * the rule (quiz-lessons.ts): the scenario run under the other profile or without a setting, or the naive
 * arithmetic that leaves out part of the rule. Deterministic for a given quiz seed.
 */
import { prngStream } from "../engine/prng.js";
import type { NamedFile } from "../io/input.js";
import { fmtInt, fmtMs, fmtRate } from "../report/format.js";
import { valueAtPath } from "../run/expect.js";
import type { Report } from "../run/result.js";
import type { QuizQuestion, Scenario } from "../scenario/model.js";
import { parseAnswer, type AnswerExpr } from "../scenario/quiz-answer.js";
import { TraceMeasure } from "./measures.js";

export interface CatalogueEntry {
  name: string;
  scenario: Scenario;
  /** The files the scenario names (a replay's CloudWatch export), for parsing it again with changes. */
  files?: ReadonlyMap<string, NamedFile>;
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

/** One choice offered: its value, and for a wrong one the mistake that leads to it. */
export interface Choice {
  value: number | boolean;
  /** The mistake this value comes from ("" for the answer). */
  mistake: string;
  /** The value another plausible setting of esm-sim's chosen figures gives: not a mistake about AWS's rules. */
  plausible?: boolean;
}

/** A wrong value a mistake leads to, computed from the scenario. */
export interface MistakeValue {
  value: number;
  mistake: string;
  plausible?: boolean;
}

/**
 * Whether two values would read as the same answer: counts equal once rounded (within 2% from 50 up, where
 * telling 598 from 600 would test the simulator's exact count rather than the rule); times and rates within 10%.
 * Distractors are never this close to the answer or to each other.
 */
export function sameAnswer(a: number, b: number, unit: Unit): boolean {
  if (unit === "count") {
    const big = Math.max(Math.abs(a), Math.abs(b));
    return big >= 50 ? Math.abs(a - b) <= big * 0.02 : Math.round(a) === Math.round(b);
  }
  return Math.abs(a - b) <= Math.max(Math.abs(a), Math.abs(b)) * 0.1;
}

/**
 * At most this many choices: the answer and two mistakes. Three, not four: the answer can then be the smallest,
 * the middle or the largest choice for every question with two mistakes on each side of it, so its place tells
 * nothing; with four, two mistakes a side would always put it in the middle.
 */
export const MAX_CHOICES = 3;

/**
 * The choices, ascending: the answer and up to two values from the mistakes (distinct, none reading as the
 * answer). Where the answer falls among them is drawn by the seed from the places the mistakes allow (values
 * below the answer for the places under it, above for those over it), so a learner who picks by position (the
 * smallest, the largest, a middle one) is right no more often than by chance wherever the mistakes lie on both
 * sides. A yes/no answer has the two choices.
 */
export function choicesFor(answer: number | boolean, mistakes: readonly MistakeValue[], unit: Unit, seed: number): Choice[] {
  if (typeof answer === "boolean") {
    const wrong = mistakes[0]?.mistake ?? "";
    return [
      { value: true, mistake: answer ? "" : wrong },
      { value: false, mistake: answer ? wrong : "" },
    ];
  }
  const rng = prngStream(seed, "quiz.choices");
  const usable: MistakeValue[] = [];
  for (const m of mistakes) {
    if (!Number.isFinite(m.value) || m.value < 0) continue;
    const v = unit === "count" ? Math.round(m.value) : m.value;
    if (sameAnswer(v, answer, unit) || usable.some((u) => sameAnswer(u.value, v, unit))) continue;
    usable.push({ value: v, mistake: m.mistake, ...(m.plausible ? { plausible: true } : {}) });
  }
  const below = usable.filter((m) => m.value < answer);
  const above = usable.filter((m) => m.value > answer);
  const k = Math.min(MAX_CHOICES - 1, usable.length);
  const places: number[] = [];
  for (let r = 0; r <= k; r++) if (r <= below.length && k - r <= above.length) places.push(r);
  const r = places[Math.floor(rng.next() * places.length)];
  const draw = (from: MistakeValue[], n: number): MistakeValue[] => {
    const pool = [...from];
    const out: MistakeValue[] = [];
    while (out.length < n) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]);
    return out;
  };
  const chosen: Choice[] = [{ value: answer, mistake: "" }, ...draw(below, r), ...draw(above, k - r)];
  return chosen.sort((x, y) => (x.value as number) - (y.value as number));
}

/** The unit a bare number means in a reply: said in the prompt, chosen from the choices' middle value. */
export type ReplyUnit = "count" | "ms" | "s" | "min" | "h" | "rate" | "bool";

export function replyUnit(choices: readonly Choice[], unit: Unit): ReplyUnit {
  if (unit !== "ms") return unit;
  const values = choices.map((c) => c.value as number).sort((a, b) => a - b);
  const mid = values[Math.floor((values.length - 1) / 2)] ?? 0;
  if (mid < 1000) return "ms";
  if (mid < 600_000) return "s";
  if (mid < 36_000_000) return "min";
  return "h";
}

const REPLY_UNIT_WORDS: Record<ReplyUnit, string> = { count: "", ms: "milliseconds", s: "seconds", min: "minutes", h: "hours", rate: "per second", bool: "" };

/** What the prompt says about a bare number, e.g. "a bare number is read as seconds"; "" when it needs no unit. */
export function bareNumberNote(u: ReplyUnit): string {
  const word = REPLY_UNIT_WORDS[u];
  return word ? `a bare number is read as ${word}` : "";
}

const MS_PER: Record<string, number> = {
  us: 0.001,
  ms: 1,
  msec: 1,
  msecs: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};
const BARE_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const PART = new RegExp(String.raw`^${NUM}\s*([a-z]+)`);

/**
 * A duration reply in ms: every form esm-sim prints (`250ms`, `1.5s`, `2m 30s`, `2m30s`, `1h 2m`, `3d 4h`), unit
 * words (`2 min 30 sec`), or a bare number in `bare` units. Null when it is none of these.
 */
export function parseDurationReply(text: string, bare: ReplyUnit): number | null {
  const t = text.trim().toLowerCase().replace(/,/g, "");
  if (new RegExp(`^${NUM}$`).test(t)) return Number(t) * (BARE_MS[bare] ?? 1000);
  let rest = t;
  let total = 0;
  let parts = 0;
  while (rest !== "") {
    const m = PART.exec(rest);
    if (!m || MS_PER[m[2]] === undefined) return null;
    total += Number(m[1]) * MS_PER[m[2]];
    parts++;
    rest = rest.slice(m[0].length).replace(/^\s*(?:and\s+)?/, "");
  }
  return parts > 0 && Number.isFinite(total) ? total : null;
}

/** A count or rate reply: `1,200`, `12`, `12/s`, `720/m`. Null when it is not a number. */
function parseNumberReply(text: string, unit: Unit): number | null {
  const t = text.trim().toLowerCase().replace(/,/g, "");
  const m = new RegExp(`^${NUM}\\s*(?:/\\s*(s|sec|second|m|min|minute|h|hour))?$`).exec(t);
  if (!m) return null;
  if (m[2] !== undefined && unit !== "rate") return null;
  const per = m[2] === undefined ? 1 : m[2].startsWith("h") ? 3600 : m[2].startsWith("m") ? 60 : 1;
  return Number(m[1]) / per;
}

export interface Verdict {
  /** What the reply was taken to mean, or null when it was empty or unreadable. */
  given: number | boolean | null;
  correct: boolean;
}

const LETTERS = "abcdefgh";

/** Judge a reply: a choice letter, or the value itself (read as `sameAnswer` reads values). */
export function judge(reply: string | null, choices: readonly Choice[], answer: number | boolean, unit: Unit, bare: ReplyUnit = replyUnit(choices, unit)): Verdict {
  const r = (reply ?? "").trim().toLowerCase().replace(/^([a-h])\)$/, "$1");
  if (r === "") return { given: null, correct: false };
  let given: number | boolean | null = null;
  const li = r.length === 1 ? LETTERS.indexOf(r) : -1;
  if (li >= 0 && li < choices.length) given = choices[li].value;
  else if (typeof answer === "boolean") given = ["yes", "y", "true"].includes(r) ? true : ["no", "n", "false"].includes(r) ? false : null;
  else if (unit === "ms") given = parseDurationReply(r, bare);
  else given = parseNumberReply(r, unit);
  if (given === null) return { given: null, correct: false };
  if (typeof given === "boolean" || typeof answer === "boolean") return { given, correct: given === answer };
  return { given, correct: sameAnswer(given, answer, unit) };
}

export function choiceLetter(i: number): string {
  return LETTERS[i];
}
