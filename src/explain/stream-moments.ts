/**
 * Moment rules for Kinesis and DynamoDB streams, read from the trace's JSONL shape (src/report/trace-jsonl.ts):
 *   invoke     { invocation, shard, lane, recordIds, attempt, closedBy, iteratorAgeMs, window?, state?, isFinalInvokeForWindow? }
 *   result     { invocation, shard, outcome, failedIds, succeeded, duplicates, ignoredFailures, invalidResponse? }
 *   retry      { shard, lane, recordIds, attempt, delayMs, reason: FunctionError | PartialBatchFailure | Throttled, countsAsRetry }
 *   bisect     { shard, lane, recordIds, leftIds, rightIds }
 *   checkpoint { shard, sequenceNumber }
 *   onFailure  { shard, recordIds, condition, approximateInvokeCount, functionError?, destination }
 *   expire     { shard, recordId, reason }
 *   throttle   { shard, poller, recordIds, concurrency, limit, next }
 *   produce    { recordId, key, shard, arrivalMs, throttledWrites, writtenBack? }  (explain passes only throttled
 *              writes and records the function wrote back to its own stream)
 *   filter     { recordId, shard | queue }
 * A lane (a shard, or one of its ParallelizationFactor lanes) is "blocked" from its first failed invocation until
 * every record of the failed batch is done: succeeded (a later invocation, a bisected half), given up on
 * (onFailure), expired, or passed by the checkpoint. The unblocking moment says for how long and how many retries.
 * AWS pages: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (DynamoDB runs name the DynamoDB pages).
 */
import { RETRY_BACKOFF_INITIAL_US, RETRY_BACKOFF_MAX_US } from "../esm/stream-retry.js";
import { dur, idIndex, idList, num, plural, str, strs, times, type BlockedLane, type Moment, type MomentRule, type NarrationState } from "./moments.js";
import type { RuleId } from "./rules.js";

const DDB_RULE: Partial<Record<RuleId, RuleId>> = {
  shardIterator: "ddbShardIterator",
  streamRetry: "ddbStreamRetry",
  bisect: "ddbBisect",
  onFailure: "ddbOnFailure",
  tumblingWindow: "ddbTumblingWindow",
};

/** A moment; DynamoDB runs name the DynamoDB page of the same rule. */
function m(st: NarrationState, tMs: number, fold: string, rule: RuleId | null, noun: readonly [string, string], text: string, extra: Partial<Moment> = {}): Moment {
  const r = rule !== null && st.ctx.sourceType === "dynamodb" ? (DDB_RULE[rule] ?? rule) : rule;
  return { tMs, fold, rule: r, noun, text, ...extra };
}

const laneKey = (shard: string, lane: number) => `${shard}#${lane}`;

/** "shard X", or "shard X (lane 2)" when the mapping runs several lanes per shard. */
function where(st: NarrationState, shard: string, lane: number): string {
  return st.ctx.parallelizationFactor > 1 ? `shard ${shard} (lane ${lane})` : `shard ${shard}`;
}

