/**
 * Where discarded stream records go: the mapping gives up on a batch (retries exhausted, record too old) and its
 * metadata is delivered to the on-failure destination, or the records are dropped (no destination, or one Lambda
 * cannot deliver to). Asserted on the trace's onFailure events and on the report folded from them.
 */
import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/html.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderTable } from "../src/report/table.js";
import type { Report } from "../src/run/result.js";
import { simulate } from "../src/run/simulate.js";
import type { OnFailureEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const SQS = "arn:aws:sqs:us-east-1:123456789012:failures";
const SQS_FIFO = "arn:aws:sqs:us-east-1:123456789012:failures.fifo";
const SNS_FIFO = "arn:aws:sns:us-east-1:123456789012:failures.fifo";
const S3 = "arn:aws:s3:::failures-bucket";

/** Two shards; key `poison` always fails. Retries exhausted after one retry, and (with age) records older than 2 s
 *  are discarded before their next attempt. */
function scenario(destination: string | null, opts: { type?: "kinesis" | "dynamodb"; seed?: number; age?: boolean } = {}) {
  const dest = destination === null ? "" : `\n  DestinationConfig: { OnFailure: { Destination: "${destination}" } }`;
  const limits = opts.age ? "MaximumRecordAgeInSeconds: 60\n  MaximumRetryAttempts: 10" : "MaximumRetryAttempts: 1";
  return scenarioFrom(`name: discard
seed: ${opts.seed ?? 1}
source: { type: ${opts.type ?? "kinesis"}, ShardCount: 2, StreamName: orders }
traffic:
  - { rate: 20/s, from: 0s, to: 10s, keys: 4, data: { order: 7, note: "été" } }
  - { at: 2s, records: 3, key: poison, data: { order: 7, note: "été" } }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 10
  ${limits}${dest}
function:
  FunctionName: f
  duration: { base: 20ms }
  failures: [{ when: { key: poison }, effect: error }]
`);
}

const onFailures = (events: TraceEvent[]) => events.filter((e): e is OnFailureEvent => e.type === "onFailure");
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("discarded stream records: delivered or dropped, from the trace", () => {
  it("with no destination the onFailure events are not delivered and every discarded record is dropped", () => {
    const { events, report } = runWithTrace(scenario(null));
    const f = onFailures(events);
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((e) => e.destinationArn === null && e.delivered === false)).toBe(true);
    expect(report.records.onFailure).toBe(sum(f.map((e) => e.ended)));
    expect(report.records).toMatchObject({ onFailureDelivered: 0, onFailureDropped: report.records.onFailure });
    expect(report.destinations).toEqual([]);
    expect(report.stream).toMatchObject({ onFailureDestination: null, destinationRecords: 0, destinationDeliveryFailures: 0, destinationObjectKeys: [] });
  });

  it("with a standard SQS queue each onFailure event is delivered: one metadata record each, no payload", () => {
    const { events, report } = runWithTrace(scenario(SQS));
    const f = onFailures(events);
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((e) => e.destinationArn === SQS && e.delivered)).toBe(true);
    expect(report.records).toMatchObject({ onFailureDelivered: report.records.onFailure, onFailureDropped: 0 });
    expect(report.destinations).toHaveLength(f.length);
    for (const d of report.destinations as Record<string, unknown>[]) expect(Object.keys(d)).toEqual(["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]);
    expect(report.stream).toMatchObject({ onFailureDestination: SQS, destinationRecords: f.length, destinationDeliveryFailures: 0, destinationObjectKeys: [] });
  });

  it.each([SQS_FIFO, SNS_FIFO])("with %s as destination every delivery fails: the records are dropped and each event is a DestinationDeliveryFailures", (arn) => {
    const { events, report } = runWithTrace(scenario(arn));
    const f = onFailures(events);
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((e) => e.destinationArn === arn && e.delivered === false)).toBe(true);
    expect(report.records).toMatchObject({ onFailureDelivered: 0, onFailureDropped: report.records.onFailure });
    expect(report.destinations).toEqual([]);
    expect(report.stream).toMatchObject({ destinationRecords: 0, destinationDeliveryFailures: f.length });
    expect(report.cloudwatch.DestinationDeliveryFailures).toBe(f.length);
  });
});

