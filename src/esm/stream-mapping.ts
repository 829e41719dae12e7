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
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filter before batching),
 *   https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html (shard read limits),
 *   https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html (1,000 records per call)
 *
 * - Polling: each shard is polled at the source's cadence (Kinesis once a second, DynamoDB four times a second)
 *   while it has a lane waiting for records; a lane that finishes a batch reads again at once, so a shard with a
 *   backlog is processed batch after batch. Polls that provably find nothing are skipped and counted as empty
 *   polls (`poll` trace events are written for reads that return records only). The mapping reads a shard when its
 *   lanes hold fewer than max(call record limit, BatchSize x ParallelizationFactor) records read and not yet batched
 *   (esm-sim's choice: the poller reads as its batches need records, "until the function catches up").
 * - Read limits (figures in profiles.ts): a Kinesis GetRecords call returns up to 10,000 records or 10 MB; a shard
 *   serves 5 calls and 2 MB per second shared by every standard consumer, so with `source.otherConsumers` the
 *   mapping gets 1 / (1 + otherConsumers) of both. The mapping spaces its own calls at its share of the call rate
 *   (esm-sim's choice: no call is thrown away on the call limit). Bytes are an allowance that a call may overdraw
 *   by up to one call's worth; the debt refills at the mapping's share per second, and a call while it is owed is a
 *   read throttle (ReadProvisionedThroughputExceeded, `readThrottle` event) after which the mapping waits
 *   readThrottleBackoffMs (chosen) before calling again. So one 10 MB call is followed by about 5 s without reads,
 *   as AWS describes. DynamoDB Streams: up to 1,000 records or 1 MB per call, one call per poll (four a second).
 * - Enhanced fan-out (`mapping.enhancedFanOut`, Kinesis): records are pushed efoPushLatencyMs (chosen) after they
 *   arrive, over a dedicated 2 MB/s per shard that other consumers do not share; a push never throttles, it waits
 *   until the allowance is paid back.
 * - Batches: up to BatchSize records within 6 MB; with a batching window the lane keeps reading until the window
 *   ends (it starts when the lane's previous invocation completes, as AWS states; a record read after the window ran
 *   out while the lane was empty is invoked at once). One batch per lane in flight, records in sequence order.
 * - ParallelizationFactor: each shard has PF lanes; a record's lane is its key's hash (bits of the MD5 that do not
 *   pick the shard) modulo PF (esm-sim's choice: AWS names no assignment rule). So one key never has two batches in
 *   flight, each key keeps its order, and concurrency never exceeds the distinct keys present. The shard's checkpoint
 *   is the lowest record not yet done in any lane.
 * - A function error stops the shard ("stops processing additional records in a shard if your function returns an
 *   error"): the shard's other batches in flight finish, and no lane starts a new batch until the failing batch
 *   (its bisected halves included) succeeds, is discarded or expires. The figure streamErrorPausesLaneOnly = 1
 *   (chosen alternative) stops only the failing batch's lane, so other keys keep flowing. Throttles do not stop it.
 * - Errors: see stream-retry.ts. The records of a failed batch stay in it, retried after a back-off, while the lane
 *   waits. Before every invocation records past retention are dropped (expire) and records older than
 *   MaximumRecordAgeInSeconds are discarded (onFailure RecordAgeExceeded, no responseContext); the rest still go.
 *   When the batch's first record passes retention during a retry back-off, the retry comes at the next poll tick
 *   after that instead of at the back-off's end, so records behind it are not lost to the wait.
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
 * Not modelled: the "several minutes" it takes a new or updated mapping to start polling, extensions,
 * isWindowTerminatedEarly (the 1 MB state limit), the 2-minute wait of idle windows, shard lineage, the reads of
 * other consumers as events of their own (they only take their share), DynamoDB's advice of at most two readers per
 * shard, the time a GetRecords call takes.
 */
import { assert } from "../engine/assert.js";
import { RunDeque } from "../engine/deque.js";
import type { Scheduler } from "../engine/scheduler.js";
import type { InvocationPlan, LambdaFunction } from "../lambda/function.js";
import type { WriteBack } from "../lambda/write-back.js";
import { onFailureDelivers, type MappingConfig } from "./config.js";
import { resolveFigures, type SqsFigures } from "./profiles.js";
import type { StreamSourceConfig } from "../sources/config.js";
import type { Shard, StreamSource } from "../sources/stream.js";
import { arrivalUsOf, deliveriesOf, endOf, RecEnd, type StreamRecord } from "../sources/stream-record.js";
import type { InvokeEvent, SimRecord, StreamRetryEvent, Trace } from "../trace/events.js";
import { clearDone, clearExecuting, deliverExecuting, firstNotDone, isExecuting, markDone, succeedDone } from "./stream-marks.js";
import { approximateInvokeCount, decideAfterResponse, judgeResponse, retryDelayUs, splitBeforeInvoke, type AfterResponse, type RetryBackoff, type RetryPolicy, type Verdict } from "./stream-retry.js";

/** The invocation payload limit that closes a batch (ESM: "You cannot modify this limit"). */
export const STREAM_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

const PRIO = 0;
/** An empty record list shared by every result that needs one (readonly: nobody adds to it; not frozen, which
 *  would give listeners a second kind of array to read). */
const NO_RECORDS: readonly StreamRecord[] = [];
/** The batch of a lane that holds none (shared: a batch is started as a new array, never by adding to this one). */
const NO_BATCH: StreamRecord[] = [];
/** No failed positions: what every response but a partial one reports (shared; nobody adds to it). */
const NO_INDEXES: readonly number[] = [];

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
  /** Positions in the shard of the records read for this lane and not yet batched, in order (runs of consecutive
   *  positions: one entry per run). The records are made objects as they are batched. */
  queue: RunDeque;
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
  /** The invocation in flight (a lane has at most one) and its plan, for `completes`. */
  invocation: number;
  plan: InvocationPlan | null;
  /** The lane's invocation in flight completes (one closure per lane, made once, not one per invocation). */
  completes: () => void;
}

interface ShardState {
  shard: Shard;
  lanes: Lane[];
  /** Next position to read. */
  cursor: number;
  pollAtUs: number;
  pollToken: number;
  /** The polls scheduled and not yet run, in the order they run (by time, then as scheduled): each one's time and
   *  token, from `pollHead` on (`pollCount` of them; the slots before the head are spent, and are reused once no poll
   *  is pending or the head has moved POLL_SLOTS_SPENT_MAX on). Only the one holding the shard's latest token polls;
   *  the others were superseded or cancelled. */
  pollTimesUs: number[];
  pollTokens: number[];
  pollHead: number;
  pollCount: number;
  /** The scheduled polls' action (one per shard, made once, not one per poll). */
  pollDue: () => void;
  /** Empty polls skipped before the scheduled one (each a tick of the shard's cadence at which nothing could have
   *  arrived), the first of them at skippedFromUs; counted as the scheduled poll runs (settleQuiet counts those a
   *  read, a disable or the run's end comes after). */
  skippedPolls: number;
  skippedFromUs: number;
  /** With no poll scheduled because no record will arrive again while a lane waits: the first tick of the shard's
   *  cadence from then on (Infinity otherwise). The mapping still polls at each tick, finding nothing; settleQuiet
   *  counts those ticks, not run. */
  idleFromUs: number;
  inFlight: number;
  restartPending: boolean;
  /** Read limits: the mapping's next GetRecords call slot, and its byte allowance (<= 0: a call that returned more
   *  than the allowance leaves a debt that refills at the mapping's share of the shard's bytes per second). */
  nextCallUs: number;
  allowanceBytes: number;
  allowanceAtUs: number;
  bytesRead: number;
  readThrottles: number;
  /** The last call stopped at a call limit with records left to read: the shard has a backlog. */
  behind: boolean;
  /** The lane whose failed batch stops the shard: no other lane starts a batch until it is over. */
  pausedBy: Lane | null;
}

/** The figures the stream mapping reads (profiles.ts). */
export type StreamReadFigures = Pick<
  SqsFigures,
  | "kinesisReadCallsPerS"
  | "kinesisReadBytesPerS"
  | "kinesisCallRecordsMax"
  | "kinesisCallBytesMax"
  | "dynamodbCallRecordsMax"
  | "dynamodbCallBytesMax"
  | "readThrottleBackoffMs"
  | "efoPushLatencyMs"
  | "streamErrorPausesLaneOnly"
>;

/** The current profile's figures, for a mapping built without a scenario's. */
const DEFAULT_READ_FIGURES: StreamReadFigures = resolveFigures("current");

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
  bisects = 0;
  redeliveriesOfSucceeded = 0;
  /** Of the last response settled (succeed): records processed again although an earlier success had ended them. */
  private redundant = 0;
  readThrottles = 0;
  /** One GetRecords call (or push) takes at most this many records and bytes. */
  private readonly callRecordsMax: number;
  private readonly callBytesMax: number;
  /** The mapping's share of the shard's read bytes per second (Infinity: no per-second byte limit). */
  private readonly bytesPerS: number;
  /** Time between the mapping's calls on a shard: its share of the calls per second (0: pushed, no calls). */
  private readonly callSpacingUs: number;
  private readonly pollIntervalUs: number;
  private readonly pushLatencyUs: number;
  private readonly throttleBackoffUs: number;
  private readonly readAheadMax: number;
  private readonly pausesLaneOnly: boolean;

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
    figures: StreamReadFigures | null = null,
  ) {
    const f = figures ?? DEFAULT_READ_FIGURES;
    const efo = cfg.type === "kinesis" && m.enhancedFanOut;
    if (cfg.type === "kinesis") {
      const share = efo ? 1 : 1 / (1 + cfg.otherConsumers);
      this.callRecordsMax = f.kinesisCallRecordsMax;
      this.callBytesMax = f.kinesisCallBytesMax;
      this.bytesPerS = f.kinesisReadBytesPerS * share;
      this.callSpacingUs = efo ? 0 : Math.round(1_000_000 / (f.kinesisReadCallsPerS * share));
    } else {
      // DynamoDB Streams: 1,000 records or 1 MB per call, one call per poll (four a second); no per-second byte limit.
      this.callRecordsMax = f.dynamodbCallRecordsMax;
      this.callBytesMax = f.dynamodbCallBytesMax;
      this.bytesPerS = Infinity;
      this.callSpacingUs = cfg.pollIntervalUs;
    }
    this.pollIntervalUs = efo ? 0 : cfg.pollIntervalUs;
    this.pushLatencyUs = efo ? Math.round(f.efoPushLatencyMs * 1000) : 0;
    this.throttleBackoffUs = Math.round(f.readThrottleBackoffMs * 1000);
    this.readAheadMax = Math.max(this.callRecordsMax, m.batchSize * m.parallelizationFactor);
    this.pausesLaneOnly = f.streamErrorPausesLaneOnly !== 0;
    this.policy = { retryAttemptsMax: m.retryAttemptsMax, bisectOnError: m.bisectOnError };
    this.backoff = { initialUs: m.retryBackoffInitialUs, maxUs: m.retryBackoffMaxUs };
    this.pf = m.parallelizationFactor;
    source.holdPastRetentionWhile(isExecuting);
    let id = 0;
    for (const shard of source.shards) {
      const ss: ShardState = {
        shard,
        lanes: [],
        cursor: 0,
        pollAtUs: Infinity,
        pollToken: 0,
        pollTimesUs: [],
        pollTokens: [],
        pollHead: 0,
        pollCount: 0,
        pollDue: () => {
          const token = ss.pollTokens[ss.pollHead];
          dropFirstPoll(ss);
          if (token === ss.pollToken) this.poll(ss);
        },
        skippedPolls: 0,
        skippedFromUs: Infinity,
        idleFromUs: Infinity,
        inFlight: 0,
        restartPending: false,
        nextCallUs: 0,
        allowanceBytes: 0,
        allowanceAtUs: 0,
        bytesRead: 0,
        readThrottles: 0,
        behind: false,
        pausedBy: null,
      };
      for (let i = 0; i < this.pf; i++) {
        const lane: Lane = {
          id: id++,
          index: i,
          ss,
          queue: new RunDeque(),
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
          invocation: 0,
          plan: null,
          completes: () => {
            const plan = lane.plan!;
            lane.plan = null;
            this.complete(lane, lane.invocation, plan);
          },
        };
        ss.lanes.push(lane);
      }
      this.shards.push(ss);
    }
  }

  get invocations(): number {
    return this.invocationCount;
  }

  /** Bytes read from shard `i` and the read throttles (ReadProvisionedThroughputExceeded) it gave the mapping. */
  shardReads(i: number): { bytesRead: number; readThrottles: number } {
    const ss = this.shards[i];
    return { bytesRead: ss.bytesRead, readThrottles: ss.readThrottles };
  }

  /** The next position the mapping reads on shard `i`: records before it were read (or skipped by the starting
   *  position); a restart from the checkpoint moves it back. */
  readPosition(i: number): number {
    return this.shards[i].cursor;
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
        while (pos < shard.accepted && shard.arrivalUsAt(pos) < fromUs) pos++;
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
    const now = this.sched.nowUs;
    for (const ss of this.shards) {
      this.settleQuiet(ss, now);
      ss.pollToken++;
      ss.pollAtUs = Infinity;
      ss.skippedPolls = 0;
      ss.idleFromUs = Infinity;
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
    if (lane.ss.pausedBy === lane) lane.ss.pausedBy = null;
    lane.epoch++;
    lane.state = "stopped";
    lane.batch = [];
    lane.batchBytes = 0;
    lane.pendingHalves = [];
    lane.queue = new RunDeque();
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
    // Only records made objects carry marks: the packed ones after them stay packed.
    const objectsEnd = Math.min(shard.accepted, shard.firstPackedPos);
    for (let pos = ss.cursor; pos < objectsEnd; pos++) {
      const r = shard.at(pos);
      if (r) clearDone(r);
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

  /** The lane of the record at `pos` (its key's lane). */
  private laneAt(ss: ShardState, pos: number): Lane {
    return this.pf === 1 ? ss.lanes[0] : ss.lanes[this.source.laneHashOf(ss.shard.keyIndexAt(pos)) % this.pf];
  }

  /**
   * One GetRecords call (or, with enhanced fan-out, one push): records that have arrived go into their lanes
   * (filtering as it reads), up to the call's record and byte limits. Returns the records put in lanes, or -1 when no
   * call was made: the lanes already hold enough, the call slot or byte allowance is not there yet (a poll is
   * scheduled for it), or the shard's read limit threw ReadProvisionedThroughputExceeded (the mapping backs off).
   */
  private read(ss: ShardState): number {
    const shard = ss.shard;
    const now = this.sched.nowUs;
    let queued = 0;
    for (const lane of ss.lanes) queued += lane.queue.length;
    if (queued >= this.readAheadMax) return -1;
    if (now < ss.nextCallUs) {
      // Over the call rate: with a backlog the mapping calls at its next slot; caught up, at the next poll.
      if (ss.behind) this.schedulePoll(ss, ss.nextCallUs);
      return -1;
    }
    if (this.bytesPerS !== Infinity && !this.hasAllowance(ss, now)) return -1;
    const visibleUs = now - this.pushLatencyUs;
    const recordsMax = this.callRecordsMax;
    const bytesMax = this.callBytesMax;
    let read = 0;
    let taken = 0;
    let bytes = 0;
    ss.behind = false;
    let lastArrivalUs = now;
    // The empty polls the cadence made before this call, not run, count before it.
    this.settleQuiet(ss, now);
    // By position: a record is made an object here only for the filter (the lanes take positions).
    const keep = this.keep;
    // One lane and no filter: packed records (not ended, all for that lane) are taken as a run.
    const run = keep === null && this.pf === 1;
    for (;;) {
      const pos = ss.cursor;
      if (run && pos >= shard.firstPackedPos) {
        const n = shard.takeArrived(pos, visibleUs, recordsMax - taken, bytes, bytesMax, taken > 0);
        if (n > 0) {
          ss.lanes[0].queue.pushRun(pos, n);
          ss.cursor += n;
          taken += n;
          bytes += shard.takenBytes;
          read += n;
          lastArrivalUs = shard.arrivalUsAt(pos + n - 1);
        }
        if (shard.takeStoppedAtLimit) ss.behind = true;
        break;
      }
      if (pos >= shard.accepted) break;
      const arrivalUs = shard.arrivalUsAt(pos);
      if (arrivalUs > visibleUs) break;
      if (taken >= recordsMax) {
        ss.behind = true;
        break;
      }
      if (shard.endAt(pos) === RecEnd.Expired) {
        // trimmed from the shard: GetRecords no longer returns it
        ss.cursor++;
        markDone(shard.at(pos)!);
        continue;
      }
      const sizeBytes = shard.sizeBytesAt(pos);
      if (taken > 0 && bytes + sizeBytes > bytesMax) {
        ss.behind = true;
        break;
      }
      ss.cursor++;
      taken++;
      bytes += sizeBytes;
      if (keep !== null) {
        const r = shard.at(pos)!;
        if (!keep(r)) {
          markDone(r);
          if (this.source.end(r, RecEnd.Filtered)) this.trace.emit({ tUs: now, type: "filter", record: r, shard: shard.index });
          continue;
        }
      }
      this.laneAt(ss, pos).queue.push(pos);
      lastArrivalUs = arrivalUs;
      read++;
    }
    ss.nextCallUs = now + this.callSpacingUs;
    ss.allowanceBytes -= bytes;
    ss.bytesRead += bytes;
    // Every call made counts, whichever path made it (a poll, a lane reading again after its response, a batching
    // window's wake); a call that returned nothing is an empty one.
    this.polls++;
    if (taken === 0) this.emptyPolls++;
    if (read > 0) {
      let waiting = 0;
      for (const lane of ss.lanes) waiting += lane.queue.length;
      this.trace.emit({ tUs: now, type: "poll", poller: shard.index, shard: shard.index, received: read, visible: waiting, readAgeUs: now - lastArrivalUs });
    }
    this.advanceCheckpoint(ss);
    return read;
  }

  /** Whether the mapping's share of the shard's read bytes allows a call now. A call may take more than the share
   *  (up to the call's limit); the debt refills at the share per second, and a call while it is owed is throttled
   *  (KDS-LIMITS: "if a call returns 10 MB, subsequent calls made within the next 5 seconds throw an exception").
   *  Pushed records (enhanced fan-out) are not throttled: the push waits until the debt is paid. */
  private hasAllowance(ss: ShardState, now: number): boolean {
    ss.allowanceBytes = Math.min(0, ss.allowanceBytes + ((now - ss.allowanceAtUs) * this.bytesPerS) / 1_000_000);
    ss.allowanceAtUs = now;
    if (ss.allowanceBytes >= 0) return true;
    let delayUs: number;
    if (this.callSpacingUs === 0) {
      delayUs = Math.ceil((-ss.allowanceBytes * 1_000_000) / this.bytesPerS);
    } else {
      delayUs = this.throttleBackoffUs;
      this.readThrottles++;
      ss.readThrottles++;
      this.trace.emit({ tUs: now, type: "readThrottle", shard: ss.shard.index, delayUs });
    }
    ss.nextCallUs = now + delayUs;
    this.schedulePoll(ss, ss.nextCallUs);
    return false;
  }

  private advanceCheckpoint(ss: ShardState): void {
    const shard = ss.shard;
    const before = shard.checkpointPos;
    if (before < ss.cursor) shard.checkpointPos = firstNotDone(shard, before, ss.cursor);
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
    const interval = this.pollIntervalUs;
    let at = earliestUs;
    let skipped = 0;
    if (skipEmpty) {
      let next = this.source.nextArrivalUs(ss.shard, ss.cursor, this.sched.nowUs);
      if (next === Infinity) {
        // Nothing will arrive again: the shard is polled at each tick from `at` on, each poll empty (counted, not run).
        if (ss.pollAtUs === Infinity && interval > 0 && ss.idleFromUs === Infinity) ss.idleFromUs = at;
        return;
      }
      if (this.pushLatencyUs > 0) {
        const shard = ss.shard;
        const held = ss.cursor < shard.accepted && ss.cursor >= shard.firstHeldPos;
        next = Math.max(this.sched.nowUs, (held ? shard.arrivalUsAt(ss.cursor) : next) + this.pushLatencyUs);
      }
      if (next > at) {
        // pushed records (interval 0) come when they arrive; polls skip the ticks that would find nothing
        skipped = interval === 0 ? 0 : Math.ceil((next - at) / interval);
        at = interval === 0 ? next : at + skipped * interval;
      }
    }
    if (at >= ss.pollAtUs) return;
    // This schedule replaces any quiet stretch: the empty polls that stretch made before now count now.
    this.settleQuiet(ss, this.sched.nowUs);
    ss.idleFromUs = Infinity;
    ss.pollAtUs = at;
    ss.skippedPolls = skipped;
    ss.skippedFromUs = at - skipped * interval;
    const token = ++ss.pollToken;
    // Kept in the order the scheduler runs them (all at PRIO): after every pending poll at the same time or earlier.
    const times = ss.pollTimesUs;
    const tokens = ss.pollTokens;
    const head = ss.pollHead;
    let i = head + ss.pollCount++;
    if (i === times.length) {
      times.push(at);
      tokens.push(token);
    }
    while (i > head && times[i - 1] > at) {
      times[i] = times[i - 1];
      tokens[i] = tokens[i - 1];
      i--;
    }
    times[i] = at;
    tokens[i] = token;
    this.sched.at(at, ss.pollDue, PRIO);
  }

  /** Count the empty polls of the shard's quiet stretch (the ticks skipped before the scheduled poll, or the ticks of
   *  an idle shard) at times before `beforeUs`; the skipped ticks after it stay for the scheduled poll to count, and
   *  an idle stretch ends. */
  private settleQuiet(ss: ShardState, beforeUs: number): void {
    const interval = this.pollIntervalUs;
    if (interval === 0) return;
    let n = 0;
    if (ss.skippedPolls > 0 && ss.skippedFromUs < beforeUs) {
      const k = Math.min(ss.skippedPolls, Math.floor((beforeUs - 1 - ss.skippedFromUs) / interval) + 1);
      ss.skippedPolls -= k;
      ss.skippedFromUs += k * interval;
      n += k;
    }
    if (ss.idleFromUs < beforeUs) n += Math.floor((beforeUs - 1 - ss.idleFromUs) / interval) + 1;
    ss.idleFromUs = Infinity;
    this.polls += n;
    this.emptyPolls += n;
  }

  /** The run ends at `endUs`: the empty polls of every shard's quiet stretch at or before it count (once; a second
   *  call finds none left). */
  settlePolls(endUs: number): void {
    for (const ss of this.shards) this.settleQuiet(ss, endUs + 1);
  }

  private poll(ss: ShardState): void {
    ss.pollAtUs = Infinity;
    // The ticks skipped because nothing could have arrived are calls that would have found nothing (read counts the
    // calls it makes).
    this.polls += ss.skippedPolls;
    this.emptyPolls += ss.skippedPolls;
    ss.skippedPolls = 0;
    const got = this.read(ss);
    if (got < 0) {
      // No call made: a poll for the next slot may be scheduled; or the lanes hold enough (a response reads again).
      for (const lane of ss.lanes) this.pump(lane);
      if (this.pollIntervalUs > 0) this.schedulePoll(ss, this.sched.nowUs + this.pollIntervalUs);
      return;
    }
    for (const lane of ss.lanes) this.pump(lane);
    this.schedulePoll(ss, this.sched.nowUs + this.pollIntervalUs);
  }

  private wakeAt(lane: Lane, atUs: number): void {
    const epoch = lane.epoch;
    this.sched.at(Math.max(atUs, this.sched.nowUs), () => {
      if (lane.epoch !== epoch || !this.enabledNow) return;
      if (lane.state !== "idle" && lane.state !== "gathering") return;
      this.read(lane.ss);
      for (const l of lane.ss.lanes) this.pump(l);
      this.schedulePoll(lane.ss, this.sched.nowUs + this.pollIntervalUs);
    }, PRIO);
  }

  // ---- batching ----------------------------------------------------------------------------------------------

  /** Whether the record queued at `pos` expired while queued (it is then marked done; once the checkpoint passed it,
   *  the log has dropped it). A packed record has not ended: it is not made an object here, so that a batch takes it
   *  with the packed ones after it. */
  private queuedGone(shard: Shard, pos: number): boolean {
    if (pos >= shard.firstPackedPos && pos < shard.accepted) return false;
    const r = shard.at(pos);
    if (r !== undefined && endOf(r) !== RecEnd.Expired) return false;
    if (r !== undefined) markDone(r);
    return true;
  }

  private windowOf(r: StreamRecord): number {
    const T = this.m.tumblingWindowUs;
    return Math.floor(arrivalUsOf(r) / T) * T;
  }

  /** The lane's next step when it holds no batch in flight or waiting: a bisected half, a window's final
   *  invocation, or the next batch from its queue. */
  private pump(lane: Lane): void {
    if (!this.enabledNow || (lane.state !== "idle" && lane.state !== "gathering")) return;
    // A failed batch on another lane stops the shard: this lane starts nothing until that batch is over.
    const pausedBy = lane.ss.pausedBy;
    if (pausedBy !== null && pausedBy !== lane) return;
    const now = this.sched.nowUs;
    if (lane.batch.length === 0 && lane.pendingHalves.length > 0) {
      this.newBatch(lane, lane.pendingHalves.pop()!);
      this.invoke(lane, "bisect");
      return;
    }
    const q = lane.queue;
    const shard = lane.ss.shard;
    while (q.length > 0 && this.queuedGone(shard, q.peek())) q.shift();
    const T = this.m.tumblingWindowUs;
    if (T > 0 && lane.batch.length === 0) {
      const next = q.length > 0 ? shard.at(q.peek()) : undefined;
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
    const cursor = lane.ss.cursor;
    while (lane.batch.length < batchSize && q.length > 0) {
      const pos = q.peek();
      if (T === 0 && pos === shard.firstPackedPos && pos + q.length === cursor) {
        // The queue holds every position from here to the cursor, all packed (not ended): they become objects and
        // go into the batch at once, as the steps below would take them one by one.
        const want = Math.min(batchSize - lane.batch.length, q.length);
        let taken: number;
        if (lane.batch.length === 0) {
          lane.batch = shard.unpackBatch(want, STREAM_PAYLOAD_MAX_BYTES);
          taken = lane.batch.length;
        } else taken = shard.unpackInto(lane.batch, want, lane.batchBytes, STREAM_PAYLOAD_MAX_BYTES);
        q.shiftMany(taken);
        lane.batchBytes += shard.takenBytes;
        if (taken < want) {
          payloadFull = true;
          break;
        }
        continue;
      }
      const r = shard.at(pos);
      if (r === undefined || endOf(r) === RecEnd.Expired) {
        // expired while queued (and, once the checkpoint passed it, dropped from the log)
        if (r !== undefined) markDone(r);
        q.shift();
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
      if (lane.batch.length === 0) lane.batch = [r];
      else lane.batch.push(r);
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
    if (!lane.finalInvoke && this.oldestMustGo(lane.batch, now)) {
      // Split off records past retention (lost) and past MaximumRecordAgeInSeconds (discarded) before invoking.
      const b = lane.batch;
      const split = splitBeforeInvoke((i) => arrivalUsOf(b[i]), b.length, now, this.cfg.retentionUs, this.m.recordAgeMaxUs);
      const cut = split.retention + split.age;
      if (cut > 0) {
        for (let i = 0; i < split.retention; i++) {
          this.source.expireNow(b[i], now);
          markDone(b[i]);
        }
        if (split.age > 0) this.discard(lane, b.slice(split.retention, cut), "RecordAgeExceeded", null);
        lane.batch = b.slice(cut);
        lane.batchBytes = bytesOf(lane.batch);
        this.advanceCheckpoint(ss);
        if (lane.batch.length === 0) {
          // Nothing left to invoke: the lane reads again at once, as after any batch that is over (goOn).
          this.batchDone(lane);
          lane.state = "idle";
          this.read(ss);
          for (const l of ss.lanes) this.pump(l);
          this.schedulePoll(ss, now + this.pollIntervalUs);
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
    for (let i = 0; i < batch.length; i++) if (deliverExecuting(batch[i]) === RecEnd.Succeeded) this.redeliveriesOfSucceeded++;
    const plan = this.fn.plan(batch, attemptOf, now);
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
      iteratorAgeUs: batch.length > 0 ? now - arrivalUsOf(batch[batch.length - 1]) : undefined,
      window: tw ? { startUs: tw.startUs, endUs: tw.endUs, stateRecords: tw.stateRecords, isFinalInvokeForWindow: lane.finalInvoke } : undefined,
      initUs: plan.cold ? plan.initUs : undefined,
    });
    // A cold start's Init phase runs first, in the environment the invocation holds.
    if (lane.plan !== null) assert(false, "a lane invoked while its invocation is in flight");
    lane.invocation = invocation;
    lane.plan = plan;
    this.sched.after(plan.initUs + plan.durationUs, lane.completes, PRIO);
  }

  /** Whether the batch's first record (its oldest: a batch is in sequence order) is past retention or
   *  MaximumRecordAgeInSeconds at `now`; when it is not, no record of the batch is, and nothing is split off. */
  private oldestMustGo(b: readonly StreamRecord[], now: number): boolean {
    if (b.length === 0) return false;
    const arrivalUs = arrivalUsOf(b[0]);
    return arrivalUs + this.cfg.retentionUs <= now || (this.m.recordAgeMaxUs !== Infinity && now - arrivalUs > this.m.recordAgeMaxUs);
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
    if (written > 0) this.schedulePoll(lane.ss, this.sched.nowUs + this.pollIntervalUs);
  }

  /** The invocation's response: judged (stream-retry.ts), recorded, and what follows applied; then the lane goes on. */
  private settle(lane: Lane, invocation: number, plan: InvocationPlan): void {
    const ss = lane.ss;
    this.fn.release(this.sched.nowUs);
    ss.inFlight--;
    const b = lane.batch;
    // A list Lambda does not find (partial-unread) reads as none: as if the mapping did not read responses.
    const read = this.m.reportBatchItemFailures && !plan.unreadResponse;
    const verdict = judgeResponse(plan.outcome, failedIndexes(b, plan), plan.invalidResponse, read);
    // A success clears the executing marks as it marks the records done (one pass); any other response here.
    if (verdict.kind !== "success") for (const r of b) clearExecuting(r);
    this.recordResponse(lane, invocation, plan, verdict);
    lane.failStreak = verdict.kind === "success" ? 0 : lane.failStreak + 1;
    this.follow(lane, decideAfterResponse(verdict, b.length, lane.retriesUsed, this.policy));
    this.advanceCheckpoint(ss);
    lane.windowEndUs = this.sched.nowUs + this.m.batchingWindowUs;
    this.goOn(lane);
  }

  /** End the records the response processed as succeeded and emit its `result` (one event literal, so that every
   *  result event has one hidden class: listeners' property loads stay monomorphic). */
  private recordResponse(lane: Lane, invocation: number, plan: InvocationPlan, verdict: Verdict): void {
    const b = lane.batch;
    let outcome = plan.outcome;
    let failed: readonly SimRecord[] = NO_RECORDS;
    let succeeded: readonly StreamRecord[] = NO_RECORDS;
    this.redundant = 0;
    let ignoredPartial = 0;
    let invalidResponse: true | undefined;
    let unreadResponse: true | undefined;
    if (verdict.kind === "success") {
      succeeded = this.succeed(b, b.length, null, true);
      // A partial response that is not read (no ReportBatchItemFailures, or a list Lambda does not find) is an
      // ordinary return.
      const rbif = this.m.reportBatchItemFailures;
      if (outcome === "partial" && (!rbif || plan.unreadResponse)) outcome = "ok";
      ignoredPartial = verdict.ignoredFailures;
      if (rbif && plan.unreadResponse && ignoredPartial > 0) unreadResponse = true;
    } else if (verdict.kind === "partial") {
      succeeded = this.succeed(b, verdict.checkpointIndex, new Set(plan.failed), false);
      failed = plan.failed;
    } else {
      failed = b;
      invalidResponse = plan.invalidResponse || undefined;
    }
    const redundant = this.redundant;
    const shard = lane.ss.shard.index;
    this.trace.emit({ tUs: this.sched.nowUs, type: "result", invocation, records: b, durationUs: plan.durationUs, shard, outcome, failed, succeeded, redundant, ignoredPartial, invalidResponse, unreadResponse });
  }

  /** Apply what follows a response (stream-retry.ts decideAfterResponse). */
  private follow(lane: Lane, next: AfterResponse): void {
    switch (next.kind) {
      case "done":
        if (lane.tw !== null && !lane.finalInvoke) lane.tw.stateRecords += lane.batch.length;
        return this.finishBatch(lane);
      case "rewind":
        return this.rewind(lane, next.checkpointIndex);
      case "retry":
        lane.retriesUsed++;
        this.pauseShard(lane);
        return this.scheduleRetry(lane, next.reason, true, retryDelayUs(lane.failStreak, this.backoff));
      case "bisect":
        this.pauseShard(lane);
        return this.bisect(lane, next.leftSize);
      case "discard":
        if (lane.batch.length > 0) this.discard(lane, lane.batch, "RetryAttemptsExhausted", next.functionError);
        return this.finishBatch(lane);
    }
  }

  /** The checkpoint moves to the lowest failed record; the rest (failed or not) is a new batch. */
  private rewind(lane: Lane, checkpointIndex: number): void {
    if (lane.tw) lane.tw.stateRecords += checkpointIndex;
    this.pauseShard(lane);
    this.newBatch(lane, lane.batch.slice(checkpointIndex));
    this.scheduleRetry(lane, "PartialBatchFailure", false, retryDelayUs(lane.failStreak, this.backoff));
  }

  /** Split the batch: the left half runs next (at once), the right half waits for it. */
  private bisect(lane: Lane, leftSize: number): void {
    const b = lane.batch;
    const left = b.slice(0, leftSize);
    const right = b.slice(leftSize);
    this.bisects++;
    this.trace.emit({ tUs: this.sched.nowUs, type: "bisect", shard: lane.ss.shard.index, lane: lane.index, records: b, left, right });
    lane.pendingHalves.push(right);
    this.newBatch(lane, left);
    lane.state = "idle";
  }

  /** `records` become the lane's batch, with a fresh invocation and retry count, and its own back-off: its first
   *  retry waits the first delay (stream-retry.ts), however many failures the batch it came from had. */
  private newBatch(lane: Lane, records: StreamRecord[]): void {
    lane.batch = records;
    lane.batchBytes = bytesOf(records);
    lane.invocations = 0;
    lane.retriesUsed = 0;
    lane.failStreak = 0;
  }

  /** The batch is over; a window's final invocation closes its window. */
  private finishBatch(lane: Lane): void {
    if (lane.finalInvoke) lane.tw = null;
    this.batchDone(lane);
  }

  /** After a response: stop or restart with the mapping, wait for a retry, run a bisected half, or read again. */
  private goOn(lane: Lane): void {
    const ss = lane.ss;
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
    this.schedulePoll(ss, this.sched.nowUs + this.pollIntervalUs);
  }

  /** End as succeeded the records of `b` before `upTo` and any after it not in `failed`; mark the first `upTo` done.
   *  `succeeded` is `b` itself when every record of it newly succeeded (the usual case: no copy per batch; a batch
   *  array is never changed once invoked). `executingEnds`: the records' executing marks are cleared here too.
   *  Returns the records newly ended as succeeded; `redundant` says how many were processed again although an
   *  earlier success had ended them. */
  private succeed(b: readonly StreamRecord[], upTo: number, failed: Set<unknown> | null, executingEnds: boolean): readonly StreamRecord[] {
    // null while every record so far newly succeeded, so that the list is b's prefix.
    let succeeded: StreamRecord[] | null = null;
    let redundant = 0;
    for (let i = 0; i < b.length; i++) {
      const r = b[i];
      if (i < upTo && executingEnds) {
        const before = succeedDone(this.source, r);
        if (before === RecEnd.None) {
          if (succeeded !== null) succeeded.push(r);
        } else {
          succeeded ??= b.slice(0, i);
          if (before === RecEnd.Succeeded) redundant++;
        }
        continue;
      }
      if (i < upTo) markDone(r);
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
    this.redundant = redundant;
    return succeeded ?? b;
  }

  /** The function returned an error for the lane's batch: the shard stops starting batches until it is over
   *  (with streamErrorPausesLaneOnly, only the lane waits: it holds the batch). */
  private pauseShard(lane: Lane): void {
    if (!this.pausesLaneOnly && this.pf > 1) lane.ss.pausedBy = lane;
  }

  private batchDone(lane: Lane): void {
    // The failed batch is over (succeeded, discarded or expired, bisected halves included): the shard goes on.
    if (lane.ss.pausedBy === lane && lane.pendingHalves.length === 0) lane.ss.pausedBy = null;
    lane.batch = NO_BATCH;
    lane.batchBytes = 0;
    lane.invocations = 0;
    lane.retriesUsed = 0;
    lane.finalInvoke = false;
    if (lane.state !== "stopped") lane.state = "idle";
  }

  private scheduleRetry(lane: Lane, reason: StreamRetryEvent["reason"], countsAsRetry: boolean, delayUs: number): void {
    const now = this.sched.nowUs;
    this.trace.emit({ tUs: now, type: "streamRetry", shard: lane.ss.shard.index, lane: lane.index, records: lane.batch, attempt: lane.invocations + 1, delayUs, reason, countsAsRetry });
    lane.state = "backoff";
    const epoch = lane.epoch;
    const closedBy: ClosedBy = reason === "PartialBatchFailure" && !countsAsRetry ? "rewind" : lane.finalInvoke ? "window-end" : "retry";
    // When the batch's first record leaves the stream during the back-off, the mapping goes on at the next poll
    // after it instead of sleeping out the back-off: the records behind it are read while still retained.
    let atUs = now + delayUs;
    if (lane.batch.length > 0) {
      const expiresUs = arrivalUsOf(lane.batch[0]) + this.cfg.retentionUs;
      const interval = this.cfg.pollIntervalUs;
      if (expiresUs < atUs) atUs = Math.min(atUs, now + Math.max(1, Math.ceil((expiresUs - now) / interval)) * interval);
    }
    this.sched.at(atUs, () => {
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
      markDone(r);
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
      delivered: onFailureDelivers(this.m.onFailureArn),
    });
  }
}

/** Spent slots at the front of a shard's list of pending polls before the pending ones move to the front. */
const POLL_SLOTS_SPENT_MAX = 64;

/** The shard's first pending poll has run: its slot is spent (no array shift per poll). */
function dropFirstPoll(ss: ShardState): void {
  const head = ++ss.pollHead;
  if (--ss.pollCount === 0) ss.pollHead = 0;
  else if (head >= POLL_SLOTS_SPENT_MAX) {
    const times = ss.pollTimesUs;
    const tokens = ss.pollTokens;
    for (let k = 0; k < ss.pollCount; k++) {
      times[k] = times[head + k];
      tokens[k] = tokens[head + k];
    }
    ss.pollHead = 0;
  }
}

/** A stream record's delivery attempt (one function for every invocation: no closure per plan). */
function attemptOf(r: SimRecord): number {
  return deliveriesOf(r as StreamRecord);
}

/** Positions in `b` of the records a partial response reports failed. */
function failedIndexes(b: readonly StreamRecord[], plan: InvocationPlan): readonly number[] {
  if (plan.outcome !== "partial" || plan.failed.length === 0) return NO_INDEXES;
  const out: number[] = [];
  const failed = new Set(plan.failed);
  for (let i = 0; i < b.length; i++) if (failed.has(b[i])) out.push(i);
  return out;
}

function bytesOf(records: readonly StreamRecord[]): number {
  let bytes = 0;
  for (const r of records) bytes += r.sizeBytes;
  return bytes;
}
