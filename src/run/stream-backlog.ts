/**
 * Takes the one-second samples of records behind (metrics/records-behind.ts) between the run's events, without an
 * event of its own (so no trace event, no scheduler step: a run's digest and event count stay as they were). The run
 * loop brings the world up to each event's time; every whole second passed before it is sampled then, after the
 * events before it have run and the records sent by then are in their shards.
 *
 * A shard's records behind at second s: the records that have arrived in the shard by s (a write throttled into a
 * later second is not there yet) from the mapping's read position on, leaving out records the stream has already
 * removed by retention. Before the mapping starts, every retained record counts.
 *
 * Cost: one read per shard per sample (the shard answers from its last record unless a throttled producer has
 * records accepted for a later second). Seconds in which nothing can change, no event running and no record
 * arriving, repeat the last sample without reading the shards, so a long idle stretch costs one step per interval of
 * the series, not one per second.
 */
import { US_PER_S } from "../engine/time.js";
import type { StreamMapping } from "../esm/stream-mapping.js";
import type { RecordsBehind } from "../metrics/records-behind.js";
import type { StreamSource } from "../sources/stream.js";
import type { Traffic } from "../sources/traffic.js";

export class BacklogSampler {
  /** The next whole second to sample. */
  private nextUs = 0;
  private readonly values: Float64Array;

  constructor(
    private readonly source: StreamSource,
    private readonly mapping: StreamMapping,
    private readonly traffic: Traffic,
    private readonly fold: RecordsBehind,
  ) {
    this.values = new Float64Array(source.shards.length);
  }

  /** An event at `tUs` is next: sample every whole second before it. */
  before(tUs: number): void {
    if (this.nextUs < tUs) this.upTo(tUs);
  }

  /** The run stops at `endUs`, its events there done: sample every whole second up to and including it. */
  through(endUs: number): void {
    this.upTo(endUs + 1);
  }

  /** Sample the seconds before `limitUs`; between two of them only arrivals can change a shard. */
  private upTo(limitUs: number): void {
    const limitS = Math.ceil(limitUs / US_PER_S) * US_PER_S;
    while (this.nextUs < limitUs) {
      const s = this.nextUs;
      this.source.advance(s);
      const changeUs = this.sample(s);
      const nextUs = Math.max(s + US_PER_S, Math.min(Math.ceil(changeUs / US_PER_S) * US_PER_S, limitS));
      this.fold.hold(s + US_PER_S, nextUs);
      this.nextUs = nextUs;
    }
  }

  /** Sample every shard at `sUs`; returns when the next record arrives (Infinity: none will). */
  private sample(sUs: number): number {
    let changeUs = this.traffic.nextArrivalUs();
    const shards = this.source.shards;
    for (let i = 0; i < shards.length; i++) {
      const shard = shards[i];
      const from = Math.max(this.mapping.readPosition(i), shard.sweepPos);
      const arrived = shard.arrivedBy(sUs, from);
      this.values[i] = arrived - from;
      if (arrived < shard.accepted) {
        const at = shard.arrivalUsAt(arrived);
        if (at < changeUs) changeUs = at;
      }
    }
    this.fold.sample(sUs, this.values);
    return changeUs;
  }
}
