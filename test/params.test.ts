/**
 * The parameter table (src/scenario/params.ts) is the one place an AWS setting's range and default are written: the
 * schema, the validator's messages, the defaults a scenario gets and the starters all follow it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { scenarioJsonSchema } from "../src/scenario/json-schema.js";
import { parseScenario } from "../src/scenario/parse.js";
import { defaultOf, fmt, NO_LIMIT, PARAMS, paramRows, rangeOf, rangeText, SOURCE_TYPES, type ParamPath, type PathOf, type SourceType } from "../src/scenario/params.js";
import { formatProblem } from "../src/scenario/problems.js";
import { renderStarter } from "../src/template/starter.js";

const SRC = join(__dirname, "..", "src");
const TABLE = "scenario/params.ts";

function sourceFiles(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [{ file: relative(SRC, join(dir, e.name)), text: readFileSync(join(dir, e.name), "utf8") }] : [],
  );
}

/** A number as source code may write it: 43200, 43_200 or 43,200. */
const numberPattern = (n: number) => {
  const s = String(Math.abs(n));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, "[_,]?");
  return `${n < 0 ? "-" : ""}${grouped}`;
};

const intRows = paramRows().filter((r) => r.value.kind === "int");
const isStream = (t: SourceType) => t === "kinesis" || t === "dynamodb";

/** A minimal scenario of `type`, with `extra` merged into its sections. */
function scenarioText(type: SourceType, extra: Record<string, Record<string, unknown>> = {}): string {
  const mapping = { ...(isStream(type) ? { StartingPosition: "TRIM_HORIZON" } : {}), ...extra.mapping };
  const doc: Record<string, unknown> = { name: "p", source: { type, ...extra.source }, traffic: [{ at: "0s", records: 1 }], mapping };
  for (const k of ["function", "account"]) if (extra[k]) doc[k] = extra[k];
  return JSON.stringify(doc);
}

/** The sections of a scenario that set `path` to `value`. */
function setting(path: string, value: unknown): Record<string, Record<string, unknown>> {
  const [section, ...keys] = path.split(".");
  let v: unknown = value;
  for (const k of keys.reverse()) v = { [k]: v };
  return { [section]: v as Record<string, unknown> };
}

function problemsOf(text: string): string[] {
  const r = parseScenario(text, "s.yaml");
  return r.ok ? [] : r.errors.map(formatProblem);
}

