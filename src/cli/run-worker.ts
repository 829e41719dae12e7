/**
 * The worker thread of a `run` that writes its trace or timeline under a temporary name (run-thread.ts). Started as
 * soon as the command line is read, it loads the simulator while the main thread parses the scenario, then waits for
 * the one run it is sent: it parses the scenario from the same text and options as the main thread did, runs it
 * writing lines to the files the main thread opened, and posts back where the run is (for the progress bar) and then
 * its result or what it threw. It never opens, renames or removes a file, so that the main thread, whose event loop
 * stays free to take a signal, can remove the temporary files and stop this thread at any moment.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InternalError } from "../engine/assert.js";
import { InputError } from "../io/input.js";
import { LineWriter, OutputError } from "../io/output.js";
import type { Progress } from "../run/options.js";
import type { Scenario } from "../scenario/model.js";
import { parseScenario } from "../scenario/parse.js";
import type { RunJob, WorkerReply } from "./run-thread.js";
import type { ScenarioSource } from "./run-worker-start.js";
import { simulateStreaming } from "./run-outputs.js";
import { UsageError } from "./usage-error.js";

const port = parentPort;

/** What was thrown, as data the main thread turns back into the same kind of error. */
function thrown(e: unknown): WorkerReply {
  const kind = e instanceof UsageError ? "usage" : e instanceof OutputError ? "output" : e instanceof InputError ? "input" : e instanceof InternalError ? "internal" : "other";
  if (e instanceof Error) return { error: { kind, name: e.name, message: e.message, stack: e.stack } };
  return { error: { kind, name: "Error", message: String(e) } };
}

/** The scenario, parsed as soon as its source comes; what parsing threw, to be posted if the run is asked for. */
let parsed: { scenario: Scenario } | { error: unknown } | null = null;

function parse(source: ScenarioSource): void {
  try {
    const r = parseScenario(source.text, source.file, source.options);
    parsed = r.ok ? { scenario: r.scenario } : { error: new InternalError(`the run's worker thread found problems in a scenario that was accepted: ${r.errors.map((p) => p.message).join("; ")}`) };
  } catch (e) {
    parsed = { error: e };
  }
}

async function run(job: RunJob): Promise<WorkerReply> {
  if (parsed === null) throw new InternalError("the run's worker thread was sent no scenario");
  if ("error" in parsed) throw parsed.error;
  const files = {
    trace: job.traceFd === null ? null : new LineWriter(job.traceFd, job.outputs.tracePath ?? ""),
    perfetto: job.perfettoFd === null ? null : new LineWriter(job.perfettoFd, job.outputs.perfettoPath ?? ""),
  };
  const progress = job.progressEveryTurns === null ? null : { listener: (p: Progress) => port!.postMessage({ progress: p } satisfies WorkerReply), everyTurns: job.progressEveryTurns };
  const result = await simulateStreaming(parsed.scenario, job.outputs, files, progress);
  return { result: { report: result.report, timeline: result.timeline } };
}

if (port) {
  const loads = workerData as { trace: boolean; perfetto: boolean };
  if (loads.trace) void import("../report/trace-jsonl.js");
  if (loads.perfetto) void import("../report/perfetto.js");
  const take = (m: { source: ScenarioSource } | { run: RunJob }) => {
    if ("source" in m) return parse(m.source);
    port.off("message", take);
    run(m.run).then(
      (reply) => port.postMessage(reply),
      (e: unknown) => port.postMessage(thrown(e)),
    );
  };
  port.on("message", take);
}
