/**
 * Moment rules for SQS queues: how the mapping polls, batches, invokes, deletes, lets failed messages return,
 * regroups them, moves them to the DLQ, scales and backs off, and why a message is processed twice or out of
 * order. Each moment names its rule (rules.ts) and so its AWS page.
 */
import { usToMs } from "../engine/time.js";
import { effectiveVisibilityTimeoutUs } from "../esm/sqs-mapping.js";
import { provisionedFigures, scaleCeiling } from "../esm/sqs-scaling.js";
import { PROFILES, type FigureName } from "../esm/profiles.js";
import type {
  DlqEvent,
  ExpireEvent,
  InvokeEvent,
  PollEvent,
  ResultEvent,
  ScaleEvent,
  SimRecord,
  ThrottleEvent,
  VisibleAgainEvent,
} from "../trace/events.js";
import { coldStart, dur, durUs, filter, plural, times, type Moment, type MomentRule, type MomentRules, type NarrationState } from "./moments.js";
import type { RuleId } from "./rules.js";
import { formatCount } from "../scenario/units.js";

function receivesLeft(st: NarrationState, receiveCount: number): string {
  const max = st.queue.maxReceiveCount;
  if (!Number.isFinite(max)) return " The queue has no redrive policy, so it can come back again and again.";
  const left = max - receiveCount;
  if (left <= 0) return ` It has used ${max === 1 ? "the one receive" : `all ${max} receives`} of the redrive policy: the next receive moves it to the dead-letter queue.`;
  return ` ${plural(left, "receive")} left before the queue's redrive policy (maxReceiveCount ${max}) moves it to the DLQ.`;
}

/** How long a received message stays hidden: the queue's visibility timeout, or the effective one of a profile that
 *  extends it (the 2022 guide's window + function timeout + 30 s; see sqs-mapping.ts). */
function hiddenUs(st: NarrationState): number {
  const { mapping, fn, figures } = st.scenario;
  return effectiveVisibilityTimeoutUs(st.queue.visibilityTimeoutUs, mapping.batchingWindowUs, fn.timeoutUs, figures.effectiveVisibilityExtraMs);
}

/** The visibility timeout as narrated: "30 s", or "65 s, the effective visibility timeout" where the profile extends it. */
function visibilityText(st: NarrationState): string {
  const us = hiddenUs(st);
  return us === st.queue.visibilityTimeoutUs ? durUs(us) : `${durUs(us)}, the effective visibility timeout`;
}

/** "30 s from their receive", or "65 s from their receive: the effective visibility timeout". */
function hiddenFor(st: NarrationState): string {
  const us = hiddenUs(st);
  return `${durUs(us)} from their receive${us === st.queue.visibilityTimeoutUs ? "" : ": the effective visibility timeout"}`;
}

/** Profiles that apply the 2022 guide's effective visibility timeout: said once, at the first receive. */
function effectiveVisibility(st: NarrationState, t: number): Moment[] {
  const us = hiddenUs(st);
  const vt = st.queue.visibilityTimeoutUs;
  if (us === vt) return [];
  const { mapping, fn, profileName, figures } = st.scenario;
  const text = `Profile ${profileName}: the batching window (${durUs(mapping.batchingWindowUs)}) plus the function Timeout (${durUs(fn.timeoutUs)}) exceeds the queue's visibility timeout (${durUs(vt)}), so the mapping's messages stay hidden for window + Timeout + ${dur(figures.effectiveVisibilityExtraMs ?? 0)} = ${durUs(us)} after each receive: the "effective visibility timeout" AWS's guide stated in 2022. Today's pages no longer say so.`;
  return [{ tMs: t, fold: "visibility:effective", rule: "visibilityTimeout", noun: ["effective visibility timeout", "effective visibility timeouts"], text }];
}

