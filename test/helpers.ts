import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { filesNamedBy } from "../src/cli/files.js";
import type { NamedFile } from "../src/io/input.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { Scenario } from "../src/scenario/model.js";
import { simulate } from "../src/run/simulate.js";
import { traceLine } from "../src/report/trace-jsonl.js";
import type { TraceEvent } from "../src/trace/events.js";

/**
 * The files a scenario names (a replay's export), read beside `file`; a bare name such as `sqs-x.yaml` that is no
 * file here is taken to be a shipped scenario's, whose files are in the catalogue's folder.
 */
export function namedFiles(yaml: string, file: string): Map<string, NamedFile> {
  return filesNamedBy(yaml, existsSync(file) || file.includes("/") ? file : join(SCENARIO_DIR, file));
}

export function scenarioFrom(yaml: string, file = "test.yaml"): Scenario {
  const r = parseScenario(yaml, file, { files: namedFiles(yaml, file) });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.scenario;
}

/** Run a scenario and collect its trace events and JSONL lines. */
export function runWithTrace(s: Scenario) {
  const events: TraceEvent[] = [];
  const lines: string[] = [];
  const result = simulate(s, {
    trace: (ctx) => (e) => {
      events.push(e);
      lines.push(traceLine(e, ctx));
    },
  });
  return { report: result.report, events, lines };
}

/** Run a scenario and collect its trace events only (no JSONL text: for large traces that are folded again). */
export function runCollectingEvents(s: Scenario) {
  const events: TraceEvent[] = [];
  const result = simulate(s, { trace: () => (e) => void events.push(e) });
  return { report: result.report, events };
}

/**
 * Run a scenario with its trace written as JSONL, keeping none of it: the SHA-256 of the whole trace text, its count
 * of lines, and the first event that comes before the one ahead of it in time (null when the trace is in time order).
 * For scenarios whose trace is too large to hold twice (hundreds of MB of text).
 */
export function runHashingTrace(s: Scenario) {
  const hash = createHash("sha256");
  let lineCount = 0;
  let lastUs = -Infinity;
  let lastType = "";
  let outOfOrder: string | null = null;
  const result = simulate(s, {
    trace: (ctx) => (e) => {
      hash.update(traceLine(e, ctx) + "\n");
      if (outOfOrder === null && e.tUs < lastUs) outOfOrder = `event ${lineCount} (${e.type} at ${e.tUs}) before ${lastType} at ${lastUs}`;
      lastUs = e.tUs;
      lastType = e.type;
      lineCount++;
    },
  });
  return { report: result.report, traceSha256: hash.digest("hex"), lineCount, outOfOrder };
}

export const SCENARIO_DIR = join(__dirname, "..", "scenarios");
/** The shipped scenarios, each with the files it names (read beside it). */
export function shippedScenarios(): { file: string; text: string; files: Map<string, NamedFile> }[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const text = readFileSync(join(SCENARIO_DIR, f), "utf8");
      return { file: join("scenarios", f), text, files: filesNamedBy(text, join(SCENARIO_DIR, f)) };
    });
}

/** The largest key index any record of the trace carries, plus one: the size of a collector's key table. */
export function keyCount(events: readonly TraceEvent[]): number {
  let n = 0;
  for (const e of events) {
    const records = "records" in e ? e.records : "record" in e ? [e.record] : [];
    for (const r of records) n = Math.max(n, r.keyIndex + 1);
    if (e.type === "dedup") n = Math.max(n, e.keyIndex + 1);
  }
  return n;
}
