/**
 * State the checkers keep per record or per key, in typed arrays indexed by the record's production index (0, 1,
 * 2, ... in production order) or by the key's index in the run's key table, rather than in Maps and Sets with an
 * entry per record or made anew for each batch. Anything else a hand-made trace may carry in those fields (a
 * negative or fractional index, another object with a record's index) is kept in a Map, so the checkers give the
 * same answers for every trace.
 *
 * What they hold grows with what a run keeps open, not with the records it produced: a batch's positions are the
 * current batch's alone, a state that comes and goes is dropped with its chunk, and final states that are all alike
 * share one chunk (StateTable). */
import type { SimRecord } from "../trace/events.js";

/** Indexes per chunk: a table is made of chunks of this many numbers, each made when an index in it is first set. */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/** An index the chunks hold: an integer from 0 to 2^32 - 1 (-0 counts as 0, as it does for a Map key). */
const isIndex = (i: number): boolean => i >>> 0 === i;

/** What a table's numbers can be: any number, or (in less memory) integers of 32 bits, or of 0..255. */
export type TableValues = "float64" | "int32" | "uint8";

/**
 * A number per index, `missing` where none was set. The indexes are held in chunks of 4,096, made as they are first
 * needed, so the table grows without copying and an index far beyond the others costs one chunk; anything that is
 * not such an index (negative, fractional, not a number) is kept in a Map.
 *
 * With `dropsEmptyChunks`, a table counts the indexes of each chunk that hold something other than `missing`, and
 * drops a chunk once none does (`clear`): a table whose entries come and go (a record's state while it is in
 * flight) then holds what is live, not every index ever set.
 */
export class NumberTable {
  private readonly chunks: (Float64Array | Int32Array | Uint8Array | undefined)[] = [];
  private readonly others = new Map<number, number>();
  /** With dropsEmptyChunks: per chunk, how many of its indexes hold something other than `missing`. */
  private readonly setCounts: number[] | null;

  constructor(
    private readonly missing: number,
    private readonly kind: TableValues = "float64",
    dropsEmptyChunks = false,
  ) {
    this.setCounts = dropsEmptyChunks ? [] : null;
  }

  get(i: number): number {
    if (isIndex(i)) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      return chunk === undefined ? this.missing : chunk[i & CHUNK_MASK];
    }
    if (this.others.size === 0) return this.missing;
    return this.others.get(i) ?? this.missing;
  }

  set(i: number, v: number): void {
    if (!isIndex(i)) {
      if (this.setCounts !== null && sameNumber(v, this.missing)) this.others.delete(i);
      else this.others.set(i, v);
      return;
    }
    const c = i >>> CHUNK_BITS;
    const counts = this.setCounts;
    if (counts === null) {
      (this.chunks[c] ??= this.newChunk())[i & CHUNK_MASK] = v;
      return;
    }
    const isMissing = sameNumber(v, this.missing);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      if (isMissing) return;
      chunk = this.chunks[c] = this.newChunk();
      counts[c] = 0;
    }
    const wasMissing = sameNumber(chunk[i & CHUNK_MASK], this.missing);
    chunk[i & CHUNK_MASK] = v;
    if (wasMissing === isMissing) return;
    counts[c] += isMissing ? -1 : 1;
    if (counts[c] === 0) this.chunks[c] = undefined;
  }

  /** Set index `i` back to `missing`. */
  clear(i: number): void {
    this.set(i, this.missing);
  }

  /** How many chunks the table holds now (for tests of its memory). */
  get chunkCount(): number {
    let n = 0;
    for (const chunk of this.chunks) if (chunk !== undefined) n++;
    return n;
  }

  private newChunk(): Float64Array | Int32Array | Uint8Array {
    const size = CHUNK_MASK + 1;
    const chunk = this.kind === "int32" ? new Int32Array(size) : this.kind === "uint8" ? new Uint8Array(size) : new Float64Array(size);
    return this.missing === 0 ? chunk : chunk.fill(this.missing);
  }
}

