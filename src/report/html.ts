/**
 * The HTML report: one self-contained file (inline CSS, SVG and a little JS; no network access, no library) with
 * charts over virtual time. Line charts come from every `[ms, value][]` series in the report that belongs to its
 * source (concurrency; messages visible + in flight and the age of the oldest message for a queue, IteratorAge per shard for a
 * stream); invocation outcomes are stacked bars per time bucket; records by the end states of the source a bar
 * chart; a small run also gets an invocation timeline by poller (queue) or shard (stream). Hovering shows values: line charts find the nearest sample, bars and timeline items carry their
 * own text. All text is escaped; numbers are written with fixed rounding, so the bytes are stable.
 */
import type { Report, RunResult } from "../run/result.js";
import { fmtAllPassed, fmtCount, fmtInt, fmtMs, fmtRate, fmtShare } from "./format.js";
import { expectationText } from "./markdown.js";
import { bucketCharts, lineCharts, topLines, type BucketChart, type LineChart, type Point, type Unit } from "./series.js";
import { ageLabel, conservationOf, discardedSplit, duplicateCausesText, endStatesOf, sourceKind } from "./source-view.js";

export interface HtmlOptions {
  reproduce?: string;
  /** The timeline file written with the report (`--perfetto`), as a path relative to the page. */
  timeline?: string;
}

/** Escape text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string);
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A coordinate with one decimal, written the same way every time. */
function n(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

const W = 760;
const H = 220;
const LEFT = 72;
const RIGHT = 16;
const TOP = 14;
const BOTTOM = 30;
const PLOT_W = W - LEFT - RIGHT;
const PLOT_H = H - TOP - BOTTOM;

const PALETTE = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
export const OUTCOME_COLORS: Record<string, string> = { ok: "#16a34a", error: "#dc2626", timeout: "#ea580c", throttle: "#7c3aed", partial: "#ca8a04" };

const MS_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];

/** A round tick step giving at most `ticks` steps up to `max`: durations for ms, 1-2-5 for counts. */
function niceStep(max: number, unit: Unit, ticks: number): number {
  if (max <= 0) return 1;
  if (unit === "ms") {
    for (const s of MS_STEPS) if (max / s <= ticks) return s;
    return Math.ceil(max / ticks / 864e5) * 864e5;
  }
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return Math.max(1, m * mag);
  return Math.max(1, 10 * mag);
}

/** A virtual time for people: `0s`, `250ms`, `1m 30s`. */
function fmtTick(t: number): string {
  return t === 0 ? "0s" : fmtMs(t);
}

function fmtVal(v: number, unit: Unit): string {
  return unit === "ms" ? fmtMs(v) : v >= 100 || Number.isInteger(v) ? fmtInt(v) : String(Math.round(v * 100) / 100);
}

interface Axes {
  xMax: number;
  yMax: number;
  x: (t: number) => number;
  y: (v: number) => number;
  svg: string;
}

/** Grid lines, tick labels and the frame of a chart over [0, xMax] ms by [0, yMax-ish]. */
function axes(xMax: number, yMaxRaw: number, unit: Unit, yLabel: string): Axes {
  const yStep = niceStep(yMaxRaw, unit, 4);
  const yMax = Math.max(yStep, Math.ceil(yMaxRaw / yStep) * yStep);
  const xSpan = Math.max(xMax, 1);
  const x = (t: number) => LEFT + (t / xSpan) * PLOT_W;
  const y = (v: number) => TOP + PLOT_H - (v / yMax) * PLOT_H;
  const parts: string[] = [];
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n(y(v))}" y2="${n(y(v))}"/>`);
    parts.push(`<text class="tick" x="${LEFT - 6}" y="${n(y(v) + 4)}" text-anchor="end">${escapeHtml(v === 0 ? "0" : fmtVal(v, unit))}</text>`);
  }
  const xStep = niceStep(xSpan, "ms", 6);
  for (let t = 0; t <= xSpan + 1e-9; t += xStep) {
    parts.push(`<line class="xtick" x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H + 4}"/>`);
    parts.push(`<text class="tick" x="${n(x(t))}" y="${TOP + PLOT_H + 17}" text-anchor="middle">${escapeHtml(fmtTick(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}"/>`);
  parts.push(`<text class="ylabel" x="12" y="${TOP + PLOT_H / 2}" transform="rotate(-90 12 ${TOP + PLOT_H / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  return { xMax: xSpan, yMax, x, y, svg: parts.join("") };
}

/** At most about two points per pixel column: first, lowest, highest and last of each column, in time order. */
function thin(points: readonly Point[], xMax: number): Point[] {
  if (points.length <= 2 * PLOT_W) return [...points];
  const out: Point[] = [];
  let col = -1;
  let bucket: Point[] = [];
  const flush = () => {
    if (bucket.length === 0) return;
    let lo = bucket[0];
    let hi = bucket[0];
    for (const p of bucket) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    const keep = [bucket[0], lo, hi, bucket[bucket.length - 1]].sort((a, b) => a[0] - b[0]);
    for (const p of keep) if (out[out.length - 1] !== p) out.push(p);
    bucket = [];
  };
  for (const p of points) {
    const c = Math.floor((p[0] / Math.max(xMax, 1)) * PLOT_W);
    if (c !== col) {
      flush();
      col = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

function figure(id: string, kind: string, title: string, body: string, extra = ""): string {
  return `<figure class="chart" id="chart-${escapeHtml(id)}" data-kind="${kind}"><figcaption>${escapeHtml(title)}</figcaption>${body}${extra}</figure>`;
}

function svgOpen(label: string, height = H): string {
  return `<svg viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeHtml(label)}">`;
}

