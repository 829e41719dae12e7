import { describe, expect, it } from "vitest";
import { CheckSuite, checkTrace } from "../src/checks/suite.js";
import { limitsOf, type CheckLimits } from "../src/checks/limits.js";
import type { Report } from "../src/run/result.js";
import type { SimRecord, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom, shippedScenarios } from "./helpers.js";

const poison = shippedScenarios().find((s) => s.file.endsWith("sqs-poison-message-dlq.yaml"))!;
const reserved = shippedScenarios().find((s) => s.file.endsWith("sqs-reserved-concurrency-dlq.yaml"))!;

function run(text: string) {
  const scenario = scenarioFrom(text);
  const r = runWithTrace(scenario);
  return { ...r, limits: limitsOf(scenario) };
}

const poisonRun = run(poison.text);
const reservedRun = run(reserved.text);

/** Status of each check, by name. */
function statuses(events: TraceEvent[], limits: CheckLimits, report: Report) {
  return Object.fromEntries(checkTrace(events, limits, report).map((c) => [c.name, c.status]));
}
function outcome(events: TraceEvent[], limits: CheckLimits, report: Report, name: string) {
  return checkTrace(events, limits, report).find((c) => c.name === name)!;
}
const clone = <T>(x: T): T => structuredClone(x);

describe("invariant checks on correct runs", () => {
  it.each([
    ["poison message", poisonRun],
    ["reserved concurrency", reservedRun],
  ])("pass on the shipped %s scenario, order marked not applicable for SQS standard", (_, r) => {
    expect(statuses(r.events, r.limits, r.report)).toEqual({
      conservation: "pass",
      trace: "pass",
      concurrency: "pass",
      order: "skip",
      "iterator-age": "pass",
      redrive: "pass",
      "on-failure": "skip",
      invocations: "pass",
    });
  });
});