const poll: MomentRule<PollEvent> = (ev, st, t) => {
  const out: Moment[] = [];
  const figures = st.scenario.figures;
  st.polls++;
  if (st.polls === 1) {
    const text = `The mapping, not the queue, drives the work: poller ${ev.poller} calls ReceiveMessage on the queue (${plural(ev.received, "message")} returned, at most ${figures.receiveMaxMessages} per call).`;
    out.push({ tMs: t, fold: "poll:first", rule: "pollingSync", noun: ["poll", "polls"], text });
    out.push(...effectiveVisibility(st, t));
  }
  if (ev.received === 0 && ev.visible === 0) {
    st.emptyPolls++;
    if (st.emptyPolls === 1) {
      const text = `Poller ${ev.poller} found no visible message. It long-polls: the receive waits up to ${dur(figures.longPollWaitMs)} and returns as soon as a message becomes visible, so an idle mapping costs few calls.`;
      out.push({ tMs: t, fold: "poll:empty", rule: "longPolling", noun: ["empty receive", "empty receives"], text });
    }
  }
  return out;
};

interface Closing {
  rule: RuleId;
  say: (n: number, st: NarrationState) => string;
}

const AVAILABLE: Closing = {
  rule: "receiveAvailable",
  say: (n, st) => `with no batching window the poller sends what one round of receives returned (${plural(n, "message")}; BatchSize ${st.scenario.mapping.batchSize} is only an upper bound)`,
};

/** Why an SQS batch closed, by the invoke event's closedBy. */
const CLOSED: Partial<Record<InvokeEvent["closedBy"], Closing>> = {
  size: { rule: "batchSize", say: (n, st) => `the batch reached BatchSize (${st.scenario.mapping.batchSize})` },
  window: {
    rule: "batchWindow",
    say: (n, st) =>
      `the batching window (${durUs(st.scenario.mapping.batchingWindowUs)}) ran out with ${plural(n, "message")}, short of BatchSize ${st.scenario.mapping.batchSize}; at low traffic a long poll in progress can stretch the wait to ${dur(st.scenario.figures.longPollWaitMs)}`,
  },
  payload: { rule: "payloadLimit", say: (n) => `one more message would have pushed the invocation payload past 6 MB (it holds ${plural(n, "message")}); this limit cannot be changed` },
  available: AVAILABLE,
  visibility: {
    rule: "visibilityTimeout",
    say: (n, st) =>
      `its first message's visibility timeout (${visibilityText(st)}) had ${dur(st.scenario.figures.gatherVisibilityMarginMs)} left while the batching window (${durUs(st.scenario.mapping.batchingWindowUs)}) and long poll were still gathering (${plural(n, "message")} so far). AWS does not say what the mapping does then; esm-sim invokes the batch rather than let a message become visible again and be received a second time into the batch that holds it (esm-sim's choice of margin: ${chosenFigure(st, "gatherVisibilityMarginMs")})`,
  },
};

/** Duplicates in the making: a record already held by another open invocation. */
function concurrentDuplicate(ev: InvokeEvent, st: NarrationState, t: number): Moment[] {
  for (const r of ev.records) {
    const other = st.inInvocation.get(r.n);
    if (other === undefined || other === ev.invocation) continue;
    const text = `${st.names.record(r)} is now in invocation ${ev.invocation} while invocation ${other} is still processing it: the two will both succeed, and one of them is a duplicate.`;
    return [{ tMs: t, fold: "dup:concurrent", rule: "visibilityTimeout", noun: ["message in two invocations at once", "messages in two invocations at once"], text }];
  }
  return [];
}

/** Regrouping: messages back from a failed batch travel with new companions. */
function regrouped(ev: InvokeEvent, st: NarrationState, t: number): Moment[] {
  const records = ev.records;
  const firstBack = records.find((r) => st.failedIn.has(r.n));
  if (firstBack === undefined) return [];
  const fromInv = st.failedIn.get(firstBack.n)!;
  let sameBatch = 0;
  for (const r of records) if (st.failedIn.get(r.n) === fromInv) sameBatch++;
  const others = records.length - sameBatch;
  const failedSize = st.failedSize.get(fromInv);
  // Only a batch put together differently from the failed one is a regrouping; a lone poison message
  // retried on its own is not.
  if (others === 0 && (failedSize === undefined || sameBatch >= failedSize)) return [];
  const from = failedSize !== undefined ? `${sameBatch} of the failed batch's ${plural(failedSize, "message")}` : `${plural(sameBatch, "message")} of the failed batch`;
  const text = `${st.names.record(firstBack)}, back after failed invocation ${fromInv}, is delivered again (receive ${ev.attempt}) in invocation ${ev.invocation}, grouped differently: with ${from} and ${plural(others, "other message")}. A failed batch returns as individual messages, and whichever poller receives them regroups them.`;
  return [{ tMs: t, fold: "regroup", rule: "regrouping", noun: ["regrouped batch", "regrouped batches"], text }];
}

