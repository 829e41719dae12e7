/** File access for the CLI: clear messages for the usual mistakes, and writes that are never half done. */
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { MAX_SCENARIO_BYTES } from "../scenario/parse.js";

/** A problem with the command line or the files it names: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function readScenarioFile(path: string): string {
  return readTextFile(path, { what: "scenario", plural: "scenarios", format: "a scenario is a YAML file", maxBytes: MAX_SCENARIO_BYTES });
}

/** Read a UTF-8 text file of at most `maxBytes`, with clear messages for the usual mistakes. */
export function readTextFile(path: string, kind: { what: string; plural: string; format: string; maxBytes: number }): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a ${kind.what} file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${ioReason(e, kind.what)}`);
  }
  if (size > kind.maxBytes) throw new UsageError(`${path}: the file is ${size} bytes; ${kind.plural} are limited to ${kind.maxBytes} bytes`);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UsageError(`${path}: ${ioReason(e, kind.what)}`);
  }
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    throw new UsageError(`${path}: is UTF-16 text; save it as UTF-8 (a scenario is a YAML file in UTF-8)`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new UsageError(`${path}: is not UTF-8 text (${kind.format})`);
  }
}

function ioReason(e: unknown, what = "scenario"): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return `is a directory, not a ${what} file`;
  return (e as Error).message;
}

/** Write a whole file under a temporary name, then rename it into place. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    safeUnlink(tmp);
    throw new UsageError(`cannot write ${path}: ${ioReason(e)}`);
  }
}

/** A line writer that streams to a temporary file with a bounded buffer and renames it when committed. */
export class AtomicLineWriter {
  private readonly tmp: string;
  private fd: number;
  private buf: string[] = [];
  private bufChars = 0;
  /** Characters written so far (the size in bytes for ASCII, which trace lines are but for key names). */
  chars = 0;

  constructor(private readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
    try {
      this.fd = openSync(this.tmp, "w");
    } catch (e) {
      throw new UsageError(`cannot write ${path}: ${ioReason(e)}`);
    }
  }

  line(s: string): void {
    this.buf.push(s);
    this.bufChars += s.length + 1;
    this.chars += s.length + 1;
    if (this.bufChars > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join("\n") + "\n");
    this.buf = [];
    this.bufChars = 0;
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    safeUnlink(this.tmp);
  }
}

function safeUnlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* nothing to remove */
  }
}
