/**
 * duplicatesByCause: every duplicate (a successful processing of a record beyond its first) is put down to one cause,
 * and the causes add up to `duplicates`. The split is derived here a second way, from the JSON Lines trace alone: a
 * record processed again by an invocation that did not fail it, after an earlier success, is a duplicate; on a queue
 * it is a duplicate delivery's if a `retry` line with reason DuplicateDelivery names it, else the visibility
 * timeout's; on a stream it is a checkpoint rewind's, and its first success came from a partial response.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, scratch } from "./cli-helpers.js";
import { checkTrace } from "../src/checks/suite.js";
import { limitsOf } from "../src/checks/limits.js";
import type { Report } from "../src/run/result.js";
import { runWithTrace, scenarioFrom, shippedScenarios } from "./helpers.js";

type Line = { type: string; [k: string]: unknown };

interface Derived {
  visibilityTimeout: number;
  duplicateDelivery: number;
  checkpointRewind: number;
  /** Per result line: the duplicates derived for it, against the line's own `duplicates`. */
  perResult: { derived: number; said: number }[];
  /** Streams: the outcome of the result that first ended each record processed again. */
  firstSuccessOutcomes: Set<string>;
}

function derive(lines: string[]): Derived {
  const out: Derived = { visibilityTimeout: 0, duplicateDelivery: 0, checkpointRewind: 0, perResult: [], firstSuccessOutcomes: new Set() };
  const batches = new Map<number, string[]>();
  const succeededBy = new Map<string, string>();
  const deliveredTwice = new Set<string>();
  for (const text of lines) {
    const l = JSON.parse(text) as Line;
    if (l.type === "invoke") batches.set(l.invocation as number, l.recordIds as string[]);
    if (l.type === "retry" && l.reason === "DuplicateDelivery") deliveredTwice.add(l.recordId as string);
    if (l.type !== "result") continue;
    const stream = l.shard !== undefined;
    const ids = batches.get(l.invocation as number)!;
    const failed = new Set(l.failedIds as string[]);
    let derived = 0;
    if (l.outcome !== "error" && l.outcome !== "timeout" && l.invalidResponse !== true) {
      const here = new Set<string>();
      for (const id of ids) {
        if (failed.has(id)) continue;
        if (succeededBy.has(id) || here.has(id)) {
          derived++;
          if (stream) {
            out.checkpointRewind++;
            out.firstSuccessOutcomes.add(succeededBy.get(id)!);
          } else if (deliveredTwice.has(id)) out.duplicateDelivery++;
          else out.visibilityTimeout++;
        } else here.add(id);
      }
      for (const id of here) succeededBy.set(id, l.outcome as string);
    }
    out.perResult.push({ derived, said: l.duplicates as number });
  }
  return out;
}

function run(text: string) {
  const scenario = scenarioFrom(text);
  const r = runWithTrace(scenario);
  const checks = checkTrace(r.events, limitsOf(scenario), r.report);
  return { ...r, scenario, checks, derived: derive(r.lines) };
}

const shipped = (name: string) => shippedScenarios().find((s) => s.file.endsWith(`/${name}.yaml`))!.text;

function expectSplitAsTheTraceSays(report: Report, d: Derived) {
  const c = report.duplicatesByCause;
  expect(c.visibilityTimeout + c.duplicateDelivery + c.checkpointRewind + c.producerRetry).toBe(report.duplicates);
  expect({ visibilityTimeout: c.visibilityTimeout, duplicateDelivery: c.duplicateDelivery, checkpointRewind: c.checkpointRewind }).toEqual({
    visibilityTimeout: d.visibilityTimeout,
    duplicateDelivery: d.duplicateDelivery,
    checkpointRewind: d.checkpointRewind,
  });
  for (const r of d.perResult) expect(r.derived).toBe(r.said);
}

/** A standard queue where both queue causes happen: a visibility timeout that a batch window and a slow function
 *  outlast (as in sqs-visibility-too-short), and spontaneous duplicates. */
const BOTH_QUEUE_CAUSES = `name: both-causes
seed: 3
source: { type: sqs, VisibilityTimeout: 30, duplicateDeliveryRate: 0.05 }
traffic: [{ rate: 1/s, from: 0s, to: 3m, keys: 10 }]
mapping: { BatchSize: 50, MaximumBatchingWindowInSeconds: 5 }
function:
  Timeout: 30
  duration: { base: 25s }
`;

