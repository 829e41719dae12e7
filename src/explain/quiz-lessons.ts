/**
 * What each quiz question teaches: its concept, the rule (and so the AWS page) behind its answer, and the mistakes
 * learners make about that rule, from which the wrong choices are computed. A mistake is either the scenario run
 * again with a `--set` change (the other profile, the setting left out) or the arithmetic of the mistake on the
 * scenario's settings (every batch full, the window or the visibility timeout left out); no value is written by
 * hand, so the choices follow the scenario when it changes.
 *
 * The shipped scenarios' questions each have a lesson here, keyed by scenario name and answer expression (a test
 * checks that every shipped question has one). A question in a scenario file of the user's own gets a lesson
 * built from its settings: the rule its answer field is about, and the settings it uses, each left out in turn.
 */
import type { Report } from "../run/result.js";
import type { Scenario } from "../scenario/model.js";
import { PROFILE_NAMES } from "../esm/profiles.js";
import { producerEndUs, producerRecords as recordsOf, producerRecordsBetween } from "../sources/config.js";
import type { RuleId } from "./rules.js";
import type { Pick } from "./quiz.js";

export type MistakeSpec =
  /** The scenario run again with these `--set` changes: what the answer (or the field `measure`) would be under the
   *  mistaken belief. */
  | { mistake: string; set: readonly string[]; measure?: string }
  /** The mistake's arithmetic on the settings (and the run's totals), in the answer's unit (ms for times). */
  | { mistake: string; calc: (s: Scenario, r: Report) => number }
  /** A yes/no question: the reasoning that leads to the other answer. */
  | { mistake: string };

export interface Lesson {
  /** The concept the question is about, named without its answer. */
  concept: string;
  rule: RuleId;
  mistakes: readonly MistakeSpec[];
}

/** Records the run produced (traffic, and any written back). */
const produced = (_s: Scenario, r: Report) => r.records.produced;
/** A batch of BatchSize records' duration, in ms. */
const fullBatchMs = (s: Scenario) => (s.fn.baseUs + s.fn.perRecordUs * s.mapping.batchSize) / 1000;
/** Batches if every batch were full. */
const fullBatches = (s: Scenario, r: Report) => Math.ceil(r.records.produced / s.mapping.batchSize);
/** The traffic's last arrival (its `to`, or `at` for a burst), in ms. */
const trafficEndMs = (s: Scenario) => Math.max(...s.traffic.map((t) => producerEndUs(t) / 1000));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** Records the traffic writes in [fromUs, toUs): steady producers by their rate, bursts by their time. */
const recordsBetween = (s: Scenario, fromUs: number, toUs: number) =>
  sum(s.traffic.map((t) => producerRecordsBetween(t, fromUs, toUs)));
/** Records of one producer (the traffic's i-th entry). */
const producerRecords = (s: Scenario, i: number) => {
  const t = s.traffic[i];
  return t === undefined ? 0 : recordsOf(t);
};
/** DynamoDB: the share of REMOVE events among the traffic's records (by the first producer's weights). */
const removeShare = (s: Scenario) => {
  const w = s.traffic[0]?.eventWeights;
  return w ? w[2] / sum(w) : 0;
};
/** The first producer's record size in bytes. */
const recordBytes = (s: Scenario) => Math.max(1, s.traffic[0]?.recordSizeBytes ?? 1);
/** Receives of a message retried until the queue's retention (SQS default, 4 days) ends, one per visibility timeout. */
const retriesUntilRetention = (s: Scenario) => {
  const vt = s.source.type === "sqs" || s.source.type === "sqs-fifo" ? s.source.visibilityTimeoutUs : 30e6;
  return Math.floor((4 * 86_400e6) / Math.max(1e6, vt));
};
/** The bytes the traffic produced (every record of the first producer's size). */
const bytesProduced = (s: Scenario, r: Report) => r.records.produced * recordBytes(s);
/** A standard consumer's share of a Kinesis shard's reads: 1 / (1 + other consumers). */
const readShare = (s: Scenario) => 1 / (1 + (s.source.type === "kinesis" ? s.source.otherConsumers : 0));
/** Shards of a stream source (1 for a queue). */
const shardCount = (s: Scenario) => (s.source.type === "kinesis" || s.source.type === "dynamodb" ? s.source.shardCount : 1);
/** Distinct keys of the traffic (`keys: N` counts N, a literal key 1). */
const keyCount = (s: Scenario) => s.traffic.reduce((n, t) => n + (t.keys.literal === null ? t.keys.count : 1), 0);
/** Time to process every record at `concurrency` full batches at once, in ms. */
const drainAt = (concurrency: number) => (s: Scenario, r: Report) => (fullBatches(s, r) * fullBatchMs(s)) / concurrency;

/** How many times a message that always fails is invoked before its redrive policy (maxReceiveCount 5) moves it:
 *  the mistakes learners make, the same for a standard and a FIFO queue. */
const MAX_RECEIVE_COUNT_MISTAKES: readonly MistakeSpec[] = [
  { mistake: "if the message moved at its first failure", calc: () => 1 },
  { mistake: "if the asynchronous invocation rule applied (the first try and 2 retries)", calc: () => 3 },
  { mistake: "if maxReceiveCount counted the retries after the first delivery", calc: () => 6 },
  { mistake: "if the message were retried until its retention ran out (4 days, one receive per visibility timeout)", calc: (s) => retriesUntilRetention(s) },
];

/** How old the last record of a batch gets on a shard that falls behind: one lesson for both IteratorAge scenarios. */
const ITERATOR_AGE_LESSON: Lesson = {
  concept: "IteratorAge",
  rule: "iteratorAge",
  mistakes: [
    { mistake: "if the shard kept up: one batch's duration", calc: fullBatchMs },
    { mistake: "if a record waited at most one poll, a second", calc: () => 1000 },
    { mistake: "if IteratorAge were the traffic's length", calc: trafficEndMs },
    { mistake: "if it were the time to process every record", calc: (s, r) => drainAt(shardCount(s))(s, r) },
  ],
};

