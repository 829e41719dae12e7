// npm run bench: every benchmark measured against its floor, the least work any simulator must do for the same
// workload (bench/floors/<name>.js; docs/performance.md says what each does and assumes).
//  - A benchmark and its floor run in pairs, each side in a fresh process (bench/one.js, bench/floor.js), the two
//    taking turns to go first; pairs go round-robin over the benchmarks (pair i of every benchmark before pair i + 1
//    of any), so that a slow phase of a shared machine falls on all of them alike. Per benchmark: the median wall time
//    of each side, the median of the per-pair ratios (benchmark / floor), peak RSS, and the target.
//  - Whole-process benchmarks time fresh `node bin/esm-sim.js ...` processes against bare `node -e 0`, interleaved
//    the same way (three pairs per round).
//  - calibrate times a whole `esm-sim calibrate --fit` process (its runs spread over the cores) against its parallel
//    floor, the same number of simulate() calls split over one process per core, all running at once
//    (bench/parallel.js), one pair per round; the same calls one after another in one process (bench/one.js serial)
//    are timed in the same round, for the speed-up over one core. Its export is written once, to a temporary folder,
//    by `esm-sim run --metrics-out` with known figure values.
//  - kinesis-check and fifo-check time kinesis-steady and fifo-groups with the invariant checks watching (as
//    run --check has them; bench/one.js check) against the same run without them: what the checks cost, in ratio.
//  - sqs-burst and fifo-groups also get their memory per waiting message (bench/heap.js at the scenario's count of
//    messages and at a tenth of it, each in a fresh process), measured once per set.
//  - Each floor's counts are checked against the simulator's report (records produced, and what the floor says it
//    counts exactly); a difference is printed and makes the exit status 1.
// Writes the figures, with the machine's CPU count and model, to bench/results/latest.json (or --out FILE);
// --compare FILE prints the change against a saved results file.
// Options: --runs N pairs per benchmark (default 5), --only NAME, --until SECONDS (shortens every scenario and its
// floor: a smoke run; no verdicts then for the scenarios), --scaling (instead of the set: kinesis-steady and its floor
// at 1x, 2x and 4x a virtual duration, 75 s or --until, time per record for each; written to
// bench/results/scaling.json or --out), --costs (instead of the set: where a first run's time goes; each scenario
// benchmark and its floor run twice in one fresh process per side, with their minor page faults, beside the cost of
// a fresh page on this machine (bench/pages.js); written to bench/results/costs.json or --out).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);
const runs = Number(opt("runs", "5"));
const only = opt("only", null);
const until = opt("until", null);
const scaling = flag("scaling");
const costs = flag("costs");
const out = opt("out", join(here, "results", scaling ? "scaling.json" : costs ? "costs.json" : "latest.json"));
const compare = opt("compare", null);
/** Whole-process benchmarks are short: this many pairs of them per round. */
const PROCESS_PAIRS_PER_ROUND = 3;

/**
 * Targets: a ratio to the floor measured beside the benchmark (absolute times on a shared machine move by 10-30%
 * between sets minutes apart; a ratio taken in the same moments does not).
 * engine-hold: events/s >= 0.8 x the plain heap's, i.e. wall ratio <= 1.25 for the same events.
 */
const TARGETS = {
  "kinesis-steady": { ratio: 2.5 },
  "kinesis-hour": { ratio: 2.5, peakRssMb: 200 },
  "sqs-burst": { ratio: 3, peakRssMb: 120, bytesPerWaitingMessage: 64 },
  "fifo-groups": { ratio: 3 },
  "poison-day": { ratio: 3 },
  "engine-hold": { ratio: 1.25 },
  "cli-version": { ratio: 2 },
  "cli-run-small": { ratio: 4 },
  // esm-sim's own guard, not the issue's: a run with the invariant checks watching (run --check) against the same
  // run without them. The checks redo per-record work (each record's end state, its key's order, its batch), so
  // about twice the plain run is their cost; 2.5 leaves room for noise and catches a checker that adds a third.
  "kinesis-check": { ratio: 2.5 },
  "fifo-check": { ratio: 2.5 },
};

/** The checked benchmarks: a scenario run with the invariant checks watching, against the same run without. */
const CHECKED = { "kinesis-check": "kinesis-steady.yaml", "fifo-check": "fifo-groups.yaml" };

