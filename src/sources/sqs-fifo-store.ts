/**
 * Where an SQS FIFO queue keeps its messages not yet in an end state. It models nothing of its own: what the queue
 * does with them is in sqs-fifo-queue.ts. Each message is kept in two small forms:
 * - By message group (FifoGroups): a row of its production index, send time, producer and state, and its object once
 *   it has one. A group's rows lie together, in send order, in blocks of 4 (64 bytes), so a receive or a delete of a
 *   group's run reads neighbouring rows. Threading the groups through one store in production order instead would
 *   scatter a group's messages over the whole queue: with thousands of groups, a cache miss for every message
 *   touched. Small blocks keep the memory of many small groups low: a group's first and last blocks hold at most 3
 *   unused rows each.
 * - In production order (FifoOrder): its group and row, and a bit set when it ends (8 bytes and a bit). This is what
 *   reads the queue from its oldest message: retention, the oldest message's age, the look-ahead's queue positions.
 * A message that was never received and never delayed has no object (it is "cold", as in sqs-message-ring.ts): its
 * row has what the object would, and the object is built when a receive or an expiry needs it. Its size is its
 * producer's (a producer sends one size; a message of another size, or with a logical message, takes an object).
 * As in sqs-message-ring.ts, a row holds its message's object only while a lookup can still reach it (sent with one,
 * visible again, left visible by a full payload: keep); the row counts receives up to 3 (setReceived).
 */
import { assert } from "../engine/assert.js";
import { smallInt } from "../engine/time.js";
import { ColdSizes } from "./sqs-cold-sizes.js";
import { MsgState, type SqsMessage } from "./sqs-message-queue.js";

/** Rows per block. */
const BLOCK_BITS = 2;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;
/** A row (16 bytes): the send time as a float64, then int32s: the production index (as an unsigned 32-bit number:
 *  a scenario sends at most a billion records), and the producer's index shifted left 8 bits, HAS_OBJECT in bit 7,
 *  the receive count up to 3 in bits 3 and 4, the state in the low 3. */
const ROW_F64 = 2;
const ROW_I32 = 4;
const I_N = 2;
const I_PRODUCER_STATE = 3;
const STATE_MASK = 0x07;
const COUNT_SHIFT = 3;
const COUNT_MASK = 0x18;
const HAS_OBJECT = 0x80;
/** Rows per page (4,096: 64 KB). */
const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

/**
 * The message groups, by key index: each group's messages as rows in send order (ended ones are dropped from the
 * front by the queue), the group's messages in flight, and its entry in the queue's heap of available groups.
 * Typed columns rather than an object per group: with thousands of groups touched in random order, they stay in cache.
 */
export class FifoGroups {
  /** First and last row of the group, -1 while it has none. */
  head: Int32Array = new Int32Array(16).fill(-1);
  tail: Int32Array = new Int32Array(16).fill(-1);
  /** Rows of the group (ended messages not yet dropped included). */
  len: Int32Array = new Int32Array(16);
  inFlight: Int32Array = new Int32Array(16);
  /** The production index of the first message under which the group sits in the heap of available groups, -1 when
   *  it has no entry. */
  heapKey: Float64Array = new Float64Array(16).fill(-1);
  /** The production index of the group's first row's message, -1 while it has none. */
  firstN: Float64Array = new Float64Array(16).fill(-1);

  /** The rows, in pages of PAGE rows (whole blocks): the store grows a page at a time and never copies. */
  private readonly pages: RowPage[] = [];
  private blocksMade = 0;
  /** Blocks whose rows have all been dropped, for reuse. */
  private readonly freeBlocks: number[] = [];
  /** Each producer's size for its messages kept cold. */
  private readonly producerSizes = new ColdSizes();

  /** Make room for group k. */
  ensure(k: number): void {
    if (k < this.len.length) return;
    let cap = this.len.length;
    while (cap <= k) cap *= 2;
    this.head = widerInt(this.head, cap, -1);
    this.tail = widerInt(this.tail, cap, -1);
    this.len = widerInt(this.len, cap, 0);
    this.inFlight = widerInt(this.inFlight, cap, 0);
    const key = new Float64Array(cap).fill(-1);
    key.set(this.heapKey);
    this.heapKey = key;
    this.firstN = widerF64(this.firstN, cap);
  }

