/**
 * Rules that span keys, which a per-key schema cannot express: keys of another source type and ranges that depend on
 * the source type (both read from the parameter table, params.ts), AWS's create-time validations (with AWS's own
 * error text), traffic shape, and expectation paths. Also the lint warnings (never fatal).
 *
 * `checkRules` runs RULES in order: each is a small named check with what it holds a scenario to and the AWS page
 * that says so (null for esm-sim's own limits). They read the document as the user wrote it (plain JS values), guard
 * every type, and skip what the schema already rejects, so that every problem is reported once and all at once.
 */
import { assert } from "../engine/assert.js";
import { isoUtc } from "../engine/time.js";
import { parseFilterCriteria, preparePayload, type FilterSource } from "../filter/filter-pattern.js";
import { NULLABLE_FIGURES, PROFILES } from "../esm/profiles.js";
import { cloudwatchMetricSources, cloudwatchSourceOf } from "../metrics/cloudwatch.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { bareTimeUnit, expectationValue, SIM_EPOCH_UNIX_S, streamIdentity } from "./model.js";
import { defaultOf, NO_LIMIT, paramRows, PARAMS, QUEUES, rangeOf, sourcesOfKey, STREAMS, type PathOf, type SourceType } from "./params.js";
import { parseAnswer } from "./quiz-answer.js";
import type { Path } from "./locate.js";
import { suggest } from "./show.js";
import { MAX_BURST_RECORDS, MAX_WAITING_RECORDS } from "./schema.js";
import { formatCount, parseDurationUs, parseInstantMs, parseRatePerSecond, parseSizeBytes } from "./units.js";

export interface RuleFinding {
  severity: "error" | "warning";
  path: Path;
  message: string;
  /** A character offset inside the string value at `path` (a filter pattern), when the problem is inside it. */
  offset?: number;
}

/** Whether the pollers apply FilterCriteria (they do: esm/record-filter.ts). When false, a valid FilterCriteria is
 *  accepted with a warning that it has no effect. */
export const FILTERING_APPLIED: boolean = true;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const intOr = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);
/** The value when it is an integer within `min..max` (the schema reports it otherwise), else undefined. */
const intIn = (v: unknown, min: number, max: number): number | undefined => {
  const i = intOr(v);
  return i !== undefined && i >= min && i <= max ? i : undefined;
};

/** Source types this version simulates. */
export const SUPPORTED_SOURCES = ["sqs", "sqs-fifo", "kinesis", "dynamodb"] as const;

/** esm-sim's own keys in AWS's sections, and the source types they apply to (AWS's settings: params.ts). */
const ESM_SIM_KEYS: Record<string, readonly SourceType[]> = {
  "source.duplicateDeliveryRate": QUEUES,
  "mapping.startAt": STREAMS,
  "mapping.disabledPeriods": STREAMS,
  "function.writesBack": STREAMS,
};

/** Keys that a rule of their own refuses for these source types, with a fuller reason than "applies to ...". */
const OWN_REFUSAL: Record<string, readonly string[]> = {
  "source.duplicateDeliveryRate": ["sqs-fifo"],
  "mapping.DestinationConfig": QUEUES,
  "function.writesBack": QUEUES,
};

const sourcesOf = (section: string, key: string): readonly string[] | undefined => sourcesOfKey(section, key) ?? ESM_SIM_KEYS[`${section}.${key}`];

/** "applies to ..." for a key of other source types. A mapping key of SQS says "only"; a source key does not. */
function appliesTo(sources: readonly string[], section: string): string {
  if (sources.length === 1) return `applies to ${sources[0]} sources only`;
  return `applies to ${sources.join(" and ")} sources${section === "mapping" && sources.includes("sqs") ? " only" : ""}`;
}

/**
 * The keys of `known` (the schema's keys at `path`) that apply to a source of `type`: the list an "unknown key"
 * message offers. The schema has one shape for every source; the rules below reject the keys of another source type,
 * so offering them would only lead to the next error. All of `known` when the type is not one of ours.
 */
export function keysApplyingTo(path: readonly (string | number)[], type: unknown, known: readonly string[]): string[] {
  const isQueue = type === "sqs" || type === "sqs-fifo";
  const isStream = type === "kinesis" || type === "dynamodb";
  if (!isQueue && !isStream) return [...known];
  if (path.length === 1 && (path[0] === "source" || path[0] === "mapping" || path[0] === "function")) {
    const section = path[0];
    return known.filter((k) => {
      const sources = sourcesOf(section, k);
      return sources === undefined || (sources.includes(type) && !OWN_REFUSAL[`${section}.${k}`]?.includes(type));
    });
  }
  if (path.length === 2 && path[0] === "traffic" && type !== "dynamodb") return known.filter((k) => k !== "eventNames");
  return [...known];
}

/** Upper total of records a scenario may produce: beyond it the run is refused up front. */
export const MAX_RECORDS_TOTAL = 1_000_000_000;
/** The most records that may wait in the source at once (schema.ts says why). */
export { MAX_WAITING_RECORDS };
/** The longest scaling tick: the run loop relies on an event at least this often to watch the budgets. */
export const MAX_SCALE_TICK_MS = 60_000;

type Report = (path: Path, message: string) => void;

/** The document as a rule sees it. */
export interface RuleInput {
  doc: Obj;
  source: Obj;
  mapping: Obj;
  fn: Obj;
  type: string | undefined;
  isQueue: boolean;
  isStream: boolean;
  out: RuleFinding[];
  err: Report;
  warn: Report;
}

export interface Rule {
  name: string;
  /** What the rule holds a scenario to, in a line. */
  says: string;
  /** The AWS page that says it; null for esm-sim's own limits. */
  url: string | null;
  check: (d: RuleInput) => void;
}

const PAGES = {
  ESM: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html",
  CFN_ESM: "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html",
  CREATE_QUEUE: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  SEND_MESSAGE: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html",
  FIFO_TERMS: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html",
  SQS_CFG: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
  SQS_SCALE: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
  SQS_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
  DDB_PARAMS: "https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html",
  DDB_STREAMS: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html",
  KIN_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html",
  DDB_ERR: "https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html",
  FILTER: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html",
  CW_SQS: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html",
  CONC: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
  PROVISIONED: "https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html",
  RECURSION: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html",
  KDS_PUT: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html",
  // "the queue type must match the source queue type—a FIFO queue can only use a FIFO DLQ, and a standard queue can
  // only use a standard DLQ"
  DLQ: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html",
} as const;

/** The largest data blob a Kinesis record holds (PutRecordsRequestEntry's Data: "Maximum length of 10485760"). */
const KINESIS_RECORD_MAX_BYTES = 10 * 1024 * 1024;
/** A synchronous invocation's payload limit, which a batch of stream records must fit (stream-mapping.ts). */
const INVOKE_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024;

/** The value at a dotted path of the document, through maps only. */
function valueAt(doc: Obj, path: string): unknown {
  let v: unknown = doc;
  for (const seg of path.split(".")) v = isObj(v) ? v[seg] : undefined;
  return v;
}

/** An integer setting's value when the schema accepts it (its row's range, and -1 where allowed), else undefined. */
function accepted(d: RuleInput, path: PathOf<"int">): number | undefined {
  const v = PARAMS[path].value;
  return intIn(valueAt(d.doc, path), "noLimit" in v ? NO_LIMIT : v.min, v.max);
}

// --- keys and the source type --------------------------------------------------------------------------------------