/** Equal as stored numbers: NaN equals NaN (a Float64Array's NaN reads back as NaN). */
const sameNumber = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/**
 * A small state (1 to 255; 0 for none) per index, for states that are final: once every index of a chunk of 4,096
 * holds a state and they all hold the same one, the chunk is swapped for one shared, read-only chunk of that state.
 * A run whose records nearly all end the same way (succeeded) then keeps a few bytes per 4,096 records rather than
 * one per record; a chunk of mixed states keeps its byte per index. Anything that is not an array index is kept in
 * a Map.
 */
export class StateTable {
  private readonly chunks: (Uint8Array | undefined)[] = [];
  /** Per chunk: how many of its indexes hold a state. */
  private readonly counts: number[] = [];
  private readonly others = new Map<number, number>();

  get(i: number): number {
    if (isIndex(i)) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      return chunk === undefined ? 0 : chunk[i & CHUNK_MASK];
    }
    if (this.others.size === 0) return 0;
    return this.others.get(i) ?? 0;
  }

  set(i: number, state: number): void {
    if (!isIndex(i)) {
      this.others.set(i, state);
      return;
    }
    const c = i >>> CHUNK_BITS;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = this.chunks[c] = new Uint8Array(CHUNK_MASK + 1);
      this.counts[c] = 0;
    } else if (SHARED[chunk[0]] === chunk) {
      if (chunk[0] === state) return;
      // A shared chunk is never written: the chunk is one of its own again.
      chunk = this.chunks[c] = chunk.slice();
    }
    const before = chunk[i & CHUNK_MASK];
    chunk[i & CHUNK_MASK] = state;
    if ((before === 0) === (state === 0)) return;
    this.counts[c] += state === 0 ? -1 : 1;
    if (this.counts[c] === CHUNK_MASK + 1) this.share(c, chunk);
  }

  /** How many chunks of its own the table holds now, shared ones left out (for tests of its memory). */
  get ownChunkCount(): number {
    let n = 0;
    for (const chunk of this.chunks) if (chunk !== undefined && SHARED[chunk[0]] !== chunk) n++;
    return n;
  }

  /** A chunk whose every index holds a state: swapped for the shared chunk of that state if they are all one. */
  private share(c: number, chunk: Uint8Array): void {
    const state = chunk[0];
    for (let j = 1; j <= CHUNK_MASK; j++) if (chunk[j] !== state) return;
    this.chunks[c] = SHARED[state] ??= new Uint8Array(CHUNK_MASK + 1).fill(state);
  }
}

/** The shared chunks of StateTable, by state. */
const SHARED: (Uint8Array | undefined)[] = [];

/** The most production indexes a batch's span may cover to be looked up in RecordPositions' window (4 MB of it). */
const WINDOW_MAX = 1 << 20;
const MAX_INT32 = 2 ** 31 - 1;

/**
 * The records of one list (a batch), by identity as a Set<SimRecord> holds them, and where each first is in it;
 * one object serves every batch and holds only what the current list needs. A list whose production indexes are
 * integers spanning at most WINDOW_MAX (a stream's batch takes its shard's share of the records produced meanwhile,
 * a queue's batch the messages received together) is looked up in a window over that span: slot n - min holds the
 * number of the record's first position. Positions are numbered on from one list to the next, so a slot numbered
 * before the current list is left over from an earlier one and taking the next list clears nothing. Any other list
 * goes through a Map of its indexes. Another object with the production index of one already in the list is kept
 * in a Map of its own.
 */
export class RecordPositions {
  private list: readonly SimRecord[] = [];
  /** The window, grown to the widest span a list has had (up to WINDOW_MAX), -1 in slots never used. */
  private window = new Int32Array(0);
  /** The production index of the window's slot 0 for the current list; NaN when the list uses the Map. */
  private minN = NaN;
  /** The number of the current list's position 0. */
  private start = 0;
  private readonly firstAtN = new Map<number, number>();
  private readonly others = new Map<SimRecord, number>();

  /** `lastNumber`: the largest position number the window holds (32-bit integers); a test makes it small. */
  constructor(private readonly lastNumber = MAX_INT32) {}

