/**
 * What both SQS queue types (standard: sqs-queue.ts, FIFO: sqs-fifo-queue.ts) share: the message and its states,
 * what the mapping asks of a queue (MessageQueue), and the timed half of a queue (TimedQueue): the producers'
 * sends, delivery delays ending and visibility timeouts running out, taken in time order.
 *
 * Sources: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 *
 * - A received message is hidden for VisibilityTimeout, then visible again unless deleted; its
 *   ApproximateReceiveCount counts the receives (ApproximateFirstReceiveTimestamp: the first).
 * - A message sent to a queue with DelaySeconds stays hidden for the delay, then becomes visible.
 */
import { Deque } from "../engine/deque.js";
import { smallInt } from "../engine/time.js";
import { PRODUCTION_METER_SPAN_US, type ProductionMeter, type SimRecord, type Trace } from "../trace/events.js";
import type { SqsSourceConfig } from "./config.js";
import { SendRun, type RecordSink, type Traffic } from "./traffic.js";

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
  /** A spontaneous duplicate copy of this in-flight message is waiting in the visible list (standard queues). */
  dupPending: boolean;
  /** The queue has made a spontaneous duplicate copy of this message at some point (standard queues): a second
   *  success of it counts as a duplicate delivery's, not the visibility timeout's. */
  duplicated: boolean;
  /** Index of the traffic producer that sent it (its payload is that producer's data, for FilterCriteria). */
  producer: number;
  /** When it was first received (ApproximateFirstReceiveTimestamp); -1 before that. */
  firstReceiveUs: number;
  /** How many times a batch processed it successfully but the queue refused that batch's delete (FIFO: the receipt
   *  handle had expired), so it is still live: the success that deletes it counts each as a duplicate. Kept by the
   *  mapping. */
  processedUndeleted: number;
}

/** The message id the trace and the filter view give a message: `msg-000042` (production index, 6+ digits). */
export function messageId(n: number): string {
  return `msg-${String(n).padStart(6, "0")}`;
}

export type DeleteOutcome = "deleted" | "already-deleted" | "gone" | "receipt-expired";

/** DeleteMessage's answer for a message already in an end state (deleted before: "already-deleted"; moved to the
 *  DLQ, expired or filtered: "gone"), or null when the delete goes ahead. Both queue types answer so. */
export function endedDeleteOutcome(state: MsgState): DeleteOutcome | null {
  if (state === MsgState.Deleted) return "already-deleted";
  return state >= MsgState.Dlq ? "gone" : null;
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
  /** Producer retries the queue accepted as new messages. */
  readonly resendsAccepted: number;
  /** Told of every message the queue takes in (CloudWatch's NumberOfMessagesSent). */
  meter: ProductionMeter | null;
  /** A receive now could return at least one message (FIFO: a visible message in an available group). */
  hasReceivable(): boolean;
  advance(nowUs: number): void;
  nextAvailableUs(nowUs: number): number;
  /** `batchEmpty`: the caller's batch holds nothing yet, so one message larger than `maxBytes` may still be taken.
   *  `visibilityTimeoutUs`: ReceiveMessage's VisibilityTimeout parameter (the queue's own when omitted); a caller
   *  passes the same value on every receive, so messages still return in the order they were received. */
  receive(nowUs: number, maxCount: number, maxBytes: number, batchEmpty?: boolean, visibilityTimeoutUs?: number): ReceiveResult;
  /** DeleteMessage; `as` Filtered when the mapping deletes a message that matched no filter (a later delete of it
   *  is then "gone", not "already-deleted"). `receiptExpiresAtUs`: when the receipt handle the caller deletes with
   *  expires (the visibility deadline of its receive), and `nowUs`: a FIFO queue refuses a delete at or after it
   *  ("receipt-expired"); a standard queue takes it (an older receipt handle "might" still work there). */
  delete(msg: SqsMessage, as?: MsgState.Deleted | MsgState.Filtered, receiptExpiresAtUs?: number, nowUs?: number): DeleteOutcome;
  /** Whether a delete with an expired receipt handle is refused (FIFO). */
  readonly receiptsExpire: boolean;
  expireDue(nowUs: number): void;
  oldestAgeUs(nowUs: number): number;
  /** Age of the oldest live message received fewer than three times, or 0 when none: SQS's
   *  ApproximateAgeOfOldestMessage, which stops counting a message once it has been received three times
   *  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html). */
  oldestAgeCountedUs(nowUs: number): number;
}