function legend(items: [string, string][]): string {
  return `<div class="legend">${items.map(([name, color]) => `<span><i style="background:${color}"></i>${escapeHtml(name)}</span>`).join("")}</div>`;
}

/** A self-contained page's start, up to and including `<body>`: no request leaves the file (the icon is empty). */
export function pageHead(title: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>`;
}

/** A point to mark on a line chart, with a sentence under the chart that names it. */
interface Peak {
  at: Point | null;
  note: string;
}

/**
 * A line chart over virtual time; `peak` marks a point and names it under the chart; `yLabel` names the vertical
 * axis (default: the age, the one line or the key).
 */
export function lineChartHtml(chart: LineChart & { yLabel?: string }, endMs: number, peak: Peak | null = null): string {
  if (chart.lines.every((l) => l.points.length === 0)) {
    return `<figure class="chart" id="chart-${escapeHtml(chart.key)}" data-kind="none"><figcaption>${escapeHtml(chart.title)}</figcaption><p class="note">No samples: they are taken once a second of virtual time while the mapping runs.</p></figure>`;
  }
  const xMax = Math.max(endMs, ...chart.lines.map((l) => (l.points.length ? l.points[l.points.length - 1][0] : 0)));
  const yMaxRaw = Math.max(0, ...chart.lines.flatMap((l) => l.points.map((p) => p[1])));
  const ax = axes(xMax, yMaxRaw, chart.unit, chart.yLabel ?? (chart.unit === "ms" ? "age" : chart.lines.length === 1 ? chart.lines[0].name : chart.key));
  const lines = chart.lines.map((l) => ({ name: l.name, points: thin(l.points, ax.xMax) }));
  const paths = lines
    .map((l, i) => {
      if (l.points.length === 0) return "";
      const d = l.points.map((p, j) => `${j === 0 ? "M" : "L"}${n(ax.x(p[0]))} ${n(ax.y(p[1]))}`).join("");
      const pts = l.points.length === 1 ? `<circle class="point" cx="${n(ax.x(l.points[0][0]))}" cy="${n(ax.y(l.points[0][1]))}" r="3" fill="${PALETTE[i % PALETTE.length]}"/>` : "";
      return `<path class="series" data-series="${escapeHtml(l.name)}" d="${d}" stroke="${PALETTE[i % PALETTE.length]}"/>${pts}`;
    })
    .join("");
  const data = { unit: chart.unit, left: LEFT, width: PLOT_W, top: TOP, height: PLOT_H, xMax: ax.xMax, yMax: ax.yMax, colors: lines.map((_, i) => PALETTE[i % PALETTE.length]), lines };
  const body =
    svgOpen(chart.title) +
    ax.svg +
    paths +
    (peak?.at ? `<circle class="peak" cx="${n(ax.x(peak.at[0]))}" cy="${n(ax.y(peak.at[1]))}" r="4.5"/>` : "") +
    `<line class="guide" x1="0" x2="0" y1="${TOP}" y2="${TOP + PLOT_H}" visibility="hidden"/><g class="dots"></g></svg>` +
    (chart.lines.length > 1 ? legend(lines.map((l, i) => [l.name, PALETTE[i % PALETTE.length]])) : "") +
    (peak ? `<p class="note peak-note">${escapeHtml(peak.note)}</p>` : "") +
    `<script type="application/json" class="chart-data">${scriptJson(data)}</script>`;
  return figure(chart.key, "line", chart.title, body);
}

/** Merge k neighbouring buckets so that a chart shows at most about `maxBars` bars. */
function mergeBuckets(chart: BucketChart, xMax: number, maxBars: number): BucketChart {
  const k = Math.max(1, Math.ceil(Math.ceil(xMax / chart.bucketMs) / maxBars));
  if (k === 1) return chart;
  const merged = new Map<number, number[]>();
  for (const b of chart.buckets) {
    const start = Math.floor(b[0] / (chart.bucketMs * k)) * chart.bucketMs * k;
    const row = merged.get(start) ?? [start, ...chart.kinds.map(() => 0)];
    for (let i = 1; i < b.length; i++) row[i] += b[i];
    merged.set(start, row);
  }
  return { ...chart, bucketMs: chart.bucketMs * k, buckets: [...merged.values()] };
}

function bucketChartHtml(full: BucketChart, endMs: number): string {
  const chart = mergeBuckets(full, Math.max(endMs, ...full.buckets.map((b) => b[0] + full.bucketMs)), 120);
  const rows = chart.buckets.filter((b) => b.slice(1).some((c) => c > 0));
  const xMax = Math.max(endMs, ...chart.buckets.map((b) => b[0] + chart.bucketMs));
  const yMaxRaw = Math.max(0, ...rows.map((b) => b.slice(1).reduce((a, c) => a + c, 0)));
  const ax = axes(xMax, yMaxRaw, "count", `per ${fmtMs(chart.bucketMs)}`);
  const bw = Math.max(1, ax.x(chart.bucketMs) - ax.x(0) - (chart.bucketMs / ax.xMax > 0.01 ? 1 : 0));
  const bars = rows
    .map((b) => {
      let acc = 0;
      const rects: string[] = [];
      const parts: string[] = [];
      chart.kinds.forEach((k, i) => {
        const c = b[i + 1];
        if (c <= 0) return;
        const y0 = ax.y(acc);
        acc += c;
        const y1 = ax.y(acc);
        rects.push(`<rect x="${n(ax.x(b[0]))}" y="${n(y1)}" width="${n(bw)}" height="${n(Math.max(0.5, y0 - y1))}" fill="${OUTCOME_COLORS[k] ?? PALETTE[i % PALETTE.length]}"/>`);
        parts.push(`${k} ${fmtInt(c)}`);
      });
      const tip = `${fmtTick(b[0])} to ${fmtTick(b[0] + chart.bucketMs)}: ${parts.join(", ")}`;
      return `<g class="bar" data-tip="${escapeHtml(tip)}">${rects.join("")}</g>`;
    })
    .join("");
  const body =
    svgOpen(chart.title) +
    ax.svg +
    bars +
    "</svg>" +
    legend(chart.kinds.map((k, i) => [k, OUTCOME_COLORS[k] ?? PALETTE[i % PALETTE.length]]));
  const empty = rows.length === 0 ? `<p class="note">No invocations.</p>` : "";
  return figure(chart.key, "bars", `${chart.title} (per ${fmtMs(chart.bucketMs)})`, body, empty);
}

const END_STATE_COLORS: Record<string, string> = {
  succeeded: "#16a34a",
  dlq: "#dc2626",
  onFailure: "#b91c1c",
  onFailureDelivered: "#f87171",
  onFailureDropped: "#7f1d1d",
  expired: "#ea580c",
  filtered: "#64748b",
  pending: "#ca8a04",
};

/** The end states, each followed (discarded) by its two lines: delivered to the destination, dropped. The bar's
 *  label is short; its tooltip says the whole line. */
function endStateRows(r: Report): { key: string; label: string; tip: string; v: number; color: string }[] {
  const rows: { key: string; label: string; tip: string; v: number; color: string }[] = [];
  for (const { key, label } of endStatesOf(r)) {
    rows.push({ key, label, tip: label, v: r.records[key], color: END_STATE_COLORS[key] ?? "#64748b" });
    if (key !== "onFailure") continue;
    for (const sub of discardedSplit(r)) {
      rows.push({ key: sub.key, label: sub.key === "onFailureDelivered" ? "↳ delivered" : "↳ dropped", tip: sub.label, v: sub.n, color: END_STATE_COLORS[sub.key] });
    }
  }
  return rows;
}

function endStatesHtml(r: Report): string {
  const states = endStateRows(r);
  const rowH = 26;
  const height = TOP + states.length * rowH + 8;
  const max = Math.max(1, ...states.map((s) => s.v));
  const labelW = 170;
  const barMax = W - labelW - 130;
  const rows = states.map(({ label, tip: line, v, color }, i) => {
    const y = TOP + i * rowH;
    const w = v > 0 ? Math.max(2, (v / max) * barMax) : 0;
    const share = fmtShare(v, r.records.produced);
    const tip = `${line}: ${fmtInt(v)} of ${fmtInt(r.records.produced)} records (${share})`;
    return (
      `<g class="bar" data-tip="${escapeHtml(tip)}"><text class="label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>` +
      `<rect class="hit" x="${labelW}" y="${y}" width="${barMax}" height="${rowH - 6}"/>` +
      `<rect x="${labelW}" y="${y}" width="${n(w)}" height="${rowH - 6}" fill="${color}"/>` +
      `<text class="value" x="${n(labelW + w + 6)}" y="${y + 15}">${escapeHtml(`${fmtInt(v)} (${share})`)}</text></g>`
    );
  }).join("");
  return figure("end-states", "hbar", `Records by end state (${fmtInt(r.records.produced)} produced)`, svgOpen("Records by end state", height) + rows + "</svg>");
}

