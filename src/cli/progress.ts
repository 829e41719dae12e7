/**
 * A progress bar on stderr, for a terminal only, and only once the work has taken more than about a second of wall
 * time (short runs print nothing). The CLI may read the wall clock; the model never does: runs report virtual time
 * through simulate's progress callback, sweeps the rows done.
 */
import type { Progress } from "../run/options.js";
import type { Scenario } from "../scenario/model.js";
import { formatCount, formatDurationUs } from "../scenario/units.js";
import { producerRecords } from "../sources/config.js";

export interface ProgressIo {
  err: (s: string) => void;
  /** stderr is a terminal. */
  errIsTty: boolean;
  /** Wall clock in ms. */
  nowMs: () => number;
  columns?: number;
}

const DELAY_MS = 1000;
const REDRAW_MS = 100;

export class ProgressBar {
  private readonly startMs: number;
  private lastDrawMs = -Infinity;
  private drawn = false;

  constructor(private readonly io: ProgressIo) {
    this.startMs = io.nowMs();
  }

  /** fraction in 0..1; label says what is done. Draws at most every 100 ms, and never in the first second. */
  update(fraction: number, label: string): void {
    if (!this.io.errIsTty) return;
    const now = this.io.nowMs();
    if (now - this.startMs < DELAY_MS || now - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = now;
    const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    const width = 30;
    const full = Math.round(f * width);
    const bar = "█".repeat(full) + "░".repeat(width - full);
    const line = `${bar} ${String(Math.floor(f * 100)).padStart(3)}% ${label}`;
    const cols = this.io.columns !== undefined && this.io.columns >= 20 ? this.io.columns : 100;
    this.io.err(`\r${line.slice(0, cols - 1)}\u001b[K`);
    this.drawn = true;
  }

  /** Clear the bar (if one was drawn) so the report starts on a clean line. */
  done(): void {
    if (this.drawn) this.io.err("\r\u001b[K");
    this.drawn = false;
  }
}

/** Records a scenario's producers will put in, when known (Infinity when a steady producer runs until `until`). */
export function plannedRecords(s: Scenario): number {
  let n = 0;
  for (const p of s.traffic) n += producerRecords(p);
  return n;
}

/** How far a run is: against `until` when set, else records ended out of those planned. */
export function runFraction(s: Scenario, p: Progress): { fraction: number; label: string } {
  const at = `virtual ${formatDurationUs(Math.round(p.nowUs / 1000) * 1000)}`;
  if (s.untilUs !== null) return { fraction: p.nowUs / s.untilUs, label: `${at} of ${formatDurationUs(s.untilUs)}` };
  const planned = Math.max(plannedRecords(s), p.produced, 1);
  return { fraction: p.ended / planned, label: `${at}, ${formatCount(p.ended)} of ${formatCount(Math.round(planned))} records ended` };
}
