import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../src/trace/events.js";
import { simulate } from "../src/run/simulate.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

type Ev<T extends TraceEvent["type"]> = Extract<TraceEvent, { type: T }>;
const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Ev<T> => e.type === type);

/** Fails if two invocations in flight at the same time hold messages of the same group. */
function assertOneBatchPerGroupInFlight(events: TraceEvent[]): number {
  const holder = new Map<number, number>(); // group -> invocation
  const groupsOf = new Map<number, Set<number>>();
  let checked = 0;
  for (const e of events) {
    if (e.type === "invoke") {
      const gs = new Set(e.records.map((r) => r.keyIndex));
      for (const g of gs) {
        if (holder.has(g)) throw new Error(`group ${g} in invocations ${holder.get(g)} and ${e.invocation} at once (t=${e.tUs})`);
        holder.set(g, e.invocation);
        checked++;
      }
      groupsOf.set(e.invocation, gs);
    } else if (e.type === "result") {
      for (const g of groupsOf.get(e.invocation)!) holder.delete(g);
      groupsOf.delete(e.invocation);
    }
  }
  return checked;
}

describe("SQS FIFO queue", () => {
  it("makes a delayed group visible in send order and delivers all of it in order, however deep its backlog", () => {
    // 600 messages of one group wait out a 5 s delay together: each becomes visible far behind the group's first
    // message, then the group is delivered batch after batch in send order.
    const sc = scenarioFrom(`
name: fifo-delayed-deep-group
source: { type: sqs-fifo, DelaySeconds: 5 }
traffic: [{ at: 0s, records: 600, keys: 1 }]
mapping: { BatchSize: 10 }
function: { duration: { base: 50ms } }
`);
    const { events, report } = runWithTrace(sc);
    const invokes = of(events, "invoke");
    expect(invokes[0].tUs).toBeGreaterThanOrEqual(5_000_000);
    const delivered = invokes.flatMap((e) => e.records.map((r) => r.n));
    expect(delivered).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(report.records.succeeded).toBe(600);
    expect(report.drained).toBe(true);
  });

  it("runs the same without a trace (messages kept as rows until received) as with one, sizes over 2 GB included", () => {
    // 3 GB messages: each receive returns one (the payload limit), with or without a trace listener.
    const sc = scenarioFrom(`
name: big-fifo
source: { type: sqs-fifo }
traffic: [{ at: 0s, records: 30, keys: 3, recordSize: 3GB }, { at: 1s, records: 40, keys: 4 }]
mapping: { BatchSize: 10 }
function: { duration: { base: 100ms } }
`);
    const traced = runWithTrace(sc);
    const sizes = of(traced.events, "invoke").map((e) => e.records.length);
    expect(sizes.slice(0, 3)).toEqual([1, 1, 1]);
    const plain = simulate(sc).report;
    expect(plain.traceDigest).toBe(traced.report.traceDigest);
    expect(plain.endedAt).toBe(traced.report.endedAt);
  });

  it("runs the same with waiting messages kept as rows as with a trace that asks for every message, over thousands of messages with failures, the DLQ and expiry, one batch per group in flight", () => {
    // More messages than one storage chunk holds, spread over 40 groups whose lists cross chunks; messages end by
    // deletion, partial failure and a later receive, the DLQ after 3 receives, or expiry after 60 s in the queue.
    const sc = scenarioFrom(`
name: fifo-rows-and-objects
source: { type: sqs-fifo, VisibilityTimeout: 5, MessageRetentionPeriod: 60, RedrivePolicy: { maxReceiveCount: 3 } }
traffic: [{ at: 0s, records: 12000, keys: 40 }, { rate: 100/s, from: 1s, to: 40s, keys: 40 }]
mapping: { BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 }, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  Timeout: 2
  duration: { base: 100ms }
  failures: [{ when: { probability: 0.3 }, effect: error }, { when: { probability: 0.2 }, effect: partial }]
`);
    const traced = runWithTrace(sc);
    const plain = simulate(sc).report;
    expect(of(traced.events, "produce")).toHaveLength(15900);
    expect(assertOneBatchPerGroupInFlight(traced.events)).toBeGreaterThan(1000);
    const r = plain.records;
    expect([r.produced, r.succeeded > 0, r.dlq > 0, r.expired > 0, plain.sqs!.visibilityRedeliveries > 0]).toEqual([15900, true, true, true, true]);
    expect(plain.traceDigest).toBe(traced.report.traceDigest);
    expect(plain.records).toEqual(traced.report.records);
  });

  it("delivers each group's messages in send order, one batch per group in flight", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 30 }
traffic: [{ rate: 40/s, from: 0s, to: 30s, keys: 3 }]
mapping: { BatchSize: 5 }
function: { Timeout: 5, duration: { base: 250ms, perRecord: 20ms } }
`);
    const { events, report } = runWithTrace(s);
    expect(assertOneBatchPerGroupInFlight(events)).toBeGreaterThan(100);
    const lastByGroup = new Map<number, number>();
    for (const inv of of(events, "invoke")) {
      for (const r of inv.records) {
        expect(r.n).toBeGreaterThan(lastByGroup.get(r.keyIndex) ?? -1);
        lastByGroup.set(r.keyIndex, r.n);
      }
    }
    expect(report.records.succeeded).toBe(1200);
    expect(report.orderingViolations).toBe(0);
    expect(report.concurrency.max).toBe(3);
  });

  it("fills a batch group by group, oldest group first, keeping each group's order", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo }
traffic:
  - { at: 0s, records: 2, key: a }
  - { at: 0s, records: 2, key: b }
  - { at: 0s, records: 2, key: a }
mapping: { BatchSize: 10 }
`);
    const { events } = runWithTrace(s);
    expect(of(events, "invoke").map((e) => e.records.map((r) => r.n))).toEqual([[0, 1, 4, 5, 2, 3]]);
  });

  it("a failing message blocks its group, and only its group, until it succeeds", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 5 }
