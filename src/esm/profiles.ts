/**
 * Named sets of AWS figures, each as documented at a date, so a CI job can pin the assumptions it was written
 * against. Every figure carries its source (a title and the page's URL, from SOURCES below) and the date it took
 * effect (as far as the sources show); figures AWS does not document are marked `chosen` (esm-sim's choice), carry
 * no date, and link the AWS page that leaves them open where there is one.
 *
 * A chosen figure also carries a plausible `low` and `high` and the `reasoning` behind them: what bounds the figure
 * (an observation, a source) or, where nothing does, "no evidence" and a wide range. `esm-sim run --sensitivity`
 * re-runs a scenario with each chosen figure at its low and its high.
 */

/** The pages the figures cite. */
export const SOURCES = {
  sqsScaling: { title: "Lambda Developer Guide: scaling behavior for SQS event source mappings", url: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html" },
  sqsErrors: { title: "Lambda Developer Guide: handling errors for an SQS event source", url: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html" },
  sqsConfigure: { title: "Lambda Developer Guide: configuring an SQS event source mapping", url: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html" },
  kinesisLimits: { title: "Kinesis Data Streams Developer Guide: quotas and limits", url: "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html" },
  kinesisEfo: { title: "Kinesis Data Streams Developer Guide: enhanced fan-out consumers", url: "https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html" },
  kinesisLambda: { title: "Lambda Developer Guide: using Lambda with Kinesis Data Streams", url: "https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html" },
  dynamodbGetRecords: { title: "DynamoDB Streams API Reference: GetRecords", url: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html" },
  kinesisErrors: { title: "Lambda Developer Guide: error handling for Kinesis event sources", url: "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html" },
  esm: { title: "Lambda Developer Guide: event source mappings (provisioned mode)", url: "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html" },
  functionScaling: { title: "Lambda Developer Guide: Lambda scaling behavior", url: "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html" },
  limits: { title: "Lambda Developer Guide: Lambda quotas", url: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html" },
  runtimeEnvironment: { title: "Lambda Developer Guide: the Lambda execution environment lifecycle", url: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html" },
  receiveMessage: { title: "SQS API Reference: ReceiveMessage", url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html" },
  fifoTerms: { title: "SQS Developer Guide: FIFO queue key terms", url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html" },
  fifoNotReturned: { title: "AWS Knowledge Center: SQS FIFO messages not returned", url: "https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned" },
  fifoBacklog: { title: "Amazon SQS: avoid large message backlogs with the same message group ID", url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/avoid-backlog-with-the-same-message-group-id.html" },
  fifoQuotas: { title: "Amazon SQS FIFO queue quotas", url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-fifo.html" },
  sqsScalingKc: { title: "AWS Knowledge Center: Lambda with an SQS event source not scaling", url: "https://repost.aws/knowledge-center/lambda-sqs-scaling" },
  whatsNew5x: { title: "What's New 2023-11-06: Lambda scales SQS polling five times faster", url: "https://aws.amazon.com/about-aws/whats-new/2023/11/aws-lambda-polling-scale-rate-sqs-event-source" },
  whatsNewProvisioned: { title: "What's New 2025-11-14: provisioned mode for SQS event source mappings", url: "https://aws.amazon.com/about-aws/whats-new/2025/11/aws-lambda-provisioned-mode-sqs-esm/" },
  blog12x: { title: "AWS News Blog 2023-11-26: Lambda functions scale 12 times faster", url: "https://aws.amazon.com/blogs/aws/aws-lambda-functions-now-scale-12-times-faster-when-handling-high-volume-requests/" },
  blogProvisioned: {
    title: "AWS News Blog 2025-11-14: provisioned mode for SQS",
    url: "https://aws.amazon.com/blogs/aws/aws-lambda-enhances-sqs-processing-with-new-provisioned-mode-3x-faster-scaling-16x-higher-capacity",
  },
  guide2022: { title: "Lambda Developer Guide as of 2022-11-14, with-sqs.md", url: "https://github.com/awsdocs/aws-lambda-developer-guide/blob/a83f69b/doc_source/with-sqs.md" },
} as const satisfies Record<string, { title: string; url: string }>;

export type SourceId = keyof typeof SOURCES;

export interface Figure {
  value: number | null;
  unit: string;
  /** The document that states the figure (its title), or "esm-sim" for a chosen one. */
  source: string;
  /** The page that states the figure; for a chosen one, the AWS page that leaves it open, or "" when none does. */
  url: string;
  /** The date the figure took effect, or of the oldest source showing it; "" when chosen or when no date was found. */
  since: string;
  /** True where AWS documents nothing and esm-sim chose the figure. */
  chosen: boolean;
  note: string;
  /** Chosen figures: the plausible range (null where "no such mechanism" is a plausible end) and what bounds it. */
  low?: number | null;
  high?: number | null;
  reasoning?: string;
}

/** The figures the SQS mapping model reads. `null` means "not part of this era" (e.g. no low-traffic mode). */
export interface SqsFigures {
  initialConcurrency: number;
  scaleUpPerMinute: number;
  maxConcurrency: number;
  lowTrafficConcurrency: number | null;
  scaleTickMs: number;
  scaleDownIntervalMs: number;
  backoffConcurrencyPerFailure: number;
  backoffMinConcurrency: number;
  scaleUpHoldAfterFailureMs: number;
  longPollWaitMs: number;
  receiveMaxMessages: number;
  throttleRetryInitialMs: number;
  throttleRetryMaxMs: number;
  payloadMaxBytes: number;
  /** A batch still being gathered closes at the latest this long before its first message's visibility runs out. */
  gatherVisibilityMarginMs: number;
  /** With a batching window and window + function timeout > visibility timeout, the mapping's messages stay hidden
   *  for window + timeout + this (the "effective visibility timeout" of the 2022 guide); null: no such extension. */
  effectiveVisibilityExtraMs: number | null;
  /** The function's own scaling limit: new execution environments available at once, and refilled per 10 s. */
  functionScalingBurst: number;
  functionScalingPer10s: number;
  /** With function.coldStart: how long an idle execution environment is kept for reuse before Lambda removes it. */
  environmentIdleLifetimeMs: number;
  /** Default account concurrency (account.ConcurrentExecutions overrides it). */
  accountConcurrency: number;
  /** Provisioned mode (null: not available in this era). */
  provisionedScaleUpPerMinute: number | null;
  provisionedInvokesPerPoller: number | null;
  provisionedReceivesPerPollerPerS: number | null;
  provisionedBytesPerPollerPerS: number | null;
  /** SQS FIFO (SQS quotas; the same in every era). */
  fifoLookAheadMessages: number;
  fifoInFlightMax: number;
  fifoDeduplicationIntervalMs: number;
  /** Streams: a shard's read limits for standard (polling) consumers, shared by every one of them (Kinesis). */
  kinesisReadCallsPerS: number;
  kinesisReadBytesPerS: number;
  /** Streams: what one GetRecords call returns at most. */
  kinesisCallRecordsMax: number;
  kinesisCallBytesMax: number;
  dynamodbCallRecordsMax: number;
  dynamodbCallBytesMax: number;
  /** Streams: how long the mapping waits before reading a shard again after ReadProvisionedThroughputExceeded. */
  readThrottleBackoffMs: number;
  /** Enhanced fan-out: a record's delay from arrival to being pushed to the consumer. */
  efoPushLatencyMs: number;
  /** 1: a stream function error stops only the failing batch's ParallelizationFactor lane; 0: the whole shard. */
  streamErrorPausesLaneOnly: number;
  /** Streams: the retry back-off after a failed or throttled batch, first delay and cap (doubling in between). */
  streamRetryInitialMs: number;
  streamRetryMaxMs: number;
}

export type FigureName = keyof SqsFigures;

/** Figures that may be null (absent from an era), in profiles and in `scaling:` overrides. */
export const NULLABLE_FIGURES: readonly FigureName[] = [
  "lowTrafficConcurrency",
  "provisionedScaleUpPerMinute",
  "provisionedInvokesPerPoller",
  "provisionedReceivesPerPollerPerS",
  "provisionedBytesPerPollerPerS",
  "effectiveVisibilityExtraMs",
];

export interface Profile {
  name: string;
  asOf: string;
  description: string;
  figures: Record<FigureName, Figure>;
}

/** A plausible range for a chosen figure: its low and high ends and what bounds them. */
type Range = [low: number | null, high: number | null, reasoning: string];

const chosen = (value: number | null, unit: string, note: string, [low, high, reasoning]: Range, openOn?: SourceId): Figure => ({
  value,
  unit,
  source: "esm-sim",
  url: openOn ? SOURCES[openOn].url : "",
  since: "",
  chosen: true,
  note,
  low,
  high,
  reasoning,
});
const aws = (value: number | null, unit: string, from: SourceId, since: string, note: string, titleSuffix = ""): Figure => ({
  value,
  unit,
  source: SOURCES[from].title + titleSuffix,
  url: SOURCES[from].url,
  since,
  chosen: false,
  note,
});

type EraFigures =
  | "scaleUpPerMinute"
  | "maxConcurrency"
  | "lowTrafficConcurrency"
  | "functionScalingBurst"
  | "functionScalingPer10s"
  | "provisionedScaleUpPerMinute"
  | "provisionedInvokesPerPoller"
  | "provisionedReceivesPerPollerPerS"
  | "provisionedBytesPerPollerPerS"
  | "effectiveVisibilityExtraMs";

/** Figures every era shares. */
function common(): Omit<Record<FigureName, Figure>, EraFigures> {
  return {
    initialConcurrency: aws(5, "invokes", "sqsScaling", "2019-06-20", "five batches at a time with five concurrent invokes once messages are available (in the guide since 2019-06-20)"),
    scaleTickMs: chosen(1000, "ms", "scale-up is applied a second at a time (rate/60 per second); AWS gives only a per-minute rate", [
      100,
      60_000,
      "no evidence: AWS states a per-minute rate only, so anything from a fine-grained 100 ms to the whole minute's step at once is a reading of it",
    ], "sqsScaling"),
    scaleDownIntervalMs: chosen(60_000, "ms", "AWS gives no scale-down rate; esm-sim re-evaluates once a minute and drops to what the last minute used", [
      10_000,
      300_000,
      "no evidence: AWS documents no scale-down rate; from 10 s (a few scale ticks) to 5 minutes",
    ], "sqsScaling"),
    backoffConcurrencyPerFailure: chosen(1, "invokes", "Lambda 'gradually backs off' after errors and throttles; the amount is undocumented", [
      0,
      5,
      "AWS says only that Lambda backs off and throttles scaling on errors; 0 (no back-off) to the initial 5 invokes a failure; 'gradually' argues against more",
    ], "sqsErrors"),
    backoffMinConcurrency: chosen(2, "invokes", "back-off never goes below 2, the smallest concurrency AWS names", [
      1,
      5,
      "no evidence: 1 (one poller keeps polling) to the initial 5 concurrent invokes",
    ], "sqsScaling"),
    scaleUpHoldAfterFailureMs: chosen(30_000, "ms", "Lambda throttles scaling while invocations fail, for a time AWS does not give; esm-sim pauses scale-up this long after a back-off", [
      0,
      120_000,
      "the Knowledge Center says scaling is throttled while invocation issues occur and resumes after they are resolved, but not for how long: 0 (resume at once) to two minutes (two scale-down intervals); no observation narrows it",
    ], "sqsScalingKc"),
    longPollWaitMs: chosen(20_000, "ms", "AWS says only that the mapping long-polls; 20 s is SQS's maximum wait and matches SQS's 'might wait up to 20 seconds'", [
      1000,
      20_000,
      "SQS's long polling waits 1 to 20 s; the mapping long-polls, so its wait lies in that range",
    ], "sqsScaling"),
    receiveMaxMessages: aws(10, "messages", "receiveMessage", "2012-11-05", "one ReceiveMessage returns at most 10 messages"),
    throttleRetryInitialMs: chosen(1000, "ms", "throttled batches are retried with back-off until the visibility timeout; first retry after this", [
      100,
      5000,
      "no evidence: AWS gives no interval; from a tenth of a second to 5 s",
    ], "sqsErrors"),
    throttleRetryMaxMs: chosen(8000, "ms", "throttle retry back-off doubles up to this", [
      1000,
      60_000,
      "no evidence: from the first retry's 1 s (no doubling) to a minute; the visibility timeout ends the retries in any case",
    ], "sqsErrors"),
    payloadMaxBytes: aws(6 * 1024 * 1024, "bytes", "esm", "", "a batch closes at the 6 MB synchronous invocation payload"),
    gatherVisibilityMarginMs: chosen(
      3000,
      "ms",
      "AWS does not say what the mapping does when the batching window and long poll outlast the visibility timeout (the " +
        "2022 guide extended the visibility instead: effectiveVisibilityExtraMs). esm-sim invokes a batch still gathering at the latest " +
        "this long before its first message's visibility runs out, so no message joins a batch that already holds it, and the " +
        "function has this long before the message can be received again; 3 s is the default function Timeout. Alternatives: " +
        "give up the message's first copy (it returns with a receive counted, as a throttled batch's do), or keep the whole " +
        "function Timeout in reserve (a queue whose visibility timeout equals the Timeout could then never gather)",
      [0, 10 * 1000, "no evidence: 0 (invoke at the last moment) to 10 s, a common function Timeout; AWS is silent (see the note)"],
      "sqsConfigure",
    ),
    accountConcurrency: aws(1000, "executions", "limits", "", "default concurrent executions per Region (account.ConcurrentExecutions overrides it)"),
    environmentIdleLifetimeMs: chosen(
      600_000,
      "ms",
      "with function.coldStart: an execution environment idle this long is removed, and the next invocation that needs one " +
        "starts a new one (a cold start). AWS says only that it keeps an environment 'for some time' after an invocation and " +
        "ends every environment within a few hours; 10 minutes is the lifetime observed most recently",
      [
        300_000,
        3_600_000,
        "AWS publishes no figure (a re:Post answer says it changes without notice). Observations: about 5 minutes before mid-2017; " +
          "25 to 60 minutes in 2017 and early 2019; exactly 10 minutes after the last request from July 2019. From 5 minutes to an hour",
      ],
      "runtimeEnvironment",
    ),
    fifoLookAheadMessages: aws(20_000, "messages", "fifoNotReturned", "", "a FIFO receive looks through the first 20,000 messages to find available message groups"),
    fifoInFlightMax: aws(20_000, "messages", "fifoNotReturned", "", "at most 20,000 in-flight messages in a FIFO queue"),
    fifoDeduplicationIntervalMs: aws(300_000, "ms", "fifoTerms", "2016-11-17", "a send with a deduplication ID seen in the last 5 minutes is accepted but not delivered"),
    kinesisReadCallsPerS: aws(5, "calls/s", "kinesisLimits", "", "GetRecords: 5 transactions per second per shard, shared by every standard consumer of the shard"),
    kinesisReadBytesPerS: aws(2 * 1024 * 1024, "bytes/s", "kinesisLimits", "", "a shard's reads: up to 2 MB per second, shared by every standard consumer; an enhanced fan-out consumer has its own 2 MB/s"),
    kinesisCallRecordsMax: aws(10_000, "records", "kinesisLimits", "", "one GetRecords call returns up to 10,000 records"),
    kinesisCallBytesMax: aws(10 * 1024 * 1024, "bytes", "kinesisLimits", "", "one GetRecords call returns up to 10 MB; 'if a call returns 10 MB, subsequent calls made within the next 5 seconds throw an exception'"),
    dynamodbCallRecordsMax: aws(1000, "records", "dynamodbGetRecords", "", "one DynamoDB Streams GetRecords call returns up to 1,000 records"),
    dynamodbCallBytesMax: aws(1024 * 1024, "bytes", "dynamodbGetRecords", "", "one DynamoDB Streams GetRecords call returns up to 1 MB"),
    readThrottleBackoffMs: chosen(
      1000,
      "ms",
      "AWS says a read over a shard's limit fails with ReadProvisionedThroughputExceeded and that the mapping retries; it names no wait. " +
        "esm-sim waits one Kinesis poll interval (the base rate is once a second) before the next GetRecords call",
      [200, 5000, "one call slot of the shard's 5 a second, to the 5 s Kinesis refuses calls after a 10 MB one"],
      "kinesisLambda",
    ),
    efoPushLatencyMs: chosen(
      70,
      "ms",
      "Kinesis gives an average propagation delay of about 70 ms for a record pushed over SubscribeToShard, as a typical figure rather than a " +
        "limit; esm-sim delays every push by it",
      [50, 200, "a typical figure, not a bound: from a little under it to a few times it"],
      "kinesisEfo",
    ),
    streamErrorPausesLaneOnly: chosen(
      0,
      "0 or 1",
      "the mapping 'stops processing additional records in a shard if your function returns an error'. 0 follows that text: with " +
        "ParallelizationFactor > 1 the shard's other batches in flight finish, and no new batch starts from the shard until the failing batch " +
        "succeeds, is discarded or expires. 1 pauses only the failing batch's lane, so other partition keys keep flowing (in-order processing " +
        "is promised per partition key, so this is a plausible reading of what AWS does in practice)",
      [0, 1, "the two readings of the text"],
      "kinesisLambda",
    ),
    streamRetryInitialMs: chosen(500, "ms", "streams: AWS documents no retry interval; the first retry of a failed or throttled batch comes after this, doubling each time", [
      250,
      1000,
      "AWS recorded a record that always failed with MaximumRecordAgeInSeconds 60 invoked 8 times in about 60 s (approximateInvokeCount 8); with the 30 s cap, a first delay of 250 ms gives 9 and of 1 s gives 7, about as far as that allows",
    ], "kinesisErrors"),
    streamRetryMaxMs: chosen(30_000, "ms", "streams: the retry back-off doubles up to this", [
      15_000,
      60_000,
      "with a 500 ms first delay, a 15 s cap gives 9 invocations in about 60 s and a 60 s cap 7; longer caps are not ruled out for longer runs",
    ], "kinesisErrors"),
  };
}

const notProvisioned = () => ({
  provisionedScaleUpPerMinute: aws(null, "invokes/min", "whatsNewProvisioned", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedInvokesPerPoller: aws(null, "invokes", "whatsNewProvisioned", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedReceivesPerPollerPerS: aws(null, "calls/s", "whatsNewProvisioned", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedBytesPerPollerPerS: aws(null, "bytes/s", "whatsNewProvisioned", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
});

/** Eras without the 2022 guide's effective visibility timeout: esm-sim does not extend the visibility. */
const noVisibilityExtension = (why: string): Figure =>
  chosen(null, "ms", `${why}; esm-sim does not extend the visibility (gatherVisibilityMarginMs closes the batch instead). Set 30000 to apply the 2022 guide's rule`, [
    null,
    30_000,
    "no extension (today's pages) to the 2022 guide's 30 s extra: the only two readings the sources give",
  ], "sqsConfigure");

const functionScalingNow = () => ({
  functionScalingBurst: aws(1000, "environments", "functionScaling", "2023-11-26", "each function can add 1,000 execution environments at once (announced 2023-11-26)"),
  functionScalingPer10s: aws(1000, "environments/10s", "functionScaling", "2023-11-26", "then 1,000 more every 10 s, refilled continuously, not accumulating beyond 1,000"),
});

export const PROFILES: Record<string, Profile> = {
  current: {
    name: "current",
    asOf: "2025-11",
    description: "Today's AWS docs: 5 concurrent invokes at first, +300 a minute, up to 1,250; low traffic down to 2; provisioned mode",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "sqsScaling", "2023-11-06", "up to 300 more concurrent invokes per minute (announced 2023-11-06)"),
      maxConcurrency: aws(1250, "invokes", "sqsScaling", "2025-11", "up to 1,250 concurrent function instances per SQS mapping by default (docs copy of late 2025)"),
      lowTrafficConcurrency: aws(2, "invokes", "sqsScaling", "2023-11-06", "at low traffic, as few as 2 concurrent invokes, unless MaximumConcurrency is set"),
      ...functionScalingNow(),
      fifoLookAheadMessages: aws(120_000, "messages", "fifoBacklog", "", "FIFO queues 'scan the first 120,000 messages to determine available message groups' (the Knowledge Center's older copy says 20,000)"),
      fifoInFlightMax: aws(120_000, "messages", "fifoQuotas", "", "FIFO queues support a maximum of 120,000 in-flight messages (the Knowledge Center's older copy says 20,000)"),
      provisionedScaleUpPerMinute: aws(1000, "invokes/min", "blogProvisioned", "2025-11-14", "provisioned mode: event pollers scale up by up to 1,000 concurrency a minute"),
      provisionedInvokesPerPoller: aws(10, "invokes", "esm", "2025-11-14", "each event poller: up to 10 concurrent invokes"),
      provisionedReceivesPerPollerPerS: aws(10, "calls/s", "esm", "2025-11-14", "each event poller: up to 10 SQS polling API calls per second"),
      provisionedBytesPerPollerPerS: aws(1024 * 1024, "bytes/s", "esm", "2025-11-14", "each event poller: up to 1 MB/s of throughput"),
      effectiveVisibilityExtraMs: noVisibilityExtension("the current SQS pages no longer hold the 2022 guide's effective visibility timeout sentence and are silent on a window that outlasts the visibility timeout"),
    },
  },
  "nov-2023": {
    name: "nov-2023",
    asOf: "2023-11-06",
    description: "From the November 2023 launch: +300 a minute up to 1,000 batches; low traffic down to 2",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "whatsNew5x", "2023-11-06", "up to 300 concurrent executions per minute (five times faster)"),
      maxConcurrency: aws(1000, "invokes", "sqsScaling", "2023-11-06", "up to 1,000 batches", " (its 2023 text)"),
      lowTrafficConcurrency: aws(2, "invokes", "sqsScaling", "2023-11-06", "as few as 2 concurrent batches at low traffic", " (its 2023 text)"),
      ...functionScalingNow(),
      ...notProvisioned(),
      effectiveVisibilityExtraMs: noVisibilityExtension("the 2022 guide held the effective visibility timeout sentence; esm-sim has no copy of the late-2023 pages to show whether they still did and treats this era as today's"),
    },
  },
  "legacy-2022": {
    name: "legacy-2022",
    asOf: "2022-11-14",
    description: "Before November 2023: 5 batches at first, +60 a minute up to 1,000 batches; no low-traffic mode; account-level burst scaling",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(60, "invokes/min", "guide2022", "2019-06-20", "up to 60 more instances per minute"),
      maxConcurrency: aws(1000, "invokes", "guide2022", "2019-06-20", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(null, "invokes", "guide2022", "2019-06-20", "no low-traffic mode is described: idle mappings fall back to 5"),
      functionScalingBurst: chosen(
        3000,
        "environments",
        "before 2023-11-26: an initial burst of 500-3,000 per Region, shared by the account's functions; esm-sim takes the largest Regions' 3,000",
        [500, 3000, "the burst depended on the Region: 3,000 in the largest (US East (N. Virginia), US West (Oregon), Europe (Ireland)), 1,000 in a few, 500 elsewhere"],
        "blog12x",
      ),
      functionScalingPer10s: aws(500 / 6, "environments/10s", "blog12x", "", "then 500 a minute (83.33 per 10 s)"),
      ...notProvisioned(),
      effectiveVisibilityExtraMs: aws(
        30_000,
        "ms",
        "guide2022",
        "2021-09-20",
        "with-sqs.md: 'If your batch window is greater than 0, and (batch window) + (function timeout) > (queue visibility " +
          "timeout), then your effective queue visibility timeout is (batch window) + (function timeout) + 30s' (in the guide " +
          "from its commit c70b3a8)",
      ),
    },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);
/** Every figure, in listing order (mapping scaling, back-off, polling, function, provisioned mode, FIFO, stream reads). */
export const FIGURE_NAMES: readonly FigureName[] = [
  "initialConcurrency",
  "scaleUpPerMinute",
  "maxConcurrency",
  "lowTrafficConcurrency",
  "scaleTickMs",
  "scaleDownIntervalMs",
  "backoffConcurrencyPerFailure",
  "backoffMinConcurrency",
  "scaleUpHoldAfterFailureMs",
  "throttleRetryInitialMs",
  "throttleRetryMaxMs",
  "longPollWaitMs",
  "receiveMaxMessages",
  "payloadMaxBytes",
  "gatherVisibilityMarginMs",
  "effectiveVisibilityExtraMs",
  "functionScalingBurst",
  "functionScalingPer10s",
  "environmentIdleLifetimeMs",
  "accountConcurrency",
  "provisionedScaleUpPerMinute",
  "provisionedInvokesPerPoller",
  "provisionedReceivesPerPollerPerS",
  "provisionedBytesPerPollerPerS",
  "fifoLookAheadMessages",
  "fifoInFlightMax",
  "fifoDeduplicationIntervalMs",
  "kinesisReadCallsPerS",
  "kinesisReadBytesPerS",
  "kinesisCallRecordsMax",
  "kinesisCallBytesMax",
  "dynamodbCallRecordsMax",
  "dynamodbCallBytesMax",
  "readThrottleBackoffMs",
  "efoPushLatencyMs",
  "streamErrorPausesLaneOnly",
  "streamRetryInitialMs",
  "streamRetryMaxMs",
];

/** The figures in force: a profile with single-figure overrides applied. */
export function resolveFigures(profileName: string, overrides: Partial<Record<FigureName, number | null>> = {}): SqsFigures {
  const profile = PROFILES[profileName];
  const out = {} as Record<FigureName, number | null>;
  for (const name of FIGURE_NAMES) {
    out[name] = name in overrides ? (overrides[name] as number | null) : profile.figures[name].value;
  }
  return out as unknown as SqsFigures;
}
