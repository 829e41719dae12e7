/**
 * Moment rules for Kinesis and DynamoDB streams, read from the typed trace (trace/events.ts): invoke, result,
 * streamRetry, bisect, checkpoint, onFailure, expire, throttle, readThrottle, filter, and produce (explain passes
 * only throttled writes and records the function wrote back to its own stream, unless every step is wanted).
 * A read throttle (ReadProvisionedThroughputExceeded) says the shard's read limit, not the function, is the
 * bottleneck: its figures, the mapping's share with other standard consumers, and enhanced fan-out as the fix; a
 * mapping reading through enhanced fan-out is told once that its records are pushed over a dedicated 2 MB/s.
 * A lane (a shard, or one of its ParallelizationFactor lanes) is "blocked" from its first failed invocation until
 * every record of the failed batch is done: succeeded (a later invocation, a bisected half), given up on
 * (onFailure), expired, or passed by the checkpoint. The unblocking moment says for how long and how many retries.
 * AWS pages: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (DynamoDB runs name the DynamoDB pages),
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html (a shard's read limits),
 * https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html (enhanced fan-out).
 */
import { usToMs } from "../engine/time.js";
import { isS3Destination } from "../metrics/stream-metrics.js";
import { arrivalUsOf, sequenceNumberOf, throttledWritesOf, type StreamRecord } from "../sources/stream-record.js";
import type {
  BisectEvent,
  CheckpointEvent,
  ExpireEvent,
  InvokeEvent,
  OnFailureEvent,
  ProduceEvent,
  ReadThrottleEvent,
  ResultEvent,
  SimRecord,
  StreamRetryEvent,
  ThrottleEvent,
} from "../trace/events.js";
import { coldStart, dur, durUs, filter, plural, times, type BlockedLane, type Moment, type MomentRule, type MomentRules, type NarrationState } from "./moments.js";
import type { RuleId } from "./rules.js";

const DDB_RULE: Partial<Record<RuleId, RuleId>> = {
  shardIterator: "ddbShardIterator",
  streamRetry: "ddbStreamRetry",
  bisect: "ddbBisect",
  onFailure: "ddbOnFailure",
  tumblingWindow: "ddbTumblingWindow",
};

/** A moment; DynamoDB runs name the DynamoDB page of the same rule. */
function say(st: NarrationState, mo: Moment): Moment {
  if (mo.rule !== null && st.scenario.source.type === "dynamodb") mo.rule = DDB_RULE[mo.rule] ?? mo.rule;
  return mo;
}

/** The shard index of a stream event (the stream mapping names it on every event). */
function shardOf(ev: { type: string; shard?: number }): number {
  if (ev.shard === undefined) throw new Error(`explain: a stream ${ev.type} event without a shard`);
  return ev.shard;
}

const laneKey = (shard: number, lane: number) => `${shard}#${lane}`;

/** "shard X", or "shard X (lane 2)" when the mapping runs several lanes per shard. */
function where(st: NarrationState, shard: number, lane: number): string {
  const name = st.names.shard(shard);
  return st.scenario.mapping.parallelizationFactor > 1 ? `shard ${name} (lane ${lane})` : `shard ${name}`;
}

const capitalized = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

