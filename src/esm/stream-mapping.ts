/**
 * The Kinesis / DynamoDB Streams event source mapping: one poller per shard, batches per shard in sequence order,
 * ParallelizationFactor lanes, the whole stream error model (retry until expiry, MaximumRetryAttempts,
 * MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, ReportBatchItemFailures, on-failure destinations),
 * checkpoints, starting positions, disable/enable, tumbling windows, and the seam for FilterCriteria.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html (batching, retries),
 *   https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filter before batching)
 *
 * - Polling: each shard is polled at the source's cadence (Kinesis once a second, DynamoDB four times a second)
 *   while it has a lane waiting for records; a lane that finishes a batch reads again at once, so a shard with a
 *   backlog is processed batch after batch. Polls that provably find nothing are skipped and counted as empty
 *   polls (`poll` trace events are written for reads that return records only). A read takes every record that
 *   has arrived (no 2 MB/s, 10,000-record or, for DynamoDB, 1,000-record GetRecords limit).
 * - Batches: up to BatchSize records within 6 MB; with a batching window the lane keeps reading until the window
 *   ends (it starts when the lane's previous invocation completes, as AWS states; a record read after the window ran
 *   out while the lane was empty is invoked at once). One batch per lane in flight, records in sequence order.
 * - ParallelizationFactor: each shard has PF lanes; a record's lane is its key's hash (bits of the MD5 that do not
 *   pick the shard) modulo PF (esm-sim's choice: AWS names no assignment rule). So one key never has two batches in
 *   flight, each key keeps its order, and concurrency never exceeds the distinct keys present. An error blocks only
 *   its lane (AWS does not say; per-key ordering is what it guarantees). The shard's checkpoint is the lowest record
 *   not yet done in any lane.
 * - Errors: see stream-retry.ts. The records of a failed batch stay in it, retried after a back-off, while the lane
 *   waits. Before every invocation records past retention are dropped (expire) and records older than
 *   MaximumRecordAgeInSeconds are discarded (onFailure RecordAgeExceeded, no responseContext); the rest still go.
 *   A discarded batch writes one invocation record to the on-failure destination (dropped without one).
 * - Starting position at `startAt`: TRIM_HORIZON reads every record still retained; LATEST skips records that
 *   arrived before the mapping started (they stay in the stream until retention takes them); AT_TIMESTAMP starts at
 *   the first record that arrived at or after the timestamp.
 * - Disabled periods: polling stops; a running invocation finishes and its result counts; batches waiting for a
 *   retry are dropped. On enabling, every shard resumes from its checkpoint, so records after it that other lanes
 *   (or partial responses) had already processed are delivered again.
 * - Tumbling windows: records fall in windows by arrival time (multiples of TumblingWindowInSeconds); a batch never
 *   spans two windows; `state` (here: records processed so far in the window) is carried across a lane's successful
 *   invocations; once the window's end has passed and its records are processed, the lane makes one final
 *   invocation with no records, flagged isFinalInvokeForWindow, retried like any batch until it succeeds. Each lane
 *   has its own windows (AWS does not say how windows meet ParallelizationFactor).
 * - FilterCriteria: `keep(record)` (record-filter.ts streamKeep, built by the stream world from the scenario) is
 *   applied when records are read, before batching; a dropped record emits `filter`, ends as filtered, and the
 *   checkpoint moves past it ("the streams iterator advances past this record"); it stays in the stream.
 * - A function that writes back to its own stream (lambda/write-back.ts): its records are appended at the
 *   invocation's completion, before the lane reads again; the shard is polled for them even when traffic is done.
 * Not modelled: enhanced fan-out, the "several minutes" it takes a new or updated mapping to start polling,
 * extensions, isWindowTerminatedEarly (the 1 MB state limit), the 2-minute wait of idle windows, shard lineage.
 */
