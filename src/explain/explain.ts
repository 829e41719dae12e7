/**
 * `esm-sim explain`: run a scenario and narrate it. The run's trace is narrated as it is produced (nothing is
 * kept but the narrator's bounded state), then the outcome is summed up from the report. Pure: lines go to a
 * sink the caller provides; the CLI prints them.
 */
import { US_PER_MS } from "../engine/time.js";
import { fmtAllPassed, fmtCount, fmtExpected, fmtInt, fmtMs } from "../report/format.js";
import { METRIC_PATHS } from "../metrics/paths.js";
import { conservationOf, duplicateCausesText } from "../report/source-view.js";
import type { Report, RunResult } from "../run/result.js";
import { simulate } from "../run/simulate.js";
import type { TraceContext } from "../run/options.js";
import type { Scenario } from "../scenario/model.js";
import { parseDurationUs } from "../scenario/units.js";
import { isStreamSource } from "../sources/config.js";
import { throttledWritesOf, type StreamRecord } from "../sources/stream-record.js";
import type { TraceEvent, TraceListener } from "../trace/events.js";
import type { TraceMeasure } from "./measures.js";
import { NarrationState } from "./moments.js";
import { TraceNames } from "./names.js";
import { DEFAULT_NARRATE, Narrator, fmtClock, wrap, type NarrateOptions, type TimeWindow } from "./narrator.js";

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
  // The narrator needs the run's names for records, shards and keys, which the run hands to its trace listener.
  let finish = () => {};
  const listen = (ctx: TraceContext): TraceListener => {
    const names = new TraceNames(ctx);
    const n = new Narrator(new NarrationState(scenario, names), opts, sink);
    finish = () => n.finish();
    const told = toldEvents(scenario, names, opts);
    const measures = opts.measures;
    return (e) => {
      if (!told(e)) return;
      n.onEvent(e);
      for (let i = 0; i < measures.length; i++) measures[i].onEvent(e, names);
    };
  };
  const result = simulate(scenario, { trace: listen });
  finish();
  if (opts.footer) for (const l of footerLines(result.report, opts.width, isStreamSource(scenario.source))) sink(l);
  return result;
}

/**
 * Which trace events the narration and the measures read. Samples never; produce events are many, so only those
 * the narration tells pass (throttled stream writes, records the function wrote back to its own stream, Kinesis
 * producer retries, FIFO producer retries delivered as new messages), unless every step or a measure wants them.
 */
function toldEvents(scenario: Scenario, names: TraceNames, opts: ExplainOptions): (e: TraceEvent) => boolean {
  const wantProduce = opts.verbose || opts.measures.some((m) => m.needsProduce);
  const stream = isStreamSource(scenario.source);
  const fifo = scenario.source.type === "sqs-fifo";
  return (e) => {
    if (e.type === "sample") return false;
    if (e.type !== "produce" || wantProduce) return true;
    if (stream) return throttledWritesOf(e.record as StreamRecord) > 0 || names.writtenBack(e.record) || names.resendOf(e.record) !== undefined;
    return fifo && (e.record.logicalN ?? -1) >= 0;
  };
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
  else if (r.stopReason === "until") out.push(`In the end (${at}): stopped at until with ${fmtCount(rec.pending, "record")} still pending.`);
  else out.push(`In the end (${at}): did not drain; stopped at the cap with ${fmtCount(rec.pending, "record")} still pending.`);
  out.push(...wrap(conservationOf(r), width - 4).map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`)));
  const inv = r.invocations;
  out.push(
    ...wrap(
      `invocations ${fmtInt(inv.total)} (${fmtInt(inv.errors)} errors, ${fmtInt(inv.timeouts)} timeouts, ${fmtInt(inv.throttles)} throttles, ${fmtInt(inv.partial)} partial); duplicates ${fmtInt(r.duplicates)}${r.duplicates > 0 ? ` (${duplicateCausesText(r)})` : ""}; ordering violations ${fmtInt(r.orderingViolations)}; peak concurrency ${fmtInt(r.concurrency.max)}; ${stream ? "IteratorAge" : "oldest message"} max ${fmtMs(r.iteratorAge.max)}`,
      width - 2,
    ).map((l) => `  ${l}`),
  );
  if (r.expectations.length > 0) {
    const failed = r.expectations.filter((e) => !e.passed).length;
    out.push(failed === 0 ? `Expectations: ${fmtAllPassed(r.expectations.length)}` : `Expectations: ${failed} of ${r.expectations.length} FAILED`);
    for (const e of r.expectations) {
      const kind = METRIC_PATHS[e.path] === "ms" ? "ms" : "other";
      out.push(...wrap(`[${e.passed ? "pass" : "FAIL"}] ${e.path} ${OPS[e.op]} ${fmtExpected(kind, e.expected)} (actual ${fmtExpected(kind, e.actual)})`, width - 4).map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`)));
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
