/**
 * The scenario schema: every key of a scenario (docs/scenario-reference.md) with AWS's names, units and API
 * ranges, declared once with zod. The validator and `esm-sim schema` (JSON Schema) both derive from it. The AWS
 * settings take their check from their row in the parameter table (params.ts); esm-sim's own keys are written here.
 * Ranges that depend on the source type (BatchSize for SQS vs FIFO) and rules across keys live in rules.ts.
 */
import { z } from "zod";
import { PROFILE_NAMES, FIGURE_NAMES } from "../esm/profiles.js";
import { STATISTICS } from "../metrics/cloudwatch-export.js";
import { fmt, NO_LIMIT, PARAMS, SOURCE_TYPES, type PathOf } from "./params.js";
import { DURATION_MAX_US, DURATION_MAX_WORDS, parseDurationUs, parseInstantMs, parseRatePerSecond, parseSizeBytes } from "./units.js";
import { isoUtc } from "../engine/time.js";
import { show } from "./show.js";

type Iss = { input?: unknown };
const got = (iss: Iss) => ` (got ${show(iss.input)})`;
const required = (allowed: string) => (iss: Iss) =>
  iss.input === undefined ? `is required: ${allowed}` : `must be ${allowed}${got(iss)}`;

export function int(min: number, max: number, allowed = `an integer ${fmt(min)}..${fmt(max)}`) {
  const e = { error: required(allowed) };
  return z.number(e).int(e).min(min, e).max(max, e);
}

export function num(min: number, max: number, allowed = `a number ${min}..${max}`) {
  const e = { error: required(allowed) };
  return z.number(e).min(min, e).max(max, e);
}

/** A number > 0 and <= max. */
function positiveUpTo(max: number, allowed: string) {
  const e = { error: required(allowed) };
  return z.number(e).gt(0, e).max(max, e);
}

export function bool() {
  return z.boolean({ error: required("true or false") });
}

export function str(allowed = "a string") {
  return z.string({ error: required(allowed) });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: required(`one of ${values.join(" | ")}`) });
}

/** A value written as a number or a string with a unit, converted by `parse` (null when it does not parse). `max`:
 *  the largest value allowed once converted, and what to say of one above it (or of one written too large to
 *  convert). */
function unitValue(parse: (v: unknown) => number | null, allowed: string, max?: { value: number; words: string; looksValid: (v: unknown) => boolean }) {
  return z
    .union([z.number(), z.string()], { error: required(allowed) })
    .transform((v, ctx) => {
      const converted = parse(v);
      if (max !== undefined && (converted === null ? max.looksValid(v) : converted > max.value)) {
        ctx.addIssue({ code: "custom", message: `must be at most ${max.words} (got ${show(v)})`, input: v });
        return z.NEVER;
      }
      if (converted === null) {
        ctx.addIssue({ code: "custom", message: `must be ${allowed} (got ${show(v)})`, input: v });
        return z.NEVER;
      }
      return converted;
    })
    .meta({ description: allowed });
}

/** Written as a duration, whatever its size: a non-negative finite number, or a number with a unit. */
const writtenAsDuration = (v: unknown): boolean =>
  typeof v === "number" ? Number.isFinite(v) && v >= 0 : typeof v === "string" && parseDurationUs(v.replace(/^\s*[\d.]+/, "1")) !== null;

/** A duration in microseconds (input: seconds or a string with a unit), at most DURATION_MAX_US. */
export const duration = () =>
  unitValue(parseDurationUs, "a duration such as 250ms, 30s, 5m, 2h, 7d, or a number of seconds", {
    value: DURATION_MAX_US,
    words: DURATION_MAX_WORDS,
    looksValid: writtenAsDuration,
  });
/** A size in bytes. */
export const size = () => unitValue(parseSizeBytes, "a size such as 512B, 1KB, 6MB, or a number of bytes");
/** A rate in records per second. */
export const rate = () => unitValue(parseRatePerSecond, "a rate such as 100/s, 6000/m, 50/h, or a number per second");

const INSTANT = "an ISO 8601 instant with its time zone, such as 2026-03-01T09:00:00Z";

/**
 * The instant virtual time 0 stands for, in Unix seconds. Whole minutes only: CloudWatch stamps one-minute periods
 * at the start of each UTC minute, so a start between two minutes would make every simulated period straddle two
 * real ones, and no series could be compared point for point with an export.
 */
