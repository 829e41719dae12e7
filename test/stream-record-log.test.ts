import { describe, expect, it } from "vitest";
import { arrivalOf, arrivalUsOf, changeMarks, clearMark, countDelivery, countDeliveryMarking, deliveriesOf, endChangingMarks, endOf, endRecord, eventNameIndexOf, hasMark, newRecordWrite, posOf, producerOf, RecEnd, RecordLog, setMark, throttledWritesOf, type StreamRecord } from "../src/sources/stream-record.js";

/** The fields a write gives its record, for record `i` of a test log: sparse, wide and mixed values on purpose. */
function writeOf(i: number) {
  const w = newRecordWrite();
  w.n = i * 3 + (i % 7 === 0 ? 5_000_000_000 : 0) + (i > 5000 ? 2 ** 40 : 0);
  w.keyIndex = (i * 37) % 1001;
  w.sentUs = i * 1_000 + (i > 4000 ? 3_000_000_000 : 0) + (i > 6000 ? 2 ** 45 : 0);
  w.sizeBytes = i % 5 === 0 ? 3_000_000_000 : 100 + (i % 3);
  w.producer = i % 4;
  w.eventName = (i % 3) - 1;
  w.throttledWrites = i % 11 === 0 ? 2 : 0;
  w.arrivalUs = arrivalOf(w.sentUs, w.throttledWrites);
  return w;
}

