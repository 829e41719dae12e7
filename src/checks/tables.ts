/**
 * State the checkers keep per record or per key, in typed arrays indexed by the record's production index (0, 1,
 * 2, ... in production order) or by the key's index in the run's key table, rather than in Maps and Sets with an
 * entry per record or made anew for each batch. Anything else a hand-made trace may carry in those fields (a
 * negative or fractional index, another object with a record's index) is kept in a Map, so the checkers give the
 * same answers for every trace.
 */
import type { SimRecord } from "../trace/events.js";

const MAX_INT32 = 2 ** 31 - 1;

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
 */
export class NumberTable {
  private readonly chunks: (Float64Array | Int32Array | Uint8Array | undefined)[] = [];
  private readonly others = new Map<number, number>();

  constructor(
    private readonly missing: number,
    private readonly kind: TableValues = "float64",
  ) {}

  get(i: number): number {
    if (isIndex(i)) {
      const chunk = this.chunks[i >>> CHUNK_BITS];
      return chunk === undefined ? this.missing : chunk[i & CHUNK_MASK];
    }
    if (this.others.size === 0) return this.missing;
    return this.others.get(i) ?? this.missing;
  }

  set(i: number, v: number): void {
    if (isIndex(i)) (this.chunks[i >>> CHUNK_BITS] ??= this.newChunk())[i & CHUNK_MASK] = v;
    else this.others.set(i, v);
  }

  private newChunk(): Float64Array | Int32Array | Uint8Array {
    const size = CHUNK_MASK + 1;
    const chunk = this.kind === "int32" ? new Int32Array(size) : this.kind === "uint8" ? new Uint8Array(size) : new Float64Array(size);
    return this.missing === 0 ? chunk : chunk.fill(this.missing);
  }
}

/**
 * The records of one list (a batch), by identity as a Set<SimRecord> holds them, and where each first is in it;
 * one object serves every batch. Positions are numbered on from one list to the next (the second list's first
 * position is the first list's length, and so on), and a record's slot, at its production index, holds the number
 * of its first position: a slot numbered before the current list is left over from an earlier one, so taking the
 * next list clears nothing. Another object with the production index of one already in the list is kept in a Map.
 */
export class RecordPositions {
  private slots = new NumberTable(-1, "int32");
  /** The number of the current list's position 0. */
  private start = 0;
  private list: readonly SimRecord[] = [];
  private readonly others = new Map<SimRecord, number>();

  /** `lastNumber`: the largest position number the slots hold (32-bit integers); a test makes it small. */
  constructor(private readonly lastNumber = MAX_INT32) {}

  /** Take the records of `list` in place of the previous list's. */
  load(list: readonly SimRecord[]): void {
    this.start += this.list.length;
    // When the numbers would pass what the slots hold, number again from 0 in new slots.
    if (this.start + list.length - 1 > this.lastNumber) {
      this.slots = new NumberTable(-1, "int32");
      this.start = 0;
    }
    this.list = list;
    if (this.others.size > 0) this.others.clear();
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const at = this.slotOf(r.n);
      if (at === -1) this.slots.set(r.n, this.start + i);
      else if (list[at] !== r && !this.others.has(r)) this.others.set(r, i);
    }
  }

  /** Where `r` (this object) first is in the list, or -1 when it is not in it. */
  firstAt(r: SimRecord): number {
    const at = this.slotOf(r.n);
    if (at !== -1 && this.list[at] === r) return at;
    return this.others.size > 0 ? (this.others.get(r) ?? -1) : -1;
  }

  has(r: SimRecord): boolean {
    return this.firstAt(r) !== -1;
  }

  /** The position in the current list that the slot of production index `n` gives, or -1. */
  private slotOf(n: number): number {
    const at = this.slots.get(n) - this.start;
    return at >= 0 && at < this.list.length ? at : -1;
  }
}
