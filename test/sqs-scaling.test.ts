import { describe, expect, it } from "vitest";
import { decideBackOff, decideScaleDown, decideScaleUp, scaleCeiling } from "../src/esm/sqs-scaling.js";
import { resolveFigures } from "../src/esm/profiles.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const current = resolveFigures("current");
const legacy = resolveFigures("legacy-2022");

describe("SQS scaling policy", () => {
  it("caps the mapping at the profile maximum, MaximumConcurrency and the account limit", () => {
    expect(scaleCeiling(current, null, 1000).ceiling).toBe(1000);
    expect(scaleCeiling(current, null, 5000).ceiling).toBe(1250);
    expect(scaleCeiling(current, 50, 5000).ceiling).toBe(50);
    expect(scaleCeiling(legacy, null, 5000).ceiling).toBe(1000);
  });

  it("adds rate/60 a second while messages wait and no poller is idle", () => {
    const lim = scaleCeiling(current, null, 5000);
    expect(decideScaleUp(5, 100, 0, 0, 1000, current, lim).decision).toEqual({ kind: "set", to: 10, reason: "scale-up" });
    expect(decideScaleUp(5, 0, 0, 0, 1000, current, lim).decision).toEqual({ kind: "hold" });
    expect(decideScaleUp(5, 100, 1, 0, 1000, current, lim).decision).toEqual({ kind: "hold" });
    expect(decideScaleUp(1248, 100, 0, 0, 1000, current, lim).decision).toEqual({ kind: "set", to: 1250, reason: "scale-up" });
  });

  it("drops to 2 at low traffic, but not with MaximumConcurrency and not in legacy-2022", () => {
    expect(decideScaleDown(5, false, 1, current, scaleCeiling(current, null, 1000))).toEqual({ kind: "set", to: 2, reason: "low-traffic" });
    expect(decideScaleDown(5, false, 1, current, scaleCeiling(current, 10, 1000))).toEqual({ kind: "hold" });
    expect(decideScaleDown(5, false, 1, legacy, scaleCeiling(legacy, null, 1000))).toEqual({ kind: "hold" });
    expect(decideScaleDown(300, false, 40, current, scaleCeiling(current, null, 1000))).toEqual({ kind: "set", to: 40, reason: "scale-down" });
    expect(decideScaleDown(300, true, 40, current, scaleCeiling(current, null, 1000))).toEqual({ kind: "hold" });
  });

  it("backs off one poller at a time, not below 2", () => {
    const lim = scaleCeiling(current, null, 1000);
    expect(decideBackOff(5, current, lim)).toEqual({ kind: "set", to: 4, reason: "back-off" });
    expect(decideBackOff(2, current, lim)).toEqual({ kind: "hold" });
  });
});

describe("SQS scaling over a run", () => {
  it("scales down to 2 pollers after a quiet minute under the current profile", () => {
    const s = scenarioFrom(`
name: t
until: 3m
source: { type: sqs }
traffic: [{ rate: 1/m, from: 0s, to: 3m, key: a }]
function: { Timeout: 3 }
`);
    const { events } = runWithTrace(s);
    const scale = events.filter((e) => e.type === "scale").map((e) => [e.tUs / 1e6, e.from, e.to, e.reason]);
    expect(scale).toEqual([
      [0, 0, 5, "start"],
      [60, 5, 2, "low-traffic"],
    ]);
  });

  it("never runs more concurrent invokes than MaximumConcurrency", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 5000 }]
mapping: { ScalingConfig: { MaximumConcurrency: 3 } }
function: { Timeout: 5, duration: { base: 500ms } }
`);
    const { events, report } = runWithTrace(s);
    const maxConc = Math.max(...events.filter((e) => e.type === "invoke").map((e) => e.concurrency));
    expect(maxConc).toBe(3);
    expect(report.records.succeeded).toBe(5000);
  });
});
