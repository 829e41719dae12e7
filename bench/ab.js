// npm run bench:ab -- --base REV|DIR: compares this build with another, the two ways a speed change is
// proved.
//  - Speed: each benchmark runs in pairs, one process per run, the two builds taking turns to go first. On a shared
//    machine whose speed drifts by 10-20% between sets, comparing two separate `npm run bench` sets mostly measures
//    the drift; runs taken side by side in time see the same phase, so the ratio within a pair is the fairer figure.
//    Prints each build's median and fastest wall time, the median of the per-pair ratios (this / base), and the
//    same median in CPU time (user and system time of the run, which waiting for a core does not add to).
//  - Sameness (--same): every shipped scenario and every bench scenario is run by both builds and its whole JSON
//    report hashed (the report carries the trace digest); exits 1 if any report differs.
// --base: a git revision (built once into a temporary folder, with this checkout's node_modules) or a folder holding
// a build (its dist/, or the dist folder itself). Options: --pairs N (default 6), --only NAME, --until SECONDS
// (shortens the scenarios, as in bench/run.js), --same (sameness only, no timing), --speed (timing only).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);

const baseArg = opt("base", null);
if (!baseArg) {
  console.error("bench/ab.js: --base REV|DIR is required (a git revision such as HEAD~1, or a folder with a build)");
  process.exit(2);
}
const pairs = Number(opt("pairs", "6"));
const only = opt("only", null);
const until = opt("until", null);
const doSpeed = !flag("same") || flag("speed");
const doSame = flag("same") || !flag("speed");

/** The dist folder of the base build: a folder given as such, or a git revision exported and compiled once. */
function baseDist(spec) {
  const asDir = resolve(spec);
  if (existsSync(join(asDir, "dist", "index.js"))) return join(asDir, "dist");
  if (existsSync(join(asDir, "index.js")) && existsSync(join(asDir, "engine"))) return asDir;
  const rev = spawnSync("git", ["-C", root, "rev-parse", "--verify", `${spec}^{commit}`], { encoding: "utf8" });
  if (rev.status !== 0) {
    console.error(`bench/ab.js: --base ${spec} is neither a folder with a build nor a git revision`);
    process.exit(2);
  }
  const sha = rev.stdout.trim();
  const dir = join(tmpdir(), "esm-sim-ab", sha);
  if (existsSync(join(dir, "dist", "index.js"))) return join(dir, "dist");
  // Built in a folder of this process's own and renamed into place when complete, so that two comparisons building
  // the same revision at once never read or remove each other's half-written build.
  mkdirSync(join(tmpdir(), "esm-sim-ab"), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "esm-sim-ab", `${sha.slice(0, 12)}-`));
  console.log(`building ${spec} (${sha.slice(0, 12)}) in ${dir}`);
  const tar = spawnSync("sh", ["-c", `git -C "${root}" archive --format=tar ${sha} | tar -x -C "${work}"`], { stdio: "inherit" });
  if (tar.status !== 0) process.exit(2);
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: work, stdio: "inherit" });
  try {
    // A folder left without a build (an interrupted run of an older ab.js) is replaced; a complete one is kept.
    if (existsSync(dir) && !existsSync(join(dir, "dist", "index.js"))) rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } catch {
    // Another comparison finished the same build first: use its folder.
    rmSync(work, { recursive: true, force: true });
  }
  return join(dir, "dist");
}

const dists = { base: baseDist(baseArg), this: join(root, "dist") };
const benchDir = join(here, "scenarios");
const benchFiles = readdirSync(benchDir).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(benchDir, f));
const nameOf = (b) => (b === "engine-hold" ? b : b.split("/").pop().replace(/\.yaml$/, ""));

/** Runs a bench script with one build's dist; a build that cannot run it stops the comparison (exit 2). */
function runWith(which, script, scriptArgs) {
  try {
    return execFileSync(process.execPath, [join(here, script), ...scriptArgs], { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ESM_SIM_DIST: dists[which] } });
  } catch (e) {
    const lines = String(e.stderr || e.message).split("\n").filter((l) => l.trim());
    const why = lines.find((l) => /Error\b/.test(l)) ?? lines[0] ?? "failed";
    const hint = /ERR_MODULE_NOT_FOUND/.test(why) ? " (a build folder needs node_modules beside its dist/, e.g. a symlink to this checkout's)" : "";
    console.error(`bench/ab.js: the ${which} build (${dists[which]}) could not run ${script}: ${why}${hint}`);
    process.exit(2);
  }
}

function runOne(which, bench) {
  return JSON.parse(runWith(which, "one.js", [bench, ...(until && bench !== "engine-hold" ? [until] : [])]));
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
let failed = false;

if (doSpeed) {
  const chosen = ["engine-hold", ...benchFiles].filter((b) => !only || nameOf(b) === only);
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${pairs} pairs per benchmark, the builds taking turns to run first (ms; ratio = this / base)`);
  console.log(`${"benchmark".padEnd(16)}${pad("base med", 10)}${pad("this med", 10)}${pad("base min", 10)}${pad("this min", 10)}${pad("ratio med", 11)}${pad("cpu med", 9)}  ratios (wall)`);
  for (const b of chosen) {
    const ms = { base: [], this: [] };
    const ratios = [];
    const cpuRatios = [];
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 === 0 ? ["base", "this"] : ["this", "base"];
      const got = {};
      // engine-hold times a fixed number of events, so its wall time is comparable like the scenarios'.
      for (const which of order) got[which] = runOne(which, b);
      ms.base.push(got.base.wallMs);
      ms.this.push(got.this.wallMs);
      ratios.push(got.this.wallMs / got.base.wallMs);
      cpuRatios.push(got.this.cpuMs / got.base.cpuMs);
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    console.log(
      `${nameOf(b).padEnd(16)}${pad(Math.round(median(ms.base)), 10)}${pad(Math.round(median(ms.this)), 10)}${pad(Math.round(Math.min(...ms.base)), 10)}${pad(Math.round(Math.min(...ms.this)), 10)}${pad(median(ratios).toFixed(3), 11)}${pad(median(cpuRatios).toFixed(3), 9)}  ${sorted.map((r) => r.toFixed(2)).join(" ")}`,
    );
  }
}

if (doSame) {
  const shipped = readdirSync(join(root, "scenarios")).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(root, "scenarios", f));
  const files = [...shipped, ...benchFiles];
  const hashes = (which) => {
    return runWith(which, "report-hash.js", [...(until ? ["--until", until] : []), ...files]).trim().split("\n");
  };
  const a = hashes("base");
  const b = hashes("this");
  const differ = b.filter((line, i) => line !== a[i]).map((line) => line.split(" ")[0]);
  console.log(`\nreports${until ? ` (until ${until} s)` : ""}: ${files.length - differ.length} of ${files.length} identical to the base's`);
  if (differ.length > 0) {
    failed = true;
    console.log(`different: ${differ.join(", ")}`);
  }
}
process.exit(failed ? 1 : 0);
