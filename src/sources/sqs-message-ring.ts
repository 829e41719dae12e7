/**
 * Every message of an SQS standard queue not yet in an end state, in production order: the storage the queue keeps
 * its messages in (a FIFO queue keeps them by group: sqs-fifo-store.ts). It models nothing of its own; what the queue
 * does with its messages is in sqs-queue.ts.
 *
 * Production indexes of accepted sends are consecutive, so message n sits at position n - firstN, and ended
 * messages leave from the front. A message that was never received and never delayed is kept "cold": its send time,
 * key, producer and state in one 16-byte row of a typed buffer, with no object (a burst of a million messages would otherwise
 * be a million long-lived objects for the garbage collector to copy, at several times the bytes). Its object is
 * built, with the same fields, when something needs it (a receive, an expiry), and dropped from the ring when the
 * message ends: a message that has ended is never asked for again, and whoever still holds the object (a batch, a
 * trace event) keeps it alive as long as it needs to. A cold message's size is its producer's (a producer sends one
 * size; a message of another size takes an object), and it has no logical message (a producer retry, or a send that
 * will be retried, takes an object: they are the few a retry rate makes). The state is also in the object once there is one (the queue
 * writes both through setState).
 * The ring holds a message's object only while a lookup by production index can still reach it: from its send (a
 * message sent with one), from its return to the visible list (keep), or while its spontaneous duplicate copy waits
 * (keep). An object built for a receive is not stored: the batch holds it while it is in flight, and the row keeps the
 * receive count up to 3 (setReceived), all a lookup of an in-flight message asks. Storing every message's new object
 * in the ring's long-lived slot arrays would cost the garbage collector a remembered pointer each.
 */
import { assert } from "../engine/assert.js";
import { smallInt } from "../engine/time.js";
import { ColdSizes } from "./sqs-cold-sizes.js";
import { MsgState, type SqsMessage } from "./sqs-message-queue.js";

/** Float64s per row (16 bytes): sentUs, then two int32s: keyIndex, and the producer's index shifted left 8 bits with
 *  the state in the low 3 and the receive count, up to 3, in the next 2. */
const ROW_F64 = 2;
const ROW_I32 = 4;
const I_KEY = 2;
const I_PRODUCER_STATE = 3;
const STATE_MASK = 0x07;
const COUNT_SHIFT = 3;
const COUNT_MASK = 0x18;
/** Messages per chunk (4,096: 64 KB of rows). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** The storage of CHUNK consecutive messages. */
class Chunk {
  /** Per slot: sentUs as a float64 at slot * 2, and the int32s at slot * 4 + I_KEY and + I_PRODUCER_STATE of the
   *  same buffer. */
  readonly times = new Float64Array(CHUNK * ROW_F64);
  readonly ints = new Int32Array(this.times.buffer);
  /** Per slot, the message's object; made when the chunk's first object is (a chunk of cold messages has none). */
  objs: (SqsMessage | undefined)[] | null = null;
  /** Messages pushed into the chunk, and those of them not yet in an end state. */
  pushed = 0;
  live = 0;
}

/** Stands in the ring for a full chunk whose messages have all ended while an older message still lives (a poison
 *  message at the front keeps every later message's chunk in the ring): every row reads as Deleted, the state the
 *  ring reports for a message that has ended, so lookups need no test for it, and the chunk's own buffers are free
 *  for reuse. Never written: only ended messages map to it, and nothing writes to an ended message's row. */
const ENDED_CHUNK = ((): Chunk => {
  const c = new Chunk();
  for (let i = 0; i < CHUNK; i++) c.ints[i * ROW_I32 + I_PRODUCER_STATE] = MsgState.Deleted;
  c.pushed = CHUNK;
  return c;
})();

/**
 * The messages in fixed-size chunks, oldest first: the ring grows by one chunk at a time and never copies, so its
 * memory follows the messages it holds (a doubling array would briefly hold the old copy and the new, twice the
 * rows), and a chunk whose messages have all ended is reused for the next ones.
 */
