/**
 * Moment rules for SQS FIFO queues, on top of the SQS ones (sqs-moments.ts): a failing message locks its message
 * group until it is deleted or moved to the DLQ while the other groups flow; a receive returns nothing while every
 * waiting message's group has a batch in flight (one group = one batch at a time); order holds per group only;
 * producer retries within the deduplication interval are dropped, later ones are new messages.
 * AWS pages: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (FIFO order and concurrency),
 * https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned (in-flight messages block their group),
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html (deduplication).
 */
import { messageId } from "../sources/sqs-message-queue.js";
import type { DedupEvent, DlqEvent, InvokeEvent, PollEvent, ProduceEvent, ResultEvent, SimRecord } from "../trace/events.js";
import { dur, idList, plural, type Moment, type MomentRule, type MomentRules, type NarrationState } from "./moments.js";
import { SQS_MOMENTS } from "./sqs-moments.js";

/** The message groups (key indexes) of `records`, each once, in first-seen order. */
function distinctGroups(records: readonly SimRecord[]): number[] {
  const seen = new Set<number>();
  for (const r of records) seen.add(r.keyIndex);
  return [...seen];
}

const poll: MomentRule<PollEvent> = (ev, st, t) => {
  const out = SQS_MOMENTS.poll(ev, st, t);
  if (ev.received === 0 && ev.visible > 0) {
    const waiting = ev.visible === 1 ? "is waiting: it belongs" : "are waiting: each belongs";
    const text = `Poller ${ev.poller}'s receive returns nothing although ${plural(ev.visible, "message")} ${waiting} to a message group that already has a batch in flight, and a FIFO queue returns none of a group's messages until its in-flight ones are deleted or visible again. One group runs one batch at a time, so concurrency is capped by the number of active groups.`;
    out.push({ tMs: t, fold: "fifo:group-busy", rule: "fifoGroupLock", noun: ["receive that found only busy groups", "receives that found only busy groups"], text, silent: true });
  }
  return out;
};

/** A locked group's failed message is back: tell who rides along with it. */
function retriedHead(ev: InvokeEvent, st: NarrationState, t: number): Moment[] {
  const records = ev.records;
  const i = records.findIndex((r) => st.lockedGroups.get(r.keyIndex)?.record.n === r.n);
  if (i < 0) return [];
  const group = records[i].keyIndex;
  let behind = 0;
  for (let j = i + 1; j < records.length; j++) if (records[j].keyIndex === group) behind++;
  const riders = behind > 0 ? `, with ${plural(behind, "later message")} of its group behind it in the same batch: if the batch fails again, they fail with it and use up receives too` : "";
  const text = `${st.names.record(records[i])} is delivered again in invocation ${ev.invocation}, still at the head of group ${st.names.key(group)}${riders}.`;
  return [{ tMs: t, fold: "fifo:retry-head", rule: "fifoGroupLock", noun: ["failed message delivered again", "failed messages delivered again"], text }];
}

const invoke: MomentRule<InvokeEvent> = (ev, st, t) => {
  // The SQS regrouping story does not hold for FIFO: a returned message keeps its place at the head of its group.
  const out = SQS_MOMENTS.invoke(ev, st, t).filter((mo) => mo.fold !== "regroup");
  if (st.invokes === 1) {
    const groups = idList(distinctGroups(ev.records).map((g) => st.names.key(g)), 2);
    const text = `In a FIFO queue the mapping sends messages in the order they were sent within each message group (MessageGroupId; here ${groups} in this batch). A batch may hold several groups, each in order, but a group is in at most one batch at a time.`;
    out.push({ tMs: t, fold: "fifo:first", rule: "fifoOrder", noun: ["first FIFO batch", "first FIFO batches"], text });
  }
  out.push(...retriedHead(ev, st, t));
  return out;
};

/** The SQS result moments, told for message groups: order holds per group, failed messages keep their place. */
function fifoWording(mo: Moment, outcome: ResultEvent["outcome"]): Moment {
  if (mo.fold === "order")
    return { ...mo, rule: "fifoOrder", text: mo.text.replace(/ A standard queue keeps best-effort order only\.$/, " They are in different message groups: a FIFO queue keeps order within each group, and batches of different groups run in parallel.") };
  if (mo.fold === `result:${outcome}` && (outcome === "error" || outcome === "timeout")) {
    const text = mo.text.replace(/then return to the queue one by one\.$/, "then return to the head of their groups, in order.").replace(/then returns to the queue\.$/, "then returns to the head of its group.");
    return { ...mo, text };
  }
  return mo;
}

