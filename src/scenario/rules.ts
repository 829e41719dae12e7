/**
 * Rules that span keys, which a per-key schema cannot express: which keys apply to which source, ranges that
 * depend on the source type, AWS's create-time validations (with AWS's own error text), traffic shape, and
 * expectation paths. Also the lint warnings (never fatal).
 *
 * They read the document as the user wrote it (plain JS values), guard every type, and skip what the schema
 * already rejects, so that every problem is reported once and all at once.
 *
 * AWS texts: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (batch window rule, OnSuccess on SQS),
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (6 x timeout, maxReceiveCount >= 5),
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (100 unreserved).
 * Streams: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
 * (StartingPosition required, StartingPositionTimestamp not in the future, MaximumRecordAgeInSeconds -1 or >= 60),
 * https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html (DynamoDB: TRIM_HORIZON or LATEST only),
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (SQS, SNS or S3 destinations).
 */
import { parseFilterCriteria, preparePayload, type FilterSource } from "../filter/filter-pattern.js";
import { NULLABLE_FIGURES, PROFILES } from "../esm/profiles.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { expectationValue, SIM_EPOCH_UNIX_S } from "./model.js";
import { parseAnswer } from "./quiz-answer.js";
import type { Path } from "./locate.js";
import { suggest } from "./show.js";
import { parseDurationUs, parseRatePerSecond } from "./units.js";

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
/** The value when it is an integer within the key's own range (the schema reports it otherwise), else undefined. */
const intIn = (v: unknown, min: number, max: number): number | undefined => {
  const i = intOr(v);
  return i !== undefined && i >= min && i <= max ? i : undefined;
};

/** Source types this version simulates. */
export const SUPPORTED_SOURCES = ["sqs", "sqs-fifo", "kinesis", "dynamodb"] as const;

