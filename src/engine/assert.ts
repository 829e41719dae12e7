/** Internal invariants. A failed assert is a bug in esm-sim, never a user error: the CLI maps it to exit 3. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InternalError(typeof message === "string" ? message : message());
  }
}
