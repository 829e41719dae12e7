/**
 * `run --cloudwatch`: the table and Markdown reports show the report's CloudWatch metrics under AWS's namespaces,
 * names, statistics and units, each with its value over the run and its data points per period; only the metrics
 * AWS publishes for the source; off by default, so the plain table stays as it was.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cloudwatchAt, cloudwatchMetricsFor } from "../src/metrics/cloudwatch.js";
import { cloudwatchView, fmtCloudWatch, periodSpark } from "../src/report/cloudwatch-view.js";
import { renderJson } from "../src/report/json.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderTable } from "../src/report/table.js";
import { simulate } from "../src/run/simulate.js";
import { cli } from "./cli-helpers.js";
import { scenarioFrom } from "./helpers.js";

const queue = simulate(
  scenarioFrom("name: q\nsource: { type: sqs, VisibilityTimeout: 5, RedrivePolicy: { maxReceiveCount: 3 } }\ntraffic: [{ rate: 20/s, from: 0s, to: 50s, keys: 8 }, { at: 5s, records: 1, key: bad }, { rate: 20/s, from: 190s, to: 200s }]\nfunction: { Timeout: 1, failures: [{ when: { key: bad }, effect: error }] }\n"),
).report;
const stream = simulate(scenarioFrom("name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 90s, keys: 8 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n")).report;

/** The table's line for a metric and statistic: name, statistic, unit, run value, sparkline and range. */
function rowOf(table: string, metric: string, stat: string): string[] {
  const line = table.split("\n").find((l) => new RegExp(`^ {4}${metric.replace(/\./g, "\\.")} +${stat} `).test(l));
  expect(line, `${metric} ${stat}`).toBeDefined();
  return line!.trim().split(/ {2,}/);
}

