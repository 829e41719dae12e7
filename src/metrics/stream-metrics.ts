/**
 * Stream-only metrics as a fold over the trace: IteratorAge per shard (the age of each batch's last record when it
 * is sent, AWS's current definition), series over time per shard, where given-up records went (retention, record
 * age, retries exhausted), and the on-failure destination's invocation records in AWS's JSON shape.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (IteratorAge),
 *   https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (the invocation record; for an
 *   S3 destination also `payload`, the original invocation record as an escaped JSON string, in an object named
 *   aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>),
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html (DDBStreamBatchInfo, the same S3
 *   payload and object name).
 * An invocation record is written when the trace's onFailure event says it was delivered; one that was not, to a
 * configured destination, is a delivery failure (the model decides which: esm/config.ts onFailureDelivers).
 * The destination list keeps the first DESTINATION_RECORDS_KEPT records, and with an S3 destination stops earlier
 * once the payloads kept reach DESTINATION_PAYLOAD_CHARS_KEPT characters (the count is always complete).
 * Timestamps read virtual time 0 as the scenario's startTime (2024-01-01T00:00:00Z by default); DynamoDB arrival times are whole seconds, as in AWS's
 * example. requestId values are counters shaped like UUIDs. The mapping's UUID and each object's random UUID come
 * from named PRNG streams of the run's seed ("mapping.uuid", "destination.s3ObjectKey").
 */
import { prngStream, type Prng } from "../engine/prng.js";
import { isoUtc } from "../engine/time.js";
import { arrivalUsOf, sequenceNumber, type StreamRecord } from "../sources/stream-record.js";
import type { CheckpointEvent, ExpireEvent, InvokeEvent, OnFailureEvent, SimRecord, TraceEvent } from "../trace/events.js";
import { Percentiles } from "./histogram.js";

export const DESTINATION_RECORDS_KEPT = 1000;
/** S3 destinations: the most payload characters the report keeps over all its destination records. */
export const DESTINATION_PAYLOAD_CHARS_KEPT = 8_000_000;
/** Series points are the maximum within buckets of this width, merged at report time to at most SERIES_POINTS_MAX. */
const SERIES_BUCKET_US = 10_000_000;
const SERIES_POINTS_MAX = 400;

export interface StreamMetricsContext {
  type: "kinesis" | "dynamodb";
  streamArn: string;
  functionArn: string;
  shardIds: readonly string[];
  /** The mapping's on-failure destination (DestinationConfig.OnFailure.Destination), or null. */
  destinationArn: string | null;
  /** Virtual time 0 in Unix seconds (the scenario's startTime). */
  startUnixS: number;
  /** The run's seed: the S3 object keys' UUIDs are drawn from it. */
  seed: number;
  /** The batch as the function's event (JSON text), for S3 payloads (esm/stream-event.ts). */
  eventText: (records: readonly StreamRecord[], shardId: string) => string;
}

/** Whether an on-failure destination ARN is an S3 bucket (whose invocation records carry the payload). */
export function isS3Destination(arn: string | null): boolean {
  return arn !== null && /^arn:aws[a-z-]*:s3:/.test(arn);
}

interface ShardStats {
  invocations: number;
  records: number;
  iteratorAge: Percentiles;
  /** Max iterator age (us) per 10 s bucket. */
  ageBuckets: MaxPerBucket;
  /** The last checkpoint's sequence number (formatted when asked: checkpoints are frequent, reports are not). */
  readonly checkpoint: string | null;
  checkpointRecord: SimRecord | null;
}

export class StreamMetrics {
  expiredByRetention = 0;
  discardedByRecordAge = 0;
  retryExhausted = 0;
  destinationRecords = 0;
  destinationDeliveryFailures = 0;
  readonly destinations: unknown[] = [];
  /** S3 destinations: the object key of each record in `destinations`, in the same order; empty otherwise. */
  readonly destinationObjectKeys: string[] = [];
  private payloadChars = 0;
  private keeping = true;
  private readonly s3: { mappingUuid: string; rng: Prng } | null;
  readonly shards: ShardStats[];
  private readonly concurrencyBuckets = new MaxPerBucket();
  private requestCounter = 0;

