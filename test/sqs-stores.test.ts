import { describe, expect, it } from "vitest";
import { prngStream } from "../src/engine/prng.js";
import type { TraceEvent } from "../src/trace/events.js";
import { FifoGroups, FifoOrder } from "../src/sources/sqs-fifo-store.js";
import { MsgState } from "../src/sources/sqs-message-queue.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

type Ev<T extends TraceEvent["type"]> = Extract<TraceEvent, { type: T }>;
const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Ev<T> => e.type === type);
const S = 1_000_000;

describe("FIFO production-order store", () => {
  it("counts the ended messages between two live production indexes as messages end anywhere and the front moves", () => {
    const order = new FifoOrder();
    const total = 150_000; // chunks of 4,096, blocks of 1,024, superblocks of 32,768: several of each
    for (let n = 0; n < total; n++) order.push(n, n % 7, n);
    const ended = new Uint8Array(total);
    const rng = prngStream(7, "fifo-order-test");
    const check = () => {
      const below = new Int32Array(total + 1); // plain count of ended messages below each index
      for (let n = 0; n < total; n++) below[n + 1] = below[n] + ended[n];
      // Live indexes only, from the front: at word, block, chunk and superblock edges, and a spread of others.
      const probes = [order.firstN, total];
      for (const edge of [31, 32, 1023, 1024, 1025, 4095, 4096, 4097, 32_767, 32_768, 32_769, 65_535, 65_536, 98_304, 131_071, 149_999]) probes.push(edge);
      for (let i = 0; i < 60; i++) probes.push(order.firstN + Math.floor(rng.next() * (total - order.firstN)));
      const live = probes.filter((p) => p >= order.firstN && (p === total || !order.ended(p))).sort((a, b) => a - b);
      for (let i = 0; i < live.length; i++)
        for (let j = i; j < live.length; j++) expect(order.endedBetween(live[i], live[j])).toBe(below[live[j]] - below[live[i]]);
    };
    for (let round = 0; round < 6; round++) {
      // Some messages anywhere end, and now and then the front one, which lets the front move on.
      for (let i = 0; i < 15_000; i++) {
        const n = i % 50 === 0 ? order.firstN : order.firstN + Math.floor(rng.next() * (total - order.firstN));
        if (n >= total || ended[n]) continue;
        ended[n] = 1;
        order.markEnded(n);
      }
      // A run at the front ends too, so that the front passes chunk and superblock edges.
      const runEnd = Math.min(total, order.firstN + 7_000);
      for (let n = order.firstN; n < runEnd; n++)
        if (!ended[n]) {
          ended[n] = 1;
          order.markEnded(n);
        }
      let front = 0;
      while (front < total && ended[front]) front++;
      expect(order.firstN).toBe(front);
      expect(order.count).toBe(total - front);
      check();
    }
  });

  it("starts again at a later index once empty, counting only what ends after that in the restart's block", () => {
    const order = new FifoOrder();
    for (let n = 0; n < 10; n++) order.push(n, 0, n);
    for (let n = 0; n < 10; n++) order.markEnded(n);
    expect(order.count).toBe(0);
    // Indexes 10-19 never reach this store; 20 onwards do, in the same block of 1,024 as 0-9.
    for (let n = 20; n < 40; n++) order.push(n, 0, n);
    expect(order.firstN).toBe(20);
    order.markEnded(25);
    order.markEnded(30);
    expect(order.endedBetween(20, 40)).toBe(2);
    expect(order.endedBetween(21, 30)).toBe(1);
  });
});

describe("FIFO group store", () => {
  it("drops a group's ended front rows up to its first live one, across blocks, and empties a group whose rows all ended", () => {
    const g = new FifoGroups();
    g.ensure(1);
    const rows: number[] = [];
    // Group 1's messages interleaved with group 0's, so that group 1's blocks are not neighbours.
    for (let n = 0; n < 30; n++) {
      const k = n % 3 === 0 ? 1 : 0;
      const r = g.push(k, n, n * 10, 0, MsgState.Visible, undefined);
      if (k === 1) rows.push(r);
    }
    expect(g.len[1]).toBe(10);
    for (let i = 0; i < 6; i++) g.setState(rows[i], MsgState.Deleted);
    g.setState(rows[7], MsgState.Deleted); // behind a live one: stays until the front reaches it
    g.dropEnded(1);
    expect(g.len[1]).toBe(4);
    expect(g.head[1]).toBe(rows[6]);
    expect(g.firstN[1]).toBe(18);
    g.dropEnded(1); // nothing ended at the front now
    expect(g.len[1]).toBe(4);
    for (const i of [6, 8, 9]) g.setState(rows[i], MsgState.Deleted);
    g.dropEnded(1);
    expect([g.len[1], g.head[1], g.tail[1], g.firstN[1]]).toEqual([0, -1, -1, -1]);
    // A group emptied can take messages again.
    const r = g.push(1, 30, 300, 0, MsgState.Visible, undefined);
    expect([g.len[1], g.head[1], g.firstN[1], g.nOf(r)]).toEqual([1, r, 30, 30]);
  });
});

describe("SQS batches gathered over several receives", () => {
  it("hold every message of each receive and bring each back at its own visibility timeout when the batch fails", () => {
    // One message a second into a 5 s window: each batch is gathered over several receives, and its messages were
    // hidden at different times. The function fails every batch, so each message must come back exactly one
    // visibility timeout after the receive that hid it, never with an earlier receive's messages, in time order.
    const { events } = runWithTrace(
      scenarioFrom(`
name: window-gathered-batches-fail
source: { type: sqs, VisibilityTimeout: 20 }
traffic: [{ rate: 1/s, from: 0s, to: 30s }]
mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 5 }
function: { Timeout: 3, duration: { base: 100ms }, failures: [{ when: { attempt: 1 }, effect: error }] }
until: 3m
`),
    );
    // When each delivery hid each message: a batch's records are its poller's receives since its last invoke, in order.
    const polls = new Map<number, { tUs: number; received: number }[]>();
    const hiddenAt = new Map<number, number[]>();
    let receivesPerBatch = 0;
    let backs = 0;
    let lastUs = 0;
    for (const e of events) {
      expect(e.tUs).toBeGreaterThanOrEqual(lastUs);
      lastUs = e.tUs;
      if (e.type === "poll" && e.received > 0) {
        if (!polls.has(e.poller)) polls.set(e.poller, []);
        polls.get(e.poller)!.push({ tUs: e.tUs, received: e.received });
      }
      if (e.type === "invoke") {
        const mine = polls.get(e.poller) ?? [];
        polls.set(e.poller, []);
        receivesPerBatch = Math.max(receivesPerBatch, mine.length);
        let i = 0;
        for (const p of mine)
          for (let j = 0; j < p.received; j++) {
            const n = e.records[i++].n;
            hiddenAt.set(n, [...(hiddenAt.get(n) ?? []), p.tUs]);
          }
        expect(i).toBe(e.records.length);
      }
      if (e.type === "retry" && e.reason === "VisibilityTimeoutExpired") {
        backs++;
        const times = hiddenAt.get(e.record.n)!;
        expect(e.tUs).toBe(times[times.length - 1] + 20 * S);
      }
    }
    expect(receivesPerBatch).toBeGreaterThan(1);
    expect(backs).toBeGreaterThan(30);
    expect(of(events, "result").some((e) => e.outcome === "ok" && e.succeeded.length > 0)).toBe(true);
  });
});
