import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import { parseOverride, type Override } from "../src/scenario/overrides.js";

/** The delays of the stream retries of kinesis-poison-pill, with the given --set overrides. */
function retryDelays(sets: string[]): number[] {
  const text = readFileSync("scenarios/kinesis-poison-pill.yaml", "utf8");
  const r = parseScenario(text, "kinesis-poison-pill.yaml", { overrides: sets.map((s) => parseOverride(s, "--set") as Override) });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const delays: number[] = [];
  simulate(r.scenario, { trace: () => (e) => void (e.type === "streamRetry" && delays.length < 12 && delays.push(e.delayUs)) });
  return delays;
}

describe("the stream retry back-off as profile figures", () => {
  it("backs off 500 ms doubling to 30 s by default, as before it was a figure", () => {
    const d = retryDelays([]);
    expect(d.slice(0, 3)).toEqual([500_000, 1_000_000, 2_000_000]);
    expect(Math.max(...d)).toBeLessThanOrEqual(30_000_000);
  });

  it("follows a scenario's scaling: streamRetryInitialMs and streamRetryMaxMs", () => {
    const d = retryDelays(["scaling.streamRetryInitialMs=1000", "scaling.streamRetryMaxMs=4000"]);
    expect(d.slice(0, 4)).toEqual([1_000_000, 2_000_000, 4_000_000, 4_000_000]);
  });

  it("refuses a back-off under 1 ms", () => {
    const text = readFileSync("scenarios/kinesis-poison-pill.yaml", "utf8");
    const r = parseScenario(text, "k.yaml", { overrides: [parseOverride("scaling.streamRetryInitialMs=0", "--set") as Override] });
    expect(r.ok).toBe(false);
  });
});
