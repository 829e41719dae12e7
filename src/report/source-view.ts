/**
 * What a report shows depends on its source: a queue's records can end in a dead-letter queue (the queue's
 * RedrivePolicy) and its age is that of the oldest message; a stream's records can be discarded by the mapping
 * (their metadata delivered to an on-failure destination, or dropped when there is none or it refuses the record)
 * and its age is IteratorAge per shard. The renderers ask here, so that a stream run shows no queue rows and a queue
 * run no stream rows (a row that is not zero is shown whatever the source).
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (the DLQ on the queue),
 *   https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (on-failure destinations),
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (IteratorAge; for SQS, the age of
 *   the oldest message).
 */
import type { Report, StreamReport } from "../run/result.js";
import { fmtInt, fmtMs } from "./format.js";

export type SourceKind = "queue" | "stream";

export function sourceKind(r: Report): SourceKind {
  return r.stream !== undefined ? "stream" : "queue";
}

type EndState = keyof Report["records"];

/** Where records can end, in the order the reports list them, with the source each belongs to (none: both). */
const END_STATES: { key: EndState; label: string; only?: SourceKind }[] = [
  { key: "succeeded", label: "succeeded" },
  { key: "dlq", label: "dead-letter queue", only: "queue" },
  { key: "onFailure", label: "discarded", only: "stream" },
  { key: "expired", label: "expired (retention)" },
  { key: "filtered", label: "filtered" },
  { key: "pending", label: "pending" },
];

/** The end states that belong to the report's source, and any other that is not zero. */
export function endStatesOf(r: Report): { key: EndState; label: string }[] {
  const kind = sourceKind(r);
  return END_STATES.filter((e) => e.only === undefined || e.only === kind || r.records[e.key] > 0).map(({ key, label }) => ({ key, label }));
}

/**
 * The two lines under "discarded": records whose metadata reached the on-failure destination, and records dropped
 * (no destination configured, or delivery failed: DestinationDeliveryFailures). Empty when nothing was discarded.
 */
export function discardedSplit(r: Report): { key: "onFailureDelivered" | "onFailureDropped"; label: string; n: number }[] {
  if (r.records.onFailure === 0) return [];
  const dest = r.stream?.onFailureDestination ?? null;
  return [
    { key: "onFailureDelivered", label: dest === null ? "delivered: no destination configured" : `delivered to ${dest}`, n: r.records.onFailureDelivered },
    { key: "onFailureDropped", label: dest === null ? "dropped: no destination" : "dropped: delivery failed", n: r.records.onFailureDropped },
  ];
}

const DUPLICATE_CAUSES: { key: keyof Report["duplicatesByCause"]; label: string }[] = [
  { key: "visibilityTimeout", label: "back after the visibility timeout ran out" },
  { key: "duplicateDelivery", label: "delivered twice by the queue" },
  { key: "checkpointRewind", label: "read again after a checkpoint rewind" },
  { key: "producerRetry", label: "sent twice by a producer retry" },
];

/** The causes of the run's duplicates that are not zero, in a fixed order: "3 back after the visibility timeout
 *  ran out, 1 delivered twice by the queue". Empty when there were none. */
export function duplicateCausesText(r: Report): string {
  return DUPLICATE_CAUSES.filter(({ key }) => r.duplicatesByCause[key] > 0)
    .map(({ key, label }) => `${fmtInt(r.duplicatesByCause[key])} ${label}`)
    .join(", ");
}

/** A stream's peak of records behind with its shard and time: "31,759 on shardId-000000000000 at 1m". */
export function recordsBehindText(rb: StreamReport["recordsBehind"]): string {
  return rb.maxShard === null || rb.maxAtMs === null ? fmtInt(rb.max) : `${fmtInt(rb.max)} on ${rb.maxShard} at ${fmtMs(rb.maxAtMs)}`;
}

/** What the report's `iteratorAge` measures, for labels: IteratorAge on a stream, the oldest message's age on a queue. */
export function ageLabel(r: Report): string {
  return sourceKind(r) === "stream" ? "iterator age" : "oldest message age";
}

const SHORT_KEY: Record<EndState, string> = {
  produced: "produced",
  succeeded: "succeeded",
  onFailure: "onFailure",
  dlq: "dlq",
  expired: "expired",
  filtered: "filtered",
  pending: "pending",
  deletedDespiteReportedFailure: "deletedDespiteReportedFailure",
  onFailureDelivered: "onFailureDelivered",
  onFailureDropped: "onFailureDropped",
};

/** The conservation line with the end states of the report's source: "produced 6001 = succeeded 6000 + onFailure 1 + ...". */
export function conservationOf(r: Report): string {
  const parts = endStatesOf(r).map(({ key }) => `${SHORT_KEY[key]} ${r.records[key]}`);
  return `produced ${r.records.produced} = ${parts.join(" + ")}`;
}
