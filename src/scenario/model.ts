/**
 * The validated scenario in esm-sim's own units (microseconds, bytes, records per second), with AWS defaults
 * applied. `toScenario` is the one place where AWS names are converted; everything past it uses these names.
 * The defaults of AWS settings are those of the parameter table (params.ts). Stream sources: Kinesis takes
 * 1 MB/s and 1,000 records/s of writes per shard (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html);
 * DynamoDB Streams have no producer-side limit (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
 */
import { secondsToUs, SIM_EPOCH_UNIX_S, US_PER_MS, US_PER_S } from "../engine/time.js";
import { assert } from "../engine/assert.js";
import { parseFilterCriteria, preparePayload, type CompiledFilter, type FilterSource, type Payload } from "../filter/filter-pattern.js";
import { resolveFigures, type FigureName, type SqsFigures } from "../esm/profiles.js";
import { METRIC_PATHS, type MetricKind } from "../metrics/paths.js";
import { defaultOf, NO_LIMIT } from "./params.js";
import type { RawScenario, RawTraffic } from "./schema.js";
import { parseDurationUs } from "./units.js";
import type { KeySpec, ProducerConfig, ReplayPlan, ResendSpec, SourceConfig, SqsSourceConfig, StreamSourceConfig } from "../sources/config.js";
import type { ColdStartConfig, FunctionConfig, WritesBackConfig } from "../lambda/config.js";
import type { MappingConfig } from "../esm/config.js";

export type { SqsSourceConfig, StreamSourceConfig, SourceConfig, KeySpec, ResendSpec, SteadyProducer, BurstProducer, ReplayProducer, ReplayPlan, ProducerConfig, StreamEventName } from "../sources/config.js";
export { isStreamSource, STREAM_EVENT_NAMES } from "../sources/config.js";
export type { MappingConfig } from "../esm/config.js";
export type { FunctionConfig, FailureRule, WritesBackConfig } from "../lambda/config.js";
export { SIM_EPOCH_UNIX_S } from "../engine/time.js";


/** Default number of distinct keys for a producer that names neither `key` nor `keys` (esm-sim's choice). */
export const DEFAULT_KEYS = 100;
export const DEFAULT_RECORD_SIZE_BYTES = 1024;
/** The payload of a producer without `data` (esm-sim's choice): an empty JSON object, so filters on data fields
 *  see a JSON record without those fields rather than a non-JSON one that every JSON pattern would drop. */
export const DEFAULT_DATA: unknown = Object.freeze({});

/** esm-sim's choice: a producer retry goes out 1 s after the send it repeats, unless duplicateSendAfter says otherwise. */
export const DEFAULT_DUPLICATE_SEND_AFTER_US = 1_000_000;

export type ExpectOp = "eq" | "ne" | "lt" | "lte" | "gt" | "gte";

export interface Expectation {
  path: string;
  op: ExpectOp;
  kind: MetricKind;
  /** In the report's unit (ms for times). */
  expected: number | boolean;
  /** As the user wrote it, for messages. */
  written: string;
}

export interface QuizQuestion {
  ask: string;
  /** An answer expression (scenario/quiz-answer.ts), validated by rules.ts. */
  answer: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** The concept a catalogue scenario demonstrates (`esm-sim scenarios`), or "" when none. */
  concept: string;
  quiz: QuizQuestion[];
  seed: number;
  untilUs: number | null;
  /** The instant virtual time 0 stands for, Unix seconds on a whole minute: the scenario's startTime, else
   *  SIM_EPOCH_UNIX_S (2024-01-01T00:00:00Z). */
  startUnixS: number;
  /** Whether the scenario (or a --set) gave startTime. */
  startTimeGiven: boolean;
  profileName: string;
  figures: SqsFigures;
  figureOverrides: Partial<Record<FigureName, number | null>>;
  source: SourceConfig;
  traffic: ProducerConfig[];
  mapping: MappingConfig;
  fn: FunctionConfig;
  accountConcurrency: number;
  expectations: Expectation[];
}

function keySpec(t: RawTraffic): KeySpec {
  return {
    literal: t.key ?? null,
    count: t.key !== undefined ? 1 : (t.keys ?? DEFAULT_KEYS),
    distribution: t.keyDistribution ?? "uniform",
    zipfExponent: t.zipfExponent ?? 1,
  };
}

function eventWeights(t: RawTraffic): [number, number, number] | null {
  if (!t.eventNames) return null;
  return [t.eventNames.INSERT ?? 0, t.eventNames.MODIFY ?? 0, t.eventNames.REMOVE ?? 0];
}

