import { describe, expect, it } from "vitest";
import { OUTCOME_KINDS, OutcomeBuckets } from "../src/metrics/outcomes.js";
import { simulate } from "../src/run/simulate.js";
import { renderJson } from "../src/report/json.js";
import { sparklineRows } from "../src/report/spark.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const outage = scenarioFrom(`
name: outage
source: { type: sqs, VisibilityTimeout: 2 }
traffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 5 }]
mapping: { BatchSize: 5 }
function:
  Timeout: 1
  duration: { base: 50ms }
  failures: [{ when: { from: 10s, to: 15s }, effect: error }]
`);

describe("outcomes over time", () => {
  it("puts each result and throttle in the bucket of the time it happened", () => {
    const { report, events } = runWithTrace(outage);
    const o = report.series.outcomes;
    expect(o.kinds).toEqual(["ok", "error", "timeout", "throttle", "partial"]);
    const expected = new Map<number, number[]>();
    for (const e of events) {
      const kind = e.type === "result" ? e.outcome : e.type === "throttle" ? "throttle" : null;
      if (kind === null) continue;
      const start = Math.floor(e.tUs / 1000 / o.bucketMs) * o.bucketMs;
      const row = expected.get(start) ?? [0, 0, 0, 0, 0];
      row[OUTCOME_KINDS.indexOf(kind)]++;
      expected.set(start, row);
    }
    const nonEmpty = o.buckets.filter((b) => b.slice(1).some((n) => n > 0));
    expect(nonEmpty).toEqual([...expected.entries()].map(([t, row]) => [t, ...row]));
    // the outage shows as errors between 10 s and 15 s (plus the function's duration), and only there
    const errorTimes = o.buckets.filter((b) => b[2] > 0).map((b) => b[0]);
    expect(errorTimes.length).toBeGreaterThan(0);
    expect(Math.min(...errorTimes)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...errorTimes)).toBeLessThan(15_100);
  });

  it("coarsens to a wider bucket when a run outgrows the bucket count, keeping every count", () => {
    const b = new OutcomeBuckets(10);
    b.add(0, "ok");
    b.add(150_000, "error");
    b.add(950_000, "ok");
    expect(b.series()).toEqual({ bucketMs: 100, kinds: [...OUTCOME_KINDS], buckets: [[0, 1, 0, 0, 0, 0], [100, 0, 1, 0, 0, 0], ...Array.from({ length: 7 }, (_, i) => [200 + 100 * i, 0, 0, 0, 0, 0]), [900, 1, 0, 0, 0, 0]] });
    b.add(1_000_000, "throttle"); // bucket 10 of 100 ms does not fit: 200 ms buckets
    expect(b.series().bucketMs).toBe(200);
    expect(b.series().buckets.slice(0, 1)).toEqual([[0, 1, 1, 0, 0, 0]]);
    b.add(25_000_000, "timeout"); // 200 ms x 10 = 2 s does not reach 25 s: 1 s, 2 s, then 10 s buckets
    const s = b.series();
    expect(s.bucketMs).toBe(10_000);
    expect(s.buckets).toEqual([[0, 2, 1, 0, 1, 0], [10_000, 0, 0, 0, 0, 0], [20_000, 0, 0, 1, 0, 0]]);
  });
});

describe("invocation timeline", () => {
  it("holds every invocation of a small run with its poller, start, end and outcome", () => {
    const { events } = runWithTrace(outage);
    const r = simulate(outage);
    const tl = r.timeline;
    expect(tl).not.toBeNull();
    const invokes = events.filter((e) => e.type === "invoke");
    const results = new Map(events.filter((e) => e.type === "result").map((e) => [e.invocation, e]));
    expect(tl!.items.map((i) => i.invocation)).toEqual(invokes.map((e) => e.invocation));
    expect(tl!.items.map((i) => tl!.lanes[i.lane])).toEqual(invokes.map((e) => `poller ${e.poller}`));
    expect(tl!.items.map((i) => [i.start, i.end, i.outcome])).toEqual(
      invokes.map((e) => [e.tUs / 1000, results.get(e.invocation)!.tUs / 1000, results.get(e.invocation)!.outcome]),
    );
    expect(tl!.items.filter((i) => i.outcome === "error").length).toBe(r.report.invocations.errors);
  });

  it("marks every throttled invoke on its poller's lane", () => {
    const s = scenarioFrom(`
