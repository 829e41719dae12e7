/**
 * Traffic: the producers that put records into a source. Arrivals are computed, not scheduled: the source asks
 * for every record up to a time and gets them in arrival order, so a busy producer costs no events.
 *
 * Steady producers space arrivals evenly (`t_k = from + floor(k / rate)`) or draw exponential gaps (`poisson`);
 * bursts put `records` records at one instant. Keys are uniform or zipf over `keys` distinct keys, drawn from the
 * stream `traffic.<i>.keys`; poisson gaps from `traffic.<i>.arrivals`.
 * Not modelled: producer-side throttling and retries (stream sources add them), variable record sizes.
 */
import { US_PER_S } from "../engine/time.js";
import { prngStream, type Prng } from "../engine/prng.js";
import type { ProducerConfig } from "../scenario/model.js";
import { generatedKeyName, type KeyTable } from "./keys.js";

interface KeyPicker {
  pick(): number;
}

function keyPicker(cfg: ProducerConfig["keys"], table: KeyTable, rng: Prng): KeyPicker {
  if (cfg.literal !== null) {
    const k = table.intern(cfg.literal);
    return { pick: () => k };
  }
  const ids = new Int32Array(cfg.count);
  for (let i = 0; i < cfg.count; i++) ids[i] = table.intern(generatedKeyName(i));
  if (cfg.count === 1) return { pick: () => ids[0] };
  if (cfg.distribution === "uniform") return { pick: () => ids[rng.int(cfg.count)] };
  // zipf: P(i) proportional to 1 / (i + 1)^s; cumulative table and binary search.
  const cdf = new Float64Array(cfg.count);
  let total = 0;
  for (let i = 0; i < cfg.count; i++) {
    total += 1 / Math.pow(i + 1, cfg.zipfExponent);
    cdf[i] = total;
  }
  return {
    pick: () => {
      const u = rng.next() * total;
      let lo = 0;
      let hi = cfg.count - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      return ids[lo];
    },
  };
}

class Producer {
  /** Arrival time of the next record, Infinity when done. */
  nextUs = Infinity;
  private k = 0;
  private readonly keys: KeyPicker;
  private readonly arrivals: Prng;
  readonly lastArrivalUs: number;

  constructor(
    readonly cfg: ProducerConfig,
    index: number,
    seed: number,
    table: KeyTable,
  ) {
    this.keys = keyPicker(cfg.keys, table, prngStream(seed, `traffic.${index}.keys`));
    this.arrivals = prngStream(seed, `traffic.${index}.arrivals`);
    if (cfg.kind === "burst") {
      this.nextUs = cfg.records > 0 ? cfg.atUs : Infinity;
      this.lastArrivalUs = cfg.atUs;
    } else {
      this.lastArrivalUs = cfg.toUs;
      if (cfg.ratePerS > 0) {
        this.nextUs = cfg.arrival === "even" ? cfg.fromUs : cfg.fromUs + this.gapUs();
        if (this.nextUs >= cfg.toUs) this.nextUs = Infinity;
      }
    }
  }

  private gapUs(): number {
    const cfg = this.cfg as Extract<ProducerConfig, { kind: "steady" }>;
    return Math.round(this.arrivals.exponential(US_PER_S / cfg.ratePerS));
  }

  /** Take the record arriving at nextUs and advance. Returns its key index. */
  take(): number {
    const key = this.keys.pick();
    const cfg = this.cfg;
    this.k++;
    if (cfg.kind === "burst") {
      if (this.k >= cfg.records) this.nextUs = Infinity;
    } else if (cfg.arrival === "even") {
      const t = cfg.fromUs + Math.floor((this.k * US_PER_S) / cfg.ratePerS);
      this.nextUs = t < cfg.toUs ? t : Infinity;
    } else {
      const t = this.nextUs + this.gapUs();
      this.nextUs = t < cfg.toUs ? t : Infinity;
    }
    return key;
  }
}

/** Receives each produced record's fields (and which producer made it); the source builds its own record object. */
export type RecordSink = (n: number, keyIndex: number, sentUs: number, sizeBytes: number, producer: number) => void;

export class Traffic {
  private readonly producers: Producer[];
  /** Records produced so far (also the next record's global index). */
  produced = 0;
  readonly lastArrivalUs: number;
  readonly firstArrivalUs: number;

  constructor(readonly configs: readonly ProducerConfig[], seed: number, readonly keys: KeyTable) {
    this.producers = configs.map((c, i) => new Producer(c, i, seed, keys));
    this.lastArrivalUs = this.producers.reduce((m, p) => Math.max(m, p.lastArrivalUs), 0);
    const first = this.nextArrivalUs();
    this.firstArrivalUs = first === Infinity ? 0 : first;
  }

  /** Arrival time of the next record of any producer, or Infinity when every producer is done. */
  nextArrivalUs(): number {
    let t = Infinity;
    for (const p of this.producers) if (p.nextUs < t) t = p.nextUs;
    return t;
  }

  get done(): boolean {
    return this.nextArrivalUs() === Infinity;
  }

  /** Produce every record arriving at or before `upToUs`, in arrival order (ties: producer order). */
  produceUntil(upToUs: number, sink: RecordSink): void {
    const ps = this.producers;
    for (;;) {
      let best = -1;
      let bestT = Infinity;
      for (let i = 0; i < ps.length; i++) {
        if (ps[i].nextUs < bestT) {
          bestT = ps[i].nextUs;
          best = i;
        }
      }
      if (best < 0 || bestT > upToUs) return;
      const p = ps[best];
      const keyIndex = p.take();
      sink(this.produced++, keyIndex, bestT, p.cfg.recordSizeBytes, best);
    }
  }
}
