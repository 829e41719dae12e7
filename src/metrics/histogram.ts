/**
 * Percentiles of a stream of non-negative integers (microseconds) in bounded memory. Exact (nearest rank) while
 * at most EXACT_LIMIT values have been seen; beyond that, a log-linear histogram with 1,024 sub-buckets per power
 * of two (relative error under 0.1%), in a fixed-size array.
 */
const EXACT_LIMIT = 65_536;
const SUB_BITS = 10;
const SUB = 1 << SUB_BITS; // 1024
const HALF = SUB >> 1;
const MAX_EXP = 52;

export class Percentiles {
  count = 0;
  max = 0;
  /** The values while exact (the first `count` slots), in a typed array that doubles as it fills. */
  private exact: Float64Array | null = new Float64Array(64);
  private buckets: Float64Array | null = null;
  /** The exact values copied for selection (valid while its length is `count`: nothing added since): a report
   *  asks each collector for several quantiles, and selection only reorders the copy. */
  private selection: Float64Array | null = null;
  /** The rank last selected in `selection` (-1 none): selection leaves it in its sorted place, nothing larger before
   *  it and nothing smaller after, so the next selection searches only the side its rank is on. */
  private selectedK = -1;

  add(v: number): void {
    const i = this.count++;
    if (v > this.max) this.max = v;
    const exact = this.exact;
    if (exact === null) {
      this.buckets![bucketOf(v)]++;
      return;
    }
    if (i < exact.length) exact[i] = v;
    else this.growExact(v);
  }

  /** The exact values' array is full: double it, or past EXACT_LIMIT values move to the histogram. */
  private growExact(v: number): void {
    const exact = this.exact!;
    const n = this.count - 1;
    if (n < EXACT_LIMIT) {
      const next = new Float64Array(Math.min(exact.length * 2, EXACT_LIMIT + 1));
      next.set(exact);
      next[n] = v;
      this.exact = next;
      return;
    }
    const buckets = new Float64Array(SUB + HALF * MAX_EXP);
    for (let k = 0; k < n; k++) buckets[bucketOf(exact[k])]++;
    buckets[bucketOf(v)]++;
    this.buckets = buckets;
    this.exact = null;
  }

  /** Nearest-rank percentile, q in (0, 1]. 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (this.exact) {
      // The rank-th smallest by selection (linear time), not by sorting every value: a report asks for a few
      // quantiles of each of many collectors.
      let sel = this.selection;
      if (sel === null || sel.length !== this.count) {
        sel = this.selection = this.exact.slice(0, this.count);
        this.selectedK = -1;
      }
      const k = rank - 1;
      const last = this.selectedK;
      this.selectedK = k;
      if (last < 0) return kthSmallest(sel, k);
      if (k === last) return sel[k];
      return k > last ? kthSmallest(sel, k, last + 1, sel.length - 1) : kthSmallest(sel, k, 0, last - 1);
    }
    let seen = 0;
    const b = this.buckets!;
    for (let i = 0; i < b.length; i++) {
      seen += b[i];
      if (seen >= rank) return Math.min(upperOf(i), this.max);
    }
    return this.max;
  }
}

/**
 * The k-th smallest value (0-based) of `a`, which it reorders: Hoare's selection with a median-of-three pivot. With
 * `lo` and `hi`, only a[lo..hi] is searched and reordered: the caller knows that k is in that range and that no value
 * before it is larger, and none after it smaller, than any value within it. On return a[k] is in its sorted place.
 */
export function kthSmallest(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // order a[lo] <= a[mid] <= a[hi]; a[mid] is the pivot
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // now a[lo..j] <= pivot <= a[i..hi], and lo..j, j+1..i-1 (equal to pivot), i..hi partition the range
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Position of the highest set bit of a non-negative integer below 2^53. */
function highBit(x: number): number {
  if (x < 0x1_0000_0000) return 31 - Math.clz32(x);
  return 63 - Math.clz32(Math.floor(x / 0x1_0000_0000));
}

function bucketOf(v: number): number {
  const x = Math.max(0, Math.floor(v));
  if (x < SUB) return x;
  if (x < 0x1_0000_0000) {
    // Below 2^32 (any duration under 71 minutes): integer shifts, the same bucket as the general path below.
    const e1 = 31 - Math.clz32(x) - (SUB_BITS - 1);
    return SUB + (e1 - 1) * HALF + ((x >>> e1) - HALF);
  }
  const e = highBit(x) - (SUB_BITS - 1);
  const m = Math.floor(x / 2 ** e);
  return SUB + (e - 1) * HALF + (m - HALF);
}

function upperOf(i: number): number {
  if (i < SUB) return i;
  const e = Math.floor((i - SUB) / HALF) + 1;
  const m = ((i - SUB) % HALF) + HALF;
  return (m + 1) * 2 ** e - 1;
}
