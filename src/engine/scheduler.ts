/**
 * The event queue and run loop. Knows nothing of AWS.
 *
 * Events are ordered by (time, priority, insertion sequence): equal-time events of equal priority run in
 * the order they were scheduled, always. The heap is kept as parallel arrays (struct of arrays) so that
 * a push or pop allocates nothing but the action reference.
 */
import { assert } from "./assert.js";

export type Action = () => void;

export class Scheduler {
  /** Current virtual time in microseconds. */
  nowUs = 0;
  /** Number of events run so far. */
  eventsRun = 0;

  private timeUs: number[] = [];
  private prio: number[] = [];
  private seq: number[] = [];
  private actions: Action[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.actions.length;
  }

  /** Run `action` at `atUs` (never in the past). Lower `priority` runs first among equal times. */
  at(atUs: number, action: Action, priority = 0): void {
    // Checked before calling assert so that no message closure is made per event.
    if (!Number.isInteger(atUs)) assert(false, `event time must be an integer (got ${atUs})`);
    if (atUs < this.nowUs) assert(false, `cannot schedule in the past: ${atUs} < ${this.nowUs}`);
    const s = this.nextSeq++;
    let i = this.actions.length;
    this.timeUs.push(atUs);
    this.prio.push(priority);
    this.seq.push(s);
    this.actions.push(action);
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(atUs, priority, s, p)) break;
      this.move(p, i);
      i = p;
    }
    this.put(i, atUs, priority, s, action);
  }

  /** Run `action` after `delayUs` from now. */
  after(delayUs: number, action: Action, priority = 0): void {
    this.at(this.nowUs + delayUs, action, priority);
  }

  /** Time of the next event, or Infinity when none is pending. */
  peekTimeUs(): number {
    return this.actions.length > 0 ? this.timeUs[0] : Infinity;
  }

  /** Pop and run the next event. Returns false when the queue is empty. */
  step(): boolean {
    const n = this.actions.length;
    if (n === 0) return false;
    const action = this.actions[0];
    this.nowUs = this.timeUs[0];
    const lastT = this.timeUs.pop()!;
    const lastP = this.prio.pop()!;
    const lastS = this.seq.pop()!;
    const lastA = this.actions.pop()!;
    if (n > 1) {
      // sift the last element down from the root
      let i = 0;
      const m = n - 1;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        const c = r < m && this.lessIdx(r, l) ? r : l;
        if (!this.less(this.timeUs[c], this.prio[c], this.seq[c], -1, lastT, lastP, lastS)) break;
        this.move(c, i);
        i = c;
      }
      this.put(i, lastT, lastP, lastS, lastA);
    }
    this.eventsRun++;
    action();
    return true;
  }

  private put(i: number, t: number, p: number, s: number, a: Action): void {
    this.timeUs[i] = t;
    this.prio[i] = p;
    this.seq[i] = s;
    this.actions[i] = a;
  }

  private move(from: number, to: number): void {
    this.timeUs[to] = this.timeUs[from];
    this.prio[to] = this.prio[from];
    this.seq[to] = this.seq[from];
    this.actions[to] = this.actions[from];
  }

  private lessIdx(a: number, b: number): boolean {
    return this.less(this.timeUs[a], this.prio[a], this.seq[a], b);
  }

  /** Is (t, p, s) ordered before the entry at index j (or before (tj, pj, sj) when j < 0)? */
  private less(t: number, p: number, s: number, j: number, tj?: number, pj?: number, sj?: number): boolean {
    const ot = j >= 0 ? this.timeUs[j] : tj!;
    if (t !== ot) return t < ot;
    const op = j >= 0 ? this.prio[j] : pj!;
    if (p !== op) return p < op;
    return s < (j >= 0 ? this.seq[j] : sj!);
  }
}
