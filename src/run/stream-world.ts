/**
 * The stream world (Kinesis, DynamoDB Streams): traffic into a sharded stream, the stream mapping reading it, the
 * function, and the function's writes back to its own stream when it has any.
 *
 * Drained: every producer finished, every record in an end state, and the mapping holding nothing that could still
 * change the outcome. Without `until`, a run that cannot drain stops at the stream's retention after the last
 * arrival (or after the mapping's start, if later): every record has been processed or lost by then.
 *
 * Records behind per shard are sampled once a second as the run loop brings the world up to each event
 * (stream-backlog.ts): no event of their own, so the trace and its digest are the same with or without them.
 */
import { assert } from "../engine/assert.js";
import { US_PER_MS, usToMs } from "../engine/time.js";
import { streamKeep } from "../esm/record-filter.js";
import { streamEventText } from "../esm/stream-event.js";
import { StreamMapping, type KeepRecord } from "../esm/stream-mapping.js";
import { LambdaFunction } from "../lambda/function.js";
import { WriteBack } from "../lambda/write-back.js";
import type { MetricsCollector } from "../metrics/collector.js";
import { RecordsBehind } from "../metrics/records-behind.js";
import { StreamMetrics } from "../metrics/stream-metrics.js";
import type { Scenario } from "../scenario/model.js";
import type { StreamSourceConfig } from "../sources/config.js";
import { StreamSource } from "../sources/stream.js";
import type { Traffic } from "../sources/traffic.js";
import type { TraceContext } from "./options.js";
import { BacklogSampler } from "./stream-backlog.js";
import type { World, WorldParts, WorldReport } from "./world.js";

export class StreamWorld implements World {
  readonly traceContext: TraceContext;
  private readonly scenario: Scenario;
  private readonly traffic: Traffic;
  private readonly metrics: MetricsCollector;
  private readonly source: StreamSource;
  private readonly streamMetrics: StreamMetrics;
  private readonly mapping: StreamMapping;
  private readonly shardIds: string[];
  private readonly recordsBehind: RecordsBehind;
  private readonly backlog: BacklogSampler;

