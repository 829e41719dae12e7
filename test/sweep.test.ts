import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSweepCsv, varyHeaders } from "../src/report/sweep.js";
import { simulate } from "../src/run/simulate.js";
import { gridRows, inShard, mergeSweeps, parseShard, parseVary, reportRow, sweepResult, type Vary } from "../src/sweep/sweep.js";
import { cli, scratch } from "./cli-helpers.js";
import { GOLDEN, golden } from "./golden-helper.js";
import { scenarioFrom } from "./helpers.js";

const file = join(GOLDEN, "sweep.yaml");
const VARY = ["--vary", "mapping.BatchSize=1,5,10", "--vary", "function.duration.base=20ms,300ms"];
const { dir, write } = scratch("esm-sim-sweep-");

describe("sweep grid", () => {
  it("is the cartesian product with the first --vary changing slowest", () => {
    const vary = [parseVary("a=1,2") as Vary, parseVary("b=x,y,z") as Vary];
    expect(gridRows(vary)).toEqual([
      [["a", "1"], ["b", "x"]],
      [["a", "1"], ["b", "y"]],
      [["a", "1"], ["b", "z"]],
      [["a", "2"], ["b", "x"]],
      [["a", "2"], ["b", "y"]],
      [["a", "2"], ["b", "z"]],
    ]);
    expect(gridRows([])).toEqual([[]]);
  });

  it("splits shards round-robin so that every row is in exactly one", () => {
    const s = [parseShard("1/3"), parseShard("2/3"), parseShard("3/3")] as { k: number; n: number }[];
    const owners = Array.from({ length: 10 }, (_, i) => s.filter((x) => inShard(i, x)).map((x) => x.k));
    expect(owners).toEqual([[1], [2], [3], [1], [2], [3], [1], [2], [3], [1]]);
    expect(parseShard("0/3")).toMatch(/k must be 1..n/);
    expect(parseShard("2")).toMatch(/must be k\/n/);
  });

  it("rejects malformed --vary arguments", () => {
    expect(parseVary("mapping.BatchSize")).toMatch(/must be <path>=<value>,<value>/);
    expect(parseVary("mapping.BatchSize=1,,2")).toMatch(/empty value/);
    expect(parseVary("mapping.BatchSize=1,1")).toMatch(/lists a value twice/);
  });
});

describe("sweep rows", () => {
  it("keep the metrics their source reports: a stream's rows and CSV columns have no sqs.* and a queue's no stream.*", () => {
    const stream = simulate(scenarioFrom("name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ at: 0s, records: 20 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n")).report;
    const queue = simulate(scenarioFrom("name: q\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 20 }]\n")).report;
    const header = { scenario: "k", scenarioHash: "00000000", seed: null, until: null, set: [], vary: [{ path: "mapping.BatchSize", values: ["10"] }] };
    const streamRow = reportRow(stream, { index: 0, params: [["mapping.BatchSize", "10"]] });
    const queueRow = reportRow(queue, { index: 0, params: [["mapping.BatchSize", "10"]] });
    expect(Object.keys(streamRow.metrics).filter((p) => p.startsWith("sqs."))).toEqual([]);
    expect(streamRow.metrics["stream.retries"]).toBe(0);
    expect(Object.keys(queueRow.metrics).filter((p) => p.startsWith("stream."))).toEqual([]);
    expect(queueRow.metrics["sqs.polls"]).toBeGreaterThan(0);
    const csvHeader = renderSweepCsv(sweepResult(header, [streamRow])).split("\n")[0];
    expect(csvHeader).toContain("stream.retries");
    expect(csvHeader).not.toContain("sqs.");
  });
});

