// Runs a Node script as its own process would (`node bench/cpu.js SCRIPT ARGS...`) and, as the process exits, writes
// the CPU time it used, every thread included (user + system, ms), as the last line of stderr: `cpu-ms N`.
// bench/run.js reads it for the calibrate benchmark, whose worker threads a wall time alone cannot show.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(script), ...args];
process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ncpu-ms ${Math.round((user + system) / 1000)}\n`);
});
await import(pathToFileURL(resolve(script)).href);