describe("the parameter table", () => {
  const src = sourceFiles(SRC);

  it.each(["source.VisibilityTimeout", "mapping.BatchSize", "mapping.MaximumRetryAttempts"] as const)("is the only place %s's range and default are written", (path) => {
    const row = PARAMS[path];
    const key = path.split(".").at(-1)!;
    const ranges = SOURCE_TYPES.filter((t) => (row.sources as readonly string[]).includes(t)).map((t) => rangeOf(path, t));
    const lows = [...new Set(ranges.map((r) => r.min)), ...("noLimit" in row.value ? [NO_LIMIT] : [])];
    const highs = [...new Set(ranges.map((r) => r.max))];
    const widest = rangeOf(path);
    const forms = [
      // as messages and comments write a range, for any source type: 0..43,200
      ...lows.flatMap((lo) => highs.map((hi) => new RegExp(`(?<![\\d.,-])${lo}\\.\\.${fmt(hi)}(?![\\d,])`))),
      // as code passes the schema's range: int(0, 43_200)
      ...[widest.min, ...("noLimit" in row.value ? [NO_LIMIT] : [])].map((lo) => new RegExp(`(?<![\\d_.])${numberPattern(lo)},\\s*${numberPattern(widest.max)}(?![\\d_])`)),
      // a default written beside the key: VisibilityTimeout ?? 30
      new RegExp(`${key}\\s*\\?\\?\\s*\\(?-?\\d`),
    ];
    const found = src.filter((f) => f.file !== TABLE).flatMap((f) => forms.filter((re) => re.test(f.text)).map((re) => `${f.file}: ${re.source}`));
    expect(found).toEqual([]);
  });

  it("holds the visibility timeout's upper bound once in the whole source, comments included", () => {
    const max = rangeOf("source.VisibilityTimeout").max;
    const re = new RegExp(`(?<![\\d_,])${numberPattern(max)}(?![\\d_,])`, "g");
    const places = src.flatMap((f) => (f.text.match(re) ?? []).map(() => f.file));
    expect(places).toEqual([TABLE]);
  });

  it("gives every row an AWS page, a unit, a hint and the source types it applies to", () => {
    for (const row of paramRows()) {
      expect(row.url, row.path).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com)\/\S+$/);
      expect(row.unit, row.path).not.toBe("");
      expect(row.hint, row.path).not.toBe("");
      expect(row.internal, row.path).not.toBe("");
      expect(row.sources.length, row.path).toBeGreaterThan(0);
    }
  });

  it("says why wherever a source type narrows a row's range", () => {
    for (const row of intRows) {
      for (const [type, spec] of Object.entries(row.bySource ?? {})) {
        if (spec.fixed !== undefined || spec.min !== undefined || spec.max !== undefined) expect(spec.refused ?? row.refused, `${row.path} for ${type}`).toBeDefined();
      }
      const v = row.value as { min: number; noLimit?: string };
      if (v.noLimit !== undefined && v.min > NO_LIMIT + 1) expect(row.refused, row.path).toBeDefined();
    }
  });

  it("gives the rows under one key the same source types", () => {
    const byKey = new Map<string, string>();
    for (const row of paramRows()) {
      const key = row.path.split(".").slice(0, 2).join(".");
      const sources = row.sources.join(",");
      expect(byKey.get(key) ?? sources, row.path).toBe(sources);
      byKey.set(key, sources);
    }
  });
});

