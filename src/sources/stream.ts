/**
 * Kinesis data streams and DynamoDB streams: shards, the partition key's MD5 hash choosing the shard, per-shard
 * sequence order, per-shard write limits with the producer retrying throttled writes (Kinesis), retention, and
 * DynamoDB's eventName per record. Knows nothing of Lambda: the mapping reads the per-shard logs.
 *
 * Sources: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html (MD5 of the
 *   partition key to a 128-bit integer picks the shard), https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 *   (1 MB/s and 1,000 records/s of writes per shard), https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
 *   (24 h to 8,760 h), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html (24 h; INSERT,
 *   MODIFY, REMOVE; records of one item in modification order).
 *
 * - Shards own even slices of the 128-bit hash key range, as CreateStream splits them: shard i starts at
 *   floor(i x 2^128 / ShardCount). Each distinct key is hashed once.
 * - Write limits (Kinesis): within each whole second a shard accepts at most 1,000 records and 1 MiB (a record is
 *   always accepted into an empty second). A write over the limit is throttled; the producer retries it at the start
 *   of the next second, oldest first, and a write waiting behind throttled ones is throttled too, so each shard keeps
 *   its order (esm-sim's choice of retry: AWS SDKs back off with jitter). Each rejected attempt counts as one
 *   throttled write. The record's arrival (ApproximateArrivalTimestamp) is when it was accepted.
 * - Sequence numbers: records are numbered in production order (`n`), which is also their order within a shard;
 *   the trace shows them zero-padded to 21 digits.
 * - Retention: a record not yet processed when its retention runs out is lost (`expire`, RetentionPeriodExceeded),
 *   unless it is inside a running invocation (that invocation's outcome decides). DynamoDB: 24 h.
 * - DynamoDB: the stream is modelled with the same shard shape (ShardCount is esm-sim's knob; AWS manages DynamoDB
 *   shards itself); the key is the item key; eventName is drawn per record from the producer's weights (stream
 *   `traffic.<i>.eventNames`). No producer-side limit (the table's capacity is not modelled).
 * - Records the function writes back to its own stream (lambda/write-back.ts) enter through `appendWritten`: same
 *   production counter, same shard rule, same write limits as a producer's records.
 * Not modelled: resharding and shard lineage, enhanced fan-out, the 2 MB/s and 5 reads/s read limits, record size
 * limits, ExplicitHashKey, producer retries that duplicate records (KDS-DUP), DynamoDB writes that change nothing.
 */
import { createHash } from "node:crypto";
import { assert } from "../engine/assert.js";
import { prngStream, type Prng } from "../engine/prng.js";
import type { Scheduler } from "../engine/scheduler.js";
import { smallInt, US_PER_S } from "../engine/time.js";
import type { StreamSourceConfig } from "./config.js";
import type { ProductionMeter, SimRecord, Trace } from "../trace/events.js";
import type { RecordSink, Traffic } from "./traffic.js";

/** Where a record ended (sticky: the first end state is the one reported). */
export const enum RecEnd {
  None = 0,
  Succeeded = 1,
  OnFailure = 2,
  Expired = 3,
  Filtered = 4,
}

/** Bits of StreamRecord.state above the end state (the low three bits, RecEnd). */
export const enum RecFlag {
  /** Processed in the mapping's current pass (cleared when the mapping resumes from its checkpoint). */
  Done = 8,
  /** Inside a running invocation. */
  Executing = 16,
}

/** The low bits of StreamRecord.state: the end state. */
const END_MASK = 7;

/** Where the record ended (RecEnd.None while it has not). */
export function endOf(r: StreamRecord): RecEnd {
  return r.state & END_MASK;
}

/**
 * A stream record while the shard holds it as an object. Every field costs 8 bytes per record (Node's V8 keeps full
 * pointers), so what can be derived is not stored: the shard follows from the key (StreamSource.shardOf; the
 * trace's produce, expire and filter events name it), the throttled attempts from the send and arrival times
 * (throttledWritesOf), the producer and eventName share one field (`origin`), and the end state and the mapping's
 * two per-pass marks share another (`state`).
 */
