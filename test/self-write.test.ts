/**
 * A stream handler that writes back to its own stream (function.writesBack, lambda/write-back.ts): the loop, its
 * documented fixes (a filter on the function's own marker, a conditional write = maxDepth) and the wiring (shards,
 * production indexes, conservation, polling after traffic ends, budgets). Lambda's recursive loop detection does not
 * cover streams (https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html), so nothing else stops it.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import { DepthLog } from "../src/lambda/write-back.js";
import { simulate } from "../src/run/simulate.js";
import { arrivalUsOf, eventNameOf, producerOf, type StreamRecord } from "../src/sources/stream-record.js";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);
const produced = (events: TraceEvent[]) => of(events, "produce").map((e) => e.record as StreamRecord);

/** A DynamoDB table with `records` item writes at 0s on distinct keys, and a function that updates each item. */
function ddb(opts: { records?: number; shards?: number; writesBack: string; until?: string; filter?: string; extra?: string }) {
  return scenarioFrom(`name: t
seed: 7
${opts.until ? `until: ${opts.until}\n` : ""}source: { type: dynamodb, ShardCount: ${opts.shards ?? 2} }
traffic:
  - at: 0s
    records: ${opts.records ?? 4}
    keys: ${opts.records ?? 4}
    data: { status: new }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 100
${opts.filter ? `  FilterCriteria: { Filters: [ { Pattern: '${opts.filter}' } ] }\n` : ""}function:
  duration: { base: 100ms }
  writesBack: ${opts.writesBack}
${opts.extra ?? ""}`);
}