  constructor(private readonly ctx: StreamMetricsContext) {
    this.s3 = isS3Destination(ctx.destinationArn) ? { mappingUuid: uuid(prngStream(ctx.seed, "mapping.uuid")), rng: prngStream(ctx.seed, "destination.s3ObjectKey") } : null;
    this.shards = ctx.shardIds.map(() => ({ invocations: 0, records: 0, iteratorAge: new Percentiles(), ageBuckets: new MaxPerBucket(), checkpointRecord: null, get checkpoint() { return this.checkpointRecord === null ? null : sequenceNumber(this.checkpointRecord); } }));
  }

  /** Its own listener (the run joins these methods to its fold instead: metrics/run-fold.ts). */
  readonly listener = (e: TraceEvent): void => {
    switch (e.type) {
      case "invoke":
        this.onInvoke(e);
        break;
      case "expire":
        this.onExpire(e);
        break;
      case "checkpoint":
        this.onCheckpoint(e);
        break;
      case "onFailure":
        this.onOnFailure(e);
        break;
      default:
        break;
    }
  };

  onInvoke(e: InvokeEvent): void {
    if (e.shard === undefined) return;
    const s = this.shards[e.shard];
    s.invocations++;
    s.records += e.records.length;
    const bucket = Math.floor(e.tUs / SERIES_BUCKET_US);
    if (e.iteratorAgeUs !== undefined) {
      s.iteratorAge.add(e.iteratorAgeUs);
      s.ageBuckets.add(bucket, e.iteratorAgeUs);
    }
    this.concurrencyBuckets.add(bucket, e.concurrency);
  }

  onExpire(_e: ExpireEvent): void {
    this.expiredByRetention++;
  }

  onCheckpoint(e: CheckpointEvent): void {
    this.shards[e.shard].checkpointRecord = e.record;
  }

  onOnFailure(e: OnFailureEvent): void {
    if (e.condition === "RecordAgeExceeded") this.discardedByRecordAge += e.ended;
    else this.retryExhausted += e.ended;
    if (e.destinationArn === null || e.records.length === 0) return;
    if (!e.delivered) {
      this.destinationDeliveryFailures++;
      return;
    }
    this.destinationRecords++;
    if (this.keeping && this.destinations.length < DESTINATION_RECORDS_KEPT) this.keep(e);
  }

  private iso(us: number, wholeSeconds = false): string {
    return isoUtc(this.ctx.startUnixS * 1000 + us / 1000, wholeSeconds);
  }

  /** Keep the invocation record; for S3, with its payload and object key, while the payload budget lasts. */
  private keep(e: Extract<TraceEvent, { type: "onFailure" }>): void {
    const record = this.invocationRecord(e);
    if (this.s3 === null) {
      this.destinations.push(record);
      return;
    }
    const shardId = this.ctx.shardIds[e.shard];
    const payload = this.ctx.eventText(e.records as readonly StreamRecord[], shardId);
    if (this.payloadChars + payload.length > DESTINATION_PAYLOAD_CHARS_KEPT && this.destinations.length > 0) {
      this.keeping = false;
      return;
    }
    this.payloadChars += payload.length;
    record.payload = payload;
    this.destinations.push(record);
    // aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>, in UTC.
    const at = this.iso(e.tUs, true);
    const day = at.slice(0, 10);
    this.destinationObjectKeys.push(`aws/lambda/${this.s3.mappingUuid}/${shardId}/${day.replace(/-/g, "/")}/${day}T${at.slice(11, 19).replace(/:/g, ".")}-${uuid(this.s3.rng)}`);
  }

