/**
 * `esm-sim merge` checks its inputs against the sweep result schema (src/sweep/result-schema.ts) before merging:
 * a null row, a malformed row, `"rows": 300000000`, a number where the results list belongs, millions of rows,
 * deep nesting, a file that is not JSON or too large: each is exit 2 with one message per problem naming the file
 * and the path in it, never a TypeError, a crash or minutes of work.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../src/run/version.js";
import { MAX_JSON_DEPTH, readSweepResult, SWEEP_SCHEMA_VERSION, tooDeep } from "../src/sweep/result-schema.js";
import { cli, scratch } from "./cli-helpers.js";
import { GOLDEN } from "./golden-helper.js";

const { dir, write } = scratch("esm-sim-merge-in-");
let part1: Record<string, unknown>;
let part2Path: string;

beforeAll(async () => {
  const sweep = ["sweep", join(GOLDEN, "sweep.yaml"), "--vary", "mapping.BatchSize=1,5,10", "--jobs", "1", "--format", "json"];
  const p1 = join(dir, "part1.json");
  part2Path = join(dir, "part2.json");
  expect((await cli(...sweep, "--shard", "1/2", "--output", p1)).code).toBe(0);
  expect((await cli(...sweep, "--shard", "2/2", "--output", part2Path)).code).toBe(0);
  part1 = JSON.parse(readFileSync(p1, "utf8")) as Record<string, unknown>;
});

const firstRow = () => (part1.results as Record<string, unknown>[])[0];

/** Merge `value` (written as JSON) with the second shard; the exit code and stderr. */
async function mergeWith(name: string, value: unknown) {
  const p = write(name, typeof value === "string" ? value : JSON.stringify(value));
  return { p, ...(await cli("merge", p, part2Path)) };
}

