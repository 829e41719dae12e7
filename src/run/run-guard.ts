/**
 * What every world's run loop does besides stepping the model: report progress (virtual time only) and stop a run
 * that passes its budgets (run/budget.ts): too many scheduler events, or too many records waiting at once.
 */
import type { Scheduler } from "../engine/scheduler.js";
import type { MetricsCollector } from "../metrics/collector.js";
import type { Scenario } from "../scenario/model.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import { defaultMaxEvents } from "./budget.js";
import type { StopReason } from "./result.js";

/** Where a run is, for a progress display. Virtual time only: the model never reads the wall clock. */
export interface Progress {
  nowUs: number;
  /** The time the run stops at the latest (until, or the cap). */
  endUs: number;
  produced: number;
  /** Records in an end state so far. */
  ended: number;
  eventsRun: number;
}

export interface RunGuardOptions {
  progress?: (p: Progress) => void;
  progressEvery?: number;
  maxEvents?: number;
  maxWaitingRecords?: number;
}

export class RunGuard {
  private readonly maxEvents: number;
  private readonly maxWaiting: number;
  private readonly progressEvery: number;
  private untilProgress: number;

  constructor(
    scenario: Scenario,
    private readonly options: RunGuardOptions,
    private readonly sched: Scheduler,
    private readonly metrics: MetricsCollector,
    /** Where the run stops at the latest, and how many records the source has taken in: read only for progress. */
    private readonly where: { endUs: () => number; produced: () => number },
  ) {
    this.maxEvents = options.maxEvents ?? defaultMaxEvents(scenario);
    this.maxWaiting = options.maxWaitingRecords ?? MAX_WAITING_RECORDS;
    this.progressEvery = Math.max(1, Math.floor(options.progressEvery ?? 65_536));
    this.untilProgress = this.progressEvery;
  }

  /** Call once per loop turn: every `progressEvery` turns, tells the progress listener where the run is. */
  tick(): void {
    const onProgress = this.options.progress;
    if (!onProgress || --this.untilProgress !== 0) return;
    this.untilProgress = this.progressEvery;
    const m = this.metrics;
    const ended = m.succeeded + m.onFailure + m.dlq + m.expired + m.filtered;
    onProgress({ nowUs: this.sched.nowUs, endUs: this.where.endUs(), produced: this.where.produced(), ended, eventsRun: this.sched.eventsRun });
  }

  /** The budget the run has passed, given how many records wait in the source now; null while within both. */
  overBudget(waiting: number): StopReason | null {
    if (this.sched.eventsRun >= this.maxEvents) return "event-budget";
    if (waiting > this.maxWaiting) return "record-budget";
    return null;
  }
}