const invoke: MomentRule<InvokeEvent> = (ev, st, t) => {
  const inv = ev.invocation;
  const n = ev.records.length;
  st.invokes++;
  const out = concurrentDuplicate(ev, st, t);
  st.open.set(inv, { records: ev.records.slice(), shard: null, lane: 0 });
  for (const r of ev.records) st.inInvocation.set(r.n, inv);
  if (st.invokes === 1) {
    const text = `First invocation (${inv}): poller ${ev.poller} invokes the function synchronously with ${plural(n, "message")} (${st.recordList(ev.records)}) and waits for the response before it receives again. Each poller is one concurrent batch.`;
    out.push({ tMs: t, fold: "invoke:first", rule: "pollingSync", noun: ["first invocation", "first invocations"], text });
  }
  const c = CLOSED[ev.closedBy] ?? AVAILABLE;
  const text = `Invocation ${inv} (${plural(n, "message")}): the batch closed because ${c.say(n, st)}.`;
  out.push({ tMs: t, fold: `invoke:${ev.closedBy}`, rule: c.rule, noun: ["batch closed the same way", "batches closed the same way"], text, silent: true });
  out.push(...regrouped(ev, st, t));
  out.push(...coldStart(ev, t));
  return out;
};

function failedInvocation(ev: ResultEvent, st: NarrationState, t: number): Moment {
  const outcome = ev.outcome as "error" | "timeout";
  const failed = ev.failed;
  st.lastFailure = { kind: outcome, tMs: t };
  for (const r of failed) st.note(st.failedIn, r.n, ev.invocation);
  st.note(st.failedSize, ev.invocation, failed.length);
  const timedOut = outcome === "timeout";
  const how = timedOut ? `timed out (function Timeout ${durUs(st.scenario.fn.timeoutUs)})` : `failed with an error after ${dur(usToMs(ev.durationUs))}`;
  return {
    tMs: t,
    fold: `result:${outcome}`,
    rule: "failedBatchReturns",
    noun: timedOut ? ["timed-out invocation", "timed-out invocations"] : ["failed invocation", "failed invocations"],
    text:
      failed.length === 1
        ? `Invocation ${ev.invocation} ${how}. Lambda deletes nothing: its message (${st.recordList(failed)}) stays hidden until its visibility timeout (${hiddenFor(st).replace("from their receive", "from its receive")}) runs out, then returns to the queue.`
        : `Invocation ${ev.invocation} ${how}. Lambda deletes nothing: its ${plural(failed.length, "message")} (${st.recordList(failed)}) stay hidden until their visibility timeout (${hiddenFor(st)}) runs out, then return to the queue one by one.`,
    amount: { n: failed.length, noun: ["message", "messages"] },
  };
}

/** A partial batch response naming a message that is not in the batch: a complete failure, nothing deleted. */
function invalidResponse(ev: ResultEvent, st: NarrationState, t: number): Moment {
  const all = ev.failed;
  for (const r of all) st.note(st.failedIn, r.n, ev.invocation);
  st.note(st.failedSize, ev.invocation, all.length);
  const them = all.length === 1 ? `its message (${st.recordList(all)}) stays` : `its ${plural(all.length, "message")} (${st.recordList(all)}) stay`;
  const text = `Invocation ${ev.invocation} returned batchItemFailures naming an itemIdentifier that is not a message ID of the batch. AWS treats such a response as a complete failure, as it does invalid JSON or an empty itemIdentifier: Lambda deletes nothing, even the messages the function processed, and ${them} hidden until the visibility timeout (${hiddenFor(st)}) runs out.`;
  return { tMs: t, fold: "result:invalid", rule: "invalidPartialResponse", noun: ["invalid partial response", "invalid partial responses"], text, amount: { n: all.length, noun: ["message kept", "messages kept"] } };
}

