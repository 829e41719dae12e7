/**
 * What every command of the CLI shares: the terminal it talks to (Io), and where it leaves its exit code and what an
 * internal error should print (CommandContext). Imports nothing, so that defining the commands loads nothing else.
 */

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
  /** One line of input (quiz answers), or null at end of input. */
  readLine?: () => Promise<string | null>;
  /** stderr is a terminal (progress bars); default false. */
  errIsTty?: boolean;
  /** Wall clock in ms, for progress bars only. */
  nowMs?: () => number;
}

/**
 * A command's outcome, set by its action: the exit code, and for a run the seed and the command line that
 * reproduces it (printed with an internal error, so that the bug can be reported).
 */
export interface CommandContext {
  readonly io: Io;
  code: number;
  reproduce: string | null;
  seed: number | null;
}

export function newContext(io: Io): CommandContext {
  return { io, code: 0, reproduce: null, seed: null };
}
