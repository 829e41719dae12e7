/**
 * The scenario schema: every key of a scenario (docs/scenario-reference.md) with AWS's names, units
 * and API ranges, declared once with zod. The validator and `esm-sim schema` (JSON Schema) both derive from it.
 * Ranges that depend on the source type (BatchSize for SQS vs FIFO) and rules across keys live in rules.ts.
 *
 * Sources for ranges: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
 */
import { z } from "zod";
import { PROFILE_NAMES, FIGURE_NAMES } from "../esm/profiles.js";
import { parseDurationUs, parseRatePerSecond, parseSizeBytes } from "./units.js";
import { show } from "./show.js";

type Iss = { input?: unknown };
const got = (iss: Iss) => ` (got ${show(iss.input)})`;
const required = (allowed: string) => (iss: Iss) =>
  iss.input === undefined ? `is required: ${allowed}` : `must be ${allowed}${got(iss)}`;

function range(min: number, max: number): string {
  return `${min.toLocaleString("en-US")}..${max.toLocaleString("en-US")}`;
}

export function int(min: number, max: number, allowed = `an integer ${range(min, max)}`) {
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

/** A value written as a number or a string with a unit, converted by `parse` (null when it does not parse). */
function unitValue(parse: (v: unknown) => number | null, allowed: string) {
  return z
    .union([z.number(), z.string()], { error: required(allowed) })
    .transform((v, ctx) => {
      const converted = parse(v);
      if (converted === null) {
        ctx.addIssue({ code: "custom", message: `must be ${allowed} (got ${show(v)})`, input: v });
        return z.NEVER;
      }
      return converted;
    })
    .meta({ description: allowed });
}

/** A duration in microseconds (input: seconds or a string with a unit). */
export const duration = () => unitValue(parseDurationUs, "a duration such as 250ms, 30s, 5m, 2h, 7d, or a number of seconds");
/** A size in bytes. */
export const size = () => unitValue(parseSizeBytes, "a size such as 512B, 1KB, 6MB, or a number of bytes");
/** A rate in records per second. */
export const rate = () => unitValue(parseRatePerSecond, "a rate such as 100/s, 6000/m, 50/h, or a number per second");

export const SOURCE_TYPES = ["kinesis", "dynamodb", "sqs", "sqs-fifo"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

const redrivePolicy = z.strictObject({
  maxReceiveCount: int(1, 1000),
  deadLetterTargetArn: str("an SQS queue ARN").optional(),
});

export const sourceSchema = z.strictObject({
  type: oneOf(SOURCE_TYPES),
  // streams
  ShardCount: int(1, 10_000).optional(),
  RetentionPeriodHours: int(24, 8760).optional(),
  StreamArn: str("a stream ARN").optional(),
  StreamName: str("a stream name").optional(),
  // sqs and sqs-fifo
  QueueName: str("a queue name").optional(),
  VisibilityTimeout: int(0, 43_200).optional(),
  MessageRetentionPeriod: int(60, 1_209_600).optional(),
  DelaySeconds: int(0, 900).optional(),
  RedrivePolicy: redrivePolicy.optional(),
  FifoQueue: bool().optional(),
  ContentBasedDeduplication: bool().optional(),
  duplicateDeliveryRate: num(0, 1, "a probability 0..1").optional(),
});

const trafficSchema = z.strictObject({
  rate: rate().optional(),
  arrival: oneOf(["even", "poisson"] as const).optional(),
  from: duration().optional(),
  to: duration().optional(),
  at: duration().optional(),
  records: int(1, 100_000_000).optional(),
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
  // dynamodb: weights of the stream record's eventName, drawn per record (default: all INSERT)
  eventNames: z
    .strictObject({
      INSERT: num(0, 1e9, "a weight >= 0").optional(),
      MODIFY: num(0, 1e9, "a weight >= 0").optional(),
      REMOVE: num(0, 1e9, "a weight >= 0").optional(),
    })
    .optional(),
});

const onFailure = z.strictObject({ Destination: str("an SQS queue, SNS topic or S3 bucket ARN") });

export const mappingSchema = z.strictObject({
  BatchSize: int(1, 10_000).optional(),
  MaximumBatchingWindowInSeconds: int(0, 300).optional(),
  StartingPosition: oneOf(["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const).optional(),
  StartingPositionTimestamp: num(0, 1e11, "Unix seconds").optional(),
  ParallelizationFactor: int(1, 10).optional(),
  MaximumRetryAttempts: int(-1, 10_000, "-1 (retry until the record expires) or an integer 0..10,000").optional(),
  MaximumRecordAgeInSeconds: int(-1, 604_800, "-1 (no limit) or an integer 60..604,800").optional(),
  BisectBatchOnFunctionError: bool().optional(),
  FunctionResponseTypes: z
    .array(oneOf(["ReportBatchItemFailures"] as const), { error: required("a list: [] or [ReportBatchItemFailures]") })
    .max(1, { error: required("a list: [] or [ReportBatchItemFailures]") })
    .optional(),
  DestinationConfig: z.strictObject({ OnFailure: onFailure.optional(), OnSuccess: onFailure.optional() }).optional(),
  TumblingWindowInSeconds: int(0, 900).optional(),
  // Patterns are parsed and checked in rules.ts (filter/filter-pattern.ts); count and length limits there too.
  FilterCriteria: z
    .strictObject({
      Filters: z
        .array(z.strictObject({ Pattern: str(`a string holding a JSON event pattern, e.g. '{"body": {"status": ["ERROR"]}}'`) }), {
          error: required("a list of { Pattern: <JSON string> }"),
        })
        .optional(),
    })
    .optional(),
  ScalingConfig: z.strictObject({ MaximumConcurrency: int(2, 1000).optional() }).optional(),
  // SQS: MinimumPollers 2..200 (default 2), MaximumPollers 2..2,000 (default 200): SQS-PARAMS, CFN, CDK. One newer
  // API copy says MaximumPollers up to 10,000 for SQS; esm-sim keeps the Developer Guide's 2,000.
  ProvisionedPollerConfig: z
    .strictObject({ MinimumPollers: int(2, 200).optional(), MaximumPollers: int(2, 2000).optional() })
    .optional(),
  Enabled: bool().optional(),
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
  effect: oneOf(["error", "timeout", "partial", "partial-invalid"] as const),
});

export const functionSchema = z.strictObject({
  FunctionName: str("a function name").optional(),
  Timeout: int(1, 900).optional(),
  ReservedConcurrentExecutions: int(0, 1_000_000).optional(),
  duration: z
    .strictObject({
      base: duration().optional(),
      perRecord: duration().optional(),
      jitter: num(0, 5, "a lognormal spread 0..5 (0.2 = about 20%)").optional(),
    })
    .optional(),
  failures: z.array(failureRule, { error: required("a list of failure rules") }).optional(),
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
  Object.fromEntries(FIGURE_NAMES.map((n) => [n, z.union([z.number(), z.null()]).optional()])) as Record<string, z.ZodOptional<z.ZodType<number | null>>>,
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
  profile: oneOf(PROFILE_NAMES as [string, ...string[]]).optional(),
  scaling: scalingOverrides.optional(),
  source: sourceSchema,
  traffic: z.array(trafficSchema, { error: required("a list of producers") }).min(1, { error: required("a list of at least one producer") }),
  mapping: mappingSchema.optional(),
  function: functionSchema.optional(),
  account: z.strictObject({ ConcurrentExecutions: int(1, 1_000_000).optional() }).optional(),
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