/** A result that deleted messages: with a partial batch response, with an ignored one, or a plain success. */
function successfulInvocation(ev: ResultEvent, st: NarrationState, t: number, succeeded: readonly SimRecord[]): Moment {
  const inv = ev.invocation;
  if (ev.outcome === "partial") {
    for (const r of ev.failed) st.note(st.failedIn, r.n, inv);
    st.note(st.failedSize, inv, ev.failed.length);
    const text = `Invocation ${inv} returned batchItemFailures for ${st.recordList(ev.failed)}. With ReportBatchItemFailures Lambda deletes ${succeeded.length === 1 ? "the other message" : `the other ${plural(succeeded.length, "message")}`}; only the reported ${ev.failed.length === 1 ? "one returns" : "ones return"} after the visibility timeout, so nothing is processed twice.`;
    return { tMs: t, fold: "result:partial", rule: "partialBatch", noun: ["partial batch response", "partial batch responses"], text, amount: { n: ev.failed.length, noun: ["reported message", "reported messages"] } };
  }
  const ignored = ev.ignoredPartial;
  if (ignored > 0 && ev.unreadResponse === true) {
    const text = `Invocation ${inv} reported ${plural(ignored, "message")} as failed, but not in a batchItemFailures list at the top level of its response (inside a {statusCode, body} wrapper, or under a key spelt otherwise). Lambda finds no list, treats the batch as a complete success and deletes ${ev.records.length === 1 ? "its message" : `all ${plural(ev.records.length, "message")}`}: ${ignored === 1 ? "the reported one is" : "the reported ones are"} lost.`;
    return { tMs: t, fold: "result:unread", rule: "unreadPartialResponse", noun: ["unread partial response", "unread partial responses"], text, amount: { n: ignored, noun: ["message lost", "messages lost"] } };
  }
  if (ignored > 0) {
    const text = `Invocation ${inv} returned batchItemFailures for ${plural(ignored, "message")}, but the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures]. Lambda ignores the response, treats the batch as a success and deletes ${ev.records.length === 1 ? "its message" : `all ${plural(ev.records.length, "message")}`}: ${ignored === 1 ? "the reported one is" : "the reported ones are"} lost.`;
    return { tMs: t, fold: "result:ignored", rule: "partialBatch", noun: ["ignored partial response", "ignored partial responses"], text, amount: { n: ignored, noun: ["message lost", "messages lost"] } };
  }
  const deleted = Math.max(0, succeeded.length - ev.redundant - (ev.undeleted?.length ?? 0));
  if (ev.receivedAgain !== undefined && ev.receivedAgain.length > 0) return deletedTooLate(ev, st, t, deleted, ev.receivedAgain);
  const text = `Invocation ${inv} succeeded after ${dur(usToMs(ev.durationUs))}: Lambda deletes its ${plural(deleted, "message")} from the queue, so ${deleted === 1 ? "it never comes" : "they never come"} back.`;
  return { tMs: t, fold: "result:ok", rule: "deleteOnSuccess", noun: ["successful invocation", "successful invocations"], text, amount: { n: deleted, noun: ["message deleted", "messages deleted"] } };
}

/** A success whose delete comes after another poller received some of its messages again: those copies are still
 *  processed. */
function deletedTooLate(ev: ResultEvent, st: NarrationState, t: number, deleted: number, late: readonly SimRecord[]): Moment {
  const rest = deleted - late.length;
  const others = rest <= 0 ? "" : `, so ${rest === 1 ? "one of them never comes" : `${formatCount(rest)} of them never come`} back`;
  const one = late.length === 1;
  let cause = "";
  for (const r of late) {
    const c = st.dupCause.get(r.n);
    if (c) {
      cause = one ? ` (${c})` : ` (${st.names.record(r)}: ${c})`;
      break;
    }
  }
  const text = `Invocation ${ev.invocation} succeeded after ${dur(usToMs(ev.durationUs))}: Lambda deletes its ${plural(deleted, "message")} from the queue${others}, but the delete comes too late for ${st.recordList(late)}: another poller had already received ${one ? "it" : "them"} again${cause}. Deleting ${one ? "it" : "them"} does not stop the ${one ? "copy" : "copies"} already received, which will be processed a second time: the mapping "might receive the same item from the queue twice".`;
  return { tMs: t, fold: "result:late", rule: "deleteTooLate", noun: ["delete too late for a copy received again", "deletes too late for copies received again"], text, amount: { n: late.length, noun: ["message received again", "messages received again"] } };
}

