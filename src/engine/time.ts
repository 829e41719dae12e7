/** Virtual time is an integer count of microseconds. Names carry the unit last (`visibilityTimeoutUs`). */
export const US_PER_MS = 1_000;
export const US_PER_S = 1_000_000;
export const US_PER_MIN = 60 * US_PER_S;
export const US_PER_H = 60 * US_PER_MIN;
export const US_PER_DAY = 24 * US_PER_H;

/** Virtual time 0 is this instant (2024-01-01T00:00:00Z, esm-sim's choice) unless the scenario's `startTime` places it
 *  elsewhere: the default of `Scenario.startUnixS`, which every wall-clock time shown or read goes through (on-failure
 *  records, filter views, StartingPositionTimestamp in Unix seconds, CloudWatch periods). */
export const SIM_EPOCH_UNIX_S = 1_704_067_200;

/**
 * A whole number as a small integer when it fits in 32 bits (times under about 35.8 virtual minutes, counts under
 * two billion); anything else (larger, fractional) is returned as it is. The value never changes (but for -0, which
 * becomes 0): this only chooses V8's representation.
 * A number that came out of a Float64Array, Math.round or a division is a double, and a double stored in an object's
 * field is boxed: one more allocation per field per record and a pointer to follow on every read. Applied where
 * times and counts enter records and the event queue.
 */
export function smallInt(x: number): number {
  const i = x | 0;
  return i === x ? i : x;
}

/** Microseconds to milliseconds, rounded to the microsecond so output is stable to the byte. */
export function usToMs(us: number): number {
  return Math.round(us) / US_PER_MS;
}

/** Whole seconds (an AWS-named key) to microseconds. */
export function secondsToUs(seconds: number): number {
  return Math.round(seconds * US_PER_S);
}

/**
 * A Unix time in milliseconds as an ISO-8601 UTC string (`2024-01-01T00:00:00.000Z`), computed from the civil
 * calendar (days from civil, Howard Hinnant's algorithm) so that nothing reads the wall clock. `wholeSeconds` drops
 * the milliseconds (`2024-01-01T00:00:00Z`).
 */
export function isoUtc(unixMs: number, wholeSeconds = false): string {
  const ms = Math.floor(unixMs);
  const days = Math.floor(ms / 86_400_000);
  let rem = ms - days * 86_400_000;
  const hh = Math.floor(rem / 3_600_000);
  rem -= hh * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const ss = Math.floor(rem / 1000);
  const milli = rem - ss * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${p(y, 4)}-${p(m)}-${p(d)}T${p(hh)}:${p(mi)}:${p(ss)}`;
  return wholeSeconds ? `${base}Z` : `${base}.${p(milli, 3)}Z`;
}

/** Days from 1970-01-01 to a civil date of the proleptic Gregorian calendar (month 1..12), by arithmetic alone. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