const stopsRetrying = (st: NarrationState): string => {
  const limit = st.ctx.maximumRetryAttempts;
  const age = st.ctx.maximumRecordAgeMs;
  const parts = ["it succeeds"];
  if (Number.isFinite(limit)) parts.push(`MaximumRetryAttempts (${limit}) is used up`);
  if (Number.isFinite(age)) parts.push(`its records are older than MaximumRecordAgeInSeconds (${dur(age)})`);
  parts.push(`its records expire from the stream after the ${dur(st.ctx.retentionMs)} retention period`);
  const list = `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
  const defaults = !Number.isFinite(limit) && !Number.isFinite(age) ? " (MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1, so they set no limit)" : "";
  return `until ${list}${defaults}`;
};

function unblock(st: NarrationState, b: BlockedLane, tMs: number, how: string): Moment[] {
  st.blocked.delete(laneKey(b.shard, b.lane));
  st.unblockedAt.set(b.shard, { atMs: tMs, spanMs: tMs - b.sinceMs });
  const span = dur(tMs - b.sinceMs);
  const age = b.maxAgeMs > 0 ? `; its IteratorAge reached ${dur(b.maxAgeMs)}` : "";
  const w = where(st, b.shard, b.lane);
  return [
    m(st, tMs, "stream:unblock", "streamRetry", ["shard unblocked", "shards unblocked"], `${w[0].toUpperCase()}${w.slice(1)} moves on after being blocked for ${span} (${plural(b.retries + 1, "failed invocation")} from invocation ${b.invocation} on${age}): ${how}.`, {
      tail: `the last after ${span}`,
    }),
  ];
}

/** Records of a shard's blocked lanes are done: drop them, and tell the lanes that are now free. */
function settle(st: NarrationState, shard: string, tMs: number, done: (id: string) => boolean, how: string): Moment[] {
  const out: Moment[] = [];
  for (const b of [...st.blocked.values()]) {
    if (b.shard !== shard) continue;
    for (const id of [...b.pending]) if (done(id)) b.pending.delete(id);
    if (b.pending.size === 0) out.push(...unblock(st, b, tMs, how));
  }
  return out;
}

const RETRY_CLOSES = new Set(["retry", "bisect", "rewind", "window-end"]);

function disabledMoments(ev: { t: number }, st: NarrationState): Moment[] {
  const out: Moment[] = [];
  const ps = st.ctx.disabledPeriods;
  while (st.disabledTold < ps.length && ps[st.disabledTold].toMs <= ev.t) {
    const p = ps[st.disabledTold++];
    out.push(
      m(st, ev.t, `stream:resumed:${st.disabledTold}`, "shardIterator", ["resume", "resumes"], `The mapping was disabled from ${dur(p.fromMs)} to ${dur(p.toMs)} into the run: Lambda stopped polling but kept each shard's checkpoint, and on re-enabling resumes every shard from it. The records that arrived meanwhile were still in the stream: records are not removed when read, only when retention ends.`),
    );
  }
  return out;
}

