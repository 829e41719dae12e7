/** A growable FIFO with O(1) push and shift that compacts itself; holds items and an optional number per item. */
export class Deque<T> {
  private items: T[] = [];
  private nums: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T, num = 0): void {
    this.items.push(item);
    this.nums.push(num);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  peekNum(): number {
    return this.head < this.items.length ? this.nums[this.head] : Infinity;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    (this.items as unknown[])[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.nums = this.nums.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Iterate the live items in order (read-only). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }
}
