/** What one run produced: the report's numbers (in ms where they are times) and what is needed to render them. */
import type { OutcomeSeries } from "../metrics/outcomes.js";
import type { Expectation, Scenario } from "../scenario/model.js";

export type StopReason = "drained" | "until" | "cap";

export interface ExpectationResult {
  path: string;
  op: Expectation["op"];
  expected: number | boolean;
  written: string;
  actual: number | boolean;
  passed: boolean;
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
  /** Over virtual time: [ms, value] samples, and invocation outcomes in buckets. */
  series: { concurrency: [number, number][]; backlog: [number, number][]; oldestAge: [number, number][]; outcomes: OutcomeSeries };
  eventsRun: number;
}

/** One invocation on the timeline, times in ms; `end` is null for one still running when the run stopped. */
export interface TimelineEntry {
  lane: number;
  invocation: number;
  start: number;
  end: number | null;
  outcome: "ok" | "error" | "timeout" | "partial" | "running";
  records: number;
}

/** Every invocation of a small run by lane (poller or shard); null when the run had too many invocations. */
export interface TimelineView {
  lanes: string[];
  items: TimelineEntry[];
  /** Refused invokes: lane and time in ms. */
  throttles: { lane: number; t: number }[];
  /** The most invocations a timeline is kept for. */
  limit: number;
}

export interface RunResult {
  scenario: Scenario;
  report: Report;
  /** Not part of the JSON report: for the HTML report's invocation timeline. */
  timeline: TimelineView | null;
}
