import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CloudWatchSeriesEntry } from "../src/metrics/cloudwatch.js";
import type { MetricSeries } from "../src/metrics/cloudwatch-export.js";
import { compareRun, coordinateDescent, gridOf, pairSeries, refineOf, type Evaluation, type FitFigure, type SimulatedSeries } from "../src/sweep/calibrate.js";
import { cli, scratch } from "./cli-helpers.js";

const T0 = 1_772_355_600; // 2026-03-01T09:00:00Z

const entry = (key: string, statistic: "Sum" | "Maximum" | "Average", values: (number | null)[]): CloudWatchSeriesEntry => ({
  key,
  namespace: "AWS/Lambda",
  metric: key.split(".")[0],
  statistic,
  unit: "Count",
  values,
});
const series = (metric: string, statistic: MetricSeries["statistic"], periodS: number, points: [number, number][], missingPoints = 0): MetricSeries => ({
  metric,
  statistic,
  from: "label",
  periodS,
  points: points.map(([m, value]) => ({ tS: T0 + m * 60, value })),
  missingPoints,
});

describe("calibration: comparing series", () => {
  it("the error is the RMSE over the compared periods divided by the mean real value; a Sum missing inside the export's span is 0", () => {
    const run: SimulatedSeries = { periodS: 60, entries: [entry("Invocations", "Sum", [10, 10, 10, 10])] };
    // minute 2 is missing: nothing was counted then
    const { pairs } = pairSeries([series("Invocations", "Sum", 60, [[0, 10], [1, 14], [3, 6]], 1)], "sqs", 60);
    const r = compareRun(pairs, T0, run);
    expect(r.metrics[0].points).toBe(4);
    const rmse = Math.sqrt((0 + 16 + 100 + 16) / 4);
    expect(r.metrics[0].rmse).toBeCloseTo(rmse, 12);
    expect(r.metrics[0].error).toBeCloseTo(rmse / ((10 + 14 + 0 + 6) / 4), 12);
    expect(r.score).toBe(r.metrics[0].error);
  });

  it("a Maximum missing in the export, or with no sample in the run, is not compared", () => {
    const run: SimulatedSeries = { periodS: 60, entries: [entry("ConcurrentExecutions", "Maximum", [5, null, 5, 5])] };
    const { pairs } = pairSeries([series("ConcurrentExecutions", "Maximum", 60, [[0, 5], [1, 9], [3, 5]], 1)], "sqs", 60);
    const m = compareRun(pairs, T0, run).metrics[0];
    expect([m.points, m.error, m.simulated]).toEqual([2, 0, [5, 5]]);
  });

  it("an export every 5 minutes is compared with the run's minutes merged: Sums added, Maximums the largest, Averages weighted by Invocations", () => {
    const run: SimulatedSeries = {
      periodS: 60,
      entries: [
        entry("Invocations", "Sum", [1, 1, 1, 1, 1, 3, 0, 0, 0, 0]),
        entry("ConcurrentExecutions", "Maximum", [1, 2, 3, 2, 1, 7, null, null, null, null]),
        entry("Duration.Average", "Average", [100, 100, 100, 100, 100, 500, null, null, null, null]),
      ],
    };
    const { pairs, notes } = pairSeries(
      [series("Invocations", "Sum", 300, [[0, 5], [5, 3]]), series("ConcurrentExecutions", "Maximum", 300, [[0, 3], [5, 7]]), series("Duration", "Average", 300, [[0, 100], [5, 500]])],
      "sqs",
      60,
    );
    expect(notes).toEqual([
      "Invocations Sum: exported every 300 s; the run's 60 s periods are merged into 300 s ones to compare it",
      "ConcurrentExecutions Maximum: exported every 300 s; the run's 60 s periods are merged into 300 s ones to compare it",
      "Duration Average: exported every 300 s; the run's 60 s periods are merged into 300 s ones to compare it",
    ]);
    const r = compareRun(pairs, T0, run);
    expect(r.metrics.map((m) => [m.key, m.simulated, m.error])).toEqual([
      ["Invocations", [5, 3], 0],
      ["ConcurrentExecutions", [3, 7], 0],
      ["Duration.Average", [100, 500], 0],
    ]);
  });

  it("says why each series it cannot compare is left out", () => {
    const { pairs, notes } = pairSeries(
      [
        series("IteratorAge", "Maximum", 60, [[0, 1]]),
        series("ConcurrentExecutions", "Average", 60, [[0, 1]]),
        series("Invocations", undefined, 60, [[0, 1]]),
        series("Errors", "Sum", 90, [[0, 1]]),
        series("ApproximateNumberOfMessagesVisible", "Maximum", 60, [[0, 1], [4, 2]], 3),
      ],
      "sqs",
      60,
    );
    expect(pairs.map((p) => p.key)).toEqual(["ApproximateNumberOfMessagesVisible"]);
    expect(notes).toEqual([
      "IteratorAge Maximum: AWS publishes it for kinesis and dynamodb sources, not for a sqs source; left out",
      "ConcurrentExecutions Average: esm-sim reports ConcurrentExecutions as its Maximum, not its Average; left out",
      "Invocations: the export does not say which statistic it is (Sum would be compared); left out",
      "Errors Sum: exported every 90 s, which is not a whole number of the run's 60 s periods; export it at 60 s (or a multiple) to compare it",
      "ApproximateNumberOfMessagesVisible Maximum: 3 periods between its first and last point have no point: not compared (no sample in them)",
    ]);
  });
});

