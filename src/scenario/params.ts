/**
 * The AWS settings a scenario accepts, one row each: which source types take it, its unit, the range AWS accepts
 * (per source type where it differs), AWS's default, the name it takes inside esm-sim, the AWS page that states it,
 * and a hint. Every other module reads these facts here: the schema and `esm-sim schema` (schema.ts), the ranges
 * that depend on the source type and the keys of another source type (rules.ts), the defaults (model.ts), template
 * import (template/discover.ts) and the starters (template/starter.ts).
 *
 * Keys are the paths a scenario writes (`mapping.BatchSize`, `source.RedrivePolicy.maxReceiveCount`). esm-sim's own
 * keys (traffic, `duplicateDeliveryRate`, `startAt`, `writesBack`, ...) are not AWS settings and mostly have no row;
 * those with one say "esm-sim:" in their hint.
 */
import { assert } from "../engine/assert.js";
import { formatCount } from "./units.js";

export const SOURCE_TYPES = ["kinesis", "dynamodb", "sqs", "sqs-fifo"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const STREAMS = ["kinesis", "dynamodb"] as const;
export const QUEUES = ["sqs", "sqs-fifo"] as const;
const FIFO = ["sqs-fifo"] as const;
const ALL = SOURCE_TYPES;

/** The value AWS reads as "no limit" where a row allows it (MaximumRetryAttempts, MaximumRecordAgeInSeconds). */
export const NO_LIMIT = -1;

export interface Range {
  min: number;
  max: number;
}

/** The problem with a value outside a source type's range (AWS's own text where AWS has one). */
export type Refusal = (got: unknown, range: Range) => string;

/** What a setting holds; the schema builds its check from this. */
export type ParamValue =
  /** An integer min..max; with `noLimit`, -1 too, meaning what `noLimit` says. */
  | { readonly kind: "int"; readonly min: number; readonly max: number; readonly noLimit?: string }
  | { readonly kind: "number"; readonly min: number; readonly max: number; readonly allowed: string }
  | { readonly kind: "bool" }
  | { readonly kind: "choice"; readonly values: readonly [string, ...string[]] }
  /** A list of at most `maxItems` of `values`. */
  | { readonly kind: "list"; readonly values: readonly [string, ...string[]]; readonly maxItems: number; readonly allowed: string }
  | { readonly kind: "text"; readonly allowed: string }
  /** A map whose shape schema.ts spells out (FilterCriteria). */
  | { readonly kind: "structure" };

export type ParamDefault = number | boolean | string | readonly string[];

/** Where a source type differs from the row. */
export interface SourceSpec {
  readonly min?: number;
  readonly max?: number;
  readonly awsDefault?: ParamDefault;
  /** The value this source type always has: the setting cannot be written for it. */
  readonly fixed?: number;
  /** The problem with a value outside `min..max`, or with any value when `fixed`. */
  readonly refused?: Refusal;
}

export interface ParamRow {
  /** The source types the key is written for; a scenario of another type is told where it applies. */
  readonly sources: readonly SourceType[];
  readonly unit: string;
  /** What the schema accepts: the widest range over `sources`. */
  readonly value: ParamValue;
  /** AWS's default: the value when the key is left out. */
  readonly awsDefault?: ParamDefault;
  /** The value esm-sim uses where AWS has no default (the hint says why). */
  readonly esmSimDefault?: ParamDefault;
  readonly bySource?: Partial<Record<SourceType, SourceSpec>>;
  /** The problem with a value the schema accepts but the row's own range does not (the gap after -1). */
  readonly refused?: Refusal;
  /** Where the value lands in the Scenario (scenario/model.ts), in esm-sim's units. */
  readonly internal: string;
  readonly url: string;
  readonly hint: string;
  /** The CloudFormation property of the queue, stream, mapping or function that template import reads it from; null
   *  when import does not read it. */
  readonly cfn: string | null;
}

const CREATE_QUEUE = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html";
const CREATE_STREAM = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html";
const CREATE_ESM = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
const CREATE_FUNCTION = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html";

/** Thousands with commas, as every message writes numbers. */
export const fmt = (n: number): string => formatCount(n);

export const PARAMS = {
  // --- source: streams ----------------------------------------------------------------------------------------
  "source.ShardCount": {
    sources: STREAMS,
    unit: "shards",
    value: { kind: "int", min: 1, max: 10_000 },
    esmSimDefault: 1,
    internal: "source.shardCount",
    url: CREATE_STREAM,
    hint: "the stream's shards; each takes 1 MB/s or 1,000 records/s of writes. AWS requires it for a provisioned stream; esm-sim uses 1 when left out",
    cfn: "ShardCount",
  },
  "source.RetentionPeriodHours": {
    sources: STREAMS,
    unit: "hours",
    value: { kind: "int", min: 24, max: 8760 },
    awsDefault: 24,
    bySource: {
      dynamodb: { fixed: 24, refused: (_, r) => `applies to kinesis only: DynamoDB Streams keep records for ${r.min} hours, which cannot be changed` },
    },
    internal: "source.retentionUs",
    url: "https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html",
    hint: "how long the stream keeps a record; DynamoDB Streams keep them a fixed time (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html)",
    cfn: "RetentionPeriodHours",
  },
  "source.otherConsumers": {
    sources: ["kinesis"],
    unit: "consumers",
    value: { kind: "int", min: 0, max: 19 },
    esmSimDefault: 0,
    internal: "source.otherConsumers",
    url: "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html",
    hint: "esm-sim: other standard (polling) consumers of the stream; a shard's 5 GetRecords calls and 2 MB per second are shared by all of them, so the mapping gets an equal share (1 / (1 + otherConsumers)). Enhanced fan-out consumers are not counted",
    cfn: null,
  },
  "source.StreamArn": {
    sources: STREAMS,
    unit: "ARN",
    value: { kind: "text", allowed: "a stream ARN" },
    internal: "source.streamArn",
    url: CREATE_ESM,
    hint: "the mapping's EventSourceArn; esm-sim makes one from the stream name when left out",
    cfn: null,
  },
  "source.StreamName": {
    sources: STREAMS,
    unit: "name",
    value: { kind: "text", allowed: "a stream name" },
    internal: "source.streamName",
    url: CREATE_STREAM,
    hint: "esm-sim names it after the scenario when left out",
    cfn: "Name",
  },
  // --- source: queues -----------------------------------------------------------------------------------------
  "source.QueueName": {
    sources: QUEUES,
    unit: "name",
    value: { kind: "text", allowed: "a queue name" },
    internal: "source.queueName",
    url: CREATE_QUEUE,
    hint: "a FIFO queue's name ends in .fifo; esm-sim names it after the scenario when left out",
    cfn: "QueueName",
  },
  "source.VisibilityTimeout": {
    sources: QUEUES,
    unit: "seconds",
    value: { kind: "int", min: 0, max: 43_200 },
    awsDefault: 30,
    internal: "source.visibilityTimeoutUs",
    url: CREATE_QUEUE,
    hint: "how long a received message stays hidden; at least the function Timeout, and AWS recommends 6 x Timeout + batching window",
    cfn: "VisibilityTimeout",
  },
  "source.MessageRetentionPeriod": {
    sources: QUEUES,
    unit: "seconds",
    value: { kind: "int", min: 60, max: 1_209_600 },
    awsDefault: 345_600,
    internal: "source.retentionUs",
    url: CREATE_QUEUE,
    hint: "how long the queue keeps a message it has not deleted",
    cfn: "MessageRetentionPeriod",
  },
  "source.DelaySeconds": {
    sources: QUEUES,
    unit: "seconds",
    value: { kind: "int", min: 0, max: 900 },
    awsDefault: 0,
    internal: "source.delayUs",
    url: CREATE_QUEUE,
    hint: "how long a new message stays hidden before its first receive",
    cfn: "DelaySeconds",
  },
  "source.RedrivePolicy.maxReceiveCount": {
    sources: QUEUES,
    unit: "receives",
    value: { kind: "int", min: 1, max: 1000 },
    internal: "source.maxReceiveCount",
    url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
    hint: "receives after which a message moves to the dead-letter queue; without RedrivePolicy it never does",
    cfn: "RedrivePolicy",
  },
  "source.RedrivePolicy.deadLetterTargetArn": {
    sources: QUEUES,
    unit: "ARN",
    value: { kind: "text", allowed: "an SQS queue ARN" },
    internal: "source.dlqArn",
    url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
    hint: "the dead-letter queue; esm-sim names one after the queue when left out",
    cfn: "RedrivePolicy",
  },
  "source.FifoQueue": {
    sources: QUEUES,
    unit: "boolean",
    value: { kind: "bool" },
    awsDefault: false,
    // A FIFO queue is one with FifoQueue true: the source type says it.
    bySource: { "sqs-fifo": { awsDefault: true } },
    internal: "source.fifo",
    url: CREATE_QUEUE,
    hint: "true exactly for an sqs-fifo source",
    cfn: "FifoQueue",
  },
  "source.ContentBasedDeduplication": {
    sources: FIFO,
    unit: "boolean",
    value: { kind: "bool" },
    awsDefault: false,
    internal: "source.contentBasedDeduplication",
    url: CREATE_QUEUE,
    hint: "a FIFO queue takes the SHA-256 of the body as the deduplication ID",
    cfn: "ContentBasedDeduplication",
  },
  // --- mapping ------------------------------------------------------------------------------------------------
  "mapping.BatchSize": {
    sources: ALL,
    unit: "records",
    value: { kind: "int", min: 1, max: 10_000 },
    awsDefault: 10,
    bySource: {
      kinesis: { awsDefault: 100 },
      dynamodb: { awsDefault: 100 },
      // AWS's text from when every SQS mapping was capped at 10; FIFO queues still are.
      "sqs-fifo": { max: 10, refused: (got, r) => `Maximum batch size must be between ${r.min} and ${r.max} inclusive (FIFO queues; got ${got})` },
    },
    internal: "mapping.batchSize",
    url: CREATE_ESM,
    hint: "the most records in one invocation; above 10 an SQS standard queue needs a batching window",
    cfn: "BatchSize",
  },
  "mapping.MaximumBatchingWindowInSeconds": {
    sources: ALL,
    unit: "seconds",
    value: { kind: "int", min: 0, max: 300 },
    awsDefault: 0,
    bySource: { "sqs-fifo": { max: 0, refused: () => "Batching window is not supported for FIFO queues" } },
    internal: "mapping.batchingWindowUs",
    url: CREATE_ESM,
    hint: "how long the mapping gathers records before it invokes with a batch short of BatchSize",
    cfn: "MaximumBatchingWindowInSeconds",
  },
  "mapping.StartingPosition": {
    sources: STREAMS,
    unit: "position",
    value: { kind: "choice", values: ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] },
    esmSimDefault: "TRIM_HORIZON",
    internal: "mapping.startingPosition",
    url: CREATE_ESM,
    hint: "where a stream mapping starts reading; AWS requires it (DynamoDB: TRIM_HORIZON or LATEST), and template import uses TRIM_HORIZON when a template leaves it out",
    cfn: "StartingPosition",
  },
  "mapping.StartingPositionTimestamp": {
    sources: STREAMS,
    unit: "Unix seconds",
    value: { kind: "number", min: 0, max: 1e11, allowed: "Unix seconds" },
    internal: "mapping.startingPositionUs",
    url: CREATE_ESM,
    hint: "with AT_TIMESTAMP: the time to start reading from",
    cfn: "StartingPositionTimestamp",
  },
  "mapping.ParallelizationFactor": {
    sources: STREAMS,
    unit: "batches per shard",
    value: { kind: "int", min: 1, max: 10 },
    awsDefault: 1,
    internal: "mapping.parallelizationFactor",
    url: CREATE_ESM,
    hint: "concurrent batches per shard, in order per partition key",
    cfn: "ParallelizationFactor",
  },
  "mapping.enhancedFanOut": {
    sources: ["kinesis"],
    unit: "true/false",
    value: { kind: "bool" },
    esmSimDefault: false,
    internal: "mapping.enhancedFanOut",
    url: "https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html",
    hint: "esm-sim: the mapping's EventSourceArn is a registered stream consumer (enhanced fan-out): records are pushed over a dedicated 2 MB/s per shard instead of polled under the shared read limits",
    cfn: null,
  },
  "mapping.MaximumRetryAttempts": {
    sources: STREAMS,
    unit: "retries",
    value: { kind: "int", min: 0, max: 10_000, noLimit: "retry until the record expires" },
    awsDefault: NO_LIMIT,
    internal: "mapping.retryAttemptsMax",
    url: CREATE_ESM,
    hint: "retries of a failed batch before its records are given up on",
    cfn: "MaximumRetryAttempts",
  },
  "mapping.MaximumRecordAgeInSeconds": {
    sources: STREAMS,
    unit: "seconds",
    value: { kind: "int", min: 60, max: 604_800, noLimit: "no limit" },
    awsDefault: NO_LIMIT,
    // AWS's text; CloudFormation: values between -1 and 60 are not allowed.
    refused: (got, r) => `must be -1 (no limit) or ${fmt(r.min)}..${fmt(r.max)}: the minimum valid value for maximum record age is ${r.min}s (got ${got})`,
    internal: "mapping.recordAgeMaxUs",
    url: CREATE_ESM,
    hint: "records older than this are given up on instead of retried",
    cfn: "MaximumRecordAgeInSeconds",
  },
  "mapping.BisectBatchOnFunctionError": {
    sources: STREAMS,
    unit: "boolean",
    value: { kind: "bool" },
    awsDefault: false,
    internal: "mapping.bisectOnError",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html",
    hint: "split a failing batch in two to find the bad record",
    cfn: "BisectBatchOnFunctionError",
  },
  "mapping.FunctionResponseTypes": {
    sources: ALL,
    unit: "list",
    value: { kind: "list", values: ["ReportBatchItemFailures"], maxItems: 1, allowed: "a list: [] or [ReportBatchItemFailures]" },
    awsDefault: [],
    internal: "mapping.reportBatchItemFailures",
    url: CREATE_ESM,
    hint: "[ReportBatchItemFailures]: the function reports which records failed, and only those are retried",
    cfn: "FunctionResponseTypes",
  },
  "mapping.DestinationConfig.OnFailure.Destination": {
    sources: STREAMS,
    unit: "ARN",
    value: { kind: "text", allowed: "an SQS queue, SNS topic or S3 bucket ARN" },
    internal: "mapping.onFailureArn",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html",
    hint: "where records given up on are sent as metadata; SQS mappings use the queue's RedrivePolicy instead",
    cfn: "DestinationConfig",
  },
  "mapping.TumblingWindowInSeconds": {
    sources: STREAMS,
    unit: "seconds",
    value: { kind: "int", min: 0, max: 900 },
    awsDefault: 0,
    internal: "mapping.tumblingWindowUs",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html",
    hint: "aggregate records in windows of this length, with state carried across invocations; 0: no window",
    cfn: "TumblingWindowInSeconds",
  },
  "mapping.FilterCriteria": {
    sources: ALL,
    unit: "patterns",
    value: { kind: "structure" },
    internal: "mapping.filter",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html",
    hint: "event patterns; records that match none are dropped before the function",
    cfn: "FilterCriteria",
  },
  "mapping.ScalingConfig.MaximumConcurrency": {
    sources: QUEUES,
    unit: "concurrent invocations",
    value: { kind: "int", min: 2, max: 1000 },
    internal: "mapping.maximumConcurrency",
    url: "https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html",
    hint: "caps the mapping's concurrent invocations (no cap when left out)",
    cfn: "ScalingConfig",
  },
  // The API reference's SQS text gives MaximumPollers up to 10,000 in one of its versions; esm-sim keeps 2,000, the
  // range of the API's Valid Range and of CloudFormation.
  "mapping.ProvisionedPollerConfig.MinimumPollers": {
    sources: QUEUES,
    unit: "pollers",
    value: { kind: "int", min: 2, max: 200 },
    awsDefault: 2,
    internal: "mapping.provisioned.minPollers",
    url: "https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html",
    hint: "provisioned mode: the event pollers kept at all times",
    cfn: "ProvisionedPollerConfig",
  },
  "mapping.ProvisionedPollerConfig.MaximumPollers": {
    sources: QUEUES,
    unit: "pollers",
    value: { kind: "int", min: 2, max: 2000 },
    awsDefault: 200,
    internal: "mapping.provisioned.maxPollers",
    url: "https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html",
    hint: "provisioned mode: the most event pollers the mapping scales up to",
    cfn: "ProvisionedPollerConfig",
  },
  "mapping.Enabled": {
    sources: ALL,
    unit: "boolean",
    value: { kind: "bool" },
    awsDefault: true,
    internal: "mapping.enabled",
    url: CREATE_ESM,
    hint: "false: the mapping reads nothing",
    cfn: "Enabled",
  },
  // --- function and account -----------------------------------------------------------------------------------
  "function.FunctionName": {
    sources: ALL,
    unit: "name",
    value: { kind: "text", allowed: "a function name" },
    internal: "fn.name",
    url: CREATE_FUNCTION,
    hint: "esm-sim names it after the scenario when left out",
    cfn: "FunctionName",
  },
  "function.Timeout": {
    sources: ALL,
    unit: "seconds",
    value: { kind: "int", min: 1, max: 900 },
    awsDefault: 3,
    internal: "fn.timeoutUs",
    url: CREATE_FUNCTION,
    hint: "how long one invocation may run; an SQS queue's VisibilityTimeout must not be shorter",
    cfn: "Timeout",
  },
  "function.ReservedConcurrentExecutions": {
    sources: ALL,
    unit: "concurrent executions",
    value: { kind: "int", min: 0, max: 1_000_000 },
    internal: "fn.reservedConcurrency",
    url: "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html",
    hint: "concurrency set aside for the function and its cap (none when left out: the account's unreserved pool)",
    cfn: "ReservedConcurrentExecutions",
  },
  "function.coldStart": {
    sources: ALL,
    unit: "a duration",
    value: { kind: "structure" },
    internal: "fn.coldStart",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
    hint: "esm-sim: the Init phase a new execution environment runs before its first invocation (a cold start), written 800ms or { init: 800ms, jitter: 0.2 }; idle environments are reused until environmentIdleLifetimeMs. None when left out: no init is modelled",
    cfn: null,
  },
  "account.ConcurrentExecutions": {
    sources: ALL,
    unit: "concurrent executions",
    value: { kind: "int", min: 1, max: 1_000_000 },
    awsDefault: 1000,
    internal: "accountConcurrency",
    url: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    hint: "the account's concurrency limit in the Region (the profile's figure when left out)",
    cfn: null,
  },
} as const satisfies Record<string, ParamRow>;

