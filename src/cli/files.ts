/** File access for the CLI: clear messages for the usual mistakes, and writes that are never half done (src/io). */
import { SCENARIO_INPUT, scenarioFiles } from "../scenario/parse.js";
import type { Override } from "../scenario/overrides.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { InputError, readInputText, readNamedFiles, type InputKind, type NamedFile } from "../io/input.js";
import { OutputError, OutputLineWriter, planOutput, writeOutput } from "../io/output.js";
import { UsageError } from "./usage-error.js";

export function readScenarioFile(path: string): string {
  return readTextFile(path, SCENARIO_INPUT);
}

/**
 * The files a scenario names (a replay's CloudWatch export), read beside the scenario file `file` (the current
 * folder when null), for parseScenario's `files`; a file that cannot be read is reported by the parser at its key.
 */
export function filesNamedBy(text: string, file: string | null, overrides: readonly Override[] = []): Map<string, NamedFile> {
  return readNamedFiles(scenarioFiles(text, overrides), file, CLOUDWATCH_EXPORT_INPUT);
}

/** Read a UTF-8 text file of at most `kind.maxBytes`, with clear messages for the usual mistakes. */
export function readTextFile(path: string, kind: InputKind): string {
  try {
    return readInputText(path, kind);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Write a whole output file (io/output.ts: atomically for a regular file, straight through a device, FIFO or
 * symbolic link's target). `flag` names it in messages: `--output report.json: is a directory, ...`.
 */
export function writeOutputFile(path: string, content: string, flag?: string): void {
  try {
    writeOutput(path, content, flag ? `${flag} ${path}` : path);
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

/** Refuse, before any work, an output target that cannot be written (a directory, a block device, a socket). */
export function checkOutputTarget(path: string, flag: string): void {
  try {
    planOutput(path, `${flag} ${path}`);
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

/** The trace and the timeline opened as asked (each null when not); when the second cannot be opened, the first is
 *  removed, so that no temporary file is left behind. */
export function openStreamedOutputs(tracePath: string | undefined, perfettoPath: string | undefined): { trace: OutputLineWriter | null; perfetto: OutputLineWriter | null } {
  const trace = tracePath ? openLineOutput(tracePath, "--trace") : null;
  try {
    return { trace, perfetto: perfettoPath ? openLineOutput(perfettoPath, "--perfetto") : null };
  } catch (e) {
    trace?.abort();
    throw e;
  }
}

/** A line-by-line output (a trace), with the same rules as writeOutputFile. */
export function openLineOutput(path: string, flag: string): OutputLineWriter {
  try {
    return new OutputLineWriter(path, `${flag} ${path}`);
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}
