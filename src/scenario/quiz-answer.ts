/**
 * The answer expressions of a scenario's `quiz:` questions. An answer is never written by hand: it names a value
 * that running the scenario computes, either a report field (any path an `expect` entry may check, e.g.
 * `records.dlq`) or a count folded from the trace:
 *
 *   invocations[key=poison]     invocations whose batch held a record with this key
 *   invocations[record=msg-000007]  invocations whose batch held this record
 *   invocations[closedBy=payload]   invocations whose batch closed for this reason (size, window, payload, available,
 *                                   visibility: invoked before its first message's visibility timeout ran out)
 *   invocations[attempt=2]      invocations whose batch held a record on this delivery (SQS: ApproximateReceiveCount)
 *   dlq[key=poison]             records with this key moved to the dead-letter queue
 *   receives[key=poison]        deliveries of records with this key to the function (one per record per invocation)
 *
 * Pure: no file system, no run. The explain/quiz code evaluates them.
 */
import { METRIC_PATHS, type MetricKind } from "../metrics/paths.js";

export type TraceMeasureName = "invocations" | "dlq" | "receives";
export type TraceMeasureField = "key" | "record" | "closedBy" | "attempt";

export type AnswerExpr =
  | { kind: "report"; path: string; unit: MetricKind }
  | { kind: "trace"; measure: TraceMeasureName; field: TraceMeasureField; value: string; unit: "count" };

const MEASURE_FIELDS: Record<TraceMeasureName, readonly TraceMeasureField[]> = {
  invocations: ["key", "record", "closedBy", "attempt"],
  dlq: ["key", "record"],
  receives: ["key", "record"],
};
const CLOSED_BY = ["size", "window", "payload", "available", "visibility"];

const TRACE_RE = /^([A-Za-z]+)\[([A-Za-z]+)=([^\]]+)\]$/;

/** Parse an answer expression; a string is a message saying what is allowed. */
export function parseAnswer(text: string): AnswerExpr | string {
  const s = text.trim();
  // Own keys only: `constructor` or `__proto__` are not report fields.
  const kind = Object.hasOwn(METRIC_PATHS, s) ? METRIC_PATHS[s] : undefined;
  if (kind) return { kind: "report", path: s, unit: kind };
  const m = TRACE_RE.exec(s);
  if (!m) return `must be a report field (e.g. records.dlq, concurrency.max) or a trace count such as invocations[key=poison] (got ${JSON.stringify(text)})`;
  const [, measure, field, value] = m;
  if (!(measure in MEASURE_FIELDS)) return `${measure}[...]: the trace counts are ${Object.keys(MEASURE_FIELDS).join(", ")} (got ${JSON.stringify(text)})`;
  const fields = MEASURE_FIELDS[measure as TraceMeasureName];
  if (!fields.includes(field as TraceMeasureField)) return `${measure}[...] may select by ${fields.join(" or ")} (got ${JSON.stringify(field)})`;
  if (field === "closedBy" && !CLOSED_BY.includes(value)) return `closedBy must be one of ${CLOSED_BY.join(", ")} (got ${JSON.stringify(value)})`;
  if (field === "attempt" && !/^[1-9]\d{0,5}$/.test(value)) return `attempt must be a whole number 1.. (got ${JSON.stringify(value)})`;
  return { kind: "trace", measure: measure as TraceMeasureName, field: field as TraceMeasureField, value, unit: "count" };
}