export interface StreamRecord extends SimRecord {
  /** Position within its shard: 0, 1, 2, ... in sequence-number order. */
  pos: number;
  /** When the shard accepted it (after any throttled attempts). */
  arrivalUs: number;
  /** Who sent it and which change it is, in one field: producer x 4 + eventName + 1 (producerOf, eventNameOf). */
  origin: number;
  /** Times the mapping has sent this record to the function. */
  deliveries: number;
  /** The end state (endOf: the low bits, RecEnd) and the RecFlag bits Done and Executing. */
  state: number;
}

/** `origin` of a record sent by `producer` with `eventName`. */
export function originOf(producer: number, eventName: number): number {
  return producer * 4 + eventName + 1;
}

/** Index of the traffic producer that sent the record (for per-producer record data, e.g. what a filter matches);
 *  records the function wrote back have the pseudo-producer after the traffic's. */
export function producerOf(r: StreamRecord): number {
  return r.origin >> 2;
}

/** DynamoDB: 0 INSERT, 1 MODIFY, 2 REMOVE. Kinesis: -1. */
export function eventNameOf(r: StreamRecord): number {
  return (r.origin & 3) - 1;
}

/** How many write attempts of this record the shard throttled: 0 when it was accepted as sent, else the whole
 *  seconds from its send to the start of the second it was accepted in (arrivalOf's rule, inverted). */
export function throttledWritesOf(r: StreamRecord): number {
  return r.arrivalUs === r.sentUs ? 0 : r.arrivalUs / US_PER_S - Math.floor(r.sentUs / US_PER_S);
}

export const EVENT_NAMES = ["INSERT", "MODIFY", "REMOVE"] as const;

export function sequenceNumber(r: SimRecord): string {
  return String(r.n).padStart(21, "0");
}

export function shardIdOf(i: number): string {
  return `shardId-${String(i).padStart(12, "0")}`;
}

/** Numbers per future record: WIDE doubles (n, sentUs: may pass 2^31) and NARROW 32-bit integers (keyIndex;
 *  producer x 4 + eventName + 1; throttledWrites; sizeBytes, or -1 when it does not fit). Read back as small
 *  integers, the record object keeps them unboxed. The arrival is derived (arrivalOf). */
const WIDE = 2;
const NARROW = 4;
/** Records a shard may hold as objects before new ones are kept as numbers until read (takesObjectsNow). A memory
 *  bound chosen by esm-sim; it changes no outcome (a record's fields are the same either way). */
const EAGER_HELD_MAX = 1024;

/** When a write sent at `sentUs` and throttled in `throttled` whole seconds was accepted: at once, or at the start of
 *  the second it finally fitted in (Shard.accept's rule). */
function arrivalOf(sentUs: number, throttled: number): number {
  return throttled === 0 ? sentUs : (Math.floor(sentUs / US_PER_S) + throttled) * US_PER_S;
}

export class Shard {
  readonly shardId: string;
  /** Records from the oldest still needed, in sequence order, in a ring: the record at `pos` is
   *  `ring[(head + pos - base) & mask]` for base <= pos < base + held. A ring (not an array sliced on compaction)
   *  so that appending and dropping the front cost O(1) per record. */
  private ring: (StreamRecord | undefined)[] = new Array<StreamRecord | undefined>(1024);
  private mask = 1023;
  private head = 0;
  private held = 0;
  private base = 0;
  /** Accepted records not yet made objects, after the ring (struct of arrays: WIDE doubles and NARROW int32s each): a record
   *  becomes an object only when something asks for it (`at`), which in practice is when it has arrived and the
   *  mapping reads it. A shard whose producers are throttled can hold a long queue of records accepted for later
   *  seconds; kept as numbers, they cost 32 bytes each and no garbage collection work. */
  private future: Float64Array = new Float64Array(WIDE * 1024);
  private futureInts: Int32Array = new Int32Array(NARROW * 1024);
  private futureHead = 0;
  private futureCount = 0;
  private futureMask = 1023;
  /** Sizes of future records too large for an int32 (by pos); in practice empty. */
  private readonly bigSizes = new Map<number, number>();
  /** Leading held records already known to be droppable (a record once droppable stays so: the checkpoint and
   *  sweepPos only move forward and an end state is sticky), so compaction never rescans them. */
  private droppable = 0;
  /** Records accepted so far (also the next record's pos). */
  accepted = 0;
  /** The mapping's checkpoint: every record before this pos is done. */
  checkpointPos = 0;
  /** First pos not yet checked against retention. */
  sweepPos = 0;
  sweepScheduled = false;
  /** Write limits: the second the next write lands in at the earliest, and what that second has taken. */
  private fillS = -1;
  private usedRecords = 0;
  private usedBytes = 0;
  lastArrivalUs = 0;

