/**
 * What the sources are configured with, in esm-sim's units (microseconds, bytes, records per second): the SQS queue
 * or the stream, and the producers that write to it. scenario/model.ts fills these from a scenario file.
 */
import type { Payload } from "../filter/filter-pattern.js";

export interface SqsSourceConfig {
  type: "sqs" | "sqs-fifo";
  /** sqs-fifo: message groups, exactly-once within the deduplication interval. */
  fifo: boolean;
  contentBasedDeduplication: boolean;
  queueName: string;
  queueArn: string;
  visibilityTimeoutUs: number;
  retentionUs: number;
  delayUs: number;
  /** Receives after which the next receive moves the message to the DLQ; Infinity without a redrive policy. */
  maxReceiveCount: number;
  dlqArn: string | null;
  duplicateDeliveryRate: number;
}

export type StreamEventName = "INSERT" | "MODIFY" | "REMOVE";
export const STREAM_EVENT_NAMES: readonly StreamEventName[] = ["INSERT", "MODIFY", "REMOVE"];

export interface StreamSourceConfig {
  type: "kinesis" | "dynamodb";
  streamName: string;
  streamArn: string;
  shardCount: number;
  retentionUs: number;
  /** Per-shard write limits (Kinesis); Infinity for DynamoDB Streams, whose writes come from the table. */
  writeLimitRecordsPerS: number;
  writeLimitBytesPerS: number;
  /** How often the mapping polls each shard when it has caught up: Kinesis once a second, DynamoDB four times. */
  pollIntervalUs: number;
  /** Kinesis: other standard consumers sharing each shard's read limits with the mapping (esm-sim's setting). */
  otherConsumers: number;
}

export type SourceConfig = SqsSourceConfig | StreamSourceConfig;

export function isStreamSource(s: SourceConfig): s is StreamSourceConfig {
  return s.type === "kinesis" || s.type === "dynamodb";
}

export interface KeySpec {
  /** A literal key, or null for `count` generated keys. */
  literal: string | null;
  count: number;
  distribution: "uniform" | "zipf";
  zipfExponent: number;
}

/**
 * Producer retries: with probability `rate` a send is sent a second time `afterUs` later (a lost response, say).
 * `deduplicationId` (FIFO): "message" keeps one MessageDeduplicationId per logical message, "content" relies on
 * ContentBasedDeduplication (the same body hashes the same), "perAttempt" sends a new id with every attempt.
 */
export interface ResendSpec {
  rate: number;
  afterUs: number;
  deduplicationId: "message" | "perAttempt" | "content";
}

export interface SteadyProducer {
  kind: "steady";
  /** DynamoDB: weights of INSERT, MODIFY, REMOVE (null: every record is an INSERT). */
  eventWeights: [number, number, number] | null;
  ratePerS: number;
  arrival: "even" | "poisson";
  fromUs: number;
  toUs: number;
  keys: KeySpec;
  recordSizeBytes: number;
  /** The records' payload as written (`data`), DEFAULT_DATA when absent; the same for every record of the producer. */
  data: unknown;
  /** `data` prepared for filtering once: its text and the JSON value filters see (filter/filter-pattern.ts). */
  payload: Payload;
  resend: ResendSpec;
}

export interface BurstProducer {
  kind: "burst";
  eventWeights: [number, number, number] | null;
  atUs: number;
  records: number;
  keys: KeySpec;
  recordSizeBytes: number;
  data: unknown;
  payload: Payload;
  resend: ResendSpec;
}

/** The records a replay (`fromMetrics`) sends: one entry per period that sends at least one record. */
export interface ReplayPlan {
  /** The export file, as read. */
  file: string;
  metric: string;
  periodUs: number;
  /** Start of each sending period (virtual µs), ascending. */
  startsUs: number[];
  /** Records sent in the period that starts at the same index. */
  counts: number[];
  /** Records in all. */
  total: number;
  /** The end of the export's last period (virtual µs): nothing is sent after it. */
  endUs: number;
}

/** A producer that replays a CloudWatch export: each period's records spread within the period, as `arrival` says
 *  (`even`: evenly spaced from the period's start; `poisson`: at random times within it). */
export interface ReplayProducer {
  kind: "replay";
  eventWeights: [number, number, number] | null;
  plan: ReplayPlan;
  arrival: "even" | "poisson";
  keys: KeySpec;
  recordSizeBytes: number;
  data: unknown;
  payload: Payload;
  resend: ResendSpec;
}

export type ProducerConfig = SteadyProducer | BurstProducer | ReplayProducer;

/** The records a producer sends (a steady one by its rate over from..to), before any producer retries. */
export function producerRecords(p: ProducerConfig): number {
  if (p.kind === "burst") return p.records;
  if (p.kind === "replay") return p.plan.total;
  return (p.ratePerS * Math.max(0, p.toUs - p.fromUs)) / 1e6;
}

/** The records a producer sends in [fromUs, toUs): a steady one by its rate, a replay's periods in proportion to
 *  their overlap, a burst when it lands inside. */
export function producerRecordsBetween(p: ProducerConfig, fromUs: number, toUs: number): number {
  if (p.kind === "burst") return p.atUs >= fromUs && p.atUs < toUs ? p.records : 0;
  if (p.kind === "steady") return (p.ratePerS * Math.max(0, Math.min(toUs, p.toUs) - Math.max(fromUs, p.fromUs))) / 1e6;
  let n = 0;
  const { startsUs, counts, periodUs } = p.plan;
  for (let i = 0; i < startsUs.length; i++) {
    const overlap = Math.min(toUs, startsUs[i] + periodUs) - Math.max(fromUs, startsUs[i]);
    if (overlap > 0) n += (counts[i] * overlap) / periodUs;
  }
  return n;
}

/** When a producer's last first send is due at the latest: a steady one's to, a burst's at, a replay's last period's end. */
export function producerEndUs(p: ProducerConfig): number {
  return p.kind === "steady" ? p.toUs : p.kind === "burst" ? p.atUs : p.plan.endUs;
}
