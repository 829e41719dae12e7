/** `esm-sim scenarios`: the shipped scenarios (the catalogue) and the concept each one shows. */
import type { CatalogueEntry } from "../explain/quiz.js";
import { loadCatalogue } from "./catalogue.js";
import type { CommandContext } from "./context.js";

export function scenariosCommand(ctx: CommandContext, opts: { format: string }): void {
  const entries = loadCatalogue();
  if (opts.format === "json") {
    const rows = entries.map((e) => ({ name: e.name, concept: e.scenario.concept, description: e.scenario.description.trim(), questions: e.scenario.quiz.length }));
    ctx.io.out(JSON.stringify(rows, null, 2) + "\n");
    return;
  }
  ctx.io.out(renderCatalogue(entries));
}

function renderCatalogue(entries: readonly CatalogueEntry[]): string {
  const w = Math.max(8, ...entries.map((e) => e.name.length));
  const lines = [`${"scenario".padEnd(w)}  quiz  concept`];
  for (const e of entries) lines.push(`${e.name.padEnd(w)}  ${String(e.scenario.quiz.length).padStart(4)}  ${e.scenario.concept || "-"}`);
  lines.push("", "esm-sim run <scenario>      the report         esm-sim explain <scenario>  the story, rule by rule", "esm-sim quiz [<scenario>]   a question first   (a scenario is a shipped name or a file path)");
  return lines.join("\n") + "\n";
}