const supportedSource: Rule = {
  name: "supportedSource",
  says: "the source is one this version of esm-sim simulates",
  url: null,
  check(d) {
    if (d.type && (d.isQueue || d.isStream) && !(SUPPORTED_SOURCES as readonly string[]).includes(d.type)) {
      d.err(["source", "type"], `"${d.type}" sources are not supported yet by this version of esm-sim (supported: ${SUPPORTED_SOURCES.join(", ")})`);
    }
  },
};

/** A key of the section that applies to other source types (the table's `sources`). A two-type family is named only
 *  for a type of ours; an unknown type has the schema's error already. */
function keysOfAnotherType(section: "source" | "mapping"): Rule {
  return {
    name: `${section}KeysOfAnotherType`,
    says: `a ${section} key applies to the source types that have it`,
    url: PAGES.ESM,
    check(d) {
      const type = d.type;
      if (!type) return;
      for (const k of Object.keys(d[section])) {
        const sources = sourcesOf(section, k);
        if (!sources || sources.includes(type) || OWN_REFUSAL[`${section}.${k}`]?.includes(type)) continue;
        if (sources.length > 1 && !d.isQueue && !d.isStream) continue;
        d.err([section, k], `${appliesTo(sources, section)}, not ${type}`);
      }
    },
  };
}

const fifoDeliversOnce: Rule = {
  name: "fifoDeliversOnce",
  says: "a FIFO queue delivers each message exactly once, so it has no duplicate deliveries to simulate",
  url: PAGES.FIFO_TERMS,
  check(d) {
    if (d.type === "sqs-fifo" && d.source.duplicateDeliveryRate !== undefined) {
      d.err(["source", "duplicateDeliveryRate"], "applies to sqs (standard) sources only: a FIFO queue delivers each message exactly once; for producer retries use traffic duplicateSendRate");
    }
  },
};

const queueName: Rule = {
  name: "queueName",
  says: "CreateQueue: 1 to 80 alphanumeric characters, hyphens or underscores; a FIFO queue's name ends in .fifo",
  url: PAGES.CREATE_QUEUE,
  check(d) {
    const name = d.source.QueueName;
    if (!d.isQueue || typeof name !== "string") return;
    // AWS's CreateQueue texts (InvalidParameterValue).
    if (d.type === "sqs-fifo" && !/^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name)) {
      d.err(["source", "QueueName"], `The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length. (got ${JSON.stringify(name)})`);
    }
    if (d.type === "sqs" && !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      d.err(["source", "QueueName"], `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (got ${JSON.stringify(name)}${name.endsWith(".fifo") ? "; a name ending in .fifo needs type: sqs-fifo" : ""})`);
    }
  },
};

/** CreateEventSourceMapping's pattern for EventSourceArn, as its API reference gives it (matched whole). */
const EVENT_SOURCE_ARN_PATTERN = String.raw`arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
const EVENT_SOURCE_ARN = new RegExp(`^(?:${EVENT_SOURCE_ARN_PATTERN})$`);

const streamArn: Rule = {
  name: "streamArn",
  says: "a StreamArn is an ARN (CreateEventSourceMapping's EventSourceArn pattern) of the source's service",
  url: PAGES.ESM,
  check(d) {
    const arn = d.source.StreamArn;
    if (!d.isStream || typeof arn !== "string") return;
    if (!EVENT_SOURCE_ARN.test(arn)) {
      // AWS's text (a ValidationException), then what the ARN of such a stream looks like.
      d.err(["source", "StreamArn"], `1 validation error detected: Value '${arn}' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${EVENT_SOURCE_ARN_PATTERN} (a ${d.type} stream's: ${streamArnShape(d.type)})`);
      return;
    }
    const service = arn.split(":")[2];
    if (service !== d.type) d.err(["source", "StreamArn"], `names a ${service} resource, but source.type is ${d.type} (a ${d.type} stream's ARN: ${streamArnShape(d.type)})`);
  },
};

function streamArnShape(type: string | undefined): string {
  return type === "dynamodb" ? "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL" : "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME";
}

const deadLetterQueueType: Rule = {
  name: "deadLetterQueueType",
  says: "a FIFO queue's dead-letter queue is a FIFO queue, and a standard queue's a standard one",
  url: PAGES.DLQ,
  check(d) {
    if (!d.isQueue || !isObj(d.source.RedrivePolicy)) return;
    const arn = d.source.RedrivePolicy.deadLetterTargetArn;
    if (typeof arn !== "string") return;
    const fifoTarget = arn.endsWith(".fifo");
    if (fifoTarget === (d.type === "sqs-fifo")) return;
    const want = d.type === "sqs-fifo" ? "a FIFO queue (a name ending in .fifo)" : "a standard queue (a name not ending in .fifo)";
    d.err(["source", "RedrivePolicy", "deadLetterTargetArn"], `must be ${want}: SQS takes a FIFO queue's dead-letter queue only of the FIFO type, and a standard queue's only of the standard type (got ${JSON.stringify(arn)})`);
  },
};

const fifoQueueFlag: Rule = {
  name: "fifoQueueFlag",
  says: "FifoQueue is true for a FIFO queue and only for one",
  url: PAGES.CREATE_QUEUE,
  check(d) {
    if (d.isQueue && typeof d.source.FifoQueue === "boolean" && d.source.FifoQueue !== (d.type === "sqs-fifo")) {
      d.err(["source", "FifoQueue"], `must be ${d.type === "sqs-fifo"} for a ${d.type} source (got ${d.source.FifoQueue})`);
    }
  },
};

const eventNamesOnDynamoDb: Rule = {
  name: "eventNamesOnDynamoDb",
  says: "only DynamoDB stream records carry an eventName (INSERT, MODIFY, REMOVE)",
  url: PAGES.DDB_STREAMS,
  check(d) {
    if (!d.type || !Array.isArray(d.doc.traffic)) return;
    d.doc.traffic.forEach((t, i) => {
      if (isObj(t) && t.eventNames !== undefined && d.type !== "dynamodb") d.err(["traffic", i, "eventNames"], `${appliesTo(["dynamodb"], "traffic")}, not ${d.type}`);
    });
  },
};

const noDestinationOnSqs: Rule = {
  name: "noDestinationOnSqs",
  says: "an SQS mapping takes no DestinationConfig: failed messages go to the queue's dead-letter queue",
  url: PAGES.SQS_CFG,
  check(d) {
    if (d.isQueue && isObj(d.mapping.DestinationConfig)) {
      // AWS's own text for an SQS mapping with a destination.
      d.err(["mapping", "DestinationConfig"], "Unsupported DestinationConfig parameter for given event source mapping type. (SQS failures go to the queue's RedrivePolicy dead-letter queue)");
    }
  },
};

// --- payloads and filters --------------------------------------------------------------------------------------------

/** The first part of a value that JSON cannot hold, or null. */
function nonJson(v: unknown, path: (string | number)[]): { path: Path; why: string; got: string } | null {
  if (typeof v === "number") return Number.isFinite(v) ? null : { path, why: "numbers must be finite", got: String(v) };
  if (typeof v === "string" || typeof v === "boolean" || v === null) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = nonJson(v[i], [...path, i]);
      if (b) return b;
    }
    return null;
  }
  if (isObj(v)) {
    for (const k of Object.keys(v)) {
      const b = nonJson(v[k], [...path, k]);
      if (b) return b;
    }
    return null;
  }
  return { path, why: "strings, numbers, true, false, null, lists and maps only", got: typeof v };
}

/** "a string that is not a JSON object", "a list", or the value: what a DynamoDB payload was instead of a map. */
const notAMap = (data: unknown) => (typeof data === "string" ? "a string that is not a JSON object" : Array.isArray(data) ? "a list" : String(data));

