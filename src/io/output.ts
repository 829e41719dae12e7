/**
 * The one place that writes output files (reports, traces, HTML pages, sweep results, scenarios written by init).
 * What is at the target decides how:
 *
 *   - nothing, or a regular file: written whole under a temporary name beside it, then renamed over it, so a reader
 *     never sees half a file and a failed run leaves the old file as it was;
 *   - a symbolic link: followed; its target is replaced the same way when that is a regular file, else written
 *     through (a link to a device or a pipe; a dangling link creates its target);
 *   - a character device (/dev/null, a terminal), a FIFO, or a path under /dev or /proc (/dev/fd/63 from
 *     `>(gzip > t.gz)`): opened and written through directly;
 *   - a directory, a block device or a socket, a file of the kernel's under /proc or /sys (/proc/version), a folder
 *     or device this process may not write, or an empty path: refused with a message, before any run;
 *   - standard output or standard error, named `-` (standard output) or by the system's names for them
 *     (/dev/stdout, /dev/fd/1, /proc/self/fd/1; /dev/stderr, ...): written to the process's own descriptor, at its
 *     offset, so that a redirection to a file (`> out.txt`, `>> log`) is neither truncated nor overwritten from its
 *     start, and a pipe or socket from the caller works as well as a terminal.
 *
 * A reader that stops reading (`esm-sim run s.yaml --trace - | head`: the pipe answers EPIPE) is let go: what it
 * would have got is dropped, and the run and its other outputs go on, as Node.js does for the report on standard
 * output.
 *
 * A device, a FIFO or a symbolic link is never replaced. Temporary files are registered while they exist, so that an
 * interrupted run can remove them (removeTempFiles).
 */
import { accessSync, closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ioReason } from "./input.js";
import { shownPath } from "./shown-path.js";

/** An output that cannot be written; the message starts with the flag and path it came from. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/** How a target is written: atomically at `file` (a regular file or none), straight through `file`, or to the
 *  process's standard output or error (`fd` 1 or 2), which stays open. */
export type OutputPlan = { how: "replace"; file: string } | { how: "through"; file: string } | { how: "standard"; fd: StandardFd };

/** How a target other than standard output or error is written. */
type FilePlan = Exclude<OutputPlan, { how: "standard" }>;

/** The process's standard output (1) or standard error (2). */
export type StandardFd = 1 | 2;

/** The names of the process's standard output and error: `-` (standard output) and the system's. */
const STANDARD_NAMES: ReadonlyMap<string, StandardFd> = new Map<string, StandardFd>([
  ["/dev/stdout", 1],
  ["/dev/fd/1", 1],
  ["/proc/self/fd/1", 1],
  ["/proc/thread-self/fd/1", 1],
  [`/proc/${process.pid}/fd/1`, 1],
  ["/dev/stderr", 2],
  ["/dev/fd/2", 2],
  ["/proc/self/fd/2", 2],
  ["/proc/thread-self/fd/2", 2],
  [`/proc/${process.pid}/fd/2`, 2],
]);

/** Which standard stream `path` names (`-` is standard output), or null for any other path. */
export function standardFdOf(path: string): StandardFd | null {
  if (path === "-") return 1;
  return STANDARD_NAMES.get(resolve(path)) ?? null;
}

/** `standard output` or `standard error`, for messages. */
export function standardName(fd: StandardFd): string {
  return fd === 1 ? "standard output" : "standard error";
}

/** Temporary files that exist now, to be removed if the process is interrupted. */
const liveTemps = new Set<string>();

/** Remove every temporary file this process has open (an interrupted run); returns how many were removed. */
export function removeTempFiles(): number {
  let n = 0;
  for (const tmp of liveTemps) {
    if (safeUnlink(tmp)) n++;
  }
  liveTemps.clear();
  return n;
}

/** The temporary files that exist now (for tests). */
export function tempFiles(): string[] {
  return [...liveTemps];
}

/** A path the kernel makes up (a process's stdout, a pipe from process substitution): never replaced. */
function isSystemPath(path: string): boolean {
  const abs = resolve(path);
  return abs.startsWith("/dev/") || abs.startsWith("/proc/");
}

