import { describe, expect, it } from "vitest";
import { NumberTable, RecordPositions, SlotTable, StateTable } from "../src/checks/tables.js";
import type { SimRecord } from "../src/trace/events.js";

const rec = (n: number): SimRecord => ({ n, keyIndex: 0, sentUs: 0, sizeBytes: 1 });

describe("NumberTable", () => {
  it("reads `missing` at an index never set, and what was set at one that was", () => {
    const t = new NumberTable(NaN);
    expect(t.get(0)).toBeNaN();
    t.set(0, 5);
    t.set(4095, 6);
    t.set(4096, 7);
    expect([t.get(0), t.get(4095), t.get(4096)]).toEqual([5, 6, 7]);
    expect(t.get(1)).toBeNaN();
    expect(t.get(4097)).toBeNaN();
  });

  it("an index far beyond the others reads back, and the indexes around it stay missing", () => {
    const t = new NumberTable(-1, "int32");
    t.set(3, 1);
    t.set(2 ** 32 - 1, 2);
    t.set(1_000_000_000, 3);
    expect([t.get(3), t.get(2 ** 32 - 1), t.get(1_000_000_000)]).toEqual([1, 2, 3]);
    expect([t.get(2 ** 32 - 2), t.get(999_999_999), t.get(1_000_000_001), t.get(500_000_000)]).toEqual([-1, -1, -1, -1]);
  });

  it("keeps an index that is not an array index (negative, fractional, NaN, 2^32 and beyond) apart, as a Map would", () => {
    const t = new NumberTable(-Infinity);
    const odd = [-1, 0.5, NaN, 2 ** 32, 2 ** 53, Infinity, -Infinity];
    odd.forEach((i, v) => t.set(i, v + 10));
    expect(odd.map((i) => t.get(i))).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect([t.get(0), t.get(1), t.get(-2), t.get(1.5)]).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
  });

  it("takes -0 as index 0, as a Map key does", () => {
    const t = new NumberTable(0);
    t.set(-0, 8);
    expect(t.get(0)).toBe(8);
  });
});

describe("RecordPositions", () => {
  it("finds the records of the list it was last given, at their first position", () => {
    const [a, b, c] = [rec(0), rec(1), rec(2)];
    const p = new RecordPositions();
    p.load([b, a, b]);
    expect([p.firstAt(a), p.firstAt(b), p.firstAt(c)]).toEqual([1, 0, -1]);
    expect(p.has(c)).toBe(false);
  });

  it("does not take another object with a record's production index for that record", () => {
    const a = rec(7);
    const copy = { ...a };
    const p = new RecordPositions();
    p.load([a]);
    expect(p.has(a)).toBe(true);
    expect(p.has(copy)).toBe(false);
    // Both objects in one list: each is found at its own first position.
    p.load([a, copy, copy]);
    expect([p.firstAt(a), p.firstAt(copy)]).toEqual([0, 1]);
  });

  it("forgets the previous list's records when given the next, even at the same position", () => {
    const [a, b] = [rec(0), rec(1)];
    const p = new RecordPositions();
    p.load([a, b]);
    p.load([b]);
    expect([p.firstAt(a), p.firstAt(b)]).toEqual([-1, 0]);
    p.load([]);
    expect(p.has(b)).toBe(false);
  });

  it("finds records whose production index is not an array index, or far beyond the others", () => {
    const odd = [rec(-1), rec(0.5), rec(NaN), rec(2 ** 32 - 1), rec(2 ** 40)];
    const p = new RecordPositions();
    p.load(odd);
    expect(odd.map((r) => p.firstAt(r))).toEqual([0, 1, 2, 3, 4]);
    p.load(odd.slice(2));
    expect(odd.map((r) => p.firstAt(r))).toEqual([-1, -1, 0, 1, 2]);
  });

  it("numbers positions from 0 again when they would pass what the window holds, and still finds only the current list", () => {
    const [a, b, c] = [rec(0), rec(1), rec(2)];
    const p = new RecordPositions(5);
    for (let round = 0; round < 4; round++) {
      p.load([a, b, c]);
      expect([p.firstAt(a), p.firstAt(b), p.firstAt(c)]).toEqual([0, 1, 2]);
      p.load([c, a]);
      expect([p.firstAt(a), p.firstAt(b), p.firstAt(c)]).toEqual([1, -1, 0]);
    }
  });

  it("finds the records of lists whose indexes span more than its window, or less, or fall anywhere", () => {
    const p = new RecordPositions();
    const wide = [rec(3), rec(3 + 2 ** 21), rec(3)];
    p.load(wide);
    expect(wide.map((r) => p.firstAt(r))).toEqual([0, 1, 2]);
    const later = [rec(5_000_000), rec(5_000_016), rec(5_000_008)];
    p.load(later);
    expect(later.map((r) => p.firstAt(r))).toEqual([0, 1, 2]);
    expect([p.firstAt(wide[0]), p.firstAt(rec(5_000_016)), p.firstAt(rec(5_000_004))]).toEqual([-1, -1, -1]);
    p.load(wide);
    expect(later.map((r) => p.firstAt(r))).toEqual([-1, -1, -1]);
  });

  it("finds the records of a list whose indexes run on one by one, and of one with gaps and repeats", () => {
    const run = [rec(40), rec(41), rec(42)];
    const p = new RecordPositions();
    p.load(run);
    expect(run.map((r) => p.firstAt(r))).toEqual([0, 1, 2]);
    expect([p.firstAt(rec(41)), p.firstAt(rec(43)), p.firstAt(rec(39)), p.firstAt(rec(40.5))]).toEqual([-1, -1, -1, -1]);
    const gaps = [rec(42), rec(7), run[0], rec(7)];
    p.load(gaps);
    expect(gaps.map((r) => p.firstAt(r))).toEqual([0, 1, 2, 3]);
    expect(p.firstAt(run[1])).toBe(-1);
    p.load(run.slice(1));
    expect(run.map((r) => p.firstAt(r))).toEqual([-1, 0, 1]);
  });

  it("finds two objects with one production index beyond the exact integers each at its own place", () => {
    const top = 2 ** 53; // top + 1 === top
    const [a, b] = [rec(top), rec(top)];
    const p = new RecordPositions();
    p.load([a, b]);
    expect([p.firstAt(a), p.firstAt(b)]).toEqual([0, 1]);
  });
});

