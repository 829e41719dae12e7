/** Unicode block sparklines of a series over virtual time, for the terminal table. Pure and byte-stable. */
import type { Report } from "../run/result.js";
import { fmtInt, fmtMs } from "./format.js";
import { lineCharts, shortName, type Point } from "./series.js";

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/**
 * `width` columns over [0, endMs]; each column shows the largest sample that falls in it, or the last sample
 * before it (a series is a step function between samples). The scale runs from zero to the series' largest value;
 * zero is the lowest block and any value above zero shows at least the second, so "a little" never looks like "none".
 */
export function sparkline(points: readonly Point[], endMs: number, width = 48): string {
  if (points.length === 0 || width <= 0) return "";
  const span = Math.max(endMs, points[points.length - 1][0], 1);
  const cols: number[] = new Array(width).fill(-1);
  let last = 0;
  let j = 0;
  for (let c = 0; c < width; c++) {
    const hi = ((c + 1) * span) / width;
    let v = -1;
    while (j < points.length && (points[j][0] < hi || c === width - 1)) {
      v = Math.max(v, points[j][1]);
      last = points[j][1];
      j++;
    }
    cols[c] = v >= 0 ? v : last;
  }
  const max = Math.max(...cols);
  return cols.map((v) => (max <= 0 || v <= 0 ? BLOCKS[0] : BLOCKS[Math.max(1, Math.round((v / max) * 7))])).join("");
}

export const SPARK_WIDTH = 48;
const SPARK_LINES_PER_CHART = 8;

/** A sparkline per series of the report (at most 8 per chart), labels padded to one width, with each scale. */
export function sparklineRows(r: Report): { label: string; spark: string; scale: string }[] {
  const rows: [string, string, string][] = [];
  for (const chart of lineCharts(r)) {
    const fmt = chart.unit === "ms" ? fmtMs : fmtInt;
    for (const line of chart.lines.slice(0, SPARK_LINES_PER_CHART)) {
      const max = line.points.reduce((m, p) => Math.max(m, p[1]), 0);
      rows.push([shortName(chart, line), sparkline(line.points, r.endedAt, SPARK_WIDTH), `0..${fmt(max)}`]);
    }
    const more = chart.lines.length - SPARK_LINES_PER_CHART;
    if (more > 0) rows.push([`(+${more} more)`, "", ""]);
  }
  const w = Math.max(0, ...rows.map((x) => x[0].length));
  return rows.map(([label, spark, scale]) => ({ label: label.padEnd(w), spark, scale }));
}
