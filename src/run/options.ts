/** What a caller of simulate() passes (SimulateOptions), and what it is told back through those options. */
import type { KeepRecord } from "../esm/stream-mapping.js";
import type { TraceListener } from "../trace/events.js";

/** What a trace writer (report/trace-jsonl.ts) needs to turn record references into ids and key names. */
export interface TraceContext {
  /** The queue's name, or the stream's. */
  queue: string;
  keyNames: readonly string[];
  /** Stream sources: record ids are sequence numbers and events name shards. `writtenBackProducer`: the
   *  pseudo-producer of the records the function writes back to its own stream (function.writesBack). `logicalOfN`:
   *  with producer retries on Kinesis, the first send of each record that has or is a retry (StreamSource). */
  stream?: { type: "kinesis" | "dynamodb"; name: string; shardIds: readonly string[]; writtenBackProducer?: number; logicalOfN?: ReadonlyMap<number, number> };
}

/** Where a run is, for a progress display. Virtual time only: the model never reads the wall clock. */
export interface Progress {
  nowUs: number;
  /** The time the run stops at the latest (until, or the cap). */
  endUs: number;
  produced: number;
  /** Records in an end state so far. */
  ended: number;
  eventsRun: number;
}

export interface SimulateOptions {
  /** Makes a listener for every trace event, per-record ones included (for --trace). */
  trace?: (ctx: TraceContext) => TraceListener;
  /** Makes a listener for the trace's events without asking for per-record ones (produce events reach it only when
   *  another listener asks for them): `produced()` says, at any moment, how many records the run has produced so far
   *  (production indexes 0 to produced() - 1), for a listener that needs that count rather than an event per
   *  record (run --check). The run then keeps records packed and makes no produce events for it. */
  watch?: (produced: () => number) => TraceListener;
  /** Stream sources: overrides the scenario's FilterCriteria (records for which it returns false are filtered when
   *  read; null: no filtering). Without it, or for queues, the mapping applies scenario.mapping.filter. */
  keep?: KeepRecord | null;
  /** Called every `progressEvery` loop turns (default 65,536) with where the run is. */
  progress?: (p: Progress) => void;
  progressEvery?: number;
  /** Stop with stopReason "event-budget" after this many scheduler events (default: budget.ts defaultMaxEvents). */
  maxEvents?: number;
  /** Stop with stopReason "record-budget" when more records than this wait at once (default MAX_WAITING_RECORDS). */
  maxWaitingRecords?: number;
}
