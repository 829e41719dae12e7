/**
 * The message size of a message kept cold (a row in typed storage, no object) by the standard queue's ring and the
 * FIFO queue's group store: a row has no room for a size, so each producer's cold messages must share one, the
 * size of the first of them. A message of another size, or one that belongs to a logical message (a duplicate
 * send), or from a producer index past what a row holds, is kept as an object instead.
 */
export class ColdSizes {
  private readonly byProducer: number[] = [];

  /** Whether a message with these fields can be kept cold; the first cold message of a producer sets its size. */
  canKeepCold(sizeBytes: number, logicalN: number, producer: number): boolean {
    if (logicalN >= 0 || producer >= 1 << 23) return false;
    const known = this.byProducer[producer];
    if (known === undefined) {
      this.byProducer[producer] = sizeBytes;
      return true;
    }
    return known === sizeBytes;
  }

  /** The size of the producer's cold messages. */
  of(producer: number): number {
    return this.byProducer[producer];
  }
}
