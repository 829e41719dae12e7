import { describe, expect, it } from "vitest";
import { loadScenario, simulate } from "esm-sim";

describe("orders queue mapping", () => {
  it("drains 2,400 messages without a throttle or the DLQ", () => {
    const scenario = loadScenario("scenarios/sqs-maximum-concurrency.yaml");
    const { report } = simulate(scenario);
    expect(report.drained).toBe(true);
    expect(report.records.dlq).toBe(0);
    expect(report.invocations.throttles).toBe(0);
  });

  it("sends valid messages to the DLQ once MaximumConcurrency is removed", () => {
    // like --set on the command line; an empty value removes the key
    const scenario = loadScenario("scenarios/sqs-maximum-concurrency.yaml", { set: ["mapping.ScalingConfig="] });
    const { report } = simulate(scenario);
    expect(report.invocations.throttles).toBeGreaterThan(0);
    expect(report.records.dlq).toBeGreaterThan(0);
  });
});
