import { describe, expect, it } from "vitest";
import { KeyTable } from "../src/sources/keys.js";
import { SEND_RUN_MAX, SendRun, Traffic } from "../src/sources/traffic.js";
import { scenarioFrom } from "./helpers.js";

function produced(yamlTraffic: string, upToUs = 1e15) {
  const s = scenarioFrom(`name: t\nuntil: 1h\nsource: { type: sqs }\ntraffic:\n${yamlTraffic}`);
  const keys = new KeyTable();
  const t = new Traffic(s.traffic, s.seed, keys);
  const out: { n: number; key: string; tUs: number; size: number }[] = [];
  t.produceUntil(upToUs, (n, k, tUs, size) => out.push({ n, key: keys.names[k], tUs, size }));
  return out;
}

/** The same traffic taken a run at a time (takeRun), each run up to the time in `stepsUs` in turn. */
function producedInRuns(yamlTraffic: string, stepsUs: number[]) {
  const s = scenarioFrom(`name: t\nuntil: 1h\nsource: { type: sqs }\ntraffic:\n${yamlTraffic}`);
  const keys = new KeyTable();
  const t = new Traffic(s.traffic, s.seed, keys);
  const out: { n: number; key: string; tUs: number; size: number }[] = [];
  const run = new SendRun();
  let runs = 0;
  for (const upToUs of stepsUs) {
    for (;;) {
      const count = t.takeRun(upToUs, run);
      if (count < 0) return null;
      if (count > 0) runs++;
      for (let i = 0; i < count; i++) out.push({ n: run.firstN + i, key: keys.names[run.keyIndex[i]], tUs: run.sentUs[i], size: run.sizeBytes });
      if (count === 0) break;
      expect(count).toBeLessThanOrEqual(SEND_RUN_MAX);
    }
  }
  return { out, runs, produced: t.produced, next: t.nextArrivalUs() };
}

describe("traffic", () => {
  it("gives one producer's sends a run at a time exactly as one at a time, across run and step boundaries", () => {
    const steady = "  - { rate: 3000/s, from: 0s, to: 2s, keys: 50, recordSize: 300B }\n";
    const poisson = "  - { rate: 2500/s, arrival: poisson, from: 0s, to: 2s, keys: 9, keyDistribution: zipf }\n";
    for (const yaml of [steady, poisson]) {
      const steps = [0, 333_333, 333_334, 1_000_000, 1_999_999, 5_000_000];
      const runs = producedInRuns(yaml, steps)!;
      expect(runs.out).toEqual(produced(yaml));
      // several runs: some full (the capacity is crossed) and the steps are honoured
      expect(runs.runs).toBeGreaterThan(5);
      expect(runs.produced).toBe(runs.out.length);
      expect(runs.next).toBe(Infinity);
    }
    // Between steps, nothing after the step is taken.
    const partial = producedInRuns(steady, [500_000])!;
    expect(partial.out.at(-1)!.tUs).toBeLessThanOrEqual(500_000);
    expect(partial.next).toBeGreaterThan(500_000);
    expect(partial.out).toEqual(produced(steady, 500_000));
  });

  it("takes several producers' sends in runs in the order of the send-by-send path, ties to the producer listed first", () => {
    const yamls = [
      "  - { rate: 1/s, from: 0s, to: 3s, key: a }\n  - { at: 1500ms, records: 1, key: b }\n",
      // ties at whole seconds both ways round, a burst at an instant another producer sends at, and poisson gaps
      "  - { at: 2s, records: 5, key: burst, recordSize: 1KB }\n  - { rate: 1000/s, from: 0s, to: 4s, keys: 30 }\n  - { rate: 4/s, from: 1s, to: 3s, key: q }\n",
      "  - { rate: 700/s, arrival: poisson, from: 0s, to: 3s, keys: 5 }\n  - { rate: 500/s, from: 500ms, to: 2500ms, keys: 7, recordSize: 2KB }\n  - { at: 1s, records: 2000, key: big }\n",
    ];
    for (const yaml of yamls) {
      const runs = producedInRuns(yaml, [0, 999_999, 1_000_000, 2_000_000, 2_000_001, 1e7])!;
      expect(runs.out).toEqual(produced(yaml));
      expect(runs.next).toBe(Infinity);
    }
  });

  it("leaves producer retries to the send-by-send path", () => {
    expect(producedInRuns("  - { rate: 10/s, from: 0s, to: 3s, key: a, duplicateSendRate: 0.5, duplicateSendAfter: 1s }\n", [1e7])).toBeNull();
  });

  it("spaces a steady rate evenly from `from` up to (not including) `to`", () => {
    const r = produced("  - { rate: 4/s, from: 1s, to: 2s, key: a }\n");
    expect(r.map((x) => x.tUs)).toEqual([1_000_000, 1_250_000, 1_500_000, 1_750_000]);
  });

  it("accepts per-minute and per-hour rates", () => {
    expect(produced("  - { rate: 6/m, from: 0s, to: 1m, key: a }\n").length).toBe(6);
    expect(produced("  - { rate: 120/h, from: 0s, to: 1h, key: a }\n").length).toBe(120);
  });

  it("puts a burst's records at one instant", () => {
    const r = produced("  - { at: 5s, records: 3, key: a, recordSize: 2KB }\n");
    expect(r.map((x) => [x.tUs, x.size])).toEqual([[5e6, 2048], [5e6, 2048], [5e6, 2048]]);
  });

  it("merges producers in arrival order with increasing production indexes", () => {
    const r = produced("  - { rate: 1/s, from: 0s, to: 3s, key: a }\n  - { at: 1500ms, records: 1, key: b }\n");
    expect(r.map((x) => [x.n, x.key, x.tUs / 1e3])).toEqual([[0, "a", 0], [1, "a", 1000], [2, "b", 1500], [3, "a", 2000]]);
  });

  it("draws poisson gaps with the right mean rate", () => {
    const r = produced("  - { rate: 100/s, arrival: poisson, from: 0s, to: 100s, key: a }\n");
    expect(r.length).toBeGreaterThan(9_500);
    expect(r.length).toBeLessThan(10_500);
    const gaps = new Set(r.slice(1).map((x, i) => x.tUs - r[i].tUs));
    expect(gaps.size).toBeGreaterThan(100); // not evenly spaced
  });

  it("spreads uniform keys evenly and zipf keys towards the first", () => {
    const count = (rs: { key: string }[]) => {
      const m = new Map<string, number>();
      for (const x of rs) m.set(x.key, (m.get(x.key) ?? 0) + 1);
      return m;
    };
    const uni = count(produced("  - { rate: 1000/s, from: 0s, to: 10s, keys: 10 }\n"));
    expect(uni.size).toBe(10);
    for (const v of uni.values()) expect(Math.abs(v - 1000)).toBeLessThan(150);
    const zipf = count(produced("  - { rate: 1000/s, from: 0s, to: 10s, keys: 10, keyDistribution: zipf, zipfExponent: 1.2 }\n"));
    expect(zipf.get("key-0")!).toBeGreaterThan(3 * zipf.get("key-9")!);
  });

  it("gives the same records for the same seed", () => {
    const a = produced("  - { rate: 50/s, arrival: poisson, from: 0s, to: 10s, keys: 7 }\n");
    const b = produced("  - { rate: 50/s, arrival: poisson, from: 0s, to: 10s, keys: 7 }\n");
    expect(a).toEqual(b);
  });
});