function stopsRetrying(st: NarrationState): string {
  const limit = st.scenario.mapping.retryAttemptsMax;
  const ageUs = st.scenario.mapping.recordAgeMaxUs;
  const parts = ["it succeeds"];
  if (Number.isFinite(limit)) parts.push(`MaximumRetryAttempts (${limit}) is used up`);
  if (Number.isFinite(ageUs)) parts.push(`its records are older than MaximumRecordAgeInSeconds (${durUs(ageUs)})`);
  parts.push(`its records expire from the stream after the ${durUs(st.scenario.source.retentionUs)} retention period`);
  const list = `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
  const defaults = !Number.isFinite(limit) && !Number.isFinite(ageUs) ? " (MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1, so they set no limit)" : "";
  return `until ${list}${defaults}`;
}

function unblock(st: NarrationState, b: BlockedLane, tMs: number, how: string): Moment {
  st.blocked.delete(laneKey(b.shard, b.lane));
  st.unblockedAt.set(b.shard, { atMs: tMs, spanMs: tMs - b.sinceMs });
  const span = dur(tMs - b.sinceMs);
  const age = b.maxAgeMs > 0 ? `; its IteratorAge reached ${dur(b.maxAgeMs)}` : "";
  const text = `${capitalized(where(st, b.shard, b.lane))} moves on after being blocked for ${span} (${plural(b.retries + 1, "failed invocation")} from invocation ${b.invocation} on${age}): ${how}.`;
  return say(st, { tMs, fold: "stream:unblock", rule: "streamRetry", noun: ["shard unblocked", "shards unblocked"], text, tail: `the last after ${span}` });
}

/** Records of a shard's blocked lanes are done: drop them, and tell the lanes that are now free. */
function settle(st: NarrationState, shard: number, tMs: number, done: (n: number) => boolean, how: string): Moment[] {
  const out: Moment[] = [];
  for (const b of [...st.blocked.values()]) {
    if (b.shard !== shard) continue;
    for (const n of [...b.pending]) if (done(n)) b.pending.delete(n);
    if (b.pending.size === 0) out.push(unblock(st, b, tMs, how));
  }
  return out;
}

/** Invokes that retry a batch (or part of one) and so do not move a blocked lane on. */
const RETRY_CLOSES: ReadonlySet<InvokeEvent["closedBy"]> = new Set(["retry", "bisect", "rewind", "window-end"]);

function disabledMoments(st: NarrationState, t: number): Moment[] {
  const out: Moment[] = [];
  const ps = st.scenario.mapping.disabledPeriods;
  while (st.disabledTold < ps.length && usToMs(ps[st.disabledTold].toUs) <= t) {
    const p = ps[st.disabledTold++];
    const text = `The mapping was disabled from ${durUs(p.fromUs)} to ${durUs(p.toUs)} into the run: Lambda stopped polling but kept each shard's checkpoint, and on re-enabling resumes every shard from it. The records that arrived meanwhile were still in the stream: records are not removed when read, only when retention ends.`;
    out.push(say(st, { tMs: t, fold: `stream:resumed:${st.disabledTold}`, rule: "shardIterator", noun: ["resume", "resumes"], text }));
  }
  return out;
}

/** Where the mapping starts reading, told at its first invocation. */
function startingPosition(st: NarrationState, t: number): Moment {
  const { startingPosition, startingPositionUs, startAtUs } = st.scenario.mapping;
  const at = startAtUs > 0 ? ` The mapping was created at ${durUs(startAtUs)} into the run.` : "";
  const when = startingPositionUs >= 0 ? `${durUs(startingPositionUs)} into the run` : `${durUs(-startingPositionUs)} before the run began`;
  const pos =
    startingPosition === "LATEST"
      ? "StartingPosition LATEST: it reads only records that arrive after it starts; older ones stay in the stream, unread by it, until retention removes them."
      : startingPosition === "AT_TIMESTAMP"
        ? `StartingPosition AT_TIMESTAMP: it starts at the first record that arrived at or after the timestamp (${when}); earlier records are skipped.`
        : "StartingPosition TRIM_HORIZON: it starts at the oldest record still in the stream, so nothing already retained is missed.";
  return say(st, { tMs: t, fold: "stream:start", rule: "startingPosition", noun: ["start", "starts"], text: `${pos}${at}` });
}

/** Whether the mapping reads through enhanced fan-out (records pushed, not polled). */
const pushed = (st: NarrationState) => st.scenario.source.type === "kinesis" && st.scenario.mapping.enhancedFanOut;

/** Bytes a second as the narration writes them: "2 MB", "1 MB", "0.67 MB". */
function mbPerS(bytesPerS: number): string {
  const mb = bytesPerS / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(2).replace(/0$/, "")} MB`;
}

/** Said once, at the first batch, when the mapping reads through an enhanced fan-out consumer. */
function enhancedFanOut(st: NarrationState, t: number): Moment {
  const f = st.scenario.figures;
  const others = st.scenario.source.type === "kinesis" ? st.scenario.source.otherConsumers : 0;
  const readers = others === 1 ? "The stream's other standard consumer keeps" : `The stream's ${others} other standard consumers share`;
  const share = others > 0 ? ` ${readers} the shard's ${plural(f.kinesisReadCallsPerS, "GetRecords call")} and ${mbPerS(f.kinesisReadBytesPerS)} a second, and ${others === 1 ? "does" : "do"} not slow this mapping.` : "";
  const text = `The mapping reads through an enhanced fan-out consumer: Kinesis pushes each shard's records to it over a dedicated ${mbPerS(f.kinesisReadBytesPerS)} a second per shard that other consumers do not share, so it makes no GetRecords calls and is never read-throttled (esm-sim pushes a record ${dur(f.efoPushLatencyMs)} after it arrives, a typical delay AWS gives; figure efoPushLatencyMs).${share} A backlog still drains at ${mbPerS(f.kinesisReadBytesPerS)} a second per shard at most: for more, add shards.`;
  return { tMs: t, fold: "stream:efo", rule: "enhancedFanOut", noun: ["pushed shard", "pushed shards"], text };
}

