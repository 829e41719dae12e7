/**
 * An SQS batch and its messages' visibility (esm/sqs-mapping.ts): a batching window and long poll that would hold a
 * batch past its first message's visibility timeout. AWS does not say what the mapping does then (esm-sim closes the
 * batch, figure gatherVisibilityMarginMs); the 2022 guide gave an effective visibility timeout of window + function
 * timeout + 30 s (https://github.com/awsdocs/aws-lambda-developer-guide/blob/a83f69b/doc_source/with-sqs.md), which
 * the legacy-2022 profile applies (figure effectiveVisibilityExtraMs).
 */
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain/explain.js";
import type { SqsMessage } from "../src/sources/sqs-message-queue.js";
import type { InvokeEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const S = 1_000_000;

/** A queue whose visibility timeout (10 s) is shorter than the batching window (30 s). */
function windowPastVisibility(o: { profile?: string; traffic: string; fn?: string; redrive?: number; scaling?: string }) {
  return scenarioFrom(`
name: window-past-visibility
profile: ${o.profile ?? "current"}
source:
  type: sqs
  VisibilityTimeout: 10
${o.redrive ? `  RedrivePolicy: { maxReceiveCount: ${o.redrive} }` : ""}
traffic:
${o.traffic}
mapping: { BatchSize: 1000, MaximumBatchingWindowInSeconds: 30 }
function:
  Timeout: 5
${o.fn ?? "  duration: { base: 200ms }"}
${o.scaling ?? ""}
`);
}

const invokes = (events: TraceEvent[]) => events.filter((e): e is InvokeEvent => e.type === "invoke");
const ids = (e: InvokeEvent) => e.records.map((r) => r.n);

describe("a batch being gathered and its messages' visibility timeout", () => {
  it("a message received once is invoked once even when the window outlasts its visibility", () => {
    const { events, report } = runWithTrace(windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }" }));
    const inv = invokes(events);
    expect(inv.map((e) => [ids(e), e.attempt])).toEqual([[[0], 1]]);
    expect(events.filter((e) => e.type === "retry")).toEqual([]);
    expect(report.records.succeeded).toBe(1);
  });

  it("the current profile closes the batch before the first message's visibility runs out", () => {
    // Received at 0 s, visible again at 10 s: the batch is invoked 3 s (gatherVisibilityMarginMs) before that, not
    // when the 30 s window ends.
    const { events } = runWithTrace(windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }\n  - { at: 2s, records: 1 }" }));
    const inv = invokes(events);
    expect(inv.map((e) => [e.tUs, ids(e), e.closedBy])).toEqual([[7 * S, [0, 1], "visibility"]]);
    const first = inv[0].records[0] as SqsMessage;
    expect(first.firstReceiveUs).toBe(0);
  });

  it("every batch closed for visibility is invoked its margin before the earliest receive's visibility ends", () => {
    const { events } = runWithTrace(windowPastVisibility({ traffic: "  - { rate: 1/s, from: 0s, to: 2m }" }));
    const closed = invokes(events).filter((e) => e.closedBy === "visibility");
    expect(closed.length).toBeGreaterThan(10);
    for (const e of closed) {
      const firstReceiveUs = Math.min(...e.records.map((r) => (r as SqsMessage).firstReceiveUs));
      expect(e.tUs).toBe(firstReceiveUs + 10 * S - 3 * S);
    }
    expect(invokes(events).every((e) => e.attempt === 1)).toBe(true);
  });

  it("the margin is a figure: scaling.gatherVisibilityMarginMs 1000 invokes 1 s before the visibility runs out", () => {
    const s = windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }", scaling: "scaling: { gatherVisibilityMarginMs: 1000 }" });
    const { events } = runWithTrace(s);
    expect(invokes(events).map((e) => [e.tUs, e.closedBy])).toEqual([[9 * S, "visibility"]]);
  });

  it("a window that ends well within the visibility timeout still closes the batch as before", () => {
    const s = scenarioFrom(`
name: window-within-visibility
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ rate: 2/s, from: 0s, to: 30s }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 10 }
function: { Timeout: 5, duration: { base: 100ms } }
`);
    const { events } = runWithTrace(s);
    expect(new Set(invokes(events).map((e) => e.closedBy))).toEqual(new Set(["window"]));
  });

  for (const [profile, redrive] of [["current", 1], ["current", 2], ["legacy-2022", 1]] as const) {
    it(`${profile}, maxReceiveCount ${redrive}, the window past the visibility timeout: messages that all succeed never reach the DLQ`, () => {
      const { events, report } = runWithTrace(windowPastVisibility({ profile, traffic: "  - { rate: 1/s, from: 0s, to: 2m }", redrive }));
      expect(report.records.produced).toBe(120);
      expect(report.records.succeeded).toBe(120);
      expect(report.records.dlq).toBe(0);
      expect(events.filter((e) => e.type === "dlq")).toEqual([]);
      const seen = invokes(events).flatMap(ids);
      expect(seen.length).toBe(new Set(seen).size);
    });
  }

  it("a run longer than the margin can still see its message received again, as with a visibility timeout shorter than the run", () => {
    // Invoked at 7 s with 3 s of visibility left; the function takes 4 s, so the message is visible again at 10 s and
    // another poller processes it a second time. No receive ever puts one message into a batch twice.
    const { events, report } = runWithTrace(windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }", fn: "  duration: { base: 4s }" }));
    const inv = invokes(events);
    expect(inv[0].tUs).toBe(7 * S);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ tUs: 10 * S, reason: "VisibilityTimeoutExpired" });
    expect(inv.length).toBe(2);
    for (const e of inv) expect(ids(e)).toEqual([0]);
    expect(report.duplicates).toBe(1);
  });
});

