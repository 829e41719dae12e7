/**
 * Pure scaling policy for the SQS mapping: given what the last tick saw, how many concurrent pollers to run.
 * Figures come from the profile (profiles.ts); the decisions AWS does not document are marked there as chosen.
 *
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import type { SqsFigures } from "./profiles.js";

export interface ScaleLimits {
  /** min(profile maximum, MaximumConcurrency, account concurrency). */
  ceiling: number;
  /** MaximumConcurrency is set (turns off the low-traffic optimisation). */
  hasMaximumConcurrency: boolean;
}

export function scaleCeiling(figures: SqsFigures, maximumConcurrency: number | null, accountConcurrency: number): ScaleLimits {
  return {
    ceiling: Math.min(figures.maxConcurrency, maximumConcurrency ?? Infinity, accountConcurrency),
    hasMaximumConcurrency: maximumConcurrency !== null,
  };
}

export type ScaleDecision = { kind: "hold" } | { kind: "set"; to: number; reason: "scale-up" | "scale-down" | "low-traffic" | "back-off" };

/**
 * Scale-up, once a tick: while messages are still visible and no poller sits idle, add scaleUpPerMinute/60 per
 * second (fractions carried in `allowance`), up to the ceiling. Returns the new allowance too.
 */
export function decideScaleUp(
  target: number,
  backlogVisible: number,
  idlePollers: number,
  allowance: number,
  tickMs: number,
  figures: SqsFigures,
  limits: ScaleLimits,
): { decision: ScaleDecision; allowance: number } {
  if (backlogVisible === 0 || idlePollers > 0 || target >= limits.ceiling) return { decision: { kind: "hold" }, allowance: 0 };
  const a = allowance + (figures.scaleUpPerMinute * tickMs) / 60_000;
  const add = Math.floor(a + 1e-9);
  if (add === 0) return { decision: { kind: "hold" }, allowance: a };
  return { decision: { kind: "set", to: Math.min(limits.ceiling, target + add), reason: "scale-up" }, allowance: a - add };
}

/**
 * Scale-down, once per scaleDownInterval: if no backlog was seen in the interval, drop to what the interval used,
 * but not below the initial concurrency (5); at low traffic (the interval never used more than
 * lowTrafficConcurrency) down to that figure, unless MaximumConcurrency is set.
 */
export function decideScaleDown(target: number, sawBacklog: boolean, peakBusy: number, figures: SqsFigures, limits: ScaleLimits): ScaleDecision {
  if (sawBacklog) return { kind: "hold" };
  const low = figures.lowTrafficConcurrency;
  if (low !== null && !limits.hasMaximumConcurrency && peakBusy <= low) {
    const to = Math.min(target, low);
    return to < target ? { kind: "set", to, reason: "low-traffic" } : { kind: "hold" };
  }
  const to = Math.min(target, Math.max(Math.min(figures.initialConcurrency, limits.ceiling), peakBusy));
  return to < target ? { kind: "set", to, reason: "scale-down" } : { kind: "hold" };
}

/**
 * Provisioned mode (ProvisionedPollerConfig) as figures for the same policies: each event poller runs up to
 * `provisionedInvokesPerPoller` concurrent invokes, so the mapping starts at MinimumPollers x that (dedicated
 * pollers are ready before traffic), scales by `provisionedScaleUpPerMinute`, up to MaximumPollers x that, and
 * never drops (scale-down, back-off) below the minimum; there is no low-traffic optimisation.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html (provisioned mode),
 *   https://aws.amazon.com/blogs/aws/aws-lambda-enhances-sqs-processing-with-new-provisioned-mode-3x-faster-scaling-16x-higher-capacity
 * esm-sim's choices: the scale-up trigger is the on-demand one (messages waiting, no idle slot); back-off after
 * errors and throttles applies down to the minimum.
 */
export function provisionedFigures(figures: SqsFigures, minPollers: number, maxPollers: number): SqsFigures {
  const per = figures.provisionedInvokesPerPoller ?? 10;
  const min = minPollers * per;
  return {
    ...figures,
    initialConcurrency: min,
    scaleUpPerMinute: figures.provisionedScaleUpPerMinute ?? figures.scaleUpPerMinute,
    maxConcurrency: maxPollers * per,
    lowTrafficConcurrency: null,
    backoffMinConcurrency: min,
  };
}

/** After a function error (without ReportBatchItemFailures) or a throttle: remove concurrency, down to a floor. */
export function decideBackOff(target: number, figures: SqsFigures, limits: ScaleLimits): ScaleDecision {
  const floor = Math.min(figures.backoffMinConcurrency, limits.ceiling);
  const to = Math.max(floor, target - figures.backoffConcurrencyPerFailure);
  return to < target ? { kind: "set", to, reason: "back-off" } : { kind: "hold" };
}
