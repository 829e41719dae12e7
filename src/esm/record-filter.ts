/**
 * FilterCriteria applied to simulated records: builds the predicate a poller calls on each record it reads (streams)
 * or receives (SQS), from the compiled filter (filter-pattern.ts) and the view AWS matches against (filterView).
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filters are ORed; "the
 *   streams iterator advances past this record"; SQS: "Lambda automatically removes the message from the queue";
 *   filtering happens before batching), https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html.
 *
 * - The payload a filter sees is the record's producer's `data` (one payload per producer). Records the function
 *   wrote back to its stream have their own pseudo-producer (index traffic.length) whose data is writesBack.data.
 * - Memoized verdicts: when the patterns read only fields that are the same for every record of one producer (and,
 *   for DynamoDB, one eventName) — the data key, constants such as eventSource or awsRegion, DynamoDB's images,
 *   SizeBytes and StreamViewType — the verdict is computed once per (producer, eventName) and reused, so a run of
 *   millions of records costs one array read per record. Otherwise the record's view is built and matched each time.
 * esm-sim's choices where AWS is silent (also in README "Filtering"):
 * - DynamoDB records carry StreamViewType NEW_AND_OLD_IMAGES; the producer's `data` is the item image: NewImage on
 *   INSERT and MODIFY, OldImage on MODIFY and REMOVE (esm-sim keeps no item history). Keys is { "pk": {"S": key} }
 *   and the images do not repeat the key attribute.
 * - SQS FIFO records carry MessageGroupId = the traffic key, SequenceNumber = the production index (20 digits) and
 *   MessageDeduplicationId = the message id of the logical message (its first send; with `deduplicationId: perAttempt`,
 *   of the send itself).
 * - ApproximateCreationDateTime (DynamoDB) is the send time in whole seconds; approximateArrivalTimestamp (Kinesis)
 *   the shard's acceptance time; both counted from the scenario's startTime (virtual time 0; 2024-01-01T00:00:00Z by
 *   default).
 * Not modelled: per-record payloads (every record of a producer carries the same data), message attributes.
 */
import { STREAM_EVENT_NAMES, type ProducerConfig, type SqsSourceConfig, type StreamSourceConfig } from "../sources/config.js";
import { messageId, type SqsMessage } from "../sources/sqs-message-queue.js";
import { arrivalUsOf, eventNameIndexOf, eventNameOf, producerOf, sequenceNumber, type StreamRecord } from "../sources/stream-record.js";
import { filterView, payloadDecides, type CompiledFilter } from "../filter/filter-pattern.js";

/** The item key attribute's name in DynamoDB records' Keys (esm-sim's choice). */
export const DYNAMODB_KEY_ATTRIBUTE = "pk";
/** Every simulated DynamoDB stream carries both images (esm-sim's choice). */
export const DYNAMODB_STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES";

type Path = readonly string[];

/** Whether a path reads a field that can differ between two records of one producer (and one eventName). */
function perRecordPath(source: "sqs" | "sqs-fifo" | "kinesis" | "dynamodb", p: Path): boolean {
  const root = p[0];
  switch (source) {
    case "kinesis":
      return root === "partitionKey" || root === "sequenceNumber" || root === "approximateArrivalTimestamp";
    case "dynamodb":
      if (root !== "dynamodb") return false;
      return p.length < 2 || p[1] === "Keys" || p[1] === "SequenceNumber" || p[1] === "ApproximateCreationDateTime";
    default:
      if (root === "messageId") return true;
      if (root !== "attributes") return false;
      return p.length < 2 || p[1] !== "SenderId";
  }
}

/** True when the filter's verdict on a record depends only on its producer (and, for DynamoDB, its eventName). */
export function verdictPerProducer(filter: CompiledFilter, source: "sqs" | "sqs-fifo" | "kinesis" | "dynamodb"): boolean {
  return payloadDecides(filter, source) || filter.paths.every((p) => !perRecordPath(source, p));
}

/** A cache of verdicts by (producer, eventName slot): -1 unknown, 0 drop, 1 keep. */
function verdictCache(producers: number, slots: number): Int8Array {
  return new Int8Array(Math.max(1, producers * slots)).fill(-1);
}

