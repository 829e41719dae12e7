/**
 * The run's `cloudwatch` series as `aws cloudwatch get-metric-data --output json` prints them, so that tools that
 * read CloudWatch exports (esm-sim's own `calibrate` among them) read a simulated run the same way.
 *
 * Shape, from https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html and
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html: `MetricDataResults`,
 * each with `Id`, `Label`, `Timestamps`, `Values`, `StatusCode`, `Messages`; then the response's `Messages`. Points
 * come newest first, as they do unless the request asks for TimestampAscending; the CLI prints times with an offset
 * (`2024-01-01T00:01:00+00:00`). An `Id` starts with a lower-case letter and holds letters, digits and `_`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html).
 *
 * esm-sim's choices: each result's `Label` is the metric name, with the statistic after a space where one metric is
 * reported under two (`Duration Average`); its `Id` is the metric name in lower case with the statistic
 * (`invocations_sum`, `getrecords_records_sum`), so a reader finds the statistic without a map. A period where
 * CloudWatch would have no data point (a Maximum or Average with no sample) is left out, as CloudWatch leaves it
 * out; a Sum is written in every period of the run, zeros included.
 */
import { cloudwatchSeries, type CloudWatchReport } from "../metrics/cloudwatch.js";

/** An Id as get-metric-data allows: `Duration.Average` -> `duration_average`, `Invocations` + Sum -> `invocations_sum`. */
function idOf(key: string, metric: string, statistic: string): string {
  const base = key === metric ? `${metric}_${statistic}` : key;
  return base.replace(/[^A-Za-z0-9]+/g, "_").toLowerCase();
}

export function renderMetricData(cw: CloudWatchReport): string {
  const { timestamps, entries } = cloudwatchSeries(cw);
  const stamp = timestamps.map((t) => t.replace(/Z$/, "+00:00"));
  const results = entries.map((e) => {
    const times: string[] = [];
    const values: number[] = [];
    for (let i = e.values.length - 1; i >= 0; i--) {
      const v = e.values[i];
      if (v === null) continue;
      times.push(stamp[i]);
      values.push(v);
    }
    const label = e.key === e.metric ? e.metric : `${e.metric} ${e.statistic}`;
    return { Id: idOf(e.key, e.metric, e.statistic), Label: label, Timestamps: times, Values: values, StatusCode: "Complete" };
  });
  return JSON.stringify({ MetricDataResults: results, Messages: [] }, null, 4) + "\n";
}