/** The shipped scenarios' questions: scenario name, then the question's answer expression. */
export const LESSONS: Readonly<Record<string, Readonly<Record<string, Lesson>>>> = {
  "learn-sqs-polling-synchronous": {
    "concurrency.max": {
      concept: "polling and synchronous invocation",
      rule: "sqsStart",
      mistakes: [
        { mistake: "if every message were invoked on its own, all at once", calc: produced },
        { mistake: "if every batch of BatchSize ran at once", calc: fullBatches },
        { mistake: "if a single poller worked through the queue", calc: () => 1 },
        { mistake: "if it stayed at the 2 concurrent batches of the low-traffic mode", calc: (s) => s.figures.lowTrafficConcurrency ?? 2 },
        { mistake: "if the mapping took the account's whole concurrency at once", calc: (s) => s.accountConcurrency },
      ],
    },
    "invocations.total": {
      concept: "BatchSize",
      rule: "batchSize",
      mistakes: [
        { mistake: "if every message were its own invocation", calc: produced },
        { mistake: "if each of the first pollers invoked once with its share of the queue", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if one invocation took every waiting message", calc: () => 1 },
        { mistake: "if each ReceiveMessage call (10 messages at most) were split over two invocations", calc: (s, r) => 2 * Math.ceil(r.records.produced / s.figures.receiveMaxMessages) },
      ],
    },
  },
  "learn-sqs-long-polling-batch-size": {
    "invocations.total": {
      concept: "BatchSize without a batching window",
      rule: "receiveAvailable",
      mistakes: [
        { mistake: "if every message were its own invocation", calc: produced },
        { mistake: "if a batch waited until BatchSize messages were there (the late message filling the last one)", calc: fullBatches },
        { mistake: "if each of the first pollers took an equal share of the 25, plus one for the late message", calc: (s) => s.figures.initialConcurrency + 1 },
        { mistake: "if one receive returned all 25 waiting messages, plus one for the late message", calc: () => 2 },
      ],
    },
    "sqs.emptyPolls": {
      concept: "SQS long polling",
      rule: "longPolling",
      mistakes: [
        { mistake: "if long polling meant no empty receives at all", calc: () => 0 },
        { mistake: "if each of the first pollers received once a second (short polling)", calc: (s) => (s.figures.initialConcurrency * trafficEndMs(s)) / 1000 },
        { mistake: "if a single poller long-polled the empty queue (120 s / 20 s)", calc: (s) => trafficEndMs(s) / s.figures.longPollWaitMs },
        { mistake: "if only the 2 pollers of the low-traffic mode long-polled", calc: (s) => ((s.figures.lowTrafficConcurrency ?? 2) * trafficEndMs(s)) / s.figures.longPollWaitMs },
        { mistake: "if an idle mapping kept the most pollers an SQS mapping may reach", calc: (s) => (s.figures.maxConcurrency * trafficEndMs(s)) / s.figures.longPollWaitMs },
      ],
    },
  },
  "learn-sqs-batch-window": {
    "invocations.total": {
      concept: "the batching window at low traffic",
      rule: "batchWindow",
      mistakes: [
        { mistake: "if every batch waited to fill BatchSize (records / BatchSize)", calc: fullBatches },
        { mistake: "if one window of 10 s served the whole mapping (60 s / 10 s)", calc: (s) => trafficEndMs(s) / (s.mapping.batchingWindowUs / 1000) },
        { mistake: "without the batching window (and so with BatchSize 10, as AWS requires then)", set: ["mapping.BatchSize=10", "mapping.MaximumBatchingWindowInSeconds=0"] },
        { mistake: "if every message were its own invocation", calc: produced },
        { mistake: "if a poller invoked after every receive, once a second", calc: (s) => trafficEndMs(s) / 1000 },
      ],
    },
  },
  "learn-sqs-deletion-after-success": {
    "sqs.visibilityRedeliveries": {
      concept: "deletion after success",
      rule: "deleteOnSuccess",
      mistakes: [
        { mistake: "if Lambda retried the failed batch itself, so that nothing went back to the queue", calc: () => 0 },
        { mistake: "if the failed batch came back as one item", calc: () => 1 },
        { mistake: "if received messages stayed in the queue until their visibility timeout, success or not", calc: produced },
        { mistake: "if the successful messages came back instead, the function never deleting them", calc: (s) => producerRecords(s, 0) },
      ],
    },
  },
  "learn-sqs-invalid-partial-response": {
    "records.dlq": {
      concept: "an invalid partial batch response fails the whole batch",
      rule: "invalidPartialResponse",
      mistakes: [
        { mistake: "with the message ID in the response: if an invalid entry still kept only the message it meant", set: ["function.failures.0.effect=partial"] },
        { mistake: "if Lambda ignored an invalid response and deleted the whole batch as processed", calc: () => 0 },
        { mistake: "counting only the nine good messages, as if the bad one were deleted", calc: (_s, r) => r.records.produced - 1 },
      ],
    },
  },
  "learn-sqs-wrapped-partial-response": {
    "records.dlq": {
      concept: "a partial batch response Lambda cannot find is a complete success",
      rule: "unreadPartialResponse",
      mistakes: [
        { mistake: "if Lambda read the list inside the body: the bad message retried until the DLQ takes it", set: ["function.failures.0.effect=partial"] },
        { mistake: "if a response Lambda cannot read were invalid, failing the whole batch", set: ["function.failures.0.effect=partial-invalid"] },
        { mistake: "counting the nine good messages too, as if the batch had failed", calc: (_s, r) => r.records.produced - 1 },
      ],
    },
  },
  "learn-sqs-duplicates-without-errors": {
    duplicates: {
      concept: "at-least-once delivery",
      rule: "atLeastOnce",
      mistakes: [
        { mistake: "if a message could come twice only after an error or a timeout", calc: () => 0 },
        { mistake: "if duplicateDeliveryRate 0.01 were one message in ten", calc: (_s, r) => r.records.produced / 10 },
        { mistake: "if at-least-once meant every message delivered twice", calc: produced },
      ],
    },
  },
  "learn-sqs-failed-batch-regrouping": {
    "invocations[attempt=2]": {
      concept: "failed batches returning and regrouping",
      rule: "regrouping",
      mistakes: [
        { mistake: "if the failed batches came back as they were, the same two batches", calc: () => 2 },
        { mistake: "if each returned message were invoked on its own", calc: () => 20 },
        { mistake: "if the 20 were spread over the mapping's first 5 pollers", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if a failed batch went to the dead-letter queue at once", calc: () => 0 },
      ],
    },
  },
  "sqs-slow-consumer-sensitivity": {
    endedAt: {
      concept: "back-off after failures, and how long scale-up holds",
      rule: "sqsBackOff",
      mistakes: [
        { mistake: "if scale-up went on at once after each failure (esm-sim's hold set to 0)", set: ["scaling.scaleUpHoldAfterFailureMs=0"] },
        { mistake: "if the mapping stayed at its first five concurrent batches", calc: drainAt(5) },
        { mistake: "if it reached its most concurrent batches at once and never backed off", calc: (s, r) => drainAt(s.figures.maxConcurrency)(s, r) },
      ],
    },
  },
  "learn-sqs-window-past-visibility": {
    "invocations.total": {
      concept: "a batching window longer than the visibility timeout",
      rule: "visibilityTimeout",
      mistakes: [
        { mistake: "under the 2022 guide's effective visibility timeout, which lets each batch wait out the window", set: ["profile=legacy-2022"] },
        { mistake: "if one batch gathered for each 30 s window", calc: (s) => trafficEndMs(s) / (s.mapping.batchingWindowUs / 1000) },
        { mistake: "if every message were its own invocation", calc: produced },
        { mistake: "if a single poller closed a batch at each 10 s visibility timeout", calc: (s) => trafficEndMs(s) / ((s.source.type === "sqs" || s.source.type === "sqs-fifo" ? s.source.visibilityTimeoutUs : 30e6) / 1000) },
      ],
    },
    "latency.max": {
      concept: "a batching window longer than the visibility timeout",
      rule: "batchWindow",
      mistakes: [
        { mistake: "if the batch waited out the whole batching window", calc: (s) => s.mapping.batchingWindowUs / 1000 + fullBatchMs(s) },
        { mistake: "under the 2022 guide's effective visibility timeout, which lets a batch wait out the window", set: ["profile=legacy-2022"] },
        { mistake: "if a batch closed exactly at the visibility timeout", calc: (s) => (s.source.type === "sqs" || s.source.type === "sqs-fifo" ? s.source.visibilityTimeoutUs : 30e6) / 1000 },
      ],
    },
  },
  "learn-sqs-payload-limit": {
    "batchSize.max": {
      concept: "the 6 MB invocation payload limit",
      rule: "payloadLimit",
      mistakes: [
        { mistake: "if BatchSize alone closed the batch", calc: (s) => s.mapping.batchSize },
        { mistake: "if a batch held one ReceiveMessage call's 10 messages at most", calc: (s) => s.figures.receiveMaxMessages },
        { mistake: "if the 256 KB limit of asynchronous invocations applied (one 200 KB message)", calc: (s) => Math.floor((256 * 1024) / recordBytes(s)) },
        { mistake: "if the payload limit were 1 MB", calc: (s) => Math.floor((1024 * 1024) / recordBytes(s)) },
      ],
    },
    "invocations[closedBy=payload]": {
      concept: "the 6 MB invocation payload limit",
      rule: "payloadLimit",
      mistakes: [
        { mistake: "if BatchSize or the window closed every batch, never the payload", calc: () => 0 },
        { mistake: "if only the first batch closed on the payload, the later ones on the window", calc: () => 1 },
        { mistake: "if the last, smaller batch closed on the payload too (100 / 30, rounded up)", calc: (_s, r) => Math.ceil(r.records.produced / r.batchSize.max) },
        { mistake: "if a batch closed at each ReceiveMessage call's 10 messages", calc: (s, r) => r.records.produced / s.figures.receiveMaxMessages },
      ],
    },
  },
  "learn-sqs-standard-order": {
    orderingViolations: {
      concept: "order in a standard queue",
      rule: "standardOrder",
      mistakes: [
        { mistake: "if a standard queue delivered in the order sent", calc: () => 0 },
        { mistake: "if only the first message of each key could be overtaken", calc: () => 5 },
        { mistake: "if every message were processed out of order", calc: produced },
      ],
    },
  },
  "sqs-backlog-burst": {
    "concurrency.max": {
      concept: "the SQS scale-up rate",
      rule: "sqsScaleUp",
      mistakes: [
        { mistake: "under the rate before November 2023 (+60 a minute)", set: ["profile=legacy-2022"] },
        { mistake: "if the mapping stayed at its first 5 concurrent batches", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if it went straight to the most an SQS mapping may reach", calc: (s) => s.figures.maxConcurrency },
        { mistake: "if every batch of 10 ran at once", calc: fullBatches },
      ],
    },
    endedAt: {
      concept: "the SQS scale-up rate",
      rule: "sqsScaleUp",
      mistakes: [
        { mistake: "under the rate before November 2023 (+60 a minute)", set: ["profile=legacy-2022"] },
        { mistake: "if the mapping stayed at its first 5 concurrent batches", calc: (s, r) => drainAt(s.figures.initialConcurrency)(s, r) },
        { mistake: "if it ran the most an SQS mapping may reach from the start", calc: (s, r) => drainAt(s.figures.maxConcurrency)(s, r) },
        { mistake: "if it ran the account's 1,000 concurrent executions from the start", calc: (s, r) => drainAt(s.accountConcurrency)(s, r) },
      ],
    },
  },
  "sqs-backlog-burst-legacy": {
    endedAt: {
      concept: "the SQS scale-up rate before November 2023",
      rule: "sqsScaleUp",
      mistakes: [
        { mistake: "under today's rate (+300 a minute)", set: ["profile=current"] },
        { mistake: "if one poller drained the queue", calc: (s, r) => drainAt(1)(s, r) },
        { mistake: "if the mapping stayed at its first 5 concurrent batches", calc: (s, r) => drainAt(s.figures.initialConcurrency)(s, r) },
        { mistake: "if it ran the most an SQS mapping may reach from the start", calc: (s, r) => drainAt(s.figures.maxConcurrency)(s, r) },
      ],
    },
  },
  "sqs-visibility-too-short": {
    duplicates: {
      concept: "the visibility timeout and the 6x recommendation",
      rule: "visibilityTimeout",
      mistakes: [
        { mistake: "with the recommended visibility timeout, six times the function timeout plus the window", set: ["source.VisibilityTimeout=185"] },
        { mistake: "if only the first message were caught by it", calc: () => 1 },
        { mistake: "if a message that reappears brought back a whole batch of BatchSize", calc: (s) => s.mapping.batchSize },
        { mistake: "counting the invocations, not the messages", calc: (_s, r) => r.invocations.total },
      ],
    },
  },
  "sqs-poison-message-dlq": {
    "invocations[key=poison]": {
      concept: "maxReceiveCount and the redrive policy",
      rule: "dlqOnQueue",
      mistakes: MAX_RECEIVE_COUNT_MISTAKES,
    },
    "records.dlq": {
      concept: "the DLQ on the queue, not the function",
      rule: "dlqOnQueue",
      mistakes: [
        { mistake: "if only a function's own DLQ received failures, and it has none", calc: () => 0 },
        { mistake: "if only the poison message could use up its receives, the good ones being deleted each time", calc: () => 1 },
        { mistake: "if the poison message's whole batch moved with it", calc: (s) => s.mapping.batchSize },
        { mistake: "if every message that shared a failed batch with it moved too", calc: (s) => 5 * (s.mapping.batchSize - 1) + 1 },
      ],
    },
  },
  "sqs-filter-criteria": {
    "records.filtered": {
      concept: "SQS FilterCriteria",
      rule: "filtering",
      mistakes: [
        { mistake: "if a message that matches no filter stayed in the queue", set: ["mapping.FilterCriteria="] },
        { mistake: "if only the type had to match (the refunds dropped, the small orders kept)", calc: (s) => producerRecords(s, 2) },
        { mistake: "if the pattern never matched (as for a body that is not JSON), every message dropped", calc: produced },
      ],
    },
  },
  "sqs-maximum-concurrency": {
    "records.succeeded": {
      concept: "MaximumConcurrency and reserved concurrency",
      rule: "throttle",
      mistakes: [
        { mistake: "without MaximumConcurrency, reserved concurrency alone (its throttles use up maxReceiveCount 1)", set: ["mapping.ScalingConfig="] },
        { mistake: "if the batches of the pollers beyond the first 2 of 5 were throttled away", calc: (s, r) => Math.round((r.records.produced * 2) / s.figures.initialConcurrency) },
        { mistake: "if 2 concurrent batches of 10, each taking 2.5 s, were all the mapping processed in the 2 minutes", calc: (s) => Math.round(((2 * s.mapping.batchSize) / fullBatchMs(s)) * trafficEndMs(s)) },
      ],
    },
  },
  "sqs-replay-from-metrics": {
    "latency.max": {
      concept: "replaying production traffic from CloudWatch",
      rule: "batchSize",
      mistakes: [
        { mistake: "with BatchSize 500, each invocation's 400 ms paid once for 500 messages", set: ["mapping.BatchSize=500"] },
        { mistake: "if the hour's messages had come at its average rate, with no bursts: one full batch's time", calc: (s) => fullBatchMs(s) },
        { mistake: "if a message waited no longer than the batching window", calc: (s) => s.mapping.batchingWindowUs / 1000 },
      ],
    },
  },
  "sqs-reserved-concurrency-dlq": {
    "records.dlq": {
      concept: "reserved concurrency and the mapping's throttles",
      rule: "throttle",
      mistakes: [
        { mistake: "without reserved concurrency: if only a failing function could send messages to the DLQ", set: ["function.ReservedConcurrentExecutions="] },
        { mistake: "if every throttled invoke's batch went to the DLQ", calc: (s, r) => r.invocations.throttles * s.mapping.batchSize },
        { mistake: "if each throttled invoke lost one message", calc: (_s, r) => r.invocations.throttles },
        { mistake: "if the pollers beyond the reserved 2 of the first 5 had all their messages moved", calc: (s, r) => Math.round((r.records.produced * (s.figures.initialConcurrency - 2)) / s.figures.initialConcurrency) },
      ],
    },
  },
  "sqs-partial-batch-response": {
    duplicates: {
      concept: "ReportBatchItemFailures (partial batch response)",
      rule: "partialBatch",
      mistakes: [
        { mistake: "counting the reported messages (those of key-3), whose first processing failed", calc: (s, r) => Math.round(r.records.produced / keyCount(s)) },
        { mistake: "if a partial response returned the whole batch, its successful messages processed again", calc: (s, r) => r.invocations.partial * (s.mapping.batchSize - 1) },
      ],
    },
  },
  "sqs-provisioned-mode": {
    endedAt: {
      concept: "SQS provisioned mode",
      rule: "sqsScaleUp",
      mistakes: [
        { mistake: "on demand, without ProvisionedPollerConfig", set: ["mapping.ProvisionedPollerConfig="] },
        { mistake: "if it ran MaximumPollers x 10 concurrent batches from the start", calc: (s, r) => drainAt((s.mapping.provisioned?.maxPollers ?? 1) * 10)(s, r) },
        { mistake: "if it ran the most an on-demand SQS mapping may reach from the start", calc: (s, r) => drainAt(s.figures.maxConcurrency)(s, r) },
        { mistake: "if each event poller ran one batch at a time, MinimumPollers of them", calc: (s, r) => drainAt(s.mapping.provisioned?.minPollers ?? 1)(s, r) },
      ],
    },
    "concurrency.max": {
      concept: "SQS provisioned mode",
      rule: "sqsScaleUp",
      mistakes: [
        { mistake: "on demand, without ProvisionedPollerConfig", set: ["mapping.ProvisionedPollerConfig="] },
        { mistake: "if it stayed at MinimumPollers x 10 concurrent batches", calc: (s) => (s.mapping.provisioned?.minPollers ?? 0) * 10 },
        { mistake: "if it went straight to MaximumPollers x 10", calc: (s) => (s.mapping.provisioned?.maxPollers ?? 0) * 10 },
        { mistake: "if each event poller ran one batch at a time", calc: (s) => s.mapping.provisioned?.maxPollers ?? 0 },
        { mistake: "if it went to the most an on-demand SQS mapping may reach", calc: (s) => s.figures.maxConcurrency },
      ],
    },
  },
  "learn-cold-starts": {
    "coldStarts.count": {
      concept: "cold starts and warm execution environments",
      rule: "coldStart",
      mistakes: [
        { mistake: "if only the very first invocation started an environment", calc: () => 1 },
        { mistake: "if idle environments lived through the whole run (only the first scale-up cold)", set: ["scaling.environmentIdleLifetimeMs=3600000"] },
        { mistake: "if idle environments were removed after 5 minutes (every burst cold)", set: ["scaling.environmentIdleLifetimeMs=300000"] },
        { mistake: "if every invocation started a new environment", calc: (_s, r) => r.invocations.total },
      ],
    },
  },
  "learn-fifo-group-order": {
    "concurrency.max": {
      concept: "FIFO message groups and concurrency",
      rule: "fifoOrder",
      mistakes: [
        { mistake: "if a FIFO queue ran one batch at a time", calc: () => 1 },
        { mistake: "if the mapping ran its first 5 concurrent batches, groups or not", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if every batch of 10 ran at once", calc: fullBatches },
        { mistake: "if it stayed at the 2 concurrent batches of the low-traffic mode", calc: (s) => s.figures.lowTrafficConcurrency ?? 2 },
      ],
    },
  },
  "sqs-fifo-one-group": {
    "concurrency.max": {
      concept: "a FIFO queue with one message group",
      rule: "fifoGroupLock",
      mistakes: [
        { mistake: "if the mapping ran its first 5 concurrent batches, groups or not", calc: (s) => s.figures.initialConcurrency },
        { mistake: "with the same messages over 100 message groups", set: ["traffic.0.key=", "traffic.0.keys=100"] },
        { mistake: "if it scaled as for a standard queue, to the most an SQS mapping may reach", calc: (s) => s.figures.maxConcurrency },
      ],
    },
    endedAt: {
      concept: "a FIFO queue with one message group",
      rule: "fifoGroupLock",
      mistakes: [
        { mistake: "if the mapping kept up with the traffic (its 2 minutes)", calc: trafficEndMs },
        { mistake: "if its first 5 pollers ran the group's batches side by side", calc: (s, r) => drainAt(s.figures.initialConcurrency)(s, r) },
        { mistake: "if each message of the group were invoked on its own, one after another", calc: (s, r) => (r.records.produced * (s.fn.baseUs + s.fn.perRecordUs)) / 1000 },
        { mistake: "if the poller waited a second between receives", calc: (s, r) => fullBatches(s, r) * 1000 },
      ],
    },
  },
  "sqs-fifo-many-groups": {
    "concurrency.max": {
      concept: "a FIFO queue with many message groups",
      rule: "fifoOrder",
      mistakes: [
        { mistake: "if a FIFO queue ran one batch at a time", calc: () => 1 },
        { mistake: "if the mapping stayed at its first 5 concurrent batches", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if every message group had a batch in flight at once", calc: (s) => keyCount(s) },
        { mistake: "if it scaled as for a standard queue, to the most an SQS mapping may reach", calc: (s) => s.figures.maxConcurrency },
      ],
    },
  },
  "sqs-fifo-poison-message": {
    "invocations.errors": {
      concept: "maxReceiveCount on a FIFO queue",
      rule: "fifoGroupLock",
      mistakes: MAX_RECEIVE_COUNT_MISTAKES,
    },
    "records.dlq": {
      concept: "a failing message in a FIFO message group",
      rule: "dlqOnQueue",
      mistakes: [
        { mistake: "if a function's own DLQ were the one that counts, and it has none", calc: () => 0 },
        { mistake: "if its whole batch moved with it", calc: (s) => s.mapping.batchSize },
        { mistake: "if the rest of its message group followed it", calc: (s, r) => Math.round(r.records.produced / keyCount(s)) },
      ],
    },
  },
  "sqs-fifo-producer-retries": {
    "sqs.dedupDropped": {
      concept: "FIFO deduplication",
      rule: "fifoDedup",
      mistakes: [
        { mistake: "if deduplication caught only repeats sent at the same instant", calc: () => 0 },
        { mistake: "if every repeated send were dropped, the ones 6 minutes later too", calc: (_s, r) => r.sqs?.producerRetries ?? 0 },
        { mistake: "if deduplication went by the body (content-based), every message having the same body", calc: (s, r) => r.records.produced + (r.sqs?.dedupDropped ?? 0) - s.traffic.length },
      ],
    },
  },
  "learn-kinesis-shard-order": {
    "concurrency.max": {
      concept: "one iterator per shard",
      rule: "shardIterator",
      mistakes: [
        { mistake: "if the stream were read one batch at a time", calc: () => 1 },
        { mistake: "if the mapping started 5 pollers, as for SQS", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if each shard ran 10 batches at once (the largest ParallelizationFactor)", calc: (s) => shardCount(s) * 10 },
      ],
    },
  },
  "learn-kinesis-batch-window": {
    "invocations.total": {
      concept: "the batching window on a stream",
      rule: "batchWindow",
      mistakes: [
        { mistake: "if every batch waited to fill BatchSize (records / BatchSize)", calc: fullBatches },
        { mistake: "if only full batches were sent, the last 40 records never", calc: (s, r) => Math.floor(r.records.produced / s.mapping.batchSize) },
        { mistake: "without the batching window", set: ["mapping.MaximumBatchingWindowInSeconds=0"] },
        { mistake: "if every record were its own invocation", calc: produced },
      ],
    },
  },
  "learn-kinesis-iterator-age": {
    "iteratorAge.max": ITERATOR_AGE_LESSON,
  },
  "kinesis-iterator-age-climbing": {
    "iteratorAge.max": ITERATOR_AGE_LESSON,
  },
  "learn-kinesis-latest-vs-trim-horizon": {
    "records.succeeded": {
      concept: "starting positions (LATEST and TRIM_HORIZON)",
      rule: "startingPosition",
      mistakes: [
        { mistake: "with TRIM_HORIZON, every record still retained", set: ["mapping.StartingPosition=TRIM_HORIZON"] },
        { mistake: "if a mapping created after the first write missed every record", calc: () => 0 },
        { mistake: "if LATEST read only what arrived in its first second", calc: (s) => recordsBetween(s, s.mapping.startAtUs, s.mapping.startAtUs + 1e6) },
      ],
    },
  },
  "learn-kinesis-max-record-age": {
    "records.onFailure": {
      concept: "MaximumRecordAgeInSeconds",
      rule: "recordAge",
      mistakes: [
        { mistake: "without MaximumRecordAgeInSeconds (retry until the record expires)", set: ["mapping.MaximumRecordAgeInSeconds="] },
        { mistake: "if only the failing record were discarded", calc: () => 1 },
        { mistake: "if its batch of BatchSize were discarded", calc: (s) => s.mapping.batchSize },
        { mistake: "if every record written during the 60 s were discarded", calc: (s) => recordsBetween(s, 0, 60e6) },
        { mistake: "if every record behind the failing one were discarded", calc: (s) => recordsBetween(s, 20e6, Infinity) },
      ],
    },
  },
  "learn-kinesis-records-stay": {
    "records.succeeded": {
      concept: "records are not removed from a stream when read",
      rule: "streamRetention",
      mistakes: [
        { mistake: "if the records written while the mapping was disabled were lost", calc: (s) => sum(s.mapping.disabledPeriods.map((d) => recordsBetween(s, 0, d.fromUs) + recordsBetween(s, d.toUs, Infinity))) },
        { mistake: "if the mapping started again at LATEST when re-enabled", calc: (s) => recordsBetween(s, 0, s.mapping.disabledPeriods[0]?.fromUs ?? 0) },
      ],
    },
  },
  "kinesis-parallelization-few-keys": {
    "concurrency.max": {
      concept: "ParallelizationFactor and partition keys",
      rule: "parallelization",
      mistakes: [
        { mistake: "if the stream were read one batch at a time", calc: () => 1 },
        { mistake: "if the factor alone set the concurrency", calc: (s) => s.mapping.parallelizationFactor },
        { mistake: "if every shard ran ParallelizationFactor batches, keys or not", calc: (s) => shardCount(s) * s.mapping.parallelizationFactor },
      ],
    },
  },
  "kinesis-parallelization-many-keys": {
    "concurrency.max": {
      concept: "ParallelizationFactor",
      rule: "parallelization",
      mistakes: [
        { mistake: "with ParallelizationFactor 1", set: ["mapping.ParallelizationFactor=1"] },
        { mistake: "if the factor alone set the concurrency", calc: (s) => s.mapping.parallelizationFactor },
        { mistake: "if every key had a batch in flight at once", calc: keyCount },
        { mistake: "if the mapping started 5 pollers, as for SQS", calc: (s) => s.figures.initialConcurrency },
        { mistake: "if the mapping took the account's whole concurrency", calc: (s) => s.accountConcurrency },
      ],
    },
  },
  "kinesis-partial-batch-response": {
    "stream.redeliveriesOfSucceeded": {
      concept: "stream partial batch responses and the checkpoint",
      rule: "checkpoint",
      mistakes: [
        { mistake: "if only the reported records came back, as from an SQS queue", calc: () => 0 },
        { mistake: "counting the reported records themselves", calc: (_s, r) => r.invocations.partial },
        { mistake: "if the whole batch came again, the records before the failure too", calc: (s, r) => r.invocations.partial * s.mapping.batchSize * 2 },
        { mistake: "if every record were delivered twice", calc: produced },
      ],
    },
  },
  "kinesis-poison-pill": {
    endedAt: {
      concept: "stream retries under the default error settings",
      rule: "streamRetry",
      mistakes: [
        { mistake: "if the mapping gave up after 2 retries, as asynchronous invocation does", set: ["mapping.MaximumRetryAttempts=2"] },
        { mistake: "if the record were retried for the largest MaximumRecordAgeInSeconds, 7 days", calc: () => 7 * 86_400_000 },
        { mistake: "if the 6-hour maximum event age of asynchronous invocation applied", calc: () => 6 * 3_600_000 },
        { mistake: "if it stayed for the longest retention a stream can have, 365 days", calc: () => 365 * 86_400_000 },
      ],
    },
  },
  "kinesis-poison-pill-fixed": {
    "records.onFailure": {
      concept: "BisectBatchOnFunctionError and on-failure destinations",
      rule: "bisect",
      mistakes: [
        { mistake: "without BisectBatchOnFunctionError: the whole failing batch", set: ["mapping.BisectBatchOnFunctionError=false"] },
        { mistake: "if a batch of BatchSize went to the destination", calc: (s) => s.mapping.batchSize },
        { mistake: "if the on-failure destination got nothing with retries limited", calc: () => 0 },
      ],
    },
  },
  "kinesis-tumbling-window": {
    "records.succeeded": {
      concept: "tumbling windows",
      rule: "tumblingWindow",
      mistakes: [
        { mistake: "if the records of the failed invocations (5%) were lost", calc: (_s, r) => Math.round(r.records.produced * 0.95) },
        { mistake: "if each window returned one record, its state, per shard", calc: (s, r) => shardCount(s) * Math.ceil(r.endedAt / (s.mapping.tumblingWindowUs / 1000)) },
      ],
    },
  },
  "kinesis-hot-shard-throttling": {
    "latency.max": {
      concept: "Kinesis per-shard write limits",
      rule: "producerThrottle",
      mistakes: [
        { mistake: "if the hot key's writes were spread over 400 keys", set: ["traffic.0.key=", "traffic.0.keys=400"] },
        { mistake: "if the highest IteratorAge told the whole wait (it starts only once a record is in the stream)", calc: (_s, r) => r.iteratorAge.max },
        { mistake: "if a record waited only for its own invocation", calc: fullBatchMs },
      ],
    },
  },
  "kinesis-read-limit-backlog": {
    endedAt: {
      concept: "Kinesis shard read limits",
      rule: "shardReadLimit",
      mistakes: [
        { mistake: "with enhanced fan-out, a dedicated 2 MB a second", set: ["mapping.enhancedFanOut=true"] },
        { mistake: "if the other application's reads left the mapping the shard's whole 2 MB a second", set: ["source.otherConsumers=0"] },
        { mistake: "if only the call limits counted: 10,000 records a call, half of the 5 calls a second", calc: (s, r) => s.mapping.startAtUs / 1000 + (r.records.produced / (s.figures.kinesisCallRecordsMax * readShare(s) * s.figures.kinesisReadCallsPerS)) * 1000 },
        { mistake: "if a shard served 1 MB a second of reads, as it takes 1 MB a second of writes, halved by the other reader", calc: (s, r) => s.mapping.startAtUs / 1000 + (bytesProduced(s, r) / (1024 * 1024 * readShare(s))) * 1000 },
      ],
    },
  },
  "kinesis-enhanced-fan-out": {
    endedAt: {
      concept: "enhanced fan-out",
      rule: "enhancedFanOut",
      mistakes: [
        { mistake: "without enhanced fan-out, sharing the shard's reads with the other application", set: ["mapping.enhancedFanOut=false"] },
        { mistake: "if enhanced fan-out's 2 MB a second were shared with the other reader too", calc: (s, r) => s.mapping.startAtUs / 1000 + (bytesProduced(s, r) / (s.figures.kinesisReadBytesPerS * readShare(s))) * 1000 },
        { mistake: "if a push carried a whole GetRecords call's 10 MB, 5 times a second", calc: (s, r) => s.mapping.startAtUs / 1000 + (bytesProduced(s, r) / (s.figures.kinesisCallBytesMax * s.figures.kinesisReadCallsPerS)) * 1000 },
        { mistake: "if pushed records were limited only by the function's pace", calc: (s, r) => s.mapping.startAtUs / 1000 + fullBatches(s, r) * fullBatchMs(s) },
      ],
    },
  },
  "dynamodb-stream-filter": {
    "records.filtered": {
      concept: "DynamoDB FilterCriteria on the item image",
      rule: "filtering",
      mistakes: [
        { mistake: "without the FilterCriteria", set: ["mapping.FilterCriteria="] },
        { mistake: "if only the closed items were dropped (a REMOVE has no NewImage to match)", calc: (s) => producerRecords(s, 1) },
        { mistake: "if only the REMOVE events were dropped", calc: (s, r) => r.records.produced * removeShare(s) },
        { mistake: "counting the records the filter keeps", calc: (_s, r) => r.records.succeeded },
        { mistake: "if a pattern on NewImage matched nothing, every record dropped", calc: produced },
      ],
    },
    "iteratorAge.max": {
      concept: "DynamoDB Streams polling",
      rule: "ddbShardIterator",
      mistakes: [
        { mistake: "if IteratorAge were only the function's duration", calc: (s) => s.fn.baseUs / 1000 },
        { mistake: "taking the average wait between two polls (half of 250 ms) for the longest", calc: () => 125 },
        { mistake: "if the shards were polled once a second, as Kinesis shards are", calc: () => 1000 },
        { mistake: "if four polls a second meant one poll every 4 s", calc: () => 4000 },
      ],
    },
  },
  "dynamodb-self-write-loop": {
    drained: {
      concept: "the self-write loop",
      rule: "selfWrite",
      mistakes: [{ mistake: "if Lambda's recursive loop detection stopped it: it covers SQS, SNS and S3, not DynamoDB or Kinesis streams" }],
    },
    "invocations.total": {
      concept: "the self-write loop",
      rule: "selfWrite",
      mistakes: [
        { mistake: "without the write-back", set: ["function.writesBack="] },
        { mistake: "if the 100 writes came as one batch per shard, and it stopped there", calc: shardCount },
        { mistake: "if it were invoked once per poll: four polls a second on each shard for the 10 minutes", calc: (s) => 4 * shardCount(s) * 600 },
        { mistake: "if each record written back were its own invocation", calc: (_s, r) => r.stream?.writtenBack ?? 0 },
        { mistake: "if each of the 100 items looped in invocations of its own, one every 100 ms", calc: (s) => keyCount(s) * (600_000 / (s.fn.baseUs / 1000)) },
      ],
    },
  },
  "dynamodb-self-write-loop-fixed": {
    "records.filtered": {
      concept: "breaking a self-write loop with a filter",
      rule: "filtering",
      mistakes: [
        { mistake: "if recursive loop detection stopped the writes before the filter saw them", calc: () => 0 },
        { mistake: "if the filter dropped the producers' items too", calc: produced },
        { mistake: "if one write per batch reached the stream", calc: shardCount },
        { mistake: "if the filter had to drop every write of the loop it prevents", set: ["mapping.FilterCriteria="], measure: "stream.writtenBack" },
      ],
    },
    "invocations.total": {
      concept: "breaking a self-write loop with a filter",
      rule: "filtering",
      mistakes: [
        { mistake: "without the FilterCriteria", set: ["mapping.FilterCriteria="] },
        { mistake: "if all 100 items came as one batch per shard", calc: shardCount },
        { mistake: "if the 100 items came as one batch (BatchSize 100)", calc: () => 1 },
        { mistake: "if every record, the function's writes too, were its own invocation", calc: produced },
      ],
    },
  },
};

/** The lesson of a question: the shipped one, or one built from the scenario's settings. */
export function lessonFor(pick: Pick): Lesson {
  return LESSONS[pick.entry.name]?.[pick.question.answer] ?? genericLesson(pick.entry.scenario, pick.question.answer);
}

/** For a question of the user's own: the rule its answer is about, and each setting the scenario uses left out. */
export function genericLesson(s: Scenario, answer: string): Lesson {
  const m = s.mapping;
  const sqs = s.source.type === "sqs" || s.source.type === "sqs-fifo";
  const mistakes: MistakeSpec[] = [];
  if (s.source.type === "sqs") {
    for (const p of PROFILE_NAMES) if (p !== s.profileName) mistakes.push({ mistake: `under the ${p} profile's figures`, set: [`profile=${p}`] });
  }
  // Without a window an SQS BatchSize above 10 is refused (CreateEventSourceMapping), so it drops to 10 with it.
  if (m.batchingWindowUs > 0 && sqs && m.batchSize > 10) mistakes.push({ mistake: "without the batching window (and so with BatchSize 10)", set: ["mapping.BatchSize=10", "mapping.MaximumBatchingWindowInSeconds=0"] });
  else if (m.batchingWindowUs > 0) mistakes.push({ mistake: "without the batching window", set: ["mapping.MaximumBatchingWindowInSeconds=0"] });
  if (m.reportBatchItemFailures) mistakes.push({ mistake: "without ReportBatchItemFailures", set: ["mapping.FunctionResponseTypes="] });
  if (m.maximumConcurrency !== null) mistakes.push({ mistake: "without MaximumConcurrency", set: ["mapping.ScalingConfig="] });
  if (s.fn.reservedConcurrency !== null) mistakes.push({ mistake: "without reserved concurrency", set: ["function.ReservedConcurrentExecutions="] });
  if (m.filter !== null) mistakes.push({ mistake: "without the FilterCriteria", set: ["mapping.FilterCriteria="] });
  if (!sqs && m.parallelizationFactor > 1) mistakes.push({ mistake: "with ParallelizationFactor 1", set: ["mapping.ParallelizationFactor=1"] });
  if (!sqs && m.bisectOnError) mistakes.push({ mistake: "without BisectBatchOnFunctionError", set: ["mapping.BisectBatchOnFunctionError="] });
  if (!sqs && Number.isFinite(m.retryAttemptsMax)) mistakes.push({ mistake: "without MaximumRetryAttempts (retry until the record expires)", set: ["mapping.MaximumRetryAttempts="] });
  if (!sqs && Number.isFinite(m.recordAgeMaxUs)) mistakes.push({ mistake: "without MaximumRecordAgeInSeconds", set: ["mapping.MaximumRecordAgeInSeconds="] });
  // Left out, cold starts are not reported: a question about them keeps them.
  if (s.fn.coldStart !== null && !answer.startsWith("coldStarts.")) mistakes.push({ mistake: "without cold starts", set: ["function.coldStart="] });
  if (answer === "invocations.total") mistakes.push({ mistake: "if every batch were full (records / BatchSize)", calc: fullBatches });
  return { concept: s.concept || "the scenario's settings", rule: ruleOfAnswer(s, answer), mistakes };
}

/** The rule a report field or trace count is mostly about, for a source type. */
function ruleOfAnswer(s: Scenario, answer: string): RuleId {
  const type = s.source.type;
  const stream = type === "kinesis" || type === "dynamodb";
  const fifo = type === "sqs-fifo";
  if (/closedBy=payload/.test(answer)) return "payloadLimit";
  if (/closedBy=window/.test(answer)) return "batchWindow";
  if (/closedBy=size/.test(answer)) return "batchSize";
  if (/closedBy=available/.test(answer)) return "receiveAvailable";
  if (/closedBy=visibility/.test(answer)) return "visibilityTimeout";
  if (/^dlq\[|records\.dlq/.test(answer)) return "dlqOnQueue";
  if (/attempt=/.test(answer)) return "failedBatchReturns";
  if (/duplicates|redeliveries/i.test(answer)) return stream ? "streamAtLeastOnce" : "atLeastOnce";
  if (/orderingViolations/.test(answer)) return stream ? "shardIterator" : fifo ? "fifoOrder" : "standardOrder";
  if (/concurrency/.test(answer)) return stream ? "parallelization" : fifo ? "fifoOrder" : "sqsScaleUp";
  if (/iteratorAge/.test(answer)) return "iteratorAge";
  if (/onFailure|destination/.test(answer)) return "onFailure";
  if (/expired/.test(answer)) return stream ? "streamRetention" : "retention";
  if (/filtered/.test(answer)) return "filtering";
  if (/throttles/.test(answer)) return stream ? "streamThrottle" : "throttle";
  if (/emptyPolls/.test(answer)) return "longPolling";
  if (/retries|bisects/.test(answer)) return "streamRetry";
  if (/producerThrottles/.test(answer)) return "producerThrottle";
  if (/dedup/.test(answer)) return "fifoDedup";
  if (/writtenBack/.test(answer)) return "selfWrite";
  if (/coldStarts/.test(answer)) return "coldStart";
  return stream ? "shardIterator" : "pollingSync";
}

