/** `esm-sim profiles`: the AWS figures of every profile side by side, as a table or as JSON. */
import { PROFILES } from "../esm/profiles.js";
import { renderProfiles } from "../report/profiles.js";
import type { CommandContext } from "./context.js";

export function profilesCommand(ctx: CommandContext, opts: { format: string }): void {
  ctx.io.out(opts.format === "json" ? JSON.stringify(PROFILES, null, 2) + "\n" : renderProfiles());
}
