import { describe, expect, it } from "vitest";
import { PROFILES } from "../src/esm/profiles.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

describe("documented scale-up figures", () => {
  it.each(["current", "nov-2023", "legacy-2022"])(
    "under %s the mapping reaches its maximum from 5 in (maximum - 5) / rate minutes, and timeToMax says so",
    (profile) => {
      const f = PROFILES[profile].figures;
      const initial = f.initialConcurrency.value!;
      const max = f.maxConcurrency.value!;
      const rate = f.scaleUpPerMinute.value!;
      const expectedMs = ((max - initial) * 60_000) / rate; // current: (1250-5)/300 min = 249 s
      const s = scenarioFrom(`
name: t
profile: ${profile}
until: ${Math.ceil(expectedMs / 1000) + 30}s
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 60000, keys: 100 }]
function: { Timeout: 900, duration: { base: 850s } }
account: { ConcurrentExecutions: 3000 }
`);
      const { events, report } = runWithTrace(s);
      const scale = events.filter((e) => e.type === "scale");
      expect(scale[0].to).toBe(initial);
      const reached = scale.find((e) => e.to === max)!;
      expect(reached.tUs / 1000).toBe(expectedMs);
      expect(Math.max(...scale.map((e) => e.to))).toBe(max);
      expect(report.concurrency.max).toBe(max);
      expect(report.concurrency.timeToMax).toBe(expectedMs);
    },
  );

  it("measures timeToMax from the first arrival, not from the start of the run", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 120 }
traffic: [{ at: 60s, records: 2000, keys: 10 }]
function: { Timeout: 100, duration: { base: 90s } }
until: 5m
`);
    const { events, report } = runWithTrace(s);
    const invokes = events.filter((e) => e.type === "invoke");
    const peak = Math.max(...invokes.map((e) => e.concurrency));
    const firstAtPeak = invokes.find((e) => e.concurrency === peak)!;
    expect(report.concurrency.max).toBe(peak);
    expect(report.concurrency.timeToMax).toBe(firstAtPeak.tUs / 1000 - 60_000);
    // 5 pollers at the first arrival, +5 a second while the backlog lasts: 45 at 68 s
    expect(firstAtPeak.tUs).toBeGreaterThan(60_000_000);
  });
});

describe("the function's own scaling rate (1,000 new execution environments per 10 s)", () => {
  it("throttles invokes beyond 1,000 new environments at once, then admits 100 more a second", () => {
    const s = scenarioFrom(`
name: t
until: 3s
scaling: { initialConcurrency: 1500, maxConcurrency: 2000 }
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 30000, keys: 100 }]
function: { Timeout: 900, duration: { base: 800s } }
account: { ConcurrentExecutions: 3000 }
`);
    const { events, lines } = runWithTrace(s);
    const at = (type: string, tS: number) => events.filter((e) => e.type === type && e.tUs === tS * 1e6);
    expect(JSON.parse(lines.find((l) => l.includes('"type":"throttle"'))!)).toMatchObject({ t: 0, reason: "scaling-rate", next: "retry" });
    expect(at("invoke", 0)).toHaveLength(1000);
    // every throttle also backs the mapping off by one poller, so half of the 500 extra pollers retire unstarted
    const throttled0 = at("throttle", 0);
    expect(throttled0).toHaveLength(250);
    expect(new Set(throttled0.map((e) => (e.type === "throttle" ? e.reason : "")))).toEqual(new Set(["scaling-rate"]));
    // the throttled pollers retry after 1 s; the bucket has refilled by 100
    expect(at("invoke", 1)).toHaveLength(100);
    expect(at("throttle", 1)).toHaveLength(150);
  });

  it("does not limit the SQS mapping's own scale-up, which adds only 5 a second", () => {
    const s = scenarioFrom(`
name: t
until: 60s
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 30000, keys: 100 }]
function: { Timeout: 900, duration: { base: 800s } }
`);
    const { report } = runWithTrace(s);
    expect(report.invocations.throttles).toBe(0);
  });

  it("under legacy-2022 allows a burst of 3,000 new environments, then 500 a minute", () => {
    const s = scenarioFrom(`
name: t
profile: legacy-2022
until: 4s
scaling: { initialConcurrency: 3100, maxConcurrency: 4000 }
source: { type: sqs, VisibilityTimeout: 900 }
traffic: [{ at: 0s, records: 60000, keys: 100 }]
function: { Timeout: 900, duration: { base: 800s } }
account: { ConcurrentExecutions: 5000 }
`);
    const { events } = runWithTrace(s);
    const invokesBy = (tS: number) => events.filter((e) => e.type === "invoke" && e.tUs <= tS * 1e6).length;
    expect(invokesBy(0)).toBe(3000);
    // 500 a minute = 8.33 a second: the throttled pollers retry at 1 s and 3 s (back-off doubling)
    expect(invokesBy(1)).toBe(3008);
    expect(invokesBy(3)).toBe(3025);
  });
});
