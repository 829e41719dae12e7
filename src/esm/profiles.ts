/**
 * Named sets of AWS figures, each as documented at a date, so a CI job can pin the assumptions it was written
 * against. Every figure carries its source and the date it took effect (as far as the sources show); figures AWS
 * does not document are marked `chosen` (esm-sim's choice) and carry no date.
 *
 * Sources:
 *  - SQS-SCALE  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 *  - SQS-ERR    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 *  - SQS        https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
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
}

export type FigureName = keyof SqsFigures;

/** Figures that may be null (absent from an era), in profiles and in `scaling:` overrides. */
export const NULLABLE_FIGURES: readonly FigureName[] = [
  "lowTrafficConcurrency",
  "provisionedScaleUpPerMinute",
  "provisionedInvokesPerPoller",
  "provisionedReceivesPerPollerPerS",
  "provisionedBytesPerPollerPerS",
];

export interface Profile {
  name: string;
  asOf: string;
  description: string;
  figures: Record<FigureName, Figure>;
}

const chosen = (value: number, unit: string, note: string): Figure => ({ value, unit, source: "esm-sim", since: "", chosen: true, note });
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
  | "provisionedBytesPerPollerPerS";

/** Figures every era shares. */
function common(): Omit<Record<FigureName, Figure>, EraFigures> {
  return {
    initialConcurrency: aws(5, "invokes", "SQS-SCALE", "2019-06-20", "five batches at a time with five concurrent invokes once messages are available (GH history from 2019-06-20)"),
    scaleTickMs: chosen(1000, "ms", "scale-up is applied a second at a time (rate/60 per second); AWS gives only a per-minute rate"),
    scaleDownIntervalMs: chosen(60_000, "ms", "AWS gives no scale-down rate; esm-sim re-evaluates once a minute and drops to what the last minute used"),
    backoffConcurrencyPerFailure: chosen(1, "invokes", "SQS-ERR: Lambda 'gradually backs off' after errors and throttles; the amount is undocumented"),
    backoffMinConcurrency: chosen(2, "invokes", "back-off never goes below 2, the smallest concurrency AWS names"),
    scaleUpHoldAfterFailureMs: chosen(30_000, "ms", "KC-SQSSCALE: Lambda throttles scaling when errors occur; esm-sim pauses scale-up this long after a back-off"),
    longPollWaitMs: chosen(20_000, "ms", "AWS says only that the mapping long-polls; 20 s is SQS's maximum wait and matches SQS's 'might wait up to 20 seconds'"),
    receiveMaxMessages: aws(10, "messages", "SQS-API", "2012-11-05", "one ReceiveMessage returns at most 10 messages"),
    throttleRetryInitialMs: chosen(1000, "ms", "SQS-ERR: throttled batches are retried with back-off until the visibility timeout; first retry after this"),
    throttleRetryMaxMs: chosen(8000, "ms", "throttle retry back-off doubles up to this"),
    payloadMaxBytes: aws(6 * 1024 * 1024, "bytes", "ESM", "", "a batch closes at the 6 MB synchronous invocation payload"),
    accountConcurrency: aws(1000, "executions", "LIMITS", "", "default concurrent executions per Region (account.ConcurrentExecutions overrides it)"),
    fifoLookAheadMessages: aws(20_000, "messages", "KC-FIFO", "", "a FIFO receive looks through the first 20,000 messages to find available message groups"),
    fifoInFlightMax: aws(20_000, "messages", "KC-FIFO", "", "at most 20,000 in-flight messages in a FIFO queue"),
    fifoDeduplicationIntervalMs: aws(300_000, "ms", "SQS-FIFO-TERMS", "2016-11-17", "a send with a deduplication ID seen in the last 5 minutes is accepted but not delivered"),
  };
}

const notProvisioned = () => ({
  provisionedScaleUpPerMinute: aws(null, "invokes/min", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedInvokesPerPoller: aws(null, "invokes", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedReceivesPerPollerPerS: aws(null, "calls/s", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
  provisionedBytesPerPollerPerS: aws(null, "bytes/s", "WN-SQSPROV", "", "provisioned mode for SQS launched 2025-11-14; not available in this era"),
});

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
    },
  },
  "legacy-2022": {
    name: "legacy-2022",
    asOf: "2022-11-14",
    description: "Before November 2023: 5 batches at first, +60 a minute up to 1,000 batches; no low-traffic mode; account-level burst scaling",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(60, "invokes/min", "GH22", "2019-06-20", "up to 60 more instances per minute"),
      maxConcurrency: aws(1000, "invokes", "GH22", "2019-06-20", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(null, "invokes", "GH22", "2019-06-20", "no low-traffic mode is described: idle mappings fall back to 5"),
      functionScalingBurst: aws(3000, "environments", "BLOG-12X", "", "before 2023-11-26: an initial burst of 500-3,000 per Region (3,000 in the largest), shared by the account's functions"),
      functionScalingPer10s: aws(500 / 6, "environments/10s", "BLOG-12X", "", "then 500 a minute (83.33 per 10 s)"),
      ...notProvisioned(),
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