traffic:
  - { rate: 4/s, from: 0s, to: 4s, key: a }
  - { rate: 4/s, from: 0s, to: 4s, key: b }
mapping: { BatchSize: 1 }
function:
  Timeout: 5
  duration: { base: 100ms }
  failures: [{ when: { key: a, attempt: 1, to: 100ms }, effect: error }]
`);
    const { events, report } = runWithTrace(s);
    const names = ["a", "b"]; // key indexes in order of first use: the traffic's keys are the MessageGroupIds
    const invokes = of(events, "invoke").map((e) => [e.tUs / 1000, names[e.records[0].keyIndex], e.records[0].n, e.attempt] as const);
    // a's first message fails at 0 s; nothing of a is invoked until it is visible again at 5 s, then it comes first
    const aInvokes = invokes.filter((x) => x[1] === "a");
    expect(aInvokes[0]).toEqual([0, "a", 0, 1]);
    expect(aInvokes[1]).toEqual([5000, "a", 0, 2]);
    expect(aInvokes.map((x) => x[2])).toEqual([0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
    // b kept flowing meanwhile: all 16 of b's messages were invoked before 5 s
    expect(invokes.filter((x) => x[1] === "b" && x[0] < 5000)).toHaveLength(16);
    expect(report.orderingViolations).toBe(0);
    expect(report.records.succeeded).toBe(32);
  });

  /** Batch [a0 a1 b2 b3 c4 c5] with ReportBatchItemFailures, whose messages of group b get `effect` on their first
   *  delivery. */
  const threeGroups = (effect: string) =>
    scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 5 }
traffic:
  - { at: 0s, records: 2, key: a }
  - { at: 0s, records: 2, key: b }
  - { at: 0s, records: 2, key: c }
mapping: { BatchSize: 10, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  Timeout: 5
  failures: [{ when: { key: b, attempt: 1 }, effect: ${effect} }]
`);

  it("with ReportBatchItemFailures keeps the failed message and everything after it in the batch", () => {
    // AWS (services-sqs-errorhandling.html): for FIFO, stop at the first failure and return it and every
    // unprocessed message. Batch [a0 a1 b2 b3 c4 c5], b fails: a0 a1 are deleted, b2..c5 stay.
    const s = threeGroups("partial");
    const { events, report } = runWithTrace(s);
    const results = of(events, "result").map((e) => [e.tUs / 1000, e.outcome, e.failed.map((r) => r.n), e.succeeded.map((r) => r.n)]);
    expect(results).toEqual([
      [100, "partial", [2, 3, 4, 5], [0, 1]],
      [5100, "ok", [], [2, 3, 4, 5]],
    ]);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
  });

  it("with ReportBatchItemFailures an invalid partial response keeps the whole batch, the messages before the failure too", () => {
    // The same batch as above, but the response names a message the batch does not hold: a complete failure
    // (services-sqs-errorhandling.html), so a0 and a1 are not deleted either, and every group waits for the
    // visibility timeout.
    const s = threeGroups("partial-invalid");
    const { events, report } = runWithTrace(s);
    const results = of(events, "result").map((e) => [e.tUs / 1000, e.outcome, e.invalidResponse, e.failed.map((r) => r.n), e.succeeded.map((r) => r.n)]);
    expect(results).toEqual([
      [100, "partial", true, [0, 1, 2, 3, 4, 5], []],
      [5100, "ok", undefined, [], [0, 1, 2, 3, 4, 5]],
    ]);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
  });

  it("moves a poison message to the DLQ after maxReceiveCount, then its group goes on", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 5, RedrivePolicy: { maxReceiveCount: 3 } }