  /** Whether a message with these fields can be kept cold: no logical message, a producer index that fits the row,
   *  and the size of that producer's earlier cold messages (the first sets it). */
  canKeepCold(sizeBytes: number, logicalN: number, producer: number): boolean {
    return this.producerSizes.canKeepCold(sizeBytes, logicalN, producer);
  }

  /** Append message n to group k (made room for); `obj` is its object, which it must have unless canKeepCold said
   *  yes to its fields. Returns its row. */
  push(k: number, n: number, sentUs: number, producer: number, state: MsgState, obj: SqsMessage | undefined): number {
    let r: number;
    if (this.len[k] === 0) {
      r = this.newBlock() << BLOCK_BITS;
      this.head[k] = r;
      this.firstN[k] = n;
    } else {
      r = this.tail[k] + 1;
      if ((r & BLOCK_MASK) === 0) {
        const b = this.newBlock();
        this.setNextBlock(r - 1, b);
        r = b << BLOCK_BITS;
      }
    }
    this.tail[k] = r;
    this.len[k]++;
    const page = this.pages[r >>> PAGE_BITS];
    const x = r & PAGE_MASK;
    if (n > 0xffffffff) assert(false, "a production index beyond the FIFO store's 32 bits");
    page.f[x * ROW_F64] = sentUs;
    page.i[x * ROW_I32 + I_N] = n;
    let flags = 0;
    if (obj !== undefined) {
      objectsOf(page)[x] = obj;
      flags = HAS_OBJECT;
    }
    page.i[x * ROW_I32 + I_PRODUCER_STATE] = (producer << 8) | flags | state;
    return r;
  }

  /** Drop group k's rows of ended messages from its front, up to its first live message. */
  dropEnded(k: number): void {
    let len = this.len[k];
    if (len === 0) return;
    let r = this.head[k];
    if (this.state(r) < MsgState.Deleted) return;
    for (;;) {
      if (--len === 0) {
        this.freeBlocks.push(r >>> BLOCK_BITS);
        this.len[k] = 0;
        this.head[k] = -1;
        this.tail[k] = -1;
        this.firstN[k] = -1;
        return;
      }
      const next = this.next(r);
      if ((next ^ r) >>> BLOCK_BITS !== 0) this.freeBlocks.push(r >>> BLOCK_BITS);
      r = next;
      if (this.state(r) < MsgState.Deleted) break;
    }
    this.len[k] = len;
    this.head[k] = r;
    this.firstN[k] = this.nOf(r);
  }

  /** The row after row r in its group (r must not be the group's last). */
  next(r: number): number {
    const s = r + 1;
    return (s & BLOCK_MASK) !== 0 ? s : this.pages[r >>> PAGE_BITS].nextBlock[(r & PAGE_MASK) >>> BLOCK_BITS] << BLOCK_BITS;
  }

  private setNextBlock(r: number, b: number): void {
    this.pages[r >>> PAGE_BITS].nextBlock[(r & PAGE_MASK) >>> BLOCK_BITS] = b;
  }

  /** Production index of row r's message. */
  nOf(r: number): number {
    return this.pages[r >>> PAGE_BITS].i[(r & PAGE_MASK) * ROW_I32 + I_N] >>> 0;
  }

  sentUsOf(r: number): number {
    return this.pages[r >>> PAGE_BITS].f[(r & PAGE_MASK) * ROW_F64];
  }

  state(r: number): MsgState {
    return (this.pages[r >>> PAGE_BITS].i[(r & PAGE_MASK) * ROW_I32 + I_PRODUCER_STATE] & STATE_MASK) as MsgState;
  }

  /** Record row r's new state (its object, if any, is given the same by the caller). An end state drops the row's
   *  hold on the object. */
  setState(r: number, state: MsgState): void {
    const page = this.pages[r >>> PAGE_BITS];
    const x = r & PAGE_MASK;
    const at = x * ROW_I32 + I_PRODUCER_STATE;
    const ps = page.i[at];
    if (state >= MsgState.Deleted) {
      page.i[at] = (ps & ~0xff) | state;
      if ((ps & HAS_OBJECT) !== 0) page.objs![x] = undefined;
    } else page.i[at] = (ps & ~STATE_MASK) | state;
  }

