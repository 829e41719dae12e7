import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../src/metrics/collector.js";
import type { TraceEvent } from "../src/trace/events.js";
import type { TraceContext } from "../src/run/options.js";
import { simulate } from "../src/run/simulate.js";
import { keyCount, runCollectingEvents, scenarioFrom } from "./helpers.js";

// A producer retry (traffic duplicateSendRate) makes a logical message of two copies: the first send and its retry.
// The report's duplicates count a second success of the same logical message, so the metrics keep a count per
// logical message; once both copies have ended (succeeded, moved to the DLQ, expired, filtered, or on a FIFO queue
// the retry dropped as a duplicate; on a stream, expired, filtered or discarded to the on-failure destination)
// nothing can change it, and the count is dropped. A drained run holds none.

function fold(events: readonly TraceEvent[]): MetricsCollector {
  const m = new MetricsCollector(Math.max(1, keyCount(events)));
  for (const e of events) m.listener(e);
  return m;
}

/** Logical messages with a copy that succeeded, and with two that did, counted from the result events. */
function successesPerLogical(events: readonly TraceEvent[]): { once: number; twice: number } {
  const seen = new Map<number, number>();
  for (const e of events) if (e.type === "result") for (const r of e.succeeded) if (r.logicalN !== undefined && r.logicalN >= 0) seen.set(r.logicalN, (seen.get(r.logicalN) ?? 0) + 1);
  let once = 0;
  let twice = 0;
  for (const v of seen.values()) if (v === 1) once++;
    else twice++;
  return { once, twice };
}

describe("producer-retry counts", () => {
  it("standard queue: a drained run holds no count, with copies ending by success, the DLQ and a filter", () => {
    const s = scenarioFrom(`name: t
source: { type: sqs, VisibilityTimeout: 5, RedrivePolicy: { maxReceiveCount: 1 } }
traffic:
  - { rate: 200/s, from: 0s, to: 30s, keys: 50, duplicateSendRate: 0.4, data: { kind: a } }
  - { rate: 50/s, from: 0s, to: 30s, keys: 50, duplicateSendRate: 0.4, data: { kind: b } }
mapping:
  BatchSize: 10
  FunctionResponseTypes: [ReportBatchItemFailures]
  FilterCriteria: { Filters: [ { Pattern: '{"body": {"kind": ["a"]}}' } ] }
function:
  Timeout: 3
  duration: { base: 50ms }
  failures: [{ when: { probability: 0.1 }, effect: error }]
`);
    const { report, events } = runCollectingEvents(s);
    expect(report.drained).toBe(true);
    expect(report.records.dlq).toBeGreaterThan(50);
    expect(report.records.filtered).toBeGreaterThan(1000);
    const { once, twice } = successesPerLogical(events);
    expect(once).toBeGreaterThan(100); // the other copy went to the DLQ or was filtered
    expect(twice).toBeGreaterThan(100);
    const m = fold(events);
    expect(m.producerDuplicates).toBe(twice);
    expect(m.producerDuplicates).toBe(report.sqs!.producerDuplicates);
    expect(m.logicalMessagesHeld).toBe(0);
  });

  it("FIFO queue: a drained run holds no count, with most retries dropped as duplicates", () => {
    const s = scenarioFrom(`name: t
source: { type: sqs-fifo, VisibilityTimeout: 5 }
traffic:
  - { rate: 100/s, from: 0s, to: 30s, keys: 20, duplicateSendRate: 0.5 }
mapping: { BatchSize: 10 }
function: { Timeout: 3, duration: { base: 20ms } }
`);
    const { report, events } = runCollectingEvents(s);
    expect(report.drained).toBe(true);
    expect(report.sqs!.dedupDropped).toBeGreaterThan(1000);
    const m = fold(events);
    expect(m.logicalMessagesHeld).toBe(0);
    expect(m.producerDuplicates).toBe(report.sqs!.producerDuplicates);
  });

  it("a run stopped early holds a count only for logical messages with a copy not yet ended", () => {
    const s = scenarioFrom(`name: t
until: 20s
source: { type: sqs, VisibilityTimeout: 5 }
traffic:
  - { rate: 100/s, from: 0s, to: 60s, keys: 20, duplicateSendRate: 0.5, duplicateSendAfter: 10s }
mapping: { BatchSize: 10 }
function: { Timeout: 3, duration: { base: 20ms } }
`);
    const { events } = runCollectingEvents(s);
    const m = fold(events);
    const { once } = successesPerLogical(events);
    // Every message succeeds; a logical message whose retry was sent in the last 10 s, or not yet, has one success.
    expect(once).toBeGreaterThan(500);
    expect(m.logicalMessagesHeld).toBe(once);
  });

  it("Kinesis: a drained run holds no count and no tie to a first send, with copies discarded on failure", () => {
    const s = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 2, RetentionPeriodHours: 24 }
traffic:
  - { rate: 100/s, from: 0s, to: 30s, keys: 40, duplicateSendRate: 0.4 }
mapping:
  StartingPosition: TRIM_HORIZON
  BatchSize: 10
  MaximumRetryAttempts: 0
  MaximumRecordAgeInSeconds: 60
  DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:failures" } }
function:
  Timeout: 3
  duration: { base: 20ms }
  failures: [{ when: { probability: 0.3 }, effect: error }]
`);
    const events: TraceEvent[] = [];
    let ties: ReadonlyMap<number, number> | undefined;
    // The tie of each record to its first send, as it stands when the record is produced.
    const firstSendOf = new Map<number, number>();
    const { report } = simulate(s, {
      trace: (ctx: TraceContext) => {
        ties = ctx.stream?.logicalOfN;
        return (e) => {
          events.push(e);
          if (e.type === "produce" && ties?.has(e.record.n)) firstSendOf.set(e.record.n, ties.get(e.record.n)!);
        };
      },
    });
    expect(report.drained).toBe(true);
    expect(report.records.onFailure).toBeGreaterThan(200);
    expect(report.stream!.producerDuplicates).toBeGreaterThan(100);
    expect(firstSendOf.size).toBeGreaterThan(1000);
    expect(ties!.size).toBe(0);
    const m = new MetricsCollector(Math.max(1, keyCount(events)));
    m.logicalOf = (n) => {
      const of = firstSendOf.get(n);
      firstSendOf.delete(n);
      return of;
    };
    for (const e of events) m.listener(e);
    expect(m.producerDuplicates).toBe(report.stream!.producerDuplicates);
    expect(m.logicalMessagesHeld).toBe(0);
  });
});