const machine = { node: process.version, nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? "unknown" };
// calibrate against its parallel floor: the runs split over one process per core cannot be beaten by any split; a
// search adds waiting for each step's runs before it chooses the next, and comparing each run with the export.
TARGETS.calibrate = { ratio: 1.25 };

/** The middle value (the mean of the two middle ones for an even count). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs a bench script in a fresh process; returns its JSON line, or throws with the first line of its stderr. */
function runScript(script, scriptArgs) {
  try {
    return JSON.parse(execFileSync(process.execPath, [join(here, script), ...scriptArgs], { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] }));
  } catch (e) {
    throw new Error(`${script} ${scriptArgs.join(" ")}: ${(String(e.stderr || e.message).split("\n").find((l) => l.trim()) ?? "failed").slice(0, 200)}`);
  }
}

/** Wall time of a whole `node ARGS` process, from spawn to exit. */
function timeProcess(nodeArgs) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, nodeArgs, { cwd: root, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
  const wallMs = performance.now() - t0;
  // 1 is an expectation that failed, still a whole run; anything else is not a run to time.
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${nodeArgs.join(" ")}: exit ${r.status}: ${String(r.stderr).split("\n")[0].slice(0, 200)}`);
  return { wallMs };
}

/**
 * The calibrate benchmark's round trip: bench/calibrate/slow-consumer.yaml run with two chosen figures at known
 * values, its CloudWatch series written once as an export (`run --metrics-out`), and `calibrate --fit` those two
 * figures from it. Each calibration's JSON says how many runs it made; the floor makes as many simulate() calls.
 */
const CALIBRATE = {
  scenario: "bench/calibrate/slow-consumer.yaml",
  truth: { scaleUpHoldAfterFailureMs: 70000, backoffMinConcurrency: 3 },
};
let calibrateDir = null;
let calibrateRuns = null;

function calibrateExport() {
  if (calibrateDir) return join(calibrateDir, "export.json");
  calibrateDir = mkdtempSync(join(tmpdir(), "esm-sim-bench-calibrate-"));
  const file = join(calibrateDir, "export.json");
  const set = Object.entries(CALIBRATE.truth).flatMap(([k, v]) => ["--set", `scaling.${k}=${v}`]);
  const r = spawnSync(process.execPath, ["bin/esm-sim.js", "run", CALIBRATE.scenario, ...set, "--metrics-out", file], { cwd: root, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`esm-sim run ${CALIBRATE.scenario} --metrics-out: exit ${r.status}: ${String(r.stderr).split("\n")[0].slice(0, 200)}`);
  return file;
}

function calibrateArgs() {
  return ["bin/esm-sim.js", "calibrate", CALIBRATE.scenario, "--metrics", calibrateExport(), "--fit", Object.keys(CALIBRATE.truth).join(","), "--format", "json"];
}

/** A whole `node SCRIPT ARGS` process under bench/cpu.js: wall time from spawn to exit, CPU time of all its threads,
 *  and its stdout. */
function timeWithCpu(script, scriptArgs) {
  const args = [join(here, "cpu.js"), script, ...scriptArgs];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${script} ${scriptArgs.join(" ")}: exit ${r.status}: ${String(r.stderr).split("\n").find((l) => l.trim())?.slice(0, 200)}`);
  const cpu = /cpu-ms (\d+)\s*$/.exec(String(r.stderr));
  if (!cpu) throw new Error(`node ${script}: no CPU time reported`);
  return { wallMs, cpuMs: Number(cpu[1]), stdout: r.stdout };
}

/** A whole calibrate process; its number of runs is checked to be the same each time. */
function timeCalibrate() {
  const [script, ...args] = calibrateArgs();
  const { stdout, ...t } = timeWithCpu(script, args);
  const c = JSON.parse(stdout);
  if (calibrateRuns !== null && c.runs !== calibrateRuns) throw new Error(`calibrate made ${c.runs} runs, an earlier one ${calibrateRuns}: it is not deterministic`);
  calibrateRuns = c.runs;
  return { ...t, evaluations: c.runs, fitted: c.scaling };
}

