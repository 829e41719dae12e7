/**
 * The folds every run has (the metrics with the trace digest, and CloudWatch's metrics) and, on a stream, the
 * stream's own metrics, as one trace listener: it reads an event's type once and calls each fold's method for that
 * type, instead of each fold testing the type of every event on its own. What each fold counts is unchanged: it is
 * the same methods their own listeners call. Frequent types are tested first.
 */
import type { CheckpointEvent, ExpireEvent, InvokeEvent, OnFailureEvent, TraceEvent, TraceListener } from "../trace/events.js";
import type { CloudWatchMetrics } from "./cloudwatch.js";
import type { MetricsCollector } from "./collector.js";

/** A stream's own metrics (stream-metrics.ts): the event types it reads. */
export interface StreamFold {
  onInvoke(e: InvokeEvent): void;
  onExpire(e: ExpireEvent): void;
  onCheckpoint(e: CheckpointEvent): void;
  onOnFailure(e: OnFailureEvent): void;
}

/** The run's listener; a stream world joins its own metrics to it (once, before the run starts). */
export type RunFold = TraceListener & { joinStream(stream: StreamFold): void };

export function runFold(metrics: MetricsCollector, cloudwatch: CloudWatchMetrics): RunFold {
  let stream: StreamFold | null = null;
  const fold = ((e: TraceEvent): void => {
    switch (e.type) {
      case "produce":
        break;
      case "poll":
        metrics.onPoll(e);
        cloudwatch.onPoll(e);
        break;
      case "invoke":
        metrics.onInvoke(e);
        cloudwatch.onInvoke(e);
        if (stream !== null) stream.onInvoke(e);
        break;
      case "result":
        metrics.onResult(e);
        cloudwatch.onResult(e);
        break;
      case "checkpoint":
        metrics.onCheckpoint(e);
        if (stream !== null) stream.onCheckpoint(e);
        break;
      case "throttle":
        metrics.onThrottle(e);
        cloudwatch.onThrottle(e);
        break;
      case "dlq":
        metrics.onDlq(e);
        break;
      case "expire":
        metrics.onExpire(e);
        if (stream !== null) stream.onExpire(e);
        break;
      case "retry":
        metrics.onRetry(e);
        break;
      case "scale":
        metrics.onScale(e);
        break;
      case "sample":
        metrics.onSample(e);
        cloudwatch.onSample(e);
        break;
      case "dedup":
        metrics.onDedup(e);
        break;
      case "onFailure":
        metrics.onOnFailure(e);
        cloudwatch.onOnFailure(e);
        if (stream !== null) stream.onOnFailure(e);
        break;
      case "filter":
        metrics.onFilter(e);
        cloudwatch.onFilter(e);
        break;
      case "streamRetry":
        metrics.onStreamRetry(e);
        break;
      case "bisect":
        metrics.onBisect(e);
        break;
      case "readThrottle":
        metrics.onReadThrottle(e);
        cloudwatch.onReadThrottle(e);
        break;
      default: {
        // Every event type must reach the metrics (and the digest): add new types above.
        const unhandled: never = e;
        return unhandled;
      }
    }
  }) as RunFold;
  fold.joinStream = (s: StreamFold): void => {
    stream = s;
  };
  return fold;
}
