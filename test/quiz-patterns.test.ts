/**
 * A learner who picks by pattern instead of by the rule does no better than chance. Over 100 quiz seeds (each
 * picks a shipped question and draws its choices, as `esm-sim quiz --seed N` does), five such learners answer:
 * the smallest value, the largest, the lower and the upper middle one, and the odd one out (the value farthest,
 * on a log scale, from its nearest neighbour).
 *
 * The bound asserted: each learner's number of right answers is at most chance + 2 sigma, where chance is the sum
 * over the seeds of 1/k (k: that question's number of choices) and sigma the standard deviation of the number of
 * right answers of a learner who picks at random (the square root of the sum of p(1-p), p = 1/k). A learner
 * guessing at random stays under it about 98 times in 100; a pattern that told the answer from its place among the
 * choices (the old choices, the answer with its neighbours 598/599/600 and a far 1,800, gave it away to the middle
 * value every time) would be far above it.
 */
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { askQuestion, type Asked } from "../src/explain/quiz-ask.js";
import { choicesFor, pickQuestion, type CatalogueEntry } from "../src/explain/quiz.js";
import { scenarioFrom, shippedScenarios } from "./helpers.js";

type Values = number[];
const STRATEGIES: Record<string, (v: Values) => number> = {
  smallest: () => 0,
  largest: (v) => v.length - 1,
  "lower middle": (v) => Math.floor((v.length - 1) / 2),
  "upper middle": (v) => Math.ceil((v.length - 1) / 2),
  "odd one out": (v) => {
    const logs = v.map((x) => Math.log10(1 + Math.abs(x)));
    let best = 0;
    let farthest = -1;
    logs.forEach((x, i) => {
      const nearest = Math.min(...logs.filter((_, j) => j !== i).map((y) => Math.abs(x - y)));
      if (nearest > farthest) {
        farthest = nearest;
        best = i;
      }
    });
    return best;
  },
};

describe("quiz choices against a learner who picks by pattern", () => {
  it("no pattern scores above chance + 2 sigma over 100 seeds", () => {
    const shipped = shippedScenarios();
    const entries: CatalogueEntry[] = shipped.map(({ file, text, files }) => ({ name: basename(file).replace(/\.yaml$/, ""), scenario: scenarioFrom(text, file), files }));
    const texts = new Map(shipped.map(({ file, text }) => [basename(file).replace(/\.yaml$/, ""), text]));
    // The runs behind a question (its answer and its mistakes) do not depend on the seed: asked once, then drawn per seed.
    const asked = new Map<string, Asked>();
    const hits = Object.fromEntries(Object.keys(STRATEGIES).map((k) => [k, 0]));
    let chance = 0;
    let variance = 0;
    for (let seed = 0; seed < 100; seed++) {
      const pick = pickQuestion(entries, seed)!;
      const key = `${pick.entry.name} ${pick.question.answer}`;
      if (!asked.has(key)) asked.set(key, askQuestion(pick, seed, { color: false, width: 100, text: texts.get(pick.entry.name)! }));
      const a = asked.get(key)!;
      const choices = choicesFor(a.answer, a.mistakes, a.unit, seed);
      if (a.seed === seed) expect(choices).toEqual(a.choices);
      const values = choices.map((c) => Number(c.value));
      const right = choices.findIndex((c) => c.value === a.answer);
      const p = 1 / choices.length;
      chance += p;
      variance += p * (1 - p);
      for (const [name, pickBy] of Object.entries(STRATEGIES)) if (pickBy(values) === right) hits[name]++;
    }
    const bound = chance + 2 * Math.sqrt(variance);
    for (const [name, n] of Object.entries(hits)) expect(n, `${name}: ${n} right, chance ${chance.toFixed(1)}, bound ${bound.toFixed(1)}`).toBeLessThanOrEqual(bound);
    // Most shipped questions are asked along the way.
    expect(asked.size).toBeGreaterThan(30);
  }, 600_000);
});