const STREAM_ONLY_SOURCE_KEYS = ["ShardCount", "RetentionPeriodHours", "StreamArn", "StreamName"];
const QUEUE_ONLY_SOURCE_KEYS = ["QueueName", "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "RedrivePolicy", "FifoQueue", "duplicateDeliveryRate"];
const FIFO_ONLY_SOURCE_KEYS = ["ContentBasedDeduplication"];
const STREAM_ONLY_MAPPING_KEYS = [
  "StartingPosition",
  "StartingPositionTimestamp",
  "ParallelizationFactor",
  "MaximumRetryAttempts",
  "MaximumRecordAgeInSeconds",
  "BisectBatchOnFunctionError",
  "TumblingWindowInSeconds",
  "startAt",
  "disabledPeriods",
];

/**
 * The keys of `known` (the schema's keys at `path`) that apply to a source of `type`: the list an "unknown key"
 * message offers. The schema has one shape for every source; the rules below reject the keys of another source type,
 * so offering them would only lead to the next error. All of `known` when the type is not one of ours.
 */
export function keysApplyingTo(path: readonly (string | number)[], type: unknown, known: readonly string[]): string[] {
  const isQueue = type === "sqs" || type === "sqs-fifo";
  const isStream = type === "kinesis" || type === "dynamodb";
  if (!isQueue && !isStream) return [...known];
  const drop = new Set<string>();
  if (path.length === 1 && path[0] === "source") {
    for (const k of isQueue ? STREAM_ONLY_SOURCE_KEYS : QUEUE_ONLY_SOURCE_KEYS) drop.add(k);
    if (type !== "sqs-fifo") for (const k of FIFO_ONLY_SOURCE_KEYS) drop.add(k);
    if (type === "sqs-fifo") drop.add("duplicateDeliveryRate");
  } else if (path.length === 1 && path[0] === "mapping") {
    if (isQueue) for (const k of [...STREAM_ONLY_MAPPING_KEYS, "DestinationConfig"]) drop.add(k);
    else for (const k of ["ScalingConfig", "ProvisionedPollerConfig"]) drop.add(k);
  } else if (path.length === 1 && path[0] === "function" && isQueue) {
    drop.add("writesBack");
  } else if (path.length === 2 && path[0] === "traffic" && type !== "dynamodb") {
    drop.add("eventNames");
  }
  return known.filter((k) => !drop.has(k));
}

/** FilterCriteria (parsed with filter/filter-pattern.ts, problems placed inside the Pattern string) and traffic
 *  `data` (JSON-compatible; a map for DynamoDB items). Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html */
function checkFiltering(doc: Obj, type: string | undefined, out: RuleFinding[]): void {
  const mapping = isObj(doc.mapping) ? doc.mapping : {};
  const traffic = Array.isArray(doc.traffic) ? doc.traffic : [];
  const source = (["sqs", "sqs-fifo", "kinesis", "dynamodb"] as const).find((t) => t === type) as FilterSource | undefined;

  traffic.forEach((t, i) => {
    if (!isObj(t) || !("data" in t)) return;
    const bad = nonJson(t.data, ["traffic", i, "data"]);
    if (bad) out.push({ severity: "error", path: bad.path, message: `must be JSON-compatible data (${bad.why}) (got ${bad.got})` });
    else if (source === "dynamodb" && !isObj(preparePayload(t.data).value)) {
      out.push({ severity: "error", path: ["traffic", i, "data"], message: `must be a map of attributes for a dynamodb source: the data is the item's NewImage (got ${typeof t.data === "string" ? "a string that is not a JSON object" : Array.isArray(t.data) ? "a list" : String(t.data)})` });
    }
  });

  if (mapping.FilterCriteria === undefined || mapping.FilterCriteria === null) return;
  const base: Path = ["mapping", "FilterCriteria"];
  const r = parseFilterCriteria(mapping.FilterCriteria, source);
  // "shape" problems (not a map, Pattern not a string) are the schema's to report.
  for (const p of r.ok ? [] : r.problems) if (p.code !== "shape") out.push({ severity: "error", path: [...base, ...p.path], message: p.message, offset: p.offset });
  for (const p of r.warnings) out.push({ severity: "warning", path: [...base, ...p.path], message: p.message, offset: p.offset });
  if (!r.ok || r.filter.patterns.length === 0) return;

  if (!FILTERING_APPLIED) {
    out.push({ severity: "warning", path: base, message: "is valid, but this version of esm-sim does not apply it yet: every record reaches the function and records.filtered stays 0" });
  }
  const dataKey = source === "kinesis" ? "data" : source === "dynamodb" ? "dynamodb" : "body";
  const readsData = r.filter.paths.some((p) => p[0] === dataKey && (source !== "dynamodb" || p[1] === "NewImage" || p[1] === "OldImage"));
  if (readsData) {
    traffic.forEach((t, i) => {
      if (isObj(t) && !("data" in t)) {
        out.push({ severity: "warning", path: ["traffic", i], message: `has no data, so its records carry the payload {} (an empty JSON object) and FilterCriteria patterns on ${dataKey} see no fields: give this producer data: { ... }` });
      }
    });
  }
}

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

/** Upper total of records a scenario may produce: beyond it the run is refused up front. */
export const MAX_RECORDS_TOTAL = 1_000_000_000;
/**
 * The most records that may wait in the source at once. esm-sim holds every waiting record in memory (about
 * 200 bytes each, so 5,000,000 is about 1 GB); beyond it Node.js runs out of memory and dies without a message.
 * Scenarios that would exceed it at once (a burst, a rate over one second) are refused here; a backlog that
 * grows past it during a run stops the run (simulate.ts).
 */
export const MAX_WAITING_RECORDS = 5_000_000;
/** The longest scaling tick: the run loop relies on an event at least this often to watch the budgets. */
export const MAX_SCALE_TICK_MS = 60_000;

export function checkRules(doc: unknown): RuleFinding[] {
  const out: RuleFinding[] = [];
  const err = (path: Path, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: Path, message: string) => out.push({ severity: "warning", path, message });
  if (!isObj(doc)) return out;

  const source = isObj(doc.source) ? doc.source : {};
  const mapping = isObj(doc.mapping) ? doc.mapping : {};
  const fn = isObj(doc.function) ? doc.function : {};
  const type = typeof source.type === "string" ? source.type : undefined;
  const isQueue = type === "sqs" || type === "sqs-fifo";
  const isStream = type === "kinesis" || type === "dynamodb";

  // --- source type support -------------------------------------------------------------------
  if (type && (isQueue || isStream) && !(SUPPORTED_SOURCES as readonly string[]).includes(type)) {
    err(["source", "type"], `"${type}" sources are not supported yet by this version of esm-sim (supported: ${SUPPORTED_SOURCES.join(", ")})`);
  }

  // --- keys that do not apply to this source ----------------------------------------------------
  if (type) {
    for (const k of Object.keys(source)) {
      if (isQueue && STREAM_ONLY_SOURCE_KEYS.includes(k)) err(["source", k], `applies to kinesis and dynamodb sources, not ${type}`);
      if (isStream && QUEUE_ONLY_SOURCE_KEYS.includes(k)) err(["source", k], `applies to sqs and sqs-fifo sources, not ${type}`);
      if (type !== "sqs-fifo" && FIFO_ONLY_SOURCE_KEYS.includes(k)) err(["source", k], `applies to sqs-fifo sources only, not ${type}`);
    }
    if (type === "sqs-fifo" && source.duplicateDeliveryRate !== undefined) {
      err(["source", "duplicateDeliveryRate"], "applies to sqs (standard) sources only: a FIFO queue delivers each message exactly once; for producer retries use traffic duplicateSendRate");
    }
    if (isQueue && typeof source.QueueName === "string") {
      // AWS's CreateQueue texts (InvalidParameterValue), as seen in public reports.
      const name = source.QueueName;
      if (type === "sqs-fifo" && !/^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name)) {
        err(["source", "QueueName"], `The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length. (got ${JSON.stringify(name)})`);
      }
      if (type === "sqs" && !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
        err(["source", "QueueName"], `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (got ${JSON.stringify(name)}${name.endsWith(".fifo") ? "; a name ending in .fifo needs type: sqs-fifo" : ""})`);
      }
    }
    if (isQueue && typeof source.FifoQueue === "boolean" && source.FifoQueue !== (type === "sqs-fifo")) {
      err(["source", "FifoQueue"], `must be ${type === "sqs-fifo"} for a ${type} source (got ${source.FifoQueue})`);
    }
    for (const k of Object.keys(mapping)) {
      if (isQueue && STREAM_ONLY_MAPPING_KEYS.includes(k)) err(["mapping", k], `applies to kinesis and dynamodb sources, not ${type}`);
      if (isStream && (k === "ScalingConfig" || k === "ProvisionedPollerConfig")) err(["mapping", k], `applies to sqs and sqs-fifo sources only, not ${type}`);
    }
    if (Array.isArray(doc.traffic)) {
      doc.traffic.forEach((t, i) => {
        if (isObj(t) && t.eventNames !== undefined && type !== "dynamodb") err(["traffic", i, "eventNames"], `applies to dynamodb sources only, not ${type}`);
      });
    }
    if (isQueue && isObj(mapping.DestinationConfig)) {
      // AWS's own text for an SQS mapping with a destination, as CreateEventSourceMapping returns it.
      err(["mapping", "DestinationConfig"], "Unsupported DestinationConfig parameter for given event source mapping type. (SQS failures go to the queue's RedrivePolicy dead-letter queue)");
    }
  }

  // --- event filtering and payloads ------------------------------------------------------------------
  checkFiltering(doc, type, out);

  // --- batch size and window ---------------------------------------------------------------------
  const batchSize = intIn(mapping.BatchSize, 1, 10_000);
  const windowS = intIn(mapping.MaximumBatchingWindowInSeconds, 0, 300);
  if (type === "sqs-fifo" && batchSize !== undefined && batchSize > 10) {
    // AWS's text from the time every SQS mapping was capped at 10 (public reports, 2018); FIFO queues still are.
    err(["mapping", "BatchSize"], `Maximum batch size must be between 1 and 10 inclusive (FIFO queues; got ${batchSize})`);
  }
  if (type === "sqs-fifo" && windowS !== undefined && windowS > 0) {
    err(["mapping", "MaximumBatchingWindowInSeconds"], "Batching window is not supported for FIFO queues");
  }
  // The API page words this rule for "streams and Amazon SQS", but Kinesis and DynamoDB default to BatchSize 100 with
  // a window of 0, which AWS accepts; esm-sim applies it to SQS standard queues only (as CloudFormation words it).
  if (batchSize !== undefined && batchSize > 10 && type === "sqs" && (windowS === undefined || windowS < 1)) {
    err(["mapping", "MaximumBatchingWindowInSeconds"], `Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10 (BatchSize is ${batchSize}, window is ${windowS ?? 0})`);
  }

  // --- streams ------------------------------------------------------------------------------------
  if (isStream) checkStreamRules(doc, source, mapping, type, err, warn);

  // --- function timeout vs visibility timeout (AWS validates on create) --------------------------
  const timeoutS = intIn(fn.Timeout, 1, 900);
  const vtS = intIn(source.VisibilityTimeout, 0, 43_200);
  if (isQueue && (timeoutS !== undefined || fn.Timeout === undefined) && (vtS !== undefined || source.VisibilityTimeout === undefined)) {
    const t = timeoutS ?? 3;
    const vt = vtS ?? 30;
    if (t > vt) {
      err(["function", "Timeout"], `Queue visibility timeout: ${vt} seconds is less than Function timeout: ${t} seconds`);
    } else if (vt < 6 * t + (windowS ?? 0)) {
      warn(["source", "VisibilityTimeout"], `${vt} s is below 6 x function Timeout (${t} s) + MaximumBatchingWindowInSeconds (${windowS ?? 0} s) = ${6 * t + (windowS ?? 0)} s, which AWS recommends so throttled batches can be retried before their messages reappear`);
    }
  }

  // --- concurrency --------------------------------------------------------------------------------
  const account = isObj(doc.account) ? doc.account : {};
  const scalingBlock = isObj(doc.scaling) ? doc.scaling : {};
  const accountLimit = intIn(account.ConcurrentExecutions, 1, 1_000_000) ?? intIn(scalingBlock.accountConcurrency, 1, 1e9) ?? 1000;
  const reserved = intIn(fn.ReservedConcurrentExecutions, 0, 1_000_000);
  if (reserved !== undefined && reserved > accountLimit - 100) {
    err(["function", "ReservedConcurrentExecutions"], `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]. (account ConcurrentExecutions is ${accountLimit}, so at most ${Math.max(0, accountLimit - 100)} can be reserved; got ${reserved})`);
  }
  const maxConc = isObj(mapping.ScalingConfig) ? intIn(mapping.ScalingConfig.MaximumConcurrency, 2, 1000) : undefined;
  if (isQueue && reserved !== undefined && maxConc !== undefined && maxConc > reserved) {
    warn(["mapping", "ScalingConfig", "MaximumConcurrency"], `${maxConc} is above the function's ReservedConcurrentExecutions (${reserved}); AWS advises against it: Lambda may throttle your messages`);
  }
  if (isQueue && reserved !== undefined && reserved < 5 && maxConc === undefined) {
    warn(["function", "ReservedConcurrentExecutions"], `${reserved} is below 5, the mapping's starting concurrency; without ScalingConfig.MaximumConcurrency its pollers will be throttled (AWS advises reserving at least 5)`);
  }

  // --- provisioned mode ----------------------------------------------------------------------------
  const ppc = isObj(mapping.ProvisionedPollerConfig) ? mapping.ProvisionedPollerConfig : undefined;
  if (ppc && isQueue) {
    const minP = intIn(ppc.MinimumPollers, 2, 200);
    const maxP = intIn(ppc.MaximumPollers, 2, 2000);
    if ((minP ?? 2) > (maxP ?? 200)) {
      err(["mapping", "ProvisionedPollerConfig", ppc.MinimumPollers !== undefined ? "MinimumPollers" : "MaximumPollers"], `MinimumPollers (${minP ?? 2}) must not be greater than MaximumPollers (${maxP ?? 200})`);
    }
    if (isObj(mapping.ScalingConfig) && mapping.ScalingConfig.MaximumConcurrency !== undefined) {
      err(["mapping", "ScalingConfig", "MaximumConcurrency"], "cannot be used with ProvisionedPollerConfig: in provisioned mode you control concurrency through MaximumPollers (AWS: the two are mutually exclusive)");
    }
    const profile = typeof doc.profile === "string" ? doc.profile : "current";
    const overridden = isObj(doc.scaling) && typeof doc.scaling.provisionedScaleUpPerMinute === "number";
    const p = PROFILES[profile];
    if (p && p.figures.provisionedScaleUpPerMinute.value === null && !overridden) {
      err(["mapping", "ProvisionedPollerConfig"], `provisioned mode for SQS did not exist in profile ${profile} (as of ${p.asOf}); it launched on 2025-11-14: use profile: current`);
    }
  }

  // --- redrive ---------------------------------------------------------------------------------------
  const redrive = isObj(source.RedrivePolicy) ? source.RedrivePolicy : undefined;
  const mrc = redrive ? intIn(redrive.maxReceiveCount, 1, 1000) : undefined;
  if (isQueue && mrc !== undefined && mrc < 5) {
    warn(["source", "RedrivePolicy", "maxReceiveCount"], `${mrc} is below 5, which AWS recommends so that throttles and back-off alone do not move valid messages to the DLQ`);
  }

  // --- failure rules ---------------------------------------------------------------------------------
  const rbif = Array.isArray(mapping.FunctionResponseTypes) && mapping.FunctionResponseTypes.includes("ReportBatchItemFailures");
  if (Array.isArray(fn.failures)) {
    fn.failures.forEach((rule, i) => {
      if (!isObj(rule)) return;
      if (rule.effect === "partial" && !rbif) {
        warn(["function", "failures", i, "effect"], isStream
          ? "partial has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS ignores the batchItemFailures and checkpoints the whole batch as succeeded"
          : "partial has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS ignores the batchItemFailures and deletes every message as succeeded");
      }
      if (rule.effect === "partial-invalid" && isQueue) {
        err(["function", "failures", i, "effect"], `partial-invalid applies to kinesis and dynamodb sources in this version of esm-sim, not ${type}`);
      } else if (rule.effect === "partial-invalid" && !rbif) {
        warn(["function", "failures", i, "effect"], "partial-invalid has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS does not read the response, so the batch counts as succeeded");
      }
      const when = isObj(rule.when) ? rule.when : undefined;
      if (when) {
        const from = parseDurationUs(when.from);
        const to = parseDurationUs(when.to);
        if (from !== null && to !== null && to <= from) err(["function", "failures", i, "when", "to"], `must be after from (${String(when.from)}) (got ${String(when.to)})`);
      }
    });
  }

  // --- writesBack (lambda/write-back.ts) ----------------------------------------------------------------
  if (isObj(fn.writesBack)) {
    const wb = fn.writesBack;
    if (isQueue) {
      err(["function", "writesBack"], `applies to kinesis and dynamodb sources, not ${type}: esm-sim does not model a function writing back to its own queue (Lambda's recursive loop detection stops SQS loops; see https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html)`);
    } else {
      if ("data" in wb) {
        const bad = nonJson(wb.data, ["function", "writesBack", "data"]);
        if (bad) err(bad.path, `must be JSON-compatible data (${bad.why}) (got ${bad.got})`);
        else if (type === "dynamodb" && !isObj(preparePayload(wb.data).value)) {
          err(["function", "writesBack", "data"], `must be a map of attributes for a dynamodb source: the data is the written item's NewImage (got ${typeof wb.data === "string" ? "a string that is not a JSON object" : Array.isArray(wb.data) ? "a list" : String(wb.data)})`);
        }
      }
      const perRecord = typeof wb.perRecord === "number" ? wb.perRecord : wb.perRecord === undefined ? 1 : undefined;
      const unbounded = wb.maxDepth === undefined || wb.maxDepth === null;
      if (isStream && doc.until === undefined && unbounded && perRecord !== undefined && perRecord >= 1 && mapping.FilterCriteria === undefined) {
        warn(["function", "writesBack"], `writes back ${perRecord} record(s) per processed record with no maxDepth and no FilterCriteria: the loop never ends, so the run stops only at its event or record budget; set until (e.g. until: 10m)`);
      }
    }
  }

  // --- traffic ---------------------------------------------------------------------------------------
  const untilUs = parseDurationUs(doc.until);
  if (doc.until !== undefined && untilUs === 0) err(["until"], "must be a positive duration (got 0)");
  let totalRecords = 0;
  if (Array.isArray(doc.traffic)) {
    doc.traffic.forEach((t, i) => {
      if (!isObj(t)) return;
      const p = (k: string): Path => ["traffic", i, k];
      const steady = t.rate !== undefined;
      const burst = t.at !== undefined || t.records !== undefined;
      if (steady && burst) {
        err(["traffic", i], "a producer is either steady (rate, from, to) or a one-off burst (at, records), not both");
        return;
      }
      if (!steady && !burst) {
        err(["traffic", i], "a producer needs either rate (steady arrivals) or at + records (a one-off burst)");
        return;
      }
      if (t.key !== undefined && t.keys !== undefined) err(p("keys"), "give either key (one literal key) or keys (a number of distinct keys), not both");
      if (t.zipfExponent !== undefined && t.keyDistribution !== "zipf") err(p("zipfExponent"), "applies only with keyDistribution: zipf");
      if (t.key !== undefined && t.keyDistribution !== undefined) err(p("keyDistribution"), "applies only with keys (a single literal key has no distribution)");
      if (t.duplicateSendAfter !== undefined && t.duplicateSendRate === undefined) err(p("duplicateSendAfter"), "applies only with duplicateSendRate (when the producer's retry is sent)");
      if (t.deduplicationId !== undefined && type !== undefined && type !== "sqs-fifo") err(p("deduplicationId"), `applies to sqs-fifo sources only, not ${type}`);
      if (type === "sqs-fifo" && t.deduplicationId === "content" && source.ContentBasedDeduplication !== true) {
        // SQS's SendMessage error text.
        err(p("deduplicationId"), "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly (set source.ContentBasedDeduplication: true, or deduplicationId: message)");
      }
      if (steady) {
        if (t.at !== undefined) err(p("at"), "applies to one-off bursts, not to a producer with rate");
        const rate = parseRatePerSecond(t.rate);
        const from = parseDurationUs(t.from ?? 0);
        const to = t.to === undefined ? untilUs : parseDurationUs(t.to);
        if (t.to === undefined && doc.until === undefined) {
          err(p("rate"), "a steady producer needs `to` (when it stops) unless the scenario sets `until`");
        }
        if (from !== null && to !== null && to <= from) err(t.to === undefined ? ["until"] : p("to"), `must be after the producer's from (${String(t.from ?? 0)}) (got ${String(t.to ?? doc.until)})`);
        if (rate !== null && from !== null && to !== null && to > from) totalRecords += (rate * (to - from)) / 1e6;
      } else {
        if (t.arrival !== undefined) err(p("arrival"), "applies only to steady producers (with rate)");
        if (t.from !== undefined || t.to !== undefined) err(p(t.from !== undefined ? "from" : "to"), "applies only to steady producers (with rate); a burst uses at");
        if (t.at === undefined) err(p("records"), "a burst needs at (when it happens)");
        totalRecords += intOr(t.records) ?? 1;
      }
    });
  }
  if (Array.isArray(doc.traffic)) {
    const waiting = MAX_WAITING_RECORDS.toLocaleString("en-US");
    let ratePerS = 0;
    const burstAt = new Map<number, number>();
    doc.traffic.forEach((t, i) => {
      if (!isObj(t)) return;
      if (t.rate !== undefined && t.at === undefined && t.records === undefined) {
        ratePerS += parseRatePerSecond(t.rate) ?? 0;
        return;
      }
      const n = intOr(t.records) ?? 1;
      const at = parseDurationUs(t.at);
      if (n > MAX_WAITING_RECORDS) {
        err(["traffic", i, "records"], `a burst of ${n.toLocaleString("en-US")} records puts them all in the source at once; esm-sim holds at most ${waiting} waiting records (about 1 GB of memory): split it into smaller bursts at different times, or use a steady rate`);
      } else if (at !== null) {
        const sum = (burstAt.get(at) ?? 0) + n;
        burstAt.set(at, sum);
        if (sum > MAX_WAITING_RECORDS && sum - n <= MAX_WAITING_RECORDS) {
          err(["traffic", i, "records"], `bursts at ${String(t.at)} add up to ${sum.toLocaleString("en-US")} records at once; esm-sim holds at most ${waiting} waiting records (about 1 GB of memory): spread them over time`);
        }
      }
    });
    if (ratePerS > MAX_WAITING_RECORDS) {
      err(["traffic"], `the producers send ${Math.round(ratePerS).toLocaleString("en-US")} records a second together; esm-sim holds at most ${waiting} waiting records (about 1 GB of memory), so rates are limited to ${waiting}/s in total`);
    }
    if (mapping.Enabled === false && totalRecords > MAX_WAITING_RECORDS) {
      err(["mapping", "Enabled"], `with Enabled: false nothing is consumed, so all ${Math.round(totalRecords).toLocaleString("en-US")} records would wait at once; esm-sim holds at most ${waiting} (about 1 GB of memory): produce fewer records`);
    }
  }
  if (totalRecords > MAX_RECORDS_TOTAL) {
    err(["traffic"], `would produce about ${Math.round(totalRecords).toLocaleString("en-US")} records, more than esm-sim's limit of ${MAX_RECORDS_TOTAL.toLocaleString("en-US")}: lower the rates or shorten the producers' from..to`);
  }

  // --- expectations -----------------------------------------------------------------------------------
  if (isObj(doc.expect)) {
    for (const [path, checks] of Object.entries(doc.expect)) {
      // Own keys only: `toString` or `__proto__` are not report fields.
      const kind = Object.hasOwn(METRIC_PATHS, path) ? METRIC_PATHS[path] : undefined;
      if (kind && path.startsWith("stream.") && isQueue) {
        err(["expect", path], `is a stream report field (kinesis, dynamodb), not reported for ${type} sources`);
        continue;
      }
      if (!kind) {
        const s = suggest(path, Object.keys(METRIC_PATHS));
        err(["expect", path], `is not a report field${s ? ` (did you mean "${s}"?)` : ""}; fields: ${Object.keys(METRIC_PATHS).join(", ")}`);
        continue;
      }
      if (!isObj(checks)) continue;
      if (Object.keys(checks).length === 0) err(["expect", path], "needs at least one check: eq, ne, lt, lte, gt or gte");
      for (const [op, v] of Object.entries(checks)) {
        if (!["eq", "ne", "lt", "lte", "gt", "gte"].includes(op)) continue;
        if (expectationValue(kind, v) === null) {
          const allowed = kind === "bool" ? "true or false" : kind === "ms" ? "a duration such as 5m or 250ms, or a number of ms" : "a number";
          err(["expect", path, op], `must be ${allowed} (got ${typeof v === "string" ? JSON.stringify(v) : String(v)})`);
        }
      }
    }
  }

  // --- quiz answers ---------------------------------------------------------------------------------
  if (Array.isArray(doc.quiz)) {
    doc.quiz.forEach((q, i) => {
      if (!isObj(q) || typeof q.answer !== "string") return;
      const a = parseAnswer(q.answer);
      if (typeof a === "string") err(["quiz", i, "answer"], a);
    });
  }

  // --- scaling overrides -----------------------------------------------------------------------------
  if (isObj(doc.scaling)) {
    for (const [k, v] of Object.entries(doc.scaling)) {
      if (typeof v === "number" && (!Number.isFinite(v) || v < 0)) err(["scaling", k], `must be a non-negative number (got ${v})`);
      if (v === null && !(NULLABLE_FIGURES as readonly string[]).includes(k)) err(["scaling", k], `may be null only for ${NULLABLE_FIGURES.join(", ")}`);
      if (
        typeof v === "number" &&
        ["initialConcurrency", "maxConcurrency", "receiveMaxMessages", "backoffMinConcurrency", "accountConcurrency", "functionScalingBurst", "provisionedInvokesPerPoller", "fifoLookAheadMessages", "fifoInFlightMax"].includes(k) &&
        (v < 1 || !Number.isInteger(v))
      ) {
        err(["scaling", k], `must be a whole number of at least 1 (got ${v})`);
      }
      if (typeof v === "number" && ["scaleTickMs", "scaleDownIntervalMs", "longPollWaitMs", "throttleRetryInitialMs", "throttleRetryMaxMs"].includes(k) && v < 1) {
        err(["scaling", k], `must be at least 1 ms (got ${v})`);
      }
      if (typeof v === "number" && ["functionScalingPer10s", "provisionedScaleUpPerMinute", "provisionedReceivesPerPollerPerS", "provisionedBytesPerPollerPerS"].includes(k) && v <= 0) {
        err(["scaling", k], `must be above 0 (got ${v})`);
      }
      if (k === "scaleTickMs" && typeof v === "number" && v > MAX_SCALE_TICK_MS) {
        err(["scaling", k], `must be at most ${MAX_SCALE_TICK_MS} ms (got ${v})`);
      }
    }
  }
  return out;
}