const invoke: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const lane = num(ev.lane);
  const ids = strs(ev.recordIds);
  const inv = num(ev.invocation);
  const closedBy = str(ev.closedBy, "available");
  st.invokes++;
  st.open.set(inv, { ids, startMs: ev.t, shard, poller: null, lane, closedBy });
  const out: Moment[] = disabledMoments(ev, st);
  const c = st.ctx;
  if (st.shardsStarted.size === 0) {
    const at = c.startAtMs > 0 ? ` The mapping was created at ${dur(c.startAtMs)} into the run.` : "";
    const pos =
      c.startingPosition === "LATEST"
        ? "StartingPosition LATEST: it reads only records that arrive after it starts; older ones stay in the stream, unread by it, until retention removes them."
        : c.startingPosition === "AT_TIMESTAMP"
          ? `StartingPosition AT_TIMESTAMP: it starts at the first record that arrived at or after the timestamp (${c.startingPositionMs >= 0 ? `${dur(c.startingPositionMs)} into the run` : `${dur(-c.startingPositionMs)} before the run began`}); earlier records are skipped.`
          : "StartingPosition TRIM_HORIZON: it starts at the oldest record still in the stream, so nothing already retained is missed.";
    out.push(m(st, ev.t, "stream:start", "startingPosition", ["start", "starts"], `${pos}${at}`));
  }
  if (!st.shardsStarted.has(shard)) {
    st.shardsStarted.add(shard);
    const poll = c.sourceType === "dynamodb" ? "polls it four times a second" : "polls it once a second";
    out.push(
      m(st, ev.t, "stream:shard-first", "shardIterator", ["shard started", "shards started"], `Shard ${shard}: first batch (${plural(ids.length, "record")}, ${idList(ids, 2)}). The mapping reads each shard with its own iterator (it ${poll} when caught up) and sends its batches one at a time, in sequence order, synchronously.`),
    );
  }
  const lk = laneKey(shard, lane);
  if (lane > 0 && !st.lanesStarted.has(lk)) {
    st.lanesStarted.add(lk);
    out.push(
      m(st, ev.t, "stream:lane", "parallelization", ["parallel lane started", "parallel lanes started"], `Shard ${shard} runs another batch at the same time, on lane ${lane}: ParallelizationFactor ${c.parallelizationFactor} lets up to ${c.parallelizationFactor} batches of one shard run at once. Records with the same partition key always go to the same lane, so each key stays in order, and the shard's concurrency is capped by its distinct keys.`),
    );
  }
  const b = st.blocked.get(lk);
  if (b && !RETRY_CLOSES.has(closedBy)) out.push(...unblock(st, b, ev.t, `invocation ${inv} takes new records`));
  const age = num(ev.iteratorAgeMs, -1);
  const stillBlocked = st.blocked.get(lk);
  if (stillBlocked && age > stillBlocked.maxAgeMs) stillBlocked.maxAgeMs = age;
  // While the lane is blocked its IteratorAge is told with its retries and when it moves on.
  if (age >= st.nextIteratorAgeMs && !stillBlocked) {
    st.nextIteratorAgeMs = age * 2;
    const failing = [...st.blocked.values()].find((x) => x.shard === shard);
    const after = st.unblockedAt.get(shard);
    const resumed = st.ctx.disabledPeriods.find((p) => p.toMs <= ev.t && ev.t - p.toMs <= age);
    const why = resumed
      ? `the mapping was disabled from ${dur(resumed.fromMs)} to ${dur(resumed.toMs)}, and the records that arrived meanwhile, still in the stream, are read only now`
      : failing
      ? `${where(st, failing.shard, failing.lane)} is held by a failing batch, so the records behind it wait in the stream`
      : after && after.spanMs * 2 >= age
        ? `the records that queued up behind the failing batch during the ${dur(after.spanMs)} the shard was blocked are only now being read`
        : "records arrive faster than this shard's batches are processed, one at a time (raise BatchSize or ParallelizationFactor, add shards, or make the function faster)";
    out.push(
      m(st, ev.t, "stream:iteratorAge", "iteratorAge", ["IteratorAge step", "IteratorAge steps"], `IteratorAge reaches ${dur(age)} on ${where(st, shard, lane)}: the batch sent now (invocation ${inv}) ends with a record that arrived ${dur(age)} ago, because ${why}.`, {
        tail: `IteratorAge now ${dur(age)}`,
      }),
    );
  }
  if (ev.window !== undefined && ev.window !== null && typeof ev.window === "object") {
    const w = ev.window as Record<string, unknown>;
    const clock = (ms: number) => (ms === 0 ? "0s" : dur(ms));
    const from = clock(num(w.startMs));
    const to = clock(num(w.endMs));
    const state = num((ev.state as Record<string, unknown> | undefined)?.records);
    if (ev.isFinalInvokeForWindow === true) {
      out.push(
        m(st, ev.t, "stream:window-final", "tumblingWindow", ["window closed", "windows closed"], `The tumbling window ${from}..${to} of ${where(st, shard, lane)} has ended: the mapping makes one final invocation (${inv}) with no records and isFinalInvokeForWindow true, carrying the state of ${plural(state, "record")}; this is where the function acts on the aggregate. The next window starts with a fresh state.`),
      );
    } else {
      out.push(
        m(st, ev.t, "stream:window", "tumblingWindow", ["window batch", "window batches"], `Invocation ${inv} on ${where(st, shard, lane)} belongs to the tumbling window ${from}..${to} (TumblingWindowInSeconds ${dur(c.tumblingWindowMs)}; records fall in windows by arrival time, and a batch never spans two): the function receives the state returned by the window's earlier invocations (${plural(state, "record")} so far) and returns the new one.`, {
          silent: true,
        }),
      );
    }
  }
  return out;
};

