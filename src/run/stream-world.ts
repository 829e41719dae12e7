/**
 * Wiring for stream sources (Kinesis, DynamoDB Streams): traffic into a sharded stream, the stream mapping, the
 * function; runs on the virtual clock until `until`, until drained, or until the cap, and folds the trace into a
 * report. Called by simulate.ts, the one entry point.
 *
 * Stop rules: drained = every producer finished, every record in an end state and the mapping holding nothing that
 * could still change the outcome. Without `until`, a run that cannot drain stops at the cap: the stream's retention
 * after the last arrival (or after the mapping's start, if later), when every record has been processed or lost.
 */
import { assert } from "../engine/assert.js";
import { Scheduler } from "../engine/scheduler.js";
import { usToMs } from "../engine/time.js";
import { StreamMapping, type KeepRecord } from "../esm/stream-mapping.js";
import { streamKeep } from "../esm/record-filter.js";
import { LambdaFunction } from "../lambda/function.js";
import { MetricsCollector } from "../metrics/collector.js";
import { StreamMetrics } from "../metrics/stream-metrics.js";
import type { Scenario, StreamSourceConfig } from "../scenario/model.js";
import { KeyTable } from "../sources/keys.js";
import { StreamSource } from "../sources/stream.js";
import { Traffic } from "../sources/traffic.js";
import { Trace, type TraceListener } from "../trace/events.js";
import { checkExpectations } from "./expect.js";
import { timelineView } from "./timeline-view.js";
import { defaultMaxEvents } from "./budget.js";
import { MAX_WAITING_RECORDS } from "../scenario/rules.js";
import type { Report, RunResult, StopReason } from "./result.js";
import type { Progress, TraceContext } from "./simulate.js";
import { VERSION } from "./version.js";

export interface StreamRunOptions {
  trace?: (ctx: TraceContext) => TraceListener;
  /** Overrides the scenario's FilterCriteria: records for which this returns false are filtered when read
   *  (null: no filtering). Without it the mapping applies scenario.mapping.filter. */
  keep?: KeepRecord | null;
  progress?: (p: Progress) => void;
  progressEvery?: number;
  maxEvents?: number;
  maxWaitingRecords?: number;
}

