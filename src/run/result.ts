/** What one run produced: the report's numbers (in ms where they are times) and what is needed to render them. */
import type { SeriesPoint } from "../metrics/collector.js";
import type { Expectation, Scenario } from "../scenario/model.js";

/** Why the run stopped. The two budgets stop a run that would take too long or hold too much (run/budget.ts). */
export type StopReason = "drained" | "until" | "cap" | "event-budget" | "record-budget";

export interface ExpectationResult {
  path: string;
  op: Expectation["op"];
  expected: number | boolean;
  written: string;
  actual: number | boolean;
  passed: boolean;
}

/** One invariant check of a run (src/checks), as `--check` reports it. */
export interface CheckOutcome {
  name: string;
  status: "pass" | "fail" | "skip";
  /** What was checked and the numbers seen (pass), why it does not apply (skip), or how many violations (fail). */
  summary: string;
  violations: number;
  /** The first few violations, each with its virtual time. */
  examples: string[];
}

export interface Report {
  scenario: string;
  description: string;
  version: string;
  seed: number;
  profile: string;
  scalingOverrides: Record<string, number | null>;
  source: { type: string; name: string };
  endedAt: number;
  drained: boolean;
  stopReason: StopReason;
  records: {
    produced: number;
    succeeded: number;
    onFailure: number;
    dlq: number;
    expired: number;
    filtered: number;
    pending: number;
    deletedDespiteReportedFailure: number;
  };
  conservation: string;
  duplicates: number;
  orderingViolations: number;
  invocations: { total: number; errors: number; timeouts: number; throttles: number; partial: number; partialIgnored: number };
  batchSize: { p50: number; max: number };
  iteratorAge: { max: number; p50: number; p99: number; definition: string };
  concurrency: { max: number; timeToMax: number; pollersMax: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { recordsPerSecond: number };
  sqs: { polls: number; emptyPolls: number; visibilityRedeliveries: number; spontaneousDuplicates: number };
  destinations: unknown[];
  expectations: ExpectationResult[];
  series: { concurrency: [number, number][]; backlog: [number, number][]; oldestAge: [number, number][] };
  eventsRun: number;
  /** 16 hex characters: a digest of the run's trace events (all but produce), identical with and without --trace. */
  traceDigest: string;
  /** Present only with --check. */
  checks?: CheckOutcome[];
}

export interface RunResult {
  scenario: Scenario;
  report: Report;
}
