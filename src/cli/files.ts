/** File access for the CLI: clear messages for the usual mistakes, and writes that are never half done (src/io). */
import { SCENARIO_INPUT, scenarioFiles } from "../scenario/parse.js";
import type { Override } from "../scenario/overrides.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { fstatSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { shownPath } from "../io/shown-path.js";
import { InputError, namedFilePath, readInputText, STDIN_PATH, readNamedFiles, type InputKind, type NamedFile } from "../io/input.js";
import { OutputError, OutputLineWriter, planOutput, standardFdOf, standardName, writeOutput, type OutputPlan, type StandardFd } from "../io/output.js";
import { UsageError, usageErrors } from "./usage-error.js";

/** A scenario file's text; `-` reads the standard input. */
export function readScenarioFile(path: string): string {
  try {
    return readInputText(path, SCENARIO_INPUT, { dashIsStdin: true });
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The files a scenario names (a replay's CloudWatch export), read beside the scenario file `file` (the current
 * folder when null), for parseScenario's `files`; a file that cannot be read is reported by the parser at its key.
 */
export function filesNamedBy(text: string, file: string | null, overrides: readonly Override[] = []): Map<string, NamedFile> {
  return readNamedFiles(scenarioFiles(text, overrides), file, CLOUDWATCH_EXPORT_INPUT);
}

/** The paths of the files a scenario names (a replay's CloudWatch export), as filesNamedBy reads them. */
export function pathsNamedBy(text: string, file: string | null, overrides: readonly Override[] = []): string[] {
  return scenarioFiles(text, overrides).map((ref) => namedFilePath(ref, file));
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

/** A file name an output flag writes, for a message that suggests one (`--html d: is a directory; ... d/report.html`). */
const EXAMPLE_NAMES: Readonly<Record<string, string>> = {
  "--trace": "trace.jsonl",
  "--html": "report.html",
  "--perfetto": "timeline.json",
  "--metrics-out": "metrics.json",
  "--out": "scenario.yaml",
};

/** The file name to suggest for an output in a folder: the output's own (`example`), else its flag's. */
function exampleName(flag: string | undefined, example?: string): string | undefined {
  return example ?? (flag === undefined ? undefined : EXAMPLE_NAMES[flag]);
}

/** The file name an output in `format` is suggested as (`--output d` names d/report.json for --format json). */
export function formatFileName(stem: string, format: string): string {
  return `${stem}.${format === "json" ? "json" : format === "csv" ? "csv" : format === "markdown" ? "md" : "txt"}`;
}

/**
 * Write a whole output file (io/output.ts: atomically for a regular file, straight through a device, FIFO or
 * symbolic link's target). `flag` names it in messages: `--output report.json: is a directory, ...`.
 */
export function writeOutputFile(path: string, content: string, flag?: string, example?: string): void {
  try {
    writeOutput(path, content, flag ? `${flag} ${shownPath(path)}` : shownPath(path), exampleName(flag, example));
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

/** Refuse, before any work, an output target that cannot be written (a directory, a block device, a socket); how it
 *  will be written when it can. */
export function checkOutputTarget(path: string, flag: string, example?: string): OutputPlan {
  try {
    return planOutput(path, `${flag} ${shownPath(path)}`, exampleName(flag, example));
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
    return new OutputLineWriter(path, `${flag} ${shownPath(path)}`, exampleName(flag));
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

/** A file a command reads or writes: what names it (`--trace`, `the scenario`) and its path as given. */
export interface FileUse {
  what: string;
  path: string;
  /** For what goes to standard output unless a file is named for it: the flag that names one (`--output`). */
  fileFlag?: string;
  /** The file name to suggest when the path is a folder (`report.json`); by default the flag's own. */
  example?: string;
  /** For an output no flag names (a scenario init names after its mapping): how to write it elsewhere. */
  elsewhere?: string;
}

/** The scenario as a file the command reads; null when it comes from the standard input (`-`), which no output can
 *  replace (an output named `-` is a file of that name). */
export function scenarioInput(path: string): FileUse | null {
  return path === STDIN_PATH ? null : { what: "the scenario", path };
}

/**
 * Refuse, before any work, every output that cannot be written (a directory, a socket, a new file whose folder does
 * not exist: checkOutputTarget) or that shares a file with an input or another output (refuseSharedFiles), all
 * problems at once.
 */
export function checkOutputs(inputs: readonly (FileUse | null)[], outputs: readonly (FileUse | null)[]): void {
  const problems: string[] = [];
  const writable: FileUse[] = [];
  for (const u of outputs) {
    if (!u) continue;
    try {
      planOutput(u.path, `${u.what} ${shownPath(u.path)}`, exampleName(u.what, u.example));
      writable.push(u);
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      problems.push(e.message);
    }
  }
  problems.push(...sharedFileProblems(inputs, writable));
  if (problems.length > 0) throw usageErrors(problems);
}

/**
 * Refuse, before any work, an output that is a file the command reads (writing it would replace the scenario, the
 * template or the export being read) or a file another of its outputs names (one would replace the other). Files are
 * compared as the system finds them: an existing file by device and inode, so through symbolic links, hard links and
 * other spellings of its path; a new one by its folder's real path and its name. Devices and FIFOs are not compared:
 * several outputs may go to /dev/null or a terminal. Standard output takes one output (`-`, /dev/stdout, or the file
 * it is redirected to), and standard error one: two would be mixed. An output named as either stream (`-`,
 * /dev/stdout) is not compared with the inputs: it is written where the stream stands and replaces no file. One that
 * names the redirected file by its path still is.
 */
export function refuseSharedFiles(inputs: readonly (FileUse | null)[], outputs: readonly (FileUse | null)[]): void {
  const problems = sharedFileProblems(inputs, outputs);
  if (problems.length > 0) throw usageErrors(problems);
}

/** What a command writes to standard output when no file is named for it (`the report`), as an output to compare;
 *  `fileFlag` names a file for it instead (`--output`), if the command has one. */
export function onStandardOutput(what: string, fileFlag?: string): FileUse {
  return { what, path: "-", ...(fileFlag && { fileFlag }) };
}

function sharedFileProblems(inputs: readonly (FileUse | null)[], outputs: readonly (FileUse | null)[]): string[] {
  const streams = standardFiles();
  const read = new Map<string, FileUse>();
  for (const u of inputs) {
    const id = u && identityOf(u.path, streams);
    if (u && id !== null && !read.has(id)) read.set(id, u);
  }
  const written = new Map<string, FileUse>();
  const problems: string[] = [];
  for (const u of outputs) {
    const id = u && identityOf(u.path, streams);
    if (!u || id === null) continue;
    const fd = standardOf(id);
    const input = standardFdOf(u.path) === null ? read.get(id) : undefined;
    const other = written.get(id);
    if (input && u.elsewhere !== undefined) problems.push(`${u.what} would be written to ${shownPath(u.path)}, which is ${input.what}${spelledOtherwise(input, u)} that this command reads: ${u.elsewhere}`);
    else if (input) problems.push(`${u.what} ${shownPath(u.path)}: is ${input.what}${spelledOtherwise(input, u)}, which this command reads; writing there would replace it: name another file`);
    else if (other && fd !== null) problems.push(`${named(u)}: ${standardFdOf(u.path) === null ? `is the file ${standardName(fd)} goes to, which` : standardName(fd)} already takes ${named(other)}, so the two would be mixed: ${other.fileFlag ? `give ${other.what} a file with ${other.fileFlag} FILE, or ${u.what} a file of its own` : `name a file for ${u.what}`}`);
    else if (other) problems.push(`${u.what} ${shownPath(u.path)}: is the ${other.what} file too${spelledOtherwise(other, u)}; each output needs a file of its own`);
    else written.set(id, u);
  }
  return problems;
}

/** An output in messages: `--trace run.jsonl`, or `the report` when it goes to standard output unnamed. */
function named(u: FileUse): string {
  return u.what.startsWith("-") ? `${u.what} ${shownPath(u.path)}` : u.what;
}

/** The identity of a standard stream (`standard 1`), and the stream an identity is, if it is one. */
const STANDARD_ID = "standard ";
function standardOf(id: string): StandardFd | null {
  return id.startsWith(STANDARD_ID) ? (Number(id.slice(STANDARD_ID.length)) as StandardFd) : null;
}

/** The regular files standard output and error are redirected to, by identity (`inode ...`), with the stream each is. */
function standardFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of [2, 1] as const) {
    try {
      const st = fstatSync(fd);
      if (st.isFile()) out.set(`inode ${st.dev}:${st.ino}`, `${STANDARD_ID}${fd}`);
    } catch {
      /* closed: nothing goes there */
    }
  }
  return out;
}

/** ` (other/path)` when `a` names the file by another path than `b` does. */
function spelledOtherwise(a: FileUse, b: FileUse): string {
  return resolve(a.path) === resolve(b.path) ? "" : ` (${shownPath(a.path)})`;
}

/** Which file a path leads to, for comparing paths; null for what is not compared (a device, a FIFO, a folder). A name
 *  of standard output or error, or the file one is redirected to (`streams`), is that stream (`standard 1`). */
function identityOf(path: string, streams: ReadonlyMap<string, string>): string | null {
  const fd = standardFdOf(path);
  if (fd !== null) return `${STANDARD_ID}${fd}`;
  try {
    const st = statSync(path);
    if (!st.isFile()) return null;
    const id = `inode ${st.dev}:${st.ino}`;
    return streams.get(id) ?? id;
  } catch {
    // Not there yet: its folder's real path and its name (a folder that is not there either: the path as given).
    const abs = resolve(path);
    try {
      return `path ${join(realpathSync(dirname(abs)), basename(abs))}`;
    } catch {
      return `path ${abs}`;
    }
  }
}
