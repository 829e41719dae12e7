/**
 * Traffic: the producers that put records into a source. Arrivals are computed, not scheduled: the source asks
 * for every record up to a time and gets them in arrival order, so a busy producer costs no events.
 *
 * Steady producers space arrivals evenly (`t_k = from + floor(k / rate)`) or draw exponential gaps (`poisson`);
 * bursts put `records` records at one instant. Keys are uniform or zipf over `keys` distinct keys, drawn from the
 * stream `traffic.<i>.keys`; poisson gaps from `traffic.<i>.arrivals`.
 *
 * Replays (`fromMetrics`, scenario/replay.ts) send a CloudWatch export's count for each period within that period,
 * periods in order: `even` spaces a period's n records from its start (`t_j = start + floor(j * period / n)`);
 * `poisson` places them as a Poisson process known to send n records in the period does, at n independent uniform
 * times, drawn in increasing order from `traffic.<i>.arrivals` (each next time is the smallest of the remaining
 * uniforms: `u' = u + (1 - u)(1 - V^(1/m))` with m records left), so nothing is stored per record.
 *
 * Producer retries (`duplicateSendRate`): each first send is, with that probability (stream `traffic.<i>.resends`),
 * sent a second time `duplicateSendAfter` later, with the same key, size and (FIFO) deduplication id: a producer
 * that did not get the response and retried. At most one retry per send (esm-sim's choice). The source decides
 * whether it accepts the retry as a new message (the sink returns false when it drops it, e.g. SQS FIFO
 * deduplication); only accepted sends are produced records and take a production index.
 * Not modelled: producer-side throttling, variable record sizes.
 */
import { US_PER_S } from "../engine/time.js";
import { prngStream, type Prng } from "../engine/prng.js";
import { Deque } from "../engine/deque.js";
import type { ProducerConfig, ResendSpec } from "./config.js";
import { generatedKeyName, type KeyTable } from "./keys.js";

interface KeyPicker {
  pick(): number;
  /** `count` picks into `out` from index 0, drawn in the order `count` calls of pick would draw them. */
  pickInto(out: Int32Array, count: number): void;
}

/** A picker whose every pick is the key `k` (draws nothing). */
function onlyKey(k: number): KeyPicker {
  return { pick: () => k, pickInto: (out, count) => out.fill(k, 0, count) };
}

function keyPicker(cfg: ProducerConfig["keys"], table: KeyTable, rng: Prng): KeyPicker {
  if (cfg.literal !== null) return onlyKey(table.intern(cfg.literal));
  const ids = new Int32Array(cfg.count);
  for (let i = 0; i < cfg.count; i++) ids[i] = table.intern(generatedKeyName(i));
  if (cfg.count === 1) return onlyKey(ids[0]);
  const n = cfg.count;
  if (cfg.distribution === "uniform") {
    return {
      pick: () => ids[rng.int(n)],
      pickInto: (out, count) => {
        // rng.int(n), written out: one call per key fewer.
        for (let i = 0; i < count; i++) out[i] = ids[Math.floor(rng.next() * n)];
      },
    };
  }
  // zipf: P(i) proportional to 1 / (i + 1)^s; cumulative table and binary search.
  const cdf = new Float64Array(cfg.count);
  let total = 0;
  for (let i = 0; i < cfg.count; i++) {
    total += 1 / Math.pow(i + 1, cfg.zipfExponent);
    cdf[i] = total;
  }
  const pick = (): number => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cfg.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return ids[lo];
  };
  return {
    pick,
    pickInto: (out, count) => {
      for (let i = 0; i < count; i++) out[i] = pick();
    },
  };
}

/** A producer's retry of an earlier send. */
export interface Resend {
  /** Production index of the send it repeats. */
  ofN: number;
  ofSentUs: number;
  keyIndex: number;
  sizeBytes: number;
  deduplicationId: ResendSpec["deduplicationId"];
}