const filtering: Rule = {
  name: "filtering",
  says: "FilterCriteria patterns parse and fit the source; records carry JSON data (a map for DynamoDB items)",
  url: PAGES.FILTER,
  check(d) {
    const traffic = Array.isArray(d.doc.traffic) ? d.doc.traffic : [];
    const source = (["sqs", "sqs-fifo", "kinesis", "dynamodb"] as const).find((t) => t === d.type) as FilterSource | undefined;
    traffic.forEach((t, i) => {
      if (!isObj(t) || !("data" in t)) return;
      const bad = nonJson(t.data, ["traffic", i, "data"]);
      if (bad) d.err(bad.path, `must be JSON-compatible data (${bad.why}) (got ${bad.got})`);
      else if (source === "dynamodb" && !isObj(preparePayload(t.data).value)) {
        d.err(["traffic", i, "data"], `must be a map of attributes for a dynamodb source: the data is the item's NewImage (got ${notAMap(t.data)})`);
      }
    });

    if (d.mapping.FilterCriteria === undefined || d.mapping.FilterCriteria === null) return;
    const base: Path = ["mapping", "FilterCriteria"];
    const r = parseFilterCriteria(d.mapping.FilterCriteria, source);
    // "shape" problems (not a map, Pattern not a string) are the schema's to report.
    for (const p of r.ok ? [] : r.problems) if (p.code !== "shape") d.out.push({ severity: "error", path: [...base, ...p.path], message: p.message, offset: p.offset });
    for (const p of r.warnings) d.out.push({ severity: "warning", path: [...base, ...p.path], message: p.message, offset: p.offset });
    if (!r.ok || r.filter.patterns.length === 0) return;

    if (!FILTERING_APPLIED) {
      d.warn(base, "is valid, but this version of esm-sim does not apply it yet: every record reaches the function and records.filtered stays 0");
    }
    const dataKey = source === "kinesis" ? "data" : source === "dynamodb" ? "dynamodb" : "body";
    const readsData = r.filter.paths.some((p) => p[0] === dataKey && (source !== "dynamodb" || p[1] === "NewImage" || p[1] === "OldImage"));
    if (!readsData) return;
    traffic.forEach((t, i) => {
      if (isObj(t) && !("data" in t)) {
        d.warn(["traffic", i], `has no data, so its records carry the payload {} (an empty JSON object) and FilterCriteria patterns on ${dataKey} see no fields: give this producer data: { ... }`);
      }
    });
  },
};

// --- ranges that depend on the source type, and batching ---------------------------------------------------------------

/** Each integer setting of the section within its source type's range (params.ts `bySource`, and the gap after -1),
 *  with the row's text: DynamoDB's retention; BatchSize and the batching window of a FIFO queue, and
 *  MaximumRecordAgeInSeconds. */
function sourceRanges(section: "source" | "mapping"): Rule {
  return {
    name: `${section}Ranges`,
    says: `a ${section} setting takes the range AWS gives it for the source type`,
    url: PAGES.ESM,
    check: (d) => checkRanges(d, section),
  };
}

function checkRanges(d: RuleInput, section: string): void {
  const type = d.type as SourceType | undefined;
  if (type === undefined) return;
  for (const row of paramRows()) {
    if (row.value.kind !== "int" || !row.sources.includes(type) || !row.path.startsWith(section + ".")) continue;
    const path = row.path as PathOf<"int">;
    const spec = row.bySource?.[type];
    const at = row.path.split(".");
    if (spec?.fixed !== undefined) {
      const raw = valueAt(d.doc, row.path);
      if (raw !== undefined) d.err(at, refusal(row.path, spec.refused)(raw, rangeOf(path, type)));
      continue;
    }
    const v = accepted(d, path);
    const r = rangeOf(path, type);
    if (v === undefined || (v === NO_LIMIT && "noLimit" in row.value) || (v >= r.min && v <= r.max)) continue;
    d.err(at, refusal(row.path, spec?.refused ?? row.refused)(v, r));
  }
}

function refusal<T>(path: string, f: T | undefined): T {
  assert(f !== undefined, () => `${path} narrows its range without saying why (params.ts: refused)`);
  return f;
}

const largeSqsBatchNeedsWindow: Rule = {
  name: "largeSqsBatchNeedsWindow",
  says: "an SQS standard queue's BatchSize above 10 needs a batching window of at least 1 second",
  url: PAGES.CFN_ESM,
  check(d) {
    // The API page words this rule for "streams and Amazon SQS", but Kinesis and DynamoDB default to BatchSize 100 with
    // a window of 0, which AWS accepts; esm-sim applies it to SQS standard queues only (as CloudFormation words it).
    const batchSize = accepted(d, "mapping.BatchSize");
    const windowS = accepted(d, "mapping.MaximumBatchingWindowInSeconds");
    if (batchSize !== undefined && batchSize > 10 && d.type === "sqs" && (windowS === undefined || windowS < 1)) {
      const w = windowS ?? defaultOf("mapping.MaximumBatchingWindowInSeconds");
      d.err(["mapping", "MaximumBatchingWindowInSeconds"], `Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10 (BatchSize is ${batchSize}, window is ${w})`);
    }
  },
};

// --- streams --------------------------------------------------------------------------------------------------------

const startingPosition: Rule = {
  name: "startingPosition",
  says: "a stream mapping needs a StartingPosition; DynamoDB takes TRIM_HORIZON or LATEST only",
  url: PAGES.DDB_PARAMS,
  check(d) {
    if (!d.isStream) return;
    const ddb = d.type === "dynamodb";
    const pos = d.mapping.StartingPosition;
    // AWS's own texts, as CreateEventSourceMapping returns them, then what esm-sim accepts.
    if (pos === undefined) {
      d.err(["mapping"], `1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null. (kinesis and dynamodb mappings need StartingPosition: TRIM_HORIZON | LATEST${ddb ? "" : " | AT_TIMESTAMP"})`);
    } else if (ddb && pos === "AT_TIMESTAMP") {
      const { streamArn } = streamIdentity(typeof d.doc.name === "string" ? d.doc.name : "", { type: "dynamodb", ...(d.source as { StreamName?: string; StreamArn?: string }) });
      d.err(["mapping", "StartingPosition"], `Unsupported starting position for arn type: ${streamArn} (DynamoDB Streams take TRIM_HORIZON or LATEST)`);
    }
  },
};

const atTimestampNeedsTimestamp: Rule = {
  name: "atTimestampNeedsTimestamp",
  says: "StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp, and the timestamp needs AT_TIMESTAMP",
  url: PAGES.ESM,
  check(d) {
    if (!d.isStream) return;
    const pos = d.mapping.StartingPosition;
    const ts = d.mapping.StartingPositionTimestamp;
    if (pos === "AT_TIMESTAMP" && d.type !== "dynamodb" && ts === undefined) {
      d.err(["mapping", "StartingPosition"], "AT_TIMESTAMP needs StartingPositionTimestamp (Unix seconds)");
    }
    if (ts !== undefined && pos !== undefined && pos !== "AT_TIMESTAMP") {
      d.err(["mapping", "StartingPositionTimestamp"], `applies only with StartingPosition: AT_TIMESTAMP (got StartingPosition ${String(pos)})`);
    }
  },
};