  /** `keepOverride`: replaces the scenario's FilterCriteria when given (SimulateOptions.keep). */
  constructor(parts: WorldParts, private readonly src: StreamSourceConfig, keepOverride: KeepRecord | null | undefined) {
    const { scenario, sched, trace, keys, traffic } = parts;
    this.scenario = scenario;
    this.traffic = traffic;
    this.metrics = parts.metrics;
    this.source = new StreamSource(src, traffic, sched, trace, scenario.seed);
    this.source.meter = parts.cloudwatch.meter;
    const shardIds = this.source.shards.map((s) => s.shardId);
    this.shardIds = shardIds;
    const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${scenario.fn.name}`;
    // A function that writes back to its own stream: its records are a pseudo-producer after the traffic's.
    const wb = scenario.fn.writesBack;
    const producers = wb ? [...scenario.traffic, { payload: wb.payload }] : scenario.traffic;
    this.streamMetrics = new StreamMetrics({
      type: src.type,
      streamArn: src.streamArn,
      functionArn,
      shardIds,
      startUnixS: scenario.startUnixS,
      destinationArn: scenario.mapping.onFailureArn,
      seed: scenario.seed,
      eventText: streamEventText(src, producers, keys.names, scenario.fn.name, scenario.startUnixS),
    });
    parts.fold.joinStream(this.streamMetrics);
    const writtenBackProducer = wb ? { writtenBackProducer: scenario.traffic.length } : {};
    const retried = src.type === "kinesis" && traffic.configs.some((c) => c.resend.rate > 0) ? { logicalOfN: this.source.logicalOfN } : {};
    this.traceContext = { queue: src.streamName, keyNames: keys.names, stream: { type: src.type, name: src.streamName, shardIds, ...writtenBackProducer, ...retried } };
    if (retried.logicalOfN) parts.metrics.logicalOf = (n) => this.source.takeLogicalOf(n);

    const f = scenario.figures;
    const scaling = { burst: f.functionScalingBurst, per10s: f.functionScalingPer10s, idleLifetimeUs: f.environmentIdleLifetimeMs * US_PER_MS };
    const fn = new LambdaFunction(scenario.fn, scenario.accountConcurrency, scenario.seed, keys, scaling);
    const writeBack = wb ? new WriteBack(wb, this.source, scenario.traffic.length, src.type === "dynamodb", scenario.seed) : null;
    const filter = scenario.mapping.filter;
    const keep = keepOverride !== undefined ? keepOverride : filter ? streamKeep(filter, src, producers, keys.names, scenario.startUnixS) : null;
    this.mapping = new StreamMapping(sched, this.source, fn, scenario.mapping, src, trace, keep, writeBack, scenario.figures);
    this.recordsBehind = new RecordsBehind(shardIds.length);
    this.backlog = new BacklogSampler(this.source, this.mapping, traffic, this.recordsBehind);
  }

  get produced(): number {
    return this.source.produced;
  }

  get unended(): number {
    return this.source.unended;
  }

  start(): void {
    this.mapping.start();
  }

  drained(): boolean {
    // Cheapest test first: it runs before every event, and trafficDone asks every producer.
    return this.source.unended === 0 && this.source.trafficDone && !this.mapping.hasWork();
  }

  capUs(): number {
    return Math.max(this.source.lastArrivalUs, this.scenario.mapping.startAtUs) + this.src.retentionUs;
  }

  advance(nowUs: number): void {
    this.backlog.before(nowUs);
    this.source.advance(nowUs);
  }

  /** An idle mapping polls again only once a record has arrived: the next arrival is the next thing to happen. */
  idleWakeUs(endUs: number): number {
    const nextArrivalUs = this.traffic.nextArrivalUs();
    if (nextArrivalUs <= endUs) return nextArrivalUs;
    assert(!this.source.trafficDone || !this.mapping.hasWork(), "the stream mapping holds work but nothing is scheduled (a stall)");
    return Infinity;
  }

  stopAt(endUs: number): void {
    this.backlog.through(endUs);
    this.source.advance(endUs);
  }

  report(endUs: number): WorldReport {
    // The empty polls an idle shard made up to the end, not run, count in stream.polls.
    this.mapping.settlePolls(endUs);
    const src = this.src;
    const sm = this.streamMetrics;
    const behind = this.recordsBehind;
    return {
      sourceName: src.streamName,
      iteratorAgeDefinition: "age of the last record of each batch when the mapping sends it to the function",
      pollersMax: src.shardCount,
      destinations: sm.destinations,
      series: { concurrency: sm.concurrencySeries(), backlog: [], oldestAge: [], iteratorAgeByShard: sm.iteratorAgeSeries(), recordsBehindByShard: behind.series(this.shardIds) },
      stream: {
        arn: src.streamArn,
        shardCount: src.shardCount,
        parallelizationFactor: this.scenario.mapping.parallelizationFactor,
        producerThrottles: this.source.producerThrottles,
        producerThrottledRecords: this.source.producerThrottledRecords,
        producerRetries: this.traffic.resendsSent,
        producerDuplicates: this.metrics.producerDuplicates,
        expiredByRetention: sm.expiredByRetention,
        discardedByRecordAge: sm.discardedByRecordAge,
        retryExhausted: sm.retryExhausted,
        destinationRecords: sm.destinationRecords,
        destinationDeliveryFailures: sm.destinationDeliveryFailures,
        onFailureDestination: this.scenario.mapping.onFailureArn,
        destinationObjectKeys: sm.destinationObjectKeys,
        retries: this.metrics.streamRetries,
        bisects: this.metrics.bisects,
        // Empty polls and redeliveries of succeeded records are not in the trace: the mapping counts them.
        redeliveriesOfSucceeded: this.mapping.redeliveriesOfSucceeded,
        polls: this.mapping.polls,
        emptyPolls: this.mapping.emptyPolls,
        writtenBack: this.source.writtenBack,
        readThrottles: this.mapping.readThrottles,
        bytesRead: sm.shards.reduce((sum, _, i) => sum + this.mapping.shardReads(i).bytesRead, 0),
        enhancedFanOut: src.type === "kinesis" && this.scenario.mapping.enhancedFanOut,
        recordsBehind: { max: behind.max, maxShard: behind.maxShard < 0 ? null : this.shardIds[behind.maxShard], maxAtMs: behind.maxShard < 0 ? null : usToMs(behind.maxAtUs) },
        shards: sm.shards.map((s, i) => ({
          shardId: this.shardIds[i],
          invocations: s.invocations,
          recordsInvoked: s.records,
          iteratorAge: { max: usToMs(s.iteratorAge.max), p50: usToMs(s.iteratorAge.quantile(0.5)), p99: usToMs(s.iteratorAge.quantile(0.99)) },
          checkpoint: s.checkpoint,
          ...this.mapping.shardReads(i),
          recordsBehindMax: behind.shardMax[i],
        })),
      },
    };
  }
}
