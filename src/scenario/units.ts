/**
 * Units at the scenario boundary. Durations outside AWS-named keys are a number of seconds or a string with a
 * unit (`250ms`, `0.05ms`, `30s`, `5m`, `2h`, `7d`); sizes are bytes or `512B`, `1KB`, `6MB` (1 KB = 1024 B);
 * rates are a number per second or `100/s`, `6000/m`, `50/h`. Each parser returns null on anything else.
 */
import { US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_MS, US_PER_S } from "../engine/time.js";

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

/** A duration to whole microseconds (rounded), or null when it is not a duration. Negative values are refused. */
export function parseDurationUs(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    return Math.round(value * US_PER_S);
  }
  if (typeof value !== "string") return null;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return null;
  const us = Number(m[1]) * DURATION_UNIT_US[m[2]];
  return Number.isFinite(us) ? Math.round(us) : null;
}

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

/** Format microseconds for people: `250ms`, `1.5s`, `2m 30s`, `1h 5m`, `3d 4h`. */
export function formatDurationUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  if (us < US_PER_MS) return `${us}us`;
  if (us < US_PER_S) return `${trim(us / US_PER_MS)}ms`;
  if (us < US_PER_MIN) return `${trim(us / US_PER_S)}s`;
  // Round to the smaller unit first, so that 23h 59.9m reads 1d, never 23h 60m.
  if (us < US_PER_H) {
    const totalS = Math.round(us / US_PER_S);
    if (totalS >= 3600) return "1h";
    const m = Math.floor(totalS / 60);
    const s = totalS - m * 60;
    return s ? `${m}m ${s}s` : `${m}m`;
  }
  if (us < US_PER_DAY) {
    const totalM = Math.round(us / US_PER_MIN);
    if (totalM >= 24 * 60) return "1d";
    const h = Math.floor(totalM / 60);
    const m = totalM - h * 60;
    return m ? `${h}h ${m}m` : `${h}h`;
  }
  const totalH = Math.round(us / US_PER_H);
  const d = Math.floor(totalH / 24);
  const h = totalH - d * 24;
  return h ? `${d}d ${h}h` : `${d}d`;
}

function trim(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}