/** The first batch of the run, of a shard and of a parallel lane. */
function firsts(ev: InvokeEvent, st: NarrationState, t: number, shard: number, lane: number): Moment[] {
  const out: Moment[] = [];
  if (st.shardsStarted.size === 0) {
    out.push(startingPosition(st, t));
    if (pushed(st)) out.push(enhancedFanOut(st, t));
  }
  if (!st.shardsStarted.has(shard)) {
    st.shardsStarted.add(shard);
    const poll = st.scenario.source.type === "dynamodb" ? "it polls it four times a second when caught up" : pushed(st) ? "its records are pushed to it as they arrive" : "it polls it once a second when caught up";
    const text = `Shard ${st.names.shard(shard)}: first batch (${plural(ev.records.length, "record")}, ${st.recordList(ev.records, 2)}). The mapping reads each shard with its own iterator (${poll}) and sends its batches one at a time, in sequence order, synchronously.`;
    out.push(say(st, { tMs: t, fold: "stream:shard-first", rule: "shardIterator", noun: ["shard started", "shards started"], text }));
  }
  const lk = laneKey(shard, lane);
  if (lane > 0 && !st.lanesStarted.has(lk)) {
    st.lanesStarted.add(lk);
    const pf = st.scenario.mapping.parallelizationFactor;
    const text = `Shard ${st.names.shard(shard)} runs another batch at the same time, on lane ${lane}: ParallelizationFactor ${pf} lets up to ${pf} batches of one shard run at once. Records with the same partition key always go to the same lane, so each key stays in order, and the shard's concurrency is capped by its distinct keys (lower when two keys share a lane: esm-sim gives a key the lane of its hash modulo ${pf}, a choice, as AWS names no rule).`;
    out.push(say(st, { tMs: t, fold: "stream:lane", rule: "parallelization", noun: ["parallel lane started", "parallel lanes started"], text }));
  }
  return out;
}

/** Why the records of a shard wait `ageMs` in the stream. */
function whyOld(st: NarrationState, t: number, shard: number, ageMs: number): string {
  const failing = [...st.blocked.values()].find((x) => x.shard === shard);
  const after = st.unblockedAt.get(shard);
  const resumed = st.scenario.mapping.disabledPeriods.find((p) => usToMs(p.toUs) <= t && t - usToMs(p.toUs) <= ageMs);
  if (resumed) return `the mapping was disabled from ${durUs(resumed.fromUs)} to ${durUs(resumed.toUs)}, and the records that arrived meanwhile, still in the stream, are read only now`;
  if (failing) return `${where(st, failing.shard, failing.lane)} is held by a failing batch, so the records behind it wait in the stream`;
  if (after && after.spanMs * 2 >= ageMs) return `the records that queued up behind the failing batch during the ${dur(after.spanMs)} the shard was blocked are only now being read`;
  const throttles = st.readThrottles.get(shard) ?? 0;
  if (throttles > 0) return `the shard's read limit holds the mapping to its share of the shard's reads (${plural(throttles, "read throttle")} so far), so records wait in the stream however fast the function is`;
  const { startAtUs, startingPosition } = st.scenario.mapping;
  if (startAtUs > 0 && t - ageMs < usToMs(startAtUs)) return `the mapping was created ${durUs(startAtUs)} into the run with StartingPosition ${startingPosition} and starts with the records already waiting in the stream`;
  return "records arrive faster than this shard's batches are processed, one at a time (raise BatchSize or ParallelizationFactor, add shards, or make the function faster)";
}

