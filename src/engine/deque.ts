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
