import { describe, expect, it } from "vitest";
import { simulate } from "../src/run/simulate.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

// AWS: a batch closes when "the payload size reaches 6 MB. You cannot modify this limit"
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html).
describe("the 6 MB invocation payload", () => {
  it("is never exceeded, even by a batch gathered over several receives", () => {
    const s = scenarioFrom(`name: p
source: { type: sqs, VisibilityTimeout: 65 }
traffic: [{ at: 0s, records: 100, recordSize: 200KB }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 5 }
function: { Timeout: 10 }
`);
    const { events } = runWithTrace(s);
    const invokes = events.flatMap((e) => (e.type === "invoke" ? [e] : []));
    expect(invokes.map((e) => [e.records.length, e.closedBy])).toEqual([
      [30, "payload"],
      [30, "payload"],
      [30, "payload"],
      [10, "window"],
    ]);
    for (const e of invokes) expect(e.records.reduce((a, r) => a + r.sizeBytes, 0)).toBeLessThanOrEqual(6 * 1024 * 1024);
  });

  it("still lets a single message larger than the rest of the budget start a batch", () => {
    const s = scenarioFrom(`name: p
source: { type: sqs }
traffic: [{ at: 0s, records: 2, recordSize: 7MB }]
`);
    const { events } = runWithTrace(s);
    expect(events.flatMap((e) => (e.type === "invoke" ? [e.records.map((r) => r.n)] : []))).toEqual([[0], [1]]);
  });

  it("closes a Kinesis batch the same way whether the shard's records wait as numbers or as objects", () => {
    // 100 KB records, a function slow enough for a backlog: each batch after the first closes at 61 records (6.1 MB
    // of 6 MB = 6,291,456 bytes). Without a trace listener asking for every record, records wait in the shard as
    // numbers and are batched from there; with one, they are objects from the start.
    const s = scenarioFrom(`name: p
source: { type: kinesis, ShardCount: 1 }
traffic: [{ rate: 10/s, from: 0s, to: 60s, recordSize: 100KB }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { Timeout: 30, duration: { base: 20s } }
`);
    const { report, events } = runWithTrace(s);
    const invokes = events.flatMap((e) => (e.type === "invoke" ? [[e.records.length, e.closedBy]] : []));
    expect(invokes.slice(0, 4)).toEqual([
      [1, "available"],
      [61, "payload"],
      [61, "payload"],
      [61, "payload"],
    ]);
    expect(simulate(s).report.traceDigest).toBe(report.traceDigest);
  });
});
