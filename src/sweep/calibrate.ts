/**
 * Calibration against a CloudWatch export: how a run's `cloudwatch` series (metrics/cloudwatch.ts) line up with the
 * series of a real export (metrics/cloudwatch-export.ts), how far apart they are, and which values of esm-sim's
 * chosen figures bring them closest. Pure: the CLI runs the scenarios (on the sweep's worker pool) and feeds the
 * results back into the search, which is a generator so that no code here waits on anything.
 *
 * Alignment: virtual time 0 is placed at one instant, `startS`: the caller's (--start, or the scenario's startTime),
 * else the export's earliest point. An export point at time t belongs to period (t - startS) / period of the run.
 * CloudWatch stamps a period by its start and leaves out periods with no data
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html), so a Sum missing
 * between an export's first and last point is a period in which nothing was counted: 0. A missing Maximum or
 * Average is no sample, and that period is not compared. An export at a longer period than the run's (5 minutes
 * against 1) is compared with the run's periods merged: Sums added, Maximums the largest, Averages weighted by the
 * run's Invocations in each period (Lambda stamps Duration and Invocations alike, with the invocation's start).
 *
 * The error measure, per metric: the root mean square of (simulated - real) over the periods both have a value in,
 * divided by the mean of the real values' magnitudes (a normalised RMSE: 0 is a perfect fit, 0.1 is off by a tenth
 * of the typical value). When the real values are all 0 it is divided by the simulated values' mean magnitude
 * instead, and when both are all 0 the error is 0. A run's score is the mean of its metrics' errors.
 *
 * The search (esm-sim's choice, deterministic): coordinate descent in two passes over the figures to fit, in the
 * profile's order. The grid pass tries each figure at nine values spread over its plausible range (evenly; spread
 * by ratio when the range spans a factor of 10 or more and starts above 0; every whole value for a range of at most
 * nine) plus the value in force, the other figures at their best so far, and keeps the best; it is repeated while
 * it moves a figure, three times at most, since a figure fitted early may have made up for one fitted later. The
 * refinement pass then tries seven values evenly between the two grid neighbours of each figure's best value. A
 * setting already run is not run again. Ties go to the value nearest the one in
 * force, then to the lower. A figure whose plausible low and high give the very same compared series is not
 * resolvable from these metrics: it keeps its value and is not refined.
 */
import { PROFILES, type FigureName } from "../esm/profiles.js";
import type { CloudWatchSeriesEntry, CloudWatchSource, CloudWatchUnit } from "../metrics/cloudwatch.js";
import { cloudwatchKeysOf, cloudwatchMetricSources, describeCloudWatchSource } from "../metrics/cloudwatch.js";
import type { MetricSeries } from "../metrics/cloudwatch-export.js";
import type { Scenario } from "../scenario/model.js";
import { variantsOf } from "./sensitivity.js";

/** A run's CloudWatch series as calibration reads them (cloudwatchSeries of its report). */
export interface SimulatedSeries {
  periodS: number;
  entries: CloudWatchSeriesEntry[];
}

/** An export series matched with the run's series of the same metric and statistic. */
export interface Pairing {
  /** The report key (`Invocations`, `Duration.Maximum`). */
  key: string;
  metric: string;
  statistic: string;
  series: MetricSeries;
  /** The export's period, seconds. */
  periodS: number;
}

/** The export's earliest point, Unix seconds; null when it has none. */
export function exportStartS(series: readonly MetricSeries[]): number | null {
  let first: number | null = null;
  for (const s of series) if (s.points.length > 0 && (first === null || s.points[0].tS < first)) first = s.points[0].tS;
  return first;
}

/**
 * The export's series that a run of `source` can be compared with, and a note for each one that cannot: no
 * statistic, a metric AWS does not publish for the source, a statistic esm-sim does not report, a period that is
 * not a whole multiple of the run's.
 */
