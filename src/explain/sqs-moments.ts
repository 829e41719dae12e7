/**
 * Moment rules for SQS queues: how the mapping polls, batches, invokes, deletes, lets failed messages return,
 * regroups them, moves them to the DLQ, scales and backs off, and why a message is processed twice or out of
 * order. Each moment names its rule (rules.ts) and so its AWS page.
 */
import {
  dur,
  idIndex,
  idList,
  m,
  num,
  plural,
  str,
  strs,
  times,
  type Moment,
  type MomentRule,
  type NarrationState,
} from "./moments.js";

function receivesLeft(st: NarrationState, receiveCount: number): string {
  const max = st.ctx.maxReceiveCount;
  if (!Number.isFinite(max)) return " The queue has no redrive policy, so it can come back again and again.";
  const left = max - receiveCount;
  if (left <= 0) return ` It has used all ${max} receives of the redrive policy: the next receive moves it to the dead-letter queue.`;
  return ` ${plural(left, "receive")} left before the queue's redrive policy (maxReceiveCount ${max}) moves it to the DLQ.`;
}

const poll: MomentRule = (ev, st) => {
  const out: Moment[] = [];
  const received = num(ev.received);
  const poller = num(ev.poller);
  st.polls++;
  if (st.polls === 1) {
    out.push(
      m(ev.t, "poll:first", "pollingSync", ["poll", "polls"], `The mapping, not the queue, drives the work: poller ${poller} calls ReceiveMessage on the queue (${plural(received, "message")} returned, at most ${st.ctx.receiveMaxMessages} per call).`),
    );
  }
  if (received === 0 && num(ev.visible) === 0) {
    st.emptyPolls++;
    if (st.emptyPolls === 1) {
      out.push(
        m(ev.t, "poll:empty", "longPolling", ["empty receive", "empty receives"], `Poller ${poller} found no visible message. It long-polls: the receive waits up to ${dur(st.ctx.longPollWaitMs)} and returns as soon as a message becomes visible, so an idle mapping costs few calls.`),
      );
    }
  }
  return out;
};

const CLOSED: Record<string, { rule: Moment["rule"]; say: (n: number, st: NarrationState) => string }> = {
  size: { rule: "batchSize", say: (n, st) => `the batch reached BatchSize (${st.ctx.batchSize})` },
  window: {
    rule: "batchWindow",
    say: (n, st) =>
      `the batching window (${dur(st.ctx.windowMs)}) ran out with ${plural(n, "message")}, short of BatchSize ${st.ctx.batchSize}; at low traffic a long poll in progress can stretch the wait to ${dur(st.ctx.longPollWaitMs)}`,
  },
  payload: { rule: "payloadLimit", say: (n) => `one more message would have pushed the invocation payload past 6 MB (it holds ${plural(n, "message")}); this limit cannot be changed` },
  available: {
    rule: "receiveAvailable",
    say: (n, st) => `with no batching window the poller sends what one round of receives returned (${plural(n, "message")}; BatchSize ${st.ctx.batchSize} is only an upper bound)`,
  },
};

