/**
 * A bug inside a run (an assertion failure) ends in exit 3 with what failed, the seed and a reproduce line, and
 * leaves neither the --output nor the --trace file, nor their temporary files, behind: on this thread, and on the
 * worker thread that a run writing a trace file under a temporary name runs on.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { assert } from "../src/engine/assert.js";
import { cli, scratch } from "./cli-helpers.js";

/** noWorker: runs stay on this thread (as when the worker is not built), where the mocked simulate is the one run. */
const setup = vi.hoisted(() => ({ noWorker: true }));

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

vi.mock("../src/cli/run-worker-start.js", async (orig) => {
  const real = await orig<typeof import("../src/cli/run-worker-start.js")>();
  return { ...real, startRunWorker: (...a: Parameters<typeof real.startRunWorker>) => (setup.noWorker ? null : real.startRunWorker(...a)) };
});

// This thread's parser reads `rate: nonsense` as 10/s; the worker thread's, unmocked, refuses it: a stand-in for a bug
// that only the worker meets.
vi.mock("../src/scenario/parse.js", async (orig) => {
  const real = await orig<typeof import("../src/scenario/parse.js")>();
  return { ...real, parseScenario: (text: string, ...rest: [string?, ...unknown[]]) => (real.parseScenario as (...a: unknown[]) => ReturnType<typeof real.parseScenario>)(text.replace("rate: nonsense", "rate: 10/s"), ...rest) };
});

describe("an internal error", () => {
  it("exits 3 with the failed assertion, the seed and a reproduce line, and writes nothing", async () => {
    setup.noWorker = true;
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

  it("met on the run's worker thread, exits 3 the same way, and leaves the trace file that was there as it was", async () => {
    setup.noWorker = false;
    const { dir, write } = scratch("esm-sim-bug-worker-");
    const scenario = write("s.yaml", "name: s\nsource: { type: sqs }\ntraffic: [{ rate: nonsense, to: 60s }]\n");
    writeFileSync(join(dir, "t.jsonl"), "before\n");
    const { code, out, err } = await cli("run", scenario, "--seed", "77", "--output", join(dir, "r.json"), "--trace", join(dir, "t.jsonl"), "--perfetto", join(dir, "p.json"));
    expect(code).toBe(3);
    expect(out).toBe("");
    expect(err).toMatch(/^esm-sim: internal error \(a bug in esm-sim, not in your scenario\): the run's worker thread found problems in a scenario that was accepted: .*rate/);
    expect(err).toContain(`seed: 77\nreproduce: esm-sim run ${scenario} --seed 77`);
    expect(err).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(readdirSync(dir).sort()).toEqual(["s.yaml", "t.jsonl"]);
    expect(readFileSync(join(dir, "t.jsonl"), "utf8")).toBe("before\n");
  });
});

