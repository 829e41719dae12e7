/**
 * The run as a Chrome JSON trace, for ui.perfetto.dev, chrome://tracing and Chrome DevTools' Performance panel.
 * Written incrementally, one trace event a line, as the run emits its trace: only the invocations still running are
 * held in memory, so the caller can stream it to a file and stop at a size limit like the JSONL trace.
 *
 * Format: Google's "Trace Event Format",
 *   https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU/
 * and how Perfetto reads it ("Chrome JSON format": X, i, C and M events; slices on one thread must nest, which
 * holds here because a poller or a lane runs one batch at a time):
 *   https://perfetto.dev/docs/getting-started/other-formats
 *
 * The JSON Object Format is used: `{"displayTimeUnit":"ms","otherData":{...},"traceEvents":[ ... ]}`.
 *   displayTimeUnit  the unit the viewer shows times in ("ms"; timestamps stay in microseconds)
 *   otherData        free-form metadata of the trace (strings), shown by the viewer's metadata panel
 *   traceEvents      the events; the format does not require them in timestamp order (an invocation's "X" is
 *                    written when its result arrives)
 *
 * Fields of each event, always in this order:
 *   name  what happened: an invocation's outcome (ok, error, timeout, partial; "running" when the run stopped
 *         first), an instant's kind (throttle, retry, bisect, dlq, onFailure, expire), a counter's name, or a
 *         metadata name (process_name, process_sort_index, thread_name, thread_sort_index)
 *   cat   category, for the viewer's filters: invocation, batch (a batch-level instant), record (one record), metric
 *   ph    phase: "X" complete event, "i" instant event, "C" counter event, "M" metadata event
 *   ts    time in microseconds: the virtual clock's integer `tUs` (0 on metadata events)
 *   dur   "X" only: the invocation's duration in microseconds, from its invoke to its result
 *   pid   process: the Lambda function (1), the SQS queue (2), or one stream shard (2 + shard index)
 *   tid   thread within the process: 0 for the queue or shard itself, 1 + poller id for an SQS poller,
 *         1 + lane for a shard's lane (ParallelizationFactor > 1 gives a shard several lanes)
 *   s     "i" only: the instant's scope, "t" (the thread's track)
 *   args  the details: for "X", the record count, first and last record ids as the JSONL trace names them
 *         (msg-000042, or a stream sequence number), attempt and closedBy; for "C", one series per key; for "M",
 *         `name` or `sort_index`
 * Ids (`id`) are not needed: no async or flow events are written.
 *
 * Counters, each written only when its value changes: concurrency (the function's invocations in flight), queue
 * depth (SQS: messages visible after each receive) and pollers (SQS), IteratorAge in ms (each shard, at each invoke).
 */
import { usToMs } from "../engine/time.js";
import { messageId } from "../sources/sqs-message-queue.js";
import { sequenceNumber } from "../sources/stream-record.js";
import type { InvokeEvent, ResultEvent, SimRecord, TraceEvent } from "../trace/events.js";
import type { TraceContext } from "../run/options.js";

export interface PerfettoOptions {
  /** Streams: the mapping's ParallelizationFactor. Throttle events name their lane by its id across shards
   *  (shard × factor + lane), so the factor places them on the lane's track. Default 1. */
  parallelizationFactor?: number;
  /** The function's name, shown on its process (the concurrency counter). */
  functionName?: string;
  /** Metadata of the run (scenario, seed, version, ...), written as the trace's otherData with sorted keys. */
  otherData?: Record<string, string>;
}

/** Writes one Chrome JSON trace through `line`: header(), then event(e) for each trace event, then footer(). */
export interface PerfettoWriter {
  header(): void;
  event(e: TraceEvent): void;
  /** Closes the trace. Invocations still running are written as "running", ending at `endUs` (default: the time
   *  of the last event seen). */
  footer(endUs?: number): void;
}

/** A writer of the Chrome JSON trace: each call of `line` gets one line (no newline), which joined with "\n" make
 *  the whole JSON document. */
export function perfettoWriter(ctx: TraceContext, line: (s: string) => void, options: PerfettoOptions = {}): PerfettoWriter {
  return new ChromeTraceWriter(ctx, line, options);
}

const FUNCTION_PID = 1;
const SOURCE_PID = 2;

interface Track {
  pid: number;
  tid: number;
}

/** What an open invocation needs for its "X" event when its result arrives. */
interface Open {
  ts: number;
  track: Track;
  args: Record<string, unknown>;
}

class ChromeTraceWriter implements PerfettoWriter {
  private written = 0;
  private lastUs = 0;
  private concurrency = 0;
  private readonly open = new Map<number, Open>();
  private readonly processes = new Set<number>();
  private readonly threads = new Set<string>();
  /** Each counter's last value, by process and name. */
  private readonly counters = new Map<string, number>();
  private readonly lanesPerShard: number;