export function pairSeries(series: readonly MetricSeries[], source: CloudWatchSource, runPeriodS: number): { pairs: Pairing[]; notes: string[] } {
  const pairs: Pairing[] = [];
  const notes: string[] = [];
  const periodOf = (s: MetricSeries) => s.periodS ?? series.find((o) => o.periodS !== null)?.periodS ?? runPeriodS;
  for (const s of series) {
    const name = `${s.metric}${s.statistic ? ` ${s.statistic}` : ""}`;
    const keys = cloudwatchKeysOf(s.metric);
    if (keys.length === 0) {
      notes.push(`${name}: esm-sim does not simulate this metric; left out`);
      continue;
    }
    const where = cloudwatchMetricSources(keys[0].key, source);
    if (where) {
      notes.push(`${name}: AWS publishes it for ${where}, not for ${describeCloudWatchSource(source)}; left out`);
      continue;
    }
    if (!s.statistic) {
      notes.push(`${name}: the export does not say which statistic it is (${keys.map((k) => k.statistic).join(" or ")} would be compared); left out`);
      continue;
    }
    const key = keys.find((k) => k.statistic === s.statistic);
    if (!key) {
      notes.push(`${name}: esm-sim reports ${s.metric} as its ${keys.map((k) => k.statistic).join(" and ")}, not its ${s.statistic}; left out`);
      continue;
    }
    const periodS = periodOf(s);
    if (periodS % runPeriodS !== 0) {
      notes.push(`${name}: exported every ${periodS} s, which is not a whole number of the run's ${runPeriodS} s periods; export it at ${runPeriodS} s (or a multiple) to compare it`);
      continue;
    }
    if (periodS !== runPeriodS) notes.push(`${name}: exported every ${periodS} s; the run's ${runPeriodS} s periods are merged into ${periodS} s ones to compare it`);
    if (s.missingPoints > 0) {
      const how = s.statistic === "Sum" ? "read as 0 (CloudWatch leaves out a period in which nothing was counted)" : "not compared (no sample in them)";
      notes.push(`${name}: ${s.missingPoints} period${s.missingPoints === 1 ? "" : "s"} between its first and last point ${s.missingPoints === 1 ? "has" : "have"} no point: ${how}`);
    }
    pairs.push({ key: key.key, metric: s.metric, statistic: s.statistic, series: s, periodS });
  }
  return { pairs, notes };
}

/** Where the export's points fall against the run, for notes: before virtual time 0, off the period grid, after
 *  the run's last period. */
export function alignmentNotes(pairs: readonly Pairing[], startS: number, run: SimulatedSeries): string[] {
  const notes: string[] = [];
  const runEndS = startS + lengthOf(run) * run.periodS;
  for (const p of pairs) {
    let before = 0;
    let off = 0;
    let after = 0;
    for (const pt of p.series.points) {
      const d = pt.tS - startS;
      if (d < 0) before++;
      else if (d % p.periodS !== 0) off++;
      else if (pt.tS >= runEndS) after++;
    }
    const name = `${p.metric} ${p.statistic}`;
    if (before) notes.push(`${name}: ${plural(before, "point")} before the run's start, not compared`);
    if (off) notes.push(`${name}: ${plural(off, "point")} not on a ${p.periodS} s period counted from the run's start, not compared; give --start on the export's period grid`);
    if (after) notes.push(`${name}: ${plural(after, "point")} after the run's last period, not compared (the run ended first; set until to run longer)`);
  }
  return notes;
}

const lengthOf = (run: SimulatedSeries) => (run.entries.length ? run.entries[0].values.length : 0);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The run's value of `key` over export period `g` (run periods g*k .. g*k+k-1); null when it has none. */
function runValue(run: SimulatedSeries, entry: CloudWatchSeriesEntry, statistic: string, g: number, k: number): number | null {
  const n = entry.values.length;
  if (k === 1) return g < n ? entry.values[g] : null;
  const weights = statistic === "Average" ? run.entries.find((e) => e.key === "Invocations")?.values : undefined;
  let sum = 0;
  let max: number | null = null;
  let weighted = 0;
  let weight = 0;
  let any = false;
  for (let i = g * k; i < Math.min(n, (g + 1) * k); i++) {
    const v = entry.values[i];
    if (v === null) continue;
    any = true;
    sum += v;
    max = max === null ? v : Math.max(max, v);
    const w = weights?.[i] ?? 1;
    weighted += v * w;
    weight += w;
  }
  if (!any) return null;
  if (statistic === "Sum") return sum;
  if (statistic === "Maximum") return max;
  return weight > 0 ? weighted / weight : null;
}

/** One metric's fit. */
export interface MetricFit {
  key: string;
  metric: string;
  statistic: string;
  /** Periods compared (both have a value). */
  points: number;
  rmse: number | null;
  /** Normalised RMSE (see the module's header); null when no period was compared. */
  error: number | null;
  /** The compared simulated values, in period order: equal lists mean equal series. */
  simulated: number[];
}

