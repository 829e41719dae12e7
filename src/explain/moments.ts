/**
 * Moments: the steps of a run that teach something, each naming the rule it shows. Moment rules read the typed
 * trace events (trace/events.ts), one rule per event type, and the Scenario the run was made from; records are
 * named as the JSONL trace names them (names.ts). The state they share is bounded: open invocations, and
 * per-record notes for at most TRACK_CAP records (beyond that, a moment just says less about causes).
 */
import { formatCount, formatDurationUs } from "../scenario/units.js";
import type { Scenario } from "../scenario/model.js";
import { isStreamSource, type SqsSourceConfig } from "../sources/config.js";
import type { FilterEvent, InvokeEvent, SimRecord, TraceEvent } from "../trace/events.js";
import type { TraceNames } from "./names.js";
import type { RuleId } from "./rules.js";

/** One thing worth saying about the run. */
export interface Moment {
  tMs: number;
  /** Moments with the same fold key are folded after the first one shown. */
  fold: string;
  rule: RuleId | null;
  text: string;
  /** How folded moments of this kind are counted: [singular, plural]. */
  noun: readonly [string, string];
  /** A quantity summed over folded moments, e.g. messages deleted (left out where each moment is one of what the
   *  noun counts: the fold's count already says it). */
  amount?: { n: number; noun: readonly [string, string] };
  /** Said of the last folded moment in a fold summary, e.g. "now 405 concurrent batches". */
  tail?: string;
  /** Never folded. */
  always?: boolean;
  /** Folded repeats are not summed up in a line (routine steps the outcome already counts). */
  silent?: boolean;
}

/** Per-record notes are kept for at most this many records at once. */
const TRACK_CAP = 100_000;

interface OpenInvocation {
  /** A copy of the invoke event's records: a mapping may go on with its batch array after the event. */
  records: readonly SimRecord[];
  /** Streams: the shard index and the lane within the shard; null and 0 for SQS. */
  shard: number | null;
  lane: number;
}

/** Streams: a shard's lane held by a failing batch, from its first failure until its records are all done. */
export interface BlockedLane {
  shard: number;
  lane: number;
  sinceMs: number;
  invocation: number;
  /** Failed invocations after the first. */
  retries: number;
  /** Records (production indexes) of the failed batch not yet done: succeeded, given up on, expired or past the
   *  checkpoint. */
  pending: Set<number>;
  /** The largest IteratorAge of the lane's invocations while blocked. */
  maxAgeMs: number;
}

/** State shared by the moment rules. Records are keyed by their production index (SimRecord.n). */
export class NarrationState {
  readonly open = new Map<number, OpenInvocation>();
  /** Record -> the open invocation holding it. */
  readonly inInvocation = new Map<number, number>();
  /** Record -> the last failed invocation that held it (until it ends). */
  readonly failedIn = new Map<number, number>();
  /** Failed invocation -> how many of its records failed. */
  readonly failedSize = new Map<number, number>();
  /** Records whose batch a throttled poller let go. */
  readonly releasedByThrottle = new Set<number>();
  /** Record -> why it may be processed twice. */
  readonly dupCause = new Map<number, string>();
  /** SQS FIFO: records processed by an invocation whose delete the queue refused (until they succeed again). */
  readonly undeleted = new Set<number>();
  /** Streams: blocked lanes by laneKey. */
  readonly blocked = new Map<string, BlockedLane>();
  readonly shardsStarted = new Set<number>();
  readonly lanesStarted = new Set<string>();
  /** Streams: shard -> when its last blocked lane moved on, and how long it had been blocked. */
  readonly unblockedAt = new Map<number, { atMs: number; spanMs: number }>();
  /** Streams: shard -> the read throttles (ReadProvisionedThroughputExceeded) it has given the mapping so far. */
  readonly readThrottles = new Map<number, number>();
  /** Streams: the next IteratorAge worth telling (doubles each time one is told). */
  nextIteratorAgeMs = 30_000;
  /** Disabled periods already told. */
  disabledTold = 0;
  /** SQS FIFO: message group (key index) -> the failed message holding it and since when. */
  readonly lockedGroups = new Map<number, { record: SimRecord; sinceMs: number }>();
  polls = 0;
  emptyPolls = 0;
  invokes = 0;
  /** SQS: the latest-sent record processed so far, to tell records processed out of send order. */
  maxSucceeded: SimRecord | null = null;
  lastFailure: { kind: "throttle" | "error" | "timeout"; tMs: number } | null = null;

