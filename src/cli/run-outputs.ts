/**
 * A run with what it streams while it runs: the trace file, the timeline and the checks, fed by simulate's trace
 * listener. The same code on either thread: `run` calls it on the main thread when nothing is written under a
 * temporary name, and the run's worker thread (run-worker.ts) calls it otherwise. It writes lines to files opened by
 * the caller and leaves them open: the caller renames (commits) or removes (aborts) them.
 */
import type { LineWriter } from "../io/output.js";
import type { perfettoWriter, PerfettoOptions, PerfettoWriter } from "../report/perfetto.js";
import type { traceLine } from "../report/trace-jsonl.js";
import { formatBytes } from "../run/budget.js";
import type { Progress, TraceContext } from "../run/options.js";
import type { RunResult } from "../run/result.js";
import { simulate } from "../run/simulate.js";
import { VERSION } from "../run/version.js";
import type { Scenario } from "../scenario/model.js";
import { formatDurationUs } from "../scenario/units.js";
import type { TraceListener } from "../trace/events.js";
import { UsageError } from "./usage-error.js";

/** What a run streams and its limits, as plain data (it is posted to the worker thread as it is). */
export interface OutputOpts {
  tracePath?: string;
  perfettoPath?: string;
  /** The scenario as the reproduce line names it, for the timeline's metadata. */
  file: string;
  check: boolean;
  maxEvents: number;
  traceLimitBytes: number;
}

/** Who is told where the run is, and how often (in the run loop's turns). */
export interface StreamedProgress {
  listener: (p: Progress) => void;
  everyTurns: number;
}

/** The open files the trace and the timeline are written to (each null when not asked for). */
export interface StreamedFiles {
  trace: LineWriter | null;
  perfetto: LineWriter | null;
}

/**
 * Simulate with the trace file, the timeline and the checks as asked; when it returns, every line is written to its
 * file (the timeline's footer too) and the checks are in the report. The writers of the trace and the timeline and
 * the checks are loaded only when asked for. A file that passes the size limit stops the run with a usage error.
 */
export async function simulateStreaming(scenario: Scenario, o: OutputOpts, files: StreamedFiles, progress: StreamedProgress | null): Promise<RunResult> {
  const writeTraceLine = files.trace ? (await import("../report/trace-jsonl.js")).traceLine : null;
  const newTimeline = files.perfetto ? (await import("../report/perfetto.js")).perfettoWriter : null;
  const checks = o.check ? { ...(await import("../checks/suite.js")), ...(await import("../checks/limits.js")) } : null;
  const suite = checks ? new checks.CheckSuite(checks.limitsOf(scenario)) : null;
  let timeline: PerfettoWriter | null = null;
  const result = simulate(scenario, {
    ...traceListeners({ ...files, writeTraceLine, newTimeline, limitBytes: o.traceLimitBytes, onTimeline: (w) => (timeline = w), timelineOptions: timelineOptions(scenario, o.file) }),
    ...(suite && { watch: suite.watcher }),
    maxEvents: o.maxEvents,
    ...(progress && { progress: progress.listener, progressEvery: progress.everyTurns }),
  });
  (timeline as PerfettoWriter | null)?.footer(Math.round(result.report.endedAt * 1000));
  files.trace?.flush();
  files.perfetto?.flush();
  if (suite) result.report.checks = suite.finish(result.report);
  return result;
}

function timelineOptions(scenario: Scenario, file: string): PerfettoOptions {
  return {
    parallelizationFactor: scenario.mapping.parallelizationFactor,
    functionName: scenario.fn.name,
    otherData: { scenario: file, seed: String(scenario.seed), version: VERSION },
  };
}

interface Listeners extends StreamedFiles {
  /** The trace's line writer, with --trace. */
  writeTraceLine: typeof traceLine | null;
  /** The timeline's writer, with --perfetto. */
  newTimeline: typeof perfettoWriter | null;
  limitBytes: number;
  onTimeline: (w: PerfettoWriter) => void;
  timelineOptions: PerfettoOptions;
}

/** A file passed the size limit: stop the run (nothing is written). */
function refuseOverLimit(flag: string, limitBytes: number, tUs: number): never {
  throw new UsageError(
    `${flag}: the ${flag === "--trace" ? "trace" : "timeline"} passed the ${formatBytes(limitBytes)} limit at virtual time ${formatDurationUs(tUs)}; nothing was written. Shorten the run or allow more with --trace-limit ${formatBytes(limitBytes * 4).replace(" ", "")}`,
  );
}

/** simulate's `trace` option feeding the trace file, the timeline, or both; none when neither is asked for, so a
 *  plain run pays nothing for them. (The checks watch the run without produce events: simulate's `watch`.) */
function traceListeners(l: Listeners): { trace?: (ctx: TraceContext) => TraceListener } {
  const { trace: traceFile, perfetto: perfettoFile, writeTraceLine, newTimeline, limitBytes } = l;
  if (!traceFile && !perfettoFile) return {};
  return {
    trace: (ctx: TraceContext): TraceListener => {
      const each: TraceListener[] = [];
      if (traceFile && writeTraceLine) {
        each.push((e) => {
          traceFile.line(writeTraceLine(e, ctx));
          if (traceFile.chars > limitBytes) refuseOverLimit("--trace", limitBytes, e.tUs);
        });
      }
      if (perfettoFile && newTimeline) {
        const timeline = newTimeline(ctx, (s) => perfettoFile.line(s), l.timelineOptions);
        timeline.header();
        l.onTimeline(timeline);
        each.push((e) => {
          timeline.event(e);
          if (perfettoFile.chars > limitBytes) refuseOverLimit("--perfetto", limitBytes, e.tUs);
        });
      }
      if (each.length === 1) return each[0];
      return (e) => {
        for (const f of each) f(e);
      };
    },
  };
}