/** Groups whose failed message now holds them; told once for the groups a result locks. */
function lockGroups(ev: ResultEvent, st: NarrationState, t: number, records: readonly SimRecord[]): Moment[] {
  const failed = new Set(ev.failed.map((r) => r.n));
  const newly: number[] = [];
  for (const r of records) {
    if (!failed.has(r.n) || st.lockedGroups.has(r.keyIndex)) continue;
    st.lockedGroups.set(r.keyIndex, { record: r, sinceMs: t });
    newly.push(r.keyIndex);
  }
  if (newly.length === 0) return [];
  const first = st.lockedGroups.get(newly[0])!.record;
  const max = st.queue.maxReceiveCount;
  const dlq = Number.isFinite(max) ? ` or, after maxReceiveCount (${max}) receives, moves to the dead-letter queue` : "";
  const groups = idList(newly.map((g) => st.names.key(g)), 2);
  const text = `Message group ${groups} is locked: ${st.names.record(first)} failed and keeps its place at the head of the group, so none of the group's later messages is delivered until it succeeds${dlq}. Messages of other groups keep flowing.`;
  return [{ tMs: t, fold: "fifo:locked", rule: "fifoGroupLock", noun: ["message group locked", "message groups locked"], text, amount: { n: newly.length, noun: ["group", "groups"] } }];
}

/** Groups whose failed message finally succeeded. */
function unlockGroups(ev: ResultEvent, st: NarrationState, t: number, records: readonly SimRecord[]): Moment[] {
  const out: Moment[] = [];
  for (const r of records) {
    const lock = st.lockedGroups.get(r.keyIndex);
    if (!lock || lock.record.n !== r.n) continue;
    st.lockedGroups.delete(r.keyIndex);
    const text = `Group ${st.names.key(r.keyIndex)} is unlocked after ${dur(t - lock.sinceMs)}: ${st.names.record(r)} finally succeeded in invocation ${ev.invocation}, and the group's later messages follow in order.`;
    out.push({ tMs: t, fold: "fifo:unlocked", rule: "fifoGroupLock", noun: ["message group unlocked", "message groups unlocked"], text });
  }
  return out;
}

const result: MomentRule<ResultEvent> = (ev, st, t) => {
  const records = st.open.get(ev.invocation)?.records ?? [];
  const out = SQS_MOMENTS.result(ev, st, t).map((mo) => fifoWording(mo, ev.outcome));
  const failing = ev.outcome === "error" || ev.outcome === "timeout" || ev.outcome === "partial";
  out.push(...(failing ? lockGroups(ev, st, t, records) : unlockGroups(ev, st, t, records)));
  return out;
};

const dlq: MomentRule<DlqEvent> = (ev, st, t) => {
  const out = SQS_MOMENTS.dlq(ev, st, t);
  const group = ev.record.keyIndex;
  const lock = st.lockedGroups.get(group);
  if (lock && lock.record.n === ev.record.n) {
    st.lockedGroups.delete(group);
    const id = st.names.record(ev.record);
    const text = `Group ${st.names.key(group)} is unlocked after ${dur(t - lock.sinceMs)}: with ${id} in the DLQ the group goes on with its next message. The group's order is broken for ${id}, which now has to be handled from the DLQ.`;
    out.push({ tMs: t, fold: "fifo:unlocked-dlq", rule: "fifoGroupLock", noun: ["message group unlocked by the DLQ", "message groups unlocked by the DLQ"], text });
  }
  return out;
};

const dedup: MomentRule<DedupEvent> = (ev, st, t) => {
  const id = messageId(ev.ofN);
  const text = `A producer retry of ${id} (group ${st.names.key(ev.keyIndex)}) carried the same MessageDeduplicationId less than 5 minutes after the first send: SQS accepts it but does not deliver it, so the function sees ${id} once.`;
  return [{ tMs: t, fold: "fifo:dedup", rule: "fifoDedup", noun: ["producer retry dropped", "producer retries dropped"], text }];
};

/** A producer retry SQS took as a new message (SimRecord.logicalN names the first send). */
const produce: MomentRule<ProduceEvent> = (ev, st, t) => {
  const r = ev.record;
  const of = r.logicalN;
  if (of === undefined || of < 0 || of === r.n) return [];
  const id = st.names.record(r);
  st.note(st.dupCause, r.n, `it is a producer retry of ${messageId(of)} that SQS took as a new message (sent after the deduplication interval, or with a new deduplication ID)`);
  const text = `${id} is a producer retry of ${messageId(of)}, sent when SQS no longer remembers its MessageDeduplicationId (the interval is 5 minutes) or with a new one: SQS takes it as a new message, so the same logical message will be processed twice.`;
  return [{ tMs: t, fold: "fifo:resend", rule: "fifoDedup", noun: ["producer retry delivered as a new message", "producer retries delivered as new messages"], text }];
};

export const FIFO_MOMENTS = { ...SQS_MOMENTS, poll, invoke, result, dlq, dedup, produce } satisfies MomentRules;
