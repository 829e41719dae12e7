/**
 * SQS standard queue: delivery delay, visibility timeout, ApproximateReceiveCount, retention expiry, redrive to a
 * dead-letter queue, deletion, and the rare spontaneous duplicate of at-least-once delivery. Knows nothing of Lambda.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 *
 * - Producer retries (traffic `duplicateSendRate`) are new messages: a standard queue has no deduplication.
 * - A received message is hidden for VisibilityTimeout, then visible again unless deleted.
 * - maxReceiveCount: a message already received that many times is moved to the DLQ by the next receive that
 *   would return it (so maxReceiveCount N means N deliveries), keeping its message id.
 * - Retention counts from the original send time. esm-sim's choice: a message in flight is not expired until it is
 *   visible again (AWS does not say what happens to an in-flight message at its retention limit), and the
 *   spontaneous duplicate copy of a message past its retention is dropped, not delivered.
 * - Order: best effort. Visible messages are returned oldest-visible first; a message that becomes visible again
 *   goes to the back. Duplicates: with `duplicateDeliveryRate` p, each receive leaves a second copy visible with
 *   probability p (AWS: "occasionally ... the same item twice, even if no function error occurred").
 * - Deleting is always effective (esm-sim's choice): a success deletes the message even if it was received again
 *   meanwhile by another batch. A message the mapping deleted because it matched no FilterCriteria ends as
 *   Filtered; a later delete of it (by a batch that still held it) finds it gone.
 * Not modelled: message size limits, short polling's sampled receives, ChangeMessageVisibility, the DLQ itself
 * (moved messages are an end state), ApproximateAgeOfOldestMessage's exclusion of messages received 3+ times.
 */
import { smallInt } from "../engine/time.js";
import { Deque } from "../engine/deque.js";
import type { Prng } from "../engine/prng.js";
import type { SqsSourceConfig } from "./config.js";
import type { SimRecord, Trace } from "../trace/events.js";
import type { RecordSink, Traffic } from "./traffic.js";

export const enum MsgState {
  Delayed = 0,
  Visible = 1,
  InFlight = 2,
  Deleted = 3,
  Dlq = 4,
  Expired = 5,
  /** Deleted by the mapping because it matched no FilterCriteria filter. */
  Filtered = 6,
}

export interface SqsMessage extends SimRecord {
  receiveCount: number;
  state: MsgState;
  visibleAtUs: number;
  /** A spontaneous duplicate copy of this in-flight message is waiting in the visible list. */
  dupPending: boolean;
  /** Index of the traffic producer that sent it (its payload is that producer's data, for FilterCriteria). */
  producer: number;
  /** When it was first received (ApproximateFirstReceiveTimestamp); -1 before that. */
  firstReceiveUs: number;
}

/** The message id the trace and the filter view give a message: `msg-000042` (production index, 6+ digits). */
export function messageId(n: number): string {
  return `msg-${String(n).padStart(6, "0")}`;
}

export type DeleteOutcome = "deleted" | "already-deleted" | "gone";

/** DeleteMessage's answer for a message already in an end state (deleted before: "already-deleted"; moved to the
 *  DLQ, expired or filtered: "gone"), or null when the delete goes ahead. Both queue types answer so. */
export function endedDeleteOutcome(state: MsgState): DeleteOutcome | null {
  if (state === MsgState.Deleted) return "already-deleted";
  return state >= MsgState.Dlq ? "gone" : null;
}

/** Drop from the front of an in-flight list (num: the visibleAtUs the entry was pushed with) the entries that no
 *  longer stand for their message: deleted or ended since, or received again with a later visibility timeout. */
export function dropStaleEntries(inflight: Deque<SqsMessage>): void {
  for (;;) {
    const msg = inflight.peek();
    if (!msg) return;
    if (msg.state === MsgState.InFlight && msg.visibleAtUs === inflight.peekNum()) return;
    inflight.shift();
  }
}

/** The trace event of a message's move to the dead-letter queue or its expiry (either queue type). */
export function traceMessageEnd(trace: Trace, dlqArn: string | null, msg: SqsMessage, state: MsgState.Dlq | MsgState.Expired, nowUs: number): void {
  if (state === MsgState.Dlq) trace.emit({ tUs: nowUs, type: "dlq", record: msg, receiveCount: msg.receiveCount, dlqArn: dlqArn ?? "" });
  else trace.emit({ tUs: nowUs, type: "expire", record: msg, reason: "RetentionPeriodExceeded" });
}