describe("calibration: the search plan", () => {
  it("spreads nine values over a range, by ratio when it spans a factor of 10, every whole value for a short range, and keeps the value in force", () => {
    expect(gridOf(0, 120_000, 30_000)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 75_000, 90_000, 105_000, 120_000]);
    expect(gridOf(100, 60_000, 1000)).toEqual([100, 222, 495, 1000, 1101, 2449, 5449, 12_123, 26_970, 60_000]);
    expect(gridOf(0, 5, 1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(gridOf(null, 30_000, null)).toEqual([null, 30_000]);
    expect(refineOf([0, 15_000, 30_000], 15_000, new Set([0, 15_000, 30_000]))).toEqual([3750, 7500, 11_250, 18_750, 22_500, 26_250]);
    expect(refineOf([0, 15_000, 30_000], 0, new Set([0, 15_000, 30_000]))).toEqual([1875, 3750, 5625, 7500, 9375, 11_250, 13_125]);
  });

  /** Drive the search with a made-up objective: `score(setting)`, and the series it would give. */
  function drive(figures: FitFigure[], score: (s: Record<string, number | null>) => number, series: (s: Record<string, number | null>) => string) {
    const gen = coordinateDescent(figures);
    let step = gen.next([]);
    const asked: Record<string, number | null>[] = [];
    while (!step.done) {
      const batch = step.value as Record<string, number | null>[];
      asked.push(...batch);
      step = gen.next(batch.map((s): Evaluation => ({ score: score(s), signature: series(s) })));
    }
    return { result: step.value, asked };
  }

  it("finds a value between grid points, never runs a setting twice, and keeps a figure whose low and high give the same series", () => {
    const figures: FitFigure[] = [
      { name: "scaleTickMs", value: 1000, low: 100, high: 60_000, grid: gridOf(100, 60_000, 1000) },
      { name: "scaleUpHoldAfterFailureMs", value: 30_000, low: 0, high: 120_000, grid: gridOf(0, 120_000, 30_000) },
    ];
    // only the hold shows in the series; its best is 70 s
    const hold = (s: Record<string, number | null>) => s.scaleUpHoldAfterFailureMs as number;
    const { result, asked } = drive(figures, (s) => Math.abs(hold(s) - 70_000), (s) => String(Math.round(hold(s) / 1000)));
    expect(result.figures.map((f) => [f.name, f.fitted, f.resolvable])).toEqual([
      ["scaleTickMs", 1000, false],
      ["scaleUpHoldAfterFailureMs", 71_250, true],
    ]);
    expect(new Set(asked.map((s) => JSON.stringify(s))).size).toBe(asked.length);
    expect(result.runs).toBe(asked.length);
    expect(result.before).toBe(40_000);
    expect(result.after).toBe(1250);
  });

  it("names the span of values tried that fit as well as the fitted one, when the series cannot tell them apart", () => {
    const figures: FitFigure[] = [{ name: "scaleUpHoldAfterFailureMs", value: 30_000, low: 0, high: 120_000, grid: gridOf(0, 120_000, 30_000) }];
    // any hold from 60 s to 80 s gives the same, best, series
    const flat = (s: Record<string, number | null>) => Math.max(0, Math.abs((s.scaleUpHoldAfterFailureMs as number) - 70_000) - 10_000);
    const { result } = drive(figures, flat, (s) => String(flat(s)));
    expect(result.figures.map((f) => [f.fitted, f.equallyGood])).toEqual([[60_000, [60_000, 75_000]]]);
    const strict = drive(figures, (s) => Math.abs((s.scaleUpHoldAfterFailureMs as number) - 70_000), (s) => String(s.scaleUpHoldAfterFailureMs));
    expect(strict.result.figures[0].equallyGood).toBeNull();
  });

  it("a figure fitted early is fitted again once a later one has moved", () => {
    const figures: FitFigure[] = [
      { name: "backoffMinConcurrency", value: 2, low: 1, high: 5, grid: gridOf(1, 5, 2) },
      { name: "backoffConcurrencyPerFailure", value: 1, low: 0, high: 5, grid: gridOf(0, 5, 1) },
    ];
    // the best a is b - 1, and b's best is 4 whatever a is: the first pass fits a to b = 1, the second to b = 4
    const score = (s: Record<string, number | null>) => {
      const a = s.backoffMinConcurrency as number;
      const b = s.backoffConcurrencyPerFailure as number;
      return Math.abs(a - (b - 1)) + Math.abs(b - 4) * 100;
    };
    const { result } = drive(figures, score, (s) => JSON.stringify(s));
    expect(result.setting).toEqual({ backoffMinConcurrency: 3, backoffConcurrencyPerFailure: 4 });
    expect(result.after).toBe(0);
  });
});

/** A slow SQS consumer whose function fails for 20 s: Lambda backs off, then holds scale-up for a while. */
const SLOW = `name: slow-consumer
source: { type: sqs, VisibilityTimeout: 30 }
traffic:
  - { rate: 20/s, from: 0s, to: 4m }
function:
  duration: { base: 1s }
  failures:
    - when: { from: 40s, to: 60s }
      effect: error
`;

interface CalibrationJson {
  start: string;
  startFrom: string;
  metrics: { metric: string; statistic: string; points: number; before: number; after: number }[];
  score: { before: number; after: number };
  figures: { name: string; before: number; fitted: number; low: number; high: number; resolvable: boolean }[];
  scaling: Record<string, number>;
  runs: number;
  notes: string[];
}

describe("esm-sim calibrate", () => {
  it("recovers a figure from a run's own export: the scale-up hold set to 70 s is fitted within 20% from the default 30 s", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW);
    const truth = join(dir.dir, "truth.json");
    const made = await cli("run", scenario, "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--metrics-out", truth);
    expect(made.code).toBe(0);
    const r = await cli("calibrate", scenario, "--metrics", truth, "--jobs", "1", "--format", "json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as CalibrationJson;
    expect([c.start, c.startFrom]).toEqual(["2024-01-01T00:00:00Z", "export"]);
    const hold = c.figures.find((f) => f.name === "scaleUpHoldAfterFailureMs")!;
    expect(hold.before).toBe(30_000);
    expect(hold.resolvable).toBe(true);
    expect(Math.abs(hold.fitted - 70_000)).toBeLessThanOrEqual(14_000);
    expect(c.scaling.scaleUpHoldAfterFailureMs).toBe(hold.fitted);
    expect(c.score.before).toBeGreaterThan(0.1);
    expect(c.score.after).toBeLessThan(c.score.before / 10);
    expect(c.metrics.every((m) => m.points === 5)).toBe(true);

    // What is reported as not resolvable is checked here on its own: its low and high give the same export, and
    // each resolvable figure's do not.
    const exportAt = async (name: string, v: number | null) => {
      const out = join(dir.dir, `${name}-${v}.json`);
      expect((await cli("run", scenario, "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--set", `scaling.${name}=${v}`, "--metrics-out", out)).code).toBe(0);
      return readFileSync(out, "utf8");
    };
    const unresolvable = c.figures.filter((f) => !f.resolvable).map((f) => f.name);
    expect(unresolvable.length).toBeGreaterThan(0);
    for (const f of c.figures) {
      const same = (await exportAt(f.name, f.low)) === (await exportAt(f.name, f.high));
      expect([f.name, same]).toEqual([f.name, !f.resolvable]);
      if (!f.resolvable) expect(f.fitted).toBe(f.before);
    }
  }, 120_000);

  it("a figure that decides nothing in the run is not resolvable: a stream whose function never fails keeps its retry back-off", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write(
      "k.yaml",
      `name: k
source: { type: kinesis, ShardCount: 1 }
traffic: [{ rate: 5/s, from: 0s, to: 2m }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 200ms } }
`,
    );
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--metrics-out", truth)).code).toBe(0);
    const r = await cli("calibrate", scenario, "--metrics", truth, "--jobs", "1", "--fit", "streamRetryInitialMs,streamRetryMaxMs", "--format", "json");
    const c = JSON.parse(r.out) as CalibrationJson;
    expect(c.figures.map((f) => [f.name, f.fitted, f.resolvable])).toEqual([
      ["streamRetryInitialMs", 500, false],
      ["streamRetryMaxMs", 30_000, false],
    ]);
    expect(c.scaling).toEqual({});
    // the grid pass runs each grid once; with both figures kept, nothing is searched further
    expect(c.runs).toBe(1 + (gridOf(250, 1000, 500).length - 1) + (gridOf(15_000, 60_000, 30_000).length - 1));
  });

  it("places the run at --start and says so; with --fit none it only compares", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", `startTime: 2026-03-01T09:00:00Z\n${SLOW}`);
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--metrics-out", truth)).code).toBe(0);
    const r = await cli("calibrate", scenario, "--metrics", truth, "--fit", "none");
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(0, 5)).toEqual([
      `${scenario} against ${truth}, 60 s periods`,
      "virtual time 0: 2026-03-01T09:00:00Z (the scenario's startTime)",
      "",
      "metric                                 statistic  points  error",
      "Invocations                            Sum             5  0.000",
    ]);
    expect(r.out).not.toContain("Fitted");
    // a start a minute later: every point shifts by one period, the first is before the run
    const later = await cli("calibrate", scenario, "--metrics", truth, "--fit", "none", "--start", "2026-03-01T09:01:00Z", "--format", "json");
    const c = JSON.parse(later.out) as CalibrationJson;
    expect([c.start, c.startFrom]).toEqual(["2026-03-01T09:01:00Z", "--start"]);
    expect(c.metrics[0]).toMatchObject({ metric: "Invocations", points: 4 });
    expect(c.score.before).toBeGreaterThan(0);
    expect(c.notes).toContain("Invocations Sum: 1 point before the run's start, not compared");
  });

  it("gives the same result on worker threads as in one thread", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW);
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--metrics-out", truth)).code).toBe(0);
    const one = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs", "--jobs", "1");
    const two = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs", "--jobs", "2");
    expect(one.code).toBe(0);
    expect(two.out).toBe(one.out);
    expect(one.out).toContain("scaling:\n  scaleUpHoldAfterFailureMs: 71250\n");
  }, 60_000);

  it("calibrates a scenario that replays a CloudWatch export: the workers are handed the export the scenario names", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", "sqs-replay-from-metrics", "--metrics-out", truth)).code).toBe(0);
    const r = await cli("calibrate", "sqs-replay-from-metrics", "--metrics", truth, "--fit", "scaleTickMs", "--jobs", "2", "--format", "json");
    expect(r.err).not.toContain("internal error");
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as CalibrationJson;
    expect(c.metrics.find((m) => m.metric === "Invocations")).toMatchObject({ points: 61, before: 0 });
    expect(c.score.before).toBe(0);
  }, 60_000);

  it("compares what it can of a hand-made export and says what it left out and why", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW);
    const exported = dir.write(
      "hand.json",
      JSON.stringify({
        MetricDataResults: [
          { Id: "inv", Label: "Invocations Sum", Timestamps: ["2026-03-01T09:10:00Z", "2026-03-01T09:00:00Z"], Values: [0, 3000], StatusCode: "Complete" },
          { Id: "deleted", Label: "NumberOfMessagesDeleted Sum", Timestamps: ["2026-03-01T09:03:00Z", "2026-03-01T09:00:00Z"], Values: [1200, 1000], StatusCode: "Complete" },
          { Id: "age", Label: "IteratorAge Maximum", Timestamps: ["2026-03-01T09:00:00Z"], Values: [5], StatusCode: "Complete" },
          { Id: "foo", Label: "Foo", Timestamps: ["2026-03-01T09:00:00Z"], Values: [5], StatusCode: "Complete" },
        ],
        Messages: [],
      }),
    );
    const r = await cli("calibrate", scenario, "--metrics", exported, "--fit", "none", "--format", "json");
    expect(r.code).toBe(0);
    expect(r.err).toBe(`${exported}:1:444 warning: MetricDataResults[3]: result "foo" matches no metric esm-sim reads, so it is left out; pass --map Id=MetricName to name it (e.g. --map foo=Invocations)\n`);
    const c = JSON.parse(r.out) as CalibrationJson;
    expect(c.metrics.map((m) => [m.metric, m.points])).toEqual([
      ["Invocations", 1],
      ["NumberOfMessagesDeleted", 2],
    ]);
    expect(c.notes).toEqual([
      "Invocations Sum: exported every 600 s; the run's 60 s periods are merged into 600 s ones to compare it",
      "NumberOfMessagesDeleted Sum: exported every 180 s; the run's 60 s periods are merged into 180 s ones to compare it",
      "IteratorAge Maximum: AWS publishes it for kinesis and dynamodb sources, not for a sqs source; left out",
      "Invocations Sum: 1 point after the run's last period, not compared (the run ended first; set until to run longer)",
    ]);
  });

  it("refuses a bad export with every problem placed, and a bad command line, with exit 2", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW);
    const bad = dir.write("bad.json", '{ "MetricDataResults": [ { "Id": "m1", "Label": "Invocations Sum", "Timestamps": ["yesterday"], "Values": [1, 2] } ] }');
    const r = await cli("calibrate", scenario, "--metrics", bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.split("\n")[0]).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1:26 MetricDataResults\\[0\\]: Timestamps has 1 entry and Values 2 entries`));
    expect(r.err).toContain(`${bad}:1:83 MetricDataResults[0].Timestamps[0]: `);
    expect(r.err.trimEnd().split("\n").pop()).toBe("2 problems found; nothing was run");

    const none = dir.write("none.json", JSON.stringify({ MetricDataResults: [{ Id: "age", Label: "IteratorAge Maximum", Timestamps: ["2026-03-01T09:00:00Z"], Values: [5], StatusCode: "Complete" }], Messages: [] }));
    const n = await cli("calibrate", scenario, "--metrics", none);
    expect([n.code, n.err]).toEqual([2, `esm-sim: IteratorAge Maximum: AWS publishes it for kinesis and dynamodb sources, not for a sqs source; left out\nesm-sim: calibrate: nothing in ${none} can be compared with a sqs run (see above)\n`]);

    expect(await cli("calibrate", scenario)).toMatchObject({ code: 2, err: "esm-sim: calibrate: --metrics <export.json> is required: the CloudWatch export to compare with\n" });
    const fit = await cli("calibrate", scenario, "--metrics", none, "--fit", "scaleTickMs,receiveMaxMessages,nope");
    expect(fit.code).toBe(2);
    expect(fit.err).toContain("esm-sim: --fit receiveMaxMessages: AWS documents this figure, so it is not fitted (the chosen ones: scaleTickMs, ");
    expect(fit.err).toContain("esm-sim: --fit nope: not a figure of esm-sim (the chosen ones: ");
    expect(await cli("calibrate", scenario, "--metrics", none, "--fit", "none,scaleTickMs")).toMatchObject({
      code: 2,
      err: "esm-sim: --fit none,scaleTickMs: none fits no figure, so it cannot be combined with figures; give --fit none to only compare, or --fit scaleTickMs to fit that one\n",
    });
    expect(await cli("calibrate", scenario, "--metrics", none, "--fit", "none,none")).toMatchObject({ code: 2, err: "esm-sim: --fit none,none: give none once, to only compare\n" });
    expect(await cli("calibrate", scenario, "--metrics", none, "--start", "2026-03-01T09:00:30Z")).toMatchObject({ code: 2, err: 'esm-sim: --start: must fall on a whole minute, as CloudWatch\'s periods do (got "2026-03-01T09:00:30Z")\n' });
    expect(await cli("calibrate", scenario, "--metrics", none, "--map", "m1")).toMatchObject({ code: 2, err: "esm-sim: --map m1: must be Id=MetricName or Id=MetricName.Statistic, e.g. m1=Invocations\n" });
  });

  it("--set, --seed and --until apply to every run before the fit, with run's parsing and messages", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW.replace("{ rate: 20/s, from: 0s, to: 4m }", "{ rate: 20/s, from: 0s, to: 4m, arrival: poisson }"));
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--seed", "5", "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--metrics-out", truth)).code).toBe(0);
    const compare = async (...args: string[]) => {
      const r = await cli("calibrate", scenario, "--metrics", truth, "--fit", "none", "--format", "json", ...args);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as CalibrationJson;
    };
    // the same seed and hold as the export: the very same series
    expect((await compare("--seed", "5", "--set", "scaling.scaleUpHoldAfterFailureMs=70000")).score.before).toBe(0);
    expect((await compare("--set", "scaling.scaleUpHoldAfterFailureMs=70000")).score.before).toBeGreaterThan(0);
    expect((await compare("--seed", "5")).score.before).toBeGreaterThan(0);
    // --until 2m: the run's two minutes are compared, the export's other three are after it
    const short = await compare("--seed", "5", "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--until", "2m");
    expect(short.metrics.every((m) => m.points === 2)).toBe(true);
    expect(short.notes).toContain("Invocations Sum: 3 points after the run's last period, not compared (the run ended first; set until to run longer)");
    // a --set change fitted from: the hold's value in force is the --set one
    const fit = await cli("calibrate", scenario, "--metrics", truth, "--seed", "5", "--fit", "scaleUpHoldAfterFailureMs", "--set", "scaling.scaleDownIntervalMs=90000", "--jobs", "1", "--format", "json");
    const f = JSON.parse(fit.out) as CalibrationJson;
    expect(f.figures.map((x) => x.name)).toEqual(["scaleUpHoldAfterFailureMs"]);
    expect(f.score.after).toBeLessThan(f.score.before);

    // malformed values: exactly run's messages
    for (const args of [["--seed", "x"], ["--until", "0"], ["--set", "=3"], ["--set", "mapping.__proto__.x=1"]]) {
      const c = await cli("calibrate", scenario, "--metrics", truth, ...args);
      const r = await cli("run", scenario, ...args);
      expect([c.code, c.err]).toEqual([2, r.err]);
    }
    // a figure being fitted may not also be --set
    const named = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs,scaleTickMs", "--set", "scaling.scaleUpHoldAfterFailureMs=5000");
    expect([named.code, named.out, named.err]).toEqual([
      2,
      "",
      "esm-sim: --set scaling.scaleUpHoldAfterFailureMs=5000: scaleUpHoldAfterFailureMs is named in --fit, so --set may not also give it; drop the --set to fit it from the scenario's value, or fit the other figures only (--fit scaleTickMs)\n",
    ]);
    const asMap = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleTickMs", "--set", "scaling={scaleTickMs: 500}");
    expect([asMap.code, asMap.err]).toEqual([2, "esm-sim: --set scaling={scaleTickMs: 500}: scaleTickMs is named in --fit, so --set may not also give it; drop the --set to fit it from the scenario's value, or only compare (--fit none)\n"]);
    // by default, a figure --set gives is kept at that value, not fitted
    const kept = JSON.parse((await cli("calibrate", scenario, "--metrics", truth, "--seed", "5", "--set", "scaling={scaleTickMs: 500}", "--format", "json")).out) as CalibrationJson;
    expect(kept.figures.map((x) => x.name)).not.toContain("scaleTickMs");
    expect(kept.figures.map((x) => x.name)).toContain("scaleUpHoldAfterFailureMs");
  }, 60_000);

  it("--html writes a page charting each compared metric, the same bytes on one thread or two; a directory is refused before any run", async () => {
    const dir = scratch("esm-sim-calibrate-");
    const scenario = dir.write("slow.yaml", SLOW);
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--metrics-out", truth)).code).toBe(0);
    const page = (jobs: string) => join(dir.dir, `page-${jobs}.html`);
    for (const jobs of ["1", "2"]) {
      const r = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs", "--jobs", jobs, "--html", page(jobs));
      expect(r.code, r.err).toBe(0);
    }
    const html = readFileSync(page("1"), "utf8");
    expect(readFileSync(page("2"), "utf8")).toBe(html);
    const json = JSON.parse((await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs", "--format", "json")).out) as CalibrationJson;
    const captions = [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]);
    expect(captions).toEqual(json.metrics.map((m) => `${m.metric} ${m.statistic}: error ${m.before.toFixed(3)} before, ${m.after.toFixed(3)} after`));
    expect(html).toContain(`<pre class="scaling">scaling:\n  scaleUpHoldAfterFailureMs: ${json.scaling.scaleUpHoldAfterFailureMs}</pre>`);
    expect(html).not.toMatch(/(src|href)="https?:/);
    // without a fit: the export and the run as it stands
    expect((await cli("calibrate", scenario, "--metrics", truth, "--fit", "none", "--html", page("none"))).code).toBe(0);
    const plain = readFileSync(page("none"), "utf8");
    expect(plain).not.toContain("fitted values");
    expect(plain.match(/data-series="/g)?.length).toBe(2 * json.metrics.length);

    const refused = await cli("calibrate", scenario, "--metrics", truth, "--html", dir.dir);
    expect([refused.code, refused.out]).toEqual([2, ""]);
    expect(refused.err).toMatch(/^esm-sim: --html .*: is a directory/);
  }, 60_000);
});
