/**
 * Sensitivity of a run to esm-sim's chosen figures (those AWS does not document; profiles.ts gives each a plausible
 * low and high): the variants to run (each chosen figure the scenario's source type reads, at its low and at its
 * high, one at a time), and what they showed: for each headline result, its range over the variants and the figure
 * that drives it; which variants failed an expectation. Pure: the variants run as sweep rows (sweep-pool.ts).
 *
 * Which figures a run exercised is found by running them: a figure whose low and high variants both leave every
 * report metric as the plain run had it did not decide anything in this run. Tracking reads inside the models would
 * save runs, but a read is not a decision (the SQS mapping reads its tick and long-poll figures in every run), and the
 * stream back-off is converted into the mapping's config before the run starts, so reads would not see it.
 */
import { PROFILES, type FigureName } from "../esm/profiles.js";
import type { Scenario } from "../scenario/model.js";
import type { GridRow, SweepExpectation, SweepRow } from "./sweep.js";

/** The headline results whose dependence a sensitivity run reports, with the words the table uses. */
export const HEADLINES: readonly { path: string; label: string; kind: "ms" | "count" }[] = [
  { path: "endedAt", label: "drain time", kind: "ms" },
  { path: "records.dlq", label: "dead-letter queue", kind: "count" },
  { path: "records.onFailure", label: "discarded", kind: "count" },
  { path: "duplicates", label: "duplicates", kind: "count" },
  { path: "iteratorAge.max", label: "oldest record age max", kind: "ms" },
  { path: "concurrency.max", label: "concurrency max", kind: "count" },
  { path: "latency.p99", label: "latency p99", kind: "ms" },
];

/** What each chosen figure decides, in words, for the lead lines ("depends on esm-sim's choice of ..."). */
export const FIGURE_WORDS: Partial<Record<FigureName, string>> = {
  scaleTickMs: "scale-up tick",
  scaleDownIntervalMs: "scale-down interval",
  backoffConcurrencyPerFailure: "back-off per failure",
  backoffMinConcurrency: "back-off floor",
  scaleUpHoldAfterFailureMs: "scale-up hold after failures",
  throttleRetryInitialMs: "first throttle retry delay",
  throttleRetryMaxMs: "longest throttle retry delay",
  longPollWaitMs: "long-poll wait",
  gatherVisibilityMarginMs: "batch close margin before visibility ends",
  effectiveVisibilityExtraMs: "visibility extension past window + timeout",
  streamRetryInitialMs: "first stream retry delay",
  streamRetryMaxMs: "longest stream retry delay",
  readThrottleBackoffMs: "wait after a shard read throttle",
  efoPushLatencyMs: "enhanced fan-out push delay",
  streamErrorPausesLaneOnly: "whether an error pauses the shard or one lane",
  environmentIdleLifetimeMs: "idle execution environment lifetime",
};

/** A variant: one chosen figure at one end of its plausible range. */
export interface Variant {
  figure: FigureName;
  at: "low" | "high";
  value: number | null;
}

/** The sweep row index of the plain run (variants follow from 1). */
export const BASE_ROW = 0;

/** Whether the scenario's mapping can read a chosen figure: the stream figures on a stream (the read-throttle wait
 *  when Kinesis is polled, the push delay with enhanced fan-out, the lane pause with ParallelizationFactor above 1),
 *  the gathering figures with an SQS batching window, the idle environment lifetime with function.coldStart, every
 *  other chosen figure on a queue. */
function readBy(name: FigureName, scenario: Scenario): boolean {
  const type = scenario.source.type;
  const m = scenario.mapping;
  const stream = type === "kinesis" || type === "dynamodb";
  switch (name) {
    case "streamRetryInitialMs":
    case "streamRetryMaxMs":
      return stream;
    case "readThrottleBackoffMs":
      return type === "kinesis" && !m.enhancedFanOut;
    case "efoPushLatencyMs":
      return type === "kinesis" && m.enhancedFanOut;
    case "streamErrorPausesLaneOnly":
      return stream && m.parallelizationFactor > 1;
    case "environmentIdleLifetimeMs":
      return scenario.fn.coldStart !== null;
    case "gatherVisibilityMarginMs":
    case "effectiveVisibilityExtraMs":
      return type === "sqs" && m.batchingWindowUs > 0;
    default:
      return !stream;
  }
}

/**
 * The variants of a scenario: each chosen figure of its profile that its source type reads and that it does not set
 * itself (a figure the scenario's `scaling:` or --set gives is the user's choice, not esm-sim's), at its low and at
 * its high where these differ from the value in force.
 */