const result: MomentRule = (ev, st) => {
  const inv = num(ev.invocation);
  const open = st.open.get(inv);
  st.open.delete(inv);
  const shard = open?.shard ?? str(ev.shard);
  const lane = open?.lane ?? 0;
  const ids = open?.ids ?? [];
  const outcome = str(ev.outcome);
  const failedIds = strs(ev.failedIds);
  const lk = laneKey(shard, lane);
  const out: Moment[] = [];
  const dups = num(ev.duplicates);
  if (dups > 0) {
    out.push(
      m(st, ev.t, "stream:duplicate", "streamAtLeastOnce", ["redelivery of processed records", "redeliveries of processed records"], `Invocation ${inv} on ${where(st, shard, lane)} processed ${plural(dups, "record")} that had already been processed successfully: after a checkpoint rewind (a partial response, a split batch or a restart) every record after the checkpoint is read again. Stream mappings deliver at least once; the function must be idempotent.`, {
        amount: { n: dups, noun: ["record", "records"] },
      }),
    );
  }
  if (outcome === "error" || outcome === "timeout") {
    const b = st.blocked.get(lk);
    if (b) {
      b.retries++;
      return out;
    }
    st.blocked.set(lk, { shard, lane, sinceMs: ev.t, invocation: inv, retries: 0, pending: new Set(failedIds.length ? failedIds : ids), maxAgeMs: 0 });
    const how = outcome === "timeout" ? `timed out (function Timeout ${dur(st.ctx.functionTimeoutMs)})` : ev.invalidResponse === true ? "returned a batchItemFailures entry naming a record not in the batch, which fails the whole batch," : "failed";
    const bisect = st.ctx.bisect ? " With BisectBatchOnFunctionError it first splits the batch to find the bad record." : "";
    out.push(
      m(st, ev.t, "stream:blocked", "streamRetry", ["shard blocked", "shards blocked"], `Invocation ${inv} ${how} on ${where(st, shard, lane)}: the ${st.ctx.parallelizationFactor > 1 ? "lane" : "shard"} is blocked. The mapping retries the whole batch (${plural(failedIds.length || ids.length, "record")}) ${stopsRetrying(st)}; nothing behind it is processed meanwhile, so records stay in order.${bisect}`),
    );
    return out;
  }
  if (outcome === "partial") {
    let low = Infinity;
    for (const id of failedIds) low = Math.min(low, idIndex(id));
    const before = ids.filter((id) => idIndex(id) < low).length;
    const after = ids.length - before;
    const failedSet = new Set(failedIds);
    const again = ids.filter((id) => idIndex(id) > low && !failedSet.has(id)).length;
    const lowId = failedIds.find((id) => idIndex(id) === low) ?? failedIds[0] ?? "";
    out.push(
      m(st, ev.t, "stream:partial", "checkpoint", ["partial batch response", "partial batch responses"], `Invocation ${inv} on ${where(st, shard, lane)} reported ${idList(failedIds)} as failed (ReportBatchItemFailures). The checkpoint moves to the lowest failed sequence number, ${lowId}: the ${plural(before, "record")} before it are done, and the mapping invokes the ${plural(after, "record")} from it again, so ${plural(again, "record")} that succeeded after it ${again === 1 ? "is" : "are"} processed a second time.`, {
        amount: { n: again, noun: ["record processed again", "records processed again"] },
      }),
    );
    const done = new Set(ids.filter((id) => idIndex(id) < low));
    out.push(...settle(st, shard, ev.t, (id) => done.has(id), `invocation ${inv} got past the failed records`));
    return out;
  }
  if (num(ev.ignoredFailures) > 0) {
    out.push(
      m(st, ev.t, "stream:ignored", "checkpoint", ["ignored partial response", "ignored partial responses"], `Invocation ${inv} returned batchItemFailures for ${plural(num(ev.ignoredFailures), "record")}, but the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures]: Lambda ignores the response, treats the batch as a success and checkpoints past it, so the reported records are never retried.`),
    );
  }
  const done = new Set(ids);
  out.push(...settle(st, shard, ev.t, (id) => done.has(id), `invocation ${inv} succeeded`));
  return out;
};

const retry: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const lane = num(ev.lane);
  const reason = str(ev.reason);
  if (reason === "Throttled") return [];
  if (reason === "PartialBatchFailure" && ev.countsAsRetry !== true) return [];
  const ids = strs(ev.recordIds);
  const attempt = num(ev.attempt);
  const delay = dur(num(ev.delayMs));
  const b = st.blocked.get(laneKey(shard, lane));
  const since = b && ev.t > b.sinceMs ? `, blocked for ${dur(ev.t - b.sinceMs)} so far` : "";
  const age = b && b.maxAgeMs > 0 ? `, IteratorAge now ${dur(b.maxAgeMs)}` : "";
  const limit = st.ctx.maximumRetryAttempts;
  const count = ev.countsAsRetry === true && attempt > 1 ? ` (retry ${attempt - 1}${Number.isFinite(limit) ? ` of MaximumRetryAttempts ${limit}` : ", MaximumRetryAttempts -1: no limit"})` : "";
  const first = reason === "PartialBatchFailure" ? "The first record of the batch was reported failed, so the checkpoint cannot move: " : "";
  return [
    m(st, ev.t, `stream:retry:${shard}`, "streamRetry", ["identical retry", "identical retries"], `${first}${where(st, shard, lane)[0].toUpperCase()}${where(st, shard, lane).slice(1)} invokes the same batch of ${plural(ids.length, "record")} again in ${delay}, as invocation attempt ${attempt}${count}${since}. Retries keep the shard paused. (AWS gives no retry interval; esm-sim backs off from ${dur(RETRY_BACKOFF_INITIAL_US / 1000)}, doubling to at most ${dur(RETRY_BACKOFF_MAX_US / 1000)}.)`, {
      tail: `${where(st, shard, lane)}, last retried after ${delay}${age}`,
    }),
  ];
};

