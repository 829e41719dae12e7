/** `esm-sim explain`: run a scenario and narrate the moments that matter, each with its rule and AWS page. */
import { explain, parseWindow } from "../explain/explain.js";
import { optionalSeed, optionalUntil } from "./args.js";
import { resolveScenario } from "./catalogue.js";
import type { CommandContext, Io } from "./context.js";
import { parseOrReport, refuseOptions, useColor } from "./printing.js";
import { readScenarioFile } from "./files.js";
import { OptionProblems } from "./usage-error.js";
import { outputWidth } from "./width.js";

export interface ExplainOpts {
  seed?: string;
  until?: string;
  verbose?: boolean;
  at?: string;
  color: boolean;
}

export function explainCommand(ctx: CommandContext, arg: string, opts: ExplainOpts): void {
  const given = new OptionProblems();
  const seed = given.read(() => optionalSeed(opts.seed));
  const untilUs = given.read(() => optionalUntil(opts.until));
  const window = opts.at === undefined ? null : parseWindow(opts.at);
  if (typeof window === "string") given.problems.push(window);
  if (given.problems.length > 0 || typeof window === "string") return refuseOptions(ctx, given.problems, arg, { seed, untilUs });
  const file = resolveScenario(arg);
  const parsed = parseOrReport(ctx, readScenarioFile(file), file, { seed, untilUs });
  if (!parsed) return;
  const reproduce = `esm-sim explain ${arg} --seed ${parsed.scenario.seed}${opts.until ? ` --until ${opts.until}` : ""}`;
  ctx.reproduce = reproduce;
  const { sink, flush } = lineSink(ctx.io);
  let result;
  try {
    result = explain(parsed.scenario, { verbose: Boolean(opts.verbose), window, color: useColor(ctx.io, opts.color), width: outputWidth(ctx.io) }, sink);
  } finally {
    flush();
  }
  if (result.report.expectations.some((e) => !e.passed)) {
    ctx.io.err(`reproduce: ${reproduce}\n`);
    ctx.code = 1;
  }
}

/** Lines are written in blocks, not one write per line. */
function lineSink(io: Io): { sink: (l: string) => void; flush: () => void } {
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