/** Every pairing's fit for one run, and the run's score: the mean error over the metrics compared (null: none). */
export function compareRun(pairs: readonly Pairing[], startS: number, run: SimulatedSeries): { metrics: MetricFit[]; score: number | null } {
  const metrics = pairs.map((p) => fitOf(p, startS, run));
  const errors = metrics.map((m) => m.error).filter((e): e is number => e !== null);
  return { metrics, score: errors.length ? errors.reduce((a, b) => a + b, 0) / errors.length : null };
}

/** The export's values by export period from the start, over the run's span; a Sum missing inside its span is 0. */
function realByPeriod(p: Pairing, startS: number, groups: number): Map<number, number> {
  const real = new Map<number, number>();
  for (const pt of p.series.points) {
    const d = pt.tS - startS;
    if (d < 0 || d % p.periodS !== 0) continue;
    const g = d / p.periodS;
    if (g < groups) real.set(g, pt.value);
  }
  if (p.statistic === "Sum" && p.series.points.length > 1) {
    const first = Math.max(0, Math.ceil((p.series.points[0].tS - startS) / p.periodS));
    const last = Math.min(groups - 1, Math.floor((p.series.points[p.series.points.length - 1].tS - startS) / p.periodS));
    for (let g = first; g <= last; g++) if (!real.has(g)) real.set(g, 0);
  }
  return real;
}

function fitOf(p: Pairing, startS: number, run: SimulatedSeries): MetricFit {
  const entry = run.entries.find((e) => e.key === p.key);
  const k = p.periodS / run.periodS;
  const groups = Math.ceil(lengthOf(run) / k);
  const real = realByPeriod(p, startS, groups);
  const sim: number[] = [];
  const obs: number[] = [];
  for (const g of [...real.keys()].sort((a, b) => a - b)) {
    const v = entry ? runValue(run, entry, p.statistic, g, k) : null;
    if (v === null) continue;
    sim.push(v);
    obs.push(real.get(g)!);
  }
  if (sim.length === 0) return { key: p.key, metric: p.metric, statistic: p.statistic, points: 0, rmse: null, error: null, simulated: [] };
  let sq = 0;
  for (let i = 0; i < sim.length; i++) sq += (sim[i] - obs[i]) ** 2;
  const rmse = Math.sqrt(sq / sim.length);
  const meanAbs = (xs: number[]) => xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
  const scale = meanAbs(obs) > 0 ? meanAbs(obs) : meanAbs(sim);
  const error = rmse === 0 ? 0 : rmse / scale;
  return { key: p.key, metric: p.metric, statistic: p.statistic, points: sim.length, rmse, error, simulated: sim };
}

/** A pairing as a chart draws it: [virtual time ms, value] at the start of each export period of the run's span. */
export interface PairingChart {
  /** The export's values as compared (a Sum missing inside its span is 0). */
  real: [number, number][];
  /** The run's values merged to the export's period; none where the run has no sample. */
  simulated: [number, number][];
  /** The metric's CloudWatch unit (null when the run does not report it). */
  unit: CloudWatchUnit | null;
  /** The run's span, ms. */
  endMs: number;
}

export function chartOf(p: Pairing, startS: number, run: SimulatedSeries): PairingChart {
  const entry = run.entries.find((e) => e.key === p.key);
  const k = p.periodS / run.periodS;
  const groups = Math.ceil(lengthOf(run) / k);
  const ms = (g: number) => g * p.periodS * 1000;
  const real = [...realByPeriod(p, startS, groups)].sort((a, b) => a[0] - b[0]).map(([g, v]): [number, number] => [ms(g), v]);
  const simulated: [number, number][] = [];
  for (let g = 0; g < groups && entry; g++) {
    const v = runValue(run, entry, p.statistic, g, k);
    if (v !== null) simulated.push([ms(g), v]);
  }
  return { real, simulated, unit: entry?.unit ?? null, endMs: lengthOf(run) * run.periodS * 1000 };
}

// --- the search ----------------------------------------------------------------------------------------------------

export interface FitFigure {
  name: FigureName;
  /** The value in force before fitting (the profile's, or the scenario's own). */
  value: number | null;
  low: number | null;
  high: number | null;
  /** The grid pass's values, in ascending order (null first). */
  grid: (number | null)[];
}

