/**
 * One trace event as one JSON line, with the fields docs/reports.md lists: `t` (ms) and `type` first; record ids as stable
 * strings (SQS message ids `msg-000042`, stream sequence numbers `000000000000000000042`); `invocation`, `attempt`,
 * `concurrency`, `outcome`, `failedIds`; streams add `shard` (the shard id) to invoke and the other stream events.
 */
import { usToMs } from "../engine/time.js";
import { messageId } from "../sources/sqs-message-queue.js";
import { arrivalUsOf, eventNameOf, producerOf, sequenceNumber, sequenceNumberOf, throttledWritesOf, type StreamRecord } from "../sources/stream-record.js";
import type { TraceContext } from "../run/options.js";
import type { SimRecord, TraceEvent } from "../trace/events.js";

export { messageId };

const ids = (rs: readonly SimRecord[]) => rs.map((r) => messageId(r.n));

/** One trace event as one JSON line: JSON.stringify(traceObject(e, ctx)), the same bytes. */
export function traceLine(e: TraceEvent, ctx: TraceContext): string {
  if (e.type === "produce") return produceLine(e, ctx);
  return JSON.stringify(traceObject(e, ctx));
}

/**
 * A produce event's line, written directly: a trace has one per record, and building the object for JSON.stringify
 * took most of a traced run's time. The fields, their order and what is left out are traceObject's: a test compares
 * the two on every kind of record.
 */
function produceLine(e: Extract<TraceEvent, { type: "produce" }>, ctx: TraceContext): string {
  const q = quotedNames(ctx);
  const r = e.record;
  const key = q.key(r.keyIndex);
  const keyField = key === undefined ? "" : `,"key":${key}`;
  const stream = ctx.stream;
  if (!stream) {
    const resend = r.logicalN !== undefined && r.logicalN >= 0 && r.logicalN !== r.n ? `,"resendOf":"${messageId(r.logicalN)}"` : "";
    return `{"t":${num(usToMs(e.tUs))},"type":"produce","recordId":"${messageId(r.n)}"${keyField},"queue":${q.queue},"size":${num(r.sizeBytes)}${resend}}`;
  }
  const sr = r as StreamRecord;
  const shard = e.shard === undefined ? "" : `,"shard":${q.shard(e.shard)}`;
  const eventName = eventNameOf(sr);
  const eventField = eventName === undefined ? "" : `,"eventName":"${eventName}"`;
  const writtenBack = producerOf(sr) === stream.writtenBackProducer ? `,"writtenBack":true` : "";
  const of = stream.logicalOfN?.get(r.n);
  const resend = of !== undefined && of !== r.n ? `,"resendOf":"${sequenceNumberOf(of)}"` : "";
  return `{"t":${num(usToMs(e.tUs))},"type":"produce","recordId":"${sequenceNumber(r)}"${keyField},"stream":${q.stream}${shard},"size":${num(r.sizeBytes)},"arrivalMs":${num(usToMs(arrivalUsOf(sr)))},"throttledWrites":${num(throttledWritesOf(sr))}${eventField}${writtenBack}${resend}}`;
}

/** A number as JSON.stringify writes it (null for NaN and the infinities). */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : "null";
}

/** The context's names as JSON strings, each quoted once when first needed (keys are added as a run meets them, and a
 *  name once given does not change). */
interface QuotedNames {
  queue: string;
  stream: string;
  key(i: number): string | undefined;
  shard(i: number): string;
}

let quotedFor: TraceContext | null = null;
let quoted: QuotedNames | null = null;

function quotedNames(ctx: TraceContext): QuotedNames {
  if (quotedFor === ctx && quoted) return quoted;
  const keys: (string | undefined)[] = [];
  const shards: string[] = [];
  const q: QuotedNames = {
    queue: JSON.stringify(ctx.queue),
    stream: JSON.stringify(ctx.stream?.name ?? ctx.queue),
    key: (i) => keys[i] ?? (keys[i] = JSON.stringify(ctx.keyNames[i]) as string | undefined),
    shard: (i) => shards[i] ?? (shards[i] = JSON.stringify(ctx.stream?.shardIds[i] ?? String(i))),
  };
  quotedFor = ctx;
  quoted = q;
  return q;
}

