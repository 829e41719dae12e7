import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { perfettoWriter } from "../src/report/perfetto.js";
import { traceObject } from "../src/report/trace-jsonl.js";
import type { Report } from "../src/run/result.js";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { Scenario } from "../src/scenario/model.js";
import type { InvokeEvent } from "../src/trace/events.js";
import { SCENARIO_DIR, scenarioFrom } from "./helpers.js";

// The Chrome JSON trace of shipped scenarios, checked against the fields the Trace Event Format documents
// (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU/) and against the run's report.

interface ChromeEvent {
  name: unknown;
  cat?: unknown;
  ph: unknown;
  ts: unknown;
  dur?: unknown;
  pid: unknown;
  tid: unknown;
  s?: unknown;
  args?: Record<string, unknown>;
}

interface Run {
  report: Report;
  text: string;
  invokes: InvokeEvent[];
  /** Per invocation, the record ids the JSONL trace gives its invoke line. */
  jsonlIds: Map<number, string[]>;
  pf: number;
}

function run(file: string, untilUs?: number): Run {
  const parsed = parseScenario(readFileSync(join(SCENARIO_DIR, file), "utf8"), file, { untilUs });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
  return runScenario(parsed.scenario, file);
}

function runScenario(scenario: Scenario, file: string): Run {
  const pf = scenario.mapping.parallelizationFactor;
  const lines: string[] = [];
  const invokes: InvokeEvent[] = [];
  const jsonlIds = new Map<number, string[]>();
  let footer = (): void => {};
  const result = simulate(scenario, {
    trace: (ctx) => {
      const w = perfettoWriter(ctx, (s) => lines.push(s), { parallelizationFactor: pf, functionName: scenario.fn.name, otherData: { seed: String(scenario.seed), scenario: file } });
      w.header();
      footer = () => w.footer();
      return (e) => {
        w.event(e);
        if (e.type !== "invoke") return;
        invokes.push(e);
        jsonlIds.set(e.invocation, traceObject(e, ctx).recordIds as string[]);
      };
    },
  });
  footer();
  return { report: result.report, text: lines.join("\n") + "\n", invokes, jsonlIds, pf };
}

function eventsOf(text: string): ChromeEvent[] {
  const doc = JSON.parse(text) as { displayTimeUnit: unknown; otherData: Record<string, unknown>; traceEvents: ChromeEvent[] };
  expect(doc.displayTimeUnit).toBe("ms");
  for (const v of Object.values(doc.otherData)) expect(typeof v).toBe("string");
  expect(Array.isArray(doc.traceEvents)).toBe(true);
  return doc.traceEvents;
}

const isUint = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x >= 0;
const METADATA = ["process_name", "process_sort_index", "thread_name", "thread_sort_index"];

/** What is wrong with one event's fields, against those the format gives every event and those its phase requires. */
function fieldProblems(e: ChromeEvent): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) bad.push(`${what}: ${JSON.stringify(e)}`);
  };
  need(typeof e.name === "string", "name is a string");
  need(["M", "X", "i", "C"].includes(e.ph as string), "ph is M, X, i or C");
  need(isUint(e.ts) && isUint(e.pid) && isUint(e.tid), "ts, pid and tid are whole numbers");
  need(typeof e.args === "object" && e.args !== null, "args is an object");
  if (e.ph !== "M") need(typeof e.cat === "string", "cat is a string");
  if (e.ph === "X") need(isUint(e.dur), "X: dur is a whole number >= 0");
  if (e.ph === "i") need(["g", "p", "t"].includes(e.s as string), "i: s is g, p or t");
  if (e.ph === "C") need(Object.values(e.args ?? {}).every((v) => typeof v === "number"), "C: every series is a number");
  if (e.ph === "M") need(metadataOk(e), "M: a known name with its argument");
  return bad;
}

function metadataOk(e: ChromeEvent): boolean {
  if (!METADATA.includes(e.name as string)) return false;
  return String(e.name).endsWith("_name") ? typeof e.args!.name === "string" : isUint(e.args!.sort_index);
}

/** Events on a process or thread that no metadata event names. */
function unnamedTracks(events: ChromeEvent[]): string[] {
  const named = (n: string) => new Set(events.filter((e) => e.name === n && e.ph === "M").map((e) => `${e.pid}/${e.tid}`));
  const threads = named("thread_name");
  const processes = new Set([...named("process_name")].map((k) => k.split("/")[0]));
  const bad: string[] = [];
  for (const e of events) {
    if (e.ph === "M") continue;
    if (!processes.has(String(e.pid))) bad.push(`unnamed process: ${JSON.stringify(e)}`);
    if (e.ph !== "C" && !threads.has(`${e.pid}/${e.tid}`)) bad.push(`unnamed thread: ${JSON.stringify(e)}`);
  }
  return bad;
}