function timelineHtml(result: RunResult): string {
  const r = result.report;
  const tl = result.timeline;
  if (tl === null) {
    return `<figure class="chart" id="chart-timeline" data-kind="none"><figcaption>Invocation timeline</figcaption><p class="note">Left out: the run had ${escapeHtml(fmtInt(r.invocations.total))} invocations; the timeline is drawn for runs of at most 2,000.</p></figure>`;
  }
  if (tl.items.length === 0) {
    return `<figure class="chart" id="chart-timeline" data-kind="none"><figcaption>Invocation timeline</figcaption><p class="note">No invocations.</p></figure>`;
  }
  const rowH = Math.max(3, Math.min(18, Math.floor(480 / tl.lanes.length)));
  const height = TOP + tl.lanes.length * rowH + BOTTOM;
  const xMax = Math.max(r.endedAt, ...tl.items.map((i) => i.end ?? i.start));
  const xSpan = Math.max(xMax, 1);
  const x = (t: number) => LEFT + (t / xSpan) * PLOT_W;
  const parts: string[] = [];
  const xStep = niceStep(xSpan, "ms", 6);
  const bottom = TOP + tl.lanes.length * rowH;
  for (let t = 0; t <= xSpan + 1e-9; t += xStep) {
    parts.push(`<line class="grid" x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP}" y2="${bottom}"/>`);
    parts.push(`<text class="tick" x="${n(x(t))}" y="${bottom + 17}" text-anchor="middle">${escapeHtml(fmtTick(t))}</text>`);
  }
  const labelEvery = Math.ceil(12 / rowH);
  tl.lanes.forEach((name, i) => {
    if (i % labelEvery === 0) parts.push(`<text class="tick" x="${LEFT - 6}" y="${n(TOP + i * rowH + rowH / 2 + 4)}" text-anchor="end">${escapeHtml(name)}</text>`);
  });
  for (const it of tl.items) {
    const end = it.end ?? xMax;
    const x0 = x(it.start);
    const w = Math.max(1, x(end) - x0);
    const lane = tl.lanes[it.lane];
    const cold = it.initMs === undefined ? "" : ` · cold start, Init Duration ${fmtTick(it.initMs)}`;
    const tip = `invocation ${it.invocation} · ${lane} · ${fmtTick(it.start)} to ${it.end === null ? "(still running)" : fmtTick(it.end)} · ${it.outcome} · ${it.records} record${it.records === 1 ? "" : "s"}${cold}`;
    parts.push(
      `<rect class="inv" data-tip="${escapeHtml(tip)}" x="${n(x0)}" y="${n(TOP + it.lane * rowH + 1)}" width="${n(w)}" height="${n(Math.max(1, rowH - 2))}" fill="${OUTCOME_COLORS[it.outcome] ?? "#94a3b8"}"/>`,
    );
    // A cold start's Init phase, drawn over the start of its invocation.
    if (it.initMs !== undefined) {
      const wi = Math.max(1, Math.min(x(it.start + it.initMs), x(end)) - x0);
      parts.push(`<rect class="init" data-tip="${escapeHtml(tip)}" x="${n(x0)}" y="${n(TOP + it.lane * rowH + 1)}" width="${n(wi)}" height="${n(Math.max(1, rowH - 2))}" fill="${INIT_COLOR}"/>`);
    }
  }
  for (const th of tl.throttles) {
    const tip = `throttled invoke · ${tl.lanes[th.lane]} · at ${fmtTick(th.t)}`;
    const y0 = TOP + th.lane * rowH;
    parts.push(`<rect class="inv throttle" data-tip="${escapeHtml(tip)}" x="${n(x(th.t) - 1)}" y="${n(y0)}" width="2" height="${n(Math.max(1, rowH))}" fill="${OUTCOME_COLORS.throttle}"/>`);
  }
  const kinds = ["ok", "error", "timeout", "partial"].filter((k) => tl.items.some((i) => i.outcome === k));
  if (tl.throttles.length > 0) kinds.push("throttle");
  if (tl.items.some((i) => i.outcome === "running")) kinds.push("running");
  const legendItems: [string, string][] = kinds.map((k) => [k, OUTCOME_COLORS[k] ?? "#94a3b8"]);
  if (tl.items.some((i) => i.initMs !== undefined)) legendItems.push(["cold start (Init phase)", INIT_COLOR]);
  return figure(
    "timeline",
    "timeline",
    `Invocation timeline by ${sourceKind(r) === "stream" ? "shard" : "poller"} (${fmtInt(tl.items.length)} invocation${tl.items.length === 1 ? "" : "s"})`,
    svgOpen("Invocation timeline", height) + parts.join("") + "</svg>" + legend(legendItems),
  );
}

