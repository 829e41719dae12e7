/** Options several commands take (--seed, --until, --set, --jobs), read into values or refused with a usage error. */
import { availableParallelism } from "node:os";
import { isOverrideProblem, parseOverride, type Override } from "../scenario/overrides.js";
import { DURATION_MAX_US, DURATION_MAX_WORDS, parseDurationUs } from "../scenario/units.js";
import { UsageError, usageErrors, type OptionProblems } from "./usage-error.js";

export function parseSeed(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 4_294_967_295) throw new UsageError(`--seed: must be an integer 0..4294967295 (got ${JSON.stringify(s)})`);
  return Number(s);
}

export function parseUntil(s: string): number {
  const us = parseDurationUs(/^\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  if (us === null || us === 0) throw new UsageError(`--until: must be a positive duration such as 30m, 2h or 90s (got ${JSON.stringify(s)})`);
  if (us > DURATION_MAX_US) throw new UsageError(`--until: must be at most ${DURATION_MAX_WORDS} (got ${JSON.stringify(s)})`);
  return us;
}

/** An optional --seed; undefined keeps the scenario's. */
export const optionalSeed = (s: string | undefined): number | undefined => (s === undefined ? undefined : parseSeed(s));

/** An optional --until; undefined keeps the scenario's. */
export const optionalUntil = (s: string | undefined): number | undefined => (s === undefined ? undefined : parseUntil(s));

/** Every --set argument, or a usage error naming each malformed one. */
export function parseOverrides(args: readonly string[]): Override[] {
  const out: Override[] = [];
  const bad: string[] = [];
  for (const a of args) {
    const o = parseOverride(a, "--set");
    if (isOverrideProblem(o)) bad.push(`${o.origin}: ${o.message}`);
    else out.push(o);
  }
  if (bad.length > 0) throw usageErrors(bad);
  return out;
}

/** Every --set argument that can be read; a problem in `into` for each one that cannot. */
export function readOverrides(args: readonly string[], into: OptionProblems): Override[] {
  return args.flatMap((a) => into.read(() => parseOverrides([a])) ?? []);
}

/** Quote a word for a POSIX shell when it needs it (reproduce lines). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** --jobs: how many runs at once (this thread and jobs - 1 worker threads); the machine's available parallelism by default. */
export function parseJobs(s: string | undefined): number {
  if (s === undefined) return availableParallelism();
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 1024) throw new UsageError(`--jobs: must be an integer 1..1024 (got ${JSON.stringify(s)})`);
  return Number(s);
}
