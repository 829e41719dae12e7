// Runs one benchmark's floor (bench/floors/<name>.js) in this process and prints one JSON line, in the shape of
// bench/one.js's: wall time, records, events, peak RSS, and the floor's own counts.
// Usage: node bench/floor.js <name> [until seconds]   (name: a bench scenario's name, or engine-hold)
//        | node bench/floor.js <name> again [until seconds]: the floor's run twice in this process, the second in `again`
// `minorFaults`: the minor page faults during the timed part (as bench/one.js counts them).
// A floor's run() is timed whole (allocation included, as bench/one.js times the whole simulate()); the engine-hold
// floor times its own steps, as bench/one.js times only the scheduler's steps.
import { performance } from "node:perf_hooks";

const name = process.argv[2];
const again = process.argv[3] === "again";
const until = again ? process.argv[4] : process.argv[3];
const floor = await import(new URL(`./floors/${name}.js`, import.meta.url).href);

function once() {
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  const counts = floor.run(until !== undefined && name !== "engine-hold" ? { untilS: Number(until) } : {});
  const wallMs = counts.wallMs ?? performance.now() - t0;
  const minorFaults = process.resourceUsage().minorPageFault - f0;
  return { name, floor: true, ...counts, wallMs, minorFaults, records: counts.records ?? 0, events: counts.events ?? 0 };
}

const r = once();
if (again) r.again = once();
r.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
r.recordsPerSecond = Math.round(r.records / (r.wallMs / 1000));
r.eventsPerSecond = Math.round(r.events / (r.wallMs / 1000));
process.stdout.write(JSON.stringify(r) + "\n");