describe("a stream handler that writes back to its own stream", () => {
  it("writes one MODIFY record per processed record into the processed record's shard, with its key, at the invocation's end", () => {
    const { events, report } = runWithTrace(ddb({ writesBack: "{ perRecord: 1, maxDepth: 1, data: { status: new, touchedBy: lambda } }" }));
    const recs = produced(events);
    const traffic = recs.filter((r) => producerOf(r) === 0);
    const written = recs.filter((r) => producerOf(r) === 1);
    expect(traffic.map((r) => r.n)).toEqual([0, 1, 2, 3]);
    expect(written.map((r) => r.n)).toEqual([4, 5, 6, 7]);
    expect(written.map((r) => eventNameOf(r))).toEqual(["MODIFY", "MODIFY", "MODIFY", "MODIFY"]);
    // Each written record follows one processed record of the result completing at its send time: same key, shard.
    const results = of(events, "result").filter((e) => e.records.some((r) => r.n < 4));
    const parents = results.flatMap((e) => e.records.map((r) => ({ key: r.keyIndex, shard: e.shard, tUs: e.tUs })));
    // The shard each record was written to, as its produce event says.
    const shardOf = new Map(of(events, "produce").map((e) => [e.record.n, e.shard]));
    expect(written.map((r) => ({ key: r.keyIndex, shard: shardOf.get(r.n), tUs: r.sentUs }))).toEqual(parents);
    expect(new Set(written.map((r) => shardOf.get(r.n))).size).toBe(2);
    expect(report.stream!.writtenBack).toBe(4);
  });

  it("marks written records in --trace produce lines (writtenBack: true), and only them", () => {
    const { lines } = runWithTrace(ddb({ writesBack: "{ perRecord: 1, maxDepth: 1 }" }));
    const produceLines = lines.map((l) => JSON.parse(l)).filter((o) => o.type === "produce");
    expect(produceLines.map((o) => [o.recordId, o.eventName, o.writtenBack ?? false])).toEqual([
      ["000000000000000000000", "INSERT", false],
      ["000000000000000000001", "INSERT", false],
      ["000000000000000000002", "INSERT", false],
      ["000000000000000000003", "INSERT", false],
      ["000000000000000000004", "MODIFY", true],
      ["000000000000000000005", "MODIFY", true],
      ["000000000000000000006", "MODIFY", true],
      ["000000000000000000007", "MODIFY", true],
    ]);
  });

  it("counts written records in records.produced and keeps conservation", () => {
    const { report } = runWithTrace(ddb({ writesBack: "{ perRecord: 2, maxDepth: 2 }" }));
    // 4 traffic records, 8 written by them, 16 written by those; the depth-2 records write nothing.
    expect(report.stream!.writtenBack).toBe(8 + 16);
    expect(report.records.produced).toBe(4 + 8 + 16);
    const r = report.records;
    expect(r.succeeded + r.onFailure + r.dlq + r.expired + r.filtered + r.pending).toBe(r.produced);
    expect(report.stopReason).toBe("drained");
  });

  it("with maxDepth 1 stops after one generation: the written records are processed and write nothing", () => {
    const { events, report } = runWithTrace(ddb({ records: 6, shards: 1, writesBack: "{ perRecord: 1, maxDepth: 1 }" }));
    expect(of(events, "invoke").map((e) => e.records.map((r) => r.n))).toEqual([
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
    ]);
    expect(report.stream!.writtenBack).toBe(6);
    expect(report.records.succeeded).toBe(12);
    expect(report.stopReason).toBe("drained");
  });

  it("three chains of 1,000 generations stop exactly at maxDepth, though the shard dropped the early records long before", () => {
    const { report } = runWithTrace(ddb({ records: 3, shards: 1, writesBack: "{ perRecord: 1, maxDepth: 1000 }" }));
    expect(report.stream!.writtenBack).toBe(3000);
    expect(report.records.produced).toBe(3003);
    expect(report.stopReason).toBe("drained");
    expect(report.records.succeeded).toBe(3003);
  });

  it("with perRecord 1 and no bound keeps invoking long after the traffic ended, until `until`", () => {
    const { events, report } = runWithTrace(ddb({ writesBack: "{ perRecord: 1 }", until: "1m" }));
    const invokes = of(events, "invoke");
    expect(invokes.filter((e) => e.tUs > 55_000_000).length).toBeGreaterThan(0);
    expect(report.stopReason).toBe("until");
    // Every generation is 4 records again: the loop neither grows nor ends.
    expect(report.records.pending).toBe(4);
    expect(report.stream!.writtenBack).toBe(report.records.produced - 4);
    // Each shard is polled 4 times a second and a generation is read by the poll after it is written: two shards
    // over 60 s invoke a few hundred times, at most 4 x 2 x 60.
    expect(report.invocations.total).toBeGreaterThan(200);
    expect(report.invocations.total).toBeLessThanOrEqual(480);
  });

  it("a growing loop (perRecord 2) without until stops at the waiting-record budget", () => {
    const s = ddb({ writesBack: "{ perRecord: 2 }" });
    const { report } = simulate(s, { maxWaitingRecords: 5000 });
    expect(report.stopReason).toBe("record-budget");
    expect(report.records.pending).toBeGreaterThan(5000);
  });

  it("the documented fix: a filter that matches only records without the function's marker drops every written record", () => {
    const { events, report } = runWithTrace(
      ddb({
        records: 10,
        writesBack: "{ perRecord: 1, data: { status: new, touchedBy: lambda } }",
        filter: '{"dynamodb": {"NewImage": {"touchedBy": {"S": [{"exists": false}]}}}}',
      }),
    );
    expect(report.stream!.writtenBack).toBe(10);
    expect(report.records.filtered).toBe(10);
    expect(of(events, "filter").map((e) => e.record.n)).toEqual(produced(events).filter((r) => producerOf(r) === 1).map((r) => r.n));
    expect(report.stopReason).toBe("drained");
  });

  it("an invocation that errors writes nothing; a record processed again after it writes (once per successful run)", () => {
    const { events, report } = runWithTrace(
      ddb({ records: 2, shards: 1, writesBack: "{ perRecord: 1, maxDepth: 1 }", extra: "  failures: [{ when: { attempt: 1 }, effect: error }]\n" }),
    );
    expect(of(events, "result").map((e) => [e.outcome, e.records.map((r) => r.n)])).toEqual([
      ["error", [0, 1]],
      ["ok", [0, 1]],
      ["error", [2, 3]],
      ["ok", [2, 3]],
    ]);
    expect(report.stream!.writtenBack).toBe(2);
  });

  it("a partial response: the records not reported as failed write back, and a good record delivered again writes again", () => {
    const s = scenarioFrom(`name: p
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 1, key: a }, { at: 0s, records: 1, key: bad }, { at: 0s, records: 1, key: c }]
mapping: { StartingPosition: TRIM_HORIZON, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  failures: [{ when: { key: bad, attempt: 1 }, effect: partial }]
  writesBack: { perRecord: 1, maxDepth: 1 }
`);
    const { events, report } = runWithTrace(s);
    expect(of(events, "result").map((e) => [e.outcome, e.records.map((r) => r.n)])).toEqual([
      ["partial", [0, 1, 2]],
      ["ok", [1, 2]],
      // the written record of key bad is its own first delivery, so the rule fails it too; depth-1 records write nothing
      ["partial", [3, 4, 5, 6]],
      ["ok", [5, 6]],
    ]);
    // a (0) and c (2) write in the first invocation; bad (1) and c again (a redelivery) in the second.
    expect(produced(events).filter((r) => producerOf(r) === 3).map((r) => [r.n, r.keyIndex])).toEqual([
      [3, 0],
      [4, 2],
      [5, 1],
      [6, 2],
    ]);
    expect(report.stream!.writtenBack).toBe(4);
    expect(report.stream!.redeliveriesOfSucceeded).toBe(2);
  });

  it("Kinesis write limits apply to written records: 1,200 writes into a second that took 600 are throttled past 1,000", () => {
    const s = scenarioFrom(`name: k
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 600, key: a }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10000 }
function:
  duration: { base: 100ms }
  writesBack: { perRecord: 2, maxDepth: 1 }
`);
    const { events, report } = runWithTrace(s);
    const written = produced(events).filter((r) => producerOf(r) === 1);
    expect(written.length).toBe(1200);
    expect(written.filter((r) => arrivalUsOf(r) === 100_000).length).toBe(400);
    expect(written.filter((r) => arrivalUsOf(r) === 1_000_000).length).toBe(800);
    expect(report.stream!.producerThrottledRecords).toBe(800);
    expect(written.every((r) => eventNameOf(r) === undefined)).toBe(true);
  });

  it("a fractional perRecord writes back about that share, and the same seed gives the same digest", () => {
    const make = () => ddb({ records: 1000, shards: 1, writesBack: "{ perRecord: 0.5, maxDepth: 1 }" });
    const a = simulate(make()).report;
    const b = simulate(make()).report;
    expect(a.traceDigest).toBe(b.traceDigest);
    // A trace listener makes records objects at once instead of numbers in the shard: the same run either way.
    expect(runWithTrace(make()).report.traceDigest).toBe(a.traceDigest);
    expect(a.stream!.writtenBack).toBe(b.stream!.writtenBack);
    expect(a.stream!.writtenBack).toBeGreaterThan(430);
    expect(a.stream!.writtenBack).toBeLessThan(570);
    expect(a.records.produced).toBe(1000 + a.stream!.writtenBack);
  });

  it("stream.writtenBack can be expected", () => {
    const s = ddb({ writesBack: "{ perRecord: 1, maxDepth: 3 }", extra: "expect:\n  stream.writtenBack: { eq: 12 }\n" });
    const { report } = simulate(s);
    expect(report.expectations.map((e) => [e.path, e.passed, e.actual])).toEqual([["stream.writtenBack", true, 12]]);
  });
});

