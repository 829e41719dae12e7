import { describe, expect, it } from "vitest";
import { approximateInvokeCount, decideAfterFailure, decideAfterResponse, judgeResponse, retryDelayUs, splitBeforeInvoke } from "../src/esm/stream-retry.js";
import { isoUtc } from "../src/engine/time.js";
import { formatDurationUs } from "../src/scenario/units.js";

describe("stream retry policy", () => {
  const forever = { retryAttemptsMax: Infinity, bisectOnError: false };
  it.each([
    ["a function error with retries left", 5, 0, "function-error", { retryAttemptsMax: 2, bisectOnError: false }, { kind: "retry", countsAsRetry: true }],
    ["a function error with the retries used up", 5, 2, "function-error", { retryAttemptsMax: 2, bisectOnError: false }, { kind: "discard", reason: "RetryAttemptsExhausted" }],
    ["MaximumRetryAttempts 0", 1, 0, "function-error", { retryAttemptsMax: 0, bisectOnError: false }, { kind: "discard", reason: "RetryAttemptsExhausted" }],
    ["-1 (Infinity) after 10,000 retries", 1, 10_000, "function-error", forever, { kind: "retry", countsAsRetry: true }],
    ["a throttle, even with no retries left", 5, 2, "throttle", { retryAttemptsMax: 2, bisectOnError: true }, { kind: "retry", countsAsRetry: false }],
    ["bisect on a batch of 5 (left half 3)", 5, 0, "function-error", { retryAttemptsMax: 0, bisectOnError: true }, { kind: "bisect", leftSize: 3 }],
    ["bisect with the retries used up (a split costs none)", 4, 9, "function-error", { retryAttemptsMax: 1, bisectOnError: true }, { kind: "bisect", leftSize: 2 }],
    ["bisect on a single record: retry instead", 1, 0, "function-error", { retryAttemptsMax: 1, bisectOnError: true }, { kind: "retry", countsAsRetry: true }],
  ] as const)("decides after %s", (_what, size, used, cause, policy, expected) => {
    expect(decideAfterFailure(size, used, cause, policy)).toEqual(expected);
  });

  it.each([
    ["ok", "ok", [], false, true, { kind: "success", ignoredFailures: 0 }],
    ["an error", "error", [], false, true, { kind: "failure", functionError: "Unhandled" }],
    ["a timeout", "timeout", [], false, false, { kind: "failure", functionError: "Unhandled" }],
    ["a partial response without ReportBatchItemFailures", "partial", [2, 4], false, false, { kind: "success", ignoredFailures: 2 }],
    ["a partial response: the lowest failed record is the checkpoint", "partial", [4, 2], false, true, { kind: "partial", checkpointIndex: 2 }],
    ["an empty batchItemFailures list", "partial", [], false, true, { kind: "success", ignoredFailures: 0 }],
    ["an identifier not in the batch", "partial", [], true, true, { kind: "failure", functionError: null }],
  ] as const)("judges %s", (_what, outcome, failed, invalid, rbif, expected) => {
    expect(judgeResponse(outcome, failed, invalid, rbif)).toEqual(expected);
  });

  it.each([
    ["a success", { kind: "success", ignoredFailures: 0 }, 4, 0, { retryAttemptsMax: 0, bisectOnError: true }, { kind: "done" }],
    ["a partial response that moved the checkpoint (no retry counted)", { kind: "partial", checkpointIndex: 2 }, 4, 3, { retryAttemptsMax: 0, bisectOnError: true }, { kind: "rewind", checkpointIndex: 2 }],
    ["a partial response on the first record, retries left (never bisected)", { kind: "partial", checkpointIndex: 0 }, 4, 0, { retryAttemptsMax: 1, bisectOnError: true }, { kind: "retry", reason: "PartialBatchFailure" }],
    ["a partial response on the first record, retries used up", { kind: "partial", checkpointIndex: 0 }, 4, 1, { retryAttemptsMax: 1, bisectOnError: true }, { kind: "discard", functionError: null }],
    ["a function error with retries left", { kind: "failure", functionError: "Unhandled" }, 4, 0, { retryAttemptsMax: 1, bisectOnError: false }, { kind: "retry", reason: "FunctionError" }],
    ["a function error on a batch to bisect", { kind: "failure", functionError: "Unhandled" }, 4, 9, { retryAttemptsMax: 1, bisectOnError: true }, { kind: "bisect", leftSize: 2 }],
    ["a function error with the retries used up", { kind: "failure", functionError: "Unhandled" }, 1, 1, { retryAttemptsMax: 1, bisectOnError: true }, { kind: "discard", functionError: "Unhandled" }],
    ["an invalid partial response with the retries used up", { kind: "failure", functionError: null }, 1, 0, { retryAttemptsMax: 0, bisectOnError: false }, { kind: "discard", functionError: null }],
  ] as const)("after %s", (_what, verdict, size, used, policy, expected) => {
    expect(decideAfterResponse(verdict, size, used, policy)).toEqual(expected);
  });

  it("splits off the records past retention, then those past the maximum age, from the head of a batch", () => {
    const arrivals = [0, 10, 20, 30, 40].map((s) => s * 1e6);
    expect(splitBeforeInvoke((i) => arrivals[i], 5, 95e6, 80e6, 60e6)).toEqual({ retention: 2, age: 2 });
    expect(splitBeforeInvoke((i) => arrivals[i], 5, 95e6, 80e6, Infinity)).toEqual({ retention: 2, age: 0 });
    expect(splitBeforeInvoke((i) => arrivals[i], 5, 10e6, 80e6, 60e6)).toEqual({ retention: 0, age: 0 });
  });

  it("backs off 0.5 s, doubling to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50, Infinity].map((k) => retryDelayUs(k, { initialUs: 0.5e6, maxUs: 30e6 }))).toEqual([0.5e6, 1e6, 2e6, 4e6, 8e6, 16e6, 30e6, 30e6, 30e6, 30e6]);
  });

  it("counts the refused invocation in a RecordAgeExceeded record's approximateInvokeCount", () => {
    expect(approximateInvokeCount(0, "RecordAgeExceeded")).toBe(1);
    expect(approximateInvokeCount(7, "RecordAgeExceeded")).toBe(8);
    expect(approximateInvokeCount(2, "RetryAttemptsExhausted")).toBe(2);
  });

  it("rounds durations for people without ever showing 60 of a unit", () => {
    expect(formatDurationUs(86_399_900_000)).toBe("1d");
    expect(formatDurationUs(3_599_600_000)).toBe("1h");
    expect(formatDurationUs(5_430_000_000)).toBe("1h 31m");
    expect(formatDurationUs(90_000_000)).toBe("1m 30s");
  });

  it("formats virtual times as ISO-8601 UTC without reading the clock", () => {
    expect(isoUtc(1_704_067_200_000)).toBe("2024-01-01T00:00:00.000Z");
    expect(isoUtc(1_709_210_096_789)).toBe("2024-02-29T12:34:56.789Z");
    expect(isoUtc(951_782_400_000, true)).toBe("2000-02-29T00:00:00Z");
    expect(isoUtc(0)).toBe("1970-01-01T00:00:00.000Z");
  });
});
