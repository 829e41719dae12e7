import { shownScenarioFile } from "../io/shown-path.js";

/** User-facing problems with a scenario: one per problem, with where, what is allowed and what was found. */
export interface Problem {
  severity: "error" | "warning";
  file: string;
  line: number;
  col: number;
  /** Key path such as `mapping.BatchSize`, or "" for the document. */
  path: string;
  message: string;
  /** Set when the problem comes from a command-line override (`--set mapping.BatchSize=500`) rather than the file. */
  origin?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.origin ?? `${shownScenarioFile(p.file)}:${p.line}:${p.col}`;
  const tag = p.severity === "warning" ? "warning: " : "";
  if (p.path) return `${where} ${tag}${p.path}: ${p.message}`;
  return p.origin ? `${where}: ${tag}${p.message}` : `${where} ${tag}${p.message}`;
}

/** Stable order: by line, column, then message. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

/** A scenario that cannot run; carries every problem found. The CLI maps it to exit code 2. */
export class ScenarioError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ScenarioError";
  }
}
