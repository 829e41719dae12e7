/**
 * The one wiring place: a Scenario becomes a world (traffic, queue, function, mapping), runs on the virtual clock
 * until `until`, until drained, or until the cap, and the trace folds into a report.
 *
 * Stop rules (docs/reports.md): drained = every producer finished and every record in an end
 * state. Without `until`, a run that cannot drain stops at a cap: for queues, 14 days after the last arrival.
 * Stream sources (kinesis, dynamodb) branch off to stream-world.ts.
 * Two budgets (run/budget.ts) stop a run early: too many scheduler events, or too many records waiting at once.
 */
import { assert } from "../engine/assert.js";
import { prngStream } from "../engine/prng.js";
import { Scheduler } from "../engine/scheduler.js";
import { US_PER_DAY, US_PER_MS, usToMs } from "../engine/time.js";
import { SqsMapping } from "../esm/sqs-mapping.js";
import { sqsKeep } from "../esm/record-filter.js";
import { LambdaFunction } from "../lambda/function.js";
import { MetricsCollector, type SeriesPoint } from "../metrics/collector.js";
import { isStreamSource, type Scenario } from "../scenario/model.js";
import type { KeepRecord } from "../esm/stream-mapping.js";
import { simulateStream } from "./stream-world.js";
import { KeyTable } from "../sources/keys.js";
import { SqsFifoQueue } from "../sources/sqs-fifo-queue.js";
import { SqsQueue, type MessageQueue } from "../sources/sqs-queue.js";
import { Traffic } from "../sources/traffic.js";
import { Trace, type TraceListener } from "../trace/events.js";
import { checkExpectations } from "./expect.js";
import { RunGuard, type Progress } from "./run-guard.js";
import type { Report, RunResult, StopReason } from "./result.js";
import { timelineView } from "./timeline-view.js";
import { commonReport } from "./report-common.js";

export const QUEUE_CAP_US = 14 * US_PER_DAY;

/** What a trace writer needs to turn record references into the trace's ids and key names. */
export interface TraceContext {
  queue: string;
  keyNames: readonly string[];
  /** Stream sources: record ids are sequence numbers and events name shards. */
  stream?: { type: "kinesis" | "dynamodb"; name: string; shardIds: readonly string[]; writtenBackProducer?: number };
}

export type { Progress } from "./run-guard.js";

export interface SimulateOptions {
  /** Makes a listener for every trace event, per-record ones included (for --trace). */
  trace?: (ctx: TraceContext) => TraceListener;
  /** Streams: overrides the scenario's FilterCriteria (records for which it returns false are filtered when read;
   *  null: no filtering). Without it every source applies scenario.mapping.filter. */
  keep?: KeepRecord | null;
  /** Called every `progressEvery` events (default 65,536) with where the run is. */
  progress?: (p: Progress) => void;
  progressEvery?: number;
  /** Stop with stopReason "event-budget" after this many scheduler events (default: budget.ts defaultMaxEvents). */
  maxEvents?: number;
  /** Stop with stopReason "record-budget" when more records than this wait at once (default MAX_WAITING_RECORDS). */
  maxWaitingRecords?: number;
}