function startInstant() {
  return z
    .string({ error: required(`${INSTANT} (on a whole minute)`) })
    .transform((v, ctx) => {
      const ms = parseInstantMs(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: `must be ${INSTANT} (got ${show(v)})`, input: v });
        return z.NEVER;
      }
      if (ms % 60_000 !== 0) {
        const before = Math.floor(ms / 60_000) * 60_000;
        const message = `must fall on a whole minute, as CloudWatch's one-minute periods do, so that each simulated period lines up with one real one (got ${show(v)}; ${isoUtc(before, true)} or ${isoUtc(before + 60_000, true)} would)`;
        ctx.addIssue({ code: "custom", message, input: v });
        return z.NEVER;
      }
      return ms / 1000;
    })
    .meta({ description: `${INSTANT}, on a whole minute` });
}

// --- AWS settings, from the parameter table --------------------------------------------------------------------

/** An integer setting: its range, and -1 where AWS reads it as "no limit". */
function intParam(path: PathOf<"int">) {
  const v = PARAMS[path].value;
  if (!("noLimit" in v)) return int(v.min, v.max);
  return int(NO_LIMIT, v.max, `${NO_LIMIT} (${v.noLimit}) or an integer ${fmt(v.min)}..${fmt(v.max)}`);
}

function numberParam(path: PathOf<"number">) {
  const v = PARAMS[path].value;
  return num(v.min, v.max, v.allowed);
}

/** A boolean setting (the path names its row; a boolean has no range to read). */
const boolParam = (_path: PathOf<"bool">) => bool();
const textParam = (path: PathOf<"text">) => str(PARAMS[path].value.allowed);
const choiceParam = <P extends PathOf<"choice">>(path: P) => oneOf(PARAMS[path].value.values);

function listParam<P extends PathOf<"list">>(path: P) {
  const v = PARAMS[path].value;
  const e = { error: required(v.allowed) };
  return z.array(oneOf(v.values), e).max(v.maxItems, e);
}

// --- the scenario --------------------------------------------------------------------------------------------------

const redrivePolicy = z.strictObject({
  maxReceiveCount: intParam("source.RedrivePolicy.maxReceiveCount"),
  deadLetterTargetArn: textParam("source.RedrivePolicy.deadLetterTargetArn").optional(),
});

export const sourceSchema = z.strictObject({
  type: oneOf(SOURCE_TYPES),
  // streams
  ShardCount: intParam("source.ShardCount").optional(),
  RetentionPeriodHours: intParam("source.RetentionPeriodHours").optional(),
  StreamArn: textParam("source.StreamArn").optional(),
  StreamName: textParam("source.StreamName").optional(),
  otherConsumers: intParam("source.otherConsumers").optional(),
  // sqs and sqs-fifo
  QueueName: textParam("source.QueueName").optional(),
  VisibilityTimeout: intParam("source.VisibilityTimeout").optional(),
  MessageRetentionPeriod: intParam("source.MessageRetentionPeriod").optional(),
  DelaySeconds: intParam("source.DelaySeconds").optional(),
  RedrivePolicy: redrivePolicy.optional(),
  FifoQueue: boolParam("source.FifoQueue").optional(),
  ContentBasedDeduplication: boolParam("source.ContentBasedDeduplication").optional(),
  duplicateDeliveryRate: num(0, 1, "a probability 0..1").optional(),
});

/** A producer that replays a CloudWatch metric's per-period counts (scenario/replay.ts reads the export). */
const fromMetricsSchema = z.strictObject({
  file: str("the path of a CloudWatch export (what aws cloudwatch get-metric-data prints), relative to the scenario's folder").min(1, {
    error: required("a non-empty path of a CloudWatch export"),
  }),
  metric: str("IncomingRecords (kinesis) or NumberOfMessagesSent (sqs, sqs-fifo)"),
  statistic: oneOf(STATISTICS).optional(),
  id: str("the Id of the get-metric-data result to replay (or the Label of get-metric-statistics output)").min(1, { error: required("a non-empty Id") }).optional(),
  scale: positiveUpTo(1_000_000, "a factor > 0 (2 replays twice the records; at most 1,000,000)").optional(),
  period: duration().optional(),
});

/**
 * The most records that may wait in the source at once. esm-sim holds every waiting record in memory (about
 * 200 bytes each, so 5,000,000 is about 1 GB); beyond it Node.js runs out of memory and dies without a message.
 * Scenarios that would exceed it at once (a burst, bursts at one time, a rate over one second) are refused (rules.ts);
 * a backlog that grows past it during a run stops the run (simulate.ts).
 */
export const MAX_WAITING_RECORDS = 5_000_000;

/** The largest `records` a burst may give: its records all wait in the source at once. */
export const MAX_BURST_RECORDS = MAX_WAITING_RECORDS;