describe("run --cloudwatch in the table report", () => {
  it("is off by default: the plain table has no CloudWatch block", () => {
    expect(renderTable(queue, { color: false })).not.toContain("CloudWatch");
    expect(renderMarkdown(queue)).not.toContain("CloudWatch");
  });

  it("lists each metric AWS publishes for a queue, under its namespace, with the run's statistic in its unit", () => {
    const table = renderTable(queue, { color: false, cloudwatch: true });
    const cw = queue.cloudwatch as Record<string, unknown>;
    for (const m of cloudwatchMetricsFor("sqs")) {
      const [name, stat, unit, run, spark, range] = rowOf(table, m.metric, m.stat);
      expect([name, stat, unit]).toEqual([m.metric, m.stat, m.unit]);
      const value = cloudwatchAt(cw, m.key);
      expect(run).toBe(typeof value === "number" ? fmtCloudWatch(value, m.unit) : "no data");
      // one column per minute of the run: traffic in its first and fourth minutes, nothing between
      expect(spark).toMatch(/^[▁-█·]{3,}$/);
      if (range !== undefined) expect(range).toMatch(/^[\d,.]+\.\.[\d,.]+$/);
    }
    expect(table).toMatch(/^ {2}AWS\/Lambda$/m);
    expect(table).toMatch(/^ {2}AWS\/SQS$/m);
    expect(table).not.toMatch(/AWS\/Kinesis|IteratorAge|IncomingRecords|DroppedEventCount/);
    expect(queue.cloudwatch.Errors).toBe(3);
    expect(rowOf(table, "Errors", "Sum")[3]).toBe("3");
  });

  it("shows a stream's Lambda, event source mapping and Kinesis metrics, and no SQS ones", () => {
    const table = renderTable(stream, { color: false, cloudwatch: true });
    expect(rowOf(table, "IteratorAge", "Maximum").slice(1, 3)).toEqual(["Maximum", "Milliseconds"]);
    const records = cloudwatchAt(stream.cloudwatch, "GetRecords.Records") as number;
    expect(records).toBeGreaterThan(1000);
    expect(rowOf(table, "GetRecords.Records", "Sum").slice(2, 4)).toEqual(["Count", fmtCloudWatch(records, "Count")]);
    expect(rowOf(table, "IncomingBytes", "Sum")[2]).toBe("Bytes");
    expect(rowOf(table, "Duration", "Average")[2]).toBe("Milliseconds");
    expect(table).toMatch(/^ {2}AWS\/Kinesis$/m);
    expect(table).not.toMatch(/AWS\/SQS|ApproximateNumberOfMessages|DeletedEventCount/);
  });

  it("fits a 120-column terminal", () => {
    for (const r of [queue, stream]) {
      const block = renderTable(r, { color: false, cloudwatch: true }).split("CloudWatch metrics")[1].split("trace digest")[0];
      for (const line of block.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(120);
    }
  });

  it("says the period and how many there are; a metric with no data point in a period shows · there", () => {
    const table = renderTable(queue, { color: false, cloudwatch: true });
    const periods = queue.cloudwatch.series.timestamps.length;
    expect(table).toContain(`CloudWatch metrics (AWS's names, statistics and units; a data point per 1 min, ${periods} periods; · no data point)`);
    const durations = (queue.cloudwatch.series as unknown as { Duration: { Maximum: (number | null)[] } }).Duration.Maximum;
    expect(durations).toContain(null);
    const spark = rowOf(table, "Duration", "Maximum")[4];
    expect([...spark].map((ch, i) => (ch === "·") === (durations[i] === null))).toEqual(durations.map(() => true));
  });
});

describe("period sparklines", () => {
  it("draw a column per period from zero to the largest, · for no data point, and group long runs by their largest", () => {
    expect(periodSpark([0, 4, 8, null, 1], 1)).toBe("▁▅█·▂");
    expect(periodSpark([0, 0], 1)).toBe("▁▁");
    expect(periodSpark([null, null, 1, 8, 0, 2], 2)).toBe("·█▃");
    expect(periodSpark([], 1)).toBe("");
  });

  it("group a run longer than 20 periods into at most 20 columns", () => {
    const long = simulate(scenarioFrom("name: l\nsource: { type: sqs }\ntraffic: [{ rate: 1/s, from: 0s, to: 45m }]\n")).report;
    const v = cloudwatchView(long)!;
    expect(v.periods).toBeGreaterThan(40);
    expect(v.periodsPerColumn).toBe(Math.ceil(v.periods / 20));
    for (const row of v.rows) expect([...row.spark].length).toBeLessThanOrEqual(20);
    expect(renderTable(long, { color: false, cloudwatch: true })).toContain(`${v.periods} periods, ${v.periodsPerColumn} periods a column`);
  });
});

describe("run --cloudwatch in the Markdown report", () => {
  it("is a table with AWS's namespace, metric, statistic, unit, the run's value and the data points", () => {
    const md = renderMarkdown(stream, { cloudwatch: true });
    expect(md).toContain("| namespace | metric | statistic | unit | whole run | per period | smallest..largest |");
    const rows = md.split("\n").filter((l) => /^\| AWS\//.test(l));
    expect(rows.map((l) => l.split(" | ").slice(1, 4).join(" ").replace(/`/g, ""))).toEqual(cloudwatchMetricsFor("kinesis").map((m) => `${m.metric} ${m.stat} ${m.unit}`));
    expect(rows.find((l) => l.includes("`IteratorAge`"))).toContain(`| ${fmtCloudWatch(stream.cloudwatch.IteratorAge as number, "Milliseconds")} |`);
  });
});

describe("esm-sim run --cloudwatch", () => {
  it("adds the block to the table and Markdown reports, and leaves the JSON report as it is", async () => {
    const file = "scenarios/sqs-poison-message-dlq.yaml";
    const table = await cli("run", file, "--cloudwatch");
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^ {4}NumberOfMessagesDeleted +Sum +Count +\d/m);
    const md = await cli("run", file, "--cloudwatch", "--format", "markdown");
    expect(md.out).toContain("| AWS/SQS | `NumberOfEmptyReceives` | Sum | Count |");
    const [withFlag, without] = [await cli("run", file, "--cloudwatch", "--format", "json"), await cli("run", file, "--format", "json")];
    expect(withFlag.out).toBe(without.out);
    const text = readFileSync(join(__dirname, "..", file), "utf8");
    expect(JSON.parse(withFlag.out).cloudwatch).toEqual(JSON.parse(renderJson(simulate(scenarioFrom(text)).report)).cloudwatch);
  });
});
