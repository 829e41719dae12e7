/**
 * Moment rules for SQS FIFO queues, on top of the SQS ones (sqs-moments.ts): a failing message locks its message
 * group until it is deleted or moved to the DLQ while the other groups flow; a receive returns nothing while every
 * waiting message's group has a batch in flight (one group = one batch at a time); order holds per group only;
 * producer retries within the deduplication interval are dropped, later ones are new messages.
 * explain.ts adds `groups` (each record's MessageGroupId) to FIFO invoke events and `group` to dlq and retry events.
 * AWS pages: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (FIFO order and concurrency),
 * https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned (in-flight messages block their group),
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html (deduplication).
 */
import { dur, idList, m, num, plural, str, strs, type Moment, type MomentRule } from "./moments.js";
import { SQS_MOMENTS } from "./sqs-moments.js";

/** Distinct values in first-seen order. */
function distinct(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const x of xs) if (!seen.has(x)) (seen.add(x), out.push(x));
  return out;
}

const poll: MomentRule = (ev, st) => {
  const out = SQS_MOMENTS.poll(ev, st);
  if (num(ev.received) === 0 && num(ev.visible) > 0) {
    out.push(
      m(ev.t, "fifo:group-busy", "fifoGroupLock", ["receive that found only busy groups", "receives that found only busy groups"], `Poller ${num(ev.poller)}'s receive returns nothing although ${plural(num(ev.visible), "message")} ${num(ev.visible) === 1 ? "is waiting: it belongs" : "are waiting: each belongs"} to a message group that already has a batch in flight, and a FIFO queue returns none of a group's messages until its in-flight ones are deleted or visible again. One group runs one batch at a time, so concurrency is capped by the number of active groups.`, {
        silent: true,
      }),
    );
  }
  return out;
};

const invoke: MomentRule = (ev, st) => {
  const ids = strs(ev.recordIds);
  const groups = strs(ev.groups);
  const inv = num(ev.invocation);
  // The SQS regrouping story does not hold for FIFO: a returned message keeps its place at the head of its group.
  const out = SQS_MOMENTS.invoke(ev, st).filter((mo) => mo.fold !== "regroup");
  const open = st.open.get(inv);
  if (open) open.groups = groups;
  if (st.invokes === 1) {
    out.push(
      m(ev.t, "fifo:first", "fifoOrder", ["first FIFO batch", "first FIFO batches"], `In a FIFO queue the mapping sends messages in the order they were sent within each message group (MessageGroupId; here ${idList(distinct(groups), 2)} in this batch). A batch may hold several groups, each in order, but a group is in at most one batch at a time.`),
    );
  }
  // A locked group's failed message is back: tell who rides along with it.
  for (let i = 0; i < ids.length; i++) {
    const lock = st.lockedGroups.get(groups[i]);
    if (!lock || lock.id !== ids[i]) continue;
    const behind = groups.filter((g, j) => j > i && g === groups[i]).length;
    out.push(
      m(ev.t, "fifo:retry-head", "fifoGroupLock", ["failed message delivered again", "failed messages delivered again"], `${ids[i]} is delivered again in invocation ${inv}, still at the head of group ${groups[i]}${behind > 0 ? `, with ${plural(behind, "later message")} of its group behind it in the same batch: if the batch fails again, they fail with it and use up receives too` : ""}.`),
    );
    break;
  }
  return out;
};

