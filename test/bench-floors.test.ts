import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario, simulate, type Scenario } from "esm-sim";
import { Scheduler } from "../src/engine/scheduler.js";
// The floors are plain JavaScript modules (bench/floors/*.js), run by bench/run.js beside each benchmark.
// @ts-expect-error no declaration file
import * as kinesisSteady from "../bench/floors/kinesis-steady.js";
// @ts-expect-error no declaration file
import * as kinesisHour from "../bench/floors/kinesis-hour.js";
// @ts-expect-error no declaration file
import * as poisonDay from "../bench/floors/poison-day.js";
// @ts-expect-error no declaration file
import * as sqsBurst from "../bench/floors/sqs-burst.js";
// @ts-expect-error no declaration file
import * as fifoGroups from "../bench/floors/fifo-groups.js";
// @ts-expect-error no declaration file
import * as engineHold from "../bench/floors/engine-hold.js";

// A floor is the least work any simulator must do for a benchmark's workload; its parameters are written into it, so
// these tests keep them equal to the scenario files, and check that a short slice of each floor counts what the
// simulator reports for the same slice.
const dir = join(__dirname, "..", "bench", "scenarios");
const US = 1_000_000;

interface Floor {
  PARAMS: Record<string, number | string>;
  run(opts?: { untilS?: number; ops?: number }): Record<string, number | string[]>;
}

function scenarioOf(floor: Floor): Scenario {
  return loadScenario(join(dir, String(floor.PARAMS.scenario)));
}

function steady(sc: Scenario) {
  const t = sc.traffic[0];
  if (t.kind !== "steady") throw new Error("expected a steady producer first");
  return t;
}

function burst(sc: Scenario, i = 0) {
  const t = sc.traffic[i];
  if (t.kind !== "burst") throw new Error(`expected a burst producer at ${i}`);
  return t;
}

/** The stream floors' parameters, as read from the scenario. */
function streamParams(sc: Scenario) {
  const t = steady(sc);
  if (sc.source.type !== "kinesis") throw new Error("expected a Kinesis source");
  expect(t.arrival).toBe("even");
  expect(t.keys.distribution).toBe("uniform");
  expect(t.resend.rate).toBe(0);
  expect(sc.fn.jitter).toBe(0);
  return {
    shards: sc.source.shardCount,
    ratePerS: t.ratePerS,
    fromS: t.fromUs / US,
    toS: t.toUs / US,
    keys: t.keys.count,
    batchSize: sc.mapping.batchSize,
    functionBaseUs: sc.fn.baseUs,
    functionPerRecordUs: sc.fn.perRecordUs,
  };
}

/** The SQS floors' parameters, as read from the scenario. */
function sqsParams(sc: Scenario) {
  const t = burst(sc);
  if (sc.source.type !== "sqs" && sc.source.type !== "sqs-fifo") throw new Error("expected an SQS source");
  expect(sc.traffic.length).toBe(1);
  expect(t.resend.rate).toBe(0);
  expect(sc.fn.jitter).toBe(0);
  expect(sc.fn.perRecordUs).toBe(0);
  expect(sc.fn.failures).toEqual([]);
  expect(sc.mapping.maximumConcurrency).toBeNull();
  expect(sc.mapping.provisioned).toBeNull();
  return {
    messages: t.records,
    atS: t.atUs / US,
    batchSize: sc.mapping.batchSize,
    functionBaseUs: sc.fn.baseUs,
    visibilityTimeoutS: sc.source.visibilityTimeoutUs / US,
    profile: sc.profileName,
    initialConcurrency: sc.figures.initialConcurrency,
    scaleUpPerMinute: sc.figures.scaleUpPerMinute,
    scaleTickMs: sc.figures.scaleTickMs,
    maxConcurrency: Math.min(sc.figures.maxConcurrency, sc.accountConcurrency),
  };
}