/** A trace event in its JSON Lines shape (what one JSONL line holds), for readers such as `esm-sim explain`. */
export type TraceObject = { t: number; type: string } & Record<string, unknown>;

export function traceObject(e: TraceEvent, ctx: TraceContext): TraceObject {
  const t = usToMs(e.tUs);
  if (ctx.stream) return streamTraceObject(e, ctx, t);
  switch (e.type) {
    case "produce": {
      const r = e.record;
      const resendOf = r.logicalN !== undefined && r.logicalN >= 0 && r.logicalN !== r.n ? { resendOf: messageId(r.logicalN) } : {};
      return { t, type: e.type, recordId: messageId(r.n), key: ctx.keyNames[r.keyIndex], queue: ctx.queue, size: r.sizeBytes, ...resendOf };
    }
    case "poll":
      return { t, type: e.type, poller: e.poller, queue: ctx.queue, received: e.received, visible: e.visible };
    case "invoke":
      return { t, type: e.type, invocation: e.invocation, queue: ctx.queue, poller: e.poller, recordIds: ids(e.records), attempt: e.attempt, concurrency: e.concurrency, closedBy: e.closedBy, ...coldStartOf(e) };
    case "result":
      return { t, type: e.type, invocation: e.invocation, outcome: e.outcome, failedIds: ids(e.failed), durationMs: usToMs(e.durationUs), succeeded: e.succeeded.length, duplicates: e.redundant, ignoredFailures: e.ignoredPartial, invalidResponse: e.invalidResponse, unreadResponse: e.unreadResponse, undeletedIds: e.undeleted === undefined ? undefined : ids(e.undeleted) };
    case "throttle":
      return { t, type: e.type, poller: e.poller, queue: ctx.queue, recordIds: ids(e.records), concurrency: e.concurrency, limit: e.limit, next: e.next, reason: e.reason };
    case "dlq":
      return { t, type: e.type, recordId: messageId(e.record.n), queue: ctx.queue, receiveCount: e.receiveCount, dlqArn: e.dlqArn };
    case "expire":
      return { t, type: e.type, recordId: messageId(e.record.n), queue: ctx.queue, reason: e.reason };
    case "retry":
      return { t, type: e.type, recordId: messageId(e.record.n), queue: ctx.queue, receiveCount: e.receiveCount, reason: e.reason };
    case "scale":
      return { t, type: e.type, queue: ctx.queue, from: e.from, to: e.to, reason: e.reason };
    case "dedup":
      return { t, type: e.type, recordId: messageId(e.ofN), key: ctx.keyNames[e.keyIndex], queue: ctx.queue, reason: e.reason };
    case "filter":
      return { t, type: e.type, recordId: messageId(e.record.n), queue: ctx.queue };
    case "sample":
      return { t, type: e.type, queue: ctx.queue, visible: e.visible, inFlight: e.inFlight, oldestAgeMs: usToMs(e.oldestAgeUs), pollers: e.pollers, concurrency: e.concurrency };
    default:
      return streamTraceObject(e, ctx, t);
  }
}

const seqs = (rs: readonly SimRecord[]) => rs.map(sequenceNumber);

/** A cold invocation's `coldStart: true` and `initMs` (its Init phase); nothing for a warm one. */
function coldStartOf(e: { initUs?: number }): { coldStart?: true; initMs?: number } {
  return e.initUs === undefined ? {} : { coldStart: true, initMs: usToMs(e.initUs) };
}