/** A producer in the model's units; `plan` is the replay's per-period counts (scenario/replay.ts) for a fromMetrics entry. */
export function toProducer(t: RawTraffic, untilUs: number | null, contentBasedDeduplication = false, plan: ReplayPlan | null = null): ProducerConfig {
  const recordSizeBytes = t.recordSize ?? DEFAULT_RECORD_SIZE_BYTES;
  const data = t.data === undefined ? DEFAULT_DATA : t.data;
  const payload = preparePayload(data);
  const resend: ResendSpec = {
    rate: t.duplicateSendRate ?? 0,
    afterUs: t.duplicateSendAfter ?? DEFAULT_DUPLICATE_SEND_AFTER_US,
    deduplicationId: t.deduplicationId ?? (contentBasedDeduplication ? "content" : "message"),
  };
  if (t.fromMetrics !== undefined) {
    assert(plan !== null, () => `traffic entry with fromMetrics ${t.fromMetrics!.file} has no replay plan`);
    return { kind: "replay", eventWeights: eventWeights(t), plan, arrival: t.arrival ?? "even", keys: keySpec(t), recordSizeBytes, data, payload, resend };
  }
  if (t.rate !== undefined) {
    return {
      kind: "steady",
      eventWeights: eventWeights(t),
      ratePerS: t.rate,
      arrival: t.arrival ?? "even",
      fromUs: t.from ?? 0,
      toUs: t.to ?? untilUs ?? 0,
      keys: keySpec(t),
      recordSizeBytes,
      data,
      payload,
      resend,
    };
  }
  return { kind: "burst", atUs: t.at ?? 0, records: t.records ?? 1, keys: keySpec(t), recordSizeBytes, data, payload, resend, eventWeights: eventWeights(t) };
}

/** The mapping's FilterCriteria, compiled (rules.ts has already refused any problem). */
function toFilter(raw: unknown, source: FilterSource): CompiledFilter | null {
  if (raw === undefined) return null;
  const r = parseFilterCriteria(raw, source);
  assert(r.ok, () => `FilterCriteria passed validation but does not compile: ${r.ok ? "" : r.problems.map((p) => p.message).join("; ")}`);
  return r.filter.patterns.length > 0 ? r.filter : null;
}

/**
 * The unit of a bare number bounding the time field `path` in `expect`: seconds, as every duration of esm-sim's own
 * is, but milliseconds for a CloudWatch metric, which keeps AWS's name and unit (an alarm's threshold pasted as it is).
 */
export function bareTimeUnit(path: string): "s" | "ms" {
  return path.startsWith("cloudwatch.") ? "ms" : "s";
}

/** An expectation bound of the field `path` as written, in the report's unit; null when it does not fit the field's
 *  kind. A time is a duration (`2m`, `250ms`) or a bare number in bareTimeUnit's unit. */
export function expectationValue(kind: MetricKind, written: unknown, path: string): number | boolean | null {
  if (kind === "bool") return typeof written === "boolean" ? written : null;
  if (typeof written === "number") {
    if (!Number.isFinite(written)) return null;
    return kind === "ms" && bareTimeUnit(path) === "s" ? (written * US_PER_S) / US_PER_MS : written;
  }
  if (kind === "ms" && typeof written === "string") {
    const us = parseDurationUs(written);
    return us === null ? null : us / US_PER_MS;
  }
  return null;
}

/** An expectation bound as the report shows it: as written, with its unit when it is a bare number of time (`60s`). */
function writtenBound(kind: MetricKind, written: unknown, path: string): string {
  return kind === "ms" && typeof written === "number" ? `${written}${bareTimeUnit(path)}` : String(written);
}

