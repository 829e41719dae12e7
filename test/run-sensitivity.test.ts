import { describe, expect, it } from "vitest";
import { cli } from "./cli-helpers.js";

const SLOW = "scenarios/sqs-slow-consumer-sensitivity.yaml";

describe("run --sensitivity", () => {
  it("passes the slow consumer's expectation in a plain run, with no sensitivity section", async () => {
    const r = await cli("run", SLOW, "--no-color");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Drained at 47m 27s");
    expect(r.out).not.toContain("Sensitivity");
  });

  it("leads with the drain time's dependence on the scale-up hold and fails the expectation a plausible variant breaks", async () => {
    const r = await cli("run", SLOW, "--no-color", "--sensitivity", "--jobs", "2");
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toBe("drain time 47m 27s (depends on esm-sim's choice of scale-up hold after failures: 5m 13s..1h 1m)");
    expect(r.out).toMatch(/drain time\s+47m 27s\s+range 5m 13s\.\.1h 1m\s+most by scaleUpHoldAfterFailureMs/);
    expect(r.out).toContain("✗ with scaling.scaleUpHoldAfterFailureMs=120000 (its high): endedAt <= 60m fails (actual 1h 1m)");
    expect(r.err).toContain("expectation failed with scaling.scaleUpHoldAfterFailureMs=120000 (the figure's plausible high): endedAt lte 60m");
    expect(r.err).toContain("reproduce: esm-sim run scenarios/sqs-slow-consumer-sensitivity.yaml --seed 1 --set scaling.scaleUpHoldAfterFailureMs=120000");
  });

  it("writes a sensitivity section in the JSON report: exercised figures, headline ranges and drivers, failed variants", async () => {
    const r = await cli("run", SLOW, "--format", "json", "--sensitivity", "--jobs", "2");
    const s = JSON.parse(r.out).sensitivity;
    expect(s.runs).toBe(1 + s.variants.length);
    const drain = s.headlines.find((h: { path: string }) => h.path === "endedAt");
    expect(drain).toMatchObject({ drivenBy: "scaleUpHoldAfterFailureMs", moves: true });
    expect(drain.min).toBeLessThan(drain.value / 5);
    expect(s.headlines.find((h: { path: string }) => h.path === "records.dlq")).toMatchObject({ drivenBy: null, moves: false });
    const hold = s.figures.find((f: { name: string }) => f.name === "scaleUpHoldAfterFailureMs");
    expect(hold).toMatchObject({ value: 30000, low: 0, high: 120000, exercised: true });
    // throttles never happen here, so the throttle retry figures decide nothing
    expect(s.figures.find((f: { name: string }) => f.name === "throttleRetryInitialMs").exercised).toBe(false);
    expect(s.expectationsHold).toBe(false);
    expect(s.variants.filter((v: { failed: unknown[] }) => v.failed.length > 0).map((v: { setting: string }) => v.setting)).toEqual(["scaling.scaleUpHoldAfterFailureMs=120000"]);
  });

  it("varies a polled Kinesis scenario over the stream retry back-off and the read-throttle wait only, and leaves a figure the scenario sets alone", async () => {
    const r = await cli("run", "scenarios/kinesis-poison-pill.yaml", "--format", "json", "--sensitivity", "--jobs", "1", "--set", "scaling.streamRetryMaxMs=20000");
    const s = JSON.parse(r.out).sensitivity;
    expect(s.figures.map((f: { name: string }) => f.name)).toEqual(["readThrottleBackoffMs", "streamRetryInitialMs"]);
  });

  it("varies the figures the source's mapping reads: none of the stream figures for a FIFO queue, the push delay with enhanced fan-out", async () => {
    const { variantsOf } = await import("../src/sweep/sensitivity.js");
    const { scenarioFrom } = await import("./helpers.js");
    const fifo = scenarioFrom("name: f\nsource: { type: sqs-fifo }\ntraffic: [{ at: 0s, records: 10 }]\n");
    const names = new Set(variantsOf(fifo).map((v) => v.figure));
    expect(names.has("scaleUpHoldAfterFailureMs")).toBe(true);
    for (const n of ["streamRetryInitialMs", "readThrottleBackoffMs", "efoPushLatencyMs", "gatherVisibilityMarginMs"]) expect(names.has(n as never)).toBe(false);
    const efo = scenarioFrom("name: k\nsource: { type: kinesis }\ntraffic: [{ at: 0s, records: 10 }]\nmapping: { StartingPosition: TRIM_HORIZON, enhancedFanOut: true, ParallelizationFactor: 2 }\n");
    expect([...new Set(variantsOf(efo).map((v) => v.figure))].sort()).toEqual(["efoPushLatencyMs", "streamErrorPausesLaneOnly", "streamRetryInitialMs", "streamRetryMaxMs"]);
  });

  it("refuses --jobs without --sensitivity", async () => {
    const r = await cli("run", SLOW, "--jobs", "2");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--jobs applies with --sensitivity only");
  });
});
