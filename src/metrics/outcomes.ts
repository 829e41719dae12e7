/**
 * Invocation outcomes over virtual time, in a bounded number of buckets. A bucket starts narrow (100 ms) and the
 * whole series is coarsened to the next width of a fixed ladder whenever a run outgrows `maxBuckets`; each width is
 * a whole multiple of the one before, so coarsening merges whole buckets and never splits one. Memory and report
 * size are bounded whatever the run's length. Outcomes are counted when they happen: ok, error, timeout and partial
 * at the invocation's result, throttle at the refused invoke.
 */
import type { Outcome } from "../trace/events.js";

export const OUTCOME_KINDS = ["ok", "error", "timeout", "throttle", "partial"] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
/** Position of each kind in OUTCOME_KINDS (a constant-shaped lookup: add runs once per invocation). */
const KIND_INDEX = Object.fromEntries(OUTCOME_KINDS.map((k, i) => [k, i])) as Readonly<Record<OutcomeKind, number>>;

/** Bucket widths in microseconds: 100 ms, 200 ms, 1 s, 2 s, 10 s, 20 s, 1 m, 2 m, 10 m, 20 m, 1 h, 2 h, 6 h, 12 h, 1 d, then doubling. */
const LADDER_US = [1e5, 2e5, 1e6, 2e6, 1e7, 2e7, 6e7, 1.2e8, 6e8, 1.2e9, 3.6e9, 7.2e9, 2.16e10, 4.32e10, 8.64e10];

function nextWidthUs(widthUs: number): number {
  const i = LADDER_US.indexOf(widthUs);
  return i >= 0 && i + 1 < LADDER_US.length ? LADDER_US[i + 1] : widthUs * 2;
}

/** What the report holds: bucket i covers [i * bucketMs, (i + 1) * bucketMs); counts in OUTCOME_KINDS order. */
export interface OutcomeSeries {
  bucketMs: number;
  kinds: OutcomeKind[];
  /** [start ms, ok, error, timeout, throttle, partial] for every bucket from 0 to the last with an outcome. */
  buckets: number[][];
}

export class OutcomeBuckets {
  widthUs = LADDER_US[0];
  /** counts[bucket * K + kind] */
  private counts: number[] = [];

  constructor(private readonly maxBuckets = 300) {}

  add(tUs: number, kind: OutcomeKind): void {
    this.tally(tUs, KIND_INDEX[kind]);
  }

  /** An invocation's result: `add` for the four outcomes a result can have, without looking the kind up by name
   *  (it runs once per invocation). */
  addResult(tUs: number, outcome: Outcome): void {
    this.tally(tUs, outcome === "ok" ? 0 : outcome === "error" ? 1 : outcome === "timeout" ? 2 : 4);
  }

  private tally(tUs: number, kindIndex: number): void {
    let b = Math.floor(tUs / this.widthUs);
    while (b >= this.maxBuckets) {
      this.coarsen();
      b = Math.floor(tUs / this.widthUs);
    }
    const K = OUTCOME_KINDS.length;
    while (this.counts.length < (b + 1) * K) this.counts.push(0);
    this.counts[b * K + kindIndex]++;
  }

  private coarsen(): void {
    const K = OUTCOME_KINDS.length;
    const next = nextWidthUs(this.widthUs);
    const factor = next / this.widthUs;
    const merged: number[] = [];
    const n = this.counts.length / K;
    for (let b = 0; b < n; b++) {
      const to = Math.floor(b / factor);
      while (merged.length < (to + 1) * K) merged.push(0);
      for (let k = 0; k < K; k++) merged[to * K + k] += this.counts[b * K + k];
    }
    this.counts = merged;
    this.widthUs = next;
  }

  series(): OutcomeSeries {
    const K = OUTCOME_KINDS.length;
    const bucketMs = this.widthUs / 1000;
    const buckets: number[][] = [];
    for (let b = 0; b * K < this.counts.length; b++) buckets.push([b * bucketMs, ...this.counts.slice(b * K, (b + 1) * K)]);
    return { bucketMs, kinds: [...OUTCOME_KINDS], buckets };
  }
}