export interface ReceiveResult {
  /** The messages returned, in order. The queue keeps this array (its in-flight list): read it, do not change it. */
  readonly messages: readonly SqsMessage[];
  /** The 6 MB payload limit stopped the receive. */
  payloadFull: boolean;
}

/**
 * The timed half of a queue, the same for both types: sends come in through `sink`, delayed messages become visible
 * when their delay ends (`makeVisible`), and received messages come back when their visibility timeout runs out
 * (`visibleAgain`, then a `retry` trace event), all in time order so that trace events stay ordered. Each type
 * keeps its visible messages its own way (a list; groups).
 */
export abstract class TimedQueue {
  /** Messages waiting out their delivery delay; num is their visibleAtUs. */
  protected readonly delayed = new Deque<SqsMessage>();
  /** Receives, in the order their messages' visibility timeouts run out: each entry is the messages one receive
   *  returned (its result, kept as it is), num the visibleAtUs they were given. A message deleted or received again
   *  since is stale in its entry, skipped when it reaches the front; `inflightNext` is the front entry's first
   *  message not yet taken or skipped. One entry per receive rather than per message: no per-message bookkeeping. */
  protected readonly inflight = new Deque<SqsMessage[]>();
  private inflightNext = 0;
  visibleCount = 0;
  inFlightCount = 0;
  /** Messages not yet in an end state (delayed, visible or in flight). */
  liveCount = 0;
  resendsAccepted = 0;
  /** Told of every message the queue takes in (not of FIFO sends deduplication drops). */
  meter: ProductionMeter | null = null;
  /** Takes each send from the producers (made once per queue: advance runs before every event). */
  protected abstract readonly sink: RecordSink;
  /** The sends taken at once (produce), made at the first. */
  private sendRun: SendRun | null = null;

  constructor(
    readonly cfg: SqsSourceConfig,
    protected readonly traffic: Traffic,
    protected readonly trace: Trace,
  ) {}

  get produced(): number {
    return this.traffic.produced;
  }

  /** A delayed message's delay ended (its state is still Delayed): make it visible. */
  protected abstract makeVisible(msg: SqsMessage): void;

  /** An in-flight message's visibility timeout ran out (inFlightCount already counts it out): make it visible. */
  protected abstract visibleAgain(msg: SqsMessage): void;

  /** First sends of this size from this producer may be kept cold (no object until a receive or an expiry needs
   *  one): the queue's store can say every field of such a message from its own columns. */
  protected abstract keepsCold(sizeBytes: number, producer: number): boolean;

  /** Keep message n (a first send of key k, in a run keepsCold allowed) cold, visible from now. liveCount and the
   *  meter are the caller's. */
  protected abstract takeCold(n: number, k: number, sentUs: number, producer: number): void;

  /** Take a run of sends (Traffic.takeRun: first sends only, all of one producer and size, each already counted as
   *  produced), as the sink would take them one by one; called only when there is no delivery delay and no verbose
   *  trace. The meter is told once per stretch of sends within one minute. */
  private takeSends(run: SendRun): void {
    const { count, firstN, producer, sizeBytes } = run;
    const times = run.sentUs;
    const keys = run.keyIndex;
    if (!this.keepsCold(sizeBytes, producer)) {
      for (let i = 0; i < count; i++) this.sink(firstN + i, keys[i], times[i], sizeBytes, false, null, producer);
      return;
    }
    this.liveCount += count;
    for (let i = 0; i < count; i++) this.takeCold(firstN + i, keys[i], smallInt(times[i]), producer);
    if (this.meter !== null) this.meterSends(this.meter, times, count, sizeBytes);
  }

  /** Tell `meter` of the first `count` sends in `times` (each of `sizeBytes`), one call per stretch of consecutive
   *  sends within one minute (PRODUCTION_METER_SPAN_US). */
  private meterSends(meter: ProductionMeter, times: Float64Array, count: number, sizeBytes: number): void {
    const span = PRODUCTION_METER_SPAN_US;
    for (let i = 0; i < count; ) {
      const firstUs = times[i];
      const fromUs = Math.floor(firstUs / span) * span;
      const toUs = fromUs + span;
      let j = i + 1;
      while (j < count && times[j] < toUs && times[j] >= fromUs) j++;
      const records = j - i;
      meter(smallInt(firstUs), sizeBytes * records, 0, records);
      i = j;
    }
  }

