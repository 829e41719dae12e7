/**
 * FIFO receipt handles expire with the visibility timeout, and SQS refuses a delete with an expired one
 * (https://repost.aws/knowledge-center/sqs-receipt-handle-error): a batch that outlasts its messages' visibility
 * timeout leaves them in the queue, and they are processed again. A standard queue takes the delete.
 */
import { describe, expect, it } from "vitest";
import { checkTrace } from "../src/checks/suite.js";
import { limitsOf } from "../src/checks/limits.js";
import { explain } from "../src/explain/explain.js";
import { renderTable } from "../src/report/table.js";
import type { ResultEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

// One group, 20 messages at once; a cold start of 1 s plus 4.2 s of handler outlasts the 5 s visibility timeout.
const yaml = (type: "sqs-fifo" | "sqs") => `name: t
source: { type: ${type}, VisibilityTimeout: 5 }
traffic: [{ at: 0s, records: 20, key: one }]
mapping: { BatchSize: 10 }
function: { Timeout: 5, coldStart: 1s, duration: { base: 4.2s } }
`;

describe("FIFO receipt handles", () => {
  it("a batch that ends after its messages' visibility timeout cannot delete them; their next success is a duplicate", () => {
    const s = scenarioFrom(yaml("sqs-fifo"));
    const { events, report } = runWithTrace(s);
    const results = events.filter((e): e is ResultEvent => e.type === "result");
    const refused = results.filter((e) => (e.undeleted?.length ?? 0) > 0);
    expect(refused.length).toBeGreaterThan(0);
    const first = refused[0];
    // Every refused message was in the batch, processed successfully, and not ended by that result.
    for (const r of first.undeleted!) {
      expect(first.records).toContain(r);
      expect(first.succeeded).not.toContain(r);
      expect(first.failed).not.toContain(r);
    }
    // The invocation ran past the visibility deadline of its receive.
    const invoke = events.find((e) => e.type === "invoke" && e.invocation === first.invocation)!;
    expect(first.tUs - invoke.tUs).toBeGreaterThan(5_000_000);
    // Each refused message is processed again, and that success counts as a duplicate.
    const refusedCount = refused.reduce((n, e) => n + e.undeleted!.length, 0);
    expect(report.sqs!.deletesRefused).toBe(refusedCount);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.duplicatesByCause.visibilityTimeout).toBe(report.duplicates);
    expect(report.records.succeeded + report.records.pending).toBe(20);
    expect(checkTrace(events, limitsOf(s), report).filter((c) => c.status === "fail")).toEqual([]);
    expect(renderTable(report, { color: false })).toContain(`deletes refused: ${refusedCount} messages processed after their visibility timeout ran out`);
  });

  it("a standard queue takes the same late delete: nothing is refused", () => {
    const { report } = runWithTrace(scenarioFrom(yaml("sqs")));
    expect(report.sqs!.deletesRefused).toBe(0);
  });

  it("the check fails a result that lists a refused delete on a standard queue", () => {
    const s = scenarioFrom(yaml("sqs"));
    const { events, report } = runWithTrace(s);
    const i = events.findIndex((e) => e.type === "result" && e.succeeded.length > 0);
    const e = events[i] as ResultEvent;
    events[i] = { ...e, succeeded: e.succeeded.slice(1), undeleted: [e.succeeded[0]] };
    const invocations = checkTrace(events, limitsOf(s), report).find((c) => c.name === "invocations")!;
    expect(invocations.status).toBe("fail");
    expect(invocations.examples.join("\n")).toContain("a delete was refused, on a queue that takes deletes with any receipt handle");
  });

  it("explain says why the delete was refused and names the rule", () => {
    const lines: string[] = [];
    explain(scenarioFrom(yaml("sqs-fifo")), { width: 200 }, (l) => lines.push(l));
    const text = lines.map((l) => l.trim()).join(" ");
    expect(text).toContain("On a FIFO queue a receipt handle expires with the visibility timeout, so SQS refuses Lambda's delete");
    expect(text).toContain("https://repost.aws/knowledge-center/sqs-receipt-handle-error");
  });

  it("a message whose delete was refused twice is counted as processed twice more: duplicates are every successful processing after the first", () => {
    // Generated: a 1 s visibility timeout, ~1 s cold starts and reserved concurrency 4 leave some messages processed
    // three times before a delete goes through.
    const s = scenarioFrom(`name: t
seed: 3217143206
profile: nov-2023
source: { type: sqs-fifo, VisibilityTimeout: 1, MessageRetentionPeriod: 165, RedrivePolicy: { maxReceiveCount: 5 } }
traffic: [{ at: 46.439, records: 35, key: poison }]
mapping: { BatchSize: 3 }
function: { Timeout: 1, ReservedConcurrentExecutions: 4, duration: { base: 22ms }, coldStart: 0.989 }
`);
    const { events, report } = runWithTrace(s);
    expect(report.drained).toBe(true);
    const refusals = new Map<number, number>();
    let processed = 0;
    const held = new Map<number, number>();
    for (const e of events) {
      if (e.type === "invoke") held.set(e.invocation, e.records.length);
      if (e.type !== "result" || e.outcome === "error" || e.outcome === "timeout") continue;
      processed += held.get(e.invocation)! - e.failed.length;
      for (const r of e.undeleted ?? []) refusals.set(r.n, (refusals.get(r.n) ?? 0) + 1);
    }
    expect(Math.max(...refusals.values())).toBe(2);
    expect(report.records.succeeded).toBe(35);
    expect(report.duplicates).toBe(processed - report.records.succeeded);
    expect(checkTrace(events, limitsOf(s), report).filter((c) => c.status === "fail")).toEqual([]);
  });
});
