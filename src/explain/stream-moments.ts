/**
 * Moment rules for Kinesis and DynamoDB streams, written against the contract's trace types (an `invoke` that
 * carries `shard`, and `retry`, `bisect`, `checkpoint`, `onFailure`, `expire`, `filter`). Fields beyond the
 * contract's are read when present and skipped when not:
 *   retry      { shard, attempt?, recordIds?, invocation? }
 *   bisect     { shard, recordIds?, halves?: [ids[], ids[]] | [n, n] }
 *   checkpoint { shard, sequenceNumber? | recordId? }
 *   onFailure  { shard, condition, recordIds? | batchSize?, approximateInvokeCount?, destination? }
 *   expire     { shard, recordId? | recordIds?, reason }
 *   filter     { recordId? | recordIds?, shard | queue }
 * A shard is "blocked" from its first failed invocation until a success, an on-failure record, an expiry or a
 * checkpoint moves it on; the unblocking moment says for how long.
 */
import { dur, idList, num, plural, str, strs, times, type Moment, type MomentRule, type NarrationState } from "./moments.js";

const m = (tMs: number, fold: string, rule: Moment["rule"], noun: readonly [string, string], text: string, extra: Partial<Moment> = {}): Moment => ({
  tMs,
  fold,
  rule,
  noun,
  text,
  ...extra,
});

function unblock(st: NarrationState, shard: string, tMs: number, how: string): Moment[] {
  const b = st.blocked.get(shard);
  if (!b) return [];
  st.blocked.delete(shard);
  const span = dur(tMs - b.sinceMs);
  return [
    m(tMs, "stream:unblock", "streamRetry", ["shard unblocked", "shards unblocked"], `Shard ${shard} moves on after being blocked for ${span} (${plural(b.retries, "retry", "retries")} since invocation ${b.invocation} failed): ${how}.`, {
      tail: `the last after ${span}`,
    }),
  ];
}

const invoke: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const ids = strs(ev.recordIds);
  const inv = num(ev.invocation);
  st.invokes++;
  st.open.set(inv, { ids, startMs: ev.t, shard, poller: null });
  const out: Moment[] = [];
  if (!st.shardsStarted.has(shard)) {
    st.shardsStarted.add(shard);
    out.push(
      m(ev.t, "stream:shard-first", "shardIterator", ["shard started", "shards started"], `Shard ${shard}: first batch (${plural(ids.length, "record")}, ${idList(ids, 2)}). The mapping reads each shard with its own iterator and sends its batches one at a time, in sequence order, synchronously.`),
    );
  }
  return out;
};

const result: MomentRule = (ev, st) => {
  const inv = num(ev.invocation);
  const open = st.open.get(inv);
  st.open.delete(inv);
  const shard = open?.shard ?? str(ev.shard);
  const outcome = str(ev.outcome);
  const failedIds = strs(ev.failedIds);
  if (outcome === "error" || outcome === "timeout") {
    const b = st.blocked.get(shard);
    if (b) {
      b.retries++;
      return [];
    }
    st.blocked.set(shard, { sinceMs: ev.t, invocation: inv, retries: 0 });
    const limit = st.ctx.maximumRetryAttempts;
    const until = Number.isFinite(limit)
      ? `until it succeeds, MaximumRetryAttempts (${limit}) is used up or the records age out`
      : "until it succeeds or its records expire (MaximumRetryAttempts -1)";
    return [
      m(ev.t, "stream:blocked", "streamRetry", ["shard blocked", "shards blocked"], `Invocation ${inv} ${outcome === "timeout" ? "timed out" : "failed"} on shard ${shard}: the shard is blocked. The mapping retries the whole batch (${plural(open?.ids.length ?? failedIds.length, "record")}) ${until}; nothing behind it on this shard is processed meanwhile, so records stay in order.`),
    ];
  }
  if (outcome === "partial") {
    return [
      m(ev.t, "stream:partial", "checkpoint", ["partial batch response", "partial batch responses"], `Invocation ${inv} on shard ${shard} reported ${idList(failedIds)} as failed. The checkpoint moves to the lowest failed sequence number and the mapping retries from there, so successful records after it are delivered again.`),
    ];
  }
  return unblock(st, shard, ev.t, `invocation ${inv} succeeded`);
};

const retry: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const attempt = num(ev.attempt);
  const b = st.blocked.get(shard);
  const since = b ? `, blocked for ${dur(ev.t - b.sinceMs)}` : "";
  return [
    m(ev.t, `stream:retry:${shard}`, "streamRetry", ["identical retry", "identical retries"], `Shard ${shard}: retry${attempt ? ` ${attempt}` : ""} of the same batch${since}. Retries of a failed batch keep the shard paused.`, {
      tail: `shard ${shard}`,
    }),
  ];
};

