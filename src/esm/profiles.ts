/**
 * Named sets of AWS figures, each as documented at a date, so a CI job can pin the assumptions it was written
 * against. Every figure carries its source and the date it took effect (as far as the sources show); figures AWS
 * does not document are marked `chosen` (esm-sim's choice) and carry no date.
 *
 * Sources:
 *  - SQS-SCALE  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 *  - SQS-ERR    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 *  - SQS        https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 *  - SQS-CFG    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 *  - ESM        https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html (provisioned mode)
 *  - SCALING    https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html (1,000 environments per 10 s)
 *  - LIMITS     https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (1,000 concurrent executions)
 *  - WN-SQS5X   https://aws.amazon.com/about-aws/whats-new/2023/11/aws-lambda-polling-scale-rate-sqs-event-source (2023-11-06)
 *  - BLOG-12X   https://aws.amazon.com/blogs/aws/aws-lambda-functions-now-scale-12-times-faster-when-handling-high-volume-requests/ (2023-11-26)
 *  - BLOG-SQSPROV https://aws.amazon.com/blogs/aws/aws-lambda-enhances-sqs-processing-with-new-provisioned-mode-3x-faster-scaling-16x-higher-capacity (2025-11-14)
 *  - GH22       https://github.com/awsdocs/aws-lambda-developer-guide/tree/a83f69b/doc_source (with-sqs.md, 2022-11-14)
 *  - KC-FIFO    https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned
 *  - SQS-FIFO-TERMS https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html
 *  - WN-SQSPROV https://aws.amazon.com/about-aws/whats-new/2025/11/aws-lambda-provisioned-mode-sqs-esm/ (2025-11-14)
 *  - SQS-API    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 *  - KC-SQSSCALE https://repost.aws/knowledge-center/lambda-sqs-scaling ("Lambda throttles function scaling when invocation issues occur")
 *  - SQS-LONGPOLL https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/best-practices-setting-up-long-polling.html (1 to 20 s)
 *  - REC-STREAM shared/reference/esm-semantics.md §4: a record that always fails with MaximumRecordAgeInSeconds 60 was
 *               invoked about 8 times in about 60 s (approximateInvokeCount 8 on its RecordAgeExceeded record)
 *
 * A chosen figure also carries a plausible `low` and `high` and the `reasoning` behind them: what bounds the figure
 * (an observation, a source) or, where nothing does, "no evidence" and a wide range. `esm-sim run --sensitivity`
 * re-runs a scenario with each chosen figure at its low and its high.
 */

