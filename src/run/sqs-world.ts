/**
 * The queue world (SQS standard and FIFO): traffic into the queue, the SQS mapping polling it, the function.
 *
 * Drained: every producer finished, every message in an end state, and no poller holding a batch (a batch held can
 * still end in a duplicate). Without `until`, a run that cannot drain stops 14 days after the last arrival (SQS's
 * longest MessageRetentionPeriod), expiring what is due then.
 */
import { prngStream } from "../engine/prng.js";
import { US_PER_DAY, US_PER_MS, usToMs } from "../engine/time.js";
import { sqsKeep } from "../esm/record-filter.js";
import { SqsMapping } from "../esm/sqs-mapping.js";
import { LambdaFunction } from "../lambda/function.js";
import type { MetricsCollector, SeriesPoint } from "../metrics/collector.js";
import type { Scenario } from "../scenario/model.js";
import type { SqsSourceConfig } from "../sources/config.js";
import { SqsFifoQueue } from "../sources/sqs-fifo-queue.js";
import type { MessageQueue } from "../sources/sqs-message-queue.js";
import { SqsQueue } from "../sources/sqs-queue.js";
import type { Traffic } from "../sources/traffic.js";
import type { TraceContext } from "./options.js";
import type { World, WorldParts, WorldReport } from "./world.js";

const QUEUE_CAP_US = 14 * US_PER_DAY;

/** Series samples as the report holds them: [ms, value], the value in ms too when it is a time. */
function seriesOf(points: SeriesPoint[], valueIsTime = false): [number, number][] {
  return points.map((p) => [usToMs(p.tUs), valueIsTime ? usToMs(p.value) : p.value]);
}

export class SqsWorld implements World {
  readonly traceContext: TraceContext;
  private readonly scenario: Scenario;
  private readonly traffic: Traffic;
  private readonly metrics: MetricsCollector;
  private readonly queue: MessageQueue;
  private readonly mapping: SqsMapping;
  private readonly capAtUs: number;

  constructor(parts: WorldParts, private readonly source: SqsSourceConfig) {
    const { scenario, sched, trace, keys, traffic } = parts;
    this.scenario = scenario;
    this.traffic = traffic;
    this.metrics = parts.metrics;
    this.traceContext = { queue: source.queueName, keyNames: keys.names };
    const figures = scenario.figures;
    this.queue = source.fifo
      ? new SqsFifoQueue(source, traffic, trace, {
          lookAheadMessages: figures.fifoLookAheadMessages,
          inFlightMax: figures.fifoInFlightMax,
          deduplicationIntervalUs: figures.fifoDeduplicationIntervalMs * US_PER_MS,
        })
      : new SqsQueue(source, traffic, trace, prngStream(scenario.seed, "sqs.duplicates"));
    this.queue.meter = parts.cloudwatch.meter;
    const scaling = { burst: figures.functionScalingBurst, per10s: figures.functionScalingPer10s, idleLifetimeUs: figures.environmentIdleLifetimeMs * US_PER_MS };
    const fn = new LambdaFunction(scenario.fn, scenario.accountConcurrency, scenario.seed, keys, scaling, source.fifo);
    const filter = scenario.mapping.filter;
    const keep = filter ? sqsKeep(filter, source, scenario.traffic, keys.names, scenario.startUnixS) : null;
    this.mapping = new SqsMapping(sched, this.queue, fn, scenario.mapping, figures, scenario.accountConcurrency, trace, keep);
    this.capAtUs = traffic.lastArrivalUs + QUEUE_CAP_US;
  }

  get produced(): number {
    return this.queue.produced;
  }

  get unended(): number {
    return this.queue.liveCount;
  }

  start(): void {
    this.mapping.start(0);
  }

  drained(): boolean {
    // Cheapest test first: it runs before every event, and traffic.done asks every producer.
    return this.queue.liveCount === 0 && this.traffic.done && !this.mapping.holdsBatches();
  }

  capUs(): number {
    return this.capAtUs;
  }

  advance(nowUs: number): void {
    this.queue.advance(nowUs);
  }

  /** Pollers keep the scheduler busy while the mapping runs: with nothing scheduled, arrivals change nothing until
   *  the run stops (stopAt takes them in). */
  idleWakeUs(): number {
    return Infinity;
  }

  stopAt(endUs: number): void {
    this.queue.expireDue(endUs);
  }

  report(): WorldReport {
    const m = this.metrics;
    const provisioned = this.scenario.mapping.provisioned !== null;
    return {
      sourceName: this.source.queueName,
      iteratorAgeDefinition: "age of the oldest message in the queue, sampled every second",
      pollersMax: m.pollersMax,
      sqs: {
        polls: m.polls,
        emptyPolls: m.emptyPolls,
        visibilityRedeliveries: m.visibilityRedeliveries,
        spontaneousDuplicates: m.spontaneousDuplicates,
        producerRetries: this.traffic.resendsSent,
        producerRetriesDelivered: this.queue.resendsAccepted,
        dedupDropped: m.dedupDropped,
        producerDuplicates: m.producerDuplicates,
        mode: provisioned ? "provisioned" : "on-demand",
        eventPollersMax: provisioned ? Math.ceil(m.pollersMax / (this.scenario.figures.provisionedInvokesPerPoller ?? 10)) : 0,
        rateLimitedReceives: this.mapping.rateLimitedReceives,
        deletesRefused: m.deletesRefused,
      },
      destinations: [],
      series: { concurrency: seriesOf(m.concurrencySeries), backlog: seriesOf(m.backlogSeries), oldestAge: seriesOf(m.ageSeries, true) },
    };
  }
}
