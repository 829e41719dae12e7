/**
 * A bug inside a run (an assertion failure) ends in exit 3 with what failed, the seed and a reproduce line, and
 * leaves neither the --output nor the --trace file, nor their temporary files, behind.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { assert } from "../src/engine/assert.js";
import { cli, scratch } from "./cli-helpers.js";

// The real simulate, except that it fails an assertion after emitting some trace events (a stand-in for a bug).
vi.mock("../src/run/simulate.js", async (orig) => {
  const real = await orig<typeof import("../src/run/simulate.js")>();
  return {
    ...real,
    simulate: (s: Parameters<typeof real.simulate>[0], o: Parameters<typeof real.simulate>[1] = {}) => {
      let seen = 0;
      return real.simulate(s, {
        ...o,
        trace: (ctx) => {
          const inner = o.trace?.(ctx);
          return (e) => {
            inner?.(e);
            assert(++seen < 50, "conservation broken: a test-injected assertion");
          };
        },
      });
    },
  };
});

describe("an internal error", () => {
  it("exits 3 with the failed assertion, the seed and a reproduce line, and writes nothing", async () => {
    const { dir, write } = scratch("esm-sim-bug-");
    const scenario = write("s.yaml", "name: s\nsource: { type: sqs }\ntraffic: [{ rate: 10/s, to: 60s }]\n");
    const { code, out, err } = await cli("run", scenario, "--seed", "77", "--output", join(dir, "r.json"), "--trace", join(dir, "t.jsonl"));
    expect(code).toBe(3);
    expect(out).toBe("");
    expect(err).toContain("esm-sim: internal error (a bug in esm-sim, not in your scenario): conservation broken: a test-injected assertion");
    expect(err).toContain(`seed: 77\nreproduce: esm-sim run ${scenario} --seed 77`);
    expect(err).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(readdirSync(dir)).toEqual(["s.yaml"]);
    expect(existsSync(join(dir, "t.jsonl"))).toBe(false);
  });
});