import { Deque } from "../engine/deque.js";
import type { Scheduler } from "../engine/scheduler.js";
import type { InvocationPlan, LambdaFunction } from "../lambda/function.js";
import type { WriteBack } from "../lambda/write-back.js";
import type { MappingConfig } from "./config.js";
import type { StreamSourceConfig } from "../sources/config.js";
import { endOf, RecEnd, RecFlag, type Shard, type StreamRecord, type StreamSource } from "../sources/stream.js";
import type { InvokeEvent, Outcome, ResultEvent, SimRecord, StreamRetryEvent, Trace } from "../trace/events.js";
import { approximateInvokeCount, decideAfterFailure, judgeResponse, retryDelayUs, splitBeforeInvoke, type RetryBackoff, type RetryPolicy } from "./stream-retry.js";

/** The invocation payload limit that closes a batch (ESM: "You cannot modify this limit"). */
export const STREAM_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

const PRIO = 0;
/** An empty record list shared by every result that needs one (readonly: nobody adds to it; not frozen, which
 *  would give listeners a second kind of array to read). */
const NO_RECORDS: readonly StreamRecord[] = [];

type LaneState = "idle" | "gathering" | "invoking" | "backoff" | "stopped";
type ClosedBy = InvokeEvent["closedBy"];

interface TumblingWindow {
  startUs: number;
  endUs: number;
  stateRecords: number;
}

interface Lane {
  /** Global id (shard-major), used as the trace's poller. */
  id: number;
  index: number;
  ss: ShardState;
  queue: Deque<StreamRecord>;
  state: LaneState;
  /** The batch being gathered, in flight, or waiting for a retry. */
  batch: StreamRecord[];
  batchBytes: number;
  /** Right halves of bisected batches still to run; the last one runs next. */
  pendingHalves: StreamRecord[][];
  /** Invocations of the current batch so far. */
  invocations: number;
  retriesUsed: number;
  failStreak: number;
  throttleStreak: number;
  windowEndUs: number;
  /** Bumped whenever the lane stops: timers carry the epoch they were set in. */
  epoch: number;
  tw: TumblingWindow | null;
  /** The batch in flight (or waiting for a retry) is the tumbling window's final invocation. */
  finalInvoke: boolean;
}

interface ShardState {
  shard: Shard;
  lanes: Lane[];
  /** Next position to read. */
  cursor: number;
  pollAtUs: number;
  pollToken: number;
  /** Empty polls skipped before the scheduled one. */
  skippedPolls: number;
  inFlight: number;
  restartPending: boolean;
}

export type KeepRecord = (record: StreamRecord) => boolean;

