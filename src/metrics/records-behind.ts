/**
 * Records behind, per shard of a stream: the records a shard holds that the mapping has not read yet, sampled once a
 * second of virtual time (run/stream-backlog.ts takes the samples). AWS reports how far behind a reader is as a
 * time (GetRecords' MillisBehindLatest, https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html;
 * IteratorAge for a mapping); the count of records is esm-sim's own measure of the same backlog.
 *
 * Kept: the peak over every sample with the shard that had it and the first second it was reached (a tie goes to
 * the lower shard), each shard's own peak, and per shard a series of the largest sample in each interval. Intervals
 * start one second wide; when a series would pass its most intervals, neighbours are merged by their maximum and
 * the width doubles, so a series stays bounded and a peak is never thinned away. A series has at most
 * RECORDS_BEHIND_POINTS_MAX intervals, fewer when there are many shards (RECORDS_BEHIND_POINTS_TOTAL over all of
 * them, at least RECORDS_BEHIND_POINTS_MIN each), so that a report of hundreds of shards stays a few MB: esm-sim's
 * choice for the size of a report; the peaks are exact whatever the width.
 */
import { US_PER_S } from "../engine/time.js";

export const RECORDS_BEHIND_POINTS_MAX = 600;
export const RECORDS_BEHIND_POINTS_TOTAL = 48_000;
export const RECORDS_BEHIND_POINTS_MIN = 50;

export class RecordsBehind {
  /** The largest sample, the shard that had it (-1: no sample above zero) and when it was first reached. */
  max = 0;
  maxShard = -1;
  maxAtUs = 0;
  /** Each shard's largest sample. */
  readonly shardMax: number[];
  /** Per shard: the largest sample per interval (-1: no sample in it). */
  private readonly intervals: number[][];
  private widthS = 1;
  /** The most intervals a shard's series keeps. */
  private readonly pointsMax: number;
  /** The last sample of each shard, for the seconds that repeat it (hold). */
  private readonly last: number[];
  private sampled = false;

  constructor(readonly shardCount: number) {
    this.shardMax = new Array<number>(shardCount).fill(0);
    this.intervals = Array.from({ length: shardCount }, () => []);
    this.last = new Array<number>(shardCount).fill(0);
    this.pointsMax = Math.min(RECORDS_BEHIND_POINTS_MAX, Math.max(RECORDS_BEHIND_POINTS_MIN, Math.floor(RECORDS_BEHIND_POINTS_TOTAL / Math.max(1, shardCount))));
  }

  /** The sample of every shard at whole second `tUs` (values[i]: shard i), in time order. */
  sample(tUs: number, values: ArrayLike<number>): void {
    const s = Math.floor(tUs / US_PER_S);
    const k = this.intervalOf(s);
    for (let i = 0; i < this.shardCount; i++) {
      const v = values[i];
      this.last[i] = v;
      if (v > this.shardMax[i]) this.shardMax[i] = v;
      if (v > this.max) {
        this.max = v;
        this.maxShard = i;
        this.maxAtUs = tUs;
      }
      this.put(i, k, v);
    }
    this.sampled = true;
  }

  /** Every whole second from `fromUs` up to, not including, `toUs` had the same samples as the last one: nothing
   *  could change them (no event ran and no record arrived). Costs one step per interval, not per second. */
  hold(fromUs: number, toUs: number): void {
    if (!this.sampled || toUs <= fromUs) return;
    const first = Math.ceil(fromUs / US_PER_S);
    const end = Math.ceil(toUs / US_PER_S);
    if (end <= first) return;
    this.intervalOf(end - 1);
    const kEnd = Math.floor((end - 1) / this.widthS);
    for (let k = Math.floor(first / this.widthS); k <= kEnd; k++) {
      for (let i = 0; i < this.shardCount; i++) this.put(i, k, this.last[i]);
    }
  }

  /** The interval of second `s`, merging intervals first when `s` would be past the last one kept. */
  private intervalOf(s: number): number {
    while (Math.floor(s / this.widthS) >= this.pointsMax) this.merge();
    return Math.floor(s / this.widthS);
  }

  private put(shard: number, k: number, v: number): void {
    const a = this.intervals[shard];
    while (a.length <= k) a.push(-1);
    if (v > a[k]) a[k] = v;
  }

  /** Halve the number of intervals: each new one is the larger of two neighbours. */
  private merge(): void {
    for (const a of this.intervals) {
      let w = 0;
      for (let i = 0; i < a.length; i += 2) a[w++] = Math.max(a[i], i + 1 < a.length ? a[i + 1] : -1);
      a.length = w;
    }
    this.widthS *= 2;
  }

  /** Per shard id: [ms at the interval's start, the largest sample in it], for intervals that had a sample. */
  series(shardIds: readonly string[]): Record<string, [number, number][]> {
    const out: Record<string, [number, number][]> = {};
    this.intervals.forEach((a, i) => {
      const points: [number, number][] = [];
      a.forEach((v, k) => {
        if (v >= 0) points.push([k * this.widthS * 1000, v]);
      });
      out[shardIds[i]] = points;
    });
    return out;
  }
}
