import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

// Mixed settings that exercise every part of the stream error model at once. For each: the run finishes without an
// internal error (simulate asserts conservation), the trace is in time order, runs are byte-identical, no two
// batches with one key are in flight together, and every invocation's records belong to one shard in order.
const configs: [string, string][] = [
  [
    "kinesis: PF 3, bisect, retries, partial responses, tumbling windows, a disabled period",
    `source: { type: kinesis, ShardCount: 3 }
traffic:
  - { rate: 40/s, from: 0s, to: 90s, keys: 25, arrival: poisson }
  - { rate: 6/m, from: 0s, to: 90s, key: poison }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 20
  MaximumBatchingWindowInSeconds: 1
  ParallelizationFactor: 3
  MaximumRetryAttempts: 2
  BisectBatchOnFunctionError: true
  FunctionResponseTypes: [ReportBatchItemFailures]
  TumblingWindowInSeconds: 5
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:f" } }
  disabledPeriods: [{ from: 30s, to: 41s }]
function:
  Timeout: 2
  duration: { base: 50ms, perRecord: 5ms, jitter: 0.5 }
  failures:
    - { when: { key: poison }, effect: error }
    - { when: { key: key-3, attempt: 1 }, effect: partial }
    - { when: { key: key-4 }, effect: partial-invalid }
    - { when: { probability: 0.05 }, effect: timeout }
`,
  ],
  [
    "dynamodb: PF 2, record age, throttles from reserved concurrency",
    `source: { type: dynamodb, ShardCount: 2 }
traffic:
  - { rate: 30/s, from: 0s, to: 2m, keys: 40, eventNames: { INSERT: 1, MODIFY: 1, REMOVE: 1 } }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 10
  ParallelizationFactor: 2
  MaximumRecordAgeInSeconds: 60
function:
  Timeout: 3
  ReservedConcurrentExecutions: 2
  duration: { base: 300ms, perRecord: 10ms }
  failures:
    - { when: { probability: 0.2 }, effect: error }
`,
  ],
  [
    "kinesis: producer throttling, LATEST from 5 s, a mapping disabled to the end",
    `source: { type: kinesis, ShardCount: 1 }
traffic:
  - { rate: 1500/s, from: 0s, to: 20s, keys: 10, recordSize: 512B }
mapping:
  StartingPosition: LATEST
  startAt: 5s
  BatchSize: 500
  MaximumBatchingWindowInSeconds: 1
  disabledPeriods: [{ from: 15s }]
until: 2m
`,
  ],
];

describe.each(configs)("stream invariants: %s", (_name, body) => {
  it.each([1, 2, 3])("seed %i", (seed) => {
    const s = scenarioFrom(`name: inv\nseed: ${seed}\n${body}`);
    const a = runWithTrace(s);
    const b = runWithTrace(s);
    expect(a.lines.join("\n")).toBe(b.lines.join("\n"));
    const events: TraceEvent[] = a.events;
    const inFlight = new Map<number, Set<number>>();
    // Each record's shard, from its produce event (records do not carry it).
    const shardOf = new Map<number, number | undefined>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0) expect(e.tUs).toBeGreaterThanOrEqual(events[i - 1].tUs);
      if (e.type === "produce") shardOf.set(e.record.n, e.shard);
      if (e.type === "invoke") {
        // A batch comes from one shard: the one the invoke names.
        expect(e.records.map((r) => shardOf.get(r.n)).filter((s) => s !== e.shard)).toEqual([]);
        for (let k = 1; k < e.records.length; k++) expect(e.records[k].n).toBeGreaterThan(e.records[k - 1].n);
        const ks = new Set(e.records.map((r) => r.keyIndex));
        for (const other of inFlight.values()) for (const k of ks) expect(other.has(k)).toBe(false);
        inFlight.set(e.invocation, ks);
      } else if (e.type === "result") inFlight.delete(e.invocation);
    }
    const r = a.report.records;
    expect(r.produced).toBe(r.succeeded + r.onFailure + r.dlq + r.expired + r.filtered + r.pending);
    expect(a.report.records.produced).toBeGreaterThan(0);
  });
});