/** Runs the floor and the simulator on the same slice and compares what the floor says it counts exactly. */
function sameSlice(floor: Floor, untilS: number, fields: string[]) {
  const got = floor.run({ untilS });
  const { report } = simulate(loadScenario(join(dir, String(floor.PARAMS.scenario)), { until: untilS }));
  const sim: Record<string, number> = { records: report.records.produced, succeeded: report.records.succeeded, expired: report.records.expired };
  for (const f of got.exact as string[]) expect(fields).toContain(f);
  for (const f of fields) expect({ [f]: got[f] }).toEqual({ [f]: sim[f] });
  return { got, report };
}

describe("bench floors: parameters match the scenario files", () => {
  it("kinesis-steady and kinesis-hour", () => {
    for (const floor of [kinesisSteady, kinesisHour] as Floor[]) {
      const { scenario: _, ...params } = floor.PARAMS;
      const sc = scenarioOf(floor);
      expect(sc.traffic.length).toBe(1);
      expect(sc.fn.failures).toEqual([]);
      expect(params).toEqual(streamParams(sc));
    }
  });

  it("poison-day", () => {
    const sc = scenarioOf(poisonDay);
    const { scenario: _, poisonAtS, retentionS, retryInitialUs, retryMaxUs, ...params } = poisonDay.PARAMS as Record<string, number>;
    expect(params).toEqual(streamParams(sc));
    const poison = burst(sc, 1);
    expect(sc.traffic.length).toBe(2);
    expect({ atS: poison.atUs / US, records: poison.records, key: poison.keys.literal }).toEqual({ atS: poisonAtS, records: 1, key: "poison" });
    expect(sc.fn.failures.map((f) => [f.key, f.effect, f.attempt, f.probability])).toEqual([["poison", "error", null, null]]);
    expect(sc.source.retentionUs / US).toBe(retentionS);
    expect(sc.mapping.retryAttemptsMax).toBe(Infinity);
    expect(sc.mapping.recordAgeMaxUs).toBe(Infinity);
    expect(sc.mapping.bisectOnError).toBe(false);
    expect([retryInitialUs, retryMaxUs]).toEqual([500_000, 30_000_000]);
  });

  it("sqs-burst and fifo-groups", () => {
    const burstSc = scenarioOf(sqsBurst);
    expect(burstSc.source.type).toBe("sqs");
    const { scenario: _a, ...burstParams } = sqsBurst.PARAMS;
    expect(burstParams).toEqual(sqsParams(burstSc));

    const fifoSc = scenarioOf(fifoGroups);
    expect(fifoSc.source.type).toBe("sqs-fifo");
    const { scenario: _b, groups, ...fifoParams } = fifoGroups.PARAMS;
    expect(fifoParams).toEqual(sqsParams(fifoSc));
    expect(burst(fifoSc).keys).toMatchObject({ literal: null, count: groups, distribution: "uniform" });
  });

  it("engine-hold: the figures of engineHold() in bench/one.js", () => {
    const one = readFileSync(join(__dirname, "..", "bench", "one.js"), "utf8");
    const num = (re: RegExp) => Number(one.match(re)?.[1].replace(/_/g, ""));
    const p = engineHold.PARAMS as Record<string, number>;
    expect(num(/const pending = ([\d_]+);/)).toBe(p.pending);
    expect(num(/const ops = ([\d_]+);/)).toBe(p.ops);
    expect(2 ** num(/const delays = new Int32Array\(1 << (\d+)\);/)).toBe(p.delayTableSize);
    expect(num(/let x = (\d+);/)).toBe(p.lcgSeed);
    expect(num(/delays\[i\] = \(\(x >>> 16\) & 0x7fff\) % (\d+);/)).toBe(p.maxDelayUs);
    expect(one).toContain("x = (Math.imul(x, 1103515245) + 12345) | 0;");
  });
});