/** IteratorAge, told each time it doubles while no lane is blocked (a blocked lane tells it with its retries). */
function iteratorAge(ev: InvokeEvent, st: NarrationState, t: number, shard: number, lane: number): Moment[] {
  const ageMs = ev.iteratorAgeUs === undefined ? -1 : usToMs(ev.iteratorAgeUs);
  const blocked = st.blocked.get(laneKey(shard, lane));
  if (blocked && ageMs > blocked.maxAgeMs) blocked.maxAgeMs = ageMs;
  if (ageMs < st.nextIteratorAgeMs || blocked) return [];
  st.nextIteratorAgeMs = ageMs * 2;
  const text = `IteratorAge reaches ${dur(ageMs)} on ${where(st, shard, lane)}: the batch sent now (invocation ${ev.invocation}) ends with a record that arrived ${dur(ageMs)} ago, because ${whyOld(st, t, shard, ageMs)}.`;
  return [say(st, { tMs: t, fold: "stream:iteratorAge", rule: "iteratorAge", noun: ["IteratorAge step", "IteratorAge steps"], text, tail: `IteratorAge now ${dur(ageMs)}` })];
}

/** A batch of a tumbling window, or the window's final invocation. */
function tumblingWindow(ev: InvokeEvent, st: NarrationState, t: number, at: string): Moment[] {
  const w = ev.window;
  if (w === undefined) return [];
  const clock = (us: number) => (usToMs(us) === 0 ? "0s" : dur(usToMs(us)));
  const span = `${clock(w.startUs)}..${clock(w.endUs)}`;
  const state = plural(w.stateRecords, "record");
  if (w.isFinalInvokeForWindow && ev.attempt > 1) {
    // The same window's final invocation sent again after it failed: not another window closing.
    const text = `The final invocation of the tumbling window ${span} of ${at} failed and is sent again (invocation ${ev.invocation}, attempt ${ev.attempt}), carrying the same state of ${state}, as any failed batch is retried.`;
    return [say(st, { tMs: t, fold: "stream:window-final-retry", rule: "tumblingWindow", noun: ["final invocation sent again", "final invocations sent again"], text })];
  }
  if (w.isFinalInvokeForWindow) {
    const text = `The tumbling window ${span} of ${at} has ended: the mapping makes one final invocation (${ev.invocation}) with no records and isFinalInvokeForWindow true, carrying the state of ${state}; this is where the function acts on the aggregate. The next window starts with a fresh state.`;
    return [say(st, { tMs: t, fold: "stream:window-final", rule: "tumblingWindow", noun: ["window closed", "windows closed"], text })];
  }
  const text = `Invocation ${ev.invocation} on ${at} belongs to the tumbling window ${span} (TumblingWindowInSeconds ${durUs(st.scenario.mapping.tumblingWindowUs)}; records fall in windows by arrival time, and a batch never spans two): the function receives the state returned by the window's earlier invocations (${state} so far) and returns the new one.`;
  return [say(st, { tMs: t, fold: "stream:window", rule: "tumblingWindow", noun: ["window batch", "window batches"], text, silent: true })];
}

const invoke: MomentRule<InvokeEvent> = (ev, st, t) => {
  const shard = shardOf(ev);
  const lane = ev.lane ?? 0;
  st.invokes++;
  st.open.set(ev.invocation, { records: ev.records.slice(), shard, lane });
  const out = disabledMoments(st, t);
  out.push(...firsts(ev, st, t, shard, lane));
  out.push(...coldStart(ev, t));
  const b = st.blocked.get(laneKey(shard, lane));
  if (b && !RETRY_CLOSES.has(ev.closedBy)) out.push(unblock(st, b, t, `invocation ${ev.invocation} takes new records`));
  out.push(...iteratorAge(ev, st, t, shard, lane));
  out.push(...tumblingWindow(ev, st, t, where(st, shard, lane)));
  return out;
};

/** The batch an invocation sent, and where. */
interface LaneBatch {
  shard: number;
  lane: number;
  records: readonly SimRecord[];
}

