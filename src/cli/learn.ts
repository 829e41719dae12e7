/**
 * The learning commands: `explain` (run and narrate), `scenarios` (the catalogue) and `quiz` (a question about
 * a scenario, answered by running it). Registered on the program by main.ts; all printing goes through Io.
 */
import { randomInt } from "node:crypto";
import chalk from "chalk";
import { Option, type Command } from "commander";
import { explain, parseWindow } from "../explain/explain.js";
import { answerExpr, answerValue, choiceLetter, choicesFor, formatValue, judge, measureFor, pickQuestion, unitOf, type CatalogueEntry } from "../explain/quiz.js";
import { parseScenario } from "../scenario/parse.js";
import type { Problem } from "../scenario/problems.js";
import { loadCatalogue, resolveScenario } from "./catalogue.js";
import { readScenarioFile, UsageError } from "./files.js";

export interface LearnIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
  /** One line of input (the quiz answer), or null at end of input. */
  readLine?: () => Promise<string | null>;
}

export interface LearnHelpers {
  parseSeed: (s: string) => number;
  parseUntil: (s: string) => number;
  printProblems: (problems: Problem[]) => void;
  printWarnings: (warnings: Problem[]) => void;
  setCode: (code: number) => void;
  setReproduce: (line: string) => void;
}

interface ExplainOpts {
  seed?: string;
  until?: string;
  verbose?: boolean;
  at?: string;
  color: boolean;
}

/** Lines are written in blocks, not one write per line. */
function lineSink(io: LearnIo): { sink: (l: string) => void; flush: () => void } {
  let buf: string[] = [];
  const flush = () => {
    if (buf.length) io.out(buf.join("\n") + "\n");
    buf = [];
  };
  return {
    sink: (l) => {
      buf.push(l);
      if (buf.length >= 2000) flush();
    },
    flush,
  };
}