export class MessageRing {
  private readonly chunks: Chunk[] = [];
  /** Production index of the first slot of chunks[0]. */
  private originN = 0;
  private spare: Chunk | null = null;
  count = 0;
  /** Production index of the front message. */
  firstN = 0;

  /** Each producer's size for its messages kept cold. */
  private readonly producerSizes = new ColdSizes();

  /** Whether a message with these fields can be kept cold (pushed without an object): no logical message, a
   *  producer index that fits the row, and the size of that producer's earlier cold messages (the first sets it). */
  canKeepCold(sizeBytes: number, logicalN: number, producer: number): boolean {
    return this.producerSizes.canKeepCold(sizeBytes, logicalN, producer);
  }

  /** Append message n (the next production index); `obj` is its object, which it must have unless canKeepCold
   *  said yes to its fields. */
  push(n: number, keyIndex: number, sentUs: number, producer: number, state: MsgState, obj: SqsMessage | undefined): void {
    if (n !== this.firstN + this.count) {
      assert(this.count === 0, "messages reach the queue out of production order");
      // An empty ring may start again anywhere.
      while (this.chunks.length > 0) {
        const left = this.chunks.pop()!;
        if (left !== ENDED_CHUNK) this.reuse(left);
      }
      this.originN = n - (n & CHUNK_MASK);
      this.firstN = n;
    }
    const p = n - this.originN;
    const c = p >>> CHUNK_BITS;
    if (c === this.chunks.length) {
      this.chunks.push(this.spare ?? new Chunk());
      this.spare = null;
    }
    const chunk = this.chunks[c];
    const i = p & CHUNK_MASK;
    if (obj !== undefined) this.objectsOf(chunk)[i] = obj;
    chunk.times[i * ROW_F64] = sentUs;
    const r = i * ROW_I32;
    const ints = chunk.ints;
    ints[r + I_KEY] = keyIndex;
    ints[r + I_PRODUCER_STATE] = (producer << 8) | state;
    chunk.pushed++;
    if (state < MsgState.Deleted) chunk.live++;
    this.count++;
  }

  /** Chunks held in the ring's array, released ones included (what a test reads to see memory stay bounded). */
  get chunksHeld(): number {
    return this.chunks.length;
  }

  /** Chunks whose buffers the ring still holds: those not released (see ENDED_CHUNK), and the spare. */
  get chunksWithBuffers(): number {
    let held = this.spare === null ? 0 : 1;
    for (const c of this.chunks) if (c !== ENDED_CHUNK) held++;
    return held;
  }

  private objectsOf(chunk: Chunk): (SqsMessage | undefined)[] {
    if (chunk.objs === null) chunk.objs = new Array<SqsMessage | undefined>(CHUNK).fill(undefined);
    return chunk.objs;
  }

  /** Drop the front message (it has ended, so its object slot is already empty). */
  shift(): void {
    const i = (this.firstN - this.originN) & CHUNK_MASK;
    this.count--;
    this.firstN++;
    if (i === CHUNK_MASK) {
      // The front chunk is used up: keep it for reuse (without its object slots: a chunk of cold messages needs none).
      const used = this.chunks.shift()!;
      if (used !== ENDED_CHUNK) this.reuse(used);
      this.originN += CHUNK;
    }
  }

  /** State of message n; messages before the front have ended (reported as Deleted, an end state). */
  state(n: number): MsgState {
    if (n < this.firstN) return MsgState.Deleted;
    const p = n - this.originN;
    return (this.chunks[p >>> CHUNK_BITS].ints[(p & CHUNK_MASK) * ROW_I32 + I_PRODUCER_STATE] & STATE_MASK) as MsgState;
  }

  /** Keep `chunk`, whose messages have all ended, as the spare for the next chunk (without its object slots: a
   *  chunk of cold messages needs none); one spare at most, the rest is left to the garbage collector. */
  private reuse(chunk: Chunk): void {
    chunk.objs = null;
    chunk.pushed = 0;
    chunk.live = 0;
    this.spare = chunk;
  }

