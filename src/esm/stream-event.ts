/**
 * A batch of stream records as the function receives it (the invocation's event, `{"Records": [...]}`), as JSON
 * text: what an Amazon S3 on-failure destination receives in its invocation record's `payload` field ("the original
 * invocation record as an escaped JSON string"). SQS and SNS destinations get the metadata only.
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (the S3 invocation
 *   record and its payload), https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html (the same for
 *   DynamoDB), https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (the Kinesis event: each record's
 *   `kinesis` object with base64 `data`, eventSource, eventVersion, eventID = shard id and sequence number,
 *   eventName, invokeIdentityArn, awsRegion, eventSourceARN), https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 *   (the DynamoDB event: eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb, eventSourceARN).
 *
 * esm-sim's choices where AWS's values are account-specific: invokeIdentityArn is a role named after the function in
 * account 123456789012; a DynamoDB record's eventID is 32 hex digits counting the record's production index (AWS's
 * are opaque 32-hex-digit ids). Records carry their producer's `data` (record-filter.ts); tumbling-window fields are
 * left out.
 */
import type { ProducerConfig, StreamSourceConfig } from "../sources/config.js";
import { producerOf, type StreamRecord } from "../sources/stream-record.js";
import { AWS_REGION } from "../filter/filter-pattern.js";
import { streamRecordView } from "./record-filter.js";

/** `(records, shardId) => the event's JSON text` for a Kinesis or DynamoDB source. */
export function streamEventText(
  src: StreamSourceConfig,
  producers: readonly Pick<ProducerConfig, "payload">[],
  keyNames: readonly string[],
  functionName: string,
  startUnixS: number,
): (records: readonly StreamRecord[], shardId: string) => string {
  const view = streamRecordView(src, producers, keyNames, startUnixS);
  const arn = src.streamArn;
  if (src.type === "kinesis") {
    const role = `arn:aws:iam::123456789012:role/${functionName}-role`;
    // The base64 text of each producer's data, computed once: every record of a producer carries the same data.
    const data = producers.map((p) => Buffer.from(p.payload.text, "utf8").toString("base64"));
    return (records, shardId) =>
      JSON.stringify({
        Records: records.map((r) => {
          const kinesis = view(r);
          kinesis.data = data[producerOf(r)];
          return {
            kinesis,
            eventSource: "aws:kinesis",
            eventVersion: "1.0",
            eventID: `${shardId}:${String(kinesis.sequenceNumber)}`,
            eventName: "aws:kinesis:record",
            invokeIdentityArn: role,
            awsRegion: AWS_REGION,
            eventSourceARN: arn,
          };
        }),
      });
  }
  return (records) =>
    JSON.stringify({
      Records: records.map((r) => {
        const { eventName, eventVersion, eventSource, awsRegion, dynamodb } = view(r);
        return { eventID: r.n.toString(16).padStart(32, "0"), eventName, eventVersion, eventSource, awsRegion, dynamodb, eventSourceARN: arn };
      }),
    });
}

