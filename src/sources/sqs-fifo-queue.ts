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
 * - Retention as in the standard queue (sqs-queue.ts): a message in flight is not expired until it is visible
 *   again (esm-sim's choice).
 * - Receipt handles: "For FIFO queues, a receipt handle expires after a visibility timeout period", and a delete
 *   with an expired one is refused ("The receipt handle has expired",
 *   https://repost.aws/knowledge-center/sqs-receipt-handle-error). The caller says when its handle expires (the
 *   visibility deadline of its receive); a delete at or after it leaves the message as it is.
 * Not modelled: high-throughput mode and the per-group/per-queue API rate limits, DeduplicationScope
 * messageGroup, the DLQ's own ordering, message bodies.
 */
import { smallInt } from "../engine/time.js";
import { NumHeap } from "../engine/num-heap.js";
import type { SqsSourceConfig } from "./config.js";
import type { Trace } from "../trace/events.js";
import { FifoGroups, FifoOrder } from "./sqs-fifo-store.js";
import { endedDeleteOutcome, MsgState, TimedQueue, traceMessageEnd, type DeleteOutcome, type MessageQueue, type ReceiveResult, type SqsMessage } from "./sqs-message-queue.js";
import type { RecordSink, Traffic } from "./traffic.js";

export interface FifoLimits {
  lookAheadMessages: number;
  inFlightMax: number;
  deduplicationIntervalUs: number;
}

/** How far rowOf looks for a message's row from its group's first row before asking the production-order store: a
 *  received message is usually near the front of its group, and the group's rows lie together. */
const ROW_WALK = 32;

export class SqsFifoQueue extends TimedQueue implements MessageQueue {
  /** Every message not yet in an end state, by group (rows in send order; sqs-fifo-store.ts). */
  private readonly groups = new FifoGroups();
  /** The same messages in production order, with what has ended. Production indexes are consecutive, so the live
   *  messages sent before message k number (k - order.firstN) less the ended ones in between: its queue position. */
  private readonly order = new FifoOrder();
  /** Where oldestAgeCountedUs starts its scan: every message before this production index has ended or been
   *  received three times or more, and stays so (an end state is final and a receive count only grows), so no
   *  sample scans a message twice. Without it, each once-a-second sample would walk every ended message behind a
   *  poison message at the front: a cost of records x samples. */
  private countedFromN = 0;
  /** Available groups keyed by their first message's production index (lazy: stale entries are skipped). */
  private readonly available = new NumHeap();

  constructor(
    cfg: SqsSourceConfig,
    traffic: Traffic,
    trace: Trace,
    private readonly limits: FifoLimits,
  ) {
    super(cfg, traffic, trace);
  }

  /** Drop ended messages from group k's front; list the group as available if it is. */
  private refresh(k: number): void {
    const g = this.groups;
    g.dropEnded(k);
    if (g.inFlight[k] > 0 || g.len[k] === 0) return;
    const headRow = g.head[k];
    if (g.state(headRow) !== MsgState.Visible) return;
    const headN = g.firstN[k];
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
      if (g.inFlight[k] > 0 || g.len[k] === 0 || g.firstN[k] !== n || g.state(g.head[k]) !== MsgState.Visible) {
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
    const firstN = this.order.firstN;
    const span = key - firstN;
    const limit = this.limits.lookAheadMessages;
    if (span < limit) return true; // no more live messages before it than messages sent before it since the front
    return span - this.order.endedBetween(firstN, key) < limit;
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
    msg.state = MsgState.Visible;
    const r = this.rowOf(msg);
    g.setState(r, MsgState.Visible);
    g.keep(r, msg);
    this.visibleCount++;
    if (g.inFlight[k] === 0) this.refresh(k);
  }

  /** Give a live message a new state, in its object and in its row. */
  protected override setState(msg: SqsMessage, state: MsgState): void {
    msg.state = state;
    this.groups.setState(this.rowOf(msg), state);
  }

  /** The row rowOf found last, and its group: a batch's messages of a group are deleted in send order, so the next
   *  one asked for is usually in the row after it. */
  private lastRow = -1;
  private lastRowGroup = -1;

  /** The row of live message `msg`. */
  private rowOf(msg: SqsMessage): number {
    const g = this.groups;
    const n = msg.n;
    const k = msg.keyIndex;
    // A row holding a live message's index is that message's row (a message keeps its row until it ends), so the
    // guess needs no other check, even if the last row has since been dropped and reused.
    const last = this.lastRow;
    if (this.lastRowGroup === k && last !== g.tail[k]) {
      const r = g.next(last);
      if (g.nOf(r) === n) {
        this.lastRow = r;
        return r;
      }
    }
    let r = g.head[k];
    const len = g.len[k];
    for (let i = 0; i < len && i < ROW_WALK; i++) {
      if (i > 0) r = g.next(r);
      if (g.nOf(r) === n) {
        this.lastRow = r;
        this.lastRowGroup = k;
        return r;
      }
    }
    return this.order.rowOf(n);
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
    const g = this.groups;
    g.ensure(keyIndex);
    if (delayUs === 0 && !trace.verbose && g.canKeepCold(sizeBytes, logicalN, producer)) {
      // Cold: no object until a receive or an expiry needs one (same fields as below).
      this.pushCold(n, keyIndex, sentUs, producer);
      return true;
    }
    const msg: SqsMessage = { n, keyIndex, sentUs, sizeBytes, logicalN, receiveCount: 0, state: MsgState.Delayed, visibleAtUs: smallInt(sentUs + delayUs), dupPending: false, duplicated: false, producer, firstReceiveUs: -1, processedUndeleted: 0 };
    this.order.push(n, keyIndex, g.push(keyIndex, n, sentUs, producer, MsgState.Delayed, msg));
    if (trace.verbose) trace.emit({ tUs: sentUs, type: "produce", record: msg });
    if (delayUs === 0) this.makeVisible(msg);
    else this.delayed.push(msg, msg.visibleAtUs);
    return true;
  };

  /** A message kept cold (see the sink) in group k (made room for), visible from now. */
  private pushCold(n: number, k: number, sentUs: number, producer: number): void {
    const g = this.groups;
    const hadRows = g.len[k] > 0;
    this.order.push(n, k, g.push(k, n, sentUs, producer, MsgState.Visible, undefined));
    this.visibleCount++;
    // refresh would only drop ended messages from the front (a lazy clean-up that every reader repeats) when
    // the group is in flight or already listed under its first message: skip it then.
    if (g.inFlight[k] === 0 && !(hadRows && g.heapKey[k] === g.firstN[k])) this.refresh(k);
  }

  protected keepsCold(sizeBytes: number, producer: number): boolean {
    return this.groups.canKeepCold(sizeBytes, -1, producer);
  }

  /** A first send (no retries in a run, so none is a duplicate to drop): its group made room for, then kept cold. */
  protected takeCold(n: number, k: number, sentUs: number, producer: number): void {
    this.groups.ensure(k);
    this.pushCold(n, k, sentUs, producer);
  }

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
    const g = this.groups;
    while (out.length < maxCount && this.inFlightCount < this.limits.inFlightMax && !payloadFull) {
      const k = this.topAvailable();
      if (k < 0 || !this.withinLookAhead(k)) break;
      this.available.pop();
      g.heapKey[k] = -1;
      // The group's rows, front to back (rows that end here stay until refresh drops them after the walk).
      const len = g.len[k];
      let r = g.head[k];
      for (let i = 0; i < len; i++) {
        if (i > 0) r = g.next(r);
        // Checked first: with the batch or the in-flight limit full, the loop ends at the next message not ended anyway.
        if (out.length >= maxCount || this.inFlightCount >= this.limits.inFlightMax) break;
        const state = g.state(r);
        if (state >= MsgState.Deleted) continue;
        if (state !== MsgState.Visible) break; // delayed: later messages of the group are too
        if (g.sentUsOf(r) + cfg.retentionUs <= nowUs) {
          this.visibleCount--;
          this.end(g.get(r, k, cfg.delayUs), r, MsgState.Expired, nowUs);
          continue;
        }
        const m = g.get(r, k, cfg.delayUs);
        if (m.receiveCount >= cfg.maxReceiveCount) {
          this.visibleCount--;
          this.end(m, r, MsgState.Dlq, nowUs);
          continue;
        }
        if ((out.length > 0 || !batchEmpty) && bytes + m.sizeBytes > maxBytes) {
          payloadFull = true;
          g.keep(r, m); // still visible, perhaps with an object built just now
          break;
        }
        this.visibleCount--;
        m.state = MsgState.InFlight;
        g.setReceived(r);
        this.hide(m, nowUs, visibilityTimeoutUs);
        g.inFlight[k]++;
        bytes += m.sizeBytes;
        out.push(m);
      }
      this.refresh(k);
    }
    this.hidden(out, nowUs, visibilityTimeoutUs);
    return { messages: out, payloadFull };
  }

  /** A receipt handle expires with its visibility timeout, and a delete with it is refused. */
  readonly receiptsExpire = true;

  /** DeleteMessage after a successful invocation: refused once the caller's receipt handle has expired. */
  delete(msg: SqsMessage, as: MsgState.Deleted | MsgState.Filtered = MsgState.Deleted, receiptExpiresAtUs = Infinity, nowUs = -Infinity): DeleteOutcome {
    const ended = endedDeleteOutcome(msg.state);
    if (ended !== null) return ended;
    if (nowUs >= receiptExpiresAtUs) return "receipt-expired";
    const k = msg.keyIndex;
    if (msg.state === MsgState.InFlight) {
      this.inFlightCount--;
      this.groups.inFlight[k]--;
    } else if (msg.state === MsgState.Visible) {
      this.visibleCount--;
    }
    msg.state = as;
    this.groups.setState(this.rowOf(msg), as);
    this.ended(msg.n);
    // While the group has messages in flight it stays locked, and refresh would only drop ended rows from its front
    // (a clean-up every reader repeats): done once, by the delete that unlocks it, for the whole batch's run.
    if (this.groups.inFlight[k] === 0) this.refresh(k);
    return "deleted";
  }

  /** Message `msg`, in row r, moves to the DLQ or expires. */
  private end(msg: SqsMessage, r: number, state: MsgState.Dlq | MsgState.Expired, nowUs: number): void {
    msg.state = state;
    this.groups.setState(r, state);
    this.ended(msg.n);
    traceMessageEnd(this.trace, this.cfg.dlqArn, msg, state, nowUs);
  }

  /** Message n has ended (its row says so already): count it out, and drop ended messages from the production
   *  order's front. */
  private ended(n: number): void {
    this.liveCount--;
    this.order.markEnded(n);
  }

  /** Expire every message past its retention that is not in flight, oldest first (stops at one in flight). */
  expireDue(nowUs: number): void {
    this.advance(nowUs);
    const order = this.order;
    const g = this.groups;
    for (;;) {
      if (order.count === 0) return;
      const n = order.firstN;
      const r = order.rowOf(n);
      if (g.sentUsOf(r) + this.cfg.retentionUs > nowUs || g.state(r) === MsgState.InFlight) return;
      const k = order.groupOf(n);
      const m = g.get(r, k, this.cfg.delayUs);
      if (m.state === MsgState.Visible) this.visibleCount--;
      this.end(m, r, MsgState.Expired, nowUs);
      this.refresh(k);
    }
  }

  /** Age of the oldest message not yet deleted, moved or expired. */
  oldestAgeUs(nowUs: number): number {
    const order = this.order;
    return order.count > 0 ? nowUs - this.groups.sentUsOf(order.rowOf(order.firstN)) : 0;
  }

  /** See MessageQueue.oldestAgeCountedUs: the first live message, in send order, received fewer than three times.
   *  Scans forward from countedFromN and keeps where it stopped: each message is passed over once in the whole run. */
  oldestAgeCountedUs(nowUs: number): number {
    const order = this.order;
    const groups = this.groups;
    const endN = order.firstN + order.count;
    let n = Math.max(this.countedFromN, order.firstN);
    while (n < endN && (order.ended(n) || groups.receiveCountUpTo3(order.rowOf(n)) >= 3)) n++;
    this.countedFromN = n;
    return n < endN ? nowUs - groups.sentUsOf(order.rowOf(n)) : 0;
  }
}
