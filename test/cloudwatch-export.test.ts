/**
 * Reading CloudWatch exports (src/metrics/cloudwatch-export.ts) exactly as the AWS CLI prints them. The fixtures
 * follow the shapes of AWS's own examples: get-metric-data prints `MetricDataResults` with `Id`, `Label`,
 * `Timestamps` ("2024-09-29T22:10:00+00:00", newest first unless --scan-by TimestampAscending), `Values`,
 * `StatusCode`, then `Messages`; get-metric-statistics prints `Label` and unordered `Datapoints` with `Timestamp`,
 * the statistics asked for and `Unit` (https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-data.html,
 * https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/get-metric-statistics.html).
 */
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTextFile } from "../src/cli/files.js";
import { UsageError } from "../src/cli/usage-error.js";
import { InputError, readInputText } from "../src/io/input.js";
import { CLOUDWATCH_EXPORT_INPUT, CLOUDWATCH_METRICS, parseCloudWatchExport, type CloudWatchExportOptions, type CloudWatchExportResult, type MetricSeries } from "../src/metrics/cloudwatch-export.js";
import { formatProblem, type Problem } from "../src/scenario/problems.js";

const FILE = "export.json";
const t = (iso: string) => Date.parse(iso) / 1000;

function read(text: string, options?: CloudWatchExportOptions): CloudWatchExportResult {
  return parseCloudWatchExport(text, FILE, options);
}

/** Series of a text that must read without errors; its warnings as printed. */
function series(text: string, options?: CloudWatchExportOptions): { series: MetricSeries[]; warnings: string[] } {
  const r = read(text, options);
  if (!r.ok) throw new Error(`refused:\n${r.errors.map(formatProblem).join("\n")}`);
  return { series: r.series, warnings: r.warnings.map(formatProblem) };
}