export interface Figure {
  value: number | null;
  unit: string;
  source: string;
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

const chosen = (value: number | null, unit: string, note: string, [low, high, reasoning]: Range): Figure => ({ value, unit, source: "esm-sim", since: "", chosen: true, note, low, high, reasoning });
const aws = (value: number | null, unit: string, source: string, since: string, note: string): Figure => ({ value, unit, source, since, chosen: false, note });

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
    initialConcurrency: aws(5, "invokes", "SQS-SCALE", "2019-06-20", "five batches at a time with five concurrent invokes once messages are available (GH history from 2019-06-20)"),
    scaleTickMs: chosen(1000, "ms", "scale-up is applied a second at a time (rate/60 per second); AWS gives only a per-minute rate", [
      100,
      60_000,
      "no evidence: AWS states a per-minute rate only (SQS-SCALE), so anything from a fine-grained 100 ms to the whole minute's step at once is a reading of it",
    ]),
    scaleDownIntervalMs: chosen(60_000, "ms", "AWS gives no scale-down rate; esm-sim re-evaluates once a minute and drops to what the last minute used", [
      10_000,
      300_000,
      "no evidence: AWS documents no scale-down rate; from 10 s (a few scale ticks) to 5 minutes",
    ]),
    backoffConcurrencyPerFailure: chosen(1, "invokes", "SQS-ERR: Lambda 'gradually backs off' after errors and throttles; the amount is undocumented", [
      0,
      5,
      "SQS-ERR and KC-SQSSCALE say only that Lambda backs off and throttles scaling on errors; 0 (no back-off) to the initial 5 invokes a failure; 'gradually' argues against more",
    ]),
    backoffMinConcurrency: chosen(2, "invokes", "back-off never goes below 2, the smallest concurrency AWS names", [
      1,
      5,
      "no evidence: 1 (one poller keeps polling) to the initial 5 concurrent invokes (SQS-SCALE)",
    ]),
    scaleUpHoldAfterFailureMs: chosen(30_000, "ms", "KC-SQSSCALE: Lambda throttles scaling when errors occur; esm-sim pauses scale-up this long after a back-off", [
      0,
      120_000,
      "KC-SQSSCALE says scaling is throttled while invocation issues occur and resumes after they are resolved, but not for how long: 0 (resume at once) to two minutes (two scale-down intervals); no observation narrows it",
    ]),
    longPollWaitMs: chosen(20_000, "ms", "AWS says only that the mapping long-polls; 20 s is SQS's maximum wait and matches SQS's 'might wait up to 20 seconds'", [
      1000,
      20_000,
      "SQS-LONGPOLL: a long poll waits 1 to 20 s; the mapping long-polls (SQS), so its wait lies in that range",
    ]),
    receiveMaxMessages: aws(10, "messages", "SQS-API", "2012-11-05", "one ReceiveMessage returns at most 10 messages"),
    throttleRetryInitialMs: chosen(1000, "ms", "SQS-ERR: throttled batches are retried with back-off until the visibility timeout; first retry after this", [
      100,
      5000,
      "no evidence: SQS-ERR gives no interval; from a tenth of a second to 5 s",
    ]),
    throttleRetryMaxMs: chosen(8000, "ms", "throttle retry back-off doubles up to this", [
      1000,
      60_000,
      "no evidence: from the first retry's 1 s (no doubling) to a minute; the visibility timeout ends the retries in any case (SQS-ERR)",
    ]),
    payloadMaxBytes: aws(6 * 1024 * 1024, "bytes", "ESM", "", "a batch closes at the 6 MB synchronous invocation payload"),
    gatherVisibilityMarginMs: chosen(
      3000,
      "ms",
      "AWS does not say what the mapping does when the batching window and long poll outlast the visibility timeout (GH22 " +
        "extended the visibility instead: effectiveVisibilityExtraMs). esm-sim invokes a batch still gathering at the latest " +
        "this long before its first message's visibility runs out, so no message joins a batch that already holds it, and the " +
        "function has this long before the message can be received again; 3 s is the default function Timeout. Alternatives: " +
        "give up the message's first copy (it returns with a receive counted, as a throttled batch's do), or keep the whole " +
        "function Timeout in reserve (a queue whose visibility timeout equals the Timeout could then never gather). Plausible " +
        "range: 0 (invoke at the last moment) to the function Timeout",
      [0, 10 * 1000, "no evidence: 0 (invoke at the last moment) to 10 s, a common function Timeout; AWS is silent (see the note)"],
    ),
    accountConcurrency: aws(1000, "executions", "LIMITS", "", "default concurrent executions per Region (account.ConcurrentExecutions overrides it)"),
    fifoLookAheadMessages: aws(20_000, "messages", "KC-FIFO", "", "a FIFO receive looks through the first 20,000 messages to find available message groups"),
    fifoInFlightMax: aws(20_000, "messages", "KC-FIFO", "", "at most 20,000 in-flight messages in a FIFO queue"),
    fifoDeduplicationIntervalMs: aws(300_000, "ms", "SQS-FIFO-TERMS", "2016-11-17", "a send with a deduplication ID seen in the last 5 minutes is accepted but not delivered"),
    streamRetryInitialMs: chosen(500, "ms", "streams: AWS documents no retry interval; the first retry of a failed or throttled batch comes after this, doubling each time", [
      250,
      1000,
      "REC-STREAM: 8 invocations in about 60 s; with the 30 s cap, a first delay of 250 ms gives 9 and of 1 s gives 7, about as far as the recording allows",
    ]),
    streamRetryMaxMs: chosen(30_000, "ms", "streams: the retry back-off doubles up to this", [
      15_000,
      60_000,
      "REC-STREAM: with a 500 ms first delay, a 15 s cap gives 9 invocations in about 60 s and a 60 s cap 7; longer caps are not ruled out for longer runs",
    ]),
  };
}

