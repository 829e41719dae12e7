/**
 * A stream handler that writes back to its own stream: a DynamoDB-stream function that updates the item it was
 * called for (each update is a new MODIFY stream record), or a Kinesis consumer that puts to the stream it reads.
 * Each written record invokes the function again, so with one write per record the loop never ends and with more it
 * grows. The documented ways out are to make the handler ignore its own writes: a FilterCriteria on
 * a field only the function's writes carry (record-filter.ts drops them before batching), or a conditional write that
 * changes nothing the second time (`maxDepth` here).
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html (Lambda's recursive loop detection
 *   covers SQS, SNS, S3 and direct invocations, not Kinesis or DynamoDB streams: nothing stops a stream loop, so
 *   none is modelled), https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filtering),
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html (an update is a MODIFY record).
 *
 * esm-sim's choices (AWS is silent; also in README "What is modelled"):
 * - When: the handler's SDK calls happen during the invocation; esm-sim puts the written records into the stream at
 *   the invocation's completion (their send time), before the mapping reads the shard again.
 * - Which records write: each record the handler processed without failing, in an invocation that returned (outcome
 *   ok or partial: every record not in the function's failed list). An invocation that errors, times out or is
 *   throttled writes nothing (esm-sim does not know how far the handler got). A record delivered again (a retry after
 *   a partial response, a restart from the checkpoint) writes again: its handler runs again.
 * - How many: `perRecord` per record; its whole part always, its fraction with that probability (stream
 *   `function.writesBack`).
 * - What: the processed record's partition key (so the same shard and, with ParallelizationFactor, the same lane),
 *   its size, `writesBack.data` as payload (pseudo-producer index traffic.length, so filters see that data), eventName
 *   MODIFY on DynamoDB. Kinesis write limits apply as to any producer.
 * - maxDepth: traffic records have depth 0, a record written while processing a depth-d record has depth d + 1; a
 *   record of depth >= maxDepth writes nothing (the conditional write that finds nothing to change).
 * Not modelled: writes to other items or keys, partial writes of a failed invocation, the write's latency, DynamoDB
 * table capacity, Lambda's recursive loop detection (it does not cover streams).
 */
import { prngStream, type Prng } from "../engine/prng.js";
import type { WritesBackConfig } from "./config.js";
import type { StreamRecord, StreamSource } from "../sources/stream.js";
import type { InvocationPlan } from "./function.js";

/** DynamoDB eventName index of an update (EVENT_NAMES in sources/stream.ts). */
const MODIFY = 1;

/**
 * Depths of the written records one shard still holds, in position order (a shard appends in position order, so a
 * push keeps the order). Entries before the shard's first held position are dropped as records are appended, so
 * memory follows what the shard retains, not what was ever written. Traffic records (depth 0) are not stored.
 */
export class DepthLog {
  private readonly pos: number[] = [];
  private readonly depth: number[] = [];
  private head = 0;

  add(pos: number, depth: number, firstHeldPos: number): void {
    this.drop(firstHeldPos);
    this.pos.push(pos);
    this.depth.push(depth);
  }

  /** The depth of the record at `pos` (0 when it is not a written record). */
  get(pos: number): number {
    let lo = this.head;
    let hi = this.pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pos[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.pos.length && this.pos[lo] === pos ? this.depth[lo] : 0;
  }

  /** Entries held (the memory bound's test reads it). */
  get size(): number {
    return this.pos.length - this.head;
  }

  private drop(firstHeldPos: number): void {
    const p = this.pos;
    while (this.head < p.length && p[this.head] < firstHeldPos) this.head++;
    // Shift the arrays once the dropped front is most of them: amortised O(1) per entry.
    if (this.head >= 1024 && this.head * 2 >= p.length) {
      p.splice(0, this.head);
      this.depth.splice(0, this.head);
      this.head = 0;
    }
  }
}

export class WriteBack {
  private readonly whole: number;
  private readonly fraction: number;
  private readonly rng: Prng;
  /** Per shard, the depths of written records it still holds; only kept with a finite maxDepth (capped at maxDepth:
   *  all that is ever compared). */
  private readonly depths: DepthLog[] | null;

  constructor(
    private readonly cfg: WritesBackConfig,
    private readonly source: StreamSource,
    /** The pseudo-producer index of written records (traffic.length). */
    readonly producer: number,
    private readonly isDynamo: boolean,
    seed: number,
  ) {
    this.whole = Math.floor(cfg.perRecord);
    this.fraction = cfg.perRecord - this.whole;
    this.rng = prngStream(seed, "function.writesBack");
    this.depths = cfg.maxDepth === Infinity ? null : source.shards.map(() => new DepthLog());
  }

  /** The handler's writes for one completed invocation at `nowUs`; returns the number of records written. */
  afterInvocation(batch: readonly StreamRecord[], plan: InvocationPlan, nowUs: number): number {
    if (plan.outcome !== "ok" && plan.outcome !== "partial") return 0;
    const failed = plan.outcome === "partial" && plan.failed.length > 0 ? new Set<unknown>(plan.failed) : null;
    const maxDepth = this.cfg.maxDepth;
    const eventName = this.isDynamo ? MODIFY : -1;
    const depths = this.depths;
    let written = 0;
    for (const r of batch) {
      if (failed !== null && failed.has(r)) continue;
      const shardIndex = this.source.shardOf(r.keyIndex);
      const depth = depths === null ? 0 : depths[shardIndex].get(r.pos);
      if (depth >= maxDepth) continue;
      let count = this.whole;
      if (this.fraction > 0 && this.rng.next() < this.fraction) count++;
      for (let i = 0; i < count; i++) {
        // Written with the record's key, so into the record's shard, at that shard's next position.
        this.source.appendWritten(r.keyIndex, nowUs, r.sizeBytes, this.producer, eventName);
        if (depths !== null) {
          const shard = this.source.shards[shardIndex];
          depths[shardIndex].add(shard.accepted - 1, Math.min(depth + 1, maxDepth), shard.firstHeldPos);
        }
      }
      written += count;
    }
    return written;
  }
}
