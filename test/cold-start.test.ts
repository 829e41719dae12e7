import { describe, expect, it } from "vitest";
import { PROFILES } from "../src/esm/profiles.js";
import { INIT_PHASE_LIMIT_US } from "../src/lambda/function.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { InvokeEvent, ResultEvent, ThrottleEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const invokes = (events: TraceEvent[]) => events.filter((e): e is InvokeEvent => e.type === "invoke");
const results = (events: TraceEvent[]) => events.filter((e): e is ResultEvent => e.type === "result");
const resultOf = (events: TraceEvent[], inv: InvokeEvent) => results(events).find((r) => r.invocation === inv.invocation)!;

/** One Kinesis shard read by one lane: invocations run one after another, so each finds the previous one's
 *  environment idle. */
const oneLane = (traffic: string, fn: string, extra = "") =>
  scenarioFrom(`
name: t
${extra}
source: { type: kinesis, ShardCount: 1 }
traffic: ${traffic}
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10 }
function: ${fn}
`);

describe("cold starts: a new execution environment runs its Init phase first", () => {
  it("the first invocation is cold and the ones that reuse its environment are warm", () => {
    const { events, report, lines } = runWithTrace(oneLane("[{ rate: 20/s, from: 0s, to: 10s }]", "{ duration: { base: 100ms }, coldStart: 800ms }"));
    const inv = invokes(events);
    expect(inv.length).toBeGreaterThan(5);
    expect(inv[0].initUs).toBe(800_000);
    expect(inv.slice(1).every((e) => e.initUs === undefined)).toBe(true);
    // The handler starts after the init: the result comes init + duration after the invoke.
    expect(resultOf(events, inv[0]).tUs - inv[0].tUs).toBe(800_000 + 100_000);
    expect(resultOf(events, inv[0]).durationUs).toBe(100_000);
    expect(resultOf(events, inv[1]).tUs - inv[1].tUs).toBe(100_000);
    expect(report.coldStarts).toEqual({ count: 1, initDuration: { avg: 800, max: 800 } });
    const first = JSON.parse(lines.find((l) => l.includes('"type":"invoke"'))!);
    expect(first).toMatchObject({ coldStart: true, initMs: 800 });
    const second = JSON.parse(lines.filter((l) => l.includes('"type":"invoke"'))[1]);
    expect(second.coldStart).toBeUndefined();
    expect(second.initMs).toBeUndefined();
  });

  it("an environment idle for environmentIdleLifetimeMs is gone, and the next invocation is cold again", () => {
    const s = oneLane(
      "[{ at: 0s, records: 5 }, { at: 50s, records: 5 }, { at: 2m, records: 5 }, { at: 3m, records: 5 }]",
      "{ duration: { base: 100ms }, coldStart: 1s }",
      "scaling: { environmentIdleLifetimeMs: 60000 }",
    );
    const { events, report } = runWithTrace(s);
    const inv = invokes(events);
    expect(inv).toHaveLength(4);
    // Idle since the previous result: about 49 s (warm), 69 s (cold), 59.9 s (warm).
    const idleUs = inv.slice(1).map((e, i) => e.tUs - resultOf(events, inv[i]).tUs);
    expect(idleUs.map((u) => u < 60_000_000)).toEqual([true, false, true]);
    expect(inv.map((e) => e.initUs !== undefined)).toEqual([true, false, true, false]);
    expect(report.coldStarts?.count).toBe(2);
  });

  it("keeps environments idle for the profile's lifetime (10 minutes) and no longer", () => {
    expect(PROFILES.current.figures.environmentIdleLifetimeMs).toMatchObject({ value: 600_000, chosen: true, low: 300_000, high: 3_600_000 });
    const { events } = runWithTrace(oneLane("[{ at: 0s, records: 5 }, { at: 9m, records: 5 }, { at: 20m, records: 5 }]", "{ duration: { base: 100ms }, coldStart: 1s }"));
    expect(invokes(events).map((e) => e.initUs !== undefined)).toEqual([true, false, true]);
  });

  it("scaling up creates environments, each cold once: an invoke is cold exactly when concurrency passes its peak so far", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 3000, keys: 10 }]
mapping: { BatchSize: 10 }
function: { Timeout: 10, duration: { base: 2s }, coldStart: { init: 500ms, jitter: 0.3 } }
`);
    const { events, report } = runWithTrace(s);
    let peak = 0;
    let cold = 0;
    for (const e of invokes(events)) {
      expect(e.initUs !== undefined, `invocation ${e.invocation} at concurrency ${e.concurrency}, peak so far ${peak}`).toBe(e.concurrency > peak);
      if (e.initUs !== undefined) cold++;
      peak = Math.max(peak, e.concurrency);
    }
    expect(cold).toBeGreaterThan(5);
    expect(cold).toBe(report.concurrency.max);
    expect(report.coldStarts?.count).toBe(cold);
    // Jittered inits from the function.coldStart stream: they differ, with the mean near 500 ms.
    const inits = invokes(events).flatMap((e) => (e.initUs === undefined ? [] : [e.initUs]));
    expect(new Set(inits).size).toBe(inits.length);
    expect(report.coldStarts!.initDuration.avg).toBeGreaterThan(350);
    expect(report.coldStarts!.initDuration.avg).toBeLessThan(650);
    expect(report.coldStarts!.initDuration.max).toBe(Math.max(...inits) / 1000);
  });

  it("an environment in its Init phase is busy: with one slot, a second batch is throttled until the first invocation ends", () => {
    const s = scenarioFrom(`
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 20, keys: 1 }]
mapping: { BatchSize: 10 }
function: { Timeout: 10, ReservedConcurrentExecutions: 1, duration: { base: 100ms }, coldStart: 3s }
`);
    const { events } = runWithTrace(s);
    const first = invokes(events)[0];
    expect(first.initUs).toBe(3_000_000);
    const firstEnd = resultOf(events, first).tUs;
    const throttled = events.filter((e): e is ThrottleEvent => e.type === "throttle" && e.tUs >= first.tUs && e.tUs < first.tUs + 3_000_000);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((e) => e.reason === "concurrency" && e.concurrency === 1)).toBe(true);
    // The second invocation reuses the one environment: warm.
    const second = invokes(events)[1];
    expect(second.tUs).toBeGreaterThanOrEqual(firstEnd);
    expect(second.initUs).toBeUndefined();
  });

  it("is deterministic, and leaves the handler's durations as they were", () => {
    const fn = (cold: string) => `{ duration: { base: 100ms, jitter: 0.5 }${cold} }`;
    const traffic = "[{ at: 0s, records: 5 }, { at: 2m, records: 5 }, { at: 4m, records: 5 }]";
    const extra = "scaling: { environmentIdleLifetimeMs: 60000 }";
    const a = runWithTrace(oneLane(traffic, fn(", coldStart: { init: 1s, jitter: 0.5 }"), extra));
    const b = runWithTrace(oneLane(traffic, fn(", coldStart: { init: 1s, jitter: 0.5 }"), extra));
    const off = runWithTrace(oneLane(traffic, fn(""), extra));
    expect(a.report.traceDigest).toBe(b.report.traceDigest);
    const inits = invokes(a.events).map((e) => e.initUs);
    expect(inits.every((u) => u !== undefined && u !== 1_000_000)).toBe(true);
    expect(new Set(inits).size).toBe(3);
    expect(results(a.events).map((r) => r.durationUs)).toEqual(results(off.events).map((r) => r.durationUs));
  });
});

describe("cold starts and the function Timeout", () => {
  it("an init within the Init phase's 10 s limit does not count against Timeout", () => {
    const { events } = runWithTrace(oneLane("[{ at: 0s, records: 1 }]", "{ Timeout: 3, duration: { base: 2500ms }, coldStart: 9s }"));
    const [inv] = invokes(events);
    const res = resultOf(events, inv);
    expect(inv.initUs).toBe(9_000_000);
    expect(res.outcome).toBe("ok");
    expect(res.durationUs).toBe(2_500_000);
    expect(res.tUs - inv.tUs).toBe(11_500_000);
  });

  it("an init past 10 s stops at 10 s and is retried in the Invoke phase, where init and handler share the Timeout", () => {
    const { events } = runWithTrace(oneLane("[{ at: 0s, records: 1 }]", "{ Timeout: 20, duration: { base: 1s }, coldStart: 12s }"));
    const [inv] = invokes(events);
    const res = resultOf(events, inv);
    expect(inv.initUs).toBe(INIT_PHASE_LIMIT_US);
    expect(res.outcome).toBe("ok");
    expect(res.durationUs).toBe(13_000_000);
    expect(res.tUs - inv.tUs).toBe(10_000_000 + 13_000_000);
  });

  it("a retried init that does not fit in the Timeout ends the invocation as a timeout", () => {
    const { events, report } = runWithTrace(oneLane("[{ at: 0s, records: 1 }]", "{ Timeout: 5, duration: { base: 1s }, coldStart: 12s }", "until: 1m"));
    const inv = invokes(events);
    const res = resultOf(events, inv[0]);
    expect(res.outcome).toBe("timeout");
    expect(res.durationUs).toBe(5_000_000);
    expect(res.tUs - inv[0].tUs).toBe(15_000_000);
    // The retry runs on the environment the first invocation created: warm, and it succeeds.
    expect(inv[1].initUs).toBeUndefined();
    expect(resultOf(events, inv[1]).outcome).toBe("ok");
    expect(report.invocations.timeouts).toBe(1);
  });
});

describe("without function.coldStart", () => {
  const yaml = (cold: string) => `