/** The errors of a text that must be refused, as printed, and its warnings. */
function refused(text: string, options?: CloudWatchExportOptions): { errors: string[]; warnings: string[] } {
  const r = read(text, options);
  if (r.ok) throw new Error(`read without errors: ${JSON.stringify(r.series).slice(0, 400)}`);
  return { errors: r.errors.map(formatProblem), warnings: r.warnings.map(formatProblem) };
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures, as the CLI prints them

/**
 * aws cloudwatch get-metric-data --metric-data-queries file://lambda.json \
 *     --start-time 2026-03-01T09:00:00Z --end-time 2026-03-01T09:06:00Z
 * (one function: Invocations, Errors, Duration and ConcurrentExecutions, 60 s; newest first, the default)
 */
const LAMBDA_DESC = `{
    "MetricDataResults": [
        {
            "Id": "invocations",
            "Label": "Invocations Sum",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:04:00+00:00",
                "2026-03-01T09:03:00+00:00",
                "2026-03-01T09:02:00+00:00",
                "2026-03-01T09:01:00+00:00",
                "2026-03-01T09:00:00+00:00"
            ],
            "Values": [
                118.0,
                121.0,
                96.0,
                102.0,
                99.0,
                100.0
            ],
            "StatusCode": "Complete"
        },
        {
            "Id": "errors_sum",
            "Label": "Errors",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:04:00+00:00",
                "2026-03-01T09:03:00+00:00",
                "2026-03-01T09:02:00+00:00",
                "2026-03-01T09:01:00+00:00",
                "2026-03-01T09:00:00+00:00"
            ],
            "Values": [
                0.0,
                2.0,
                0.0,
                0.0,
                1.0,
                0.0
            ],
            "StatusCode": "Complete"
        },
        {
            "Id": "duration",
            "Label": "Duration Maximum",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:04:00+00:00",
                "2026-03-01T09:03:00+00:00",
                "2026-03-01T09:02:00+00:00",
                "2026-03-01T09:01:00+00:00",
                "2026-03-01T09:00:00+00:00"
            ],
            "Values": [
                812.37,
                790.02,
                655.9,
                701.14,
                688.5,
                640.21
            ],
            "StatusCode": "Complete"
        },
        {
            "Id": "concurrency",
            "Label": "ConcurrentExecutions (Maximum)",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:04:00+00:00",
                "2026-03-01T09:03:00+00:00",
                "2026-03-01T09:02:00+00:00",
                "2026-03-01T09:01:00+00:00",
                "2026-03-01T09:00:00+00:00"
            ],
            "Values": [
                5.0,
                5.0,
                4.0,
                4.0,
                3.0,
                2.0
            ],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}
`;

const MINUTES = ["09:00", "09:01", "09:02", "09:03", "09:04", "09:05"].map((m) => t(`2026-03-01T${m}:00Z`));
const points = (values: number[], times = MINUTES) => values.map((value, i) => ({ tS: times[i], value }));

const LAMBDA_SERIES: MetricSeries[] = [
  { metric: "Invocations", statistic: "Sum", from: "label", id: "invocations", label: "Invocations Sum", periodS: 60, points: points([100, 99, 102, 96, 121, 118]), missingPoints: 0 },
  { metric: "Errors", statistic: "Sum", from: "label", id: "errors_sum", label: "Errors", periodS: 60, points: points([0, 1, 0, 0, 2, 0]), missingPoints: 0 },
  { metric: "Duration", statistic: "Maximum", from: "label", id: "duration", label: "Duration Maximum", periodS: 60, points: points([640.21, 688.5, 701.14, 655.9, 790.02, 812.37]), missingPoints: 0 },
  { metric: "ConcurrentExecutions", statistic: "Maximum", from: "label", id: "concurrency", label: "ConcurrentExecutions (Maximum)", periodS: 60, points: points([2, 3, 4, 4, 5, 5]), missingPoints: 0 },
];

/** The same query with --scan-by TimestampAscending: every result's lists oldest first. */
function ascending(text: string): string {
  const out = JSON.parse(text) as { MetricDataResults: { Timestamps: string[]; Values: number[] }[] };
  for (const r of out.MetricDataResults) {
    r.Timestamps.reverse();
    r.Values.reverse();
  }
  return JSON.stringify(out, null, 4);
}

/**
 * aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name IteratorAge \
 *     --dimensions Name=FunctionName,Value=orders-consumer --statistics Maximum Average --period 300 ...
 * (datapoints in no order, as CloudWatch returns them)
 */
const ITERATOR_AGE_STATS = `{
    "Label": "IteratorAge",
    "Datapoints": [
        {
            "Timestamp": "2026-03-01T09:10:00+00:00",
            "Average": 1250.5,
            "Maximum": 4020.0,
            "Unit": "Milliseconds"
        },
        {
            "Timestamp": "2026-03-01T09:00:00+00:00",
            "Average": 310.0,
            "Maximum": 980.0,
            "Unit": "Milliseconds"
        },
        {
            "Timestamp": "2026-03-01T09:20:00+00:00",
            "Average": 95.25,
            "Maximum": 210.0,
            "Unit": "Milliseconds"
        },
        {
            "Timestamp": "2026-03-01T09:05:00+00:00",
            "Average": 640.0,
            "Maximum": 2100.0,
            "Unit": "Milliseconds"
        }
    ]
}
`;

/** aws cloudwatch get-metric-statistics ... --metric-name IncomingRecords --statistics Sum --period 300 */
const INCOMING_RECORDS_STATS = `{
    "Label": "IncomingRecords",
    "Datapoints": [
        {
            "Timestamp": "2026-03-01T09:05:00+00:00",
            "Sum": 30125.0,
            "Unit": "Count"
        },
        {
            "Timestamp": "2026-03-01T09:00:00+00:00",
            "Sum": 29870.0,
            "Unit": "Count"
        }
    ]
}
`;

// ---------------------------------------------------------------------------------------------------------------

describe("get-metric-data output", () => {
  it("reads newest-first results (the default order) into series in time order, named and with statistics from their labels", () => {
    expect(series(LAMBDA_DESC)).toEqual({ series: LAMBDA_SERIES, warnings: [] });
  });

  it("reads --scan-by TimestampAscending output into the same series", () => {
    expect(series(ascending(LAMBDA_DESC))).toEqual({ series: LAMBDA_SERIES, warnings: [] });
  });

  it("takes the statistic from the label in its usual spellings, else from the end of the Id", () => {
    const labels: [string, string, string, string][] = [
      ["m1", "Duration Maximum", "Duration", "Maximum"],
      ["m2", "Duration (Average)", "Duration", "Average"],
      ["m3", "ConcurrentExecutions Max", "ConcurrentExecutions", "Maximum"],
      ["m4", "IteratorAge.Min", "IteratorAge", "Minimum"],
      ["m5", "NumberOfMessagesSent Sample Count", "NumberOfMessagesSent", "SampleCount"],
      ["m6", "GetRecords.IteratorAgeMilliseconds Maximum", "GetRecords.IteratorAgeMilliseconds", "Maximum"],
      ["incoming_bytes_sum", "IncomingBytes", "IncomingBytes", "Sum"],
      ["get_records_records_avg", "GetRecords.Records", "GetRecords.Records", "Average"],
    ];
    const text = JSON.stringify({
      MetricDataResults: labels.map(([Id, Label]) => ({ Id, Label, Timestamps: ["2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"], Values: [2.0, 1.0], StatusCode: "Complete" })),
      Messages: [],
    });
    const r = series(text);
    expect(r.warnings).toEqual([]);
    expect(r.series.map((s) => [s.id, s.label, s.metric, s.statistic])).toEqual(labels);
  });

  it("names results by their Id when the label is not a metric name, ignoring case, '_', '-' and '.'", () => {
    const text = JSON.stringify({
      MetricDataResults: [
        { Id: "approximate_age_of_oldest_message_max", Label: "orders queue, oldest", Timestamps: ["2026-03-01T09:00:00+00:00"], Values: [42.0], StatusCode: "Complete" },
        { Id: "number_of_empty_receives_sum", Label: "orders queue, empty receives", Timestamps: ["2026-03-01T09:00:00+00:00"], Values: [3.0], StatusCode: "Complete" },
      ],
      Messages: [],
    });
    const r = series(text, { periodS: 60 });
    expect(r.series.map((s) => [s.metric, s.statistic, s.from, s.periodS])).toEqual([
      ["ApproximateAgeOfOldestMessage", "Maximum", "id", 60],
      ["NumberOfEmptyReceives", "Sum", "id", 60],
    ]);
  });

  it("names results by the caller's map (--map Id=MetricName, Id=MetricName.Statistic), before label and Id", () => {
    const text = `{
    "MetricDataResults": [
        {
            "Id": "m1",
            "Label": "orders-consumer",
            "Timestamps": ["2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"],
            "Values": [12.0, 10.0],
            "StatusCode": "Complete"
        },
        {
            "Id": "m2",
            "Label": "orders-stream",
            "Timestamps": ["2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"],
            "Values": [1500.0, 900.0],
            "StatusCode": "Complete"
        },
        {
            "Id": "m3",
            "Label": "Throttles Sum",
            "Timestamps": ["2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"],
            "Values": [0.0, 4.0],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}`;
    const r = series(text, { map: { m1: "Invocations.Sum", m2: "GetRecords.IteratorAgeMilliseconds.Maximum", m3: "Throttles" } });
    expect(r.warnings).toEqual([]);
    expect(r.series.map((s) => [s.id, s.metric, s.statistic, s.from])).toEqual([
      ["m1", "Invocations", "Sum", "map"],
      ["m2", "GetRecords.IteratorAgeMilliseconds", "Maximum", "map"],
      ["m3", "Throttles", "Sum", "map"],
    ]);
  });

  it("counts periods without a point (CloudWatch leaves them out) instead of refusing them", () => {
    const text = `{
    "MetricDataResults": [
        {
            "Id": "throttles",
            "Label": "Throttles Sum",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:03:00+00:00",
                "2026-03-01T09:00:00+00:00"
            ],
            "Values": [
                3.0,
                7.0,
                1.0
            ],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}`;
    expect(series(text).series).toEqual([
      { metric: "Throttles", statistic: "Sum", from: "label", id: "throttles", label: "Throttles Sum", periodS: 60, points: points([1, 7, 3], [MINUTES[0], MINUTES[3], MINUTES[5]]), missingPoints: 3 },
    ]);
  });

  it("infers other periods: 300 s for data older than 15 days, with a missing point", () => {
    const times = ["2026-01-10T00:20:00+00:00", "2026-01-10T00:15:00+00:00", "2026-01-10T00:05:00+00:00", "2026-01-10T00:00:00+00:00"];
    const text = JSON.stringify({
      MetricDataResults: [
        { Id: "visible", Label: "ApproximateNumberOfMessagesVisible Maximum", Timestamps: times, Values: [40.0, 55.0, 120.0, 80.0], StatusCode: "Complete" },
        { Id: "sent", Label: "NumberOfMessagesSent Sum", Timestamps: times, Values: [900.0, 950.0, 1020.0, 870.0], StatusCode: "Complete" },
      ],
      Messages: [],
    });
    const r = series(text);
    expect(r.series.map((s) => [s.metric, s.periodS, s.missingPoints, s.points.map((p) => p.tS - t("2026-01-10T00:00:00Z"))])).toEqual([
      ["ApproximateNumberOfMessagesVisible", 300, 1, [0, 300, 900, 1200]],
      ["NumberOfMessagesSent", 300, 1, [0, 300, 900, 1200]],
    ]);
  });

  it("leaves the period unknown for a series of one point, unless the caller gives it", () => {
    const text = JSON.stringify({ MetricDataResults: [{ Id: "m1", Label: "DeletedEventCount Sum", Timestamps: ["2026-03-01T09:00:00+00:00"], Values: [12.0], StatusCode: "Complete" }], Messages: [] });
    expect(series(text).series[0].periodS).toBeNull();
    expect(series(text, { periodS: 300 }).series[0].periodS).toBe(300);
  });

  it("merges pages: a JSON list of outputs, and one output holding an Id twice (as the CLI joins pages)", () => {
    const page = (times: string[], values: number[], status: string, next?: string) => ({
      MetricDataResults: [{ Id: "polled", Label: "PolledEventCount Sum", Timestamps: times, Values: values, StatusCode: status }],
      ...(next ? { NextToken: next } : {}),
      Messages: [],
    });
    const first = page(["2026-03-01T09:05:00+00:00", "2026-03-01T09:04:00+00:00", "2026-03-01T09:03:00+00:00"], [50, 40, 30], "PartialData", "AQICAHh5y...");
    const second = page(["2026-03-01T09:02:00+00:00", "2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"], [20, 10, 0], "Complete");
    const expected = [{ metric: "PolledEventCount", statistic: "Sum", from: "label", id: "polled", label: "PolledEventCount Sum", periodS: 60, points: points([0, 10, 20, 30, 40, 50]), missingPoints: 0 }];
    expect(series(JSON.stringify([first, second], null, 4))).toEqual({ series: expected, warnings: [] });
    const joined = { MetricDataResults: [...first.MetricDataResults, ...second.MetricDataResults], Messages: [] };
    expect(series(JSON.stringify(joined, null, 4))).toEqual({ series: expected, warnings: [] });
  });

  it("keeps a time given twice with the same value once (overlapping pages)", () => {
    const text = JSON.stringify([
      { MetricDataResults: [{ Id: "m1", Label: "Invocations Sum", Timestamps: ["2026-03-01T09:01:00+00:00", "2026-03-01T09:00:00+00:00"], Values: [5, 4], StatusCode: "Complete" }] },
      { MetricDataResults: [{ Id: "m1", Label: "Invocations Sum", Timestamps: ["2026-03-01T09:02:00+00:00", "2026-03-01T09:01:00+00:00"], Values: [6, 5], StatusCode: "Complete" }] },
    ]);
    expect(series(text).series[0].points).toEqual(points([4, 5, 6]));
  });

  it("reads the times SDKs and older CLIs write: Z, fractions, offsets, a space for T, Unix seconds", () => {
    const forms = ["2026-03-01T09:00:00Z", "2026-03-01T09:01:00.000Z", "2026-03-01T10:02:00+01:00", "2026-03-01 09:03:00+00:00", 1772355840, "2026-03-01T04:05:00-0500"];
    const text = JSON.stringify({ MetricDataResults: [{ Id: "m1", Label: "InvokedEventCount Sum", Timestamps: forms, Values: [0, 1, 2, 3, 4, 5], StatusCode: "Complete" }] });
    const s = series(text).series[0];
    expect(s.points).toEqual(points([0, 1, 2, 3, 4, 5]));
    expect(s.periodS).toBe(60);
  });

  it("passes on what CloudWatch says in Messages, as warnings", () => {
    const text = `{
    "MetricDataResults": [
        {
            "Id": "m1",
            "Label": "Invocations Sum",
            "Timestamps": [],
            "Values": [],
            "StatusCode": "Forbidden",
            "Messages": [
                {
                    "Code": "Forbidden",
                    "Value": "Authentication too complex to retrieve cross region data"
                }
            ]
        }
    ],
    "Messages": [
        {
            "Code": "MaxMetricsExceeded",
            "Value": "Maximum number of allowed metrics exceeded"
        }
    ]
}`;
    expect(series(text).warnings).toEqual([
      'export.json:8:27 warning: MetricDataResults[0].StatusCode: result "m1" (label "Invocations Sum"): StatusCode Forbidden: CloudWatch could not return every point of it (see its Messages); its points may be incomplete',
      'export.json:10:17 warning: MetricDataResults[0].Messages[0]: CloudWatch says about result "m1" (label "Invocations Sum"): Forbidden: Authentication too complex to retrieve cross region data',
      "export.json:18:9 warning: Messages[0]: CloudWatch says: MaxMetricsExceeded: Maximum number of allowed metrics exceeded",
    ]);
  });
});

describe("get-metric-statistics output", () => {
  it("reads unordered datapoints into one series per statistic, with the unit", () => {
    // 09:15 has no datapoint: a period without data.
    const times = ["09:00", "09:05", "09:10", "09:20"].map((m) => t(`2026-03-01T${m}:00Z`));
    expect(series(ITERATOR_AGE_STATS)).toEqual({
      series: [
        { metric: "IteratorAge", statistic: "Average", from: "label", label: "IteratorAge", unit: "Milliseconds", periodS: 300, points: points([310, 640, 1250.5, 95.25], times), missingPoints: 1 },
        { metric: "IteratorAge", statistic: "Maximum", from: "label", label: "IteratorAge", unit: "Milliseconds", periodS: 300, points: points([980, 2100, 4020, 210], times), missingPoints: 1 },
      ],
      warnings: [],
    });
  });

  it("reads a JSON list of outputs, one per metric", () => {
    const r = series(`[\n${ITERATOR_AGE_STATS},\n${INCOMING_RECORDS_STATS}]`);
    expect(r.series.map((s) => [s.metric, s.statistic, s.unit, s.points.length])).toEqual([
      ["IteratorAge", "Average", "Milliseconds", 4],
      ["IteratorAge", "Maximum", "Milliseconds", 4],
      ["IncomingRecords", "Sum", "Count", 2],
    ]);
  });

  it("names an output by the map keyed by its label", () => {
    const text = JSON.stringify({ Label: "orders", Datapoints: [{ Timestamp: "2026-03-01T09:00:00+00:00", Sum: 3.0, Unit: "Count" }] });
    expect(series(text, { map: { orders: "NumberOfMessagesDeleted" } }).series.map((s) => [s.metric, s.statistic, s.from])).toEqual([["NumberOfMessagesDeleted", "Sum", "map"]]);
  });
});

describe("problems", () => {
  const cases: [string, string, CloudWatchExportOptions?][] = [
    ["empty", ""],
    ["blank", "  \n\n"],
    ["not json", "MetricDataResults\tinvocations\tInvocations Sum\n"],
    ["yaml", "MetricDataResults:\n- Id: m1\n"],
    ["bad json", '{\n    "MetricDataResults": [\n        {"Id": "m1",}\n    ]\n}'],
    ["nan", '{"MetricDataResults": [{"Id": "m1", "Label": "Errors Sum", "Timestamps": ["2026-03-01T09:00:00+00:00"], "Values": [NaN]}]}'],
    ["concatenated", '{"MetricDataResults": []}\n{"MetricDataResults": []}\n'],
    ["deep", "[".repeat(40) + "]".repeat(40)],
    ["neither", '{\n    "Metrics": [\n        {"Namespace": "AWS/Lambda", "MetricName": "Invocations"}\n    ]\n}'],
    ["scalar", "42"],
    ["empty list", "[]"],
    ["queries", '[\n    {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations"}, "Period": 60, "Stat": "Sum"}}\n]'],
    ["lengths", LAMBDA_DESC.replace('                121.0,\n', "")],
    ["timestamps", LAMBDA_DESC.replace('"2026-03-01T09:04:00+00:00",\n                "2026-03-01T09:03:00+00:00"', '"2026-03-01T09:04:00",\n                "yesterday"').replace('"2026-03-01T09:01:00+00:00",\n                "2026-03-01T09:00:00+00:00"\n            ],\n            "Values": [\n                0.0', '"2026-02-30T09:01:00+00:00",\n                1772355600000\n            ],\n            "Values": [\n                0.0')],
    ["values", LAMBDA_DESC.replace("118.0", '"118"').replace("2.0,\n                0.0,\n                0.0,\n                1.0", "null,\n                0.0,\n                0.0,\n                1e400")],
    ["same series", LAMBDA_DESC.replace('"Label": "Errors"', '"Label": "Invocations"').replace('"Id": "errors_sum"', '"Id": "invocations_sum"')],
    ["two values", LAMBDA_DESC.replace('"2026-03-01T09:04:00+00:00",\n                "2026-03-01T09:03:00+00:00",\n                "2026-03-01T09:02:00+00:00",\n                "2026-03-01T09:01:00+00:00",\n                "2026-03-01T09:00:00+00:00"\n            ],\n            "Values": [\n                812.37', '"2026-03-01T09:04:00+00:00",\n                "2026-03-01T09:03:00+00:00",\n                "2026-03-01T09:02:00+00:00",\n                "2026-03-01T09:01:00+00:00",\n                "2026-03-01T09:04:00+00:00"\n            ],\n            "Values": [\n                812.37')],
    ["uneven", LAMBDA_DESC.replace('"2026-03-01T09:03:00+00:00",\n                "2026-03-01T09:02:00+00:00",\n                "2026-03-01T09:01:00+00:00",\n                "2026-03-01T09:00:00+00:00"\n            ],\n            "Values": [\n                118.0', '"2026-03-01T09:03:30+00:00",\n                "2026-03-01T09:02:00+00:00",\n                "2026-03-01T09:01:00+00:00",\n                "2026-03-01T09:00:00+00:00"\n            ],\n            "Values": [\n                118.0')],
    ["uneven given", '{"MetricDataResults": [{"Id": "m1", "Label": "Errors Sum", "Timestamps": ["2026-03-01T09:06:00Z", "2026-03-01T09:05:00Z", "2026-03-01T09:00:00Z"], "Values": [1, 2, 3]}]}', { periodS: 120 }],
    ["map", LAMBDA_DESC, { map: { invocations: "Invocation", duration: "Duration.p99", concurrency: "ConcurrentExecutions.Average", m9: "Errors" } }],
    ["stats", '{\n    "Label": "Duration",\n    "Datapoints": [\n        {"Timestamp": "2026-03-01T09:00:00+00:00", "Unit": "Milliseconds"},\n        {"Maximum": 12.0},\n        "x"\n    ]\n}'],
    ["stats shape", '{"Label": 7, "Datapoints": {"Timestamp": "2026-03-01T09:00:00+00:00"}}'],
    ["data shape", '{"MetricDataResults": [7, {"Id": 5, "Label": "Errors Sum", "Values": [1.0], "Timestamps": "2026-03-01T09:00:00+00:00"}], "Messages": {}}'],
  ];
  /** What each case must print: every error at once, each at its place, and the warnings beside them. */
  const expected: Record<string, { title: string; errors: string[]; warnings?: string[] }> = {
    "empty": {
      title: "an empty file",
      errors: [
        "export.json:1:1 the file is empty; a CloudWatch export is the JSON that aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)",
      ],
    },
    "blank": {
      title: "a file of blank lines",
      errors: [
        "export.json:1:1 the file is empty; a CloudWatch export is the JSON that aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)",
      ],
    },
    "not json": {
      title: "the CLI's --output text",
      errors: [
        "export.json:1:1 not JSON: this looks like the AWS CLI's text, table or YAML output; run the command again with --output json",
      ],
    },
    "yaml": {
      title: "the CLI's --output yaml",
      errors: [
        "export.json:1:1 not JSON: this looks like the AWS CLI's text, table or YAML output; run the command again with --output json",
      ],
    },
    "bad json": {
      title: "JSON with a syntax error, at its line and column",
      errors: [
        "export.json:3:21 not JSON: expected a quoted key, found \"}\"; a CloudWatch export is the JSON that aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)",
      ],
    },
    "nan": {
      title: "NaN, which Python's JSON writes but JSON has not",
      errors: [
        "export.json:1:116 not JSON: NaN is not a JSON number; every value must be a finite number",
      ],
    },
    "concatenated": {
      title: "pages appended one after another instead of in a list",
      errors: [
        "export.json:2:1 not JSON: a second JSON value starts here, after the first one ended; to pass several outputs (pages), put them in one JSON list: [{...}, {...}]",
      ],
    },
    "deep": {
      title: "nesting far deeper than an export's",
      errors: [
        "export.json:1:17 nested deeper than 16 levels; a CloudWatch export nests 5 levels, so this is not one",
      ],
    },
    "neither": {
      title: "JSON of neither shape: names both shapes and the commands that print them",
      errors: [
        "export.json:1:1 is not a CloudWatch export (found a map with \"Metrics\"): aws cloudwatch get-metric-data prints {\"MetricDataResults\": [{\"Id\", \"Label\", \"Timestamps\", \"Values\", \"StatusCode\"}, ...], \"Messages\": [...]}; aws cloudwatch get-metric-statistics prints {\"Label\": \"Invocations\", \"Datapoints\": [{\"Timestamp\", \"Sum\", \"Unit\"}, ...]}; a JSON list of such outputs is read too",
      ],
    },
    "scalar": {
      title: "a bare number",
      errors: [
        "export.json:1:1 is not a CloudWatch export (found 42): aws cloudwatch get-metric-data prints {\"MetricDataResults\": [{\"Id\", \"Label\", \"Timestamps\", \"Values\", \"StatusCode\"}, ...], \"Messages\": [...]}; aws cloudwatch get-metric-statistics prints {\"Label\": \"Invocations\", \"Datapoints\": [{\"Timestamp\", \"Sum\", \"Unit\"}, ...]}; a JSON list of such outputs is read too",
      ],
    },
    "empty list": {
      title: "an empty list",
      errors: [
        "export.json:1:1 is an empty list; aws cloudwatch get-metric-data prints {\"MetricDataResults\": [{\"Id\", \"Label\", \"Timestamps\", \"Values\", \"StatusCode\"}, ...], \"Messages\": [...]}; aws cloudwatch get-metric-statistics prints {\"Label\": \"Invocations\", \"Datapoints\": [{\"Timestamp\", \"Sum\", \"Unit\"}, ...]}; a JSON list of such outputs is read too",
      ],
    },
    "queries": {
      title: "the queries file instead of the output",
      errors: [
        "export.json:2:5 [0]: is not a CloudWatch output: it looks like a query passed to get-metric-data --metric-data-queries (it has MetricStat); pass what the command prints instead. aws cloudwatch get-metric-data prints {\"MetricDataResults\": [{\"Id\", \"Label\", \"Timestamps\", \"Values\", \"StatusCode\"}, ...], \"Messages\": [...]}; aws cloudwatch get-metric-statistics prints {\"Label\": \"Invocations\", \"Datapoints\": [{\"Timestamp\", \"Sum\", \"Unit\"}, ...]}; a JSON list of such outputs is read too",
      ],
    },
    "lengths": {
      title: "Timestamps and Values of different lengths",
      errors: [
        "export.json:3:9 MetricDataResults[0]: Timestamps has 6 entries and Values 5 entries; CloudWatch gives one value per time, so the two lists have the same length",
      ],
    },
    "timestamps": {
      title: "times that do not parse: no time zone, words, a day that does not exist, milliseconds",
      errors: [
        "export.json:8:17 MetricDataResults[0].Timestamps[1]: must be a time such as \"2026-03-01T09:05:00+00:00\" (ISO 8601 with Z or an offset) or a number of Unix seconds (got \"2026-03-01T09:04:00\", which has no time zone)",
        "export.json:9:17 MetricDataResults[0].Timestamps[2]: must be a time such as \"2026-03-01T09:05:00+00:00\" (ISO 8601 with Z or an offset) or a number of Unix seconds (got \"yesterday\")",
        "export.json:32:17 MetricDataResults[1].Timestamps[4]: must be a time such as \"2026-03-01T09:05:00+00:00\" (ISO 8601 with Z or an offset) or a number of Unix seconds (got \"2026-02-30T09:01:00+00:00\", which is not a real time)",
        "export.json:33:17 MetricDataResults[1].Timestamps[5]: must be a time such as \"2026-03-01T09:05:00+00:00\" (ISO 8601 with Z or an offset) or a number of Unix seconds (got 1772355600000, which looks like milliseconds)",
      ],
    },
    "values": {
      title: "values that are not finite numbers: a string, null, a number beyond a double",
      errors: [
        "export.json:15:17 MetricDataResults[0].Values[0]: must be a finite number (got \"118\")",
        "export.json:37:17 MetricDataResults[1].Values[1]: must be a finite number (got null)",
        "export.json:40:17 MetricDataResults[1].Values[4]: must be a finite number (got 1e400, beyond what a double holds)",
      ],
    },
    "same series": {
      title: "two results resolving to the same metric and statistic: both Ids named",
      errors: [
        "export.json:24:9 MetricDataResults[1]: result \"invocations_sum\" (label \"Invocations\") resolves to Invocations Sum, as result \"invocations\" (label \"Invocations Sum\") at MetricDataResults[0] does; each metric and statistic may come from one result only: leave one out, or name them apart with --map Id=MetricName.Statistic",
      ],
    },
    "two values": {
      title: "one time with two values in a series",
      errors: [
        "export.json:62:17 MetricDataResults[2].Values[5]: result \"duration\" (label \"Duration Maximum\") has two values for the time \"2026-03-01T09:04:00+00:00\": 640.21 here and 790.02 at MetricDataResults[2].Values[1]; a series holds one value per time",
      ],
    },
    "uneven": {
      title: "points off the minute grid",
      errors: [
        "export.json:8:17 MetricDataResults[0].Timestamps[1]: result \"invocations\" (label \"Invocations Sum\"): \"2026-03-01T09:04:00+00:00\" comes 30 s after the point before it (\"2026-03-01T09:03:30+00:00\"); the metrics esm-sim reads come in periods of whole minutes, so points are a whole number of minutes apart",
        "export.json:9:17 MetricDataResults[0].Timestamps[2]: result \"invocations\" (label \"Invocations Sum\"): \"2026-03-01T09:03:30+00:00\" comes 90 s after the point before it (\"2026-03-01T09:02:00+00:00\"); the metrics esm-sim reads come in periods of whole minutes, so points are a whole number of minutes apart",
      ],
    },
    "uneven given": {
      title: "gaps that are not whole multiples of the caller's period",
      errors: [
        "export.json:1:75 MetricDataResults[0].Timestamps[0]: result \"m1\" (label \"Errors Sum\"): \"2026-03-01T09:06:00Z\" comes 60 s after the point before it (\"2026-03-01T09:05:00Z\"), which is not a whole number of periods: the period given is 120 s",
        "export.json:1:99 MetricDataResults[0].Timestamps[1]: result \"m1\" (label \"Errors Sum\"): \"2026-03-01T09:05:00Z\" comes 300 s after the point before it (\"2026-03-01T09:00:00Z\"), which is not a whole number of periods: the period given is 120 s",
      ],
    },
    "map": {
      title: "map entries naming no known metric or statistic, contradicting the label, or naming no result",
      errors: [
        "--map invocations=Invocation: \"Invocation\" is not a metric esm-sim reads; the name must be one of Invocations, Errors, Throttles, ConcurrentExecutions, Duration, IteratorAge, DestinationDeliveryFailures, PolledEventCount, InvokedEventCount, FilteredOutEventCount, FailedInvokeEventCount, DroppedEventCount, OnFailureDestinationDeliveredEventCount, DeletedEventCount, ApproximateNumberOfMessagesVisible, ApproximateNumberOfMessagesNotVisible, ApproximateAgeOfOldestMessage, NumberOfMessagesSent, NumberOfMessagesReceived, NumberOfMessagesDeleted, NumberOfEmptyReceives, IncomingRecords, IncomingBytes, GetRecords.Records, GetRecords.IteratorAgeMilliseconds, SubscribeToShardEvent.Records, SubscribeToShardEvent.MillisBehindLatest, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, optionally followed by .Sum|.Average|.Maximum|.Minimum|.SampleCount",
        "--map duration=Duration.p99: \"p99\" is not a statistic esm-sim reads: the statistic after the dot must be Sum, Average, Maximum, Minimum or SampleCount",
        "export.json:66:9 MetricDataResults[3]: result \"concurrency\" (label \"ConcurrentExecutions (Maximum)\"): its label says Maximum but --map concurrency=ConcurrentExecutions.Average says Average; make them agree",
      ],
      warnings: [
        "--map m9=Errors: warning: no result in the file has the Id (or, for get-metric-statistics output, the Label) \"m9\"",
      ],
    },
    "stats": {
      title: "get-metric-statistics datapoints without a statistic, a timestamp, or a map",
      errors: [
        "export.json:4:9 Datapoints[0]: holds no statistic: a datapoint holds Timestamp and one or more of Sum, Average, Maximum, Minimum, SampleCount",
        "export.json:5:9 Datapoints[1]: has no Timestamp: a datapoint holds Timestamp and one or more of Sum, Average, Maximum, Minimum, SampleCount",
        "export.json:6:9 Datapoints[2]: must be a datapoint {\"Timestamp\", \"Sum\", \"Unit\"} (got \"x\")",
      ],
    },
    "stats shape": {
      title: "a get-metric-statistics output with a Label that is not a string and Datapoints that are not a list",
      errors: [
        "export.json:1:11 Label: must be a string (got 7)",
        "export.json:1:28 Datapoints: must be a list of datapoints, each {\"Timestamp\", \"Sum\", \"Unit\"} (got a map)",
      ],
    },
    "data shape": {
      title: "a get-metric-data output with wrong types, every one reported",
      errors: [
        "export.json:1:24 MetricDataResults[0]: must be a result {\"Id\", \"Label\", \"Timestamps\", \"Values\", \"StatusCode\"} (got 7)",
        "export.json:1:34 MetricDataResults[1].Id: must be a string (got 5)",
        "export.json:1:91 MetricDataResults[1].Timestamps: must be a list of times (got \"2026-03-01T09:00:00+00:00\")",
        "export.json:1:134 Messages: must be a list of messages, each {\"Code\", \"Value\"} (got a map)",
      ],
    },
  };

  it.each(cases.map(([key, text, options]) => [expected[key].title, key, text, options] as const))("%s", (_, key, text, options) => {
    const r = refused(text, options);
    expect(r.errors).toEqual(expected[key].errors);
    expect(r.warnings).toEqual(expected[key].warnings ?? []);
  });


  it("reports every problem of a file at once, in file order, the first 100 and a count of the rest", () => {
    const values = Array.from({ length: 150 }, (_, i) => (i % 2 ? '"x"' : "null")).join(", ");
    const times = Array.from({ length: 150 }, (_, i) => `"2026-03-01T${String(9 + Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z"`).join(", ");
    const r = refused(`{"MetricDataResults": [{"Id": "m1", "Label": "Errors Sum", "Timestamps": [${times}], "Values": [${values}]}]}`);
    expect(r.errors).toHaveLength(101);
    expect(r.errors[0]).toMatch(/^export\.json:1:\d+ MetricDataResults\[0\]\.Values\[0\]: must be a finite number \(got null\)$/);
    expect(r.errors[1]).toMatch(/Values\[1\]: must be a finite number \(got "x"\)$/);
    expect(r.errors[100]).toMatch(/ \.\.\. and 50 more problems not listed \(only the first 100 are shown\)$/);
  });
});

describe("warnings: what is read, and what is left out and why", () => {
  it("a result that matches no known metric is left out, and the warning names its Id and label and the --map form", () => {
    const text = LAMBDA_DESC.replace('"Label": "Duration Maximum"', '"Label": "orders-consumer p-latency"').replace('"Id": "duration"', '"Id": "m3"');
    const r = series(text);
    expect(r.series.map((s) => s.metric)).toEqual(["Invocations", "Errors", "ConcurrentExecutions"]);
    expect(r.warnings).toEqual([
      'export.json:45:9 warning: MetricDataResults[2]: result "m3" (label "orders-consumer p-latency") matches no metric esm-sim reads, so it is left out; pass --map Id=MetricName to name it (e.g. --map m3=Invocations)',
    ]);
  });

  it("a get-metric-statistics output of another metric is left out, named by its label", () => {
    const cpu = '{\n    "Label": "CPUUtilization",\n    "Datapoints": [\n        {"Timestamp": "2026-03-01T09:00:00Z", "Maximum": 0.34, "Unit": "Percent"}\n    ]\n}';
    const r = series(`[${INCOMING_RECORDS_STATS}, ${cpu}]`);
    expect(r.series.map((s) => s.metric)).toEqual(["IncomingRecords"]);
    expect(r.warnings).toEqual([
      'export.json:16:3 warning: [1]: the get-metric-statistics output labelled "CPUUtilization" matches no metric esm-sim reads, so it is left out; pass --map Id=MetricName to name it (e.g. --map CPUUtilization=Invocations)',
    ]);
  });

  it("PartialData with no later page that completes the result: more pages exist (NextToken)", () => {
    const text = `{
    "MetricDataResults": [
        {
            "Id": "invocations",
            "Label": "Invocations Sum",
            "Timestamps": [
                "2026-03-01T09:05:00+00:00",
                "2026-03-01T09:04:00+00:00"
            ],
            "Values": [
                118.0,
                121.0
            ],
            "StatusCode": "PartialData"
        }
    ],
    "NextToken": "AQICAHh5yEXAMPLEnextTOKEN",
    "Messages": []
}`;
    const r = series(text);
    expect(r.series[0].points).toEqual(points([121, 118], MINUTES.slice(4)));
    expect(r.warnings).toEqual([
      'export.json:14:27 warning: MetricDataResults[0].StatusCode: result "invocations" (label "Invocations Sum"): StatusCode PartialData: CloudWatch returned only part of its points and this output has a NextToken; more pages exist: fetch them (the CLI does unless given --no-paginate or --max-items) and pass all pages together, as one output or as a JSON list of outputs',
    ]);
  });

  it("a result whose label and Id name no statistic is read without one, with a warning that says how to name it", () => {
    const text = LAMBDA_DESC.replace('"Label": "Duration Maximum"', '"Label": "Duration"');
    const r = series(text);
    expect(r.series[2]).toMatchObject({ metric: "Duration", from: "label", id: "duration" });
    expect(r.series[2].statistic).toBeUndefined();
    expect(r.warnings).toEqual([
      'export.json:45:9 warning: MetricDataResults[2]: result "duration": no statistic for Duration: neither its label nor its Id ends in Sum, Average, Maximum, Minimum or SampleCount; put one at the end of the label (e.g. "Duration Maximum") or pass --map duration=Duration.Maximum',
    ]);
    expect(series(text, { map: { duration: "Duration.Maximum" } })).toMatchObject({ warnings: [], series: [{}, {}, { metric: "Duration", statistic: "Maximum", from: "map" }, {}] });
  });

  it("percentiles are left out: a p99 label, and ExtendedStatistics beside the statistics read", () => {
    const text = LAMBDA_DESC.replace('"Label": "Duration Maximum"', '"Label": "Duration p99"');
    expect(series(text).warnings).toEqual([
      'export.json:45:9 warning: MetricDataResults[2]: result "duration" (label "Duration p99") is the statistic p99; esm-sim reads Sum, Average, Maximum, Minimum and SampleCount only, so it is left out',
    ]);
    const stats = ITERATOR_AGE_STATS.replace('"Maximum": 4020.0,', '"Maximum": 4020.0,\n            "ExtendedStatistics": {"p99": 3900.0},');
    const r = series(stats);
    expect(r.series.map((s) => s.statistic)).toEqual(["Average", "Maximum"]);
    expect(r.warnings).toEqual([
      'export.json:8:35 warning: Datapoints[0].ExtendedStatistics: "IteratorAge": ExtendedStatistics (p99) are percentiles; esm-sim reads Sum, Average, Maximum, Minimum and SampleCount only, so they are left out',
    ]);
  });

  it("a result or an output with no points says so", () => {
    const text = `{
    "MetricDataResults": [
        {
            "Id": "dropped",
            "Label": "DroppedEventCount Sum",
            "Timestamps": [],
            "Values": [],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}`;
    const r = series(`[${text}, {"Label": "Errors", "Datapoints": []}, {"MetricDataResults": [], "Messages": []}]`);
    expect(r.series).toEqual([{ metric: "DroppedEventCount", statistic: "Sum", from: "label", id: "dropped", label: "DroppedEventCount Sum", periodS: null, points: [], missingPoints: 0 }]);
    expect(r.warnings).toEqual([
      'export.json:3:9 warning: [0].MetricDataResults[0]: result "dropped" (label "DroppedEventCount Sum"): no points; CloudWatch had no data for it in the time asked for',
      'export.json:12:38 warning: [1].Datapoints: "Errors": no datapoints; CloudWatch had no data for it in the time asked for',
      'export.json:12:65 warning: [2].MetricDataResults: no results: this output holds no metric',
    ]);
  });

  it("a map entry that names no result is a warning, the map's own place named", () => {
    expect(series(LAMBDA_DESC, { map: { m7: "Throttles.Sum" } }).warnings).toEqual(['--map m7=Throttles.Sum: warning: no result in the file has the Id (or, for get-metric-statistics output, the Label) "m7"']);
  });

  it("reads a known-metric list given by the caller instead of esm-sim's", () => {
    const text = JSON.stringify({ Label: "CPUUtilization", Datapoints: [{ Timestamp: "2026-03-01T09:00:00Z", Maximum: 0.34, Unit: "Percent" }] });
    expect(series(text, { metrics: ["CPUUtilization"] }).series.map((s) => [s.metric, s.statistic, s.unit])).toEqual([["CPUUtilization", "Maximum", "Percent"]]);
  });
});

describe("the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "esm-sim-cloudwatch-"));

  it("is read through the bounded input reader, a UTF-8 BOM and all", () => {
    const path = join(dir, "lambda.json");
    writeFileSync(path, "\ufeff" + LAMBDA_DESC);
    expect(series(readInputText(path, CLOUDWATCH_EXPORT_INPUT)).series).toEqual(LAMBDA_SERIES);
  });

  it("larger than 16 MB is refused before it is read, with the cap named; the CLI exits 2 with the same message", () => {
    const path = join(dir, "huge.json");
    writeFileSync(path, Buffer.alloc(CLOUDWATCH_EXPORT_INPUT.maxBytes + 1, 0x20));
    const message = `${path}: the file is 16777217 bytes; CloudWatch exports are limited to 16777216 bytes`;
    expect(() => readInputText(path, CLOUDWATCH_EXPORT_INPUT)).toThrow(new InputError(message));
    expect(() => readTextFile(path, CLOUDWATCH_EXPORT_INPUT)).toThrow(new UsageError(message));
  });

  it("that never ends (a device, a pipe) is read up to the cap and no further", () => {
    expect(() => readInputText("/dev/zero", CLOUDWATCH_EXPORT_INPUT)).toThrow(new InputError("/dev/zero: gives more than 16777216 bytes; CloudWatch exports are limited to 16777216 bytes"));
  });

  it("given as text larger than the cap is refused by the reader too", () => {
    const r = read(" ".repeat(CLOUDWATCH_EXPORT_INPUT.maxBytes + 1));
    expect(r.ok ? [] : r.errors.map(formatProblem)).toEqual(["export.json:1:1 the text is 16777217 bytes; CloudWatch exports are limited to 16777216 bytes"]);
  });

  it("a directory is named as one", () => {
    expect(() => readInputText(dir, CLOUDWATCH_EXPORT_INPUT)).toThrow(new InputError(`${dir}: is a directory, not a CloudWatch export file`));
  });
});