const GRID_POINTS = 9;
const REFINE_POINTS = 7;
/** Grid passes at most: another follows while a pass moves a figure. */
const GRID_PASSES = 3;

/**
 * The figures to fit: those named (each must be a chosen figure of the scenario's profile, with a plausible range),
 * or by default every chosen figure the source's mapping reads (the sensitivity run's variants). Errors name what is
 * wrong with a requested name.
 */
export function fitPlan(scenario: Scenario, names: readonly string[] | null): { figures: FitFigure[]; errors: string[] } {
  const profile = PROFILES[scenario.profileName];
  const errors: string[] = [];
  let chosen: FigureName[];
  if (names === null) {
    chosen = [...new Set(variantsOf(scenario).map((v) => v.figure))];
  } else {
    chosen = [];
    const fittable = (Object.keys(profile.figures) as FigureName[]).filter((n) => profile.figures[n].chosen && profile.figures[n].low !== undefined);
    for (const n of names) {
      const f = profile.figures[n as FigureName];
      if (!f) errors.push(`--fit ${n}: not a figure of esm-sim (the chosen ones: ${fittable.join(", ")})`);
      else if (!f.chosen || f.low === undefined || f.high === undefined) errors.push(`--fit ${n}: AWS documents this figure, so it is not fitted (the chosen ones: ${fittable.join(", ")})`);
      else if (chosen.includes(n as FigureName)) errors.push(`--fit ${n}: named twice`);
      else chosen.push(n as FigureName);
    }
  }
  const figures = chosen.map((name): FitFigure => {
    const f = profile.figures[name];
    const value = scenario.figures[name];
    return { name, value, low: f.low ?? null, high: f.high ?? null, grid: gridOf(f.low ?? null, f.high ?? null, value) };
  });
  return { figures, errors };
}

const isWhole = (x: number | null) => x === null || Number.isInteger(x);
const ascending = (a: number | null, b: number | null) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : a - b);

function uniqueSorted(xs: (number | null)[]): (number | null)[] {
  return [...new Set(xs)].sort(ascending);
}

/** The grid pass's values for a range (see the module's header). */
export function gridOf(low: number | null, high: number | null, value: number | null): (number | null)[] {
  if (low === null || high === null) return uniqueSorted([low, high, value]);
  const whole = isWhole(low) && isWhole(high) && isWhole(value);
  if (whole && high - low <= GRID_POINTS - 1) {
    const all: number[] = [];
    for (let x = low; x <= high; x++) all.push(x);
    return uniqueSorted([...all, value]);
  }
  const byRatio = low > 0 && high / low >= 10;
  const pts: number[] = [];
  for (let i = 0; i < GRID_POINTS; i++) {
    const t = i / (GRID_POINTS - 1);
    const x = i === 0 ? low : i === GRID_POINTS - 1 ? high : byRatio ? low * Math.pow(high / low, t) : low + (high - low) * t;
    pts.push(whole ? Math.round(x) : x);
  }
  return uniqueSorted([...pts, value]);
}