/** FIFO: the invocation outlasted its messages' visibility timeout, so the queue refused their delete. */
function deleteRefused(ev: ResultEvent, undeleted: readonly SimRecord[], st: NarrationState, t: number): Moment {
  for (const r of undeleted) {
    st.undeleted.add(r.n);
    st.note(st.dupCause, r.n, `invocation ${ev.invocation} processed it after its receipt handle had expired, so its delete was refused`);
  }
  const stay = undeleted.length === 1 ? "it stays" : "they stay";
  const text = `Invocation ${ev.invocation} succeeded, but it ended after the visibility timeout (${visibilityText(st)}) of ${st.recordList(undeleted)}. On a FIFO queue a receipt handle expires with the visibility timeout, so SQS refuses Lambda's delete: ${stay} in the queue and will be processed again. Keep the visibility timeout well above the function timeout plus the batching window (AWS recommends 6 x the timeout + the window).`;
  return { tMs: t, fold: "result:receipt-expired", rule: "receiptHandleExpired", noun: ["delete refused", "deletes refused"], text, amount: { n: undeleted.length, noun: ["message kept", "messages kept"] } };
}

/** Messages an earlier invocation had already processed and deleted, with the first cause noted for them. */
function duplicates(ev: ResultEvent, st: NarrationState, t: number, succeeded: readonly SimRecord[]): Moment {
  let cause = "";
  for (const r of succeeded) {
    const c = st.dupCause.get(r.n);
    if (c) {
      cause = ` ${st.names.record(r)}: ${c}.`;
      break;
    }
  }
  let refused = false;
  for (const r of succeeded) {
    st.dupCause.delete(r.n);
    if (st.undeleted.delete(r.n)) refused = true;
  }
  const before = refused ? "had already processed" : "had already processed and deleted";
  const text = `Invocation ${ev.invocation} processed ${plural(ev.redundant, "message")} that an earlier invocation ${before}: a duplicate, with no error anywhere.${cause} Event source mappings deliver at least once; the function must be idempotent.`;
  return { tMs: t, fold: "result:duplicate", rule: "duplicates", noun: ["duplicate processing", "duplicate processings"], text };
}

/** Order: a message processed after one sent later (first successes only; duplicates are told apart). */
function outOfOrder(st: NarrationState, t: number, succeeded: readonly SimRecord[]): Moment[] {
  const latest = st.maxSucceeded;
  const r = latest === null ? undefined : succeeded.find((x) => x.n < latest.n);
  if (latest === null || r === undefined) return [];
  const failedIn = st.failedIn.get(r.n);
  const came = failedIn !== undefined ? `it came back after failed invocation ${failedIn}` : "concurrent batches finish in any order";
  const text = `${st.names.record(r)} was processed after ${st.names.record(latest)}, which was sent later: ${came}. A standard queue keeps best-effort order only.`;
  return [{ tMs: t, fold: "order", rule: "standardOrder", noun: ["message processed out of send order", "messages processed out of send order"], text }];
}

const result: MomentRule<ResultEvent> = (ev, st, t) => {
  const inv = ev.invocation;
  const records = st.open.get(inv)?.records ?? [];
  st.open.delete(inv);
  for (const r of records) if (st.inInvocation.get(r.n) === inv) st.inInvocation.delete(r.n);
  if (ev.outcome === "error" || ev.outcome === "timeout") return [failedInvocation(ev, st, t)];
  if (ev.invalidResponse === true) return [invalidResponse(ev, st, t)];

  const failedSet = ev.failed.length > 0 ? new Set(ev.failed.map((r) => r.n)) : null;
  const succeeded = failedSet ? records.filter((r) => !failedSet.has(r.n)) : records;
  // A success whose every delete was refused is told by deleteRefused alone, and one whose every message an earlier
  // invocation had already deleted by duplicates alone: it deleted nothing.
  const allRefused = ev.undeleted !== undefined && ev.undeleted.length === succeeded.length && ev.redundant === 0;
  const allDuplicates = ev.outcome === "ok" && ev.ignoredPartial === 0 && ev.redundant > 0 && ev.redundant + (ev.undeleted?.length ?? 0) >= succeeded.length;
  const out = allRefused || allDuplicates ? [] : [successfulInvocation(ev, st, t, succeeded)];
  if (ev.redundant > 0) out.push(duplicates(ev, st, t, succeeded));
  else out.push(...outOfOrder(st, t, succeeded));
  if (ev.undeleted !== undefined && ev.undeleted.length > 0) out.push(deleteRefused(ev, ev.undeleted, st, t));
  for (const r of succeeded) {
    if (st.maxSucceeded === null || r.n > st.maxSucceeded.n) st.maxSucceeded = r;
    st.failedIn.delete(r.n);
    st.releasedByThrottle.delete(r.n);
  }
  return out;
};