/** Slices that overlap the one before them on their track (Perfetto requires slices of a thread to nest). */
function overlaps(events: ChromeEvent[]): string[] {
  const byTrack = new Map<string, ChromeEvent[]>();
  for (const e of events) {
    if (e.ph !== "X") continue;
    const k = `${e.pid}/${e.tid}`;
    if (!byTrack.has(k)) byTrack.set(k, []);
    byTrack.get(k)!.push(e);
  }
  const bad: string[] = [];
  for (const list of byTrack.values()) {
    list.sort((a, b) => (a.ts as number) - (b.ts as number));
    for (let i = 1; i < list.length; i++) {
      if ((list[i].ts as number) < (list[i - 1].ts as number) + (list[i - 1].dur as number)) bad.push(JSON.stringify(list[i]));
    }
  }
  return bad;
}

const count = (events: ChromeEvent[], ph: string, name?: string) => events.filter((e) => e.ph === ph && (name === undefined || e.name === name)).length;
const sumArg = (events: ChromeEvent[], name: string, key: string) => events.filter((e) => e.ph === "i" && e.name === name).reduce((s, e) => s + (e.args![key] as number), 0);

/** Counts the report gives, against the events of the trace. */
function checkCounts(events: ChromeEvent[], r: Report): void {
  expect(count(events, "X")).toBe(r.invocations.total);
  expect(count(events, "X", "error")).toBe(r.invocations.errors);
  expect(count(events, "X", "timeout")).toBe(r.invocations.timeouts);
  expect(count(events, "X", "partial")).toBe(r.invocations.partial);
  expect(count(events, "i", "throttle")).toBe(r.invocations.throttles);
  expect(count(events, "i", "dlq")).toBe(r.records.dlq);
  expect(count(events, "i", "expire")).toBe(r.records.expired);
  expect(sumArg(events, "onFailure", "ended")).toBe(r.records.onFailure);
  expect(Math.max(0, ...series(events, "concurrency"))).toBe(r.concurrency.max);
  if (r.stream) {
    // stream.retries counts the retries MaximumRetryAttempts counts (a throttled batch's are not among them).
    expect(events.filter((e) => e.ph === "i" && e.name === "retry" && e.args!.countsAsRetry === true).length).toBe(r.stream.retries);
    expect(count(events, "i", "bisect")).toBe(r.stream.bisects);
    expect(Math.max(0, ...series(events, "IteratorAge"))).toBe(r.iteratorAge.max);
  } else {
    expect(count(events, "i", "retry")).toBe(r.sqs!.visibilityRedeliveries + r.sqs!.spontaneousDuplicates);
    expect(Math.max(0, ...series(events, "pollers"))).toBe(r.concurrency.pollersMax);
    const depth = count(events, "C", "queue depth");
    expect(depth > 0 && depth <= r.sqs!.polls).toBe(true);
  }
}

/** A counter's values in the order written. */
function series(events: ChromeEvent[], name: string): number[] {
  return events.filter((e) => e.ph === "C" && e.name === name).map((e) => Object.values(e.args!)[0] as number);
}

/** Counter samples that repeat the previous value of their counter (a counter holds its value until the next). */
function repeatedSamples(events: ChromeEvent[]): string[] {
  const last = new Map<string, unknown>();
  const bad: string[] = [];
  for (const e of events) {
    if (e.ph !== "C") continue;
    const k = `${e.pid}/${e.name}`;
    const v = Object.values(e.args!)[0];
    if (last.get(k) === v) bad.push(JSON.stringify(e));
    last.set(k, v);
  }
  return bad;
}

/** Invocation slices whose record count, first or last record id differ from the JSONL trace's invoke line. */
function idMismatches(events: ChromeEvent[], ids: Map<number, string[]>): string[] {
  const bad: string[] = [];
  for (const e of events) {
    if (e.ph !== "X") continue;
    const want = ids.get(e.args!.invocation as number) ?? [];
    const a = e.args!;
    if (a.records !== want.length || a.firstRecordId !== (want[0] ?? null) || a.lastRecordId !== (want[want.length - 1] ?? null)) bad.push(JSON.stringify(e));
  }
  return bad;
}

const SHIPPED = [
  "sqs-poison-message-dlq.yaml",
  "sqs-fifo-one-group.yaml",
  "sqs-reserved-concurrency-dlq.yaml",
  "kinesis-poison-pill.yaml",
  "kinesis-poison-pill-fixed.yaml",
  "kinesis-parallelization-few-keys.yaml",
];