describe("an S3 on-failure destination", () => {
  const KEY = /^aws\/lambda\/([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\/(shardId-\d{12})\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{4}-\d{2}-\d{2})T(\d{2})\.(\d{2})\.(\d{2})-([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/;

  it("writes the metadata plus the batch as the function received it (payload), under AWS's object key layout", () => {
    const { events, report } = runWithTrace(scenario(S3));
    const f = onFailures(events);
    expect(f.length).toBeGreaterThan(1);
    expect(f.every((e) => e.delivered)).toBe(true);
    const dest = report.destinations as { KinesisBatchInfo: { shardId: string; startSequenceNumber: string; endSequenceNumber: string; batchSize: number }; timestamp: string; payload: string }[];
    const keys = report.stream!.destinationObjectKeys;
    expect(dest).toHaveLength(f.length);
    expect(keys).toHaveLength(f.length);
    const esmUuids = new Set<string>();
    f.forEach((e, i) => {
      const event = JSON.parse(dest[i].payload) as { Records: { kinesis: { partitionKey: string; sequenceNumber: string; data: string }; eventID: string; eventSourceARN: string }[] };
      expect(event.Records).toHaveLength(e.records.length);
      expect(event.Records.map((r) => r.kinesis.partitionKey)).toContain("poison");
      expect(event.Records[0].kinesis.sequenceNumber).toBe(dest[i].KinesisBatchInfo.startSequenceNumber);
      expect(event.Records.at(-1)!.kinesis.sequenceNumber).toBe(dest[i].KinesisBatchInfo.endSequenceNumber);
      expect(event.Records[0].eventID).toBe(`${dest[i].KinesisBatchInfo.shardId}:${event.Records[0].kinesis.sequenceNumber}`);
      expect(event.Records[0].eventSourceARN).toBe("arn:aws:kinesis:us-east-1:123456789012:stream/orders");
      // Kinesis data is base64 in the function's event
      expect(JSON.parse(Buffer.from(event.Records[0].kinesis.data, "base64").toString("utf8"))).toEqual({ order: 7, note: "été" });
      const m = KEY.exec(keys[i]);
      expect(m, keys[i]).not.toBeNull();
      const [, esmUuid, shardId, y, mo, d, day, hh, mi, ss] = m!;
      esmUuids.add(esmUuid);
      expect(shardId).toBe(dest[i].KinesisBatchInfo.shardId);
      // the key's time is the discard's, in UTC, as the record's timestamp says
      expect(`${y}-${mo}-${d}`).toBe(day);
      expect(`${day}T${hh}:${mi}:${ss}`).toBe(dest[i].timestamp.slice(0, 19));
    });
    expect(esmUuids.size).toBe(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("draws the UUIDs from the seed: the same seed gives the same keys, another seed other keys", () => {
    const keys = (seed: number) => simulate(scenario(S3, { seed })).report.stream!.destinationObjectKeys;
    expect(keys(1)).toEqual(keys(1));
    const [a, b] = [keys(1)[0], keys(2)[0]];
    expect(a.split("/")[2]).not.toBe(b.split("/")[2]);
  });

  it("a DynamoDB payload holds the records as the function receives them, with eventSourceARN", () => {
    const { report } = runWithTrace(scenario(S3, { type: "dynamodb" }));
    const first = report.destinations[0] as { DDBStreamBatchInfo: { batchSize: number }; payload: string };
    const event = JSON.parse(first.payload) as { Records: { eventSource: string; eventName: string; eventSourceARN: string; dynamodb: { Keys: unknown; NewImage: unknown } }[] };
    expect(event.Records).toHaveLength(first.DDBStreamBatchInfo.batchSize);
    expect(event.Records[0]).toMatchObject({ eventSource: "aws:dynamodb", eventName: "INSERT", eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000" });
    expect(event.Records.map((r) => r.dynamodb.Keys)).toContainEqual({ pk: { S: "poison" } });
    expect(event.Records[0].dynamodb).toMatchObject({ NewImage: { order: { N: "7" }, note: { S: "été" } } });
  });
});

describe("CloudWatch's destination metrics agree with the split", () => {
  it.each([
    ["no destination", null, false],
    ["SQS", SQS, false],
    ["SQS FIFO", SQS_FIFO, false],
    ["S3", S3, false],
    ["no destination, record age", null, true],
    ["SQS FIFO, record age", SQS_FIFO, true],
  ] as const)("%s: DroppedEventCount, OnFailureDestinationDeliveredEventCount and DestinationDeliveryFailures match the trace and the report", (_name, arn, age) => {
    const { events, report } = runWithTrace(scenario(arn, { age }));
    const f = onFailures(events);
    expect(f.length).toBeGreaterThan(0);
    if (age) expect(f.some((e) => e.condition === "RecordAgeExceeded")).toBe(true);
    const cw = report.cloudwatch;
    // CloudWatch counts the events of each batch; the report counts the records each batch ended
    expect(cw.DroppedEventCount).toBe(sum(f.filter((e) => !e.delivered).map((e) => e.records.length)));
    expect(cw.OnFailureDestinationDeliveredEventCount).toBe(sum(f.filter((e) => e.delivered).map((e) => e.records.length)));
    expect(cw.DestinationDeliveryFailures).toBe(f.filter((e) => !e.delivered && e.destinationArn !== null).length);
    // here no discarded record had ended before, so the two views are the same numbers
    expect(f.every((e) => e.ended === e.records.length)).toBe(true);
    expect(cw.DroppedEventCount).toBe(report.records.onFailureDropped);
    expect(cw.OnFailureDestinationDeliveredEventCount).toBe(report.records.onFailureDelivered);
    expect(cw.DestinationDeliveryFailures).toBe(report.stream!.destinationDeliveryFailures);
    expect(report.records.onFailureDelivered + report.records.onFailureDropped).toBe(report.records.onFailure);
  });
});

describe("reports show discarded records split in two", () => {
  const split = (r: Report) => [renderTable(r, { color: false }), renderMarkdown(r), renderHtml({ report: r, scenario: scenario(null), timeline: null })];

  it("no destination: discarded, then delivered: no destination configured, then dropped: no destination", () => {
    const r = simulate(scenario(null)).report;
    const n = r.records.onFailure.toLocaleString("en-US");
    const [table, md, html] = split(r);
    expect(table).toMatch(new RegExp(`│ discarded +│ +${n} │[^\\n]*\\n│ {3}delivered: no destination configured +│ +0 │[^\\n]*\\n│ {3}dropped: no destination +│ +${n} │`));
    expect(md).toMatch(new RegExp(`\\| discarded \\| ${n} \\| [^\\n]*\\n\\| &emsp;delivered: no destination configured \\| 0 \\| [^\\n]*\\n\\| &emsp;dropped: no destination \\| ${n} \\|`));
    expect(html).toContain("↳ dropped");
    expect(html).toContain(`dropped: no destination: ${n} of`);
    expect(table).toContain(`conservation: produced ${r.records.produced} = succeeded ${r.records.succeeded} + onFailure ${r.records.onFailure} + `);
  });

  it("a FIFO destination: delivered to its ARN 0, dropped: delivery failed", () => {
    const r = simulate(scenario(SQS_FIFO)).report;
    const [table, md] = split(r);
    expect(table).toMatch(new RegExp(`│ {3}delivered to ${SQS_FIFO.replace(/\./g, "\\.")} +│ +0 │`));
    expect(table).toMatch(/│ {3}dropped: delivery failed +│ +[1-9]/);
    expect(md).toContain(`| &emsp;delivered to ${SQS_FIFO} | 0 |`);
  });

  it("nothing discarded: no split lines", () => {
    const r = simulate(scenarioFrom(`name: ok
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 5, key: a }]
mapping: { StartingPosition: TRIM_HORIZON }
`)).report;
    const [table, md] = split(r);
    expect(table).toMatch(/│ discarded +│ +0 │/);
    expect(table).not.toMatch(/ {3}delivered|dropped/);
    expect(md).not.toContain("&emsp;");
  });
});