type Report = (path: Path, message: string) => void;

const DESTINATION_ARN = /^arn:aws[a-z-]*:(sqs|sns|s3):/;

/** Stream sources and the stream mapping keys (Kinesis, DynamoDB Streams). */
function checkStreamRules(doc: Obj, source: Obj, mapping: Obj, type: string | undefined, err: Report, warn: Report): void {
  const ddb = type === "dynamodb";
  if (ddb && source.RetentionPeriodHours !== undefined) {
    err(["source", "RetentionPeriodHours"], "applies to kinesis only: DynamoDB Streams keep records for 24 hours, which cannot be changed");
  }

  // StartingPosition is required for streams (CloudFormation); DynamoDB takes TRIM_HORIZON or LATEST only.
  const pos = mapping.StartingPosition;
  if (pos === undefined) {
    err(["mapping"], "StartingPosition is required for kinesis and dynamodb sources: TRIM_HORIZON | LATEST" + (ddb ? "" : " | AT_TIMESTAMP"));
  } else if (ddb && pos === "AT_TIMESTAMP") {
    // AWS's own text, as CreateEventSourceMapping returns it.
    err(["mapping", "StartingPosition"], "Unsupported starting position for arn type (DynamoDB Streams take TRIM_HORIZON or LATEST)");
  }
  const ts = mapping.StartingPositionTimestamp;
  if (pos === "AT_TIMESTAMP" && !ddb && ts === undefined) {
    err(["mapping", "StartingPosition"], "AT_TIMESTAMP needs StartingPositionTimestamp (Unix seconds)");
  }
  if (ts !== undefined && pos !== undefined && pos !== "AT_TIMESTAMP") {
    err(["mapping", "StartingPositionTimestamp"], `applies only with StartingPosition: AT_TIMESTAMP (got StartingPosition ${String(pos)})`);
  }
  const startAtUs = parseDurationUs(mapping.startAt ?? 0) ?? 0;
  if (typeof ts === "number" && Number.isFinite(ts) && pos === "AT_TIMESTAMP") {
    const createdAtS = SIM_EPOCH_UNIX_S + startAtUs / 1e6;
    if (ts > createdAtS) {
      err(["mapping", "StartingPositionTimestamp"], `cannot be in the future: the mapping is created at ${createdAtS} (the run starts at ${SIM_EPOCH_UNIX_S} = 2024-01-01T00:00:00Z, plus startAt) (got ${ts})`);
    }
  }

  // MaximumRecordAgeInSeconds: -1, or 60..604,800 (CloudFormation: values between -1 and 60 are not allowed).
  const age = mapping.MaximumRecordAgeInSeconds;
  if (typeof age === "number" && Number.isInteger(age) && age >= 0 && age < 60) {
    err(["mapping", "MaximumRecordAgeInSeconds"], `must be -1 (no limit) or 60..604,800: the minimum valid value for maximum record age is 60s (got ${age})`);
  }

  // Destinations: an SQS queue, SNS topic or S3 bucket on failure; no OnSuccess for stream mappings.
  const dest = isObj(mapping.DestinationConfig) ? mapping.DestinationConfig : undefined;
  if (dest) {
    if (dest.OnSuccess !== undefined) {
      // AWS's text for an unsupported destination (recorded for SQS; esm-sim assumes streams answer the same way).
      err(["mapping", "DestinationConfig", "OnSuccess"], "Unsupported DestinationConfig parameter for given event source mapping type. (stream mappings take an OnFailure destination only)");
    }
    const onFailure = isObj(dest.OnFailure) ? dest.OnFailure : undefined;
    const arn = onFailure?.Destination;
    if (typeof arn === "string") {
      if (!DESTINATION_ARN.test(arn)) {
        err(["mapping", "DestinationConfig", "OnFailure", "Destination"], `must be the ARN of an SQS queue, SNS topic or S3 bucket (arn:aws:sqs:..., arn:aws:sns:..., arn:aws:s3:::...) (got ${JSON.stringify(arn)})`);
      } else if (/^arn:aws[a-z-]*:(sqs|sns):/.test(arn) && arn.endsWith(".fifo")) {
        warn(["mapping", "DestinationConfig", "OnFailure", "Destination"], "FIFO queues and FIFO topics are not valid on-failure destinations: AWS accepts the mapping but every delivery fails (DestinationDeliveryFailures); esm-sim counts them in stream.destinationDeliveryFailures");
      }
    }
  }

  // esm-sim's disabled periods: each ends after it starts, and they do not overlap.
  if (Array.isArray(mapping.disabledPeriods)) {
    let prevEnd = -1;
    let prevOk = true;
    mapping.disabledPeriods.forEach((p, i) => {
      if (!isObj(p)) return;
      const from = parseDurationUs(p.from);
      const to = p.to === undefined ? Infinity : parseDurationUs(p.to);
      if (from === null || to === null) return;
      if (to <= from) err(["mapping", "disabledPeriods", i, "to"], `must be after from (${String(p.from)}) (got ${String(p.to)})`);
      else if (prevOk && from < prevEnd) err(["mapping", "disabledPeriods", i, "from"], `must not overlap the previous period, listed in time order (got ${String(p.from)})`);
      prevOk = to > from;
      prevEnd = to;
    });
  }

  // eventNames: at least one positive weight.
  if (Array.isArray(doc.traffic)) {
    doc.traffic.forEach((t, i) => {
      if (!isObj(t) || !isObj(t.eventNames)) return;
      const ws = Object.values(t.eventNames).filter((w): w is number => typeof w === "number");
      if (ws.length === Object.keys(t.eventNames).length && !ws.some((w) => w > 0)) {
        err(["traffic", i, "eventNames"], "needs at least one positive weight among INSERT, MODIFY, REMOVE (got all 0)");
      }
    });
  }

  // A poison record under the defaults: retried until the record expires, blocking its shard (or its lane).
  const fn = isObj(doc.function) ? doc.function : {};
  const retries = mapping.MaximumRetryAttempts ?? -1;
  const ageLimit = mapping.MaximumRecordAgeInSeconds ?? -1;
  if (retries === -1 && ageLimit === -1 && Array.isArray(fn.failures)) {
    const keyed = fn.failures.findIndex((r) => isObj(r) && isObj(r.when) && r.when.key !== undefined && r.when.attempt === undefined && (r.effect === "error" || r.effect === "timeout"));
    if (keyed >= 0) {
      warn(["function", "failures", keyed], `a record that always fails is retried until it expires (${ddb ? "24 hours" : "the stream's retention"}) and blocks its shard meanwhile: MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1 (no limit)`);
    }
  }
}