/** A failed invocation blocks its lane; later failures of the same batch are counted as its retries. */
function blockedBy(ev: ResultEvent, st: NarrationState, t: number, batch: LaneBatch): Moment[] {
  const lk = laneKey(batch.shard, batch.lane);
  const b = st.blocked.get(lk);
  if (b) {
    b.retries++;
    return [];
  }
  const failed = ev.failed.length ? ev.failed : batch.records;
  st.blocked.set(lk, { shard: batch.shard, lane: batch.lane, sinceMs: t, invocation: ev.invocation, retries: 0, pending: new Set(failed.map((r) => r.n)), maxAgeMs: 0 });
  const how =
    ev.outcome === "timeout"
      ? `timed out (function Timeout ${durUs(st.scenario.fn.timeoutUs)})`
      : ev.invalidResponse === true
        ? "returned a batchItemFailures entry naming a record not in the batch, which fails the whole batch,"
        : "failed";
  const bisect = st.scenario.mapping.bisectOnError ? " With BisectBatchOnFunctionError it first splits the batch to find the bad record." : "";
  const what = st.scenario.mapping.parallelizationFactor > 1 ? "lane" : "shard";
  const text = `Invocation ${ev.invocation} ${how} on ${where(st, batch.shard, batch.lane)}: the ${what} is blocked. The mapping retries the whole batch (${plural(failed.length, "record")}) ${stopsRetrying(st)}; nothing behind it is processed meanwhile, so records stay in order.${bisect}`;
  return [say(st, { tMs: t, fold: "stream:blocked", rule: "streamRetry", noun: ["shard blocked", "shards blocked"], text })];
}

/** A partial batch response: the checkpoint moves to the lowest failed sequence number and the rest is read again. */
function partialResponse(ev: ResultEvent, st: NarrationState, t: number, batch: LaneBatch): Moment[] {
  const records = batch.records;
  let low = Infinity;
  for (const r of ev.failed) low = Math.min(low, r.n);
  const done = new Set(records.filter((r) => r.n < low).map((r) => r.n));
  const before = done.size;
  const after = records.length - before;
  const failed = new Set(ev.failed.map((r) => r.n));
  const again = records.filter((r) => r.n > low && !failed.has(r.n)).length;
  const lowest = ev.failed.find((r) => r.n === low) ?? ev.failed[0];
  const lowId = lowest === undefined ? "" : st.names.record(lowest);
  const text = `Invocation ${ev.invocation} on ${where(st, batch.shard, batch.lane)} reported ${st.recordList(ev.failed)} as failed (ReportBatchItemFailures). The checkpoint moves to the lowest failed sequence number, ${lowId}: ${before === 1 ? "the record before it is" : `the ${plural(before, "record")} before it are`} done, and the mapping invokes the ${plural(after, "record")} from it again, so ${plural(again, "record")} that succeeded after it ${again === 1 ? "is" : "are"} processed a second time.`;
  const out = [
    say(st, { tMs: t, fold: "stream:partial", rule: "checkpoint", noun: ["partial batch response", "partial batch responses"], text, amount: { n: again, noun: ["record processed again", "records processed again"] } }),
  ];
  out.push(...settle(st, batch.shard, t, (n) => done.has(n), `invocation ${ev.invocation} got past the failed records`));
  return out;
}

const result: MomentRule<ResultEvent> = (ev, st, t) => {
  const open = st.open.get(ev.invocation);
  st.open.delete(ev.invocation);
  const batch: LaneBatch = { shard: open?.shard ?? shardOf(ev), lane: open?.lane ?? 0, records: open?.records ?? [] };
  const out: Moment[] = [];
  if (ev.redundant > 0) {
    const text = `Invocation ${ev.invocation} on ${where(st, batch.shard, batch.lane)} processed ${plural(ev.redundant, "record")} that had already been processed successfully: after a checkpoint rewind (a partial response, a split batch or a restart) every record after the checkpoint is read again. Stream mappings deliver at least once; the function must be idempotent.`;
    out.push(say(st, { tMs: t, fold: "stream:duplicate", rule: "streamAtLeastOnce", noun: ["redelivery of processed records", "redeliveries of processed records"], text, amount: { n: ev.redundant, noun: ["record", "records"] } }));
  }
  if (ev.outcome === "error" || ev.outcome === "timeout") return [...out, ...blockedBy(ev, st, t, batch)];
  if (ev.outcome === "partial") return [...out, ...partialResponse(ev, st, t, batch)];
  if (ev.ignoredPartial > 0 && ev.unreadResponse === true) {
    const text = `Invocation ${ev.invocation} reported ${plural(ev.ignoredPartial, "record")} as failed, but not in a batchItemFailures list at the top level of its response (inside a {statusCode, body} wrapper, or under a key spelt otherwise): Lambda finds no list, treats the batch as a success and checkpoints past it, so the reported records are never retried.`;
    out.push(say(st, { tMs: t, fold: "stream:unread", rule: "unreadPartialResponse", noun: ["unread partial response", "unread partial responses"], text }));
  } else if (ev.ignoredPartial > 0) {
    const text = `Invocation ${ev.invocation} returned batchItemFailures for ${plural(ev.ignoredPartial, "record")}, but the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures]: Lambda ignores the response, treats the batch as a success and checkpoints past it, so the reported records are never retried.`;
    out.push(say(st, { tMs: t, fold: "stream:ignored", rule: "checkpoint", noun: ["ignored partial response", "ignored partial responses"], text }));
  }
  const done = new Set(batch.records.map((r) => r.n));
  out.push(...settle(st, batch.shard, t, (n) => done.has(n), `invocation ${ev.invocation} succeeded`));
  return out;
};


