import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";

const kinesis = (mapping: string, extra = "") => `name: k
source:
  type: kinesis
  ShardCount: 2
traffic:
  - at: 0s
    records: 10
mapping:
  StartingPosition: TRIM_HORIZON
${mapping}${extra}`;

const dynamodb = (mapping: string, extra = "") => kinesis(mapping, extra).replace("type: kinesis", "type: dynamodb");

function errorsOf(text: string): string[] {
  const r = parseScenario(text, "s.yaml");
  return r.ok ? [] : r.errors.map(formatProblem);
}

function warningsOf(text: string): string[] {
  return parseScenario(text, "s.yaml").warnings.map(formatProblem);
}

describe("stream mapping validation: AWS ranges", () => {
  it.each([
    ["BatchSize 0", "  BatchSize: 0\n", "s.yaml:10:14 mapping.BatchSize: must be an integer 1..10,000 (got 0)"],
    ["BatchSize 10001", "  BatchSize: 10001\n", "s.yaml:10:14 mapping.BatchSize: must be an integer 1..10,000 (got 10001)"],
    ["MaximumBatchingWindowInSeconds 301", "  MaximumBatchingWindowInSeconds: 301\n", "mapping.MaximumBatchingWindowInSeconds: must be an integer 0..300 (got 301)"],
    ["ParallelizationFactor 0", "  ParallelizationFactor: 0\n", "mapping.ParallelizationFactor: must be an integer 1..10 (got 0)"],
    ["ParallelizationFactor 11", "  ParallelizationFactor: 11\n", "mapping.ParallelizationFactor: must be an integer 1..10 (got 11)"],
    ["MaximumRetryAttempts -2", "  MaximumRetryAttempts: -2\n", "mapping.MaximumRetryAttempts: must be -1 (retry until the record expires) or an integer 0..10,000 (got -2)"],
    ["MaximumRetryAttempts 10001", "  MaximumRetryAttempts: 10001\n", "mapping.MaximumRetryAttempts: must be -1 (retry until the record expires) or an integer 0..10,000 (got 10001)"],
    ["MaximumRecordAgeInSeconds 30", "  MaximumRecordAgeInSeconds: 30\n", "mapping.MaximumRecordAgeInSeconds: must be -1 (no limit) or 60..604,800: the minimum valid value for maximum record age is 60s (got 30)"],
    ["MaximumRecordAgeInSeconds 0", "  MaximumRecordAgeInSeconds: 0\n", "the minimum valid value for maximum record age is 60s (got 0)"],
    ["MaximumRecordAgeInSeconds 604801", "  MaximumRecordAgeInSeconds: 604801\n", "mapping.MaximumRecordAgeInSeconds: must be -1 (no limit) or an integer 60..604,800 (got 604801)"],
    ["TumblingWindowInSeconds 901", "  TumblingWindowInSeconds: 901\n", "mapping.TumblingWindowInSeconds: must be an integer 0..900 (got 901)"],
    ["BisectBatchOnFunctionError yes", "  BisectBatchOnFunctionError: 1\n", "mapping.BisectBatchOnFunctionError: must be true or false (got 1)"],
    ["an unknown StartingPosition", "", "mapping.StartingPosition: must be one of TRIM_HORIZON | LATEST | AT_TIMESTAMP (got \"OLDEST\")"],
  ])("rejects %s", (_what, mapping, expected) => {
    const text = _what === "an unknown StartingPosition" ? kinesis("").replace("TRIM_HORIZON", "OLDEST") : kinesis(mapping);
    expect(errorsOf(text).join("\n")).toContain(expected);
  });

  it.each([
    ["BatchSize 10000 with no window (streams default to 100 with window 0)", "  BatchSize: 10000\n"],
    ["MaximumRetryAttempts -1 and 10000", "  MaximumRetryAttempts: 10000\n"],
    ["MaximumRecordAgeInSeconds -1, 60 and 604800", "  MaximumRecordAgeInSeconds: 60\n"],
    ["MaximumRecordAgeInSeconds 604800", "  MaximumRecordAgeInSeconds: 604800\n"],
    ["TumblingWindowInSeconds 900", "  TumblingWindowInSeconds: 900\n"],
    ["ParallelizationFactor 10 with bisect", "  ParallelizationFactor: 10\n  BisectBatchOnFunctionError: true\n"],
    ["an SQS on-failure destination", "  DestinationConfig: { OnFailure: { Destination: arn:aws:sqs:us-east-1:123456789012:failures } }\n"],
    ["an SNS on-failure destination", "  DestinationConfig: { OnFailure: { Destination: arn:aws:sns:us-east-1:123456789012:failures } }\n"],
    ["an S3 on-failure destination", "  DestinationConfig: { OnFailure: { Destination: arn:aws:s3:::failures } }\n"],
    ["startAt and disabled periods", "  startAt: 30s\n  disabledPeriods: [{ from: 1m, to: 2m }, { from: 5m }]\n"],
  ])("accepts %s", (_what, mapping) => {
    expect(errorsOf(kinesis(mapping)).filter((e) => !e.includes("not supported yet"))).toEqual([]);
  });
});