const timestampNotInFuture: Rule = {
  name: "timestampNotInFuture",
  says: "StartingPositionTimestamp cannot be in the future",
  url: PAGES.CFN_ESM,
  check(d) {
    const ts = d.mapping.StartingPositionTimestamp;
    if (!d.isStream || typeof ts !== "number" || !Number.isFinite(ts) || d.mapping.StartingPosition !== "AT_TIMESTAMP") return;
    const startAtUs = parseDurationUs(d.mapping.startAt ?? 0) ?? 0;
    // A malformed startTime is refused by the schema; the default then stands in.
    const startMs = parseInstantMs(d.doc.startTime);
    const startS = startMs !== null && startMs % 60_000 === 0 ? startMs / 1000 : SIM_EPOCH_UNIX_S;
    const createdAtS = startS + startAtUs / 1e6;
    if (ts > createdAtS) {
      const from = d.doc.startTime === undefined ? "the run starts at" : "startTime is";
      d.err(["mapping", "StartingPositionTimestamp"], `cannot be in the future: the mapping is created at ${createdAtS} (${from} ${startS} = ${isoUtc(startS * 1000, true)}, plus startAt) (got ${ts})`);
    }
  },
};

const DESTINATION_ARN = /^arn:aws[a-z-]*:(sqs|sns|s3):/;

const streamDestination: Rule = {
  name: "streamDestination",
  says: "a stream mapping sends failed records to an SQS queue, SNS topic or S3 bucket (not FIFO), and takes no OnSuccess",
  url: PAGES.KIN_ERR,
  check(d) {
    const dest = d.mapping.DestinationConfig;
    if (!d.isStream || !isObj(dest)) return;
    if (dest.OnSuccess !== undefined) {
      // AWS's text for an unsupported destination (as AWS answers for SQS; esm-sim assumes streams answer the same way).
      d.err(["mapping", "DestinationConfig", "OnSuccess"], "Unsupported DestinationConfig parameter for given event source mapping type. (stream mappings take an OnFailure destination only)");
    }
    const arn = isObj(dest.OnFailure) ? dest.OnFailure.Destination : undefined;
    if (typeof arn !== "string") return;
    const at: Path = ["mapping", "DestinationConfig", "OnFailure", "Destination"];
    if (!DESTINATION_ARN.test(arn)) {
      d.err(at, `must be the ARN of an SQS queue, SNS topic or S3 bucket (arn:aws:sqs:..., arn:aws:sns:..., arn:aws:s3:::...) (got ${JSON.stringify(arn)})`);
    } else if (/^arn:aws[a-z-]*:(sqs|sns):/.test(arn) && arn.endsWith(".fifo")) {
      d.warn(at, "FIFO queues and FIFO topics are not valid on-failure destinations: AWS accepts the mapping but every delivery fails (DestinationDeliveryFailures); esm-sim counts them in stream.destinationDeliveryFailures");
    }
  },
};

const discardedWithoutDestination: Rule = {
  name: "discardedWithoutDestination",
  says: "a stream mapping that can discard records (finite MaximumRetryAttempts or MaximumRecordAgeInSeconds) without an OnFailure destination drops them",
  url: PAGES.KIN_ERR,
  check(d) {
    if (!d.isStream) return;
    const dest = d.mapping.DestinationConfig;
    if (isObj(dest) && isObj(dest.OnFailure) && dest.OnFailure.Destination !== undefined) return;
    const retries = d.mapping.MaximumRetryAttempts ?? defaultOf("mapping.MaximumRetryAttempts");
    const ageLimit = d.mapping.MaximumRecordAgeInSeconds ?? defaultOf("mapping.MaximumRecordAgeInSeconds");
    const finite = (v: unknown) => typeof v === "number" && v !== NO_LIMIT;
    const key = finite(retries) ? "MaximumRetryAttempts" : finite(ageLimit) ? "MaximumRecordAgeInSeconds" : null;
    if (key === null) return;
    const page = d.type === "dynamodb" ? PAGES.DDB_ERR : PAGES.KIN_ERR;
    d.warn(
      ["mapping", key],
      `${String(key === "MaximumRetryAttempts" ? retries : ageLimit)} lets the mapping discard records it gives up on, and there is no DestinationConfig.OnFailure: discarded records will be dropped, with nothing recording which ones (records.onFailureDropped, DroppedEventCount); to keep their metadata add an SQS queue, SNS topic or S3 bucket as OnFailure destination (see ${page})`,
    );
  },
};

const disabledPeriodsInOrder: Rule = {
  name: "disabledPeriodsInOrder",
  says: "each disabled period ends after it starts, and the periods do not overlap",
  url: null,
  check(d) {
    if (!d.isStream || !Array.isArray(d.mapping.disabledPeriods)) return;
    let prevEnd = -1;
    let prevOk = true;
    d.mapping.disabledPeriods.forEach((p, i) => {
      if (!isObj(p)) return;
      const from = parseDurationUs(p.from);
      const to = p.to === undefined ? Infinity : parseDurationUs(p.to);
      if (from === null || to === null) return;
      if (to <= from) d.err(["mapping", "disabledPeriods", i, "to"], `must be after from (${String(p.from)}) (got ${String(p.to)})`);
      else if (prevOk && from < prevEnd) d.err(["mapping", "disabledPeriods", i, "from"], `must not overlap the previous period, listed in time order (got ${String(p.from)})`);
      prevOk = to > from;
      prevEnd = to;
    });
  },
};

const eventNameWeights: Rule = {
  name: "eventNameWeights",
  says: "a producer's eventNames has at least one positive weight",
  url: null,
  check(d) {
    if (!d.isStream || !Array.isArray(d.doc.traffic)) return;
    d.doc.traffic.forEach((t, i) => {
      if (!isObj(t) || !isObj(t.eventNames)) return;
      const ws = Object.values(t.eventNames).filter((w): w is number => typeof w === "number");
      if (ws.length === Object.keys(t.eventNames).length && !ws.some((w) => w > 0)) {
        d.err(["traffic", i, "eventNames"], "needs at least one positive weight among INSERT, MODIFY, REMOVE (got all 0)");
      }
    });
  },
};

const poisonRecordBlocksShard: Rule = {
  name: "poisonRecordBlocksShard",
  says: "under the defaults a failing record is retried until it expires, and its shard waits meanwhile",
  url: PAGES.KIN_ERR,
  check(d) {
    if (!d.isStream || !Array.isArray(d.fn.failures)) return;
    const retries = d.mapping.MaximumRetryAttempts ?? defaultOf("mapping.MaximumRetryAttempts");
    const ageLimit = d.mapping.MaximumRecordAgeInSeconds ?? defaultOf("mapping.MaximumRecordAgeInSeconds");
    if (retries !== NO_LIMIT || ageLimit !== NO_LIMIT) return;
    const keyed = d.fn.failures.findIndex((r) => isObj(r) && isObj(r.when) && r.when.key !== undefined && r.when.attempt === undefined && (r.effect === "error" || r.effect === "timeout"));
    if (keyed >= 0) {
      const expires = d.type === "dynamodb" ? `${defaultOf("source.RetentionPeriodHours", "dynamodb")} hours` : "the stream's retention";
      d.warn(["function", "failures", keyed], `a record that always fails is retried until it expires (${expires}) and blocks its shard meanwhile: MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1 (no limit)`);
    }
  },
};

// --- queues and concurrency ------------------------------------------------------------------------------------------