const retry: MomentRule<VisibleAgainEvent> = (ev, st, t) => {
  const n = ev.record.n;
  const id = st.names.record(ev.record);
  const rc = ev.receiveCount;
  const vt = visibilityText(st);
  if (ev.reason === "DuplicateDelivery") {
    st.note(st.dupCause, n, "SQS delivered a second copy of it although nothing failed");
    const text = `SQS leaves a second copy of ${id} visible while the first is being processed, although nothing failed: a standard queue delivers at least once, so the function can see the same message twice.`;
    return [{ tMs: t, fold: "dup:spontaneous", rule: "atLeastOnce", noun: ["spare copy delivered", "spare copies delivered"], text }];
  }
  const holder = st.inInvocation.get(n);
  if (holder !== undefined) {
    st.note(st.dupCause, n, `its visibility timeout (${vt}) ran out while invocation ${holder} was still processing it`);
    const { fn, mapping } = st.scenario;
    const recommended = durUs(6 * fn.timeoutUs + mapping.batchingWindowUs);
    const text = `${id} is visible again while invocation ${holder} is still processing it: its visibility timeout (${vt}) is shorter than receive + wait + processing. Any poller may receive it now and process it a second time. AWS recommends a visibility timeout of at least 6 x the function timeout + the batching window (${recommended} here).`;
    return [{ tMs: t, fold: "visible:inflight", rule: "visibilityTimeout", noun: ["message visible again while in flight", "messages visible again while in flight"], text }];
  }
  const failed = st.failedIn.get(n);
  if (failed !== undefined) {
    const text = `${id} is visible in the queue again, received ${times(rc)} so far: the visibility timeout that followed failed invocation ${failed} ran out.${receivesLeft(st, rc)}`;
    return [{ tMs: t, fold: "visible:failed", rule: "failedBatchReturns", noun: ["message back after a failure", "messages back after a failure"], text }];
  }
  if (st.releasedByThrottle.has(n)) {
    const text = `${id} is visible again, received ${times(rc)} so far, though the function never ran on it: its batch was throttled and let go.${receivesLeft(st, rc)}`;
    return [{ tMs: t, fold: "visible:throttled", rule: "throttle", noun: ["message back after a throttle", "messages back after a throttle"], text }];
  }
  st.note(st.dupCause, n, "its visibility timeout ran out while its batch was still being gathered");
  const text = `${id} is visible again (received ${times(rc)}) before its batch even reached the function: the batching window and long poll held it longer than the visibility timeout (${vt}).`;
  return [{ tMs: t, fold: "visible:gathering", rule: "visibilityTimeout", noun: ["message visible again before its batch was sent", "messages visible again before their batch was sent"], text }];
};

