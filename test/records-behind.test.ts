import { describe, expect, it } from "vitest";
import { RecordsBehind } from "../src/metrics/records-behind.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderTable } from "../src/report/table.js";
import type { Report } from "../src/run/result.js";
import { simulate } from "../src/run/simulate.js";
import { arrivalUsOf, type StreamRecord } from "../src/sources/stream-record.js";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

/** Records behind per shard at every whole second the run sampled, from the trace alone: records that arrived in
 *  the shard by then, minus records the mapping's reads returned by then (no filter, no expiry in these runs). */
function behindFromTrace(events: TraceEvent[], shardCount: number, endedAtMs: number): number[][] {
  const seconds = Math.ceil(endedAtMs / 1000);
  const arrivedAt: number[][] = Array.from({ length: shardCount }, () => new Array<number>(seconds + 1).fill(0));
  const readAt: number[][] = Array.from({ length: shardCount }, () => new Array<number>(seconds + 1).fill(0));
  for (const e of events) {
    if (e.type === "produce") arrivedAt[e.shard!][Math.min(seconds, Math.ceil(arrivalUsOf(e.record as StreamRecord) / 1e6))]++;
    if (e.type === "poll") readAt[e.shard!][Math.min(seconds, Math.ceil(e.tUs / 1e6))] += e.received;
    expect(["expire", "filter"]).not.toContain(e.type);
  }
  // Sampled: every whole second before the run's last event.
  return arrivedAt.map((arrived, i) => {
    const out: number[] = [];
    let inShard = 0;
    for (let s = 0; s < seconds; s++) {
      inShard += arrived[s] - readAt[i][s];
      out.push(inShard);
    }
    return out;
  });
}

/** The peak the report should give: the largest sample, first by time, then by shard. */
function peakOf(perSecond: number[][]): { max: number; shard: number; atMs: number } {
  let best = { max: 0, shard: -1, atMs: 0 };
  for (let s = 0; s < perSecond[0].length; s++) {
    perSecond.forEach((v, i) => {
      if (v[s] > best.max) best = { max: v[s], shard: i, atMs: s * 1000 };
    });
  }
  return best;
}

/** The series the report should give: the largest sample per interval, intervals one second wide and doubled until
 *  at most 600 cover the run. */
function seriesOf(perSecond: number[]): [number, number][] {
  let w = 1;
  while (Math.floor((perSecond.length - 1) / w) >= 600) w *= 2;
  const out: [number, number][] = [];
  perSecond.forEach((v, s) => {
    const k = Math.floor(s / w);
    if (out.length <= k) out.push([k * w * 1000, v]);
    else out[k][1] = Math.max(out[k][1], v);
  });
  return out;
}

function expectMatchesTrace(report: Report, events: TraceEvent[]): number[][] {
  const st = report.stream!;
  const perSecond = behindFromTrace(events, st.shardCount, report.endedAt);
  const peak = peakOf(perSecond);
  expect(st.recordsBehind).toEqual({ max: peak.max, maxShard: st.shards[peak.shard]?.shardId ?? null, maxAtMs: peak.shard < 0 ? null : peak.atMs });
  expect(st.shards.map((s) => s.recordsBehindMax)).toEqual(perSecond.map((v) => Math.max(...v)));
  st.shards.forEach((s, i) => expect(report.series.recordsBehindByShard![s.shardId]).toEqual(seriesOf(perSecond[i])));
  return perSecond;
}

// One hot key of 1,000 records a second on one of two shards (the shard's write limit throttles some of them into
// later seconds), a few cold keys, and a function that handles 200 records a second.
const hotKey = `
name: hot-key
source: { type: kinesis, ShardCount: 2 }
traffic:
  - { rate: 1000/s, from: 0s, to: 40s, key: hot }
  - { rate: 20/s, from: 0s, to: 40s, keys: 16 }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { duration: { base: 500ms } }
`;

