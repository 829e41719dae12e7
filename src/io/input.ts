/**
 * The one place that reads input files, for the CLI and the programmatic API alike: scenarios, templates, traffic
 * overlays, sweep results. Every read is bounded by the caller's cap whatever the path names (a regular file, a
 * pipe, /dev/stdin, a device), so no input can make esm-sim read without end; messages name the usual mistakes.
 */
import { shownPath } from "./shown-path.js";
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, statSync, type Dirent } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

/** What is being read, for messages and the cap: `{ what: "scenario", plural: "scenarios", format: "a scenario is a YAML file", maxBytes }`. */
export interface InputKind {
  what: string;
  plural: string;
  format: string;
  maxBytes: number;
}

/** A file that cannot be read as the kind asked for; the message starts with the path. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Why a file operation failed, in words. */
export function ioReason(e: unknown, what = "scenario"): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return `is a directory, not ${/^[aeiou]/.test(what) ? "an" : "a"} ${what} file`;
  if (code === "ENOTDIR") return "a part of the path before the name is a file, not a folder";
  if (code === "ENAMETOOLONG") return "the path or a name in it is too long";
  if (code === "ELOOP") return "too many symbolic links in the path (one may loop)";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EIO") return "the device or file system reported an input/output error";
  if (code === "EINVAL" || code === "EOPNOTSUPP" || code === "ENXIO" || code === "ENODEV") return "the system does not allow this file to be used that way";
  if (code === "EBUSY" || code === "ETXTBSY") return "the file is busy";
  if (code === "EFBIG") return "the file would be larger than the file system allows";
  if (code === "EDQUOT") return "the disk quota is used up";
  if (code === "EMFILE" || code === "ENFILE") return "too many files are open";
  // Node's own text (`EIO: i/o error, write`) is for programmers: say what kind of failure it was.
  return code === undefined ? (e as Error).message : `the system refused it (error ${code})`;
}

/** Lets readWaiting sleep without the event loop. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** One read into `chunk`. A pipe set not to block (a standard input that Node.js has already set up) answers EAGAIN
 *  while its writer has not written yet: wait 10 ms and read again, as a blocking read would have waited. */
function readWaiting(fd: number, chunk: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** At most `maxBytes + 1` bytes of an open file descriptor, whatever kind of file it is. */
function readBounded(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const limit = maxBytes + 1;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 16, limit - total));
    const n = readWaiting(fd, chunk);
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

export interface ReadOptions {
  /**
   * Refuse anything but a regular file (a pipe, a device, a socket): for files that a scenario names rather than
   * the command line. The file is opened without blocking, so a named pipe with no writer cannot stall the read.
   */
  regularOnly?: boolean;
  /** `-` is the standard input (a scenario named on the command line), not a file named `-`. */
  dashIsStdin?: boolean;
}

/** The path that names the standard input where a command reads a scenario (`esm-sim run -`). */
export const STDIN_PATH = "-";

/** What a file is when it is not a regular file, for messages. */
function kindOfFile(st: ReturnType<typeof fstatSync>): string {
  if (st.isFIFO()) return "a named pipe";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  return "something other than a regular file";
}

