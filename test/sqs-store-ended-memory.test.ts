import { describe, expect, it } from "vitest";
import { prngStream } from "../src/engine/prng.js";
import { FifoOrder } from "../src/sources/sqs-fifo-store.js";
import { MessageRing } from "../src/sources/sqs-message-ring.js";
import { MsgState } from "../src/sources/sqs-message-queue.js";

// A message that stays live at the front of a queue (a poison message with a high maxReceiveCount or no DLQ, kept
// until retention) keeps every later message's place in the queue's production-order store, ended or not. The
// stores give up the memory of each chunk of 4,096 messages once all of them have ended, so what they hold follows
// the live messages, not every message sent since the oldest one.

const CHUNK = 4096;

describe("SQS standard queue store (MessageRing)", () => {
  it("holds the buffers of chunks with a live message only, behind a message that stays live at the front", () => {
    const ring = new MessageRing();
    const total = 100 * CHUNK;
    for (let n = 0; n < total; n++) ring.push(n, n % 13, n * 10, 0, MsgState.Visible, undefined);
    // Message 0 stays live; message 50,000 too (its chunk is kept); every other one ends, in an order that is not
    // production order.
    const keep = new Set([0, 50_000]);
    const rng = prngStream(3, "ring-ended");
    const order = Array.from({ length: total }, (_, n) => n);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const n of order) if (!keep.has(n)) ring.setState(n, n % 2 === 0 ? MsgState.Deleted : MsgState.Dlq);
    expect(ring.firstN).toBe(0);
    expect(ring.count).toBe(total);
    expect(ring.chunksHeld).toBe(100);
    // The front chunk, the one holding 50,000 and the last chunk (the next pushes fill it) keep their buffers; one
    // released chunk is kept as the spare.
    expect(ring.chunksWithBuffers).toBeLessThanOrEqual(4);
    // Lookups read as before: ended messages as ended, the live ones with their own fields.
    expect(ring.state(CHUNK * 7 + 5)).toBeGreaterThanOrEqual(MsgState.Deleted);
    expect(ring.state(0)).toBe(MsgState.Visible);
    expect(ring.state(50_000)).toBe(MsgState.Visible);
    expect(ring.sentUsOf(50_000)).toBe(500_000);
    expect(ring.get(50_000, 0).keyIndex).toBe(50_000 % 13);
    // The front message ends: the front moves past every ended message, released chunks included, to 50,000.
    ring.setState(0, MsgState.Deleted);
    while (ring.count > 0 && ring.state(ring.firstN) >= MsgState.Deleted) ring.shift();
    expect(ring.firstN).toBe(50_000);
    expect(ring.count).toBe(total - 50_000);
    // New messages go on from the end, in reused buffers, and read back their own fields.
    for (let n = total; n < total + 2 * CHUNK; n++) ring.push(n, 1, n, 0, MsgState.Visible, undefined);
    expect(ring.sentUsOf(total + CHUNK + 3)).toBe(total + CHUNK + 3);
    expect(ring.state(total + 1)).toBe(MsgState.Visible);
    ring.setState(50_000, MsgState.Deleted);
    for (let n = total; n < total + 2 * CHUNK; n++) ring.setState(n, MsgState.Deleted);
    while (ring.count > 0 && ring.state(ring.firstN) >= MsgState.Deleted) ring.shift();
    expect(ring.count).toBe(0);
    // An empty ring starts again further on.
    ring.push(total + 5 * CHUNK, 2, 7, 0, MsgState.Visible, undefined);
    expect(ring.firstN).toBe(total + 5 * CHUNK);
    expect(ring.state(total + 5 * CHUNK)).toBe(MsgState.Visible);
  });
});

describe("SQS FIFO production-order store (FifoOrder)", () => {
  it("holds the buffers of chunks with a live message only, and still counts ended messages between live ones", () => {
    const order = new FifoOrder();
    const total = 60 * CHUNK;
    for (let n = 0; n < total; n++) order.push(n, n % 11, n);
    const live = new Set([0, 3 * CHUNK + 17, 30 * CHUNK + 1, total - 1]);
    const ended = new Uint8Array(total);
    for (let n = total - 1; n >= 0; n--)
      if (!live.has(n)) {
        ended[n] = 1;
        order.markEnded(n);
      }
    expect(order.firstN).toBe(0);
    // Four chunks with a live message, and one spare.
    expect(order.chunksWithBuffers).toBeLessThanOrEqual(5);
    const liveSorted = [...live].sort((a, b) => a - b);
    for (const n of liveSorted) {
      expect(order.ended(n)).toBe(false);
      expect(order.groupOf(n)).toBe(n % 11);
      expect(order.rowOf(n)).toBe(n);
    }
    expect(order.ended(10 * CHUNK)).toBe(true);
    const below = new Int32Array(total + 1);
    for (let n = 0; n < total; n++) below[n + 1] = below[n] + ended[n];
    const ends = [...liveSorted, total];
    for (let i = 0; i < ends.length; i++) for (let j = i; j < ends.length; j++) expect(order.endedBetween(ends[i], ends[j])).toBe(below[ends[j]] - below[ends[i]]);
    // The front message ends: the front moves across the released chunks to the next live message.
    order.markEnded(0);
    expect(order.firstN).toBe(3 * CHUNK + 17);
    order.markEnded(3 * CHUNK + 17);
    expect(order.firstN).toBe(30 * CHUNK + 1);
    expect(order.endedBetween(30 * CHUNK + 1, total)).toBe(total - 1 - (30 * CHUNK + 1) - 1);
    // New messages go on from the end, in reused buffers.
    for (let n = total; n < total + 3 * CHUNK; n++) order.push(n, 4, n);
    expect(order.ended(total + 2 * CHUNK)).toBe(false);
    expect(order.rowOf(total + 2 * CHUNK + 9)).toBe(total + 2 * CHUNK + 9);
    expect(order.endedBetween(total - 1, total + 3 * CHUNK)).toBe(0);
  });
});
