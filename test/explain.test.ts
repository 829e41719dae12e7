import { onFailureDelivers } from "../src/esm/config.js";
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { explain, parseWindow } from "../src/explain/explain.js";
import { NarrationState } from "../src/explain/moments.js";
import { TraceNames } from "../src/explain/names.js";
import { Narrator, DEFAULT_NARRATE, fmtClock, wrap } from "../src/explain/narrator.js";
import { RULES } from "../src/explain/rules.js";
import type { Scenario } from "../src/scenario/model.js";
import type { InvokeEvent, OnFailureEvent, ResultEvent, SimRecord, StreamRetryEvent, TraceEvent } from "../src/trace/events.js";
import { runWithTrace, scenarioFrom, SCENARIO_DIR } from "./helpers.js";

const shipped = (name: string) => scenarioFrom(readFileSync(join(SCENARIO_DIR, `${name}.yaml`), "utf8"), `${name}.yaml`);

function narrate(name: string, opts: Parameters<typeof explain>[1] = {}) {
  const lines: string[] = [];
  const result = explain(shipped(name), { header: false, footer: false, width: WIDE, ...opts }, (l) => lines.push(l));
  return { lines, text: lines.join("\n"), report: result.report };
}

/** Wide enough that no sentence wraps, so tests can look for whole sentences. */
const WIDE = 100_000;

/** A rule as the narration first tells it: its title, then its AWS page on a line of its own under it. */
const ruleWithPage = (r: { title: string; url: string }) => `rule: ${r.title}\n${" ".repeat(20)}${r.url}`;

const S0 = "shardId-000000000000";
const KINESIS = scenarioFrom("name: hand-made\nsource: { type: kinesis, ShardCount: 3 }\nmapping: { StartingPosition: TRIM_HORIZON }\ntraffic: [{ at: 0s, records: 1 }]\n");
const SQS = scenarioFrom("name: hand-made\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n");
const STREAM_NAMES = new TraceNames({ queue: "s", keyNames: ["k0"], stream: { type: "kinesis", name: "s", shardIds: [S0, "s1", "s2"] } });
const QUEUE_NAMES = new TraceNames({ queue: "q", keyNames: ["k0"] });

/** Feed hand-made typed events to a narrator for `scenario` (with its mapping changed by `mapping`); return its lines. */
function feed(events: TraceEvent[], scenario: Scenario, mapping: Partial<Scenario["mapping"]> = {}, opts: Partial<typeof DEFAULT_NARRATE> = {}): string[] {
  const lines: string[] = [];
  const names = scenario === SQS ? QUEUE_NAMES : STREAM_NAMES;
  const state = new NarrationState({ ...scenario, mapping: { ...scenario.mapping, ...mapping } }, names);
  const n = new Narrator(state, { ...DEFAULT_NARRATE, width: WIDE, ...opts }, (l) => lines.push(l));
  for (const e of events) n.onEvent(e);
  n.finish();
  return lines;
}

const US = 1000;
const rec = (n: number): SimRecord => ({ n, keyIndex: 0, sentUs: 0, sizeBytes: 1024 });
const recs = (from: number, count: number) => Array.from({ length: count }, (_, i) => rec(from + i));
const seq = (n: number) => String(n).padStart(21, "0");

function invoke(tMs: number, e: { invocation: number; shard: number; records: SimRecord[]; attempt?: number; closedBy?: InvokeEvent["closedBy"]; iteratorAgeMs?: number }): InvokeEvent {
  const { invocation, shard, records, attempt = 1, closedBy = "available", iteratorAgeMs } = e;
  return { tUs: tMs * US, type: "invoke", invocation, poller: shard, shard, lane: 0, records, attempt, concurrency: 1, closedBy, iteratorAgeUs: iteratorAgeMs === undefined ? undefined : iteratorAgeMs * US };
}
function result(tMs: number, e: { invocation: number; shard: number; outcome: ResultEvent["outcome"]; failed: SimRecord[] }): ResultEvent {
  return { tUs: tMs * US, type: "result", records: [], succeeded: [], redundant: 0, durationUs: 0, ignoredPartial: 0, ...e };
}
function retry(tMs: number, e: { shard: number; records: SimRecord[]; attempt: number; delayMs: number; reason?: StreamRetryEvent["reason"] }): StreamRetryEvent {
  const reason = e.reason ?? "FunctionError";
  return { tUs: tMs * US, type: "streamRetry", shard: e.shard, lane: 0, records: e.records, attempt: e.attempt, delayUs: e.delayMs * US, reason, countsAsRetry: reason !== "Throttled" };
}
function onFailure(tMs: number, e: { shard: number; records: SimRecord[]; condition: OnFailureEvent["condition"]; approximateInvokeCount: number; destinationArn: string | null }): OnFailureEvent {
  return { tUs: tMs * US, type: "onFailure", ended: e.records.length, functionError: "Unhandled", delivered: onFailureDelivers(e.destinationArn), ...e };
}