describe("bench floors: a short slice counts what the simulator reports", () => {
  it("kinesis-steady and kinesis-hour: records produced", () => {
    for (const floor of [kinesisSteady, kinesisHour] as Floor[]) {
      const { got } = sameSlice(floor, 2.5, ["records"]);
      expect(got.records).toBe(40_001);
      expect(got.succeeded).toBe(got.records);
      expect(got.orderViolations).toBe(0);
    }
  });

  it("poison-day: records produced, and the poison's attempts", () => {
    const { got, report } = sameSlice(poisonDay, 130, ["records"]);
    // 16/s to 130 s (2,081 records) and the poison. The simulator's first attempt comes at its next poll, under a
    // second later than the floor's, with the same back-off after it: 8 attempts by 130 s in both.
    expect(got.records).toBe(2_082);
    expect(got.poisonAttempts).toBe(report.invocations.errors);
    expect(got.orderViolations).toBe(0);
  });

  it("poison-day polled once a second: the same records delivered and expired, in a batch per shard per second", () => {
    const batched = poisonDay.run();
    const polled = poisonDay.run({ pollEveryS: 1 });
    for (const k of ["records", "succeeded", "expired", "poisonAttempts", "orderViolations"] as const) expect(polled[k], k).toBe(batched[k]);
    // About 16 records a second over 16 shards: most seconds of a flowing shard hold one record or two.
    expect(batched.batches).toBe(13_835);
    expect(polled.batches).toBeGreaterThan(800_000);
    expect(polled.batches).toBeLessThan(polled.records);
  });

  it("sqs-burst: messages produced and deleted", () => {
    for (const untilS of [2, 5.1, 30]) sameSlice(sqsBurst, untilS, ["records", "succeeded"]);
  });

  it("fifo-groups: messages produced and deleted", () => {
    for (const untilS of [2, 30]) {
      const { got } = sameSlice(fifoGroups, untilS, ["records", "succeeded"]);
      expect(got.orderViolations).toBe(0);
    }
  });

  it("engine-hold: the heap ends at the scheduler's time after the same steps", () => {
    const { pending, delayTableSize, lcgSeed, maxDelayUs } = engineHold.PARAMS as Record<string, number>;
    const ops = 50_000;
    const delays = new Int32Array(delayTableSize);
    let x = lcgSeed;
    for (let i = 0; i < delays.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      delays[i] = ((x >>> 16) & 0x7fff) % maxDelayUs;
    }
    const mask = delays.length - 1;
    const s = new Scheduler();
    const noop = () => {};
    for (let i = 0; i < pending; i++) s.at(delays[i & mask], noop);
    for (let i = 0; i < ops; i++) {
      s.step();
      s.after(delays[(i + pending) & mask], noop);
    }
    const got = (engineHold as Floor).run({ ops });
    expect(got.events).toBe(ops);
    expect(got.nowUs).toBe(s.nowUs);
    expect(s.nowUs).toBeGreaterThan(0);
  });
});

// bench/run.js runs a benchmark and its floor in pairs and checks the floor's counts against the report.
describe("bench/run.js", () => {
  it("prints a benchmark beside its floor, with the ratio, and records it", () => {
    const root = join(__dirname, "..");
    const tmp = mkdtempSync(join(tmpdir(), "esm-sim-bench-"));
    try {
      const out = join(tmp, "r.json");
      const r = spawnSync(process.execPath, [join(root, "bench", "run.js"), "--only", "poison-day", "--until", "2", "--runs", "1", "--out", out], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^poison-day +\d+ +[\d.]+ +[\d.]+ /m);
      const saved = JSON.parse(readFileSync(out, "utf8"));
      expect(saved.nproc).toBeGreaterThan(0);
      expect(typeof saved.cpuModel).toBe("string");
      expect(saved.results[0]).toMatchObject({ name: "poison-day", pairs: 1, countsMatch: true, records: 33, met: null });
      expect(saved.results[0].ratio).toBeGreaterThan(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
