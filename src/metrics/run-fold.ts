/**
 * The folds every run has (the metrics with the trace digest, and CloudWatch's metrics) as one trace listener: it
 * reads an event's type once and calls each fold's method for that type, instead of each fold testing the type of
 * every event on its own. What each fold counts is unchanged: it is the same methods their own listeners call.
 * Frequent types are tested first.
 */
import type { TraceEvent, TraceListener } from "../trace/events.js";
import type { CloudWatchMetrics } from "./cloudwatch.js";
import type { MetricsCollector } from "./collector.js";

export function runFold(metrics: MetricsCollector, cloudwatch: CloudWatchMetrics): TraceListener {
  return (e: TraceEvent): void => {
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
        break;
      case "result":
        metrics.onResult(e);
        cloudwatch.onResult(e);
        break;
      case "checkpoint":
        metrics.onCheckpoint(e);
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
  };
}