describe("explain: stream moments from hand-made typed trace events", () => {
  const poisonPill = (retries: number): TraceEvent[] => {
    const out: TraceEvent[] = [invoke(0, { invocation: 1, shard: 0, records: recs(0, 3), iteratorAgeMs: 0 })];
    out.push(result(100, { invocation: 1, shard: 0, outcome: "error", failed: recs(0, 3) }));
    for (let i = 1; i <= retries; i++) {
      const t = i * 1000;
      out.push(retry(t - 900, { shard: 0, records: recs(0, 3), attempt: i + 1, delayMs: 900 }));
      out.push(invoke(t, { invocation: i + 1, shard: 0, records: recs(0, 3), attempt: i + 1, closedBy: "retry", iteratorAgeMs: t }));
      out.push(result(t + 100, { invocation: i + 1, shard: 0, outcome: "error", failed: recs(0, 3) }));
    }
    for (let k = 0; k < 3; k++) out.push({ tUs: (retries * 1000 + 500) * US, type: "expire", shard: 0, record: rec(k), reason: "RetentionPeriodExceeded" });
    return out;
  };

  it("tells the first batch of a shard, the shard blocked, folded identical retries, and how long it was blocked", () => {
    const lines = feed(poisonPill(5), KINESIS);
    const text = lines.join("\n");
    expect(text).toContain(`Shard ${S0}: first batch (3 records`);
    expect(text).toContain(`Invocation 1 failed on shard ${S0}: the shard is blocked.`);
    expect(text).toContain("until it succeeds or its records expire from the stream after the 1d retention period (MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1, so they set no limit)");
    expect(text).toContain(`Shard ${S0} invokes the same batch of 3 records again in 900ms, as invocation attempt 2 (retry 1, MaximumRetryAttempts -1: no limit).`);
    expect(text).toContain("esm-sim backs off from 500ms, doubling to at most 30s.");
    expect(lines).toContain(`00:00:01.100  ... 4 more identical retries over 3s, until 00:00:04.100; shard ${S0}, last retried after 900ms, IteratorAge now 4s ...`);
    expect(text).toContain("expired: the stream's retention period (1d) ended before the mapping processed it");
    expect(text).toContain(`Shard ${S0} moves on after being blocked for 5.4s (6 failed invocations from invocation 1 on; its IteratorAge reached 5s): its failing records expired from the stream.`);
  });

  it("folds 86,340 retries into one line that says how many and over how long", () => {
    const events: TraceEvent[] = [invoke(0, { invocation: 1, shard: 0, records: [rec(1)] }), result(1, { invocation: 1, shard: 0, outcome: "error", failed: [rec(1)] })];
    for (let i = 0; i <= 86_340; i++) events.push(retry(1000 + i * 1000, { shard: 0, records: [rec(1)], attempt: i + 2, delayMs: 1000 }));
    const lines = feed(events, KINESIS);
    expect(lines.filter((l) => l.includes("identical retries"))).toEqual([`00:00:02.000  ... 86,340 more identical retries over 23h 59m, until 23:59:01.000; shard ${S0}, last retried after 1s ...`]);
  });

  it("names the condition, the invoke count, the function error and where the records go when the mapping gives up", () => {
    const base = [invoke(0, { invocation: 1, shard: 1, records: recs(5, 2) }), result(10, { invocation: 1, shard: 1, outcome: "error", failed: recs(5, 2) })];
    const arn = "arn:aws:sqs:us-east-1:123456789012:failures";
    const withDest = feed([...base, onFailure(20, { shard: 1, records: recs(5, 2), condition: "RetryAttemptsExhausted", approximateInvokeCount: 3, destinationArn: arn })], KINESIS, {
      retryAttemptsMax: 2,
      onFailureArn: arn,
    }).join("\n");
    expect(withDest).toContain("until it succeeds, MaximumRetryAttempts (2) is used up or its records expire");
    expect(withDest).toContain(`The mapping gives up on 2 records of shard s1 (${seq(5)} and ${seq(6)}), condition RetryAttemptsExhausted: the batch was invoked 3 times (approximateInvokeCount 3: the first attempt and 2 retries) and MaximumRetryAttempts (2) is used up (functionError Unhandled: the function threw). It writes one invocation record to ${arn}: metadata only`);
    expect(withDest).toContain(RULES.onFailure.url);
    const dropped = feed([...base, onFailure(20, { shard: 1, records: recs(5, 2), condition: "RecordAgeExceeded", approximateInvokeCount: 2, destinationArn: null })], KINESIS, { recordAgeMaxUs: 60_000_000 }).join("\n");
    expect(dropped).toContain("condition RecordAgeExceeded: before invocation attempt 2, the records were older than MaximumRecordAgeInSeconds (1m), so the mapping discards them instead of retrying them any longer. It drops them. No destination is configured: the records are gone");
    expect(dropped).toContain(RULES.recordAge.url);
    expect(dropped).toContain("Shard s1 moves on after being blocked for 10ms");
  });

  it("says plainly when a discarded batch is dropped because the destination refuses it, and what an S3 destination receives", () => {
    const base = [invoke(0, { invocation: 1, shard: 1, records: recs(5, 2) }), result(10, { invocation: 1, shard: 1, outcome: "error", failed: recs(5, 2) })];
    const say = (arn: string) =>
      feed([...base, onFailure(20, { shard: 1, records: recs(5, 2), condition: "RetryAttemptsExhausted", approximateInvokeCount: 1, destinationArn: arn })], KINESIS, { retryAttemptsMax: 0, onFailureArn: arn }).join("\n").replace(/\s+/g, " ");
    const fifo = "arn:aws:sqs:us-east-1:123456789012:failures.fifo";
    expect(say(fifo)).toContain(`It tries to send one invocation record to ${fifo}, but Lambda cannot deliver to a FIFO queue or topic, so the delivery fails (DestinationDeliveryFailures) and the records are dropped: they are gone`);
    const s3 = "arn:aws:s3:::failures";
    expect(say(s3)).toContain(`It writes one invocation record to ${s3}: an object holding the metadata (shard, first and last sequence number, batch size) and, in its payload, the batch as the function received it.`);
    expect(say(s3)).not.toContain("gone");
  });

  it("explains bisection with its halves, a partial response's checkpoint rewind, and filtering on a stream and on a queue", () => {
    const text = feed(
      [
        { tUs: 0, type: "bisect", shard: 2, lane: 0, records: recs(0, 4), left: recs(0, 2), right: recs(2, 2) },
        invoke(1, { invocation: 7, shard: 2, records: recs(0, 4) }),
        result(2, { invocation: 7, shard: 2, outcome: "partial", failed: [rec(1), rec(3)] }),
        { tUs: 5 * US, type: "checkpoint", shard: 2, record: rec(2) },
        { tUs: 6 * US, type: "filter", shard: 2, record: rec(9) },
      ],
      KINESIS,
      { reportBatchItemFailures: true },
      { verbose: true },
    ).join("\n");
    expect(text).toContain(`shard s2's failed batch of 4 records is split into halves of 2 (${seq(0)} and 1 more) and 2 (${seq(2)} and 1 more)`);
    expect(text).toContain("splitting uses no retry attempt");
    expect(text).toContain(`Invocation 7 on shard s2 reported ${seq(1)} and ${seq(3)} as failed (ReportBatchItemFailures). The checkpoint moves to the lowest failed sequence number, ${seq(1)}: the record before it is done, and the mapping invokes the 3 records from it again, so 1 record that succeeded after it is processed a second time.`);
    expect(text).toContain(`Shard s2: the checkpoint moves to ${seq(2)}: every record up to it is done.`);
    expect(text).toContain(`${seq(9)} matched none of the FilterCriteria: the iterator moves past it`);
    const queue = feed([{ tUs: 7 * US, type: "filter", record: rec(1) }], SQS).join("\n");
    expect(queue).toContain("msg-000001 matched none of the FilterCriteria: Lambda deletes the message from the queue");
  });

  it("tells a read throttle of the shard's only consumer as the whole limit being the mapping's, and later IteratorAge as waiting on the read limit", () => {
    const throttle = (tMs: number, shard: number): TraceEvent => ({ tUs: tMs * US, type: "readThrottle", shard, delayUs: 1000 * US });
    const lines = feed([invoke(0, { invocation: 1, shard: 0, records: recs(0, 2) }), throttle(200, 0), throttle(1200, 0), throttle(2200, 1), invoke(40_000, { invocation: 2, shard: 0, records: recs(2, 2), iteratorAgeMs: 35_000 })], KINESIS);
    const text = lines.join("\n");
    expect(lines.filter((l) => l.includes("read limit is the bottleneck"))).toHaveLength(1);
    expect(text).toContain("This mapping is the shard's only standard consumer, so all of it is the mapping's; each other reader of the stream would take an equal share.");
    expect(text).toContain("00:00:01.200  ... 2 more read throttles over 1s, until 00:00:02.200; shard s1, 1 read throttle in all ...");
    expect(text).toContain(`IteratorAge reaches 35s on shard ${S0}: the batch sent now (invocation 2) ends with a record that arrived 35s ago, because the shard's read limit holds the mapping to its share of the shard's reads (2 read throttles so far), so records wait in the stream however fast the function is.`);
  });

  it("with --verbose, shows every step, even those without a rule, a step without words as its trace line", () => {
    const sqs = feed(
      [
        { tUs: 0, type: "poll", poller: 0, received: 0, visible: 0 },
        { tUs: 1 * US, type: "poll", poller: 0, received: 0, visible: 0 },
        { tUs: 2 * US, type: "dedup", ofN: 3, keyIndex: 0, reason: "DeduplicationInterval" },
      ],
      SQS,
      {},
      { verbose: true },
    );
    expect(sqs.filter((l) => /^\d\d:/.test(l))).toEqual([
      "00:00:00.000  The mapping, not the queue, drives the work: poller 0 calls ReceiveMessage on the queue (0 messages returned, at most 10 per call).",
      "00:00:00.000  Poller 0 found no visible message. It long-polls: the receive waits up to 20s and returns as soon as a message becomes visible, so an idle mapping costs few calls.",
      "00:00:00.001  Poller 0 receives 0 messages (0 messages left visible).",
      "00:00:00.002  dedup: recordId=msg-000003 key=k0 queue=q reason=DeduplicationInterval",
    ]);
    const stream = feed([retry(3, { shard: 1, records: [rec(1)], attempt: 2, delayMs: 500, reason: "Throttled" })], KINESIS, {}, { verbose: true });
    expect(stream).toEqual([`00:00:00.003  retry: stream=s shard=s1 lane=0 recordIds=[1] attempt=2 delayMs=500 reason=Throttled countsAsRetry=false`]);
  });
});

