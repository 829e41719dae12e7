/** `esm-sim validate`: check a scenario and print every problem and warning, without running it. */
import type { Command } from "commander";
import { collect, parseOverrides } from "./args.js";
import { resolveScenario } from "./catalogue.js";
import type { CommandContext } from "./context.js";
import { parseOrReport } from "./printing.js";
import { readScenarioFile } from "./files.js";

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description("check a scenario and print every problem and warning, without running it")
    .argument("<scenario>", "scenario YAML file, or the name of a shipped scenario")
    .option("--set <path=value>", "override a scenario key before validation (repeatable)", collect, [])
    .action((arg: string, opts: { set: string[] }) => {
      const overrides = parseOverrides(opts.set);
      const file = resolveScenario(arg);
      const parsed = parseOrReport(ctx, readScenarioFile(file), file, { overrides });
      if (!parsed) return;
      const w = parsed.warnings.length;
      ctx.io.out(`${arg}: valid${w ? ` (${w} warning${w > 1 ? "s" : ""})` : ""}\n`);
    });
}