export class StreamMapping {
  private readonly shards: ShardState[] = [];
  private enabledNow = false;
  private started = false;
  private invocationCount = 0;
  private readonly policy: RetryPolicy;
  private readonly backoff: RetryBackoff;
  private readonly pf: number;
  polls = 0;
  emptyPolls = 0;
  retries = 0;
  bisects = 0;
  redeliveriesOfSucceeded = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly source: StreamSource,
    private readonly fn: LambdaFunction,
    private readonly m: MappingConfig,
    private readonly cfg: StreamSourceConfig,
    private readonly trace: Trace,
    private readonly keep: KeepRecord | null = null,
    /** The handler's writes to its own stream (lambda/write-back.ts), or null. */
    private readonly writeBack: WriteBack | null = null,
  ) {
    this.policy = { retryAttemptsMax: m.retryAttemptsMax, bisectOnError: m.bisectOnError };
    this.backoff = { initialUs: m.retryBackoffInitialUs, maxUs: m.retryBackoffMaxUs };
    this.pf = m.parallelizationFactor;
    let id = 0;
    for (const shard of source.shards) {
      const ss: ShardState = { shard, lanes: [], cursor: 0, pollAtUs: Infinity, pollToken: 0, skippedPolls: 0, inFlight: 0, restartPending: false };
      for (let i = 0; i < this.pf; i++) {
        ss.lanes.push({
          id: id++,
          index: i,
          ss,
          queue: new Deque<StreamRecord>(),
          state: "stopped",
          batch: [],
          batchBytes: 0,
          pendingHalves: [],
          invocations: 0,
          retriesUsed: 0,
          failStreak: 0,
          throttleStreak: 0,
          windowEndUs: 0,
          epoch: 0,
          tw: null,
          finalInvoke: false,
        });
      }
      this.shards.push(ss);
    }
  }

  get invocations(): number {
    return this.invocationCount;
  }

  /** Anything still to do that could change the outcome (a batch held, records read but not processed, a window
   *  waiting for its final invocation, records after the checkpoint to deliver again). */
  hasWork(): boolean {
    for (const ss of this.shards) {
      if (ss.inFlight > 0) return true;
      if (!this.enabledNow) continue;
      if (ss.restartPending || ss.cursor < ss.shard.accepted) return true;
      for (const lane of ss.lanes) {
        if (lane.batch.length > 0 || lane.finalInvoke || lane.queue.length > 0 || lane.pendingHalves.length > 0 || lane.tw !== null) return true;
      }
    }
    return false;
  }

  /** Schedule the mapping's creation at startAt and its disabled periods. */
  start(): void {
    if (!this.m.enabled) return;
    const startAt = this.m.startAtUs;
    this.sched.at(startAt, () => this.begin(), PRIO);
    for (const p of this.m.disabledPeriods) {
      this.sched.at(Math.max(p.fromUs, startAt), () => {
        if (this.started && this.enabledNow) this.disable();
      }, PRIO);
      if (p.toUs !== Infinity && p.toUs > startAt) {
        this.sched.at(p.toUs, () => {
          if (this.started && !this.enabledNow && !this.inDisabledPeriod(this.sched.nowUs)) this.enable();
        }, PRIO);
      }
    }
  }

  private inDisabledPeriod(tUs: number): boolean {
    return this.m.disabledPeriods.some((p) => tUs >= p.fromUs && tUs < p.toUs);
  }

  private begin(): void {
    this.started = true;
    const now = this.sched.nowUs;
    for (const ss of this.shards) {
      const shard = ss.shard;
      let pos = shard.firstHeldPos;
      if (this.m.startingPosition !== "TRIM_HORIZON") {
        const fromUs = this.m.startingPosition === "LATEST" ? now : this.m.startingPositionUs;
        for (;;) {
          const r = shard.at(pos);
          if (!r || r.arrivalUs >= fromUs) break;
          pos++;
        }
      }
      ss.cursor = pos;
      shard.checkpointPos = pos;
      shard.compact();
    }
    if (!this.inDisabledPeriod(now)) this.enable();
  }

  // ---- enable / disable --------------------------------------------------------------------------------------

  private disable(): void {
    this.enabledNow = false;
    for (const ss of this.shards) {
      ss.pollToken++;
      ss.pollAtUs = Infinity;
      ss.skippedPolls = 0;
      for (const lane of ss.lanes) if (lane.state !== "invoking") this.stopLane(lane);
    }
  }

  private enable(): void {
    this.enabledNow = true;
    for (const ss of this.shards) {
      if (ss.inFlight > 0) ss.restartPending = true;
      else this.restart(ss);
    }
  }

  private stopLane(lane: Lane): void {
    lane.epoch++;
    lane.state = "stopped";
    lane.batch = [];
    lane.batchBytes = 0;
    lane.pendingHalves = [];
    lane.queue = new Deque<StreamRecord>();
    lane.tw = null;
    lane.finalInvoke = false;
    lane.invocations = 0;
    lane.retriesUsed = 0;
    lane.failStreak = 0;
    lane.throttleStreak = 0;
  }

  /** Resume a shard from its checkpoint: every record after it is read again. */
  private restart(ss: ShardState): void {
    ss.restartPending = false;
    const shard = ss.shard;
    ss.cursor = shard.checkpointPos;
    for (let pos = ss.cursor; pos < shard.accepted; pos++) {
      const r = shard.at(pos);
      if (r) r.state &= ~RecFlag.Done;
    }
    const now = this.sched.nowUs;
    for (const lane of ss.lanes) {
      this.stopLane(lane);
      lane.state = "idle";
      lane.windowEndUs = now + this.m.batchingWindowUs;
    }
    this.schedulePoll(ss, now, false);
  }

  // ---- reading -----------------------------------------------------------------------------------------------

  private laneOf(ss: ShardState, r: StreamRecord): Lane {
    return this.pf === 1 ? ss.lanes[0] : ss.lanes[this.source.laneHashOf(r.keyIndex) % this.pf];
  }

  /** Read every record that has arrived into its lane (filtering as it reads). Returns the number read. */
  private read(ss: ShardState): number {
    const shard = ss.shard;
    const now = this.sched.nowUs;
    let read = 0;
    for (;;) {
      const r = shard.at(ss.cursor);
      if (!r || r.arrivalUs > now) break;
      ss.cursor++;
      if (endOf(r) === RecEnd.Expired) {
        r.state |= RecFlag.Done;
        continue;
      }
      if (this.keep !== null && !this.keep(r)) {
        r.state |= RecFlag.Done;
        if (this.source.end(r, RecEnd.Filtered)) this.trace.emit({ tUs: now, type: "filter", record: r, shard: shard.index });
        continue;
      }
      this.laneOf(ss, r).queue.push(r);
      read++;
    }
    if (read > 0) {
      let waiting = 0;
      for (const lane of ss.lanes) waiting += lane.queue.length;
      this.trace.emit({ tUs: now, type: "poll", poller: shard.index, shard: shard.index, received: read, visible: waiting });
    }
    this.advanceCheckpoint(ss);
    return read;
  }

  private advanceCheckpoint(ss: ShardState): void {
    const shard = ss.shard;
    const before = shard.checkpointPos;
    while (shard.checkpointPos < ss.cursor) {
      const r = shard.at(shard.checkpointPos)!;
      if ((r.state & RecFlag.Done) === 0 && endOf(r) !== RecEnd.Expired) break;
      shard.checkpointPos++;
    }
    if (shard.checkpointPos > before) {
      this.trace.emit({ tUs: this.sched.nowUs, type: "checkpoint", shard: shard.index, record: shard.at(shard.checkpointPos - 1)! });
      shard.compact();
    }
  }

  /** Poll the shard at the first cadence tick at or after `earliestUs` when something can have arrived. */
  private schedulePoll(ss: ShardState, earliestUs: number, skipEmpty = true): void {
    if (!this.enabledNow) return;
    let waiting = false;
    for (const lane of ss.lanes) if (lane.state === "idle" || lane.state === "gathering") waiting = true;
    if (!waiting) return;
    const interval = this.cfg.pollIntervalUs;
    let at = earliestUs;
    let skipped = 0;
    if (skipEmpty) {
      const next = this.source.nextArrivalUs(ss.shard, ss.cursor, this.sched.nowUs);
      if (next === Infinity) return;
      if (next > at) {
        skipped = Math.ceil((next - at) / interval);
        at += skipped * interval;
      }
    }
    if (at >= ss.pollAtUs) return;
    ss.pollAtUs = at;
    ss.skippedPolls = skipped;
    const token = ++ss.pollToken;
    this.sched.at(at, () => {
      if (token === ss.pollToken) this.poll(ss);
    }, PRIO);
  }

  private poll(ss: ShardState): void {
    ss.pollAtUs = Infinity;
    this.polls += 1 + ss.skippedPolls;
    this.emptyPolls += ss.skippedPolls;
    ss.skippedPolls = 0;
    if (this.read(ss) === 0) this.emptyPolls++;
    for (const lane of ss.lanes) this.pump(lane);
    this.schedulePoll(ss, this.sched.nowUs + this.cfg.pollIntervalUs);
  }

  private wakeAt(lane: Lane, atUs: number): void {
    const epoch = lane.epoch;
    this.sched.at(Math.max(atUs, this.sched.nowUs), () => {
      if (lane.epoch !== epoch || !this.enabledNow) return;
      if (lane.state !== "idle" && lane.state !== "gathering") return;
      this.read(lane.ss);
      for (const l of lane.ss.lanes) this.pump(l);
      this.schedulePoll(lane.ss, this.sched.nowUs + this.cfg.pollIntervalUs);
    }, PRIO);
  }

  // ---- batching ----------------------------------------------------------------------------------------------

  private windowOf(r: StreamRecord): number {
    const T = this.m.tumblingWindowUs;
    return Math.floor(r.arrivalUs / T) * T;
  }

  /** The lane's next step when it holds no batch in flight or waiting: a bisected half, a window's final
   *  invocation, or the next batch from its queue. */
  private pump(lane: Lane): void {
    if (!this.enabledNow || (lane.state !== "idle" && lane.state !== "gathering")) return;
    const now = this.sched.nowUs;
    if (lane.batch.length === 0 && lane.pendingHalves.length > 0) {
      lane.batch = lane.pendingHalves.pop()!;
      lane.invocations = 0;
      lane.retriesUsed = 0;
      this.invoke(lane, "bisect");
      return;
    }
    const q = lane.queue;
    while (q.length > 0 && endOf(q.peek()!) === RecEnd.Expired) q.shift()!.state |= RecFlag.Done;
    const T = this.m.tumblingWindowUs;
    if (T > 0 && lane.batch.length === 0) {
      const next = q.peek();
      if (lane.tw !== null && (next ? this.windowOf(next) !== lane.tw.startUs : now >= lane.tw.endUs)) {
        lane.finalInvoke = true;
        this.invoke(lane, "window-end");
        return;
      }
      if (lane.tw === null && next) {
        const startUs = this.windowOf(next);
        lane.tw = { startUs, endUs: startUs + T, stateRecords: 0 };
        this.wakeAt(lane, lane.tw.endUs);
      }
    }
    const batchSize = this.m.batchSize;
    let payloadFull = false;
    let windowFull = false;
    while (lane.batch.length < batchSize) {
      const r = q.peek();
      if (!r) break;
      if (endOf(r) === RecEnd.Expired) {
        q.shift()!.state |= RecFlag.Done;
        continue;
      }
      if (T > 0 && this.windowOf(r) !== lane.tw!.startUs) {
        windowFull = true;
        break;
      }
      if (lane.batch.length > 0 && lane.batchBytes + r.sizeBytes > STREAM_PAYLOAD_MAX_BYTES) {
        payloadFull = true;
        break;
      }
      q.shift();
      lane.batch.push(r);
      lane.batchBytes += r.sizeBytes;
    }
    const n = lane.batch.length;
    if (n === 0) {
      lane.state = "idle";
      return;
    }
    if (n >= batchSize) return this.invoke(lane, "size");
    if (payloadFull) return this.invoke(lane, "payload");
    if (windowFull || (T > 0 && now >= lane.tw!.endUs)) return this.invoke(lane, "window-end");
    if (this.m.batchingWindowUs === 0) return this.invoke(lane, "available");
    if (now >= lane.windowEndUs) return this.invoke(lane, "window");
    if (lane.state !== "gathering") {
      lane.state = "gathering";
      this.wakeAt(lane, lane.windowEndUs);
    }
  }

  // ---- invoking ----------------------------------------------------------------------------------------------

  private invoke(lane: Lane, closedBy: ClosedBy): void {
    const now = this.sched.nowUs;
    const ss = lane.ss;
    if (!lane.finalInvoke) {
      // Split off records past retention (lost) and past MaximumRecordAgeInSeconds (discarded) before invoking.
      const b = lane.batch;
      const split = splitBeforeInvoke((i) => b[i].arrivalUs, b.length, now, this.cfg.retentionUs, this.m.recordAgeMaxUs);
      const cut = split.retention + split.age;
      if (cut > 0) {
        for (let i = 0; i < split.retention; i++) {
          this.source.expireNow(b[i], now);
          b[i].state |= RecFlag.Done;
        }
        if (split.age > 0) this.discard(lane, b.slice(split.retention, cut), "RecordAgeExceeded", null);
        lane.batch = b.slice(cut);
        lane.batchBytes = 0;
        for (const r of lane.batch) lane.batchBytes += r.sizeBytes;
        this.advanceCheckpoint(ss);
        if (lane.batch.length === 0) {
          this.batchDone(lane);
          lane.state = "idle";
          this.pump(lane);
          this.schedulePoll(ss, now + this.cfg.pollIntervalUs);
          return;
        }
      }
    }
    const batch = lane.batch;
    const got = this.fn.acquire(now);
    if (got !== "ok") {
      lane.throttleStreak++;
      const delayUs = retryDelayUs(lane.throttleStreak, this.backoff);
      this.trace.emit({ tUs: now, type: "throttle", poller: lane.id, shard: ss.shard.index, records: batch, concurrency: this.fn.inFlight, limit: this.fn.limit, next: "retry", reason: got });
      this.scheduleRetry(lane, "Throttled", false, delayUs);
      return;
    }
    lane.throttleStreak = 0;
    lane.state = "invoking";
    lane.invocations++;
    ss.inFlight++;
    const invocation = ++this.invocationCount;
    for (const r of batch) {
      r.deliveries++;
      r.state |= RecFlag.Executing;
      if (endOf(r) === RecEnd.Succeeded) this.redeliveriesOfSucceeded++;
    }
    const plan = this.fn.plan(batch, deliveriesOf, now);
    const tw = lane.tw;
    this.trace.emit({
      tUs: now,
      type: "invoke",
      invocation,
      poller: lane.id,
      shard: ss.shard.index,
      lane: lane.index,
      records: batch,
      attempt: lane.invocations,
      concurrency: this.fn.inFlight,
      closedBy,
      iteratorAgeUs: batch.length > 0 ? now - batch[batch.length - 1].arrivalUs : undefined,
      window: tw ? { startUs: tw.startUs, endUs: tw.endUs, stateRecords: tw.stateRecords, isFinalInvokeForWindow: lane.finalInvoke } : undefined,
    });
    this.sched.after(plan.durationUs, () => this.complete(lane, invocation, plan), PRIO);
  }

  private complete(lane: Lane, invocation: number, plan: InvocationPlan): void {
    if (this.writeBack === null) {
      this.settle(lane, invocation, plan);
      return;
    }
    // The handler's writes to its own stream land first (they happened during the invocation): the lane reads
    // them when it reads again; a lane that does not read now leaves them to the next poll.
    const written = this.writeBack.afterInvocation(lane.batch, plan, this.sched.nowUs);
    this.settle(lane, invocation, plan);
    if (written > 0) this.schedulePoll(lane.ss, this.sched.nowUs + this.cfg.pollIntervalUs);
  }

  private settle(lane: Lane, invocation: number, plan: InvocationPlan): void {
    const now = this.sched.nowUs;
    const ss = lane.ss;
    this.fn.release();
    ss.inFlight--;
    const b = lane.batch;
    for (const r of b) r.state &= ~RecFlag.Executing;
    const rbif = this.m.reportBatchItemFailures;
    let failedIndexes: number[] = [];
    if (plan.outcome === "partial" && plan.failed.length > 0) {
      const failed = new Set(plan.failed);
      failedIndexes = [];
      b.forEach((r, i) => {
        if (failed.has(r)) failedIndexes.push(i);
      });
    }
    const verdict = judgeResponse(plan.outcome, failedIndexes, plan.invalidResponse, rbif);
    // Result events are built by one function so they all share one object shape (an object spread per event made
    // every listener's property loads megamorphic: a quarter of a long run's time).
    const shardIndex = ss.shard.index;

    if (verdict.kind === "success") {
      const { succeeded, redundant } = this.succeed(b, b.length, null);
      this.trace.emit(resultEvent(now, invocation, b, plan.durationUs, shardIndex, plan.outcome === "partial" ? (rbif ? "partial" : "ok") : plan.outcome, NO_RECORDS, succeeded, redundant, verdict.ignoredFailures, undefined));
      if (lane.finalInvoke) lane.tw = null;
      else if (lane.tw) lane.tw.stateRecords += b.length;
      lane.failStreak = 0;
      this.batchDone(lane);
    } else if (verdict.kind === "partial") {
      const p = verdict.checkpointIndex;
      const failedSet = new Set(plan.failed);
      const { succeeded, redundant } = this.succeed(b, p, failedSet);
      this.trace.emit(resultEvent(now, invocation, b, plan.durationUs, shardIndex, "partial", plan.failed, succeeded, redundant, 0, undefined));
      lane.failStreak++;
      if (p > 0) {
        // The checkpoint moves to the lowest failed record; the rest (failed or not) is a new batch.
        if (lane.tw) lane.tw.stateRecords += p;
        lane.batch = b.slice(p);
        lane.batchBytes = 0;
        for (const r of lane.batch) lane.batchBytes += r.sizeBytes;
        lane.invocations = 0;
        lane.retriesUsed = 0;
        this.scheduleRetry(lane, "PartialBatchFailure", false, retryDelayUs(lane.failStreak, this.backoff));
      } else if (lane.retriesUsed < this.policy.retryAttemptsMax) {
        lane.retriesUsed++;
        this.scheduleRetry(lane, "PartialBatchFailure", true, retryDelayUs(lane.failStreak, this.backoff));
      } else {
        this.discard(lane, b, "RetryAttemptsExhausted", null);
        this.batchDone(lane);
      }
    } else {
      this.trace.emit(resultEvent(now, invocation, b, plan.durationUs, shardIndex, plan.outcome, b, NO_RECORDS, 0, 0, plan.invalidResponse || undefined));
      lane.failStreak++;
      const d = decideAfterFailure(b.length, lane.retriesUsed, "function-error", this.policy);
      if (d.kind === "retry") {
        lane.retriesUsed++;
        this.scheduleRetry(lane, "FunctionError", true, retryDelayUs(lane.failStreak, this.backoff));
      } else if (d.kind === "bisect") {
        const left = b.slice(0, d.leftSize);
        const right = b.slice(d.leftSize);
        this.bisects++;
        this.trace.emit({ tUs: now, type: "bisect", shard: ss.shard.index, lane: lane.index, records: b, left, right });
        lane.pendingHalves.push(right);
        lane.batch = left;
        lane.batchBytes = 0;
        for (const r of left) lane.batchBytes += r.sizeBytes;
        lane.invocations = 0;
        lane.retriesUsed = 0;
        lane.state = "idle";
      } else {
        if (b.length > 0) this.discard(lane, b, "RetryAttemptsExhausted", verdict.functionError);
        if (lane.finalInvoke) lane.tw = null;
        this.batchDone(lane);
      }
    }
    this.advanceCheckpoint(ss);
    lane.windowEndUs = now + this.m.batchingWindowUs;

    if (!this.enabledNow) {
      this.stopLane(lane);
      return;
    }
    if (ss.restartPending) {
      if (ss.inFlight === 0) this.restart(ss);
      else this.stopLane(lane);
      return;
    }
    if (lane.state === "backoff") return;
    if (lane.batch.length > 0) {
      // a bisected left half goes at once
      this.invoke(lane, "bisect");
      return;
    }
    lane.state = "idle";
    this.read(ss);
    for (const l of ss.lanes) this.pump(l);
    this.schedulePoll(ss, now + this.cfg.pollIntervalUs);
  }

  /** End as succeeded the records of `b` before `upTo` and any after it not in `failed`; mark the first `upTo` done.
   *  `succeeded` is `b` itself when every record of it newly succeeded (the usual case: no copy per batch; a batch
   *  array is never changed once invoked). */
  private succeed(b: readonly StreamRecord[], upTo: number, failed: Set<unknown> | null): { succeeded: readonly StreamRecord[]; redundant: number } {
    // null while every record so far newly succeeded, so that the list is b's prefix.
    let succeeded: StreamRecord[] | null = null;
    let redundant = 0;
    for (let i = 0; i < b.length; i++) {
      const r = b[i];
      if (i < upTo) r.state |= RecFlag.Done;
      else if (failed === null || failed.has(r)) {
        succeeded ??= b.slice(0, i);
        continue;
      }
      if (this.source.end(r, RecEnd.Succeeded)) {
        if (succeeded !== null) succeeded.push(r);
      } else {
        succeeded ??= b.slice(0, i);
        if (endOf(r) === RecEnd.Succeeded) redundant++;
      }
    }
    return { succeeded: succeeded ?? b, redundant };
  }

  private batchDone(lane: Lane): void {
    lane.batch = [];
    lane.batchBytes = 0;
    lane.invocations = 0;
    lane.retriesUsed = 0;
    lane.finalInvoke = false;
    if (lane.state !== "stopped") lane.state = "idle";
  }

  private scheduleRetry(lane: Lane, reason: StreamRetryEvent["reason"], countsAsRetry: boolean, delayUs: number): void {
    const now = this.sched.nowUs;
    this.retries++;
    this.trace.emit({ tUs: now, type: "streamRetry", shard: lane.ss.shard.index, lane: lane.index, records: lane.batch, attempt: lane.invocations + 1, delayUs, reason, countsAsRetry });
    lane.state = "backoff";
    const epoch = lane.epoch;
    const closedBy: ClosedBy = reason === "PartialBatchFailure" && !countsAsRetry ? "rewind" : lane.finalInvoke ? "window-end" : "retry";
    this.sched.at(now + delayUs, () => {
      if (lane.epoch !== epoch || lane.state !== "backoff") return;
      lane.state = "idle";
      this.invoke(lane, closedBy);
    }, PRIO);
  }

  /** Give up on `records`: they end as onFailure (unless already ended) and one invocation record is written. */
  private discard(lane: Lane, records: StreamRecord[], condition: "RetryAttemptsExhausted" | "RecordAgeExceeded", functionError: "Unhandled" | null): void {
    let ended = 0;
    for (const r of records) {
      if (this.source.end(r, RecEnd.OnFailure)) ended++;
      r.state |= RecFlag.Done;
    }
    this.trace.emit({
      tUs: this.sched.nowUs,
      type: "onFailure",
      shard: lane.ss.shard.index,
      records,
      ended,
      condition,
      approximateInvokeCount: approximateInvokeCount(lane.invocations, condition),
      functionError: condition === "RecordAgeExceeded" ? null : functionError,
      destinationArn: this.m.onFailureArn,
    });
  }
}

/** A stream record's delivery attempt (one function for every invocation: no closure per plan). */
function deliveriesOf(r: SimRecord): number {
  return (r as StreamRecord).deliveries;
}

/** A stream `result` event; every one has the same fields in the same order (one hidden class for the listeners). */
function resultEvent(
  tUs: number,
  invocation: number,
  records: StreamRecord[],
  durationUs: number,
  shard: number,
  outcome: Outcome,
  failed: readonly SimRecord[],
  succeeded: readonly StreamRecord[],
  redundant: number,
  ignoredPartial: number,
  invalidResponse: true | undefined,
): ResultEvent {
  return { tUs, type: "result", invocation, records, durationUs, shard, outcome, failed, succeeded, redundant, ignoredPartial, invalidResponse };
}
