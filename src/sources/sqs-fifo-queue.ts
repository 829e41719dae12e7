/**
 * SQS FIFO queue: message groups delivered in order, one batch per group in flight, the 20,000-message look-ahead
 * and in-flight limit, deduplication within the 5-minute interval, visibility timeout, ApproximateReceiveCount,
 * retention and redrive to a dead-letter queue. Knows nothing of Lambda.
 *
 * Sources: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html,
 *   https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (FIFO ordering),
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 *
 * - Message groups are the traffic's keys (MessageGroupId). Within a group messages are returned in send order.
 * - A group with a message in flight is locked: none of its messages is returned until every in-flight one is
 *   deleted or visible again (KC-FIFO: "Inflight messages block delivery of available messages within the same
 *   message group"). A failed message therefore blocks its group, and only its group.
 * - A receive takes the available group whose first message is oldest and returns as many of its messages as it
 *   can, then the next group: one receive (one batch) may hold several groups, each in order.
 * - Look-ahead: a group is available only if its first message is among the first 20,000 messages in the queue
 *   (not yet deleted, moved or expired; in flight included). A large backlog in one locked group therefore hides
 *   every group behind it. At most 20,000 messages are in flight; beyond that a receive returns nothing.
 * - maxReceiveCount: a group's message already received that many times is moved to the DLQ by the next receive
 *   that reaches it, and the group goes on with its next message (AWS warns this breaks the group's order).
 * - Deduplication: a producer retry (traffic `duplicateSendRate`) carrying the deduplication ID of a message sent
 *   less than 5 minutes before is accepted by SQS but not delivered: it is not a produced record and is counted
 *   (`sqs.dedupDropped`, trace `dedup`). A retry after the interval, or with a new ID per attempt
 *   (`deduplicationId: perAttempt`), is a new message: a produced record, delivered again; the report counts its
 *   successful processing as a duplicate of the logical message it repeats. ContentBasedDeduplication behaves as
 *   one ID per logical message (esm-sim has no bodies: two different logical messages never share a body).
 * - Retention and deletion as in the standard queue (sqs-queue.ts): a message in flight is not expired until it is
 *   visible again, and a delete is always effective (esm-sim's choices).
 * Not modelled: high-throughput mode and the per-group/per-queue API rate limits, DeduplicationScope
 * messageGroup, the DLQ's own ordering, message bodies.
 */
import { smallInt } from "../engine/time.js";
import { NumHeap, PrefixBits } from "../engine/num-heap.js";
import type { SqsSourceConfig } from "./config.js";
import type { Trace } from "../trace/events.js";
import { MessageRing } from "./sqs-message-ring.js";
import { endedDeleteOutcome, MsgState, TimedQueue, traceMessageEnd, type DeleteOutcome, type MessageQueue, type ReceiveResult, type SqsMessage } from "./sqs-message-queue.js";
import type { RecordSink, Traffic } from "./traffic.js";

export interface FifoLimits {
  lookAheadMessages: number;
  inFlightMax: number;
  deduplicationIntervalUs: number;
}

/** Per message group, by key index: its list of messages (production indexes in send order, threaded through the
 *  message ring's links; ended ones are dropped from the front lazily, and at the latest when the ring drops them),
 *  its messages in flight, and its entry in `available`. Typed columns rather than an object per group: with
 *  thousands of groups touched in random order, the columns stay in cache. */
class GroupTable {
  /** First and last message of the list, -1 while it is empty. */
  head: Float64Array = new Float64Array(16).fill(-1);
  tail: Float64Array = new Float64Array(16).fill(-1);
  /** Messages in the list (ended ones not yet dropped included). */
  len: Int32Array = new Int32Array(16);
  inFlight: Int32Array = new Int32Array(16);
  /** The first-message index under which the group sits in `available`, -1 when it has no entry. */
  heapKey: Float64Array = new Float64Array(16).fill(-1);

