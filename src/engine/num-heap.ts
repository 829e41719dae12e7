/**
 * A binary min-heap of (key, value) number pairs in typed arrays: smallest key first, ties by smaller value, so
 * the order is fully determined by the contents (never by insertion order).
 */
export class NumHeap {
  private keys = new Float64Array(16);
  private vals = new Float64Array(16);
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(key: number, value: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(this.n * 2);
      const v = new Float64Array(this.n * 2);
      k.set(this.keys);
      v.set(this.vals);
      this.keys = k;
      this.vals = v;
    }
    // The arrays in locals and the comparison written out: the loop then reads no field of the heap.
    const keys = this.keys;
    const vals = this.vals;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (!(key < pk || (key === pk && value < vals[parent]))) break;
      keys[i] = pk;
      vals[i] = vals[parent];
      i = parent;
    }
    keys[i] = key;
    vals[i] = value;
  }

  /** Key of the smallest entry, Infinity when empty. */
  peekKey(): number {
    return this.n > 0 ? this.keys[0] : Infinity;
  }

  /** Value of the smallest entry, -1 when empty. */
  peekValue(): number {
    return this.n > 0 ? this.vals[0] : -1;
  }

  pop(): void {
    if (this.n === 0) return;
    const last = --this.n;
    const keys = this.keys;
    const vals = this.vals;
    const key = keys[last];
    const value = vals[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      let ck = keys[l];
      if (r < last) {
        const rk = keys[r];
        if (rk < ck || (rk === ck && vals[r] < vals[l])) {
          c = r;
          ck = rk;
        }
      }
      const cv = vals[c];
      if (!(ck < key || (ck === key && cv < value))) break;
      keys[i] = ck;
      vals[i] = cv;
      i = c;
    }
    if (last > 0) {
      keys[i] = key;
      vals[i] = value;
    }
  }
}

/**
 * Counts over integer positions 0, 1, 2, ... (a Fenwick tree that doubles as positions grow): add at a position,
 * and the sum over every position below one, both in O(log n).
 */
export class PrefixCounts {
  private cap = 1024;
  /** tree[i] (1-based) holds the sum over positions i - lowbit(i) .. i - 1. */
  private tree = new Int32Array(1025);

  add(pos: number, delta: number): void {
    while (pos >= this.cap) this.grow();
    for (let i = pos + 1; i <= this.cap; i += i & -i) this.tree[i] += delta;
  }

  /** Sum of counts at positions 0 .. pos-1. */
  below(pos: number): number {
    let s = 0;
    for (let i = Math.min(pos, this.cap); i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }

  private grow(): void {
    // Doubled, the new top index covers every old position; the other new indices cover only new (empty) ones.
    const total = this.below(this.cap);
    const next = new Int32Array(this.cap * 2 + 1);
    next.set(this.tree);
    next[this.cap * 2] = total;
    this.cap *= 2;
    this.tree = next;
  }
}

/**
 * A set of integer positions 0, 1, 2, ... that only grows, with the count of members below a position: one bit per
 * position plus a PrefixCounts over blocks of 1024 positions. Adding touches one word of a compact bitmap and a
 * small tree (both stay in cache where a tree over every position would not); counting sums the tree over whole
 * blocks and the bits of at most 32 words.
 */
export class PrefixBits {
  private bits = new Int32Array(1024);
  private readonly blocks = new PrefixCounts();

  /** Add `pos` (it must not be a member yet). */
  add(pos: number): void {
    const w = pos >>> 5;
    while (w >= this.bits.length) {
      const next = new Int32Array(this.bits.length * 2);
      next.set(this.bits);
      this.bits = next;
    }
    this.bits[w] |= 1 << (pos & 31);
    this.blocks.add(pos >>> 10, 1);
  }

  /** Members at positions 0 .. pos-1. */
  below(pos: number): number {
    let s = this.blocks.below(pos >>> 10);
    const bits = this.bits;
    const w = pos >>> 5;
    const end = w < bits.length ? w : bits.length;
    for (let i = (pos >>> 10) << 5; i < end; i++) s += popcount(bits[i]);
    if (w < bits.length) s += popcount(bits[w] & ((1 << (pos & 31)) - 1));
    return s;
  }
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
