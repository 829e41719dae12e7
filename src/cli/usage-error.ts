/** A problem with the command line or the files it names: exit code 2. A module of its own, so that the command line
 *  can tell it from a bug without loading what reads and writes files. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One UsageError for several problems, a line each (the command line prefixes each line as it prints the first);
 *  a problem found twice (the same argument given twice, a file named twice) is said once. */
export function usageErrors(problems: readonly string[]): UsageError {
  return new UsageError([...new Set(problems)].join("\nesm-sim: "));
}
