/**
 * The stream mapping's own marks on a record, kept with the record (sources/stream-record.ts stores them without
 * reading them) and read by the mapping alone:
 * - Done: processed in the mapping's current pass (the checkpoint moves past done records); cleared when the mapping
 *   resumes from its checkpoint and reads the records after it again.
 * - Executing: inside a running invocation (the stream's retention waits for the invocation's outcome).
 */
import type { Shard, StreamSource } from "../sources/stream.js";
import { clearMark, countDeliveryMarking, hasMark, RecEnd, setMark, type StreamRecord } from "../sources/stream-record.js";

const DONE = 1;
const EXECUTING = 2;

export function isDone(r: StreamRecord): boolean {
  return hasMark(r, DONE);
}

export function markDone(r: StreamRecord): void {
  setMark(r, DONE);
}

export function clearDone(r: StreamRecord): void {
  clearMark(r, DONE);
}

export function isExecuting(r: StreamRecord): boolean {
  return hasMark(r, EXECUTING);
}

export function markExecuting(r: StreamRecord): void {
  setMark(r, EXECUTING);
}

export function clearExecuting(r: StreamRecord): void {
  clearMark(r, EXECUTING);
}

/** Sent to the function once more, and so inside an invocation; returns where the record ended. */
export function deliverExecuting(r: StreamRecord): RecEnd {
  return countDeliveryMarking(r, EXECUTING);
}

/** A success settles the record: it ends as succeeded unless it had ended (through `source`, which counts it), and it
 *  is done and no longer inside an invocation, in one step; returns where it had ended before (RecEnd.None: now). */
export function succeedDone(source: StreamSource, r: StreamRecord): RecEnd {
  return source.endMarking(r, RecEnd.Succeeded, DONE, EXECUTING);
}

/** The first position from `fromPos` before `toPos` whose record is neither done nor expired (the checkpoint stops
 *  there), or `toPos`. */
export function firstNotDone(shard: Shard, fromPos: number, toPos: number): number {
  return shard.firstWithout(fromPos, toPos, DONE, RecEnd.Expired);
}
