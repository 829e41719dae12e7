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
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(key, value, this.keys[parent], this.vals[parent])) break;
      this.keys[i] = this.keys[parent];
      this.vals[i] = this.vals[parent];
      i = parent;
    }
    this.keys[i] = key;
    this.vals[i] = value;
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
    const key = this.keys[last];
    const value = this.vals[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && this.less(this.keys[r], this.vals[r], this.keys[l], this.vals[l]) ? r : l;
      if (!this.less(this.keys[c], this.vals[c], key, value)) break;
      this.keys[i] = this.keys[c];
      this.vals[i] = this.vals[c];
      i = c;
    }
    if (last > 0) {
      this.keys[i] = key;
      this.vals[i] = value;
    }
  }

  private less(k1: number, v1: number, k2: number, v2: number): boolean {
    return k1 < k2 || (k1 === k2 && v1 < v2);
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