const visibilityCoversTimeout: Rule = {
  name: "visibilityCoversTimeout",
  says: "a queue's visibility timeout is at least the function timeout (AWS checks on create), and AWS recommends 6 x the timeout + the batching window",
  url: PAGES.SQS_CFG,
  check(d) {
    const timeoutS = accepted(d, "function.Timeout");
    const vtS = accepted(d, "source.VisibilityTimeout");
    if (!d.isQueue || (timeoutS === undefined && d.fn.Timeout !== undefined) || (vtS === undefined && d.source.VisibilityTimeout !== undefined)) return;
    const t = timeoutS ?? defaultOf("function.Timeout");
    const vt = vtS ?? defaultOf("source.VisibilityTimeout");
    const windowS = accepted(d, "mapping.MaximumBatchingWindowInSeconds") ?? defaultOf("mapping.MaximumBatchingWindowInSeconds");
    if (t > vt) {
      d.err(["function", "Timeout"], `Queue visibility timeout: ${vt} seconds is less than Function timeout: ${t} seconds`);
    } else if (vt < 6 * t + windowS) {
      d.warn(["source", "VisibilityTimeout"], `${vt} s is below 6 x function Timeout (${t} s) + MaximumBatchingWindowInSeconds (${windowS} s) = ${6 * t + windowS} s, which AWS recommends so throttled batches can be retried before their messages reappear`);
    }
  },
};

/** The function's reserved concurrency when the schema accepts it. */
const reservedOf = (d: RuleInput) => accepted(d, "function.ReservedConcurrentExecutions");

const unreservedMinimum: Rule = {
  name: "unreservedMinimum",
  says: "reserving concurrency leaves at least 100 unreserved in the account",
  url: PAGES.CONC,
  check(d) {
    const scalingBlock = isObj(d.doc.scaling) ? d.doc.scaling : {};
    const accountLimit = accepted(d, "account.ConcurrentExecutions") ?? intIn(scalingBlock.accountConcurrency, 1, 1e9) ?? defaultOf("account.ConcurrentExecutions");
    const reserved = reservedOf(d);
    if (reserved !== undefined && reserved > accountLimit - 100) {
      d.err(["function", "ReservedConcurrentExecutions"], `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]. (account ConcurrentExecutions is ${accountLimit}, so at most ${Math.max(0, accountLimit - 100)} can be reserved; got ${reserved})`);
    }
  },
};

const maximumConcurrencyWithinReserved: Rule = {
  name: "maximumConcurrencyWithinReserved",
  says: "AWS advises against a MaximumConcurrency above the function's reserved concurrency",
  url: PAGES.SQS_SCALE,
  check(d) {
    const reserved = reservedOf(d);
    const maxConc = accepted(d, "mapping.ScalingConfig.MaximumConcurrency");
    if (d.isQueue && reserved !== undefined && maxConc !== undefined && maxConc > reserved) {
      d.warn(["mapping", "ScalingConfig", "MaximumConcurrency"], `${maxConc} is above the function's ReservedConcurrentExecutions (${reserved}); AWS advises against it: Lambda may throttle your messages`);
    }
  },
};

const reservedCoversStartingPollers: Rule = {
  name: "reservedCoversStartingPollers",
  says: "AWS advises reserving at least 5, the concurrency an SQS mapping starts with",
  url: PAGES.SQS_SCALE,
  check(d) {
    const reserved = reservedOf(d);
    if (d.isQueue && reserved !== undefined && reserved < 5 && accepted(d, "mapping.ScalingConfig.MaximumConcurrency") === undefined) {
      d.warn(["function", "ReservedConcurrentExecutions"], `${reserved} is below 5, the mapping's starting concurrency; without ScalingConfig.MaximumConcurrency its pollers will be throttled (AWS advises reserving at least 5)`);
    }
  },
};

/** ProvisionedPollerConfig on a queue, or undefined. */
const provisionedOf = (d: RuleInput) => (d.isQueue && isObj(d.mapping.ProvisionedPollerConfig) ? d.mapping.ProvisionedPollerConfig : undefined);

const pollersInOrder: Rule = {
  name: "pollersInOrder",
  says: "MinimumPollers is not greater than MaximumPollers",
  url: PAGES.PROVISIONED,
  check(d) {
    const ppc = provisionedOf(d);
    if (!ppc) return;
    const minP = accepted(d, "mapping.ProvisionedPollerConfig.MinimumPollers") ?? defaultOf("mapping.ProvisionedPollerConfig.MinimumPollers");
    const maxP = accepted(d, "mapping.ProvisionedPollerConfig.MaximumPollers") ?? defaultOf("mapping.ProvisionedPollerConfig.MaximumPollers");
    if (minP > maxP) {
      d.err(["mapping", "ProvisionedPollerConfig", ppc.MinimumPollers !== undefined ? "MinimumPollers" : "MaximumPollers"], `MinimumPollers (${minP}) must not be greater than MaximumPollers (${maxP})`);
    }
  },
};

const provisionedExcludesMaximumConcurrency: Rule = {
  name: "provisionedExcludesMaximumConcurrency",
  says: "provisioned mode and ScalingConfig.MaximumConcurrency are mutually exclusive",
  url: PAGES.PROVISIONED,
  check(d) {
    if (provisionedOf(d) && isObj(d.mapping.ScalingConfig) && d.mapping.ScalingConfig.MaximumConcurrency !== undefined) {
      d.err(["mapping", "ScalingConfig", "MaximumConcurrency"], "cannot be used with ProvisionedPollerConfig: in provisioned mode you control concurrency through MaximumPollers (AWS: the two are mutually exclusive)");
    }
  },
};

const provisionedNeedsProfile: Rule = {
  name: "provisionedNeedsProfile",
  says: "provisioned mode exists only in profiles from its launch on",
  url: PAGES.PROVISIONED,
  check(d) {
    if (!provisionedOf(d)) return;
    const profile = typeof d.doc.profile === "string" ? d.doc.profile : "current";
    const overridden = isObj(d.doc.scaling) && typeof d.doc.scaling.provisionedScaleUpPerMinute === "number";
    const p = PROFILES[profile];
    if (p && p.figures.provisionedScaleUpPerMinute.value === null && !overridden) {
      d.err(["mapping", "ProvisionedPollerConfig"], `provisioned mode for SQS did not exist in profile ${profile} (as of ${p.asOf}); it launched on 2025-11-14: use profile: current`);
    }
  },
};

const maxReceiveCountAtLeastFive: Rule = {
  name: "maxReceiveCountAtLeastFive",
  says: "AWS recommends a maxReceiveCount of at least 5",
  url: PAGES.SQS_CFG,
  check(d) {
    const mrc = accepted(d, "source.RedrivePolicy.maxReceiveCount");
    if (d.isQueue && mrc !== undefined && mrc < 5) {
      d.warn(["source", "RedrivePolicy", "maxReceiveCount"], `${mrc} is below 5, which AWS recommends so that throttles and back-off alone do not move valid messages to the DLQ`);
    }
  },
};

// --- the function ---------------------------------------------------------------------------------------------------

const failureRules: Rule = {
  name: "failureRules",
  says: "partial batch responses take effect with FunctionResponseTypes: [ReportBatchItemFailures]; a failure window ends after it starts",
  url: PAGES.SQS_ERR,
  check(d) {
    if (!Array.isArray(d.fn.failures)) return;
    const rbif = Array.isArray(d.mapping.FunctionResponseTypes) && d.mapping.FunctionResponseTypes.includes("ReportBatchItemFailures");
    d.fn.failures.forEach((rule, i) => {
      if (!isObj(rule)) return;
      const at: Path = ["function", "failures", i, "effect"];
      if (rule.effect === "partial" && !rbif) {
        d.warn(at, `partial has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS ignores the batchItemFailures and ${d.isStream ? "checkpoints the whole batch" : "deletes every message"} as succeeded`);
      }
      if (rule.effect === "partial-unread" && !rbif) {
        d.warn(at, "partial-unread has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS reads no response, wherever it holds its batchItemFailures");
      }
      if (rule.effect === "partial-invalid" && !rbif) {
        d.warn(at, "partial-invalid has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS does not read the response, so the batch counts as succeeded");
      }
      const when = isObj(rule.when) ? rule.when : undefined;
      if (when) {
        const from = parseDurationUs(when.from);
        const to = parseDurationUs(when.to);
        if (from !== null && to !== null && to <= from) d.err(["function", "failures", i, "when", "to"], `must be after from (${String(when.from)}) (got ${String(when.to)})`);
      }
    });
  },
};