export type ParamPath = keyof typeof PARAMS;
type Rows = typeof PARAMS;

/** The paths whose value is of `kind`. */
export type PathOf<K extends ParamValue["kind"]> = { [P in ParamPath]: Rows[P]["value"]["kind"] extends K ? P : never }[ParamPath];

type ValueOf<V> = V extends { kind: "int" | "number" }
  ? number
  : V extends { kind: "bool" }
    ? boolean
    : V extends { kind: "choice"; values: readonly (infer C)[] }
      ? C
      : V extends { kind: "list"; values: readonly (infer C)[] }
        ? readonly C[]
        : string;

export const PARAM_PATHS = Object.keys(PARAMS) as ParamPath[];

/** One row with its path: what a reader of a setting needs (its AWS page, unit, range and hint). */
export function paramAt(path: ParamPath): ParamRow & { path: ParamPath } {
  return { path, ...(PARAMS[path] as ParamRow) };
}

const ROWS: readonly (ParamRow & { path: ParamPath })[] = PARAM_PATHS.map(paramAt);

/** Every row, in the table's order, with its path. */
export function paramRows(): readonly (ParamRow & { path: ParamPath })[] {
  return ROWS;
}

function row(path: ParamPath): ParamRow {
  return PARAMS[path];
}

/** The value a scenario of `type` gets when it leaves the key out: AWS's default, or esm-sim's where AWS has none. */
export function defaultOf<P extends ParamPath>(path: P, type?: SourceType): ValueOf<Rows[P]["value"]> {
  const r = row(path);
  const s = type === undefined ? undefined : r.bySource?.[type];
  const v = s?.fixed ?? s?.awsDefault ?? r.awsDefault ?? r.esmSimDefault;
  assert(v !== undefined, () => `${path} has no default`);
  return v as ValueOf<Rows[P]["value"]>;
}