/** What kind of file a Stats names, in words, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  return "a file";
}

/**
 * How to write `path`, from what is there now. `label` names the output in messages (`--output report.json`).
 * Throws OutputError for an empty path, a directory, a block device, a socket, a file of the kernel's (/proc, /sys),
 * a file or folder this process may not write, or a path that cannot be looked at: everything found before a run.
 */
export function planOutput(path: string, label: string, example = "out.txt"): OutputPlan {
  // The label ends with the path, which an empty one leaves as a trailing space: `--output `.
  if (path === "") throw new OutputError(`${label.trimEnd()}: the path is empty; name a file, or - for the standard output`);
  const fd = standardFdOf(path);
  if (fd !== null) return planStandard(fd, label);
  refuseKernelFile(path, label);
  const plan = planFile(path, label, example);
  refuseUnwritable(plan, label);
  return plan;
}

function planFile(path: string, label: string, example: string): FilePlan {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      refuseMissingFolder(path, label);
      return { how: "replace", file: path };
    }
    throw new OutputError(`${label}: ${ioReason(e, "output")}`);
  }
  if (st.isFile()) return isSystemPath(path) ? { how: "through", file: path } : { how: "replace", file: path };
  if (st.isSymbolicLink()) return planLink(path, label, example);
  return throughOrRefuse(st, path, label, example);
}

/** The folders where the kernel keeps its own files, which are no place for an output. */
const KERNEL_FOLDERS = ["/proc", "/sys"];

/** The kernel folder `abs` is in, or null. */
function kernelFolderOf(abs: string): string | null {
  return KERNEL_FOLDERS.find((k) => abs === k || abs.startsWith(`${k}/`)) ?? null;
}

/**
 * Refuse a path under /proc or /sys (as given, or where its links lead): its files are the kernel's (/proc/version),
 * and a new one cannot be made there. A pipe, a terminal or another device reached through one (/proc/self/fd/63 from
 * `>(gzip > t.gz)`) is written through; standard output and error are found before this.
 */
function refuseKernelFile(path: string, label: string): void {
  let real: string | null = null;
  try {
    real = realpathSync(path);
  } catch {
    /* not there, or a descriptor's link (pipe:[...]) that names no path: the path as given decides */
  }
  const folder = kernelFolderOf(resolve(path)) ?? (real === null ? null : kernelFolderOf(real));
  if (folder === null) return;
  try {
    const st = statSync(path);
    if (st.isFIFO() || st.isCharacterDevice() || st.isSocket()) return;
  } catch {
    /* not there: refused below like a file */
  }
  throw new OutputError(`${label}: is under ${folder}, where the kernel keeps its own files, not a file esm-sim can write an output to; name a file elsewhere, or /dev/stdout, /dev/stderr or /dev/null`);
}

/**
 * Refuse what this process may not write, found now rather than after the run: the folder a file is written into
 * (under a temporary name, then renamed), or a device or FIFO written through.
 */
function refuseUnwritable(plan: FilePlan, label: string): void {
  const target = plan.how === "replace" ? dirname(plan.file) : plan.file;
  try {
    accessSync(target, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (plan.how === "through" && code === "ENOENT") return; // a dangling link: opening it creates its target (its folder is checked then)
    const reason = ioReason(e, "output");
    throw new OutputError(plan.how === "replace" ? `${label}: its folder ${shownPath(target)} cannot be written (${reason})` : `${label}: cannot be written (${reason})`);
  }
}

/** Standard output or error, unless it is closed or a directory (`>&-`, or a descriptor the caller left unusual). */
function planStandard(fd: StandardFd, label: string): OutputPlan {
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch {
    throw new OutputError(`${label}: ${standardName(fd)} is closed; name a file instead`);
  }
  if (st.isDirectory()) throw new OutputError(`${label}: ${standardName(fd)} is a directory, which cannot be written; name a file instead`);
  return { how: "standard", fd };
}

/** A new file's folder must be there, so that a run is not made only to find it cannot be written. */
function refuseMissingFolder(path: string, label: string): void {
  const folder = dirname(path);
  let st: Stats;
  try {
    st = statSync(folder);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new OutputError(`${label}: its folder ${shownPath(folder)} does not exist; create it first, or name a file in a folder that does`);
    throw new OutputError(`${label}: ${ioReason(e, "output")}`);
  }
  if (!st.isDirectory()) throw new OutputError(`${label}: ${shownPath(folder)} is not a folder`);
}

/** A symbolic link: replace its target when that is a regular file, else write through it. */
function planLink(path: string, label: string, example: string): FilePlan {
  if (isSystemPath(path)) return { how: "through", file: path };
  let target: Stats;
  try {
    target = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { how: "through", file: path }; // a dangling link: opening it creates its target
    if (code === "ELOOP") throw new OutputError(`${label}: is a symbolic link that loops; esm-sim cannot follow it to a file`);
    throw new OutputError(`${label}: ${ioReason(e, "output")}`);
  }
  if (target.isFile()) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch (e) {
      throw new OutputError(`${label}: ${ioReason(e, "output")}`);
    }
    return isSystemPath(real) ? { how: "through", file: path } : { how: "replace", file: real };
  }
  return throughOrRefuse(target, path, label, example);
}