const invoke: MomentRule = (ev, st) => {
  const out: Moment[] = [];
  const inv = num(ev.invocation);
  const ids = strs(ev.recordIds);
  const poller = ev.poller === undefined ? null : num(ev.poller);
  const attempt = num(ev.attempt, 1);
  const closedBy = str(ev.closedBy, "available");
  st.invokes++;

  // Duplicates in the making: a record already held by another open invocation.
  for (const id of ids) {
    const other = st.inInvocation.get(id);
    if (other !== undefined && other !== inv) {
      out.push(
        m(ev.t, "dup:concurrent", "visibilityTimeout", ["message in two invocations at once", "messages in two invocations at once"], `${id} is now in invocation ${inv} while invocation ${other} is still processing it: the two will both succeed, and one of them is a duplicate.`),
      );
      break;
    }
  }
  st.open.set(inv, { ids, startMs: ev.t, shard: null, poller });
  for (const id of ids) st.inInvocation.set(id, inv);

  if (st.invokes === 1) {
    out.push(
      m(
        ev.t,
        "invoke:first",
        "pollingSync",
        ["first invocation", "first invocations"],
        `First invocation (${inv}): poller ${poller ?? "-"} invokes the function synchronously with ${plural(ids.length, "message")} (${idList(ids)}) and waits for the response before it receives again. Each poller is one concurrent batch.`,
      ),
    );
  }
  const c = CLOSED[closedBy] ?? CLOSED.available;
  out.push(
    m(ev.t, `invoke:${closedBy}`, c.rule, [`batch closed the same way`, `batches closed the same way`], `Invocation ${inv} (${plural(ids.length, "message")}): the batch closed because ${c.say(ids.length, st)}.`, {
      silent: true,
    }),
  );

  // Regrouping: messages back from a failed batch travel with new companions.
  let back = 0;
  let firstBack = "";
  let fromInv = -1;
  for (const id of ids) {
    const f = st.failedIn.get(id);
    if (f !== undefined) {
      if (back === 0) {
        firstBack = id;
        fromInv = f;
      }
      back++;
    }
  }
  if (back > 0) {
    let sameBatch = 0;
    for (const id of ids) if (st.failedIn.get(id) === fromInv) sameBatch++;
    const others = ids.length - sameBatch;
    const failedSize = st.failedSize.get(fromInv);
    // Only a batch put together differently from the failed one is a regrouping; a lone poison message
    // retried on its own is not.
    if (others > 0 || (failedSize !== undefined && sameBatch < failedSize)) {
      const from = failedSize !== undefined ? `${sameBatch} of the failed batch's ${plural(failedSize, "message")}` : `${plural(sameBatch, "message")} of the failed batch`;
      out.push(
        m(
          ev.t,
          "regroup",
          "regrouping",
          ["regrouped batch", "regrouped batches"],
          `${firstBack}, back after failed invocation ${fromInv}, is delivered again (receive ${attempt}) in invocation ${inv}, grouped differently: with ${from} and ${plural(others, "other message")}. A failed batch returns as individual messages, and whichever poller receives them regroups them.`,
        ),
      );
    }
  }
  return out;
};

