/**
 * The report fields every source computes the same way (what ran, where records ended, invocations, batch sizes,
 * IteratorAge, concurrency, latency, throughput). simulate.ts adds each world's own sections after these, in the
 * report's fixed key order.
 */
import { assert } from "../engine/assert.js";
import { usToMs } from "../engine/time.js";
import type { MetricsCollector } from "../metrics/collector.js";
import type { Scenario } from "../scenario/model.js";
import type { Report, StopReason } from "./result.js";
import { REPORT_SCHEMA_VERSION, VERSION } from "./version.js";

export interface RunEnd {
  sourceType: Report["source"]["type"];
  sourceName: string;
  endedAtUs: number;
  stopReason: StopReason;
  produced: number;
  /** Records the source still holds (not in an end state): must equal produced minus every end state. */
  unended: number;
  /** When the first record arrived (the start of `throughput` and `concurrency.timeToMax`). */
  firstArrivalUs: number;
  iteratorAgeDefinition: string;
  pollersMax: number;
}

type CommonFields = Omit<Report, "sqs" | "destinations" | "expectations" | "series" | "stream" | "cloudwatch" | "eventsRun" | "traceDigest" | "checks">;

/** The shared head of a report; asserts the conservation line first. */
export function commonReport(scenario: Scenario, metrics: MetricsCollector, end: RunEnd): CommonFields {
  const m = metrics;
  const produced = end.produced;
  const ended = m.succeeded + m.onFailure + m.dlq + m.expired + m.filtered;
  const pending = produced - ended;
  assert(pending === end.unended, () => `conservation broken: produced ${produced} - ended ${ended} = ${pending}, but the source holds ${end.unended} unended records`);
  const activeS = (m.lastSuccessUs - end.firstArrivalUs) / 1e6;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scenario: scenario.name,
    description: scenario.description,
    version: VERSION,
    seed: scenario.seed,
    profile: scenario.profileName,
    scalingOverrides: scenario.figureOverrides as Record<string, number | null>,
    source: { type: end.sourceType, name: end.sourceName },
    endedAt: usToMs(end.endedAtUs),
    drained: end.stopReason === "drained",
    stopReason: end.stopReason,
    records: {
      produced,
      succeeded: m.succeeded,
      onFailure: m.onFailure,
      dlq: m.dlq,
      expired: m.expired,
      filtered: m.filtered,
      pending,
      deletedDespiteReportedFailure: m.deletedDespiteReportedFailure,
      onFailureDelivered: m.onFailureDelivered,
      onFailureDropped: m.onFailureDropped,
    },
    conservation: `produced ${produced} = succeeded ${m.succeeded} + onFailure ${m.onFailure} + dlq ${m.dlq} + expired ${m.expired} + filtered ${m.filtered} + pending ${pending}`,
    duplicates: m.duplicates,
    duplicatesByCause: {
      visibilityTimeout: m.duplicatesVisibilityTimeout,
      duplicateDelivery: m.duplicatesDuplicateDelivery,
      checkpointRewind: m.duplicatesCheckpointRewind,
      producerRetry: m.producerDuplicates,
    },
    orderingViolations: m.orderingViolations,
    invocations: { total: m.invocations, errors: m.errors, timeouts: m.timeouts, throttles: m.throttles, partial: m.partial, partialIgnored: m.partialIgnored, partialUnread: m.partialUnread },
    ...(scenario.fn.coldStart !== null && {
      coldStarts: { count: m.coldStarts, initDuration: { avg: m.coldStarts > 0 ? usToMs(m.initSumUs / m.coldStarts) : 0, max: usToMs(m.initMaxUs) } },
    }),
    batchSize: { p50: m.batchSizes.quantile(0.5), max: m.batchSizes.max },
    iteratorAge: {
      max: usToMs(m.iteratorAge.max),
      p50: usToMs(m.iteratorAge.quantile(0.5)),
      p99: usToMs(m.iteratorAge.quantile(0.99)),
      definition: end.iteratorAgeDefinition,
    },
    concurrency: {
      max: m.concurrencyMax,
      // From the first arrival to the first invoke that reached the peak ("how long until we reach 1000").
      timeToMax: m.invocations > 0 ? usToMs(Math.max(0, m.concurrencyMaxAtUs - end.firstArrivalUs)) : 0,
      pollersMax: end.pollersMax,
    },
    latency: { p50: usToMs(m.latency.quantile(0.5)), p99: usToMs(m.latency.quantile(0.99)), max: usToMs(m.latency.max) },
    throughput: { recordsPerSecond: activeS > 0 ? Math.round((m.succeeded / activeS) * 1000) / 1000 : 0 },
  };
}
