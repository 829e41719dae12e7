import { describe, expect, it } from "vitest";
import { CloudWatchMetrics } from "../src/metrics/cloudwatch.js";
import { MetricsCollector } from "../src/metrics/collector.js";
import { runFold } from "../src/metrics/run-fold.js";
import { StreamMetrics } from "../src/metrics/stream-metrics.js";
import type { StreamReport } from "../src/run/result.js";
import { isStreamSource } from "../src/sources/config.js";
import { parseScenario } from "../src/scenario/parse.js";
import type { TraceEvent } from "../src/trace/events.js";
import { keyCount, runCollectingEvents, shippedScenarios } from "./helpers.js";

describe("the run's fold over the trace", () => {
  for (const { file, text, files } of shippedScenarios()) {
    it(`gives ${file} the digest and counts its collectors' own listeners give (a stream's own metrics too)`, () => {
      const parsed = parseScenario(text, file, { files });
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
      const scenario = parsed.scenario;
      const { report, events } = runCollectingEvents(scenario);
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
      // A stream's own metrics: through their own listener, and joined to the one fold.
      const stream = scenario.source;
      const streamContext = isStreamSource(stream) && report.stream
        ? { type: stream.type, streamArn: stream.streamArn, functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f", shardIds: report.stream.shards.map((s) => s.shardId), destinationArn: scenario.mapping.onFailureArn, startUnixS: scenario.startUnixS, seed: scenario.seed, eventText: () => "{}" }
        : null;
      const streamAlone = streamContext ? new StreamMetrics(streamContext) : null;
      const streamFolded = streamContext ? new StreamMetrics(streamContext) : null;
      if (streamFolded) fold.joinStream(streamFolded);
      for (const e of events) {
        fold(e);
        streamAlone?.listener(e);
      }

      expect(alone.digest.hex()).toBe(report.traceDigest);
      expect(folded.digest.hex()).toBe(report.traceDigest);
      const counts = (m: MetricsCollector) => [m.succeeded, m.invocations, m.errors, m.timeouts, m.partial, m.throttles, m.polls, m.emptyPolls, m.duplicates, m.orderingViolations, m.dlq, m.expired, m.onFailure, m.filtered, m.streamRetries, m.bisects, m.concurrencyMax, m.pollersMax, m.latency.quantile(0.99), m.iteratorAge.quantile(0.5)];
      expect(counts(folded)).toEqual(counts(alone));
      expect(folded.succeeded).toBe(report.records.succeeded);
      expect(folded.outcomes.series()).toEqual(alone.outcomes.series());
      const endUs = Math.round(report.endedAt * 1000);
      expect(cloudwatchFolded.report(endUs)).toEqual(cloudwatchAlone.report(endUs));
      if (streamAlone && streamFolded && report.stream) {
        const streamCounts = (m: StreamMetrics) => [m.expiredByRetention, m.discardedByRecordAge, m.retryExhausted, m.destinationRecords, m.destinationDeliveryFailures, m.destinations.length, m.concurrencySeries(), m.iteratorAgeSeries(), m.shards.map((s) => [s.invocations, s.records, s.checkpoint, s.iteratorAge.quantile(0.99)])];
        expect(streamCounts(streamFolded)).toEqual(streamCounts(streamAlone));
        const r: StreamReport = report.stream;
        const fromReport = [r.expiredByRetention, r.discardedByRecordAge, r.retryExhausted, r.destinationRecords, r.destinationDeliveryFailures, r.shards.map((s) => [s.invocations, s.recordsInvoked, s.checkpoint])];
        const ours = streamCounts(streamFolded);
        expect([...ours.slice(0, 5), streamFolded.shards.map((s) => [s.invocations, s.records, s.checkpoint])]).toEqual(fromReport);
      }
    });
  }
});
