import { expect, it } from "vitest";
import { loadScenario, simulate } from "esm-sim";

it("drains the queue without a throttle or the DLQ", () => {
  const { report } = simulate(loadScenario("scenarios/sqs-maximum-concurrency.yaml"));
  expect(report.drained).toBe(true);
  expect(report.records.dlq).toBe(0);
  expect(report.invocations.throttles).toBe(0);
});

it("sends valid messages to the DLQ without MaximumConcurrency", () => {
  // like --set on the command line: an empty value removes the key
  const scenario = loadScenario("scenarios/sqs-maximum-concurrency.yaml", { set: ["mapping.ScalingConfig="] });
  expect(simulate(scenario).report.records.dlq).toBeGreaterThan(0);
});