  /** A receive of row r's live message: its state becomes InFlight, and the row counts one more receive (up to 3). */
  setReceived(r: number): void {
    const page = this.pages[r >>> PAGE_BITS];
    const at = (r & PAGE_MASK) * ROW_I32 + I_PRODUCER_STATE;
    const ps = page.i[at];
    const counted = (ps & COUNT_MASK) !== COUNT_MASK ? ps + (1 << COUNT_SHIFT) : ps;
    page.i[at] = (counted & ~STATE_MASK) | MsgState.InFlight;
  }

  /** ApproximateReceiveCount of row r's live message, or 3 when it is 3 or more. */
  receiveCountUpTo3(r: number): number {
    return (this.pages[r >>> PAGE_BITS].i[(r & PAGE_MASK) * ROW_I32 + I_PRODUCER_STATE] & COUNT_MASK) >> COUNT_SHIFT;
  }

  /** Hold row r's message's object (see the header for when). */
  keep(r: number, msg: SqsMessage): void {
    const page = this.pages[r >>> PAGE_BITS];
    const x = r & PAGE_MASK;
    objectsOf(page)[x] = msg;
    page.i[x * ROW_I32 + I_PRODUCER_STATE] |= HAS_OBJECT;
  }

  /** The object of row r's live message (of group k), as held (see keep), or built from its row (visibleAtUs: send
   *  time plus the queue's delay; not held: a caller that leaves the message visible keeps it). */
  get(r: number, k: number, delayUs: number): SqsMessage {
    const page = this.pages[r >>> PAGE_BITS];
    const x = r & PAGE_MASK;
    const at = x * ROW_I32 + I_PRODUCER_STATE;
    const ps = page.i[at];
    if ((ps & HAS_OBJECT) !== 0) return page.objs![x]!;
    const state = (ps & STATE_MASK) as MsgState;
    if (state >= MsgState.Deleted) assert(false, "an object asked for a message that has ended");
    if ((ps & COUNT_MASK) !== 0) assert(false, "a received message has no object held");
    const sentUs = smallInt(page.f[x * ROW_F64]);
    const producer = ps >> 8;
    // The same fields in the same order as the objects the queue's sink builds, so that every message object has
    // one layout; smallInt keeps values read from a float64 column small integers, as there.
    return { n: smallInt(page.i[x * ROW_I32 + I_N] >>> 0), keyIndex: k, sentUs, sizeBytes: this.producerSizes.of(producer), logicalN: -1, receiveCount: 0, state, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, duplicated: false, producer, firstReceiveUs: -1, processedUndeleted: 0 };
  }

  private newBlock(): number {
    const free = this.freeBlocks.pop();
    if (free !== undefined) return free;
    const b = this.blocksMade++;
    if ((b << BLOCK_BITS) >>> PAGE_BITS === this.pages.length) this.pages.push(new RowPage());
    return b;
  }
}

/** PAGE rows: per row the float64 at x * ROW_F64 and the int32s at x * ROW_I32 + I_N and + I_PRODUCER_STATE of
 *  the same buffer; per block the next block of its group; per row the message's object, once the page has one. */
class RowPage {
  readonly f = new Float64Array(PAGE * ROW_F64);
  readonly i = new Int32Array(this.f.buffer);
  readonly nextBlock = new Int32Array(PAGE >>> BLOCK_BITS);
  objs: (SqsMessage | undefined)[] | null = null;
}

function objectsOf(page: RowPage): (SqsMessage | undefined)[] {
  if (page.objs === null) page.objs = new Array<SqsMessage | undefined>(PAGE).fill(undefined);
  return page.objs;
}

function widerF64(old: Float64Array, cap: number): Float64Array {
  const a = new Float64Array(cap).fill(-1);
  a.set(old);
  return a;
}

function widerInt(old: Int32Array, cap: number, fill: number): Int32Array {
  const a = new Int32Array(cap);
  if (fill !== 0) a.fill(fill);
  a.set(old);
  return a;
}

/** Messages per chunk of FifoOrder (4,096). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Production indexes per counted block of FifoOrder's ended bits (1,024: 32 words; a chunk holds 4 whole blocks),
 *  and per superblock (32 blocks, 8 chunks). */
const COUNT_BLOCK_BITS = 10;
const COUNT_BLOCK = 1 << COUNT_BLOCK_BITS;
const SUPER_BITS = 15;
const SUPER = 1 << SUPER_BITS;

