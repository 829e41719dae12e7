/**
 * fast-check generators of valid scenarios, small enough that a run takes milliseconds: at most a few hundred
 * records, retention of at most 20 minutes (so every run ends by itself), a handful of keys.
 *
 * One generator per source type in SOURCE_GENERATORS; a new source adds an entry (its `source` block, its mapping
 * keys and the constraints between them), and the property suite runs it with every shared feature.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { PROFILE_NAMES } from "../../src/esm/profiles.js";
import { SUPPORTED_SOURCES } from "../../src/scenario/rules.js";

type Obj = Record<string, unknown>;

/** Drop undefined values so the YAML holds only the keys the generator chose. */
function compact<T extends Obj>(o: T): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const opt = <T>(arb: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq });

/** A duration as the user may write it: a number of seconds or a string with a unit. */
const durationS = (minS: number, maxS: number): fc.Arbitrary<number | string> =>
  fc.integer({ min: Math.round(minS * 1000), max: Math.round(maxS * 1000) }).chain((ms) =>
    fc.constantFrom<number | string>(ms / 1000, `${ms}ms`, ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`),
  );

export const LITERAL_KEYS = ["poison", "flaky", "vip"] as const;
/** Keys a failure rule may name: generated ones, literal ones, and one that is never produced. */
const ruleKey = fc.constantFrom("key-0", "key-1", "key-2", ...LITERAL_KEYS, "never-produced");

const keysPart = fc.oneof(
  fc.record({ keys: fc.integer({ min: 1, max: 12 }), keyDistribution: opt(fc.constant("uniform" as const)) }).map(compact),
  fc.record({ keys: fc.integer({ min: 2, max: 12 }), keyDistribution: fc.constant("zipf" as const), zipfExponent: opt(fc.double({ min: 0, max: 3, noNaN: true })) }).map(compact),
  fc.record({ key: fc.constantFrom(...LITERAL_KEYS) }),
  fc.constant({}),
);

const recordSize = opt(fc.oneof(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom("512B", "1KB", "64KB", "256KB", "1MB")));

/** A steady producer of at most ~120 records, or a burst of at most 150. */
const producer: fc.Arbitrary<Obj> = fc.oneof(
  fc
    .record({
      rateX10: fc.integer({ min: 1, max: 400 }),
      fromS: fc.integer({ min: 0, max: 20 }),
      spanS: fc.integer({ min: 1, max: 60 }),
      arrival: opt(fc.constantFrom("even", "poisson")),
      keys: keysPart,
      recordSize,
    })
    .map(({ rateX10, fromS, spanS, arrival, keys, recordSize }) => {
      const span = Math.max(1, Math.min(spanS, Math.floor(1200 / rateX10))); // <= 120 records
      return compact({ rate: rateX10 % 10 === 0 ? `${rateX10 / 10}/s` : rateX10 / 10, from: `${fromS}s`, to: `${fromS + span}s`, arrival, ...keys, recordSize });
    }),
  fc
    .record({ at: durationS(0, 60), records: fc.integer({ min: 1, max: 150 }), keys: keysPart, recordSize })
    .map(({ at, records, keys, recordSize }) => compact({ at, records, ...keys, recordSize })),
);

const plainFailureRule: fc.Arbitrary<Obj> = fc
  .record({
    key: opt(ruleKey),
    attempt: opt(fc.integer({ min: 1, max: 4 })),
    probability: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    window: opt(fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 120 }))),
    effect: fc.constantFrom("error", "timeout", "partial"),
  })
  .map(({ key, attempt, probability, window, effect }) => {
    const when = compact({ key, attempt, probability, from: window ? `${window[0]}s` : undefined, to: window ? `${window[0] + window[1]}s` : undefined });
    return Object.keys(when).length > 0 ? { when, effect } : { effect };
  });

/** A failure rule: an error, a timeout, a partial response, or a partial response naming a record not in the batch. */
const failureRule: fc.Arbitrary<Obj> = fc.tuple(plainFailureRule, fc.boolean()).map(([r, invalid]) => (invalid && r.effect === "partial" ? { ...r, effect: "partial-invalid" } : r));

/**
 * Single-figure what-ifs on the SQS profile, within what rules.ts accepts. Polling and retry periods stay at
 * 200 ms or more: shorter ones are valid but make a run cost a million events.
 */
const scalingOverrides = fc
  .record(
    {
      initialConcurrency: fc.integer({ min: 1, max: 8 }),
      scaleUpPerMinute: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.double({ min: 0, max: 100, noNaN: true })),
      maxConcurrency: fc.integer({ min: 1, max: 20 }),
      lowTrafficConcurrency: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4 })),
      scaleTickMs: fc.integer({ min: 200, max: 5000 }),
      scaleDownIntervalMs: fc.integer({ min: 1000, max: 120_000 }),
      backoffConcurrencyPerFailure: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 3, noNaN: true })),
      backoffMinConcurrency: fc.integer({ min: 1, max: 4 }),
      scaleUpHoldAfterFailureMs: fc.integer({ min: 0, max: 60_000 }),
      longPollWaitMs: fc.integer({ min: 200, max: 20_000 }),
      receiveMaxMessages: fc.integer({ min: 1, max: 20 }),
      throttleRetryInitialMs: fc.integer({ min: 200, max: 5000 }),
      throttleRetryMaxMs: fc.integer({ min: 200, max: 20_000 }),
      payloadMaxBytes: fc.integer({ min: 0, max: 8 * 1024 * 1024 }),
      gatherVisibilityMarginMs: fc.integer({ min: 0, max: 10_000 }),
      effectiveVisibilityExtraMs: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 60_000 })),
    },
    { requiredKeys: [] },
  )
  .filter((o) => Object.keys(o).length > 0);

/** A cold start: an init duration alone or with jitter (an Init phase before the handler, outside its Timeout). */
const coldStart = fc.oneof(durationS(0.05, 3), fc.record({ init: durationS(0.05, 3), jitter: fc.double({ min: 0, max: 1, noNaN: true }) }));

/** SQS standard: visibility timeout >= function Timeout, BatchSize > 10 needs a window, reserved <= account - 100. */
const sqsScenario: fc.Arbitrary<Obj> = fc
  .record({
    vt: fc.integer({ min: 1, max: 120 }),
    timeoutFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    retention: fc.integer({ min: 60, max: 1200 }),
    delay: opt(fc.integer({ min: 0, max: 30 })),
    redrive: opt(fc.integer({ min: 1, max: 6 })),
    dup: opt(fc.double({ min: 0, max: 0.3, noNaN: true })),
    traffic: fc.array(producer, { minLength: 1, maxLength: 3 }),
    batch: fc.oneof(fc.record({ BatchSize: fc.integer({ min: 1, max: 10 }), window: opt(fc.integer({ min: 0, max: 5 })) }), fc.record({ BatchSize: fc.integer({ min: 11, max: 200 }), window: fc.integer({ min: 1, max: 5 }).map((w) => w as number | undefined) })),
    rbif: fc.boolean(),
    maxConc: opt(fc.integer({ min: 2, max: 12 })),
    enabled: opt(fc.boolean(), 8),
    base: durationS(0.001, 3),
    perRecord: opt(durationS(0, 0.05)),
    jitter: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    // With a batching window and throttles, a cold start is how a batch outlasts its visibility timeout.
    coldStart: opt(coldStart),
    failures: opt(fc.array(failureRule, { minLength: 1, maxLength: 3 })),
    account: opt(fc.integer({ min: 100, max: 1200 })),
    reservedFrac: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    profile: opt(fc.constantFrom(...PROFILE_NAMES)),
    scaling: opt(scalingOverrides, 3),
    until: opt(durationS(5, 1800), 3),
    seed: fc.integer({ min: 0, max: 4_294_967_295 }),
  })
  .map((g) => {
    const timeout = Math.max(1, Math.round(g.timeoutFrac * Math.min(g.vt, 20)));
    const account = g.account ?? 1000;
    // Reserved concurrency between 0 and 12, never above account - 100.
    const reserved = g.reservedFrac === undefined ? undefined : Math.min(account - 100, Math.floor(g.reservedFrac * 12));
    return compact({
      name: "property",
      seed: g.seed,
      until: g.until,
      profile: g.profile,
      scaling: g.scaling,
      source: compact({
        type: "sqs",
        VisibilityTimeout: g.vt,
        MessageRetentionPeriod: g.retention,
        DelaySeconds: g.delay,
        RedrivePolicy: g.redrive === undefined ? undefined : { maxReceiveCount: g.redrive },
        duplicateDeliveryRate: g.dup,
      }),
      traffic: g.traffic,
      mapping: compact({
        BatchSize: g.batch.BatchSize,
        MaximumBatchingWindowInSeconds: g.batch.window,
        FunctionResponseTypes: g.rbif ? ["ReportBatchItemFailures"] : undefined,
        ScalingConfig: g.maxConc === undefined ? undefined : { MaximumConcurrency: g.maxConc },
        Enabled: g.enabled,
      }),
      function: compact({
        Timeout: timeout,
        ReservedConcurrentExecutions: reserved,
        duration: compact({ base: g.base, perRecord: g.perRecord, jitter: g.jitter }),
        coldStart: g.coldStart,
        failures: g.failures,
      }),
      account: g.account === undefined ? undefined : { ConcurrentExecutions: account },
    });
  });

/** SQS FIFO: BatchSize 1..10, no batching window, no spontaneous duplicates; producer retries and deduplication. */
const fifoScenario: fc.Arbitrary<Obj> = fc
  .record({
    vt: fc.integer({ min: 1, max: 120 }),
    timeoutFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    retention: fc.integer({ min: 60, max: 1200 }),
    redrive: opt(fc.integer({ min: 1, max: 6 })),
    cbd: opt(fc.boolean()),
    traffic: fc.array(
      fc.tuple(producer, opt(fc.double({ min: 0, max: 0.5, noNaN: true })), opt(durationS(0.1, 400)), opt(fc.constantFrom("message", "perAttempt"))).map(([p, rate, after, id]) =>
        compact({ ...p, duplicateSendRate: rate, duplicateSendAfter: rate === undefined ? undefined : after, deduplicationId: rate === undefined ? undefined : id }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    batchSize: fc.integer({ min: 1, max: 10 }),
    rbif: fc.boolean(),
    maxConc: opt(fc.integer({ min: 2, max: 12 })),
    base: durationS(0.001, 3),
    perRecord: opt(durationS(0, 0.05)),
    // A cold start's Init comes before the handler's Timeout: with throttles, how a batch outlasts its visibility
    // timeout, and its receipt handles expire.
    coldStart: opt(coldStart),
    failures: opt(fc.array(failureRule, { minLength: 1, maxLength: 3 })),
    reserved: opt(fc.integer({ min: 0, max: 12 })),
    profile: opt(fc.constantFrom(...PROFILE_NAMES)),
    until: opt(durationS(5, 1800), 3),
    seed: fc.integer({ min: 0, max: 4_294_967_295 }),
  })
  .map((g) =>
    compact({
      name: "property-fifo",
      seed: g.seed,
      until: g.until,
      profile: g.profile,
      source: compact({
        type: "sqs-fifo",
        VisibilityTimeout: g.vt,
        MessageRetentionPeriod: g.retention,
        RedrivePolicy: g.redrive === undefined ? undefined : { maxReceiveCount: g.redrive },
        ContentBasedDeduplication: g.cbd,
      }),
      traffic: g.traffic,
      mapping: compact({
        BatchSize: g.batchSize,
        FunctionResponseTypes: g.rbif ? ["ReportBatchItemFailures"] : undefined,
        ScalingConfig: g.maxConc === undefined ? undefined : { MaximumConcurrency: g.maxConc },
      }),
      function: compact({
        Timeout: Math.max(1, Math.round(g.timeoutFrac * Math.min(g.vt, 20))),
        ReservedConcurrentExecutions: g.reserved,
        duration: compact({ base: g.base, perRecord: g.perRecord }),
        coldStart: g.coldStart,
        failures: g.failures,
      }),
    }),
  );


/**
 * Kinesis and DynamoDB Streams: every stream mapping knob. Runs always carry `until` (at most 15 minutes): under
 * the default -1/-1 a poison record would otherwise run to the 24 h retention cap, valid but slow for a property.
 */
const streamScenario = (type: "kinesis" | "dynamodb"): fc.Arbitrary<Obj> =>
  fc
    .record({
      shards: fc.integer({ min: 1, max: 4 }),
      retentionH: opt(fc.integer({ min: 24, max: 48 })),
      traffic: fc.array(
        fc.tuple(producer, opt(fc.record({ INSERT: fc.integer({ min: 0, max: 3 }), MODIFY: fc.integer({ min: 1, max: 3 }), REMOVE: fc.integer({ min: 0, max: 3 }) }))).map(([p, ev]) =>
          type === "dynamodb" && ev ? { ...p, eventNames: ev } : p,
        ),
        { minLength: 1, maxLength: 3 },
      ),
      start: fc.constantFrom("TRIM_HORIZON", "LATEST"),
      batchSize: fc.integer({ min: 1, max: 200 }),
      window: opt(fc.integer({ min: 0, max: 5 })),
      pf: opt(fc.integer({ min: 1, max: 4 })),
      retries: opt(fc.integer({ min: -1, max: 5 })),
      recordAge: opt(fc.oneof(fc.constant(-1), fc.integer({ min: 60, max: 600 }))),
      bisect: opt(fc.boolean()),
      rbif: fc.boolean(),
      destination: opt(fc.constantFrom("arn:aws:sqs:us-east-1:123456789012:failures", "arn:aws:sns:us-east-1:123456789012:failures")),
      tumbling: opt(fc.integer({ min: 0, max: 60 }), 4),
      startAt: opt(fc.integer({ min: 0, max: 30 }), 4),
      timeout: fc.integer({ min: 1, max: 30 }),
      base: durationS(0.001, 3),
      perRecord: opt(durationS(0, 0.05)),
      coldStart: opt(coldStart, 3),
      // A handler writing to its own stream: records the run produces while it runs, under the same write limits.
      writesBack: opt(fc.record({ perRecord: fc.constantFrom(0.5, 1), maxDepth: opt(fc.integer({ min: 1, max: 3 })), data: opt(fc.constant({ kind: "b" })) }), 4),
      failures: opt(fc.array(failureRule, { minLength: 1, maxLength: 3 })),
      reserved: opt(fc.integer({ min: 0, max: 12 })),
      until: durationS(5, 900),
      seed: fc.integer({ min: 0, max: 4_294_967_295 }),
    })
    .map((g) =>
      compact({
        name: `property-${type}`,
        seed: g.seed,
        until: g.until,
        source: compact({ type, ShardCount: g.shards, RetentionPeriodHours: type === "kinesis" ? g.retentionH : undefined }),
        traffic: g.traffic,
        mapping: compact({
          StartingPosition: g.start,
          BatchSize: g.batchSize,
          MaximumBatchingWindowInSeconds: g.window,
          ParallelizationFactor: g.pf,
          MaximumRetryAttempts: g.retries,
          MaximumRecordAgeInSeconds: g.recordAge,
          BisectBatchOnFunctionError: g.bisect,
          FunctionResponseTypes: g.rbif ? ["ReportBatchItemFailures"] : undefined,
          DestinationConfig: g.destination === undefined ? undefined : { OnFailure: { Destination: g.destination } },
          TumblingWindowInSeconds: g.tumbling,
          startAt: g.startAt === undefined ? undefined : `${g.startAt}s`,
        }),
        function: compact({
          Timeout: g.timeout,
          ReservedConcurrentExecutions: g.reserved,
          duration: compact({ base: g.base, perRecord: g.perRecord }),
          coldStart: g.coldStart,
          writesBack: g.writesBack === undefined ? undefined : compact(g.writesBack),
          failures: g.failures,
        }),
      }),
    );

/** FilterCriteria patterns per source: payload-only ones (memoized verdicts) and per-record ones. */
const FILTER_PATTERNS: Record<string, readonly string[]> = {
  sqs: ['{"body": {"kind": ["a"]}}', '{"body": {"n": [{"numeric": [">", 2]}]}}', '{"attributes": {"ApproximateReceiveCount": ["1"]}}', '{"messageId": [{"suffix": "1"}]}'],
  kinesis: ['{"data": {"kind": ["a"]}}', '{"partitionKey": [{"prefix": "key-1"}]}'],
  dynamodb: ['{"eventName": ["INSERT", "MODIFY"]}', '{"dynamodb": {"NewImage": {"kind": {"S": ["a"]}}}}', '{"dynamodb": {"Keys": {"pk": {"S": [{"anything-but": "poison"}]}}}}'],
};
const DATA: Record<string, readonly unknown[]> = {
  sqs: [{ kind: "a", n: 1 }, { kind: "b", n: 5 }, '{"kind": "a", "n": 3}', "plain text"],
  kinesis: [{ kind: "a", n: 1 }, { kind: "b", n: 5 }, "plain text"],
  dynamodb: [{ kind: "a", n: 1 }, { kind: "b", n: 5 }],
};

/** Sometimes a FilterCriteria (one or two filters) and producers with data. */
function withFilter(arb: fc.Arbitrary<Obj>, source: "sqs" | "sqs-fifo" | "kinesis" | "dynamodb"): fc.Arbitrary<Obj> {
  const family = source === "sqs-fifo" ? "sqs" : source;
  const patterns = FILTER_PATTERNS[family];
  const data = DATA[family];
  return fc
    .tuple(arb, opt(fc.uniqueArray(fc.constantFrom(...patterns), { minLength: 1, maxLength: 2 })), fc.array(fc.constantFrom(...data), { minLength: 3, maxLength: 3 }))
    .map(([doc, filters, datas]) => {
      if (filters === undefined) return doc;
      const traffic = (doc.traffic as Obj[]).map((p, i) => ({ ...p, data: datas[i % datas.length] }));
      const mapping = { ...(doc.mapping as Obj), FilterCriteria: { Filters: filters.map((Pattern) => ({ Pattern })) } };
      return { ...doc, traffic, mapping };
    });
}

/** One generator per source type the model runs. */
export const SOURCE_GENERATORS: Readonly<Record<string, fc.Arbitrary<Obj>>> = {
  sqs: withFilter(sqsScenario, "sqs"),
  "sqs-fifo": withFilter(fifoScenario, "sqs-fifo"),
  kinesis: withFilter(streamScenario("kinesis"), "kinesis"),
  dynamodb: withFilter(streamScenario("dynamodb"), "dynamodb"),
};

/** A valid scenario of any supported source type, as a plain object. */
export function scenarioArb(): fc.Arbitrary<Obj> {
  const arbs = SUPPORTED_SOURCES.map((t) => {
    const a = SOURCE_GENERATORS[t];
    if (!a) throw new Error(`no scenario generator for source type ${t}: add one to SOURCE_GENERATORS`);
    return a;
  });
  return fc.oneof(...arbs);
}

export function toYaml(doc: Obj): string {
  return stringify(doc, { lineWidth: 0 });
}