/** The same number of simulate() calls split over one fresh process per core, all at once (bench/parallel.js). */
function timeParallel() {
  if (calibrateRuns === null) timeCalibrate();
  return runScript("parallel.js", [String(machine.nproc), CALIBRATE.scenario, String(calibrateRuns)]);
}

/** The same number of simulate() calls, one after another, in one fresh process. */
function timeSerial() {
  if (calibrateRuns === null) timeCalibrate();
  const { stdout, ...t } = timeWithCpu(join(here, "one.js"), ["serial", CALIBRATE.scenario, String(calibrateRuns)]);
  return { ...t, evaluations: JSON.parse(stdout).evaluations };
}

/** The floor's counts that must equal the simulator's: records always, and whatever the floor lists as exact (or
 *  the benchmark: a checked run must be the same run as its plain one). */
function countsDiffer(bench, floor, exact = floor.exact) {
  if (floor.nowUs !== undefined || bench.nowUs !== undefined) return floor.nowUs === bench.nowUs ? null : `nowUs ${floor.nowUs} (floor) vs ${bench.nowUs}`;
  const fields = new Set(["records", ...(exact ?? [])]);
  const differ = [...fields].filter((f) => floor[f] !== bench[f]).map((f) => `${f} ${floor[f]} (floor) vs ${bench[f]}`);
  return differ.length > 0 ? differ.join(", ") : null;
}

/** The benchmarks whose messages all wait at first: heap.js measures memory per waiting message on them. */
const QUEUE_BURSTS = ["sqs-burst", "fifo-groups"];
/** heap.js's second count: this fraction of the scenario's messages. */
const WAITING_FRACTION = 10;

/**
 * Memory per waiting message: heap.js in a fresh process with the scenario's messages, and again with a tenth of
 * them; the difference in heap bytes (after a full collection) over the difference in messages waiting.
 */