/** CHUNK consecutive messages: per slot the group and the row (int32s at slot * 2 and + 1), and a bit set when the
 *  message has ended. */
class OrderChunk {
  readonly ints = new Int32Array(CHUNK * 2);
  readonly ended = new Int32Array(CHUNK >>> 5);
  /** Ended messages per block of 1,024 slots. */
  readonly endedPerBlock = new Int32Array(CHUNK >>> COUNT_BLOCK_BITS);
  /** Ended messages in the whole chunk. */
  endedCount = 0;
}

/** Stands in the store for a chunk whose messages have all ended while an older message still lives (a poison
 *  message at the front keeps every later message's chunk in the store): every bit set and every block counted
 *  full, which is what the chunk it replaces would read, and that chunk's buffers are free for reuse. Never written:
 *  only ended messages map to it, and nothing marks an ended message or reads its group or row. */
const ENDED_ORDER_CHUNK = ((): OrderChunk => {
  const c = new OrderChunk();
  c.ended.fill(-1);
  c.endedPerBlock.fill(COUNT_BLOCK);
  c.endedCount = CHUNK;
  return c;
})();


/**
 * The messages in production order, oldest first. Production indexes of accepted sends are consecutive, so message
 * n is at position n - firstN, and ended messages leave from the front. In fixed-size chunks: the store never copies,
 * and a chunk whose messages have all left is reused. Beside each chunk's ended bits, the number of ended messages in
 * each block of 1,024 production indexes and in each superblock of 32 blocks, so that the queue's positions need no
 * second record of what has ended: marking an end adds to two counts, and endedBetween (asked far less often: only
 * when a group lies deep in the queue) adds whole superblocks, whole blocks at each end, and the bits of at most 32
 * words at each end.
 */
export class FifoOrder {
  private readonly chunks: OrderChunk[] = [];
  /** Production index of the first slot of chunks[0]. */
  private originN = 0;
  private spare: OrderChunk | null = null;
  /** Ended messages per superblock, by production index >>> SUPER_BITS (grown as indexes grow). A superblock's
   *  count is read only when it lies wholly at or after the front, so ended messages of it that left with their
   *  chunk (or came before a restart) never are. */
  private endedPerSuper = new Int32Array(64);
  count = 0;
  /** Production index of the front message. */
  firstN = 0;

  /** Append message n (the next production index) of group k, kept in row `row`. */
  push(n: number, k: number, row: number): void {
    if (n !== this.firstN + this.count) {
      assert(this.count === 0, "messages reach the queue out of production order");
      // An empty store may start again anywhere.
      while (this.chunks.length > 0) this.reuse(this.chunks.pop()!);
      this.originN = n - (n & CHUNK_MASK);
      this.firstN = n;
    }
    const p = n - this.originN;
    const c = p >>> CHUNK_BITS;
    if (c === this.chunks.length) {
      const chunk = this.spare ?? new OrderChunk();
      this.spare = null;
      chunk.ended.fill(0);
      chunk.endedPerBlock.fill(0);
      chunk.endedCount = 0;
      this.chunks.push(chunk);
    }
    const chunk = this.chunks[c];
    const i = p & CHUNK_MASK;
    chunk.ints[i * 2] = k;
    chunk.ints[i * 2 + 1] = row;
    this.count++;
  }

  /** Drop the front message (it has ended). */
  shift(): void {
    const i = (this.firstN - this.originN) & CHUNK_MASK;
    this.count--;
    this.firstN++;
    if (i === CHUNK_MASK) {
      this.reuse(this.chunks.shift()!);
      this.originN += CHUNK;
    }
  }

  /** Keep a chunk that has left the store as the spare for the next one (push clears it); the stand-in for released
   *  chunks is shared and never reused. */
  private reuse(chunk: OrderChunk): void {
    if (chunk !== ENDED_ORDER_CHUNK) this.spare = chunk;
  }

  /** Chunks whose buffers the store still holds: those not released (see ENDED_ORDER_CHUNK), and the spare (what a
   *  test reads to see memory stay bounded). */
  get chunksWithBuffers(): number {
    let held = this.spare === null ? 0 : 1;
    for (const c of this.chunks) if (c !== ENDED_ORDER_CHUNK) held++;
    return held;
  }