export function simulate(scenario: Scenario, options: SimulateOptions = {}): RunResult {
  const source = scenario.source;
  if (isStreamSource(source)) return simulateStream(scenario, source, options);
  assert(source.type === "sqs" || source.type === "sqs-fifo", () => `no simulator for ${source.type} sources`);
  const sched = new Scheduler();
  const trace = new Trace();
  const keys = new KeyTable();
  const traffic = new Traffic(scenario.traffic, scenario.seed, keys);
  const metrics = new MetricsCollector(keys.size);
  trace.listen(metrics.listener);
  if (options.trace) trace.listen(options.trace({ queue: source.queueName, keyNames: keys.names }), true);

  const figures = scenario.figures;
  const fifoQueue = source.fifo
    ? new SqsFifoQueue(source, traffic, trace, {
        lookAheadMessages: figures.fifoLookAheadMessages,
        inFlightMax: figures.fifoInFlightMax,
        deduplicationIntervalUs: figures.fifoDeduplicationIntervalMs * US_PER_MS,
      })
    : null;
  const queue: MessageQueue = fifoQueue ?? new SqsQueue(source, traffic, trace, prngStream(scenario.seed, "sqs.duplicates"));
  const fn = new LambdaFunction(
    scenario.fn,
    scenario.accountConcurrency,
    scenario.seed,
    keys,
    { burst: figures.functionScalingBurst, per10s: figures.functionScalingPer10s },
    source.fifo,
  );
  const filter = scenario.mapping.filter;
  const keep = filter ? sqsKeep(filter, source, scenario.traffic, keys.names) : null;
  const mapping = new SqsMapping(sched, queue, fn, scenario.mapping, scenario.figures, scenario.accountConcurrency, trace, keep);
  mapping.start(0);

  const endUs = scenario.untilUs ?? traffic.lastArrivalUs + QUEUE_CAP_US;
  // Cheapest test first: it runs before every event, and traffic.done asks every producer.
  const drained = () => queue.liveCount === 0 && traffic.done && !mapping.holdsBatches();
  const guard = new RunGuard(scenario, options, sched, metrics, { endUs: () => endUs, produced: () => queue.produced });
  let stopReason: StopReason;
  for (;;) {
    guard.tick();
    if (drained()) {
      stopReason = "drained";
      break;
    }
    const over = guard.overBudget(queue.liveCount);
    if (over) {
      stopReason = over;
      break;
    }
    const t = sched.peekTimeUs();
    if (t > endUs) {
      sched.nowUs = endUs;
      queue.expireDue(endUs);
      stopReason = drained() ? "drained" : scenario.untilUs !== null ? "until" : "cap";
      break;
    }
    // Bring the source up to the event's time first, so per-record trace events stay in time order.
    queue.advance(t);
    sched.step();
  }
  const endedAtUs = sched.nowUs;

  const series = (pts: SeriesPoint[], toMs = false): [number, number][] => pts.map((p) => [usToMs(p.tUs), toMs ? usToMs(p.value) : p.value]);

  const report: Report = {
    ...commonReport(scenario, metrics, {
      sourceType: source.type,
      sourceName: source.queueName,
      endedAtUs,
      stopReason,
      produced: queue.produced,
      unended: queue.liveCount,
      firstArrivalUs: traffic.firstArrivalUs,
      iteratorAgeDefinition: "age of the oldest message in the queue, sampled every second",
      pollersMax: metrics.pollersMax,
    }),
    sqs: {
      polls: metrics.polls,
      emptyPolls: metrics.emptyPolls,
      visibilityRedeliveries: metrics.visibilityRedeliveries,
      spontaneousDuplicates: metrics.spontaneousDuplicates,
      producerRetries: traffic.resendsSent,
      producerRetriesDelivered: queue.resendsAccepted,
      dedupDropped: metrics.dedupDropped,
      producerDuplicates: metrics.producerDuplicates,
      mode: scenario.mapping.provisioned ? "provisioned" : "on-demand",
      eventPollersMax: scenario.mapping.provisioned ? Math.ceil(metrics.pollersMax / (figures.provisionedInvokesPerPoller ?? 10)) : 0,
      rateLimitedReceives: mapping.rateLimitedReceives,
    },
    destinations: [],
    expectations: [],
    series: {
      concurrency: series(metrics.concurrencySeries),
      backlog: series(metrics.backlogSeries),
      oldestAge: series(metrics.ageSeries, true),
      outcomes: metrics.outcomes.series(),
    },
    eventsRun: sched.eventsRun,
    traceDigest: metrics.digest.hex(),
  };
  report.expectations = checkExpectations(scenario.expectations, report);
  const timeline = timelineView(metrics);
  return { scenario, report, timeline };
}