export function registerLearnCommands(program: Command, io: LearnIo, h: LearnHelpers): void {
  program
    .command("explain")
    .description("run a scenario and narrate the moments that matter, each with its rule and AWS page")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario (esm-sim scenarios)")
    .option("--seed <n>", "seed for every random draw (overrides the scenario's seed)")
    .option("--until <duration>", "stop at this virtual time, e.g. 30m")
    .option("--verbose", "show every step (all but the once-a-second samples) instead of folding repetition")
    .option("--at <time>", "zoom: 10m..12m, ..90s, 1h.., 10m (30 s either side) or 10m+-5s")
    .option("--no-color", "no colours (colours are used only on a terminal anyway)")
    .action((arg: string, opts: ExplainOpts) => {
      const seed = opts.seed === undefined ? undefined : h.parseSeed(opts.seed);
      const untilUs = opts.until === undefined ? undefined : h.parseUntil(opts.until);
      const window = opts.at === undefined ? null : parseWindow(opts.at);
      if (typeof window === "string") throw new UsageError(window);
      const file = resolveScenario(arg);
      const parsed = parseScenario(readScenarioFile(file), file, { seed, untilUs });
      h.printWarnings(parsed.warnings);
      if (!parsed.ok) {
        h.printProblems(parsed.errors);
        h.setCode(2);
        return;
      }
      const reproduce = `esm-sim explain ${arg} --seed ${parsed.scenario.seed}${opts.until ? ` --until ${opts.until}` : ""}`;
      h.setReproduce(reproduce);
      const color = opts.color && io.isTty && chalk.level > 0;
      const { sink, flush } = lineSink(io);
      let result;
      try {
        result = explain(parsed.scenario, { verbose: Boolean(opts.verbose), window, color }, sink);
      } finally {
        flush();
      }
      if (result.report.expectations.some((e) => !e.passed)) {
        io.err(`reproduce: ${reproduce}\n`);
        h.setCode(1);
      }
    });

  program
    .command("scenarios")
    .description("list the shipped scenarios and the concept each one shows")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action((opts: { format: string }) => {
      const entries = loadCatalogue();
      if (opts.format === "json") {
        const rows = entries.map((e) => ({ name: e.name, concept: e.scenario.concept, description: e.scenario.description.trim(), questions: e.scenario.quiz.length }));
        io.out(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      io.out(renderCatalogue(entries));
    });

  program
    .command("quiz")
    .description("answer a question about a shipped scenario, then watch the run that answers it")
    .argument("[scenario]", "a shipped scenario's name, or a scenario file with a quiz: block (default: any)")
    .option("--seed <n>", "picks the scenario, the question and the choices (default: random, printed)")
    .option("--strict", "exit 1 when the answer is wrong (default: exit 0 either way)")
    .option("--no-color", "no colours")
    .action(async (arg: string | undefined, opts: { seed?: string; strict?: boolean; color: boolean }) => {
      const seed = opts.seed === undefined ? randomInt(0, 2 ** 31) : h.parseSeed(opts.seed);
      let entries: CatalogueEntry[];
      let name: string | undefined;
      let text: string | null = null;
      const file = arg === undefined ? null : resolveScenario(arg);
      if (file !== null && file === arg) {
        // A scenario file of the user's own, with a quiz: block.
        text = readScenarioFile(file);
        const parsed = parseScenario(text, file);
        h.printWarnings(parsed.warnings);
        if (!parsed.ok) {
          h.printProblems(parsed.errors);
          h.setCode(2);
          return;
        }
        name = file;
        entries = [{ name, scenario: parsed.scenario }];
      } else {
        entries = loadCatalogue();
        name = arg?.replace(/\.ya?ml$/, "");
      }
      const pick = pickQuestion(entries, seed, name);
      if (!pick) {
        const withQuiz = entries.filter((e) => e.scenario.quiz.length > 0).map((e) => e.name);
        throw new UsageError(`${name ?? "the catalogue"} has no quiz questions${withQuiz.length ? `; scenarios with questions: ${withQuiz.join(", ")}` : ""}`);
      }
      const s = pick.entry.scenario;
      if (text === null) text = readScenarioFile(resolveScenario(pick.entry.name));
      h.setReproduce(`esm-sim quiz ${pick.entry.name} --seed ${seed}`);

      // Run first (silently): the answer and the narration come from the same run.
      const expr = answerExpr(pick.question);
      const measure = measureFor(expr);
      const color = opts.color && io.isTty && chalk.level > 0;
      const story: string[] = [];
      const result = explain(s, { header: false, footer: true, color, measures: measure ? [measure] : [] }, (l) => story.push(l));
      const answer = answerValue(expr, result.report, measure);
      const unit = unitOf(expr);
      const choices = choicesFor(answer, unit, seed);

      const lines = [
        `esm-sim quiz · ${pick.entry.name}${s.concept ? ` · ${s.concept}` : ""}`,
        `(quiz seed ${seed}: \`esm-sim quiz ${arg === undefined ? "" : `${arg} `}--seed ${seed}\` asks this again)`,
        "",
        "With these settings:",
        ...settingsText(text).map((l) => `  ${l}`),
        "",
        `Question: ${pick.question.ask}`,
        "  " + choices.map((c, i) => `${choiceLetter(i)}) ${formatValue(c, unit)}`).join("   "),
        "",
      ];
      io.out(lines.join("\n") + "\n");
      io.out(`Your answer (${choiceLetter(0)}-${choiceLetter(choices.length - 1)}, or a value): `);
      const reply = io.readLine ? await io.readLine() : null;
      if (!io.isTty) io.out(`${reply ?? ""}\n`);

      const verdict = judge(reply, choices, answer, unit);
      const letter = choiceLetter(choices.findIndex((c) => c === answer));
      const shown = `${formatValue(answer, unit)} (${letter})`;
      const unread = reply !== null && reply.trim() !== "" ? `Could not read ${JSON.stringify(reply.trim())} as an answer (a choice letter, or a value such as ${formatValue(choices[0], unit)}). ` : "No answer read. ";
      const head = verdict.given === null ? `${unread}The run says ${shown}.` : verdict.correct ? `Right: ${shown}.` : `Not quite: you said ${formatValue(verdict.given, unit)}; the run says ${shown}.`;
      io.out(["", head, `(computed from ${pick.question.answer} of this run; \`esm-sim run ${pick.entry.name}\` shows the full report)`, "", "What happened and why:", "", ...story].join("\n") + "\n");
      if (opts.strict && !verdict.correct) h.setCode(1);
    });
}

export function renderCatalogue(entries: readonly CatalogueEntry[]): string {
  const w = Math.max(8, ...entries.map((e) => e.name.length));
  const lines = [`${"scenario".padEnd(w)}  quiz  concept`];
  for (const e of entries) lines.push(`${e.name.padEnd(w)}  ${String(e.scenario.quiz.length).padStart(4)}  ${e.scenario.concept || "-"}`);
  lines.push("", "esm-sim run <scenario>      the report         esm-sim explain <scenario>  the story, rule by rule", "esm-sim quiz [<scenario>]   a question first   (a scenario is a shipped name or a file path)");
  return lines.join("\n") + "\n";
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
