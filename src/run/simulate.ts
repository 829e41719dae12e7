/**
 * The one entry point and the one run loop: a Scenario becomes a world (run/world.ts: sqs-world.ts for queues,
 * stream-world.ts for streams), which runs on the virtual clock until it drains, until `until`, or until its cap,
 * and the trace folds into a report.
 *
 * Stop rules (docs/reports.md): drained = every producer finished and every record in an end state, with nothing
 * held that could still change the outcome (each world says what that means for it). Without `until`, a run that
 * cannot drain stops at the world's cap. Two budgets (run/budget.ts) stop a run early: too many scheduler events,
 * or too many records waiting at once.
 */
import { assert } from "../engine/assert.js";
import { Scheduler } from "../engine/scheduler.js";
import { CloudWatchMetrics, cloudwatchSourceOf } from "../metrics/cloudwatch.js";
import { MetricsCollector } from "../metrics/collector.js";
import { runFold } from "../metrics/run-fold.js";
import type { Scenario } from "../scenario/model.js";
import { isStreamSource } from "../sources/config.js";
import { KeyTable } from "../sources/keys.js";
import { Traffic } from "../sources/traffic.js";
import { Trace } from "../trace/events.js";
import { checkExpectations } from "./expect.js";
import type { SimulateOptions } from "./options.js";
import { commonReport } from "./report-common.js";
import type { Report, RunResult, StopReason } from "./result.js";
import { RunGuard } from "./run-guard.js";
import { SqsWorld } from "./sqs-world.js";
import { StreamWorld } from "./stream-world.js";
import { timelineView } from "./timeline-view.js";
import type { World, WorldParts } from "./world.js";

export function simulate(scenario: Scenario, options: SimulateOptions = {}): RunResult {
  const sched = new Scheduler();
  const trace = new Trace();
  const keys = new KeyTable();
  const traffic = new Traffic(scenario.traffic, scenario.seed, keys);
  const metrics = new MetricsCollector(keys.size);
  const cloudwatch = new CloudWatchMetrics(cloudwatchSourceOf(scenario.source.type, scenario.mapping.enhancedFanOut), scenario.startUnixS);
  // The folds every run has, as one listener: one test of each event's type for all (a stream world joins its own).
  const fold = runFold(metrics, cloudwatch);
  trace.listen(fold);
  const parts: WorldParts = { scenario, sched, trace, keys, traffic, metrics, cloudwatch, fold };
  const world = worldOf(parts, options);
  if (options.trace) trace.listen(options.trace(world.traceContext), true);
  if (options.watch) trace.listen(options.watch(() => world.produced));
  world.start();
  const guard = new RunGuard(scenario, options, sched, metrics, world);
  const stopReason = runUntilStop(world, sched, guard, scenario.untilUs);
  const report = reportOf(world, parts, stopReason);
  report.expectations = checkExpectations(scenario.expectations, report);
  return { scenario, report, timeline: timelineView(metrics) };
}

function worldOf(parts: WorldParts, options: SimulateOptions): World {
  const source = parts.scenario.source;
  if (isStreamSource(source)) return new StreamWorld(parts, source, options.keep);
  assert(source.type === "sqs" || source.type === "sqs-fifo", () => `no simulator for ${source.type} sources`);
  return new SqsWorld(parts, source);
}

/** Step the world's events until a stop rule or a budget ends the run; returns why it ended. */
function runUntilStop(world: World, sched: Scheduler, guard: RunGuard, untilUs: number | null): StopReason {
  for (;;) {
    guard.tick();
    if (world.drained()) return "drained";
    const over = guard.overBudget(world.unended);
    if (over) return over;
    const endUs = untilUs ?? world.capUs();
    const t = sched.peekTimeUs();
    if (t === Infinity) {
      const wakeUs = world.idleWakeUs(endUs);
      if (wakeUs !== Infinity) {
        world.advance(wakeUs);
        continue;
      }
    }
    if (t > endUs) {
      sched.nowUs = Math.max(sched.nowUs, endUs);
      world.stopAt(sched.nowUs);
      return world.drained() ? "drained" : untilUs !== null ? "until" : "cap";
    }
    // Bring the source up to the event's time first, so per-record trace events stay in time order.
    world.advance(t);
    sched.step();
  }
}

/** The report: the fields every source computes the same way, then the world's own, in the report's key order. */
function reportOf(world: World, parts: WorldParts, stopReason: StopReason): Report {
  const { scenario, sched, metrics } = parts;
  const own = world.report(sched.nowUs);
  const { concurrency, backlog, oldestAge, iteratorAgeByShard, recordsBehindByShard } = own.series;
  return {
    ...commonReport(scenario, metrics, {
      sourceType: scenario.source.type,
      sourceName: own.sourceName,
      endedAtUs: sched.nowUs,
      stopReason,
      produced: world.produced,
      unended: world.unended,
      firstArrivalUs: parts.traffic.firstArrivalUs,
      iteratorAgeDefinition: own.iteratorAgeDefinition,
      pollersMax: own.pollersMax,
    }),
    ...(own.sqs && { sqs: own.sqs }),
    destinations: own.destinations,
    expectations: [],
    series: { concurrency, backlog, oldestAge, outcomes: metrics.outcomes.series(), ...(iteratorAgeByShard && { iteratorAgeByShard }), ...(recordsBehindByShard && { recordsBehindByShard }) },
    ...(own.stream && { stream: own.stream }),
    cloudwatch: parts.cloudwatch.report(sched.nowUs),
    eventsRun: sched.eventsRun,
    traceDigest: metrics.digest.hex(),
  };
}