  /** Whether message n has ended (messages before the front have). */
  ended(n: number): boolean {
    if (n < this.firstN) return true;
    const p = n - this.originN;
    const i = p & CHUNK_MASK;
    return (this.chunks[p >>> CHUNK_BITS].ended[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Mark live message n ended, and drop ended messages from the front. */
  markEnded(n: number): void {
    const p = n - this.originN;
    const i = p & CHUNK_MASK;
    const c = p >>> CHUNK_BITS;
    const chunk = this.chunks[c];
    chunk.ended[i >>> 5] |= 1 << (i & 31);
    chunk.endedPerBlock[i >>> COUNT_BLOCK_BITS]++;
    // A chunk behind the front whose messages have all ended holds nothing a lookup needs: release it. (The front
    // chunk leaves through shift as the front moves.)
    if (++chunk.endedCount === CHUNK && c > 0) {
      this.chunks[c] = ENDED_ORDER_CHUNK;
      this.reuse(chunk);
    }
    const sb = n >>> SUPER_BITS;
    if (sb >= this.endedPerSuper.length) this.growSupers(sb);
    this.endedPerSuper[sb]++;
    if (n === this.firstN) while (this.count > 0 && this.ended(this.firstN)) this.shift();
  }

  private growSupers(sb: number): void {
    let cap = this.endedPerSuper.length;
    while (cap <= sb) cap *= 2;
    const wider = new Int32Array(cap);
    wider.set(this.endedPerSuper);
    this.endedPerSuper = wider;
  }

  /** Ended messages with production indexes from `fromN` up to (not including) `toN`, both at or after the front
   *  and at most one past the last message. */
  endedBetween(fromN: number, toN: number): number {
    let s = 0;
    let x = fromN;
    // Bits up to the end of fromN's block (or to toN).
    const firstEnd = Math.min(toN, (x | (COUNT_BLOCK - 1)) + 1);
    if (x < firstEnd) {
      s += this.bitsBetween(x, firstEnd);
      x = firstEnd;
    }
    // Whole blocks up to a superblock's start, whole superblocks, then whole blocks.
    while (x + COUNT_BLOCK <= toN && (x & (SUPER - 1)) !== 0) {
      s += this.blockCount(x);
      x += COUNT_BLOCK;
    }
    while (x + SUPER <= toN) {
      s += this.endedPerSuper[x >>> SUPER_BITS];
      x += SUPER;
    }
    while (x + COUNT_BLOCK <= toN) {
      s += this.blockCount(x);
      x += COUNT_BLOCK;
    }
    // Bits of toN's block before it.
    if (x < toN) s += this.bitsBetween(x, toN);
    return s;
  }

  /** Ended messages in the block that starts at production index x (at or after the front). */
  private blockCount(x: number): number {
    const p = x - this.originN;
    return this.chunks[p >>> CHUNK_BITS].endedPerBlock[(p & CHUNK_MASK) >>> COUNT_BLOCK_BITS];
  }

  /** Ended messages from production index a up to (not including) b, both in one block, a held by the store. */
  private bitsBetween(a: number, b: number): number {
    const p = a - this.originN;
    const bits = this.chunks[p >>> CHUNK_BITS].ended;
    const i = p & CHUNK_MASK;
    const j = i + (b - a); // b's slot in the same chunk (at most the chunk's end)
    let s = 0;
    let w = i >>> 5;
    const wEnd = j >>> 5;
    if (w === wEnd) return popcount(bits[w] & lowBits(j & 31) & ~lowBits(i & 31));
    s += popcount(bits[w] & ~lowBits(i & 31));
    for (w++; w < wEnd; w++) s += popcount(bits[w]);
    if ((j & 31) !== 0) s += popcount(bits[wEnd] & lowBits(j & 31));
    return s;
  }

  groupOf(n: number): number {
    const p = n - this.originN;
    return this.chunks[p >>> CHUNK_BITS].ints[(p & CHUNK_MASK) * 2];
  }

  rowOf(n: number): number {
    const p = n - this.originN;
    return this.chunks[p >>> CHUNK_BITS].ints[(p & CHUNK_MASK) * 2 + 1];
  }
}

/** The low `k` bits set (k from 0 to 31). */
function lowBits(k: number): number {
  return ~(-1 << k);
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