  /** Make room for group k. */
  ensure(k: number): void {
    if (k < this.len.length) return;
    let cap = this.len.length;
    while (cap <= k) cap *= 2;
    const wider = (old: Float64Array): Float64Array => {
      const a = new Float64Array(cap).fill(-1);
      a.set(old);
      return a;
    };
    const widerInt = (old: Int32Array): Int32Array => {
      const a = new Int32Array(cap);
      a.set(old);
      return a;
    };
    this.head = wider(this.head);
    this.tail = wider(this.tail);
    this.heapKey = wider(this.heapKey);
    this.len = widerInt(this.len);
    this.inFlight = widerInt(this.inFlight);
  }
}

export class SqsFifoQueue extends TimedQueue implements MessageQueue {
  private readonly groups = new GroupTable();
  /** Available groups keyed by their first message's production index (lazy: stale entries are skipped). */
  private readonly available = new NumHeap();
  /** Every message not yet in an end state, in production order; its links thread each group's list. */
  private readonly live = new MessageRing(true);
  /** 1 at the production index of every ended message. Production indexes are consecutive, so the live messages
   *  sent before message k number (k - live.firstN) less the ended ones in between: a message's queue position. */
  private readonly endedPositions = new PrefixBits();

  constructor(
    cfg: SqsSourceConfig,
    traffic: Traffic,
    trace: Trace,
    private readonly limits: FifoLimits,
  ) {
    super(cfg, traffic, trace);
  }

  /** Append message n to group k's list. */
  private groupPush(k: number, n: number): void {
    const g = this.groups;
    g.ensure(k);
    if (g.len[k] === 0) g.head[k] = n;
    else this.live.setLink(g.tail[k], n);
    g.tail[k] = n;
    g.len[k]++;
  }

  /** Drop group k's first message from its list. */
  private groupShift(k: number): void {
    const g = this.groups;
    if (--g.len[k] === 0) {
      g.head[k] = -1;
      g.tail[k] = -1;
    } else g.head[k] = this.live.linkOf(g.head[k]);
  }

  /** Drop ended messages from group k's front; list the group as available if it is. */
  private refresh(k: number): void {
    const live = this.live;
    const g = this.groups;
    while (g.len[k] > 0 && live.state(g.head[k]) >= MsgState.Deleted) this.groupShift(k);
    if (g.inFlight[k] > 0 || g.len[k] === 0) return;
    const headN = g.head[k];
    if (live.state(headN) !== MsgState.Visible) return;
    if (g.heapKey[k] !== headN) {
      this.available.push(headN, k);
      g.heapKey[k] = headN;
    }
  }

  /** The available group whose first message is oldest (its key index), or -1. */
  private topAvailable(): number {
    const g = this.groups;
    for (;;) {
      if (this.available.size === 0) return -1;
      const n = this.available.peekKey();
      const k = this.available.peekValue();
      if (g.heapKey[k] !== n) {
        this.available.pop();
        continue;
      }
      if (g.inFlight[k] > 0 || g.len[k] === 0 || g.head[k] !== n || this.live.state(n) !== MsgState.Visible) {
        this.available.pop();
        g.heapKey[k] = -1;
        this.refresh(k);
        continue;
      }
      return k;
    }
  }

  /** Group k is within the look-ahead: fewer than lookAheadMessages live messages were sent before its first. */
  private withinLookAhead(k: number): boolean {
    const key = this.groups.heapKey[k];
    const firstN = this.live.firstN;
    const span = key - firstN;
    const limit = this.limits.lookAheadMessages;
    if (span < limit) return true; // no more live messages before it than messages sent before it since the front
    return span - (this.endedPositions.below(key) - this.endedPositions.below(firstN)) < limit;
  }

  hasReceivable(): boolean {
    if (this.inFlightCount >= this.limits.inFlightMax) return false;
    const k = this.topAvailable();
    return k >= 0 && this.withinLookAhead(k);
  }

  protected makeVisible(msg: SqsMessage): void {
    this.setState(msg, MsgState.Visible);
    this.visibleCount++;
    this.refresh(msg.keyIndex);
  }

  /** Its group stays locked until none of its messages is in flight. */
  protected visibleAgain(msg: SqsMessage): void {
    const k = msg.keyIndex;
    const g = this.groups;
    g.inFlight[k]--;
    this.setState(msg, MsgState.Visible);
    this.visibleCount++;
    if (g.inFlight[k] === 0) this.refresh(k);
  }

