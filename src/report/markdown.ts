/**
 * The report as GitHub-flavoured Markdown, for a pull-request comment or $GITHUB_STEP_SUMMARY: a headline that says
 * whether every expectation passed, failures first in a caution box with the reproduce line, where records ended,
 * the key numbers, then every expectation with a pass/fail mark. Pure and byte-stable; all user text is escaped.
 */
import { METRIC_PATHS } from "../metrics/paths.js";
import type { ExpectationResult, Report } from "../run/result.js";
import { cloudwatchPeriods, cloudwatchView, NO_POINT } from "./cloudwatch-view.js";
import { fmtAllPassed, fmtCount, fmtExpected, fmtInt, fmtMs, fmtRate, fmtShare } from "./format.js";
import { ageLabel, discardedSplit, duplicateCausesText, endStatesOf, recordsBehindText } from "./source-view.js";
import { sparklineRows } from "./spark.js";

export interface MarkdownOptions {
  /** A command that reproduces the run, shown under failed expectations. */
  reproduce?: string;
  /** Add the report's CloudWatch metrics (run --cloudwatch). */
  cloudwatch?: boolean;
}

const OPS: Record<string, string> = { eq: "=", ne: "≠", lt: "<", lte: "≤", gt: ">", gte: "≥" };

/** Escape text for a Markdown paragraph or table cell: no markup, no HTML, no line breaks. */
export function escapeMd(s: string): string {
  const flat = s
    .replace(/\r?\n/g, " ")
    .replace(/[\\`*_[\]|~<>&]/g, (ch) => (ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch === "&" ? "&amp;" : `\\${ch}`));
  // What would start a heading, list or quote at the beginning of a line.
  return flat.replace(/^(\s*)(#{1,6}|[+-]|\d+[.)])(?=\s|$)/, "$1\\$2");
}

/** Inline code that cannot be broken out of: backtick fences longer than any run inside. */
export function code(s: string): string {
  const flat = s.replace(/\r?\n/g, " ");
  let fence = "`";
  while (flat.includes(fence)) fence += "`";
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** An expectation's parts as text: numbers, durations and booleans only, so they need no escaping. */
export function expectationText(e: ExpectationResult): { check: string; expected: string; actual: string } {
  const kind = METRIC_PATHS[e.path] === "ms" ? "ms" : "other";
  return { check: e.path, expected: `${OPS[e.op]} ${fmtExpected(kind, e.expected)}`, actual: fmtExpected(kind, e.actual) };
}

export function renderMarkdown(r: Report, opts: MarkdownOptions = {}): string {
  const out: string[] = [];
  const failed = r.expectations.filter((e) => !e.passed);
  const n = r.expectations.length;
  const verdict =
    n === 0 ? "no expectations" : failed.length === 0 ? fmtAllPassed(n, "expectation") : `${failed.length} of ${n} expectation${n > 1 ? "s" : ""} failed`;
  const mark = n === 0 ? "ℹ️" : failed.length === 0 ? "✅" : "❌";
  out.push(`### ${mark} esm-sim · ${escapeMd(r.scenario)}: ${verdict}`, "");

  if (failed.length > 0) {
    out.push("> [!CAUTION]");
    for (const e of failed) {
      const t = expectationText(e);
      out.push(`> ❌ ${code(t.check)} expected ${t.expected}, actual **${t.actual}**  `);
    }
    if (opts.reproduce) out.push(`> reproduce: ${code(opts.reproduce)}`);
    out.push("");
  }

  const ended = fmtMs(r.endedAt);
  const stop = r.drained
    ? `drained at ${ended}`
    : r.stopReason === "until"
      ? `stopped at until (${ended}) with ${fmtCount(r.records.pending, "record")} pending`
      : `**did not drain**: stopped at the cap (${ended}) with ${fmtCount(r.records.pending, "record")} pending`;
  out.push(`${escapeMd(`seed ${r.seed} · profile ${r.profile} · ${r.source.type} ${r.source.name} · esm-sim ${r.version}`)} · ${stop}`, "");
  if (r.description.trim()) out.push(`> ${escapeMd(r.description.trim())}`, "");

  const pct = (x: number) => fmtShare(x, r.records.produced);
  out.push("| where records ended | records | share |", "|---|--:|--:|");
  out.push(`| produced | ${fmtInt(r.records.produced)} | |`);
  for (const { key, label } of endStatesOf(r)) {
    out.push(`| ${label} | ${fmtInt(r.records[key])} | ${pct(r.records[key])} |`);
    if (key !== "onFailure") continue;
    for (const sub of discardedSplit(r)) out.push(`| &emsp;${escapeMd(sub.label)} | ${fmtInt(sub.n)} | ${pct(sub.n)} |`);
  }
  out.push("");

  out.push("| metric | value | metric | value |", "|---|--:|---|--:|");
  const pairs: [string, string][] = [
    ["duplicates", fmtInt(r.duplicates)],
    ["ordering violations", fmtInt(r.orderingViolations)],
    ["invocations", fmtInt(r.invocations.total)],
    ["errors / timeouts", `${fmtInt(r.invocations.errors)} / ${fmtInt(r.invocations.timeouts)}`],
    ["throttles", fmtInt(r.invocations.throttles)],
    ["partial responses", fmtInt(r.invocations.partial)],
    ["concurrency max", `${fmtInt(r.concurrency.max)} at ${fmtMs(r.concurrency.timeToMax)}`],
    [`${ageLabel(r)} max / p99`, `${fmtMs(r.iteratorAge.max)} / ${fmtMs(r.iteratorAge.p99)}`],
    // Measured on records that succeeded: with none there is no sample.
    ["latency p50 / p99", r.records.succeeded === 0 ? "none succeeded" : `${fmtMs(r.latency.p50)} / ${fmtMs(r.latency.p99)}`],
    ["throughput", r.records.succeeded === 0 ? "none succeeded" : `${fmtRate(r.throughput.recordsPerSecond)}/s`],
  ];
  // With function.coldStart: the invocations that started an execution environment, and their Init phase.
  const cs = r.coldStarts;
  if (cs) pairs.push(["cold starts", fmtInt(cs.count)], ["Init Duration avg / max", cs.count > 0 ? `${fmtMs(cs.initDuration.avg)} / ${fmtMs(cs.initDuration.max)}` : "-"]);
  const st = r.stream;
  // Streams: the retry machinery, the backlog left unread, and Kinesis' write limits when producers met them.
  if (st) pairs.push(["retries / bisects", `${fmtInt(st.retries)} / ${fmtInt(st.bisects)}`], ["shards x ParallelizationFactor", `${fmtInt(st.shardCount)} x ${st.parallelizationFactor}`]);
  if (st) pairs.push(["records behind max", recordsBehindText(st.recordsBehind)]);
  if (st && st.producerThrottles > 0) pairs.push(["producer throttled writes", fmtInt(st.producerThrottles)]);
  // Producer retries (duplicateSendRate): how many, and how many of them the function processed a second time.
  const retried = st ?? r.sqs;
  if (retried && retried.producerRetries > 0) pairs.push(["producer retries / processed twice", `${fmtInt(retried.producerRetries)} / ${fmtInt(retried.producerDuplicates)}`]);
  for (let i = 0; i < pairs.length; i += 2) {
    const [a, b] = [pairs[i], pairs[i + 1] ?? ["", ""]];
    out.push(`| ${a[0]} | ${a[1]} | ${b[0]} | ${b[1]} |`);
  }
  if (r.duplicates > 0) out.push("", `Duplicates by cause: ${escapeMd(duplicateCausesText(r))}.`);

  const sparks = sparklineRows(r);
  if (sparks.length > 0) {
    out.push("", `Over time, 0s to ${fmtMs(r.endedAt)} (each from zero to its largest sample):`, "", "```text");
    // Labels come from series names (a shard id, say); a fence longer than any backtick run keeps them inside.
    for (const row of sparks) out.push(`${row.label}  ${row.spark}  ${row.scale}`.trimEnd().replace(/`/g, "'"));
    out.push("```");
  }

  const cw = opts.cloudwatch ? cloudwatchView(r) : null;
  if (cw) {
    out.push("", `CloudWatch metrics, under AWS's names, statistics and units (${cloudwatchPeriods(cw)}; ${NO_POINT} no data point):`, "");
    out.push("| namespace | metric | statistic | unit | whole run | per period | smallest..largest |", "|---|---|---|---|--:|---|---|");
    for (const m of cw.rows) out.push(`| ${m.namespace} | ${code(m.metric)} | ${m.stat} | ${m.unit} | ${m.run} | ${m.spark} | ${m.range} |`);
  }

  if (n > 0) {
    out.push("", "| | expectation | expected | actual |", "|---|---|---|--:|");
    for (const e of [...failed, ...r.expectations.filter((x) => x.passed)]) {
      const t = expectationText(e);
      const actual = e.passed ? t.actual : `**${t.actual}**`;
      out.push(`| ${e.passed ? "✅" : "❌"} | ${code(t.check)} | ${t.expected} | ${actual} |`);
    }
  }
  return out.join("\n") + "\n";
}
