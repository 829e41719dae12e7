import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cloudwatchSeries } from "../src/metrics/cloudwatch.js";
import { parseCloudWatchExport } from "../src/metrics/cloudwatch-export.js";
import { cli, scratch } from "./cli-helpers.js";

const SQS = `name: slow
startTime: 2026-03-01T09:00:00Z
source: { type: sqs, VisibilityTimeout: 30 }
traffic: [{ rate: 20/s, from: 0s, to: 3m }]
function: { duration: { base: 2s } }
`;
const KINESIS = `name: k
source: { type: kinesis, ShardCount: 2 }
traffic: [{ rate: 50/s, from: 0s, to: 2m }]
mapping: { StartingPosition: TRIM_HORIZON }
function: { duration: { base: 300ms } }
`;

/** Run with --metrics-out; the report (JSON) and the export's text. */
async function runWithExport(yaml: string) {
  const dir = scratch("esm-sim-metrics-out-");
  const scenario = dir.write("s.yaml", yaml);
  const out = join(dir.dir, "export.json");
  const r = await cli("run", scenario, "--format", "json", "--metrics-out", out);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return { report: JSON.parse(r.out), text: readFileSync(out, "utf8") };
}

describe("run --metrics-out", () => {
  it("writes get-metric-data output: Id, Label, times newest first with an offset, Complete, and no Messages", async () => {
    const { report, text } = await runWithExport(SQS);
    const out = JSON.parse(text);
    expect(Object.keys(out)).toEqual(["MetricDataResults", "Messages"]);
    expect(out.Messages).toEqual([]);
    const byLabel = new Map<string, { Id: string; Timestamps: string[]; Values: number[]; StatusCode: string }>(out.MetricDataResults.map((r: { Label: string }) => [r.Label, r]));
    expect([...byLabel.keys()]).toContain("Duration Average");
    expect([...byLabel.keys()]).not.toContain("IteratorAge");
    const inv = byLabel.get("Invocations")!;
    expect(inv.Id).toBe("invocations_sum");
    expect(inv.StatusCode).toBe("Complete");
    const n = report.cloudwatch.series.timestamps.length;
    expect(inv.Timestamps[0]).toBe(report.cloudwatch.series.timestamps[n - 1].replace("Z", "+00:00"));
    expect(inv.Timestamps[n - 1]).toBe("2026-03-01T09:00:00+00:00");
    expect(inv.Values).toEqual([...report.cloudwatch.series.Invocations].reverse());
    expect(byLabel.get("Duration Maximum")!.Id).toBe("duration_maximum");
    expect(text).toContain('\n    "MetricDataResults": [\n        {\n            "Id": "');
  });

  for (const [what, yaml] of [["an SQS queue", SQS], ["a Kinesis stream", KINESIS]] as const) {
    it(`reads back exactly with the CloudWatch export reader, for ${what}: every metric, statistic, time and value`, async () => {
      const { report, text } = await runWithExport(yaml);
      const parsed = parseCloudWatchExport(text, "export.json");
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.warnings).toEqual([]);
      const flat = cloudwatchSeries(report.cloudwatch);
      const toUnixS = (iso: string) => Date.parse(iso) / 1000;
      const expected = flat.entries.map((e) => ({
        metric: e.metric,
        statistic: e.statistic,
        points: e.values.flatMap((v, i) => (v === null ? [] : [{ tS: toUnixS(flat.timestamps[i]), value: v }])),
      }));
      expect(parsed.series.map((s) => ({ metric: s.metric, statistic: s.statistic, points: s.points }))).toEqual(expected);
      for (const s of parsed.series) if (s.points.length > 1) expect(s.periodS).toBe(60);
    });
  }

  it("refuses a directory before running, and leaves the report unchanged", async () => {
    const dir = scratch("esm-sim-metrics-out-");
    const scenario = dir.write("s.yaml", SQS);
    const r = await cli("run", scenario, "--metrics-out", dir.dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --metrics-out ${dir.dir}: is a directory, which cannot be written as an output file; name a file, e.g. ${dir.dir}/metrics.json\n`);
    expect(r.out).toBe("");
    const plain = await cli("run", scenario, "--format", "json");
    const withOut = await cli("run", scenario, "--format", "json", "--metrics-out", join(dir.dir, "m.json"));
    expect(withOut.out).toBe(plain.out);
  });
});