/** Lines per chart of records behind: the shards with the largest peaks, then one line for the rest. */
const BEHIND_LINES = 6;

/** Records behind per shard: the shards with the largest peaks (the rest as one line), the run's peak marked and
 *  named under the chart. */
function recordsBehindHtml(r: Report, chart: LineChart): string {
  const rb = r.stream?.recordsBehind;
  const peak: Peak | null =
    rb && rb.maxShard !== null && rb.maxAtMs !== null
      ? { at: [rb.maxAtMs, rb.max], note: `Peak: ${fmtCount(rb.max, "record")} behind on ${rb.maxShard} at ${fmtTick(rb.maxAtMs)} (samples once a second).` }
      : null;
  return lineChartHtml({ ...topLines(chart, BEHIND_LINES), yLabel: "records" }, r.endedAt, peak ?? { at: null, note: "No record waited unread at any one-second sample." });
}

/** With duplicates: what caused them ("duplicates by cause: 3 back after the visibility timeout ran out"). */
function duplicateCausesHtml(r: Report): string {
  if (r.duplicates === 0) return "";
  return `<p class="conservation duplicate-causes">${escapeHtml(`duplicates by cause: ${duplicateCausesText(r)}`)}</p>\n`;
}

/** With function.coldStart: how many invocations started a new execution environment, and their Init Duration. */
function coldStartsHtml(r: Report): string {
  const cs = r.coldStarts;
  if (!cs) return "";
  const text =
    cs.count === 0
      ? "cold starts: none"
      : `cold starts: ${fmtCount(cs.count, "invocation")} started a new execution environment; Init Duration avg ${fmtMs(cs.initDuration.avg)}, max ${fmtMs(cs.initDuration.max)}`;
  return `<p class="cold-starts">${escapeHtml(text)}</p>\n`;
}