const notProvisioned = () => ({
  provisionedScaleUpPerMinute: aws(null, "invokes/min", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedInvokesPerPoller: aws(null, "invokes", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedReceivesPerPollerPerS: aws(null, "calls/s", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedBytesPerPollerPerS: aws(null, "bytes/s", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
});

/** Eras without the 2022 guide's effective visibility timeout: esm-sim does not extend the visibility. */
const noVisibilityExtension = (why: string): Figure =>
  chosen(null, "ms", `${why}; esm-sim does not extend the visibility (gatherVisibilityMarginMs closes the batch instead). Set 30000 to apply GH22's rule`, [
    null,
    30_000,
    "no extension (today's pages) to GH22's 30 s extra: the only two readings the sources give",
  ]);

const functionScalingNow = () => ({
  functionScalingBurst: aws(1000, "environments", "SCALING", "2023-11-26", "each function can add 1,000 execution environments at once (BLOG-12X)"),
  functionScalingPer10s: aws(1000, "environments/10s", "SCALING", "2023-11-26", "then 1,000 more every 10 s, refilled continuously, not accumulating beyond 1,000"),
});

export const PROFILES: Record<string, Profile> = {
  current: {
    name: "current",
    asOf: "2025-11",
    description: "Today's AWS docs: 5 concurrent invokes at first, +300 a minute, up to 1,250; low traffic down to 2; provisioned mode",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "SQS-SCALE", "2023-11-06", "up to 300 more concurrent invokes per minute (WN-SQS5X)"),
      maxConcurrency: aws(1250, "invokes", "SQS-SCALE", "2025-11", "up to 1,250 concurrent function instances per SQS mapping by default (docs copy of late 2025)"),
      lowTrafficConcurrency: aws(2, "invokes", "SQS-SCALE", "2023-11-06", "at low traffic, as few as 2 concurrent invokes, unless MaximumConcurrency is set"),
      ...functionScalingNow(),
      provisionedScaleUpPerMinute: aws(1000, "invokes/min", "BLOG-SQSPROV", "2025-11-14", "provisioned mode: event pollers scale up by up to 1,000 concurrency a minute"),
      provisionedInvokesPerPoller: aws(10, "invokes", "ESM", "2025-11-14", "each event poller: up to 10 concurrent invokes"),
      provisionedReceivesPerPollerPerS: aws(10, "calls/s", "ESM", "2025-11-14", "each event poller: up to 10 SQS polling API calls per second"),
      provisionedBytesPerPollerPerS: aws(1024 * 1024, "bytes/s", "ESM", "2025-11-14", "each event poller: up to 1 MB/s of throughput"),
      effectiveVisibilityExtraMs: noVisibilityExtension("the current SQS and SQS-CFG pages no longer hold GH22's effective visibility timeout sentence and are silent on a window that outlasts the visibility timeout"),
    },
  },
  "nov-2023": {
    name: "nov-2023",
    asOf: "2023-11-06",
    description: "From the November 2023 launch: +300 a minute up to 1,000 batches; low traffic down to 2",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "WN-SQS5X", "2023-11-06", "up to 300 concurrent executions per minute (five times faster)"),
      maxConcurrency: aws(1000, "invokes", "SQS-SCALE (2023 copy)", "2023-11-06", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(2, "invokes", "SQS-SCALE (2023 copy)", "2023-11-06", "as few as 2 concurrent batches at low traffic"),
      ...functionScalingNow(),
      ...notProvisioned(),
      effectiveVisibilityExtraMs: noVisibilityExtension("GH22 held the effective visibility timeout sentence; esm-sim has no copy of the late-2023 pages to show whether they still did and treats this era as today's"),
    },
  },
  "legacy-2022": {
    name: "legacy-2022",
    asOf: "2022-11-14",
    description: "The seed notes: 5 batches at first, +60 a minute up to 1,000 batches; no low-traffic mode; account-level burst scaling",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(60, "invokes/min", "GH22", "2019-06-20", "up to 60 more instances per minute"),
      maxConcurrency: aws(1000, "invokes", "GH22", "2019-06-20", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(null, "invokes", "GH22", "2019-06-20", "no low-traffic mode is described: idle mappings fall back to 5"),
      functionScalingBurst: aws(3000, "environments", "BLOG-12X", "", "before 2023-11-26: an initial burst of 500-3,000 per Region (3,000 in the largest), shared by the account's functions"),
      functionScalingPer10s: aws(500 / 6, "environments/10s", "BLOG-12X", "", "then 500 a minute (83.33 per 10 s)"),
      ...notProvisioned(),
      effectiveVisibilityExtraMs: aws(
        30_000,
        "ms",
        "GH22",
        "2021-09-20",
        "with-sqs.md: 'If your batch window is greater than 0, and (batch window) + (function timeout) > (queue visibility " +
          "timeout), then your effective queue visibility timeout is (batch window) + (function timeout) + 30s' (in the guide " +
          "from GH commit c70b3a8)",
      ),
    },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);
/** Every figure, in listing order (mapping scaling, back-off, polling, function, provisioned mode, FIFO). */
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
  "accountConcurrency",
  "provisionedScaleUpPerMinute",
  "provisionedInvokesPerPoller",
  "provisionedReceivesPerPollerPerS",
  "provisionedBytesPerPollerPerS",
  "fifoLookAheadMessages",
  "fifoInFlightMax",
  "fifoDeduplicationIntervalMs",
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