function measureWaiting(name) {
  const file = join(here, "scenarios", `${name}.yaml`);
  const heap = (extra) => JSON.parse(execFileSync(process.execPath, ["--expose-gc", join(here, "heap.js"), file, ...extra], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  const all = heap([]);
  const part = heap([String(Math.floor(all.records / WAITING_FRACTION))]);
  const bytesPerMessage = (all.heapBytes - part.heapBytes) / (all.waiting - part.waiting);
  return { bytesPerMessage: Math.round(bytesPerMessage * 10) / 10, waiting: [all.waiting, part.waiting], heapBytes: [all.heapBytes, part.heapBytes] };
}

const scenarioFiles = readdirSync(join(here, "scenarios")).filter((f) => f.endsWith(".yaml")).sort();

/** Every benchmark: a pair of sides, `bench` and `floor`, each run in a fresh process. */
function allBenchmarks() {
  const list = [
    {
      name: "engine-hold",
      kind: "engine",
      bench: () => runScript("one.js", ["engine-hold"]),
      floor: () => runScript("floor.js", ["engine-hold"]),
      floorLabel: "plain binary heap",
    },
  ];
  for (const f of scenarioFiles) {
    const name = f.replace(/\.yaml$/, "");
    const u = until ? [until] : [];
    list.push({
      name,
      kind: "scenario",
      // Queue benchmarks that start with every message waiting: memory per waiting message, measured once (heap.js).
      waiting: QUEUE_BURSTS.includes(name),
      bench: () => runScript("one.js", [join(here, "scenarios", f), ...u]),
      floor: () => runScript("floor.js", [name, ...u]),
      floorLabel: `bench/floors/${name}.js`,
    });
  }
  for (const [name, f] of Object.entries(CHECKED)) {
    const u = until ? [until] : [];
    const file = join(here, "scenarios", f);
    list.push({
      name,
      kind: "check",
      exact: ["events", "succeeded", "expired", "drained", "endedAtMs"],
      bench: () => runScript("one.js", ["check", file, ...u]),
      floor: () => runScript("one.js", [file, ...u]),
      floorLabel: `bench/scenarios/${f} without the checks`,
    });
  }
  const bare = () => timeProcess(["-e", "0"]);
  list.push(
    { name: "cli-version", kind: "process", bench: () => timeProcess(["bin/esm-sim.js", "--version"]), floor: bare, floorLabel: "node -e 0", command: "node bin/esm-sim.js --version" },
    {
      name: "cli-run-small",
      kind: "process",
      bench: () => timeProcess(["bin/esm-sim.js", "run", "scenarios/sqs-poison-message-dlq.yaml"]),
      floor: bare,
      floorLabel: "node -e 0",
      command: "node bin/esm-sim.js run scenarios/sqs-poison-message-dlq.yaml",
    },
    {
      name: "calibrate",
      kind: "calibrate",
      bench: timeCalibrate,
      floor: timeParallel,
      floorLabel: "the same simulate() calls split over a process per core, at once",
      also: timeSerial,
      command: `node bin/esm-sim.js calibrate ${CALIBRATE.scenario} --metrics export.json --fit ${Object.keys(CALIBRATE.truth).join(",")}`,
    },
  );
  return list;
}

/** Runs `pairs` rounds of the chosen benchmarks, each pair's two sides taking turns to go first. */
function measure(chosen, rounds) {
  const state = new Map(chosen.map((b) => [b, { bench: [], floor: [], also: [], ratios: [], mismatch: null, failed: null }]));
  for (let i = 0; i < rounds; i++) {
    for (const b of chosen) {
      const st = state.get(b);
      if (st.failed) continue;
      const pairs = b.kind === "process" ? PROCESS_PAIRS_PER_ROUND : 1;
      for (let j = 0; j < pairs; j++) {
        const floorFirst = (i * pairs + j) % 2 === 1;
        try {
          let bench;
          let floor;
          if (floorFirst) {
            floor = b.floor();
            bench = b.bench();
          } else {
            bench = b.bench();
            floor = b.floor();
          }
          st.bench.push(bench);
          st.floor.push(floor);
          // A third side, timed in the same round (calibrate's runs one after another), for a second ratio.
          if (b.also) st.also.push(b.also());
          st.ratios.push(bench.wallMs / floor.wallMs);
          if (b.kind !== "process" && b.kind !== "calibrate") st.mismatch ??= countsDiffer(bench, floor, b.exact);
        } catch (e) {
          st.failed = e.message;
          break;
        }
      }
    }
  }
  for (const b of chosen) {
    const st = state.get(b);
    if (!b.waiting || st.failed) continue;
    try {
      st.waiting = measureWaiting(b.name);
    } catch (e) {
      st.failed = `memory per waiting message: ${e.message}`;
    }
  }
  return state;
}

const round1 = (x) => Math.round(x * 10) / 10;
const pad = (s, n) => String(s).padStart(n);
const fmtRatio = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

function summarise(b, st) {
  if (st.failed) return { name: b.name, kind: b.kind, skipped: st.failed };
  const benchMs = st.bench.map((r) => r.wallMs);
  const floorMs = st.floor.map((r) => r.wallMs);
  const ratios = [...st.ratios].sort((x, y) => x - y);
  const ratio = median(ratios);
  const first = st.bench[0];
  const whole = b.kind === "process" || b.kind === "calibrate";
  const peakRssMb = whole ? null : Math.max(...st.bench.map((r) => r.peakRssMb));
  const target = TARGETS[b.name] ?? {};
  const shortened = until !== null && (b.kind === "scenario" || b.kind === "check");
  const waiting = st.waiting ?? null;
  const met = shortened
    ? null
    : (target.ratio === undefined || ratio <= target.ratio) &&
      (target.peakRssMb === undefined || peakRssMb <= target.peakRssMb) &&
      (target.bytesPerWaitingMessage === undefined || (waiting !== null && waiting.bytesPerMessage <= target.bytesPerWaitingMessage));
  const wallMs = median(benchMs);
  const floorWallMs = median(floorMs);
  const r = {
    name: b.name,
    kind: b.kind,
    floor: b.floorLabel,
    ...(b.command ? { command: b.command } : {}),
    pairs: ratios.length,
    wallMs: Math.round(wallMs),
    minWallMs: Math.round(Math.min(...benchMs)),
    floorWallMs: round1(floorWallMs),
    floorMinWallMs: round1(Math.min(...floorMs)),
    ratio: Math.round(ratio * 1000) / 1000,
    ratios: ratios.map((x) => Math.round(x * 1000) / 1000),
    peakRssMb,
    floorPeakRssMb: whole ? null : Math.max(...st.floor.map((r) => r.peakRssMb)),
    // Minor page faults in the timed part, medians (scenario and check benchmarks): fresh memory touched, which
    // bench/run.js --costs prices.
    ...(st.bench[0]?.minorFaults !== undefined && st.floor[0]?.minorFaults !== undefined
      ? { minorFaults: median(st.bench.map((r) => r.minorFaults)), floorMinorFaults: median(st.floor.map((r) => r.minorFaults)) }
      : {}),
    ...(waiting ? { bytesPerWaitingMessage: waiting.bytesPerMessage, waitingMessages: waiting.waiting, waitingHeapBytes: waiting.heapBytes } : {}),
  };
  if (b.kind === "calibrate") {
    const cpuMs = Math.round(median(st.bench.map((x) => x.cpuMs)));
    const floorCpuMs = Math.round(median(st.floor.map((x) => x.cpuMs)));
    const serialMs = st.also.map((x) => x.wallMs);
    const serialCpuMs = Math.round(median(st.also.map((x) => x.cpuMs)));
    const serialRatio = median(st.bench.map((x, i) => x.wallMs / serialMs[i]));
    Object.assign(r, {
      evaluations: first.evaluations,
      workers: machine.nproc,
      fitted: first.fitted,
      cpuMs,
      floorCpuMs,
      cpuRatio: Math.round((cpuMs / floorCpuMs) * 1000) / 1000,
      serialWallMs: Math.round(median(serialMs)),
      serialCpuMs,
      serialRatio: Math.round(serialRatio * 1000) / 1000,
      floorSerialRatio: Math.round(median(st.floor.map((x, i) => x.wallMs / serialMs[i])) * 1000) / 1000,
    });
  }
  if (!whole) {
    Object.assign(r, {
      records: first.records,
      events: first.events,
      recordsPerSecond: Math.round(first.records / (wallMs / 1000)),
      eventsPerSecond: Math.round(first.events / (wallMs / 1000)),
      floorEventsPerSecond: b.kind === "engine" ? Math.round(first.events / (floorWallMs / 1000)) : undefined,
      ...(first.drained !== undefined ? { drained: first.drained, endedAtMs: first.endedAtMs } : {}),
      floorCounts: Object.fromEntries(Object.entries(st.floor[0]).filter(([k]) => !["name", "floor", "wallMs", "minorFaults", "peakRssMb", "recordsPerSecond", "eventsPerSecond"].includes(k))),
      countsMatch: st.mismatch === null,
      ...(st.mismatch ? { countsDiffer: st.mismatch } : {}),
    });
  }
  return { ...r, target, met };
}

function targetText(name, t) {
  const parts = [];
  if (t.ratio !== undefined) {
    parts.push(
      name === "engine-hold" ? "events/s >= 0.8 x heap" : name.startsWith("cli-") ? `<= ${t.ratio} x node -e 0` : name === "calibrate" ? `<= ${t.ratio} x its parallel floor` : `ratio <= ${t.ratio}`,
    );
  }
  if (t.peakRssMb !== undefined) parts.push(`RSS <= ${t.peakRssMb} MB`);
  if (t.bytesPerWaitingMessage !== undefined) parts.push(`<= ${t.bytesPerWaitingMessage} B/waiting msg`);
  return parts.join(", ");
}

function printSet(results, rounds) {
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}`);
  console.log(
    `${rounds} pairs per benchmark (${rounds * PROCESS_PAIRS_PER_ROUND} for the whole-process ones), each side in a fresh process, taking turns to go first; ratio = median of the per-pair ratios (benchmark / floor)${until ? `; scenarios shortened to ${until} s: no verdicts for them` : ""}`,
  );
  console.log(`${"benchmark".padEnd(16)}${pad("bench ms", 10)}${pad("floor ms", 10)}${pad("ratio", 8)}${pad("pairs min-max", 15)}${pad("peak MB", 9)}  target`);
  for (const r of results) {
    if (r.skipped) {
      console.log(`${r.name.padEnd(16)}  skipped: ${r.skipped}`);
      continue;
    }
    const verdict = r.met === null ? "" : r.met ? "met" : "MISSED";
    const spread = `${fmtRatio(r.ratios[0])}-${fmtRatio(r.ratios[r.ratios.length - 1])}`;
    const floorMs = r.floorWallMs >= 100 ? Math.round(r.floorWallMs) : r.floorWallMs.toFixed(1);
    console.log(
      `${r.name.padEnd(16)}${pad(r.wallMs, 10)}${pad(floorMs, 10)}${pad(fmtRatio(r.ratio), 8)}${pad(spread, 15)}${pad(r.peakRssMb ?? "", 9)}  ${targetText(r.name, r.target)} ${verdict}`,
    );
  }
  for (const r of results) {
    if (r.skipped) continue;
    if (r.kind === "engine") console.log(`engine-hold: scheduler ${r.eventsPerSecond.toLocaleString("en-US")} events/s, plain heap ${r.floorEventsPerSecond.toLocaleString("en-US")} events/s`);
    if (r.kind === "process") console.log(`${r.name}: ${r.command} against node -e 0`);
    if (r.kind === "check") console.log(`${r.name}: ${r.floor.replace(/ without the checks$/, "")} with the invariant checks of run --check watching, against the same run without them`);
    if (r.bytesPerWaitingMessage !== undefined) {
      const [all, part] = r.waitingMessages;
      console.log(`${r.name}: ${r.bytesPerWaitingMessage} bytes per waiting message (heap after a full collection with ${all.toLocaleString("en-US")} and with ${part.toLocaleString("en-US")} messages waiting, over the difference)`);
    }
    if (r.kind === "calibrate") {
      console.log(`${r.name}: ${r.command}, ${r.evaluations} runs on ${machine.nproc} cores, against the same ${r.evaluations} simulate() calls split over ${machine.nproc} processes at once: ratio ${fmtRatio(r.ratio)}`);
      console.log(`${r.name}: against the same calls one after another in one process (${r.serialWallMs} ms): calibrate ${fmtRatio(r.serialRatio)}, the parallel floor ${fmtRatio(r.floorSerialRatio)} (1/${machine.nproc} = ${fmtRatio(1 / machine.nproc)} would be a perfect split)`);
      console.log(`${r.name}: CPU time, all threads: ${r.cpuMs} ms, parallel floor ${r.floorCpuMs} ms, one after another ${r.serialCpuMs} ms`);
    }
    if (r.countsDiffer) console.log(`${r.name}: FLOOR COUNTS DIFFER from the simulator's: ${r.countsDiffer}`);
  }
}