const bisect: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const lane = num(ev.lane);
  const ids = strs(ev.recordIds);
  const left = strs(ev.leftIds);
  const right = strs(ev.rightIds);
  return [
    m(st, ev.t, "stream:bisect", "bisect", ["bisection", "bisections"], `BisectBatchOnFunctionError: ${where(st, shard, lane)}'s failed batch of ${plural(ids.length, "record")} is split into halves of ${left.length} (${idList(left, 1)}) and ${right.length} (${idList(right, 1)}). The left half is invoked at once, the right one after it; splitting uses no retry attempt, and the half without the bad record succeeds on its own.`),
  ];
};

const checkpoint: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const at = str(ev.sequenceNumber);
  const n = idIndex(at);
  const out = [
    m(st, ev.t, "stream:checkpoint", "shardIterator", ["checkpoint move", "checkpoint moves"], `Shard ${shard}: the checkpoint moves to ${at}: every record up to it is done. After a restart, a re-enable or a failure the shard is read again from the record after it.`, {
      silent: true,
    }),
  ];
  out.push(...settle(st, shard, ev.t, (id) => idIndex(id) <= n, "the checkpoint moved past the failed batch"));
  return out;
};

const onFailure: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const condition = str(ev.condition, "RetryAttemptsExhausted");
  const ids = strs(ev.recordIds);
  const count = num(ev.approximateInvokeCount);
  const dest = str(ev.destination, st.ctx.onFailureDestination ?? "");
  const limit = st.ctx.maximumRetryAttempts;
  let why: string;
  if (condition === "RecordAgeExceeded") {
    why = `before invocation attempt ${count}, the records were older than MaximumRecordAgeInSeconds (${Number.isFinite(st.ctx.maximumRecordAgeMs) ? dur(st.ctx.maximumRecordAgeMs) : "-1"}), so the mapping discards them instead of retrying them any longer`;
  } else {
    const fe = ev.functionError === "Unhandled" ? "functionError Unhandled: the function threw" : "functionError null: the function returned a response that failed the batch";
    why = `the batch was invoked ${count ? times(count) : "every time"} (approximateInvokeCount ${count}: the first attempt and ${Number.isFinite(limit) ? limit : "its"} retries) and MaximumRetryAttempts (${Number.isFinite(limit) ? limit : "-1"}) is used up (${fe})`;
  }
  const whereTo = dest
    ? `writes one invocation record to ${dest}: metadata only (shard, first and last sequence number, batch size), not the records, so read them from the stream before retention removes them`
    : "drops them: no on-failure destination is configured, so nothing records which records were skipped";
  const out = [
    m(st, ev.t, `stream:onFailure:${condition}`, condition === "RecordAgeExceeded" ? "recordAge" : "onFailure", ["batch given up", "batches given up"], `The mapping gives up on ${plural(ids.length, "record")} of shard ${shard} (${idList(ids, 2)}), condition ${condition}: ${why}. It ${whereTo}, and the shard moves on.`, {
      amount: { n: ids.length, noun: ["record", "records"] },
    }),
  ];
  const gone = new Set(ids);
  return [...out, ...settle(st, shard, ev.t, (id) => gone.has(id), `the mapping gave up on the failing records (${condition})`)];
};