  /** Take the producers' sends up to `upToUs`: a run at a time when no producer retries sends and there is no delay
   *  or verbose trace (the queue then keeps most of them cold, without a call per send), else one by one. */
  private produce(upToUs: number): void {
    const traffic = this.traffic;
    if (upToUs < traffic.nextArrivalUs()) return;
    if (this.cfg.delayUs !== 0 || this.trace.verbose) {
      traffic.produceUntil(upToUs, this.sink);
      return;
    }
    const run = (this.sendRun ??= new SendRun());
    for (;;) {
      const count = traffic.takeRun(upToUs, run);
      if (count === 0) return;
      if (count < 0) {
        traffic.produceUntil(upToUs, this.sink);
        return;
      }
      this.takeSends(run);
    }
  }

  /** Give a live message a new state (FIFO also keeps it beside the message). */
  protected setState(msg: SqsMessage, state: MsgState): void {
    msg.state = state;
  }

  /** Bring the queue up to `nowUs`: new sends, delays ending, visibility timeouts running out (in time order). */
  advance(nowUs: number): void {
    for (;;) {
      this.dropStaleInflight();
      const tBack = this.inflight.peekNum();
      const upTo = Math.min(nowUs, tBack);
      this.produce(upTo);
      while (this.delayed.peekNum() <= upTo) {
        const msg = this.delayed.shift()!;
        if (msg.state !== MsgState.Delayed) continue; // expired while delayed
        this.makeVisible(msg);
      }
      if (tBack > nowUs) return;
      const taken = this.inflight.peek()!;
      const msg = taken[this.inflightNext++];
      if (this.inflightNext === taken.length) {
        this.inflight.shift();
        this.inflightNext = 0;
      }
      this.inFlightCount--;
      this.visibleAgain(msg);
      this.trace.emit({ tUs: msg.visibleAtUs, type: "retry", record: msg, receiveCount: msg.receiveCount, reason: "VisibilityTimeoutExpired" });
    }
  }

  /** A receive takes the message: hidden for the visibility timeout (ReceiveMessage's own when it names one,
   *  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html), one more
   *  receive counted. The caller gives it the InFlight state, in its object and where the queue stores it. */
  protected hide(msg: SqsMessage, nowUs: number, visibilityTimeoutUs: number): void {
    if (msg.receiveCount === 0) msg.firstReceiveUs = nowUs;
    msg.receiveCount++;
    msg.visibleAtUs = smallInt(nowUs + visibilityTimeoutUs);
    this.inFlightCount++;
  }

  /** A receive is over: `taken`, the messages it hid (with hide, in that order), come back at the end of their
   *  visibility timeout unless deleted or received again first. The queue keeps the array: the receive's caller
   *  reads it and does not change it. */
  protected hidden(taken: SqsMessage[], nowUs: number, visibilityTimeoutUs: number): void {
    if (taken.length > 0) this.inflight.push(taken, smallInt(nowUs + visibilityTimeoutUs));
  }

  /** The earliest time a send, a delay's end or a visibility timeout can make a message visible; Infinity if never. */
  protected nextTimedUs(): number {
    this.dropStaleInflight();
    return Math.min(this.traffic.nextArrivalUs() + this.cfg.delayUs, this.delayed.peekNum(), this.inflight.peekNum());
  }

  /** Skip at the front of the in-flight list the messages whose entry no longer stands for them: deleted or ended
   *  since, or received again with a later visibility timeout. */
  private dropStaleInflight(): void {
    const inflight = this.inflight;
    for (;;) {
      const taken = inflight.peek();
      if (!taken) return;
      const atUs = inflight.peekNum();
      for (let i = this.inflightNext; i < taken.length; i++) {
        const msg = taken[i];
        if (msg.state === MsgState.InFlight && msg.visibleAtUs === atUs) {
          this.inflightNext = i;
          return;
        }
      }
      inflight.shift();
      this.inflightNext = 0;
    }
  }
}
