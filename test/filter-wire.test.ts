import { describe, expect, it } from "vitest";
import { checkTrace } from "../src/checks/suite.js";
import { limitsOf } from "../src/checks/limits.js";
import { parseFilterCriteria } from "../src/filter/filter-pattern.js";
import { verdictPerProducer } from "../src/esm/record-filter.js";
import type { TraceEvent } from "../src/trace/events.js";
import { eventNameOf as recordEventName, type StreamRecord } from "../src/sources/stream-record.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

type Of<T extends TraceEvent["type"]> = Extract<TraceEvent, { type: T }>;
const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Of<T> => e.type === type);
const invokedIds = (events: TraceEvent[]) => of(events, "invoke").map((e) => e.records.map((r) => r.n));
const filteredIds = (events: TraceEvent[]) => of(events, "filter").map((e) => e.record.n);

function run(text: string) {
  const scenario = scenarioFrom(text);
  const r = runWithTrace(scenario);
  const failedChecks = checkTrace(r.events, limitsOf(scenario), r.report).filter((c) => c.status === "fail");
  return { ...r, failedChecks };
}

const ORDERS_ONLY = `FilterCriteria: { Filters: [ { Pattern: '{"body": {"type": ["order"]}}' } ] }`;

describe("FilterCriteria on an SQS standard queue", () => {
  const text = `name: f
source: { type: sqs, QueueName: q }
traffic:
  - { at: 0s, records: 6, key: a, data: { type: refund } }
  - { at: 0s, records: 10, key: a, data: { type: order, total: 120 } }
mapping:
  BatchSize: 5
  MaximumBatchingWindowInSeconds: 1
  ${ORDERS_ONLY}
`;
  const r = run(text);

  it("deletes non-matching messages when they are received: they never reach an invoke and end as filtered", () => {
    expect(filteredIds(r.events)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(of(r.events, "filter").every((e) => e.tUs === 0)).toBe(true);
    expect(invokedIds(r.events).flat().sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(r.report.records).toMatchObject({ produced: 16, succeeded: 10, filtered: 6, pending: 0 });
    expect(r.failedChecks).toEqual([]);
  });

  it("does not count filtered messages towards BatchSize: the first batch is five orders, closed by size", () => {
    const first = of(r.events, "invoke")[0];
    expect([first.records.map((m) => m.n), first.closedBy]).toEqual([[6, 7, 8, 9, 10], "size"]);
  });

  it("writes filter lines with the message id and the queue", () => {
    expect(r.lines.filter((l) => l.includes('"type":"filter"'))[0]).toBe('{"t":0,"type":"filter","recordId":"msg-000000","queue":"q"}');
  });

  it("keeps every message without FilterCriteria", () => {
    const plain = run(text.replace(ORDERS_ONLY, ""));
    expect(plain.report.records).toMatchObject({ succeeded: 16, filtered: 0 });
    expect(filteredIds(plain.events)).toEqual([]);
  });

  it("matches per-message fields when a pattern reads them (messageId), message by message", () => {
    const perMessage = run(text.replace(ORDERS_ONLY, `FilterCriteria: { Filters: [ { Pattern: '{"messageId": ["msg-000003", "msg-000012"]}' } ] }`));
    expect(invokedIds(perMessage.events).flat()).toEqual([3, 12]);
    expect(perMessage.report.records).toMatchObject({ succeeded: 2, filtered: 14 });
  });
});

describe("FilterCriteria with spontaneous duplicates", () => {
  it("filters a message once when one receive returns it and its duplicate copy", () => {
    const r = run(`name: f
source: { type: sqs, duplicateDeliveryRate: 1 }
traffic:
  - { at: 0s, records: 3, key: a, data: { type: refund } }
mapping:
  ${ORDERS_ONLY}
`);
    expect(filteredIds(r.events)).toEqual([0, 1, 2]);
    expect(invokedIds(r.events)).toEqual([]);
    expect(r.report.records).toMatchObject({ produced: 3, filtered: 3, pending: 0 });
    expect(r.failedChecks).toEqual([]);
  });

  it("ends a message as filtered when a filter on ApproximateReceiveCount drops its redelivery", () => {
    const r = run(`name: f
source: { type: sqs, VisibilityTimeout: 5 }
traffic:
  - { at: 0s, records: 1, key: a, data: { type: order } }
mapping:
  FilterCriteria: { Filters: [ { Pattern: '{"attributes": {"ApproximateReceiveCount": ["1"]}}' } ] }
function:
  failures: [{ effect: error }]
`);
    expect(invokedIds(r.events)).toEqual([[0]]);
    expect(of(r.events, "filter").map((e) => [e.tUs, e.record.n])).toEqual([[5_000_000, 0]]); // received at 0 s, visible again after the 5 s visibility timeout
    expect(r.report.records).toMatchObject({ filtered: 1, dlq: 0, pending: 0 });
  });
});

describe("FilterCriteria and a visibility timeout that runs out while the batch runs", () => {
  it("a redelivery filtered while the first batch still holds the message: ends as filtered, no duplicate, no success", () => {
    const r = run(`name: f
source: { type: sqs, VisibilityTimeout: 3 }
traffic:
  - { at: 0s, records: 1, key: a, data: { type: order } }
mapping:
  MaximumBatchingWindowInSeconds: 5
  FilterCriteria: { Filters: [ { Pattern: '{"attributes": {"ApproximateReceiveCount": ["1"]}}' } ] }
function:
  Timeout: 3
  duration: { base: 2s }
scaling: { gatherVisibilityMarginMs: 1000 }
`);
    // Received at 0 s into a batch that would wait for its 5 s window; invoked at 2 s instead, 1 s before the
    // message's visibility runs out (gatherVisibilityMarginMs). The run takes 2 s: visible again at 3 s and received
    // again by another poller: filtered.
    expect(of(r.events, "invoke").map((e) => [e.tUs, e.closedBy])).toEqual([[2_000_000, "visibility"]]);
    expect(of(r.events, "filter").map((e) => [e.tUs, e.record.n])).toEqual([[3_000_000, 0]]);
    // The first batch still goes on (as in AWS, its receipt was taken before the delete).
    expect(invokedIds(r.events)).toEqual([[0]]);
    expect(of(r.events, "result").map((e) => [e.succeeded.length, e.redundant])).toEqual([[0, 0]]);
    expect(r.report.records).toMatchObject({ succeeded: 0, filtered: 1, pending: 0 });
    expect(r.report.duplicates).toBe(0);
    expect(r.failedChecks).toEqual([]);
  });
});

describe("FilterCriteria on an SQS FIFO queue", () => {
  it("removes a filtered message at once, so its group goes on without waiting for the visibility timeout", () => {
    const r = run(`name: f
source: { type: sqs-fifo, QueueName: q.fifo }
traffic:
  - { at: 0s, records: 2, key: g, data: { type: refund } }
  - { at: 500ms, records: 2, key: g, data: { type: order } }
mapping:
  ${ORDERS_ONLY}
`);
    expect(filteredIds(r.events)).toEqual([0, 1]);
    expect(of(r.events, "invoke").map((e) => [e.tUs, e.records.map((m) => m.n)])).toEqual([[500_000, [2, 3]]]);
    expect(r.report.records).toMatchObject({ succeeded: 2, filtered: 2, pending: 0 });
    expect(r.report.orderingViolations).toBe(0);
    expect(r.failedChecks).toEqual([]);
  });

  it("a redelivery filtered while a late (throttled) batch still runs frees the group: a second batch of it starts, and --check accepts it", () => {
    const r = run(`name: f
source: { type: sqs-fifo, VisibilityTimeout: 2 }
traffic:
  - { at: 0s, records: 1, key: h1, data: { type: order } }
  - { at: 0s, records: 1, key: h2, data: { type: order } }
  - { at: 0s, records: 1, key: g, data: { type: order } }
  - { at: 500ms, records: 1, key: g, data: { type: order } }
mapping:
  BatchSize: 1
  FilterCriteria: { Filters: [ { Pattern: '{"attributes": {"ApproximateReceiveCount": ["1"]}}' } ] }
function:
  Timeout: 2
  ReservedConcurrentExecutions: 2
  duration: { base: 300ms }
  failures: [{ when: { record: 2 }, effect: timeout }]
`);
    // msg 2 is received at 0 s but throttled (h1 and h2 hold both slots) and invoked at 1 s; it becomes visible again
    // at 2 s while that invocation still runs, is received again and filtered, so group g goes on with msg 3.
    expect(of(r.events, "invoke").map((e) => [e.tUs, e.records.map((m) => m.n)])).toEqual([[0, [0]], [0, [1]], [1_000_000, [2]], [2_000_000, [3]]]);
    expect(filteredIds(r.events)).toEqual([2]);
    expect(r.failedChecks).toEqual([]);
  });

  it("filters inside one receive and batches the group's matching messages in order", () => {
    const r = run(`name: f
source: { type: sqs-fifo }
traffic:
  - { at: 0s, records: 1, key: g, data: { type: order } }
  - { at: 0s, records: 2, key: g, data: { type: refund } }
  - { at: 0s, records: 2, key: g, data: '{"type": "order"}' }
mapping:
  ${ORDERS_ONLY}
`);
    expect(filteredIds(r.events)).toEqual([1, 2]);
    expect(invokedIds(r.events)).toEqual([[0, 3, 4]]);
  });
});

describe("FilterCriteria on streams", () => {
  it("Kinesis: records whose data matches no filter are skipped, the checkpoint moves past them", () => {
    const r = run(`name: k
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { at: 0s, records: 3, key: a, data: { level: ERROR } }
  - { at: 0s, records: 4, key: a, data: { level: INFO } }
  - { at: 1s, records: 2, key: a, data: { level: INFO } }
mapping:
  StartingPosition: TRIM_HORIZON
  FilterCriteria: { Filters: [ { Pattern: '{"data": {"level": ["ERROR"]}}' } ] }
`);
    expect(filteredIds(r.events)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(invokedIds(r.events)).toEqual([[0, 1, 2]]);
    expect(of(r.events, "checkpoint").map((e) => e.record.n).at(-1)).toBe(8);
    expect(r.report.records).toMatchObject({ produced: 9, succeeded: 3, filtered: 6, pending: 0 });
    expect(r.report.conservation).toBe("produced 9 = succeeded 3 + onFailure 0 + dlq 0 + expired 0 + filtered 6 + pending 0");
    expect(r.failedChecks).toEqual([]);
  });

  it("Kinesis: a pattern on the partition key is matched record by record", () => {
    const r = run(`name: k
source: { type: kinesis, ShardCount: 1 }
traffic:
  - { at: 0s, records: 2, key: eu-1 }
  - { at: 0s, records: 2, key: us-1 }
  - { at: 0s, records: 1, key: eu-2 }
mapping:
  StartingPosition: TRIM_HORIZON
  FilterCriteria: { Filters: [ { Pattern: '{"partitionKey": [{"prefix": "eu-"}]}' } ] }
`);
    expect(invokedIds(r.events)).toEqual([[0, 1, 4]]);
    expect(filteredIds(r.events)).toEqual([2, 3]);
  });

  const dynamo = (pattern: string) => `name: d
source: { type: dynamodb, ShardCount: 1 }
traffic:
  - { at: 0s, records: 12, key: item-1, eventNames: { INSERT: 1, MODIFY: 1, REMOVE: 1 }, data: { status: active } }
  - { at: 0s, records: 4, key: item-2, data: { status: closed } }
mapping:
  StartingPosition: TRIM_HORIZON
  FilterCriteria: { Filters: [ { Pattern: '${pattern}' } ] }
`;
  const eventNameOf = (events: TraceEvent[]) => new Map(of(events, "produce").map((e) => [e.record.n, recordEventName(e.record as StreamRecord)]));

  it("DynamoDB: an eventName filter keeps only INSERT records", () => {
    const r = run(dynamo('{"eventName": ["INSERT"]}'));
    const names = eventNameOf(r.events);
    const inserts = [...names].filter(([, e]) => e === "INSERT").map(([n]) => n);
    expect(inserts.length).toBeGreaterThan(4);
    expect(inserts.length).toBeLessThan(16);
    expect(invokedIds(r.events).flat()).toEqual(inserts);
    expect(filteredIds(r.events)).toEqual([...names.keys()].filter((n) => !inserts.includes(n)));
    expect(r.failedChecks).toEqual([]);
  });

  it("DynamoDB: a NewImage filter keeps the matching producer's INSERT and MODIFY records (REMOVE has no NewImage)", () => {
    const r = run(dynamo('{"dynamodb": {"NewImage": {"status": {"S": ["active"]}}}}'));
    const names = eventNameOf(r.events);
    const kept = [...names].filter(([n, e]) => n < 12 && e !== "REMOVE").map(([n]) => n);
    expect(kept.length).toBeGreaterThan(0);
    expect(invokedIds(r.events).flat()).toEqual(kept);
    expect(r.report.records.filtered).toBe(16 - kept.length);
  });

  it("DynamoDB: an OldImage filter sees the item on MODIFY and REMOVE records", () => {
    const r = run(dynamo('{"dynamodb": {"OldImage": {"status": {"S": ["active"]}}}}'));
    const names = eventNameOf(r.events);
    expect(invokedIds(r.events).flat()).toEqual([...names].filter(([n, e]) => n < 12 && e !== "INSERT").map(([n]) => n));
  });

  it("DynamoDB: a filter on Keys is matched record by record", () => {
    const r = run(dynamo('{"dynamodb": {"Keys": {"pk": {"S": ["item-2"]}}}}'));
    expect(invokedIds(r.events).flat()).toEqual([12, 13, 14, 15]);
  });
});

describe("memoized verdicts", () => {
  const compile = (pattern: string, source: "sqs" | "kinesis" | "dynamodb") => {
    const r = parseFilterCriteria({ Filters: [{ Pattern: pattern }] }, source);
    if (!r.ok) throw new Error("pattern refused");
    return r.filter;
  };
  it.each([
    ['{"body": {"type": ["order"]}}', "sqs", true],
    ['{"eventSource": ["aws:sqs"]}', "sqs", true],
    ['{"attributes": {"ApproximateReceiveCount": ["1"]}}', "sqs", false],
    ['{"messageId": ["msg-000001"]}', "sqs", false],
    ['{"data": {"level": ["ERROR"]}}', "kinesis", true],
    ['{"partitionKey": ["a"]}', "kinesis", false],
    ['{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"s": {"S": ["x"]}}}}', "dynamodb", true],
    ['{"dynamodb": {"Keys": {"pk": {"S": ["a"]}}}}', "dynamodb", false],
    ['{"dynamodb": {"SequenceNumber": [{"exists": true}]}}', "dynamodb", false],
  ] as const)("%s on %s: one verdict per producer is %s", (pattern, source, expected) => {
    expect(verdictPerProducer(compile(pattern, source), source)).toBe(expected);
  });
});