const bisect: MomentRule = (ev) => {
  const shard = str(ev.shard);
  const ids = strs(ev.recordIds);
  let sizes = "";
  if (Array.isArray(ev.halves) && ev.halves.length === 2) {
    const [a, b] = ev.halves.map((h) => (Array.isArray(h) ? h.length : num(h)));
    sizes = ` into halves of ${a} and ${b}`;
  }
  return [
    m(ev.t, "stream:bisect", "bisect", ["bisection", "bisections"], `BisectBatchOnFunctionError: shard ${shard}'s failed batch${ids.length ? ` of ${ids.length}` : ""} is split${sizes} and each half is retried on its own, to isolate the bad record. Splitting uses no retry attempts, and good records in the halves are processed again.`),
  ];
};

const checkpoint: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const at = str(ev.sequenceNumber, str(ev.recordId));
  const out = [
    m(ev.t, "stream:checkpoint", st.ctx.rbif ? "checkpoint" : "shardIterator", ["checkpoint move", "checkpoint moves"], `Shard ${shard}: the checkpoint moves${at ? ` to ${at}` : ""}. After a restart or a retry the shard is read again from here${st.ctx.rbif ? "; with ReportBatchItemFailures it stops at the lowest failed record, so the records after it come again" : ""}.`, {
      tail: at ? `last to ${at}` : undefined,
    }),
  ];
  return out;
};

const onFailure: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const condition = str(ev.condition, "RetryAttemptsExhausted");
  const ids = strs(ev.recordIds);
  const n = ids.length || num(ev.batchSize);
  const count = num(ev.approximateInvokeCount);
  const dest = str(ev.destination, st.ctx.onFailureDestination ?? "");
  const why =
    condition === "RecordAgeExceeded"
      ? "its records are older than MaximumRecordAgeInSeconds"
      : `the batch failed ${count ? times(count) : "every time"} and MaximumRetryAttempts (${Number.isFinite(st.ctx.maximumRetryAttempts) ? st.ctx.maximumRetryAttempts : "-1"}) is used up`;
  const where = dest
    ? `sends an invocation record to ${dest}: metadata only (shard, sequence range, batch size), not the records, so read them from the stream before they expire`
    : "discards them: no on-failure destination is configured";
  const out = [
    m(ev.t, `stream:onFailure:${condition}`, "onFailure", ["batch given up", "batches given up"], `The mapping gives up on ${plural(n, "record")} of shard ${shard} (${condition}): ${why}. It ${where}.`, {
      amount: { n, noun: ["record", "records"] },
    }),
  ];
  return [...out, ...unblock(st, shard, ev.t, `the mapping gave up on the batch (${condition})`)];
};

const expire: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const ids = ev.recordIds !== undefined ? strs(ev.recordIds) : [str(ev.recordId)];
  const out = [
    m(ev.t, "stream:expire", "streamRetention", ["record expired", "records expired"], `${idList(ids)} on shard ${shard} expired: the stream's retention period ended before the mapping processed ${ids.length === 1 ? "it" : "them"}, so ${ids.length === 1 ? "it is" : "they are"} lost.`, {
      amount: { n: ids.length, noun: ["record", "records"] },
    }),
  ];
  return [...out, ...unblock(st, shard, ev.t, "the failing records expired from the stream")];
};

const filter: MomentRule = (ev) => {
  const ids = ev.recordIds !== undefined ? strs(ev.recordIds) : [str(ev.recordId)];
  const onQueue = ev.queue !== undefined;
  return [
    m(ev.t, "filter", "filtering", ["record filtered out", "records filtered out"], `${idList(ids)} matched none of the FilterCriteria: ${onQueue ? "Lambda deletes the message from the queue" : "the iterator moves past it (it stays in the stream until retention)"} and the function never sees it.`, {
      amount: { n: ids.length, noun: ["record", "records"] },
    }),
  ];
};

export const STREAM_MOMENTS: Readonly<Record<string, MomentRule>> = { invoke, result, retry, bisect, checkpoint, onFailure, expire };
/** Rules for event types every source shares. */
export const COMMON_MOMENTS: Readonly<Record<string, MomentRule>> = { filter };

/** Whether an event belongs to a stream source (it names a shard, or its invocation did). */
export function isStreamEvent(ev: { type: string } & Record<string, unknown>, st: NarrationState): boolean {
  if (ev.shard !== undefined) return true;
  if (ev.type === "bisect" || ev.type === "checkpoint" || ev.type === "onFailure") return true;
  if (ev.type === "result") return (st.open.get(num(ev.invocation))?.shard ?? null) !== null;
  return false;
}
