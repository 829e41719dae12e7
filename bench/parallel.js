// The calibrate benchmark's parallel floor: `node bench/parallel.js JOBS FILE N` makes N simulate() calls of the
// scenario FILE split over JOBS processes that run at the same time (bench/one.js serial under bench/cpu.js, the
// first N mod JOBS of them making one call more). Each process starts Node, loads esm-sim and warms it up on its own,
// as any split of the runs over the cores must, and nothing waits on anything else, so no parallel calibration on
// this machine can do better. Prints one JSON line: the wall time from the first spawn to the last exit, the CPU
// time of every process (all threads) summed, and the calls made.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [jobsArg, file, countArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
const count = Number(countArg);
if (!(jobs >= 1) || !(count >= 1) || !file) throw new Error("usage: node bench/parallel.js JOBS FILE N");

function one(calls) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, "cpu.js"), join(here, "one.js"), "serial", file, String(calls)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const cpu = /cpu-ms (\d+)\s*$/.exec(err);
      if (code !== 0 || !cpu) return reject(new Error(`one.js serial ${file} ${calls}: exit ${code}: ${err.split("\n").find((l) => l.trim()) ?? ""}`));
      resolve({ cpuMs: Number(cpu[1]), evaluations: JSON.parse(out).evaluations });
    });
  });
}

const shares = Array.from({ length: Math.min(jobs, count) }, (_, i) => Math.floor(count / jobs) + (i < count % jobs ? 1 : 0));
const t0 = performance.now();
const done = await Promise.all(shares.map(one));
const wallMs = performance.now() - t0;
process.stdout.write(JSON.stringify({ name: "parallel", wallMs, cpuMs: done.reduce((a, d) => a + d.cpuMs, 0), evaluations: done.reduce((a, d) => a + d.evaluations, 0), processes: shares.length }) + "\n");