  constructor(readonly index: number) {
    this.shardId = shardIdOf(index);
  }

  /** The record at `pos`, or undefined when it is not held (not accepted yet, or dropped after the checkpoint). */
  at(pos: number): StreamRecord | undefined {
    const k = pos - this.base;
    if (k >= 0 && k < this.held) return this.ring[(this.head + k) & this.mask];
    if (k < this.held || k >= this.held + this.futureCount) return undefined;
    while (this.held <= k) this.materialize();
    return this.ring[(this.head + k) & this.mask];
  }

  /** Append an accepted record, kept as numbers until it is asked for. `arrivalUs` must be what `accept` said for
   *  this write: it is not stored but derived from the send time and the throttled attempts. */
  pushFuture(n: number, keyIndex: number, sentUs: number, sizeBytes: number, arrivalUs: number, eventName: number, producer: number, throttledWrites: number): void {
    // Unthrottled writes arrive when sent (accept's rule); only a throttled one needs its arrival checked.
    if (throttledWrites !== 0 && arrivalOf(sentUs, throttledWrites) !== arrivalUs) assert(false, "a future record's arrival is not its send time plus its throttled seconds");
    if (this.futureCount > this.futureMask) this.growFuture();
    const slot = (this.futureHead + this.futureCount) & this.futureMask;
    const f = this.future;
    const o = slot * WIDE;
    f[o] = n;
    f[o + 1] = sentUs;
    const g = this.futureInts;
    const p = slot * NARROW;
    g[p] = keyIndex;
    g[p + 1] = originOf(producer, eventName);
    g[p + 2] = throttledWrites;
    if (sizeBytes <= 0x7fffffff) g[p + 3] = sizeBytes;
    else {
      g[p + 3] = -1;
      this.bigSizes.set(this.accepted, sizeBytes);
    }
    this.futureCount++;
    this.accepted++;
    this.lastArrivalUs = arrivalUs;
  }

  /** Make the oldest future record an object at the ring's end. */
  private materialize(): void {
    const f = this.future;
    const o = this.futureHead * WIDE;
    const g = this.futureInts;
    const p = this.futureHead * NARROW;
    const pos = this.base + this.held;
    const sentUs = smallInt(f[o + 1]);
    const throttledWrites = g[p + 2];
    const producerEvent = g[p + 1];
    let sizeBytes = g[p + 3];
    if (sizeBytes < 0) {
      sizeBytes = this.bigSizes.get(pos)!;
      this.bigSizes.delete(pos);
    }
    const r: StreamRecord = {
      n: smallInt(f[o]),
      keyIndex: g[p],
      sentUs,
      sizeBytes,
      pos,
      arrivalUs: arrivalOf(sentUs, throttledWrites),
      origin: producerEvent,
      deliveries: 0,
      state: RecEnd.None,
    };
    this.futureHead = (this.futureHead + 1) & this.futureMask;
    this.futureCount--;
    if (this.held > this.mask) this.grow();
    this.ring[(this.head + this.held) & this.mask] = r;
    this.held++;
  }

  private growFuture(): void {
    const cap = (this.futureMask + 1) * 2;
    const next = new Float64Array(WIDE * cap);
    const nextInts = new Int32Array(NARROW * cap);
    // Called only when full: the records are futureHead..end, then 0..futureHead; two block copies per array.
    const h = this.futureHead;
    const old = cap / 2;
    next.set(this.future.subarray(h * WIDE), 0);
    next.set(this.future.subarray(0, h * WIDE), (old - h) * WIDE);
    nextInts.set(this.futureInts.subarray(h * NARROW), 0);
    nextInts.set(this.futureInts.subarray(0, h * NARROW), (old - h) * NARROW);
    this.future = next;
    this.futureInts = nextInts;
    this.futureHead = 0;
    this.futureMask = cap - 1;
  }

