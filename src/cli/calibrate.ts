/**
 * `esm-sim calibrate`: compare a scenario's CloudWatch series with a real export (aws cloudwatch get-metric-data or
 * get-metric-statistics output) and fit esm-sim's chosen figures to it. The comparison and the search are pure
 * (sweep/calibrate.ts); this module reads the files, runs the search's batches on the sweep's worker pool
 * (sweep-pool.ts) and prints the result. Exit 2 for a bad export or command line, as for a bad scenario.
 */
import { InternalError } from "../engine/assert.js";
import { isoUtc } from "../engine/time.js";
import { cloudwatchSeries, cloudwatchSourceOf, type CloudWatchReport } from "../metrics/cloudwatch.js";
import { CLOUDWATCH_EXPORT_INPUT, parseCloudWatchExport } from "../metrics/cloudwatch-export.js";
import { metricRows, renderCalibration, renderCalibrationJson, type Calibration } from "../report/calibration.js";
import type { CalibrationChart } from "../report/calibration-html.js";
import { simulate } from "../run/simulate.js";
import { VERSION } from "../run/version.js";
import type { Override } from "../scenario/overrides.js";
import { parseInstantMs } from "../scenario/units.js";
import { alignmentNotes, chartOf, compareRun, coordinateDescent, exportStartS, fitPlan, pairSeries, type Evaluation, type MetricFit, type Setting, type SimulatedSeries } from "../sweep/calibrate.js";
import { settingArgs, sweepFiles, writtenSettings, type GridRow, type SweepSpec } from "../sweep/sweep.js";
import { readNamedFiles } from "../io/input.js";
import { optionalSeed, optionalUntil, parseJobs, parseOverrides, shellQuote } from "./args.js";
import { resolveScenario } from "./catalogue.js";
import type { CommandContext } from "./context.js";
import { parseOrReport, printProblems, printWarnings, progressBar } from "./printing.js";
import { checkOutputs, checkOutputTarget, onStandardOutput, scenarioInput, pathsNamedBy, readScenarioFile, readTextFile, writeOutputFile } from "./files.js";
import { UsageError, usageErrors } from "./usage-error.js";
import { openRowPool, RowFailure } from "./sweep-pool.js";

export interface CalibrateOpts {
  metrics?: string;
  map: string[];
  start?: string;
  fit?: string;
  jobs?: string;
  format: "table" | "json";
  seed?: string;
  until?: string;
  set: string[];
  html?: string;
}

/** `--map Id=Metric` arguments as the export reader's map. */
function parseMap(args: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq <= 0 || eq === a.length - 1) throw new UsageError(`--map ${a}: must be Id=MetricName or Id=MetricName.Statistic, e.g. m1=Invocations`);
    const id = a.slice(0, eq);
    if (Object.hasOwn(map, id)) throw new UsageError(`--map ${a}: ${id} is mapped twice`);
    map[id] = a.slice(eq + 1);
  }
  return map;
}

function parseStart(s: string): number {
  const ms = parseInstantMs(s);
  if (ms === null) throw new UsageError(`--start: must be an ISO 8601 instant with its time zone, such as 2026-03-01T09:00:00Z (got ${JSON.stringify(s)})`);
  if (ms % 60_000 !== 0) throw new UsageError(`--start: must fall on a whole minute, as CloudWatch's periods do (got ${JSON.stringify(s)})`);
  return ms / 1000;
}

function parseFit(s: string | undefined): string[] | null {
  if (s === undefined) return null;
  if (s.trim() === "none") return [];
  const names = s.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) throw new UsageError(`--fit: a comma-separated list of figure names, or none (got ${JSON.stringify(s)})`);
  const figures = names.filter((n) => n !== "none");
  if (figures.length === 0 && names.length > 1) throw new UsageError(`--fit ${s}: give none once, to only compare`);
  if (figures.length > 0 && figures.length < names.length) {
    throw new UsageError(`--fit ${s}: none fits no figure, so it cannot be combined with figures; give --fit none to only compare, or --fit ${figures.join(",")} to fit ${figures.length > 1 ? "those" : "that one"}`);
  }
  return names;
}