traffic:
  - { at: 0s, records: 1, key: p }
  - { at: 1s, records: 2, key: p }
mapping: { BatchSize: 1 }
function:
  Timeout: 5
  failures: [{ when: { key: p, to: 12s }, effect: error }]
`);
    const { lines, report } = runWithTrace(s);
    const steps = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "invoke" || e.type === "dlq").map((e) => [e.t, e.type, e.recordIds ?? [e.recordId]]);
    expect(steps).toEqual([
      [0, "invoke", ["msg-000000"]],
      [5000, "invoke", ["msg-000000"]],
      [10000, "invoke", ["msg-000000"]],
      [15000, "dlq", ["msg-000000"]],
      [15000, "invoke", ["msg-000001"]],
      [15100, "invoke", ["msg-000002"]],
    ]);
    expect(report.records.dlq).toBe(1);
    expect(report.records.succeeded).toBe(2);
  });

  it.each([
    [3, 3, 5],
    [20, 20, 25],
  ])("scales to the number of active message groups and no further (%i groups)", (groups, maxConcurrency, maxPollers) => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 6000, keys: ${groups} }]
function: { Timeout: 10, duration: { base: 1s } }
until: 1m
`);
    const { events, report } = runWithTrace(s);
    expect(report.concurrency.max).toBe(maxConcurrency);
    expect(Math.max(...of(events, "scale").map((e) => e.to))).toBeLessThanOrEqual(maxPollers);
  });

  it("with many groups scales on like a standard queue", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs-fifo, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 30000, keys: 300 }]
function: { Timeout: 10, duration: { base: 1s } }
until: 1m
`);
    const { events, report } = runWithTrace(s);
    expect(report.concurrency.max).toBeGreaterThan(150);
    expect(report.concurrency.max).toBeLessThanOrEqual(300);
    // +5 a second under the current profile, as for a standard queue
    expect(of(events, "scale").slice(0, 3).map((e) => [e.tUs / 1e6, e.to])).toEqual([[0, 5], [1, 10], [2, 15]]);
  });

  it("looks only 20,000 messages ahead in the profiles before today's docs: a backlog in one group hides the groups sent after it", () => {
    const yaml = (extra: string) => `
name: t
${extra}
source: { type: sqs-fifo, VisibilityTimeout: 60 }
traffic:
  - { at: 0s, records: 25000, key: big }
  - { at: 0s, records: 10, key: other }
