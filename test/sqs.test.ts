import { describe, expect, it } from "vitest";
import { simulate } from "../src/run/simulate.js";
import { renderTable } from "../src/report/table.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const base = (extra: string) => `
name: t
source:
  type: sqs
  VisibilityTimeout: 5
${extra}`;

describe("SQS standard mapping", () => {
  it("a failed message is received again after the visibility timeout with ApproximateReceiveCount 2", () => {
    // VT 5, BatchSize 1, fails once: the second invocation has receive count 2, at least VT later
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html).
    const s = scenarioFrom(base(`
traffic: [{ at: 0s, records: 1, key: a }]
mapping: { BatchSize: 1 }
function:
  Timeout: 5
  duration: { base: 100ms }
  failures: [{ when: { attempt: 1 }, effect: error }]
`));
    const { events, report } = runWithTrace(s);
    const invokes = events.filter((e) => e.type === "invoke");
    expect(invokes.map((e) => e.attempt)).toEqual([1, 2]);
    expect(invokes[1].tUs - invokes[0].tUs).toBeGreaterThanOrEqual(5_000_000);
    const results = events.filter((e) => e.type === "result").map((e) => e.outcome);
    expect(results).toEqual(["error", "ok"]);
    expect(report.records.succeeded).toBe(1);
  });

  it("with maxReceiveCount 2 an always-failing message is invoked twice, then moved to the DLQ with the same id", () => {
    const s = scenarioFrom(base(`
  RedrivePolicy: { maxReceiveCount: 2 }
traffic: [{ at: 0s, records: 1, key: poison }]
mapping: { BatchSize: 1 }
function:
  Timeout: 5
  failures: [{ when: { key: poison }, effect: error }]
`));
    const { lines, report } = runWithTrace(s);
    const kinds = lines.map((l) => JSON.parse(l)).filter((e) => ["invoke", "dlq"].includes(e.type));
    expect(kinds.map((e) => [e.type, e.recordIds ?? [e.recordId]])).toEqual([
      ["invoke", ["msg-000000"]],
      ["invoke", ["msg-000000"]],
      ["dlq", ["msg-000000"]],
    ]);
    expect(report.records.dlq).toBe(1);
    expect(report.invocations.errors).toBe(2);
  });

  it("counts every time a message is visible again after its visibility timeout, the last before its DLQ move too, and labels it so", () => {
    // Delivered twice, visible again twice: the second time the next receive moves it to the DLQ instead of
    // delivering it, so there was one redelivery, not two.
    const s = scenarioFrom(base(`
  RedrivePolicy: { maxReceiveCount: 2 }
traffic: [{ at: 0s, records: 1, key: poison }]
mapping: { BatchSize: 1 }
function:
  Timeout: 1
  failures: [{ when: { key: poison }, effect: error }]
`));
    const { events, report } = runWithTrace(s);
    const retries = events.filter((e) => e.type === "retry");
    const invokes = events.filter((e) => e.type === "invoke");
    const dlq = events.find((e) => e.type === "dlq")!;
    expect(invokes).toHaveLength(2);
    expect(retries).toHaveLength(2);
    expect(retries[1].tUs).toBeLessThanOrEqual(dlq.tUs);
    expect(report.sqs!.visibilityRedeliveries).toBe(2);
    const table = renderTable(report, { color: false });
    expect(table).toMatch(/│ visible again \(timeout\) │ +2 │/);
    expect(table).not.toContain("redeliveries");
  });

  it("returns a failed batch as individual messages that are regrouped with others", () => {
    const s = scenarioFrom(base(`
traffic:
  - { at: 0s, records: 3, key: a }
  - { at: 2s, records: 3, key: b }
mapping: { BatchSize: 10 }
function:
  Timeout: 1
  duration: { base: 10ms }
  failures: [{ when: { key: a, attempt: 1 }, effect: error }]
