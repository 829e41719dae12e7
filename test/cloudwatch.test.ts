import { describe, expect, it } from "vitest";
import { checkExpectations, valueAtPath } from "../src/run/expect.js";
import type { Report } from "../src/run/result.js";
import { simulate } from "../src/run/simulate.js";
import { arrivalUsOf, throttledWritesOf, type StreamRecord } from "../src/sources/stream-record.js";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

/** A metric's run value, and its per-period series, as the report holds them. */
const cw = (r: Report, key: string) => valueAtPath(r, `cloudwatch.${key}`);
const series = (r: Report, key: string) => key.split(".").reduce((o: any, k) => o?.[k], r.cloudwatch.series) as (number | null)[];

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

describe("cloudwatch section", () => {
  it("Errors counts timeouts as AWS does, stamped in the minute the function was invoked", () => {
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html: the runtime's timeouts are
    // function errors; "the timestamp on an error metric reflects when the function was invoked".
    const s = scenarioFrom(`name: t
source: { type: sqs, VisibilityTimeout: 30, RedrivePolicy: { maxReceiveCount: 1 } }
traffic: [{ at: 59s, records: 1, key: a }, { at: 59s, records: 1, key: b }]
mapping: { BatchSize: 1 }
function:
  Timeout: 3
  duration: { base: 100ms }
  failures: [{ when: { key: a }, effect: timeout }]
`);
    const { events, report } = runWithTrace(s);
    const results = of(events, "result");
    expect(results.map((e) => e.outcome).sort()).toEqual(["ok", "timeout"]);
    const timedOut = results.find((e) => e.outcome === "timeout")!;
    // Invoked in minute 0, timed out in minute 1: the error belongs to minute 0.
    expect(timedOut.tUs - timedOut.durationUs).toBeLessThan(60_000_000);
    expect(timedOut.tUs).toBeGreaterThanOrEqual(60_000_000);
    expect(report.cloudwatch.periodSeconds).toBe(60);
    expect(report.cloudwatch.series.timestamps.slice(0, 2)).toEqual(["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"]);
    expect(cw(report, "Errors")).toBe(1);
    expect(series(report, "Errors")[0]).toBe(1);
    expect(cw(report, "Invocations")).toBe(report.invocations.total);
    expect(cw(report, "Duration.Maximum")).toBe(3000);
    expect(report.invocations.timeouts).toBe(1);
  });

  it("ApproximateAgeOfOldestMessage ignores a message received three times", () => {
    // SQS: once a message has been received three times, the metric points at the next oldest message
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
    const s = scenarioFrom(`name: t
source: { type: sqs, VisibilityTimeout: 2 }
traffic: [{ at: 0s, records: 1, key: poison }, { at: 100s, records: 1, key: late }]
mapping: { BatchSize: 1 }
until: 140s
function:
  Timeout: 1
  duration: { base: 100ms }
  failures: [{ when: { key: poison }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    const samples = of(events, "sample");
    // After three receives (by about 5 s) the poison message no longer counts, though it is still in the queue.
    const at30 = samples.find((e) => e.tUs >= 30_000_000)!;
    expect(at30.oldestAgeUs).toBeGreaterThanOrEqual(30_000_000);
    expect(at30.oldestAgeCountedUs).toBe(0);
    // Minute 0: the poison message counted only for its first receives, a few seconds.
    expect(series(report, "ApproximateAgeOfOldestMessage")[0]).toBeLessThan(10);
    expect(cw(report, "NumberOfMessagesSent")).toBe(2);
    expect(cw(report, "NumberOfMessagesReceived")).toBe(of(events, "poll").reduce((a, e) => a + e.received, 0));
    expect(cw(report, "NumberOfEmptyReceives")).toBe(report.sqs!.emptyPolls);
  });

  it("a stream's section holds Kinesis and stream mapping metrics and no SQS ones; expect can name them", () => {
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 3, key: poison, recordSize: 100 }]
mapping:
  StartingPosition: TRIM_HORIZON
  MaximumRetryAttempts: 0
function:
  FunctionName: f
  failures: [{ when: { key: poison }, effect: error }]
expect:
  cloudwatch.DroppedEventCount: { eq: 3 }
  cloudwatch.IncomingRecords: { eq: 3 }
  cloudwatch.GetRecords.Records: { eq: 3 }
`);
    const { report } = runWithTrace(s);
    expect(Object.keys(report.cloudwatch)).not.toContain("NumberOfMessagesSent");
    expect(Object.keys(report.cloudwatch)).not.toContain("DeletedEventCount");
    expect(cw(report, "IncomingBytes")).toBe(300);
    expect(cw(report, "FailedInvokeEventCount")).toBe(3);
    expect(cw(report, "OnFailureDestinationDeliveredEventCount")).toBe(0);
    expect(cw(report, "ReadProvisionedThroughputExceeded")).toBe(0);
    expect(report.expectations.every((e) => e.passed)).toBe(true);
    expect(checkExpectations([{ path: "cloudwatch.NoSuchMetric", op: "eq", kind: "count", expected: 0, written: "0" }], report)[0].passed).toBe(false);
  });

  it("Kinesis production counts each record in the minute the shard accepted it, throttled ones too, with or without a trace", () => {
    // One shard takes 1,000 records a second: the 2,500/s sent from 0:50 to 1:10 are accepted up to 1:40, throttled
    // writes counted where the record was accepted; a second producer's larger records share the runs.
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { rate: 2500/s, from: 50s, to: 70s, keys: 7, recordSize: 100B }
  - { rate: 200/s, from: 55s, to: 65s, key: big, recordSize: 1KB }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 1000 }
function: { duration: { base: 10ms } }
`);
    const { events, report: traced } = runWithTrace(s);
    // Expected per minute, from the accepted records the trace shows.
    const want = { records: [0, 0], bytes: [0, 0], throttles: [0, 0] };
    for (const e of of(events, "produce")) {
      const r = e.record as StreamRecord;
      const minute = Math.floor(arrivalUsOf(r) / 60_000_000);
      want.records[minute] += 1;
      want.bytes[minute] += r.sizeBytes;
      want.throttles[minute] += throttledWritesOf(r);
    }
    expect(want.records).toEqual([10 * 1000, 52_000 - 10 * 1000]);
    expect(want.throttles[0]).toBeGreaterThan(0);
    expect(want.throttles[1]).toBeGreaterThan(want.throttles[0]);
    // Without a trace the records stay packed and are counted in bulk: the same series.
    const { report: plain } = simulate(s);
    for (const report of [traced, plain]) {
      expect(series(report, "IncomingRecords")).toEqual(want.records);
      expect(series(report, "IncomingBytes")).toEqual(want.bytes);
      expect(series(report, "WriteProvisionedThroughputExceeded")).toEqual(want.throttles);
      expect(cw(report, "WriteProvisionedThroughputExceeded")).toBe(report.stream!.producerThrottles);
    }
  });

  it("a burst throttled for ten minutes counts each second's 1,000 records and their waits in the minute they are accepted", () => {
    // 600,000 records sent at once to one shard: the shard accepts 1,000 a second, so the records of second k wait k
    // seconds (k throttled attempts each) and minute m holds seconds 60m to 60m + 59.
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 600000, key: a, recordSize: 100B }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10000 }
function: { duration: { base: 10ms } }
`);
    const { report } = simulate(s);
    const minutes = Array.from({ length: 10 }, (_, m) => m);
    const waitsIn = (m: number) => 1000 * (60 * 60 * m + (59 * 60) / 2);
    expect(series(report, "IncomingRecords").slice(0, 10)).toEqual(minutes.map(() => 60_000));
    expect(cw(report, "IncomingRecords")).toBe(600_000);
    expect(series(report, "IncomingBytes").slice(0, 10)).toEqual(minutes.map(() => 6_000_000));
    expect(series(report, "WriteProvisionedThroughputExceeded").slice(0, 10)).toEqual(minutes.map(waitsIn));
    expect(report.stream!.producerThrottles).toBe(minutes.reduce((a, m) => a + waitsIn(m), 0));
  });

  it("SQS counts each message sent in the minute it was sent, whether the queue takes sends one by one or in runs", () => {
    // Sends at 997/s run across minute boundaries (a send lands on 0:59.999 and the next on 1:00.000, so the sends taken
    // at once between two events span two minutes). With a trace the queue takes each send alone; without one it takes
    // them in runs and tells the meter a minute's stretch at a time: the same series, standard and FIFO.
    for (const type of ["sqs", "sqs-fifo"]) {
      const s = scenarioFrom(`name: t
source: { type: ${type} }
traffic: [{ rate: 997/s, from: 30s, to: 150s, keys: 5 }]
mapping: { BatchSize: 10 }
function: { duration: { base: 20ms } }
`);
      const { events, report: traced } = runWithTrace(s);
      const want = [0, 0, 0];
      for (const e of of(events, "produce")) want[Math.floor(e.record.sentUs / 60_000_000)] += 1;
      expect(want[0]).toBeGreaterThan(0);
      expect(want[2]).toBeGreaterThan(0);
      const { report: plain } = simulate(s);
      for (const report of [traced, plain]) {
        expect(series(report, "NumberOfMessagesSent").slice(0, 3)).toEqual(want);
        expect(cw(report, "NumberOfMessagesSent")).toBe(want[0] + want[1] + want[2]);
      }
    }
  });

  it("a run longer than a day moves to CloudWatch's next standard period and keeps its totals", () => {
    const s = scenarioFrom(`name: t
source: { type: sqs }
traffic: [{ at: 0s, records: 1, key: a }, { at: 30h, records: 1, key: b }]
function: { duration: { base: 10ms } }
`);
    const { report } = runWithTrace(s);
    expect(report.cloudwatch.periodSeconds).toBe(300);
    expect(report.cloudwatch.series.timestamps.length).toBeLessThanOrEqual(1440);
    expect(cw(report, "Invocations")).toBe(report.invocations.total);
    expect(cw(report, "NumberOfMessagesSent")).toBe(2);
  });

  it("an expectation on a metric AWS does not publish for the source is refused, with the sources it is for", async () => {
    const { parseScenario } = await import("../src/scenario/parse.js");
    const { formatProblem } = await import("../src/scenario/problems.js");
    const r = parseScenario("name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nexpect:\n  cloudwatch.IteratorAge: { eq: 0 }\n  cloudwatch.IncomingRecords: { eq: 1 }\n  cloudwatch.Invocations: { eq: 1 }\n", "s.yaml");
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map(formatProblem)).toEqual([
      "s.yaml:5:27 expect.cloudwatch.IteratorAge: is a CloudWatch metric AWS publishes for kinesis and dynamodb sources, not for sqs",
      "s.yaml:6:31 expect.cloudwatch.IncomingRecords: is a CloudWatch metric AWS publishes for kinesis sources, not for sqs",
    ]);
  });

  it.each([
    ["FunctionResponseTypes left out", "", "partial"],
    ["the list not at the top level (partial-unread)", "FunctionResponseTypes: [ReportBatchItemFailures]", "partial-unread"],
  ])("a partial response Lambda does not read deletes each message once (%s)", (_, types, effect) => {
    // Every message of the batch is deleted, the reported one with the rest: ten DeleteMessage, not eleven.
    const s = scenarioFrom(`name: t
source: { type: sqs, VisibilityTimeout: 10 }
traffic: [{ at: 0s, records: 9, keys: 9 }, { at: 0s, records: 1, key: bad }]
mapping: { BatchSize: 10, ${types} }
function:
  duration: { base: 200ms }
  failures: [{ when: { key: bad }, effect: ${effect} }]
`);
    const { events, report } = runWithTrace(s);
    const results = of(events, "result");
    expect(results).toHaveLength(1);
    expect(results[0].ignoredPartial).toBe(1);
    expect(results[0].succeeded).toHaveLength(10);
    expect(cw(report, "NumberOfMessagesSent")).toBe(10);
    expect(cw(report, "DeletedEventCount")).toBe(10);
    expect(cw(report, "NumberOfMessagesDeleted")).toBe(10);
  });

  it("a message processed twice is deleted twice on a standard queue; a FIFO queue refuses the late delete and counts it nowhere", () => {
    // SQS counts "every successful deletion operation that uses a valid receipt handle, including duplicate
    // deletions" (sqs-available-cloudwatch-metrics.html); a FIFO queue refuses a delete whose receipt handle expired
    // with the visibility timeout (https://repost.aws/knowledge-center/sqs-receipt-handle-error).
    const yaml = (type: string) => `name: t
source: { type: ${type}, VisibilityTimeout: 5 }
traffic: [{ at: 0s, records: 20, key: one }]
mapping: { BatchSize: 10 }
function: { Timeout: 5, coldStart: 1s, duration: { base: 4.2s } }
`;
    const standard = runWithTrace(scenarioFrom(yaml("sqs")));
    const sum = (events: TraceEvent[], f: (e: Extract<TraceEvent, { type: "result" }>) => number) => of(events, "result").reduce((n, e) => n + f(e), 0);
    expect(standard.report.duplicates).toBe(20);
    expect(sum(standard.events, (e) => e.redeleted ?? 0)).toBe(20);
    expect(cw(standard.report, "DeletedEventCount")).toBe(40);
    expect(cw(standard.report, "NumberOfMessagesDeleted")).toBe(40);
    const fifo = runWithTrace(scenarioFrom(yaml("sqs-fifo")));
    expect(fifo.report.sqs!.deletesRefused).toBe(20);
    expect(sum(fifo.events, (e) => e.redeleted ?? 0)).toBe(0);
    expect(cw(fifo.report, "DeletedEventCount")).toBe(20);
    expect(cw(fifo.report, "NumberOfMessagesDeleted")).toBe(20);
  });
});
