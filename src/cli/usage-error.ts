/** A problem with the command line or the files it names: exit code 2. A module of its own, so that the command line
 *  can tell it from a bug without loading what reads and writes files. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