  /** Give a live message a new state, in its object and in its row. */
  protected override setState(msg: SqsMessage, state: MsgState): void {
    msg.state = state;
    this.live.setState(msg.n, state);
  }

  /** The object of live message n (built if it was cold). */
  private message(n: number): SqsMessage {
    return this.live.get(n, this.cfg.delayUs);
  }

  /** Takes each send from the producers (made once: advance runs before every event). */
  protected readonly sink: RecordSink = (n, keyIndex, sentAtUs, sizeBytes, resendPlanned, resend, producer) => {
    const delayUs = this.cfg.delayUs;
    const trace = this.trace;
    const dedupUs = this.limits.deduplicationIntervalUs;
    const sentUs = smallInt(sentAtUs); // see smallInt: times kept in records stay unboxed
    if (resend) {
      if (resend.deduplicationId !== "perAttempt" && sentUs - resend.ofSentUs < dedupUs) {
        trace.emit({ tUs: sentUs, type: "dedup", ofN: resend.ofN, keyIndex, reason: "DeduplicationInterval" });
        return false;
      }
      this.resendsAccepted++;
    }
    if (this.meter !== null) this.meter(sentUs, sizeBytes, 0);
    const logicalN = resend ? resend.ofN : resendPlanned ? n : -1;
    this.liveCount++;
    if (delayUs === 0 && !trace.verbose && this.live.canKeepCold(sizeBytes, logicalN, producer)) {
      // Cold: no object until a receive or an expiry needs one (same fields as below).
      this.live.push(n, keyIndex, sentUs, producer, MsgState.Visible, undefined);
      this.groupPush(keyIndex, n);
      this.visibleCount++;
      // refresh would only drop ended messages from the front (a lazy clean-up that every reader repeats) when
      // the group is in flight or already listed under its first message: skip it then.
      const g = this.groups;
      if (g.inFlight[keyIndex] === 0 && !(g.len[keyIndex] > 1 && g.heapKey[keyIndex] === g.head[keyIndex])) this.refresh(keyIndex);
      return true;
    }
    const msg: SqsMessage = { n, keyIndex, sentUs, sizeBytes, logicalN, receiveCount: 0, state: MsgState.Delayed, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, producer, firstReceiveUs: -1 };
    this.live.push(n, keyIndex, sentUs, producer, MsgState.Delayed, msg);
    this.groupPush(keyIndex, n);
    if (trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: msg });
    if (delayUs === 0) this.makeVisible(msg);
    else this.delayed.push(msg, msg.visibleAtUs);
    return true;
  };

  /** The earliest time at or after `nowUs` when a receive could return a message (an upper bound on the wait). */
  nextAvailableUs(nowUs: number): number {
    this.advance(nowUs);
    if (this.hasReceivable()) return nowUs;
    // Sends, delays ending and visibility returns can make a group available; deletes too, but the mapping asks
    // again after every delete.
    return this.nextTimedUs();
  }

  /** ReceiveMessage: up to `maxCount` messages within `maxBytes`, group by group, oldest available group first. */
  receive(nowUs: number, maxCount: number, maxBytes: number, batchEmpty = true, visibilityTimeoutUs = this.cfg.visibilityTimeoutUs): ReceiveResult {
    this.advance(nowUs);
    const out: SqsMessage[] = [];
    let bytes = 0;
    let payloadFull = false;
    const cfg = this.cfg;
    while (out.length < maxCount && this.inFlightCount < this.limits.inFlightMax && !payloadFull) {
      const k = this.topAvailable();
      if (k < 0 || !this.withinLookAhead(k)) break;
      const g = this.groups;
      this.available.pop();
      g.heapKey[k] = -1;
      const live = this.live;
      // The group's list, front to back. Messages that end here stay in the ring (and so in the list, whose links
      // the walk follows) until the walk is over.
      const len = g.len[k];
      let n = g.head[k];
      for (let i = 0; i < len; i++) {
        if (i > 0) n = live.linkOf(n);
        // Checked first: with the batch or the in-flight limit full, the loop ends at the next message not ended anyway.
        if (out.length >= maxCount || this.inFlightCount >= this.limits.inFlightMax) break;
        const state = live.state(n);
        if (state >= MsgState.Deleted) continue;
        if (state !== MsgState.Visible) break; // delayed: later messages of the group are too
        if (live.sentUsOf(n) + cfg.retentionUs <= nowUs) {
          this.visibleCount--;
          this.end(this.message(n), MsgState.Expired, nowUs, false);
          continue;
        }
        const m = this.message(n);
        if (m.receiveCount >= cfg.maxReceiveCount) {
          this.visibleCount--;
          this.end(m, MsgState.Dlq, nowUs, false);
          continue;
        }
        if ((out.length > 0 || !batchEmpty) && bytes + m.sizeBytes > maxBytes) {
          payloadFull = true;
          break;
        }
        this.visibleCount--;
        this.hide(m, nowUs, visibilityTimeoutUs);
        g.inFlight[k]++;
        bytes += m.sizeBytes;
        out.push(m);
      }
      this.dropFinishedFromLive();
      this.refresh(k);
    }
    return { messages: out, payloadFull };
  }

  /** DeleteMessage after a successful invocation. */
  delete(msg: SqsMessage, as: MsgState.Deleted | MsgState.Filtered = MsgState.Deleted): DeleteOutcome {
    const ended = endedDeleteOutcome(msg.state);
    if (ended !== null) return ended;
    if (msg.state === MsgState.InFlight) {
      this.inFlightCount--;
      this.groups.inFlight[msg.keyIndex]--;
    } else if (msg.state === MsgState.Visible) {
      this.visibleCount--;
    }
    this.setState(msg, as);
    this.liveCount--;
    this.endedPositions.add(msg.n);
    this.dropFinishedFromLive();
    this.refresh(msg.keyIndex);
    return "deleted";
  }

  /** `drop`: let the ring drop ended messages from its front now (a receive walking a group's list does so after). */
  private end(msg: SqsMessage, state: MsgState.Dlq | MsgState.Expired, nowUs: number, drop = true): void {
    this.setState(msg, state);
    this.liveCount--;
    this.endedPositions.add(msg.n);
    traceMessageEnd(this.trace, this.cfg.dlqArn, msg, state, nowUs);
    if (drop) this.dropFinishedFromLive();
  }

  /** Drop ended messages from the ring's front. A group whose list starts with one drops it too: a list never
   *  reaches a message the ring no longer holds. */
  private dropFinishedFromLive(): void {
    const live = this.live;
    const g = this.groups;
    while (live.count > 0 && live.state(live.firstN) >= MsgState.Deleted) {
      const n = live.firstN;
      const k = live.keyIndexOf(n);
      if (g.head[k] === n) this.groupShift(k);
      live.shift();
    }
  }

  /** Expire every message past its retention that is not in flight, oldest first (stops at one in flight). */
  expireDue(nowUs: number): void {
    this.advance(nowUs);
    const live = this.live;
    for (;;) {
      if (live.count === 0) return;
      const n = live.firstN;
      if (live.sentUsOf(n) + this.cfg.retentionUs > nowUs || live.state(n) === MsgState.InFlight) return;
      const m = this.message(n);
      if (m.state === MsgState.Visible) this.visibleCount--;
      this.end(m, MsgState.Expired, nowUs);
      this.refresh(m.keyIndex);
    }
  }

  /** Age of the oldest message not yet deleted, moved or expired. */
  oldestAgeUs(nowUs: number): number {
    const live = this.live;
    return live.count > 0 ? nowUs - live.sentUsOf(live.firstN) : 0;
  }

  /** See MessageQueue.oldestAgeCountedUs: the first live message, in send order, received fewer than three times. */
  oldestAgeCountedUs(nowUs: number): number {
    const live = this.live;
    for (let n = live.firstN; n < live.firstN + live.count; n++) {
      if (live.state(n) >= MsgState.Deleted) continue;
      if (live.receiveCountOf(n) < 3) return nowUs - live.sentUsOf(n);
    }
    return 0;
  }
}
