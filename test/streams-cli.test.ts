import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, scratch } from "./cli-helpers.js";

const { dir, write } = scratch("esm-sim-streams-cli-");

describe("esm-sim CLI with stream sources", () => {
  it("runs a Kinesis scenario: per-shard table, sequence numbers and shard ids in the trace, exit 0", async () => {
    const p = write(
      "k.yaml",
      `name: k
source: { type: kinesis, ShardCount: 2 }
traffic: [{ at: 0s, records: 1, key: a }, { at: 0s, records: 1, key: b }]
mapping: { StartingPosition: TRIM_HORIZON }
expect:
  records.succeeded: { eq: 2 }
  stream.retries: { eq: 0 }
`,
    );
    const tracePath = join(dir, "k.jsonl");
    const r = await cli("run", p, "--trace", tracePath);
    expect(r.code).toBe(0);
    expect(r.out).toContain("shardId-000000000001");
    expect(r.out).toContain("iterator age max");
    const lines = readFileSync(tracePath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === "invoke").map((l) => [l.shard, l.recordIds])).toEqual([
      ["shardId-000000000000", ["000000000000000000000"]],
      ["shardId-000000000001", ["000000000000000000001"]],
    ]);
    expect(lines.filter((l) => l.type === "checkpoint").map((l) => l.sequenceNumber)).toEqual(["000000000000000000000", "000000000000000000001"]);
  });

  it("rejects AT_TIMESTAMP on DynamoDB with AWS's text and exit 2, listing every problem", async () => {
    const p = write(
      "d.yaml",
      `name: d
source: { type: dynamodb, RetentionPeriodHours: 48 }
traffic: [{ at: 0s, records: 1 }]
mapping:
  StartingPosition: AT_TIMESTAMP
  MaximumRecordAgeInSeconds: 10
`,
    );
    const r = await cli("validate", p);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${p}:2:49 source.RetentionPeriodHours: applies to kinesis only`);
    expect(r.err).toContain(`${p}:5:21 mapping.StartingPosition: Unsupported starting position for arn type`);
    expect(r.err).toContain(`${p}:6:30 mapping.MaximumRecordAgeInSeconds: must be -1 (no limit) or 60..604,800`);
    expect(r.err).toContain("3 problems found; nothing was run");
  });
});