describe("explain: stream and FIFO runs", () => {
  it("kinesis-poison-pill: the shard is blocked for a day, its ~2,900 retries folded into one line, until retention takes the poison batch", () => {
    const { lines, text } = narrate("kinesis-poison-pill");
    const S0 = "shardId-000000000000";
    expect(text).toContain(`00:01:00.419  Invocation 114 failed on shard ${S0}: the shard is blocked.`);
    expect(lines.filter((l) => l.includes("identical retries"))).toEqual([
      `00:01:00.975  ... 2,879 more identical retries over 1d, until 24:00:43.143; shard ${S0}, last retried after 30s, IteratorAge now 1d ...`,
    ]);
    expect(text).toContain(`Shard ${S0} moves on after being blocked for 1d (2,880 failed invocations from invocation 114 on; its IteratorAge reached 1d): invocation 3221 succeeded.`);
    expect(text).toContain("the records that queued up behind the failing batch during the 1d the shard was blocked are only now being read");
    expect(text).not.toContain("gives up on");
    // Folded expiries say how many once: each is one record.
    expect(text).toContain("24:01:00.143  ... 3 more records expired at the same instant ...");
  });

  it("kinesis-poison-pill-fixed: bisect halves, retries counted against MaximumRetryAttempts, then the on-failure record", () => {
    const { text } = narrate("kinesis-poison-pill-fixed");
    expect(text).toContain("failed batch of 6 records is split into halves of 3 (000000000000000001191 and 2 more) and 3 (000000000000000001201 and 2 more)");
    expect(text).toContain("as invocation attempt 2 (retry 1 of MaximumRetryAttempts 2)");
    expect(text).toContain("condition RetryAttemptsExhausted: the batch was invoked 3 times");
    expect(text).toContain("It writes one invocation record to arn:aws:sqs:us-east-1:123456789012:kinesis-poison-pill-failures");
    expect(text).toContain(ruleWithPage(RULES.bisect));
  });

  it("dynamodb-self-write-loop: the first record the function writes back is told in full, the rest folded into one count", () => {
    const { lines, text, report } = narrate("dynamodb-self-write-loop");
    expect(lines.filter((l) => l.includes("The function wrote back to its own stream")).length).toBe(1);
    expect(text).toContain("it updated the item it was processing, a MODIFY record (000000000000000000002, key key-99) that lands on the same shard shardId-000000000001");
    expect(text).toContain(ruleWithPage(RULES.selfWrite));
    expect(text).toContain(`... ${(report.stream!.writtenBack - 1).toLocaleString("en-US")} more records written back by the function over 10m`);
  });

  it("dynamodb-self-write-loop-fixed: the function's writes are told, then filtered", () => {
    const { text } = narrate("dynamodb-self-write-loop-fixed");
    expect(text).toContain("000000000000000000002 matched none of the FilterCriteria");
    expect(text).toContain("... 99 more records written back by the function over");
  });

  it("sqs-fifo-poison-message: the poisoned group is locked until the DLQ takes the message; other groups flow", () => {
    const { text } = narrate("sqs-fifo-poison-message");
    expect(text).toContain("Message group key-7 is locked: msg-000200 failed and keeps its place at the head of the group");
    expect(text).toContain("msg-000200 is delivered again in invocation 746, still at the head of group key-7, with 9 later messages of its group behind it");
    expect(text).toContain("Group key-7 is unlocked after 2m 30s: with msg-000200 in the DLQ the group goes on with its next message.");
    expect(text).not.toContain("A standard queue keeps best-effort order only");
    expect(text).not.toContain("grouped differently");
  });

  it("sqs-fifo-one-group: receives find only a busy group; sqs-fifo-producer-retries: dedup drops and resends", () => {
    expect(narrate("sqs-fifo-one-group").text).toContain("Poller 1's receive returns nothing although 500 messages are waiting: each belongs to a message group that already has a batch in flight");
    const retries = narrate("sqs-fifo-producer-retries").text;
    expect(retries).toContain("A producer retry of msg-000020 (group key-19) carried the same MessageDeduplicationId less than 5 minutes after the first send");
    expect(retries).toContain("msg-002400 is a producer retry of msg-000091");
    expect(retries).toContain(RULES.fifoDedup.url);
  });

  it("kinesis-tumbling-window: a window's final invocation sent again after it failed is told as such, not as another window closing", () => {
    const { lines, text } = narrate("kinesis-tumbling-window");
    // Two shards, 8 windows each: 16 windows close, one of them with its final invocation sent a second time.
    const closed = lines.reduce((n, l) => {
      if (/has ended: the mapping makes/.test(l)) return n + 1;
      const folded = /\.\.\. (\d+) more windows? closed/.exec(l);
      return folded ? n + Number(folded[1]) : n;
    }, 0);
    expect(closed).toBe(16);
    expect(text).toMatch(/final invocation of the tumbling window .* failed and is sent again \(invocation \d+, attempt 2\)/s);
  });

  it("kinesis-read-limit-backlog: the shard's read limit is named as the bottleneck once, with the mapping's share beside another reader, and the 590 later throttles folded into one line", () => {
    const { lines, text, report } = narrate("kinesis-read-limit-backlog");
    const told = lines.filter((l) => l.includes("read limit is the bottleneck"));
    expect(told).toEqual([
      `00:10:00.507  Shard ${S0}'s read limit is the bottleneck: a GetRecords call is refused with ReadProvisionedThroughputExceeded. A shard serves 5 GetRecords calls and 2 MB of reads a second, shared by every standard consumer of the stream. The stream has 1 other standard consumer besides this mapping, so its share is 1 / 2: 2.5 calls and 1 MB a second. One call may return up to 10,000 records or 10 MB, and the calls after it are refused until the share has paid for it, so records wait in the stream however fast the function is. The mapping waits 1s and calls again (AWS names no wait; esm-sim's figure readThrottleBackoffMs). The fix is enhanced fan-out (register a stream consumer and use its ARN as the EventSourceArn): the mapping then gets a dedicated 2 MB a second per shard, pushed, that other consumers do not share. More shards raise the limit too.`,
    ]);
    expect(text).toContain(ruleWithPage(RULES.shardReadLimit));
    expect(RULES.shardReadLimit.url).toBe("https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html");
    const throttles = report.stream!.readThrottles;
    expect(lines.filter((l) => l.includes("more read throttles"))).toEqual([`00:10:01.507  ... ${(throttles - 1).toLocaleString("en-US")} more read throttles over 10m 19s, until 00:20:20.432; shard ${S0}, ${throttles} read throttles in all ...`]);
    expect(text).toContain("because the mapping was created 10m into the run with StartingPosition TRIM_HORIZON and starts with the records already waiting in the stream");
    expect(text).not.toContain("enhanced fan-out consumer:");
  });

  it("a Kinesis producer's retry: told as a second record with the same data, the others folded into one count", () => {
    const scenario = scenarioFrom(`name: t
source: { type: kinesis, ShardCount: 1 }
traffic: [{ rate: 10/s, from: 0s, to: 10s, keys: 5, duplicateSendRate: 0.1 }]
mapping: { StartingPosition: TRIM_HORIZON }
`);
    const lines: string[] = [];
    const { report } = explain(scenario, { header: false, footer: false, width: WIDE }, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toMatch(/The producer wrote the data of 0+10 again, as 0+20 \(partition key key-\d\): a retry after its first write went through/);
    expect(text).toContain(ruleWithPage(RULES.producerRetryRecord));
    expect(text).toContain(`... ${report.stream!.producerRetries - 1} more producer retries over`);
    expect(report.duplicates).toBe(report.stream!.producerRetries);
  });

  it("kinesis-enhanced-fan-out: says once that records are pushed over a dedicated 2 MB a second, and tells no read throttle", () => {
    const { lines, text } = narrate("kinesis-enhanced-fan-out");
    expect(lines.filter((l) => /^\d\d:/.test(l) && l.includes("dedicated 2 MB a second per shard")).length).toBe(1);
    expect(text).toContain("The mapping reads through an enhanced fan-out consumer: Kinesis pushes each shard's records to it over a dedicated 2 MB a second per shard that other consumers do not share, so it makes no GetRecords calls and is never read-throttled");
    expect(text).toContain("The stream's other standard consumer keeps the shard's 5 GetRecords calls and 2 MB a second, and does not slow this mapping.");
    expect(text).toContain("(its records are pushed to it as they arrive)");
    expect(text).toContain(ruleWithPage(RULES.enhancedFanOut));
    expect(text).not.toContain("read limit is the bottleneck");
    expect(text).not.toContain("polls it once a second");
  });

  it("every shipped stream and FIFO scenario narrates with no missing field (no undefined, NaN or empty ids)", () => {
    const names = readdirSync(SCENARIO_DIR)
      .filter((f) => /^(kinesis|dynamodb|sqs-fifo|learn-kinesis|learn-dynamodb|learn-fifo)-.*\.yaml$/.test(f))
      .map((f) => f.replace(/\.yaml$/, ""))
      .sort();
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const name of names) {
      const { text } = narrate(name);
      expect(text, name).not.toMatch(/undefined|NaN|shard  |shard \)|of 0 records/);
      expect(text, name).toContain("rule: ");
    }
  });
});

