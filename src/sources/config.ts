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

export type ProducerConfig = SteadyProducer | BurstProducer;