  constructor(
    readonly scenario: Scenario,
    readonly names: TraceNames,
  ) {}

  /** The queue of an SQS run (the SQS rules run for SQS sources only). */
  get queue(): SqsSourceConfig {
    const s = this.scenario.source;
    if (isStreamSource(s)) throw new Error(`explain: SQS moment rule on a ${s.type} source`);
    return s;
  }

  note<K>(map: Map<K, unknown> | Set<K>, key: K, value?: unknown): void {
    if (map.size >= TRACK_CAP && !map.has(key)) return;
    if (map instanceof Set) map.add(key);
    else map.set(key, value);
  }

  forget(n: number): void {
    this.failedIn.delete(n);
    this.releasedByThrottle.delete(n);
    this.dupCause.delete(n);
  }

  /** Records by their trace ids: "msg-1", "msg-1 and msg-2", "msg-1, msg-2, msg-3 and 7 more". */
  recordList(records: readonly SimRecord[], max = 3): string {
    const shown = records.length <= max ? records : records.slice(0, max);
    const ids = shown.map((r) => this.names.record(r));
    return records.length <= max ? idList(ids, max) : `${ids.join(", ")} and ${formatCount(records.length - max)} more`;
  }
}

type EventOf<K extends TraceEvent["type"]> = Extract<TraceEvent, { type: K }>;
/** The moments one trace event shows, at `tMs` (the event's time in ms, as the narration tells it). */
export type MomentRule<E extends TraceEvent> = (ev: E, st: NarrationState, tMs: number) => Moment[];
/** A source's moment rules, by event type; events without a rule show no moment. */
export type MomentRules = { readonly [K in TraceEvent["type"]]?: MomentRule<EventOf<K>> };

/** FilterCriteria dropped a record: told the same way for every source. */
export const filter: MomentRule<FilterEvent> = (ev, st, t) => {
  const action = isStreamSource(st.scenario.source) ? "the iterator moves past it (it stays in the stream until retention)" : "Lambda deletes the message from the queue";
  return [
    {
      tMs: t,
      fold: "filter",
      rule: "filtering",
      noun: ["record filtered out", "records filtered out"],
      text: `${st.names.record(ev.record)} matched none of the FilterCriteria: ${action} and the function never sees it.`,
    },
  ];
};

/** A cold start (function.coldStart): the invocation's new execution environment runs Init first. Told the same way
 *  for every source, next to the source's own invoke moments. */
export function coldStart(ev: InvokeEvent, t: number): Moment[] {
  if (ev.initUs === undefined) return [];
  return [
    {
      tMs: t,
      fold: "invoke:cold",
      rule: "coldStart",
      noun: ["cold start", "cold starts"],
      text: `Invocation ${ev.invocation} finds no idle execution environment, so Lambda starts a new one (a cold start): its Init phase runs for ${durUs(ev.initUs)} before the handler, and the environment holds a concurrency slot meanwhile.`,
    },
  ];
}

// ---- small helpers shared by the rule files -----------------------------------------------------------------

export function dur(ms: number): string {
  return formatDurationUs(Math.round(ms * 1000));
}

/** A duration of the Scenario's (microseconds), as the narration writes durations. */
export function durUs(us: number): string {
  return formatDurationUs(Math.round(us));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "key-1", "key-1 and key-2", "key-1, key-2, key-3 and 7 more". */
export function idList(ids: readonly string[], max = 3): string {
  if (ids.length === 0) return "none";
  if (ids.length === 1) return ids[0];
  if (ids.length <= max) return `${ids.slice(0, -1).join(", ")} and ${ids[ids.length - 1]}`;
  return `${ids.slice(0, max).join(", ")} and ${formatCount(ids.length - max)} more`;
}

export function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${formatCount(n)} times`;
}