describe("what reads the table", () => {
  it("the JSON Schema bounds each integer setting by its row", () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, unknown> };
    for (const row of intRows) {
      let node: unknown = schema;
      for (const k of row.path.split(".")) node = (node as { properties: Record<string, unknown> }).properties[k];
      const v = row.value as { min: number; max: number; noLimit?: string };
      expect(node, row.path).toMatchObject({ type: "integer", minimum: v.noLimit === undefined ? v.min : NO_LIMIT, maximum: v.max });
    }
  });

  it("validation refuses a value past each integer setting's range, naming the row's range", () => {
    for (const row of intRows) {
      const type = row.sources[0];
      const path = row.path as PathOf<"int">;
      const v = row.value as { max: number; noLimit?: string };
      const errors = problemsOf(scenarioText(type, setting(row.path, v.max + 1)));
      const allowed = v.noLimit === undefined ? `an integer ${rangeText(path)}` : `${NO_LIMIT} (${v.noLimit}) or an integer ${fmt(rangeOf(path).min)}..${fmt(v.max)}`;
      expect(errors, row.path).toContainEqual(expect.stringContaining(`${row.path}: must be ${allowed} (got ${v.max + 1})`));
    }
  });

  it("validation refuses a value outside a source type's own range, with the row's text", () => {
    expect(problemsOf(scenarioText("sqs-fifo", setting("mapping.BatchSize", rangeOf("mapping.BatchSize", "sqs-fifo").max + 1)))).toContainEqual(
      expect.stringContaining(`mapping.BatchSize: Maximum batch size must be between 1 and ${rangeOf("mapping.BatchSize", "sqs-fifo").max} inclusive`),
    );
    expect(problemsOf(scenarioText("sqs", setting("mapping.BatchSize", rangeOf("mapping.BatchSize", "sqs-fifo").max + 1)))).not.toContainEqual(
      expect.stringContaining("Maximum batch size must be between"),
    );
    expect(problemsOf(scenarioText("kinesis", setting("mapping.MaximumRecordAgeInSeconds", rangeOf("mapping.MaximumRecordAgeInSeconds").min - 1)))).toContainEqual(
      expect.stringContaining(`mapping.MaximumRecordAgeInSeconds: must be -1 (no limit) or ${rangeText("mapping.MaximumRecordAgeInSeconds").replace("-1 or ", "")}`),
    );
    expect(problemsOf(scenarioText("dynamodb", setting("source.RetentionPeriodHours", defaultOf("source.RetentionPeriodHours", "dynamodb"))))).toContainEqual(
      expect.stringContaining("source.RetentionPeriodHours: applies to kinesis only"),
    );
  });

  it("a scenario that leaves a setting out gets the row's default, in esm-sim's units", () => {
    const units: Record<string, (v: number) => number> = { seconds: (v) => v * 1e6, hours: (v) => v * 3600e6 };
    const checked: string[] = [];
    for (const row of paramRows()) {
      if (row.value.kind !== "int" && row.value.kind !== "bool") continue;
      if (row.awsDefault === undefined && row.esmSimDefault === undefined) continue;
      if (row.path === "account.ConcurrentExecutions") continue; // left out, the profile's figure applies
      for (const type of row.sources) {
        // The provisioned pollers' defaults apply once the mapping is in provisioned mode.
        const extra: Record<string, Record<string, unknown>> = row.path.startsWith("mapping.ProvisionedPollerConfig.") ? { mapping: { ProvisionedPollerConfig: {} } } : {};
        const r = parseScenario(scenarioText(type, extra), "s.yaml");
        expect(r.ok, `${row.path} for ${type}`).toBe(true);
        if (!r.ok) continue;
        let got: unknown = r.scenario;
        for (const k of row.internal.split(".")) got = (got as Record<string, unknown>)[k];
        const d = defaultOf(row.path as ParamPath, type);
        const want = d === NO_LIMIT ? Infinity : typeof d === "number" ? (units[row.unit]?.(d) ?? d) : d;
        expect(got, `${row.path} for ${type}`).toBe(want);
        checked.push(row.path);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(["source.VisibilityTimeout", "mapping.BatchSize", "mapping.MaximumRetryAttempts", "function.Timeout"]));
  });

  it("each starter writes the defaults and ranges of the table", () => {
    for (const type of SOURCE_TYPES) {
      const text = renderStarter(type, "s.yaml").text;
      const doc = parseYaml(text) as { mapping: Record<string, unknown>; function: Record<string, unknown>; source: Record<string, unknown> };
      const line = (key: string) => text.split("\n").find((l) => l.trimStart().startsWith(`${key}:`)) ?? "";
      expect(doc.mapping.BatchSize, type).toBe(defaultOf("mapping.BatchSize", type));
      expect(line("BatchSize"), type).toContain(`${rangeText("mapping.BatchSize", type)}`);
      expect(line("BatchSize"), type).toContain(`(AWS default ${defaultOf("mapping.BatchSize", type)})`);
      expect(doc.function.Timeout, type).toBe(defaultOf("function.Timeout"));
      expect(line("Timeout"), type).toContain(`seconds ${rangeText("function.Timeout")} (AWS default ${defaultOf("function.Timeout")})`);
      if (type === "sqs" || type === "sqs-fifo") {
        expect(doc.source.VisibilityTimeout, type).toBe(defaultOf("source.VisibilityTimeout"));
        expect(line("VisibilityTimeout"), type).toContain(`seconds ${rangeText("source.VisibilityTimeout")} (AWS default ${defaultOf("source.VisibilityTimeout")})`);
      } else {
        expect(line("MaximumRetryAttempts"), type).toContain(`${rangeText("mapping.MaximumRetryAttempts")} (AWS default ${defaultOf("mapping.MaximumRetryAttempts")}:`);
      }
    }
  });
});
