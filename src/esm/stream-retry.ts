/**
 * The stream mapping's error policies as pure functions returning tagged decisions: how a function response is
 * judged, what follows it (the batch is done, its rest is a new batch, it is retried, bisected or discarded), which
 * records of a batch are split off before an invocation (retention, MaximumRecordAgeInSeconds), and the retry
 * back-off.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html (throttles do not count as retries).
 *
 * - MaximumRetryAttempts counts retries after the first attempt; Infinity stands for -1 (until the records expire).
 * - Throttles (the batch never reached the function) never use up a retry and are never bisected.
 * - BisectBatchOnFunctionError (esm-sim's reading of what AWS leaves open): every function error on a batch of two or
 *   more records splits it, left half = the first ceil(n/2) records, invoked first; the right half waits for it. A
 *   split uses no retry, and each half is a new batch with its own retry count, as AWS treats the rest of a batch
 *   after a partial response (recorded: 1 attempt + MaximumRetryAttempts retries). So retries are only spent on
 *   single-record batches, and MaximumRetryAttempts 0 still bisects down to one record.
 * - ReportBatchItemFailures: the lowest reported sequence number becomes the checkpoint; an empty list is success;
 *   an identifier not in the batch (`effect: partial-invalid`) fails the whole batch; failures outside a top-level
 *   batchItemFailures list (`effect: partial-unread`) leave no list to read, a complete success
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html lists a null list as
 *   one; the mapping passes such a response here as unread). When the checkpoint moved, the
 *   rest is a new batch (fresh retry count); when it did not, the same batch is retried and the retry counts.
 * - Records split off before an invocation: those past the stream's retention are lost (RetentionPeriodExceeded),
 *   then those older than MaximumRecordAgeInSeconds go to the on-failure destination (RecordAgeExceeded). A batch is
 *   in sequence order, so both are a prefix.
 * - Back-off (AWS documents none): the profile figures streamRetryInitialMs after a batch's first failure, doubling
 *   with each further failure of the same batch to at most streamRetryMaxMs (500 ms and 30 s by default); a bisected
 *   half and the rest of a batch after a partial response are new batches and start again. With the defaults a record
 *   that always fails with MaximumRecordAgeInSeconds 60 is invoked 7 times and its RecordAgeExceeded record says
 *   approximateInvokeCount 8 (AWS recorded 8 in about 60 s). Throttles back off the same way on their own count.
 */
import type { Outcome } from "../trace/events.js";

/** The retry back-off: the first delay and the cap, in microseconds (from the profile's stream retry figures). */
export interface RetryBackoff {
  initialUs: number;
  maxUs: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt; Infinity = until the records expire. */
  retryAttemptsMax: number;
  bisectOnError: boolean;
}

export type FailureCause = "function-error" | "throttle";

export type FailureDecision =
  | { kind: "retry"; countsAsRetry: boolean }
  | { kind: "bisect"; leftSize: number }
  | { kind: "discard"; reason: "RetryAttemptsExhausted" };

/** What follows a batch of `size` records that failed (`retriesUsed` retries of this batch already spent). */
export function decideAfterFailure(size: number, retriesUsed: number, cause: FailureCause, policy: RetryPolicy): FailureDecision {
  if (cause === "throttle") return { kind: "retry", countsAsRetry: false };
  if (policy.bisectOnError && size > 1) return { kind: "bisect", leftSize: Math.ceil(size / 2) };
  if (retriesUsed < policy.retryAttemptsMax) return { kind: "retry", countsAsRetry: true };
  return { kind: "discard", reason: "RetryAttemptsExhausted" };
}

export type Verdict =
  | { kind: "success"; ignoredFailures: number }
  /** Records before `checkpointIndex` are done; the rest is retried from there. */
  | { kind: "partial"; checkpointIndex: number }
  | { kind: "failure"; functionError: "Unhandled" | null };

/** The verdicts every plain success and every error or timeout share (verdicts are never changed). */
const SUCCESS: Verdict = { kind: "success", ignoredFailures: 0 };
const UNHANDLED: Verdict = { kind: "failure", functionError: "Unhandled" };

/**
 * Judge a function response. `failedIndexes`: positions in the batch of the records the response reports failed.
 * Without ReportBatchItemFailures a response is never read: any normal return is success.
 */
