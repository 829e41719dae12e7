/**
 * `run --check` keeps per-record state only for what a run keeps open: records still in flight or waiting, and
 * blocks of 4,096 records that ended in different ways. A run whose records all succeed holds a few blocks however
 * many records it produced.
 */
import { describe, expect, it } from "vitest";
import { CheckSuite } from "../src/checks/suite.js";
import { limitsOf } from "../src/checks/limits.js";
import { simulate } from "../src/run/simulate.js";
import type { Scenario } from "../src/scenario/model.js";
import { scenarioFrom } from "./helpers.js";

/** Run with the checks watching, as run --check does; the most blocks they held at any sampled event, and at the
 *  end. */
function heldBlocks(s: Scenario) {
  const suite = new CheckSuite(limitsOf(s));
  let most = 0;
  let events = 0;
  const { report } = simulate(s, {
    watch: (produced) => {
      const listener = suite.watcher(produced);
      return (e) => {
        listener(e);
        // Sampled: reading the count walks the tables.
        if (++events % 500 === 0) most = Math.max(most, suite.heldRecordChunks);
      };
    },
  });
  const outcomes = suite.finish(report);
  return { report, most, atEnd: suite.heldRecordChunks, failed: outcomes.filter((o) => o.status === "fail") };
}

describe("the checks' memory", () => {
  it.each([
    [
      "a Kinesis run of 240,000 records",
      240_000,
      `name: t
source: { type: kinesis, ShardCount: 4 }
traffic: [{ rate: 2000/s, from: 0s, to: 120s, keys: 200 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { Timeout: 10, duration: { base: 20ms } }
`,
    ],
    [
      "a FIFO run of 150,000 messages",
      150_000,
      `name: t
source: { type: sqs-fifo, VisibilityTimeout: 30 }
traffic: [{ rate: 1500/s, from: 0s, to: 100s, keys: 300 }]
mapping: { BatchSize: 10 }
function: { Timeout: 5, duration: { base: 50ms } }
`,
    ],
  ])("%s holds state for a few blocks of 4,096, not one per block it produced", (_what, produced, yaml) => {
    const { report, most, atEnd, failed } = heldBlocks(scenarioFrom(yaml));
    expect(failed).toEqual([]);
    expect(report.records.produced).toBe(produced);
    expect(report.drained).toBe(true);
    // At most about two blocks per table: the one being produced into and the one before it, while its last
    // records are still in flight (2 in both runs). Without bounds they would hold 59 and 37.
    expect(most).toBeLessThanOrEqual(4);
    expect(atEnd).toBeLessThanOrEqual(1);
  });
});
