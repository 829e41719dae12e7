/**
 * `esm-sim explain`: run a scenario and narrate it. The run's trace is narrated as it is produced (nothing is
 * kept but the narrator's bounded state), then the outcome is summed up from the report. Pure: lines go to a
 * sink the caller provides; the CLI prints them.
 */
import { US_PER_MS } from "../engine/time.js";
import { traceObject } from "../report/trace-jsonl.js";
import { fmtExpected, fmtInt, fmtMs } from "../report/format.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import type { Report, RunResult } from "../run/result.js";
import { simulate } from "../run/simulate.js";
import { isStreamSource, type Scenario } from "../scenario/model.js";
import { producerOf, throttledWritesOf, type StreamRecord } from "../sources/stream-record.js";
import { parseDurationUs } from "../scenario/units.js";
import type { TraceMeasure } from "./measures.js";
import type { NarrationContext } from "./moments.js";
import { DEFAULT_NARRATE, Narrator, fmtClock, wrap, type NarrateOptions, type TimeWindow } from "./narrator.js";

export function contextOf(s: Scenario): NarrationContext {
  const f = s.figures;
  return {
    sourceType: s.source.type,
    batchSize: s.mapping.batchSize,
    windowMs: s.mapping.batchingWindowUs / US_PER_MS,
    functionTimeoutMs: s.fn.timeoutUs / US_PER_MS,
    reservedConcurrency: s.fn.reservedConcurrency,
    maximumConcurrency: s.mapping.maximumConcurrency,
    rbif: s.mapping.reportBatchItemFailures,
    profile: s.profileName,
    visibilityTimeoutMs: isStreamSource(s.source) ? 0 : s.source.visibilityTimeoutUs / US_PER_MS,
    maxReceiveCount: isStreamSource(s.source) ? Infinity : s.source.maxReceiveCount,
    retentionMs: s.source.retentionUs / US_PER_MS,
    initialConcurrency: f.initialConcurrency,
    scaleUpPerMinute: f.scaleUpPerMinute,
    maxConcurrency: f.maxConcurrency,
    lowTrafficConcurrency: f.lowTrafficConcurrency,
    longPollWaitMs: f.longPollWaitMs,
    receiveMaxMessages: f.receiveMaxMessages,
    payloadMaxBytes: f.payloadMaxBytes,
    maximumRetryAttempts: s.mapping.retryAttemptsMax,
    onFailureDestination: s.mapping.onFailureArn,
    maximumRecordAgeMs: s.mapping.recordAgeMaxUs / US_PER_MS,
    bisect: s.mapping.bisectOnError,
    parallelizationFactor: s.mapping.parallelizationFactor,
    tumblingWindowMs: s.mapping.tumblingWindowUs / US_PER_MS,
    startingPosition: s.mapping.startingPosition,
    startAtMs: s.mapping.startAtUs / US_PER_MS,
    startingPositionMs: s.mapping.startingPositionUs / US_PER_MS,
    disabledPeriods: s.mapping.disabledPeriods.map((p) => ({ fromMs: p.fromUs / US_PER_MS, toMs: p.toUs / US_PER_MS })),
  };
}

export interface ExplainOptions extends NarrateOptions {
  /** Print the header (name, concept, description). */
  header: boolean;
  /** Print the outcome and the expectations after the narration. */
  footer: boolean;
  /** Quiz measures fed from the same trace. */
  measures: TraceMeasure[];
}

export const DEFAULT_EXPLAIN: ExplainOptions = { ...DEFAULT_NARRATE, header: true, footer: true, measures: [] };

/** Run `scenario` and narrate it into `sink`, one line per call. Returns the run's result. */
export function explain(scenario: Scenario, options: Partial<ExplainOptions>, sink: (line: string) => void): RunResult {
  const opts: ExplainOptions = { ...DEFAULT_EXPLAIN, ...options };
  if (opts.header) for (const l of headerLines(scenario, opts.width)) sink(l);
  const narrator = new Narrator(contextOf(scenario), opts, sink);
  const wantProduce = opts.verbose || opts.measures.some((m) => m.needsProduce);
  const measures = opts.measures;
  const stream = isStreamSource(scenario.source);
  const fifo = scenario.source.type === "sqs-fifo";
  const writtenBackProducer = scenario.fn.writesBack ? scenario.traffic.length : -1;
  const result = simulate(scenario, {
    trace: (ctx) => (e) => {
      if (e.type === "sample") return;
      // Produce events are many: only those the narration tells (throttled stream writes, FIFO producer retries
      // delivered as new messages) pass, unless every step is wanted.
      // (and records the function wrote back to its own stream).
      if (e.type === "produce" && !wantProduce && !(stream ? throttledWritesOf(e.record as StreamRecord) > 0 || producerOf(e.record as StreamRecord) === writtenBackProducer : fifo && (e.record.logicalN ?? -1) >= 0)) return;
      const obj = traceObject(e, ctx);
      // FIFO: the narration needs each message's group (the key), which the JSONL trace does not carry.
      if (fifo && e.type === "invoke") obj.groups = e.records.map((r) => ctx.keyNames[r.keyIndex]);
      if (fifo && (e.type === "dlq" || e.type === "retry")) obj.group = ctx.keyNames[e.record.keyIndex];
      narrator.onEvent(obj);
      for (let i = 0; i < measures.length; i++) measures[i].onEvent(obj);
    },
  });
  narrator.finish();
  if (opts.footer) for (const l of footerLines(result.report, opts.width, stream)) sink(l);
  return result;
}

