/** File access for the CLI: clear messages for the usual mistakes, and writes that are never half done. */
import { closeSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { SCENARIO_INPUT } from "../scenario/parse.js";
import { InputError, ioReason, readInputText, type InputKind } from "../io/input.js";

/** A problem with the command line or the files it names: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function readScenarioFile(path: string): string {
  return readTextFile(path, SCENARIO_INPUT);
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
