// npm run bench: runs every benchmark several times, each in a fresh process, and prints the median
// wall time (and the fastest run), simulated records per wall second, scheduler events per second and peak RSS.
// The runs go round-robin over the benchmarks.
// Writes the figures to bench/results/latest.json (or --out FILE); --compare FILE prints the change.
// Options: --runs N (default 3), --only NAME, --until SECONDS (shorten every scenario: a smoke run).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const runs = Number(opt("runs", "3"));
const only = opt("only", null);
const until = opt("until", null);
const out = opt("out", join(here, "results", "latest.json"));
const compare = opt("compare", null);

/** Targets from issue 6 (2-core machine, median of several runs). */
const TARGETS = {
  "kinesis-steady": { wallMs: 1000 },
  "kinesis-hour": { wallMs: 15000, peakRssMb: 300 },
  "sqs-burst": { wallMs: 500 },
  "fifo-groups": { wallMs: 1000 },
  "poison-day": { wallMs: 2000 },
  "engine-hold": { eventsPerSecond: 5_000_000 },
};

const benches = ["engine-hold", ...readdirSync(join(here, "scenarios")).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(here, "scenarios", f))];
const nameOf = (b) => (b === "engine-hold" ? b : b.split("/").pop().replace(/\.yaml$/, ""));
const chosen = benches.filter((b) => !only || nameOf(b) === only);
// Round-robin: run i of every benchmark before run i + 1 of any, so that a slow phase of a shared machine falls on
// all of them alike instead of on whichever benchmark was running.
const samples = new Map(chosen.map((b) => [b, []]));
const failed = new Map();
for (let i = 0; i < runs; i++) {
  for (const b of chosen) {
    if (failed.has(b)) continue;
    try {
      const line = execFileSync(process.execPath, [join(here, "one.js"), b, ...(until && b !== "engine-hold" ? [until] : [])], { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
      samples.get(b).push(JSON.parse(line));
    } catch (e) {
      failed.set(b, (String(e.stderr || e.message).split("\n").find((l) => l.trim()) ?? "failed").slice(0, 200));
    }
  }
}
const results = [];
for (const b of chosen) {
  const name = nameOf(b);
  if (failed.has(b)) {
    results.push({ name, skipped: failed.get(b) });
    continue;
  }
  const runsOf = samples.get(b).sort((x, y) => x.wallMs - y.wallMs);
  const med = runsOf[Math.floor(runsOf.length / 2)];
  const target = TARGETS[name] ?? {};
  const peakRssMb = Math.max(...runsOf.map((r) => r.peakRssMb));
  const met =
    (target.wallMs === undefined || med.wallMs <= target.wallMs) &&
    (target.peakRssMb === undefined || peakRssMb <= target.peakRssMb) &&
    (target.eventsPerSecond === undefined || med.eventsPerSecond >= target.eventsPerSecond);
  results.push({ ...med, wallMs: Math.round(med.wallMs), minWallMs: Math.round(runsOf[0].wallMs), peakRssMb, runs: runsOf.length, target, met: until ? null : met });
}

const pad = (s, n) => String(s).padStart(n);
console.log(`${"benchmark".padEnd(16)}${pad("wall ms", 10)}${pad("min ms", 9)}${pad("records/s", 14)}${pad("events/s", 14)}${pad("peak MB", 9)}  target`);
for (const r of results) {
  if (r.skipped) {
    console.log(`${r.name.padEnd(16)}  skipped: ${r.skipped}`);
    continue;
  }
  const t = Object.entries(r.target).map(([k, v]) => `${k} ${k === "wallMs" ? "<=" : k === "peakRssMb" ? "<=" : ">="} ${v}`).join(", ");
  const verdict = r.met === null ? "" : r.met ? "met" : "MISSED";
  console.log(`${r.name.padEnd(16)}${pad(r.wallMs, 10)}${pad(r.minWallMs, 9)}${pad(r.recordsPerSecond.toLocaleString("en-US"), 14)}${pad(r.eventsPerSecond.toLocaleString("en-US"), 14)}${pad(r.peakRssMb, 9)}  ${t} ${verdict}`);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ node: process.version, runs, until, results }, null, 2) + "\n");
console.log(`\nwritten to ${out}`);
if (compare) {
  const old = JSON.parse(readFileSync(compare, "utf8")).results;
  for (const r of results) {
    const o = old.find((x) => x.name === r.name);
    if (o && !o.skipped && !r.skipped) console.log(`${r.name.padEnd(16)} wall ${o.wallMs} -> ${r.wallMs} ms (${(((r.wallMs - o.wallMs) / o.wallMs) * 100).toFixed(1)}%)`);
  }
}