function printCompare(results, file) {
  const saved = JSON.parse(readFileSync(file, "utf8"));
  const old = saved.results;
  const ran = (u) => (u ? `scenarios shortened to ${u} s` : "whole scenarios");
  const note = (saved.until ?? null) === until ? "" : ` (it ran ${ran(saved.until)}, this set ${ran(until)})`;
  const where = saved.nproc ? `, ${saved.nproc} CPUs (${saved.cpuModel})` : "";
  console.log(`\nagainst ${file}${where}${note}:`);
  for (const r of results) {
    const o = old.find((x) => x.name === r.name);
    if (!o || o.skipped || r.skipped) continue;
    const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(1)}%`;
    let line = `${r.name.padEnd(16)} wall ${o.wallMs} -> ${r.wallMs} ms (${pct(o.wallMs, r.wallMs)})`;
    if (o.floorWallMs !== undefined) line += `, floor ${o.floorWallMs} -> ${r.floorWallMs} ms (${pct(o.floorWallMs, r.floorWallMs)})`;
    if (o.ratio !== undefined) line += `, ratio ${fmtRatio(o.ratio)} -> ${fmtRatio(r.ratio)} (${pct(o.ratio, r.ratio)})`;
    console.log(line);
  }
}

function runSet() {
  const chosen = allBenchmarks().filter((b) => !only || b.name === only);
  if (chosen.length === 0) {
    console.error(`bench/run.js: no benchmark named ${only}`);
    process.exit(2);
  }
  let state;
  try {
    state = measure(chosen, runs);
  } finally {
    if (calibrateDir) rmSync(calibrateDir, { recursive: true, force: true });
  }
  const results = chosen.map((b) => summarise(b, state.get(b)));
  printSet(results, runs);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...machine, runs, processPairsPerRound: PROCESS_PAIRS_PER_ROUND, until, results }, null, 2) + "\n");
  console.log(`\nwritten to ${out}`);
  if (compare) printCompare(results, compare);
  return results.some((r) => r.countsDiffer || r.skipped) ? 1 : 0;
}

/** kinesis-steady and its floor at 1x, 2x, 4x a virtual duration: the time per record should stay level. */
function runScaling() {
  const base = Number(until ?? 75);
  const sizes = [1, 2, 4].map((m) => ({ m, s: base * m }));
  const chosen = sizes.map(({ m, s }) => ({
    name: `kinesis-steady ${s} s`,
    kind: "scenario",
    m,
    s,
    bench: () => runScript("one.js", [join(here, "scenarios", "kinesis-steady.yaml"), String(s)]),
    floor: () => runScript("floor.js", ["kinesis-steady", String(s)]),
  }));
  const state = measure(chosen, runs);
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}`);
  console.log(`kinesis-steady shortened to ${sizes.map((x) => `${x.s} s`).join(", ")} of virtual time, ${runs} pairs each (medians; ns per record produced)`);
  console.log(`${"size".padEnd(8)}${pad("virtual s", 10)}${pad("records", 12)}${pad("bench ms", 10)}${pad("ns/record", 11)}${pad("floor ms", 10)}${pad("ns/record", 11)}${pad("ratio", 8)}`);
  const rows = [];
  let failed = false;
  for (const b of chosen) {
    const st = state.get(b);
    if (st.failed || st.mismatch) {
      console.log(`${`${b.m}x`.padEnd(8)}  ${st.failed ? `skipped: ${st.failed}` : `FLOOR COUNTS DIFFER: ${st.mismatch}`}`);
      failed = true;
      continue;
    }
    const records = st.bench[0].records;
    const benchMs = median(st.bench.map((r) => r.wallMs));
    const floorMs = median(st.floor.map((r) => r.wallMs));
    const row = {
      multiple: b.m,
      virtualS: b.s,
      records,
      wallMs: Math.round(benchMs),
      nsPerRecord: Math.round((benchMs * 1e6) / records),
      floorWallMs: round1(floorMs),
      floorNsPerRecord: Math.round((floorMs * 1e6) / records),
      ratio: Math.round(median(st.ratios) * 1000) / 1000,
      peakRssMb: Math.max(...st.bench.map((r) => r.peakRssMb)),
    };
    rows.push(row);
    console.log(
      `${`${b.m}x`.padEnd(8)}${pad(b.s, 10)}${pad(records.toLocaleString("en-US"), 12)}${pad(row.wallMs, 10)}${pad(row.nsPerRecord, 11)}${pad(Math.round(floorMs), 10)}${pad(row.floorNsPerRecord, 11)}${pad(fmtRatio(row.ratio), 8)}`,
    );
  }
  if (rows.length === sizes.length) {
    const growth = (k) => (rows[2][k] / rows[0][k]).toFixed(2);
    console.log(`time per record at 4x over 1x: simulator ${growth("nsPerRecord")}, floor ${growth("floorNsPerRecord")} (1.00 is linear)`);
    // The cost of the records added from 1x to 4x, without what a run pays once (start-up, compilation).
    const marginal = (k) => Math.round(((rows[2][k] - rows[0][k]) * 1e6) / (rows[2].records - rows[0].records));
    console.log(`marginal time per record from 1x to 4x: simulator ${marginal("wallMs")} ns, floor ${marginal("floorWallMs")} ns`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...machine, runs, scaling: rows }, null, 2) + "\n");
  console.log(`\nwritten to ${out}`);
  return failed ? 1 : 0;
}

