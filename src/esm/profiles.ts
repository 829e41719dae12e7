/**
 * Named sets of AWS figures, each as documented at a date, so a CI job can pin the assumptions it was written
 * against. Every figure carries its source; figures AWS does not document are marked `chosen` (our choice).
 *
 * Sources:
 *  - SQS-SCALE  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 *  - SQS-ERR    https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 *  - SQS        https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 *  - ESM        https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
 *  - WN-SQS5X   https://aws.amazon.com/about-aws/whats-new/2023/11/aws-lambda-polling-scale-rate-sqs-event-source (2023-11-06)
 *  - GH22       https://github.com/awsdocs/aws-lambda-developer-guide/tree/a83f69b/doc_source (with-sqs.md, 2022-11-14)
 *  - SQS-API    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */

export interface Figure {
  value: number | null;
  unit: string;
  source: string;
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
}

export type FigureName = keyof SqsFigures;

export interface Profile {
  name: string;
  asOf: string;
  description: string;
  figures: Record<FigureName, Figure>;
}

const chosen = (value: number, unit: string, note: string): Figure => ({ value, unit, source: "esm-sim", chosen: true, note });
const aws = (value: number | null, unit: string, source: string, note: string): Figure => ({ value, unit, source, chosen: false, note });

/** Figures every era shares. */
function common(): Omit<Record<FigureName, Figure>, "scaleUpPerMinute" | "maxConcurrency" | "lowTrafficConcurrency"> {
  return {
    initialConcurrency: aws(5, "invokes", "SQS-SCALE", "five batches at a time with five concurrent invokes once messages are available"),
    scaleTickMs: chosen(1000, "ms", "scale-up is applied a second at a time (rate/60 per second); AWS gives only a per-minute rate"),
    scaleDownIntervalMs: chosen(60_000, "ms", "AWS gives no scale-down rate; esm-sim re-evaluates once a minute and drops to what the last minute used"),
    backoffConcurrencyPerFailure: chosen(1, "invokes", "SQS-ERR: Lambda 'gradually backs off' after errors and throttles; the amount is undocumented"),
    backoffMinConcurrency: chosen(2, "invokes", "back-off never goes below 2, the smallest concurrency AWS names"),
    scaleUpHoldAfterFailureMs: chosen(30_000, "ms", "KC-SQSSCALE: Lambda throttles scaling when errors occur; esm-sim pauses scale-up this long after a back-off"),
    longPollWaitMs: chosen(20_000, "ms", "AWS says only that the mapping long-polls; 20 s is SQS's maximum wait and matches SQS's 'might wait up to 20 seconds'"),
    receiveMaxMessages: aws(10, "messages", "SQS-API", "one ReceiveMessage returns at most 10 messages"),
    throttleRetryInitialMs: chosen(1000, "ms", "SQS-ERR: throttled batches are retried with back-off until the visibility timeout; first retry after this"),
    throttleRetryMaxMs: chosen(8000, "ms", "throttle retry back-off doubles up to this"),
    payloadMaxBytes: aws(6 * 1024 * 1024, "bytes", "ESM", "a batch closes at the 6 MB synchronous invocation payload"),
  };
}

export const PROFILES: Record<string, Profile> = {
  current: {
    name: "current",
    asOf: "2025-11",
    description: "Today's AWS docs: 5 concurrent invokes at first, +300 a minute, up to 1,250; low traffic down to 2",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "SQS-SCALE", "up to 300 more concurrent invokes per minute"),
      maxConcurrency: aws(1250, "invokes", "SQS-SCALE", "up to 1,250 concurrent function instances per SQS mapping by default"),
      lowTrafficConcurrency: aws(2, "invokes", "SQS-SCALE", "at low traffic, as few as 2 concurrent invokes, unless MaximumConcurrency is set"),
    } as Record<FigureName, Figure>,
  },
  "nov-2023": {
    name: "nov-2023",
    asOf: "2023-11-06",
    description: "From the November 2023 launch: +300 a minute up to 1,000 batches; low traffic down to 2",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(300, "invokes/min", "WN-SQS5X", "up to 300 concurrent executions per minute (five times faster)"),
      maxConcurrency: aws(1000, "invokes", "SQS-SCALE (2023 copy)", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(2, "invokes", "SQS-SCALE (2023 copy)", "as few as 2 concurrent batches at low traffic"),
    } as Record<FigureName, Figure>,
  },
  "legacy-2022": {
    name: "legacy-2022",
    asOf: "2022-11-14",
    description: "The seed notes: 5 batches at first, +60 a minute up to 1,000 batches; no low-traffic mode",
    figures: {
      ...common(),
      scaleUpPerMinute: aws(60, "invokes/min", "GH22", "up to 60 more instances per minute"),
      maxConcurrency: aws(1000, "invokes", "GH22", "up to 1,000 batches"),
      lowTrafficConcurrency: aws(null, "invokes", "GH22", "no low-traffic mode is described: idle mappings fall back to 5"),
    } as Record<FigureName, Figure>,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);
export const FIGURE_NAMES = Object.keys(PROFILES.current.figures) as FigureName[];

/** The figures in force: a profile with single-figure overrides applied. */
export function resolveFigures(profileName: string, overrides: Partial<Record<FigureName, number | null>> = {}): SqsFigures {
  const profile = PROFILES[profileName];
  const out = {} as Record<FigureName, number | null>;
  for (const name of FIGURE_NAMES) {
    out[name] = name in overrides ? (overrides[name] as number | null) : profile.figures[name].value;
  }
  return out as unknown as SqsFigures;
}