describe("NumberTable that drops empty chunks", () => {
  it("holds a chunk only while one of its indexes holds something other than `missing`", () => {
    const t = new NumberTable(-1, "int32", true);
    for (let i = 0; i < 10_000; i++) t.set(i, 3);
    expect(t.chunkCount).toBe(3);
    for (let i = 0; i < 8_192; i++) t.clear(i);
    expect(t.chunkCount).toBe(1);
    expect([t.get(0), t.get(8_191), t.get(8_192), t.get(9_999)]).toEqual([-1, -1, 3, 3]);
    t.set(5, 4);
    expect([t.chunkCount, t.get(5), t.get(6)]).toEqual([2, 4, -1]);
  });

  it("makes no chunk to clear an index never set, and counts NaN as missing where NaN is", () => {
    const t = new NumberTable(NaN, "float64", true);
    t.clear(12);
    expect(t.chunkCount).toBe(0);
    t.set(12, 1);
    t.set(12, 2);
    t.set(12, NaN);
    expect(t.chunkCount).toBe(0);
    t.set(-3, 1);
    t.clear(-3);
    expect(t.get(-3)).toBeNaN();
  });
});

describe("StateTable", () => {
  it("reads 0 where no state was set", () => {
    const t = new StateTable();
    expect([t.get(0), t.get(99_999), t.get(-1)]).toEqual([0, 0, 0]);
  });

  it("shares one chunk among the chunks whose 4,096 indexes all hold the same state, and reads them back", () => {
    const t = new StateTable();
    for (let i = 0; i < 3 * 4096; i++) t.set(i, i < 2 * 4096 ? 1 : 2);
    expect(t.ownChunkCount).toBe(0);
    expect([t.get(0), t.get(8_191), t.get(8_192), t.get(12_287), t.get(12_288)]).toEqual([1, 1, 2, 2, 0]);
  });

  it("keeps a chunk of mixed states, and one not yet full, as its own", () => {
    const t = new StateTable();
    for (let i = 0; i < 4096; i++) t.set(i, i === 17 ? 3 : 1);
    for (let i = 4096; i < 4096 + 10; i++) t.set(i, 1);
    expect(t.ownChunkCount).toBe(2);
    expect([t.get(16), t.get(17), t.get(18), t.get(4105), t.get(4106)]).toEqual([1, 3, 1, 1, 0]);
  });

  it("writing another state into a shared chunk changes that index alone", () => {
    const t = new StateTable();
    const u = new StateTable();
    for (let i = 0; i < 4096; i++) {
      t.set(i, 1);
      u.set(i, 1);
    }
    t.set(5, 4);
    expect([t.get(4), t.get(5), t.get(6), u.get(5)]).toEqual([1, 4, 1, 1]);
    expect([t.ownChunkCount, u.ownChunkCount]).toEqual([1, 0]);
  });

  it("keeps an index that is not an array index apart", () => {
    const t = new StateTable();
    t.set(-1, 2);
    t.set(0.5, 3);
    expect([t.get(-1), t.get(0.5), t.get(0), t.get(1)]).toEqual([2, 3, 0, 0]);
  });
});

describe("SlotTable", () => {
  it("gets what was set under a key until it is deleted, and counts the keys it holds", () => {
    const t = new SlotTable<{ v: number }>();
    const a = { v: 1 };
    t.set(7, a);
    t.set(2 ** 40, { v: 2 });
    expect(t.get(7)).toBe(a);
    expect(t.get(2 ** 40)).toEqual({ v: 2 });
    expect(t.size).toBe(2);
    t.set(7, { v: 3 });
    expect(t.get(7)).toEqual({ v: 3 });
    expect(t.size).toBe(2);
    expect(t.delete(7)).toBe(true);
    expect(t.delete(7)).toBe(false);
    expect(t.get(7)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it("reuses the slot of a deleted key, so entries that come and go take the slots of those in flight at once", () => {
    const t = new SlotTable<number[]>();
    // A window of 3 keys in flight, moving along 10,000 keys.
    for (let k = 0; k < 10_000; k++) {
      t.set(k, [k]);
      if (k >= 3) expect(t.delete(k - 3)).toBe(true);
    }
    expect(t.size).toBe(3);
    expect([t.get(9_997), t.get(9_998), t.get(9_999)]).toEqual([[9_997], [9_998], [9_999]]);
    expect((t as unknown as { slots: unknown[] }).slots.length).toBe(4);
  });
});