  constructor(
    private readonly ctx: TraceContext,
    private readonly line: (s: string) => void,
    private readonly options: PerfettoOptions,
  ) {
    this.lanesPerShard = Math.max(1, options.parallelizationFactor ?? 1);
  }

  header(): void {
    const other = sortedStrings({ source: this.sourceName(), ...this.options.otherData });
    this.line(`{"displayTimeUnit":"ms","otherData":${JSON.stringify(other)},"traceEvents":[`);
    const fn = this.options.functionName;
    this.nameProcess(FUNCTION_PID, fn === undefined ? "Lambda function" : `Lambda function ${fn}`);
  }

  footer(endUs = this.lastUs): void {
    const running = [...this.open.entries()].sort((a, b) => a[0] - b[0]);
    for (const [, o] of running) this.complete("running", o, Math.max(endUs, o.ts), {});
    this.open.clear();
    this.line("]}");
  }

  event(e: TraceEvent): void {
    if (e.tUs > this.lastUs) this.lastUs = e.tUs;
    switch (e.type) {
      case "invoke":
        return this.invoke(e);
      case "result":
        return this.result(e);
      case "poll":
        if (!this.ctx.stream) this.counter(this.queuePid(), e.tUs, "queue depth", "visible", e.visible);
        return;
      case "scale":
        if (!this.ctx.stream) this.counter(this.queuePid(), e.tUs, "pollers", "count", e.to);
        return;
      default:
        this.batchInstant(e);
        this.recordInstant(e);
    }
  }

  /** Throttles, retries, bisects and on-failure moves: instants on the poller's or lane's track (the shard's for
   *  on-failure, which names no lane). */
  private batchInstant(e: TraceEvent): void {
    switch (e.type) {
      case "throttle":
        return this.instant(this.pollerTrack(e.poller, e.shard), e.tUs, "throttle", "batch", { ...this.batch(e.records), concurrency: e.concurrency, limit: e.limit, next: e.next, reason: e.reason });
      case "streamRetry":
        return this.instant(this.laneTrack(e.shard, e.lane), e.tUs, "retry", "batch", { ...this.batch(e.records), attempt: e.attempt, delayMs: usToMs(e.delayUs), reason: e.reason, countsAsRetry: e.countsAsRetry });
      case "bisect":
        return this.instant(this.laneTrack(e.shard, e.lane), e.tUs, "bisect", "batch", { ...this.batch(e.records), left: e.left.length, right: e.right.length });
      case "onFailure":
        return this.instant(this.sourceTrack(e.shard), e.tUs, "onFailure", "batch", { ...this.batch(e.records), ended: e.ended, condition: e.condition, approximateInvokeCount: e.approximateInvokeCount, functionError: e.functionError, destination: e.destinationArn, delivered: e.delivered });
    }
  }

  /** One record's events: SQS redelivery (retry), DLQ moves and expiries, on the queue's or the shard's track. */
  private recordInstant(e: TraceEvent): void {
    switch (e.type) {
      case "retry":
        return this.instant(this.sourceTrack(undefined), e.tUs, "retry", "record", { recordId: this.id(e.record), receiveCount: e.receiveCount, reason: e.reason });
      case "dlq":
        return this.instant(this.sourceTrack(undefined), e.tUs, "dlq", "record", { recordId: this.id(e.record), receiveCount: e.receiveCount, dlqArn: e.dlqArn });
      case "expire":
        return this.instant(this.sourceTrack(e.shard), e.tUs, "expire", "record", { recordId: this.id(e.record), reason: e.reason });
    }
  }

  private invoke(e: InvokeEvent): void {
    const track = e.shard === undefined ? this.pollerTrack(e.poller, undefined) : this.laneTrack(e.shard, e.lane ?? 0);
    const age = e.iteratorAgeUs === undefined ? {} : { iteratorAgeMs: usToMs(e.iteratorAgeUs) };
    const args = { invocation: e.invocation, ...this.batch(e.records), attempt: e.attempt, closedBy: e.closedBy, concurrency: e.concurrency, ...age };
    this.open.set(e.invocation, { ts: e.tUs, track, args });
    this.concurrency = e.concurrency;
    this.counter(FUNCTION_PID, e.tUs, "concurrency", "invocations", this.concurrency);
    if (e.shard !== undefined && e.iteratorAgeUs !== undefined) this.counter(this.shardPid(e.shard), e.tUs, "IteratorAge", "ms", usToMs(e.iteratorAgeUs));
  }