describe("esm-sim sweep", () => {
  it("runs one row per combination, in grid order, each with its own settings applied", async () => {
    const r = await cli("sweep", file, ...VARY, "--format", "json", "--jobs", "2");
    const j = JSON.parse(r.out);
    expect(j.rows).toBe(6);
    expect(j.results.map((x: { index: number; params: object }) => [x.index, x.params])).toEqual([
      [0, { "mapping.BatchSize": "1", "function.duration.base": "20ms" }],
      [1, { "mapping.BatchSize": "1", "function.duration.base": "300ms" }],
      [2, { "mapping.BatchSize": "5", "function.duration.base": "20ms" }],
      [3, { "mapping.BatchSize": "5", "function.duration.base": "300ms" }],
      [4, { "mapping.BatchSize": "10", "function.duration.base": "20ms" }],
      [5, { "mapping.BatchSize": "10", "function.duration.base": "300ms" }],
    ]);
    // batch size 1 needs one invocation per message; 10 needs fewer: the setting reached the run
    const inv = j.results.map((x: { metrics: Record<string, number> }) => x.metrics["invocations.total"]);
    expect(inv[0]).toBeGreaterThanOrEqual(100);
    expect(inv[4]).toBeLessThan(inv[0] / 2);
    // and the marks follow the expectations
    expect(r.code).toBe(j.results.every((x: { passed: boolean }) => x.passed) ? 0 : 1);
    expect(j.results.map((x: { passed: boolean; expectations: { passed: boolean }[] }) => x.passed)).toEqual(
      j.results.map((x: { expectations: { passed: boolean }[] }) => x.expectations.every((e) => e.passed)),
    );
  });

  it("gives identical bytes with 1 and 2 worker threads, in every format", async () => {
    for (const format of ["json", "table", "csv", "markdown"]) {
      const one = await cli("sweep", file, ...VARY, "--format", format, "--jobs", "1");
      const two = await cli("sweep", file, ...VARY, "--format", format, "--jobs", "2");
      expect(two.out, format).toBe(one.out);
      expect(two.code).toBe(one.code);
    }
  });

  it("shards k/n merge into exactly the unsharded output", async () => {
    const whole = await cli("sweep", file, ...VARY, "--format", "json", "--jobs", "1");
    const parts: string[] = [];
    for (const k of [1, 2, 3]) {
      const out = join(dir, `part${k}.json`);
      const r = await cli("sweep", file, ...VARY, "--shard", `${k}/3`, "--format", "json", "--output", out, "--jobs", "1");
      expect(JSON.parse(readFileSync(out, "utf8")).results.map((x: { index: number }) => x.index)).toEqual([k - 1, k + 2]);
      expect([0, 1]).toContain(r.code);
      parts.push(out);
    }
    const merged = await cli("merge", parts[2], parts[0], parts[1], "--format", "json");
    expect(merged.out).toBe(whole.out);
    expect(merged.code).toBe(whole.code);
    const csvWhole = await cli("sweep", file, ...VARY, "--format", "csv", "--jobs", "1");
    expect((await cli("merge", ...parts, "--format", "csv")).out).toBe(csvWhole.out);
  });

  it("refuses to merge missing, repeated or foreign shards, naming each problem", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await cli("sweep", file, ...VARY, "--shard", "1/2", "--format", "json", "--output", a, "--jobs", "1");
    await cli("sweep", file, ...VARY, "--set", "seed=4", "--shard", "2/2", "--format", "json", "--output", b, "--jobs", "1");
    const missing = await cli("merge", a);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("3 of 6 rows are missing (1, 3, 5)");
    const twice = await cli("merge", a, a);
    expect([twice.code, twice.err]).toEqual([2, `esm-sim: ${a}: is given twice; give each shard's result once\nesm-sim: 3 of 6 rows are missing (1, 3, 5): merge the results of every --shard k/n, k = 1..n\n`]);
    const copy = write("a-copy.json", readFileSync(a, "utf8"));
    const same = join(dir, ".", "a.json").replace(dir, `${dir}/.`);
    expect((await cli("merge", a, same)).err).toContain(`esm-sim: ${same}: is ${a}, given again; give each shard's result once\n`);
    expect((await cli("merge", a, copy)).err).toContain(`row 0 is in both ${a} and ${copy}`);
    const foreign = await cli("merge", a, b);
    expect(foreign.err).toContain(`${b}: set is ["seed=4"] but ${a} has []`);
    const notJson = await cli("merge", write("x.json", "{"));
    expect(notJson.err).toMatch(/x\.json: not JSON/);
    expect(mergeSweeps([{ name: "n", value: { kind: "other" } }])).toEqual(["n: not an esm-sim sweep result (write one with esm-sim sweep ... --format json)"]);
  });

  it("checks every row before running any, and names the --vary value at fault", async () => {
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=5,20000,0", "--vary", "function.Timeout=2,3");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--vary mapping.BatchSize=20000 mapping.BatchSize: must be an integer 1..10,000 (got 20000)");
    expect(r.err).toContain("--vary mapping.BatchSize=0 mapping.BatchSize: must be an integer 1..10,000 (got 0)");
    expect(r.err).toContain("2 problems found; nothing was run");
    expect(r.out).toBe("");
    const none = await cli("sweep", file);
    expect(none.code).toBe(2);
    expect(none.err).toContain("give at least one --vary");
    expect((await cli("sweep", file, "--vary", "a=1", "--jobs", "0")).err).toContain("--jobs: must be an integer 1..1024");
  });

  it("tells a problem a varied key has whatever its value once, for the key", async () => {
    const r = await cli("sweep", file, "--vary", "mapping.Bogus=1,2,3", "--vary", "mapping.BatchSize=0,5");
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split("\n");
    expect(lines.filter((l) => l.includes("mapping.Bogus"))).toEqual([expect.stringMatching(/^--vary mapping\.Bogus mapping\.Bogus: unknown key \(allowed: /)]);
    expect(lines.filter((l) => l.includes("mapping.BatchSize: must be"))).toEqual(["--vary mapping.BatchSize=0 mapping.BatchSize: must be an integer 1..10,000 (got 0)"]);
    expect(lines[lines.length - 1]).toBe("2 problems found; nothing was run");
  });

  it("refuses a key both varied and set, which no row would run with, before any row runs", async () => {
    const same = await cli("sweep", file, "--vary", "mapping.BatchSize=1,2", "--set", "mapping.BatchSize=3");
    const why = "so --set may not also give it; drop the --set to keep the rows' values, or the --vary to run every row with the --set";
    expect([same.code, same.out, same.err]).toEqual([2, "", `esm-sim: --set mapping.BatchSize=3: mapping.BatchSize is varied by --vary mapping.BatchSize=1,2, ${why}\n`]);
    const inside = await cli("sweep", file, "--vary", "mapping={ BatchSize: 1 },{ BatchSize: 2 }", "--set", "mapping.BatchSize=3", "--set", "traffic.0.records=100", "--vary", "traffic[0].records=50,150");
    expect(inside.err.split("\n")).toEqual([
      `esm-sim: --set mapping.BatchSize=3: mapping.BatchSize is inside mapping, which --vary mapping={ BatchSize: 1 },{ BatchSize: 2 } replaces in every row, ${why}`,
      `esm-sim: --set traffic.0.records=100: traffic[0].records is varied by --vary traffic[0].records=50,150, ${why}`,
      "",
    ]);
    const whole = await cli("sweep", file, "--vary", "mapping.BatchSize=1,2", "--set", "mapping={ BatchSize: 3 }");
    expect(whole.err).toBe(`esm-sim: --set mapping={ BatchSize: 3 }: mapping.BatchSize is varied by --vary mapping.BatchSize=1,2, ${why}\n`);
    const apart = await cli("sweep", file, "--vary", "mapping.BatchSize=1,2", "--set", "mapping.MaximumBatchingWindowInSeconds=1", "--format", "csv", "--jobs", "1");
    expect([apart.code, apart.err]).toEqual([0, ""]);
  });

  it("exits 1 when a row fails an expectation and 0 when every row passes", async () => {
    const bad = await cli("sweep", file, "--vary", "function.duration.base=20ms,3s", "--set", "function.Timeout=5", "--jobs", "1");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("1 of 2 rows failed an expectation: rows 1");
    expect(bad.out).toMatch(/row 1 \(function\.duration\.base=3s\): endedAt <= 3s \(actual \d/);
    const good = await cli("sweep", file, "--vary", "function.duration.base=10ms,20ms", "--jobs", "1");
    expect(good.code).toBe(0);
  });

  it("fits an 80-120 column terminal over two keys with long paths, with a legend for the short headers", async () => {
    const s = write(
      "wide.yaml",
      "name: wide\nsource: { type: sqs, VisibilityTimeout: 5, RedrivePolicy: { maxReceiveCount: 1 } }\ntraffic: [{ rate: 20/s, from: 0s, to: 20s, keys: 20 }, { at: 2s, records: 1, key: bad }]\nfunction: { Timeout: 1, ReservedConcurrentExecutions: 2, duration: { base: 300ms }, failures: [{ when: { key: bad }, effect: error }, { when: { probability: 0.1 }, effect: timeout }] }\nexpect:\n  records.dlq: { eq: 0 }\n  invocations.throttles: { eq: 0 }\n  duplicates: { eq: 0 }\n",
    );
    const r = await cli("sweep", s, "--vary", "mapping.ScalingConfig.MaximumConcurrency=2,5", "--vary", "function.ReservedConcurrentExecutions=2,10", "--no-color", "--jobs", "1");
    const lines = r.out.trimEnd().split("\n");
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(120);
    // Too wide with the keys' names as headers: they become their capitals, explained under the table.
    expect(r.out).toMatch(/│ row │ MC │ +RCE │ +ended │/);
    expect(r.out.replace(/\n +/g, " ")).toContain("columns: MC = mapping.ScalingConfig.MaximumConcurrency, RCE = function.ReservedConcurrentExecutions, ended = endedAt");
    // A narrower sweep keeps the names.
    const narrow = await cli("sweep", s, "--vary", "mapping.BatchSize=1,10", "--no-color", "--jobs", "1");
    expect(narrow.out).toMatch(/│ row │ BatchSize │ /);
  });

  it("shortens a varied key's name to its capitals, or to a letter when two keys share them", () => {
    expect(varyHeaders(["mapping.BatchSize", "mapping.ParallelizationFactor"])).toEqual(["BatchSize", "PF"]);
    expect(varyHeaders(["mapping.MaximumBatchingWindowInSeconds", "mapping.MaximumRecordAgeInSeconds"])).toEqual(["MBWIS", "MRAIS"]);
    // Both MaximumConcurrency paths would be MC: letters, in order.
    expect(varyHeaders(["mapping.ScalingConfig.MaximumConcurrency", "other.MaximumConcurrency"], 12)).toEqual(["A", "B"]);
    // A key named like another's capitals keeps its name, and the other takes a letter.
    expect(varyHeaders(["mapping.ParallelizationFactor", "x.PF"])).toEqual(["A", "PF"]);
    // No room for any name: letters.
    expect(varyHeaders(["mapping.BatchSize", "mapping.ParallelizationFactor"], 0)).toEqual(["A", "B"]);
  });

  it("takes a shipped scenario by name, as run does, and reads the export a replay names beside it", async () => {
    const r = await cli("sweep", "sqs-replay-from-metrics", "--vary", "mapping.BatchSize=10,20", "--jobs", "2", "--format", "csv");
    expect(r.err).toBe("2 of 2 rows failed an expectation: rows 0, 1\n");
    const lines = r.out.trim().split("\n");
    expect(lines.length).toBe(3);
    expect(lines[1].split(",")[1]).toBe("10");
    const unknown = await cli("sweep", "sqs-replay-from-metric", "--vary", "mapping.BatchSize=10,20");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no shipped scenario has that name (did you mean "sqs-replay-from-metrics"?)');
  }, 60_000);

  it("has golden table, csv and markdown outputs", async () => {
    golden("sweep.table.txt", (await cli("sweep", file, ...VARY, "--no-color", "--jobs", "1")).out);
    golden("sweep.csv", (await cli("sweep", file, ...VARY, "--format", "csv", "--jobs", "1")).out);
    golden("sweep.md", (await cli("sweep", file, ...VARY, "--format", "markdown", "--jobs", "1")).out);
  });
});
