/**
 * A bug while a sweep row runs ends in exit 3, naming the row, with the `esm-sim run` line that reproduces that row
 * alone: the sweep's --seed, --until and --set, then the row's own --vary values as --set.
 */
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { InternalError } from "../src/engine/assert.js";
import { cli } from "./cli-helpers.js";

// The real rows, except that row 1 fails an assertion (a stand-in for a bug). --jobs 1 runs the rows in this thread.
vi.mock("../src/sweep/sweep.js", async (orig) => {
  const real = await orig<typeof import("../src/sweep/sweep.js")>();
  return {
    ...real,
    runRow: (spec: Parameters<typeof real.runRow>[0], row: Parameters<typeof real.runRow>[1]) => {
      if (row.index === 1) throw new InternalError("conservation broken: a test-injected assertion");
      return real.runRow(spec, row);
    },
  };
});

describe("an internal error in a sweep row", () => {
  it("exits 3 with the row and a reproduce line for that row", async () => {
    const file = join(__dirname, "golden", "sweep.yaml");
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=1,5", "--set", "function.Timeout=9", "--seed", "3", "--until", "2m", "--jobs", "1");
    expect(r.code).toBe(3);
    expect(r.out).toBe("");
    expect(r.err).toContain("esm-sim: internal error (a bug in esm-sim, not in your scenario): sweep row 1: conservation broken: a test-injected assertion\n");
    expect(r.err).toContain(`reproduce: esm-sim run ${file} --seed 3 --until 2m --set function.Timeout=9 --set mapping.BatchSize=5\n`);
  });
});
