/**
 * The worker thread of a run that writes its trace or timeline under a temporary name (run-thread.ts), started as soon
 * as the command line is read, so that it loads the simulator while this thread loads the rest and parses the
 * scenario. Imports nothing but Node's own modules and the output planner, so that starting it early costs little.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { planOutput } from "../io/output.js";
import type { ParseOptions } from "../scenario/parse.js";

/** A scenario as it was parsed: the worker parses it again from these, and gets the same scenario. */
export interface ScenarioSource {
  text: string;
  /** The scenario's file as parseScenario was given it. */
  file: string;
  options: ParseOptions;
}

/** The compiled worker next to this module; under the TypeScript sources (tests), the built one: the bundle's, which
 *  loads a dozen files where dist/cli's loads some 270 modules, else dist/cli's. */
function workerPath(): string | null {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), "run-worker.js");
  if (here.endsWith(".js") && existsSync(beside)) return beside;
  const dist = join(dirname(here), "..", "..", "dist");
  return [join(dist, "cli-bundle", "run-worker.js"), join(dist, "cli", "run-worker.js")].find((p) => existsSync(p)) ?? null;
}

/** A started worker thread, waiting for its run. It keeps the process alive only while a run uses it. */
export class RunWorker {
  /** The scenario's source has been sent. */
  sourceSent = false;

  /** What went wrong before a run took the thread (it failed to load, or stopped), or null. */
  failure: string | null = null;

  constructor(readonly thread: Worker) {
    thread.unref();
    thread.on("error", (e) => (this.failure ??= `failed: ${e.message}`));
    thread.on("exit", () => (this.failure ??= "stopped before its run began"));
  }

  /** The scenario's source, sent as soon as it is known: the worker parses the scenario while this thread does. */
  sendSource(source: ScenarioSource): void {
    this.thread.postMessage({ source });
    this.sourceSent = true;
  }

  /** Stop the thread (done with it, or never used). */
  dispose(): void {
    void this.thread.terminate();
  }
}

/** Whether an output at `path` is written under a temporary name (a regular file, or none yet). */
function writesUnderTemporaryName(path: string): boolean {
  try {
    return planOutput(path, path).how === "replace";
  } catch {
    return false; // a target that is refused: the run says so before it starts
  }
}

/**
 * The worker for a run with these --trace and --perfetto targets, started now; null when neither is written under a
 * temporary name (a device, a FIFO: written through, nothing to remove), or when the worker is not built.
 */
export function startRunWorker(tracePath: string | undefined, perfettoPath: string | undefined): RunWorker | null {
  const paths = [tracePath, perfettoPath];
  if (!paths.some((p) => p !== undefined && writesUnderTemporaryName(p))) return null;
  const file = workerPath();
  // The writers it will need, loaded while it waits.
  return file === null ? null : new RunWorker(new Worker(file, { workerData: { trace: paths[0] !== undefined, perfetto: paths[1] !== undefined } }));
}