export function simulateStream(scenario: Scenario, src: StreamSourceConfig, options: StreamRunOptions = {}): RunResult {
  const sched = new Scheduler();
  const trace = new Trace();
  const keys = new KeyTable();
  const traffic = new Traffic(scenario.traffic, scenario.seed, keys);
  const metrics = new MetricsCollector(keys.size);
  const source = new StreamSource(src, traffic, sched, trace, scenario.seed);
  const shardIds = source.shards.map((s) => s.shardId);
  const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${scenario.fn.name}`;
  const streamMetrics = new StreamMetrics({ type: src.type, streamArn: src.streamArn, functionArn, shardIds });
  trace.listen(metrics.listener);
  trace.listen(streamMetrics.listener);
  if (options.trace) {
    trace.listen(options.trace({ queue: src.streamName, keyNames: keys.names, stream: { type: src.type, name: src.streamName, shardIds } }), true);
  }

  const fn = new LambdaFunction(scenario.fn, scenario.accountConcurrency, scenario.seed, keys, { burst: scenario.figures.functionScalingBurst, per10s: scenario.figures.functionScalingPer10s });
  // FilterCriteria: the scenario's filter, unless the caller passes its own keep (a test seam).
  const filter = scenario.mapping.filter;
  const keep = options.keep !== undefined ? options.keep : filter ? streamKeep(filter, src, scenario.traffic, keys.names) : null;
  const mapping = new StreamMapping(sched, source, fn, scenario.mapping, src, trace, keep);
  mapping.start();

  const capUs = () => Math.max(source.lastArrivalUs, scenario.mapping.startAtUs) + src.retentionUs;
  const drained = () => source.trafficDone && source.unended === 0 && !mapping.hasWork();
  let stopReason: StopReason;
  const maxEvents = options.maxEvents ?? defaultMaxEvents(scenario);
  const maxWaiting = options.maxWaitingRecords ?? MAX_WAITING_RECORDS;
  const onProgress = options.progress;
  const progressEvery = Math.max(1, Math.floor(options.progressEvery ?? 65_536));
  let untilProgress = progressEvery;
  for (;;) {
    if (onProgress && --untilProgress === 0) {
      untilProgress = progressEvery;
      const ended = metrics.succeeded + metrics.onFailure + metrics.dlq + metrics.expired + metrics.filtered;
      onProgress({ nowUs: sched.nowUs, endUs: scenario.untilUs ?? capUs(), produced: source.produced, ended, eventsRun: sched.eventsRun });
    }
    if (drained()) {
      stopReason = "drained";
      break;
    }
    if (sched.eventsRun >= maxEvents) {
      stopReason = "event-budget";
      break;
    }
    if (source.unended > maxWaiting) {
      stopReason = "record-budget";
      break;
    }
    const endUs = scenario.untilUs ?? capUs();
    const t = sched.peekTimeUs();
    const nextArrivalUs = traffic.nextArrivalUs();
    if (t === Infinity && nextArrivalUs <= endUs) {
      // Nothing scheduled: the next record's arrival is the next thing that can happen.
      source.advance(nextArrivalUs);
      continue;
    }
    if (t > endUs) {
      assert(t !== Infinity || !source.trafficDone || !mapping.hasWork(), "the stream mapping holds work but nothing is scheduled (a stall)");
      sched.nowUs = Math.max(sched.nowUs, endUs);
      source.advance(sched.nowUs);
      stopReason = drained() ? "drained" : scenario.untilUs !== null ? "until" : "cap";
      break;
    }
    // Bring the stream up to the event's time first, so per-record trace events stay in time order.
    source.advance(t);
    sched.step();
  }
  const endedAtUs = sched.nowUs;

  const produced = source.produced;
  const ended = metrics.succeeded + metrics.onFailure + metrics.dlq + metrics.expired + metrics.filtered;
  const pending = produced - ended;
  assert(pending === source.unended, () => `conservation broken: produced ${produced} - ended ${ended} = ${pending}, but the stream holds ${source.unended} unended records`);

  const activeS = (metrics.lastSuccessUs - traffic.firstArrivalUs) / 1e6;
  const ms = (us: number) => usToMs(us);
  const report: Report = {
    scenario: scenario.name,
    description: scenario.description,
    version: VERSION,
    seed: scenario.seed,
    profile: scenario.profileName,
    scalingOverrides: scenario.figureOverrides as Record<string, number | null>,
    source: { type: src.type, name: src.streamName },
    endedAt: ms(endedAtUs),
    drained: stopReason === "drained",
    stopReason,
    records: {
      produced,
      succeeded: metrics.succeeded,
      onFailure: metrics.onFailure,
      dlq: metrics.dlq,
      expired: metrics.expired,
      filtered: metrics.filtered,
      pending,
      deletedDespiteReportedFailure: metrics.deletedDespiteReportedFailure,
    },
    conservation: `produced ${produced} = succeeded ${metrics.succeeded} + onFailure ${metrics.onFailure} + dlq ${metrics.dlq} + expired ${metrics.expired} + filtered ${metrics.filtered} + pending ${pending}`,
    duplicates: metrics.duplicates,
    orderingViolations: metrics.orderingViolations,
    invocations: {
      total: metrics.invocations,
      errors: metrics.errors,
      timeouts: metrics.timeouts,
      throttles: metrics.throttles,
      partial: metrics.partial,
      partialIgnored: metrics.partialIgnored,
    },
    batchSize: { p50: metrics.batchSizes.quantile(0.5), max: metrics.batchSizes.max },
    iteratorAge: {
      max: ms(metrics.iteratorAge.max),
      p50: ms(metrics.iteratorAge.quantile(0.5)),
      p99: ms(metrics.iteratorAge.quantile(0.99)),
      definition: "age of the last record of each batch when the mapping sends it to the function",
    },
    concurrency: {
      max: metrics.concurrencyMax,
      timeToMax: metrics.invocations > 0 ? ms(Math.max(0, metrics.concurrencyMaxAtUs - traffic.firstArrivalUs)) : 0,
      pollersMax: src.shardCount,
    },
    latency: { p50: ms(metrics.latency.quantile(0.5)), p99: ms(metrics.latency.quantile(0.99)), max: ms(metrics.latency.max) },
    throughput: { recordsPerSecond: activeS > 0 ? Math.round((metrics.succeeded / activeS) * 1000) / 1000 : 0 },
    sqs: {
      polls: 0,
      emptyPolls: 0,
      visibilityRedeliveries: 0,
      spontaneousDuplicates: 0,
      producerRetries: 0,
      producerRetriesDelivered: 0,
      dedupDropped: 0,
      producerDuplicates: 0,
      mode: "on-demand",
      eventPollersMax: 0,
      rateLimitedReceives: 0,
    },
    destinations: streamMetrics.destinations,
    expectations: [],
    series: {
      concurrency: streamMetrics.concurrencySeries(),
      backlog: [],
      oldestAge: [],
      outcomes: metrics.outcomes.series(),
      iteratorAgeByShard: streamMetrics.iteratorAgeSeries(),
    },
    stream: {
      arn: src.streamArn,
      shardCount: src.shardCount,
      parallelizationFactor: scenario.mapping.parallelizationFactor,
      producerThrottles: source.producerThrottles,
      producerThrottledRecords: source.producerThrottledRecords,
      expiredByRetention: streamMetrics.expiredByRetention,
      discardedByRecordAge: streamMetrics.discardedByRecordAge,
      retryExhausted: streamMetrics.retryExhausted,
      destinationRecords: streamMetrics.destinationRecords,
      destinationDeliveryFailures: streamMetrics.destinationDeliveryFailures,
      retries: mapping.retries,
      bisects: mapping.bisects,
      redeliveriesOfSucceeded: mapping.redeliveriesOfSucceeded,
      polls: mapping.polls,
      emptyPolls: mapping.emptyPolls,
      shards: streamMetrics.shards.map((s, i) => ({
        shardId: shardIds[i],
        invocations: s.invocations,
        recordsInvoked: s.records,
        iteratorAge: { max: ms(s.iteratorAge.max), p50: ms(s.iteratorAge.quantile(0.5)), p99: ms(s.iteratorAge.quantile(0.99)) },
        checkpoint: s.checkpoint,
      })),
    },
    eventsRun: sched.eventsRun,
    traceDigest: metrics.digest.hex(),
  };
  report.expectations = checkExpectations(scenario.expectations, report);
  return { scenario, report, timeline: timelineView(metrics) };
}
