import { describe, expect, it } from "vitest";
import { NumberTable, RecordPositions } from "../src/checks/tables.js";
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

  it("numbers positions from 0 again when they would pass what the slots hold, and still finds only the current list", () => {
    const [a, b, c] = [rec(0), rec(1), rec(2)];
    const p = new RecordPositions(5);
    for (let round = 0; round < 4; round++) {
      p.load([a, b, c]);
      expect([p.firstAt(a), p.firstAt(b), p.firstAt(c)]).toEqual([0, 1, 2]);
      p.load([c, a]);
      expect([p.firstAt(a), p.firstAt(b), p.firstAt(c)]).toEqual([1, -1, 0]);
    }
  });
});