describe("the depth log of written records (maxDepth)", () => {
  it("finds the depth of a held written record and 0 for any other position", () => {
    const log = new DepthLog();
    log.add(3, 1, 0);
    log.add(7, 2, 0);
    expect([log.get(3), log.get(7), log.get(5), log.get(0), log.get(9)]).toEqual([1, 2, 0, 0, 0]);
  });

  it("keeps only entries at or after the shard's first held position: memory follows what the shard retains", () => {
    const log = new DepthLog();
    for (let pos = 0; pos < 100_000; pos++) log.add(pos, 1, Math.max(0, pos - 10));
    expect(log.size).toBeLessThanOrEqual(11);
    expect(log.get(99_999)).toBe(1);
    expect(log.get(99_990)).toBe(1);
  });
});

describe("writesBack validation", () => {
  const errorsOf = (text: string) => {
    const r = parseScenario(text, "s.yaml");
    return r.ok ? [] : r.errors.map(formatProblem);
  };
  const warningsOf = (text: string) => parseScenario(text, "s.yaml").warnings.map(formatProblem);
  const base = (type: string, wb: string, extra = "") => `name: s
source: { type: ${type} }
traffic: [{ at: 0s, records: 1 }]
${type === "sqs" ? "" : "mapping: { StartingPosition: TRIM_HORIZON }\n"}function:
  writesBack: ${wb}
${extra}`;

  it("rejects writesBack on an SQS source with file:line:col", () => {
    expect(errorsOf(base("sqs", "{ perRecord: 1 }"))).toEqual([
      "s.yaml:5:15 function.writesBack: applies to kinesis and dynamodb sources, not sqs: esm-sim does not model a function writing back to its own queue (Lambda's recursive loop detection stops SQS loops; see https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html)",
    ]);
  });

  it("offers writesBack among the function's keys for a stream source only", () => {
    expect(errorsOf(base("sqs", "{ perRecord: 1 }").replace("  writesBack", "  bogus"))).toEqual([
      "s.yaml:5:3 function.bogus: unknown key (allowed: FunctionName, Timeout, ReservedConcurrentExecutions, duration, failures, coldStart)",
    ]);
    expect(errorsOf(base("kinesis", "{ perRecord: 1 }", "until: 1m\n").replace("  writesBack", "  bogus"))).toEqual([
      "s.yaml:6:3 function.bogus: unknown key (allowed: FunctionName, Timeout, ReservedConcurrentExecutions, duration, failures, coldStart, writesBack)",
    ]);
    expect(errorsOf(base("kinesis", "{ perRecord: 1 }", "until: 1m\n").replace("  writesBack", "  writesBak"))).toEqual([
      's.yaml:6:3 function.writesBak: unknown key (did you mean "writesBack"?)',
    ]);
  });

  it("rejects perRecord 0 and above 10, maxDepth 0, and non-map data on DynamoDB", () => {
    expect(errorsOf(base("kinesis", "{ perRecord: 0 }", "until: 1m\n"))).toEqual([
      "s.yaml:6:28 function.writesBack.perRecord: must be a number 0 < perRecord <= 10 (records written back per processed record; 0.5 = one record half the time) (got 0)",
    ]);
    expect(errorsOf(base("kinesis", "{ perRecord: 11 }", "until: 1m\n"))).toHaveLength(1);
    expect(errorsOf(base("kinesis", "{ maxDepth: 0 }")).join("\n")).toContain("function.writesBack.maxDepth: must be an integer 1..1,000");
    expect(errorsOf(base("dynamodb", "{ data: [1, 2], maxDepth: 1 }"))).toEqual([
      "s.yaml:6:23 function.writesBack.data: must be a map of attributes for a dynamodb source: the data is the written item's NewImage (got a list)",
    ]);
  });

  it("warns that an unbounded loop without until stops only at a budget", () => {
    expect(warningsOf(base("kinesis", "{ perRecord: 1 }")).join("\n")).toContain("function.writesBack: writes back 1 record(s) per processed record with no maxDepth and no FilterCriteria");
    expect(warningsOf(base("kinesis", "{ perRecord: 1 }", "until: 1m\n"))).toEqual([]);
    expect(warningsOf(base("kinesis", "{ perRecord: 1, maxDepth: null }", "until: 1m\n"))).toEqual([]);
  });
});
