/** Scenarios that property tests and fuzzing found to break an invariant, kept as fixed regressions. */
import { describe, expect, it } from "vitest";
import { checkTrace } from "../src/checks/suite.js";
import { limitsOf } from "../src/checks/limits.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

describe("regressions found by the property suite", () => {
  it("a spontaneous duplicate of a message past its retention is not delivered, so the oldest message stays within retention + visibility timeout", () => {
    // fast-check counterexample (trimmed): every invoke throttled (reserved 0), visibility 4 s, retention 67 s, duplicates 30%.
    const s = scenarioFrom(`
name: property
seed: 1009938454
scaling: { initialConcurrency: 3, maxConcurrency: 20, scaleTickMs: 201, backoffMinConcurrency: 1, longPollWaitMs: 10971, throttleRetryInitialMs: 2865, throttleRetryMaxMs: 10937 }
source: { type: sqs, VisibilityTimeout: 4, MessageRetentionPeriod: 67, DelaySeconds: 20, duplicateDeliveryRate: 0.3 }
traffic: [{ rate: 27.4, from: 18s, to: 22s, keys: 5 }]
mapping: { BatchSize: 7, MaximumBatchingWindowInSeconds: 2 }
function: { Timeout: 1, ReservedConcurrentExecutions: 0, duration: { base: 0.381 } }
account: { ConcurrentExecutions: 103 }
`);
    const { events, report } = runWithTrace(s);
    const ages = checkTrace(events, limitsOf(s), report).find((c) => c.name === "iterator-age")!;
    expect(ages.examples).toEqual([]);
    expect(report.iteratorAge.max).toBeLessThanOrEqual(71_000);
    expect(report.records.expired).toBe(report.records.produced);
    // No message is delivered after its retention ran out.
    for (const e of events) if (e.type === "invoke") for (const r of e.records) expect(e.tUs - r.sentUs).toBeLessThan(67_000_000);
  });

  it("a message hidden for the effective visibility timeout may be older than retention + VisibilityTimeout, and the check allows it", () => {
    // fast-check counterexample (trimmed): every invoke throttled (reserved 0); window 2 s + Timeout 1 s exceed the
    // queue's visibility timeout of 1 s, so the 2022 guide's effective visibility timeout hides each receive for
    // 2 + 1 + 45.135 s.
    const s = scenarioFrom(`
name: property
seed: 46086504
scaling: { initialConcurrency: 6, maxConcurrency: 20, backoffMinConcurrency: 4, receiveMaxMessages: 1, effectiveVisibilityExtraMs: 45135 }
source: { type: sqs, VisibilityTimeout: 1, MessageRetentionPeriod: 66, RedrivePolicy: { maxReceiveCount: 2 } }
traffic: [{ at: 18.366, records: 22, key: vip, recordSize: 259414 }]
mapping: { BatchSize: 199, MaximumBatchingWindowInSeconds: 2, ScalingConfig: { MaximumConcurrency: 2 } }
function: { Timeout: 1, ReservedConcurrentExecutions: 0, duration: { base: 534ms } }
`);
    const limits = limitsOf(s);
    expect(limits.iteratorAgeMaxUs).toBe(66_000_000 + 48_135_000);
    expect(limits.keyLockMaxUs).toBe(48_135_000);
    const { events, report } = runWithTrace(s);
    expect(report.iteratorAge.max).toBeGreaterThan(67_000);
    const ages = checkTrace(events, limitsOf(s), report).find((c) => c.name === "iterator-age")!;
    expect(ages.examples).toEqual([]);
    expect(ages.summary).toContain("effective visibility timeout");
  });

  it("a FIFO batch that outlasts its visibility timeout cannot delete its messages: they are processed again, as duplicates", () => {
    // fast-check counterexample (seed -223843104, case 1284): a throttled batch is invoked 3 s after its receive and
    // runs past the 4 s visibility timeout; a second batch receives the same messages again. The first one's
    // success comes after its receipt handles expired, so the queue refuses its delete
    // (https://repost.aws/knowledge-center/sqs-receipt-handle-error) and the group stays with the second batch.
    const s = scenarioFrom(`
name: property-fifo
seed: 13
profile: nov-2023
source: { type: sqs-fifo, VisibilityTimeout: 4, MessageRetentionPeriod: 534 }
traffic:
  - { at: 0.009, records: 57, keys: 9, recordSize: 162173 }
  - { rate: 19.3, from: 0s, to: 6s, arrival: even, key: poison }
mapping: { BatchSize: 9, ScalingConfig: { MaximumConcurrency: 8 } }
function:
  Timeout: 4
  ReservedConcurrentExecutions: 3
  duration: { base: 1195ms, perRecord: 45ms }
  failures: [{ when: { key: vip }, effect: partial-invalid }, { effect: partial }]
`);
    const { events, report } = runWithTrace(s);
    const invokes = events.filter((e) => e.type === "invoke");
    const holders = (n: number) => invokes.filter((e) => e.records.some((r) => r.n === n)).map((e) => e.invocation);
    // Message 8: received by invocation 6 (after two throttles), and again by invocation 9 while 6 still ran.
    expect(holders(8)).toEqual([6, 9]);
    const results = new Map(events.flatMap((e) => (e.type === "result" ? [[e.invocation, e] as const] : [])));
    expect(results.get(6)!.succeeded).toHaveLength(0);
    expect(results.get(6)!.undeleted!.map((r) => r.n)).toContain(8);
    expect(results.get(9)!.succeeded.map((r) => r.n)).toContain(8);
    expect(results.get(9)!.redundant).toBe(9);
    expect(report.sqs!.deletesRefused).toBe(9);
    expect(report.duplicatesByCause.visibilityTimeout).toBe(9);
    const checks = checkTrace(events, limitsOf(s), report).filter((c) => c.status === "fail");
    expect(checks).toEqual([]);
  });

  it("a FIFO batch whose messages a later batch deleted, after they came back, no longer holds their group", () => {
    // Generated (cold start 3 s, visibility timeout 1 s): invocation 1's cold start outlasts the visibility timeout,
    // its messages are received again, and a warm invocation deletes them while invocation 1 and others that
    // received them in between still run. The group has nothing in flight then, and its next messages go out.
    const s = scenarioFrom(`
name: property-fifo
seed: 1812188180
source: { type: sqs-fifo, VisibilityTimeout: 1, MessageRetentionPeriod: 66, ContentBasedDeduplication: true }
traffic:
  - { at: 37652ms, records: 28, keys: 8, keyDistribution: zipf }
  - { at: 45074ms, records: 109, keys: 6, keyDistribution: zipf }
  - { at: 17107ms, records: 71, keys: 10, keyDistribution: zipf, recordSize: 512B }
mapping: { BatchSize: 6 }
function: { Timeout: 1, duration: { base: 8ms }, coldStart: 3 }
`);
    const { events, report } = runWithTrace(s);
    expect(report.sqs!.deletesRefused).toBeGreaterThan(0);
    const concurrency = checkTrace(events, limitsOf(s), report).find((c) => c.name === "concurrency")!;
    expect(concurrency.examples).toEqual([]);
  });

  it("a FIFO batch whose messages moved to the DLQ while it ran no longer holds their group", () => {
    // fast-check counterexample (seed -992923504, case 2204), trimmed: 2.8 s cold starts against a 1 s visibility
    // timeout; the group's first messages are received twice and moved to the DLQ while both batches still run.
    const s = scenarioFrom(`
name: property-fifo
seed: 15
profile: nov-2023
source: { type: sqs-fifo, VisibilityTimeout: 1, MessageRetentionPeriod: 884, RedrivePolicy: { maxReceiveCount: 2 } }
traffic: [{ at: 30.022, records: 75, key: vip }]
mapping: { BatchSize: 3, ScalingConfig: { MaximumConcurrency: 6 } }
function: { Timeout: 1, ReservedConcurrentExecutions: 8, duration: { base: 830ms }, coldStart: 2803ms }
`);
    const { events, report } = runWithTrace(s);
    expect(report.records.dlq).toBeGreaterThan(0);
    const concurrency = checkTrace(events, limitsOf(s), report).find((c) => c.name === "concurrency")!;
    expect(concurrency.examples).toEqual([]);
  });
});