class Producer {
  /** Arrival time of the next first send, Infinity when done. */
  nextUs = Infinity;
  private k = 0;
  /** Replays: the period being sent, the records of it already sent, and (poisson) the last uniform drawn in it. */
  private period = 0;
  private inPeriod = 0;
  private u = 0;
  private readonly keys: KeyPicker;
  private readonly arrivals: Prng;
  private readonly resendRng: Prng;
  /** Pending retries, due in time order (one delay per producer). */
  readonly resends = new Deque<Resend>();
  readonly lastArrivalUs: number;

  constructor(
    readonly cfg: ProducerConfig,
    index: number,
    seed: number,
    table: KeyTable,
  ) {
    this.keys = keyPicker(cfg.keys, table, prngStream(seed, `traffic.${index}.keys`));
    this.arrivals = prngStream(seed, `traffic.${index}.arrivals`);
    this.resendRng = prngStream(seed, `traffic.${index}.resends`);
    const resendTailUs = cfg.resend.rate > 0 ? cfg.resend.afterUs : 0;
    if (cfg.kind === "burst") {
      this.nextUs = cfg.records > 0 ? cfg.atUs : Infinity;
      this.lastArrivalUs = cfg.atUs + resendTailUs;
    } else if (cfg.kind === "replay") {
      this.lastArrivalUs = cfg.plan.endUs + resendTailUs;
      this.nextUs = this.replayTime();
    } else {
      this.lastArrivalUs = cfg.toUs + resendTailUs;
      if (cfg.ratePerS > 0) {
        this.nextUs = cfg.arrival === "even" ? cfg.fromUs : cfg.fromUs + this.gapUs();
        if (this.nextUs >= cfg.toUs) this.nextUs = Infinity;
      }
    }
  }

  /** A replay's next send: record `inPeriod` of period `period`, or Infinity after the last period. */
  private replayTime(): number {
    const cfg = this.cfg as Extract<ProducerConfig, { kind: "replay" }>;
    const { startsUs, counts, periodUs } = cfg.plan;
    if (this.period >= counts.length) return Infinity;
    const n = counts[this.period];
    const j = this.inPeriod;
    let offset: number;
    if (cfg.arrival === "even") offset = Math.floor((j * periodUs) / n);
    else {
      this.u += (1 - this.u) * (1 - Math.pow(this.arrivals.next(), 1 / (n - j)));
      offset = Math.floor(this.u * periodUs);
    }
    return startsUs[this.period] + Math.min(offset, periodUs - 1);
  }

  private gapUs(): number {
    const cfg = this.cfg as Extract<ProducerConfig, { kind: "steady" }>;
    return Math.round(this.arrivals.exponential(US_PER_S / cfg.ratePerS));
  }

  /** Time of this producer's next send (first send or retry), Infinity when done. */
  peekUs(): number {
    const r = this.resends.peekNum();
    return r <= this.nextUs ? r : this.nextUs;
  }

  /** Whether the first send just taken will be retried (draws only when retries are configured). */
  drawResend(): boolean {
    const rate = this.cfg.resend.rate;
    return rate > 0 && this.resendRng.next() < rate;
  }

  /** Take the record arriving at nextUs and advance. Returns its key index. */
  take(): number {
    const key = this.keys.pick();
    this.step();
    return key;
  }

