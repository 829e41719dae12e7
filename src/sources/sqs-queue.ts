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
 * - Deleting is always effective (esm-sim's choice; DeleteMessage with an older receipt handle "will succeed, but the
 *   message might not be deleted", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html):
 *   a success deletes the message even if it was received again
 *   meanwhile by another batch. A message the mapping deleted because it matched no FilterCriteria ends as
 *   Filtered; a later delete of it (by a batch that still held it) finds it gone.
 * - ApproximateAgeOfOldestMessage (oldestAgeCountedUs): the age of the oldest message not ended and received fewer
 *   than three times; a message received three times or more no longer counts, the next oldest does
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
 *   oldestAgeUs is the age of the oldest message not ended, whatever its receives.
 * Not modelled: message size limits, short polling's sampled receives, ChangeMessageVisibility, the DLQ itself
 * (moved messages are an end state).
 */
import type { Prng } from "../engine/prng.js";
import { RunDeque } from "../engine/deque.js";
import { smallInt } from "../engine/time.js";
import type { SqsSourceConfig } from "./config.js";
import type { Trace } from "../trace/events.js";
import { MessageRing } from "./sqs-message-ring.js";
import { endedDeleteOutcome, MsgState, TimedQueue, traceMessageEnd, type DeleteOutcome, type MessageQueue, type ReceiveResult, type SqsMessage } from "./sqs-message-queue.js";
import type { RecordSink, Traffic } from "./traffic.js";

export class SqsQueue extends TimedQueue implements MessageQueue {
  /** Visible messages in the order a receive takes them, by production index n; -1 - n (negative) marks a
   *  spontaneous-duplicate entry. A burst sent at once is one run of consecutive indexes. */
  private readonly visible = new RunDeque();
  /** Every message not yet in an end state, in production order (never-received ones without an object). */
  private readonly live = new MessageRing();
  /** Where oldestAgeCountedUs starts its scan: every message before this production index has ended or been
   *  received three times or more, and stays so (an end state is final and a receive count only grows), so no
   *  sample scans a message twice. Without it, each once-a-second sample would walk every ended message behind a
   *  poison message at the front: a cost of records x samples. */
  private countedFromN = 0;

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
    this.liveCount++;
    if (delayUs === 0 && !trace.verbose && this.live.canKeepCold(sizeBytes, logicalN, producer)) {
      // Cold: no object until a receive or an expiry needs one (the same fields as below).
      this.pushCold(n, keyIndex, sentUs, producer);
      return;
    }
    const msg: SqsMessage = { n, keyIndex, sentUs, sizeBytes, logicalN, receiveCount: 0, state: MsgState.Delayed, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, duplicated: false, producer, firstReceiveUs: -1, processedUndeleted: 0 };
    this.live.push(n, keyIndex, sentUs, producer, MsgState.Delayed, msg);
    if (delayUs === 0) this.makeVisible(msg);
    else this.delayed.push(msg, msg.visibleAtUs);
    if (trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: msg });
  };

  /** A message kept cold (see the sink), visible from now. */
  private pushCold(n: number, keyIndex: number, sentUs: number, producer: number): void {
    this.live.push(n, keyIndex, sentUs, producer, MsgState.Visible, undefined);
    this.visible.push(n);
    this.visibleCount++;
  }

  protected keepsCold(sizeBytes: number, producer: number): boolean {
    return this.live.canKeepCold(sizeBytes, -1, producer);
  }

  protected takeCold(n: number, k: number, sentUs: number, producer: number): void {
    this.pushCold(n, k, sentUs, producer);
  }

  protected makeVisible(msg: SqsMessage): void {
    this.setState(msg, MsgState.Visible);
    this.visible.push(msg.n);
    this.visibleCount++;
  }

  /** Give a live message a new state, in its object and in the ring. */
  protected override setState(msg: SqsMessage, state: MsgState): void {
    msg.state = state;
    this.live.setState(msg.n, state);
  }

  protected visibleAgain(msg: SqsMessage): void {
    this.live.keep(msg.n, msg);
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
    const live = this.live;
    while (out.length < maxCount) {
      if (this.visible.length === 0) break;
      const entry = this.visible.peek();
      const isDup = entry < 0;
      const n = isDup ? -1 - entry : entry;
      const state = live.state(n);
      const valid = isDup ? state === MsgState.InFlight && live.objectOf(n)!.dupPending : state === MsgState.Visible;
      if (!valid) {
        this.visible.shift();
        continue;
      }
      const msg = live.get(n, cfg.delayUs);
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
        if (!isDup) live.keep(n, msg); // still visible, perhaps with an object built just now
        break;
      }
      this.visible.shift();
      this.visibleCount--;
      if (isDup) {
        msg.dupPending = false;
        this.inFlightCount--; // counted again below
      }
      msg.state = MsgState.InFlight;
      live.setReceived(n);
      this.hide(msg, nowUs, visibilityTimeoutUs);
      bytes += msg.sizeBytes;
      out.push(msg);
      if (cfg.duplicateDeliveryRate > 0 && !msg.dupPending && this.dupRng.next() < cfg.duplicateDeliveryRate) {
        msg.dupPending = true;
        msg.duplicated = true;
        live.keep(n, msg);
        this.visible.push(-1 - msg.n);
        this.visibleCount++;
        this.trace.emit({ tUs: nowUs, type: "retry", record: msg, receiveCount: msg.receiveCount, reason: "DuplicateDelivery" });
      }
    }
    this.hidden(out, nowUs, visibilityTimeoutUs);
    return { messages: out, payloadFull };
  }

  /** An older receipt handle "might" still delete a message on a standard queue: esm-sim's delete always takes it. */
  readonly receiptsExpire = false;

  /** DeleteMessage after a successful invocation (whatever the receipt handle's age: see receiptsExpire). */
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
    this.setState(msg, as);
    this.liveCount--;
    this.dropFinishedFromLive();
    return "deleted";
  }

  private end(msg: SqsMessage, state: MsgState.Dlq | MsgState.Expired, nowUs: number): void {
    this.setState(msg, state);
    this.liveCount--;
    traceMessageEnd(this.trace, this.cfg.dlqArn, msg, state, nowUs);
    this.dropFinishedFromLive();
  }

  private dropFinishedFromLive(): void {
    const live = this.live;
    while (live.count > 0 && live.state(live.firstN) >= MsgState.Deleted) live.shift();
  }

  /**
   * Expire every message past its retention that is not in flight, oldest first. Retention is a fixed span from
   * the send time, so the oldest live messages expire first; the sweep stops at the first one still in its span
   * or in flight.
   */
  expireDue(nowUs: number): void {
    this.advance(nowUs);
    const live = this.live;
    for (;;) {
      if (live.count === 0) return;
      const n = live.firstN;
      if (live.sentUsOf(n) + this.cfg.retentionUs > nowUs || live.state(n) === MsgState.InFlight) return;
      const m = live.get(n, this.cfg.delayUs);
      if (m.state === MsgState.Visible) this.visibleCount--;
      if (m.dupPending) m.dupPending = false;
      this.end(m, MsgState.Expired, nowUs);
    }
  }

  /** Age of the oldest message not yet deleted, moved or expired. */
  oldestAgeUs(nowUs: number): number {
    const live = this.live;
    return live.count > 0 ? nowUs - live.sentUsOf(live.firstN) : 0;
  }

  /** See MessageQueue.oldestAgeCountedUs. Scans forward from countedFromN past ended messages and those received
   *  three times or more, and keeps where it stopped: each message is passed over once in the whole run. */
  oldestAgeCountedUs(nowUs: number): number {
    const live = this.live;
    const endN = live.firstN + live.count;
    let n = Math.max(this.countedFromN, live.firstN);
    while (n < endN && (live.state(n) >= MsgState.Deleted || live.receiveCountUpTo3(n) >= 3)) n++;
    this.countedFromN = n;
    return n < endN ? nowUs - live.sentUsOf(n) : 0;
  }
}