  /** Take the records of `list` in place of the previous list's. */
  load(list: readonly SimRecord[]): void {
    this.start += this.list.length;
    this.list = list;
    if (this.others.size > 0) this.others.clear();
    if (this.firstAtN.size > 0) this.firstAtN.clear();
    this.minN = NaN;
    let min = Infinity;
    let max = -Infinity;
    let integers = true;
    for (let i = 0; i < list.length; i++) {
      const n = list[i].n;
      if (!Number.isSafeInteger(n)) {
        integers = false;
        break;
      }
      if (n < min) min = n;
      if (n > max) max = n;
    }
    const span = max - min + 1;
    if (list.length > 0 && integers && span <= WINDOW_MAX) this.loadWindow(list, min, span);
    else this.loadMap(list);
  }

  private loadWindow(list: readonly SimRecord[], min: number, span: number): void {
    if (span > this.window.length) {
      let size = Math.max(1024, this.window.length);
      while (size < span) size *= 2;
      this.window = new Int32Array(size).fill(-1);
      this.start = 0;
    }
    // When the numbers would pass what the window holds, number again from 0.
    if (this.start + list.length - 1 > this.lastNumber) {
      this.window.fill(-1);
      this.start = 0;
    }
    this.minN = min;
    const window = this.window;
    const start = this.start;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const w = r.n - min;
      const at = window[w] - start;
      if (at < 0) window[w] = start + i;
      else if (list[at] !== r && !this.others.has(r)) this.others.set(r, i);
    }
  }

  private loadMap(list: readonly SimRecord[]): void {
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const at = this.firstAtN.get(r.n);
      if (at === undefined) this.firstAtN.set(r.n, i);
      else if (list[at] !== r && !this.others.has(r)) this.others.set(r, i);
    }
  }

  /** Where `r` (this object) first is in the list, or -1 when it is not in it. */
  firstAt(r: SimRecord): number {
    // Outside the window (or at a fractional place in it) the slot reads undefined, and the difference NaN.
    const at = this.minN === this.minN ? this.window[r.n - this.minN] - this.start : (this.firstAtN.get(r.n) ?? -1);
    if (at >= 0 && at < this.list.length && this.list[at] === r) return at;
    return this.others.size > 0 ? (this.others.get(r) ?? -1) : -1;
  }

  has(r: SimRecord): boolean {
    return this.firstAt(r) !== -1;
  }
}

/**
 * Objects by a number key, for entries that come and go as fast as they are added (a batch in flight, by its
 * invocation number): the objects sit in a list of slots, reused through a free list, and a Map holds only each
 * key's slot. A deleted entry's slot is cleared at once.
 *
 * Why not a Map: in V8, a Map of objects whose entries are deleted as fast as they are added can keep young-generation
 * collections from freeing those objects (and what they hold: a batch's records) until a full collection; likely the
 * tables a Map leaves behind as it is rebuilt still hold its deleted entries. On a checked
 * bench/scenarios/kinesis-steady.yaml that happens in some processes and not others, and in every one with V8's
 * collector on one thread (`node --single-threaded-gc`): there, Maps take 2.4 to 2.6 s and 185 to 210 MB, these
 * tables 1.35 to 1.4 s and 116 to 119 MB.
 */
export class SlotTable<V> {
  private readonly slotOf = new Map<number, number>();
  private readonly slots: (V | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.slotOf.size;
  }

  get(key: number): V | undefined {
    const i = this.slotOf.get(key);
    return i === undefined ? undefined : this.slots[i];
  }

  set(key: number, value: V): void {
    let i = this.slotOf.get(key);
    if (i === undefined) {
      i = this.free.length > 0 ? this.free.pop()! : this.slots.length;
      this.slotOf.set(key, i);
    }
    this.slots[i] = value;
  }

  delete(key: number): boolean {
    const i = this.slotOf.get(key);
    if (i === undefined) return false;
    this.slotOf.delete(key);
    this.slots[i] = undefined;
    this.free.push(i);
    return true;
  }
}