/** writesBack (lambda/write-back.ts): streams only, JSON data, and a loop that ends. */
const writesBack: Rule = {
  name: "writesBack",
  says: "Lambda's recursive loop detection stops a function writing to its own queue; a stream write-back loop needs an end",
  url: PAGES.RECURSION,
  check(d) {
    const wb = d.fn.writesBack;
    if (!isObj(wb)) return;
    if (d.isQueue) {
      d.err(["function", "writesBack"], `applies to kinesis and dynamodb sources, not ${d.type}: esm-sim does not model a function writing back to its own queue (Lambda's recursive loop detection stops SQS loops; see ${PAGES.RECURSION})`);
      return;
    }
    if ("data" in wb) {
      const bad = nonJson(wb.data, ["function", "writesBack", "data"]);
      if (bad) d.err(bad.path, `must be JSON-compatible data (${bad.why}) (got ${bad.got})`);
      else if (d.type === "dynamodb" && !isObj(preparePayload(wb.data).value)) {
        d.err(["function", "writesBack", "data"], `must be a map of attributes for a dynamodb source: the data is the written item's NewImage (got ${notAMap(wb.data)})`);
      }
    }
    const perRecord = typeof wb.perRecord === "number" ? wb.perRecord : wb.perRecord === undefined ? 1 : undefined;
    const unbounded = wb.maxDepth === undefined || wb.maxDepth === null;
    if (d.isStream && d.doc.until === undefined && unbounded && perRecord !== undefined && perRecord >= 1 && d.mapping.FilterCriteria === undefined) {
      d.warn(["function", "writesBack"], `writes back ${perRecord} record(s) per processed record with no maxDepth and no FilterCriteria: the loop never ends, so the run stops only at its event or record budget; set until (e.g. until: 10m)`);
    }
  },
};

// --- traffic ----------------------------------------------------------------------------------------------------------

const untilPositive: Rule = {
  name: "untilPositive",
  says: "until is a positive duration",
  url: null,
  check(d) {
    if (d.doc.until !== undefined && parseDurationUs(d.doc.until) === 0) d.err(["until"], "must be a positive duration (got 0)");
  },
};

const kinesisRecordSize: Rule = {
  name: "kinesisRecordSize",
  says: "a Kinesis record holds at most 10 MiB of data; one over the 6 MB invocation payload is warned about",
  url: PAGES.KDS_PUT,
  check(d) {
    if (d.type !== "kinesis" || !Array.isArray(d.doc.traffic)) return;
    d.doc.traffic.forEach((t, i) => {
      if (!isObj(t) || t.recordSize === undefined) return;
      const bytes = parseSizeBytes(t.recordSize);
      if (bytes === null) return; // the schema tells it
      const at: Path = ["traffic", i, "recordSize"];
      if (bytes > KINESIS_RECORD_MAX_BYTES) {
        d.err(at, `must be at most 10 MiB (10,485,760 bytes), the most data a Kinesis record holds (PutRecords: "Maximum length of 10485760") (got ${String(t.recordSize)})`);
      } else if (bytes > INVOKE_PAYLOAD_MAX_BYTES) {
        d.warn(at, `a record of ${String(t.recordSize)} is larger than the 6 MB payload of a synchronous invocation, which a batch must fit; AWS does not say what the mapping does with such a record, and esm-sim invokes it alone`);
      }
    });
  },
};

const producers: Rule = {
  name: "producers",
  says: "a producer is steady (rate, from, to) or a burst (at, records), with keys and duplicates that fit the source",
  url: PAGES.SEND_MESSAGE,
  check(d) {
    if (!Array.isArray(d.doc.traffic)) return;
    const type = d.type;
    d.doc.traffic.forEach((t, i) => {
      if (!isObj(t)) return;
      const p = (k: string): Path => ["traffic", i, k];
      const steady = t.rate !== undefined;
      const burst = t.at !== undefined || t.records !== undefined;
      const replay = t.fromMetrics !== undefined;
      if (!replay && steady && burst) return d.err(["traffic", i], "a producer is either steady (rate, from, to) or a one-off burst (at, records), not both");
      if (!replay && !steady && !burst) return d.err(["traffic", i], "a producer needs either rate (steady arrivals), at + records (a one-off burst) or fromMetrics (a replay of a CloudWatch export)");
      if (t.key !== undefined && t.keys !== undefined) d.err(p("keys"), "give either key (one literal key) or keys (a number of distinct keys), not both");
      if (t.zipfExponent !== undefined && t.keyDistribution !== "zipf") d.err(p("zipfExponent"), "applies only with keyDistribution: zipf");
      if (t.key !== undefined && t.keyDistribution !== undefined) d.err(p("keyDistribution"), "applies only with keys (a single literal key has no distribution)");
      if (t.duplicateSendAfter !== undefined && t.duplicateSendRate === undefined) d.err(p("duplicateSendAfter"), "applies only with duplicateSendRate (when the producer's retry is sent)");
      if (t.deduplicationId !== undefined && type !== undefined && type !== "sqs-fifo") d.err(p("deduplicationId"), `${appliesTo(["sqs-fifo"], "traffic")}, not ${type}`);
      if (type === "sqs-fifo" && t.deduplicationId === "content" && d.source.ContentBasedDeduplication !== true) {
        // SQS's SendMessage error text.
        d.err(p("deduplicationId"), "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly (set source.ContentBasedDeduplication: true, or deduplicationId: message)");
      }
      if (replay) return; // the rule replays checks its shape
      if (steady) {
        if (t.at !== undefined) d.err(p("at"), "applies to one-off bursts, not to a producer with rate");
        const from = parseDurationUs(t.from ?? 0);
        const to = t.to === undefined ? parseDurationUs(d.doc.until) : parseDurationUs(t.to);
        if (t.to === undefined && d.doc.until === undefined) d.err(p("rate"), "a steady producer needs `to` (when it stops) unless the scenario sets `until`");
        if (from !== null && to !== null && to <= from) d.err(t.to === undefined ? ["until"] : p("to"), `must be after the producer's from (${String(t.from ?? 0)}) (got ${String(t.to ?? d.doc.until)})`);
      } else {
        if (t.arrival !== undefined) d.err(p("arrival"), "applies only to steady producers (with rate)");
        if (t.from !== undefined || t.to !== undefined) d.err(p(t.from !== undefined ? "from" : "to"), "applies only to steady producers (with rate); a burst uses at");
        if (t.at === undefined) d.err(p("records"), "a burst needs at (when it happens)");
      }
    });
  },
};

/** What each source type replays: the CloudWatch metric whose Sum counts the records its producers put in. */
export const REPLAY_METRICS: Readonly<Record<string, { metric: string; service: string }>> = {
  sqs: { metric: "NumberOfMessagesSent", service: "SQS" },
  "sqs-fifo": { metric: "NumberOfMessagesSent", service: "SQS" },
  kinesis: { metric: "IncomingRecords", service: "Kinesis" },
};

