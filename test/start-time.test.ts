import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

const kinesis = (top: string, mapping: string, traffic = "traffic: [{ at: 5s, records: 2, key: a }, { at: 30s, records: 2, key: a }]") =>
  scenarioFrom(`name: t
${top}
source: { type: kinesis, ShardCount: 1 }
${traffic}
mapping: { ${mapping} }
function: { FunctionName: f, duration: { base: 100ms } }
`);

/** 2026-03-01T09:00:00Z in Unix seconds. */
const MARCH = 1_772_355_600;

function errorsOf(yaml: string): string[] {
  const r = parseScenario(yaml, "t.yaml");
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`);
}

describe("startTime", () => {
  it("moves every printed instant and nothing else: the same trace, the CloudWatch periods and on-failure records at the new start", () => {
    const traffic = "traffic: [{ at: 0s, records: 1, key: poison }, { at: 90s, records: 1, key: poison }]";
    const mapping = 'StartingPosition: TRIM_HORIZON, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:failures" } }';
    const failing = (top: string) =>
      scenarioFrom(`name: t
${top}
source: { type: kinesis, ShardCount: 1 }
${traffic}
mapping: { ${mapping} }
function: { FunctionName: f, duration: { base: 100ms }, failures: [{ when: { key: poison }, effect: error }] }
`);
    const before = runWithTrace(failing(""));
    const after = runWithTrace(failing("startTime: 2026-03-01T09:00:00Z"));
    expect(after.lines).toEqual(before.lines);
    expect(before.report.cloudwatch.series.timestamps.slice(0, 2)).toEqual(["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"]);
    expect(after.report.cloudwatch.series.timestamps.slice(0, 2)).toEqual(["2026-03-01T09:00:00Z", "2026-03-01T09:01:00Z"]);
    const stamp = (r: unknown) => {
      const rec = r as { timestamp: string; KinesisBatchInfo: { approximateArrivalOfFirstRecord: string } };
      return [rec.timestamp, rec.KinesisBatchInfo.approximateArrivalOfFirstRecord];
    };
    expect(before.report.destinations.map(stamp)).toEqual([
      ["2024-01-01T00:00:00.100Z", "2024-01-01T00:00:00.000Z"],
      ["2024-01-01T00:01:30.200Z", "2024-01-01T00:01:30.000Z"],
    ]);
    expect(after.report.destinations.map(stamp)).toEqual([
      ["2026-03-01T09:00:00.100Z", "2026-03-01T09:00:00.000Z"],
      ["2026-03-01T09:01:30.200Z", "2026-03-01T09:01:30.000Z"],
    ]);
  });

  it("AT_TIMESTAMP reads StartingPositionTimestamp against the start: 10 s after it starts at the records that arrived at 30 s", () => {
    const at = runWithTrace(kinesis("startTime: 2026-03-01T09:00:00Z", `StartingPosition: AT_TIMESTAMP, StartingPositionTimestamp: ${MARCH + 10}, startAt: 40s`));
    expect(of(at.events, "invoke").map((e) => [e.tUs, e.records.map((r) => r.n)])).toEqual([[40_000_000, [2, 3]]]);
    // the same timestamp without startTime lies two years after the mapping is created
    expect(errorsOf(`name: t
source: { type: kinesis }
traffic: [{ at: 0s, records: 1 }]
mapping: { StartingPosition: AT_TIMESTAMP, StartingPositionTimestamp: ${MARCH + 10}, startAt: 40s }
`)).toEqual([`4:71 mapping.StartingPositionTimestamp: cannot be in the future: the mapping is created at 1704067240 (the run starts at 1704067200 = 2024-01-01T00:00:00Z, plus startAt) (got ${MARCH + 10})`]);
    expect(errorsOf(`name: t
startTime: 2026-03-01T09:00:00Z
source: { type: kinesis }
traffic: [{ at: 0s, records: 1 }]
mapping: { StartingPosition: AT_TIMESTAMP, StartingPositionTimestamp: ${MARCH + 50}, startAt: 40s }
`)).toEqual([`5:71 mapping.StartingPositionTimestamp: cannot be in the future: the mapping is created at ${MARCH + 40} (startTime is ${MARCH} = 2026-03-01T09:00:00Z, plus startAt) (got ${MARCH + 50})`]);
  });

  it("filters see arrival times from the start: a pattern on approximateArrivalTimestamp keeps the records after 09:00:20", () => {
    const pattern = JSON.stringify(JSON.stringify({ approximateArrivalTimestamp: [{ numeric: [">=", MARCH + 20] }] }));
    const run = (top: string) => runWithTrace(kinesis(top, `StartingPosition: TRIM_HORIZON, FilterCriteria: { Filters: [{ Pattern: ${pattern} }] }`));
    const march = run("startTime: 2026-03-01T09:00:00Z");
    expect(of(march.events, "invoke").flatMap((e) => e.records.map((r) => r.n))).toEqual([2, 3]);
    expect(of(march.events, "filter").length).toBe(2);
    // without startTime every record arrived in 2024, before the pattern's instant
    expect(of(run("").events, "invoke").length).toBe(0);
  });

  it("accepts an offset or no seconds, and places the start at the same instant", () => {
    const start = (v: string) => scenarioFrom(`name: t\nstartTime: "${v}"\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n`).startUnixS;
    expect(start("2026-03-01T09:00:00Z")).toBe(MARCH);
    expect(start("2026-03-01T10:00+01:00")).toBe(MARCH);
    expect(start("2026-03-01 09:00:00.000+00:00")).toBe(MARCH);
    expect(scenarioFrom(`name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n`).startUnixS).toBe(1_704_067_200);
  });

  it("refuses an instant that is malformed, has no zone, does not exist or falls between minutes, one message each", () => {
    const refused = (v: string) => errorsOf(`name: t\nstartTime: ${v}\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n`);
    const malformed = (got: string) => [`2:12 startTime: must be an ISO 8601 instant with its time zone, such as 2026-03-01T09:00:00Z (got ${got})`];
    expect(refused("2026-03-01T09:00:00")).toEqual(malformed('"2026-03-01T09:00:00"'));
    expect(refused("2026-02-29T09:00:00Z")).toEqual(malformed('"2026-02-29T09:00:00Z"'));
    expect(refused("tomorrow")).toEqual(malformed('"tomorrow"'));
    expect(refused("1772355600")).toEqual(["2:12 startTime: must be an ISO 8601 instant with its time zone, such as 2026-03-01T09:00:00Z (on a whole minute) (got 1772355600)"]);
    expect(refused("2026-03-01T09:00:30Z")).toEqual([
      "2:12 startTime: must fall on a whole minute, as CloudWatch's one-minute periods do, so that each simulated period lines up with one real one (got \"2026-03-01T09:00:30Z\"; 2026-03-01T09:00:00Z or 2026-03-01T09:01:00Z would)",
    ]);
  });
});
