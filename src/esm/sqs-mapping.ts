/**
 * The SQS event source mapping: pollers that long-poll the queue, gather a batch, invoke the function
 * synchronously and delete what succeeded; the scaling of the number of pollers; and back-off after errors and
 * throttles.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html (batching),
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 *
 * - Each poller is one concurrent batch: receive (at most 10 messages per call) until BatchSize, the 6 MB payload
 *   or the batching window closes the batch; invoke; wait for the result; start the next window. Without a window
 *   the poller invokes with whatever one round of receives returned.
 * - Long polling (20 s, esm-sim's choice): a receive with nothing to return waits until a message is visible or
 *   20 s pass. With a window, a batch that holds messages is invoked at the first receive that returns after the
 *   window ends. The window is "the maximum amount of time ... Lambda spends gathering records"
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html), but at very low traffic
 *   "Lambda might wait for up to 20 seconds" even with a shorter window (with-sqs.html): the long poll begun after
 *   the batch's first message runs its 20 s. So no receive waits past the window's end or 20 s after the batch's
 *   first message, whichever is later (esm-sim's reading of the two): a batch gathers for at most max(window, 20 s)
 *   from its first message, and a window of 20 s or more is kept to the second.
 *   A window that ran out with an empty batch restarts at the first message received.
 * - A batch never outlives its messages' visibility while it gathers. AWS does not say what the mapping does when the
 *   window and long poll would hold a batch past the visibility timeout of its first message (with-sqs.html and
 *   services-sqs-configure.html are silent); letting it run on would have the message received a second time into
 *   the batch that already holds it, a receive counted against maxReceiveCount for nothing. esm-sim's choice
 *   (profile figure gatherVisibilityMarginMs, 3 s): the batch is invoked at the latest that long before its first
 *   message's visibility runs out (closedBy "visibility"); the long poll is cut short to end then. A run longer than
 *   the margin can still see its messages received again by another poller, as with any visibility timeout shorter
 *   than the function's run.
 * - Effective visibility timeout (profile figure effectiveVisibilityExtraMs, legacy-2022 only): the 2022 guide said
 *   "If your batch window is greater than 0, and (batch window) + (function timeout) > (queue visibility timeout),
 *   then your effective queue visibility timeout is (batch window) + (function timeout) + 30s"
 *   (https://github.com/awsdocs/aws-lambda-developer-guide/blob/a83f69b/doc_source/with-sqs.md). The mapping then
 *   receives with that VisibilityTimeout, so its messages stay hidden that long after each receive, failures included.
 *   Today's pages no longer say so; the current profile does not extend (figure null).
 * - Success deletes the batch, each message with the receipt handle of the receive that gave it to the batch. On a
 *   standard queue a message received again by another poller since (its visibility timeout ran out while the batch
 *   ran) is deleted all the same, but that poller's copy is still processed: the mapping "might receive the same item
 *   from the queue twice" (with-sqs.html); the result lists such messages (`receivedAgain`). A
 *   FIFO queue refuses the delete once that handle has expired with its visibility timeout
 *   (https://repost.aws/knowledge-center/sqs-receipt-handle-error): the message stays (`undeleted` on the result),
 *   and its next success counts as a duplicate. The handle expires at the visibility deadline its receive gave.
 * - An error or timeout deletes nothing: every message reappears after its
 *   visibility timeout, to be regrouped by whichever poller receives it. With ReportBatchItemFailures a partial
 *   response keeps only the reported messages; without it the response is ignored and all are deleted. A response
 *   naming a message that is not in the batch (`effect: partial-invalid`) is a complete failure, as invalid JSON, an
 *   empty or null itemIdentifier and a bad key name are (services-sqs-errorhandling.html): nothing is deleted.
 *   Failures reported outside a top-level batchItemFailures list (`effect: partial-unread`: a {statusCode, body}
 *   wrapper, a capitalised key) leave Lambda no list to read, which that page lists as a complete success (a null
 *   batchItemFailures): all are deleted, as without ReportBatchItemFailures (esm-sim's reading; the page does not
 *   name this case).
 * - A throttled invoke (no concurrency slot) is retried with back-off (1 s doubling to 8 s, chosen) while the
 *   batch is still invisible; then the batch is let go and its messages reappear with their receive count already
 *   raised, so throttling alone can push valid messages to the DLQ.
 * - Scaling (sqs-scaling.ts): 5 pollers at start, +N a minute while messages remain visible and no poller is idle,
 *   up to min(profile maximum, MaximumConcurrency, account concurrency); scale-down when idle; back-off by one
 *   poller per throttle, and per error without ReportBatchItemFailures.
 * - FIFO queues (sqs-fifo-queue.ts): the queue returns only messages of available groups; the backlog that drives
 *   scale-up is what a receive could return now, so concurrency grows to the number of active groups, no further.
 * - Provisioned mode (ProvisionedPollerConfig): MinimumPollers x 10 concurrent batches from the start, +1,000 a
 *   minute up to MaximumPollers x 10 (sqs-scaling.ts provisionedFigures); the event pollers' receive calls
 *   (10/s each) and bytes (1 MB/s each) are budgeted per 1 s window: a poller over budget waits for the next
 *   second (esm-sim's choice of a fixed window; AWS gives only the per-second figures).
 * - FilterCriteria (record-filter.ts): applied to each message as it is received, before batching; a message that
 *   matches no filter is deleted from the queue at once ("Lambda automatically removes the message from the queue",
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html), ends as filtered and does not count
 *   towards BatchSize or the payload; on a FIFO queue its group goes on with its next message.
 * Not modelled: the SQS API's own throttling.
 */