describe("duplicates by cause", () => {
  it("a message received again once its visibility timeout ran out mid-batch counts under visibilityTimeout", () => {
    const { report, derived, checks } = run(shipped("sqs-visibility-too-short"));
    expect(report.duplicatesByCause).toEqual({ visibilityTimeout: report.duplicates, duplicateDelivery: 0, checkpointRewind: 0, producerRetry: 0 });
    expect(report.duplicates).toBeGreaterThan(0);
    expectSplitAsTheTraceSays(report, derived);
    expect(checks.every((c) => c.status !== "fail")).toBe(true);
  });

  it("a message the queue delivered twice on its own counts under duplicateDelivery", () => {
    const { report, derived } = run(shipped("learn-sqs-duplicates-without-errors"));
    expect(report.duplicatesByCause).toEqual({ visibilityTimeout: 0, duplicateDelivery: report.duplicates, checkpointRewind: 0, producerRetry: 0 });
    expect(report.duplicates).toBeGreaterThan(0);
    expectSplitAsTheTraceSays(report, derived);
  });

  it("on one queue with both, each duplicate goes to its own cause and the two add up", () => {
    const { report, derived, checks } = run(BOTH_QUEUE_CAUSES);
    const c = report.duplicatesByCause;
    expect(c.visibilityTimeout).toBeGreaterThan(0);
    expect(c.duplicateDelivery).toBeGreaterThan(0);
    expect(c.checkpointRewind + c.producerRetry).toBe(0);
    expectSplitAsTheTraceSays(report, derived);
    expect(checks.find((x) => x.name === "invocations")!.status).toBe("pass");
  });

  it("a stream record read again from the checkpoint a partial response left counts under checkpointRewind", () => {
    const { report, derived } = run(shipped("kinesis-partial-batch-response"));
    expect(report.duplicatesByCause).toEqual({ visibilityTimeout: 0, duplicateDelivery: 0, checkpointRewind: report.duplicates, producerRetry: 0 });
    expect(report.duplicates).toBeGreaterThan(0);
    expectSplitAsTheTraceSays(report, derived);
    expect([...derived.firstSuccessOutcomes]).toEqual(["partial"]);
  });

  it("a producer retry processed as well as the first send counts under producerRetry, on a queue and on a stream", () => {
    const fifo = run(shipped("sqs-fifo-producer-retries")).report;
    expect(fifo.duplicatesByCause).toEqual({ visibilityTimeout: 0, duplicateDelivery: 0, checkpointRewind: 0, producerRetry: fifo.sqs!.producerDuplicates });
    expect(fifo.duplicates).toBeGreaterThan(0);
    const kinesis = run(`name: kinesis-retries
source: { type: kinesis, ShardCount: 2 }
traffic: [{ rate: 50/s, from: 0s, to: 30s, keys: 20, duplicateSendRate: 0.1 }]
mapping: { BatchSize: 10, StartingPosition: TRIM_HORIZON }
function: { duration: { base: 50ms } }
`).report;
    expect(kinesis.stream!.producerDuplicates).toBeGreaterThan(0);
    expect(kinesis.duplicatesByCause).toEqual({ visibilityTimeout: 0, duplicateDelivery: 0, checkpointRewind: 0, producerRetry: kinesis.stream!.producerDuplicates });
  });

  it("run --check fails a report whose split does not follow the trace", () => {
    const { events, report, scenario } = run(BOTH_QUEUE_CAUSES);
    const moved = structuredClone(report);
    moved.duplicatesByCause.visibilityTimeout += 1;
    moved.duplicatesByCause.duplicateDelivery -= 1;
    const fail = checkTrace(events, limitsOf(scenario), moved).find((x) => x.name === "invocations")!;
    expect(fail.status).toBe("fail");
    expect(fail.examples.join("\n")).toContain("duplicatesByCause.visibilityTimeout");

    const i = events.findIndex((e) => e.type === "result" && (e.redundantDuplicateDelivery ?? 0) > 0);
    const bad = events.map((e, j) => (j === i && e.type === "result" ? { ...e, redundantDuplicateDelivery: 0 } : e));
    const wrong = checkTrace(bad, limitsOf(scenario), report).find((x) => x.name === "invocations")!;
    expect(wrong.status).toBe("fail");
    expect(wrong.examples.join("\n")).toMatch(/counted 0 duplicates from a duplicate delivery; the queue's retry events say [1-9]/);
  });

  it("the table, Markdown and HTML reports say what caused the duplicates, as docs/reports.md shows", async () => {
    const docs = readFileSync(join(__dirname, "..", "docs", "reports.md"), "utf8").replace(/\s*\n\s*/g, " ");
    const sample = /`scenarios\/sqs-visibility-too-short\.yaml` gives `(duplicates by cause: [^`]+)`/.exec(docs);
    expect(sample, "docs/reports.md names the line sqs-visibility-too-short gives").not.toBeNull();
    const file = join(__dirname, "..", "scenarios", "sqs-visibility-too-short.yaml");
    const table = await cli("run", file, "--no-color");
    expect(table.out.split("\n")).toContain(sample![1]);
    const md = await cli("run", file, "--format", "markdown");
    expect(md.out).toContain("Duplicates by cause: 10 back after the visibility timeout ran out.");
    const html = join(scratch("esm-sim-dup-causes-").dir, "r.html");
    expect((await cli("run", file, "--html", html)).code).toBe(0);
    expect(readFileSync(html, "utf8")).toContain(`<p class="conservation duplicate-causes">${sample![1]}</p>`);
    const none = await cli("run", join(__dirname, "..", "scenarios", "sqs-poison-message-dlq.yaml"), "--no-color");
    expect(none.out).not.toContain("by cause");
  });
});
