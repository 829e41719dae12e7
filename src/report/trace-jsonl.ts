/**
 * One trace event as one JSON line, with the contract's fields: `t` (ms) and `type` first; record ids as stable
 * strings (SQS message ids `msg-000042`); `invocation`, `attempt`, `concurrency`, `outcome`, `failedIds`.
 */
import { usToMs } from "../engine/time.js";
import type { SimRecord, TraceEvent } from "../trace/events.js";

export interface IdContext {
  queue: string;
  keyNames: readonly string[];
}

export function messageId(n: number): string {
  return `msg-${String(n).padStart(6, "0")}`;
}

const ids = (rs: readonly SimRecord[]) => rs.map((r) => messageId(r.n));

/** One trace event as one JSON line. */
export function traceLine(e: TraceEvent, ctx: IdContext): string {
  return JSON.stringify(traceObject(e, ctx));
}

/** A trace event in the contract's shape (what one JSONL line holds), for readers such as `esm-sim explain`. */
export type TraceObject = { t: number; type: string } & Record<string, unknown>;

export function traceObject(e: TraceEvent, ctx: IdContext): TraceObject {
  const t = usToMs(e.tUs);
  switch (e.type) {
    case "produce": {
      const r = e.record;
      const resendOf = r.logicalN !== undefined && r.logicalN >= 0 && r.logicalN !== r.n ? { resendOf: messageId(r.logicalN) } : {};
      return { t, type: e.type, recordId: messageId(r.n), key: ctx.keyNames[r.keyIndex], queue: ctx.queue, size: r.sizeBytes, ...resendOf };
    }
    case "poll":
      return { t, type: e.type, poller: e.poller, queue: ctx.queue, received: e.received, visible: e.visible };
    case "invoke":
      return { t, type: e.type, invocation: e.invocation, queue: ctx.queue, poller: e.poller, recordIds: ids(e.records), attempt: e.attempt, concurrency: e.concurrency, closedBy: e.closedBy };
    case "result":
      return { t, type: e.type, invocation: e.invocation, outcome: e.outcome, failedIds: ids(e.failed), durationMs: usToMs(e.durationUs), succeeded: e.succeeded.length, duplicates: e.redundant, ignoredFailures: e.ignoredPartial };
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
    case "sample":
      return { t, type: e.type, queue: ctx.queue, visible: e.visible, inFlight: e.inFlight, oldestAgeMs: usToMs(e.oldestAgeUs), pollers: e.pollers, concurrency: e.concurrency };
  }
}
