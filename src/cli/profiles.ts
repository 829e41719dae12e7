/** `esm-sim profiles`: the AWS figures of every profile side by side, as a table or as JSON. */
import { Option, type Command } from "commander";
import { PROFILES } from "../esm/profiles.js";
import { renderProfiles } from "../report/profiles.js";
import type { CommandContext } from "./context.js";

export function registerProfiles(program: Command, ctx: CommandContext): void {
  program
    .command("profiles")
    .description("list the AWS figures of every profile side by side, with their sources and dates")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action((opts: { format: string }) => {
      ctx.io.out(opts.format === "json" ? JSON.stringify(PROFILES, null, 2) + "\n" : renderProfiles());
    });
}