/** The integers a source type accepts (the row's range unless the type narrows it); for a fixed setting, its value. */
export function rangeOf(path: PathOf<"int">, type?: SourceType): Range {
  const r = row(path);
  const v = r.value as { min: number; max: number };
  const s = type === undefined ? undefined : r.bySource?.[type];
  if (s?.fixed !== undefined) return { min: s.fixed, max: s.fixed };
  return { min: s?.min ?? v.min, max: s?.max ?? v.max };
}

/** The range as messages and comments write it: `min..max`; where -1 is allowed, `-1..max` when -1 adjoins the range,
 *  else `-1 or min..max`. */
export function rangeText(path: PathOf<"int">, type?: SourceType): string {
  const { min, max } = rangeOf(path, type);
  const span = `${fmt(min)}..${fmt(max)}`;
  if ((row(path).value as { noLimit?: string }).noLimit === undefined) return span;
  return min === NO_LIMIT + 1 ? `${NO_LIMIT}..${fmt(max)}` : `${NO_LIMIT} or ${span}`;
}

/** What -1 means for a row that allows it ("no limit"). */
export function noLimitMeaning(path: PathOf<"int">): string {
  const v = row(path).value as { noLimit?: string };
  assert(v.noLimit !== undefined, () => `${path} takes no -1`);
  return v.noLimit;
}

/** The source types a key of a section applies to (`source`, `ShardCount`), from the rows under it; undefined when no
 *  row is under it (an esm-sim key, or none). */
export function sourcesOfKey(section: string, key: string): readonly SourceType[] | undefined {
  const prefix = `${section}.${key}`;
  const p = PARAM_PATHS.find((q) => q === prefix || q.startsWith(prefix + "."));
  return p === undefined ? undefined : PARAMS[p].sources;
}

/** The CloudFormation properties template import reads for a section, for sources of `types` (all when left out). */
export function cfnPropertiesOf(section: "source" | "mapping" | "function", types: readonly SourceType[] = SOURCE_TYPES): string[] {
  const out = new Set<string>();
  for (const p of PARAM_PATHS) {
    const r = row(p);
    if (p.startsWith(section + ".") && r.cfn !== null && r.sources.some((t) => types.includes(t))) out.add(r.cfn);
  }
  return [...out];
}
