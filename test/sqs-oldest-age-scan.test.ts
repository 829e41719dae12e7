import { afterEach, describe, expect, it, vi } from "vitest";
import { simulate } from "../src/run/simulate.js";
import { FifoGroups, FifoOrder } from "../src/sources/sqs-fifo-store.js";
import { SqsFifoQueue } from "../src/sources/sqs-fifo-queue.js";
import { MessageRing } from "../src/sources/sqs-message-ring.js";
import { MsgState } from "../src/sources/sqs-message-queue.js";
import { SqsQueue } from "../src/sources/sqs-queue.js";
import { scenarioFrom } from "./helpers.js";

// ApproximateAgeOfOldestMessage (each once-a-second sample's oldestAgeCountedUs) is the age of the oldest live
// message received fewer than three times. A poison message received three times or more sits at the front of the
// queue's store for as long as it lives, with every message sent after it, ended or not, behind it. These tests
// check that each sample's answer is still that of a full scan from the front, and that the samples of a whole run
// look at each message once rather than once per sample.

/** Steady traffic behind one message that fails on each of its 200 receives (VisibilityTimeout 2 s: ~400 s at the
 *  front), some other messages failing now and then (so that some of them, too, are received three times or more
 *  before they succeed), and a second burst once the queue has emptied (the store starts again further on). */
function poisonScenario(type: "sqs" | "sqs-fifo") {
  return scenarioFrom(`name: t
source: { type: ${type}, VisibilityTimeout: 2, RedrivePolicy: { maxReceiveCount: 200 } }
traffic:
  - { at: 1s, records: 1, key: poison }
  - { rate: 50/s, from: 0s, to: 120s, keys: 40 }
  - { at: 900s, records: 300, keys: 40 }
mapping: { BatchSize: 5 }
function:
  Timeout: 1
  duration: { base: 100ms }
  failures:
    - { when: { key: poison }, effect: error }
    - { when: { probability: 0.2, to: 120s }, effect: error }
`);
}

/** What a scan from the front of the store answers: the age of the first message that has not ended and was
 *  received fewer than three times, or 0 when there is none. */
function fullScanStandard(live: MessageRing, nowUs: number): number {
  for (let n = live.firstN; n < live.firstN + live.count; n++) {
    if (live.state(n) >= MsgState.Deleted) continue;
    if (live.receiveCountUpTo3(n) < 3) return nowUs - live.sentUsOf(n);
  }
  return 0;
}

function fullScanFifo(order: FifoOrder, groups: FifoGroups, nowUs: number): number {
  for (let n = order.firstN; n < order.firstN + order.count; n++) {
    if (order.ended(n)) continue;
    const r = order.rowOf(n);
    if (groups.receiveCountUpTo3(r) < 3) return nowUs - groups.sentUsOf(r);
  }
  return 0;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SQS ApproximateAgeOfOldestMessage samples", () => {
  it("standard queue: every sample answers as a full scan would, and the run's samples look up each message's state about once", () => {
    const original = SqsQueue.prototype.oldestAgeCountedUs;
    const stateCalls = vi.spyOn(MessageRing.prototype, "state");
    let samples = 0;
    let lookups = 0;
    let nonZero = 0;
    let mismatches = 0;
    vi.spyOn(SqsQueue.prototype, "oldestAgeCountedUs").mockImplementation(function (this: SqsQueue, nowUs: number) {
      const live = (this as unknown as { live: MessageRing }).live;
      // Cleared at each sample, so that the spy holds one sample's calls, not the run's (the reference scan's too).
      stateCalls.mockClear();
      const got = original.call(this, nowUs);
      lookups += stateCalls.mock.calls.length;
      samples++;
      if (got !== 0) nonZero++;
      if (got !== fullScanStandard(live, nowUs)) mismatches++;
      return got;
    });
    const { report } = simulate(poisonScenario("sqs"));
    expect(report.records.dlq).toBe(1);
    expect(report.records.produced).toBe(6301);
    expect(mismatches).toBe(0);
    expect(nonZero).toBeGreaterThan(100);
    // The poison message lives ~400 samples with up to 6,000 ended messages behind it: a scan from the front at each
    // sample would make millions of lookups. From where the last sample stopped, it is one per message plus one per
    // sample.
    expect(samples).toBeGreaterThan(400);
    expect(lookups).toBeLessThanOrEqual(report.records.produced + samples);
  });

  it("FIFO queue: every sample answers as a full scan would, and the run's samples look up each message's end about once", () => {
    const original = SqsFifoQueue.prototype.oldestAgeCountedUs;
    const endedCalls = vi.spyOn(FifoOrder.prototype, "ended");
    let samples = 0;
    let lookups = 0;
    let nonZero = 0;
    let mismatches = 0;
    vi.spyOn(SqsFifoQueue.prototype, "oldestAgeCountedUs").mockImplementation(function (this: SqsFifoQueue, nowUs: number) {
      const q = this as unknown as { order: FifoOrder; groups: FifoGroups };
      // Cleared at each sample, so that the spy holds one sample's calls, not the run's (the reference scan's too).
      endedCalls.mockClear();
      const got = original.call(this, nowUs);
      lookups += endedCalls.mock.calls.length;
      samples++;
      if (got !== 0) nonZero++;
      if (got !== fullScanFifo(q.order, q.groups, nowUs)) mismatches++;
      return got;
    });
    const { report } = simulate(poisonScenario("sqs-fifo"));
    expect(report.records.dlq).toBeGreaterThanOrEqual(1);
    expect(mismatches).toBe(0);
    expect(nonZero).toBeGreaterThan(100);
    expect(samples).toBeGreaterThan(400);
    expect(lookups).toBeLessThanOrEqual(report.records.produced + samples);
  });
});