import { assert } from "../engine/assert.js";
import { Deque } from "../engine/deque.js";
import type { Scheduler } from "../engine/scheduler.js";
import { US_PER_MS, US_PER_S } from "../engine/time.js";
import type { LambdaFunction, InvocationPlan } from "../lambda/function.js";
import type { MappingConfig } from "./config.js";
import { MsgState, type MessageQueue, type SqsMessage } from "../sources/sqs-message-queue.js";
import type { SimRecord, Trace, InvokeEvent, ScaleEvent, ThrottleEvent } from "../trace/events.js";
import type { SqsFigures } from "./profiles.js";
import { decideBackOff, decideScaleDown, decideScaleUp, provisionedFigures, scaleCeiling, type ScaleDecision, type ScaleLimits } from "./sqs-scaling.js";

type PollerState = "receiving" | "waiting" | "limited" | "invoking" | "throttled" | "retired";

interface Poller {
  id: number;
  state: PollerState;
  /** The batch gathered so far. Until the poller adds to it a second time it may be the array a receive returned, or
   *  the shared empty one: `ownBatch` says whether the poller made it (copied before it is added to). */
  batch: readonly SqsMessage[];
  ownBatch: boolean;
  bytes: number;
  windowEndUs: number;
  waitToken: number;
  throttleDelayUs: number;
  closedBy: InvokeEvent["closedBy"];
  /** While gathering: the batch is invoked at the latest then (its first message's visibility end, less the
   *  margin); Infinity while the batch is empty. */
  closeByUs: number;
  /** While gathering with a window: no receive waits past this (the window's end, or one long poll after the
   *  batch's first message when that is later); Infinity while the batch is empty. */
  pollUntilUs: number;
  /** While invoking: the invocation's number and plan, and the poller's one completion callback (made once). */
  invocation: number;
  plan: InvocationPlan | null;
  /** On a queue whose receipt handles expire (FIFO): when each message's receipt handle expires, the visibility
   *  deadline its receive gave it, in batch order (the first batch.length slots; made once per poller, BatchSize
   *  long); null elsewhere. */
  receiptExpiresAtUs: Float64Array | null;
  done: () => void;
}

/** An empty record list for trace events, shared (trace events' lists are read-only). */
const NO_RECORDS: readonly SimRecord[] = [];
/** The batch of a poller that holds nothing, shared: never added to (a poller copies it first: ownBatch false). */
const NO_MESSAGES: readonly SqsMessage[] = [];