  private result(e: ResultEvent): void {
    const o = this.open.get(e.invocation);
    if (o === undefined) return;
    this.open.delete(e.invocation);
    const invalid = e.invalidResponse ? { invalidResponse: true } : {};
    const unread = e.unreadResponse ? { unreadResponse: true } : {};
    this.complete(e.outcome, o, e.tUs, { failed: e.failed.length, succeeded: e.succeeded.length, duplicates: e.redundant, ignoredFailures: e.ignoredPartial, ...invalid, ...unread });
    this.concurrency = Math.max(0, this.concurrency - 1);
    this.counter(FUNCTION_PID, e.tUs, "concurrency", "invocations", this.concurrency);
  }

  /** One invocation as a complete ("X") event on its poller's or lane's track. */
  private complete(name: string, o: Open, endUs: number, more: Record<string, unknown>): void {
    this.put({ name, cat: "invocation", ph: "X", ts: o.ts, dur: endUs - o.ts, pid: o.track.pid, tid: o.track.tid, args: { ...o.args, ...more } });
  }

  private instant(track: Track, ts: number, name: string, cat: string, args: Record<string, unknown>): void {
    this.put({ name, cat, ph: "i", ts, pid: track.pid, tid: track.tid, s: "t", args });
  }

  /** A counter ("C") of a process with one series, written only when its value changes: a counter holds its value
   *  until the next sample, so a repeated value adds bytes and nothing else (polls repeat them often). */
  private counter(pid: number, ts: number, name: string, series: string, value: number): void {
    const key = `${pid}/${name}`;
    if (this.counters.get(key) === value) return;
    this.counters.set(key, value);
    this.put({ name, cat: "metric", ph: "C", ts, pid, tid: 0, args: { [series]: value } });
  }

  private put(event: object): void {
    this.line((this.written++ === 0 ? "" : ",") + JSON.stringify(event));
  }

  /** Record count and the first and last record ids of a batch (null ids for an empty batch). */
  private batch(rs: readonly SimRecord[]): { records: number; firstRecordId: string | null; lastRecordId: string | null } {
    const n = rs.length;
    return { records: n, firstRecordId: n > 0 ? this.id(rs[0]) : null, lastRecordId: n > 0 ? this.id(rs[n - 1]) : null };
  }

  /** A record id as the JSONL trace names it: an SQS message id or a stream sequence number. */
  private id(r: SimRecord): string {
    return this.ctx.stream ? sequenceNumber(r) : messageId(r.n);
  }

  private sourceName(): string {
    const s = this.ctx.stream;
    return s ? `${s.type === "kinesis" ? "Kinesis stream" : "DynamoDB stream"} ${s.name}` : `SQS queue ${this.ctx.queue}`;
  }

  private shardPid(shard: number): number {
    const pid = SOURCE_PID + shard;
    if (!this.processes.has(pid)) this.nameProcess(pid, `${this.sourceName()} ${this.shardId(shard)}`);
    return pid;
  }

  private shardId(shard: number): string {
    return this.ctx.stream?.shardIds[shard] ?? String(shard);
  }

  /** The queue's own track (SQS), or a shard's (streams): where record-level events go. */
  private sourceTrack(shard: number | undefined): Track {
    if (this.ctx.stream) return this.thread(this.shardPid(shard ?? 0), 0, "shard");
    return this.thread(this.queuePid(), 0, "queue");
  }

  private queuePid(): number {
    if (!this.processes.has(SOURCE_PID)) this.nameProcess(SOURCE_PID, this.sourceName());
    return SOURCE_PID;
  }

  /** An SQS poller's track, or (streams, where the event names a shard) the lane the poller id stands for. */
  private pollerTrack(poller: number, shard: number | undefined): Track {
    if (shard !== undefined) return this.laneTrack(shard, poller - shard * this.lanesPerShard);
    return this.thread(this.queuePid(), poller + 1, `poller ${poller}`);
  }

  private laneTrack(shard: number, lane: number): Track {
    const name = this.lanesPerShard > 1 ? `lane ${lane}` : "invocations";
    return this.thread(this.shardPid(shard), lane + 1, name);
  }

  /** A track, declared (thread_name, thread_sort_index) the first time it is used. */
  private thread(pid: number, tid: number, name: string): Track {
    const key = `${pid}/${tid}`;
    if (!this.threads.has(key)) {
      this.threads.add(key);
      this.put({ name: "thread_name", ph: "M", ts: 0, pid, tid, args: { name } });
      this.put({ name: "thread_sort_index", ph: "M", ts: 0, pid, tid, args: { sort_index: tid } });
    }
    return { pid, tid };
  }

  /** A process, declared (process_name, process_sort_index) once: the function first, then the queue or shards. */
  private nameProcess(pid: number, name: string): void {
    this.processes.add(pid);
    this.put({ name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name } });
    this.put({ name: "process_sort_index", ph: "M", ts: 0, pid, tid: 0, args: { sort_index: pid } });
  }
}

/** A copy of `o` with its keys in sorted order, so the metadata's bytes do not depend on how the caller built it. */
function sortedStrings(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