describe("stream validation: rules across keys, with AWS's texts", () => {
  it.each([
    ["a missing StartingPosition", kinesis("").replace("  StartingPosition: TRIM_HORIZON\n", "  BatchSize: 10\n"), "s.yaml:9:3 mapping: 1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null. (kinesis and dynamodb mappings need StartingPosition: TRIM_HORIZON | LATEST | AT_TIMESTAMP)"],
    ["AT_TIMESTAMP on DynamoDB", dynamodb("").replace("TRIM_HORIZON", "AT_TIMESTAMP"), "s.yaml:9:21 mapping.StartingPosition: Unsupported starting position for arn type: arn:aws:dynamodb:"],
    ["AT_TIMESTAMP without a timestamp", kinesis("").replace("TRIM_HORIZON", "AT_TIMESTAMP"), "mapping.StartingPosition: AT_TIMESTAMP needs StartingPositionTimestamp (Unix seconds)"],
    ["a timestamp without AT_TIMESTAMP", kinesis("  StartingPositionTimestamp: 1704067200\n"), "mapping.StartingPositionTimestamp: applies only with StartingPosition: AT_TIMESTAMP (got StartingPosition TRIM_HORIZON)"],
    ["a timestamp in the future", kinesis("  StartingPositionTimestamp: 1704067300\n  startAt: 60s\n").replace("TRIM_HORIZON", "AT_TIMESTAMP"), "mapping.StartingPositionTimestamp: cannot be in the future: the mapping is created at 1704067260"],
    ["a StreamArn that is no ARN", kinesis("").replace("ShardCount: 2", "ShardCount: 2\n  StreamArn: clicks"), "source.StreamArn: 1 validation error detected: Value 'clicks' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*) (a kinesis stream's: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)"],
    ["a DynamoDB stream's ARN on a Kinesis source", kinesis("").replace("ShardCount: 2", "ShardCount: 2\n  StreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000'"), "source.StreamArn: names a dynamodb resource, but source.type is kinesis (a kinesis stream's ARN: arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)"],
    ["a Kinesis stream's ARN on a DynamoDB source", dynamodb("").replace("ShardCount: 2", "ShardCount: 2\n  StreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s'"), "source.StreamArn: names a kinesis resource, but source.type is dynamodb (a dynamodb stream's ARN: arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)"],
    ["RetentionPeriodHours on DynamoDB", dynamodb("").replace("ShardCount: 2", "ShardCount: 2\n  RetentionPeriodHours: 48"), "source.RetentionPeriodHours: applies to kinesis only: DynamoDB Streams keep records for 24 hours"],
    ["RetentionPeriodHours 23", kinesis("").replace("ShardCount: 2", "ShardCount: 2\n  RetentionPeriodHours: 23"), "source.RetentionPeriodHours: must be an integer 24..8,760 (got 23)"],
    ["a Lambda ARN as the on-failure destination", kinesis("  DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:123456789012:function:f' } }\n"), "mapping.DestinationConfig.OnFailure.Destination: must be the ARN of an SQS queue, SNS topic or S3 bucket"],
    ["an OnSuccess destination", kinesis("  DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:123456789012:ok' } }\n"), "mapping.DestinationConfig.OnSuccess: Unsupported DestinationConfig parameter for given event source mapping type."],
    ["ScalingConfig on a stream", kinesis("  ScalingConfig: { MaximumConcurrency: 5 }\n"), "mapping.ScalingConfig: applies to sqs and sqs-fifo sources only, not kinesis"],
    ["eventNames on Kinesis", kinesis("").replace("records: 10", "records: 10\n    eventNames: { INSERT: 1 }"), "traffic[0].eventNames: applies to dynamodb sources only, not kinesis"],
    ["eventNames all zero", dynamodb("").replace("records: 10", "records: 10\n    eventNames: { INSERT: 0, REMOVE: 0 }"), "traffic[0].eventNames: needs at least one positive weight among INSERT, MODIFY, REMOVE (got all 0)"],
    ["an unknown eventName", dynamodb("").replace("records: 10", "records: 10\n    eventNames: { UPSERT: 1 }"), "traffic[0].eventNames.UPSERT: unknown key"],
    ["a disabled period that ends before it starts", kinesis("  disabledPeriods: [{ from: 5m, to: 1m }]\n"), "mapping.disabledPeriods[0].to: must be after from (5m) (got 1m)"],
    ["overlapping disabled periods", kinesis("  disabledPeriods: [{ from: 1m, to: 5m }, { from: 2m, to: 6m }]\n"), "mapping.disabledPeriods[1].from: must not overlap the previous period, listed in time order (got 2m)"],
    ["a stream key on SQS", "name: q\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nmapping:\n  startAt: 1m\n", "mapping.startAt: applies to kinesis and dynamodb sources, not sqs"],
    ["an SQS key on a stream", kinesis("").replace("ShardCount: 2", "ShardCount: 2\n  VisibilityTimeout: 30"), "source.VisibilityTimeout: applies to sqs and sqs-fifo sources, not kinesis"],
    ["a stream report field on SQS", "name: q\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nexpect:\n  stream.producerThrottles: { eq: 0 }\n", "expect.stream.producerThrottles: is a stream report field (kinesis, dynamodb), not reported for sqs sources"],
    ["an SQS report field on Kinesis", kinesis("").replace("mapping:", "expect:\n  sqs.emptyPolls: { eq: 0 }\nmapping:"), "expect.sqs.emptyPolls: is an SQS report field (sqs, sqs-fifo), not reported for kinesis sources"],
    ["an SQS report field on DynamoDB", dynamodb("").replace("mapping:", "expect:\n  sqs.polls: { gt: 0 }\nmapping:"), "expect.sqs.polls: is an SQS report field (sqs, sqs-fifo), not reported for dynamodb sources"],
    ["an SQS report field as a stream quiz answer", kinesis("").replace("mapping:", "quiz:\n  - { ask: How many empty receives?, answer: sqs.emptyPolls }\nmapping:"), "quiz[0].answer: sqs.emptyPolls is an SQS report field (sqs, sqs-fifo), not reported for kinesis sources"],
    ["a Kinesis record over 10 MiB", kinesis("").replace("records: 10", "records: 10\n    recordSize: 11MB"), 'traffic[0].recordSize: must be at most 10 MiB (10,485,760 bytes), the most data a Kinesis record holds (PutRecords: "Maximum length of 10485760") (got 11MB)'],
    ["a stream report field as a queue quiz answer", "name: q\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nquiz:\n  - { ask: How many retries?, answer: stream.retries }\n", "quiz[0].answer: stream.retries is a stream report field (kinesis, dynamodb), not reported for sqs sources"],
  ])("rejects %s", (_what, text, expected) => {
    expect(errorsOf(text).join("\n")).toContain(expected);
  });

  it("warns that a Kinesis record over 6 MB cannot fit an invocation's payload, and takes up to 10 MiB", () => {
    const at = (size: string) => warningsOf(kinesis("").replace("records: 10", `records: 10\n    recordSize: ${size}`)).filter((w) => w.includes("recordSize"));
    expect(at("7MB")).toEqual([
      "s.yaml:8:17 warning: traffic[0].recordSize: a record of 7MB is larger than the 6 MB payload of a synchronous invocation, which a batch must fit; AWS does not say what the mapping does with such a record, and esm-sim invokes it alone",
    ]);
    expect(at("6MB")).toEqual([]);
    expect(errorsOf(kinesis("").replace("records: 10", "records: 10\n    recordSize: 10MB"))).toEqual([]);
  });

  it("warns that a keyed poison record blocks its shard under the -1/-1 defaults, and about FIFO destinations", () => {
    const w = warningsOf(
      kinesis("  DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:f.fifo' } }\n", "function:\n  failures:\n    - { when: { key: poison }, effect: error }\n"),
    );
    expect(w).toEqual([
      "s.yaml:10:50 warning: mapping.DestinationConfig.OnFailure.Destination: FIFO queues and FIFO topics are not valid on-failure destinations: AWS accepts the mapping but every delivery fails (DestinationDeliveryFailures); esm-sim counts them in stream.destinationDeliveryFailures",
      "s.yaml:13:7 warning: function.failures[0]: a record that always fails is retried until it expires (the stream's retention) and blocks its shard meanwhile: MaximumRetryAttempts and MaximumRecordAgeInSeconds are -1 (no limit)",
    ]);
  });
});

