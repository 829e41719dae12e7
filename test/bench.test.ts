import { describe, expect, it } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parseScenario } from "../src/scenario/parse.js";
import { simulate } from "../src/run/simulate.js";

// The benchmark scenarios (npm run bench) must keep parsing and running; here each runs for 2 virtual seconds.
const dir = join(__dirname, "..", "bench", "scenarios");
describe.each(readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort())("benchmark %s", (f) => {
  it("parses and runs a short slice", () => {
    const r = parseScenario(readFileSync(join(dir, f), "utf8"), f, { untilUs: 2_000_000 });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
    if (!r.ok) return;
    const { report } = simulate(r.scenario);
    expect(report.endedAt).toBeLessThanOrEqual(2000);
    expect(report.records.produced).toBeGreaterThan(0);
  });
});

// The calibrate benchmark (bench/run.js --only calibrate): its scenario, and its floor's two parts, the serial runs
// (bench/one.js serial) and the CPU time of a whole process (bench/cpu.js).
describe("the calibrate benchmark", () => {
  const root = join(__dirname, "..");
  const file = join(root, "bench", "calibrate", "slow-consumer.yaml");

  it("its scenario parses and runs a short slice", () => {
    const r = parseScenario(readFileSync(file, "utf8"), file, { untilUs: 2_000_000 });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
    if (r.ok) expect(simulate(r.scenario).report.records.produced).toBeGreaterThan(0);
  });

  it("bench/one.js serial makes as many simulate() calls as asked, and bench/cpu.js adds the process's CPU time", () => {
    const r = spawnSync(process.execPath, [join(root, "bench", "cpu.js"), join(root, "bench", "one.js"), "serial", file, "2"], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const once = parseScenario(readFileSync(file, "utf8"), file);
    const produced = once.ok ? simulate(once.scenario).report.records.produced : 0;
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "serial", evaluations: 2, records: 2 * produced });
    expect(Number(/cpu-ms (\d+)\n$/.exec(r.stderr)?.[1])).toBeGreaterThan(0);
  }, 60_000);

  it("bench/parallel.js splits the calls over as many processes as asked, the first ones taking the odd call, and sums their CPU time", () => {
    const r = spawnSync(process.execPath, [join(root, "bench", "parallel.js"), "2", file, "3"], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: "parallel", evaluations: 3, processes: 2 });
    expect(out.cpuMs).toBeGreaterThan(0);
    expect(out.wallMs).toBeGreaterThan(0);
    const few = JSON.parse(spawnSync(process.execPath, [join(root, "bench", "parallel.js"), "4", file, "2"], { cwd: root, encoding: "utf8" }).stdout);
    expect(few).toMatchObject({ evaluations: 2, processes: 2 });
  }, 60_000);
});