describe("merge input", () => {
  it("merges well-formed shards", async () => {
    const r = await mergeWith("ok.json", part1);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("reads sweep results that open with this format's schemaVersion, and writes one", async () => {
    expect(Object.keys(part1)[0]).toBe("schemaVersion");
    expect(part1.schemaVersion).toBe(SWEEP_SCHEMA_VERSION);
    const r = await cli("merge", write("v.json", JSON.stringify(part1)), part2Path, "--format", "json");
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`{\n  "schemaVersion": ${SWEEP_SCHEMA_VERSION},\n  "kind": "esm-sim-sweep",`)).toBe(true);
  });

  it.each([
    ["a null row", () => ({ ...part1, results: [null] }), ["results[0]: must be a map of index, params, seed, passed, metrics, expectations (got null)"]],
    [
      "a malformed row: one message per problem",
      () => ({ ...part1, results: [{ ...firstRow(), index: "x", metrics: { a: "b" }, extra: 1 }] }),
      ['results[0].index: must be a row index 0.. (got "x")', 'results[0].metrics.a: must be a number, true, false or null (got "b")', 'results[0]: unknown key "extra"'],
    ],
    ["a row without its keys", () => ({ ...part1, results: [{}] }), ["results[0].index: is required: a row index 0..", "results[0].params: is required: a map of varied paths to values"]],
    ['"rows": 300000000', () => ({ ...part1, rows: 300_000_000 }), ["rows: the grid has 300,000,000 rows, more than the 10,000 allowed: allow it with --max-rows 300000000"]],
    ["rows that do not fit the grid", () => ({ ...part1, rows: 4 }), ["rows: must be the product of the varied values' counts (3) (got 4)"]],
    ['"results": 300000000 (a number where the list belongs)', () => ({ ...part1, results: 300_000_000 }), ["results: must be a list of rows (got 300000000)"]],
    ["three million results", () => ({ ...part1, results: new Array(3_000_000).fill(0) }), ["results: has 3,000,000 rows, more than the grid's 3"]],
    ["NaN written as a string, a negative row", () => ({ ...part1, rows: "NaN", seed: -1 }), ['seed: must be a seed 0.. or null (got -1)', 'rows: must be a whole number of rows 1.. (got "NaN")']],
    ["a seed too large to be exact (zod's two issues are one problem)", () => ({ ...part1, seed: 1e21 }), ["seed: must be a seed 0.. or null (got 1e+21)"]],
    ["a list instead of a result", () => [part1], ["not an esm-sim sweep result (write one with esm-sim sweep ... --format json)"]],
    ["null", () => null, ["not an esm-sim sweep result (write one with esm-sim sweep ... --format json)"]],
    [
      "a result of another schemaVersion",
      () => ({ ...part1, schemaVersion: 2, version: "9.0.0" }),
      [`schemaVersion: esm-sim ${VERSION} merges sweep results of schemaVersion 1 only (got 2, written by esm-sim 9.0.0); run that sweep again with esm-sim ${VERSION}, or merge it with the esm-sim that wrote it`],
    ],
    [
      "a result from before sweep results had a schemaVersion",
      () => ({ ...Object.fromEntries(Object.entries(part1).filter(([k]) => k !== "schemaVersion")), version: "0.1.0" }),
      [`has no schemaVersion: it was written by esm-sim 0.1.0, before sweep results had one, and esm-sim ${VERSION} merges schemaVersion 1 only; run that sweep again with esm-sim ${VERSION}, or merge it with the esm-sim that wrote it`],
    ],
    [
      "a schemaVersion written as a string, from a version that is not one",
      () => ({ ...part1, schemaVersion: "1", version: "\u001b[31mred" }),
      [`schemaVersion: esm-sim ${VERSION} merges sweep results of schemaVersion 1 only (got "1", written by another esm-sim); run that sweep again with esm-sim ${VERSION}, or merge it with the esm-sim that wrote it`],
    ],
  ] as [string, () => unknown, string[]][])("%s: exit 2, each problem once", async (name, value, expected) => {
    const t0 = performance.now();
    const r = await mergeWith(`${name.replace(/\W+/g, "-")}.json`, value());
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    for (const e of expected) expect(lines.filter((l) => l === `esm-sim: ${r.p}: ${e}`), e).toHaveLength(1);
    expect(new Set(lines).size).toBe(lines.length);
    expect(r.err).not.toMatch(/internal error|TypeError|\n\s+at /);
  });

  it("lists 20 problems of a file and counts the rest", () => {
    const rows = Array.from({ length: 3 }, () => ({ index: -1, params: 1, seed: "s", passed: 0, metrics: [], expectations: {}, x: 1, y: 2 }));
    const r = readSweepResult({ ...part1, results: rows }, "f.json", 10_000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(21);
    expect(r.problems[20]).toBe("f.json: ... and 1 more problems not listed");
  });

  it("--max-rows allows a larger grid, and a grid of 300 million rows is counted, not listed", async () => {
    const vary = [
      { path: "a", values: Array.from({ length: 20_000 }, (_, i) => String(i)) },
      { path: "b", values: Array.from({ length: 15_000 }, (_, i) => String(i)) },
    ];
    const p = write("big.json", JSON.stringify({ ...part1, vary, rows: 300_000_000, results: [] }));
    const r = await cli("merge", p, "--max-rows", "300000000");
    expect(r.code).toBe(2);
    expect(r.err).toBe("esm-sim: 300000000 of 300000000 rows are missing (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...): merge the results of every --shard k/n, k = 1..n\n");
  });

  it("refuses deep nesting before parsing it", async () => {
    expect(tooDeep(JSON.stringify(part1))).toBeNull();
    expect(tooDeep('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')).toBeNull();
    const r = await mergeWith("deep.json", "[".repeat(2_000_000) + "]".repeat(2_000_000));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: ${r.p}: nests deeper than ${MAX_JSON_DEPTH} levels (a sweep result nests 4); a sweep result is the JSON of esm-sim sweep --format json\n`);
  });

  it("reads through io/input.ts: a cap for sweep results, directories and text that is not JSON", async () => {
    const zero = await cli("merge", "/dev/zero");
    expect(zero.code).toBe(2);
    expect(zero.err).toBe("esm-sim: /dev/zero: gives more than 67108864 bytes; sweep results are limited to 67108864 bytes\n");
    const d = join(dir, "adir");
    mkdirSync(d);
    const isDir = await cli("merge", d);
    expect(isDir.err).toBe(`esm-sim: ${d}: is a directory, not a sweep result file\n`);
    writeFileSync(join(dir, "text.json"), "rows: 3\n");
    const text = await cli("merge", join(dir, "text.json"));
    expect(text.code).toBe(2);
    expect(text.err).toMatch(/text\.json: not JSON \(.*\); a sweep result is the JSON of esm-sim sweep --format json\n$/);
    const missing = await cli("merge", join(dir, "nope.json"), join(dir, "nope2.json"));
    expect(missing.err).toBe(`esm-sim: ${join(dir, "nope.json")}: no such file\nesm-sim: ${join(dir, "nope2.json")}: no such file\n`);
  });
});