  get firstHeldPos(): number {
    return this.base;
  }

  /** The last `accept`'s answer (fields, not a returned object: accept runs once per record). */
  acceptedAtUs = 0;
  acceptThrottled = 0;

  /** When a write of `sizeBytes` first attempted at `tUs` is accepted (`acceptedAtUs`), and how many attempts were
   *  throttled (`acceptThrottled`). */
  accept(tUs: number, sizeBytes: number, limitRecords: number, limitBytes: number): void {
    if (limitRecords === Infinity && limitBytes === Infinity) {
      this.acceptedAtUs = tUs;
      this.acceptThrottled = 0;
      return;
    }
    const k = Math.floor(tUs / US_PER_S);
    if (k > this.fillS) {
      this.fillS = k;
      this.usedRecords = 0;
      this.usedBytes = 0;
    }
    if (this.usedRecords + 1 > limitRecords || (this.usedBytes > 0 && this.usedBytes + sizeBytes > limitBytes)) {
      this.fillS++;
      this.usedRecords = 0;
      this.usedBytes = 0;
    }
    this.usedRecords++;
    this.usedBytes += sizeBytes;
    const s = this.fillS;
    this.acceptedAtUs = s === k ? tUs : s * US_PER_S;
    this.acceptThrottled = s - k;
  }

  /** Whether a record accepted now may be appended as an object: no future records wait (order) and the ring holds
   *  fewer than EAGER_HELD_MAX records (a mapping that lags leaves its backlog as numbers, 32 bytes a record). */
  takesObjectsNow(): boolean {
    return this.futureCount === 0 && this.held < EAGER_HELD_MAX;
  }

  /** Append an accepted record as an object; only while no future records wait. */
  push(r: StreamRecord): void {
    assert(this.futureCount === 0, "a record object appended behind future records");
    if (this.held > this.mask) this.grow();
    this.ring[(this.head + this.held) & this.mask] = r;
    this.held++;
    this.accepted++;
    this.lastArrivalUs = r.arrivalUs;
  }

  /** Drop records no longer needed: before the checkpoint and either ended or already checked against retention.
   *  The front is dropped once it is 1,024 records, half the log, or all of it (the same points as ever: what `at`
   *  returns for a dropped record is undefined, so when records go is part of the behaviour). */
  compact(): void {
    let k = this.droppable;
    // Future records come after the cursor, so never droppable; they count in the log's length.
    const n = this.held + this.futureCount;
    while (k < this.held) {
      const r = this.ring[(this.head + k) & this.mask]!;
      if (r.pos >= this.checkpointPos || (endOf(r) === RecEnd.None && r.pos >= this.sweepPos)) break;
      k++;
    }
    this.droppable = k;
    if (k > 0 && (k >= 1024 || k === n || k * 2 >= n)) {
      for (let i = 0; i < k; i++) this.ring[(this.head + i) & this.mask] = undefined;
      this.head = (this.head + k) & this.mask;
      this.held -= k;
      this.base += k;
      this.droppable = 0;
    }
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const ring = new Array<StreamRecord | undefined>(cap);
    for (let k = 0; k < this.held; k++) ring[k] = this.ring[(this.head + k) & this.mask];
    this.ring = ring;
    this.head = 0;
    this.mask = cap - 1;
  }
}

export class StreamSource {
  readonly shards: Shard[];
  /** Records produced and not yet in an end state. */
  unended = 0;
  producerThrottles = 0;
  producerThrottledRecords = 0;
  private readonly shardOfKey: Int32Array;
  private readonly laneHashOfKey: Float64Array;
  private readonly starts: bigint[];
  private readonly eventPickers: ((() => number) | null)[];
  private readonly isDynamo: boolean;

