/** `esm-sim validate`: check a scenario and print every problem and warning, without running it. */
import { readOverrides } from "./args.js";
import { resolveScenario } from "./catalogue.js";
import type { CommandContext } from "./context.js";
import { parseOrReport, refuseOptions } from "./printing.js";
import { OptionProblems } from "./usage-error.js";
import { readScenarioFile } from "./files.js";
import { shownScenarioFile } from "../io/shown-path.js";

export function validateCommand(ctx: CommandContext, arg: string, opts: { set: string[] }): void {
  const given = new OptionProblems();
  const overrides = readOverrides(opts.set, given);
  if (given.problems.length > 0) return refuseOptions(ctx, given.problems, arg, { overrides });
  const file = resolveScenario(arg);
  const parsed = parseOrReport(ctx, readScenarioFile(file), file, { overrides });
  if (!parsed) return;
  const w = parsed.warnings.length;
  ctx.io.out(`${shownScenarioFile(arg)}: valid${w ? ` (${w} warning${w > 1 ? "s" : ""})` : ""}\n`);
}
