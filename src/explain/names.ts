/**
 * What the narration calls the things typed trace events point at, spelled as the JSONL trace spells them: record
 * ids (SQS message ids `msg-000042`, stream sequence numbers), shard ids and key names (FIFO message groups,
 * partition keys); and which stream records the function wrote back. Made from the run's trace context, which the
 * run hands to its trace listeners.
 */
import type { TraceContext } from "../run/options.js";
import { messageId } from "../sources/sqs-message-queue.js";
import { producerOf, sequenceNumber, type StreamRecord } from "../sources/stream-record.js";
import type { SimRecord } from "../trace/events.js";

export class TraceNames {
  private readonly stream: boolean;

  constructor(readonly ctx: TraceContext) {
    this.stream = ctx.stream !== undefined;
  }

  record(r: SimRecord): string {
    return this.stream ? sequenceNumber(r) : messageId(r.n);
  }

  shard(index: number): string {
    return this.ctx.stream?.shardIds[index] ?? String(index);
  }

  key(index: number): string {
    return this.ctx.keyNames[index];
  }

  /** Streams: whether the function wrote `r` back to its own stream (function.writesBack). */
  writtenBack(r: SimRecord): boolean {
    return producerOf(r as StreamRecord) === this.ctx.stream?.writtenBackProducer;
  }

  /** Kinesis: the production index of the record `r` repeats, when a producer wrote it again (a retry); else
   *  undefined. */
  resendOf(r: SimRecord): number | undefined {
    const of = this.ctx.stream?.logicalOfN?.get(r.n);
    return of === undefined || of === r.n ? undefined : of;
  }
}