/** The colour of a cold start's Init phase on the invocation timeline; the cold-start chart's bars (a kind with no
 *  outcome colour) are drawn in the same, the palette's first. */
const INIT_COLOR = PALETTE[0];

/**
 * With function.coldStart and an invocation timeline (runs of at most 2,000 invocations): cold starts counted per
 * time bucket, the buckets of the outcome chart. Nothing when there is no timeline or no cold start.
 */
function coldStartChartHtml(result: RunResult): string[] {
  const r = result.report;
  const tl = result.timeline;
  if (!r.coldStarts || r.coldStarts.count === 0 || tl === null) return [];
  const bucketMs = r.series.outcomes.bucketMs;
  const counts = new Map<number, number>();
  for (const it of tl.items) {
    if (it.initMs === undefined) continue;
    const start = Math.floor(it.start / bucketMs) * bucketMs;
    counts.set(start, (counts.get(start) ?? 0) + 1);
  }
  const buckets = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([t, c]) => [t, c]);
  return [bucketChartHtml({ key: "cold-starts", title: "Cold starts (invocations that started a new execution environment)", bucketMs, kinds: ["cold start"], buckets }, r.endedAt)];
}

/** Producer retries (duplicateSendRate), when there were any: how many, and how many were processed a second time. */
function producerRetryCards(r: Report): string[] {
  const retried = r.stream ?? r.sqs;
  if (!retried || retried.producerRetries === 0) return [];
  return [card("producer retries", fmtInt(retried.producerRetries)), card("processed twice by retries", fmtInt(retried.producerDuplicates), retried.producerDuplicates > 0)];
}