describe("a stream mapping that can discard records without an on-failure destination", () => {
  const dropped = (key: string, value: number, page: string) =>
    `warning: mapping.${key}: ${value} lets the mapping discard records it gives up on, and there is no DestinationConfig.OnFailure: discarded records will be dropped, with nothing recording which ones (records.onFailureDropped, DroppedEventCount); to keep their metadata add an SQS queue, SNS topic or S3 bucket as OnFailure destination (see ${page})`;
  const KIN = "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html";
  const DDB = "https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html";

  it.each([
    ["finite MaximumRetryAttempts on Kinesis", kinesis("  MaximumRetryAttempts: 2\n"), `s.yaml:10:25 ${dropped("MaximumRetryAttempts", 2, KIN)}`],
    ["finite MaximumRecordAgeInSeconds on Kinesis", kinesis("  MaximumRecordAgeInSeconds: 60\n"), `s.yaml:10:30 ${dropped("MaximumRecordAgeInSeconds", 60, KIN)}`],
    ["finite MaximumRetryAttempts on DynamoDB, with DynamoDB's page", dynamodb("  MaximumRetryAttempts: 0\n"), `s.yaml:10:25 ${dropped("MaximumRetryAttempts", 0, DDB)}`],
  ])("warns with %s", (_what, text, expected) => {
    expect(errorsOf(text)).toEqual([]);
    expect(warningsOf(text)).toEqual([expected]);
  });

  it.each([
    ["with an OnFailure destination", kinesis("  MaximumRetryAttempts: 2\n  DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:f' } }\n")],
    ["under the -1/-1 defaults (records are retried until they expire, never discarded)", kinesis("  MaximumRetryAttempts: -1\n")],
  ])("does not warn %s", (_what, text) => {
    expect(warningsOf(text)).toEqual([]);
  });
});

