/**
 * Rules that span keys, which a per-key schema cannot express: which keys apply to which source, ranges that
 * depend on the source type, AWS's create-time validations (with AWS's own error text), traffic shape, and
 * expectation paths. Also the lint warnings (never fatal).
 *
 * They read the document as the user wrote it (plain JS values), guard every type, and skip what the schema
 * already rejects, so that every problem is reported once and all at once.
 *
 * AWS texts: shared/reference/esm-semantics.md §1 (batch window rule, visibility timeout rule, OnSuccess on SQS),
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (6 x timeout, maxReceiveCount >= 5),
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (100 unreserved).
 */
import { METRIC_PATHS } from "../metrics/paths.js";
import { expectationValue } from "./model.js";
import type { Path } from "./locate.js";
import { suggest } from "./show.js";
import { parseDurationUs, parseRatePerSecond } from "./units.js";

export interface RuleFinding {
  severity: "error" | "warning";
  path: Path;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const intOr = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);
/** The value when it is an integer within the key's own range (the schema reports it otherwise), else undefined. */
const intIn = (v: unknown, min: number, max: number): number | undefined => {
  const i = intOr(v);
  return i !== undefined && i >= min && i <= max ? i : undefined;
};

/** Source types this version simulates. */
export const SUPPORTED_SOURCES = ["sqs"] as const;

const STREAM_ONLY_SOURCE_KEYS = ["ShardCount", "RetentionPeriodHours", "StreamArn"];
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
];

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
    if (isQueue && typeof source.FifoQueue === "boolean" && source.FifoQueue !== (type === "sqs-fifo")) {
      err(["source", "FifoQueue"], `must be ${type === "sqs-fifo"} for a ${type} source (got ${source.FifoQueue})`);
    }
    for (const k of Object.keys(mapping)) {
      if (isQueue && STREAM_ONLY_MAPPING_KEYS.includes(k)) err(["mapping", k], `applies to kinesis and dynamodb sources, not ${type}`);
      if (isStream && k === "ScalingConfig") err(["mapping", k], `applies to sqs sources only, not ${type}`);
    }
    if (isQueue && isObj(mapping.DestinationConfig)) {
      // AWS's own text for an SQS mapping with a destination (esm-semantics.md §1, recorded).
      err(["mapping", "DestinationConfig"], "Unsupported DestinationConfig parameter for given event source mapping type. (SQS failures go to the queue's RedrivePolicy dead-letter queue)");
    }
    if (isObj(mapping.FilterCriteria)) {
      err(["mapping", "FilterCriteria"], "event filtering is not supported yet by this version of esm-sim");
    }
  }

  // --- batch size and window ---------------------------------------------------------------------
  const batchSize = intIn(mapping.BatchSize, 1, 10_000);
  const windowS = intIn(mapping.MaximumBatchingWindowInSeconds, 0, 300);
  if (type === "sqs-fifo" && batchSize !== undefined && batchSize > 10) {
    err(["mapping", "BatchSize"], `must be 1..10 for sqs-fifo (got ${batchSize})`);
  }
  if (type === "sqs-fifo" && windowS !== undefined && windowS > 0) {
    err(["mapping", "MaximumBatchingWindowInSeconds"], "Batching window is not supported for FIFO queues");
  }
  if (batchSize !== undefined && batchSize > 10 && type !== "sqs-fifo" && (windowS === undefined || windowS < 1)) {
    err(["mapping", "MaximumBatchingWindowInSeconds"], `Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10 (BatchSize is ${batchSize}, window is ${windowS ?? 0})`);
  }

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
  const accountLimit = intIn(account.ConcurrentExecutions, 1, 1_000_000) ?? 1000;
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
        warn(["function", "failures", i, "effect"], "partial has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS ignores the batchItemFailures and deletes every message as succeeded");
      }
      const when = isObj(rule.when) ? rule.when : undefined;
      if (when) {
        const from = parseDurationUs(when.from);
        const to = parseDurationUs(when.to);
        if (from !== null && to !== null && to <= from) err(["function", "failures", i, "when", "to"], `must be after from (${String(when.from)}) (got ${String(when.to)})`);
      }
    });
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

  // --- scaling overrides -----------------------------------------------------------------------------
  if (isObj(doc.scaling)) {
    for (const [k, v] of Object.entries(doc.scaling)) {
      if (typeof v === "number" && (!Number.isFinite(v) || v < 0)) err(["scaling", k], `must be a non-negative number (got ${v})`);
      if (v === null && k !== "lowTrafficConcurrency") err(["scaling", k], "may be null only for lowTrafficConcurrency");
      if (typeof v === "number" && ["initialConcurrency", "maxConcurrency", "receiveMaxMessages", "backoffMinConcurrency"].includes(k) && (v < 1 || !Number.isInteger(v))) {
        err(["scaling", k], `must be a whole number of at least 1 (got ${v})`);
      }
      if (typeof v === "number" && ["scaleTickMs", "scaleDownIntervalMs", "longPollWaitMs", "throttleRetryInitialMs", "throttleRetryMaxMs"].includes(k) && v < 1) {
        err(["scaling", k], `must be at least 1 ms (got ${v})`);
      }
      if (k === "scaleTickMs" && typeof v === "number" && v > MAX_SCALE_TICK_MS) {
        err(["scaling", k], `must be at most ${MAX_SCALE_TICK_MS} ms (got ${v})`);
      }
    }
  }
  return out;
}
