/** A problem with the command line or the files it names: exit code 2. A module of its own, so that the command line
 *  can tell it from a bug without loading what reads and writes files. */
export class UsageError extends Error {
  /** Each problem on its own (one for most errors; usageErrors joins several into the message). */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = "UsageError";
    this.problems = problems;
  }
}

/** One UsageError for several problems, a line each (the command line prefixes each line as it prints the first);
 *  a problem found twice (the same argument given twice, a file named twice) is said once. */
export function usageErrors(problems: readonly string[]): UsageError {
  const once = [...new Set(problems)];
  return new UsageError(once.join("\nesm-sim: "), once);
}

/**
 * The options of a command line read one by one, each problem kept rather than thrown, so that every one is told at
 * once: `read(() => parseSeed(s))` gives the value, or undefined when the option has a problem.
 */
export class OptionProblems {
  readonly problems: string[] = [];

  read<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      this.problems.push(...e.problems);
      return undefined;
    }
  }
}
