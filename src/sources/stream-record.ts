/**
 * A stream record and how a shard stores its records. Every other module reads a record through the accessors here
 * (producerOf, eventNameOf, arrivalUsOf, endOf, ...) and never sees how its fields are kept: the layout below (which
 * fields are stored, which are packed together, objects or typed arrays) can change without touching them.
 *
 * A record carries the trace's common fields (SimRecord: n, keyIndex, sentUs, sizeBytes) and, behind accessors:
 * - its position within its shard (0, 1, 2, ... in sequence-number order), when the shard accepted it (after any
 *   throttled attempts: ApproximateArrivalTimestamp), who sent it (the traffic producer, or the pseudo-producer of
 *   records the function wrote back) and, on DynamoDB, which change it is (eventName);
 * - how many times the mapping has sent it to the function, and where it ended (RecEnd, sticky: the first end state
 *   is the one reported);
 * - marks its reader keeps on it (the stream mapping's own, defined in esm/): stored here, never interpreted here.
 *
 * Storage: a shard keeps an accepted record as numbers in typed arrays (packed: 24 bytes each and no garbage
 * collection work) until something asks for it as an object (`at`: the mapping batching it, the retention sweep, a
 * filter; or `unpackInto`, a batch's run of packed records at once); until then a reader gets its arrival, size, key
 * and end state by position. An object stays in its shard's
 * log (RecordLog) until compaction drops it. Every field of an object costs 8 bytes (V8 keeps full pointers), so
 * what can be derived is not stored: the shard follows from the key, the arrival from the send time and the throttled
 * attempts, the producer, eventName and throttled attempts share one field, and the end state, the reader's marks and
 * the count of deliveries another.
 * When the trace shows every record as it is produced, records are objects from the start.
 */
import { assert } from "../engine/assert.js";
import { smallInt, US_PER_S } from "../engine/time.js";
import type { SimRecord } from "../trace/events.js";
import { STREAM_EVENT_NAMES, type StreamEventName } from "./config.js";

/** Where a record ended. */
export const enum RecEnd {
  None = 0,
  Succeeded = 1,
  OnFailure = 2,
  Expired = 3,
  Filtered = 4,
}

declare const opaque: unique symbol;

/** A stream record: the trace's common fields, the rest read through this module's accessors. */
export interface StreamRecord extends SimRecord {
  readonly [opaque]: true;
}

/** What a record object holds (the shape every record object has, in this order). */
interface Fields extends SimRecord {
  pos: number;
  /** Where the record came from and how its write went: producer x 4 + eventName + 1 (eventName -1 on Kinesis) in the
   *  low ORIGIN_BITS bits, and the throttled attempts (whole seconds: the arrival follows from them and the send
   *  time, arrivalOf) above, counted in ORIGIN_SPAN units, so that the field stays a small integer unless a write
   *  waited over half an hour (an absolute time would pass 2^31 us after 36 minutes, and V8 then boxes the field in
   *  every record object). */
  origin: number;
  /** The end state (the low END_BITS bits, RecEnd), above it the reader's marks (MARK_BITS bits), and above those the
   *  deliveries, counted in DELIVERY units. The marks and the end state are changed by adding or taking away their
   *  bit values, never by bitwise assignment, so that a count of deliveries past 2^23 still counts (the field then
   *  leaves V8's small integers, and only gets slower); bitwise reads of the low bits stay right for any count. */
  state: number;
}

const ORIGIN_BITS = 20;
const ORIGIN_SPAN = 1 << ORIGIN_BITS;
const ORIGIN_MASK = ORIGIN_SPAN - 1;

const END_BITS = 3;
const END_MASK = (1 << END_BITS) - 1;
const MARK_BITS = 5;
/** One delivery in `state`; the bits below it are the end state and the marks. */
const DELIVERY = 1 << (END_BITS + MARK_BITS);
const LOW_MASK = DELIVERY - 1;

function fields(r: StreamRecord): Fields {
  return r as unknown as Fields;
}

/** Position within its shard: 0, 1, 2, ... in sequence-number order. */
export function posOf(r: StreamRecord): number {
  return fields(r).pos;
}

