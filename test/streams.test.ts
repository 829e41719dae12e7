import { describe, expect, it } from "vitest";
import type { InvokeEvent, OnFailureEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

/** A stream scenario: `source` lines under `source:` (type first), the rest of the YAML after. */
function stream(rest: string, source = "type: kinesis\n  ShardCount: 1") {
  return scenarioFrom(`name: t\nsource:\n  ${source}\n${rest}`);
}

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);
const ns = (e: { records: readonly { n: number }[] }) => e.records.map((r) => r.n);
const invokes = (events: TraceEvent[]) => of(events, "invoke") as InvokeEvent[];
const onFailures = (events: TraceEvent[]) => of(events, "onFailure") as OnFailureEvent[];

describe("stream error handling", () => {
  it("bisect on a timed-out batch of 4 invokes batches of 4, 2 and 2", () => {
    const s = stream(`traffic: [{ at: 0s, records: 4, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BisectBatchOnFunctionError: true }
function:
  Timeout: 3
  duration: { base: 0.1s, perRecord: 1s }
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map(ns)).toEqual([[0, 1, 2, 3], [0, 1], [2, 3]]);
    expect(of(events, "result").map((e) => e.outcome)).toEqual(["timeout", "ok", "ok"]);
    expect(of(events, "bisect").map((e) => [e.left.map((r) => r.n), e.right.map((r) => r.n)])).toEqual([[[0, 1], [2, 3]]]);
    expect(report.records.succeeded).toBe(4);
    expect(report.stream!.retries).toBe(0);
  });

  it("with MaximumRetryAttempts 1 an always-failing record is invoked twice and one RetryAttemptsExhausted record is written with approximateInvokeCount 2", () => {
    // AWS recording (esm-semantics.md §4): R=1 and a function that always throws -> approximateInvokeCount 2.
    const s = stream(`traffic: [{ at: 0s, records: 1, key: poison }]
mapping:
  StartingPosition: TRIM_HORIZON
  MaximumRetryAttempts: 1
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:failures" } }
function:
  FunctionName: f
  failures: [{ when: { key: poison }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map((e) => [ns(e), e.attempt])).toEqual([[[0], 1], [[0], 2]]);
    expect(onFailures(events).map((e) => [ns(e), e.condition, e.approximateInvokeCount])).toEqual([[[0], "RetryAttemptsExhausted", 2]]);
    expect(report.records.onFailure).toBe(1);
    expect(report.stream!.retryExhausted).toBe(1);
    expect(report.destinations).toEqual([
      {
        requestContext: {
          requestId: "00000000-0000-4000-8000-000000000001",
          functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
          condition: "RetryAttemptsExhausted",
          approximateInvokeCount: 2,
        },
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        version: "1.0",
        timestamp: "2024-01-01T00:00:00.700Z",
        KinesisBatchInfo: {
          shardId: "shardId-000000000000",
          startSequenceNumber: "000000000000000000000",
          endSequenceNumber: "000000000000000000000",
          approximateArrivalOfFirstRecord: "2024-01-01T00:00:00.000Z",
          approximateArrivalOfLastRecord: "2024-01-01T00:00:00.000Z",
          batchSize: 1,
          streamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/t-stream",
        },
      },
    ]);
  });

  it("a record that always fails under MaximumRecordAgeInSeconds 60 is given up as RecordAgeExceeded with approximateInvokeCount 8 and no responseContext", () => {
    // AWS recording (esm-semantics.md §4): R=-1, MaxAge 60, BatchSize 1, always failing -> RecordAgeExceeded,
    // approximateInvokeCount 8, after about 60 s, without responseContext.
    const s = stream(`traffic: [{ at: 0s, records: 1, key: poison }]
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 1
  MaximumRecordAgeInSeconds: 60
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sns:us-east-1:123456789012:failures" } }
function:
  failures: [{ when: { key: poison }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).length).toBe(7);
    const f = onFailures(events);
    expect(f.map((e) => [e.condition, e.approximateInvokeCount])).toEqual([["RecordAgeExceeded", 8]]);
    expect(f[0].tUs).toBeGreaterThan(60_000_000);
    expect(f[0].tUs).toBeLessThan(70_000_000);
    const rec = report.destinations[0] as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual(["requestContext", "version", "timestamp", "KinesisBatchInfo"]);
    expect(report.stream!.discardedByRecordAge).toBe(1);
  });

  it("splits records older than MaximumRecordAgeInSeconds off a failing batch before invoking; the fresh ones still go", () => {
    const s = stream(`traffic:
  - { at: 0s, records: 1, key: poison }
  - { at: 40s, records: 2, key: good }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 100
  MaximumBatchingWindowInSeconds: 50
  MaximumRecordAgeInSeconds: 60
function:
  failures: [{ when: { key: poison }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    const inv = invokes(events);
    expect(inv[0].records.map((r) => r.n)).toEqual([0, 1, 2]);
    expect(inv[inv.length - 1].records.map((r) => r.n)).toEqual([1, 2]);
    const f = onFailures(events);
    expect(f.map((e) => [ns(e), e.condition, e.destinationArn])).toEqual([[[0], "RecordAgeExceeded", null]]);
    expect(f[0].tUs).toBe(inv[inv.length - 1].tUs);
    expect(report.records).toMatchObject({ succeeded: 2, onFailure: 1 });
  });

  it("with ReportBatchItemFailures the checkpoint moves to the failed record and the good records after it are delivered again", () => {
    // KIN-RBIF: "Lambda uses the record with the lowest sequence number as the checkpoint. Lambda then retries all
    // records starting from that checkpoint". Batch of 9, the 5th fails once.
    const s = stream(`traffic:
  - { at: 0s, records: 4, key: a }
  - { at: 0s, records: 1, key: bad }
  - { at: 0s, records: 4, key: b }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 9, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  failures: [{ when: { key: bad, attempt: 1 }, effect: partial }]
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map(ns)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8], [4, 5, 6, 7, 8]]);
    expect(of(events, "checkpoint").map((e) => e.record.n)).toEqual([3, 8]);
    expect(report.duplicates).toBe(4);
    expect(report.records.succeeded).toBe(9);
    expect(report.stream!.redeliveriesOfSucceeded).toBe(4);
  });

  it("after a partial response the rest is a new batch: the failed record is delivered 5 times with MaximumRetryAttempts 3 and written with approximateInvokeCount 4 and batchSize 1", () => {
    // AWS recording (esm-semantics.md §4): BatchSize 3, R 3, 6 records, #5 always reported failed.
    const s = stream(`traffic:
  - { at: 0s, records: 5, key: a }
  - { at: 0s, records: 1, key: bad }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 3
  MaximumRetryAttempts: 3
  FunctionResponseTypes: [ReportBatchItemFailures]
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:failures" } }
function:
  failures: [{ when: { key: bad }, effect: partial }]
`);
    const { events, report } = runWithTrace(s);
    const delivered = new Map<number, number>();
    for (const e of invokes(events)) for (const r of e.records) delivered.set(r.n, (delivered.get(r.n) ?? 0) + 1);
    expect([...delivered.entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 5]]);
    const rec = report.destinations[0] as { requestContext: { approximateInvokeCount: number }; responseContext: { functionError: null }; KinesisBatchInfo: { batchSize: number } };
    expect(rec.requestContext.approximateInvokeCount).toBe(4);
    expect(rec.KinesisBatchInfo.batchSize).toBe(1);
    expect(rec.responseContext.functionError).toBe(null);
  });

  it("an itemIdentifier that is not in the batch fails the whole batch: BatchSize 1 and MaximumRetryAttempts 2 give 3 invocations", () => {
    // AWS recording (esm-semantics.md §4): identifiers not in the batch, "", null behave as whole-batch failure.
    const s = stream(`traffic: [{ at: 0s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 1, MaximumRetryAttempts: 2, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  failures: [{ effect: partial-invalid }]
`);
    const { events } = runWithTrace(s);
    expect(invokes(events).length).toBe(3);
    expect(of(events, "result").map((e) => e.invalidResponse)).toEqual([true, true, true]);
    expect(onFailures(events).map((e) => [e.condition, e.approximateInvokeCount, e.functionError])).toEqual([["RetryAttemptsExhausted", 3, null]]);
  });

  it("without ReportBatchItemFailures a partial response is not read: the batch is checkpointed as a success", () => {
    const s = stream(`traffic: [{ at: 0s, records: 3, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
function:
  failures: [{ effect: partial }]
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map(ns)).toEqual([[0, 1, 2]]);
    expect(of(events, "result").map((e) => [e.outcome, e.ignoredPartial])).toEqual([["ok", 3]]);
    expect(report.records.succeeded).toBe(3);
  });

  it("throttles do not use up MaximumRetryAttempts", () => {
    const s = stream(
      `traffic: [{ at: 0s, records: 40, keys: 40 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 5, MaximumRetryAttempts: 0 }
function:
  ReservedConcurrentExecutions: 1
  duration: { base: 2s }
`,
      "type: kinesis\n  ShardCount: 4",
    );
    const { events, report } = runWithTrace(s);
    expect(report.invocations.throttles).toBeGreaterThan(0);
    expect(of(events, "streamRetry").every((e) => e.reason === "Throttled" && !e.countsAsRetry)).toBe(true);
    expect(report.records).toMatchObject({ succeeded: 40, onFailure: 0 });
  });
});

describe("stream sources", () => {
  it("puts a key's records on the shard whose hash-key slice holds the key's MD5", () => {
    // md5("a") = 0cc175b9... (about 0.05 of 2^128), md5("b") = 92eb5ffe... (about 0.57 of 2^128)
    const two = stream(`traffic: [{ at: 0s, records: 1, key: a }, { at: 0s, records: 1, key: b }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: kinesis\n  ShardCount: 2");
    expect(invokes(runWithTrace(two).events).map((e) => [e.shard, ns(e)])).toEqual([[0, [0]], [1, [1]]]);
    const ten = stream(`traffic: [{ at: 0s, records: 1, key: a }, { at: 0s, records: 1, key: b }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: kinesis\n  ShardCount: 10");
    expect(invokes(runWithTrace(ten).events).map((e) => [e.shard, ns(e)])).toEqual([[0, [0]], [5, [1]]]);
  });

  it("throttles writes beyond 1,000 records per second per shard; the producer retries them each second, in order", () => {
    const s = stream(`traffic: [{ at: 0s, records: 2500, key: a, recordSize: 100B }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10000, MaximumBatchingWindowInSeconds: 5 }
`);
    const { events, report } = runWithTrace(s);
    const produced = of(events, "produce").map((e) => e.record as unknown as { arrivalUs: number; throttledWrites: number });
    const byArrival = new Map<number, number>();
    for (const r of produced) byArrival.set(r.arrivalUs, (byArrival.get(r.arrivalUs) ?? 0) + 1);
    expect([...byArrival.entries()]).toEqual([[0, 1000], [1_000_000, 1000], [2_000_000, 500]]);
    expect(report.stream!.producerThrottles).toBe(1000 * 1 + 500 * 2);
    expect(report.stream!.producerThrottledRecords).toBe(1500);
    expect(report.orderingViolations).toBe(0);
  });

  it("throttles writes beyond 1 MB per second per shard", () => {
    const s = stream(`traffic: [{ at: 0s, records: 8, key: a, recordSize: 200KB }]
mapping: { StartingPosition: TRIM_HORIZON }
`);
    const { events } = runWithTrace(s);
    const arrivals = of(events, "produce").map((e) => (e.record as unknown as { arrivalUs: number }).arrivalUs);
    expect(arrivals).toEqual([0, 0, 0, 0, 0, 1_000_000, 1_000_000, 1_000_000]);
  });

  it("loses records nobody reads when the retention period ends (a disabled mapping)", () => {
    const s = stream(`traffic: [{ at: 10s, records: 2, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, Enabled: false }
`);
    const { events, report } = runWithTrace(s);
    expect(of(events, "expire").map((e) => [e.record.n, e.tUs, e.reason])).toEqual([
      [0, 10_000_000 + 24 * 3_600_000_000, "RetentionPeriodExceeded"],
      [1, 10_000_000 + 24 * 3_600_000_000, "RetentionPeriodExceeded"],
    ]);
    expect(report.records.expired).toBe(2);
    expect(report.stream!.expiredByRetention).toBe(2);
  });

  it("DynamoDB Streams records carry INSERT, MODIFY or REMOVE drawn from the producer's weights", () => {
    const s = stream(`traffic: [{ at: 0s, records: 400, keys: 20, eventNames: { INSERT: 3, REMOVE: 1 } }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: dynamodb\n  ShardCount: 1");
    const { lines } = runWithTrace(s);
    const names = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "produce").map((e) => e.eventName as string);
    const inserts = names.filter((n) => n === "INSERT").length;
    expect(names.filter((n) => n === "MODIFY").length).toBe(0);
    expect(inserts + names.filter((n) => n === "REMOVE").length).toBe(400);
    expect(inserts).toBeGreaterThan(260);
    expect(inserts).toBeLessThan(340);
  });
});

describe("stream polling and batching", () => {
  it("polls an idle Kinesis shard once a second: a record arriving at 1.3 s is sent at 2 s", () => {
    const s = stream(`traffic: [{ at: 1.3s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
`);
    const { events, lines } = runWithTrace(s);
    const inv = invokes(events);
    expect(inv.map((e) => [e.tUs, e.iteratorAgeUs])).toEqual([[2_000_000, 700_000]]);
    expect(JSON.parse(lines.find((l) => l.includes('"invoke"'))!)).toMatchObject({ shard: "shardId-000000000000", recordIds: ["000000000000000000000"], iteratorAgeMs: 700 });
  });

  it("polls a DynamoDB stream shard four times a second: a record arriving at 1.3 s is sent at 1.5 s", () => {
    const s = stream(`traffic: [{ at: 1.3s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: dynamodb\n  ShardCount: 1");
    expect(invokes(runWithTrace(s).events).map((e) => e.tUs)).toEqual([1_500_000]);
  });

  it("reads again as soon as a batch completes while the shard has a backlog", () => {
    const s = stream(`traffic: [{ at: 0s, records: 250, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
function:
  duration: { base: 300ms }
`);
    const inv = invokes(runWithTrace(s).events);
    expect(inv.map((e) => [e.tUs, e.records.length, e.closedBy])).toEqual([
      [0, 100, "size"],
      [300_000, 100, "size"],
      [600_000, 50, "available"],
    ]);
  });

  it("with a batching window gathers records until the window ends, counted from the previous invocation's end", () => {
    const s = stream(`traffic: [{ rate: 2/s, from: 0s, to: 10s, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100, MaximumBatchingWindowInSeconds: 4 }
function:
  duration: { base: 1s }
`);
    const inv = invokes(runWithTrace(s).events);
    expect(inv.map((e) => [e.tUs, e.records.length, e.closedBy])).toEqual([
      [4_000_000, 9, "window"],
      [9_000_000, 10, "window"],
      [14_000_000, 1, "window"],
    ]);
  });

  it("IteratorAge is the age of the batch's last record when the batch is sent", () => {
    const s = stream(`traffic: [{ at: 0s, records: 2, key: a }, { at: 0.5s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10, MaximumBatchingWindowInSeconds: 2 }
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map((e) => [e.tUs, ns(e), e.iteratorAgeUs])).toEqual([[2_000_000, [0, 1, 2], 1_500_000]]);
    expect(report.iteratorAge.max).toBe(1500);
  });
});
