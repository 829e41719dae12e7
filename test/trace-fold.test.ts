import { describe, expect, it } from "vitest";
import { CloudWatchMetrics } from "../src/metrics/cloudwatch.js";
import { MetricsCollector } from "../src/metrics/collector.js";
import { runFold } from "../src/metrics/run-fold.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { TraceEvent } from "../src/trace/events.js";
import { runWithTrace, shippedScenarios } from "./helpers.js";

/** The largest key index any record of the trace carries, plus one: the size of a collector's key table. */
function keyCount(events: readonly TraceEvent[]): number {
  let n = 0;
  for (const e of events) {
    const records = "records" in e ? e.records : "record" in e ? [e.record] : [];
    for (const r of records) n = Math.max(n, r.keyIndex + 1);
    if (e.type === "dedup") n = Math.max(n, e.keyIndex + 1);
  }
  return n;
}

describe("the run's fold over the trace", () => {
  for (const { file, text, files } of shippedScenarios()) {
    it(`gives ${file} the digest and counts its collectors' own listeners give`, () => {
      const parsed = parseScenario(text, file, { files });
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
      const scenario = parsed.scenario;
      const { report, events } = runWithTrace(scenario);
      const keys = keyCount(events);

      // Each collector folding the recorded trace through its own listener...
      const alone = new MetricsCollector(keys);
      const cloudwatchAlone = new CloudWatchMetrics(scenario.source.type, scenario.startUnixS);
      for (const e of events) {
        alone.listener(e);
        cloudwatchAlone.listener(e);
      }
      // ...and both through the one fold the run uses.
      const folded = new MetricsCollector(keys);
      const cloudwatchFolded = new CloudWatchMetrics(scenario.source.type, scenario.startUnixS);
      const fold = runFold(folded, cloudwatchFolded);
      for (const e of events) fold(e);

      expect(alone.digest.hex()).toBe(report.traceDigest);
      expect(folded.digest.hex()).toBe(report.traceDigest);
      const counts = (m: MetricsCollector) => [m.succeeded, m.invocations, m.errors, m.timeouts, m.partial, m.throttles, m.polls, m.emptyPolls, m.duplicates, m.orderingViolations, m.dlq, m.expired, m.onFailure, m.filtered, m.streamRetries, m.bisects, m.concurrencyMax, m.pollersMax, m.latency.quantile(0.99), m.iteratorAge.quantile(0.5)];
      expect(counts(folded)).toEqual(counts(alone));
      expect(folded.succeeded).toBe(report.records.succeeded);
      expect(folded.outcomes.series()).toEqual(alone.outcomes.series());
      const endUs = Math.round(report.endedAt * 1000);
      expect(cloudwatchFolded.report(endUs)).toEqual(cloudwatchAlone.report(endUs));
    });
  }
});