const result: MomentRule = (ev, st) => {
  const out: Moment[] = [];
  const inv = num(ev.invocation);
  const open = st.open.get(inv);
  st.open.delete(inv);
  const ids = open ? open.ids : [];
  for (const id of ids) if (st.inInvocation.get(id) === inv) st.inInvocation.delete(id);
  const outcome = str(ev.outcome);
  const failedIds = strs(ev.failedIds);
  const took = num(ev.durationMs, open ? ev.t - open.startMs : 0);
  const dups = num(ev.duplicates);
  const ignored = num(ev.ignoredFailures);

  if (outcome === "error" || outcome === "timeout") {
    st.lastFailure = { kind: outcome, tMs: ev.t };
    for (const id of failedIds) st.note(st.failedIn, id, inv);
    st.note(st.failedSize, inv, failedIds.length);
    const how = outcome === "timeout" ? `timed out (function Timeout ${dur(st.ctx.functionTimeoutMs)})` : `failed with an error after ${dur(took)}`;
    out.push(
      m(
        ev.t,
        `result:${outcome}`,
        "failedBatchReturns",
        [outcome === "timeout" ? "timed-out invocation" : "failed invocation", outcome === "timeout" ? "timed-out invocations" : "failed invocations"],
        `Invocation ${inv} ${how}. Lambda deletes nothing: its ${plural(failedIds.length, "message")} (${idList(failedIds)}) stay hidden until their visibility timeout (${dur(st.ctx.visibilityTimeoutMs)} from their receive) runs out, then return to the queue one by one.`,
        { amount: { n: failedIds.length, noun: ["message", "messages"] } },
      ),
    );
    return out;
  }

  const failedSet = failedIds.length > 0 ? new Set(failedIds) : null;
  const succeededIds = failedSet ? ids.filter((id) => !failedSet.has(id)) : ids;
  if (outcome === "partial") {
    for (const id of failedIds) st.note(st.failedIn, id, inv);
    st.note(st.failedSize, inv, failedIds.length);
    out.push(
      m(
        ev.t,
        "result:partial",
        "partialBatch",
        ["partial batch response", "partial batch responses"],
        `Invocation ${inv} returned batchItemFailures for ${idList(failedIds)}. With ReportBatchItemFailures Lambda deletes the other ${plural(succeededIds.length, "message")}; only the reported ones return after the visibility timeout, so nothing is processed twice.`,
        { amount: { n: failedIds.length, noun: ["reported message", "reported messages"] } },
      ),
    );
  } else if (ignored > 0) {
    out.push(
      m(
        ev.t,
        "result:ignored",
        "partialBatch",
        ["ignored partial response", "ignored partial responses"],
        `Invocation ${inv} returned batchItemFailures for ${plural(ignored, "message")}, but the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures]. Lambda ignores the response, treats the batch as a success and deletes all ${plural(ids.length, "message")}: the reported ones are lost.`,
        { amount: { n: ignored, noun: ["message lost", "messages lost"] } },
      ),
    );
  } else {
    const deleted = Math.max(0, succeededIds.length - dups);
    out.push(
      m(ev.t, "result:ok", "deleteOnSuccess", ["successful invocation", "successful invocations"], `Invocation ${inv} succeeded after ${dur(took)}: Lambda deletes its ${plural(deleted, "message")} from the queue, so ${deleted === 1 ? "it never comes" : "they never come"} back.`, {
        amount: { n: deleted, noun: ["message deleted", "messages deleted"] },
      }),
    );
  }

  if (dups > 0) {
    let cause = "";
    for (const id of succeededIds) {
      const c = st.dupCause.get(id);
      if (c) {
        cause = ` ${id}: ${c}.`;
        break;
      }
    }
    out.push(
      m(
        ev.t,
        "result:duplicate",
        "duplicates",
        ["duplicate processing", "duplicate processings"],
        `Invocation ${inv} processed ${plural(dups, "message")} that an earlier invocation had already processed and deleted: a duplicate, with no error anywhere.${cause} Event source mappings deliver at least once; the function must be idempotent.`,
      ),
    );
    for (const id of succeededIds) st.dupCause.delete(id);
  } else {
    // Order: a message processed after one sent later (first successes only; duplicates are told above).
    for (const id of succeededIds) {
      const n = idIndex(id);
      if (n < 0) continue;
      if (n < st.maxSucceededN) {
        const came = st.failedIn.has(id) ? `it came back after failed invocation ${st.failedIn.get(id)}` : "concurrent batches finish in any order";
        out.push(
          m(ev.t, "order", "standardOrder", ["message processed out of send order", "messages processed out of send order"], `${id} was processed after ${st.maxSucceededId}, which was sent later: ${came}. A standard queue keeps best-effort order only.`),
        );
        break;
      }
    }
  }
  for (const id of succeededIds) {
    const n = idIndex(id);
    if (n > st.maxSucceededN) {
      st.maxSucceededN = n;
      st.maxSucceededId = id;
    }
    st.failedIn.delete(id);
    st.releasedByThrottle.delete(id);
  }
  return out;
};