const retry: MomentRule<StreamRetryEvent> = (ev, st, t) => {
  if (ev.reason === "Throttled") return [];
  if (ev.reason === "PartialBatchFailure" && !ev.countsAsRetry) return [];
  const at = where(st, ev.shard, ev.lane);
  const delay = dur(usToMs(ev.delayUs));
  const b = st.blocked.get(laneKey(ev.shard, ev.lane));
  const since = b && t > b.sinceMs ? `, blocked for ${dur(t - b.sinceMs)} so far` : "";
  const age = b && b.maxAgeMs > 0 ? `, IteratorAge now ${dur(b.maxAgeMs)}` : "";
  const limit = st.scenario.mapping.retryAttemptsMax;
  const of = Number.isFinite(limit) ? ` of MaximumRetryAttempts ${limit}` : ", MaximumRetryAttempts -1: no limit";
  const count = ev.countsAsRetry && ev.attempt > 1 ? ` (retry ${ev.attempt - 1}${of})` : "";
  const first = ev.reason === "PartialBatchFailure" ? "The first record of the batch was reported failed, so the checkpoint cannot move: " : "";
  const text = `${first}${capitalized(at)} invokes the same batch of ${plural(ev.records.length, "record")} again in ${delay}, as invocation attempt ${ev.attempt}${count}${since}. Retries keep the shard paused. (AWS gives no retry interval; esm-sim backs off from ${durUs(st.scenario.mapping.retryBackoffInitialUs)}, doubling to at most ${durUs(st.scenario.mapping.retryBackoffMaxUs)}.)`;
  return [say(st, { tMs: t, fold: `stream:retry:${st.names.shard(ev.shard)}`, rule: "streamRetry", noun: ["identical retry", "identical retries"], text, tail: `${at}, last retried after ${delay}${age}` })];
};

const bisect: MomentRule<BisectEvent> = (ev, st, t) => {
  const text = `BisectBatchOnFunctionError: ${where(st, ev.shard, ev.lane)}'s failed batch of ${plural(ev.records.length, "record")} is split into halves of ${ev.left.length} (${st.recordList(ev.left, 1)}) and ${ev.right.length} (${st.recordList(ev.right, 1)}). The left half is invoked at once, the right one after it; splitting uses no retry attempt, and the half without the bad record succeeds on its own.`;
  return [say(st, { tMs: t, fold: "stream:bisect", rule: "bisect", noun: ["bisection", "bisections"], text })];
};

const checkpoint: MomentRule<CheckpointEvent> = (ev, st, t) => {
  const upTo = ev.record.n;
  const text = `Shard ${st.names.shard(ev.shard)}: the checkpoint moves to ${st.names.record(ev.record)}: every record up to it is done. After a restart, a re-enable or a failure the shard is read again from the record after it.`;
  const out = [say(st, { tMs: t, fold: "stream:checkpoint", rule: "shardIterator", noun: ["checkpoint move", "checkpoint moves"], text, silent: true })];
  out.push(...settle(st, ev.shard, t, (n) => n <= upTo, "the checkpoint moved past the failed batch"));
  return out;
};

/** Why the mapping gave up on a batch, as its on-failure condition says. */
function givenUpBecause(ev: OnFailureEvent, st: NarrationState): string {
  const { retryAttemptsMax: limit, recordAgeMaxUs } = st.scenario.mapping;
  const count = ev.approximateInvokeCount;
  if (ev.condition === "RecordAgeExceeded") {
    return `before invocation attempt ${count}, the records were older than MaximumRecordAgeInSeconds (${Number.isFinite(recordAgeMaxUs) ? durUs(recordAgeMaxUs) : "-1"}), so the mapping discards them instead of retrying them any longer`;
  }
  const fe = ev.functionError === "Unhandled" ? "functionError Unhandled: the function threw" : "functionError null: the function returned a response that failed the batch";
  return `the batch was invoked ${count ? times(count) : "every time"} (approximateInvokeCount ${count}: the first attempt and ${Number.isFinite(limit) ? limit : "its"} retries) and MaximumRetryAttempts (${Number.isFinite(limit) ? limit : "-1"}) is used up (${fe})`;
}

