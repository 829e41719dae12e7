/** Virtual time is an integer count of microseconds. Names carry the unit last (`visibilityTimeoutUs`). */
export const US_PER_MS = 1_000;
export const US_PER_S = 1_000_000;
export const US_PER_MIN = 60 * US_PER_S;
export const US_PER_H = 60 * US_PER_MIN;
export const US_PER_DAY = 24 * US_PER_H;

/** Microseconds to milliseconds, rounded to the microsecond so output is stable to the byte. */
export function usToMs(us: number): number {
  return Math.round(us) / US_PER_MS;
}

/** Whole seconds (an AWS-named key) to microseconds. */
export function secondsToUs(seconds: number): number {
  return Math.round(seconds * US_PER_S);
}