/** The refinement pass's values: evenly between `best`'s neighbours in `grid`, leaving out those already tried. */
export function refineOf(grid: readonly (number | null)[], best: number | null, tried: ReadonlySet<number | null>): (number | null)[] {
  if (best === null) return [];
  const i = grid.indexOf(best);
  const lo = i > 0 ? grid[i - 1] : best;
  const hi = i >= 0 && i + 1 < grid.length ? grid[i + 1] : best;
  if (lo === null || hi === null) return [];
  const whole = grid.every(isWhole);
  const out: number[] = [];
  for (let j = 1; j <= REFINE_POINTS; j++) {
    const x = lo + ((hi - lo) * j) / (REFINE_POINTS + 1);
    const v = whole ? Math.round(x) : x;
    if (!tried.has(v) && !out.includes(v)) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/** One run the search asks for: every fitted figure's value. */
export type Setting = Partial<Record<FigureName, number | null>>;

/** What the caller reports back for a run: its score, and its compared simulated values (equal: equal series). */
export interface Evaluation {
  score: number | null;
  signature: string;
}

export interface FigureOutcome {
  name: FigureName;
  before: number | null;
  fitted: number | null;
  low: number | null;
  high: number | null;
  /** False when the figure's low and high give the same compared series. */
  resolvable: boolean;
  /** The lowest and highest values tried that score as well as the fitted one, the other figures as fitted; null
   *  when no other value does: the export tells the fitted value apart only from values outside this span. */
  equallyGood: [number | null, number | null] | null;
}

export interface SearchResult {
  figures: FigureOutcome[];
  setting: Setting;
  /** The score of the values in force, and of the fitted ones. */
  before: number | null;
  after: number | null;
  /** Runs asked for (the first is the values in force). */
  runs: number;
}

/** Lower is better; a run with no score is worst. */
const better = (a: number | null, b: number | null) => a !== null && (b === null || a < b);

/**
 * The coordinate descent. Yields the settings to run, in batches that can run in parallel; is resumed with their
 * evaluations, in the same order. The first batch is the values in force alone.
 */
export function* coordinateDescent(figures: readonly FitFigure[]): Generator<Setting[], SearchResult, Evaluation[]> {
  const current: Setting = Object.fromEntries(figures.map((f) => [f.name, f.value]));
  const seen = new Map<string, Evaluation>();
  const [base] = yield [{ ...current }];
  seen.set(JSON.stringify(current), base);
  let bestScore = base.score;
  let bestSig = base.signature;
  const resolvable = new Map<FigureName, boolean>();

  /** The evaluations of `f` at `values`, the others as they are: runs only the settings not run before. */
  const step = function* (f: FitFigure, values: (number | null)[]): Generator<Setting[], Evaluation[], Evaluation[]> {
    const settings = values.map((v) => ({ ...current, [f.name]: v }));
    const fresh = settings.filter((x, i) => !seen.has(JSON.stringify(x)) && settings.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i);
    if (fresh.length > 0) {
      const evals = yield fresh;
      fresh.forEach((x, i) => seen.set(JSON.stringify(x), evals[i]));
    }
    return settings.map((x) => seen.get(JSON.stringify(x))!);
  };
  /** Keep `f` at the best of `values` (ties: nearest the value held, then the lower); true when it moved. */
  const choose = (f: FitFigure, values: (number | null)[], evals: Evaluation[]): boolean => {
    const held = current[f.name] ?? null;
    const distance = (v: number | null) => (v === null || held === null ? (v === held ? 0 : Infinity) : Math.abs(v - held));
    let pick: number | null = held;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const s = evals[i].score;
      const tie = s !== null && s === bestScore && (distance(v) < distance(pick) || (distance(v) === distance(pick) && ascending(v, pick) < 0));
      if (better(s, bestScore) || tie) {
        bestScore = s;
        bestSig = evals[i].signature;
        pick = v;
      }
    }
    current[f.name] = pick;
    return pick !== held;
  };

  for (let pass = 0; pass < GRID_PASSES; pass++) {
    let moved = false;
    for (const f of figures) {
      if (resolvable.get(f.name) === false) continue;
      const values = f.grid.filter((v) => v !== (current[f.name] ?? null));
      const evals = yield* step(f, values);
      if (pass === 0) {
        const sig = (v: number | null) => (v === (current[f.name] ?? null) ? bestSig : evals[values.indexOf(v)].signature);
        resolvable.set(f.name, sig(f.low) !== sig(f.high));
        if (!resolvable.get(f.name)) continue;
      }
      if (choose(f, values, evals)) moved = true;
    }
    if (!moved) break;
  }
  for (const f of figures) {
    if (!resolvable.get(f.name)) continue;
    const values = refineOf(f.grid, current[f.name] ?? null, new Set(f.grid));
    if (values.length === 0) continue;
    choose(f, values, yield* step(f, values));
  }
  const runs = seen.size;
  const equallyGood = (f: FitFigure): [number | null, number | null] | null => {
    const values: (number | null)[] = [];
    for (const [key, e] of seen) {
      const x = JSON.parse(key) as Setting;
      if (e.score === bestScore && figures.every((g) => g.name === f.name || x[g.name] === current[g.name])) values.push(x[f.name] ?? null);
    }
    const sorted = uniqueSorted(values);
    return sorted.length > 1 ? [sorted[0], sorted[sorted.length - 1]] : null;
  };
  return {
    figures: figures.map((f) => ({ name: f.name, before: f.value, fitted: current[f.name] ?? null, low: f.low, high: f.high, resolvable: resolvable.get(f.name) ?? false, equallyGood: resolvable.get(f.name) ? equallyGood(f) : null })),
    setting: current,
    before: base.score,
    after: bestScore,
    runs,
  };
}
