import { describe, expect, it } from "vitest";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { TraceEvent } from "../src/trace/events.js";

/** Run a scenario given as YAML text; returns its report and every trace event. */
function run(yaml: string): { report: ReturnType<typeof simulate>["report"]; events: TraceEvent[] } {
  const r = parseScenario(yaml, "s.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const events: TraceEvent[] = [];
  const { report } = simulate(r.scenario, { trace: () => (e) => void events.push(e) });
  return { report, events };
}

const KINESIS = "source: { type: kinesis, ShardCount: 1 }\n";

describe("a stream batch's retry back-off", () => {
  it("starts at the first delay for a record isolated by bisection, whatever its parent batches' failures", () => {
    // 8 records of one key in one batch, the 5th poisoned: failures on 8, 4 (right half), 2, 1 records.
    const { events } = run(
      `name: b\n${KINESIS}traffic: [{ at: 0s, records: 8, keys: 1 }]\n` +
        "mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 8, BisectBatchOnFunctionError: true, MaximumRetryAttempts: 2 }\n" +
        "function: { Timeout: 10, duration: { base: 10ms }, failures: [{ when: { record: 4 }, effect: error }] }\n",
    );
    const bisects = events.filter((e) => e.type === "bisect");
    expect(bisects.length).toBeGreaterThanOrEqual(3);
    const retries = events.filter((e) => e.type === "streamRetry");
    // The single poison record: retried twice, 500 ms then 1 s after its own failures.
    expect(retries.map((e) => (e.type === "streamRetry" ? [e.records.length, e.delayUs, e.countsAsRetry] : null))).toEqual([
      [1, 500_000, true],
      [1, 1_000_000, true],
    ]);
  });

  it("starts at the first delay for the rest of a batch after a partial response", () => {
    // Record 2 fails on its first delivery, record 3 on its second: the checkpoint moves to 2, then to 3.
    const { events } = run(
      `name: p\n${KINESIS}traffic: [{ at: 0s, records: 5, keys: 1 }]\n` +
        "mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures] }\n" +
        "function: { Timeout: 10, duration: { base: 10ms }, failures: [{ when: { record: 2, attempt: 1 }, effect: partial }, { when: { record: 3, attempt: 2 }, effect: partial }] }\n",
    );
    const retries = events.filter((e) => e.type === "streamRetry");
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const e of retries) if (e.type === "streamRetry") expect([e.reason, e.countsAsRetry, e.delayUs]).toEqual(["PartialBatchFailure", false, 500_000]);
  });
});

describe("stream.retries", () => {
  it("counts the retries MaximumRetryAttempts counts, not a throttled batch's", () => {
    // Four shards, one concurrent execution: batches are throttled, none fails.
    const { report, events } = run(
      "name: t\nsource: { type: kinesis, ShardCount: 4 }\ntraffic: [{ rate: 40/s, from: 0s, to: 5s, keys: 40 }]\n" +
        "mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10, MaximumRetryAttempts: 0 }\n" +
        "function: { Timeout: 10, ReservedConcurrentExecutions: 1, duration: { base: 300ms } }\n",
    );
    const throttled = events.filter((e) => e.type === "streamRetry" && e.reason === "Throttled").length;
    expect(throttled).toBeGreaterThan(0);
    expect(report.invocations.throttles).toBeGreaterThan(0);
    expect(report.stream!.retries).toBe(0);
  });

  it("counts a partial response's retry of the same batch, but not the rest sent again from a moved checkpoint", () => {
    // Record 5 always fails: the first response moves the checkpoint to it (a rewind, not a retry); then it is
    // retried 3 times, the limit, and sent to the on-failure destination.
    const { report, events } = run(
      `name: r\n${KINESIS}traffic: [{ at: 1s, records: 6, keys: 1 }]\n` +
        "mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 3, MaximumRetryAttempts: 3, FunctionResponseTypes: [ReportBatchItemFailures], " +
        'DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:fail" } } }\n' +
        "function: { Timeout: 10, duration: { base: 50ms }, failures: [{ when: { record: 5 }, effect: partial }] }\n",
    );
    const retries = events.filter((e) => e.type === "streamRetry");
    expect(retries.filter((e) => e.type === "streamRetry" && !e.countsAsRetry)).toHaveLength(1);
    expect(report.stream!.retries).toBe(3);
    expect(report.stream!.retryExhausted).toBe(1);
  });
});

describe("a batch whose every record is split off before its invocation", () => {
  it("is followed by a read at once, not a poll interval later", () => {
    // A record that always fails, MaximumRecordAgeInSeconds 60: records queue behind it; when the failing batch is
    // discarded, the next batches are older than 60 s too and are split off whole.
    const { events } = run(
      `name: a\n${KINESIS}traffic: [{ rate: 5/s, from: 0s, to: 90s, keys: 1 }]\n` +
        "mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10, MaximumRecordAgeInSeconds: 60 }\n" +
        "function: { Timeout: 10, duration: { base: 50ms }, failures: [{ when: { record: 0 }, effect: error }] }\n",
    );
    const aged = events.filter((e) => e.type === "onFailure");
    expect(aged.length).toBeGreaterThan(1);
    // After each whole batch split off for age, something happens at that instant: a read, or the next batch's
    // split or invocation; the shard never sits out a second with records waiting.
    for (const f of aged) {
      const next = events.find((e) => e.tUs >= f.tUs && e !== f && (e.type === "poll" || e.type === "invoke" || e.type === "onFailure") && events.indexOf(e) > events.indexOf(f));
      expect(next, `after the onFailure at ${f.tUs} us`).toBeDefined();
      expect(next!.tUs - f.tUs).toBeLessThan(1_000_000);
    }
  });
});

describe("CloudWatch metrics of a Kinesis mapping's reads", () => {
  const yaml = (efo: boolean) =>
    `name: e\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 2m, keys: 10 }]\n` +
    `mapping: { StartingPosition: TRIM_HORIZON, enhancedFanOut: ${efo} }\nfunction: { Timeout: 10, duration: { base: 20ms } }\n`;

  it("are GetRecords' without enhanced fan-out and SubscribeToShardEvent's with it, counting the same records", () => {
    const polled = run(yaml(false)).report.cloudwatch as Record<string, Record<string, unknown>>;
    const pushed = run(yaml(true)).report.cloudwatch as Record<string, Record<string, unknown>>;
    expect(polled.GetRecords.Records).toBe(2400);
    expect(polled.SubscribeToShardEvent).toBeUndefined();
    expect(pushed.SubscribeToShardEvent.Records).toBe(2400);
    expect(typeof pushed.SubscribeToShardEvent.MillisBehindLatest).toBe("number");
    expect(pushed.GetRecords).toBeUndefined();
  });

  it("refuses an expectation on the other kind of read's metric", () => {
    const r = parseScenario(`${yaml(true)}expect:\n  cloudwatch.GetRecords.Records: { gt: 0 }\n`, "e.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => e.message)).toEqual([
        "is a CloudWatch metric AWS publishes for kinesis sources without enhanced fan-out (a mapping with mapping.enhancedFanOut makes no GetRecords calls), not for kinesis with enhanced fan-out",
      ]);
  });
});