const throttle: MomentRule<ThrottleEvent> = (ev, st, t) => {
  const n = ev.records.length;
  st.lastFailure = { kind: "throttle", tMs: t };
  if (ev.next === "release") {
    for (const r of ev.records) st.note(st.releasedByThrottle, r.n);
    const text = `Poller ${ev.poller} gives up on its throttled batch of ${plural(n, "message")} ${n === 1 ? "before its visibility timeout ends: the message goes back to the queue unprocessed, with a receive already counted" : "before their visibility timeout ends: the messages go back to the queue unprocessed, each with a receive already counted"} against maxReceiveCount.`;
    return [{ tMs: t, fold: "throttle:release", rule: "throttle", noun: ["throttled batch let go", "throttled batches let go"], text, amount: { n, noun: ["message", "messages"] } }];
  }
  const reserved = st.scenario.fn.reservedConcurrency;
  const why =
    reserved !== null
      ? `the function's reserved concurrency (${reserved}) is in use (${ev.concurrency} of ${ev.limit}); the mapping does not take reserved concurrency into account`
      : `the account's concurrency (${ev.limit}) is in use`;
  const text = `Poller ${ev.poller}'s invoke is throttled: ${why}. The poller keeps its batch (${plural(n, "message")}) and retries the invoke with back-off while ${n === 1 ? "the message is" : "the messages are"} still hidden (AWS gives no interval; esm-sim's choice: ${chosenFigure(st, "throttleRetryInitialMs")} first, doubling to ${chosenFigure(st, "throttleRetryMaxMs")}).`;
  return [{ tMs: t, fold: "throttle:retry", rule: "throttle", noun: ["throttled invoke", "throttled invokes"], text }];
};

const dlq: MomentRule<DlqEvent> = (ev, st, t) => {
  const n = ev.record.n;
  const neverFailed = !st.failedIn.has(n) && st.releasedByThrottle.has(n);
  st.forget(n);
  const extra = neverFailed ? " The function never failed on it: throttled batches used up its receives." : "";
  const text = `${st.names.record(ev.record)} moves to the dead-letter queue: it had been received ${times(ev.receiveCount)} (maxReceiveCount ${st.queue.maxReceiveCount}), so the next receive hands it to the queue's redrive policy instead of the function, keeping its message id.${extra} The DLQ is configured on the source queue; a function's own DLQ applies to asynchronous invocation only.`;
  return [{ tMs: t, fold: neverFailed ? "dlq:throttled" : "dlq", rule: "dlqOnQueue", noun: ["message moved to the DLQ", "messages moved to the DLQ"], text }];
};

const expire: MomentRule<ExpireEvent> = (ev, st, t) => {
  st.forget(ev.record.n);
  const text = `${st.names.record(ev.record)} expired: it was not processed within the queue's MessageRetentionPeriod (${durUs(st.queue.retentionUs)}), so SQS deleted it unprocessed.`;
  return [{ tMs: t, fold: "expire", rule: "retention", noun: ["message expired", "messages expired"], text }];
};

/**
 * A figure AWS does not document, as the run used it: "30s (scaleUpHoldAfterFailureMs, plausible 0s..2m)", or
 * "1m (scaleUpHoldAfterFailureMs, set by the scenario)". So a reader knows which part of the story rests
 * on a choice, and `run --sensitivity` can show how much.
 */
function chosenFigure(st: NarrationState, name: FigureName): string {
  const value = st.scenario.figures[name];
  const shown = (v: number | null) => (v === null ? "none" : v === 0 ? "0" : name.endsWith("Ms") ? dur(v) : formatCount(v));
  if (name in st.scenario.figureOverrides) return `${shown(value)} (${name}, set by the scenario)`;
  const f = PROFILES[st.scenario.profileName]?.figures[name];
  const range = f?.chosen && f.low !== undefined && f.high !== undefined ? `, plausible ${shown(f.low)}..${shown(f.high)}` : "";
  return `${shown(value)} (${name}${range})`;
}

/** The figures the mapping scales by: the profile's, or in provisioned mode those its pollers give (sqs-mapping.ts). */
function scalingFigures(st: NarrationState) {
  const { figures, mapping } = st.scenario;
  return mapping.provisioned ? provisionedFigures(figures, mapping.provisioned.minPollers, mapping.provisioned.maxPollers) : figures;
}

/**
 * The ceiling the scale-up moment names, as the mapping computes it (sqs-scaling.ts scaleCeiling): the least of the
 * profile's (or provisioned mode's) maximum, ScalingConfig.MaximumConcurrency and the account's concurrency, with
 * what sets it when that is not the profile's figure.
 */
function toldCeiling(st: NarrationState): string {
  const { mapping, accountConcurrency } = st.scenario;
  const figures = scalingFigures(st);
  const ceiling = scaleCeiling(figures, mapping.maximumConcurrency, accountConcurrency).ceiling;
  if (ceiling === figures.maxConcurrency) return `${formatCount(ceiling)}`;
  if (ceiling === mapping.maximumConcurrency) return `${formatCount(ceiling)} (ScalingConfig.MaximumConcurrency)`;
  return `${formatCount(ceiling)}, the account's concurrency limit (the mapping alone could reach ${formatCount(figures.maxConcurrency)})`;
}