/** Convert a raw scenario that passed every check (rules.ts) into the model's units. */
export function toScenario(raw: RawScenario, overrides: { seed?: number; untilUs?: number } = {}, replays: readonly (ReplayPlan | null)[] = []): Scenario {
  const src = raw.source;
  const m = raw.mapping ?? {};
  const f = raw.function ?? {};
  const untilUs = overrides.untilUs ?? raw.until ?? null;
  const startUnixS = raw.startTime ?? SIM_EPOCH_UNIX_S;
  const profileName = raw.profile ?? "current";
  const figureOverrides = (raw.scaling ?? {}) as Partial<Record<FigureName, number | null>>;
  const isStream = src.type === "kinesis" || src.type === "dynamodb";
  const fifo = src.type === "sqs-fifo";
  const type = src.type;
  const queueName = src.QueueName ?? `${raw.name}-queue${fifo ? ".fifo" : ""}`;
  const dlqDefault = fifo ? `${queueName.slice(0, -".fifo".length)}-dlq.fifo` : `${queueName}-dlq`;
  const sqsSource: SqsSourceConfig = {
    type: fifo ? "sqs-fifo" : "sqs",
    fifo,
    contentBasedDeduplication: src.ContentBasedDeduplication ?? defaultOf("source.ContentBasedDeduplication"),
    queueName,
    queueArn: `arn:aws:sqs:us-east-1:123456789012:${queueName}`,
    visibilityTimeoutUs: secondsToUs(src.VisibilityTimeout ?? defaultOf("source.VisibilityTimeout")),
    retentionUs: secondsToUs(src.MessageRetentionPeriod ?? defaultOf("source.MessageRetentionPeriod")),
    delayUs: secondsToUs(src.DelaySeconds ?? defaultOf("source.DelaySeconds")),
    maxReceiveCount: src.RedrivePolicy ? src.RedrivePolicy.maxReceiveCount : Infinity,
    dlqArn: src.RedrivePolicy ? (src.RedrivePolicy.deadLetterTargetArn ?? `arn:aws:sqs:us-east-1:123456789012:${dlqDefault}`) : null,
    duplicateDeliveryRate: src.duplicateDeliveryRate ?? 0,
  };
  const source: SourceConfig = isStream ? toStreamSource(raw) : sqsSource;
  const expectations: Expectation[] = [];
  for (const [path, checks] of Object.entries(raw.expect ?? {})) {
    const kind = METRIC_PATHS[path];
    for (const op of ["eq", "ne", "lt", "lte", "gt", "gte"] as const) {
      const written = (checks as Record<string, unknown>)[op];
      if (written === undefined) continue;
      expectations.push({ path, op, kind, expected: expectationValue(kind, written, path)!, written: writtenBound(kind, written, path) });
    }
  }
  const figures = resolveFigures(profileName, figureOverrides);
  return {
    name: raw.name,
    description: raw.description ?? "",
    concept: raw.concept ?? "",
    quiz: (raw.quiz ?? []).map((q) => ({ ask: q.ask, answer: q.answer })),
    seed: overrides.seed ?? raw.seed ?? 1,
    untilUs,
    startUnixS,
    startTimeGiven: raw.startTime !== undefined,
    profileName,
    figures,
    figureOverrides,
    source,
    traffic: raw.traffic.map((t, i) => toProducer(t, untilUs, !isStream && sqsSource.contentBasedDeduplication, replays[i] ?? null)),
    mapping: {
      batchSize: m.BatchSize ?? defaultOf("mapping.BatchSize", type),
      batchingWindowUs: secondsToUs(m.MaximumBatchingWindowInSeconds ?? defaultOf("mapping.MaximumBatchingWindowInSeconds", type)),
      reportBatchItemFailures: (m.FunctionResponseTypes ?? defaultOf("mapping.FunctionResponseTypes")).includes("ReportBatchItemFailures"),
      maximumConcurrency: m.ScalingConfig?.MaximumConcurrency ?? null,
      provisioned: m.ProvisionedPollerConfig
        ? {
            minPollers: m.ProvisionedPollerConfig.MinimumPollers ?? defaultOf("mapping.ProvisionedPollerConfig.MinimumPollers"),
            maxPollers: m.ProvisionedPollerConfig.MaximumPollers ?? defaultOf("mapping.ProvisionedPollerConfig.MaximumPollers"),
          }
        : null,
      enabled: m.Enabled ?? defaultOf("mapping.Enabled"),
      filter: toFilter(m.FilterCriteria, src.type),
      startingPosition: m.StartingPosition ?? defaultOf("mapping.StartingPosition"),
      startingPositionUs: m.StartingPositionTimestamp === undefined ? 0 : Math.round((m.StartingPositionTimestamp - startUnixS) * 1e6),
      parallelizationFactor: m.ParallelizationFactor ?? defaultOf("mapping.ParallelizationFactor"),
      enhancedFanOut: m.enhancedFanOut ?? defaultOf("mapping.enhancedFanOut"),
      retryAttemptsMax: limit(m.MaximumRetryAttempts ?? defaultOf("mapping.MaximumRetryAttempts")),
      recordAgeMaxUs: limit(m.MaximumRecordAgeInSeconds ?? defaultOf("mapping.MaximumRecordAgeInSeconds"), secondsToUs),
      bisectOnError: m.BisectBatchOnFunctionError ?? defaultOf("mapping.BisectBatchOnFunctionError"),
      retryBackoffInitialUs: figures.streamRetryInitialMs * US_PER_MS,
      retryBackoffMaxUs: figures.streamRetryMaxMs * US_PER_MS,
      tumblingWindowUs: secondsToUs(m.TumblingWindowInSeconds ?? defaultOf("mapping.TumblingWindowInSeconds")),
      onFailureArn: m.DestinationConfig?.OnFailure?.Destination ?? null,
      startAtUs: m.startAt ?? 0,
      disabledPeriods: (m.disabledPeriods ?? []).map((p) => ({ fromUs: p.from, toUs: p.to ?? Infinity })).sort((a, b) => a.fromUs - b.fromUs),
    },
    fn: {
      name: f.FunctionName ?? `${raw.name}-function`,
      timeoutUs: secondsToUs(f.Timeout ?? defaultOf("function.Timeout")),
      reservedConcurrency: f.ReservedConcurrentExecutions ?? null,
      baseUs: f.duration?.base ?? 100 * US_PER_MS,
      perRecordUs: f.duration?.perRecord ?? 0,
      jitter: f.duration?.jitter ?? 0,
      failures: (f.failures ?? []).map((r) => ({
        key: r.when?.key ?? null,
        attempt: r.when?.attempt ?? null,
        record: r.when?.record ?? null,
        probability: r.when?.probability ?? null,
        fromUs: r.when?.from ?? null,
        toUs: r.when?.to ?? null,
        effect: r.effect,
      })),
      coldStart: toColdStart(f.coldStart),
      writesBack: toWritesBack(f.writesBack),
    },
    accountConcurrency: raw.account?.ConcurrentExecutions ?? figures.accountConcurrency,
    expectations,
  };
}