function: { Timeout: 10, duration: { base: 100ms } }
until: 60s
`;
    const { events } = runWithTrace(scenarioFrom(yaml("profile: nov-2023")));
    const invokes = of(events, "invoke");
    const firstOther = invokes.findIndex((e) => e.records.some((r) => r.n >= 25000));
    const bigSucceededBefore = of(events, "result")
      .filter((e) => e.tUs <= invokes[firstOther].tUs)
      .reduce((n, e) => n + e.succeeded.filter((r) => r.n < 25000).length, 0);
    // "other" becomes visible to a receive once fewer than 20,000 messages are ahead of it: 5,001+ deleted (in 10s)
    expect(bigSucceededBefore).toBe(5010);
    // with an unlimited look-ahead the other group is served at once
    const wide = runWithTrace(scenarioFrom(yaml("profile: nov-2023\nscaling: { fifoLookAheadMessages: 1000000 }")));
    const w = of(wide.events, "invoke");
    expect(w.find((e) => e.records.some((r) => r.n >= 25000))!.tUs).toBe(0);
    // Today's docs: FIFO queues scan the first 120,000 messages, so 25,000 ahead hide nothing.
    const today = runWithTrace(scenarioFrom(yaml("")));
    expect(of(today.events, "invoke").find((e) => e.records.some((r) => r.n >= 25000))!.tUs).toBe(0);
  });

  it("a group beyond the look-ahead is served as soon as messages ahead of it end, while the oldest message stays", () => {
    // Look-ahead 100. Message 0 (group stuck) fails and stays in flight, so the queue's front never moves; group a's
    // 150 messages (1-150) are deleted one a batch; group b's first (151) has 151 live messages ahead of it until
    // a's deletes bring that below 100: after 52 of them, while a still has 98 to go.
    const s = scenarioFrom(`
name: t
scaling: { fifoLookAheadMessages: 100 }
source: { type: sqs-fifo, VisibilityTimeout: 300 }
traffic:
  - { at: 0s, records: 1, key: stuck }
  - { at: 0s, records: 150, key: a }
  - { at: 0s, records: 1, key: b }
mapping: { BatchSize: 1 }
function:
  Timeout: 10
  duration: { base: 100ms }
  failures: [{ when: { key: stuck }, effect: error }]
until: 60s
`);
    const { events } = runWithTrace(s);
    const firstB = of(events, "invoke").find((e) => e.records.some((r) => r.n === 151))!;
    expect(firstB).toBeDefined();
    const aDeletedBefore = of(events, "result")
      .filter((e) => e.tUs <= firstB.tUs)
      .reduce((n, e) => n + e.succeeded.filter((r) => r.n >= 1 && r.n <= 150).length, 0);
    expect(aDeletedBefore).toBe(52);
    // the front stayed: message 0 was never deleted
    expect(of(events, "result").some((e) => e.succeeded.some((r) => r.n === 0))).toBe(false);
  });

  it("keeps at most 20,000 messages in flight (here lowered to 20)", () => {
    const s = scenarioFrom(`
name: t
scaling: { fifoInFlightMax: 20 }
source: { type: sqs-fifo, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 1000, keys: 100 }]
function: { Timeout: 10, duration: { base: 2s } }
`);
    const { events, report } = runWithTrace(s);
    expect(Math.max(...of(events, "sample").map((e) => e.inFlight))).toBe(20);
    expect(report.concurrency.max).toBe(2);
    expect(report.records.succeeded).toBe(1000);
  });
});

describe("SQS FIFO deduplication", () => {
  const run = (traffic: string, source = "") =>
    runWithTrace(
      scenarioFrom(`
