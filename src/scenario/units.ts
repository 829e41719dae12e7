/**
 * Units at the scenario boundary. Durations outside AWS-named keys are a number of seconds or a string with a
 * unit (`250ms`, `0.05ms`, `30s`, `5m`, `2h`, `7d`); sizes are bytes or `512B`, `1KB`, `6MB` (1 KB = 1024 B);
 * rates are a number per second or `100/s`, `6000/m`, `50/h`. Each parser returns null on anything else.
 */
import { daysFromCivil, US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_MS, US_PER_S } from "../engine/time.js";

const DURATION_UNIT_US: Record<string, number> = {
  us: 1,
  ms: US_PER_MS,
  s: US_PER_S,
  m: US_PER_MIN,
  h: US_PER_H,
  d: US_PER_DAY,
};

const NUMBER = "(\\d+(?:\\.\\d+)?|\\.\\d+)";
const DURATION_RE = new RegExp(`^${NUMBER}\\s*(us|ms|s|m|h|d)$`);
const SIZE_RE = new RegExp(`^${NUMBER}\\s*(B|KB|MB|GB)$`);
const RATE_RE = new RegExp(`^${NUMBER}\\s*/\\s*(s|m|h)$`);

/** A duration to whole microseconds (rounded), or null when it is not a duration or too long for any number to
 *  hold. Negative values are refused. */
export function parseDurationUs(value: unknown): number | null {
  let us: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    us = Math.round(value * US_PER_S);
  } else {
    if (typeof value !== "string") return null;
    const m = DURATION_RE.exec(value.trim());
    if (!m) return null;
    us = Math.round(Number(m[1]) * DURATION_UNIT_US[m[2]]);
  }
  // 1e308 seconds is a finite number whose microseconds are not.
  return Number.isFinite(us) ? us : null;
}

/** The longest duration virtual time can hold: whole microseconds stay exact up to 2^53 - 1 (about 285 years). */
export const DURATION_MAX_US = Number.MAX_SAFE_INTEGER;
/** DURATION_MAX_US in a user's words, for "must be at most ...". */
export const DURATION_MAX_WORDS = "9,007,199,254 s (about 285 years: esm-sim keeps virtual time in whole microseconds)";

const SIZE_UNIT_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 * 1024, GB: 1024 * 1024 * 1024 };

/** A size to whole bytes (rounded), or null. */
export function parseSizeBytes(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    return Math.round(value);
  }
  if (typeof value !== "string") return null;
  const m = SIZE_RE.exec(value.trim());
  if (!m) return null;
  const bytes = Number(m[1]) * SIZE_UNIT_BYTES[m[2]];
  return Number.isFinite(bytes) ? Math.round(bytes) : null;
}

const RATE_UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** A rate to records per second, or null. */
export function parseRatePerSecond(value: unknown): number | null {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? value : null;
  }
  if (typeof value !== "string") return null;
  const m = RATE_RE.exec(value.trim());
  if (!m) return null;
  const perS = Number(m[1]) / RATE_UNIT_S[m[2]];
  return Number.isFinite(perS) ? perS : null;
}

const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];


/**
 * An ISO 8601 instant with a time zone (`2026-03-01T09:00:00Z`, `2026-03-01T10:00:00+01:00`, seconds optional) as
 * Unix milliseconds, or null when it is not one (no zone, a day or hour that does not exist, a year before 1970).
 * Computed from the calendar, so nothing reads the clock.
 */
export function parseInstantMs(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const m = INSTANT_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] + (mo === 2 && leap ? 1 : 0)) return null;
  if (h > 23 || mi > 59 || sec > 59) return null;
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + frac * 1000;
  return ms < 0 ? null : ms;
}

/** Format microseconds for people: `250ms`, `1.5s`, `2m 30s`, `1h 5m`, `3d 4h` (the smaller unit rounded, carrying into the larger). */
export function formatDurationUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  if (us < US_PER_MS) return `${us}us`;
  if (us < US_PER_S) return `${trim(us / US_PER_MS)}ms`;
  if (us < US_PER_MIN) return `${trim(us / US_PER_S)}s`;
  // Round to the smaller unit first, so that 59m 59.7s reads 1h rather than 59m 60s.
  const two = (v: number, big: number, small: number, bigUnit: string, smallUnit: string): string => {
    const b = Math.floor(v / big);
    const sm = Math.round((v - b * big) / small);
    return sm ? `${b}${bigUnit} ${sm}${smallUnit}` : `${b}${bigUnit}`;
  };
  const toS = Math.round(us / US_PER_S) * US_PER_S;
  if (toS < US_PER_H) return two(toS, US_PER_MIN, US_PER_S, "m", "s");
  const toM = Math.round(us / US_PER_MIN) * US_PER_MIN;
  if (toM < US_PER_DAY) return two(toM, US_PER_H, US_PER_MIN, "h", "m");
  const toH = Math.round(us / US_PER_H) * US_PER_H;
  return two(toH, US_PER_DAY, US_PER_H, "d", "h");
}

function trim(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

/**
 * A number as `toLocaleString("en-US")` writes it (`12,345,678`), for the counts in messages, help and reports. Whole
 * numbers are grouped here, because a process's first `toLocaleString` sets up ICU's number formatting, which takes
 * longer than parsing and running a small scenario; fractions, -0, infinities and unsafe integers go to
 * `toLocaleString` itself.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}