describe("each check catches a broken trace or report", () => {
  const { events, limits, report } = poisonRun;

  it("conservation: a record that ends twice", () => {
    const dlq = events.find((e) => e.type === "dlq")!;
    const bad = [...events, { ...dlq, tUs: events[events.length - 1].tUs }];
    const c = outcome(bad, limits, report, "conservation");
    expect(c.status).toBe("fail");
    expect(c.examples[0]).toMatch(/record \d+ ended twice: dlq, then dlq/);
  });

  it("conservation: a report count that disagrees with the trace", () => {
    const r = clone(report);
    r.records.succeeded -= 1;
    r.records.pending += 1;
    const c = outcome(events, limits, r, "conservation");
    expect(c.status).toBe("fail");
    expect(c.examples).toContain("the report says records.succeeded = 298, the trace gives 299");
  });

  it("invocations: a missing result leaves a run that claims to have drained with an invocation running", () => {
    const i = events.findIndex((e) => e.type === "result");
    const bad = events.filter((_, j) => j !== i);
    const c = outcome(bad, limits, report, "invocations");
    expect(c.status).toBe("fail");
    expect(c.examples.join("\n")).toContain("the report says drained with 1 invocations still running");
  });

  it("invocations: a DeletedEventCount or NumberOfMessagesDeleted that disagrees with the trace's deletes", () => {
    const r = clone(report);
    r.cloudwatch.DeletedEventCount = (r.cloudwatch.DeletedEventCount as number) + 1;
    r.cloudwatch.NumberOfMessagesDeleted = (r.cloudwatch.NumberOfMessagesDeleted as number) + 1;
    const c = outcome(events, limits, r, "invocations");
    expect(c.status).toBe("fail");
    expect(c.examples).toEqual([
      `the report says cloudwatch.DeletedEventCount = ${report.cloudwatch.DeletedEventCount as number + 1}, the trace gives ${report.records.succeeded}`,
      `the report says cloudwatch.NumberOfMessagesDeleted = ${report.cloudwatch.NumberOfMessagesDeleted as number + 1}, the trace gives ${report.records.succeeded}`,
    ]);
  });

  it("invocations: SQS poll counts that disagree with the trace's poll events", () => {
    const r = clone(report);
    r.sqs!.polls += 1;
    r.sqs!.emptyPolls -= 1;
    const c = outcome(events, limits, r, "invocations");
    expect(c.status).toBe("fail");
    const polls = events.filter((e) => e.type === "poll");
    expect(c.examples).toEqual([
      `the report says sqs.polls = ${polls.length + 1}, the trace gives ${polls.length}`,
      `the report says sqs.emptyPolls = ${polls.filter((e) => e.received === 0).length - 1}, the trace gives ${polls.filter((e) => e.received === 0).length}`,
    ]);
  });

  it("invocations: a stream report with fewer reads that returned records than the trace has poll events", () => {
    const s = run(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 250, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 300ms } }
`);
    expect(outcome(s.events, s.limits, s.report, "invocations").status).toBe("pass");
    const polls = s.events.filter((e) => e.type === "poll").length;
    const r = clone(s.report);
    r.stream!.emptyPolls = r.stream!.polls - polls + 1;
    const c = outcome(s.events, s.limits, r, "invocations");
    expect(c.examples).toEqual([`the report says ${polls - 1} reads returned records (stream.polls - stream.emptyPolls), but the trace has ${polls} poll events, each a read that did`]);
  });

  it("invocations: a stream report whose read throttles disagree with the trace's readThrottle events", () => {
    const s = run(`name: t
source: { type: kinesis, ShardCount: 1, otherConsumers: 1 }
traffic: [{ at: 0s, records: 3000, key: a, recordSize: 10KB }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 100ms } }
`);
    const throttles = s.events.filter((e) => e.type === "readThrottle").length;
    expect(throttles).toBeGreaterThan(0);
    expect(outcome(s.events, s.limits, s.report, "invocations").status).toBe("pass");
    const r = clone(s.report);
    r.stream!.readThrottles = 0;
    expect(outcome(s.events, s.limits, r, "invocations").examples).toEqual([`the report says stream.readThrottles = 0, the trace gives ${throttles}`]);
  });

  it("invocations: a result that forgets one of the records it ended", () => {
    const i = events.findIndex((e) => e.type === "result" && e.succeeded.length > 1);
    const bad = events.map((e, j) => (j === i && e.type === "result" ? { ...e, succeeded: e.succeeded.slice(1) } : e));
    const c = outcome(bad, limits, report, "invocations");
    expect(c.status).toBe("fail");
    expect(c.examples[0]).toMatch(/ended \d+ records as succeeded; the record book says \d+/);
  });

  it("invocations: a duration that does not match the trace's times", () => {
    const i = events.findIndex((e) => e.type === "result");
    const bad = events.map((e, j) => (j === i && e.type === "result" ? { ...e, durationUs: e.durationUs + 1 } : e));
    expect(outcome(bad, limits, report, "invocations").examples[0]).toMatch(/reports a duration of \d+ us but ran \d+ us/);
  });

  it("trace: time that goes backwards", () => {
    const i = events.findIndex((e, j) => j > 0 && e.tUs > events[j - 1].tUs);
    const bad = [...events];
    [bad[i - 1], bad[i]] = [bad[i], bad[i - 1]];
    expect(outcome(bad, limits, report, "trace").status).toBe("fail");
  });

  it("concurrency: more invocations in flight than ReservedConcurrentExecutions", () => {
    const r = reservedRun;
    const c = outcome(r.events, { ...r.limits, reservedConcurrency: 1 }, r.report, "concurrency");
    expect(c.status).toBe("fail");
    expect(c.examples.join("\n")).toContain("makes 2 in flight, above ReservedConcurrentExecutions 1");
  });

  it("concurrency: an invoke that states a concurrency other than the count in flight", () => {
    const i = events.findIndex((e) => e.type === "invoke");
    const bad = events.map((e, j) => (j === i && e.type === "invoke" ? { ...e, concurrency: e.concurrency + 1 } : e));
    expect(outcome(bad, limits, report, "concurrency").examples[0]).toMatch(/states concurrency 2, but 1 invocations are in flight/);
  });

  it("order: where order per key is promised, a record first processed after a later one of its key", () => {
    const c = outcome(events, { ...limits, orderScope: "key", orderPromise: "test" }, report, "order");
    expect(c.status).toBe("fail");
    expect(c.violations).toBe(report.orderingViolations);
  });

  it("concurrency: where order per group is promised, two batches of one group in flight", () => {
    // The reserved-concurrency run has 2 batches in flight at once, sharing keys among 100.
    const r = reservedRun;
    const c = outcome(r.events, { ...r.limits, orderScope: "group" }, r.report, "concurrency");
    expect(c.status).toBe("fail");
    expect(c.examples[0]).toMatch(/while another batch with that group is in flight/);
  });

  it("iterator-age: an age beyond retention", () => {
    const c = outcome(events, { ...limits, iteratorAgeMaxUs: 60_000_000 }, report, "iterator-age");
    expect(c.status).toBe("fail");
    expect(c.examples.join("\n")).toMatch(/is beyond 60000 ms/);
  });

  it("redrive: a message moved after a receive count other than maxReceiveCount", () => {
    const c = outcome(events, { ...limits, maxReceiveCount: 6 }, report, "redrive");
    expect(c.status).toBe("fail");
    expect(c.examples[0]).toMatch(/moved to the DLQ after 5 receives, not maxReceiveCount 6/);
  });
});

describe("checks written for stream and FIFO sources, on hand-made traces", () => {
  const rec = (n: number, keyIndex: number, sentUs = 0): SimRecord => ({ n, keyIndex, sentUs, sizeBytes: 100 });
  const records = [rec(0, 0), rec(1, 1), rec(2, 0), rec(3, 1)];
  const produce = records.map((r): TraceEvent => ({ tUs: 0, type: "produce", record: r }));
  const invoke = (tUs: number, invocation: number, rs: SimRecord[], concurrency: number, shard: string) =>
    ({ tUs, type: "invoke", invocation, poller: 0, records: rs, attempt: 1, concurrency, closedBy: "size", shard }) as unknown as TraceEvent;
  const result = (tUs: number, invocation: number, rs: SimRecord[], startUs: number) =>
    ({ tUs, type: "result", invocation, outcome: "ok", records: rs, failed: [], succeeded: rs, redundant: 0, durationUs: tUs - startUs, ignoredPartial: 0 }) as TraceEvent;
  const streamLimits: CheckLimits = {
    sourceType: "kinesis",
    orderScope: "key",
    orderPromise: "Kinesis keeps order per partition key",
    shards: 1,
    parallelizationFactor: 1,
    maximumConcurrency: null,
    reservedConcurrency: null,
    accountConcurrency: 1000,
    pollerCeiling: null,
    batchSizeMax: 10,
    retentionUs: 86_400_000_000,
    iteratorAgeMaxUs: 86_400_000_000,
    iteratorAgeWhy: "retention",
    maxReceiveCount: Infinity,
    successEndsRecords: false,
    onFailureDestination: true,
    keyLockMaxUs: Infinity,
    receiptsExpire: false,
  };
  const report = (over: Partial<Report> = {}): Report =>
    ({
      records: { produced: 4, succeeded: 4, onFailure: 0, dlq: 0, expired: 0, filtered: 0, pending: 0, deletedDespiteReportedFailure: 0, onFailureDelivered: 0, onFailureDropped: 0 },
      drained: true,
      duplicates: 0,
      orderingViolations: 0,
      invocations: { total: 2, errors: 0, timeouts: 0, throttles: 0, partial: 0, partialIgnored: 0 },
      batchSize: { p50: 2, max: 2 },
      iteratorAge: { max: 0, p50: 0, p99: 0, definition: "" },
      concurrency: { max: 2, timeToMax: 0, pollersMax: 0 },
      destinations: [],
      ...over,
    }) as Report;

  it("two batches in flight on one shard break ParallelizationFactor 1", () => {
    const ev = [...produce, invoke(1, 1, [records[0], records[1]], 1, "shard-0"), invoke(2, 2, [records[2], records[3]], 2, "shard-0"), result(5, 1, [records[0], records[1]], 1), result(6, 2, [records[2], records[3]], 2)];
    const c = outcome(ev, streamLimits, report(), "concurrency");
    expect(c.status).toBe("fail");
    expect(c.examples.join("\n")).toContain("makes 2 batches in flight on shard shard-0, above ParallelizationFactor 1");
    expect(c.examples.join("\n")).toContain("makes 2 in flight, above shards x ParallelizationFactor = 1");
    expect(outcome(ev, { ...streamLimits, shards: 2, parallelizationFactor: 2, orderScope: "none" }, report(), "concurrency").status).toBe("pass");
  });

  it("with ParallelizationFactor 1 and no failures, records of a shard first succeed in sequence order", () => {
    // Keys differ, so per-key order holds, but record 1 succeeds before record 0 on the same shard.
    const ev = [...produce, invoke(1, 1, [records[1]], 1, "s"), result(2, 1, [records[1]], 1), invoke(3, 2, [records[0]], 1, "s"), result(4, 2, [records[0]], 3)];
    const c = outcome(ev, streamLimits, report({ records: { ...report().records, succeeded: 2, pending: 2 }, drained: false, concurrency: { max: 1, timeToMax: 0, pollersMax: 0 }, batchSize: { p50: 1, max: 1 } }), "order");
    expect(c.status).toBe("fail");
    expect(c.examples[0]).toMatch(/record 0 first succeeded after record 1 of shard s/);
  });

  it("an on-failure destination record must match its onFailure event's batch", () => {
    const onFailure = { tUs: 3, type: "onFailure", records: [records[0], records[1]], shard: "s", ended: 2, destinationArn: "arn:aws:sqs:us-east-1:123456789012:f", delivered: true } as unknown as TraceEvent;
    const ev = [...produce, onFailure];
    const dest = (batchSize: number, start: string, end: string) => ({ KinesisBatchInfo: { shardId: "s", startSequenceNumber: start, endSequenceNumber: end, batchSize } });
    const rep = (d: unknown[]) => report({ records: { ...report().records, succeeded: 0, onFailure: 2, onFailureDelivered: 2, pending: 2 }, drained: false, destinations: d, invocations: { ...report().invocations, total: 0 }, batchSize: { p50: 0, max: 0 }, concurrency: { max: 0, timeToMax: 0, pollersMax: 0 } });
    expect(statuses(ev, streamLimits, rep([dest(2, "0001", "0002")]))).toMatchObject({ "on-failure": "pass", conservation: "pass" });
    const bad = outcome(ev, streamLimits, rep([dest(3, "0002", "0001")]), "on-failure");
    expect(bad.examples).toEqual(["at 3us: on-failure record 0 says batchSize 3, the onFailure event holds 2 records", "on-failure record 0: startSequenceNumber 0002 is after endSequenceNumber 0001"]);
    expect(outcome(ev, streamLimits, rep([]), "on-failure").examples).toEqual(["the report holds 0 on-failure records, the trace 1 delivered onFailure events"]);
  });
});

describe("checks on records and keys at unusual indexes (hand-made traces)", () => {
  const rec = (n: number, keyIndex: number): SimRecord => ({ n, keyIndex, sentUs: 0, sizeBytes: 100 });
  const produce = (rs: SimRecord[]) => rs.map((r): TraceEvent => ({ tUs: 0, type: "produce", record: r }));
  const invoke = (tUs: number, invocation: number, rs: SimRecord[], concurrency: number, shard?: string) =>
    ({ tUs, type: "invoke", invocation, poller: 0, records: rs, attempt: 1, concurrency, closedBy: "size", ...(shard !== undefined && { shard }) }) as unknown as TraceEvent;
  const result = (tUs: number, invocation: number, rs: SimRecord[], startUs: number, over: Record<string, unknown> = {}) =>
    ({ tUs, type: "result", invocation, outcome: "ok", records: rs, failed: [], succeeded: rs, redundant: 0, durationUs: tUs - startUs, ignoredPartial: 0, ...over }) as TraceEvent;
  const { limits: sqsLimits, report } = poisonRun;
  const streamLimits: CheckLimits = { ...sqsLimits, sourceType: "kinesis", orderScope: "key", shards: 1, parallelizationFactor: 1, successEndsRecords: false, maxReceiveCount: Infinity };

  it("shard order: a record never produced, at an index far beyond the others, is compared with its shard's records", () => {
    const [r0, far] = [rec(0, 0), rec(4_000_000_000, 1)];
    const ev = [...produce([r0]), invoke(1, 1, [far], 1, "s"), result(2, 1, [far], 1), invoke(3, 2, [r0], 1, "s"), result(4, 2, [r0], 3)];
    const checks = checkTrace(ev, streamLimits, report);
    const order = checks.find((c) => c.name === "order")!;
    expect(order.examples).toContain("at 4us: record 0 first succeeded after record 4000000000 of shard s (ParallelizationFactor 1, no failures)");
    expect(checks.find((c) => c.name === "trace")!.examples).toContain("at 1us: invoke refers to record 4000000000, which was not produced yet");
  });

  it("conservation: a record at an index beyond any array, or not an index at all, that ends twice is found, not a crash", () => {
    const [far, negative] = [rec(2 ** 40, 0), rec(-1, 1)];
    const ev = [invoke(1, 1, [far, negative], 1), result(2, 1, [far, negative], 1), invoke(3, 2, [far, negative], 1), result(4, 2, [far, negative], 3)];
    const conservation = checkTrace(ev, sqsLimits, report).find((c) => c.name === "conservation")!;
    expect(conservation.examples).toEqual(expect.arrayContaining(["at 4us: record 1099511627776 ended twice: succeeded, then succeeded", "at 4us: record -1 ended twice: succeeded, then succeeded"]));
  });

  it("shard order: a record is compared with the records of the shard whose batch it succeeded in", () => {
    const [r0, r1] = [rec(0, 0), rec(1, 1)];
    const examples = (shardOfR1: string) => {
      const ev = [...produce([r0, r1]), invoke(1, 1, [r1], 1, shardOfR1), result(2, 1, [r1], 1), invoke(3, 2, [r0], 1, "b"), result(4, 2, [r0], 3)];
      return checkTrace(ev, { ...streamLimits, shards: 2 }, report).find((c) => c.name === "order")!.examples.join("\n");
    };
    // Record 1 succeeded on shard a, so record 0 on shard b after it is in order; had it succeeded on b, it is not.
    expect(examples("a")).not.toContain("of shard");
    expect(examples("b")).toContain("record 0 first succeeded after record 1 of shard b");
  });

  it("key order: records with a negative or fractional index and keys at odd indexes are compared as a Map would", () => {
    const rs = [rec(0.5, -1), rec(-1, -1), rec(3, 2 ** 32), rec(2, 2 ** 32), rec(5, 1.5), rec(4, 1.5)];
    const ev: TraceEvent[] = [];
    rs.forEach((r, i) => ev.push(invoke(2 * i + 1, i + 1, [r], 1), result(2 * i + 2, i + 1, [r], 2 * i + 1)));
    const order = checkTrace(ev, { ...streamLimits, parallelizationFactor: 2 }, { ...report, orderingViolations: 3 }).find((c) => c.name === "order")!;
    expect(order.examples).toEqual([
      "at 4us: record -1 first succeeded after record 0.5 of the same key, produced later",
      "at 8us: record 2 first succeeded after record 3 of the same key, produced later",
      "at 12us: record 4 first succeeded after record 5 of the same key, produced later",
    ]);
  });

  it("invocations: another object with the production index of a batch's record is not that record", () => {
    const [r0, r1] = [rec(0, 0), rec(1, 0)];
    const copy = { ...r0 };
    const ev = [...produce([r0, r1]), invoke(1, 1, [r0, r1], 1), result(2, 1, [r0, r1], 1, { failed: [copy], succeeded: [copy, r1], outcome: "partial" })];
    const examples = checkTrace(ev, sqsLimits, report).find((c) => c.name === "invocations")!.examples;
    expect(examples).toContain("at 2us: invocation 1: failed record 0 was not in the batch");
    expect(examples).toContain("at 2us: invocation 1: succeeded record 0 was not in the batch");
    expect(examples).toContain("at 2us: invocation 1: record 0 both failed and succeeded");
  });

  it("invocations: a record twice in an SQS batch ends once and is counted once as a duplicate", () => {
    const [r0, r1] = [rec(0, 0), rec(1, 0)];
    const batch = [r0, r1, r0];
    const run = (redundant: number) => {
      const ev = [...produce([r0, r1]), invoke(1, 1, batch, 1), result(2, 1, batch, 1, { succeeded: [r0, r1], redundant })];
      return checkTrace(ev, sqsLimits, report).find((c) => c.name === "invocations")!.examples;
    };
    expect(run(1).join("\n")).not.toMatch(/record book says/);
    expect(run(0)).toContain("at 2us: invocation 1 counted 0 duplicates; the record book says 1");
  });

  it("concurrency: a group at an index far beyond the others is still held by one batch at a time", () => {
    const [r0, r1] = [rec(0, 3_000_000_000), rec(1, 3_000_000_000)];
    const ev = [...produce([r0, r1]), invoke(1, 1, [r0], 1), invoke(2, 2, [r1], 2), result(3, 1, [r0], 1), result(4, 2, [r1], 2)];
    const c = checkTrace(ev, { ...sqsLimits, orderScope: "group", keyLockMaxUs: Infinity }, report).find((c) => c.name === "concurrency")!;
    expect(c.examples).toContain("at 2us: invocation 2 holds key #3000000000 while another batch with that group is in flight");
  });
});

describe("checks watching a run (run --check), told the count of records produced instead of produce events", () => {
  const { events, limits, report } = poisonRun;
  const produceEvents = events.filter((e) => e.type === "produce");
  const others = events.filter((e) => e.type !== "produce");

  /** The checks fed the run's events without produce events, asking `produced()` at each. */
  function watched(produced: (eventIndex: number) => number, feed: TraceEvent[] = others) {
    const suite = new CheckSuite(limits);
    let at = 0;
    const listener = suite.watcher(() => produced(at));
    for (; at < feed.length; at++) listener(feed[at]);
    return suite.finish(report);
  }

  it("give the same outcomes, summaries included, as the checks reading every produce event", () => {
    // What the run had produced by each event: every record sent at or before it.
    const producedBy = (i: number) => produceEvents.filter((p) => p.tUs <= others[Math.min(i, others.length - 1)].tUs).length;
    expect(watched(producedBy)).toEqual(checkTrace(events, limits, report));
  });

  it("fail the trace check when an event names a record the run has not counted as produced yet", () => {
    const trace = watched(() => 0).find((c) => c.name === "trace")!;
    expect(trace.status).toBe("fail");
    expect(trace.examples[0]).toMatch(/^at \S+: invoke refers to record 0, which was not produced yet$/);
  });

  it("count the records produced after the last event, and fail when the count disagrees with produce events", () => {
    const total = produceEvents.length;
    expect(watched((i) => (i < others.length ? produceEvents.filter((p) => p.tUs <= others[i].tUs).length : total)).find((c) => c.name === "conservation")!.status).toBe("pass");
    // Produce events for every record (another listener asked for them), and a run that says, as it stops, that it
    // made one more.
    const producedByEvent = (i: number) => (i < events.length ? events.slice(0, i + 1).filter((e) => e.type === "produce").length : total + 1);
    const both = watched(producedByEvent, events).find((c) => c.name === "trace")!;
    expect(both.status).toBe("fail");
    expect(both.examples).toContain(`the run says ${total + 1} records were produced, but made produce events for ${total}`);
  });
});

describe("the checks stay apart from the model", () => {
  it("no model file imports src/checks (only the CLI and the public API do)", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const root = join(__dirname, "..", "src");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) {
          if (!["checks", "cli"].includes(f)) walk(p);
        } else if (p.endsWith(".ts") && p !== join(root, "index.ts") && /from "\.\.?\/(\.\.\/)*checks\//.test(readFileSync(p, "utf8"))) offenders.push(p);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