/** When the shard accepted it (ApproximateArrivalTimestamp), after any throttled attempts. */
export function arrivalUsOf(r: StreamRecord): number {
  const f = fields(r);
  return f.origin < ORIGIN_SPAN ? f.sentUs : arrivalOf(f.sentUs, Math.floor(f.origin / ORIGIN_SPAN));
}

/** Index of the traffic producer that sent the record (for per-producer record data, e.g. what a filter matches);
 *  records the function wrote back have the pseudo-producer after the traffic's. */
export function producerOf(r: StreamRecord): number {
  return (fields(r).origin & ORIGIN_MASK) >> 2;
}

/** DynamoDB: the record's eventName (INSERT, MODIFY, REMOVE). Kinesis: undefined. */
export function eventNameOf(r: StreamRecord): StreamEventName | undefined {
  const i = eventNameIndexOf(r);
  return i < 0 ? undefined : STREAM_EVENT_NAMES[i];
}

/** The eventName as its index in STREAM_EVENT_NAMES (0 INSERT, 1 MODIFY, 2 REMOVE); -1 on Kinesis. */
export function eventNameIndexOf(r: StreamRecord): number {
  return (fields(r).origin & 3) - 1;
}

/** How many write attempts of this record the shard throttled: 0 when it was accepted as sent, else the whole
 *  seconds from its send to the start of the second it was accepted in (arrivalOf's rule, inverted). */
export function throttledWritesOf(r: StreamRecord): number {
  return Math.floor(fields(r).origin / ORIGIN_SPAN);
}

const SEQUENCE_ZEROS = "000000000000000000000";

/** The sequence number: the production index zero-padded to 21 digits (any stream record of the trace). Written as
 *  padStart(21, "0") would, in half its time (a trace has one per record). */
export function sequenceNumber(r: SimRecord): string {
  return sequenceNumberOf(r.n);
}

/** The sequence number of the record with production index `n`. */
export function sequenceNumberOf(n: number): string {
  const digits = String(n);
  return digits.length >= 21 ? digits : SEQUENCE_ZEROS.substring(digits.length) + digits;
}

/** Times the mapping has sent this record to the function. */
export function deliveriesOf(r: StreamRecord): number {
  return Math.floor(fields(r).state / DELIVERY);
}

/** Count one more delivery of the record to the function. */
export function countDelivery(r: StreamRecord): void {
  fields(r).state += DELIVERY;
}

/** Count one more delivery of the record and set the reader's mark `mark` (as setMark), in one step; returns where
 *  the record ended (as endOf). */
export function countDeliveryMarking(r: StreamRecord, mark: number): RecEnd {
  const f = fields(r);
  const state = f.state;
  const m = mark << END_BITS;
  f.state = state + DELIVERY + ((state & m) === 0 ? m : 0);
  return state & END_MASK;
}

/** Where the record ended (RecEnd.None while it has not). */
export function endOf(r: StreamRecord): RecEnd {
  return fields(r).state & END_MASK;
}

/** Give the record the end state `end` unless it has one; returns whether it did (the stream source ends records,
 *  counting those not yet ended). */
export function endRecord(r: StreamRecord, end: RecEnd): boolean {
  const f = fields(r);
  if ((f.state & END_MASK) !== RecEnd.None) return false;
  f.state += end;
  return true;
}

/** Give the record the end state `end` unless it has one, and set the marks `set` and clear the marks `clear` (as
 *  changeMarks), in one step; returns the end state it had before (RecEnd.None: this call ended it). */
export function endChangingMarks(r: StreamRecord, end: RecEnd, set: number, clear: number): RecEnd {
  const f = fields(r);
  const state = f.state;
  const low = state & LOW_MASK;
  const before = low & END_MASK;
  f.state = state + (((low & ~(clear << END_BITS)) | (set << END_BITS)) - low) + (before === RecEnd.None ? end : 0);
  return before;
}

/** The reader's marks: each mark is a bit value (1, 2, 4, ...: at most MARK_BITS of them, below 2^MARK_BITS) the
 *  reader defines and names. */