name: throttled
source: { type: sqs, VisibilityTimeout: 30 }
traffic: [{ at: 0s, records: 50 }]
mapping: { BatchSize: 1 }
function: { Timeout: 5, ReservedConcurrentExecutions: 1, duration: { base: 200ms } }
`);
    const { events } = runWithTrace(s);
    const tl = simulate(s).timeline!;
    const throttles = events.filter((e) => e.type === "throttle");
    expect(throttles.length).toBeGreaterThan(0);
    expect(tl.throttles.map((t) => [tl.lanes[t.lane], t.t])).toEqual(throttles.map((e) => [`poller ${e.poller}`, e.tUs / 1000]));
  });

  it("is dropped when a run has more invocations than the limit", () => {
    const big = scenarioFrom(`
name: big
source: { type: sqs }
traffic: [{ at: 0s, records: 2100 }]
mapping: { BatchSize: 1 }
function: { duration: { base: 1ms } }
`);
    const r = simulate(big);
    expect(r.report.invocations.total).toBeGreaterThan(2000);
    expect(r.timeline).toBeNull();
  });
});

describe("progress callback", () => {
  it("reports virtual time moving forward and does not change the report", () => {
    const seen: { nowUs: number; ended: number; produced: number }[] = [];
    const withProgress = simulate(outage, { progress: (p) => seen.push(p), progressEvery: 50 });
    expect(seen.length).toBeGreaterThan(5);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].nowUs).toBeGreaterThanOrEqual(seen[i - 1].nowUs);
      expect(seen[i].ended).toBeGreaterThanOrEqual(seen[i - 1].ended);
    }
    expect(seen.at(-1)!.ended).toBeLessThanOrEqual(seen.at(-1)!.produced);
    expect(renderJson(withProgress.report)).toBe(renderJson(simulate(outage).report));
  });
});

describe("series over virtual time", () => {
  it("samples every second in a short run", () => {
    const s = simulate(outage).report.series.concurrency;
    expect(s.length).toBeGreaterThan(25);
    expect(new Set(s.slice(1).map(([t], i) => t - s[i][0]))).toEqual(new Set([1000]));
  });

  it("stays bounded and evenly spaced in a long run by doubling the spacing", () => {
    const long = scenarioFrom(`
name: long
until: 2h
source: { type: sqs }
traffic: [{ rate: 1/m, from: 0s, to: 2h }]
`);
    const r = simulate(long).report;
    for (const s of [r.series.concurrency, r.series.backlog, r.series.oldestAge]) {
      expect(s.length).toBeLessThanOrEqual(601);
      expect(s.length).toBeGreaterThan(300);
      const gaps = new Set(s.slice(1).map(([t], i) => t - s[i][0]));
      expect([...gaps]).toEqual([16_000]); // 7,200 one-second samples thinned 4 times: 1 s -> 16 s
    }
  });
});

describe("sparkline labels", () => {
  it("name each per-shard series, even when the stream has a single shard", () => {
    const { report } = runWithTrace(
      scenarioFrom(`
name: one-shard
source: { type: kinesis, ShardCount: 1 }
traffic: [{ rate: 50/s, from: 0s, to: 20s, keys: 5 }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 200ms } }
`),
    );
    const rows = sparklineRows(report).map((row) => row.label.trimEnd());
    expect(rows).toEqual(["concurrency", "iterator age shardId-000000000000", "records behind shardId-000000000000"]);
  });

  it("a queue's series.backlog is labelled for what it counts, visible + in flight: CloudWatch's two message counts added", () => {
    // Six messages received at once and held by a slow function: none visible, six in flight. "Queue depth" would read
    // as ApproximateNumberOfMessagesVisible, which says 0.
    const { report, events } = runWithTrace(
      scenarioFrom(`
name: held
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 6, key: a }]
mapping: { BatchSize: 10 }
function: { Timeout: 30, duration: { base: 10s } }
`),
    );
    const samples = events.filter((e) => e.type === "sample");
    expect(Math.max(...samples.map((e) => e.visible))).toBe(0);
    expect(Math.max(...samples.map((e) => e.visible + e.inFlight))).toBe(6);
    expect(Math.max(...report.series.backlog.map(([, v]) => v))).toBe(6);
    expect(report.cloudwatch.ApproximateNumberOfMessagesVisible).toBe(0);
    expect(report.cloudwatch.ApproximateNumberOfMessagesNotVisible).toBe(6);
    const rows = sparklineRows(report).map((row) => [row.label.trimEnd(), row.scale]);
    expect(rows).toContainEqual(["visible + in flight", "0..6"]);
    expect(rows.map(([label]) => label)).not.toContain("queue depth");
  });
});