/** A device or FIFO to write through, or a refusal; a directory's names a file in it (`example`) to write instead. */
function throughOrRefuse(st: Stats, path: string, label: string, example: string): FilePlan {
  if (st.isFIFO() || st.isCharacterDevice()) return { how: "through", file: path };
  if (st.isDirectory()) throw new OutputError(`${label}: is a directory, which cannot be written as an output file; name a file, e.g. ${shownPath(path).replace(/\/+$/, "")}/${example}`);
  throw new OutputError(`${label}: is ${kindOf(st)}; esm-sim writes outputs to files, FIFOs and character devices such as /dev/null only`);
}

/** Why opening a path to write through it failed; a dangling link says where it points. */
function throughReason(path: string, e: unknown): string {
  if ((e as NodeJS.ErrnoException).code === "ENOENT") {
    try {
      return `it is a symbolic link to ${readlinkSync(path)}, whose directory does not exist`;
    } catch {
      /* not a link: the plain reason */
    }
  }
  return ioReason(e, "output");
}

function tempBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
}

/** Write the whole of `content` to an open file descriptor. */
function writeAll(fd: number, content: string): void {
  const buf = Buffer.from(content, "utf8");
  writeBytesTo(fd, buf, buf.length);
}

/** Lets writeBytesTo sleep without the event loop. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Write the first `end` bytes of `bytes` to `fd`, all of them. A pipe or socket that Node.js has set not to block (a
 * standard output, once its stream is made) answers EAGAIN while its reader is behind: wait a millisecond and write
 * again, as a blocking write would have waited.
 */
