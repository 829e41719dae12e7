/** What an event source mapping is configured with, in esm-sim's units; scenario/model.ts fills it from a scenario file. */
import type { CompiledFilter } from "../filter/filter-pattern.js";

export interface MappingConfig {
  batchSize: number;
  batchingWindowUs: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency: number | null;
  /** ProvisionedPollerConfig: provisioned mode with this many event pollers at least and at most; null = on-demand. */
  provisioned: { minPollers: number; maxPollers: number } | null;
  enabled: boolean;
  /** FilterCriteria compiled once; null without filters (every record goes to the function). */
  filter: CompiledFilter | null;
  /** Streams only from here on (defaults elsewhere). */
  startingPosition: "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";
  /** AT_TIMESTAMP: virtual time of StartingPositionTimestamp (may be negative: before the run began). */
  startingPositionUs: number;
  parallelizationFactor: number;
  /** Kinesis: the mapping reads through an enhanced fan-out consumer (pushed, a dedicated 2 MB/s per shard). */
  enhancedFanOut: boolean;
  /** Retries after the first attempt; Infinity for -1. */
  retryAttemptsMax: number;
  /** Infinity for -1. */
  recordAgeMaxUs: number;
  bisectOnError: boolean;
  /** The retry back-off of a failed or throttled batch: first delay and cap (profile figures streamRetryInitialMs, streamRetryMaxMs). */
  retryBackoffInitialUs: number;
  retryBackoffMaxUs: number;
  /** 0 = no tumbling window. */
  tumblingWindowUs: number;
  onFailureArn: string | null;
  /** When the mapping is created (esm-sim's `startAt`). */
  startAtUs: number;
  /** Periods during which the mapping is disabled, sorted; `toUs` Infinity when never re-enabled. */
  disabledPeriods: { fromUs: number; toUs: number }[];
}

/**
 * Whether a stream mapping's on-failure invocation record reaches `destinationArn`: an SQS queue, an SNS topic or an
 * S3 bucket does; a FIFO queue or topic does not (stream mappings support standard queues and topics only:
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html), and each refused record is a
 * DestinationDeliveryFailures. With no destination the record is dropped. Other failures (permissions, size) are
 * not modelled.
 */
export function onFailureDelivers(destinationArn: string | null): boolean {
  if (destinationArn === null) return false;
  return !(/^arn:aws[a-z-]*:(sqs|sns):/.test(destinationArn) && destinationArn.endsWith(".fifo"));
}