export function hasMark(r: StreamRecord, mark: number): boolean {
  return (fields(r).state & (mark << END_BITS)) !== 0;
}

export function setMark(r: StreamRecord, mark: number): void {
  changeMarks(r, mark, 0);
}

export function clearMark(r: StreamRecord, mark: number): void {
  changeMarks(r, 0, mark);
}

/** Set the marks `set` and clear the marks `clear` (bit values, as for setMark) in one step. */
export function changeMarks(r: StreamRecord, set: number, clear: number): void {
  const f = fields(r);
  const low = f.state & LOW_MASK;
  f.state += ((low & ~(clear << END_BITS)) | (set << END_BITS)) - low;
}

/**
 * One write as the shard accepts it: what the writer sent (production index, key, send time, size, producer,
 * eventName) and the shard's answer (arrival and throttled attempts, set by the shard's write limits). A writer keeps
 * one and fills it for each write, so that no object is made per record before the record itself.
 */
export interface RecordWrite {
  n: number;
  keyIndex: number;
  sentUs: number;
  sizeBytes: number;
  producer: number;
  /** Index in STREAM_EVENT_NAMES; -1 on Kinesis. */
  eventName: number;
  arrivalUs: number;
  throttledWrites: number;
}

export function newRecordWrite(): RecordWrite {
  return { n: 0, keyIndex: 0, sentUs: 0, sizeBytes: 0, producer: 0, eventName: -1, arrivalUs: 0, throttledWrites: 0 };
}

/** When a write sent at `sentUs` and throttled in `throttled` whole seconds was accepted: at once, or at the start of
 *  the second it finally fitted in (the shard's write-limit rule). */
export function arrivalOf(sentUs: number, throttled: number): number {
  return throttled === 0 ? sentUs : (Math.floor(sentUs / US_PER_S) + throttled) * US_PER_S;
}

/** The record object of an accepted write at `pos`. Small integers go in as such: V8 then keeps the fields unboxed. */
function newRecord(w: RecordWrite, pos: number): StreamRecord {
  return makeRecord(w.n, w.keyIndex, w.sentUs, w.sizeBytes, pos, w.arrivalUs - w.sentUs, w.producer * 4 + w.eventName + 1);
}

/** A record written with `waitUs` between its send and its arrival (0 unless throttled: then the arrival is the start
 *  of a later second, arrivalOf). */
function makeRecord(n: number, keyIndex: number, sentUs: number, sizeBytes: number, pos: number, waitUs: number, origin: number): StreamRecord {
  assert(origin >= 0 && origin < ORIGIN_SPAN, "more producers than a record's origin field has room for");
  const throttled = waitUs === 0 ? 0 : (sentUs + waitUs) / US_PER_S - Math.floor(sentUs / US_PER_S);
  if (throttled !== 0 && arrivalOf(sentUs, throttled) !== sentUs + waitUs) assert(false, "a record's arrival is not its send time plus its throttled seconds");
  return recordOf(n, keyIndex, sentUs, sizeBytes, pos, smallInt(origin + throttled * ORIGIN_SPAN));
}

/** The one place a record object is made (one shape for every record: property loads on records stay monomorphic).
 *  `origin`: the field as Fields describes it. */
function recordOf(n: number, keyIndex: number, sentUs: number, sizeBytes: number, pos: number, origin: number): StreamRecord {
  const r: Fields = {
    n: smallInt(n),
    keyIndex,
    sentUs: smallInt(sentUs),
    sizeBytes,
    pos,
    origin,
    state: RecEnd.None,
  };
  return r as unknown as StreamRecord;
}

/**
 * A packed record is its send time (a double in the chunk's `sentUs`: read by position, as arrivalUsAt does) and
 * PACKED 32-bit integers: its production index as the difference from the record before it in the shard (indexes
 * only grow along a shard; a difference that is not an int32 is written as -1 and kept in a map by pos, in practice
 * never), its keyIndex, its throttled attempts, and its kind: an index into the log's list of (producer x 4 +
 * eventName + 1, sizeBytes) pairs, which a producer's records share. The arrival is derived (arrivalOf). 24 bytes a
 * record.
 */