/** A limit AWS writes as -1 for "no limit": Infinity then, else the value (converted). */
function limit(v: number, convert: (v: number) => number = (x) => x): number {
  return v === NO_LIMIT ? Infinity : convert(v);
}

/** function.coldStart as written (`800ms`, or `{ init, jitter }`), or null when left out. */
function toColdStart(c: NonNullable<RawScenario["function"]>["coldStart"]): ColdStartConfig | null {
  if (c === undefined) return null;
  return typeof c === "number" ? { initUs: c, jitter: 0 } : { initUs: c.init, jitter: c.jitter ?? 0 };
}

function toWritesBack(w: NonNullable<RawScenario["function"]>["writesBack"]): WritesBackConfig | null {
  if (w === undefined) return null;
  const data = w.data === undefined ? DEFAULT_DATA : w.data;
  return { perRecord: w.perRecord ?? 1, data, payload: preparePayload(data), maxDepth: w.maxDepth ?? Infinity };
}

/** The stream's name and ARN as written; a name left out is the one in the ARN (a Kinesis stream's, a consumer's
 *  stream's, or a DynamoDB stream's table); else esm-sim's made-up ones (account 123456789012, us-east-1). */
export function streamIdentity(scenarioName: string, src: { type: string; StreamName?: string; StreamArn?: string }): { streamName: string; streamArn: string } {
  const kinesis = src.type === "kinesis";
  const streamName = src.StreamName ?? nameInArn(src.StreamArn, kinesis) ?? `${scenarioName}-${kinesis ? "stream" : "table"}`;
  const streamArn =
    src.StreamArn ??
    (kinesis ? `arn:aws:kinesis:us-east-1:123456789012:stream/${streamName}` : `arn:aws:dynamodb:us-east-1:123456789012:table/${streamName}/stream/2024-01-01T00:00:00.000`);
  return { streamName, streamArn };
}

/** The name a stream ARN holds: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME (or .../stream/NAME/consumer/...), and
 *  arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL; undefined for anything else. */
function nameInArn(arn: string | undefined, kinesis: boolean): string | undefined {
  if (arn === undefined) return undefined;
  const m = kinesis ? /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([^/]+)(\/|$)/.exec(arn) : /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\//.exec(arn);
  return m?.[1];
}

/** Kinesis: 1 MB/s and 1,000 records/s of writes per shard. DynamoDB Streams: a fixed retention, no producer-side
 *  limit (the table's own capacity is not modelled). */
function toStreamSource(raw: RawScenario): StreamSourceConfig {
  const src = raw.source;
  const kinesis = src.type === "kinesis";
  const { streamName, streamArn } = streamIdentity(raw.name, src);
  return {
    type: kinesis ? "kinesis" : "dynamodb",
    streamName,
    streamArn,
    shardCount: src.ShardCount ?? defaultOf("source.ShardCount"),
    // A DynamoDB source never holds RetentionPeriodHours (rules.ts refuses it): its default is the fixed retention.
    retentionUs: (src.RetentionPeriodHours ?? defaultOf("source.RetentionPeriodHours", src.type)) * 3600 * 1_000_000,
    writeLimitRecordsPerS: kinesis ? 1000 : Infinity,
    writeLimitBytesPerS: kinesis ? 1024 * 1024 : Infinity,
    pollIntervalUs: kinesis ? 1_000_000 : 250_000,
    otherConsumers: src.otherConsumers ?? defaultOf("source.otherConsumers"),
  };
}
