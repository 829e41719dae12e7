/**
 * The human report: leads with what matters (did it drain, where records ended, duplicates, concurrency, the age
 * of the oldest message), then the rest, then expectations. Pure: returns a string; colour only when asked.
 */
import chalk, { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import { METRIC_PATHS } from "../metrics/paths.js";
import type { Report, StreamReport } from "../run/result.js";
import { cloudwatchPeriods, cloudwatchView, NO_POINT } from "./cloudwatch-view.js";
import { fmtAllPassed, fmtCount, fmtExpected, fmtInt, fmtMs, fmtRate, fmtShare } from "./format.js";
import { conservationOf, discardedSplit, duplicateCausesText, endStatesOf, recordsBehindText } from "./source-view.js";
import { sparklineRows } from "./spark.js";

export interface TableOptions {
  color: boolean;
  /** Add the report's CloudWatch metrics (run --cloudwatch). */
  cloudwatch?: boolean;
}

const OPS: Record<string, string> = { eq: "=", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

export function renderTable(r: Report, opts: TableOptions): string {
  const c: ChalkInstance = opts.color ? new Chalk({ level: Math.max(1, chalk.level) as 1 | 2 | 3 }) : new Chalk({ level: 0 });
  const out: string[] = [];
  const style = { head: [] as string[], border: [] as string[], compact: true };

  out.push(`${c.bold(`esm-sim · ${r.scenario}`)}  ${c.dim(`seed ${r.seed} · profile ${r.profile}${overrides(r)} · ${r.source.type} ${r.source.name} · esm-sim ${r.version}`)}`);
  if (r.description) out.push(c.dim(r.description.trim()));
  const ended = fmtMs(r.endedAt);
  if (r.drained) out.push(c.green(`Drained at ${ended}: every record reached an end state.`));
  else if (r.stopReason === "until") out.push(c.yellow(`Stopped at until (${ended}) with ${fmtCount(r.records.pending, "record")} still pending.`));
  else if (r.stopReason === "event-budget") out.push(c.red(`Stopped early at ${ended} after ${fmtInt(r.eventsRun)} events (the event budget, --max-events) with ${fmtCount(r.records.pending, "record")} still pending.`));
  else if (r.stopReason === "record-budget") out.push(c.red(`Stopped early at ${ended}: more records waited at once than esm-sim holds in memory; ${fmtCount(r.records.pending, "record")} still pending.`));
  else out.push(c.red(`Did not drain: stopped at the cap (${ended}) with ${fmtCount(r.records.pending, "record")} still pending.`));
  out.push("");

  // Where records ended
  const ends = new Table({ head: [c.bold("Where records ended"), c.bold("records"), c.bold("share")], style, colAligns: ["left", "right", "right"] });
  const pct = (n: number) => fmtShare(n, r.records.produced);
  const paintOf = (key: keyof Report["records"], n: number) => (key === "succeeded" ? c.green : n === 0 || key === "filtered" ? c.dim : key === "pending" ? c.yellow : c.red);
  ends.push([c.bold("produced"), fmtInt(r.records.produced), ""]);
  for (const { key, label } of endStatesOf(r)) {
    const n = r.records[key];
    const paint = paintOf(key, n);
    ends.push([paint(label), paint(fmtInt(n)), paint(pct(n))]);
    if (key !== "onFailure") continue;
    for (const sub of discardedSplit(r)) {
      const subPaint = sub.n === 0 ? c.dim : sub.key === "onFailureDropped" ? c.red : (x: string) => x;
      ends.push([subPaint(`  ${sub.label}`), subPaint(fmtInt(sub.n)), subPaint(pct(sub.n))]);
    }
  }
  out.push(ends.toString());
  out.push(c.dim(`conservation: ${conservationOf(r)}`));
  if (r.records.deletedDespiteReportedFailure > 0) {
    const n = r.records.deletedDespiteReportedFailure;
    // Unread: the function held its batchItemFailures where Lambda does not look (partial-unread).
    const why =
      r.invocations.partialUnread === 0
        ? "the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures]"
        : "the function's responses held batchItemFailures where Lambda does not look (not at the top level), so Lambda read no list";
    // A queue deletes the messages; a stream's checkpoint moves past the records.
    const fate = r.stream ? "checkpointed past, never retried" : "deleted";
    out.push(c.red(`${fmtCount(n, r.stream ? "record" : "message")} the function reported as failed ${n === 1 ? "was" : "were"} ${fate}: ${why}.`));
  }
  out.push("");

  // Delivery, invocations, scaling
  const t = new Table({ head: [c.bold("Delivery"), "", c.bold("Invocations"), "", c.bold("Concurrency and age"), ""], style, colAligns: ["left", "right", "left", "right", "left", "right"] });
  const dupPaint = r.duplicates > 0 ? c.yellow : (s: string) => s;
  const st = r.stream;
  const q = r.sqs;
  // The reads of the source: ReceiveMessage calls on a queue, reads of its shards on a stream (pushes, with enhanced
  // fan-out).
  const reads = st ?? q;
  const age = st ? "iterator age" : "oldest message";
  // Latency and throughput are measured on records that succeeded: with none, there is no sample to show (the JSON
  // report keeps its zeros).
  const none = r.records.succeeded === 0;
  const latency = (ms: number) => (none ? "" : fmtMs(ms));
  // SQS only: messages visible again after their visibility timeout (each time, the last before a DLQ move included:
  // not every one is delivered again), and the pollers (a stream has one reader per shard).
  t.push(
    [dupPaint("duplicates"), dupPaint(fmtInt(r.duplicates)), "total", fmtInt(r.invocations.total), "concurrency max", fmtInt(r.concurrency.max)],
    ["ordering violations", fmtInt(r.orderingViolations), "errors", paintIf(c, r.invocations.errors, fmtInt(r.invocations.errors)), "reached after", fmtMs(r.concurrency.timeToMax)],
    st
      ? ["redelivered after success", fmtInt(st.redeliveriesOfSucceeded), "timeouts", paintIf(c, r.invocations.timeouts, fmtInt(r.invocations.timeouts)), "shards x PF", `${fmtInt(st.shardCount)} x ${st.parallelizationFactor}`]
      : ["visible again (timeout)", fmtInt(q?.visibilityRedeliveries ?? 0), "timeouts", paintIf(c, r.invocations.timeouts, fmtInt(r.invocations.timeouts)), "pollers max", fmtInt(r.concurrency.pollersMax)],
    [none ? "latency" : "latency p50", none ? "none succeeded" : fmtMs(r.latency.p50), "throttles", paintIf(c, r.invocations.throttles, fmtInt(r.invocations.throttles)), `${age} max`, fmtMs(r.iteratorAge.max)],
    [none ? "" : "latency p99", latency(r.latency.p99), "partial responses", fmtInt(r.invocations.partial), `${age} p50`, fmtMs(r.iteratorAge.p50)],
    [none ? "" : "latency max", latency(r.latency.max), "batch size p50/max", `${fmtInt(r.batchSize.p50)}/${fmtInt(r.batchSize.max)}`, `${age} p99`, fmtMs(r.iteratorAge.p99)],
    ["throughput", none ? "none succeeded" : `${fmtRate(r.throughput.recordsPerSecond)}/s`, st?.enhancedFanOut ? "pushes (empty)" : "polls (empty)", reads ? `${fmtInt(reads.polls)} (${fmtInt(reads.emptyPolls)})` : "", ...(st ? ["records behind max", fmtInt(st.recordsBehind.max)] : ["", ""])],
  );
  out.push(t.toString());
  if (r.duplicates > 0) out.push(c.dim(`duplicates by cause: ${duplicateCausesText(r)}`));
  if (q && q.deletesRefused > 0) {
    out.push(c.dim(`deletes refused: ${fmtInt(q.deletesRefused)} messages processed after their visibility timeout ran out, so their receipt handles had expired and the FIFO queue kept them to be processed again`));
  }
  if (st) out.push(...renderStream(r, st, c, style));
  if (q && q.producerRetries > 0) {
    out.push(
      c.dim(
        `producer retries: ${fmtInt(q.producerRetries)} sent, ${fmtInt(q.dedupDropped)} dropped by FIFO deduplication, ${fmtInt(q.producerRetriesDelivered)} delivered as new messages; ${fmtInt(q.producerDuplicates)} logical messages processed more than once`,
      ),
    );
  }
  if (st && st.producerRetries > 0) {
    const landed =
      r.source.type === "dynamodb"
        ? "none wrote a stream record (the item was unchanged)"
        : `each a record of its own with the same data; ${fmtInt(st.producerDuplicates)} processed more than once`;
    out.push(c.dim(`producer retries: ${fmtInt(st.producerRetries)} sent; ${landed}`));
  }
  const cs = r.coldStarts;
  if (cs && cs.count > 0) {
    out.push(c.dim(`cold starts: ${fmtCount(cs.count, "invocation")} started a new execution environment; Init Duration avg ${fmtMs(cs.initDuration.avg)}, max ${fmtMs(cs.initDuration.max)}`));
  }
  if (q?.mode === "provisioned") {
    out.push(c.dim(`provisioned mode: up to ${fmtInt(q.eventPollersMax)} event pollers; ${fmtInt(q.rateLimitedReceives)} receives waited for the next second's poller budget`));
  }
  out.push(...sparklines(r, c));
  if (opts.cloudwatch) out.push(...cloudwatchBlock(r, c));
  out.push(c.dim(`trace digest ${r.traceDigest} (same scenario, seed and version: same digest)`));

  if (r.expectations.length > 0) {
    out.push("");
    const failed = r.expectations.filter((e) => !e.passed).length;
    out.push(c.bold(failed === 0 ? c.green(`Expectations: ${fmtAllPassed(r.expectations.length)}`) : c.red(`Expectations: ${failed} of ${r.expectations.length} failed`)));
    for (const e of r.expectations) {
      const kind = METRIC_PATHS[e.path] === "ms" ? "ms" : "other";
      const line = `${e.path} ${OPS[e.op]} ${fmtExpected(kind, e.expected)} (actual ${fmtExpected(kind, e.actual)})`;
      out.push(e.passed ? c.green(`  ✓ ${line}`) : c.red(`  ✗ ${line}`));
    }
  }
  return out.join("\n") + "\n";
}

/** One sparkline per series in the report (concurrency, messages visible + in flight, ages; per shard when a source has shards). */
function sparklines(r: Report, c: ChalkInstance): string[] {
  const rows = sparklineRows(r);
  if (rows.length === 0) return [];
  const lines = ["", c.bold(`Over time`) + c.dim(` (0s to ${fmtMs(r.endedAt)}, each from zero to its largest sample)`)];
  for (const row of rows) lines.push(`  ${row.label}  ${c.cyan(row.spark)}  ${c.dim(row.scale)}`.trimEnd());
  return lines;
}

/**
 * run --cloudwatch: each metric under CloudWatch's namespace, name, statistic and unit, with its value over the run
 * and its data points per period. Plain aligned text, so that it fits a 120-column terminal.
 */
function cloudwatchBlock(r: Report, c: ChalkInstance): string[] {
  const v = cloudwatchView(r);
  if (!v) return [];
  const nameW = Math.max(6, ...v.rows.map((x) => x.metric.length));
  const statW = Math.max(9, ...v.rows.map((x) => x.stat.length));
  const unitW = Math.max(4, ...v.rows.map((x) => x.unit.length));
  const runW = Math.max(9, ...v.rows.map((x) => x.run.length));
  const line = (name: string, stat: string, unit: string, run: string, rest: string) => `    ${name.padEnd(nameW)}  ${stat.padEnd(statW)}  ${unit.padEnd(unitW)}  ${run.padStart(runW)}  ${rest}`.trimEnd();
  const lines = ["", c.bold("CloudWatch metrics") + c.dim(` (AWS's names, statistics and units; ${cloudwatchPeriods(v)}; ${NO_POINT} no data point)`)];
  lines.push(c.dim(line("metric", "statistic", "unit", "whole run", "per period, smallest..largest")));
  let namespace = "";
  for (const row of v.rows) {
    if (row.namespace !== namespace) {
      namespace = row.namespace;
      lines.push(`  ${c.bold(namespace)}`);
    }
    lines.push(line(row.metric, row.stat, row.unit, row.run, `${c.cyan(row.spark)}  ${c.dim(row.range)}`));
  }
  return lines;
}

function paintIf(c: ChalkInstance, n: number, s: string): string {
  return n > 0 ? c.yellow(s) : s;
}

function overrides(r: Report): string {
  const keys = Object.keys(r.scalingOverrides);
  return keys.length ? ` (+ ${keys.map((k) => `${k}=${r.scalingOverrides[k]}`).join(", ")})` : "";
}

/** Streams: where given-up records went, the retry machinery, and IteratorAge per shard. */
function renderStream(r: Report, st: StreamReport, c: ChalkInstance, style: { head: string[]; border: string[]; compact: boolean }): string[] {
  const out: string[] = [];
  const kinesis = r.source.type === "kinesis";
  const n = (x: number) => paintIf(c, x, fmtInt(x));
  const errors: [string, string][] = [
    ["retries", fmtInt(st.retries)],
    ["bisects", fmtInt(st.bisects)],
    ["retries exhausted (records)", n(st.retryExhausted)],
    ["record age exceeded (records)", n(st.discardedByRecordAge)],
    ["expired by retention (records)", n(st.expiredByRetention)],
    ["read throttles (shard read limit)", n(st.readThrottles)],
  ];
  // Kinesis' per-shard write limits (DynamoDB Streams has none a producer meets); the writes back only when the
  // function writes to its own stream (function.writesBack).
  const other: [string, string][] = [
    ...(kinesis || st.producerThrottles > 0 ? ([["producer throttled writes", n(st.producerThrottles)], ["records throttled on write", fmtInt(st.producerThrottledRecords)]] as [string, string][]) : []),
    ["on-failure records written", fmtInt(st.destinationRecords)],
    ["destination delivery failures", n(st.destinationDeliveryFailures)],
    ...(st.writtenBack > 0 ? ([["written back by the function", n(st.writtenBack)]] as [string, string][]) : []),
    [st.enhancedFanOut ? "bytes pushed (enhanced fan-out)" : "bytes read", fmtInt(st.bytesRead)],
  ];
  const t = new Table({ head: [c.bold("Stream errors"), "", c.bold(kinesis ? "Producer and destination" : "Destination"), ""], style, colAligns: ["left", "right", "left", "right"] });
  for (let i = 0; i < Math.max(errors.length, other.length); i++) t.push([...(errors[i] ?? ["", ""]), ...(other[i] ?? ["", ""])]);
  out.push("", t.toString());
  const shards = new Table({
    head: [c.bold("Shard"), c.bold("invocations"), c.bold("records sent"), c.bold("bytes read"), c.bold("read throttles"), c.bold("iterator age max"), c.bold("p50"), c.bold("p99"), c.bold("behind max"), c.bold("checkpoint")],
    style,
    colAligns: ["left", "right", "right", "right", "right", "right", "right", "right", "right", "left"],
  });
  const shown = st.shards.slice(0, 20);
  for (const s of shown) {
    shards.push([s.shardId, fmtInt(s.invocations), fmtInt(s.recordsInvoked), fmtInt(s.bytesRead), paintIf(c, s.readThrottles, fmtInt(s.readThrottles)), fmtMs(s.iteratorAge.max), fmtMs(s.iteratorAge.p50), fmtMs(s.iteratorAge.p99), fmtInt(s.recordsBehindMax), s.checkpoint ?? "-"]);
  }
  out.push("", shards.toString());
  if (st.shards.length > shown.length) out.push(c.dim(`(${fmtCount(st.shards.length - shown.length, "more shard")} in the JSON report)`));
  if (st.recordsBehind.maxShard !== null) {
    out.push(c.dim(`records behind (arrived in a shard, not yet read by the mapping; sampled once a second): at most ${recordsBehindText(st.recordsBehind)}`));
  }
  if (st.destinationRecords > r.destinations.length) {
    out.push(c.dim(`destinations: the JSON report keeps the first ${fmtInt(r.destinations.length)} of ${fmtInt(st.destinationRecords)} on-failure records`));
  }
  return out;
}
