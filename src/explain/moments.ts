/**
 * Moments: the steps of a run that teach something, each naming the rule it shows. Moment rules read trace
 * events in the contract's shape (one JSONL line's fields: `t` in ms, `type`, `recordIds`, `shard` or `queue`,
 * `invocation`, `outcome`, `failedIds`, ...), so any source whose trace follows the contract can be narrated by
 * adding rules for its event types. The state they share is bounded: open invocations, and per-record notes
 * for at most TRACK_CAP records (beyond that, a moment just says less about causes).
 */
import { formatDurationUs } from "../scenario/units.js";
import type { TraceObject } from "../report/trace-jsonl.js";
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
  /** A quantity summed over folded moments, e.g. messages deleted. */
  amount?: { n: number; noun: readonly [string, string] };
  /** Said of the last folded moment in a fold summary, e.g. "now 405 concurrent batches". */
  tail?: string;
  /** Never folded. */
  always?: boolean;
  /** Folded repeats are not summed up in a line (routine steps the outcome already counts). */
  silent?: boolean;
}

/** What the narration needs to know about the scenario (the model's figures in ms). */
export interface NarrationContext {
  sourceType: string;
  batchSize: number;
  windowMs: number;
  functionTimeoutMs: number;
  reservedConcurrency: number | null;
  maximumConcurrency: number | null;
  rbif: boolean;
  profile: string;
  /** SQS */
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  retentionMs: number;
  initialConcurrency: number;
  scaleUpPerMinute: number;
  maxConcurrency: number;
  lowTrafficConcurrency: number | null;
  longPollWaitMs: number;
  receiveMaxMessages: number;
  payloadMaxBytes: number;
  /** Streams (filled in by stream scenarios; Infinity = retry until the records expire). */
  maximumRetryAttempts: number;
  onFailureDestination: string | null;
  /** Infinity = never discard old records (-1). */
  maximumRecordAgeMs: number;
  bisect: boolean;
  parallelizationFactor: number;
  /** 0 = no tumbling window. */
  tumblingWindowMs: number;
  startingPosition: string;
  /** When the mapping is created (esm-sim's `startAt`), and AT_TIMESTAMP's time, in ms. */
  startAtMs: number;
  startingPositionMs: number;
  /** Periods the mapping is disabled, in ms (`toMs` Infinity when never re-enabled). */
  disabledPeriods: readonly { fromMs: number; toMs: number }[];
}

/** Per-record notes are kept for at most this many records at once. */
export const TRACK_CAP = 100_000;

interface OpenInvocation {
  ids: readonly string[];
  startMs: number;
  shard: string | null;
  poller: number | null;
  /** Streams: the lane within the shard, and why the batch closed. */
  lane?: number;
  closedBy?: string;
  /** SQS FIFO: the message group of each record. */
  groups?: readonly string[];
}

/** Streams: a shard's lane held by a failing batch, from its first failure until its records are all done. */
export interface BlockedLane {
  shard: string;
  lane: number;
  sinceMs: number;
  invocation: number;
  /** Failed invocations after the first. */
  retries: number;
  /** Records of the failed batch not yet done (succeeded, given up on, expired or past the checkpoint). */
  pending: Set<string>;
  /** The largest IteratorAge of the lane's invocations while blocked. */
  maxAgeMs: number;
}

/** State shared by the moment rules. */
export class NarrationState {
  readonly open = new Map<number, OpenInvocation>();
  /** Record -> the open invocation holding it. */
  readonly inInvocation = new Map<string, number>();
  /** Record -> the last failed invocation that held it (until it ends). */
  readonly failedIn = new Map<string, number>();
  /** Failed invocation -> how many of its records failed. */
  readonly failedSize = new Map<number, number>();
  /** Records whose batch a throttled poller let go. */
  readonly releasedByThrottle = new Set<string>();
  /** Record -> why it may be processed twice. */
  readonly dupCause = new Map<string, string>();
  /** Streams: blocked lanes by `shard#lane`. */
  readonly blocked = new Map<string, BlockedLane>();
  readonly shardsStarted = new Set<string>();
  readonly lanesStarted = new Set<string>();
  /** Streams: shard -> when its last blocked lane moved on, and how long it had been blocked. */
  readonly unblockedAt = new Map<string, { atMs: number; spanMs: number }>();
  /** Streams: the next IteratorAge worth telling (doubles each time one is told). */
  nextIteratorAgeMs = 30_000;
  /** Disabled periods already told. */
  disabledTold = 0;
  /** SQS FIFO: message group -> the failed message holding it and since when. */
  readonly lockedGroups = new Map<string, { id: string; sinceMs: number; invocation: number }>();
  polls = 0;
  emptyPolls = 0;
  invokes = 0;
  maxSucceededN = -1;
  maxSucceededId = "";
  lastFailure: { kind: "throttle" | "error" | "timeout"; tMs: number } | null = null;

  constructor(readonly ctx: NarrationContext) {}

  note<K>(map: Map<K, unknown> | Set<K>, key: K, value?: unknown): void {
    if (map.size >= TRACK_CAP && !map.has(key)) return;
    if (map instanceof Set) map.add(key);
    else map.set(key, value);
  }

  forget(id: string): void {
    this.failedIn.delete(id);
    this.releasedByThrottle.delete(id);
    this.dupCause.delete(id);
  }
}

export type MomentRule = (ev: TraceObject, st: NarrationState) => Moment[];

// ---- small helpers shared by the rule files -----------------------------------------------------------------

/** A moment at `tMs`, folded under `fold` (the rule files' one constructor). */
export const m = (tMs: number, fold: string, rule: Moment["rule"], noun: readonly [string, string], text: string, extra: Partial<Moment> = {}): Moment => ({
  tMs,
  fold,
  rule,
  noun,
  text,
  ...extra,
});
export const num = (v: unknown, d = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : d);
export const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : d);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => str(x)) : []);

export function dur(ms: number): string {
  return formatDurationUs(Math.round(ms * 1000));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** "msg-1", "msg-1 and msg-2", "msg-1, msg-2, msg-3 and 7 more". */
export function idList(ids: readonly string[], max = 3): string {
  if (ids.length === 0) return "none";
  if (ids.length === 1) return ids[0];
  if (ids.length <= max) return `${ids.slice(0, -1).join(", ")} and ${ids[ids.length - 1]}`;
  return `${ids.slice(0, max).join(", ")} and ${(ids.length - max).toLocaleString("en-US")} more`;
}

/** The production index in a record id (its trailing digits), or -1. */
export function idIndex(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : -1;
}

export function times(n: number): string {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n.toLocaleString("en-US")} times`;
}