describe("explain: layout", () => {
  it("wraps at the width, and gives a rule's AWS page once, the first time the rule is told", () => {
    const lines: string[] = [];
    explain(shipped("sqs-poison-message-dlq"), { header: true, footer: true, width: 80 }, (l) => lines.push(l));
    const long = lines.filter((l) => l.length > 80);
    expect(long.length).toBeGreaterThan(0);
    for (const l of long) expect(l.trim()).toMatch(/^https:\/\/\S+$/);
    const pages = lines.filter((l) => /^ {20}https:\/\//.test(l)).map((l) => l.trim());
    expect(pages.length).toBeGreaterThan(2);
    const ruleTitles = lines.filter((l) => /^ {14}rule: /.test(l)).map((l) => l.trim());
    expect(new Set(ruleTitles).size).toBeLessThan(ruleTitles.length);
    // each page printed once per rule: a rule told twice has its page once
    const told = new Map<string, number>();
    lines.forEach((l, i) => {
      if (/^ {20}https:\/\//.test(l)) {
        let j = i - 1;
        while (!/^ {14}rule: /.test(lines[j])) j--;
        const key = lines.slice(j, i).join(" ");
        told.set(key, (told.get(key) ?? 0) + 1);
      }
    });
    for (const n of told.values()) expect(n).toBe(1);
  });
});

describe("explain: SQS runs", () => {
  it("follows the poison message to the DLQ, naming the rule and its AWS page", () => {
    const { text } = narrate("sqs-poison-message-dlq");
    expect(text).toMatch(/msg-000050 moves to the dead-letter queue: it had been received 5 times \(maxReceiveCount 5\)/);
    expect(text).toContain(ruleWithPage(RULES.dlqOnQueue));
    expect(text).toContain("Invocation 51 failed with an error after 220ms. Lambda deletes nothing: its 2 messages (msg-000050 and msg-000051)");
    expect(text).toContain("msg-000050, back after failed invocation 51, is delivered again (receive 2)");
    expect(text).toContain("... 1 more message moved to the DLQ ...");
  });

  it("tells a partial response naming a message not in the batch as a complete failure, the good messages following the bad one to the DLQ", () => {
    const { text } = narrate("learn-sqs-invalid-partial-response");
    expect(text).toContain("Invocation 1 returned batchItemFailures naming an itemIdentifier that is not a message ID of the batch.");
    expect(text).toContain("Lambda deletes nothing, even the messages the function processed");
    expect(text).toContain(ruleWithPage(RULES.invalidPartialResponse));
    expect(text).toContain("... 9 more messages moved to the DLQ at the same instant ...");
    expect(text).not.toContain("With ReportBatchItemFailures Lambda deletes the other");
  });

  it("says why messages are processed twice when the visibility timeout is too short", () => {
    const { text } = narrate("sqs-visibility-too-short");
    expect(text).toContain("00:00:30.000  msg-000000 is visible again while invocation 1 is still processing it");
    expect(text).toContain("at least 6 x the function timeout + the batching window (3m 5s here)");
    expect(text).toContain("msg-000000: its visibility timeout (30s) ran out while invocation 1 was still processing it.");
    expect(text).toContain("... 9 more duplicate processings over 8m, until 00:10:15.000 ...");
  });

  it("says a delete comes too late for a message another poller received again before it, not that it never comes back", () => {
    const { text } = narrate("sqs-visibility-too-short");
    expect(text).toContain(
      `00:00:45.000  Invocation 1 succeeded after 25s: Lambda deletes its 1 message from the queue, but the delete comes too late for msg-000000: another poller had already received it again (its visibility timeout (30s) ran out while invocation 1 was still processing it). Deleting it does not stop the copy already received, which will be processed a second time: the mapping "might receive the same item from the queue twice".`,
    );
    expect(text).toContain(ruleWithPage(RULES.deleteTooLate));
    expect(RULES.deleteTooLate.url).toBe("https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html");
    expect(text).not.toContain("so it never comes back");
    // An invocation whose every message an earlier one had deleted deleted nothing: told as a duplicate only.
    expect(text).not.toContain("deletes its 0 messages");
  });

  it("tells a message visible again but received by no one before the delete as deleted for good; the result's receivedAgain says which were received", () => {
    // Two pollers (MaximumConcurrency 2), both invoking past the 5 s visibility timeout: at 5.2 s invocation 1 ends and
    // deletes msg-000000, visible again but not received; its poller then receives msg-000001 again before
    // invocation 2, ending at the same instant, deletes it: that copy is processed a second time.
    const s = scenarioFrom(`name: late
source: { type: sqs, VisibilityTimeout: 5 }
traffic: [{ at: 0s, records: 2, key: a }]
mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } }
function: { Timeout: 5, coldStart: 1s, duration: { base: 4.2s } }
`);
    const { events, report } = runWithTrace(s);
    const results = events.filter((e): e is ResultEvent => e.type === "result");
    expect(results.map((e) => [e.invocation, e.succeeded.map((r) => r.n), (e.receivedAgain ?? []).map((r) => r.n), e.redundant])).toEqual([
      [1, [0], [], 0],
      [2, [1], [1], 0],
      [3, [], [], 1],
    ]);
    expect(report.duplicates).toBe(1);
    const lines: string[] = [];
    explain(s, { header: false, footer: false, width: WIDE }, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toContain("Invocation 1 succeeded after 4.2s: Lambda deletes its 1 message from the queue, so it never comes back.");
    expect(text).toContain("Invocation 2 succeeded after 4.2s: Lambda deletes its 1 message from the queue, but the delete comes too late for msg-000001");
  });

  it("tells valid messages reaching the DLQ through throttles alone", () => {
    const { text } = narrate("sqs-reserved-concurrency-dlq");
    expect(text).toContain("the function's reserved concurrency (2) is in use (2 of 2); the mapping does not take reserved concurrency into account");
    expect(text).toContain("The function never failed on it: throttled batches used up its receives.");
  });

  it("names the chosen figures a back-off rests on, with their plausible ranges, or says the scenario set them", () => {
    const { text } = narrate("sqs-poison-message-dlq");
    expect(text).toContain(
      "AWS gives neither amount; esm-sim's choices: 1 (backoffConcurrencyPerFailure, plausible 0..5) fewer per failure, never below 2 (backoffMinConcurrency, plausible 1..5), scale-up held for 30s (scaleUpHoldAfterFailureMs, plausible 0..2m).",
    );
    const yaml = readFileSync(join(SCENARIO_DIR, "sqs-poison-message-dlq.yaml"), "utf8") + "\nscaling: { scaleUpHoldAfterFailureMs: 60000 }\n";
    const lines: string[] = [];
    explain(scenarioFrom(yaml, "s.yaml"), { header: false, footer: false, width: WIDE }, (l) => lines.push(l));
    expect(lines.join("\n")).toContain("scale-up held for 1m (scaleUpHoldAfterFailureMs, set by the scenario).");
  });

  it("tells scale-up steps folded, with where they ended", () => {
    const { lines, report } = narrate("sqs-backlog-burst");
    expect(lines).toContain("00:00:01.000  Scale-up: 5 -> 10 concurrent batches. Messages are still waiting and no poller is idle, so the mapping adds up to 300 a minute (profile current), up to 1,000, the account's concurrency limit (the mapping alone could reach 1,250).");
    const folded = lines.find((l) => l.includes("more scale-up steps"));
    expect(folded).toContain(`now ${report.concurrency.pollersMax} concurrent batches`);
    expect(lines.length).toBeLessThan(100);
  });

  it("--verbose tells every batch: one closing line per invocation", () => {
    const { text, report } = narrate("learn-sqs-long-polling-batch-size", { verbose: true });
    expect(text.match(/the batch closed because/g)?.length).toBe(report.invocations.total);
    expect(text).toContain("msg-000025 sent (key late, 1024 bytes).");
  });

  it("--at zooms into a window: only moments inside it, and says what was left out", () => {
    const { lines } = narrate("sqs-poison-message-dlq", { window: { fromMs: 100_000, toMs: 115_000 } });
    const times = lines.filter((l) => /^\d\d:/.test(l)).map((l) => l.slice(0, 12));
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t >= "00:01:40.000" && t <= "00:01:55.000").toBe(true);
    expect(lines[0]).toMatch(/^\(zoomed to 00:01:40.000 \.\. 00:01:55.000; [\d,]+ earlier moments not shown\)$/);
    expect(lines.join("\n")).toContain("msg-000050 moves to the dead-letter queue");
  });

  it("gives identical bytes for the same scenario and seed, and differs with another seed", () => {
    const a = narrate("learn-sqs-duplicates-without-errors").text;
    const b = narrate("learn-sqs-duplicates-without-errors").text;
    expect(a).toBe(b);
    const s = shipped("learn-sqs-duplicates-without-errors");
    const lines: string[] = [];
    explain({ ...s, seed: 2 }, { header: false, footer: false }, (l) => lines.push(l));
    expect(lines.join("\n")).not.toBe(a);
  });

  it("colours only when asked, with the same words", () => {
    const plain = narrate("learn-sqs-deletion-after-success", { width: 100 }).text;
    const colour = narrate("learn-sqs-deletion-after-success", { width: 100, color: true }).text;
    expect(plain).not.toMatch(/\u001b\[/);
    expect(colour).toMatch(/\u001b\[2m/);
    expect(colour.replace(/\u001b\[\d+m/g, "")).toBe(plain);
  });

  it("says when a zoom window holds nothing", () => {
    const { lines } = narrate("learn-sqs-polling-synchronous", { window: { fromMs: 600_000, toMs: 700_000 } });
    expect(lines).toEqual([expect.stringMatching(/^\(nothing to tell between 00:10:00.000 and 00:11:40.000; \d+ moments before it\)$/)]);
  });

  it("caps the narration and says how much more there was", () => {
    const { lines } = narrate("sqs-reserved-concurrency-dlq", { maxLines: 5 });
    expect(lines.filter((l) => /^\d\d:/.test(l)).length).toBe(5);
    expect(lines[lines.length - 1]).toMatch(/^\(\d+ more moments not shown: zoom in with --at, or see every step with --verbose\)$/);
  });

  it("counts the same invocations as the trace does", () => {
    const { report } = narrate("learn-sqs-polling-synchronous");
    const { events } = runWithTrace(shipped("learn-sqs-polling-synchronous"));
    expect(events.filter((e) => e.type === "invoke").length).toBe(report.invocations.total);
  });
});

describe("explain: layout and time windows", () => {
  it("formats virtual time as HH:MM:SS.mmm, hours past a day included", () => {
    expect(fmtClock(0)).toBe("00:00:00.000");
    expect(fmtClock(61_234.9)).toBe("00:01:01.234");
    expect(fmtClock(26 * 3_600_000 + 5)).toBe("26:00:00.005");
  });

  it("wraps words and keeps long words whole", () => {
    expect(wrap("aa bb cc dd", 5)).toEqual(["aa bb", "cc dd"]);
    expect(wrap("x https://docs.aws.amazon.com/very/long y", 10)).toEqual(["x", "https://docs.aws.amazon.com/very/long", "y"]);
  });

  it.each([
    ["10m..12m", { fromMs: 600_000, toMs: 720_000 }],
    ["..90s", { fromMs: 0, toMs: 90_000 }],
    ["1h..", { fromMs: 3_600_000, toMs: Infinity }],
    ["10m", { fromMs: 570_000, toMs: 630_000 }],
    ["10m+-5s", { fromMs: 595_000, toMs: 605_000 }],
    ["10m±1m", { fromMs: 540_000, toMs: 660_000 }],
    ["20", { fromMs: 0, toMs: 50_000 }],
  ])("parses --at %s", (text, window) => {
    expect(parseWindow(text)).toEqual(window);
  });

  it.each(["", "soon", "12m..10m", "10m+-x"])("refuses --at %j with what is allowed", (text) => {
    expect(parseWindow(text)).toMatch(/^--at: must be a time such as 10m, a range such as 10m\.\.12m/);
  });
});
