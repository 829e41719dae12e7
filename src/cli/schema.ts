/** `esm-sim schema`: the JSON Schema of the scenario format, for editors. */
import { renderJsonSchema } from "../scenario/json-schema.js";
import type { CommandContext } from "./context.js";

export function schemaCommand(ctx: CommandContext): void {
  ctx.io.out(renderJsonSchema());
}
