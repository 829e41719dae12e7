/** `esm-sim schema`: the JSON Schema of the scenario format, for editors. */
import type { Command } from "commander";
import { renderJsonSchema } from "../scenario/json-schema.js";
import type { CommandContext } from "./context.js";

export function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command("schema")
    .description("print the JSON Schema of the scenario format (for editor completion: # yaml-language-server: $schema=...)")
    .action(() => {
      ctx.io.out(renderJsonSchema());
    });
}