/** What the SQS mapping needs of a queue (standard or FIFO). */
export interface MessageQueue {
  readonly cfg: SqsSourceConfig;
  readonly produced: number;
  /** Messages in the visible state (AWS's ApproximateNumberOfMessagesVisible). */
  readonly visibleCount: number;
  readonly inFlightCount: number;
  /** Messages not yet in an end state (delayed, visible or in flight). */
  readonly liveCount: number;
  /** Producer retries the queue accepted as new messages, and those it dropped as duplicates (FIFO). */
  readonly resendsAccepted: number;
  /** A receive now could return at least one message (FIFO: a visible message in an available group). */
  hasReceivable(): boolean;
  advance(nowUs: number): void;
  nextAvailableUs(nowUs: number): number;
  /** `batchEmpty`: the caller's batch holds nothing yet, so one message larger than `maxBytes` may still be taken.
   *  `visibilityTimeoutUs`: ReceiveMessage's VisibilityTimeout parameter (the queue's own when omitted); a caller
   *  passes the same value on every receive, so messages still return in the order they were received. */
  receive(nowUs: number, maxCount: number, maxBytes: number, batchEmpty?: boolean, visibilityTimeoutUs?: number): ReceiveResult;
  /** DeleteMessage; `as` Filtered when the mapping deletes a message that matched no filter (a later delete of it
   *  is then "gone", not "already-deleted"). */
  delete(msg: SqsMessage, as?: MsgState.Deleted | MsgState.Filtered): DeleteOutcome;
  expireDue(nowUs: number): void;
  oldestAgeUs(nowUs: number): number;
}

export interface ReceiveResult {
  messages: SqsMessage[];
  /** The 6 MB payload limit stopped the receive. */
  payloadFull: boolean;
}

export class SqsQueue implements MessageQueue {
  private readonly delayed = new Deque<SqsMessage>();
  /** num 1 marks a spontaneous-duplicate entry. */
  private readonly visible = new Deque<SqsMessage>();
  /** num is the visibleAtUs the entry was pushed with. */
  private readonly inflight = new Deque<SqsMessage>();
  /** Every message not yet in an end state, in production order (for the age of the oldest message). */
  private readonly live = new Deque<SqsMessage>();

  visibleCount = 0;
  inFlightCount = 0;
  /** Messages not yet in an end state (delayed, visible or in flight). */
  liveCount = 0;
  resendsAccepted = 0;

  constructor(
    readonly cfg: SqsSourceConfig,
    private readonly traffic: Traffic,
    private readonly trace: Trace,
    private readonly dupRng: Prng,
  ) {}

  get produced(): number {
    return this.traffic.produced;
  }

  hasReceivable(): boolean {
    return this.visibleCount > 0;
  }