const expire: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const id = str(ev.recordId);
  const out = [
    m(st, ev.t, "stream:expire", "streamRetention", ["record expired", "records expired"], `${id} on shard ${shard} expired: the stream's retention period (${dur(st.ctx.retentionMs)}) ended before the mapping processed it, so it is lost: no destination gets an invocation record for it.`, {
      amount: { n: 1, noun: ["record", "records"] },
    }),
  ];
  return [...out, ...settle(st, shard, ev.t, (x) => x === id, "its failing records expired from the stream")];
};

const throttle: MomentRule = (ev, st) => {
  const shard = str(ev.shard);
  const ids = strs(ev.recordIds);
  const why =
    ev.reason === "scaling-rate"
      ? "the function cannot add execution environments that fast"
      : st.ctx.reservedConcurrency !== null
        ? `the function's reserved concurrency (${st.ctx.reservedConcurrency}) is in use`
        : `the account's concurrency (${num(ev.limit)}) is in use`;
  return [
    m(st, ev.t, "stream:throttle", "streamThrottle", ["throttled invoke", "throttled invokes"], `Shard ${shard}'s batch of ${plural(ids.length, "record")} is throttled: ${why}. The batch never reached the function, so the mapping retries it later without using one of MaximumRetryAttempts; the shard waits meanwhile.`, {
      amount: { n: 1, noun: ["throttle", "throttles"] },
    }),
  ];
};

const produce: MomentRule = (ev, st) => {
  const out: Moment[] = [];
  if (ev.writtenBack === true) {
    const what = st.ctx.sourceType === "dynamodb" ? "updated the item it was processing, a MODIFY record" : "put a record with the same partition key";
    out.push(
      m(st, ev.t, "stream:write-back", "selfWrite", ["record written back by the function", "records written back by the function"], `The function wrote back to its own stream: it ${what} (${str(ev.recordId)}, key ${str(ev.key)}) that lands on the same shard ${str(ev.shard)} and will invoke the function again. Each processed record makes another, so the loop does not end by itself, and Lambda's recursive loop detection does not watch streams. The fix is to make the handler ignore its own writes: a FilterCriteria on a field only they carry, or a conditional write that changes nothing the second time.`),
    );
  }
  const n = num(ev.throttledWrites);
  if (n <= 0) return out;
  const late = num(ev.arrivalMs) - ev.t;
  return [
    ...out,
    m(st, ev.t, "stream:producer-throttle", "producerThrottle", ["record written late", "records written late"], `The producer's write of ${str(ev.recordId)} (partition key ${str(ev.key)}) to shard ${str(ev.shard)} was throttled ${times(n)} (ProvisionedThroughputExceededException: a shard accepts at most 1,000 records or 1 MB a second of writes); the producer retried and the record reached the stream ${dur(late)} after it was sent. The mapping can only read what is in the stream, so this delay is the producer's, not Lambda's.`, {
      amount: { n, noun: ["throttled write", "throttled writes"] },
    }),
  ];
};

const filter: MomentRule = (ev, st) => {
  const ids = ev.recordIds !== undefined ? strs(ev.recordIds) : [str(ev.recordId)];
  const onQueue = ev.queue !== undefined;
  return [
    m(st, ev.t, "filter", "filtering", ["record filtered out", "records filtered out"], `${idList(ids)} matched none of the FilterCriteria: ${onQueue ? "Lambda deletes the message from the queue" : "the iterator moves past it (it stays in the stream until retention)"} and the function never sees it.`, {
      amount: { n: ids.length, noun: ["record", "records"] },
    }),
  ];
};

export const STREAM_MOMENTS: Readonly<Record<string, MomentRule>> = { produce, invoke, result, retry, bisect, checkpoint, onFailure, expire, throttle };
/** Rules for event types every source shares. */
export const COMMON_MOMENTS: Readonly<Record<string, MomentRule>> = { filter };

/** Whether an event belongs to a stream source (it names a shard, or its invocation did). */
export function isStreamEvent(ev: { type: string } & Record<string, unknown>, st: NarrationState): boolean {
  if (ev.shard !== undefined) return true;
  if (ev.type === "bisect" || ev.type === "checkpoint" || ev.type === "onFailure") return true;
  if (ev.type === "result") return (st.open.get(num(ev.invocation))?.shard ?? null) !== null;
  return false;
}
