/**
 * A world: one kind of source wired to its mapping and the function (sqs-world.ts for SQS standard and FIFO queues,
 * stream-world.ts for Kinesis and DynamoDB streams), as the run loop (simulate.ts) drives it. The loop owns the
 * clock, the budgets and the stop rules; a world brings its source up to each event's time, says when it is
 * drained and where a run without `until` stops, and gives its own part of the report.
 */
import type { Scheduler } from "../engine/scheduler.js";
import type { CloudWatchMetrics } from "../metrics/cloudwatch.js";
import type { RunFold } from "../metrics/run-fold.js";
import type { MetricsCollector } from "../metrics/collector.js";
import type { Scenario } from "../scenario/model.js";
import type { KeyTable } from "../sources/keys.js";
import type { Traffic } from "../sources/traffic.js";
import type { Trace } from "../trace/events.js";
import type { TraceContext } from "./options.js";
import type { Report, SqsReport, StreamReport } from "./result.js";

/** What every world is built from: the scenario, and the run's clock, trace, key table, traffic and metrics. */
export interface WorldParts {
  scenario: Scenario;
  sched: Scheduler;
  trace: Trace;
  keys: KeyTable;
  traffic: Traffic;
  /** The fold over the trace every run has (already listening). */
  metrics: MetricsCollector;
  /** CloudWatch's metrics (already listening); the world gives its source the meter. */
  cloudwatch: CloudWatchMetrics;
  /** The run's one listener for those folds: a world with metrics of its own joins them to it. */
  fold: RunFold;
}

export interface World {
  /** Ids and names for a trace writer. */
  readonly traceContext: TraceContext;
  /** Records the source has taken in so far. */
  readonly produced: number;
  /** Records the source holds that are not in an end state (the record budget counts them). */
  readonly unended: number;
  /** Schedule the mapping's start (after every trace listener is in place). */
  start(): void;
  /** Every producer finished, every record in an end state, and nothing held that could still change the outcome. */
  drained(): boolean;
  /** Where a run without `until` stops at the latest; it may move later as the run goes. */
  capUs(): number;
  /** Bring the source up to `nowUs` (sends, arrivals, timeouts) before an event at that time runs, so that
   *  per-record trace events stay in time order. */
  advance(nowUs: number): void;
  /** Nothing is scheduled: when the next record arrives, if that is by `endUs` and can set something going;
   *  Infinity when nothing will happen before the run ends. */
  idleWakeUs(endUs: number): number;
  /** The run stops at `endUs`: bring the source there. */
  stopAt(endUs: number): void;
  /** The world's part of the report, for a run that ended at `endUs` (read once, after the run). */
  report(endUs: number): WorldReport;
}

/** The report fields each kind of source fills its own way (the rest: report-common.ts). */
export interface WorldReport {
  sourceName: string;
  iteratorAgeDefinition: string;
  pollersMax: number;
  /** Queues only. */
  sqs?: SqsReport;
  destinations: unknown[];
  series: Omit<Report["series"], "outcomes">;
  /** Streams only. */
  stream?: StreamReport;
}