export function headerLines(s: Scenario, width: number): string[] {
  const out = [`esm-sim explain · ${s.name} · seed ${s.seed} · profile ${s.profileName} · ${s.source.type}`];
  if (s.concept) out.push(`Concept: ${s.concept}`);
  if (s.description.trim()) out.push(...wrap(s.description.trim().replace(/\s+/g, " "), width));
  out.push("", "What happened, in virtual time (HH:MM:SS.mmm):", "");
  return out;
}

const OPS: Record<string, string> = { eq: "=", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

export function footerLines(r: Report, width: number, stream = false): string[] {
  const out = [""];
  const at = fmtClock(r.endedAt);
  const rec = r.records;
  if (r.drained) out.push(`In the end (${at}): drained, every record reached an end state.`);
  else if (r.stopReason === "until") out.push(`In the end (${at}): stopped at until with ${fmtInt(rec.pending)} records still pending.`);
  else out.push(`In the end (${at}): did not drain; stopped at the cap with ${fmtInt(rec.pending)} records still pending.`);
  out.push(`  ${r.conservation}`);
  const inv = r.invocations;
  out.push(
    ...wrap(
      `invocations ${fmtInt(inv.total)} (${fmtInt(inv.errors)} errors, ${fmtInt(inv.timeouts)} timeouts, ${fmtInt(inv.throttles)} throttles, ${fmtInt(inv.partial)} partial); duplicates ${fmtInt(r.duplicates)}; ordering violations ${fmtInt(r.orderingViolations)}; peak concurrency ${fmtInt(r.concurrency.max)}; ${stream ? "IteratorAge" : "oldest message"} max ${fmtMs(r.iteratorAge.max)}`,
      width - 2,
    ).map((l) => `  ${l}`),
  );
  if (r.expectations.length > 0) {
    const failed = r.expectations.filter((e) => !e.passed).length;
    out.push(failed === 0 ? `Expectations: all ${r.expectations.length} passed` : `Expectations: ${failed} of ${r.expectations.length} FAILED`);
    for (const e of r.expectations) {
      const kind = METRIC_PATHS[e.path] === "ms" ? "ms" : "other";
      out.push(`  [${e.passed ? "pass" : "FAIL"}] ${e.path} ${OPS[e.op]} ${fmtExpected(kind, e.expected)} (actual ${fmtExpected(kind, e.actual)})`);
    }
  }
  return out;
}

/**
 * A zoom window: `10m..12m`, `..90s`, `1h..`, `10m` (30 s either side) or `10m+-5s` / `10m±5s`.
 * Bare numbers are seconds. Returns a message on error.
 */
export function parseWindow(text: string): TimeWindow | string {
  const bad = `--at: must be a time such as 10m, a range such as 10m..12m, or a time and a half-width such as 10m+-30s (got ${JSON.stringify(text)})`;
  const d = (s: string): number | null => {
    const t = s.trim();
    const us = parseDurationUs(/^\d+(\.\d+)?$/.test(t) ? Number(t) : t);
    return us === null ? null : us / US_PER_MS;
  };
  const s = text.trim();
  if (s.includes("..")) {
    const [a, b] = s.split("..", 2);
    const from = a.trim() === "" ? 0 : d(a);
    const to = b.trim() === "" ? Infinity : d(b);
    if (from === null || to === null || to < from) return bad;
    return { fromMs: from, toMs: to };
  }
  const pm = /^(.*?)(?:\+-|±)(.*)$/.exec(s);
  const center = d(pm ? pm[1] : s);
  const half = pm ? d(pm[2]) : 30_000;
  if (center === null || half === null) return bad;
  return { fromMs: Math.max(0, center - half), toMs: center + half };
}