name: t
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 2000, keys: 10 }, { at: 30m, records: 2000, keys: 10 }]
mapping: { BatchSize: 10 }
function: { Timeout: 10, duration: { base: 1s, jitter: 0.3 }${cold} }
`;

  it("no invocation is cold and the report has no coldStarts section", () => {
    const { events, report, lines } = runWithTrace(scenarioFrom(yaml("")));
    expect(invokes(events).some((e) => e.initUs !== undefined)).toBe(false);
    expect(report.coldStarts).toBeUndefined();
    expect(lines.some((l) => l.includes("coldStart") || l.includes("initMs"))).toBe(false);
  });

  it("a zero init changes no time and no outcome: only the cold invocations are marked", () => {
    const off = runWithTrace(scenarioFrom(yaml("")));
    const zero = runWithTrace(scenarioFrom(yaml(", coldStart: 0s")));
    const shape = (events: TraceEvent[]) => events.filter((e) => e.type !== "invoke").map((e) => JSON.stringify({ ...e, records: undefined }));
    expect(shape(zero.events)).toEqual(shape(off.events));
    expect(zero.report.coldStarts?.count).toBeGreaterThan(0);
    expect(zero.report.coldStarts?.initDuration).toEqual({ avg: 0, max: 0 });
    expect(zero.report.traceDigest).not.toBe(off.report.traceDigest);
  });
});

describe("function.coldStart as written", () => {
  const fnOf = (cold: string) => `name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nfunction:\n  coldStart: ${cold}\n`;
  const problems = (text: string) => {
    const r = parseScenario(text, "s.yaml");
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it("takes a duration or { init, jitter }", () => {
    expect(scenarioFrom(fnOf("800ms")).fn.coldStart).toEqual({ initUs: 800_000, jitter: 0 });
    expect(scenarioFrom(fnOf("2")).fn.coldStart).toEqual({ initUs: 2_000_000, jitter: 0 });
    expect(scenarioFrom(fnOf("{ init: 1.5s, jitter: 0.2 }")).fn.coldStart).toEqual({ initUs: 1_500_000, jitter: 0.2 });
    expect(scenarioFrom(fnOf("{ init: 1s }").replace("coldStart: { init: 1s }", "Timeout: 3")).fn.coldStart).toBeNull();
  });

  it("refuses what is neither, and a jitter outside 0..5", () => {
    expect(problems(fnOf("fast")).join("\n")).toContain("function.coldStart: must be a duration such as 800ms, or { init: 800ms, jitter: 0.2 }");
    expect(problems(fnOf("{ init: 1s, jitter: 9 }")).join("\n")).toContain("function.coldStart.jitter: must be a lognormal spread 0..5");
  });

  it("refuses an expectation on coldStarts without it", () => {
    const text = `name: t\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nexpect:\n  coldStarts.count: { eq: 0 }\n`;
    expect(problems(text).join("\n")).toContain("expect.coldStarts.count: is reported only when function.coldStart is set");
    expect(problems(text.replace("expect:", "function: { coldStart: 1s }\nexpect:"))).toEqual([]);
  });
});
