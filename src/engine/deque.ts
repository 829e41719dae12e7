/**
 * A FIFO ring buffer with O(1) push and shift, holding an item and a number per entry (numbers in a typed array,
 * so pushing allocates nothing until the ring doubles).
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private nums: Float64Array;
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.items = new Array<T | undefined>(cap);
    this.nums = new Float64Array(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T, num = 0): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.items[i] = item;
    this.nums[i] = num;
    this.count++;
  }

  peek(): T | undefined {
    return this.count > 0 ? this.items[this.head] : undefined;
  }

  peekNum(): number {
    return this.count > 0 ? this.nums[this.head] : Infinity;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** The k-th item from the front (0 = the front), or undefined past the end. */
  at(k: number): T | undefined {
    return k < this.count ? this.items[(this.head + k) & this.mask] : undefined;
  }

  /** Iterate the live items in order (read-only). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let k = 0; k < this.count; k++) yield this.items[(this.head + k) & this.mask] as T;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const items = new Array<T | undefined>(cap);
    const nums = new Float64Array(cap);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      items[k] = this.items[i];
      nums[k] = this.nums[i];
    }
    this.items = items;
    this.nums = nums;
    this.head = 0;
    this.mask = cap - 1;
  }
}

/** A FIFO ring buffer of numbers only (a typed array; no item slots). */
export class NumDeque {
  // A plain array of small integers (cheaper to allocate than a typed array for the many short rings of a FIFO queue).
  private nums: number[] = new Array<number>(16).fill(0);
  private head = 0;
  private count = 0;
  private mask = 15;

  get length(): number {
    return this.count;
  }

  push(num: number): void {
    if (this.count > this.mask) this.grow();
    this.nums[(this.head + this.count) & this.mask] = num;
    this.count++;
  }

  /** The front number, Infinity when empty. */
  peek(): number {
    return this.count > 0 ? this.nums[this.head] : Infinity;
  }

  shift(): void {
    if (this.count === 0) return;
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** The k-th number from the front (k must be below length). */
  at(k: number): number {
    return this.nums[(this.head + k) & this.mask];
  }

  private grow(): void {
    // Full when it grows: the numbers are head..end, then 0..head.
    const old = this.nums;
    const nums = new Array<number>(old.length * 2).fill(0);
    for (let k = 0; k < old.length; k++) nums[k] = old[(this.head + k) & this.mask];
    this.nums = nums;
    this.head = 0;
    this.mask = nums.length - 1;
  }
}

/**
 * A FIFO of numbers kept as runs of consecutive integers: pushing v right after v - 1 extends the last run, so a
 * long stretch of consecutive entries (indexes pushed in order) takes one run, not one slot each. Entries must be
 * integers.
 */
export class RunDeque {
  private starts = new Float64Array(16);
  /** Each run's end, exclusive. */
  private ends = new Float64Array(16);
  private head = 0;
  private runs = 0;
  private mask = 15;
  /** Entries (not runs). */
  length = 0;

  push(v: number): void {
    if (this.runs > 0) {
      const last = (this.head + this.runs - 1) & this.mask;
      if (this.ends[last] === v) {
        this.ends[last] = v + 1;
        this.length++;
        return;
      }
    }
    if (this.runs > this.mask) this.grow();
    const i = (this.head + this.runs) & this.mask;
    this.starts[i] = v;
    this.ends[i] = v + 1;
    this.runs++;
    this.length++;
  }

  /** Push v, v + 1, ..., v + count - 1: the same as `count` pushes, in one step. */
  pushRun(v: number, count: number): void {
    if (count <= 0) return;
    this.push(v);
    this.ends[(this.head + this.runs - 1) & this.mask] = v + count;
    this.length += count - 1;
  }

  /** The front entry (the deque must not be empty). */
  peek(): number {
    return this.starts[this.head];
  }

  /** Drop the first `count` entries (at most length): the same as `count` shifts. */
  shiftMany(count: number): void {
    let left = Math.min(count, this.length);
    this.length -= left;
    while (left > 0) {
      const h = this.head;
      const inRun = this.ends[h] - this.starts[h];
      if (left < inRun) {
        this.starts[h] += left;
        return;
      }
      left -= inRun;
      this.head = (h + 1) & this.mask;
      this.runs--;
    }
  }

  shift(): void {
    if (this.length === 0) return;
    this.length--;
    const h = this.head;
    if (++this.starts[h] === this.ends[h]) {
      this.head = (h + 1) & this.mask;
      this.runs--;
    }
  }

  private grow(): void {
    // Full when it grows: the runs are head..end, then 0..head.
    const n = this.mask + 1;
    const starts = new Float64Array(n * 2);
    const ends = new Float64Array(n * 2);
    starts.set(this.starts.subarray(this.head), 0);
    starts.set(this.starts.subarray(0, this.head), n - this.head);
    ends.set(this.ends.subarray(this.head), 0);
    ends.set(this.ends.subarray(0, this.head), n - this.head);
    this.starts = starts;
    this.ends = ends;
    this.head = 0;
    this.mask = n * 2 - 1;
  }
}
