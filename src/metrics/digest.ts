/**
 * A 64-bit digest of a run's trace, folded as the trace is emitted, so that two runs (or two versions) can be
 * compared by one string without writing the trace. Two independent 32-bit lanes (murmur3-style mixing with
 * Math.imul), fed 32-bit words: integer fields only, no strings are built. Times and durations (microseconds, up
 * to 2^53) are fed as two words. Rendered as 16 lowercase hex characters.
 *
 * Each event's fields are first folded into one word (an FNV-style multiply per field, a bijection of the state
 * for each field, so a change in any one field always changes the word), then that word is mixed into the lanes.
 *
 * Not a cryptographic hash: it detects changes in behaviour, it does not resist forgery.
 */
import type {
  BisectEvent,
  CheckpointEvent,
  DedupEvent,
  DlqEvent,
  ExpireEvent,
  FilterEvent,
  InvokeEvent,
  OnFailureEvent,
  Outcome,
  PollEvent,
  ReadThrottleEvent,
  ResultEvent,
  SampleEvent,
  ScaleEvent,
  SimRecord,
  StreamRetryEvent,
  ThrottleEvent,
  TraceEvent,
  VisibleAgainEvent,
} from "../trace/events.js";

export class TraceDigest {
  private h1 = 0x2545f491;
  private h2 = 0x9e3779b9 | 0;
  private words = 0;

  /** Feed one 32-bit word (any integer; taken modulo 2^32). */
  word(x: number): void {
    let k1 = Math.imul(x | 0, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, 0x1b873593);
    let h1 = this.h1 ^ k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;

    let k2 = Math.imul((x ^ 0x5bd1e995) | 0, 0x85ebca6b);
    k2 = (k2 << 17) | (k2 >>> 15);
    k2 = Math.imul(k2, 0xc2b2ae35);
    let h2 = this.h2 ^ k2;
    h2 = (h2 << 11) | (h2 >>> 21);
    this.h2 = (Math.imul(h2, 9) + 0x7f4a7c15) | 0;
    this.words++;
  }

  /** Feed a non-negative integer up to 2^53 (a time or duration in microseconds) as two words. */
  wide(x: number): void {
    this.word(x >>> 0);
    this.word(Math.floor(x / 4294967296));
  }