  /**
   * Take the sends from nextUs on while they come before `stopUs` (or at it, when `atStop`), at most `max`: their
   * times into `times` and their keys into `keys`, the same sends and draws as that many calls of take (times and
   * keys come from streams of their own, so all the times can be found before the keys are drawn). Returns how many.
   */
  takeInto(times: Float64Array, keys: Int32Array, max: number, stopUs: number, atStop: boolean): number {
    const cfg = this.cfg;
    let i = 0;
    let t = this.nextUs;
    if (cfg.kind === "steady" && cfg.arrival === "even") {
      // step's rule for evenly spaced sends, in locals.
      const fromUs = cfg.fromUs;
      const toUs = cfg.toUs;
      const rate = cfg.ratePerS;
      let k = this.k;
      while (i < max && (t < stopUs || (t === stopUs && atStop))) {
        times[i++] = t;
        k++;
        const next = fromUs + Math.floor((k * US_PER_S) / rate);
        t = next < toUs ? next : Infinity;
      }
      this.k = k;
      this.nextUs = t;
    } else {
      while (i < max && (t < stopUs || (t === stopUs && atStop))) {
        times[i++] = t;
        this.step();
        t = this.nextUs;
      }
    }
    this.keys.pickInto(keys, i);
    return i;
  }

  /** Advance past the send at nextUs (its key drawn by the caller). */
  private step(): void {
    const cfg = this.cfg;
    this.k++;
    if (cfg.kind === "burst") {
      if (this.k >= cfg.records) this.nextUs = Infinity;
    } else if (cfg.kind === "replay") {
      if (++this.inPeriod >= cfg.plan.counts[this.period]) {
        this.period++;
        this.inPeriod = 0;
        this.u = 0;
      }
      this.nextUs = this.replayTime();
    } else if (cfg.arrival === "even") {
      const t = cfg.fromUs + Math.floor((this.k * US_PER_S) / cfg.ratePerS);
      this.nextUs = t < cfg.toUs ? t : Infinity;
    } else {
      const t = this.nextUs + this.gapUs();
      this.nextUs = t < cfg.toUs ? t : Infinity;
    }
  }
}

/**
 * Receives each send; the source builds its own record object. `resendPlanned`: this first send will be retried;
 * `resend`: this send is a retry (null for first sends). `producer`: the index of the producer that sent it. Return false to drop the send (it is then not a produced
 * record and `n` is not used); anything else accepts it.
 */
export type RecordSink = (n: number, keyIndex: number, sentUs: number, sizeBytes: number, resendPlanned: boolean, resend: Resend | null, producer: number) => unknown;

/** Sends a run holds at most (takeRun). */
export const SEND_RUN_MAX = 1024;

/** A run of sends taken at once (Traffic.takeRun): send times and keys in send order, the first one production index
 *  `firstN` and the others the indexes after it, all of one producer and one size. Made once and refilled. */
export class SendRun {
  readonly sentUs = new Float64Array(SEND_RUN_MAX);
  readonly keyIndex = new Int32Array(SEND_RUN_MAX);
  count = 0;
  firstN = 0;
  producer = 0;
  sizeBytes = 0;
}

export class Traffic {
  private readonly producers: Producer[];
  /** Records produced so far (also the next record's global index). */
  produced = 0;
  readonly lastArrivalUs: number;
  readonly firstArrivalUs: number;

  /** No producer retries sends: takeRun may take them a run at a time. */
  private readonly runs: boolean;

  constructor(readonly configs: readonly ProducerConfig[], seed: number, readonly keys: KeyTable) {
    this.producers = configs.map((c, i) => new Producer(c, i, seed, keys));
    this.runs = this.producers.every((p) => p.cfg.resend.rate === 0);
    this.lastArrivalUs = this.producers.reduce((m, p) => Math.max(m, p.lastArrivalUs), 0);
    this.dueUs = this.earliestSendUs();
    const first = this.dueUs;
    this.firstArrivalUs = first === Infinity ? 0 : first;
  }

  /** The next production index for a record that no producer sent (the function writing back to its own stream,
   *  lambda/write-back.ts), counted as produced: one global counter keeps sequence order and conservation whole. */
  takeIndex(): number {
    return this.produced++;
  }

  /** Sends that were retries (accepted or dropped by the source). */
  resendsSent = 0;

  /** The next send of any producer (earliestSendUs), kept: the producers change only in produceUntil, and the
   *  run loop asks before every event. */
  private dueUs: number;