describe("perfetto: Chrome JSON trace of shipped scenarios", () => {
  for (const file of SHIPPED) {
    it(`${file}: valid structure, named tracks, counts match the report, byte-identical twice`, () => {
      const a = run(file);
      const events = eventsOf(a.text);
      expect(events.flatMap(fieldProblems).slice(0, 5)).toEqual([]);
      expect(unnamedTracks(events).slice(0, 5)).toEqual([]);
      expect(overlaps(events).slice(0, 5)).toEqual([]);
      expect(repeatedSamples(events).slice(0, 5)).toEqual([]);
      checkCounts(events, a.report);
      expect(idMismatches(events, a.jsonlIds).slice(0, 5)).toEqual([]);
      expect(run(file).text).toBe(a.text);
    });
  }

  it("covers what the scenarios are about: DLQ moves, throttles, expiries, retries, bisects, on-failure, lanes", () => {
    const names = (file: string) => new Set(eventsOf(run(file).text).map((e) => e.name));
    expect(names("sqs-poison-message-dlq.yaml")).toContain("dlq");
    expect(names("sqs-reserved-concurrency-dlq.yaml")).toContain("throttle");
    expect(names("kinesis-poison-pill.yaml")).toContain("expire");
    const fixed = names("kinesis-poison-pill-fixed.yaml");
    for (const n of ["retry", "bisect", "onFailure", "error"]) expect(fixed).toContain(n);
    const lanes = eventsOf(run("kinesis-parallelization-few-keys.yaml").text).filter((e) => e.name === "thread_name" && String(e.args!.name).startsWith("lane "));
    expect(lanes.length).toBeGreaterThan(1);
  });

  it("a stream lane's poller id is shard × ParallelizationFactor + lane (how throttles find their lane)", () => {
    const r = run("kinesis-parallelization-few-keys.yaml");
    expect(r.pf).toBe(10);
    for (const e of r.invokes) expect(e.poller).toBe(e.shard! * r.pf + e.lane!);
  });

  it("a stream's throttles land on the lane whose retry they cause (ParallelizationFactor 2, reserved concurrency 2)", () => {
    const s = scenarioFrom(`name: lanes
source: { type: kinesis, ShardCount: 2 }
traffic:
  - { rate: 30/s, from: 0s, to: 1m, keys: 40 }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10, ParallelizationFactor: 2 }
function: { Timeout: 3, ReservedConcurrentExecutions: 2, duration: { base: 300ms, perRecord: 10ms } }
`);
    const r = runScenario(s, "lanes");
    const events = eventsOf(r.text);
    expect(events.flatMap(fieldProblems).slice(0, 5)).toEqual([]);
    checkCounts(events, r.report);
    const throttles = events.filter((e) => e.ph === "i" && e.name === "throttle");
    expect(throttles.length).toBeGreaterThan(0);
    const retries = new Set(events.filter((e) => e.name === "retry" && e.args!.reason === "Throttled").map((e) => `${e.ts}/${e.pid}/${e.tid}`));
    const lost = throttles.filter((e) => !retries.has(`${e.ts}/${e.pid}/${e.tid}`));
    expect(lost.slice(0, 5)).toEqual([]);
  });

  it("a run stopped by `until` writes its unfinished invocations as running, ending at the last event seen", () => {
    const r = run("sqs-fifo-one-group.yaml", 30_100_000);
    const events = eventsOf(r.text);
    const running = events.filter((e) => e.ph === "X" && e.name === "running");
    expect(running.length).toBeGreaterThan(0);
    expect(count(events, "X")).toBe(r.report.invocations.total);
    const ends = new Set(running.map((e) => (e.ts as number) + (e.dur as number)));
    expect(ends.size).toBe(1);
    const end = [...ends][0];
    for (const e of events) expect(e.ts as number).toBeLessThanOrEqual(end);
    expect(end).toBeLessThanOrEqual(Math.round(r.report.endedAt * 1000));
  });

  it("writes one event a line, so a caller can count bytes as it goes and stop at a size limit", () => {
    const lines = run("sqs-poison-message-dlq.yaml").text.trimEnd().split("\n");
    expect(lines[0].endsWith(`"traceEvents":[`)).toBe(true);
    expect(lines[lines.length - 1]).toBe("]}");
    for (const l of lines.slice(1, -1)) expect(() => JSON.parse(l.replace(/^,/, ""))).not.toThrow();
  });
});