describe("records behind per shard: records in the shard the mapping has not read yet", () => {
  it("a slow function behind a hot key: the peak, its shard and its time are what the trace implies", () => {
    const s = scenarioFrom(hotKey);
    const { report, events } = runWithTrace(s);
    const st = report.stream!;
    expect(st.producerThrottles).toBeGreaterThan(0);
    const perSecond = expectMatchesTrace(report, events);
    // The hot key's shard builds the backlog; the other keeps up.
    const hot = st.shards.findIndex((x) => x.shardId === st.recordsBehind.maxShard);
    expect(st.recordsBehind.max).toBeGreaterThan(10_000);
    expect(Math.max(...perSecond[1 - hot])).toBeLessThan(50);
    // A run without a trace keeps its records packed until read: the same numbers.
    expect(simulate(s).report.stream!.recordsBehind).toEqual(st.recordsBehind);
  });

  it("a run that keeps up peaks under one batch: at most a poll interval's arrivals wait unread", () => {
    const { report, events } = runWithTrace(
      scenarioFrom(`
name: keeps-up
source: { type: kinesis, ShardCount: 4 }
traffic: [{ rate: 200/s, from: 0s, to: 30s, keys: 64 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { duration: { base: 20ms } }
`),
    );
    expectMatchesTrace(report, events);
    const rb = report.stream!.recordsBehind;
    expect(rb.max).toBeGreaterThan(0);
    expect(rb.max).toBeLessThanOrEqual(100);
  });

  it("a long stretch in which nothing happens repeats the last sample: the series covers it in wider intervals", () => {
    const { report, events } = runWithTrace(
      scenarioFrom(`
name: quiet-stretch
source: { type: kinesis, ShardCount: 2 }
traffic: [{ rate: 100/s, from: 0s, to: 20s, keys: 8 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100, disabledPeriods: [{ from: 10s, to: 45m }] }
function: { duration: { base: 20ms } }
`),
    );
    expect(report.endedAt).toBeGreaterThan(2_700_000);
    const perSecond = expectMatchesTrace(report, events);
    // Disabled from 10 s: what arrived after stays unread until 45 m, the same at every sample.
    expect(perSecond.map((v) => v[1000])).toEqual(perSecond.map((v) => v[2000]));
    expect(perSecond[0][1000] + perSecond[1][1000]).toBeGreaterThan(900);
    const points = report.series.recordsBehindByShard![report.stream!.shards[0].shardId];
    expect(points.length).toBeLessThanOrEqual(600);
    expect(points[1][0]).toBe(8000);
  });

  it("a mapping that starts late: every record waiting for it counts until it starts reading", () => {
    const run = (pos: string) =>
      simulate(
        scenarioFrom(`
name: late
source: { type: kinesis, ShardCount: 1 }
traffic: [{ rate: 100/s, from: 0s, to: 20s }]
mapping: { StartingPosition: ${pos}, BatchSize: 100, startAt: 10s }
function: { duration: { base: 10ms } }
`),
      ).report;
    // Records of the first 9 s are in the shard at 9 s; at 10 s the mapping starts and reads (TRIM_HORIZON) or
    // skips (LATEST) them.
    const trim = run("TRIM_HORIZON");
    expect(trim.stream!.recordsBehind).toMatchObject({ maxShard: "shardId-000000000000", maxAtMs: 9000 });
    expect(trim.stream!.recordsBehind.max).toBeGreaterThan(850);
    expect(run("LATEST").stream!.recordsBehind).toEqual(trim.stream!.recordsBehind);
    expect(trim.series.recordsBehindByShard!["shardId-000000000000"].find((p) => p[0] === 10_000)![1]).toBeLessThan(100);
  });

  it("a stream of many shards keeps fewer intervals per shard, and every peak survives the merging", () => {
    const shards = 200;
    const fold = new RecordsBehind(shards);
    const values = new Array<number>(shards).fill(0);
    for (let s = 0; s < 1000; s++) {
      for (let i = 0; i < shards; i++) values[i] = (s * 7 + i * 13) % 97;
      if (s === 777) values[42] = 5000;
      fold.sample(s * 1_000_000, values);
    }
    const series = fold.series(Array.from({ length: shards }, (_, i) => `s${i}`));
    // 48,000 intervals over 200 shards: 240 each at most, so 1,000 seconds take intervals of 8 s.
    expect(Object.values(series).every((p) => p.length <= 240 && p.length >= 120)).toBe(true);
    expect(series.s0[1][0]).toBe(8000);
    expect(Math.max(...series.s42.map((p) => p[1]))).toBe(5000);
    expect(series.s42.find((p) => p[1] === 5000)![0]).toBe(776_000);
    expect({ max: fold.max, shard: fold.maxShard, atUs: fold.maxAtUs }).toEqual({ max: 5000, shard: 42, atUs: 777_000_000 });
  });

  it("the table, Markdown and JSON show the peak with its shard and time, and a sparkline per shard", () => {
    const { report } = runWithTrace(scenarioFrom(hotKey));
    const rb = report.stream!.recordsBehind;
    const table = renderTable(report, { color: false });
    expect(table).toMatch(/records behind max +│ +[\d,]+ │/);
    expect(table).toContain(`at most ${rb.max.toLocaleString("en-US")} on ${rb.maxShard} at `);
    expect(table).toMatch(/records behind shardId-000000000000 +[▁-█]{48} +0\.\.[\d,]+/);
    expect(table).toMatch(/│ behind max │/);
    const md = renderMarkdown(report);
    expect(md).toContain(`| records behind max | ${rb.max.toLocaleString("en-US")} on ${rb.maxShard} at `);
    expect(md).toMatch(/records behind shardId-000000000001 +[▁-█]{48}/);
  });
});