/** A stream record as AWS shapes it for filters and in the function's event: the Kinesis record's `kinesis` object
 *  (data decoded, as filters see it) or the whole DynamoDB record (without eventID and eventSourceARN). */
export function streamRecordView(
  src: StreamSourceConfig,
  producers: readonly Pick<ProducerConfig, "payload">[],
  keyNames: readonly string[],
  startUnixS: number,
): (r: StreamRecord) => Record<string, unknown> {
  const epochMs = startUnixS * 1000;
  if (src.type === "kinesis") {
    return (r) =>
      filterView("kinesis", {
        payload: producers[producerOf(r)].payload,
        partitionKey: keyNames[r.keyIndex],
        sequenceNumber: sequenceNumber(r),
        arrivalMs: epochMs + arrivalUsOf(r) / 1000,
      });
  }
  return (r) => {
    const payload = producers[producerOf(r)].payload;
    const eventName = eventNameOf(r) ?? "INSERT";
    return filterView("dynamodb", {
      eventName,
      keys: { [DYNAMODB_KEY_ATTRIBUTE]: keyNames[r.keyIndex] },
      newImage: eventName === "REMOVE" ? null : payload,
      oldImage: eventName === "INSERT" ? null : payload,
      streamViewType: DYNAMODB_STREAM_VIEW_TYPE,
      sequenceNumber: sequenceNumber(r),
      sizeBytes: r.sizeBytes,
      creationS: startUnixS + Math.floor(r.sentUs / 1_000_000),
    });
  };
}

/** The stream mapping's `keep(record)` for a Kinesis or DynamoDB source. */
export function streamKeep(filter: CompiledFilter, src: StreamSourceConfig, producers: readonly Pick<ProducerConfig, "payload">[], keyNames: readonly string[], startUnixS: number): (r: StreamRecord) => boolean {
  const epochMs = startUnixS * 1000;
  const type = src.type;
  const view = streamRecordView(src, producers, keyNames, startUnixS);
  if (!verdictPerProducer(filter, type)) return (r) => filter.matches(view(r));
  const slots = type === "dynamodb" ? STREAM_EVENT_NAMES.length : 1;
  const cache = verdictCache(producers.length, slots);
  return (r) => {
    const change = eventNameIndexOf(r);
    const i = producerOf(r) * slots + (slots === 1 || change < 0 ? 0 : change);
    let v = cache[i];
    if (v < 0) {
      v = filter.matches(view(r)) ? 1 : 0;
      cache[i] = v;
    }
    return v === 1;
  };
}

/** The SQS mapping's keep(message, now) for a standard or FIFO queue, called right after the message is received. */
export function sqsKeep(filter: CompiledFilter, src: SqsSourceConfig, producers: readonly ProducerConfig[], keyNames: readonly string[], startUnixS: number): (m: SqsMessage) => boolean {
  const epochMs = startUnixS * 1000;
  const type = src.type;
  const fifo = type === "sqs-fifo";
  const deduplicationIdOf = (m: SqsMessage) => {
    const perAttempt = producers[m.producer].resend.deduplicationId === "perAttempt";
    return messageId(!perAttempt && m.logicalN !== undefined && m.logicalN >= 0 ? m.logicalN : m.n);
  };
  const view = (m: SqsMessage) =>
    filterView(type, {
      payload: producers[m.producer].payload,
      messageId: messageId(m.n),
      sentMs: epochMs + m.sentUs / 1000,
      receiveCount: m.receiveCount,
      firstReceiveMs: epochMs + m.firstReceiveUs / 1000,
      queueArn: src.queueArn,
      messageGroupId: fifo ? keyNames[m.keyIndex] : undefined,
      sequenceNumber: fifo ? String(m.n).padStart(20, "0") : undefined,
      messageDeduplicationId: fifo ? deduplicationIdOf(m) : undefined,
    });
  if (!verdictPerProducer(filter, type)) return (m) => filter.matches(view(m));
  const cache = verdictCache(producers.length, 1);
  return (m) => {
    let v = cache[m.producer];
    if (v < 0) {
      v = filter.matches(view(m)) ? 1 : 0;
      cache[m.producer] = v;
    }
    return v === 1;
  };
}