/** Where a discarded batch goes: its metadata to the destination (with the records, for S3), or nowhere. */
function discardedTo(ev: OnFailureEvent): string {
  const dest = ev.destinationArn;
  if (dest === null) {
    return "drops them. No destination is configured: the records are gone, and nothing records which ones were skipped";
  }
  if (!ev.delivered) {
    return `tries to send one invocation record to ${dest}, but Lambda cannot deliver to a FIFO queue or topic, so the delivery fails (DestinationDeliveryFailures) and the records are dropped: they are gone, and nothing records which ones were skipped`;
  }
  if (isS3Destination(dest)) {
    return `writes one invocation record to ${dest}: an object holding the metadata (shard, first and last sequence number, batch size) and, in its payload, the batch as the function received it`;
  }
  return `writes one invocation record to ${dest}: metadata only (shard, first and last sequence number, batch size), not the records, so read them from the stream before retention removes them`;
}

const onFailure: MomentRule<OnFailureEvent> = (ev, st, t) => {
  const text = `The mapping gives up on ${plural(ev.records.length, "record")} of shard ${st.names.shard(ev.shard)} (${st.recordList(ev.records, 2)}), condition ${ev.condition}: ${givenUpBecause(ev, st)}. It ${discardedTo(ev)}. The shard moves on.`;
  const rule = ev.condition === "RecordAgeExceeded" ? "recordAge" : "onFailure";
  const out = [say(st, { tMs: t, fold: `stream:onFailure:${ev.condition}`, rule, noun: ["batch given up", "batches given up"], text, amount: { n: ev.records.length, noun: ["record", "records"] } })];
  const gone = new Set(ev.records.map((r) => r.n));
  out.push(...settle(st, ev.shard, t, (n) => gone.has(n), `the mapping gave up on the failing records (${ev.condition})`));
  return out;
};

const expire: MomentRule<ExpireEvent> = (ev, st, t) => {
  const shard = shardOf(ev);
  const gone = ev.record.n;
  const text = `${st.names.record(ev.record)} on shard ${st.names.shard(shard)} expired: the stream's retention period (${durUs(st.scenario.source.retentionUs)}) ended before the mapping processed it, so it is lost: no destination gets an invocation record for it.`;
  const out = [say(st, { tMs: t, fold: "stream:expire", rule: "streamRetention", noun: ["record expired", "records expired"], text })];
  out.push(...settle(st, shard, t, (n) => n === gone, "its failing records expired from the stream"));
  return out;
};

const throttle: MomentRule<ThrottleEvent> = (ev, st, t) => {
  const reserved = st.scenario.fn.reservedConcurrency;
  const why =
    ev.reason === "scaling-rate"
      ? "the function cannot add execution environments that fast"
      : reserved !== null
        ? `the function's reserved concurrency (${reserved}) is in use`
        : `the account's concurrency (${ev.limit}) is in use`;
  const text = `Shard ${st.names.shard(shardOf(ev))}'s batch of ${plural(ev.records.length, "record")} is throttled: ${why}. The batch never reached the function, so the mapping retries it later without using one of MaximumRetryAttempts; the shard waits meanwhile.`;
  return [say(st, { tMs: t, fold: "stream:throttle", rule: "streamThrottle", noun: ["throttled invoke", "throttled invokes"], text })];
};