export function variantsOf(scenario: Scenario): Variant[] {
  const profile = PROFILES[scenario.profileName];
  const out: Variant[] = [];
  for (const [name, f] of Object.entries(profile.figures) as [FigureName, (typeof profile.figures)[FigureName]][]) {
    if (!f.chosen || f.low === undefined || f.high === undefined) continue;
    if (name in scenario.figureOverrides || !readBy(name, scenario)) continue;
    if (f.low !== f.value) out.push({ figure: name, at: "low", value: f.low });
    if (f.high !== f.value) out.push({ figure: name, at: "high", value: f.high });
  }
  return out;
}

/** How a variant is written: as the --set that reproduces it. */
export function variantSetting(v: Variant): string {
  return `scaling.${v.figure}=${v.value === null ? "null" : v.value}`;
}

/** The sweep rows: the plain run first, then each variant as one --set. */
export function variantRows(variants: readonly Variant[]): GridRow[] {
  return [{ index: BASE_ROW, params: [] }, ...variants.map((v, i): GridRow => ({ index: i + 1, params: [[`scaling.${v.figure}`, v.value === null ? "null" : String(v.value)]] }))];
}

export interface HeadlineRange {
  path: string;
  label: string;
  kind: "ms" | "count";
  /** The plain run's value. */
  value: number;
  min: number;
  max: number;
  /** The figure whose variants span the widest range of this headline (null when none moves it). */
  drivenBy: FigureName | null;
  /** That figure's range of this headline (its variants and the plain run). */
  driverMin: number;
  driverMax: number;
  /** The range is wider than a tenth of the plain run's value (or the value is 0 and a variant is not). */
  moves: boolean;
}

export interface VariantResult extends Variant {
  setting: string;
  metrics: Record<string, number>;
  failed: SweepExpectation[];
}

export interface Sensitivity {
  /** Every chosen figure the run was varied over, and whether any of its variants changed any report metric. */
  figures: { name: FigureName; value: number | null; low: number | null; high: number | null; exercised: boolean }[];
  headlines: HeadlineRange[];
  variants: VariantResult[];
  /** True when every expectation held in the plain run and in every variant. */
  expectationsHold: boolean;
  /** The number of runs: the plain one and each variant. */
  runs: number;
}

/** What the variants showed; `rows[0]` is the plain run, `rows[i]` the variant `variants[i - 1]`. */
export function summarize(scenario: Scenario, variants: readonly Variant[], rows: readonly SweepRow[]): Sensitivity {
  const base = rows[BASE_ROW];
  const num = (r: SweepRow, path: string) => (typeof r.metrics[path] === "number" ? (r.metrics[path] as number) : 0);
  const results: VariantResult[] = variants.map((v, i) => {
    const row = rows[i + 1];
    return { ...v, setting: variantSetting(v), metrics: Object.fromEntries(HEADLINES.map((h) => [h.path, num(row, h.path)])), failed: row.expectations.filter((e) => !e.passed) };
  });
  const changed = (i: number) => Object.keys(base.metrics).some((p) => rows[i + 1].metrics[p] !== base.metrics[p]);
  const profile = PROFILES[scenario.profileName];
  const names = [...new Set(variants.map((v) => v.figure))];
  const figures = names.map((name) => {
    const f = profile.figures[name];
    return { name, value: scenario.figures[name], low: f.low ?? null, high: f.high ?? null, exercised: variants.some((v, i) => v.figure === name && changed(i)) };
  });
  const headlines = HEADLINES.filter((h) => base.metrics[h.path] !== undefined).map((h) => headlineRange(h, num(base, h.path), results));
  const expectationsHold = base.passed && results.every((r) => r.failed.length === 0);
  return { figures, headlines, variants: results, expectationsHold, runs: rows.length };
}

function headlineRange(h: (typeof HEADLINES)[number], value: number, results: readonly VariantResult[]): HeadlineRange {
  let min = value;
  let max = value;
  const byFigure = new Map<FigureName, { min: number; max: number }>();
  for (const r of results) {
    const v = r.metrics[h.path];
    min = Math.min(min, v);
    max = Math.max(max, v);
    const span = byFigure.get(r.figure) ?? { min: value, max: value };
    byFigure.set(r.figure, { min: Math.min(span.min, v), max: Math.max(span.max, v) });
  }
  let drivenBy: FigureName | null = null;
  let driver = { min: value, max: value };
  for (const [name, span] of byFigure) {
    if (span.max - span.min > driver.max - driver.min) {
      drivenBy = name;
      driver = span;
    }
  }
  const moves = value === 0 ? max > 0 || min < 0 : (max - min) / Math.abs(value) > 0.1;
  return { path: h.path, label: h.label, kind: h.kind, value, min, max, drivenBy, driverMin: driver.min, driverMax: driver.max, moves };
}