const retry: MomentRule = (ev, st) => {
  const id = str(ev.recordId);
  const rc = num(ev.receiveCount);
  if (ev.reason === "DuplicateDelivery") {
    st.note(st.dupCause, id, "SQS delivered a second copy of it although nothing failed");
    return [
      m(ev.t, "dup:spontaneous", "atLeastOnce", ["spare copy delivered", "spare copies delivered"], `SQS leaves a second copy of ${id} visible while the first is being processed, although nothing failed: a standard queue delivers at least once, so the function can see the same message twice.`),
    ];
  }
  const holder = st.inInvocation.get(id);
  if (holder !== undefined) {
    st.note(st.dupCause, id, `its visibility timeout (${dur(st.ctx.visibilityTimeoutMs)}) ran out while invocation ${holder} was still processing it`);
    const vt = st.ctx.visibilityTimeoutMs;
    const rec = 6 * st.ctx.functionTimeoutMs + st.ctx.windowMs;
    return [
      m(
        ev.t,
        "visible:inflight",
        "visibilityTimeout",
        ["message visible again while in flight", "messages visible again while in flight"],
        `${id} is visible again while invocation ${holder} is still processing it: its visibility timeout (${dur(vt)}) is shorter than receive + wait + processing. Any poller may receive it now and process it a second time. AWS recommends a visibility timeout of at least 6 x the function timeout + the batching window (${dur(rec)} here).`,
      ),
    ];
  }
  const failed = st.failedIn.get(id);
  if (failed !== undefined) {
    return [
      m(ev.t, "visible:failed", "failedBatchReturns", ["message back after a failure", "messages back after a failure"], `${id} is visible in the queue again, received ${times(rc)} so far: the visibility timeout that followed failed invocation ${failed} ran out.${receivesLeft(st, rc)}`),
    ];
  }
  if (st.releasedByThrottle.has(id)) {
    return [
      m(ev.t, "visible:throttled", "throttle", ["message back after a throttle", "messages back after a throttle"], `${id} is visible again, received ${times(rc)} so far, though the function never ran on it: its batch was throttled and let go.${receivesLeft(st, rc)}`),
    ];
  }
  st.note(st.dupCause, id, "its visibility timeout ran out while its batch was still being gathered");
  return [
    m(ev.t, "visible:gathering", "visibilityTimeout", ["message visible again before its batch was sent", "messages visible again before their batch was sent"], `${id} is visible again (received ${times(rc)}) before its batch even reached the function: the batching window and long poll held it longer than the visibility timeout (${dur(st.ctx.visibilityTimeoutMs)}).`),
  ];
};

const throttle: MomentRule = (ev, st) => {
  const ids = strs(ev.recordIds);
  const conc = num(ev.concurrency);
  const limit = num(ev.limit);
  st.lastFailure = { kind: "throttle", tMs: ev.t };
  const why =
    st.ctx.reservedConcurrency !== null
      ? `the function's reserved concurrency (${st.ctx.reservedConcurrency}) is in use (${conc} of ${limit}); the mapping does not take reserved concurrency into account`
      : `the account's concurrency (${limit}) is in use`;
  if (ev.next === "release") {
    for (const id of ids) st.note(st.releasedByThrottle, id);
    return [
      m(ev.t, "throttle:release", "throttle", ["throttled batch let go", "throttled batches let go"], `Poller ${num(ev.poller)} gives up on its throttled batch of ${plural(ids.length, "message")} before their visibility timeout ends: the messages go back to the queue unprocessed, each with a receive already counted against maxReceiveCount.`, {
        amount: { n: ids.length, noun: ["message", "messages"] },
      }),
    ];
  }
  return [
    m(ev.t, "throttle:retry", "throttle", ["throttled invoke", "throttled invokes"], `Poller ${num(ev.poller)}'s invoke is throttled: ${why}. The poller keeps its batch (${plural(ids.length, "message")}) and retries the invoke with back-off while the messages are still hidden.`),
  ];
};

