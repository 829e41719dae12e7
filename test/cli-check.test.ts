import { describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import type { CheckLimits } from "../src/checks/limits.js";
import { cli, scratch } from "./cli-helpers.js";

// A lowered limit stands in for a model bug: the run exceeds it, so --check must fail the run with exit 1.
const lower = vi.hoisted(() => ({ reserved: null as number | null }));
vi.mock("../src/checks/limits.js", async (orig) => {
  const real = await orig<typeof import("../src/checks/limits.js")>();
  return { ...real, limitsOf: (s: Parameters<typeof real.limitsOf>[0]): CheckLimits => ({ ...real.limitsOf(s), ...(lower.reserved !== null ? { reservedConcurrency: lower.reserved } : {}) }) };
});

const scenario = join(__dirname, "..", "scenarios", "sqs-reserved-concurrency-dlq.yaml");

describe("esm-sim run --check", () => {
  it("prints each check and exits 0 when all hold", async () => {
    lower.reserved = null;
    const r = await cli("run", scenario, "--check");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Checks: 6 passed, 2 not applicable");
    expect(r.out).toMatch(/✓ conservation +each of 2,400 records ended at most once/);
    expect(r.out).toMatch(/- order +not promised: SQS standard queues give best-effort order only/);
  });

  it("puts the checks in the JSON report", async () => {
    lower.reserved = null;
    const r = await cli("run", scenario, "--check", "--format", "json");
    const report = JSON.parse(r.out);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(["conservation", "trace", "concurrency", "order", "iterator-age", "redrive", "on-failure", "invocations"]);
  });

  it("gives the same report, digest included, with --check and --trace as without", async () => {
    lower.reserved = null;
    const { dir } = scratch("esm-sim-check-");
    const plain = JSON.parse((await cli("run", scenario, "--format", "json")).out);
    const checked = JSON.parse((await cli("run", scenario, "--check", "--trace", join(dir, "t.jsonl"), "--format", "json")).out);
    expect(checked.traceDigest).toBe(plain.traceDigest);
    delete checked.checks;
    expect(checked).toEqual(plain);
  });

  it("exits 1 on a failed check with its first violation, the seed and a reproduce line", async () => {
    lower.reserved = 1;
    const r = await cli("run", scenario, "--check", "--seed", "3");
    expect(r.code).toBe(1);
    expect(r.out).toContain("Checks: 1 of 8 failed");
    expect(r.err).toMatch(/check failed: concurrency: \d+ violations; first: at [\d.]+m?s: invocation \d+ makes 2 in flight, above ReservedConcurrentExecutions 1/);
    expect(r.err).toContain("seed: 3\n");
    expect(r.err).toContain(`reproduce: esm-sim run ${scenario} --seed 3 --check`);
  });
});