/** Why a DynamoDB stream cannot be replayed from CloudWatch. */
export const DYNAMODB_NO_REPLAY =
  "DynamoDB Streams publishes no CloudWatch metric that counts the records written to a stream (its stream metrics, ReturnedRecordsCount and ReturnedBytes, count what GetRecords calls return, for every reader); give the table's writes as steady producers (rate) or bursts (at, records) instead";

/** A replay (fromMetrics): which keys go with it, and whether the metric and statistic count records of this source. */
function replayShape(d: RuleInput, t: Obj, i: number): void {
  const p = (...k: string[]): Path => ["traffic", i, ...k];
  for (const k of ["rate", "to", "at", "records"]) {
    if (t[k] !== undefined) d.err(p(k), `does not go with fromMetrics: a replay sends what the export counts in each of its periods, from the entry's from (0 by default) to the end of the export's last period; ${k === "to" ? "to replay part of it, cut the export or set the scenario's until" : "give another producer for extra traffic"}`);
  }
  const fm = t.fromMetrics;
  if (!isObj(fm)) return;
  if (d.type === "dynamodb") {
    d.err(p("fromMetrics"), `cannot replay a dynamodb source: ${DYNAMODB_NO_REPLAY}`);
    return;
  }
  const want = d.type === undefined ? undefined : REPLAY_METRICS[d.type];
  if (want && typeof fm.metric === "string" && fm.metric !== want.metric) {
    const other = Object.entries(REPLAY_METRICS).find(([, v]) => v.metric === fm.metric);
    const why = other ? `${fm.metric} is the ${other[1].service} metric` : `${JSON.stringify(fm.metric)} is not a metric that counts the records put in a source`;
    d.err(p("fromMetrics", "metric"), `must be ${want.metric} for a ${d.type} source, the ${want.service} metric whose Sum is the number of records sent in each period; ${why} (got ${JSON.stringify(fm.metric)})`);
  }
  if (fm.statistic !== undefined && fm.statistic !== "Sum") {
    d.err(p("fromMetrics", "statistic"), `must be Sum: only a period's Sum is the number of records sent in it (Average, Minimum and Maximum describe the individual data points CloudWatch received, SampleCount counts them) (got ${JSON.stringify(fm.statistic)})`);
  }
}

const replays: Rule = {
  name: "replays",
  says: "a replay (fromMetrics) names the metric whose Sum counts the records sent to the source (NumberOfMessagesSent for SQS, IncomingRecords for Kinesis), with no rate, to, at or records",
  url: PAGES.CW_SQS,
  check(d) {
    if (!Array.isArray(d.doc.traffic)) return;
    d.doc.traffic.forEach((t, i) => {
      if (isObj(t) && t.fromMetrics !== undefined) replayShape(d, t, i);
    });
  },
};

/** The records the producers will send in all, as far as their values parse (producers of a bad shape count none). */
function plannedRecords(doc: Obj): number {
  const untilUs = parseDurationUs(doc.until);
  let total = 0;
  for (const t of Array.isArray(doc.traffic) ? doc.traffic : []) {
    if (!isObj(t)) continue;
    const steady = t.rate !== undefined;
    if (steady === (t.at !== undefined || t.records !== undefined)) continue;
    if (!steady) {
      // A count the schema refuses is said there, once: it adds nothing here.
      const n = intOr(t.records) ?? 1;
      if (n <= MAX_BURST_RECORDS) total += n;
      continue;
    }
    const rate = parseRatePerSecond(t.rate);
    const from = parseDurationUs(t.from ?? 0);
    const to = t.to === undefined ? untilUs : parseDurationUs(t.to);
    if (rate !== null && from !== null && to !== null && to > from) total += (rate * (to - from)) / 1e6;
  }
  return total;
}

const waitingRecords: Rule = {
  name: "waitingRecords",
  says: `at most ${formatCount(MAX_WAITING_RECORDS)} records wait in the source at once (esm-sim holds each in memory)`,
  url: null,
  check(d) {
    if (!Array.isArray(d.doc.traffic)) return;
    const waiting = formatCount(MAX_WAITING_RECORDS);
    let ratePerS = 0;
    const burstAt = new Map<number, number>();
    d.doc.traffic.forEach((t, i) => {
      if (!isObj(t)) return;
      if (t.rate !== undefined && t.at === undefined && t.records === undefined) {
        ratePerS += parseRatePerSecond(t.rate) ?? 0;
        return;
      }
      const n = intOr(t.records) ?? 1;
      if (n > MAX_BURST_RECORDS) return; // the schema's to refuse, saying why
      const at = parseDurationUs(t.at);
      if (at !== null) {
        const sum = (burstAt.get(at) ?? 0) + n;
        burstAt.set(at, sum);
        if (sum > MAX_WAITING_RECORDS && sum - n <= MAX_WAITING_RECORDS) {
          d.err(["traffic", i, "records"], `bursts at ${String(t.at)} add up to ${formatCount(sum)} records at once; esm-sim holds at most ${waiting} waiting records (about 1 GB of memory): spread them over time`);
        }
      }
    });
    if (ratePerS > MAX_WAITING_RECORDS) {
      d.err(["traffic"], `the producers send ${formatCount(Math.round(ratePerS))} records a second together; esm-sim holds at most ${waiting} waiting records (about 1 GB of memory), so rates are limited to ${waiting}/s in total`);
    }
    const total = plannedRecords(d.doc);
    if (d.mapping.Enabled === false && total > MAX_WAITING_RECORDS) {
      d.err(["mapping", "Enabled"], `with Enabled: false nothing is consumed, so all ${formatCount(Math.round(total))} records would wait at once; esm-sim holds at most ${waiting} (about 1 GB of memory): produce fewer records`);
    }
  },
};

const totalRecords: Rule = {
  name: "totalRecords",
  says: `a scenario produces at most ${formatCount(MAX_RECORDS_TOTAL)} records`,
  url: null,
  check(d) {
    const total = plannedRecords(d.doc);
    if (total > MAX_RECORDS_TOTAL) {
      d.err(["traffic"], `would produce about ${formatCount(Math.round(total))} records, more than esm-sim's limit of ${formatCount(MAX_RECORDS_TOTAL)}: lower the rates or shorten the producers' from..to`);
    }
  },
};

// --- expectations, quiz and scaling overrides --------------------------------------------------------------------------

/**
 * Why a report field is not in this source's report, or null when it is: `sqs.*` is reported for queues only,
 * `stream.*` for streams only, and each CloudWatch metric for the sources AWS publishes it for.
 */
function fieldOfAnotherSource(d: RuleInput, path: string): string | null {
  if (path.startsWith("stream.") && d.isQueue) return `is a stream report field (kinesis, dynamodb), not reported for ${d.type} sources`;
  if (path.startsWith("sqs.") && d.isStream) return `is an SQS report field (sqs, sqs-fifo), not reported for ${d.type} sources`;
  if (!path.startsWith("cloudwatch.") || !(d.isQueue || d.isStream)) return null;
  const source = cloudwatchSourceOf(d.type ?? "", isObj(d.doc.mapping) && d.doc.mapping.enhancedFanOut === true);
  const cwSources = cloudwatchMetricSources(path.slice("cloudwatch.".length), source);
  return cwSources ? `is a CloudWatch metric AWS publishes for ${cwSources}, not for ${source === "kinesis-efo" ? "kinesis with enhanced fan-out" : d.type}` : null;
}