it("problems have the fields of a scenario's problems, so the CLI prints both alike", () => {
  const r = read("");
  const asScenarioProblems: Problem[] = r.ok ? r.warnings : r.errors;
  expect(asScenarioProblems.map(formatProblem)).toEqual([
    "export.json:1:1 the file is empty; a CloudWatch export is the JSON that aws cloudwatch get-metric-data or get-metric-statistics prints (--output json)",
  ]);
});

it("reads an export as large as the cap, 29 series of 8,000 points, in seconds", () => {
  const base = t("2026-03-01T00:00:00Z");
  const results = CLOUDWATCH_METRICS.map((metric, r) => {
    const times: string[] = [];
    const values: number[] = [];
    for (let i = 7999; i >= 0; i--) {
      times.push(new Date((base + i * 60) * 1000).toISOString().replace(".000Z", "+00:00"));
      values.push(((i * 7919 + r) % 100000) / 100);
    }
    return { Id: `m${r}`, Label: `${metric} Sum`, Timestamps: times, Values: values, StatusCode: "Complete" };
  });
  const text = JSON.stringify({ MetricDataResults: results, Messages: [] }, null, 4);
  expect(text.length).toBeGreaterThan(14 * 1024 * 1024);
  expect(text.length).toBeLessThan(CLOUDWATCH_EXPORT_INPUT.maxBytes);
  const t0 = performance.now();
  const r = series(text);
  expect(performance.now() - t0).toBeLessThan(15_000);
  expect(r.series).toHaveLength(29);
  expect(r.series.every((s) => s.points.length === 8000 && s.periodS === 60 && s.missingPoints === 0)).toBe(true);
});