// The checked benchmarks (kinesis-check, fifo-check): a run with the invariant checks watching, against the same run
// without them; it must be the same run, and a failed check must stop the benchmark rather than time it.
describe("the checked benchmarks", () => {
  const root = join(__dirname, "..");

  it("bench/run.js --only kinesis-check times the checked run against the same run unchecked, with the same counts", () => {
    const tmp = mkdtempSync(join(tmpdir(), "esm-sim-bench-"));
    try {
      const out = join(tmp, "r.json");
      const r = spawnSync(process.execPath, [join(root, "bench", "run.js"), "--only", "kinesis-check", "--until", "2", "--runs", "1", "--out", out], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("kinesis-check: bench/scenarios/kinesis-steady.yaml with the invariant checks of run --check watching");
      const saved = JSON.parse(readFileSync(out, "utf8"));
      expect(saved.results[0]).toMatchObject({ name: "kinesis-check", kind: "check", pairs: 1, countsMatch: true, records: 32_001, met: null });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it("bench/one.js check stops with the failed checks' names when a check fails, rather than timing the run", () => {
    const tmp = mkdtempSync(join(tmpdir(), "esm-sim-bench-"));
    try {
      // A build whose conservation check always fails: the real one, with CheckSuite.finish marking it failed.
      const dist = join(root, "dist");
      mkdirSync(join(tmp, "engine"));
      writeFileSync(join(tmp, "engine", "scheduler.js"), `export * from ${JSON.stringify(join(dist, "engine", "scheduler.js"))};\n`);
      writeFileSync(
        join(tmp, "index.js"),
        `import { CheckSuite as Real } from ${JSON.stringify(join(dist, "index.js"))};\n` +
          `export * from ${JSON.stringify(join(dist, "index.js"))};\n` +
          `export class CheckSuite extends Real { finish(r) { return super.finish(r).map((c) => (c.name === "conservation" ? { ...c, status: "fail" } : c)); } }\n`,
      );
      const file = join(tmp, "s.yaml");
      writeFileSync(file, "name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 5 }]\n");
      const ok = spawnSync(process.execPath, [join(root, "bench", "one.js"), "check", file], { encoding: "utf8" });
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ failedChecks: [], records: 5 });
      const bad = spawnSync(process.execPath, [join(root, "bench", "one.js"), "check", file], { encoding: "utf8", env: { ...process.env, ESM_SIM_DIST: tmp } });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe("checks failed: conservation\n");
      expect(bad.stdout).toBe("");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

// bench/ab.js --same is how an optimisation proves it left every report alone: a build compared with itself must
// come out identical, scenario by scenario, and a build whose reports differ must fail (exit 1, naming them).
// Where a first run's time goes (bench/run.js --costs): the cost of a fresh page on this machine (bench/pages.js), and
// each side run twice in one process, with the page faults of each run.
describe("the first-run costs", () => {
  const root = join(__dirname, "..");
  const file = join(root, "bench", "scenarios", "sqs-burst.yaml");

  it("bench/pages.js counts a fault for each fresh page it writes and prices it", () => {
    const r = spawnSync(process.execPath, [join(root, "bench", "pages.js"), "8"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rounds).toHaveLength(3);
    // 8 MB in 4 KB pages is 2,048 pages; larger pages would make fewer faults, never more than a few extra.
    expect(out.faultsPerRound).toBeGreaterThan(0);
    expect(out.faultsPerRound).toBeLessThan(2_048 + 64);
    expect(out.usPerFault).toBeGreaterThan(0);
    const bad = spawnSync(process.execPath, [join(root, "bench", "pages.js"), "lots"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("MB must be a whole number from 1 to 1024, got lots");
  });

  it("bench/one.js again and bench/floor.js again run the same run twice in one process, with each run's faults", () => {
    const sim = JSON.parse(spawnSync(process.execPath, [join(root, "bench", "one.js"), "again", file, "20"], { encoding: "utf8" }).stdout);
    const same = ["records", "succeeded", "events", "endedAtMs"] as const;
    for (const k of same) expect(sim.again[k], k).toBe(sim[k]);
    expect(sim.records).toBe(1_000_000);
    expect(sim.minorFaults).toBeGreaterThan(0);
    expect(Number.isInteger(sim.again.minorFaults)).toBe(true);
    const floor = JSON.parse(spawnSync(process.execPath, [join(root, "bench", "floor.js"), "sqs-burst", "again", "20"], { encoding: "utf8" }).stdout);
    expect(floor.again.succeeded).toBe(floor.succeeded);
    expect(floor.succeeded).toBe(sim.succeeded);
    expect(floor.minorFaults).toBeGreaterThan(0);
  }, 60_000);

  it("bench/run.js --costs prints each benchmark's two runs and its floor's, with their faults and ratios", () => {
    const tmp = mkdtempSync(join(tmpdir(), "esm-sim-bench-"));
    try {
      const out = join(tmp, "c.json");
      const r = spawnSync(process.execPath, [join(root, "bench", "run.js"), "--costs", "--only", "sqs-burst", "--until", "20", "--runs", "1", "--out", out], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const saved = JSON.parse(readFileSync(out, "utf8"));
      expect(saved.page.usPerFault).toBeGreaterThan(0);
      const [row] = saved.rows;
      expect(row).toMatchObject({ name: "sqs-burst", records: 1_000_000 });
      expect(row.firstFaultMs).toBeLessThanOrEqual(row.firstMs);
      const lines = r.stdout.split("\n");
      const mine = lines.find((l) => l.startsWith("sqs-burst "))!.trim().split(/\s+/);
      expect(mine.slice(0, 3)).toEqual(["sqs-burst", String(row.firstMs), row.firstFaults.toLocaleString("en-US")]);
      expect(lines[lines.indexOf(lines.find((l) => l.startsWith("sqs-burst "))!) + 1]).toMatch(/^ {2}its floor +\d+ /);
      const bad = spawnSync(process.execPath, [join(root, "bench", "run.js"), "--costs", "--only", "engine-hold", "--out", out], { encoding: "utf8" });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("no scenario benchmark named engine-hold");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bench/ab.js --same", () => {
  const root = join(__dirname, "..");
  const run = () => spawnSync(process.execPath, [join(root, "bench", "ab.js"), "--base", join(root, "dist"), "--same", "--until", "1"], { encoding: "utf8" });

  it("finds every report of a build identical to its own", () => {
    const r = run();
    const count = readdirSync(join(root, "scenarios")).filter((f) => f.endsWith(".yaml")).length + readdirSync(dir).filter((f) => f.endsWith(".yaml")).length;
    expect(r.stdout).toContain(`reports (until 1 s): ${count} of ${count} identical to the base's`);
    expect(r.status).toBe(0);
  });

  it("names the scenarios whose reports differ and exits 1", () => {
    // A copy of this build that prints another version in every report: every report differs from the base's.
    const other = mkdtempSync(join(tmpdir(), "esm-sim-ab-test-"));
    try {
      cpSync(join(root, "dist"), join(other, "dist"), { recursive: true });
      symlinkSync(join(root, "node_modules"), join(other, "node_modules"), "dir");
      const versionFile = join(other, "dist", "run", "version.js");
      writeFileSync(versionFile, readFileSync(versionFile, "utf8").replace(/VERSION = "[^"]*"/, 'VERSION = "0.0.0-other"'));
      const r = spawnSync(process.execPath, [join(root, "bench", "ab.js"), "--base", other, "--same", "--until", "1"], { encoding: "utf8" });
      expect(r.stdout).toContain("reports (until 1 s): 0 of");
      expect(r.stdout).toMatch(/different: .*sqs-burst\.yaml/);
      expect(r.status).toBe(1);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
}, 60_000);

// Memory per waiting message (bench/run.js measures it on the queue bursts with bench/heap.js): the heap is read
// while every message sent is still waiting, and more messages take more bytes.
describe("bench/heap.js", () => {
  const root = join(__dirname, "..");
  const heap = (records: number) => {
    const r = spawnSync(process.execPath, ["--expose-gc", join(root, "bench", "heap.js"), join(root, "bench", "scenarios", "sqs-burst.yaml"), String(records)], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { records: number; waiting: number; atUs: number; heapBytes: number };
  };

  it("measures once every message is sent and none has been received yet", () => {
    const small = heap(2_000);
    const large = heap(40_000);
    expect(small).toMatchObject({ records: 2_000, waiting: 2_000, atUs: 0 });
    expect(large).toMatchObject({ records: 40_000, waiting: 40_000, atUs: 0 });
    expect(large.heapBytes).toBeGreaterThan(small.heapBytes);
  });

  it("refuses a scenario whose first producer is not a burst, and a run without --expose-gc", () => {
    const steady = spawnSync(process.execPath, ["--expose-gc", join(root, "bench", "heap.js"), join(root, "bench", "scenarios", "kinesis-steady.yaml")], { cwd: root, encoding: "utf8" });
    expect(steady.status).toBe(2);
    expect(steady.stderr).toMatch(/a burst/);
    const noGc = spawnSync(process.execPath, [join(root, "bench", "heap.js"), join(root, "bench", "scenarios", "sqs-burst.yaml")], { cwd: root, encoding: "utf8" });
    expect(noGc.status).toBe(2);
    expect(noGc.stderr).toMatch(/--expose-gc/);
  });
});

describe("docs/performance.md", () => {
  /** The first code block of docs/performance.md after `heading`. */
  const blockAfter = (heading: string): string => {
    const doc = readFileSync(join(__dirname, "..", "docs", "performance.md"), "utf8");
    const section = doc.slice(doc.indexOf(heading));
    return section.slice(section.indexOf("```\n") + 4, section.indexOf("\n```", section.indexOf("```\n") + 4));
  };
  /** A committed results file of bench/results/. */
  const committed = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, "..", "bench", "results", file), "utf8"));

  it("prints the committed set (bench/results/latest.json) in its current figures, as bench/run.js prints it", () => {
    const block = blockAfter("## Current figures");
    const set = committed("latest.json") as {
      nproc: number;
      cpuModel: string;
      node: string;
      results: { name: string; wallMs: number; floorWallMs: number; ratio: number; peakRssMb: number | null; bytesPerWaitingMessage?: number }[];
    };
    expect(block.split("\n")[0]).toBe(`${set.nproc} CPUs (${set.cpuModel}), Node ${set.node}`);
    const fmtRatio = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const rows = block.split("\n").filter((l) => set.results.some((r) => l.startsWith(`${r.name} `)));
    expect(rows.length).toBe(set.results.length);
    for (const r of set.results) {
      const row = rows.find((l) => l.startsWith(`${r.name} `))!.trim().split(/\s+/);
      const floorMs = r.floorWallMs >= 100 ? String(Math.round(r.floorWallMs)) : r.floorWallMs.toFixed(1);
      expect(row.slice(0, 4), r.name).toEqual([r.name, String(r.wallMs), floorMs, fmtRatio(r.ratio)]);
      if (r.peakRssMb !== null) expect(row[5], r.name).toBe(String(r.peakRssMb));
      if (r.bytesPerWaitingMessage !== undefined) expect(block, r.name).toContain(`${r.name}: ${r.bytesPerWaitingMessage} bytes per waiting message`);
    }
  });

  it("prints the committed first-run costs (bench/results/costs.json) in its block, as bench/run.js --costs prints them", () => {
    const block = blockAfter("## Where a first run's time goes");
    const set = committed("costs.json") as {
      nproc: number;
      cpuModel: string;
      node: string;
      page: { usPerFault: number };
      rows: { name: string; firstMs: number; firstFaults: number; firstFaultMs: number; secondMs: number; secondFaults: number; ratioFirst: number; ratioSecond: number; floor: { firstMs: number; firstFaults: number; secondMs: number } }[];
    };
    const lines = block.split("\n");
    expect(lines[0]).toBe(`${set.nproc} CPUs (${set.cpuModel}), Node ${set.node}`);
    expect(lines[1]).toContain(`a fresh page: ${set.page.usPerFault.toFixed(1)} us a fault`);
    const fmtRatio = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    expect(set.rows.length).toBeGreaterThan(3);
    for (const r of set.rows) {
      const at = lines.findIndex((l) => l.startsWith(`${r.name} `));
      const row = lines[at].trim().split(/\s+/);
      expect(row, r.name).toEqual([r.name, String(r.firstMs), n(r.firstFaults), String(r.firstFaultMs), expect.stringMatching(/%$/), String(r.secondMs), n(r.secondFaults), fmtRatio(r.ratioFirst), fmtRatio(r.ratioSecond)]);
      const floor = lines[at + 1].trim().split(/\s+/);
      expect(floor.slice(0, 4), `${r.name}'s floor`).toEqual(["its", "floor", String(r.floor.firstMs), n(r.floor.firstFaults)]);
    }
  });

  it("prints the committed scaling set (bench/results/scaling.json) in its linear-cost block, as bench/run.js --scaling prints it", () => {
    const block = blockAfter("Linear cost, `node bench/run.js --scaling`");
    const set = committed("scaling.json") as {
      nproc: number;
      cpuModel: string;
      node: string;
      scaling: { multiple: number; virtualS: number; records: number; wallMs: number; nsPerRecord: number; floorNsPerRecord: number }[];
    };
    const lines = block.split("\n");
    expect(lines[0]).toBe(`${set.nproc} CPUs (${set.cpuModel}), Node ${set.node}`);
    expect(set.scaling.length).toBeGreaterThan(1);
    for (const r of set.scaling) {
      const row = lines.find((l) => l.startsWith(`${r.multiple}x `))!.trim().split(/\s+/);
      expect(row.slice(0, 5), `${r.multiple}x`).toEqual([`${r.multiple}x`, String(r.virtualS), r.records.toLocaleString("en-US"), String(r.wallMs), String(r.nsPerRecord)]);
      expect(row[6], `${r.multiple}x`).toBe(String(r.floorNsPerRecord));
    }
  });
});
