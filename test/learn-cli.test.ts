import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { execFileSync } from "node:child_process";
import { resolveScenario, shippedNames } from "../src/cli/catalogue.js";
import { settingsText } from "../src/cli/quiz.js";
import { bareNumberNote, choicesFor, judge, parseDurationReply, pickQuestion, replyUnit, type CatalogueEntry } from "../src/explain/quiz.js";
import { genericLesson, LESSONS } from "../src/explain/quiz-lessons.js";
import { RULES } from "../src/explain/rules.js";
import { parseAnswer } from "../src/scenario/quiz-answer.js";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import { namedFiles, runWithTrace, scenarioFrom, SCENARIO_DIR, shippedScenarios } from "./helpers.js";
import { cli, cliAnswering, scratch } from "./cli-helpers.js";

const { write } = scratch("esm-sim-learn-");

describe("the catalogue", () => {
  it.each(shippedScenarios().map((s) => [s.file, s.text] as const))("%s names its concept and asks at least one question", (file, text) => {
    const parsed = parseScenario(text, file, { files: namedFiles(text, file) });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.scenario.concept.length).toBeGreaterThan(5);
    expect(parsed.scenario.quiz.length).toBeGreaterThan(0);
  });

  it("covers every SQS concept of the brief with a scenario", () => {
    const concepts = shippedScenarios().map((s) => scenarioFrom(s.text, s.file).concept);
    for (const c of [
      "polling and synchronous invocation",
      "SQS long polling and batch size",
      "batch window for low traffic",
      "visibility timeout and the 6x recommendation",
      "the DLQ on the queue, not the function",
      "standard queues not keeping order",
      "the SQS scale-up rate",
      "failed batches returning as individual messages and regrouping",
      "duplicates without errors",
      "deletion after success",
      "the 6 MB payload limit",
    ]) {
      expect(concepts).toContain(c);
    }
  });

  it("lists each shipped scenario with its concept", async () => {
    const r = await cli("scenarios");
    expect(r.code).toBe(0);
    for (const name of shippedNames()) expect(r.out).toMatch(new RegExp(`^${name} +\\d+  \\S`, "m"));
    expect(r.out).toMatch(/^sqs-poison-message-dlq +2  the DLQ on the queue, not the function$/m);
    const json = JSON.parse((await cli("scenarios", "--format", "json")).out);
    expect(json.map((e: { name: string }) => e.name)).toEqual(shippedNames());
  });
});

describe("scenarios by name", () => {
  it("runs and explains a shipped scenario by its name", async () => {
    const run = await cli("run", "learn-sqs-polling-synchronous");
    expect(run.code).toBe(0);
    expect(run.out).toContain("esm-sim · learn-sqs-polling-synchronous");
    const ex = await cli("explain", "learn-sqs-polling-synchronous.yaml");
    expect(ex.code).toBe(0);
    expect(ex.out).toContain("esm-sim explain · learn-sqs-polling-synchronous · seed 1");
    expect(ex.out).toContain("Concept: polling and synchronous invocation");
    expect(ex.out).toContain("Expectations: all 4 passed");
  });

  it("refuses an unknown name with exit 2 and a suggestion", async () => {
    const r = await cli("explain", "sqs-poison-mesage-dlq");
    expect(r.code).toBe(2);
    expect(r.err).toBe('esm-sim: sqs-poison-mesage-dlq: no such file, and no shipped scenario has that name (did you mean "sqs-poison-message-dlq"?); `esm-sim scenarios` lists them\n');
    expect((await cli("run", "nothing-like-it")).err).not.toContain("did you mean");
  });

  it("lets an existing path win over a shipped name", () => {
    const cwd = process.cwd();
    const { dir: local, write: writeLocal } = scratch("esm-sim-cwd-");
    writeLocal("sqs-backlog-burst", "name: mine\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n");
    try {
      process.chdir(local);
      expect(resolveScenario("sqs-backlog-burst")).toBe("sqs-backlog-burst");
      expect(resolveScenario("sqs-poison-message-dlq")).toBe(join(SCENARIO_DIR, "sqs-poison-message-dlq.yaml"));
    } finally {
      process.chdir(cwd);
    }
  });

  it("finds shipped scenarios from any directory through the installed bin", () => {
    const bin = join(__dirname, "..", "bin", "esm-sim.js");
    const out = execFileSync(process.execPath, [bin, "explain", "learn-sqs-payload-limit", "--no-color"], { cwd: tmpdir(), encoding: "utf8" });
    expect(out.replace(/\s+/g, " ")).toContain("(30 messages): the batch closed because one more message would have pushed the invocation payload past 6 MB");
  });

  it("explain exits 1 with a reproduce line when an expectation fails, and 2 on a bad --at", async () => {
    const p = write("fails.yaml", "name: f\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 3 }]\nexpect:\n  records.succeeded: { eq: 4 }\n");
    const r = await cli("explain", p, "--seed", "4");
    expect(r.code).toBe(1);
    expect(r.out).toContain("[FAIL] records.succeeded = 4 (actual 3)");
    expect(r.err).toContain(`reproduce: esm-sim explain ${p} --seed 4`);
    const bad = await cli("explain", p, "--at", "later");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--at: must be a time such as 10m");
  });

  it("explain --at zooms and --verbose shows every step", async () => {
    const zoom = await cli("explain", "sqs-poison-message-dlq", "--at", "110s");
    expect(zoom.out).toContain("(zoomed to 00:01:20.000 .. 00:02:20.000;");
    const all = await cli("explain", "learn-sqs-polling-synchronous", "--verbose");
    expect(all.out.match(/Poller \d+ receives/g)?.length).toBeGreaterThan(0);
  });
});

