/**
 * A 64-bit digest of a run's trace, folded as the trace is emitted, so that two runs (or two versions) can be
 * compared by one string without writing the trace. Two independent 32-bit lanes (murmur3-style mixing with
 * Math.imul), fed 32-bit words: integer fields only, no strings are built. Times and durations (microseconds, up
 * to 2^53) are fed as two words. Rendered as 16 lowercase hex characters.
 *
 * Not a cryptographic hash: it detects changes in behaviour, it does not resist forgery.
 */

export class TraceDigest {
  private h1 = 0x2545f491;
  private h2 = 0x9e3779b9 | 0;
  private words = 0;

  /** Feed one 32-bit word (any integer; taken modulo 2^32). */
  word(x: number): void {
    let k1 = Math.imul(x | 0, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, 0x1b873593);
    let h1 = this.h1 ^ k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;

    let k2 = Math.imul((x ^ 0x5bd1e995) | 0, 0x85ebca6b);
    k2 = (k2 << 17) | (k2 >>> 15);
    k2 = Math.imul(k2, 0xc2b2ae35);
    let h2 = this.h2 ^ k2;
    h2 = (h2 << 11) | (h2 >>> 21);
    this.h2 = (Math.imul(h2, 9) + 0x7f4a7c15) | 0;
    this.words++;
  }

  /** Feed a non-negative integer up to 2^53 (a time or duration in microseconds) as two words. */
  wide(x: number): void {
    this.word(x >>> 0);
    this.word(Math.floor(x / 4294967296));
  }

  /** The digest so far, as 16 hex characters. Does not change the state. */
  hex(): string {
    let h1 = this.h1 ^ this.words;
    let h2 = this.h2 ^ this.words;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