export async function calibrateCommand(ctx: CommandContext, file: string, opts: CalibrateOpts): Promise<void> {
  if (opts.metrics === undefined) throw new UsageError("calibrate: --metrics <export.json> is required: the CloudWatch export to compare with");
  const map = parseMap(opts.map);
  const givenStart = opts.start === undefined ? null : parseStart(opts.start);
  const names = parseFit(opts.fit);
  const jobs = parseJobs(opts.jobs);
  // --seed, --until and --set as run reads them.
  const seed = optionalSeed(opts.seed);
  const untilUs = optionalUntil(opts.until);
  const userSet = parseOverrides(opts.set);
  if (opts.html !== undefined) checkOutputTarget(opts.html, "--html", "calibration.html");

  const exported = parseCloudWatchExport(readTextFile(opts.metrics, CLOUDWATCH_EXPORT_INPUT), opts.metrics, { map });
  printWarnings(ctx.io, exported.warnings);
  if (!exported.ok) {
    printProblems(ctx.io, exported.errors);
    ctx.code = 2;
    return;
  }

  const path = resolveScenario(file);
  const text = readScenarioFile(path);
  checkOutputs(
    [scenarioInput(path), { what: "the --metrics export", path: opts.metrics }, ...pathsNamedBy(text, path, userSet).map((p) => ({ what: "the fromMetrics export", path: p }))],
    [onStandardOutput("the report"), opts.html !== undefined ? { what: "--html", path: opts.html, example: "calibration.html" } : null],
  );
  const plain = parseOrReport(ctx, text, path, { seed, untilUs, overrides: userSet });
  if (!plain) return;
  const first = exportStartS(exported.series);
  if (first === null) throw new UsageError(`calibrate: ${opts.metrics} holds no points to compare with`);
  let startS: number;
  let startFrom: Calibration["startFrom"];
  if (givenStart !== null) [startS, startFrom] = [givenStart, "--start"];
  else if (plain.scenario.startTimeGiven) [startS, startFrom] = [plain.scenario.startUnixS, "startTime"];
  else {
    if (first % 60 !== 0) throw new UsageError(`calibrate: the export's first point, ${isoUtc(first * 1000)}, is not on a whole minute; give --start`);
    [startS, startFrom] = [first, "export"];
  }
  const start = isoUtc(startS * 1000, true);
  // The runs start at that instant, so that their times (and StartingPositionTimestamp's check) read as production's.
  const set = [...userSet, ...parseOverrides([`startTime=${start}`])];
  const parsed = parseOrReport(ctx, text, path, { seed, untilUs, overrides: set });
  if (!parsed) return;
  const scenario = parsed.scenario;
  ctx.seed = scenario.seed;
  const given = `${opts.until ? ` --until ${shellQuote(opts.until)}` : ""}${opts.set.map((a) => ` --set ${shellQuote(a)}`).join("")}`;
  ctx.reproduce = `esm-sim run ${shellQuote(file)} --seed ${scenario.seed}${given} --set startTime=${start}`;

  const plan = fitPlan(scenario, names);
  if (plan.errors.length) throw usageErrors(plan.errors);
  // By default a figure the scenario or --set gives is kept, not fitted (fitPlan); --fit naming one is refused.
  const clashes = setFitClashes(userSet, plan.figures.map((f) => f.name));
  if (clashes.length) throw usageErrors(clashes);

  const spec: SweepSpec = {
    file: path,
    text,
    seed: seed ?? null,
    until: opts.until === undefined ? null : { written: opts.until, us: untilUs! },
    set,
    vary: [],
    shard: null,
    cloudwatch: true,
  };
  // A replay's export is read here, once, and handed to the workers (they are given the scenario as text).
  spec.files = readNamedFiles(sweepFiles(spec, []), spec.file, CLOUDWATCH_EXPORT_INPUT);
  // The workers load while this thread makes the run with the values in force.
  const pool = openRowPool(spec, jobs);
  pool.warm();
  const bar = progressBar(ctx.io);
  try {
    const baseRun = simulatedOf(simulate(scenario).report.cloudwatch);
    const { pairs, notes } = pairSeries(exported.series, cloudwatchSourceOf(scenario.source.type, scenario.mapping.enhancedFanOut), baseRun.periodS);
    if (pairs.length === 0) {
      for (const n of notes) ctx.io.err(`esm-sim: ${n}\n`);
      throw new UsageError(`calibrate: nothing in ${opts.metrics} can be compared with a ${scenario.source.type} run (see above)`);
    }
    notes.push(...alignmentNotes(pairs, startS, baseRun));

    const fits = new Map<string, MetricFit[]>();
    // The runs' series, kept for the --html page's charts (the values in force, and the fitted ones).
    const series = new Map<string, SimulatedSeries>();
    const evaluate = (setting: Setting, run: SimulatedSeries): Evaluation => {
      const r = compareRun(pairs, startS, run);
      fits.set(JSON.stringify(setting), r.metrics);
      if (opts.html) series.set(JSON.stringify(setting), run);
      return { score: r.score, signature: JSON.stringify(r.metrics.map((m) => m.simulated)) };
    };

    const search = coordinateDescent(plan.figures);
    let step = search.next([]);
    // The first batch is the values in force: the run already made.
    step = search.next((step.value as Setting[]).map((s) => evaluate(s, baseRun)));
    let index = 0;
    while (!step.done) {
      const settings = step.value;
      const rows: GridRow[] = settings.map((s) => ({ index: ++index, params: Object.entries(s).map(([k, v]): [string, string] => [`scaling.${k}`, v === null ? "null" : String(v)]) }));
      let done;
      try {
        done = await pool.run(rows, (n, total) => bar.update(n / total, `${index - total + n} runs`));
      } catch (e) {
        if (e instanceof RowFailure) {
          ctx.reproduce = `esm-sim run ${shellQuote(file)}${settingArgs(writtenSettings(spec), e.row.params).map(([f, v]) => ` ${f} ${shellQuote(v)}`).join("")}`;
          throw e.internal ? new InternalError(`calibrate run ${e.row.index}: ${e.message}`) : new Error(`calibrate run ${e.row.index}: ${e.message}`);
        }
        throw e;
      }
      step = search.next(done.map((row, i) => evaluate(settings[i], simulatedOf(row.cloudwatch!))));
    }
    bar.done();
    const result = step.value;
    const inForce = JSON.stringify(Object.fromEntries(plan.figures.map((f) => [f.name, f.value])));
    const before = fits.get(inForce)!;
    const after = fits.get(JSON.stringify(result.setting)) ?? before;
    const scaling: Record<string, number | null> = {};
    for (const f of result.figures) if (f.fitted !== f.before) scaling[f.name] = f.fitted;
    const calibration: Calibration = {
      scenario: file,
      export: opts.metrics,
      start,
      startFrom,
      periodSeconds: baseRun.periodS,
      metrics: metricRows(before, after),
      score: { before: roundScore(result.before), after: roundScore(result.after) },
      figures: result.figures,
      scaling,
      runs: result.runs,
      notes,
    };
    if (opts.html) {
      const fittedRun = plan.figures.length > 0 ? (series.get(JSON.stringify(result.setting)) ?? baseRun) : null;
      const charts = pairs.map((p): CalibrationChart => {
        const b = chartOf(p, startS, baseRun);
        return { key: p.key, metric: p.metric, statistic: p.statistic, unit: b.unit, real: b.real, before: b.simulated, after: fittedRun && chartOf(p, startS, fittedRun).simulated, endMs: b.endMs };
      });
      const { renderCalibrationHtml } = await import("../report/calibration-html.js");
      writeOutputFile(opts.html, renderCalibrationHtml(calibration, charts, { version: VERSION }), "--html");
    }
    ctx.io.out(opts.format === "json" ? renderCalibrationJson(calibration) : renderCalibration(calibration));
  } finally {
    bar.done();
    await pool.close();
  }
}

/** The --set arguments that change a figure being fitted: one message each. */
function setFitClashes(set: readonly Override[], fitted: readonly string[]): string[] {
  const out: string[] = [];
  const others = (name: string) => {
    const rest = fitted.filter((f) => f !== name);
    return rest.length ? `fit the other figures only (--fit ${rest.join(",")})` : "only compare (--fit none)";
  };
  for (const o of set) {
    const touched = o.path === "scaling" ? (typeof o.value === "object" && o.value !== null ? Object.keys(o.value) : []) : o.path.startsWith("scaling.") ? [o.path.slice("scaling.".length)] : [];
    for (const name of touched.filter((n) => fitted.includes(n))) {
      out.push(`--set ${o.arg}: ${name} is named in --fit, so --set may not also give it; drop the --set to fit it from the scenario's value, or ${others(name)}`);
    }
  }
  return out;
}

const roundScore = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function simulatedOf(cw: CloudWatchReport): SimulatedSeries {
  const s = cloudwatchSeries(cw);
  return { periodS: s.periodS, entries: s.entries };
}