type ScaleStory = (ev: ScaleEvent, st: NarrationState, t: number) => Moment;

const SCALE: Partial<Record<ScaleEvent["reason"], ScaleStory>> = {
  start: (ev, st, t) => {
    const { figures, mapping, profileName } = st.scenario;
    const max = mapping.maximumConcurrency;
    const capped = ev.to < figures.initialConcurrency && max !== null && max <= ev.to ? `, capped here by ScalingConfig.MaximumConcurrency ${max}` : "";
    const text = `The mapping starts ${plural(ev.to, "poller")}: each receives from the queue and runs one batch at a time, so at most ${ev.to} invocations run at once for now (profile ${profileName}: ${figures.initialConcurrency} concurrent batches at first${capped}).`;
    return { tMs: t, fold: "scale:start", rule: "sqsStart", noun: ["start", "starts"], text, always: true };
  },
  "scale-up": (ev, st, t) => {
    const text = `Scale-up: ${ev.from} -> ${ev.to} concurrent batches. Messages are still waiting and no poller is idle, so the mapping adds up to ${scalingFigures(st).scaleUpPerMinute} a minute (profile ${st.scenario.profileName}${st.scenario.mapping.provisioned ? ", provisioned mode" : ""}), up to ${toldCeiling(st)}.`;
    return { tMs: t, fold: "scale:up", rule: "sqsScaleUp", noun: ["scale-up step", "scale-up steps"], text, tail: `now ${ev.to} concurrent batches` };
  },
  "back-off": (ev, st, t) => {
    const f = st.lastFailure && st.lastFailure.tMs === t ? st.lastFailure.kind : null;
    const after = f === "throttle" ? "a throttled invoke" : f ? "a failed invocation" : "a failure";
    const text = `Back-off: ${ev.from} -> ${ev.to} concurrent batches after ${after}. Lambda gradually reduces a mapping's concurrency while invocations fail or are throttled, and pauses scale-up for a while. AWS gives neither amount; esm-sim's choices: ${chosenFigure(st, "backoffConcurrencyPerFailure")} fewer per failure, never below ${chosenFigure(st, "backoffMinConcurrency")}, scale-up held for ${chosenFigure(st, "scaleUpHoldAfterFailureMs")}.`;
    return { tMs: t, fold: "scale:back-off", rule: "sqsBackOff", noun: ["back-off step", "back-off steps"], text, tail: `now ${ev.to} concurrent batches` };
  },
  "low-traffic": (ev, st, t) => {
    const text = `Low traffic: ${ev.from} -> ${ev.to} pollers. When traffic is low Lambda scales the mapping back to as few as ${st.scenario.figures.lowTrafficConcurrency ?? 2} concurrent invokes (not when MaximumConcurrency is set).`;
    return { tMs: t, fold: "scale:low-traffic", rule: "sqsScaleDown", noun: ["low-traffic step", "low-traffic steps"], text, tail: `now ${ev.to}` };
  },
  "scale-down": (ev, st, t) => {
    const text = `Scale-down: ${ev.from} -> ${ev.to} pollers: the last minute had no backlog (esm-sim re-evaluates once a minute; AWS gives no rate).`;
    return { tMs: t, fold: "scale:down", rule: "sqsScaleDown", noun: ["scale-down step", "scale-down steps"], text, tail: `now ${ev.to}` };
  },
};

const scale: MomentRule<ScaleEvent> = (ev, st, t) => {
  const story = SCALE[ev.reason];
  if (story) return [story(ev, st, t)];
  const text = `Concurrency ${ev.from} -> ${ev.to} (${ev.reason}).`;
  return [{ tMs: t, fold: `scale:${ev.reason}`, rule: "sqsScaleUp", noun: ["scaling step", "scaling steps"], text, tail: `now ${ev.to}` }];
};

export const SQS_MOMENTS = { poll, invoke, result, retry, throttle, dlq, expire, scale, filter } satisfies MomentRules;