`));
    const { events } = runWithTrace(s);
    const batches = events.filter((e) => e.type === "invoke").map((e) => e.records.map((r) => r.n));
    expect(batches[0]).toEqual([0, 1, 2]);
    // after the 5 s visibility timeout the three failed messages come back one by one or together, never as "the batch"
    const later = batches.slice(1).flat().sort();
    expect(later).toEqual([0, 1, 2, 3, 4, 5]);
  });

  /** Batch [a0 b1 c2] with ReportBatchItemFailures, whose message b gets `effect` on its first delivery. */
  const threeKeys = (effect: string) =>
    scenarioFrom(
      base(`
traffic:
  - { at: 0s, records: 1, key: a }
  - { at: 0s, records: 1, key: b }
  - { at: 0s, records: 1, key: c }
mapping: { BatchSize: 3, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  Timeout: 1
  failures: [{ when: { key: b, attempt: 1 }, effect: ${effect} }]
`),
    );

  it("with ReportBatchItemFailures only the reported messages stay in the queue", () => {
    const s = threeKeys("partial");
    const { events, report } = runWithTrace(s);
    const results = events.filter((e) => e.type === "result");
    expect(results.map((r) => [r.outcome, r.failed.map((x) => x.n), r.succeeded.map((x) => x.n)])).toEqual([
      ["partial", [1], [0, 2]],
      ["ok", [], [1]],
    ]);
    expect(report.records.succeeded).toBe(3);
    expect(report.duplicates).toBe(0);
  });

  it("without ReportBatchItemFailures a partial response is ignored and every message is deleted", () => {
    const s = scenarioFrom(base(`
traffic: [{ at: 0s, records: 4, key: x }]
mapping: { BatchSize: 4 }
function:
  Timeout: 1
  failures: [{ when: { key: x }, effect: partial }]
`));
    const { report } = runWithTrace(s);
    expect(report.records.succeeded).toBe(4);
    expect(report.records.deletedDespiteReportedFailure).toBe(4);
    expect(report.invocations.partialIgnored).toBe(1);
    expect(report.invocations.total).toBe(1);
  });

  it("with ReportBatchItemFailures a response naming a message not in the batch fails the whole batch: nothing is deleted", () => {
    // AWS (services-sqs-errorhandling.html): an itemIdentifier with a message ID that doesn't exist is a complete
    // failure. Batch [a0 b1 c2], the response names a message the batch does not hold on the first attempt: all
    // three are received again after the visibility timeout (5 s), and succeed then.
    const s = threeKeys("partial-invalid");
    const { events, lines, report } = runWithTrace(s);
    const results = events.filter((e) => e.type === "result");
    expect(results.map((r) => [r.tUs / 1000, r.outcome, r.invalidResponse, r.failed.map((x) => x.n), r.succeeded.map((x) => x.n)])).toEqual([
      [100, "partial", true, [0, 1, 2], []],
      [5100, "ok", undefined, [], [0, 1, 2]],
    ]);
    const traced = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "result");
    expect(traced.map((e) => [e.outcome, e.invalidResponse, e.failedIds])).toEqual([
      ["partial", true, ["msg-000000", "msg-000001", "msg-000002"]],
      ["ok", undefined, []],
    ]);
    expect(events.filter((e) => e.type === "invoke").map((e) => e.attempt)).toEqual([1, 2]);
    expect(report.records.succeeded).toBe(3);
    expect(report.invocations.errors).toBe(0);
    expect(report.invocations.partial).toBe(1);
    expect(report.records.deletedDespiteReportedFailure).toBe(0);
  });

  it("without ReportBatchItemFailures an invalid partial response is not read: every message is deleted, none counted as lost", () => {
    const s = scenarioFrom(base(`
traffic: [{ at: 0s, records: 4, key: x }]
mapping: { BatchSize: 4 }
function:
  Timeout: 1
  failures: [{ when: { key: x }, effect: partial-invalid }]
`));
    const { events, report } = runWithTrace(s);
    expect(events.filter((e) => e.type === "result").map((r) => [r.outcome, r.invalidResponse, r.ignoredPartial, r.succeeded.length])).toEqual([["ok", undefined, 0, 4]]);
    expect(report.records.succeeded).toBe(4);
    expect(report.records.deletedDespiteReportedFailure).toBe(0);
    expect(report.invocations.total).toBe(1);
  });

  it("counts duplicates when the visibility timeout is shorter than the processing time", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 30 }
traffic: [{ at: 0s, records: 1, key: a }]
mapping: { BatchSize: 50, MaximumBatchingWindowInSeconds: 5 }
function:
  Timeout: 30
  duration: { base: 28s }
`);
    const { report } = runWithTrace(s);
    // received at 0 s, invoked at 20 s (the long poll), done at 48 s; visible again at 30 s, so a second poller
    // receives it and processes it again.
    expect(report.invocations.timeouts).toBe(0);
    expect(report.invocations.total).toBe(2);
    expect(report.duplicates).toBe(1);
    expect(report.records.succeeded).toBe(1);
  });

  it("throttling alone pushes valid messages to the DLQ when reserved concurrency is below the pollers", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 10, RedrivePolicy: { maxReceiveCount: 2 } }