  /** The on-failure invocation record in AWS's shape and field order. */
  private invocationRecord(e: Extract<TraceEvent, { type: "onFailure" }>): Record<string, unknown> {
    const recs = e.records as readonly StreamRecord[];
    const first = recs[0];
    const last = recs[recs.length - 1];
    const ddb = this.ctx.type === "dynamodb";
    const n = ++this.requestCounter;
    const out: Record<string, unknown> = {
      requestContext: {
        requestId: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
        functionArn: this.ctx.functionArn,
        condition: e.condition,
        approximateInvokeCount: e.approximateInvokeCount,
      },
    };
    if (e.condition !== "RecordAgeExceeded") {
      out.responseContext = { statusCode: 200, executedVersion: "$LATEST", functionError: e.functionError };
    }
    out.version = "1.0";
    out.timestamp = this.iso(e.tUs);
    out[ddb ? "DDBStreamBatchInfo" : "KinesisBatchInfo"] = {
      shardId: this.ctx.shardIds[e.shard],
      startSequenceNumber: sequenceNumber(first),
      endSequenceNumber: sequenceNumber(last),
      approximateArrivalOfFirstRecord: this.iso(arrivalUsOf(first), ddb),
      approximateArrivalOfLastRecord: this.iso(arrivalUsOf(last), ddb),
      batchSize: recs.length,
      streamArn: this.ctx.streamArn,
    };
    return out;
  }

  /** Per-shard IteratorAge series, [ms since start, max age in ms] per bucket, at most SERIES_POINTS_MAX points. */
  iteratorAgeSeries(): Record<string, [number, number][]> {
    const out: Record<string, [number, number][]> = {};
    this.shards.forEach((s, i) => {
      out[this.ctx.shardIds[i]] = compress(s.ageBuckets.entries());
    });
    return out;
  }

  concurrencySeries(): [number, number][] {
    return compress(this.concurrencyBuckets.entries(), false);
  }
}

/** A version-4 UUID (RFC 9562) from 16 draws of `rng`. */
function uuid(rng: Prng): string {
  const hex: string[] = [];
  for (let i = 0; i < 16; i++) {
    let b = rng.int(256);
    if (i === 6) b = (b & 0x0f) | 0x40;
    if (i === 8) b = (b & 0x3f) | 0x80;
    hex.push(b.toString(16).padStart(2, "0"));
  }
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The largest value seen in each bucket, for buckets that come in non-decreasing order (event time): the open
 *  bucket is kept in two fields and is appended to two arrays when a later one opens, so an event costs no lookup.
 *  Arrays, not a Map: a closed bucket is only ever appended, and a Map grows by rehashing its table, a cost that
 *  shows in day-long runs with one bucket per shard every 10 s. */
class MaxPerBucket {
  private readonly closedBuckets: number[] = [];
  private readonly closedMaxima: number[] = [];
  private bucket = -1;
  private max = -1;

  add(bucket: number, value: number): void {
    if (bucket !== this.bucket) {
      if (this.bucket >= 0) {
        this.closedBuckets.push(this.bucket);
        this.closedMaxima.push(this.max);
      }
      this.bucket = bucket;
      this.max = -1;
    }
    if (value > this.max) this.max = value;
  }

  /** The buckets and their maxima, in bucket order (the open bucket included). */
  entries(): { buckets: number[]; maxima: number[] } {
    const buckets = this.closedBuckets.slice();
    const maxima = this.closedMaxima.slice();
    if (this.bucket >= 0) {
      buckets.push(this.bucket);
      maxima.push(this.max);
    }
    return { buckets, maxima };
  }
}

/** Buckets (in increasing order) to points, merging neighbours by max when there are too many. */
function compress({ buckets, maxima }: { buckets: number[]; maxima: number[] }, toMs = true): [number, number][] {
  if (buckets.length === 0) return [];
  const span = buckets[buckets.length - 1] - buckets[0] + 1;
  const factor = Math.max(1, Math.ceil(span / SERIES_POINTS_MAX));
  const out: [number, number][] = [];
  // Buckets increase, so the merged groups come in order: each point closes when the next group starts.
  let group = -1;
  let max = -1;
  const close = () => {
    if (group >= 0) out.push([(group * factor * SERIES_BUCKET_US) / 1000, toMs ? Math.round(max) / 1000 : max]);
  };
  for (let i = 0; i < buckets.length; i++) {
    const g = Math.floor(buckets[i] / factor);
    if (g !== group) {
      close();
      group = g;
      max = -1;
    }
    if (maxima[i] > max) max = maxima[i];
  }
  close();
  return out;
}
