/**
 * A shard's read limits (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html): 5 GetRecords
 * calls and 2 MB per second per shard shared by every standard consumer, up to 10,000 records or 10 MB per call;
 * enhanced fan-out's dedicated 2 MB/s; DynamoDB Streams' 1,000 records per call.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { InvokeEvent, TraceEvent } from "../src/trace/events.js";
import { renderTable } from "../src/report/table.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);
const invokes = (events: TraceEvent[]) => of(events, "invoke") as InvokeEvent[];

/** 1,000 records/s of 1 KB for `seconds` (10 minutes: 600 MB waiting) on one shard; the mapping is created then. */
function backlog(extraSource = "", extraMapping = "", seconds = 600) {
  return scenarioFrom(`name: t
source:
  type: kinesis
  ShardCount: 1${extraSource}
traffic: [{ rate: 1000, from: 0s, to: ${seconds}s, recordSize: 1KB, keys: 100 }]
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 10000
  startAt: ${seconds}s${extraMapping}
`);
}

describe("stream read limits", () => {
  let big: ReturnType<typeof runWithTrace>;
  beforeAll(() => {
    big = runWithTrace(backlog());
  }, 120_000);

  it("a 600 MB backlog on one shard drains at the shard's 2 MB/s: at least 290 s, with read throttles on the way", () => {
    const { events, report } = big;
    const inv = invokes(events);
    const lastUs = inv[inv.length - 1].tUs;
    expect(report.records.succeeded).toBe(600_000);
    expect(lastUs - 600_000_000).toBeGreaterThanOrEqual(290_000_000);
    expect(lastUs - 600_000_000).toBeLessThan(320_000_000);
    // no call returns more than 10,000 records
    expect(Math.max(...of(events, "poll").map((e) => e.received))).toBeLessThanOrEqual(10_000);
    const throttles = of(events, "readThrottle");
    expect(throttles.length).toBeGreaterThan(0);
    expect(throttles.every((e) => e.delayUs === 1_000_000)).toBe(true);
    expect(report.stream!.readThrottles).toBe(throttles.length);
    expect(report.stream!.bytesRead).toBe(600_000 * 1024);
    expect(report.stream!.shards[0].bytesRead).toBe(600_000 * 1024);
    expect(report.stream!.shards[0].readThrottles).toBe(throttles.length);
  });

  it("never calls GetRecords on a shard more than 5 times a second", () => {
    const { events } = big;
    const calls = [...of(events, "poll").map((e) => e.tUs), ...of(events, "readThrottle").map((e) => e.tUs)].sort((a, b) => a - b);
    for (let i = 1; i < calls.length; i++) expect(calls[i] - calls[i - 1]).toBeGreaterThanOrEqual(200_000);
  });

  it("two other standard consumers leave the mapping a third of the shard: a 60 MB backlog takes three times as long (the last call's 10 MB is not waited for: 5 calls' worth, about 73 s instead of 24 s)", () => {
    const { events } = runWithTrace(backlog("\n  otherConsumers: 2", "", 60));
    const inv = invokes(events);
    const drainUs = inv[inv.length - 1].tUs - 60_000_000;
    expect(drainUs).toBeGreaterThanOrEqual(73_000_000);
    expect(drainUs).toBeLessThan(80_000_000);
  });

  it("with enhanced fan-out the mapping has 2 MB/s of its own, pushed without read throttles, whatever other consumers read", () => {
    const { events, report } = runWithTrace(backlog("\n  otherConsumers: 2", "\n  enhancedFanOut: true", 60));
    const inv = invokes(events);
    const drainUs = inv[inv.length - 1].tUs - 60_000_000;
    expect(drainUs).toBeGreaterThanOrEqual(24_000_000);
    expect(drainUs).toBeLessThan(25_000_000);
    expect(of(events, "readThrottle")).toEqual([]);
    expect(report.stream!.enhancedFanOut).toBe(true);
    // The table calls its reads pushes, and every push that returned records is a poll event.
    expect(report.stream!.polls - report.stream!.emptyPolls).toBe(of(events, "poll").length);
    expect(renderTable(report, { color: false })).toMatch(new RegExp(`│ pushes \\(empty\\) +│ +${report.stream!.polls} \\(${report.stream!.emptyPolls}\\) │`));
  });

  it("enhanced fan-out pushes a record 70 ms after it arrives instead of at the next once-a-second poll", () => {
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 1.3s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, enhancedFanOut: true }
`);
    expect(invokes(runWithTrace(s).events).map((e) => e.tUs)).toEqual([1_370_000]);
  });

  it("DynamoDB Streams return at most 1,000 records per GetRecords call, four calls a second: 20,000 records take 5 s", () => {
    const s = scenarioFrom(`name: t
source: { type: dynamodb, ShardCount: 1 }
traffic: [{ at: 0s, records: 20000, keys: 50 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10000 }
function:
  duration: { base: 10ms }
`);
    const { events, report } = runWithTrace(s);
    const polls = of(events, "poll");
    expect(Math.max(...polls.map((e) => e.received))).toBe(1000);
    expect(polls.length).toBe(20);
    expect(polls[polls.length - 1].tUs).toBe(4_750_000);
    expect(report.records.succeeded).toBe(20_000);
    expect(report.stream!.readThrottles).toBe(0);
  });
});