  /** Record live message n's new state (its object, if any, is given the same by the caller). An end state drops
   *  the ring's hold on the object, and the last end in a full chunk behind the front releases the chunk. */
  setState(n: number, state: MsgState): void {
    if (n < this.firstN) assert(false, "a state change for a message that has left the queue");
    const p = n - this.originN;
    const c = p >>> CHUNK_BITS;
    const chunk = this.chunks[c];
    const i = p & CHUNK_MASK;
    const at = i * ROW_I32 + I_PRODUCER_STATE;
    if ((chunk.ints[at] & STATE_MASK) >= MsgState.Deleted) assert(false, "a state change for a message that has ended");
    chunk.ints[at] = (chunk.ints[at] & ~STATE_MASK) | state;
    if (state < MsgState.Deleted) return;
    if (chunk.objs !== null) chunk.objs[i] = undefined;
    // The front chunk leaves through shift as the front moves; a chunk still filling needs its rows for the rest.
    if (--chunk.live === 0 && chunk.pushed === CHUNK && c > 0) {
      this.chunks[c] = ENDED_CHUNK;
      this.reuse(chunk);
    }
  }

  /** A receive of live message n: its state becomes InFlight, and its row counts one more receive (up to 3). */
  setReceived(n: number): void {
    const p = n - this.originN;
    const ints = this.chunks[p >>> CHUNK_BITS].ints;
    const at = (p & CHUNK_MASK) * ROW_I32 + I_PRODUCER_STATE;
    const ps = ints[at];
    const counted = (ps & COUNT_MASK) !== COUNT_MASK ? ps + (1 << COUNT_SHIFT) : ps;
    ints[at] = (counted & ~STATE_MASK) | MsgState.InFlight;
  }

  /** ApproximateReceiveCount of live message n, or 3 when it is 3 or more. */
  receiveCountUpTo3(n: number): number {
    const p = n - this.originN;
    return (this.chunks[p >>> CHUNK_BITS].ints[(p & CHUNK_MASK) * ROW_I32 + I_PRODUCER_STATE] & COUNT_MASK) >> COUNT_SHIFT;
  }

  /** Hold live message n's object (see the header for when). */
  keep(n: number, msg: SqsMessage): void {
    const p = n - this.originN;
    this.objectsOf(this.chunks[p >>> CHUNK_BITS])[p & CHUNK_MASK] = msg;
  }

  sentUsOf(n: number): number {
    const p = n - this.originN;
    return this.chunks[p >>> CHUNK_BITS].times[(p & CHUNK_MASK) * ROW_F64];
  }

  /** The object of live message n, or undefined while it is cold. */
  objectOf(n: number): SqsMessage | undefined {
    const p = n - this.originN;
    const objs = this.chunks[p >>> CHUNK_BITS].objs;
    return objs === null ? undefined : objs[p & CHUNK_MASK];
  }

  /** The object of live message n, as held (see keep), or built from its row (visibleAtUs: send time plus the
   *  queue's delay; not held: a caller that leaves the message visible keeps it). */
  get(n: number, delayUs: number): SqsMessage {
    const p = n - this.originN;
    const chunk = this.chunks[p >>> CHUNK_BITS];
    const i = p & CHUNK_MASK;
    const objs = chunk.objs;
    if (objs !== null) {
      const have = objs[i];
      if (have !== undefined) return have;
    }
    const r = i * ROW_I32;
    const ints = chunk.ints;
    const ps = ints[r + I_PRODUCER_STATE];
    const state = (ps & STATE_MASK) as MsgState;
    if (state >= MsgState.Deleted) assert(false, "an object asked for a message that has ended");
    if ((ps & COUNT_MASK) !== 0) assert(false, "a received message has no object held");
    const sentUs = smallInt(chunk.times[i * ROW_F64]);
    // n may come from a float64 column (the visible runs): smallInt keeps the field a small integer,
    // as in objects the sinks build, so that every message object has the same layout.
    const producer = ps >> 8;
    return { n: smallInt(n), keyIndex: ints[r + I_KEY], sentUs, sizeBytes: this.producerSizes.of(producer), logicalN: -1, receiveCount: 0, state, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, duplicated: false, producer, firstReceiveUs: -1, processedUndeleted: 0 };
  }
}