traffic: [{ at: 0s, records: 200, keys: 10 }]
mapping: { BatchSize: 10 }
function:
  Timeout: 5
  ReservedConcurrentExecutions: 1
  duration: { base: 4500ms }
`);
    const { report } = runWithTrace(s);
    expect(report.invocations.errors).toBe(0);
    expect(report.invocations.throttles).toBeGreaterThan(0);
    expect(report.records.dlq).toBeGreaterThan(0);
    expect(report.records.succeeded + report.records.dlq).toBe(200);
  });

  it("scales up by 5 pollers a second under the current profile while a backlog remains", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 200000, keys: 10 }]
mapping: { BatchSize: 10 }
until: 20s
function: { Timeout: 900, duration: { base: 10s } }
`);
    const { events } = runWithTrace(s);
    const scale = events.filter((e) => e.type === "scale").map((e) => [e.tUs / 1e6, e.to]);
    expect(scale.slice(0, 4)).toEqual([[0, 5], [1, 10], [2, 15], [3, 20]]);
  });

  it("under legacy-2022 scales up by 1 poller a second (+60 a minute)", () => {
    const s = scenarioFrom(`
name: t
profile: legacy-2022
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 200000, keys: 10 }]
mapping: { BatchSize: 10 }
until: 5s
function: { Timeout: 900, duration: { base: 10s } }
`);
    const { events } = runWithTrace(s);
    const scale = events.filter((e) => e.type === "scale").map((e) => [e.tUs / 1e6, e.to]);
    expect(scale).toEqual([[0, 5], [1, 6], [2, 7], [3, 8], [4, 9], [5, 10]]);
  });

  it("at very low traffic with a batch window, a batch waits for the 20 s long poll", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 30s, records: 1, key: a }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 5 }