/** Stream sources: record ids are sequence numbers, shards are named by their shard ids. */
function streamTraceObject(e: TraceEvent, ctx: TraceContext, t: number): TraceObject {
  const stream = ctx.stream?.name ?? ctx.queue;
  const shardId = (i: number | undefined) => (i === undefined ? undefined : (ctx.stream?.shardIds[i] ?? String(i)));
  switch (e.type) {
    case "produce": {
      const r = e.record as StreamRecord;
      // writtenBack: the function wrote it to its own stream (function.writesBack); absent otherwise.
      const writtenBack = producerOf(r) === ctx.stream?.writtenBackProducer ? { writtenBack: true } : {};
      // resendOf: a producer's retry (Kinesis), named by the sequence number of the record it repeats.
      const of = ctx.stream?.logicalOfN?.get(r.n);
      const resendOf = of !== undefined && of !== r.n ? { resendOf: sequenceNumberOf(of) } : {};
      return { t, type: e.type, recordId: sequenceNumber(r), key: ctx.keyNames[r.keyIndex], stream, shard: shardId(e.shard), size: r.sizeBytes, arrivalMs: usToMs(arrivalUsOf(r)), throttledWrites: throttledWritesOf(r), eventName: eventNameOf(r), ...writtenBack, ...resendOf };
    }
    case "poll":
      return { t, type: e.type, stream, shard: shardId(e.shard), received: e.received, waiting: e.visible };
    case "invoke": {
      const w = e.window;
      return {
        t,
        type: e.type,
        invocation: e.invocation,
        stream,
        shard: shardId(e.shard),
        lane: e.lane,
        recordIds: seqs(e.records),
        attempt: e.attempt,
        concurrency: e.concurrency,
        closedBy: e.closedBy,
        iteratorAgeMs: e.iteratorAgeUs === undefined ? undefined : usToMs(e.iteratorAgeUs),
        window: w ? { startMs: usToMs(w.startUs), endMs: usToMs(w.endUs) } : undefined,
        state: w ? { records: w.stateRecords } : undefined,
        isFinalInvokeForWindow: w ? w.isFinalInvokeForWindow : undefined,
        ...coldStartOf(e),
      };
    }
    case "result":
      return { t, type: e.type, invocation: e.invocation, shard: shardId(e.shard), outcome: e.outcome, failedIds: seqs(e.failed), durationMs: usToMs(e.durationUs), succeeded: e.succeeded.length, duplicates: e.redundant, ignoredFailures: e.ignoredPartial, invalidResponse: e.invalidResponse, unreadResponse: e.unreadResponse };
    case "throttle":
      return { t, type: e.type, stream, shard: shardId(e.shard), poller: e.poller, recordIds: seqs(e.records), concurrency: e.concurrency, limit: e.limit, next: e.next };
    case "expire":
      return { t, type: e.type, recordId: sequenceNumber(e.record), stream, shard: shardId(e.shard), reason: e.reason };
    case "streamRetry":
      return { t, type: "retry", stream, shard: shardId(e.shard), lane: e.lane, recordIds: seqs(e.records), attempt: e.attempt, delayMs: usToMs(e.delayUs), reason: e.reason, countsAsRetry: e.countsAsRetry };
    case "readThrottle":
      return { t, type: e.type, stream, shard: shardId(e.shard), reason: "ReadProvisionedThroughputExceeded", delayMs: usToMs(e.delayUs) };
    case "bisect":
      return { t, type: e.type, stream, shard: shardId(e.shard), lane: e.lane, recordIds: seqs(e.records), leftIds: seqs(e.left), rightIds: seqs(e.right) };
    case "checkpoint":
      return { t, type: e.type, stream, shard: shardId(e.shard), sequenceNumber: sequenceNumber(e.record) };
    case "onFailure":
      return { t, type: e.type, stream, shard: shardId(e.shard), recordIds: seqs(e.records), condition: e.condition, approximateInvokeCount: e.approximateInvokeCount, functionError: e.condition === "RecordAgeExceeded" ? undefined : e.functionError, destination: e.destinationArn, delivered: e.delivered };
    case "filter":
      return { t, type: e.type, recordId: sequenceNumber(e.record), stream, shard: shardId(e.shard) };
    default:
      return { t, type: e.type, stream };
  }
}