/** Read a UTF-8 text file of at most `kind.maxBytes`. */
export function readInputText(path: string, kind: InputKind, options: ReadOptions = {}): string {
  const stdin = options.dashIsStdin === true && path === STDIN_PATH;
  const shown = stdin ? "<stdin>" : shownPath(path);
  let fd: number;
  try {
    fd = stdin ? 0 : openSync(path, options.regularOnly ? constants.O_RDONLY | constants.O_NONBLOCK : "r");
  } catch (e) {
    throw new InputError(`${shown}: ${ioReason(e, kind.what)}`);
  }
  let buf: Buffer;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`${shown}: is a directory, not a ${kind.what} file`);
    if (options.regularOnly && !st.isFile()) throw new InputError(`${shown}: is ${kindOfFile(st)}, not a ${kind.what} file; ${kind.plural} are read from regular files only`);
    if (st.isFile() && st.size > kind.maxBytes) throw new InputError(`${shown}: the file is ${st.size} bytes; ${kind.plural} are limited to ${kind.maxBytes} bytes`);
    buf = readBounded(fd, kind.maxBytes);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${shown}: ${ioReason(e, kind.what)}`);
  } finally {
    if (!stdin) closeSync(fd);
  }
  if (buf.length > kind.maxBytes) throw new InputError(`${shown}: gives more than ${kind.maxBytes} bytes; ${kind.plural} are limited to ${kind.maxBytes} bytes`);
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    throw new InputError(`${shown}: is UTF-16 text; save it as UTF-8 (${kind.format} in UTF-8)`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new InputError(`${shown}: is not UTF-8 text (${kind.format})`);
  }
}

/** A file a scenario names, as read for the scenario parser: its text, or why it could not be read. */
export type NamedFile = { file: string; text: string } | { file: string; error: string };

/**
 * Read the files a scenario names (`refs`, as written in it), each resolved against the folder of the file
 * `beside` (the scenario's own file; the current folder when null) unless absolute, each bounded by `kind` and read
 * only when it is a regular file. A file that cannot be read gives its reason rather than an exception, so that
 * the parser can place it at the key that names it.
 */
export function readNamedFiles(refs: readonly string[], beside: string | null, kind: InputKind): Map<string, NamedFile> {
  const out = new Map<string, NamedFile>();
  for (const ref of refs) {
    if (out.has(ref)) continue;
    const file = namedFilePath(ref, beside);
    try {
      out.set(ref, { file, text: readInputText(file, kind, { regularOnly: true }) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      out.set(ref, { file, error: e.message.startsWith(`${shownPath(file)}: `) ? e.message.slice(shownPath(file).length + 2) : e.message });
    }
  }
  return out;
}

/** The path of a file a scenario names as `ref`: as given when absolute, else beside the scenario file `beside` (the
 *  current folder when null). */
export function namedFilePath(ref: string, beside: string | null): string {
  return isAbsolute(ref) ? ref : join(beside === null ? "." : dirname(beside), ref);
}

/** Whether a path names something that exists (the API uses it to tell a path from YAML text). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}

/** Limits of a folder read as one input (a Terraform module tree): how many files and bytes at most. */
export interface FolderKind extends InputKind {
  /** File names taken (by ending); everything else is passed over. */
  endings: readonly string[];
  maxFiles: number;
}

/**
 * The files of a folder and its subfolders whose names end in one of `kind.endings`, as paths relative to the
 * folder with `/`, sorted. Hidden folders (`.terraform`, `.git`) are passed over and links are not followed, so
 * nothing outside the folder is read; more than `kind.maxFiles` files, or more than `kind.maxBytes` in all, is
 * refused.
 */
export function listInputFolder(dir: string, kind: FolderKind): string[] {
  const out: string[] = [];
  let bytes = 0;
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch (e) {
      throw new InputError(`${join(dir, rel)}: ${ioReason(e, kind.what)}`);
    }
    for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = rel === "" ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) {
        if (!ent.name.startsWith(".")) walk(path);
      } else if (ent.isFile() && kind.endings.some((x) => ent.name.endsWith(x))) {
        out.push(path);
        bytes += statSync(join(dir, path)).size;
        if (out.length > kind.maxFiles) throw new InputError(`${dir}: holds more than ${kind.maxFiles} ${kind.endings.join(" or ")} files; ${kind.plural} are limited to ${kind.maxFiles}`);
        if (bytes > kind.maxBytes) throw new InputError(`${dir}: its ${kind.endings.join(" and ")} files hold more than ${kind.maxBytes} bytes; ${kind.plural} are limited to ${kind.maxBytes} bytes`);
      }
    }
  };
  walk("");
  return out;
}

/** Whether a path names a folder. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
