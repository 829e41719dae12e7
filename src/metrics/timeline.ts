/**
 * The invocation timeline of a small run: start, end and outcome of every invocation, and every refused
 * (throttled) invoke, by lane: the event's poller (for streams, the mapping's lane within a shard, numbered across
 * shards). Kept only while the run has at most `limit` invocations and `limit` throttles: past that the timeline is
 * dropped and collection stops, so memory stays bounded on large runs.
 */
import type { InvokeEvent, Outcome, ResultEvent, ThrottleEvent } from "../trace/events.js";

export interface TimelineItem {
  lane: number;
  invocation: number;
  startUs: number;
  /** -1 while the invocation is still running (it was when the run stopped). */
  endUs: number;
  outcome: Outcome | "running";
  records: number;
  /** A cold start (function.coldStart): its Init phase (us) before the handler; -1 for a warm start. */
  initUs: number;
}

export interface Timeline {
  /** Lane names in order of first appearance, e.g. "poller 3". */
  lanes: string[];
  items: TimelineItem[];
  /** Refused invokes: lane and time. */
  throttles: { lane: number; tUs: number }[];
}

export const TIMELINE_LIMIT = 2000;

/**
 * The lane of an invocation: on a stream, its shard (and, with ParallelizationFactor above 1, the shard's lane);
 * on a queue, its poller. A throttle names no lane within its shard, so it is drawn on the shard's first.
 */
function laneName(e: InvokeEvent | ThrottleEvent): string {
  if (e.shard === undefined) return `poller ${e.poller}`;
  const lane = e.type === "invoke" ? (e.lane ?? 0) : 0;
  return lane === 0 ? `shard ${e.shard}` : `shard ${e.shard} lane ${lane}`;
}

export class TimelineCollector {
  private lanes: string[] = [];
  private laneIndex = new Map<string, number>();
  private items: TimelineItem[] | null = [];
  private byInvocation = new Map<number, TimelineItem>();
  private throttles: { lane: number; tUs: number }[] = [];

  constructor(private readonly limit = TIMELINE_LIMIT) {}

  private laneOf(e: InvokeEvent | ThrottleEvent): number {
    const name = laneName(e);
    let lane = this.laneIndex.get(name);
    if (lane === undefined) {
      lane = this.lanes.length;
      this.lanes.push(name);
      this.laneIndex.set(name, lane);
    }
    return lane;
  }

  private drop(): void {
    this.items = null;
    this.byInvocation.clear();
    this.throttles = [];
  }

  invoke(e: InvokeEvent): void {
    if (this.items === null) return;
    if (this.items.length >= this.limit) {
      this.drop();
      return;
    }
    const lane = this.laneOf(e);
    const item: TimelineItem = { lane, invocation: e.invocation, startUs: e.tUs, endUs: -1, outcome: "running", records: e.records.length, initUs: e.initUs ?? -1 };
    this.items.push(item);
    this.byInvocation.set(e.invocation, item);
  }

  throttle(e: ThrottleEvent): void {
    if (this.items === null) return;
    if (this.throttles.length >= this.limit) {
      this.drop();
      return;
    }
    this.throttles.push({ lane: this.laneOf(e), tUs: e.tUs });
  }

  result(e: ResultEvent): void {
    if (this.items === null) return;
    const item = this.byInvocation.get(e.invocation);
    if (!item) return;
    item.endUs = e.tUs;
    item.outcome = e.outcome;
    this.byInvocation.delete(e.invocation);
  }

  /** The timeline, or null when the run had more than `limit` invocations. */
  timeline(): Timeline | null {
    return this.items === null ? null : { lanes: [...this.lanes], items: this.items.map((i) => ({ ...i })), throttles: this.throttles.map((t) => ({ ...t })) };
  }
}