export function judgeResponse(outcome: Outcome, failedIndexes: readonly number[], invalidResponse: boolean, rbif: boolean): Verdict {
  if (outcome === "error" || outcome === "timeout") return UNHANDLED;
  if (outcome === "ok") return SUCCESS;
  if (!rbif) return { kind: "success", ignoredFailures: invalidResponse ? 0 : failedIndexes.length };
  if (invalidResponse) return { kind: "failure", functionError: null };
  if (failedIndexes.length === 0) return SUCCESS;
  let lowest = failedIndexes[0];
  for (const i of failedIndexes) if (i < lowest) lowest = i;
  return { kind: "partial", checkpointIndex: lowest };
}

/** What the mapping does with a batch after the function's response was judged. */
export type AfterResponse =
  /** The batch is finished. */
  | { kind: "done" }
  /** Records before `checkpointIndex` are done; the rest is a new batch (fresh retry count), retried without
   *  counting a retry. */
  | { kind: "rewind"; checkpointIndex: number }
  /** The same batch again, counting one retry. */
  | { kind: "retry"; reason: "FunctionError" | "PartialBatchFailure" }
  | { kind: "bisect"; leftSize: number }
  /** Give up: the records go to the on-failure destination (RetryAttemptsExhausted). */
  | { kind: "discard"; functionError: "Unhandled" | null };

const DONE: AfterResponse = { kind: "done" };
const RETRY_FUNCTION_ERROR: AfterResponse = { kind: "retry", reason: "FunctionError" };
const RETRY_PARTIAL: AfterResponse = { kind: "retry", reason: "PartialBatchFailure" };

/** What follows a response judged `verdict` on a batch of `size` records (`retriesUsed` retries of it spent). A
 *  partial response whose checkpoint did not move retries the same batch, never bisected. */
export function decideAfterResponse(verdict: Verdict, size: number, retriesUsed: number, policy: RetryPolicy): AfterResponse {
  switch (verdict.kind) {
    case "success":
      return DONE;
    case "partial":
      if (verdict.checkpointIndex > 0) return { kind: "rewind", checkpointIndex: verdict.checkpointIndex };
      return retriesUsed < policy.retryAttemptsMax ? RETRY_PARTIAL : { kind: "discard", functionError: null };
    case "failure": {
      const d = decideAfterFailure(size, retriesUsed, "function-error", policy);
      if (d.kind === "retry") return RETRY_FUNCTION_ERROR;
      if (d.kind === "bisect") return d;
      return { kind: "discard", functionError: verdict.functionError };
    }
  }
}

export interface Split {
  /** Leading records past the stream's retention (lost). */
  retention: number;
  /** The records after those that are older than MaximumRecordAgeInSeconds (to the on-failure destination). */
  age: number;
}

/** How many leading records of a batch (sorted by arrival) must be split off before invoking at `nowUs`. */
export function splitBeforeInvoke(arrivalsUs: (i: number) => number, size: number, nowUs: number, retentionUs: number, recordAgeMaxUs: number): Split {
  let i = 0;
  while (i < size && arrivalsUs(i) + retentionUs <= nowUs) i++;
  const retention = i;
  if (recordAgeMaxUs !== Infinity) while (i < size && nowUs - arrivalsUs(i) > recordAgeMaxUs) i++;
  return { retention, age: i - retention };
}

/** The delay before the next attempt after `consecutiveFailures` failures in a row (1 = the first). */
export function retryDelayUs(consecutiveFailures: number, backoff: RetryBackoff): number {
  const k = Math.max(1, consecutiveFailures);
  // Past 60 doublings any first delay of at least 1 µs is past any cap a scenario can set: no overflow to Infinity.
  if (k > 60) return backoff.maxUs;
  return Math.min(backoff.initialUs * 2 ** (k - 1), backoff.maxUs);
}

/** The approximateInvokeCount of an on-failure record: the batch's invocations, plus the refused one when the
 *  records aged out before it (AWS recorded 1 for records too old before any invocation). */
export function approximateInvokeCount(invocations: number, condition: "RetryAttemptsExhausted" | "RecordAgeExceeded"): number {
  return condition === "RecordAgeExceeded" ? invocations + 1 : invocations;
}