describe("quiz", () => {
  /** The poison message's deliveries, counted straight from the JSONL trace. */
  const poisonDeliveries = () => {
    const { lines } = runWithTrace(scenarioFrom(readFileSync(join(SCENARIO_DIR, "sqs-poison-message-dlq.yaml"), "utf8")));
    const trace = lines.map((l) => JSON.parse(l));
    const poison = trace.filter((e) => e.type === "produce" && e.key === "poison").map((e) => e.recordId);
    expect(poison).toHaveLength(1);
    return trace.filter((e) => e.type === "invoke" && e.recordIds.includes(poison[0])).length;
  };

  it("answers from the run: the poison message's deliveries counted in the trace", async () => {
    expect(poisonDeliveries()).toBe(5);
    const seed = findSeed("sqs-poison-message-dlq", 0);
    const r = await cliAnswering("5", "quiz", "sqs-poison-message-dlq", "--seed", String(seed));
    expect(r.code).toBe(0);
    expect(r.out).toContain("Question: With maxReceiveCount 5, how many times is the poison message delivered to the function?");
    expect(r.out).toMatch(/Right: 5 \([a-c]\)\./);
    expect(r.out).toContain("Concept: maxReceiveCount and the redrive policy\n");
    expect(r.out).toContain("(computed from invocations[key=poison] of this run;");
    expect(r.out).toContain("The rule: the DLQ belongs to the source queue (RedrivePolicy), not to the function\n  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html\n");
    expect(r.out).toContain("The other choices, and the mistake behind each:");
    expect(r.out).toContain("What happened and why:");
    expect(r.out).toContain("msg-000050 moves to the dead-letter queue");
  });

  it("takes a choice letter, says when it is wrong, and exits 1 on a wrong answer only with --strict", async () => {
    const seed = findSeed("sqs-poison-message-dlq", 1);
    const first = await cliAnswering("a", "quiz", "sqs-poison-message-dlq", "--seed", String(seed));
    const choices = /\n {2}a\) (\S+) {3}b\) (\S+) {3}c\) (\S+)\n/.exec(first.out);
    expect(choices).not.toBeNull();
    expect(choices!.slice(1)).toContain("2");
    const wrongLetter = "abc"[choices!.slice(1).findIndex((c) => c !== "2")];
    const lax = await cliAnswering(wrongLetter, "quiz", "sqs-poison-message-dlq", "--seed", String(seed));
    expect(lax.code).toBe(0);
    expect(lax.out).toMatch(/Not quite: you said \d+; the run says 2 \([a-c]\)\./);
    const strict = await cliAnswering(wrongLetter, "quiz", "sqs-poison-message-dlq", "--seed", String(seed), "--strict");
    expect(strict.code).toBe(1);
    const right = await cliAnswering("abc"[choices!.slice(1).indexOf("2")], "quiz", "sqs-poison-message-dlq", "--seed", String(seed), "--strict");
    expect(right.code).toBe(0);
    expect(right.out).toContain("Right: 2");
  });

  it("does not call an answer a mistake when it is what another plausible value of one of esm-sim's chosen figures gives", async () => {
    // learn-cold-starts: 15 cold starts is the run with idle environments kept through the run (environmentIdleLifetimeMs
    // 3,600,000, inside its plausible 300,000..3,600,000 ms: AWS publishes no lifetime).
    const r = await cliAnswering("15", "quiz", "learn-cold-starts", "--seed", "3");
    expect(r.out).toMatch(/The run says 32 \([a-c]\); you said 15, which another plausible value of a figure AWS does not publish gives \(below\): not a mistake about AWS's rules\./);
    expect(r.out.replace(/\s+/g, " ")).toContain("as plausible as the run's answer: AWS publishes no figure here, and esm-sim chose one (plausible environmentIdleLifetimeMs 300,000..3,600,000 ms)");
    expect(r.out).not.toContain("Not quite");
    // A mistake about AWS's rules is still told as one.
    const poison = await cliAnswering("2", "quiz", "sqs-poison-message-dlq", "--seed", String(findSeed("sqs-poison-message-dlq", 0)));
    expect(poison.out).not.toContain("as plausible as the run's answer");
  });

  it("says so when no answer is read, and hides the parts of the scenario that give the answer away", async () => {
    const r = await cliAnswering(null, "quiz", "sqs-visibility-too-short", "--seed", "3");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No answer read\. The run says 10 \([a-c]\)\./);
    const settings = r.out.slice(r.out.indexOf("With these settings:"), r.out.indexOf("Question:"));
    expect(settings).toContain("VisibilityTimeout: 30");
    expect(settings).not.toContain("expect:");
    expect(settings).not.toContain("duplicates");
    expect(settings).not.toContain("description");
  });

  it("says when a reply cannot be read", async () => {
    const r = await cliAnswering("lots", "quiz", "sqs-visibility-too-short", "--seed", "3");
    expect(r.out).toMatch(/Could not read "lots" as an answer \(a choice letter, or a value such as \d+\)\. The run says 10 \([a-c]\)\./);
  });

  it("picks the same question for the same seed, and any catalogue scenario without a name", async () => {
    const a = await cliAnswering("a", "quiz", "--seed", "11");
    const b = await cliAnswering("a", "quiz", "--seed", "11");
    expect(a.out).toBe(b.out);
    expect(a.out).toMatch(/^esm-sim quiz · \S+/);
    expect(a.out).toContain("(quiz seed 11: `esm-sim quiz --seed 11` asks this again)");
  });

  it("quizzes on a user's own scenario file, and refuses a scenario without questions", async () => {
    const p = write("own.yaml", "name: own\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 30 }]\nquiz:\n  - ask: How many invocations?\n    answer: invocations[closedBy=size]\n");
    const r = await cliAnswering("3", "quiz", p, "--seed", "1");
    expect(r.out).toContain("Question: How many invocations?");
    expect(r.out).toContain("Right: 3");
    const q = write("noquiz.yaml", "name: nq\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n");
    const none = await cli("quiz", q);
    expect(none.code).toBe(2);
    expect(none.err).toContain(`esm-sim: ${q} has no quiz questions`);
  });

  it("answers invocations[closedBy=visibility] with the trace's batches closed before their first message's visibility ran out", async () => {
    // A 30 s window on a 10 s visibility timeout: every batch is invoked 3 s before its first message would be visible again.
    const yaml = "name: vq\nsource: { type: sqs, VisibilityTimeout: 10 }\ntraffic: [{ rate: 1/s, from: 0s, to: 1m }]\nmapping: { BatchSize: 1000, MaximumBatchingWindowInSeconds: 30 }\nfunction: { Timeout: 5, duration: { base: 200ms } }\n";
    const closed = runWithTrace(scenarioFrom(yaml)).events.filter((e) => e.type === "invoke" && e.closedBy === "visibility").length;
    expect(closed).toBeGreaterThan(10);
    const p = write("vq.yaml", yaml + "quiz:\n  - ask: How many batches closed for visibility?\n    answer: invocations[closedBy=visibility]\n");
    const r = await cliAnswering(String(closed), "quiz", p, "--seed", "1");
    expect(r.out).toContain(`Right: ${closed}`);
    expect(r.code).toBe(0);
  });

  it("accepts every duration form esm-sim prints, and a bare number in the unit the prompt names", async () => {
    const seed = findSeed("sqs-backlog-burst-legacy", 0);
    for (const reply of ["3m 16s", "3m16s", "196s", "3.3m", "3 min 16 sec", "196"]) {
      const r = await cliAnswering(reply, "quiz", "sqs-backlog-burst-legacy", "--seed", String(seed), "--strict");
      expect(r.out, reply).toContain("Your answer (a-c, or a value; a bare number is read as seconds): ");
      expect(r.out, reply).toMatch(/Right: 3m 16s \([a-c]\)\./);
      expect(r.code, reply).toBe(0);
    }
    const wrong = await cliAnswering("1m 30s", "quiz", "sqs-backlog-burst-legacy", "--seed", String(seed));
    expect(wrong.out).toContain("Not quite: you said 1m 30s; the run says 3m 16s");
  });

  it("builds its choices from the mistakes, ascending, the answer among them and none that reads as it", () => {
    const mistakes = [
      { value: 0, mistake: "none" },
      { value: 2, mistake: "two" },
      { value: 60, mistake: "sixty" },
      { value: 120, mistake: "all" },
      { value: 25.4, mistake: "reads as the answer" },
      { value: 121, mistake: "reads as 120" },
    ];
    const places = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const c = choicesFor(25, mistakes, "count", seed);
      expect(c).toHaveLength(3);
      expect(c.map((x) => x.value)).toContain(25);
      expect([...c].sort((x, y) => (x.value as number) - (y.value as number))).toEqual(c);
      expect(c.filter((x) => x.mistake === "").map((x) => x.value)).toEqual([25]);
      expect(c.map((x) => x.mistake)).not.toContain("reads as the answer");
      expect(choicesFor(25, mistakes, "count", seed)).toEqual(c);
      places.add(c.findIndex((x) => x.value === 25));
    }
    // two mistakes on each side: the answer is the smallest, the middle or the largest choice, by seed
    expect([...places].sort()).toEqual([0, 1, 2]);
    expect(choicesFor(0, [{ value: 3, mistake: "x" }], "count", 1).map((c) => c.value)).toEqual([0, 3]);
    expect(choicesFor(true, [{ value: NaN, mistake: "why not" }], "bool", 1)).toEqual([
      { value: true, mistake: "" },
      { value: false, mistake: "why not" },
    ]);
  });

  it.each([
    ["b", [4, 5, 10], 5, "count", { given: 5, correct: true }],
    ["b)", [4, 5, 10], 5, "count", { given: 5, correct: true }],
    ["5", [4, 5, 10], 5, "count", { given: 5, correct: true }],
    ["1,000", [999, 1000, 2000], 1000, "count", { given: 1000, correct: true }],
    ["6", [4, 5, 10], 5, "count", { given: 6, correct: false }],
    ["598", [300, 600, 1800], 600, "count", { given: 598, correct: true }],
    ["5m 1s", [60_000, 300_936, 86_400_000], 300_936, "ms", { given: 301_000, correct: true }],
    ["2m 30s", [150_000, 300_000, 600_000], 150_000, "ms", { given: 150_000, correct: true }],
    ["2m30s", [150_000, 300_000, 600_000], 150_000, "ms", { given: 150_000, correct: true }],
    ["1h 2m", [60_000, 3_720_000, 7_200_000], 3_720_000, "ms", { given: 3_720_000, correct: true }],
    ["1.5s", [500, 1500, 60_000], 1500, "ms", { given: 1500, correct: true }],
    ["250ms", [80, 250, 1000], 250, "ms", { given: 250, correct: true }],
    ["2", [1000, 2000, 60_000], 2000, "ms", { given: 2000, correct: true }],
    ["250", [80, 250, 500], 250, "ms", { given: 250, correct: true }],
    ["3m", [20_000, 196_000, 4_000_000], 196_000, "ms", { given: 180_000, correct: true }],
    ["2m", [20_000, 196_000, 4_000_000], 196_000, "ms", { given: 120_000, correct: false }],
    ["12/s", [6, 12, 24], 12, "rate", { given: 12, correct: true }],
    ["", [4, 5, 10], 5, "count", { given: null, correct: false }],
    ["z", [4, 5, 10], 5, "count", { given: null, correct: false }],
    ["5 apples", [4, 5, 10], 5, "count", { given: null, correct: false }],
  ] as const)("judges the reply %j", (reply, values, answer, unit, verdict) => {
    const choices = values.map((value) => ({ value, mistake: value === answer ? "" : "m" }));
    expect(judge(reply, choices, answer, unit)).toEqual(verdict);
  });

  it("names the unit a bare number is read in, from the choices' middle value", () => {
    const c = (...v: number[]) => v.map((value) => ({ value, mistake: "" }));
    expect(replyUnit(c(80, 250, 1000), "ms")).toBe("ms");
    expect(replyUnit(c(1000, 30_000, 90_000), "ms")).toBe("s");
    expect(replyUnit(c(60_000, 2_400_000, 4_000_000), "ms")).toBe("min");
    expect(replyUnit(c(300_000, 86_400_000, 604_800_000), "ms")).toBe("h");
    expect(bareNumberNote("s")).toBe("a bare number is read as seconds");
    expect(bareNumberNote("count")).toBe("");
    expect(parseDurationReply("1d 2h", "s")).toBe(93_600_000);
    expect(parseDurationReply("1 hour and 2 minutes", "s")).toBe(3_720_000);
    expect(parseDurationReply("2 weeks", "s")).toBeNull();
  });

  it("has a lesson for every shipped question: its concept, its rule, and mistakes enough for three choices", async () => {
    for (const { file, text } of shippedScenarios()) {
      const name = basename(file).replace(/\.yaml$/, "");
      const scenario = scenarioFrom(text, file);
      for (const q of scenario.quiz) {
        const lesson = LESSONS[name]?.[q.answer];
        expect(lesson, `${name}: ${q.answer}`).toBeDefined();
        expect(RULES[lesson!.rule], `${name}: ${q.answer}`).toBeDefined();
        expect(lesson!.concept.length).toBeGreaterThan(5);
      }
      for (const answer of Object.keys(LESSONS[name] ?? {})) expect(scenario.quiz.map((q) => q.answer), `${name}: ${answer} is asked`).toContain(answer);
    }
    expect(Object.keys(LESSONS).filter((n) => !shippedScenarios().some((s) => basename(s.file) === `${n}.yaml`))).toEqual([]);
  });

  it("builds a lesson for a question of the user's own from its settings", () => {
    const s = scenarioFrom("name: own\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 30 }]\nmapping: { BatchSize: 20, MaximumBatchingWindowInSeconds: 2 }\nquiz:\n  - { ask: q, answer: invocations.total }\n");
    const lesson = genericLesson(s, "invocations.total");
    expect(lesson.rule).toBe("pollingSync");
    expect(lesson.mistakes.map((m) => ("set" in m ? m.set.join(" ") : m.mistake))).toEqual([
      "profile=nov-2023",
      "profile=legacy-2022",
      "mapping.BatchSize=10 mapping.MaximumBatchingWindowInSeconds=0",
      "if every batch were full (records / BatchSize)",
    ]);
  });

  it("validates answers where the scenario says them, with what is allowed", () => {
    const base = "name: q\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nquiz:\n  - ask: How many?\n    answer: ";
    const errs = (a: string) => {
      const r = parseScenario(base + a + "\n", "q.yaml");
      return r.ok ? [] : r.errors.map(formatProblem);
    };
    expect(errs("records.dlq")).toEqual([]);
    expect(errs("invocations[key=poison]")).toEqual([]);
    expect(errs("records.dlqq")).toEqual(['q.yaml:6:13 quiz[0].answer: must be a report field (e.g. records.dlq, concurrency.max) or a trace count such as invocations[key=poison] (got "records.dlqq")']);
    expect(errs("deliveries[key=x]")[0]).toContain("the trace counts are invocations, dlq, receives");
    expect(errs("invocations[closedBy=visibility]")).toEqual([]);
    expect(errs("invocations[closedBy=timeout]")[0]).toContain("closedBy must be one of size, window, payload, available, visibility");
    expect(errs("dlq[closedBy=size]")[0]).toContain("dlq[...] may select by key or record");
    expect(parseAnswer("invocations[attempt=0]")).toContain("attempt must be a whole number");
  });

  it("chooses deterministically among the scenarios that have questions", () => {
    const s = scenarioFrom("name: a\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nquiz:\n  - { ask: x, answer: records.dlq }\n  - { ask: y, answer: duplicates }\n");
    const t = scenarioFrom("name: b\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n");
    const entries: CatalogueEntry[] = [
      { name: "a", scenario: s },
      { name: "b", scenario: t },
    ];
    for (let seed = 0; seed < 20; seed++) expect(pickQuestion(entries, seed)?.entry.name).toBe("a");
    const asked = new Set(Array.from({ length: 20 }, (_, seed) => pickQuestion(entries, seed)?.question.ask));
    expect(asked).toEqual(new Set(["x", "y"]));
    expect(pickQuestion(entries, 1, "b")).toBeNull();
  });

  it("shows the settings without description, expect, quiz and comments", () => {
    expect(settingsText("name: x\ndescription: >\n  secret answer\nsource:\n  type: sqs # hint\n# comment\nexpect:\n  records.dlq: { eq: 2 }\nquiz:\n  - ask: q\n")).toEqual(["name: x", "source:", "  type: sqs # hint"]);
  });
});

/** A quiz seed that picks question `index` of the named scenario. */
function findSeed(name: string, index: number): number {
  const s = scenarioFrom(readFileSync(join(SCENARIO_DIR, `${name}.yaml`), "utf8"));
  const entries: CatalogueEntry[] = [{ name, scenario: s }];
  for (let seed = 0; seed < 1000; seed++) if (pickQuestion(entries, seed, name)?.index === index) return seed;
  throw new Error("no seed");
}
