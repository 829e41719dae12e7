/**
 * Run-size budgets: how big a run may get before esm-sim refuses it up front or stops it, with a message saying
 * what to change. Up front: records (scenario/rules.ts), the size of a --trace file (estimated here). During a
 * run: scheduler events (a sanity budget against runs that would take hours) and records waiting at once (memory).
 */
import type { Scenario } from "../scenario/model.js";
import { producerRecords } from "../sources/config.js";

/**
 * Scheduler events after which a run stops: 50 million (about 20 s of CPU for an idle mapping ticking once a
 * second), or 20 per record the producers send, whichever is larger. A 1-million-record SQS burst in batches of
 * 10 takes about 100,000; in batches of 1 about 2 million.
 */
export const DEFAULT_MAX_EVENTS = 50_000_000;
export const MAX_EVENTS_PER_RECORD = 20;

export function defaultMaxEvents(s: Scenario): number {
  return Math.max(DEFAULT_MAX_EVENTS, MAX_EVENTS_PER_RECORD * estimateRecords(s));
}

/** Bytes of --trace output per produced record, a low estimate from the shipped scenarios (170 to 700). */
export const TRACE_BYTES_PER_RECORD = 200;

/** --trace files larger than this need --trace-limit. */
export const DEFAULT_TRACE_LIMIT_BYTES = 1024 ** 3;

/** Records the scenario's producers will send (steady producers up to their `to`). */
export function estimateRecords(s: Scenario): number {
  let n = 0;
  for (const p of s.traffic) n += producerRecords(p);
  return Math.round(n);
}

/** Bytes as people read them: 512 B, 3.2 MB, 14 GB (1 KB = 1024 B, as in the scenario format). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}
