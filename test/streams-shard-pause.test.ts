/**
 * A stream function error stops the shard: "Lambda stops processing additional records in a shard if your function
 * returns an error" (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), with ParallelizationFactor > 1
 * too; lane-only pausing is the figure streamErrorPausesLaneOnly. And a batch in retry back-off whose first record
 * leaves the stream goes on at the next poll.
 */
import { describe, expect, it } from "vitest";
import type { InvokeEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);
const invokes = (events: TraceEvent[]) => of(events, "invoke") as InvokeEvent[];
const ns = (e: { records: readonly { n: number }[] }) => e.records.map((r) => r.n);

/** Key a fails until 20 s; key b writes a record a second from 1 s to 6 s; ParallelizationFactor 10. */
function poisonAndFlow(scaling = "") {
  return scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { at: 0s, records: 1, key: a }
  - { rate: 1/s, from: 1s, to: 6s, key: b }
mapping: { StartingPosition: TRIM_HORIZON, ParallelizationFactor: 10 }
function:
  failures: [{ when: { key: a, to: 20s }, effect: error }]
${scaling}`);
}

describe("a stream function error pauses the shard", () => {
  it("by default no other lane of the shard starts a batch until the failing batch succeeds", () => {
    const { events, report } = runWithTrace(poisonAndFlow());
    const inv = invokes(events);
    const aSucceededUs = of(events, "result").find((e) => e.outcome === "ok" && e.records.some((r) => r.n === 0))!.tUs;
    expect(aSucceededUs).toBeGreaterThanOrEqual(20_000_000);
    const bInvokes = inv.filter((e) => e.records.some((r) => r.n > 0));
    expect(bInvokes.length).toBeGreaterThan(0);
    expect(bInvokes.every((e) => e.tUs >= aSucceededUs)).toBe(true);
    expect(bInvokes.flatMap(ns).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    expect(report.records.succeeded).toBe(6);
  });

  it("a batch already in flight on another lane finishes when the shard pauses", () => {
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { at: 0s, records: 1, key: a }
  - { at: 0s, records: 1, key: b }
  - { at: 0.5s, records: 1, key: b }
mapping: { StartingPosition: TRIM_HORIZON, ParallelizationFactor: 10 }
function:
  duration: { base: 100ms }
  failures: [{ when: { key: a, to: 10s }, effect: error }]
`);
    const { events } = runWithTrace(s);
    const results = of(events, "result");
    // b's first record was in flight with a's failing batch and succeeded; b's second waited for a
    expect(results.find((e) => e.records.some((r) => r.n === 1))!.outcome).toBe("ok");
    const aOkUs = results.find((e) => e.outcome === "ok" && e.records.some((r) => r.n === 0))!.tUs;
    const b2Us = invokes(events).find((e) => e.records.some((r) => r.n === 2))!.tUs;
    expect(b2Us).toBeGreaterThanOrEqual(aOkUs);
  });

  it("with streamErrorPausesLaneOnly 1 the other keys keep flowing while the failing key's lane waits", () => {
    const { events } = runWithTrace(poisonAndFlow("scaling: { streamErrorPausesLaneOnly: 1 }\n"));
    const bInvokes = invokes(events).filter((e) => e.records.some((r) => r.n > 0));
    expect(bInvokes.filter((e) => e.tUs < 10_000_000).flatMap(ns)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("a batch in retry back-off whose first record expires", () => {
  it("goes on at the next poll after the expiry instead of sleeping out the back-off", () => {
    // The poison record arrives at 0 s and fails every time; retention is 24 h, the back-off reaches 30 s. The record
    // behind it (in the same batch) arrives 1 s later and is processed within a poll interval of the poison's expiry.
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { at: 0s, records: 1, key: poison }
  - { at: 0.5s, records: 1, key: good }
mapping: { StartingPosition: TRIM_HORIZON, MaximumBatchingWindowInSeconds: 1, startAt: 1s }
function:
  failures: [{ when: { key: poison }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    const dayUs = 24 * 3600 * 1_000_000;
    const expire = of(events, "expire").find((e) => e.record.n === 0)!;
    expect(expire.tUs).toBe(dayUs);
    const goodOk = of(events, "result").find((e) => e.outcome === "ok" && e.records.some((r) => r.n === 1))!;
    expect(goodOk.tUs).toBeGreaterThan(dayUs);
    expect(goodOk.tUs).toBeLessThanOrEqual(dayUs + 1_000_000 + 200_000);
    expect(report.records.succeeded).toBe(1);
    expect(report.records.expired).toBe(1);
  });
});