/**
 * Where a first run's time goes: each scenario benchmark (the run twice in one fresh process, bench/one.js again)
 * and its floor (bench/floor.js NAME again), `--runs` rounds, taking turns to go first, beside bench/pages.js's cost
 * of a fresh page. A side's time in page faults is its faults times that cost (an estimate: the probe's pages are a
 * typed array's, a run's are mostly the JavaScript heap's). The second run in a process pays no compilation and
 * touches fewer fresh pages.
 */
function runCosts() {
  const chosen = scenarioFiles.map((f) => f.replace(/\.yaml$/, "")).filter((n) => !only || n === only);
  if (chosen.length === 0) {
    console.error(`bench/run.js: no scenario benchmark named ${only}`);
    process.exit(2);
  }
  const sides = new Map(chosen.map((n) => [n, { bench: [], floor: [] }]));
  // The probe runs once a round, so that its figure is taken across the same moments as the runs.
  const probes = [];
  for (let i = 0; i < runs; i++) {
    probes.push(runScript("pages.js", []));
    for (const name of chosen) {
      const st = sides.get(name);
      const u = until ? [until] : [];
      const runBench = () => st.bench.push(runScript("one.js", ["again", join(here, "scenarios", `${name}.yaml`), ...u]));
      const runFloor = () => st.floor.push(runScript("floor.js", [name, "again", ...u]));
      if (i % 2 === 1) (runFloor(), runBench());
      else (runBench(), runFloor());
    }
  }
  const c = median(probes.map((p) => p.usPerFault ?? 0));
  const page = { mb: probes[0].mb, usPerFault: Math.round(c * 100) / 100, probes: probes.map((p) => p.usPerFault) };
  const rows = [];
  let failed = false;
  for (const name of chosen) {
    const { bench, floor } = sides.get(name);
    const differ = countsDiffer(bench[0], floor[0]) ?? bench.map((b) => countsDiffer(b.again, b, ["succeeded", "expired", "events", "endedAtMs"])).find((d) => d !== null) ?? null;
    if (differ) {
      console.log(`${name}: COUNTS DIFFER: ${differ}`);
      failed = true;
      continue;
    }
    const side = (xs) => {
      const firstMs = Math.round(median(xs.map((r) => r.wallMs)));
      const firstFaults = median(xs.map((r) => r.minorFaults));
      return {
        firstMs,
        firstFaults,
        // The estimate, capped at the run's time: faults taken on the collector's helper threads overlap the run.
        firstFaultMs: Math.min(firstMs, Math.round((firstFaults * c) / 1000)),
        secondMs: Math.round(median(xs.map((r) => r.again.wallMs))),
        secondFaults: median(xs.map((r) => r.again.minorFaults)),
      };
    };
    const pairs = (f) => Math.round(median(bench.map((b, i) => f(b) / f(floor[i]))) * 100) / 100;
    rows.push({ name, records: bench[0].records, ...side(bench), floor: side(floor), ratioFirst: pairs((r) => r.wallMs), ratioSecond: pairs((r) => r.again.wallMs) });
  }
  const n = (x) => Math.round(x).toLocaleString("en-US");
  const share = (ms, of) => `${pad(ms, 6)} ${pad(`${Math.round((100 * ms) / of)}%`, 4)}`;
  console.log(`${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}`);
  console.log(`a fresh page: ${c.toFixed(1)} us a fault (bench/pages.js once a round: ${page.mb} MB written once per 4 KB; median of the rounds, ${page.probes.map((x) => x.toFixed(1)).join(", ")})`);
  console.log(`${runs} rounds per benchmark${until ? `, scenarios shortened to ${until} s` : ""}, each side run twice in one fresh process (medians; faults: minor page faults in the timed run; in faults: faults x that cost, an estimate)`);
  console.log(`${"".padEnd(16)}${"first run".padEnd(31)}${"second run".padEnd(17)}ratio to the floor`);
  console.log(`${"benchmark".padEnd(16)}${pad("ms", 6)}${pad("faults", 9)}${pad("in faults", 16)}${pad("ms", 8)}${pad("faults", 9)}${pad("first", 8)}${pad("second", 8)}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(16)}${pad(r.firstMs, 6)}${pad(n(r.firstFaults), 9)}${pad(share(r.firstFaultMs, r.firstMs), 16)}${pad(r.secondMs, 8)}${pad(n(r.secondFaults), 9)}${pad(fmtRatio(r.ratioFirst), 8)}${pad(fmtRatio(r.ratioSecond), 8)}`);
    const f = r.floor;
    console.log(`${"  its floor".padEnd(16)}${pad(f.firstMs, 6)}${pad(n(f.firstFaults), 9)}${pad(share(f.firstFaultMs, f.firstMs), 16)}${pad(f.secondMs, 8)}${pad(n(f.secondFaults), 9)}`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...machine, runs, until, page, rows }, null, 2) + "\n");
  console.log(`\nwritten to ${out}`);
  return failed ? 1 : 0;
}

process.exit(scaling ? runScaling() : costs ? runCosts() : runSet());