describe("the effective visibility timeout of the 2022 guide", () => {
  const failOnce = `  duration: { base: 200ms }\n  failures: [{ when: { attempt: 1 }, effect: error }]`;
  const retries = (events: TraceEvent[]) => events.filter((e) => e.type === "retry").map((e) => [e.tUs, e.reason]);

  it("legacy-2022 extends visibility to window + timeout + 30 s", () => {
    // Window 30 s + Timeout 5 s > VisibilityTimeout 10 s: the message stays hidden 65 s after its receive at 0 s. The
    // batch closes when the window ends (the long poll is cut short at 30 s), well within those 65 s.
    const { events } = runWithTrace(windowPastVisibility({ profile: "legacy-2022", traffic: "  - { at: 0s, records: 1 }", fn: failOnce }));
    expect(invokes(events)[0]).toMatchObject({ tUs: 30 * S, closedBy: "window", attempt: 1 });
    expect(retries(events)).toEqual([[65 * S, "VisibilityTimeoutExpired"]]);
    expect(invokes(events)[1]).toMatchObject({ attempt: 2 });
  });

  it("the current profile keeps the queue's visibility timeout", () => {
    const { events } = runWithTrace(windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }", fn: failOnce }));
    expect(invokes(events)[0]).toMatchObject({ tUs: 7 * S, closedBy: "visibility" });
    expect(retries(events)).toEqual([[10 * S, "VisibilityTimeoutExpired"]]);
  });

  it("scaling.effectiveVisibilityExtraMs applies the 2022 rule in the current profile", () => {
    const s = windowPastVisibility({ traffic: "  - { at: 0s, records: 1 }", fn: failOnce, scaling: "scaling: { effectiveVisibilityExtraMs: 30000 }" });
    expect(retries(runWithTrace(s).events)).toEqual([[65 * S, "VisibilityTimeoutExpired"]]);
  });

  it("legacy-2022 keeps the queue's visibility timeout when window + timeout fit within it", () => {
    const s = scenarioFrom(`
name: fits
profile: legacy-2022
source: { type: sqs, VisibilityTimeout: 60 }
traffic: [{ at: 0s, records: 1 }]
mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 10 }
function:
  Timeout: 5
${failOnce}
`);
    expect(retries(runWithTrace(s).events)).toEqual([[60 * S, "VisibilityTimeoutExpired"]]);
  });
});

describe("explain", () => {
  const told = (s: ReturnType<typeof scenarioFrom>) => {
    const lines: string[] = [];
    explain(s, { header: false, footer: false, width: 400 }, (l) => lines.push(l));
    return lines.join("\n");
  };

  it("says why a batch closed before its window ended, and that nothing went to the DLQ", () => {
    const text = told(windowPastVisibility({ traffic: "  - { rate: 1/s, from: 0s, to: 1m }", redrive: 1 }));
    expect(text).toContain("its first message's visibility timeout (10s) had 3s left while the batching window (30s) and long poll were still gathering");
    expect(text).not.toContain("dead-letter queue");
    expect(text).not.toContain("is visible again");
  });

  it("tells legacy-2022's effective visibility timeout once, and uses it for a failed batch", () => {
    const text = told(windowPastVisibility({ profile: "legacy-2022", traffic: "  - { at: 0s, records: 1 }", fn: `  duration: { base: 200ms }\n  failures: [{ when: { attempt: 1 }, effect: error }]` }));
    expect(text.match(/the "effective visibility timeout" AWS's guide stated in 2022/g)).toHaveLength(1);
    expect(text).toContain("window + Timeout + 30s = 1m 5s after each receive");
    expect(text).toContain("stays hidden until its visibility timeout (1m 5s from its receive: the effective visibility timeout) runs out");
  });
});