it("refuses a period from the caller that is not a positive number of seconds: a programming error, thrown", () => {
  expect(() => read(LAMBDA_DESC, { periodS: 0 })).toThrow(new RangeError("periodS must be a positive number of seconds, at least 0.001 (got 0)"));
  expect(() => read(LAMBDA_DESC, { periodS: Number.NaN })).toThrow(RangeError);
});

it("matches against 29 CloudWatch metric names by default, each once", () => {
  expect(CLOUDWATCH_METRICS).toHaveLength(29);
  expect(new Set(CLOUDWATCH_METRICS).size).toBe(29);
});

// ---------------------------------------------------------------------------------------------------------------
// Fuzzing: whatever the text, the reader returns series or problems, never throws

const FUZZ_RUNS = Number(process.env.ESM_SIM_FUZZ_CASES ?? 500);
const fuzzSeedVar = process.env.ESM_SIM_FUZZ_SEED ?? "11";
const FUZZ_SEED = fuzzSeedVar === "random" ? undefined : Number(fuzzSeedVar);
const fuzzParams = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true };

/** Read a text; fail with the input when the reader throws or returns something malformed. */
function readsCleanly(text: string, options?: CloudWatchExportOptions): void {
  let r: CloudWatchExportResult;
  try {
    r = parseCloudWatchExport(text, "fuzz.json", options);
  } catch (e) {
    throw new Error(`the reader threw ${(e as Error).name}: ${(e as Error).message}\n--- input (${text.length} chars) ---\n${text.slice(0, 2000)}`);
  }
  const problems = r.ok ? r.warnings : [...r.errors, ...r.warnings];
  if (!r.ok && r.errors.length === 0) throw new Error(`refused without an error:\n${text.slice(0, 2000)}`);
  for (const p of problems) {
    const placed = p.origin !== undefined ? p.line === 0 : p.line >= 1 && p.col >= 1;
    if (!placed || p.file !== "fuzz.json") throw new Error(`a problem without a place: ${JSON.stringify(p)}\n${text.slice(0, 2000)}`);
    if (typeof p.message !== "string" || p.message.trim() === "") throw new Error(`a problem without a message: ${JSON.stringify(p)}`);
    if (/\n\s+at .*:\d+:\d+/.test(p.message) || /\bundefined\b|\[object Object\]/.test(p.message)) throw new Error(`a message that leaks internals: ${p.message}`);
  }
  if (!r.ok) return;
  for (const s of r.series) {
    for (let i = 0; i < s.points.length; i++) {
      const p = s.points[i];
      if (!Number.isFinite(p.tS) || !Number.isFinite(p.value)) throw new Error(`a point that is not finite: ${JSON.stringify(p)}`);
      if (i > 0 && !(p.tS > s.points[i - 1].tS)) throw new Error(`points out of order in ${s.metric}: ${JSON.stringify(s.points.slice(i - 1, i + 1))}`);
    }
    if (!(s.periodS === null || s.periodS > 0) || !(Number.isInteger(s.missingPoints) && s.missingPoints >= 0)) throw new Error(`a bad period or count: ${JSON.stringify(s)}`);
    if (s.points.length >= 2 && s.periodS === null) throw new Error(`no period for ${s.points.length} points: ${JSON.stringify(s)}`);
  }
}