const PACKED = 4;
const WIDE_VALUE = -1;
/** Packed records per chunk: the packed records are kept in chunks of this many, taken as the backlog grows and let go
 *  as it is read, so a backlog costs its own size and one chunk (no doubling, no copy). */
const CHUNK_BITS = 11;
const CHUNK = 1 << CHUNK_BITS;
/** Spent chunks a log keeps for reuse: a GetRecords call reads up to 10,000 records (five chunks) at once. */
const SPARE_CHUNKS = 8;

/** A chunk of packed records (struct of arrays). */
interface Chunk {
  sentUs: Float64Array;
  ints: Int32Array;
}

/** Stands in the chunk list for a spent chunk (so the list holds one type). */
const EMPTY_CHUNK: Chunk = { sentUs: new Float64Array(0), ints: new Int32Array(0) };

function newChunk(): Chunk {
  return { sentUs: new Float64Array(CHUNK), ints: new Int32Array(PACKED * CHUNK) };
}

/**
 * One shard's records from the oldest still needed, in sequence order: objects in a ring, then accepted records not
 * yet read kept as numbers (packed). A ring (not an array sliced on compaction) so that appending and dropping the
 * front cost O(1) per record.
 */
export class RecordLog {
  /** The record at `pos` is `ring[(head + pos - base) & mask]` for base <= pos < base + held. */
  private ring: (StreamRecord | undefined)[] = new Array<StreamRecord | undefined>(1024);
  private mask = 1023;
  private head = 0;
  private held = 0;
  private base = 0;
  /** Packed records after the ring, in chunks of CHUNK records: a record
   *  becomes an object only when something asks for it (`at`), which in practice is when it has arrived and the
   *  mapping reads it. The oldest is at `packedHead` of `chunks[chunkHead]`; the chunks before chunkHead are spent. */
  private chunks: Chunk[] = [];
  private chunkHead = 0;
  private packedHead = 0;
  private packedCount = 0;
  /** Spent chunks kept for the next ones needed (at most SPARE_CHUNKS), so that a backlog read in bursts while it
   *  grows record by record allocates only for its growth. */
  private readonly spares: Chunk[] = [];
  /** The production index of the last record appended (the next packed record's difference is from it), and of the
   *  last record made an object (the next unpacked record's difference is added to it). */
  private lastN = 0;
  private readN = 0;
  /** Differences too large for an int32, by pos (in practice empty). */
  private readonly wideValues = new Map<number, number>();
  /** The kinds of packed records: origin and sizeBytes, two numbers per kind; `kind` is the last one used. */
  private readonly kinds: number[] = [];
  private kind = -1;
  /** Leading held records already known to be droppable (a record once droppable stays so: the checkpoint and the
   *  retention sweep only move forward and an end state is sticky), so compaction never rescans them. */
  private droppable = 0;
  /** Records appended so far (also the next record's pos). */
  accepted = 0;

  /** The record at `pos`, or undefined when it is not held (not accepted yet, or dropped by compaction). */
  at(pos: number): StreamRecord | undefined {
    const k = pos - this.base;
    if (k >= 0 && k < this.held) return this.ring[(this.head + k) & this.mask];
    if (k < this.held || k >= this.held + this.packedCount) return undefined;
    while (this.held <= k) this.unpack();
    return this.ring[(this.head + k) & this.mask];
  }

  get firstHeldPos(): number {
    return this.base;
  }

