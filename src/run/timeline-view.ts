/** The small-run invocation timeline in the report's units (ms), shared by the queue and stream worlds. */
import { usToMs } from "../engine/time.js";
import type { MetricsCollector } from "../metrics/collector.js";
import { TIMELINE_LIMIT } from "../metrics/timeline.js";
import type { TimelineView } from "./result.js";

export function timelineView(metrics: MetricsCollector): TimelineView | null {
  const tl = metrics.timeline.timeline();
  return (
    tl && {
      lanes: tl.lanes,
      items: tl.items.map((i) => ({ lane: i.lane, invocation: i.invocation, start: usToMs(i.startUs), end: i.endUs < 0 ? null : usToMs(i.endUs), outcome: i.outcome, records: i.records, ...(i.initUs >= 0 && { initMs: usToMs(i.initUs) }) })),
      throttles: tl.throttles.map((t) => ({ lane: t.lane, t: usToMs(t.tUs) })),
      limit: TIMELINE_LIMIT,
    }
  );
}