/** A GetRecords call refused by the shard's read limit: the limit, the mapping's share of it, and the fix. */
const readThrottle: MomentRule<ReadThrottleEvent> = (ev, st, t) => {
  const shard = shardOf(ev);
  const n = (st.readThrottles.get(shard) ?? 0) + 1;
  st.readThrottles.set(shard, n);
  const f = st.scenario.figures;
  const others = st.scenario.source.type === "kinesis" ? st.scenario.source.otherConsumers : 0;
  const calls = f.kinesisReadCallsPerS / (1 + others);
  const callsText = Number.isInteger(calls) ? String(calls) : calls.toFixed(2).replace(/0$/, "");
  const share =
    others > 0
      ? `The stream has ${plural(others, "other standard consumer")} besides this mapping, so its share is 1 / ${1 + others}: ${callsText} calls and ${mbPerS(f.kinesisReadBytesPerS / (1 + others))} a second.`
      : "This mapping is the shard's only standard consumer, so all of it is the mapping's; each other reader of the stream would take an equal share.";
  const text = `Shard ${st.names.shard(shard)}'s read limit is the bottleneck: a GetRecords call is refused with ReadProvisionedThroughputExceeded. A shard serves ${plural(f.kinesisReadCallsPerS, "GetRecords call")} and ${mbPerS(f.kinesisReadBytesPerS)} of reads a second, shared by every standard consumer of the stream. ${share} One call may return up to ${plural(f.kinesisCallRecordsMax, "record")} or ${mbPerS(f.kinesisCallBytesMax)}, and the calls after it are refused until the share has paid for it, so records wait in the stream however fast the function is. The mapping waits ${dur(usToMs(ev.delayUs))} and calls again (AWS names no wait; esm-sim's figure readThrottleBackoffMs). The fix is enhanced fan-out (register a stream consumer and use its ARN as the EventSourceArn): the mapping then gets a dedicated ${mbPerS(f.kinesisReadBytesPerS)} a second per shard, pushed, that other consumers do not share. More shards raise the limit too.`;
  return [say(st, { tMs: t, fold: "stream:readThrottle", rule: "shardReadLimit", noun: ["read throttle", "read throttles"], text, tail: `shard ${st.names.shard(shard)}, ${plural(n, "read throttle")} in all` })];
};

/** A record the function wrote back to its own stream. */
function writtenBack(ev: ProduceEvent, st: NarrationState, t: number): Moment {
  const r = ev.record;
  const what = st.scenario.source.type === "dynamodb" ? "updated the item it was processing, a MODIFY record" : "put a record with the same partition key";
  const text = `The function wrote back to its own stream: it ${what} (${st.names.record(r)}, key ${st.names.key(r.keyIndex)}) that lands on the same shard ${st.names.shard(shardOf(ev))} and will invoke the function again. Each processed record makes another, so the loop does not end by itself, and Lambda's recursive loop detection does not watch streams. The fix is to make the handler ignore its own writes: a FilterCriteria on a field only they carry, or a conditional write that changes nothing the second time.`;
  return say(st, { tMs: t, fold: "stream:write-back", rule: "selfWrite", noun: ["record written back by the function", "records written back by the function"], text });
}

/** A Kinesis producer wrote a record again: a second record with the same data, which the function will process too. */
function producerRetry(ev: ProduceEvent, st: NarrationState, t: number, of: number): Moment {
  const r = ev.record;
  const text = `The producer wrote the data of ${sequenceNumberOf(of)} again, as ${st.names.record(r)} (partition key ${st.names.key(r.keyIndex)}): a retry after its first write went through without the producer learning it. Kinesis keeps both, under two sequence numbers, so the function will process the same data twice with no error anywhere. The function must be idempotent, for example by keeping an ID carried in the data.`;
  return say(st, { tMs: t, fold: "stream:producer-retry", rule: "producerRetryRecord", noun: ["producer retry", "producer retries"], text });
}

const produce: MomentRule<ProduceEvent> = (ev, st, t) => {
  const out: Moment[] = [];
  const r = ev.record as StreamRecord;
  if (st.names.writtenBack(r)) out.push(writtenBack(ev, st, t));
  const of = st.names.resendOf(r);
  if (of !== undefined) out.push(producerRetry(ev, st, t, of));
  const n = throttledWritesOf(r);
  if (n <= 0) return out;
  const late = usToMs(arrivalUsOf(r)) - t;
  const text = `The producer's write of ${st.names.record(r)} (partition key ${st.names.key(r.keyIndex)}) to shard ${st.names.shard(shardOf(ev))} was throttled ${times(n)} (ProvisionedThroughputExceededException: a shard accepts at most 1,000 records or 1 MB a second of writes); the producer retried and the record reached the stream ${dur(late)} after it was sent. The mapping can only read what is in the stream, so this delay is the producer's, not Lambda's.`;
  out.push(say(st, { tMs: t, fold: "stream:producer-throttle", rule: "producerThrottle", noun: ["record written late", "records written late"], text, amount: { n, noun: ["throttled write", "throttled writes"] } }));
  return out;
};

export const STREAM_MOMENTS = { produce, invoke, result, streamRetry: retry, bisect, checkpoint, onFailure, expire, throttle, readThrottle, filter } satisfies MomentRules;
