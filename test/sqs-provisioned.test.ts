import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

type Ev<T extends TraceEvent["type"]> = Extract<TraceEvent, { type: T }>;
const of = <T extends TraceEvent["type"]>(events: TraceEvent[], type: T) => events.filter((e): e is Ev<T> => e.type === type);

const burst = (mapping: string, extra = "") => `
name: t
${extra}
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 10000, keys: 100 }]
mapping: { BatchSize: 10, ${mapping} }
function: { Timeout: 30, duration: { base: 20s } }
account: { ConcurrentExecutions: 5000 }
`;

describe("SQS provisioned mode (ProvisionedPollerConfig)", () => {
  it("starts with MinimumPollers x 10 concurrent batches, where on-demand starts with 5", () => {
    const prov = runWithTrace(scenarioFrom(burst("ProvisionedPollerConfig: { MinimumPollers: 20, MaximumPollers: 30 }", "until: 1s")));
    expect(of(prov.events, "scale")[0]).toMatchObject({ tUs: 0, from: 0, to: 200 });
    expect(of(prov.events, "invoke").filter((e) => e.tUs === 0)).toHaveLength(200);
    const onDemand = runWithTrace(scenarioFrom(burst("", "until: 1s")));
    expect(of(onDemand.events, "invoke").filter((e) => e.tUs === 0)).toHaveLength(5);
  });

  it("scales by up to 1,000 concurrent batches a minute, up to MaximumPollers x 10", () => {
    const { events, report } = runWithTrace(scenarioFrom(burst("ProvisionedPollerConfig: { MinimumPollers: 20, MaximumPollers: 30 }", "until: 15s")));
    const scale = of(events, "scale").map((e) => [e.tUs / 1e6, e.to]);
    // 1,000 a minute = 16.67 a second: 200 -> 300 in 6 s
    expect(scale).toEqual([[0, 200], [1, 216], [2, 233], [3, 250], [4, 266], [5, 283], [6, 300]]);
    expect(report.concurrency.max).toBe(300);
    expect(report.sqs!.mode).toBe("provisioned");
    expect(report.sqs!.eventPollersMax).toBe(30);
  });

  it("never drops below MinimumPollers x 10 at low traffic (no low-traffic optimisation)", () => {
    const s = scenarioFrom(`
name: t
until: 4m
source: { type: sqs }
traffic: [{ rate: 1/m, from: 0s, to: 4m, key: a }]
mapping: { ProvisionedPollerConfig: { MinimumPollers: 2 } }
function: { Timeout: 3 }
`);
    const { events } = runWithTrace(s);
    expect(of(events, "scale").map((e) => [e.tUs / 1e6, e.to, e.reason])).toEqual([[0, 20, "start"]]);
  });

  it("lets each event poller make at most 10 receive calls a second", () => {
    const s = scenarioFrom(`
name: t
until: 10s
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 20000, keys: 100 }]
mapping: { BatchSize: 10, ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 2 } }
function: { Timeout: 3, duration: { base: 10ms } }
`);
    const { events, report } = runWithTrace(s);
    const perSecond = new Map<number, number>();
    for (const e of of(events, "poll")) perSecond.set(Math.floor(e.tUs / 1e6), (perSecond.get(Math.floor(e.tUs / 1e6)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBe(20); // 2 event pollers x 10 calls
    expect(report.sqs!.rateLimitedReceives).toBeGreaterThan(0);
    // 20 receives of 10 messages a second
    expect(report.records.succeeded).toBe(2000);
  });

  it("lets each event poller receive at most about 1 MB a second", () => {
    const s = scenarioFrom(`
name: t
until: 10s
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 2000, keys: 100, recordSize: 256KB }]
mapping: { BatchSize: 10, ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 2 } }
function: { Timeout: 3, duration: { base: 10ms } }
`);
    const { events } = runWithTrace(s);
    const bytesPerSecond = new Map<number, number>();
    for (const e of of(events, "invoke")) {
      const sec = Math.floor(e.tUs / 1e6);
      bytesPerSecond.set(sec, (bytesPerSecond.get(sec) ?? 0) + e.records.reduce((b, r) => b + r.sizeBytes, 0));
    }
    // 2 event pollers x 1 MB = 8 messages of 256 KB a second (a receive may take one message past the budget)
    for (const b of bytesPerSecond.values()) expect(b).toBeLessThanOrEqual(2 * 1024 * 1024 + 256 * 1024);
    expect([...bytesPerSecond.values()].reduce((a, b) => a + b, 0) / (256 * 1024)).toBeGreaterThanOrEqual(70);
  });

  it("drains a backlog faster than on-demand mode", () => {
    const yaml = (mapping: string) => `
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 30000, keys: 1000 }]
mapping: { BatchSize: 10${mapping} }
function: { Timeout: 10, duration: { base: 1s } }
`;
    const onDemand = runWithTrace(scenarioFrom(yaml(""))).report;
    const prov = runWithTrace(scenarioFrom(yaml(", ProvisionedPollerConfig: { MinimumPollers: 10, MaximumPollers: 100 }"))).report;
    expect(onDemand.drained && prov.drained).toBe(true);
    expect(prov.endedAt).toBeLessThan(onDemand.endedAt / 1.5);
  });
});

describe("provisioned mode at low traffic", () => {
  const low = (mapping: string) => `
name: low
seed: 1
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ rate: 5/s, from: 0s, to: 1m }]
mapping: { BatchSize: 10${mapping} }
function: { Timeout: 10, duration: { base: 200ms } }
`;

  it("invokes as messages arrive, as on-demand mode does, once its first second's receive budget is renewed", () => {
    const prov = runWithTrace(scenarioFrom(low(", ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 10 }")));
    const onDemand = runWithTrace(scenarioFrom(low("")));
    // Waiting pollers stay in their long polls while the second's budget is spent (the 20 pollers' first receives at
    // 0 s): no herd of parked pollers resuming on each whole second to spend the next budget on empty receives.
    const invokesAfterFirstSecond = of(prov.events, "invoke").filter((e) => e.tUs >= 1_000_000);
    expect(invokesAfterFirstSecond.filter((e) => e.tUs % 1_000_000 !== 0).length).toBeGreaterThan(invokesAfterFirstSecond.length / 2);
    expect(prov.report.latency.p50).toBe(onDemand.report.latency.p50);
    expect(prov.report.sqs!.rateLimitedReceives).toBeLessThan(30);
    expect(prov.report.sqs!.emptyPolls).toBeLessThan(onDemand.report.sqs!.emptyPolls * 10);
  });
});

