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
import { WriteBack } from "../lambda/write-back.js";
import { MetricsCollector } from "../metrics/collector.js";
import { StreamMetrics } from "../metrics/stream-metrics.js";
import type { Scenario, StreamSourceConfig } from "../scenario/model.js";
import { KeyTable } from "../sources/keys.js";
import { StreamSource } from "../sources/stream.js";
import { Traffic } from "../sources/traffic.js";
import { Trace, type TraceListener } from "../trace/events.js";
import { checkExpectations } from "./expect.js";
import { RunGuard } from "./run-guard.js";
import { timelineView } from "./timeline-view.js";
import { commonReport } from "./report-common.js";
import type { Report, RunResult, StopReason } from "./result.js";
import type { Progress, TraceContext } from "./simulate.js";

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
    // writtenBackProducer: the pseudo-producer of records the function writes back (function.writesBack).
    const writtenBackProducer = scenario.fn.writesBack ? { writtenBackProducer: scenario.traffic.length } : {};
    trace.listen(options.trace({ queue: src.streamName, keyNames: keys.names, stream: { type: src.type, name: src.streamName, shardIds, ...writtenBackProducer } }), true);
  }

  const fn = new LambdaFunction(scenario.fn, scenario.accountConcurrency, scenario.seed, keys, { burst: scenario.figures.functionScalingBurst, per10s: scenario.figures.functionScalingPer10s });
  // FilterCriteria: the scenario's filter, unless the caller passes its own keep (a test seam).
  const filter = scenario.mapping.filter;
  // A function that writes back to its own stream: its records are a pseudo-producer after the traffic's.
  const wb = scenario.fn.writesBack;
  const writeBack = wb ? new WriteBack(wb, source, scenario.traffic.length, src.type === "dynamodb", scenario.seed) : null;
  const producers = wb ? [...scenario.traffic, { payload: wb.payload }] : scenario.traffic;
  const keep = options.keep !== undefined ? options.keep : filter ? streamKeep(filter, src, producers, keys.names) : null;
  const mapping = new StreamMapping(sched, source, fn, scenario.mapping, src, trace, keep, writeBack);
  mapping.start();

  const capUs = () => Math.max(source.lastArrivalUs, scenario.mapping.startAtUs) + src.retentionUs;
  // Cheapest test first: it runs before every event, and trafficDone asks every producer.
  const drained = () => source.unended === 0 && source.trafficDone && !mapping.hasWork();
  const guard = new RunGuard(scenario, options, sched, metrics, { endUs: () => scenario.untilUs ?? capUs(), produced: () => source.produced });
  let stopReason: StopReason;
  for (;;) {
    guard.tick();
    if (drained()) {
      stopReason = "drained";
      break;
    }
    const over = guard.overBudget(source.unended);
    if (over) {
      stopReason = over;
      break;
    }
    const endUs = scenario.untilUs ?? capUs();
    const t = sched.peekTimeUs();
    if (t === Infinity) {
      const nextArrivalUs = traffic.nextArrivalUs();
      if (nextArrivalUs <= endUs) {
        // Nothing scheduled: the next record's arrival is the next thing that can happen.
        source.advance(nextArrivalUs);
        continue;
      }
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

  const ms = (us: number) => usToMs(us);
  const report: Report = {
    ...commonReport(scenario, metrics, {
      sourceType: src.type,
      sourceName: src.streamName,
      endedAtUs,
      stopReason,
      produced: source.produced,
      unended: source.unended,
      firstArrivalUs: traffic.firstArrivalUs,
      iteratorAgeDefinition: "age of the last record of each batch when the mapping sends it to the function",
      pollersMax: src.shardCount,
    }),
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
      retries: metrics.streamRetries,
      bisects: metrics.bisects,
      redeliveriesOfSucceeded: mapping.redeliveriesOfSucceeded,
      polls: mapping.polls,
      emptyPolls: mapping.emptyPolls,
      writtenBack: source.writtenBack,
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