  constructor(
    readonly cfg: StreamSourceConfig,
    private readonly traffic: Traffic,
    private readonly sched: Scheduler,
    private readonly trace: Trace,
    seed: number,
  ) {
    this.shards = [];
    for (let i = 0; i < cfg.shardCount; i++) this.shards.push(new Shard(i));
    const n = BigInt(cfg.shardCount);
    this.starts = [];
    for (let i = 0; i <= cfg.shardCount; i++) this.starts.push((BigInt(i) << 128n) / n);
    const keyCount = Math.max(1, traffic.keys.size);
    this.shardOfKey = new Int32Array(keyCount).fill(-1);
    this.laneHashOfKey = new Float64Array(keyCount);
    this.isDynamo = cfg.type === "dynamodb";
    this.eventPickers = traffic.configs.map((c, i) => (this.isDynamo ? eventPicker(c.eventWeights, prngStream(seed, `traffic.${i}.eventNames`)) : null));
  }

  get produced(): number {
    return this.traffic.produced;
  }

  get trafficDone(): boolean {
    return this.traffic.done;
  }

  private maxAcceptedUs = 0;

  /** The latest of the producers' last send and any record's acceptance so far (producer retries can push an
   *  acceptance past the last send). */
  get lastArrivalUs(): number {
    return Math.max(this.traffic.lastArrivalUs, this.maxAcceptedUs);
  }

  /** The shard a key's records go to (MD5 of the key, hashed once per key). */
  shardOf(keyIndex: number): number {
    this.hashKey(keyIndex);
    return this.shardOfKey[keyIndex];
  }

  /** 32 bits of the key's hash that do not choose the shard: the mapping spreads keys over parallel lanes with it. */
  laneHashOf(keyIndex: number): number {
    this.hashKey(keyIndex);
    return this.laneHashOfKey[keyIndex];
  }

  private hashKey(keyIndex: number): void {
    if (this.shardOfKey[keyIndex] >= 0) return;
    const hex = createHash("md5").update(this.traffic.keys.names[keyIndex], "utf8").digest("hex");
    const h = BigInt("0x" + hex);
    const N = this.cfg.shardCount;
    let i = Number((h * BigInt(N)) >> 128n);
    if (i + 1 < N && h >= this.starts[i + 1]) i++;
    while (i > 0 && h < this.starts[i]) i--;
    this.shardOfKey[keyIndex] = i;
    this.laneHashOfKey[keyIndex] = Number(h & 0xffffffffn);
  }

  /** Takes each send from the producers into its shard (made once: advance runs before every event). */
  private readonly sink: RecordSink = (n, keyIndex, sentUs, sizeBytes, _resendPlanned, _resend, producer) => {
    const picker = this.eventPickers[producer];
    this.put(n, keyIndex, sentUs, sizeBytes, producer, picker ? picker() : -1);
  };

  /** Told of every record the stream accepts (at its arrival), with the write throttles it met first. */
  meter: ProductionMeter | null = null;

  /** Records the function wrote back to this stream (appendWritten). */
  writtenBack = 0;

  /**
   * Append a record the function wrote to its own stream at `nowUs` (lambda/write-back.ts): it takes the next
   * production index, lands in the shard of its key, passes the Kinesis write limits like any producer's record, and
   * counts as produced. `producer` is the pseudo-producer index of written records (traffic.length), so filters see
   * their own data. Call only after `advance(nowUs)`: production indexes stay in send order.
   */
  appendWritten(keyIndex: number, nowUs: number, sizeBytes: number, producer: number, eventName: number): number {
    const n = this.traffic.takeIndex();
    this.writtenBack++;
    this.put(n, keyIndex, nowUs, sizeBytes, producer, eventName);
    return n;
  }