/**
 * The visibility timeout the mapping's messages get at each receive: the queue's, or with a batching window and
 * window + function timeout above it, window + timeout + `extraMs` where the profile applies the 2022 guide's
 * effective visibility timeout (figure effectiveVisibilityExtraMs; null: never extended).
 */
export function effectiveVisibilityTimeoutUs(visibilityTimeoutUs: number, batchingWindowUs: number, functionTimeoutUs: number, extraMs: number | null): number {
  if (extraMs === null || batchingWindowUs <= 0 || batchingWindowUs + functionTimeoutUs <= visibilityTimeoutUs) return visibilityTimeoutUs;
  return batchingWindowUs + functionTimeoutUs + extraMs * US_PER_MS;
}

/** Event priorities: pollers before the once-a-second scaling tick at the same instant. */
const PRIO_POLLER = 0;
const PRIO_TICK = 1;

export class SqsMapping {
  private readonly pollers: Poller[] = [];
  private readonly waiting = new Deque<Poller>();
  private wakeAtUs = Infinity;
  private wakeToken = 0;
  private nextPollerId = 0;
  private invocationCount = 0;
  private throttled = 0;

  target = 0;
  private allowance = 0;
  private holdUntilUs = 0;
  private sawBacklog = false;
  private peakBusy = 0;
  private lastScaleDownUs = 0;
  private readonly limits: ScaleLimits;
  private readonly windowUs: number;
  private readonly figures: SqsFigures;
  /** ReceiveMessage's VisibilityTimeout when the effective visibility timeout differs from the queue's, else undefined. */
  private readonly receiveVisibilityUs: number | undefined;
  private readonly gatherMarginUs: number;