/** Paths to every value of a JSON document, the root included. */
function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

type Mutation = [pick: number, op: "replace" | "delete" | "duplicate" | "stringify" | "shift" | "empty", value: unknown];

/** Apply structural mutations to a copy of a document: each at a value picked among all of its values. */
function mutate(doc: unknown, mutations: Mutation[]): unknown {
  let root = structuredClone(doc);
  for (const [pick, op, value] of mutations) {
    const paths = pathsOf(root);
    const path = paths[pick % paths.length];
    if (path.length === 0) {
      root = op === "replace" ? value : op === "stringify" ? JSON.stringify(root) : root;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
    const key = path[path.length - 1];
    const old = parent[key];
    if (op === "replace") parent[key] = value;
    else if (op === "delete") Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key];
    else if (op === "duplicate" && Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(old));
    else if (op === "stringify") parent[key] = typeof old === "string" ? old.slice(0, -1) : JSON.stringify(old);
    else if (op === "shift") parent[key] = typeof old === "number" ? old * 1.5 + 7 : typeof old === "string" ? old.replace(/\d/, "9") : old;
    else if (op === "empty") parent[key] = Array.isArray(old) ? [] : typeof old === "object" && old !== null ? {} : "";
  }
  return root;
}

const VALID = [JSON.parse(LAMBDA_DESC), JSON.parse(ascending(LAMBDA_DESC)), JSON.parse(ITERATOR_AGE_STATS), [JSON.parse(ITERATOR_AGE_STATS), JSON.parse(INCOMING_RECORDS_STATS)], [JSON.parse(LAMBDA_DESC), JSON.parse(LAMBDA_DESC)]];
const mutationArb: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.constantFrom("replace", "delete", "duplicate", "stringify", "shift", "empty"), fc.jsonValue({ maxDepth: 3 })) as fc.Arbitrary<Mutation>;
const mapArb = fc.option(fc.dictionary(fc.constantFrom("invocations", "errors_sum", "duration", "concurrency", "m1", "IteratorAge", "__proto__"), fc.constantFrom("Invocations", "Duration.Maximum", "GetRecords.IteratorAgeMilliseconds.Average", "Nope", "Errors.p99", "", "Throttles.")), { nil: undefined });

describe("the reader never throws", () => {
  it("on random JSON", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), mapArb, (v, map) => readsCleanly(JSON.stringify(v), { map })), fuzzParams);
  });

  it("on random text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => readsCleanly(text)), fuzzParams);
  });

  it("on random structural mutations of valid exports", () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), mapArb, fc.option(fc.constantFrom(60, 120, 300, 0.5), { nil: undefined }), (doc, mutations, map, periodS) => {
        readsCleanly(JSON.stringify(mutate(doc, mutations), null, 4), { map, periodS });
      }),
      fuzzParams,
    );
  });

  it("on random text edits of valid exports: cuts, insertions, truncations", () => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 4 }), (doc, edits) => {
        let text = JSON.stringify(doc, null, 4);
        for (const [at, cut, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + cut);
        }
        readsCleanly(text);
      }),
      fuzzParams,
    );
  });
});
