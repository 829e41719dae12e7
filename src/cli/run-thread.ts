/**
 * A `run` that writes its trace or timeline under a temporary name (to be renamed into place when the run ends) runs
 * the simulation on a worker thread (run-worker.ts, started early by run-worker-start.ts), so that this thread's event
 * loop stays free while it runs: the simulation is synchronous, and a signal handler can only run on an idle thread.
 * On Ctrl-C (SIGINT), SIGTERM or SIGHUP this thread removes the temporary files at once, stops the worker, and the run
 * ends saying so, having written nothing: a file that was at the target stays as it was.
 *
 * This thread opens the files (so that it knows every temporary name before the worker writes a byte), draws the
 * progress bar from where the worker says the run is, and renames the files into place once the worker has written
 * them; the worker only writes lines to the open files. Both threads parse the same scenario text with the same
 * options, so the run gives the same bytes as on one thread.
 */
import { InternalError } from "../engine/assert.js";
import { InputError } from "../io/input.js";
import { OutputError, removeTempFiles, type OutputLineWriter } from "../io/output.js";
import type { Progress } from "../run/options.js";
import type { RunResult } from "../run/result.js";
import type { Scenario } from "../scenario/model.js";
import type { Io } from "./context.js";
import { openStreamedOutputs } from "./files.js";
import { progressBar } from "./printing.js";
import { runFraction } from "./progress.js";
import type { OutputOpts } from "./run-outputs.js";
import type { RunWorker, ScenarioSource } from "./run-worker-start.js";
import { UsageError } from "./usage-error.js";

/** What the worker is sent to run (plain data), after the scenario's source: the outputs, and the files it writes
 *  to, open. */
export interface RunJob {
  outputs: OutputOpts;
  traceFd: number | null;
  perfettoFd: number | null;
  /** Post where the run is every so many turns of the run loop (stderr is a terminal, where the progress bar is
   *  drawn); null: do not. */
  progressEveryTurns: number | null;
}

/** What the worker posts: where the run is (any number of times), then its result or what it threw. */
export type WorkerReply =
  | { progress: Progress }
  | { result: Pick<RunResult, "report" | "timeline"> }
  | { error: { kind: "usage" | "output" | "input" | "internal" | "other"; name: string; message: string; stack?: string } };

/** A run stopped by a signal: its temporary files removed, nothing written. `exitCode` is that of a process the
 *  signal ended (128 + the signal's number), which bin/esm-sim.js turns back into the signal. */
export interface Interruption {
  interrupted: NodeJS.Signals;
  exitCode: number;
}

/** The signals that stop a run, and the exit code of a process ended by each. */
const INTERRUPTING_SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The error the worker threw, as the same kind of error on this thread (its stack the worker's). */
function rebuilt(e: Extract<WorkerReply, { error: unknown }>["error"]): Error {
  let out: Error;
  if (e.kind === "usage") out = new UsageError(e.message);
  else if (e.kind === "output") out = new OutputError(e.message);
  else if (e.kind === "input") out = new InputError(e.message);
  else if (e.kind === "internal") out = new InternalError(e.message);
  else {
    out = new Error(e.message);
    out.name = e.name;
  }
  if (e.stack !== undefined) out.stack = e.stack;
  return out;
}

/**
 * Run `scenario` (parsed from `source`) on a worker thread, writing the trace and the timeline as `o` asks; each file
 * is written whole or not at all, and the progress bar is drawn every `progressEveryTurns` turns of the run loop.
 * Resolves to the result, or to the signal that stopped the run.
 */
export function simulateOnWorker(io: Io, runWorker: RunWorker, scenario: Scenario, source: ScenarioSource, o: OutputOpts, progressEveryTurns: number): Promise<RunResult | Interruption> {
  if (runWorker.failure !== null) throw new InternalError(`the run's worker thread ${runWorker.failure}`);
  const worker = runWorker.thread;
  // Caught before the first file is created, so that no signal finds a temporary file this thread cannot remove.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const caught = (signal: NodeJS.Signals) => onSignal(signal);
  const signals = Object.keys(INTERRUPTING_SIGNALS) as NodeJS.Signals[];
  for (const s of signals) process.on(s, caught);
  const release = () => {
    for (const s of signals) process.off(s, caught);
  };
  let files: ReturnType<typeof openStreamedOutputs>;
  try {
    files = openStreamedOutputs(o.tracePath, o.perfettoPath);
  } catch (e) {
    release();
    throw e;
  }
  const writers = [files.trace, files.perfetto].filter((w): w is OutputLineWriter => w !== null);
  if (!runWorker.sourceSent) runWorker.sendSource(source);
  const job: RunJob = { outputs: o, traceFd: files.trace?.fd ?? null, perfettoFd: files.perfetto?.fd ?? null, progressEveryTurns: io.errIsTty ? progressEveryTurns : null };
  worker.postMessage({ run: job });
  // Held while the run lasts: a thread still waiting for its run does not keep the process alive.
  worker.ref();
  const bar = progressBar(io);
  return new Promise<RunResult | Interruption>((resolve, reject) => {
    let settled = false;
    /** End the run once: the bar cleared, the signals released, the worker let go. */
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      bar.done();
      release();
      worker.unref();
      then();
    };
    const fail = (e: Error) =>
      settle(() => {
        for (const w of writers) w.abort();
        reject(e);
      });
    onSignal = (signal) => {
      if (settled) return;
      settled = true;
      bar.done();
      // The files first, at once: the worker may go on writing to them until it stops, but never renames one.
      removeTempFiles();
      void worker.terminate().finally(() => {
        for (const w of writers) w.abort();
        release();
        resolve({ interrupted: signal, exitCode: INTERRUPTING_SIGNALS[signal] });
      });
    };
    worker.on("message", (m: WorkerReply) => {
      if (settled) return;
      if ("progress" in m) {
        const f = runFraction(scenario, m.progress);
        bar.update(f.fraction, f.label);
      } else if ("error" in m) {
        fail(rebuilt(m.error));
      } else {
        settle(() => {
          try {
            for (const w of writers) w.commit();
          } catch (e) {
            for (const w of writers) w.abort();
            reject(e as Error);
            return;
          }
          resolve({ scenario, report: m.result.report, timeline: m.result.timeline });
        });
      }
    });
    worker.on("error", (e) => fail(new InternalError(`the run's worker thread failed: ${e.message}`)));
    worker.on("exit", () => fail(new InternalError("the run's worker thread stopped before the run ended")));
  });
}