  // Provisioned mode: each event poller's receive calls and bytes per second, in 1 s windows.
  private readonly provisioned: boolean;
  private rateWindowEndUs = 0;
  private callsInWindow = 0;
  private bytesInWindow = 0;
  private readonly limited = new Deque<Poller>();
  private limitWakeAtUs = -1;
  /** Receives that waited for the next second because the event pollers' call or byte budget was spent. */
  rateLimitedReceives = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly queue: MessageQueue,
    private readonly fn: LambdaFunction,
    private readonly mapping: MappingConfig,
    figures: SqsFigures,
    accountConcurrency: number,
    private readonly trace: Trace,
    /** FilterCriteria (record-filter.ts sqsKeep): false for a received message that matches no filter. */
    private readonly keep: ((m: SqsMessage) => boolean) | null = null,
  ) {
    const prov = mapping.provisioned;
    this.provisioned = prov !== null;
    this.figures = prov ? provisionedFigures(figures, prov.minPollers, prov.maxPollers) : figures;
    this.limits = scaleCeiling(this.figures, mapping.maximumConcurrency, accountConcurrency);
    this.windowUs = mapping.batchingWindowUs;
    const queueVt = queue.cfg.visibilityTimeoutUs;
    const vt = effectiveVisibilityTimeoutUs(queueVt, this.windowUs, fn.cfg.timeoutUs, this.figures.effectiveVisibilityExtraMs);
    this.receiveVisibilityUs = vt === queueVt ? undefined : vt;
    this.gatherMarginUs = this.figures.gatherVisibilityMarginMs * US_PER_MS;
  }

  /** Provisioned mode: the event pollers needed for the current number of concurrent batches. */
  get eventPollers(): number {
    return Math.ceil(this.target / (this.figures.provisionedInvokesPerPoller ?? 10));
  }

  /**
   * Provisioned mode: take one receive call from this second's budget (10 calls and 1 MB per event poller), or
   * park the poller until the next second.
   */
  private takeReceiveCall(p: Poller): boolean {
    const now = this.sched.nowUs;
    if (now >= this.rateWindowEndUs) {
      this.rateWindowEndUs = (Math.floor(now / US_PER_S) + 1) * US_PER_S;
      this.callsInWindow = 0;
      this.bytesInWindow = 0;
    }
    const calls = (this.figures.provisionedReceivesPerPollerPerS ?? Infinity) * this.eventPollers;
    if (this.callsInWindow < calls && this.bytesInWindow < this.bytesBudget()) {
      this.callsInWindow++;
      return true;
    }
    this.rateLimitedReceives++;
    p.state = "limited";
    this.limited.push(p);
    if (this.limitWakeAtUs !== this.rateWindowEndUs) {
      this.limitWakeAtUs = this.rateWindowEndUs;
      this.sched.at(this.rateWindowEndUs, () => this.resumeLimited(), PRIO_POLLER);
    }
    return false;
  }

  /** Provisioned mode: whether this second's receive calls or bytes are all spent (takeReceiveCall would park). */
  private receiveBudgetSpent(): boolean {
    if (this.sched.nowUs >= this.rateWindowEndUs) return false;
    const calls = (this.figures.provisionedReceivesPerPollerPerS ?? Infinity) * this.eventPollers;
    return this.callsInWindow >= calls || this.bytesInWindow >= this.bytesBudget();
  }

  /** Wake the waiting pollers when the receive budget is renewed (the next whole second). */
  private wakeAtBudgetRenewal(): void {
    const t = this.rateWindowEndUs;
    if (t >= this.wakeAtUs && this.wakeAtUs > this.sched.nowUs) return;
    this.wakeAt(t);
  }

  private bytesBudget(): number {
    return (this.figures.provisionedBytesPerPollerPerS ?? Infinity) * this.eventPollers;
  }

  private resumeLimited(): void {
    const n = this.limited.length;
    for (let i = 0; i < n; i++) {
      const p = this.limited.shift()!;
      if (p.state !== "limited") continue;
      p.state = "receiving";
      this.gather(p);
    }
  }

  get invocations(): number {
    return this.invocationCount;
  }

  /** Some poller still holds a batch (gathering, invoking or throttled): work that can still end in a duplicate. */
  holdsBatches(): boolean {
    for (const p of this.pollers) if (p.batch.length > 0) return true;
    return false;
  }

  start(atUs: number): void {
    if (!this.mapping.enabled) return;
    this.sched.at(atUs, () => {
      this.lastScaleDownUs = this.sched.nowUs;
      this.apply({ kind: "set", to: Math.min(this.figures.initialConcurrency, this.limits.ceiling), reason: "scale-up" }, "start");
      this.sched.after(this.figures.scaleTickMs * US_PER_MS, () => this.tick(), PRIO_TICK);
    });
  }

  // ---- pollers -------------------------------------------------------------------------------------------

  private beginCycle(p: Poller): void {
    p.state = "receiving";
    p.batch = NO_MESSAGES;
    p.ownBatch = false;
    p.bytes = 0;
    p.windowEndUs = this.sched.nowUs + this.windowUs;
    p.closeByUs = Infinity;
    p.pollUntilUs = Infinity;
    p.throttleDelayUs = this.figures.throttleRetryInitialMs * US_PER_MS;
    this.gather(p);
  }

  /** Receive until the batch closes, or wait (long poll) for more. */
  private gather(p: Poller): void {
    const now = this.sched.nowUs;
    if (p.batch.length === 0 && this.pollers.length > this.target) {
      this.retire(p);
      return;
    }
    // The batch's time is up: invoke without another receive. (A provisioned-mode poller parked for the next second's
    // receive budget gets here up to 1 s late, well within the margin's default.)
    if (p.batch.length > 0 && now >= p.closeByUs) return this.invoke(p, "visibility");
    const { batchSize } = this.mapping;
    for (;;) {
      const want = Math.min(this.figures.receiveMaxMessages, batchSize - p.batch.length);
      const wasEmpty = p.batch.length === 0;
      if (this.provisioned && !this.takeReceiveCall(p)) return;
      const payloadRoom = this.figures.payloadMaxBytes - p.bytes;
      const room = this.provisioned ? Math.min(payloadRoom, this.bytesBudget() - this.bytesInWindow) : payloadRoom;
      const r = this.queue.receive(now, want, room, wasEmpty, this.receiveVisibilityUs);
      if (this.provisioned) for (const m of r.messages) this.bytesInWindow += m.sizeBytes;
      this.trace.emit({ tUs: now, type: "poll", poller: p.id, received: r.messages.length, visible: this.queue.visibleCount });
      // FilterCriteria, before batching: a message that matches no filter is deleted at once and never batched.
      let kept = 0;
      const keep = this.keep;
      const got = r.messages;
      if (keep === null && p.batch.length === 0 && got.length > 0) {
        // The usual first receive of a batch: the batch is the receive's array itself (no copy; read-only while
        // shared with the queue, which keeps it to find the messages' visibility returns).
        p.batch = got;
        p.ownBatch = false;
        kept = got.length;
        let closeBy = p.closeByUs;
        let bytes = p.bytes;
        for (let i = 0; i < kept; i++) {
          const m = got[i];
          bytes += m.sizeBytes;
          if (m.visibleAtUs - this.gatherMarginUs < closeBy) closeBy = m.visibleAtUs - this.gatherMarginUs;
        }
        p.bytes = bytes;
        p.closeByUs = closeBy;
        const expires = p.receiptExpiresAtUs;
        if (expires !== null) for (let i = 0; i < kept; i++) expires[i] = got[i].visibleAtUs;
      } else
        for (const m of got) {
          if (keep !== null && !keep(m)) {
            // Not "deleted": a message this same receive returned twice (with its spontaneous duplicate copy), whose
            // first copy was just filtered. A batch still running with the message later finds it gone: it ended here.
            const d = this.queue.delete(m, MsgState.Filtered);
            if (d === "deleted") this.trace.emit({ tUs: now, type: "filter", record: m });
            else assert(m.state === MsgState.Filtered, () => `a message just received could not be filtered (${d})`);
            continue;
          }
          if (!p.ownBatch) {
            p.batch = p.batch.slice();
            p.ownBatch = true;
          }
          (p.batch as SqsMessage[]).push(m);
          if (p.receiptExpiresAtUs !== null) p.receiptExpiresAtUs[p.batch.length - 1] = m.visibleAtUs;
          p.bytes += m.sizeBytes;
          kept++;
          if (m.visibleAtUs - this.gatherMarginUs < p.closeByUs) p.closeByUs = m.visibleAtUs - this.gatherMarginUs;
        }
      // A receive cut short by the event pollers' byte budget is not a full payload: the batch goes on. Nor is one
      // whose bytes included filtered messages: the next receive sees the room they left.
      const payloadFull = r.payloadFull && room === payloadRoom && kept === r.messages.length;
      if (kept > 0 && wasEmpty && this.windowUs > 0) {
        if (now >= p.windowEndUs) p.windowEndUs = now + this.windowUs;
        p.pollUntilUs = Math.max(p.windowEndUs, now + this.figures.longPollWaitMs * US_PER_MS);
      }
      const n = p.batch.length;
      if (n >= batchSize) return this.invoke(p, "size");
      if (payloadFull) return this.invoke(p, "payload");
      if (n > 0 && this.windowUs === 0) return this.invoke(p, "available");
      if (n > 0 && now >= p.windowEndUs) return this.invoke(p, "window");
      if (n > 0 && now >= p.closeByUs) return this.invoke(p, "visibility");
      if ((r.messages.length === want || r.payloadFull) && this.queue.hasReceivable()) continue;
      break;
    }
    this.wait(p);
  }

  private wait(p: Poller): void {
    p.state = "waiting";
    const token = ++p.waitToken;
    this.waiting.push(p, token);
    // A batch already holding messages asks for a wait that ends when it must be invoked (WaitTimeSeconds is per call):
    // at the latest by its window's end or one long poll after its first message, and before its visibility runs out.
    const waitUs = Math.min(this.figures.longPollWaitMs * US_PER_MS, p.closeByUs - this.sched.nowUs, p.pollUntilUs - this.sched.nowUs);
    this.sched.after(
      waitUs,
      () => {
        if (p.state === "waiting" && p.waitToken === token) {
          p.state = "receiving";
          this.gather(p);
        }
      },
      PRIO_POLLER,
    );
    this.ensureWake();
  }

  /** Schedule one wake-up for the waiting pollers at the next time a message can be received. */
  private ensureWake(): void {
    if (this.waiting.length === 0) return;
    const now = this.sched.nowUs;
    const t = this.queue.nextAvailableUs(now);
    if (t === Infinity || t >= this.wakeAtUs) return;
    this.wakeAt(t);
  }

  /** The one wake-up of the waiting pollers is at `t` (replacing any other). */
  private wakeAt(t: number): void {
    this.wakeAtUs = t;
    const token = ++this.wakeToken;
    this.sched.at(
      t,
      () => {
        if (token !== this.wakeToken) return;
        this.wakeAtUs = Infinity;
        this.onWake();
      },
      PRIO_POLLER,
    );
  }

  private onWake(): void {
    while (this.queue.hasReceivable()) {
      // Provisioned mode: with this second's receive budget spent, a waiter woken now could only be parked until the
      // next second, and every waiter would be, to resume all at once then and spend that second's budget on empty
      // receives. They stay in their long polls, and the first wakes when the budget is renewed.
      if (this.provisioned && this.receiveBudgetSpent()) {
        this.wakeAtBudgetRenewal();
        return;
      }
      const p = this.nextWaiter();
      if (!p) break;
      p.waitToken++;
      p.state = "receiving";
      this.gather(p);
    }
    this.ensureWake();
  }

  private nextWaiter(): Poller | undefined {
    for (;;) {
      const p = this.waiting.peek();
      if (!p) return undefined;
      const token = this.waiting.peekNum();
      this.waiting.shift();
      if (p.state === "waiting" && p.waitToken === token) return p;
    }
  }

  private invoke(p: Poller, closedBy: InvokeEvent["closedBy"]): void {
    const now = this.sched.nowUs;
    p.closedBy = closedBy;
    const got = this.fn.acquire(now);
    if (got !== "ok") {
      this.throttle(p, got);
      return;
    }
    if (p.state === "throttled") this.throttled--;
    p.state = "invoking";
    const invocation = ++this.invocationCount;
    const batch = p.batch;
    let attempt = 0;
    for (const m of batch) if (m.receiveCount > attempt) attempt = m.receiveCount;
    const plan = this.fn.plan(batch, receiveCountOf, now);
    this.notePeakBusy();
    const initUs = plan.cold ? plan.initUs : undefined;
    this.trace.emit({ tUs: now, type: "invoke", invocation, poller: p.id, records: batch, attempt, concurrency: this.fn.inFlight, closedBy, initUs });
    // A cold start's Init phase runs first, in the environment the invocation holds.
    p.invocation = invocation;
    p.plan = plan;
    this.sched.after(plan.initUs + plan.durationUs, p.done, PRIO_POLLER);
    this.ensureWake();
  }

  private complete(p: Poller): void {
    const now = this.sched.nowUs;
    const invocation = p.invocation;
    const plan = p.plan!;
    p.plan = null;
    this.fn.release(now);
    const batch = p.batch;
    const rbif = this.mapping.reportBatchItemFailures;
    // A list Lambda does not find (partial-unread) reads as none: as if the mapping did not read responses.
    const unreadResponse = rbif && plan.unreadResponse;
    const read = rbif && !plan.unreadResponse;
    const functionFailed = plan.outcome === "error" || plan.outcome === "timeout";
    // A response naming a message that is not in the batch is a complete failure, once the mapping reads responses.
    const invalidResponse = plan.outcome === "partial" && read && plan.invalidResponse;
    const failedWholeBatch = functionFailed || invalidResponse;
    const ignoredPartial = plan.outcome === "partial" && !read;
    const failed: readonly SimRecord[] = failedWholeBatch ? batch : plan.outcome === "partial" && read ? plan.failed : NO_RECORDS;
    // The batch itself while every message so far was deleted now (the usual case: no list to build); a list of its
    // own from the first message that was not.
    let succeeded: readonly SimRecord[] = NO_RECORDS;
    let undeleted: SimRecord[] | undefined;
    let redundant = 0;
    let redundantDuplicateDelivery = 0;
    // Of redundant: deletes SQS took although the message was deleted already (a receipt handle still valid).
    let redeleted = 0;
    // Deleted now, but received again by another poller since this batch's receive: that copy is still processed.
    let receivedAgain: SimRecord[] | undefined;
    const expires = p.receiptExpiresAtUs;
    // This batch's receives all came before its invoke, so their visibility ran out by invoke + timeout at the latest;
    // a message in flight with a later deadline was received again after this batch's receive ran out.
    const lateUs = now - plan.initUs - plan.durationUs + (this.receiveVisibilityUs ?? this.queue.cfg.visibilityTimeoutUs);
    if (!failedWholeBatch) {
      const failedSet = failed.length > 0 ? new Set(failed) : null;
      let own: SimRecord[] | null = null;
      for (let i = 0; i < batch.length; i++) {
        const m = batch[i];
        let deleted = false;
        if (failedSet === null || !failedSet.has(m)) {
          const heldAgain = expires === null && m.state === MsgState.InFlight && m.visibleAtUs > lateUs;
          const d = expires === null ? this.queue.delete(m) : this.queue.delete(m, MsgState.Deleted, expires[i], now);
          if (d === "deleted") {
            deleted = true;
            if (heldAgain) (receivedAgain ??= []).push(m);
            // Processed successfully before by batches whose delete was refused: each of those was a processing too.
            redundant += m.processedUndeleted;
          } else if (d === "already-deleted") {
            redundant++;
            if (m.duplicated) redundantDuplicateDelivery++;
            // A standard queue answers success (and counts it); a FIFO queue refuses a receipt handle that has expired.
            if (expires === null || now < expires[i]) redeleted++;
          } else if (d === "receipt-expired") {
            // The batch ran past its receipt handle's visibility timeout: the message stays, to be processed again.
            m.processedUndeleted++;
            (undeleted ??= []).push(m);
          }
        }
        if (own === null) {
          if (!deleted) own = batch.slice(0, i);
        } else if (deleted) own.push(m);
      }
      succeeded = own ?? batch;
    }
    this.trace.emit({
      tUs: now,
      type: "result",
      invocation,
      outcome: ignoredPartial ? "ok" : plan.outcome,
      records: batch,
      failed,
      succeeded,
      redundant,
      redundantDuplicateDelivery,
      redeleted,
      durationUs: plan.durationUs,
      // An invalid response that is not read names no message that was lost.
      ignoredPartial: ignoredPartial && !plan.invalidResponse ? plan.failed.length : 0,
      invalidResponse: invalidResponse || undefined,
      unreadResponse: (ignoredPartial && unreadResponse && plan.failed.length > 0) || undefined,
      undeleted,
      receivedAgain,
    });
    if (functionFailed && !rbif) this.backOff();
    this.endCycle(p);
  }

  private throttle(p: Poller, reason: ThrottleEvent["reason"]): void {
    const now = this.sched.nowUs;
    if (p.state !== "throttled") {
      p.state = "throttled";
      this.throttled++;
    }
    let earliestVisibleUs = Infinity;
    for (const m of p.batch) if (m.visibleAtUs < earliestVisibleUs) earliestVisibleUs = m.visibleAtUs;
    const retryAtUs = now + p.throttleDelayUs;
    const next = retryAtUs < earliestVisibleUs ? "retry" : "release";
    this.notePeakBusy();
    this.trace.emit({ tUs: now, type: "throttle", poller: p.id, records: p.batch, concurrency: this.fn.inFlight, limit: this.fn.limit, next, reason });
    this.backOff();
    if (next === "retry") {
      p.throttleDelayUs = Math.min(p.throttleDelayUs * 2, this.figures.throttleRetryMaxMs * US_PER_MS);
      this.sched.at(retryAtUs, () => this.invoke(p, p.closedBy), PRIO_POLLER);
    } else {
      // Let the batch go: its messages reappear when their visibility timeout ends.
      this.throttled--;
      p.batch = NO_MESSAGES;
      p.ownBatch = false;
      this.endCycle(p);
    }
  }

  private endCycle(p: Poller): void {
    if (this.pollers.length > this.target) {
      p.batch = NO_MESSAGES;
      p.ownBatch = false;
      this.retire(p);
    } else this.beginCycle(p); // a new batch there
    this.ensureWake();
  }

  private retire(p: Poller): void {
    p.state = "retired";
    const i = this.pollers.indexOf(p);
    if (i >= 0) this.pollers.splice(i, 1);
  }

  private spawn(): void {
    const p: Poller = { id: this.nextPollerId++, state: "receiving", batch: NO_MESSAGES, ownBatch: false, bytes: 0, windowEndUs: 0, waitToken: 0, throttleDelayUs: 0, closedBy: "available", closeByUs: Infinity, pollUntilUs: Infinity, invocation: 0, plan: null, receiptExpiresAtUs: this.queue.receiptsExpire ? new Float64Array(this.mapping.batchSize) : null, done: () => this.complete(p) };
    this.pollers.push(p);
    // A separate event, so that scaling decisions never re-enter a poller's cycle.
    this.sched.at(this.sched.nowUs, () => {
      if (p.state === "receiving") this.beginCycle(p);
    }, PRIO_POLLER);
  }

  // ---- scaling -------------------------------------------------------------------------------------------

  private notePeakBusy(): void {
    const busy = this.fn.inFlight + this.throttled;
    if (busy > this.peakBusy) this.peakBusy = busy;
  }

  private backOff(): void {
    const d = decideBackOff(this.target, this.figures, this.limits);
    this.holdUntilUs = this.sched.nowUs + this.figures.scaleUpHoldAfterFailureMs * US_PER_MS;
    this.allowance = 0;
    this.apply(d);
  }

  private apply(d: ScaleDecision, reasonOverride?: ScaleEvent["reason"]): void {
    if (d.kind === "hold" || d.to === this.target) return;
    const from = this.target;
    this.target = d.to;
    this.trace.emit({ tUs: this.sched.nowUs, type: "scale", from, to: d.to, reason: reasonOverride ?? d.reason });
    while (this.pollers.length < this.target) this.spawn();
    if (this.pollers.length > this.target) {
      // Idle pollers (waiting with an empty batch) stop now; busy ones at the end of their cycle.
      for (let i = this.pollers.length - 1; i >= 0 && this.pollers.length > this.target; i--) {
        const p = this.pollers[i];
        if (p.state === "waiting" && p.batch.length === 0) {
          p.waitToken++;
          this.retire(p);
        }
      }
    }
  }

  private tick(): void {
    const now = this.sched.nowUs;
    this.queue.expireDue(now);
    const visible = this.queue.visibleCount;
    this.trace.emit({
      tUs: now,
      type: "sample",
      visible,
      inFlight: this.queue.inFlightCount,
      oldestAgeUs: this.queue.oldestAgeUs(now),
      oldestAgeCountedUs: this.queue.oldestAgeCountedUs(now),
      pollers: this.pollers.length,
      concurrency: this.fn.inFlight,
    });
    // The backlog that more pollers could take: for FIFO, messages of locked groups do not count, so the mapping
    // scales to the number of active message groups and no further.
    const backlog = this.queue.hasReceivable() ? Math.max(1, visible) : 0;
    if (backlog > 0) this.sawBacklog = true;
    this.notePeakBusy();
    if (now >= this.holdUntilUs) {
      let idle = 0;
      for (const p of this.pollers) if (p.state === "waiting" && p.batch.length === 0) idle++;
      const up = decideScaleUp(this.target, backlog, idle, this.allowance, this.figures.scaleTickMs, this.figures, this.limits);
      this.allowance = up.allowance;
      this.apply(up.decision);
    }
    if (now - this.lastScaleDownUs >= this.figures.scaleDownIntervalMs * US_PER_MS) {
      this.apply(decideScaleDown(this.target, this.sawBacklog, this.peakBusy, this.figures, this.limits));
      this.sawBacklog = false;
      this.peakBusy = this.fn.inFlight + this.throttled;
      this.lastScaleDownUs = now;
    }
    this.sched.after(this.figures.scaleTickMs * US_PER_MS, () => this.tick(), PRIO_TICK);
  }
}

/** A message's delivery attempt (one function for every invocation: no closure per plan). */
function receiveCountOf(r: SimRecord): number {
  return (r as SqsMessage).receiveCount;
}
