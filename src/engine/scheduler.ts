/**
 * The event queue and run loop. Knows nothing of AWS.
 *
 * Events are ordered by (time, priority, insertion sequence): equal-time events of equal priority run in
 * the order they were scheduled, always. The heap is kept as parallel typed arrays (struct of arrays) with
 * the tie-break folded into one number, so a push or pop allocates nothing and compares at most two floats.
 */
import { assert } from "./assert.js";
import { packed } from "./packed.js";
import { smallInt } from "./time.js";

export type Action = () => void;

/** Priorities are small integers; the tie key is `priority * TIE_SPAN + sequence`, exact in a float64. */
const TIE_SPAN = 2 ** 45;
const PRIORITY_LIMIT = 127;

export class Scheduler {
  /** Current virtual time in microseconds. */
  nowUs = 0;
  /** Number of events run so far. */
  eventsRun = 0;

  /** Heap slots: event time, tie key (priority then insertion sequence), action. The times are a plain array, not a
   *  Float64Array: a time read from a typed array is a double, and a double `nowUs` makes every time the model derives
   *  from it and stores in a record a boxed double too (sqs-burst ran 4x slower). In a plain array small integer
   *  times stay small integers (see smallInt). */
  private timeUs: number[] = packed(1024, 0);
  private tie = new Float64Array(1024);
  private actions: (Action | null)[] = packed<Action | null>(1024, null);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** Run `action` at `atUs` (never in the past). Lower `priority` runs first among equal times. */
  at(atUs: number, action: Action, priority = 0): void {
    // Checked before calling assert so that no message closure is made per event.
    if (!Number.isInteger(atUs)) assert(false, `event time must be an integer (got ${atUs})`);
    if (atUs < this.nowUs) assert(false, `cannot schedule in the past: ${atUs} < ${this.nowUs}`);
    if (priority !== 0 && (priority !== (priority | 0) || priority > PRIORITY_LIMIT || priority < -PRIORITY_LIMIT)) {
      assert(false, `event priority must be an integer in -${PRIORITY_LIMIT}..${PRIORITY_LIMIT} (got ${priority})`);
    }
    const key = priority * TIE_SPAN + this.nextSeq++;
    // Kept a small integer where it fits, so `nowUs` and the times the model derives from it are not boxed doubles.
    atUs = smallInt(atUs);
    if (this.n === this.timeUs.length) this.grow();
    const t = this.timeUs;
    const k = this.tie;
    const a = this.actions;
    // sift up
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = t[p];
      if (pt < atUs || (pt === atUs && k[p] < key)) break;
      t[i] = pt;
      k[i] = k[p];
      a[i] = a[p];
      i = p;
    }
    t[i] = atUs;
    k[i] = key;
    a[i] = action;
  }

  /** Run `action` after `delayUs` from now. */
  after(delayUs: number, action: Action, priority = 0): void {
    this.at(this.nowUs + delayUs, action, priority);
  }

  /** Time of the next event, or Infinity when none is pending. */
  peekTimeUs(): number {
    return this.n > 0 ? this.timeUs[0] : Infinity;
  }

  /** Pop and run the next event. Returns false when the queue is empty. */
  step(): boolean {
    const n = this.n;
    if (n === 0) return false;
    const t = this.timeUs;
    const k = this.tie;
    const a = this.actions;
    const action = a[0]!;
    this.nowUs = t[0];
    const m = n - 1;
    this.n = m;
    if (m > 0) {
      // sift the last entry down from the root
      const lt = t[m];
      const lk = k[m];
      const la = a[m];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        const r = c + 1;
        if (r < m && (t[r] < t[c] || (t[r] === t[c] && k[r] < k[c]))) c = r;
        const ct = t[c];
        if (lt < ct || (lt === ct && lk < k[c])) break;
        t[i] = ct;
        k[i] = k[c];
        a[i] = a[c];
        i = c;
      }
      t[i] = lt;
      k[i] = lk;
      a[i] = la;
    }
    a[m] = null; // let the action be collected
    this.eventsRun++;
    action();
    return true;
  }

  private grow(): void {
    const size = this.timeUs.length * 2;
    const t = packed(size, 0);
    for (let i = 0; i < this.n; i++) t[i] = this.timeUs[i];
    this.timeUs = t;
    const k = new Float64Array(size);
    k.set(this.tie);
    this.tie = k;
    const a = packed<Action | null>(size, null);
    for (let i = 0; i < this.n; i++) a[i] = this.actions[i];
    this.actions = a;
  }
}