const expectations: Rule = {
  name: "expectations",
  says: "expect names report fields this source reports, each with checks of the field's kind",
  url: null,
  check(d) {
    if (!isObj(d.doc.expect)) return;
    for (const [path, checks] of Object.entries(d.doc.expect)) {
      // Own keys only: `toString` or `__proto__` are not report fields.
      const kind = Object.hasOwn(METRIC_PATHS, path) ? METRIC_PATHS[path] : undefined;
      if (kind && path.startsWith("coldStarts.") && !(isObj(d.doc.function) && d.doc.function.coldStart !== undefined)) {
        d.err(["expect", path], "is reported only when function.coldStart is set (cold starts are not modelled without it)");
        continue;
      }
      const otherSource = kind ? fieldOfAnotherSource(d, path) : null;
      if (otherSource) {
        d.err(["expect", path], otherSource);
        continue;
      }
      if (!kind) {
        // A group of fields (records, duplicatesByCause, sqs...): name its fields rather than every field.
        const inGroup = Object.keys(METRIC_PATHS).filter((p) => p.startsWith(`${path}.`));
        if (inGroup.length > 0) {
          d.err(["expect", path], `is a group of report fields, not one; name one of them: ${inGroup.join(", ")}`);
          continue;
        }
        const s = suggest(path, Object.keys(METRIC_PATHS));
        d.err(["expect", path], `is not a report field${s ? ` (did you mean "${s}"?)` : ""}; fields: ${Object.keys(METRIC_PATHS).join(", ")}`);
        continue;
      }
      if (!isObj(checks)) continue;
      if (Object.keys(checks).length === 0) d.err(["expect", path], "needs at least one check: eq, ne, lt, lte, gt or gte");
      for (const [op, v] of Object.entries(checks)) {
        if (kind === "bool" && ["lt", "lte", "gt", "gte"].includes(op)) {
          d.err(["expect", path, op], `${path} is true or false, which has no order: check it with eq or ne (got ${op})`);
          continue;
        }
        if (!["eq", "ne", "lt", "lte", "gt", "gte"].includes(op) || expectationValue(kind, v, path) !== null) continue;
        const allowed = kind === "bool" ? "true or false" : kind === "ms" ? `a duration such as 5m or 250ms, or a number of ${bareTimeUnit(path) === "s" ? "seconds" : "milliseconds (CloudWatch's unit for this metric)"}` : "a number";
        d.err(["expect", path, op], `must be ${allowed} (got ${typeof v === "string" ? JSON.stringify(v) : String(v)})`);
      }
    }
  },
};

const quizAnswers: Rule = {
  name: "quizAnswers",
  says: "each quiz answer is a report field this source reports, or a trace count",
  url: null,
  check(d) {
    if (!Array.isArray(d.doc.quiz)) return;
    d.doc.quiz.forEach((q, i) => {
      if (!isObj(q) || typeof q.answer !== "string") return;
      const a = parseAnswer(q.answer);
      if (typeof a === "string") d.err(["quiz", i, "answer"], a);
      else if (a.kind === "report") {
        const otherSource = fieldOfAnotherSource(d, a.path);
        if (otherSource) d.err(["quiz", i, "answer"], `${a.path} ${otherSource}`);
      }
    });
  },
};

const WHOLE_FIGURES = ["initialConcurrency", "maxConcurrency", "receiveMaxMessages", "backoffMinConcurrency", "accountConcurrency", "functionScalingBurst", "provisionedInvokesPerPoller", "fifoLookAheadMessages", "fifoInFlightMax"];
const MS_FIGURES = ["environmentIdleLifetimeMs", "scaleTickMs", "scaleDownIntervalMs", "longPollWaitMs", "throttleRetryInitialMs", "throttleRetryMaxMs", "streamRetryInitialMs", "streamRetryMaxMs"];
const POSITIVE_FIGURES = ["functionScalingPer10s", "provisionedScaleUpPerMinute", "provisionedReceivesPerPollerPerS", "provisionedBytesPerPollerPerS"];

const scalingOverrides: Rule = {
  name: "scalingOverrides",
  says: "a scaling figure overridden is a number of its kind (null only where the figure allows it)",
  url: null,
  check(d) {
    if (!isObj(d.doc.scaling)) return;
    for (const [k, v] of Object.entries(d.doc.scaling)) {
      const why = scalingFigureProblem(k, v);
      if (why !== null) d.err(["scaling", k], why);
    }
  },
};

/** What is wrong with scaling figure `k` set to `v`, the most specific problem only (-1 is not also "not a whole
 *  number"), or null. What is not a finite number or null (NaN, infinities, a map) is the schema's to refuse. */
function scalingFigureProblem(k: string, v: unknown): string | null {
  if (v === null) return (NULLABLE_FIGURES as readonly string[]).includes(k) ? null : `may be null only for ${NULLABLE_FIGURES.join(", ")}`;
  if (typeof v !== "number" || !Number.isFinite(v)) return null;
  if (WHOLE_FIGURES.includes(k) && (v < 1 || !Number.isInteger(v))) return `must be a whole number of at least 1 (got ${v})`;
  if (v < 0) return `must be a non-negative number (got ${v})`;
  if (MS_FIGURES.includes(k) && v < 1) return `must be at least 1 ms (got ${v})`;
  if (POSITIVE_FIGURES.includes(k) && v <= 0) return `must be above 0 (got ${v})`;
  if (k === "scaleTickMs" && v > MAX_SCALE_TICK_MS) return `must be at most ${MAX_SCALE_TICK_MS} ms (got ${v})`;
  return null;
}

/**
 * Every rule, in the order their problems are found. Problems are shown sorted by position, so the order shows only
 * in which problems are listed when there are more than parse.ts lists; it is the order they have always been found
 * in (rules for different source types may sit in either order).
 */
export const RULES: readonly Rule[] = [
  supportedSource,
  keysOfAnotherType("source"),
  fifoDeliversOnce,
  queueName,
  streamArn,
  fifoQueueFlag,
  deadLetterQueueType,
  keysOfAnotherType("mapping"),
  eventNamesOnDynamoDb,
  noDestinationOnSqs,
  filtering,
  sourceRanges("source"),
  startingPosition,
  atTimestampNeedsTimestamp,
  timestampNotInFuture,
  sourceRanges("mapping"),
  largeSqsBatchNeedsWindow,
  streamDestination,
  discardedWithoutDestination,
  disabledPeriodsInOrder,
  eventNameWeights,
  poisonRecordBlocksShard,
  visibilityCoversTimeout,
  unreservedMinimum,
  maximumConcurrencyWithinReserved,
  reservedCoversStartingPollers,
  pollersInOrder,
  provisionedExcludesMaximumConcurrency,
  provisionedNeedsProfile,
  maxReceiveCountAtLeastFive,
  failureRules,
  writesBack,
  untilPositive,
  producers,
  kinesisRecordSize,
  replays,
  waitingRecords,
  totalRecords,
  expectations,
  quizAnswers,
  scalingOverrides,
];

export function checkRules(doc: unknown): RuleFinding[] {
  const out: RuleFinding[] = [];
  if (!isObj(doc)) return out;
  const source = isObj(doc.source) ? doc.source : {};
  const type = typeof source.type === "string" ? source.type : undefined;
  const d: RuleInput = {
    doc,
    source,
    mapping: isObj(doc.mapping) ? doc.mapping : {},
    fn: isObj(doc.function) ? doc.function : {},
    type,
    isQueue: type === "sqs" || type === "sqs-fifo",
    isStream: type === "kinesis" || type === "dynamodb",
    out,
    err: (path, message) => out.push({ severity: "error", path, message }),
    warn: (path, message) => out.push({ severity: "warning", path, message }),
  };
  for (const rule of RULES) rule.check(d);
  return out;
}