function card(label: string, value: string, bad = false): string {
  return `<div class="card${bad ? " bad" : ""}"><div class="v">${escapeHtml(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
}

/** A link to the run's timeline, relative to the page, with where to open it; nothing without one. */
function timelineLink(file: string | undefined): string {
  if (!file) return "";
  const href = encodeURI(file.split("\\").join("/"));
  return `<p class="timeline">Timeline of every invocation: <a href="${escapeHtml(href)}">${escapeHtml(file)}</a> (open it in <a href="https://ui.perfetto.dev">ui.perfetto.dev</a> or chrome://tracing)</p>`;
}

export function renderHtml(result: RunResult, opts: HtmlOptions = {}): string {
  const r = result.report;
  const ended = fmtMs(r.endedAt);
  const failed = r.expectations.filter((e) => !e.passed);
  const verdict = r.drained
    ? `<p class="verdict ok">Drained at ${escapeHtml(ended)}: every record reached an end state.</p>`
    : r.stopReason === "until"
      ? `<p class="verdict warn">Stopped at until (${escapeHtml(ended)}) with ${escapeHtml(fmtCount(r.records.pending, "record"))} still pending.</p>`
      : `<p class="verdict bad">Did not drain: stopped at the cap (${escapeHtml(ended)}) with ${escapeHtml(fmtCount(r.records.pending, "record"))} still pending.</p>`;

  const exp =
    r.expectations.length === 0
      ? ""
      : `<section class="expectations"><h2>${failed.length === 0 ? `Expectations: ${fmtAllPassed(r.expectations.length)}` : `Expectations: ${failed.length} of ${r.expectations.length} failed`}</h2><ul>${[...failed, ...r.expectations.filter((e) => e.passed)]
          .map((e) => {
            const t = expectationText(e);
            return `<li class="${e.passed ? "pass" : "fail"}">${e.passed ? "✓" : "✗"} <code>${escapeHtml(t.check)}</code> ${escapeHtml(t.expected)} (actual ${escapeHtml(t.actual)})</li>`;
          })
          .join("")}</ul>${failed.length > 0 && opts.reproduce ? `<p class="reproduce">reproduce: <code>${escapeHtml(opts.reproduce)}</code></p>` : ""}</section>`;

  const st = r.stream;
  const ends = endStatesOf(r).filter(({ key }) => key === "succeeded" || key === "dlq" || key === "onFailure" || key === "expired");
  const cards = [
    card("produced", fmtInt(r.records.produced)),
    ...ends.map(({ key, label }) => card(key === "expired" ? "expired" : label, fmtInt(r.records[key]), key !== "succeeded" && r.records[key] > 0)),
    // Discarded stream records: how many reached the on-failure destination, how many are gone.
    ...discardedSplit(r).map((sub) => card(sub.key === "onFailureDelivered" && r.stream?.onFailureDestination ? "delivered to the destination" : sub.label, fmtInt(sub.n), sub.key === "onFailureDropped" && sub.n > 0)),
    card("duplicates", fmtInt(r.duplicates), r.duplicates > 0),
    card("ordering violations", fmtInt(r.orderingViolations)),
    card("invocations", fmtInt(r.invocations.total)),
    card("errors", fmtInt(r.invocations.errors), r.invocations.errors > 0),
    card("timeouts", fmtInt(r.invocations.timeouts), r.invocations.timeouts > 0),
    card("throttles", fmtInt(r.invocations.throttles), r.invocations.throttles > 0),
    // Streams: the retries a failing batch costs its shard, and Kinesis' write limits when producers met them.
    ...(st ? [card("retries", fmtInt(st.retries), st.retries > 0)] : []),
    ...(st && st.producerThrottles > 0 ? [card("producer throttled writes", fmtInt(st.producerThrottles), true)] : []),
    ...producerRetryCards(r),
    card("concurrency max", fmtInt(r.concurrency.max)),
    ...(r.coldStarts ? [card("cold starts", fmtInt(r.coldStarts.count))] : []),
    card(`${ageLabel(r)} max`, fmtMs(r.iteratorAge.max)),
    ...(st ? [card("records behind max", fmtInt(st.recordsBehind.max))] : []),
    // Measured on records that succeeded: with none there is no sample.
    card("latency p99", r.records.succeeded === 0 ? "none succeeded" : fmtMs(r.latency.p99)),
    card("throughput", r.records.succeeded === 0 ? "none succeeded" : `${fmtRate(r.throughput.recordsPerSecond)}/s`),
  ].join("");

  const charts = [
    ...lineCharts(r).map((c) => (c.key === "recordsBehindByShard" ? recordsBehindHtml(r, c) : lineChartHtml(c, r.endedAt))),
    ...bucketCharts(r).map((c) => bucketChartHtml(c, r.endedAt)),
    ...coldStartChartHtml(result),
    endStatesHtml(r),
    timelineHtml(result),
  ].join("\n");

  const meta = `seed ${r.seed} · profile ${r.profile} · ${r.source.type} ${r.source.name} · esm-sim ${r.version}`;
  return `${pageHead(`esm-sim · ${r.scenario}`, CSS)}
<header><h1>esm-sim · ${escapeHtml(r.scenario)}</h1><p class="meta">${escapeHtml(meta)}</p>${r.description.trim() ? `<p class="desc">${escapeHtml(r.description.trim())}</p>` : ""}${verdict}${timelineLink(opts.timeline)}</header>
${exp}
<section class="cards">${cards}</section>
<p class="conservation">${escapeHtml(`conservation: ${conservationOf(r)}`)}</p>
${duplicateCausesHtml(r)}${coldStartsHtml(r)}<section class="charts">
${charts}
</section>
<div id="tooltip" role="tooltip" hidden></div>
<script>${JS}</script>
</body>
</html>
`;
}

export const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#0f172a;background:#f8fafc}
body{max-width:820px;margin:24px auto;padding:0 16px}
h1{font-size:1.4rem;margin:0 0 4px}h2{font-size:1.05rem;margin:0 0 6px}
.meta,.conservation,.cold-starts,.note{color:#64748b;font-size:.85rem}.peak{fill:none;stroke:#0f172a;stroke-width:1.5}.desc{max-width:760px}
.verdict{font-weight:600}.verdict.ok{color:#15803d}.verdict.warn{color:#a16207}.verdict.bad{color:#b91c1c}
.expectations ul{list-style:none;padding:0;margin:0}.expectations li{padding:2px 0}
.expectations .pass{color:#15803d}.expectations .fail{color:#b91c1c;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:16px 0 4px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 10px}.card .v{font-size:1.15rem;font-weight:600}
.card .l{color:#64748b;font-size:.8rem}.card.bad .v{color:#b91c1c}
.chart{background:#fff;border:1px solid #e2e8f0;border-radius:6px;margin:16px 0;padding:8px 8px 4px}
figcaption{font-weight:600;margin:0 0 4px 4px}svg{display:block;max-width:100%;height:auto}
.grid{stroke:#e2e8f0}.axis,.xtick{stroke:#94a3b8}.tick,.label,.value,.ylabel{font-size:11px;fill:#475569}
.series{fill:none;stroke-width:1.6}.guide{stroke:#0f172a;stroke-dasharray:3 3}.hit{fill:transparent}
.bar:hover rect,.inv:hover{opacity:.75}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:.8rem;color:#475569;margin:4px 0 2px 72px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
#tooltip{position:absolute;pointer-events:none;background:#0f172a;color:#f8fafc;font-size:12px;padding:6px 8px;border-radius:4px;white-space:pre;z-index:10;max-width:420px}
`;

/* The page's script: hover tooltips. Plain ES5 so that any browser runs it; no eval, text only (no innerHTML). */
export const JS = `
(function(){
"use strict";
var tip=document.getElementById("tooltip");
function trim(x){return String(Math.round(x*100)/100);}
function fmtMs(ms){
  var us=Math.round(ms*1000);
  if(us===0)return "0s";
  if(us<1000)return us+"us";
  if(us<1e6)return trim(us/1000)+"ms";
  if(us<6e7)return trim(us/1e6)+"s";
  var m,s,h,d;
  if(us<36e8){m=Math.floor(us/6e7);s=Math.round((us-m*6e7)/1e6);return s?m+"m "+s+"s":m+"m";}
  if(us<864e8){h=Math.floor(us/36e8);m=Math.round((us-h*36e8)/6e7);return m?h+"h "+m+"m":h+"h";}
  d=Math.floor(us/864e8);h=Math.round((us-d*864e8)/36e8);return h?d+"d "+h+"h":d+"d";
}
function fmtVal(v,unit){return unit==="ms"?fmtMs(v):(Math.round(v*100)/100).toLocaleString("en-US");}
function show(text,ev){
  tip.textContent=text;tip.hidden=false;
  var x=ev.pageX+14,y=ev.pageY+14,w=tip.offsetWidth;
  if(x+w>window.scrollX+document.documentElement.clientWidth-8)x=ev.pageX-w-14;
  tip.style.left=x+"px";tip.style.top=y+"px";
}
function hide(){tip.hidden=true;}
function nearest(points,t){
  var lo=0,hi=points.length-1;
  if(hi<0)return null;
  while(lo<hi){var mid=(lo+hi)>>1;if(points[mid][0]<t)lo=mid+1;else hi=mid;}
  if(lo>0&&Math.abs(points[lo-1][0]-t)<=Math.abs(points[lo][0]-t))lo--;
  return points[lo];
}
var NS="http://www.w3.org/2000/svg";
Array.prototype.forEach.call(document.querySelectorAll('figure[data-kind="line"]'),function(fig){
  var data=JSON.parse(fig.querySelector("script.chart-data").textContent);
  var svg=fig.querySelector("svg"),guide=svg.querySelector(".guide"),dots=svg.querySelector(".dots");
  function leave(){guide.setAttribute("visibility","hidden");while(dots.firstChild)dots.removeChild(dots.firstChild);hide();}
  svg.addEventListener("pointermove",function(ev){
    var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;
    var p=pt.matrixTransform(svg.getScreenCTM().inverse());
    if(p.x<data.left||p.x>data.left+data.width){leave();return;}
    var t=(p.x-data.left)/data.width*data.xMax;
    var lines=[],best=null;
    while(dots.firstChild)dots.removeChild(dots.firstChild);
    data.lines.forEach(function(l,i){
      var q=nearest(l.points,t);if(!q)return;
      if(best===null||Math.abs(q[0]-t)<Math.abs(best-t))best=q[0];
      lines.push(l.name+": "+fmtVal(q[1],data.unit));
      var c=document.createElementNS(NS,"circle");
      c.setAttribute("cx",data.left+q[0]/data.xMax*data.width);
      c.setAttribute("cy",data.top+data.height-q[1]/data.yMax*data.height);
      c.setAttribute("r","3.5");c.setAttribute("fill",data.colors[i]);
      dots.appendChild(c);
    });
    if(best===null){leave();return;}
    var gx=data.left+best/data.xMax*data.width;
    guide.setAttribute("x1",gx);guide.setAttribute("x2",gx);guide.setAttribute("visibility","visible");
    show("at "+fmtMs(best)+"\\n"+lines.join("\\n"),ev);
  });
  svg.addEventListener("pointerleave",leave);
});
document.addEventListener("pointermove",function(ev){
  var el=ev.target;
  if(!el||!el.closest||el.closest('figure[data-kind="line"]'))return;
  var hit=el.closest("[data-tip]");
  if(hit)show(hit.getAttribute("data-tip"),ev);else hide();
});
})();
`;