name: t
source: { type: sqs-fifo${source} }
traffic: [${traffic}]
function: { Timeout: 3, duration: { base: 50ms } }
`),
    );

  it("drops a producer retry inside the 5-minute interval: not a produced record, counted as dedupDropped", () => {
    const { report, lines } = run("{ at: 0s, records: 4, key: a, duplicateSendRate: 1, duplicateSendAfter: 299.999s }");
    expect(report.records.produced).toBe(4);
    expect(report.records.succeeded).toBe(4);
    expect(report.sqs!.producerRetries).toBe(4);
    expect(report.sqs!.dedupDropped).toBe(4);
    expect(report.duplicates).toBe(0);
    const dedup = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "dedup");
    expect(dedup.map((e) => [e.t, e.recordId, e.reason])).toEqual([0, 1, 2, 3].map((i) => [299999, `msg-00000${i}`, "DeduplicationInterval"]));
  });

  it("delivers a retry sent after the interval again, as a duplicate of the same logical message", () => {
    const { report, lines } = run("{ at: 0s, records: 4, key: a, duplicateSendRate: 1, duplicateSendAfter: 5m }");
    expect(report.records.produced).toBe(8);
    expect(report.records.succeeded).toBe(8);
    expect(report.sqs!.producerRetriesDelivered).toBe(4);
    expect(report.sqs!.dedupDropped).toBe(0);
    expect(report.duplicates).toBe(4);
    expect(report.sqs!.producerDuplicates).toBe(4);
    expect(report.orderingViolations).toBe(0);
    const produce = lines.map((l) => JSON.parse(l)).filter((e) => e.type === "produce" && e.resendOf);
    expect(produce.map((e) => [e.t, e.recordId, e.resendOf])).toEqual([0, 1, 2, 3].map((i) => [300000, `msg-00000${i + 4}`, `msg-00000${i}`]));
  });

  it("does not deduplicate a producer that sends a new deduplication ID with every attempt", () => {
    const { report } = run("{ at: 0s, records: 4, key: a, duplicateSendRate: 1, duplicateSendAfter: 1s, deduplicationId: perAttempt }");
    expect(report.records.produced).toBe(8);
    expect(report.sqs!.dedupDropped).toBe(0);
    expect(report.duplicates).toBe(4);
  });

  it("deduplicates by content when the queue has ContentBasedDeduplication", () => {
    const { report } = run("{ at: 0s, records: 4, key: a, duplicateSendRate: 1, duplicateSendAfter: 1s, deduplicationId: content }", ", ContentBasedDeduplication: true");
    expect(report.sqs!.dedupDropped).toBe(4);
    expect(report.records.produced).toBe(4);
  });

  it("on a standard queue every producer retry is one more message", () => {
    const { report } = runWithTrace(
      scenarioFrom(`
name: t
source: { type: sqs }
traffic: [{ at: 0s, records: 100, keys: 10, duplicateSendRate: 0.2 }]
function: { Timeout: 3, duration: { base: 50ms } }
`),
    );
    expect(report.sqs!.producerRetries).toBeGreaterThan(5);
    expect(report.records.produced).toBe(100 + report.sqs!.producerRetries);
    expect(report.duplicates).toBe(report.sqs!.producerRetries);
  });
});

describe("SQS FIFO ordering under failures", () => {
  it.each([1, 2, 3, 4, 5, 6])("has no ordering violation and one batch per group in flight (seed %i)", (seed) => {
    const s = scenarioFrom(`
name: t
seed: ${seed}
source: { type: sqs-fifo, VisibilityTimeout: 4, RedrivePolicy: { maxReceiveCount: 4 } }
traffic:
  - { rate: 30/s, arrival: poisson, from: 0s, to: 40s, keys: 12, keyDistribution: zipf }
  - { rate: 1/s, from: 0s, to: 40s, keys: 50, duplicateSendRate: 0.3, duplicateSendAfter: 2s, deduplicationId: perAttempt }
mapping: { BatchSize: 10, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  Timeout: 4
  ReservedConcurrentExecutions: 4
  duration: { base: 300ms, perRecord: 30ms, jitter: 0.8 }
  failures:
    - { when: { key: key-1, probability: 0.3 }, effect: partial }
    - { when: { probability: 0.05 }, effect: error }
    - { when: { probability: 0.03 }, effect: timeout }
`);
    const { events, report } = runWithTrace(s);
    assertOneBatchPerGroupInFlight(events);
    expect(report.orderingViolations).toBe(0);
    const r = report.records;
    expect(r.produced).toBe(r.succeeded + r.dlq + r.expired + r.pending);
    expect(r.dlq + r.succeeded).toBeGreaterThan(1000);
  });
});