  /** The digest so far, as 16 hex characters. Does not change the state. */
  hex(): string {
    let h1 = this.h1 ^ this.words;
    let h2 = this.h2 ^ this.words;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const P = 0x01000193;
const HI = 4294967296;

// The codes of the string fields the digest folds. Switches, not lookups in an object keyed by the string: the
// field's value varies from event to event, and a switch costs a few pointer comparisons where a keyed lookup
// takes the generic path.
function outcomeCode(o: Outcome): number {
  switch (o) {
    case "ok":
      return 0;
    case "error":
      return 1;
    case "timeout":
      return 2;
    default:
      return 3; // partial
  }
}

function closedByCode(c: InvokeEvent["closedBy"]): number {
  switch (c) {
    case "size":
      return 0;
    case "window":
      return 1;
    case "payload":
      return 2;
    case "available":
      return 3;
    case "retry":
      return 4;
    case "bisect":
      return 5;
    case "rewind":
      return 6;
    case "window-end":
      return 7;
    default:
      return 8; // visibility
  }
}

function streamRetryReasonCode(r: StreamRetryEvent["reason"]): number {
  return r === "FunctionError" ? 0 : r === "PartialBatchFailure" ? 1 : 2;
}

function scaleReasonCode(r: ScaleEvent["reason"]): number {
  switch (r) {
    case "start":
      return 0;
    case "scale-up":
      return 1;
    case "scale-down":
      return 2;
    case "low-traffic":
      return 3;
    case "back-off":
      return 4;
    default:
      return 5; // limit
  }
}

/** Fold a time or duration (microseconds, up to 2^53) into h. */
function wideInto(h: number, x: number): number {
  h = Math.imul(h ^ (x >>> 0), P);
  return Math.imul(h ^ ((x / HI) | 0), P);
}

/** Fold record ids, in order, into h. */
function idsInto(h: number, records: readonly SimRecord[]): number {
  h = Math.imul(h ^ records.length, P);
  for (let i = 0; i < records.length; i++) h = Math.imul(h ^ records[i].n, P);
  return h;
}

// One function per event type, so that a fold that has already switched on the type (metrics/collector.ts) feeds
// the digest without switching again. Each folds the event's type code, time and integer fields into one word.

export function digestPoll(d: TraceDigest, e: PollEvent): void {
  let h = wideInto(1, e.tUs);
  h = Math.imul(h ^ e.poller, P);
  h = Math.imul(h ^ e.received, P);
  h = Math.imul(h ^ e.visible, P);
  d.word(h);
}

export function digestInvoke(d: TraceDigest, e: InvokeEvent): void {
  let h = wideInto(2, e.tUs);
  h = Math.imul(h ^ e.invocation, P);
  h = Math.imul(h ^ e.poller, P);
  h = Math.imul(h ^ e.attempt, P);
  h = Math.imul(h ^ e.concurrency, P);
  h = Math.imul(h ^ closedByCode(e.closedBy), P);
  h = idsInto(h, e.records);
  if (e.shard !== undefined) {
    h = Math.imul(h ^ e.shard, P);
    h = Math.imul(h ^ (e.lane ?? 0), P);
  }
  const w = e.window;
  if (w) {
    h = wideInto(h, w.startUs);
    h = Math.imul(h ^ w.stateRecords, P);
    h = Math.imul(h ^ (w.isFinalInvokeForWindow ? 1 : 0), P);
  }
  // Only on cold starts, so runs without function.coldStart keep their digests.
  if (e.initUs !== undefined) h = wideInto(Math.imul(h ^ 0xc01d, P), e.initUs);
  d.word(h);
}

export function digestResult(d: TraceDigest, e: ResultEvent): void {
  let h = wideInto(3, e.tUs);
  h = Math.imul(h ^ e.invocation, P);
  h = Math.imul(h ^ outcomeCode(e.outcome), P);
  h = wideInto(h, e.durationUs);
  h = Math.imul(h ^ e.redundant, P);
  h = Math.imul(h ^ e.ignoredPartial, P);
  const failed = e.failed;
  const succeeded = e.succeeded;
  h = idsInto(h, failed);
  // Usually every record not failed succeeds, which the invoke's ids already determine: fold the succeeded ids
  // only when some did not (duplicates, messages gone meanwhile), to keep a pass over every record out.
  h = Math.imul(h ^ succeeded.length, P);
  if (succeeded.length !== e.records.length - failed.length) h = idsInto(h, succeeded);
  if (e.invalidResponse) h = Math.imul(h ^ 1, P);
  if (e.unreadResponse) h = Math.imul(h ^ 2, P);
  if (e.undeleted !== undefined) h = idsInto(Math.imul(h ^ 3, P), e.undeleted);
  d.word(h);
}

export function digestThrottle(d: TraceDigest, e: ThrottleEvent): void {
  let h = wideInto(4, e.tUs);
  h = Math.imul(h ^ e.poller, P);
  h = Math.imul(h ^ e.records.length, P);
  h = Math.imul(h ^ e.concurrency, P);
  h = Math.imul(h ^ e.limit, P);
  h = Math.imul(h ^ (e.next === "retry" ? 0 : 1), P);
  h = Math.imul(h ^ (e.reason === "scaling-rate" ? 1 : 0), P);
  if (e.shard !== undefined) h = Math.imul(h ^ e.shard, P);
  d.word(h);
}

export function digestDlq(d: TraceDigest, e: DlqEvent): void {
  let h = wideInto(5, e.tUs);
  h = Math.imul(h ^ e.record.n, P);
  h = Math.imul(h ^ e.receiveCount, P);
  d.word(h);
}

export function digestExpire(d: TraceDigest, e: ExpireEvent): void {
  d.word(Math.imul(wideInto(6, e.tUs) ^ e.record.n, P));
}

export function digestRetry(d: TraceDigest, e: VisibleAgainEvent): void {
  let h = wideInto(7, e.tUs);
  h = Math.imul(h ^ e.record.n, P);
  h = Math.imul(h ^ e.receiveCount, P);
  h = Math.imul(h ^ (e.reason === "VisibilityTimeoutExpired" ? 0 : 1), P);
  d.word(h);
}

export function digestScale(d: TraceDigest, e: ScaleEvent): void {
  let h = wideInto(8, e.tUs);
  h = Math.imul(h ^ e.from, P);
  h = Math.imul(h ^ e.to, P);
  h = Math.imul(h ^ scaleReasonCode(e.reason), P);
  d.word(h);
}

export function digestSample(d: TraceDigest, e: SampleEvent): void {
  let h = wideInto(9, e.tUs);
  h = Math.imul(h ^ e.visible, P);
  h = Math.imul(h ^ e.inFlight, P);
  h = wideInto(h, e.oldestAgeUs);
  h = Math.imul(h ^ e.pollers, P);
  h = Math.imul(h ^ e.concurrency, P);
  d.word(h);
}

export function digestDedup(d: TraceDigest, e: DedupEvent): void {
  let h = wideInto(10, e.tUs);
  h = Math.imul(h ^ e.ofN, P);
  h = Math.imul(h ^ e.keyIndex, P);
  d.word(h);
}

export function digestStreamRetry(d: TraceDigest, e: StreamRetryEvent): void {
  let h = wideInto(11, e.tUs);
  h = Math.imul(h ^ e.shard, P);
  h = Math.imul(h ^ e.lane, P);
  h = idsInto(h, e.records);
  h = Math.imul(h ^ e.attempt, P);
  h = wideInto(h, e.delayUs);
  h = Math.imul(h ^ streamRetryReasonCode(e.reason), P);
  h = Math.imul(h ^ (e.countsAsRetry ? 1 : 0), P);
  d.word(h);
}

export function digestBisect(d: TraceDigest, e: BisectEvent): void {
  let h = wideInto(12, e.tUs);
  h = Math.imul(h ^ e.shard, P);
  h = Math.imul(h ^ e.lane, P);
  h = idsInto(h, e.left);
  h = idsInto(h, e.right);
  d.word(h);
}

export function digestCheckpoint(d: TraceDigest, e: CheckpointEvent): void {
  let h = wideInto(13, e.tUs);
  h = Math.imul(h ^ e.shard, P);
  h = Math.imul(h ^ e.record.n, P);
  d.word(h);
}

export function digestOnFailure(d: TraceDigest, e: OnFailureEvent): void {
  let h = wideInto(14, e.tUs);
  h = Math.imul(h ^ e.shard, P);
  h = idsInto(h, e.records);
  h = Math.imul(h ^ e.ended, P);
  h = Math.imul(h ^ (e.condition === "RetryAttemptsExhausted" ? 0 : 1), P);
  h = Math.imul(h ^ e.approximateInvokeCount, P);
  h = Math.imul(h ^ (e.functionError === null ? 0 : 1), P);
  d.word(h);
}

export function digestFilter(d: TraceDigest, e: FilterEvent): void {
  d.word(Math.imul(wideInto(15, e.tUs) ^ e.record.n, P));
}

export function digestReadThrottle(d: TraceDigest, e: ReadThrottleEvent): void {
  let h = wideInto(16, e.tUs);
  h = Math.imul(h ^ e.shard, P);
  h = wideInto(h, e.delayUs);
  d.word(h);
}

/**
 * Feed one trace event to the digest: its type, time and integer fields. `produce` events are skipped: they are
 * only emitted when a listener asks for per-record events, and the digest must not depend on that.
 */
export function digestEvent(d: TraceDigest, e: TraceEvent): void {
  switch (e.type) {
    case "produce":
      return;
    case "poll":
      return digestPoll(d, e);
    case "invoke":
      return digestInvoke(d, e);
    case "result":
      return digestResult(d, e);
    case "throttle":
      return digestThrottle(d, e);
    case "dlq":
      return digestDlq(d, e);
    case "expire":
      return digestExpire(d, e);
    case "retry":
      return digestRetry(d, e);
    case "scale":
      return digestScale(d, e);
    case "sample":
      return digestSample(d, e);
    case "dedup":
      return digestDedup(d, e);
    case "streamRetry":
      return digestStreamRetry(d, e);
    case "bisect":
      return digestBisect(d, e);
    case "checkpoint":
      return digestCheckpoint(d, e);
    case "onFailure":
      return digestOnFailure(d, e);
    case "filter":
      return digestFilter(d, e);
    case "readThrottle":
      return digestReadThrottle(d, e);
    default: {
      // Every event type must feed the digest, or golden digests miss changes in it: add new types above.
      const unhandled: never = e;
      return unhandled;
    }
  }
}
