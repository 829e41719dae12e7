// Memory per waiting message: runs a queue benchmark's scenario with its first producer (a burst) sending `records`
// messages (without it, as many as the scenario says) and, once every message has been sent (taken into the queue)
// and before the first receive, measures the heap after a full garbage collection, V8's heap and the ArrayBuffers
// behind typed arrays together; then stops the run. bench/run.js runs it at two message counts, each in a fresh
// process, and divides the difference in bytes by the difference in messages waiting: what the simulator holds
// whatever the count (code, tables, the scheduler) cancels out.
// Usage: node --expose-gc bench/heap.js <scenario.yaml> [records]
// Prints one JSON line: records, waiting (sent and not yet ended), atUs (the virtual time measured at), heapBytes.
// ESM_SIM_DIST=<dir> measures another build, as for bench/one.js.
import { pathToFileURL } from "node:url";

if (typeof globalThis.gc !== "function") {
  console.error("bench/heap.js: run it with node --expose-gc");
  process.exit(2);
}
const dist = process.env.ESM_SIM_DIST ? pathToFileURL(process.env.ESM_SIM_DIST + "/").href : new URL("../dist/", import.meta.url).href;
const { loadScenario, simulate } = await import(dist + "index.js");

const [file, recordsArg] = process.argv.slice(2);
const burst = file ? loadScenario(file).traffic[0] : undefined;
const records = recordsArg === undefined ? burst?.records : Number(recordsArg);
if (!file || burst?.kind !== "burst" || !Number.isInteger(records) || records < 1) {
  console.error("usage: node --expose-gc bench/heap.js <scenario.yaml> [records] (the scenario's first producer a burst)");
  process.exit(2);
}

/** Thrown from the progress listener to end the run once measured. */
class Measured {
  constructor(result) {
    this.result = result;
  }
}

function heapBytes() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const scenario = loadScenario(file, { set: { "traffic.0.records": records } });
let result = null;
try {
  simulate(scenario, {
    progressEvery: 1,
    progress: (p) => {
      if (p.produced < records) return;
      throw new Measured({ records, waiting: p.produced - p.ended, atUs: p.nowUs, heapBytes: heapBytes() });
    },
  });
} catch (e) {
  if (!(e instanceof Measured)) throw e;
  result = e.result;
}
if (result === null) {
  console.error(`bench/heap.js: the run ended before all ${records} messages were sent`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(result) + "\n");
