/**
 * The scenario format as a JSON Schema (draft 2020-12), derived from the zod schema the validator uses
 * (zod v4's toJSONSchema on the input side: durations, sizes and rates are numbers or strings with a unit), so
 * it is never written twice. Editors use it for completion and inline errors; the ranges that depend on the
 * source type and the rules across keys are checked by `esm-sim validate` only.
 */
import { z } from "zod";
import { METRIC_PATHS } from "../metrics/paths.js";
import { scenarioSchema } from "./schema.js";

export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  // `expect` keys are the report paths an expectation may check: the same table the validator's rules use.
  const expect = (rest.properties as Record<string, Record<string, unknown>> | undefined)?.expect;
  if (expect) expect.propertyNames = { enum: Object.keys(METRIC_PATHS) };
  return {
    $schema,
    title: "esm-sim scenario",
    description:
      "A scenario for esm-sim, the deterministic simulator of AWS Lambda event source mappings. Keys inside source, mapping and function are AWS's own names. Run `esm-sim validate` for the rules across keys.",
    ...rest,
  };
}

export function renderJsonSchema(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + "\n";
}