const trafficSchema = z.strictObject({
  rate: rate().optional(),
  arrival: oneOf(["even", "poisson"] as const).optional(),
  from: duration().optional(),
  to: duration().optional(),
  at: duration().optional(),
  records: int(
    1,
    MAX_BURST_RECORDS,
    `an integer 1..${fmt(MAX_BURST_RECORDS)}, the most records esm-sim holds waiting at once (about 1 GB of memory); split a larger burst into bursts at different times, or use a steady rate`,
  ).optional(),
  keys: int(1, 10_000_000).optional(),
  key: str("a key (partition key or message group ID)").optional(),
  keyDistribution: oneOf(["uniform", "zipf"] as const).optional(),
  zipfExponent: num(0, 10).optional(),
  recordSize: size().optional(),
  /** The records' payload (SQS body, Kinesis data, DynamoDB NewImage): any JSON-compatible value; a string is the
   *  raw payload text. Checked in rules.ts (JSON-compatible; a map for DynamoDB). */
  data: z.unknown().optional(),
  duplicateSendRate: num(0, 1, "a probability 0..1 (the share of sends the producer sends a second time)").optional(),
  duplicateSendAfter: duration().optional(),
  deduplicationId: oneOf(["message", "perAttempt", "content"] as const).optional(),
  fromMetrics: fromMetricsSchema.optional(),
  // dynamodb: weights of the stream record's eventName, drawn per record (default: all INSERT)
  eventNames: z
    .strictObject({
      INSERT: num(0, 1e9, "a weight >= 0").optional(),
      MODIFY: num(0, 1e9, "a weight >= 0").optional(),
      REMOVE: num(0, 1e9, "a weight >= 0").optional(),
    })
    .optional(),
});

// OnSuccess takes the same shape; rules.ts refuses it (AWS takes no OnSuccess destination for these mappings).
const destination = z.strictObject({ Destination: textParam("mapping.DestinationConfig.OnFailure.Destination") });

export const mappingSchema = z.strictObject({
  BatchSize: intParam("mapping.BatchSize").optional(),
  MaximumBatchingWindowInSeconds: intParam("mapping.MaximumBatchingWindowInSeconds").optional(),
  StartingPosition: choiceParam("mapping.StartingPosition").optional(),
  StartingPositionTimestamp: numberParam("mapping.StartingPositionTimestamp").optional(),
  ParallelizationFactor: intParam("mapping.ParallelizationFactor").optional(),
  enhancedFanOut: boolParam("mapping.enhancedFanOut").optional(),
  MaximumRetryAttempts: intParam("mapping.MaximumRetryAttempts").optional(),
  MaximumRecordAgeInSeconds: intParam("mapping.MaximumRecordAgeInSeconds").optional(),
  BisectBatchOnFunctionError: boolParam("mapping.BisectBatchOnFunctionError").optional(),
  FunctionResponseTypes: listParam("mapping.FunctionResponseTypes").optional(),
  DestinationConfig: z.strictObject({ OnFailure: destination.optional(), OnSuccess: destination.optional() }).optional(),
  TumblingWindowInSeconds: intParam("mapping.TumblingWindowInSeconds").optional(),
  // Patterns are parsed and checked in rules.ts (filter/filter-pattern.ts); count and length limits there too.
  FilterCriteria: z
    .strictObject({
      Filters: z
        .array(z.strictObject({ Pattern: str(`a string holding a JSON event pattern, e.g. '{"body": {"status": ["ERROR"]}}' (AWS says "Invalid filter pattern definition.")`) }), {
          error: required("a list of { Pattern: <JSON string> }"),
        })
        .optional(),
    })
    .optional(),
  ScalingConfig: z.strictObject({ MaximumConcurrency: intParam("mapping.ScalingConfig.MaximumConcurrency").optional() }).optional(),
  ProvisionedPollerConfig: z
    .strictObject({
      MinimumPollers: intParam("mapping.ProvisionedPollerConfig.MinimumPollers").optional(),
      MaximumPollers: intParam("mapping.ProvisionedPollerConfig.MaximumPollers").optional(),
    })
    .optional(),
  Enabled: boolParam("mapping.Enabled").optional(),
  // esm-sim (streams): when the mapping is created, and periods during which it is disabled
  startAt: duration().optional(),
  disabledPeriods: z
    .array(z.strictObject({ from: duration(), to: duration().optional() }), { error: required("a list of { from, to } periods") })
    .optional(),
});

const failureRule = z.strictObject({
  when: z
    .strictObject({
      key: str("a key").optional(),
      attempt: int(1, 100_000, "an attempt number 1.. (SQS: ApproximateReceiveCount)").optional(),
      record: int(0, 1_000_000_000, "a record's production index 0.. (record 42 is SQS message msg-000042)").optional(),
      probability: num(0, 1, "a probability 0..1").optional(),
      from: duration().optional(),
      to: duration().optional(),
    })
    .optional(),
  effect: oneOf(["error", "timeout", "partial", "partial-invalid", "partial-unread"] as const),
});