describe("unknown keys on a stream scenario", () => {
  it("offer only the keys that apply to the source type", () => {
    const errs = errorsOf(kinesis("  Bogus: 1\n").replace("  ShardCount: 2", "  ShardCount: 2\n  Wibblewobble: 1"));
    expect(errs).toEqual([
      "s.yaml:5:3 source.Wibblewobble: unknown key (allowed: type, ShardCount, RetentionPeriodHours, StreamArn, StreamName, otherConsumers)",
      "s.yaml:11:3 mapping.Bogus: unknown key (allowed: BatchSize, MaximumBatchingWindowInSeconds, StartingPosition, StartingPositionTimestamp, ParallelizationFactor, enhancedFanOut, MaximumRetryAttempts, MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, FunctionResponseTypes, DestinationConfig, TumblingWindowInSeconds, FilterCriteria, Enabled, startAt, disabledPeriods)",
    ]);
  });

  it("still suggest a near miss of another source type's key, whose own rule then explains", () => {
    const errs = errorsOf(kinesis("").replace("  ShardCount: 2", "  ShardCount: 2\n  VisibilityTimout: 30"));
    expect(errs).toEqual(['s.yaml:5:3 source.VisibilityTimout: unknown key (did you mean "VisibilityTimeout"?)']);
  });

  it("offer eventNames in traffic only for dynamodb", () => {
    expect(errorsOf(kinesis("").replace("records: 10", "records: 10\n    junk: 1"))[0]).not.toContain("eventNames");
    expect(errorsOf(dynamodb("").replace("records: 10", "records: 10\n    junk: 1"))[0]).toContain("eventNames");
  });
});

