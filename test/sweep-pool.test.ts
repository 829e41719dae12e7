// The pool that runs sweep rows, --sensitivity variants and calibrate's runs: `jobs` at a time, this thread being one
// of them, with results in row order whatever ran where.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRowPool, runRows, RowFailure } from "../src/cli/sweep-pool.js";
import type { GridRow, SweepSpec } from "../src/sweep/sweep.js";

const file = join(__dirname, "..", "scenarios", "learn-sqs-batch-window.yaml");
const spec = (): SweepSpec => ({ file, text: readFileSync(file, "utf8"), seed: null, until: null, set: [], vary: [], shard: null });
const rows = (values: number[]): GridRow[] => values.map((v, i) => ({ index: i + 1, params: [["mapping.BatchSize", String(v)]] }));

describe("the row pool", () => {
  it("runs a batch on this thread and jobs - 1 worker threads, and returns the rows in order, as one job does", async () => {
    const grid = rows([1, 2, 5, 10, 20, 50]);
    const alone = await runRows(spec(), grid, 1);
    const pool = openRowPool(spec(), 2);
    try {
      const shared = await pool.run(grid);
      expect(shared).toEqual(alone);
      expect(shared.map((r) => r.params["mapping.BatchSize"])).toEqual(["1", "2", "5", "10", "20", "50"]);
      expect(pool.threads).toBe(1);
      expect(pool.ranHere).toBeGreaterThan(0);
      expect(pool.ranHere).toBeLessThan(grid.length);
      // A second batch reuses the worker.
      expect(await pool.run(rows([3, 4]))).toEqual(await runRows(spec(), rows([3, 4]), 1));
      expect(pool.threads).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("names the row that failed, whichever thread ran it", async () => {
    const bad: GridRow[] = [...rows([1, 2, 3]), { index: 4, params: [["mapping.BatchSize", "0"]] }];
    for (const jobs of [1, 2]) {
      const e = await runRows(spec(), bad, jobs).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RowFailure);
      expect((e as RowFailure).row.index).toBe(4);
      expect((e as RowFailure).message).toMatch(/row 4 is invalid/);
    }
  }, 60_000);
});