describe("a shard's record log", () => {
  it("gives back every packed record with the fields it was written with, in order, across many chunks", () => {
    const log = new RecordLog();
    const count = 9_000;
    for (let i = 0; i < count; i++) log.appendPacked(writeOf(i));
    // Read in bursts, as a reader does, while more records keep coming.
    for (let i = count; i < count + 3_000; i++) log.appendPacked(writeOf(i));
    // Arrivals are read by position without making records objects, across chunks.
    // So are sizes and keys, and a packed record has no end state yet.
    for (const pos of [0, 1, 2047, 2048, 2049, 4095, 5000, 8191, 11_999]) {
      const w = writeOf(pos);
      expect([log.arrivalUsAt(pos), log.sizeBytesAt(pos), log.keyIndexAt(pos), log.endAt(pos)]).toEqual([w.arrivalUs, w.sizeBytes, w.keyIndex, RecEnd.None]);
    }
    for (let pos = 0; pos < count + 3_000; pos++) {
      const r = log.at(pos)!;
      const w = writeOf(pos);
      expect([posOf(r), r.n, r.keyIndex, r.sentUs, r.sizeBytes, producerOf(r), eventNameIndexOf(r), throttledWritesOf(r), arrivalUsOf(r)]).toEqual([
        pos,
        w.n,
        w.keyIndex,
        w.sentUs,
        w.sizeBytes,
        w.producer,
        w.eventName,
        w.throttledWrites,
        w.arrivalUs,
      ]);
      // Read as an object, the same fields by position; an ended record says how it ended.
      expect([log.sizeBytesAt(pos), log.keyIndexAt(pos), log.endAt(pos)]).toEqual([w.sizeBytes, w.keyIndex, RecEnd.None]);
      if (pos % 2 === 0) endRecord(r, RecEnd.Succeeded);
      expect(log.endAt(pos)).toBe(pos % 2 === 0 ? RecEnd.Succeeded : RecEnd.None);
      log.compact(pos + 1, pos + 1);
    }
    expect(log.at(count + 3_000)).toBeUndefined();
  });

  it("takes a record as an object after its packed backlog is read, and keeps their order", () => {
    const log = new RecordLog();
    for (let i = 0; i < 3_000; i++) log.appendPacked(writeOf(i));
    for (let pos = 0; pos < 3_000; pos++) {
      expect(log.at(pos)!.n).toBe(writeOf(pos).n);
      log.compact(pos + 1, pos + 1);
    }
    const r = log.append(writeOf(3_000));
    expect(posOf(r)).toBe(3_000);
    // a later backlog is counted from the last record appended as an object
    log.appendPacked(writeOf(3_001));
    expect(log.at(3_001)!.n).toBe(writeOf(3_001).n);
    expect(log.at(3_001)!.sentUs).toBe(writeOf(3_001).sentUs);
  });

  it("finds the first record without a mark or an end state, stopping at packed records without making them objects", () => {
    const log = new RecordLog();
    for (let i = 0; i < 100; i++) log.appendPacked(writeOf(i));
    // records 0-59 become objects; 0-9 carry the mark, 10 expired, 11 the mark, 12 neither
    log.at(59);
    for (let pos = 0; pos < 10; pos++) setMark(log.at(pos)!, 1);
    endRecord(log.at(10)!, RecEnd.Expired);
    setMark(log.at(11)!, 1);
    expect(log.firstWithout(0, 100, 1, RecEnd.Expired)).toBe(12);
    expect(log.firstWithout(0, 11, 1, RecEnd.Expired)).toBe(11);
    // another mark, or another end state, does not count
    expect(log.firstWithout(0, 100, 2, RecEnd.Expired)).toBe(0);
    expect(log.firstWithout(10, 100, 1, RecEnd.Succeeded)).toBe(10);
    // past the objects: the first packed record, still packed
    for (let pos = 12; pos < 60; pos++) setMark(log.at(pos)!, 1);
    expect(log.firstWithout(0, 100, 1, RecEnd.Expired)).toBe(60);
    expect(log.firstPackedPos).toBe(60);
    expect(log.firstWithout(0, 40, 1, RecEnd.Expired)).toBe(40);
  });

  it("takes packed records into a batch as objects in order, up to a count and a byte limit, leaving the record that does not fit next", () => {
    const log = new RecordLog();
    for (let i = 0; i < 5_000; i++) log.appendPacked(writeOf(i));
    const out: StreamRecord[] = [];
    // A count limit, across a chunk's end.
    expect(log.unpackInto(out, 2_050, 0, Infinity)).toBe(2_050);
    expect(out.map((r) => posOf(r))).toEqual(Array.from({ length: 2_050 }, (_, i) => i));
    expect(out.map((r) => r.n)).toEqual(Array.from({ length: 2_050 }, (_, i) => writeOf(i).n));
    expect(log.takenBytes).toBe(out.reduce((a, r) => a + r.sizeBytes, 0));
    expect(log.firstPackedPos).toBe(2_050);
    // A byte limit: every fifth record is 3,000,000,000 bytes. An empty batch takes one alone (2050); the record
    // after it does not fit, so it is made an object and left: a reader takes it next by position.
    const next: StreamRecord[] = [];
    expect(log.unpackInto(next, 10, 0, 6 * 1024 * 1024)).toBe(1);
    expect(next.map((r) => posOf(r))).toEqual([2_050]);
    expect(log.firstPackedPos).toBe(2_052);
    const small: StreamRecord[] = [log.at(2_051)!];
    expect(small.map((r) => r.n)).toEqual([writeOf(2_051).n]);
    // A batch that holds records stops before the next large one (2055), made an object and left the same way.
    expect(log.unpackInto(small, 10, small[0].sizeBytes, 6 * 1024 * 1024)).toBe(3);
    expect(small.map((r) => posOf(r))).toEqual([2_051, 2_052, 2_053, 2_054]);
    expect(log.firstPackedPos).toBe(2_056);
    expect(posOf(log.at(2_055)!)).toBe(2_055);
    expect(log.at(2_055)!.sizeBytes).toBe(3_000_000_000);
  });

  it("takes packed records into a new batch as unpackInto would into an empty one, at a count or a byte limit", () => {
    const into = new RecordLog();
    const batch = new RecordLog();
    for (let i = 0; i < 5_000; i++) {
      into.appendPacked(writeOf(i));
      batch.appendPacked(writeOf(i));
    }
    // Count limits across a chunk's end, a byte limit (every fifth record is 3,000,000,000 bytes), and more than is left.
    for (const [countMax, bytesMax] of [[2_050, Infinity], [10, 6 * 1024 * 1024], [3, 3_000_000_300], [9_000, Infinity]]) {
      const out: StreamRecord[] = [];
      const taken = into.unpackInto(out, countMax, 0, bytesMax);
      const made = batch.unpackBatch(countMax, bytesMax);
      expect(made.length).toBe(taken);
      expect(made.map((r) => [posOf(r), r.n, r.sentUs, r.sizeBytes])).toEqual(out.map((r) => [posOf(r), r.n, r.sentUs, r.sizeBytes]));
      expect([batch.takenBytes, batch.firstPackedPos]).toEqual([into.takenBytes, into.firstPackedPos]);
    }
    expect(batch.firstPackedPos).toBe(5_000);
  });

  it("takes arrived packed records by position up to an arrival time, a count and a byte limit, across chunks", () => {
    const log = new RecordLog();
    for (let i = 0; i < 9_000; i++) log.appendPacked(writeOf(i));
    // The records a reader would take one by one: arrived by tUs, fewer than countMax, within bytesMax after the first.
    const oneByOne = (from: number, tUs: number, countMax: number, bytes: number, bytesMax: number, firstTaken: boolean) => {
      let taken = 0;
      let sum = 0;
      let limit = false;
      for (let pos = from; pos < 9_000; pos++) {
        if (log.arrivalUsAt(pos) > tUs) break;
        if (taken >= countMax || ((firstTaken || taken > 0) && bytes + sum + log.sizeBytesAt(pos) > bytesMax)) {
          limit = true;
          break;
        }
        sum += log.sizeBytesAt(pos);
        taken++;
      }
      return [taken, sum, limit];
    };
    const cases: [number, number, number, number, number, boolean][] = [
      [0, Infinity, 10_000, 0, Infinity, false],
      [1, 2_100_000, 10_000, 0, Infinity, false],
      [2_040, Infinity, 30, 0, Infinity, false],
      [2_040, Infinity, 5_000, 0, 6_000, false],
      [2_041, Infinity, 5_000, 100, 3_000_000_000, true],
      [4_000, 4_500_000, 10_000, 0, Infinity, false],
      [8_990, Infinity, 10_000, 0, Infinity, true],
    ];
    for (const [from, tUs, countMax, bytes, bytesMax, firstTaken] of cases) {
      const taken = log.takeArrived(from, tUs, countMax, bytes, bytesMax, firstTaken);
      expect([taken, log.takenBytes, log.takeStoppedAtLimit]).toEqual(oneByOne(from, tUs, countMax, bytes, bytesMax, firstTaken));
    }
  });

  it("takes arrived records of a log whose records share one size as record by record, throttled arrivals included", () => {
    const log = new RecordLog();
    const count = 9_000;
    // One producer, one size; records sent in 3-4 s were throttled into the start of second 4 (arrivals never decrease).
    const write = (i: number) => {
      const w = newRecordWrite();
      w.n = i * 2;
      w.keyIndex = i % 7;
      w.sentUs = i * 1_000;
      w.sizeBytes = 100;
      w.throttledWrites = i >= 3_000 && i < 4_000 ? 1 : 0;
      w.arrivalUs = arrivalOf(w.sentUs, w.throttledWrites);
      return w;
    };
    for (let i = 0; i < count; i++) log.appendPacked(write(i));
    const oneByOne = (from: number, tUs: number, countMax: number, bytes: number, bytesMax: number, firstTaken: boolean) => {
      let taken = 0;
      let limit = false;
      for (let pos = from; pos < count; pos++) {
        if (log.arrivalUsAt(pos) > tUs) break;
        if (taken >= countMax || ((firstTaken || taken > 0) && bytes + (taken + 1) * 100 > bytesMax)) {
          limit = true;
          break;
        }
        taken++;
      }
      return [taken, taken * 100, limit];
    };
    const cases: [number, number, number, number, number, boolean][] = [
      [0, Infinity, 10_000, 0, Infinity, false],
      [0, 3_999_999, 10_000, 0, Infinity, false],
      [2_990, 3_999_999, 10_000, 0, Infinity, false],
      [2_990, 4_000_000, 10_000, 0, Infinity, false],
      [100, Infinity, 0, 0, Infinity, false],
      [100, Infinity, 5_000, 0, 1_050, false],
      [100, Infinity, 5_000, 950, 1_050, true],
      [100, Infinity, 5_000, 2_000, 1_050, true],
      [100, Infinity, 5_000, 2_000, 1_050, false],
      [100, 50_000, 5_000, 0, 100, false],
      [8_999, Infinity, 10, 0, Infinity, false],
      [9_000, Infinity, 10, 0, Infinity, false],
    ];
    for (const [from, tUs, countMax, bytes, bytesMax, firstTaken] of cases) {
      const taken = log.takeArrived(from, tUs, countMax, bytes, bytesMax, firstTaken);
      expect([taken, log.takenBytes, log.takeStoppedAtLimit]).toEqual(oneByOne(from, tUs, countMax, bytes, bytesMax, firstTaken));
    }
  });

  it("counts a record's deliveries beside its marks and its end state, without one changing another", () => {
    const log = new RecordLog();
    log.appendPacked(writeOf(1));
    const r = log.at(0)!;
    setMark(r, 1);
    expect(countDeliveryMarking(r, 2)).toBe(RecEnd.None);
    expect([deliveriesOf(r), hasMark(r, 1), hasMark(r, 2), endOf(r)]).toEqual([1, true, true, RecEnd.None]);
    // Setting a mark it has, or clearing one it lacks, changes nothing.
    setMark(r, 2);
    clearMark(r, 4);
    expect([deliveriesOf(r), hasMark(r, 1), hasMark(r, 2), hasMark(r, 4)]).toEqual([1, true, true, false]);
    expect(endRecord(r, RecEnd.Succeeded)).toBe(true);
    expect(endRecord(r, RecEnd.Expired)).toBe(false);
    // Past 2^23 deliveries the count goes on, and the marks and the end state stay as they were.
    for (let i = 0; i < 9_000_000; i++) countDelivery(r);
    changeMarks(r, 4, 1);
    expect(countDeliveryMarking(r, 2)).toBe(RecEnd.Succeeded);
    expect([deliveriesOf(r), hasMark(r, 1), hasMark(r, 2), hasMark(r, 4), endOf(r)]).toEqual([9_000_002, false, true, true, RecEnd.Succeeded]);
    clearMark(r, 2);
    expect([deliveriesOf(r), hasMark(r, 2), hasMark(r, 4), endOf(r)]).toEqual([9_000_002, false, true, RecEnd.Succeeded]);
  });

  it("ends a record and changes its marks in one step, keeping the first end state and the deliveries", () => {
    const log = new RecordLog();
    for (let i = 0; i < 2; i++) log.appendPacked(writeOf(i));
    const [a, b] = [log.at(0)!, log.at(1)!];
    countDeliveryMarking(a, 2);
    countDeliveryMarking(a, 2);
    expect(endChangingMarks(a, RecEnd.Succeeded, 1, 2)).toBe(RecEnd.None);
    expect([endOf(a), hasMark(a, 1), hasMark(a, 2), deliveriesOf(a)]).toEqual([RecEnd.Succeeded, true, false, 2]);
    // Ended already: the end state stays, the marks still change.
    endRecord(b, RecEnd.Expired);
    setMark(b, 2);
    expect(endChangingMarks(b, RecEnd.Succeeded, 1, 2)).toBe(RecEnd.Expired);
    expect([endOf(b), hasMark(b, 1), hasMark(b, 2), deliveriesOf(b)]).toEqual([RecEnd.Expired, true, false, 0]);
  });
});
