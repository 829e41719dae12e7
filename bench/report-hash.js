// Prints one line per scenario: its file name and the SHA-256 of its whole JSON report (the report carries the
// trace digest, so equal hashes mean equal reports and equal traces). bench/ab.js --same runs this once per build.
// Usage: node bench/report-hash.js [--until SECONDS] <scenario.yaml>...
// ESM_SIM_DIST=<dir> hashes another build's reports.
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";

const dist = process.env.ESM_SIM_DIST ? pathToFileURL(process.env.ESM_SIM_DIST + "/").href : new URL("../dist/", import.meta.url).href;
const { loadScenario, simulate } = await import(dist + "index.js");

const args = process.argv.slice(2);
let until = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--until") until = Number(args[++i]);
  else files.push(args[i]);
}
for (const file of files) {
  let line;
  try {
    const report = simulate(loadScenario(file, until === null ? {} : { until })).report;
    line = createHash("sha256").update(JSON.stringify(report)).digest("hex");
  } catch (e) {
    // A scenario that this build cannot load or run still gets a line: the comparison then shows it as different.
    line = `error: ${String(e && e.message ? e.message : e).split("\n")[0]}`;
  }
  process.stdout.write(`${basename(file)} ${line}\n`);
}