  private put(n: number, keyIndex: number, sentUs: number, sizeBytes: number, producer: number, eventName: number): void {
    const cfg = this.cfg;
    const trace = this.trace;
    const shard = this.shards[this.shardOf(keyIndex)];
    shard.accept(sentUs, sizeBytes, cfg.writeLimitRecordsPerS, cfg.writeLimitBytesPerS);
    const arrivalUs = shard.acceptedAtUs;
    const throttled = shard.acceptThrottled;
    let r: StreamRecord | null = null;
    // An object at once when the trace shows every record as it is produced, or when the record arrives now behind
    // no record accepted for later and the shard holds few objects (the mapping keeps up: the object is needed
    // within a poll interval, and building it now skips the typed-array round trip). A backlog stays numbers.
    if (trace.verbose || (throttled === 0 && shard.takesObjectsNow())) {
      r = {
        n: smallInt(n),
        keyIndex,
        sentUs: smallInt(sentUs),
        sizeBytes,
        pos: shard.accepted,
        arrivalUs: smallInt(arrivalUs),
        origin: originOf(producer, eventName),
        deliveries: 0,
        state: RecEnd.None,
      };
      shard.push(r);
    } else {
      shard.pushFuture(n, keyIndex, sentUs, sizeBytes, arrivalUs, eventName, producer, throttled);
    }
    if (arrivalUs > this.maxAcceptedUs) this.maxAcceptedUs = arrivalUs;
    this.unended++;
    if (this.meter !== null) this.meter(arrivalUs, sizeBytes, throttled);
    if (throttled > 0) {
      this.producerThrottles += throttled;
      this.producerThrottledRecords++;
    }
    if (r !== null && trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: r, shard: shard.index });
    if (!shard.sweepScheduled) this.scheduleSweep(shard);
  }

  /** Produce every record sent up to `nowUs` into its shard (in bulk: records are not events). */
  advance(nowUs: number): void {
    this.traffic.produceUntil(nowUs, this.sink);
  }

  /** Give a record its end state (once); returns false when it had one already. */
  end(r: StreamRecord, state: RecEnd): boolean {
    if (endOf(r) !== RecEnd.None) return false;
    r.state |= state;
    this.unended--;
    return true;
  }

  // ---- retention -----------------------------------------------------------------------------------------

  private scheduleSweep(shard: Shard): void {
    const r = shard.at(shard.sweepPos);
    if (!r) return;
    shard.sweepScheduled = true;
    // Before pollers at the same instant: a record whose retention ends now cannot be read now.
    this.sched.at(Math.max(this.sched.nowUs, r.arrivalUs + this.cfg.retentionUs), () => this.sweep(shard), -1);
  }

  /** Expire every record whose retention has run out and that is not inside a running invocation. */
  private sweep(shard: Shard): void {
    shard.sweepScheduled = false;
    const now = this.sched.nowUs;
    const retentionUs = this.cfg.retentionUs;
    for (;;) {
      const r = shard.at(shard.sweepPos);
      if (!r || r.arrivalUs + retentionUs > now) break;
      if ((r.state & RecFlag.Executing) === 0 && this.end(r, RecEnd.Expired)) {
        this.trace.emit({ tUs: now, type: "expire", record: r, reason: "RetentionPeriodExceeded", shard: shard.index });
      }
      shard.sweepPos++;
    }
    shard.compact();
    this.scheduleSweep(shard);
  }

  /** Has this record's retention run out at `nowUs`? */
  isPastRetention(r: StreamRecord, nowUs: number): boolean {
    return r.arrivalUs + this.cfg.retentionUs <= nowUs;
  }

  /** End a record lost to retention (found past it after an invocation); emits `expire`. */
  expireNow(r: StreamRecord, nowUs: number): void {
    assert(this.isPastRetention(r, nowUs), "expiring a record inside its retention");
    if (this.end(r, RecEnd.Expired)) this.trace.emit({ tUs: nowUs, type: "expire", record: r, reason: "RetentionPeriodExceeded", shard: this.shardOf(r.keyIndex) });
  }

  /** Earliest time a record not yet accepted, or accepted after `nowUs`, can arrive on `shard` (a lower bound). */
  nextArrivalUs(shard: Shard, fromPos: number, nowUs: number): number {
    const r = shard.at(fromPos);
    if (r && r.arrivalUs > nowUs) return r.arrivalUs;
    if (r) return nowUs;
    return this.traffic.nextArrivalUs();
  }
}

/** Weighted choice of INSERT / MODIFY / REMOVE; all INSERT without weights. */
function eventPicker(weights: [number, number, number] | null, rng: Prng): () => number {
  if (!weights) return () => 0;
  const total = weights[0] + weights[1] + weights[2];
  const nonZero = weights.filter((w) => w > 0).length;
  if (nonZero === 1) {
    const only = weights.findIndex((w) => w > 0);
    return () => only;
  }
  return () => {
    const u = rng.next() * total;
    if (u < weights[0]) return 0;
    if (u < weights[0] + weights[1]) return 1;
    return 2;
  };
}
