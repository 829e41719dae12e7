import { describe, expect, it } from "vitest";
import { formatDurationUs } from "../src/scenario/units.js";

describe("durations for people", () => {
  it.each([
    [250_000, "250ms"],
    [1_500_000, "1.5s"],
    [150_000_000, "2m 30s"],
    [119_600_000, "2m"],
    [3_599_700_000, "1h"],
    [86_399_000_000, "1d"],
    [4 * 86_400_000_000 - 1_000_000, "4d"],
    [3 * 86_400_000_000 + 4 * 3_600_000_000, "3d 4h"],
  ])("formats %d us as %s, carrying a rounded-up smaller unit", (us, text) => {
    expect(formatDurationUs(us)).toBe(text);
  });
});

import { smallInt } from "../src/engine/time.js";

describe("smallInt", () => {
  it("never changes a value: whole numbers in 32 bits, and everything else as it is", () => {
    for (const x of [0, 1, -1, 354_909_950, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 + 5, 86_482_226_450, 1.5, -2.25, Infinity, -Infinity]) {
      expect(smallInt(x)).toBe(x);
    }
    expect(Number.isNaN(smallInt(NaN))).toBe(true);
    expect(Object.is(smallInt(-0), 0)).toBe(true); // the one change: -0 (never a time here) becomes 0
  });
});

import { fmtAllPassed, fmtCount, fmtShare } from "../src/report/format.js";

describe("shares and counts for people", () => {
  it.each([
    [1, 120_001, "<0.1%"],
    [61, 120_001, "0.1%"],
    [0, 120_001, "0.0%"],
    [120_000, 120_001, ">99.9%"],
    [120_001, 120_001, "100.0%"],
    [1, 3, "33.3%"],
    [0, 0, "-"],
  ])("%d of %d is %s: a share above zero never reads 0.0%, one below all never 100.0%", (n, total, text) => {
    expect(fmtShare(n, total)).toBe(text);
  });

  it("says one thing in the singular", () => {
    expect(fmtAllPassed(1)).toBe("1 passed");
    expect(fmtAllPassed(4)).toBe("all 4 passed");
    expect(fmtAllPassed(1, "expectation")).toBe("1 expectation passed");
    expect(fmtAllPassed(2, "expectation")).toBe("all 2 expectations passed");
    expect(fmtCount(1, "record")).toBe("1 record");
    expect(fmtCount(1200, "record")).toBe("1,200 records");
  });
});

import fc from "fast-check";
import { formatCount } from "../src/scenario/units.js";

describe("counts with thousands separators", () => {
  it("writes every number exactly as toLocaleString('en-US') does", () => {
    const edges = [0, -0, 1, -1, 999, 1000, -1000, 999_999, 1_000_000, 50_000_000, 2 ** 31, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e21, 0.5, 1234.5678, -0.0004, NaN, Infinity, -Infinity];
    for (const n of edges) expect(formatCount(n), String(n)).toBe(n.toLocaleString("en-US"));
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.maxSafeInteger(), fc.double()), (n) => formatCount(n) === n.toLocaleString("en-US")),
      { numRuns: 5000, seed: 21 },
    );
  });
});
