// Runs one benchmark in this process and prints one JSON line: wall time, events, records, peak RSS (and the counts
// bench/run.js checks against the benchmark's floor).
// Usage: node bench/one.js <scenario.yaml> [until seconds] | node bench/one.js engine-hold
//        | node bench/one.js serial <scenario.yaml> <count>: count simulate() calls one after another, each of the
//          scenario loaded afresh (the calibrate benchmark's floor: what its runs cost on one core)
//        | node bench/one.js check <scenario.yaml> [until seconds]: the run with the invariant checks watching it, as
//          run --check has them (its failed checks, if any, in `failedChecks`)
//        | node bench/one.js again <scenario.yaml> [until seconds]: the run twice in this process, the second in `again` (bench/run.js
//          --costs: what the first run pays once, compilation and fresh memory, that the second does not)
// A scenario run's line has `minorFaults`: the minor page faults during its timed part (pages of memory it touched
// that the process had not touched before, or had given back).
// ESM_SIM_DIST=<dir> runs another build's compiled code (bench/ab.js compares two builds this way).
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dist = process.env.ESM_SIM_DIST ? pathToFileURL(process.env.ESM_SIM_DIST + "/").href : new URL("../dist/", import.meta.url).href;
const { loadScenario, simulate, CheckSuite, limitsOf } = await import(dist + "index.js");
const { Scheduler } = await import(dist + "engine/scheduler.js");

const target = process.argv[2];
const until = process.argv[3];

/** CPU time of this process (user and system, all threads) since `from` (process.cpuUsage()), in ms: on a shared
 *  machine it moves less than wall time, since time spent waiting for a core is not counted. */
function cpuMsSince(from) {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function engineHold() {
  const pending = 10_000;
  const ops = 5_000_000;
  const s = new Scheduler();
  // The delays (0-999 us) are drawn before timing, from a 32-bit LCG (Math.imul keeps it in integers), so the timed
  // loop measures the queue and not the draws: an earlier float LCG here cost a sixth of the measured time.
  const delays = new Int32Array(1 << 16);
  let x = 12345;
  for (let i = 0; i < delays.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    delays[i] = ((x >>> 16) & 0x7fff) % 1000;
  }
  const mask = delays.length - 1;
  const noop = () => {};
  for (let i = 0; i < pending; i++) s.at(delays[i & mask], noop);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    s.step();
    s.after(delays[(i + pending) & mask], noop);
  }
  const wallMs = performance.now() - t0;
  // nowUs: the time of the last event run, which bench/floors/engine-hold.js must reach too.
  return { name: "engine-hold", wallMs, cpuMs: cpuMsSince(c0), events: ops, records: 0, nowUs: s.nowUs };
}

/** One run of the scenario in `file` (shortened to `untilS` seconds when given); with `checked`, the invariant checks
 *  watch it and finish on its report, timed with it. */
function scenario(file, untilS, checked = false) {
  const sc = loadScenario(file, untilS ? { until: Number(untilS) } : {});
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const suite = checked ? new CheckSuite(limitsOf(sc)) : null;
  const { report } = simulate(sc, suite ? { watch: suite.watcher } : {});
  const failedChecks = suite ? suite.finish(report).filter((c) => c.status === "fail").map((c) => c.name) : [];
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  const minorFaults = process.resourceUsage().minorPageFault - f0;
  return {
    ...(checked ? { failedChecks } : {}),
    name: sc.name,
    wallMs,
    cpuMs,
    minorFaults,
    events: report.eventsRun,
    records: report.records.produced,
    // What the benchmark's floor (bench/floors/) must count alike: bench/run.js compares them.
    succeeded: report.records.succeeded,
    expired: report.records.expired,
    drained: report.drained,
    endedAtMs: report.endedAt,
  };
}

/** `count` evaluations in a row, as a calibration's runs would be without worker threads. */
function serial(file, count) {
  const t0 = performance.now();
  let events = 0;
  let records = 0;
  for (let i = 0; i < count; i++) {
    const { report } = simulate(loadScenario(file));
    events += report.eventsRun;
    records += report.records.produced;
  }
  return { name: "serial", wallMs: performance.now() - t0, events, records, evaluations: count };
}

const r =
  target === "engine-hold"
    ? engineHold()
    : target === "serial"
      ? serial(process.argv[3], Number(process.argv[4]))
      : target === "check"
        ? scenario(process.argv[3], process.argv[4], true)
        : target === "again"
          ? { ...scenario(process.argv[3], process.argv[4]), again: scenario(process.argv[3], process.argv[4]) }
          : scenario(target, until);
if (r.failedChecks?.length > 0) {
  process.stderr.write(`checks failed: ${r.failedChecks.join(", ")}\n`);
  process.exit(1);
}
r.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
r.recordsPerSecond = Math.round(r.records / (r.wallMs / 1000));
r.eventsPerSecond = Math.round(r.events / (r.wallMs / 1000));
process.stdout.write(JSON.stringify(r) + "\n");
