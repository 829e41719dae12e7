/**
 * Sweep size limits: a grid larger than --max-rows (default 10,000) is refused at once with its size and the flag
 * that allows it, instead of checking a million rows in silence; --jobs above the machine's available parallelism
 * runs but says, in one line, that the extra worker threads do not help.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_ROWS } from "../src/sweep/limits.js";
import { gridSize, gridTooLarge, parseVary, type Vary } from "../src/sweep/sweep.js";
import { cli } from "./cli-helpers.js";
import { GOLDEN } from "./golden-helper.js";

const file = join(GOLDEN, "sweep.yaml");
const hundred = Array.from({ length: 100 }, (_, i) => i + 1).join(",");

describe("sweep grid size", () => {
  it("refuses three --vary of 100 values (1,000,000 rows) at once, naming --max-rows", async () => {
    const t0 = performance.now();
    const r = await cli("sweep", file, "--vary", `mapping.BatchSize=${hundred}`, "--vary", `function.Timeout=${hundred}`, "--vary", `source.VisibilityTimeout=${hundred}`);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.code).toBe(2);
    expect(r.err).toBe("esm-sim: sweep: the grid has 1,000,000 rows (100 x 100 x 100 values), more than the 10,000 allowed: vary fewer values, or allow it with --max-rows 1000000\n");
  });

  it("--max-rows lowers and raises the limit", async () => {
    const vary = ["--vary", "mapping.BatchSize=1,5", "--vary", "function.duration.base=20ms,100ms,300ms"];
    const refused = await cli("sweep", file, ...vary, "--max-rows", "5", "--jobs", "1");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/the grid has 6 rows \(2 x 3 values\), more than the 5 allowed: vary fewer values, or allow it with --max-rows 6/);
    const ran = await cli("sweep", file, ...vary, "--max-rows", "6", "--jobs", "1", "--format", "csv");
    expect(ran.code).toBeLessThan(2); // 1 when a row fails one of the scenario's expectations
    expect(ran.out.trim().split("\n")).toHaveLength(7);
    for (const bad of ["0", "-1", "x", "1e3", "99999999999999999999"]) {
      const r = await cli("sweep", file, ...vary, "--max-rows", bad);
      expect(r.code, bad).toBe(2);
      expect(r.err).toBe(`esm-sim: --max-rows: must be a whole number of at least 1 (got ${JSON.stringify(bad)})\n`);
    }
  });

  it("counts rows without listing them, and says when no flag could allow the grid", () => {
    const v = (n: number): Vary => parseVary(`p${n}=${Array.from({ length: 1000 }, (_, i) => i).join(",")}`) as Vary;
    const big = [v(1), v(2), v(3), v(4), v(5), v(6)];
    expect(gridSize(big)).toBe(1e18);
    expect(gridTooLarge(big, DEFAULT_MAX_ROWS)).toMatch(/the grid has 1,000,000,000,000,000,000 rows \(1,000 x 1,000 x 1,000 x 1,000 x 1,000 x 1,000 values\), more than the 10,000 allowed: vary fewer values$/);
    expect(gridTooLarge([v(1), v(2)], 1_000_000)).toBeNull();
  });
});

describe("sweep --jobs", () => {
  it("warns in one line when --jobs exceeds the available parallelism, and still runs", async () => {
    const jobs = availableParallelism() + 1;
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=1,5", "--jobs", String(jobs), "--format", "csv");
    expect(r.code).toBe(0);
    const warnings = r.err.split("\n").filter((l) => l !== "");
    expect(warnings).toEqual([`esm-sim: warning: --jobs ${jobs} is more than the ${availableParallelism()} threads this machine runs at once (os.availableParallelism()); the extra worker threads add memory and switching, not speed`]);
  });

  it("says nothing when --jobs fits", async () => {
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=1,5", "--jobs", "1", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
  });
});