  /** Takes each send from the producers (made once: advance runs before every event). */
  private readonly sink: RecordSink = (n, keyIndex, sentAtUs, sizeBytes, resendPlanned, resend, producer) => {
    const delayUs = this.cfg.delayUs;
    const trace = this.trace;
    const sentUs = smallInt(sentAtUs); // see smallInt: times kept in records stay unboxed
    // A standard queue has no deduplication: a producer retry is one more message.
    const logicalN = resend ? resend.ofN : resendPlanned ? n : -1;
    if (resend) this.resendsAccepted++;
    const msg: SqsMessage = { n, keyIndex, sentUs, sizeBytes, logicalN, receiveCount: 0, state: MsgState.Delayed, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, producer, firstReceiveUs: -1 };
    this.liveCount++;
    this.live.push(msg);
    if (delayUs === 0) {
      msg.state = MsgState.Visible;
      this.visible.push(msg, 0);
      this.visibleCount++;
    } else {
      this.delayed.push(msg, msg.visibleAtUs);
    }
    if (trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: msg });
  };

  /** Bring the queue up to `nowUs`: new sends, delays ending, visibility timeouts running out (in time order). */
  advance(nowUs: number): void {
    // Sends, delay ends and visibility returns are taken in time order so that trace events stay ordered.
    for (;;) {
      this.dropStaleInflight();
      const tBack = this.inflight.peekNum();
      const upTo = Math.min(nowUs, tBack);
      this.traffic.produceUntil(upTo, this.sink);
      while (this.delayed.peekNum() <= upTo) {
        const msg = this.delayed.shift()!;
        if (msg.state !== MsgState.Delayed) continue; // expired while delayed
        msg.state = MsgState.Visible;
        this.visible.push(msg, 0);
        this.visibleCount++;
      }
      if (tBack > nowUs) break;
      const msg = this.inflight.shift()!;
      msg.state = MsgState.Visible;
      this.inFlightCount--;
      this.visible.push(msg, 0);
      this.visibleCount++;
      if (msg.dupPending) {
        // The duplicate copy and the returning message are one visible message now.
        msg.dupPending = false;
        this.visibleCount--;
      }
      this.trace.emit({ tUs: msg.visibleAtUs, type: "retry", record: msg, receiveCount: msg.receiveCount, reason: "VisibilityTimeoutExpired" });
    }
  }

  private dropStaleInflight(): void {
    dropStaleEntries(this.inflight);
  }

  /** The earliest time at or after `nowUs` when a receive could return a message; Infinity if never. */
  nextAvailableUs(nowUs: number): number {
    if (this.visibleCount > 0) return nowUs;
    this.dropStaleInflight();
    const t = Math.min(this.traffic.nextArrivalUs() + this.cfg.delayUs, this.delayed.peekNum(), this.inflight.peekNum());
    return Math.max(t, nowUs);
  }

  /**
   * ReceiveMessage: up to `maxCount` messages within `maxBytes`, each hidden for the visibility timeout.
   * `batchEmpty`: the caller's batch holds nothing yet, so one message larger than `maxBytes` may still be taken
   * (a batch always holds at least one message); otherwise `maxBytes` is never exceeded. `visibilityTimeoutUs` is
   * ReceiveMessage's VisibilityTimeout parameter, which overrides the queue's for these messages
   * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
   */
  receive(nowUs: number, maxCount: number, maxBytes: number, batchEmpty = true, visibilityTimeoutUs = this.cfg.visibilityTimeoutUs): ReceiveResult {
    this.advance(nowUs);
    const out: SqsMessage[] = [];
    let bytes = 0;
    let payloadFull = false;
    const cfg = this.cfg;
    while (out.length < maxCount) {
      const msg = this.visible.peek();
      if (!msg) break;
      const isDup = this.visible.peekNum() === 1;
      const valid = isDup ? msg.state === MsgState.InFlight && msg.dupPending : msg.state === MsgState.Visible;
      if (!valid) {
        this.visible.shift();
        continue;
      }
      if (msg.sentUs + cfg.retentionUs <= nowUs) {
        this.visible.shift();
        this.visibleCount--;
        if (isDup) {
          // The duplicate copy of an in-flight message past its retention is not delivered: delivering it would
          // keep the message in flight (so unexpired) for another visibility timeout, again and again.
          msg.dupPending = false;
          continue;
        }
        this.end(msg, MsgState.Expired, nowUs);
        continue;
      }
      if (msg.receiveCount >= cfg.maxReceiveCount) {
        this.visible.shift();
        this.visibleCount--;
        if (isDup) {
          msg.dupPending = false;
          continue;
        }
        this.end(msg, MsgState.Dlq, nowUs);
        continue;
      }
      if ((out.length > 0 || !batchEmpty) && bytes + msg.sizeBytes > maxBytes) {
        payloadFull = true;
        break;
      }
      this.visible.shift();
      this.visibleCount--;
      if (isDup) {
        msg.dupPending = false;
        this.inFlightCount--; // counted again below
      }
      if (msg.receiveCount === 0) msg.firstReceiveUs = nowUs;
      msg.receiveCount++;
      msg.state = MsgState.InFlight;
      msg.visibleAtUs = smallInt(nowUs + visibilityTimeoutUs);
      this.inflight.push(msg, msg.visibleAtUs);
      this.inFlightCount++;
      bytes += msg.sizeBytes;
      out.push(msg);
      if (cfg.duplicateDeliveryRate > 0 && !msg.dupPending && this.dupRng.next() < cfg.duplicateDeliveryRate) {
        msg.dupPending = true;
        this.visible.push(msg, 1);
        this.visibleCount++;
        this.trace.emit({ tUs: nowUs, type: "retry", record: msg, receiveCount: msg.receiveCount, reason: "DuplicateDelivery" });
      }
    }
    return { messages: out, payloadFull };
  }

  /** DeleteMessage after a successful invocation. */
  delete(msg: SqsMessage, as: MsgState.Deleted | MsgState.Filtered = MsgState.Deleted): DeleteOutcome {
    const ended = endedDeleteOutcome(msg.state);
    if (ended !== null) return ended;
    if (msg.state === MsgState.InFlight) {
      this.inFlightCount--;
      if (msg.dupPending) {
        msg.dupPending = false;
        this.visibleCount--;
      }
    } else if (msg.state === MsgState.Visible) {
      this.visibleCount--;
    }
    msg.state = as;
    this.liveCount--;
    this.dropFinishedFromLive();
    return "deleted";
  }

  private end(msg: SqsMessage, state: MsgState.Dlq | MsgState.Expired, nowUs: number): void {
    msg.state = state;
    this.liveCount--;
    traceMessageEnd(this.trace, this.cfg.dlqArn, msg, state, nowUs);
    this.dropFinishedFromLive();
  }

  private dropFinishedFromLive(): void {
    for (;;) {
      const m = this.live.peek();
      if (!m || m.state < MsgState.Deleted) return;
      this.live.shift();
    }
  }

  /**
   * Expire every message past its retention that is not in flight, oldest first. Retention is a fixed span from
   * the send time, so the oldest live messages expire first; the sweep stops at the first one still in its span
   * or in flight.
   */
  expireDue(nowUs: number): void {
    this.advance(nowUs);
    for (;;) {
      const m = this.live.peek();
      if (!m || m.sentUs + this.cfg.retentionUs > nowUs || m.state === MsgState.InFlight) return;
      if (m.state === MsgState.Visible) this.visibleCount--;
      if (m.dupPending) m.dupPending = false;
      this.end(m, MsgState.Expired, nowUs);
    }
  }

  /** Age of the oldest message not yet deleted, moved or expired. */
  oldestAgeUs(nowUs: number): number {
    const m = this.live.peek();
    return m ? nowUs - m.sentUs : 0;
  }
}
