// What touching fresh memory costs on this machine: the first write to each page of a new buffer makes the kernel
// map a page (a minor page fault); on some virtual machines that costs far more than the write. Prints one JSON line.
// Usage: node bench/pages.js [MB]   (default 64; three rounds, each a new buffer written once per 4,096 bytes, the
// buffer dropped before the next)
// Per round: the wall time of the writes and the minor page faults they made (process.resourceUsage()); the result
// is the median round's time per fault, which bench/run.js --costs multiplies by a run's faults.
import { performance } from "node:perf_hooks";

const mb = Number(process.argv[2] ?? 64);
if (!Number.isInteger(mb) || mb < 1 || mb > 1024) {
  process.stderr.write(`bench/pages.js: MB must be a whole number from 1 to 1024, got ${process.argv[2]}\n`);
  process.exit(2);
}
const STRIDE = 4096;
const rounds = [];
for (let i = 0; i < 3; i++) {
  let buf = new Uint8Array(mb * 1024 * 1024);
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  for (let at = 0; at < buf.length; at += STRIDE) buf[at] = 1;
  const wallMs = performance.now() - t0;
  const faults = process.resourceUsage().minorPageFault - f0;
  rounds.push({ wallMs, faults, usPerFault: faults > 0 ? (wallMs * 1000) / faults : null });
  buf = null;
}
const usable = rounds.filter((r) => r.usPerFault !== null).sort((a, b) => a.usPerFault - b.usPerFault);
const mid = usable[usable.length >> 1] ?? null;
process.stdout.write(
  JSON.stringify({
    mb,
    rounds: rounds.map((r) => ({ wallMs: Math.round(r.wallMs * 10) / 10, faults: r.faults })),
    // Pages written per fault: 1 with 4 KB pages; fewer faults than pages means larger pages (or memory the process
    // already had), and the figure is per fault either way.
    faultsPerRound: mid?.faults ?? 0,
    usPerFault: mid === null ? null : Math.round(mid.usPerFault * 100) / 100,
  }) + "\n",
);
