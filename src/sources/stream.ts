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
 *   unless the mapping holds it inside a running invocation (that invocation's outcome decides). DynamoDB: 24 h.
 * - DynamoDB: the stream is modelled with the same shard shape (ShardCount is esm-sim's knob; AWS manages DynamoDB
 *   shards itself); the key is the item key; eventName is drawn per record from the producer's weights (stream
 *   `traffic.<i>.eventNames`). No producer-side limit (the table's capacity is not modelled).
 * - Records the function writes back to its own stream (lambda/write-back.ts) enter through `appendWritten`: same
 *   production counter, same shard rule, same write limits as a producer's records.
 * - Producer retries (traffic `duplicateSendRate`: the first write went through, but the producer did not learn it
 *   and writes again). Kinesis: the retry is a record of its own, the same data under a new sequence number, so the
 *   consumer sees it twice (https://docs.aws.amazon.com/streams/latest/dev/kinesis-record-processor-duplicates.html);
 *   `logicalOfN` ties the copies together for the report's duplicates. DynamoDB: the retry puts the same item again,
 *   which changes no data, and a write that changes no data makes no stream record
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
 * - A record's fields and how a shard keeps its records: stream-record.ts.
 * Read limits (5 calls and 2 MB per second per shard, enhanced fan-out) are the reader's: esm/stream-mapping.ts.
 * Not modelled: resharding and shard lineage, record size limits, ExplicitHashKey, DynamoDB writes that change nothing
 * other than a producer's retry.
 */
import { createHash } from "node:crypto";
import { assert } from "../engine/assert.js";
import { prngStream, type Prng } from "../engine/prng.js";
import type { Scheduler } from "../engine/scheduler.js";
import { US_PER_S } from "../engine/time.js";
import type { StreamSourceConfig } from "./config.js";
import { PRODUCTION_METER_SPAN_US, type ProductionMeter, type Trace } from "../trace/events.js";
import { arrivalUsOf, endChangingMarks, endRecord, newRecordWrite, RecEnd, RecordLog, type RecordWrite, type StreamRecord } from "./stream-record.js";
import { SendRun, type RecordSink, type Traffic } from "./traffic.js";

export function shardIdOf(i: number): string {
  return `shardId-${String(i).padStart(12, "0")}`;
}

export class Shard {
  readonly shardId: string;
  /** The shard's records from the oldest still needed (stream-record.ts keeps them). */
  private readonly log = new RecordLog();
  /** The mapping's checkpoint: every record before this pos is done. */
  checkpointPos = 0;
  /** First pos not yet checked against retention. */
  sweepPos = 0;
  sweepScheduled = false;
  /** Write limits: the second the next write lands in at the earliest, and what that second has taken; and the
   *  second the last write was sent in, with its bounds in µs (sentBoundsUs: [start, end)), so that a write costs no
   *  division unless it is sent in another second than the write before it. The bounds pass 2^31 µs after 36
   *  minutes: a typed array keeps them unboxed, where a field would hold a boxed number. */
  private fillS = -1;
  private usedRecords = 0;
  private usedBytes = 0;
  private sentS = -1;
  private readonly sentBoundsUs = new Float64Array([-US_PER_S, 0]);

  constructor(readonly index: number) {
    this.shardId = shardIdOf(index);
  }

  /** The record at `pos`, or undefined when it is not held (not accepted yet, or dropped after the checkpoint). */
  at(pos: number): StreamRecord | undefined {
    return this.log.at(pos);
  }

  /** Records accepted so far (also the next record's pos). */
  get accepted(): number {
    return this.log.accepted;
  }

  get firstHeldPos(): number {
    return this.log.firstHeldPos;
  }

  /** The first pos at or after `fromPos` not yet arrived at `tUs` (accepted for a later second), or `accepted`. */
  arrivedBy(tUs: number, fromPos: number): number {
    return this.log.arrivedBy(tUs, fromPos);
  }

  /** When the record at `pos` (held, not dropped) arrives: read without making the record an object. */
  arrivalUsAt(pos: number): number {
    return this.log.arrivalUsAt(pos);
  }

  /** The first position from `fromPos` before `toPos` whose record has neither the reader's mark `mark` nor the end
   *  state `end` (RecordLog.firstWithout), or `toPos`. */
  firstWithout(fromPos: number, toPos: number, mark: number, end: RecEnd): number {
    return this.log.firstWithout(fromPos, toPos, mark, end);
  }

  /** Records from this position on are packed (not yet objects) up to `accepted`. */
  get firstPackedPos(): number {
    return this.log.firstPackedPos;
  }

  /** A reader's call over packed records from `fromPos` (see RecordLog.takeArrived); takenBytes and
   *  takeStoppedAtLimit tell the rest. */
  takeArrived(fromPos: number, tUs: number, countMax: number, bytes: number, bytesMax: number, firstTaken: boolean): number {
    return this.log.takeArrived(fromPos, tUs, countMax, bytes, bytesMax, firstTaken);
  }

  /** The first packed records as objects, appended to `out` (see RecordLog.unpackInto); takenBytes says their bytes. */
  unpackInto(out: StreamRecord[], countMax: number, bytes: number, bytesMax: number): number {
    return this.log.unpackInto(out, countMax, bytes, bytesMax);
  }

  /** The first packed records as objects in a new batch (see RecordLog.unpackBatch); takenBytes says their bytes. */
  unpackBatch(countMax: number, bytesMax: number): StreamRecord[] {
    return this.log.unpackBatch(countMax, bytesMax);
  }

  get takenBytes(): number {
    return this.log.takenBytes;
  }

  get takeStoppedAtLimit(): boolean {
    return this.log.takeStoppedAtLimit;
  }

  /** The size, key and end state of the record at `pos` (held, not dropped): read without making it an object. */
  sizeBytesAt(pos: number): number {
    return this.log.sizeBytesAt(pos);
  }

  keyIndexAt(pos: number): number {
    return this.log.keyIndexAt(pos);
  }

  endAt(pos: number): RecEnd {
    return this.log.endAt(pos);
  }

  /** Apply the write limits to `w` (sent at w.sentUs, w.sizeBytes long): sets when it is accepted (w.arrivalUs) and
   *  how many attempts were throttled (w.throttledWrites). */
  accept(w: RecordWrite, limitRecords: number, limitBytes: number): void {
    const throttled = this.admit(w.sentUs, w.sizeBytes, limitRecords, limitBytes);
    w.throttledWrites = throttled;
    w.arrivalUs = throttled === 0 ? w.sentUs : this.fillStartUs;
  }

  /** The second the last throttled write was accepted in (its number: whole seconds from time 0), and its start: the
   *  write's arrival. */
  get fillSecond(): number {
    return this.fillS;
  }

  get fillStartUs(): number {
    return this.fillS * US_PER_S;
  }

  /** The write limits for a write sent at `tUs`, `sizeBytes` long: counts it in the second it is accepted in and
   *  returns how many of its attempts were throttled (the whole seconds from its send to that second: arrivalOf).
   *  A throttled write arrives at the start of that second (fillStartUs); any other, when sent. */
  private admit(tUs: number, sizeBytes: number, limitRecords: number, limitBytes: number): number {
    if (limitRecords === Infinity && limitBytes === Infinity) return 0;
    const bounds = this.sentBoundsUs;
    if (tUs >= bounds[1] || tUs < bounds[0]) {
      const k = Math.floor(tUs / US_PER_S);
      this.sentS = k;
      bounds[0] = k * US_PER_S;
      bounds[1] = bounds[0] + US_PER_S;
    }
    if (this.sentS > this.fillS) {
      this.fillS = this.sentS;
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
    return this.fillS - this.sentS;
  }

  /**
   * Append an accepted write (`accept` has set its arrival). It becomes a record object at once (returned) when
   * `eager` (the trace shows every record as it is produced); otherwise it stays packed until something asks for it
   * (null): the mapping reads a shard by position and makes records objects as it batches them.
   */
  append(w: RecordWrite, eager: boolean): StreamRecord | null {
    if (eager) return this.log.append(w);
    this.log.appendPacked(w);
    return null;
  }

  /** Apply the write limits to a write given as its fields and append it packed (accept, then append not eager, in
   *  one step; `origin`: producer x 4 + eventName + 1). Returns its throttled attempts (as admit). */
  acceptPacked(n: number, keyIndex: number, sentUs: number, sizeBytes: number, origin: number, limitRecords: number, limitBytes: number): number {
    const throttled = this.admit(sentUs, sizeBytes, limitRecords, limitBytes);
    this.log.appendPackedFields(n, keyIndex, sentUs, throttled, origin, sizeBytes);
    return throttled;
  }

  /** Drop records no longer needed: before the checkpoint and either ended or already checked against retention. */
  compact(): void {
    this.log.compact(this.checkpointPos, this.sweepPos);
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
    this.waitMinute = new Float64Array(cfg.shardCount);
    this.waitEndS = new Float64Array(cfg.shardCount);
    this.waitRecords = new Float64Array(cfg.shardCount);
    this.waitBytes = new Float64Array(cfg.shardCount);
    this.waitThrottles = new Float64Array(cfg.shardCount);
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

  /** The write being put (one for every record: put fills it). */
  private readonly write: RecordWrite = newRecordWrite();

  /** Kinesis, with a producer that retries: for each record that has or is a retry, the production index of the
   *  first send (an original maps to itself), until it first succeeds (takeLogicalOf). Empty otherwise. */
  readonly logicalOfN = new Map<number, number>();

  /** The first send of the record with production index `n` (logicalOfN), forgotten once asked: a record succeeds
   *  once, and its entry is needed no longer. */
  takeLogicalOf(n: number): number | undefined {
    const of = this.logicalOfN.get(n);
    if (of !== undefined) this.logicalOfN.delete(n);
    return of;
  }

  /** Takes each send from the producers into its shard (made once: advance runs before every event). */
  private readonly sink: RecordSink = (n, keyIndex, sentUs, sizeBytes, resendPlanned, resend, producer) => {
    if (resend !== null) {
      // DynamoDB: the same item put again changes nothing, and writes no stream record.
      if (this.isDynamo) return false;
      this.logicalOfN.set(n, resend.ofN);
    } else if (resendPlanned && !this.isDynamo) {
      this.logicalOfN.set(n, n);
    }
    const picker = this.eventPickers[producer];
    const w = this.write;
    w.n = n;
    w.keyIndex = keyIndex;
    w.sentUs = sentUs;
    w.sizeBytes = sizeBytes;
    w.producer = producer;
    w.eventName = picker ? picker() : -1;
    this.put(w);
  };

  /** Told of every record the stream accepts (at its arrival), with the write throttles it met first. */
  meter: ProductionMeter | null = null;

  /** Records the function wrote back to this stream (appendWritten). */
  writtenBack = 0;

  /**
   * Append a record the function wrote to its own stream at `nowUs` (lambda/write-back.ts): `w` gives its key, size,
   * producer (the pseudo-producer of written records, traffic.length, so filters see their own data) and eventName;
   * it takes the next production index, lands in the shard of its key, passes the Kinesis write limits like any
   * producer's record, and counts as produced. Call only after `advance(nowUs)`: production indexes stay in send order.
   */
  appendWritten(w: RecordWrite, nowUs: number): number {
    const n = this.traffic.takeIndex();
    this.writtenBack++;
    w.n = n;
    w.sentUs = nowUs;
    this.put(w);
    return n;
  }

  private put(w: RecordWrite): void {
    const cfg = this.cfg;
    const trace = this.trace;
    let s = this.shardOfKey[w.keyIndex];
    if (s < 0) s = this.shardOf(w.keyIndex);
    const shard = this.shards[s];
    shard.accept(w, cfg.writeLimitRecordsPerS, cfg.writeLimitBytesPerS);
    const r = shard.append(w, trace.verbose);
    if (w.arrivalUs > this.maxAcceptedUs) this.maxAcceptedUs = w.arrivalUs;
    this.unended++;
    if (this.meter !== null) this.meter(w.arrivalUs, w.sizeBytes, w.throttledWrites);
    if (w.throttledWrites > 0) {
      this.producerThrottles += w.throttledWrites;
      this.producerThrottledRecords++;
    }
    if (r !== null && trace.verbose) trace.emit({ tUs: w.sentUs, type: "produce", record: r, shard: shard.index });
    if (!shard.sweepScheduled) this.scheduleSweep(shard);
  }

  /** Sends taken from the traffic a run at a time (advance). */
  private readonly run = new SendRun();

  /** Produce every record sent up to `nowUs` into its shard (in bulk: records are not events). */
  advance(nowUs: number): void {
    const traffic = this.traffic;
    if (nowUs < traffic.nextArrivalUs()) return;
    const run = this.run;
    let count = traffic.takeRun(nowUs, run);
    if (count < 0) {
      traffic.produceUntil(nowUs, this.sink);
      return;
    }
    if (this.trace.verbose) {
      const w = this.write;
      while (count > 0) {
        const picker = this.eventPickers[run.producer];
        const times = run.sentUs;
        const keys = run.keyIndex;
        const n0 = run.firstN;
        w.sizeBytes = run.sizeBytes;
        w.producer = run.producer;
        for (let i = 0; i < count; i++) {
          w.n = n0 + i;
          w.keyIndex = keys[i];
          w.sentUs = times[i];
          w.eventName = picker ? picker() : -1;
          this.put(w);
        }
        count = traffic.takeRun(nowUs, run);
      }
      return;
    }
    // put, for records that stay packed (no produce events), a run at a time: the counters are kept in locals and
    // written back once, and the production meter is told of each minute's records once per call (ProductionMeter)
    // rather than once per record. A write accepted as sent arrives in send order: one stretch of one minute, open
    // until the sends reach the next minute. A throttled write arrives at the start of a later second, in order
    // along its shard but not across shards: a stretch per shard (waitMinute...), counted by whole seconds.
    const shards = this.shards;
    const shardOfKey = this.shardOfKey;
    const limitRecords = this.cfg.writeLimitRecordsPerS;
    const limitBytes = this.cfg.writeLimitBytesPerS;
    const minutes = this.minutes;
    minutes.meter = this.meter;
    const waitMinute = this.waitMinute;
    const waitEndS = this.waitEndS;
    const waitRecords = this.waitRecords;
    const waitBytes = this.waitBytes;
    const waitThrottles = this.waitThrottles;
    let maxAcceptedUs = this.maxAcceptedUs;
    let throttles = 0;
    let throttledRecords = 0;
    // The open stretch of writes accepted as sent: in [sentFromUs, sentToUs), minute number sentMinute.
    let sentMinute = 0;
    let sentFromUs = 0;
    let sentToUs = -Infinity;
    let sentRecords = 0;
    let sentBytes = 0;
    while (count > 0) {
      const picker = this.eventPickers[run.producer];
      const times = run.sentUs;
      const keys = run.keyIndex;
      const n0 = run.firstN;
      const sizeBytes = run.sizeBytes;
      // origin: producer x 4 + eventName + 1, eventName -1 on Kinesis.
      const producerOrigin = run.producer * 4;
      for (let i = 0; i < count; i++) {
        const key = keys[i];
        const sentUs = times[i];
        const origin = picker === null ? producerOrigin : producerOrigin + picker() + 1;
        let s = shardOfKey[key];
        if (s < 0) s = this.shardOf(key);
        const shard = shards[s];
        const throttled = shard.acceptPacked(n0 + i, key, sentUs, sizeBytes, origin, limitRecords, limitBytes);
        if (throttled === 0) {
          if (sentUs >= sentToUs || sentUs < sentFromUs) {
            if (sentRecords > 0) minutes.add(sentMinute, sentRecords, sentBytes, 0);
            sentMinute = Math.floor(sentUs / PRODUCTION_METER_SPAN_US);
            sentFromUs = sentMinute * PRODUCTION_METER_SPAN_US;
            sentToUs = sentFromUs + PRODUCTION_METER_SPAN_US;
            sentRecords = 0;
            sentBytes = 0;
          }
          sentRecords++;
          sentBytes += sizeBytes;
          if (sentUs > maxAcceptedUs) maxAcceptedUs = sentUs;
        } else {
          const second = shard.fillSecond;
          if (second >= waitEndS[s]) {
            if (waitRecords[s] > 0) minutes.add(waitMinute[s], waitRecords[s], waitBytes[s], waitThrottles[s]);
            const minute = Math.floor(second / SECONDS_PER_SPAN);
            waitMinute[s] = minute;
            waitEndS[s] = (minute + 1) * SECONDS_PER_SPAN;
            waitRecords[s] = 0;
            waitBytes[s] = 0;
            waitThrottles[s] = 0;
          }
          waitRecords[s]++;
          waitBytes[s] += sizeBytes;
          waitThrottles[s] += throttled;
          throttles += throttled;
          throttledRecords++;
          const arrivalUs = shard.fillStartUs;
          if (arrivalUs > maxAcceptedUs) maxAcceptedUs = arrivalUs;
        }
        if (!shard.sweepScheduled) this.scheduleSweep(shard);
      }
      this.unended += count;
      count = traffic.takeRun(nowUs, run);
    }
    if (sentRecords > 0) minutes.add(sentMinute, sentRecords, sentBytes, 0);
    if (throttledRecords > 0) {
      for (let s = 0; s < waitRecords.length; s++) {
        if (waitRecords[s] === 0) continue;
        minutes.add(waitMinute[s], waitRecords[s], waitBytes[s], waitThrottles[s]);
        waitRecords[s] = 0;
        waitBytes[s] = 0;
        waitThrottles[s] = 0;
      }
    }
    minutes.tellAll();
    this.maxAcceptedUs = maxAcceptedUs;
    this.producerThrottles += throttles;
    this.producerThrottledRecords += throttledRecords;
  }

  /** Each shard's open stretch of throttled writes within an advance: the minute they arrive in (its number), the
   *  second that minute ends (a throttled write's arrival second only grows along its shard), and their counts. */
  private readonly waitMinute: Float64Array;
  private readonly waitEndS: Float64Array;
  private readonly waitRecords: Float64Array;
  private readonly waitBytes: Float64Array;
  private readonly waitThrottles: Float64Array;

  /** Production counted by minute within one advance, for the meter. */
  private readonly minutes = new MinuteCounts();

  /** Give a record its end state (once); returns false when it had one already. */
  end(r: StreamRecord, state: RecEnd): boolean {
    if (!endRecord(r, state)) return false;
    this.unended--;
    return true;
  }

  /** `end` and the reader's marks changed in one step (stream-record.ts endChangingMarks); returns where the record
   *  had ended before (RecEnd.None: this call ended it). */
  endMarking(r: StreamRecord, state: RecEnd, set: number, clear: number): RecEnd {
    const before = endChangingMarks(r, state, set, clear);
    if (before === RecEnd.None) this.unended--;
    return before;
  }

  /** Whether the reader holds a record past its retention: inside a running invocation, whose outcome decides. */
  private heldByReader: (r: StreamRecord) => boolean = heldByNoOne;

  /** The reader (the mapping) says which records it holds past their retention (see sweep). */
  holdPastRetentionWhile(held: (r: StreamRecord) => boolean): void {
    this.heldByReader = held;
  }

  // ---- retention -----------------------------------------------------------------------------------------

  private scheduleSweep(shard: Shard): void {
    const r = shard.at(shard.sweepPos);
    if (!r) return;
    shard.sweepScheduled = true;
    // Before pollers at the same instant: a record whose retention ends now cannot be read now.
    this.sched.at(Math.max(this.sched.nowUs, arrivalUsOf(r) + this.cfg.retentionUs), () => this.sweep(shard), -1);
  }

  /** Expire every record whose retention has run out and that is not inside a running invocation. */
  private sweep(shard: Shard): void {
    shard.sweepScheduled = false;
    const now = this.sched.nowUs;
    const retentionUs = this.cfg.retentionUs;
    for (;;) {
      const r = shard.at(shard.sweepPos);
      if (!r || arrivalUsOf(r) + retentionUs > now) break;
      if (!this.heldByReader(r) && this.end(r, RecEnd.Expired)) {
        this.trace.emit({ tUs: now, type: "expire", record: r, reason: "RetentionPeriodExceeded", shard: shard.index });
      }
      shard.sweepPos++;
    }
    shard.compact();
    this.scheduleSweep(shard);
  }

  /** Has this record's retention run out at `nowUs`? */
  isPastRetention(r: StreamRecord, nowUs: number): boolean {
    return arrivalUsOf(r) + this.cfg.retentionUs <= nowUs;
  }

  /** End a record lost to retention (found past it after an invocation); emits `expire`. */
  expireNow(r: StreamRecord, nowUs: number): void {
    assert(this.isPastRetention(r, nowUs), "expiring a record inside its retention");
    if (this.end(r, RecEnd.Expired)) this.trace.emit({ tUs: nowUs, type: "expire", record: r, reason: "RetentionPeriodExceeded", shard: this.shardOf(r.keyIndex) });
  }

  /** Earliest time a record not yet accepted, or accepted after `nowUs`, can arrive on `shard` (a lower bound). */
  nextArrivalUs(shard: Shard, fromPos: number, nowUs: number): number {
    if (fromPos >= shard.accepted || fromPos < shard.firstHeldPos) return this.traffic.nextArrivalUs();
    const arrivalUs = shard.arrivalUsAt(fromPos);
    return arrivalUs > nowUs ? arrivalUs : nowUs;
  }
}

/** Minutes MinuteCounts holds at once. */
const MINUTE_SLOTS = 8;
/** Whole seconds in the production meter's span. */
const SECONDS_PER_SPAN = PRODUCTION_METER_SPAN_US / US_PER_S;

/**
 * Records accepted, their bytes and throttled attempts, by the minute they were accepted in (PRODUCTION_METER_SPAN_US),
 * until the meter is told: a minute's counts are kept in the slot of its number modulo MINUTE_SLOTS, and a minute
 * that needs a slot another minute holds sends that minute's counts to the meter first (counts are sums, so when
 * they are told does not change them). Nothing is allocated per record.
 */
class MinuteCounts {
  /** The minute each slot holds (its number: start / span), -1 for none. */
  private readonly minute = new Float64Array(MINUTE_SLOTS).fill(-1);
  private readonly records = new Float64Array(MINUTE_SLOTS);
  private readonly bytes = new Float64Array(MINUTE_SLOTS);
  private readonly throttles = new Float64Array(MINUTE_SLOTS);
  /** The meter told (counts are dropped while it is null). */
  meter: ProductionMeter | null = null;

  /** Count `records` records accepted in minute `m` (starting at m x PRODUCTION_METER_SPAN_US). */
  add(m: number, records: number, bytes: number, throttles: number): void {
    const j = m % MINUTE_SLOTS;
    if (this.minute[j] !== m) {
      this.tellSlot(j);
      this.minute[j] = m;
    }
    this.records[j] += records;
    this.bytes[j] += bytes;
    this.throttles[j] += throttles;
  }

  /** Tell the meter every minute's counts, and start again from none. */
  tellAll(): void {
    for (let j = 0; j < MINUTE_SLOTS; j++) this.tellSlot(j);
  }

  private tellSlot(j: number): void {
    if (this.records[j] > 0 && this.meter !== null) this.meter(this.minute[j] * PRODUCTION_METER_SPAN_US, this.bytes[j], this.throttles[j], this.records[j]);
    this.minute[j] = -1;
    this.records[j] = 0;
    this.bytes[j] = 0;
    this.throttles[j] = 0;
  }
}

function heldByNoOne(): boolean {
  return false;
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