const result: MomentRule = (ev, st) => {
  const inv = num(ev.invocation);
  const open = st.open.get(inv);
  const ids = open?.ids ?? [];
  const groups = open?.groups ?? [];
  const outcome = str(ev.outcome);
  const failed = new Set(strs(ev.failedIds));
  const out = SQS_MOMENTS.result(ev, st).map((mo) => {
    if (mo.fold === "order")
      return { ...mo, rule: "fifoOrder" as const, text: mo.text.replace(/ A standard queue keeps best-effort order only\.$/, " They are in different message groups: a FIFO queue keeps order within each group, and batches of different groups run in parallel.") };
    if (mo.fold === `result:${outcome}` && (outcome === "error" || outcome === "timeout"))
      return { ...mo, text: mo.text.replace(/then return to the queue one by one\.$/, "then return to the head of their groups, in order.") };
    return mo;
  });
  if (outcome === "error" || outcome === "timeout" || outcome === "partial") {
    const newly: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (!failed.has(ids[i]) || groups[i] === undefined || st.lockedGroups.has(groups[i])) continue;
      st.lockedGroups.set(groups[i], { id: ids[i], sinceMs: ev.t, invocation: inv });
      newly.push(groups[i]);
    }
    if (newly.length > 0) {
      const first = st.lockedGroups.get(newly[0])!;
      const dlq = Number.isFinite(st.ctx.maxReceiveCount) ? ` or, after maxReceiveCount (${st.ctx.maxReceiveCount}) receives, moves to the dead-letter queue` : "";
      out.push(
        m(ev.t, "fifo:locked", "fifoGroupLock", ["message group locked", "message groups locked"], `Message group ${idList(newly, 2)} is locked: ${first.id} failed and keeps its place at the head of the group, so none of the group's later messages is delivered until it succeeds${dlq}. Messages of other groups keep flowing.`, {
          amount: { n: newly.length, noun: ["group", "groups"] },
        }),
      );
    }
    return out;
  }
  for (let i = 0; i < ids.length; i++) {
    const lock = st.lockedGroups.get(groups[i]);
    if (lock && lock.id === ids[i]) {
      st.lockedGroups.delete(groups[i]);
      out.push(m(ev.t, "fifo:unlocked", "fifoGroupLock", ["message group unlocked", "message groups unlocked"], `Group ${groups[i]} is unlocked after ${dur(ev.t - lock.sinceMs)}: ${ids[i]} finally succeeded in invocation ${inv}, and the group's later messages follow in order.`));
    }
  }
  return out;
};

const dlq: MomentRule = (ev, st) => {
  const out = SQS_MOMENTS.dlq(ev, st);
  const id = str(ev.recordId);
  const g = str(ev.group);
  const lock = st.lockedGroups.get(g);
  if (lock && lock.id === id) {
    st.lockedGroups.delete(g);
    out.push(
      m(ev.t, "fifo:unlocked-dlq", "fifoGroupLock", ["message group unlocked by the DLQ", "message groups unlocked by the DLQ"], `Group ${g} is unlocked after ${dur(ev.t - lock.sinceMs)}: with ${id} in the DLQ the group goes on with its next message. The group's order is broken for ${id}, which now has to be handled from the DLQ.`),
    );
  }
  return out;
};

const dedup: MomentRule = (ev) => [
  m(ev.t, "fifo:dedup", "fifoDedup", ["producer retry dropped", "producer retries dropped"], `A producer retry of ${str(ev.recordId)} (group ${str(ev.key)}) carried the same MessageDeduplicationId less than 5 minutes after the first send: SQS accepts it but does not deliver it, so the function sees ${str(ev.recordId)} once.`, {
    amount: { n: 1, noun: ["retry", "retries"] },
  }),
];

const produce: MomentRule = (ev, st) => {
  const of = ev.resendOf;
  if (typeof of !== "string") return [];
  st.note(st.dupCause, str(ev.recordId), `it is a producer retry of ${of} that SQS took as a new message (sent after the deduplication interval, or with a new deduplication ID)`);
  return [
    m(ev.t, "fifo:resend", "fifoDedup", ["producer retry delivered as a new message", "producer retries delivered as new messages"], `${str(ev.recordId)} is a producer retry of ${of}, sent when SQS no longer remembers its MessageDeduplicationId (the interval is 5 minutes) or with a new one: SQS takes it as a new message, so the same logical message will be processed twice.`),
  ];
};

export const FIFO_MOMENTS: Readonly<Record<string, MomentRule>> = { ...SQS_MOMENTS, poll, invoke, result, dlq, dedup, produce };