function: { Timeout: 5 }
`);
    const { events } = runWithTrace(s);
    const inv = events.find((e) => e.type === "invoke")!;
    expect(inv.tUs).toBe(50_000_000);
  });

  it("a batch window of 20 s or more is the most a batch gathers: its long poll is cut short at the window's end", () => {
    // MaximumBatchingWindowInSeconds is "the maximum amount of time ... Lambda spends gathering records"
    // (API_CreateEventSourceMapping.html): one message, a 30 s window, invoked at 30 s, not when a second 20 s poll ends.
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 300 }
traffic: [{ at: 0s, records: 1, key: a }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 30 }
function: { Timeout: 5, duration: { base: 100ms } }
`);
    const { events, report } = runWithTrace(s);
    const invokes = events.filter((e) => e.type === "invoke");
    expect(invokes.map((e) => [e.tUs, e.closedBy])).toEqual([[30_000_000, "window"]]);
    expect(report.latency.max).toBe(30_100);
  });

  it("at low traffic a message received later in the window does not start another 20 s wait: the batch goes 20 s after its first message", () => {
    // A 10 s window: messages at 0 s and 9.9 s. At very low traffic Lambda "might wait for up to 20 seconds" (with-sqs.html),
    // the long poll begun after the first message, not 20 s after the second.
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 300 }
traffic: [{ at: 0s, records: 1, key: a }, { at: 9.9s, records: 1, key: b }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 10 }
function: { Timeout: 5, duration: { base: 100ms } }
`);
    const { events } = runWithTrace(s);
    const invokes = events.filter((e) => e.type === "invoke");
    expect(invokes.map((e) => [e.tUs, e.records.length, e.closedBy])).toEqual([[20_000_000, 2, "window"]]);
  });

  it("ApproximateAgeOfOldestMessage passes over a message received three times to the next oldest, which counts until its own third receive", () => {
    // SQS: "if a message is received three or more times and not deleted", the metric reflects "the next message that
    // hasn't exceeded the receive threshold" (sqs-available-cloudwatch-metrics.html). a (sent at 0 s) and b (20 s)
    // always fail and come back every 2 s.
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 2 }
traffic: [{ at: 0s, records: 1, key: a }, { at: 20s, records: 1, key: b }]
mapping: { BatchSize: 1 }
until: 40s
function:
  Timeout: 1
  duration: { base: 100ms }
  failures: [{ when: { key: a }, effect: error }, { when: { key: b }, effect: error }]
`);
    const { events } = runWithTrace(s);
    const at = (sec: number) => events.find((e) => e.type === "sample" && e.tUs === sec * 1_000_000) as Extract<(typeof events)[number], { type: "sample" }>;
    expect([at(10).oldestAgeUs, at(10).oldestAgeCountedUs]).toEqual([10_000_000, 0]);
    expect([at(21).oldestAgeUs, at(21).oldestAgeCountedUs]).toEqual([21_000_000, 1_000_000]);
    expect([at(30).oldestAgeUs, at(30).oldestAgeCountedUs]).toEqual([30_000_000, 0]);
  });

  it("a failure rule naming one record fails only the batches that hold it", () => {
    const s = scenarioFrom(base(`
  RedrivePolicy: { maxReceiveCount: 2 }
traffic: [{ at: 0s, records: 4, key: a }]
mapping: { BatchSize: 1 }
function:
  Timeout: 5
  failures: [{ when: { record: 2 }, effect: error }]
`));
    const { events, report } = runWithTrace(s);
    const results = events.filter((e) => e.type === "result").map((e) => [e.records[0].n, e.outcome]);
    expect(results.filter((r) => r[1] === "error")).toEqual([[2, "error"], [2, "error"]]);
    expect(report.records.dlq).toBe(1);
    expect(report.records.succeeded).toBe(3);
  });

  it("moves unprocessed messages past their retention period to expired", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, MessageRetentionPeriod: 60 }
traffic: [{ at: 0s, records: 5, key: a }]
mapping: { Enabled: false }
until: 2m
`);
    const { report } = runWithTrace(s);
    expect(report.records.expired).toBe(5);
    expect(report.records.pending).toBe(0);
  });

  it("runs the same with waiting messages kept as rows as with a trace that asks for every message, over thousands of messages with redeliveries, duplicates, the DLQ and expiry", () => {
    // More messages than one storage chunk holds, each path a message can end by: deleted, partly failed and
    // received again, spontaneously duplicated, moved to the DLQ after 3 receives, expired after 60 s in the queue.
    const sc = scenarioFrom(`
name: rows-and-objects
source: { type: sqs, VisibilityTimeout: 5, MessageRetentionPeriod: 60, duplicateDeliveryRate: 0.05, RedrivePolicy: { maxReceiveCount: 3 } }
traffic: [{ at: 0s, records: 12000, keys: 50 }, { rate: 100/s, from: 1s, to: 40s, keys: 50 }]
mapping: { BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 }, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  Timeout: 2
  duration: { base: 100ms }
  failures: [{ when: { probability: 0.3 }, effect: error }, { when: { probability: 0.2 }, effect: partial }]
`);
    const traced = runWithTrace(sc);
    const plain = simulate(sc).report;
    expect(traced.events.filter((e) => e.type === "produce")).toHaveLength(15900);
    const r = plain.records;
    expect([r.produced, r.succeeded > 0, r.dlq > 0, r.expired > 0, plain.sqs!.spontaneousDuplicates > 0, plain.sqs!.visibilityRedeliveries > 0]).toEqual([15900, true, true, true, true, true]);
    expect(plain.traceDigest).toBe(traced.report.traceDigest);
    expect(plain.records).toEqual(traced.report.records);
  });
});