/** esm-sim: the Init phase of a new execution environment (lambda/function.ts), written `800ms` or
 *  `{ init: 800ms, jitter: 0.2 }`; its row in params.ts (function.coldStart) gives the AWS page. */
const coldStartSchema = z.union(
  [
    duration(),
    z.strictObject({
      init: duration(),
      jitter: num(0, 5, "a lognormal spread 0..5 (0.2 = about 20%)").optional(),
    }),
  ],
  { error: required("a duration such as 800ms, or { init: 800ms, jitter: 0.2 }") },
);

export const functionSchema = z.strictObject({
  FunctionName: textParam("function.FunctionName").optional(),
  Timeout: intParam("function.Timeout").optional(),
  ReservedConcurrentExecutions: intParam("function.ReservedConcurrentExecutions").optional(),
  duration: z
    .strictObject({
      base: duration().optional(),
      perRecord: duration().optional(),
      jitter: num(0, 5, "a lognormal spread 0..5 (0.2 = about 20%)").optional(),
    })
    .optional(),
  failures: z.array(failureRule, { error: required("a list of failure rules") }).optional(),
  coldStart: coldStartSchema.optional(),
  // esm-sim (streams): the handler writes records back to its own stream (lambda/write-back.ts); rules.ts checks
  // data and the source type.
  writesBack: z
    .strictObject({
      perRecord: positiveUpTo(10, "a number 0 < perRecord <= 10 (records written back per processed record; 0.5 = one record half the time)").optional(),
      data: z.unknown().optional(),
      maxDepth: z.union([int(1, 1000), z.null()], { error: required("an integer 1..1,000, or null (no limit)") }).optional(),
    })
    .optional(),
});

const bound = z.union([z.number(), z.string(), z.boolean()], { error: required("a number, a duration, or true/false") });
export const expectationSchema = z.strictObject({
  eq: bound.optional(),
  ne: bound.optional(),
  lt: bound.optional(),
  lte: bound.optional(),
  gt: bound.optional(),
  gte: bound.optional(),
});

const scalingOverrides = z.strictObject(
  Object.fromEntries(FIGURE_NAMES.map((n) => [n, z.union([z.number(), z.null()], { error: required("a finite number (or null, for no limit, where the figure allows it)") }).optional()])) as Record<string, z.ZodOptional<z.ZodType<number | null>>>,
);

/** A question `esm-sim quiz` asks before running the scenario; the answer is computed by the run (quiz-answer.ts). */
const quizQuestion = z.strictObject({
  ask: str("the question, e.g. How many messages end in the DLQ?").min(1, { error: required("a non-empty question") }),
  answer: str("a report field such as records.dlq, or a trace count such as invocations[key=poison]"),
});

export const scenarioSchema = z.strictObject({
  name: str("a scenario name").min(1, { error: required("a non-empty scenario name") }),
  description: str("a description").optional(),
  concept: str("the concept this scenario demonstrates, e.g. the DLQ on the queue, not the function").optional(),
  quiz: z.array(quizQuestion, { error: required("a list of questions, each { ask, answer }") }).optional(),
  seed: int(0, 4_294_967_295, "an integer 0..4,294,967,295").optional(),
  until: duration().optional(),
  // esm-sim: the instant virtual time 0 stands for (Unix seconds once parsed).
  startTime: startInstant().optional(),
  profile: oneOf(PROFILE_NAMES as [string, ...string[]]).optional(),
  scaling: scalingOverrides.optional(),
  source: sourceSchema,
  traffic: z.array(trafficSchema, { error: required("a list of producers") }).min(1, { error: required("a list of at least one producer") }),
  mapping: mappingSchema.optional(),
  function: functionSchema.optional(),
  account: z.strictObject({ ConcurrentExecutions: intParam("account.ConcurrentExecutions").optional() }).optional(),
  expect: z.record(z.string(), expectationSchema, { error: required("a map of report fields to checks") }).optional(),
});

export type RawScenario = z.output<typeof scenarioSchema>;
export type RawTraffic = z.output<typeof trafficSchema>;
export type RawFailureRule = z.output<typeof failureRule>;

/** The keys a user may write at each object path, for "did you mean" suggestions. */
export function knownKeysAt(path: readonly (string | number)[]): string[] {
  let schema: z.ZodType = scenarioSchema;
  for (const seg of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType>)[String(seg)];
      if (!next) return [];
      schema = next;
    } else if (schema instanceof z.ZodArray) {
      schema = schema.element as z.ZodType;
    } else if (schema instanceof z.ZodRecord) {
      schema = schema.valueType as z.ZodType;
    } else {
      return [];
    }
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    else break;
  }
  return s;
}