  /**
   * The first position at or after `fromPos` whose record arrives after `tUs` (`accepted` when every record has
   * arrived by then): the records from `fromPos` up to it are in the shard at `tUs`. Arrivals never decrease along a
   * shard (a throttled write holds back the writes behind it), so the last record answers alone unless a throttled
   * producer has records accepted for a later second, and then a search by halving does. Reads numbers only: no
   * record object is made. A position before the log's first held record counts as arrived.
   */
  arrivedBy(tUs: number, fromPos: number): number {
    let lo = Math.max(fromPos, this.base);
    let hi = this.accepted;
    if (lo >= hi || this.arrivalUsAt(hi - 1) <= tUs) return Math.max(fromPos, hi);
    hi--;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.arrivalUsAt(mid) <= tUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** When the record at `pos` (held: firstHeldPos <= pos < accepted) arrived or will arrive, packed or not. */
  arrivalUsAt(pos: number): number {
    const k = pos - this.base;
    assert(k >= 0 && k < this.held + this.packedCount, "the arrival of a record the log does not hold");
    if (k < this.held) return arrivalUsOf(this.ring[(this.head + k) & this.mask]!);
    const at = this.packedHead + k - this.held;
    const chunk = this.chunks[this.chunkHead + (at >>> CHUNK_BITS)];
    const slot = at & (CHUNK - 1);
    return arrivalOf(chunk.sentUs[slot], chunk.ints[slot * PACKED + 2]);
  }

  /** The first packed record's position (records before it are objects; from it on, records are packed until
   *  `accepted`). */
  get firstPackedPos(): number {
    return this.base + this.held;
  }

  /** Bytes of the records the last takeArrived took, and whether it stopped at its record or byte limit (rather than
   *  at a record not yet arrived or at the end of the log). */
  takenBytes = 0;
  takeStoppedAtLimit = false;

  /**
   * A reader's call over packed records, read as numbers: from `fromPos` (firstPackedPos or after it) the records
   * that have arrived by `tUs`, taken in order while fewer than `countMax` are taken and, after the first record of
   * the call (`bytes` > 0 or one taken here), while the bytes stay within `bytesMax` (`bytes`: already taken by the
   * call). Returns how many it took; takenBytes says their bytes, takeStoppedAtLimit why it stopped. A packed record
   * has not ended, so none is skipped.
   */
  takeArrived(fromPos: number, tUs: number, countMax: number, bytes: number, bytesMax: number, firstTaken: boolean): number {
    const kinds = this.kinds;
    if (kinds.length === 2 && kinds[1] > 0) return this.takeArrivedOneSize(fromPos, tUs, countMax, bytes, bytesMax, firstTaken, kinds[1]);
    let left = this.accepted - fromPos;
    let at = this.packedHead + fromPos - this.base - this.held;
    let taken = 0;
    let sum = 0;
    let limit = false;
    let stop = false;
    // Chunk by chunk: the chunk's arrays are read once per chunk, not once per record.
    while (!stop && left > 0) {
      const chunk = this.chunks[this.chunkHead + (at >>> CHUNK_BITS)];
      const g = chunk.ints;
      const sent = chunk.sentUs;
      let slot = at & (CHUNK - 1);
      const end = Math.min(CHUNK, slot + left);
      const first = slot;
      for (; slot < end; slot++) {
        const p = slot * PACKED;
        const throttled = g[p + 2];
        const sentUs = sent[slot];
        if ((throttled === 0 ? sentUs : arrivalOf(sentUs, throttled)) > tUs) {
          stop = true;
          break;
        }
        if (taken >= countMax) {
          limit = stop = true;
          break;
        }
        const size = kinds[2 * g[p + 3] + 1];
        if ((firstTaken || taken > 0) && bytes + sum + size > bytesMax) {
          limit = stop = true;
          break;
        }
        sum += size;
        taken++;
      }
      at += slot - first;
      left -= slot - first;
    }
    this.takenBytes = sum;
    this.takeStoppedAtLimit = limit;
    return taken;
  }

  /** takeArrived when every record of the log has one size, `size`: the records that have arrived are found by halving
   *  (arrivals never decrease along a shard: arrivedBy), and the limits are counts, so no record is read one by one. */
  private takeArrivedOneSize(fromPos: number, tUs: number, countMax: number, bytes: number, bytesMax: number, firstTaken: boolean, size: number): number {
    const arrived = this.arrivedBy(tUs, fromPos) - fromPos;
    // The first record of a call is taken whatever its size; each one after it only while the bytes stay within.
    const room = Math.floor((bytesMax - bytes) / size);
    const taken = Math.min(arrived, countMax, firstTaken ? Math.max(0, room) : Math.max(1, room));
    this.takenBytes = taken * size;
    this.takeStoppedAtLimit = taken < arrived;
    return taken;
  }

  /**
   * Make the first packed records objects and append them to `out`, in order, up to `countMax` of them and, after
   * the first record of `out` (`bytes`: the bytes already in it), while the bytes stay within `bytesMax`. A record
   * that does not fit is made an object too but not taken (as a reader asking for it with `at` and leaving it would).
   * Returns how many it took; takenBytes says their bytes. A packed record has not ended, so none is skipped.
   */
  unpackInto(out: StreamRecord[], countMax: number, bytes: number, bytesMax: number): number {
    return this.unpackAt(out, out.length, countMax, bytes, bytesMax);
  }

  /** unpackInto for an empty batch: the records taken in a new array of their own, made at its final size when no
   *  byte limit stops it (not grown record by record). */
  unpackBatch(countMax: number, bytesMax: number): StreamRecord[] {
    const out = new Array<StreamRecord>(Math.min(countMax, this.packedCount));
    const taken = this.unpackAt(out, 0, countMax, 0, bytesMax);
    if (taken < out.length) out.length = taken;
    return out;
  }

  /** unpackInto, writing the records taken at out[at], out[at + 1], ... (`at` records before them in the batch). */
  private unpackAt(out: StreamRecord[], at: number, countMax: number, bytes: number, bytesMax: number): number {
    const kinds = this.kinds;
    let taken = 0;
    let sum = 0;
    let full = false;
    // Chunk by chunk: the chunk's arrays and the ring are read once per chunk, not once per record.
    while (!full && taken < countMax && this.packedCount > 0) {
      const chunk = this.chunks[this.chunkHead];
      const g = chunk.ints;
      const sent = chunk.sentUs;
      const first = this.packedHead;
      const last = Math.min(CHUNK, first + this.packedCount, first + countMax - taken);
      if (this.held + last - first > this.mask + 1) this.growTo(this.held + last - first);
      const ring = this.ring;
      const mask = this.mask;
      let ringAt = this.head + this.held;
      let pos = this.base + this.held;
      let readN = this.readN;
      let slot = first;
      while (slot < last) {
        const p = slot * PACKED;
        const dn = g[p];
        readN += dn !== WIDE_VALUE ? dn : this.wideDifferenceAt(pos);
        const sentUs = sent[slot];
        const throttled = g[p + 2];
        const kind = 2 * g[p + 3];
        const size = kinds[kind + 1];
        const r = recordOf(readN, g[p + 1], sentUs, size, pos, throttled === 0 ? kinds[kind] : smallInt(kinds[kind] + throttled * ORIGIN_SPAN));
        ring[ringAt & mask] = r;
        ringAt++;
        pos++;
        slot++;
        // A record that does not fit is made an object (held) but not taken.
        if (at + taken > 0 && bytes + sum + size > bytesMax) {
          full = true;
          break;
        }
        out[at + taken] = r;
        sum += size;
        taken++;
      }
      const made = slot - first;
      this.readN = readN;
      this.held += made;
      this.packedCount -= made;
      this.packedHead = slot;
      if (slot === CHUNK || this.packedCount === 0) this.spendChunk();
    }
    this.takenBytes = sum;
    return taken;
  }

  /** The first position from `fromPos` (held) before `toPos` whose record has neither the reader's mark `mark` nor
   *  the end state `end`; `toPos` when every record before it has one of them. A packed record has neither: the scan
   *  stops there without making it an object. */
  firstWithout(fromPos: number, toPos: number, mark: number, end: RecEnd): number {
    const m = mark << END_BITS;
    const heldEnd = Math.min(toPos, this.base + this.held);
    let pos = fromPos;
    while (pos < heldEnd) {
      const state = fields(this.ring[(this.head + pos - this.base) & this.mask]!).state;
      if ((state & m) === 0 && (state & END_MASK) !== end) return pos;
      pos++;
    }
    return pos;
  }

  /** The size of the record at `pos` (held: firstHeldPos <= pos < accepted), packed or not: no object is made. */
  sizeBytesAt(pos: number): number {
    const k = pos - this.base;
    if (k < this.held) return this.ring[(this.head + k) & this.mask]!.sizeBytes;
    const at = this.packedHead + k - this.held;
    const chunk = this.chunks[this.chunkHead + (at >>> CHUNK_BITS)];
    return this.kinds[2 * chunk.ints[(at & (CHUNK - 1)) * PACKED + 3] + 1];
  }

  /** The key of the record at `pos` (held), packed or not: no object is made. */
  keyIndexAt(pos: number): number {
    const k = pos - this.base;
    if (k < this.held) return this.ring[(this.head + k) & this.mask]!.keyIndex;
    const at = this.packedHead + k - this.held;
    const chunk = this.chunks[this.chunkHead + (at >>> CHUNK_BITS)];
    return chunk.ints[(at & (CHUNK - 1)) * PACKED + 1];
  }

  /** Where the record at `pos` (held) ended: a packed record has not ended (a record is made an object before it
   *  can end). */
  endAt(pos: number): RecEnd {
    const k = pos - this.base;
    return k < this.held ? endOf(this.ring[(this.head + k) & this.mask]!) : RecEnd.None;
  }

  /** Append an accepted write as an object; only while no packed records wait. */
  append(w: RecordWrite): StreamRecord {
    assert(this.packedCount === 0, "a record object appended behind packed records");
    const r = newRecord(w, this.accepted);
    this.hold(r);
    this.accepted++;
    this.lastN = this.readN = w.n;
    return r;
  }

  /** Append an accepted write kept as numbers until it is asked for. `w.arrivalUs` must follow from its send time
   *  and throttled attempts (arrivalOf): it is not stored. */
  appendPacked(w: RecordWrite): void {
    // Unthrottled writes arrive when sent; only a throttled one needs its arrival checked.
    if (w.throttledWrites !== 0 && arrivalOf(w.sentUs, w.throttledWrites) !== w.arrivalUs) assert(false, "a packed record's arrival is not its send time plus its throttled seconds");
    this.appendPackedFields(w.n, w.keyIndex, w.sentUs, w.throttledWrites, w.producer * 4 + w.eventName + 1, w.sizeBytes);
  }

  /**
   * appendPacked for a write given as its fields (a producer's run puts them so, without a RecordWrite to fill):
   * production index, key, send time, throttled attempts (its arrival follows: arrivalOf), origin (producer x 4 +
   * eventName + 1) and size.
   */
  appendPackedFields(n: number, keyIndex: number, sentUs: number, throttled: number, origin: number, sizeBytes: number): void {
    const packedCount = this.packedCount;
    const at = this.packedHead + packedCount;
    const c = (at >>> CHUNK_BITS) + this.chunkHead;
    if (c === this.chunks.length) this.chunks.push(this.takeChunk());
    const chunk = this.chunks[c];
    const slot = at & (CHUNK - 1);
    chunk.sentUs[slot] = sentUs;
    const g = chunk.ints;
    const p = slot * PACKED;
    // The usual cases inline: differences that fit, and the same kind as the record before.
    const dn = n - this.lastN;
    g[p] = (dn | 0) === dn && dn !== WIDE_VALUE ? dn : this.wideDifference(dn);
    g[p + 1] = keyIndex;
    g[p + 2] = throttled;
    const kinds = this.kinds;
    const k = this.kind;
    g[p + 3] = k >= 0 && kinds[2 * k] === origin && kinds[2 * k + 1] === sizeBytes ? k : this.kindOf(origin, sizeBytes);
    this.lastN = n;
    this.packedCount = packedCount + 1;
    this.accepted++;
  }

  /** Drop records no longer needed: those before `checkpointPos` that either ended or were checked against retention
   *  (before `sweepPos`). The front is dropped once it is 1,024 records, half the log, or all of it (the same points
   *  as ever: what `at` returns for a dropped record is undefined, so when records go is part of the behaviour). */
  compact(checkpointPos: number, sweepPos: number): void {
    let k = this.droppable;
    // Packed records come after the reader's cursor, so never droppable; they count in the log's length.
    const n = this.held + this.packedCount;
    while (k < this.held) {
      const r = this.ring[(this.head + k) & this.mask]!;
      const pos = this.base + k;
      if (pos >= checkpointPos || (endOf(r) === RecEnd.None && pos >= sweepPos)) break;
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

  private hold(r: StreamRecord): void {
    if (this.held > this.mask) this.grow();
    this.ring[(this.head + this.held) & this.mask] = r;
    this.held++;
  }

  /** A difference that is not an int32 (or is WIDE_VALUE itself): kept by pos, WIDE_VALUE written in its place. */
  private wideDifference(d: number): number {
    this.wideValues.set(this.accepted, d);
    return WIDE_VALUE;
  }

  /** The difference kept for the record at `pos`. */
  private wideDifferenceAt(pos: number): number {
    const d = this.wideValues.get(pos)!;
    this.wideValues.delete(pos);
    return d;
  }

  /** The index of the kind (origin, sizeBytes), added to the list when new. */
  private kindOf(origin: number, sizeBytes: number): number {
    assert(origin >= 0 && origin < ORIGIN_SPAN, "more producers than a record's origin field has room for");
    const kinds = this.kinds;
    let k: number;
    for (k = 0; 2 * k < kinds.length; k++) if (kinds[2 * k] === origin && kinds[2 * k + 1] === sizeBytes) break;
    if (2 * k === kinds.length) kinds.push(origin, sizeBytes);
    this.kind = k;
    return k;
  }

  /** Make the oldest packed record an object at the ring's end (returned). */
  private unpack(): StreamRecord {
    const chunk = this.chunks[this.chunkHead];
    const slot = this.packedHead;
    const g = chunk.ints;
    const p = slot * PACKED;
    const pos = this.base + this.held;
    const dn = g[p];
    const n = (this.readN += dn !== WIDE_VALUE ? dn : this.wideDifferenceAt(pos));
    const sentUs = chunk.sentUs[slot];
    const throttled = g[p + 2];
    const kind = 2 * g[p + 3];
    const kinds = this.kinds;
    const r = recordOf(n, g[p + 1], sentUs, kinds[kind + 1], pos, throttled === 0 ? kinds[kind] : smallInt(kinds[kind] + throttled * ORIGIN_SPAN));
    this.packedCount--;
    if (++this.packedHead === CHUNK || this.packedCount === 0) this.spendChunk();
    this.hold(r);
    return r;
  }

  /** The head chunk is read to its end (or nothing packed is left): let it go, keeping it as a spare. */
  private spendChunk(): void {
    const chunks = this.chunks;
    this.packedHead = 0;
    if (this.packedCount === 0) {
      // Nothing packed left: the head chunk (the last) stays, and the next packed record starts at its beginning.
      if (this.chunkHead !== 0 || chunks.length !== 1) {
        this.chunks = [chunks[this.chunkHead]];
        this.chunkHead = 0;
      }
      return;
    }
    if (this.spares.length < SPARE_CHUNKS) this.spares.push(chunks[this.chunkHead]);
    chunks[this.chunkHead] = EMPTY_CHUNK;
    this.chunkHead++;
    // Drop the spent slots at the front once they are half the list (the list stays as long as the backlog).
    if (this.chunkHead * 2 >= chunks.length) {
      this.chunks = chunks.slice(this.chunkHead);
      this.chunkHead = 0;
    }
  }

  private takeChunk(): Chunk {
    return this.spares.pop() ?? newChunk();
  }

  private grow(): void {
    this.growTo(this.held + 1);
  }

  /** Grow the ring (doubling) until it has room for `count` records. */
  private growTo(count: number): void {
    let cap = (this.mask + 1) * 2;
    while (cap < count) cap *= 2;
    const ring = new Array<StreamRecord | undefined>(cap);
    for (let k = 0; k < this.held; k++) ring[k] = this.ring[(this.head + k) & this.mask];
    this.ring = ring;
    this.head = 0;
    this.mask = cap - 1;
  }
}
