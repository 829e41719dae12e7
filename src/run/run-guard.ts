/**
 * What the run loop (simulate.ts) does besides stepping the world: report progress (virtual time only) and stop a run
 * that passes its budgets (run/budget.ts): too many scheduler events, or too many records waiting at once.
 */
import type { Scheduler } from "../engine/scheduler.js";
import type { MetricsCollector } from "../metrics/collector.js";
import type { Scenario } from "../scenario/model.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import { defaultMaxEvents } from "./budget.js";
import type { SimulateOptions } from "./options.js";
import type { StopReason } from "./result.js";
import type { World } from "./world.js";

export class RunGuard {
  private readonly maxEvents: number;
  private readonly maxWaiting: number;
  private readonly progressEvery: number;
  private untilProgress: number;
  private readonly untilUs: number | null;

  constructor(
    scenario: Scenario,
    private readonly options: SimulateOptions,
    private readonly sched: Scheduler,
    private readonly metrics: MetricsCollector,
    /** Read only for progress: where the run stops at the latest, and how many records it has taken in. */
    private readonly world: World,
  ) {
    this.maxEvents = options.maxEvents ?? defaultMaxEvents(scenario);
    this.maxWaiting = options.maxWaitingRecords ?? MAX_WAITING_RECORDS;
    this.progressEvery = Math.max(1, Math.floor(options.progressEvery ?? 65_536));
    this.untilProgress = this.progressEvery;
    this.untilUs = scenario.untilUs;
  }

  /** Call once per loop turn: every `progressEvery` turns, tells the progress listener where the run is. */
  tick(): void {
    const onProgress = this.options.progress;
    if (!onProgress || --this.untilProgress !== 0) return;
    this.untilProgress = this.progressEvery;
    const m = this.metrics;
    const ended = m.succeeded + m.onFailure + m.dlq + m.expired + m.filtered;
    const endUs = this.untilUs ?? this.world.capUs();
    onProgress({ nowUs: this.sched.nowUs, endUs, produced: this.world.produced, ended, eventsRun: this.sched.eventsRun });
  }

  /** The budget the run has passed, given how many records wait in the source now; null while within both. */
  overBudget(waiting: number): StopReason | null {
    if (this.sched.eventsRun >= this.maxEvents) return "event-budget";
    if (waiting > this.maxWaiting) return "record-budget";
    return null;
  }
}