function writeBytesTo(fd: number, bytes: Uint8Array, end: number): void {
  let off = 0;
  while (off < end) {
    try {
      off += writeSync(fd, bytes, off, end - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** A pipe's reader has stopped reading (EPIPE): what is left for it is dropped. */
const readerGone = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === "EPIPE";

/** Write a whole output; `label` names it in messages (`--output report.json`). */
export function writeOutput(path: string, content: string, label = shownPath(path), example?: string): void {
  const plan = planOutput(path, label, example);
  if (plan.how === "standard") {
    try {
      writeAll(plan.fd, content);
    } catch (e) {
      if (readerGone(e)) return;
      throw new OutputError(`cannot write ${standardName(plan.fd)} (${shownPath(path)}): ${ioReason(e, "output")}`);
    }
    return;
  }
  if (plan.how === "through") {
    let fd: number | null = null;
    try {
      fd = openSync(plan.file, "w");
      writeAll(fd, content);
    } catch (e) {
      if (readerGone(e)) return;
      throw new OutputError(`cannot write ${shownPath(path)}: ${throughReason(path, e)}`);
    } finally {
      if (fd !== null) closeSync(fd);
    }
    return;
  }
  const tmp = tempBeside(plan.file);
  liveTemps.add(tmp);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "w");
    writeAll(fd, content);
    closeSync(fd);
    fd = null;
    renameSync(tmp, plan.file);
    liveTemps.delete(tmp);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    safeUnlink(tmp);
    liveTemps.delete(tmp);
    throw new OutputError(`cannot write ${shownPath(path)}: ${ioReason(e, "output")}`);
  }
}

/** Bytes an OutputLineWriter holds before it writes them. */
const LINE_BUFFER_BYTES = 1 << 20;

/**
 * Lines written to an open file descriptor through a bounded buffer. The descriptor belongs to whoever opened it: a
 * LineWriter never closes it. The run's worker thread writes a trace this way to a file its main thread opened
 * (cli/run-thread.ts), so that the main thread alone creates, renames and removes the file.
 */
export class LineWriter {
  /** Lines not yet written, encoded as UTF-8: the first `used` bytes. Each line is encoded into it as it comes, so
   *  no joined string is made and nothing is encoded twice. */
  private readonly buf = Buffer.allocUnsafe(LINE_BUFFER_BYTES);
  private used = 0;
  /** Characters written so far (the size in bytes for ASCII, which trace lines are but for key names). */
  chars = 0;

  /** `path` names the output in messages (`cannot write PATH: ...`). */
  constructor(
    readonly fd: number,
    protected readonly path: string,
  ) {}

  line(s: string): void {
    this.chars += s.length + 1;
    // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair, two units, takes 4).
    const most = s.length * 3 + 1;
    if (most > LINE_BUFFER_BYTES - this.used) {
      this.flush();
      if (most > LINE_BUFFER_BYTES) {
        this.writeBytes(Buffer.from(s + "\n", "utf8"), Infinity);
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
    this.buf[this.used++] = 0x0a;
  }

  /** Write the lines held in the buffer. */
  flush(): void {
    if (this.used === 0) return;
    this.writeBytes(this.buf, this.used);
    this.used = 0;
  }

  /** The reader of a pipe stopped reading (EPIPE): later lines are dropped. */
  private readerGone = false;

  /** Write the first `count` bytes of `bytes` (all of them for Infinity). */
  private writeBytes(bytes: Buffer, count: number): void {
    if (this.readerGone) return;
    try {
      writeBytesTo(this.fd, bytes, Math.min(count, bytes.length));
    } catch (e) {
      if (readerGone(e)) {
        this.readerGone = true;
        return;
      }
      throw new OutputError(`cannot write ${shownPath(this.path)}: ${ioReason(e, "output")}`);
    }
  }
}

/**
 * An output written line by line with a bounded buffer (a trace): into a temporary file renamed into place when
 * committed, straight through a device or FIFO, or to standard output or error (left open).
 */
export class OutputLineWriter extends LineWriter {
  private readonly plan: OutputPlan;
  /** The temporary file, or null when written straight through. */
  private readonly tmp: string | null;

  constructor(path: string, label = shownPath(path), example?: string) {
    const plan = planOutput(path, label, example);
    const tmp = plan.how === "replace" ? tempBeside(plan.file) : null;
    if (tmp) liveTemps.add(tmp);
    let fd: number;
    try {
      fd = plan.how === "standard" ? plan.fd : openSync(tmp ?? plan.file, "w");
    } catch (e) {
      if (tmp) liveTemps.delete(tmp);
      throw new OutputError(`cannot write ${shownPath(path)}: ${tmp ? ioReason(e, "output") : throughReason(path, e)}`);
    }
    super(fd, path);
    this.plan = plan;
    this.tmp = tmp;
  }

  commit(): void {
    this.flush();
    if (this.plan.how === "standard") return;
    closeSync(this.fd);
    if (this.tmp) {
      try {
        renameSync(this.tmp, this.plan.file);
      } catch (e) {
        safeUnlink(this.tmp);
        throw new OutputError(`cannot write ${shownPath(this.path)}: ${ioReason(e, "output")}`);
      } finally {
        liveTemps.delete(this.tmp);
      }
    }
  }

  abort(): void {
    if (this.plan.how === "standard") return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    if (this.tmp) {
      safeUnlink(this.tmp);
      liveTemps.delete(this.tmp);
    }
  }
}

function safeUnlink(p: string): boolean {
  try {
    unlinkSync(p);
    return true;
  } catch {
    return false;
  }
}
