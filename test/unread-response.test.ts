/**
 * `effect: partial-unread`: the function reports failures, but not in a batchItemFailures list at the top level of
 * its response (a `{statusCode, body}` wrapper, or `BatchItemFailures` with a capital B). AWS treats a response with
 * no list (null batchItemFailures) as a complete success, so the reported records are deleted or checkpointed past
 * and never retried (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html).
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { cli, scratch } from "./cli-helpers.js";
import { runWithTrace, scenarioFrom } from "./helpers.js";

const sqs = (effect: string, extra = "") => `name: unread
source: { type: ${extra.includes("fifo") ? "sqs-fifo" : "sqs"}, RedrivePolicy: { maxReceiveCount: 3 } }
traffic: [{ at: 0s, records: 40, keys: 4 }]
mapping: { BatchSize: 10, FunctionResponseTypes: [ReportBatchItemFailures] }
function:
  duration: { base: 100ms }
  failures: [{ when: { record: 5 }, effect: ${effect} }]
`;

const kinesis = (effect: string, rbif = true) => `name: unread-kinesis
source: { type: kinesis, ShardCount: 1 }
traffic: [{ at: 0s, records: 20, keys: 4 }]
mapping: { BatchSize: 10, StartingPosition: TRIM_HORIZON${rbif ? ", FunctionResponseTypes: [ReportBatchItemFailures]" : ""} }
function:
  duration: { base: 100ms }
  failures: [{ when: { record: 5 }, effect: ${effect} }]
`;

function results(lines: string[]) {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === "result");
}

describe("a partial response Lambda does not read (partial-unread)", () => {
  it("SQS: the reported message is deleted with the rest of its batch, where a read response would retry it into the DLQ", () => {
    const unread = runWithTrace(scenarioFrom(sqs("partial-unread")));
    expect(unread.report.records).toMatchObject({ succeeded: 40, dlq: 0, deletedDespiteReportedFailure: 1 });
    expect(unread.report.invocations).toMatchObject({ partial: 0, partialIgnored: 1, partialUnread: 1 });
    const first = results(unread.lines).find((r) => r.invocation === 1)!;
    expect(first).toMatchObject({ outcome: "ok", failedIds: [], succeeded: 10, ignoredFailures: 1, unreadResponse: true });
    expect(results(unread.lines).filter((r) => r.unreadResponse === true)).toHaveLength(1);

    const read = runWithTrace(scenarioFrom(sqs("partial"))).report;
    expect(read.records).toMatchObject({ succeeded: 39, dlq: 1, deletedDespiteReportedFailure: 0 });
    expect(read.invocations).toMatchObject({ partial: 3, partialIgnored: 0, partialUnread: 0 });
  });

  it("SQS FIFO: the messages the function reports (the failed one and those after it in the batch) are deleted", () => {
    const { report } = runWithTrace(scenarioFrom(sqs("partial-unread", "fifo")));
    expect(report.records.dlq).toBe(0);
    expect(report.records.deletedDespiteReportedFailure).toBeGreaterThan(1);
    expect(report.invocations.partialUnread).toBe(1);
  });

  it("Kinesis: the checkpoint moves past the reported record, which is never retried", () => {
    const unread = runWithTrace(scenarioFrom(kinesis("partial-unread")));
    expect(unread.report.records).toMatchObject({ succeeded: 20, deletedDespiteReportedFailure: 1 });
    expect(unread.report.invocations).toMatchObject({ total: 2, partialUnread: 1 });
    expect(unread.report.stream!.retries).toBe(0);
    expect(results(unread.lines)[0]).toMatchObject({ outcome: "ok", ignoredFailures: 1, unreadResponse: true });

    const read = runWithTrace(scenarioFrom(kinesis("partial"))).report;
    expect(read.invocations.partial).toBeGreaterThan(0);
    expect(read.records.deletedDespiteReportedFailure).toBe(0);
  });

  it("without ReportBatchItemFailures no response is read: a warning, and the run counts the mapping, not the response", () => {
    const parsed = parseScenario(kinesis("partial-unread", false), "s.yaml");
    expect(parsed.ok && parsed.warnings.map((w) => w.message)).toEqual([
      "partial-unread has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS reads no response, wherever it holds its batchItemFailures",
    ]);
    const { report, lines } = runWithTrace(scenarioFrom(kinesis("partial-unread", false)));
    expect(report.invocations).toMatchObject({ partialIgnored: 1, partialUnread: 0 });
    expect(results(lines).some((r) => "unreadResponse" in r)).toBe(false);
  });

  it("the table says why the reported messages were lost, and explain tells the unread response under its own rule", async () => {
    const file = scratch("esm-sim-unread-").write("s.yaml", sqs("partial-unread"));
    const table = await cli("run", file, "--no-color");
    expect(table.out).toContain(
      "1 message the function reported as failed was deleted: the function's responses held batchItemFailures where Lambda does not look (not at the top level), so Lambda read no list.",
    );
    const stream = await cli("run", scratch("esm-sim-unread-").write("k.yaml", kinesis("partial-unread")), "--no-color");
    expect(stream.out).toContain("1 record the function reported as failed was checkpointed past, never retried: the function's responses held");
    // explain wraps its lines: read them as one text.
    const story = (await cli("explain", file, "--no-color")).out.replace(/\s+/g, " ");
    expect(story).toContain("reported 1 message as failed, but not in a batchItemFailures list at the top level of its response");
    expect(story).toContain("rule: a response with no batchItemFailures at its top level is a complete success");
  });
});
