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
 * - A received message is hidden for VisibilityTimeout, then visible again unless deleted (sqs-message-queue.ts).
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
import type { Prng } from "../engine/prng.js";
import { Deque } from "../engine/deque.js";
import { smallInt } from "../engine/time.js";
import type { SqsSourceConfig } from "./config.js";
import type { Trace } from "../trace/events.js";
import { endedDeleteOutcome, MsgState, TimedQueue, traceMessageEnd, type DeleteOutcome, type MessageQueue, type ReceiveResult, type SqsMessage } from "./sqs-message-queue.js";
import type { RecordSink, Traffic } from "./traffic.js";

export class SqsQueue extends TimedQueue implements MessageQueue {
  /** num 1 marks a spontaneous-duplicate entry. */
  private readonly visible = new Deque<SqsMessage>();
  /** Every message not yet in an end state, in production order (for the age of the oldest message). */
  private readonly live = new Deque<SqsMessage>();

  constructor(
    cfg: SqsSourceConfig,
    traffic: Traffic,
    trace: Trace,
    private readonly dupRng: Prng,
  ) {
    super(cfg, traffic, trace);
  }

  hasReceivable(): boolean {
    return this.visibleCount > 0;
  }

  /** Takes each send from the producers (made once: advance runs before every event). */
  protected readonly sink: RecordSink = (n, keyIndex, sentAtUs, sizeBytes, resendPlanned, resend, producer) => {
    const delayUs = this.cfg.delayUs;
    const trace = this.trace;
    const sentUs = smallInt(sentAtUs); // see smallInt: times kept in records stay unboxed
    // A standard queue has no deduplication: a producer retry is one more message.
    const logicalN = resend ? resend.ofN : resendPlanned ? n : -1;
    if (resend) this.resendsAccepted++;
    if (this.meter !== null) this.meter(sentUs, sizeBytes, 0);
    const msg: SqsMessage = { n, keyIndex, sentUs, sizeBytes, logicalN, receiveCount: 0, state: MsgState.Delayed, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, producer, firstReceiveUs: -1 };
    this.liveCount++;
    this.live.push(msg);
    if (delayUs === 0) this.makeVisible(msg);
    else this.delayed.push(msg, msg.visibleAtUs);
    if (trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: msg });
  };

  protected makeVisible(msg: SqsMessage): void {
    msg.state = MsgState.Visible;
    this.visible.push(msg, 0);
    this.visibleCount++;
  }

  protected visibleAgain(msg: SqsMessage): void {
    this.makeVisible(msg);
    if (msg.dupPending) {
      // The duplicate copy and the returning message are one visible message now.
      msg.dupPending = false;
      this.visibleCount--;
    }
  }

  /** The earliest time at or after `nowUs` when a receive could return a message; Infinity if never. */
  nextAvailableUs(nowUs: number): number {
    if (this.visibleCount > 0) return nowUs;
    return Math.max(this.nextTimedUs(), nowUs);
  }

  /**
   * ReceiveMessage: up to `maxCount` messages within `maxBytes`, each hidden for the visibility timeout.
   * `batchEmpty`: the caller's batch holds nothing yet, so one message larger than `maxBytes` may still be taken
   * (a batch always holds at least one message); otherwise `maxBytes` is never exceeded.
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
      this.hide(msg, nowUs, visibilityTimeoutUs);
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

  /** See MessageQueue.oldestAgeCountedUs. Scans from the front past ended messages and those received three times
   *  or more: usually the front message answers; poison messages at the front cost one step each per sample. */
  oldestAgeCountedUs(nowUs: number): number {
    const live = this.live;
    for (let k = 0; k < live.length; k++) {
      const m = live.at(k)!;
      if (m.state >= MsgState.Deleted) continue;
      if (m.receiveCount < 3) return nowUs - m.sentUs;
    }
    return 0;
  }
}
