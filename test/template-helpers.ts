import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseScenario } from "../src/scenario/parse.js";
import { scenariosFromTemplate, type FromTemplateOptions } from "../src/template/index.js";
import { loadTemplate, type Template } from "../src/template/load.js";

export const TEMPLATE_DIR = join(__dirname, "fixtures", "templates");
export const fixturePath = (name: string) => join(TEMPLATE_DIR, name);
export const fixture = (name: string) => readFileSync(fixturePath(name), "utf8");

/** Whether this version of esm-sim runs `type` sources (a minimal scenario parses without "not supported yet"). */
export function sourceSupported(type: string): boolean {
  const r = parseScenario(`name: probe\nsource: { type: ${type} }\ntraffic: [{ at: 0s, records: 1 }]\n`, "probe.yaml");
  return r.ok || !r.errors.some((e) => e.message.includes("not supported yet"));
}

/** Whether this version of esm-sim runs mappings with FilterCriteria. */
export function filteringSupported(): boolean {
  const r = parseScenario(`name: probe\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nmapping: { FilterCriteria: { Filters: [{ Pattern: '{"body": {"a": [1]}}' }] } }\n`, "probe.yaml");
  return r.ok || !r.errors.some((e) => e.message.includes("not supported yet"));
}

/** Generate from a fixture, failing the test with the problems when it cannot. */
export function generate(name: string, options: FromTemplateOptions = {}) {
  const r = scenariosFromTemplate(fixture(name), name, options);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r;
}

/** The written scenario as plain values. */
export const valuesOf = (text: string) => parse(text) as Record<string, Record<string, unknown>>;

export function loaded(text: string, file = "t.yaml"): Template {
  const r = loadTemplate(text, file);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
  return r.template;
}