const dlq: MomentRule = (ev, st) => {
  const id = str(ev.recordId);
  const rc = num(ev.receiveCount);
  const neverFailed = !st.failedIn.has(id) && st.releasedByThrottle.has(id);
  st.forget(id);
  const extra = neverFailed ? " The function never failed on it: throttled batches used up its receives." : "";
  return [
    m(
      ev.t,
      neverFailed ? "dlq:throttled" : "dlq",
      "dlqOnQueue",
      ["message moved to the DLQ", "messages moved to the DLQ"],
      `${id} moves to the dead-letter queue: it had been received ${times(rc)} (maxReceiveCount ${st.ctx.maxReceiveCount}), so the next receive hands it to the queue's redrive policy instead of the function, keeping its message id.${extra} The DLQ is configured on the source queue; a function's own DLQ applies to asynchronous invocation only.`,
    ),
  ];
};

const expire: MomentRule = (ev, st) => {
  const id = str(ev.recordId);
  st.forget(id);
  return [m(ev.t, "expire", "retention", ["message expired", "messages expired"], `${id} expired: it was not processed within the queue's MessageRetentionPeriod (${dur(st.ctx.retentionMs)}), so SQS deleted it unprocessed.`)];
};

const scale: MomentRule = (ev, st) => {
  const from = num(ev.from);
  const to = num(ev.to);
  const reason = str(ev.reason);
  const c = st.ctx;
  switch (reason) {
    case "start": {
      const capped = to < c.initialConcurrency && c.maximumConcurrency !== null && c.maximumConcurrency <= to ? `, capped here by ScalingConfig.MaximumConcurrency ${c.maximumConcurrency}` : "";
      return [
        m(ev.t, "scale:start", "sqsStart", ["start", "starts"], `The mapping starts ${plural(to, "poller")}: each receives from the queue and runs one batch at a time, so at most ${to} invocations run at once for now (profile ${c.profile}: ${c.initialConcurrency} concurrent batches at first${capped}).`, { always: true }),
      ];
    }
    case "scale-up": {
      const cap = Math.min(c.maxConcurrency, c.maximumConcurrency ?? Infinity);
      return [
        m(ev.t, "scale:up", "sqsScaleUp", ["scale-up step", "scale-up steps"], `Scale-up: ${from} -> ${to} concurrent batches. Messages are still waiting and no poller is idle, so the mapping adds up to ${c.scaleUpPerMinute} a minute (profile ${c.profile}), up to ${cap}.`, {
          tail: `now ${to} concurrent batches`,
        }),
      ];
    }
    case "back-off": {
      const f = st.lastFailure && st.lastFailure.tMs === ev.t ? st.lastFailure.kind : null;
      const after = f === "throttle" ? "a throttled invoke" : f ? "a failed invocation" : "a failure";
      return [
        m(ev.t, "scale:back-off", "sqsBackOff", ["back-off step", "back-off steps"], `Back-off: ${from} -> ${to} concurrent batches after ${after}. Lambda gradually reduces a mapping's concurrency while invocations fail or are throttled, and pauses scale-up for a while.`, {
          tail: `now ${to} concurrent batches`,
        }),
      ];
    }
    case "low-traffic":
      return [
        m(ev.t, "scale:low-traffic", "sqsScaleDown", ["low-traffic step", "low-traffic steps"], `Low traffic: ${from} -> ${to} pollers. When traffic is low Lambda scales the mapping back to as few as ${c.lowTrafficConcurrency ?? 2} concurrent invokes (not when MaximumConcurrency is set).`, {
          tail: `now ${to}`,
        }),
      ];
    case "scale-down":
      return [
        m(ev.t, "scale:down", "sqsScaleDown", ["scale-down step", "scale-down steps"], `Scale-down: ${from} -> ${to} pollers: the last minute had no backlog (esm-sim re-evaluates once a minute; AWS gives no rate).`, { tail: `now ${to}` }),
      ];
    default:
      return [m(ev.t, `scale:${reason}`, "sqsScaleUp", ["scaling step", "scaling steps"], `Concurrency ${from} -> ${to} (${reason}).`, { tail: `now ${to}` })];
  }
};

export const SQS_MOMENTS: Readonly<Record<string, MomentRule>> = { poll, invoke, result, retry, throttle, dlq, expire, scale };
