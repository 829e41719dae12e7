/** The `--check` section: one line per invariant check, its examples when it failed. Pure: returns a string. */
import { Chalk, type ChalkInstance } from "chalk";
import type { CheckOutcome } from "../run/result.js";

export function renderChecks(checks: readonly CheckOutcome[], opts: { color: boolean }): string {
  const c: ChalkInstance = new Chalk({ level: opts.color ? 1 : 0 });
  const failed = checks.filter((x) => x.status === "fail").length;
  const skipped = checks.filter((x) => x.status === "skip").length;
  const passed = checks.length - failed - skipped;
  const out: string[] = [];
  const head = failed > 0 ? c.red(`Checks: ${failed} of ${checks.length} failed`) : c.green(`Checks: ${passed} passed${skipped ? `, ${skipped} not applicable` : ""}`);
  out.push(c.bold(head));
  const w = Math.max(...checks.map((x) => x.name.length));
  for (const x of checks) {
    const mark = x.status === "pass" ? c.green("✓") : x.status === "fail" ? c.red("✗") : c.dim("-");
    const line = `  ${mark} ${x.name.padEnd(w)}  ${x.summary}`;
    out.push(x.status === "skip" ? c.dim(line) : x.status === "fail" ? c.red(line) : line);
    if (x.status === "fail") {
      for (const ex of x.examples) out.push(c.red(`      ${ex}`));
      if (x.violations > x.examples.length) out.push(c.red(`      ... and ${x.violations - x.examples.length} more`));
    }
  }
  return out.join("\n") + "\n";
}