  /** Arrival time of the next send of any producer, or Infinity when every producer is done. */
  nextArrivalUs(): number {
    return this.dueUs;
  }

  private earliestSendUs(): number {
    let t = Infinity;
    for (const p of this.producers) {
      const u = p.peekUs();
      if (u < t) t = u;
    }
    return t;
  }

  get done(): boolean {
    return this.nextArrivalUs() === Infinity;
  }

  /**
   * For a sink that accepts every send: the next sends at or before `upToUs` into `run` (at most SEND_RUN_MAX), each
   * counted as produced, when no producer retries. A run holds one producer's sends: those that come before any
   * other producer's next send (at the same instant, the producer listed first goes first). Taking runs until one
   * is empty gives the same sends, in the same order, as produceUntil would give its sink, without a call per send.
   * Returns how many, or -1 (taking nothing) when a producer retries sends: produceUntil then.
   */
  takeRun(upToUs: number, run: SendRun): number {
    run.count = 0;
    if (!this.runs) return -1;
    if (upToUs < this.dueUs) return 0;
    const ps = this.producers;
    // The producer whose send is next (ties: the first listed), and the last instant its sends come first.
    let best = 0;
    for (let j = 1; j < ps.length; j++) if (ps[j].nextUs < ps[best].nextUs) best = j;
    let stopUs = upToUs;
    let atStop = true;
    for (let j = 0; j < ps.length; j++) {
      if (j === best) continue;
      const u = ps[j].nextUs;
      if (u < stopUs) {
        stopUs = u;
        atStop = j > best;
      } else if (u === stopUs && j < best) atStop = false;
    }
    const p = ps[best];
    const i = p.takeInto(run.sentUs, run.keyIndex, SEND_RUN_MAX, stopUs, atStop);
    this.dueUs = ps.length === 1 ? p.nextUs : this.earliestSendUs();
    run.count = i;
    run.firstN = this.produced;
    run.producer = best;
    run.sizeBytes = p.cfg.recordSizeBytes;
    this.produced += i;
    return i;
  }

  /** Produce every send at or before `upToUs`, in time order (ties: producer order, a producer's retries first). */
  produceUntil(upToUs: number, sink: RecordSink): void {
    if (upToUs < this.dueUs) return;
    const ps = this.producers;
    if (ps.length === 1 && ps[0].cfg.resend.rate === 0) {
      // One producer that never retries: the same sends as the general loop below, without its per-send choice.
      const p = ps[0];
      const sizeBytes = p.cfg.recordSizeBytes;
      for (;;) {
        const t = p.nextUs;
        if (t === Infinity || t > upToUs) {
          this.dueUs = t;
          return;
        }
        const keyIndex = p.take();
        if (sink(this.produced, keyIndex, t, sizeBytes, false, null, 0) !== false) this.produced++;
      }
    }
    for (;;) {
      let best = -1;
      let bestT = Infinity;
      for (let i = 0; i < ps.length; i++) {
        const u = ps[i].peekUs();
        if (u < bestT) {
          bestT = u;
          best = i;
        }
      }
      if (best < 0 || bestT > upToUs) {
        this.dueUs = bestT;
        return;
      }
      const p = ps[best];
      if (p.resends.peekNum() === bestT) {
        const r = p.resends.shift()!;
        this.resendsSent++;
        if (sink(this.produced, r.keyIndex, bestT, r.sizeBytes, false, r, best) !== false) this.produced++;
        continue;
      }
      const keyIndex = p.take();
      const resend = p.drawResend();
      const n = this.produced;
      if (sink(n, keyIndex, bestT, p.cfg.recordSizeBytes, resend, null, best) !== false) this.produced++;
      if (resend) {
        p.resends.push({ ofN: n, ofSentUs: bestT, keyIndex, sizeBytes: p.cfg.recordSizeBytes, deduplicationId: p.cfg.resend.deduplicationId }, bestT + p.cfg.resend.afterUs);
      }
    }
  }
}
