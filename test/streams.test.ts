import { describe, expect, it } from "vitest";
import type { InvokeEvent, OnFailureEvent, TraceEvent } from "../src/trace/events.js";
import { arrivalUsOf, eventNameOf, throttledWritesOf, type StreamRecord } from "../src/sources/stream-record.js";
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
  it("Kinesis: a producer's retry is a record of its own with the same data, processed again and counted as a duplicate", () => {
    // https://docs.aws.amazon.com/streams/latest/dev/kinesis-record-processor-duplicates.html: a retried PutRecord
    // whose first write went through puts the same data twice, under two sequence numbers.
    const s = stream(`traffic: [{ at: 0s, records: 2, key: a, duplicateSendRate: 1, duplicateSendAfter: 1s }]
mapping: { StartingPosition: TRIM_HORIZON }
`);
    const { events, lines, report } = runWithTrace(s);
    const produced = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "produce");
    expect(produced.map((e) => [e.t, e.recordId.slice(-2), e.resendOf?.slice(-2)])).toEqual([
      [0, "00", undefined],
      [0, "01", undefined],
      [1000, "02", "00"],
      [1000, "03", "01"],
    ]);
    expect(invokes(events).map(ns)).toEqual([[0, 1], [2, 3]]);
    expect([report.records.produced, report.records.succeeded, report.duplicates]).toEqual([4, 4, 2]);
    expect([report.stream!.producerRetries, report.stream!.producerDuplicates]).toEqual([2, 2]);
  });

  it("DynamoDB: a producer's retry puts the same item again, which changes nothing and writes no stream record", () => {
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html: a PutItem or UpdateItem that
    // changes no data writes no stream record.
    const s = stream(`traffic: [{ at: 0s, records: 2, key: a, duplicateSendRate: 1, duplicateSendAfter: 1s }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: dynamodb\n  ShardCount: 1");
    const { events, report } = runWithTrace(s);
    expect(of(events, "produce").map((e) => e.record.n)).toEqual([0, 1]);
    expect(invokes(events).map(ns)).toEqual([[0, 1]]);
    expect([report.records.produced, report.records.succeeded, report.duplicates]).toEqual([2, 2, 0]);
    expect([report.stream!.producerRetries, report.stream!.producerDuplicates]).toEqual([2, 0]);
  });

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
    const produced = of(events, "produce").map((e) => e.record as StreamRecord);
    const byArrival = new Map<number, number>();
    for (const r of produced) byArrival.set(arrivalUsOf(r), (byArrival.get(arrivalUsOf(r)) ?? 0) + 1);
    expect([...byArrival.entries()]).toEqual([[0, 1000], [1_000_000, 1000], [2_000_000, 500]]);
    // Each record's throttled attempts are the seconds it waited (derived from its send and arrival times).
    expect(produced.map((r) => throttledWritesOf(r) === arrivalUsOf(r) / 1_000_000).every(Boolean)).toBe(true);
    expect(produced.filter((r) => throttledWritesOf(r) === 2).length).toBe(500);
    expect(report.stream!.producerThrottles).toBe(1000 * 1 + 500 * 2);
    expect(report.stream!.producerThrottledRecords).toBe(1500);
    expect(report.orderingViolations).toBe(0);
  });

  it("throttles writes beyond 1 MB per second per shard", () => {
    const s = stream(`traffic: [{ at: 0s, records: 8, key: a, recordSize: 200KB }]
mapping: { StartingPosition: TRIM_HORIZON }
`);
    const { events } = runWithTrace(s);
    const arrivals = of(events, "produce").map((e) => arrivalUsOf(e.record as StreamRecord));
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

describe("stream identity", () => {
  it("takes a stream's name from its ARN when the scenario gives only the ARN: a Kinesis stream, a consumer, a DynamoDB table", () => {
    const named = (source: string) => {
      const { report, lines } = runWithTrace(stream(`traffic: [{ at: 0s, records: 1, key: a }]\nmapping: { StartingPosition: TRIM_HORIZON }\n`, source));
      return [report.source.name, JSON.parse(lines.find((l) => l.includes('"invoke"'))!).stream, report.stream!.arn];
    };
    expect(named("type: kinesis\n  StreamArn: arn:aws:kinesis:eu-west-1:111122223333:stream/clicks")).toEqual(["clicks", "clicks", "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"]);
    const consumer = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/lambda:1700000000";
    expect(named(`type: kinesis\n  StreamArn: ${consumer}`)).toEqual(["clicks", "clicks", consumer]);
    const table = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/stream/2024-05-01T00:00:00.000";
    expect(named(`type: dynamodb\n  StreamArn: ${table}`)).toEqual(["orders", "orders", table]);
    // A name given wins; an ARN of no known shape leaves esm-sim's made-up name.
    expect(named("type: kinesis\n  StreamName: mine\n  StreamArn: arn:aws:kinesis:eu-west-1:111122223333:stream/clicks")[0]).toBe("mine");
    expect(named("type: kinesis\n  StreamArn: arn:aws:kinesis:eu-west-1:111122223333:something/clicks")[0]).toBe("t-stream");
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

  it("counts every GetRecords call in stream.polls, the ticks skipped for want of records and the calls after a response included", () => {
    const s = stream(`until: 4500ms
traffic: [{ at: 1.3s, records: 1, key: a }, { at: 1.9s, records: 250, key: b }]
mapping: { StartingPosition: TRIM_HORIZON }
function:
  duration: { base: 300ms }
`);
    const { events, report } = runWithTrace(s);
    // 0 s: the first call finds nothing; 1 s: a tick skipped (nothing could have arrived), an empty call all the same;
    // 2 s: 251 records; 2.3, 2.6 and 2.9 s: the lane reads again after each response and finds nothing new.
    expect(of(events, "poll").map((e) => [e.tUs, e.received])).toEqual([[2_000_000, 251]]);
    expect(of(events, "result").map((e) => e.tUs)).toEqual([2_300_000, 2_600_000, 2_900_000]);
    expect(report.stream).toMatchObject({ polls: 6, emptyPolls: 5 });
  });

  it("counts the polls a caught-up shard makes until the run stops, though none of them is run", () => {
    // 0 s: an empty call; 1 s: a tick skipped; 2 s: the record. The response at 2.1 s makes no call (the shard's
    // next call slot is 2.2 s), and nothing arrives before 100 s: the ticks at 3.1, 4.1, ... 9.1 s are empty polls
    // before the run stops at 10 s.
    const until = runWithTrace(
      stream(`until: 10s
traffic: [{ at: 1.3s, records: 1, key: a }, { at: 100s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 100ms } }
`),
    );
    expect(of(until.events, "poll").map((e) => e.tUs)).toEqual([2_000_000]);
    expect(until.report.stream).toMatchObject({ polls: 10, emptyPolls: 9 });
    // LATEST from 30 s: the five earlier records are never read and expire after the 24 h retention, which ends the
    // run. 30 s: an empty call; 31-39 s: nine ticks skipped; 40 s: the record; then a poll every second from 41.1 s
    // to 24 h, 86,359 of them, all empty.
    const idle = runWithTrace(
      stream(`traffic: [{ at: 0s, records: 5, key: a }, { at: 40s, records: 1, key: a }]
mapping: { StartingPosition: LATEST, startAt: 30s }
function: { duration: { base: 100ms } }
`),
    );
    expect(idle.report.endedAt).toBe(86_400_000);
    expect(idle.report.records).toMatchObject({ succeeded: 1, expired: 5 });
    expect(idle.report.stream).toMatchObject({ polls: 1 + 9 + 1 + 86_359, emptyPolls: 1 + 9 + 86_359 });
  });

  it("counts no polls while the mapping is disabled", () => {
    // As above, disabled from 5 s to 8 s: the ticks at 3.1 and 4.1 s count; enabled again, the mapping calls at 8 s
    // (empty) and ticks at 9, 10, 11 and 12 s, when the run stops.
    const { report } = runWithTrace(
      stream(`until: 12s
traffic: [{ at: 1.3s, records: 1, key: a }, { at: 100s, records: 1, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, disabledPeriods: [{ from: 5s, to: 8s }] }
function: { duration: { base: 100ms } }
`),
    );
    expect(report.stream).toMatchObject({ polls: 3 + 2 + 1 + 4, emptyPolls: 2 + 2 + 1 + 4 });
  });

  it("reports as many calls that returned records as the trace has poll events, on a shard read after every response", () => {
    const s = stream(`traffic: [{ rate: 300/s, from: 0s, to: 1m, keys: 50 }]
mapping: { StartingPosition: TRIM_HORIZON }
function:
  duration: { base: 200ms, perRecord: 3ms }
`);
    const { events, report } = runWithTrace(s);
    const polls = of(events, "poll").length;
    // Behind all the time, the lane reads after each response, far more often than the once-a-second cadence.
    expect(polls).toBeGreaterThan(100);
    expect(report.stream!.polls - report.stream!.emptyPolls).toBe(polls);
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

describe("a poison record under the defaults", () => {
  it("blocks its shard until the record expires at the end of the retention period, while the other shard flows", () => {
    // ESM: "reprocesses the entire batch until the function succeeds, or the items in the batch expire ... pauses
    // processing for the affected shard". Keys a and c land on shard 0 of 2, b on shard 1.
    const s = stream(`traffic:
  - { at: 0s, records: 1, key: a }
  - { at: 60s, records: 2, key: c }
  - { at: 60s, records: 2, key: b }
mapping: { StartingPosition: TRIM_HORIZON }
function:
  failures: [{ when: { key: a }, effect: error }]
`, "type: kinesis\n  ShardCount: 2");
    const { events, report } = runWithTrace(s);
    const day = 24 * 3_600_000_000;
    // shard 1 (key b) is done within two seconds
    const shard1 = invokes(events).filter((e) => e.shard === 1);
    expect(shard1.map((e) => [e.tUs, ns(e)])).toEqual([[60_000_000, [3, 4]]]);
    // shard 0 retries the batch holding record 0 and never gets past it until record 0 expires
    const expires = of(events, "expire");
    expect(expires.map((e) => [e.record.n, e.tUs])).toEqual([[0, day]]);
    const shard0Later = invokes(events).filter((e) => e.shard === 0 && !e.records.some((r) => r.n === 0));
    expect(shard0Later.map(ns)).toEqual([[1, 2]]);
    expect(shard0Later[0].tUs).toBeGreaterThanOrEqual(day);
    expect(shard0Later[0].tUs).toBeLessThan(day + 30_000_000);
    expect(report.records.onFailure).toBe(0);
    expect(report.stream!.shards[0].iteratorAge.max).toBeGreaterThan(23 * 3_600_000);
    expect(report.stream!.shards[1].iteratorAge.max).toBe(0);
  });
});

describe("ParallelizationFactor", () => {
  const pfRun = (keys: number, pf: number) =>
    runWithTrace(
      stream(`traffic: [{ rate: 200/s, from: 0s, to: 20s, keys: ${keys} }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10, ParallelizationFactor: ${pf} }
function:
  duration: { base: 200ms, perRecord: 5ms }
`),
    );

  it("never has two batches with the same key in flight, and keeps each key's order", () => {
    const { events, report } = pfRun(20, 5);
    const inFlight = new Map<number, Set<number>>();
    const keysOf = new Map<number, Set<number>>();
    for (const e of events) {
      if (e.type === "invoke") {
        const ks = new Set(e.records.map((r) => r.keyIndex));
        for (const other of inFlight.values()) for (const k of ks) expect(other.has(k)).toBe(false);
        inFlight.set(e.invocation, ks);
        keysOf.set(e.invocation, ks);
      } else if (e.type === "result") inFlight.delete(e.invocation);
    }
    expect(report.orderingViolations).toBe(0);
    expect(report.concurrency.max).toBeGreaterThan(1);
    expect(report.concurrency.max).toBeLessThanOrEqual(5);
  });

  it("buys nothing beyond the number of distinct keys: two keys and PF 10 never run more than two batches at once", () => {
    const few = pfRun(2, 10).report;
    expect(few.concurrency.max).toBeLessThanOrEqual(2);
    const many = pfRun(200, 10).report;
    expect(many.concurrency.max).toBeGreaterThan(few.concurrency.max);
    expect(many.iteratorAge.max).toBeLessThan(few.iteratorAge.max);
  });
});

describe("starting positions and enabling", () => {
  const positions = (mapping: string) =>
    runWithTrace(
      stream(`until: 1m
traffic:
  - { at: 5s, records: 2, key: a }
  - { at: 30s, records: 2, key: a }
mapping: { ${mapping} }
`),
    );

  it("TRIM_HORIZON delivers every retained record, LATEST only those arriving after the mapping starts", () => {
    const trim = positions("StartingPosition: TRIM_HORIZON, startAt: 20s");
    // after a batch the lane reads at once, then polls every second from there: 21.1 s, 22.1 s, ... 30.1 s
    expect(invokes(trim.events).map((e) => [e.tUs, ns(e)])).toEqual([[20_000_000, [0, 1]], [30_100_000, [2, 3]]]);
    const latest = positions("StartingPosition: LATEST, startAt: 20s");
    expect(invokes(latest.events).map((e) => [e.tUs, ns(e)])).toEqual([[30_000_000, [2, 3]]]);
    expect(latest.report.records).toMatchObject({ succeeded: 2, pending: 2 });
  });

  it("AT_TIMESTAMP starts at the first record that arrived at or after the timestamp", () => {
    // virtual time 0 is 2024-01-01T00:00:00Z = 1704067200
    const at = positions("StartingPosition: AT_TIMESTAMP, StartingPositionTimestamp: 1704067210, startAt: 40s");
    expect(invokes(at.events).map((e) => [e.tUs, ns(e)])).toEqual([[40_000_000, [2, 3]]]);
  });

  it("a disabled mapping stops polling and, re-enabled, resumes from its checkpoint", () => {
    const s = stream(`traffic: [{ rate: 1/s, from: 0s, to: 10s, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, disabledPeriods: [{ from: 3.5s, to: 7.5s }] }
`);
    const { events, report } = runWithTrace(s);
    // each batch takes 100 ms; the next poll is a second after the empty read that follows it
    expect(invokes(events).map((e) => [e.tUs, ns(e)])).toEqual([
      [0, [0]],
      [1_100_000, [1]],
      [2_200_000, [2]],
      [3_300_000, [3]],
      [7_500_000, [4, 5, 6, 7]],
      [8_600_000, [8]],
      [9_700_000, [9]],
    ]);
    expect(report.duplicates).toBe(0);
  });

  it("re-enabled, a shard resumes from its checkpoint, delivering again what other lanes had processed past it", () => {
    // key a (lane of its own) fails until 20 s; with lane-only pausing key b's records go on in another lane.
    // Disabling and enabling rewinds the shard to the checkpoint, which sits before a's first record.
    const s = stream(`traffic:
  - { at: 0s, records: 1, key: a }
  - { rate: 1/s, from: 1s, to: 6s, key: b }
mapping: { StartingPosition: TRIM_HORIZON, ParallelizationFactor: 10, disabledPeriods: [{ from: 10s, to: 12s }] }
function:
  failures: [{ when: { key: a, to: 20s }, effect: error }]
scaling: { streamErrorPausesLaneOnly: 1 }
`);
    const { events, report } = runWithTrace(s);
    const bInvokes = invokes(events).filter((e) => e.records.some((r) => r.n > 0));
    expect(bInvokes.filter((e) => e.tUs < 10_000_000).flatMap(ns)).toEqual([1, 2, 3, 4, 5]);
    expect(bInvokes.filter((e) => e.tUs >= 12_000_000).flatMap(ns)).toEqual([1, 2, 3, 4, 5]);
    expect(report.duplicates).toBe(5);
    expect(report.records.succeeded).toBe(6);
  });
});

describe("tumbling windows", () => {
  it("groups records by arrival window, carries state, and ends each window with a final invocation", () => {
    // batches close at the batching window (5 s after the previous invocation ends) or at the tumbling window's end
    const s = stream(`traffic: [{ rate: 1/s, from: 0s, to: 25s, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100, MaximumBatchingWindowInSeconds: 5, TumblingWindowInSeconds: 10 }
function:
  duration: { base: 10ms }
`);
    const { events, lines } = runWithTrace(s);
    const inv = invokes(events).map((e) => [e.tUs / 1e6, ns(e), e.window!.startUs / 1e6, e.window!.stateRecords, e.window!.isFinalInvokeForWindow]);
    expect(inv).toEqual([
      [5, [0, 1, 2, 3, 4, 5], 0, 0, false],
      [10, [6, 7, 8, 9], 0, 6, false],
      [10.01, [], 0, 10, true],
      [15.02, [10, 11, 12, 13, 14, 15], 10, 0, false],
      [20, [16, 17, 18, 19], 10, 6, false],
      [20.01, [], 10, 10, true],
      [25.02, [20, 21, 22, 23, 24], 20, 0, false],
      [30, [], 20, 5, true],
    ]);
    const final = JSON.parse(lines.find((l) => l.includes('"isFinalInvokeForWindow":true'))!);
    expect(final).toMatchObject({ recordIds: [], window: { startMs: 0, endMs: 10000 }, state: { records: 10 } });
  });
});

describe("the FilterCriteria seam", () => {
  it("drops records the filter rejects when they are read, counts them, and moves the checkpoint past them", async () => {
    const { simulate } = await import("../src/run/simulate.js");
    const s = stream(`traffic: [{ at: 0s, records: 6, key: a, eventNames: { INSERT: 1, REMOVE: 1 } }]
mapping: { StartingPosition: TRIM_HORIZON }
`, "type: dynamodb\n  ShardCount: 1");
    const events: TraceEvent[] = [];
    const { report } = simulate(s, { keep: (r) => eventNameOf(r) !== "REMOVE", trace: () => (e) => events.push(e) });
    const removed = of(events, "produce").filter((e) => eventNameOf(e.record as StreamRecord) === "REMOVE").map((e) => e.record.n);
    expect(removed.length).toBeGreaterThan(0);
    expect(of(events, "filter").map((e) => e.record.n)).toEqual(removed);
    expect(invokes(events).flatMap(ns)).toEqual([0, 1, 2, 3, 4, 5].filter((n) => !removed.includes(n)));
    expect(of(events, "checkpoint").map((e) => e.record.n).at(-1)).toBe(5);
    expect(report.records).toMatchObject({ filtered: removed.length, succeeded: 6 - removed.length, pending: 0 });
  });
});

describe("on-failure destinations", () => {
  it("DynamoDB writes DDBStreamBatchInfo with arrival times in whole seconds", () => {
    const s = stream(`traffic: [{ at: 90.5s, records: 2, key: a }]
mapping:
  StartingPosition: TRIM_HORIZON
  MaximumRetryAttempts: 0
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:ddb-failures" } }
function:
  FunctionName: f
  failures: [{ effect: error }]
`, "type: dynamodb\n  ShardCount: 1\n  StreamName: orders");
    const { report } = runWithTrace(s);
    expect(report.destinations).toEqual([
      {
        requestContext: { requestId: "00000000-0000-4000-8000-000000000001", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f", condition: "RetryAttemptsExhausted", approximateInvokeCount: 1 },
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        version: "1.0",
        timestamp: "2024-01-01T00:01:30.600Z",
        DDBStreamBatchInfo: {
          shardId: "shardId-000000000000",
          startSequenceNumber: "000000000000000000000",
          endSequenceNumber: "000000000000000000001",
          approximateArrivalOfFirstRecord: "2024-01-01T00:01:30Z",
          approximateArrivalOfLastRecord: "2024-01-01T00:01:30Z",
          batchSize: 2,
          streamArn: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000",
        },
      },
    ]);
  });

  it("a FIFO queue as destination accepts nothing: the records are dropped and counted as delivery failures", () => {
    const s = stream(`traffic: [{ at: 0s, records: 1, key: a }]
mapping:
  StartingPosition: TRIM_HORIZON
  MaximumRetryAttempts: 0
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:failures.fifo" } }
function:
  failures: [{ effect: error }]
`);
    const { report } = runWithTrace(s);
    expect(report.destinations).toEqual([]);
    expect(report.stream).toMatchObject({ destinationRecords: 0, destinationDeliveryFailures: 1, retryExhausted: 1 });
    expect(report.records.onFailure).toBe(1);
  });
});

describe("records a LATEST mapping never reads", () => {
  it("stay in the stream until retention takes them", () => {
    const s = stream(`traffic: [{ at: 1s, records: 1, key: a }, { at: 10s, records: 1, key: a }]
mapping: { StartingPosition: LATEST, startAt: 5s }
`);
    const { events, report } = runWithTrace(s);
    expect(invokes(events).map(ns)).toEqual([[1]]);
    expect(of(events, "expire").map((e) => [e.record.n, e.tUs])).toEqual([[0, 1_000_000 + 24 * 3_600_000_000]]);
    expect(report.records).toMatchObject({ succeeded: 1, expired: 1, pending: 0 });
    expect(report.drained).toBe(true);
  });
});
