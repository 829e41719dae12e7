/**
 * The human report: leads with what matters (did it drain, where records ended, duplicates, concurrency, the age
 * of the oldest message), then the rest, then expectations. Pure: returns a string; colour only when asked.
 */
import chalk, { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import { METRIC_PATHS } from "../metrics/paths.js";
import type { Report } from "../run/result.js";
import { fmtExpected, fmtInt, fmtMs, fmtRate } from "./format.js";

export interface TableOptions {
  color: boolean;
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
  else if (r.stopReason === "until") out.push(c.yellow(`Stopped at until (${ended}) with ${fmtInt(r.records.pending)} records still pending.`));
  else if (r.stopReason === "event-budget") out.push(c.red(`Stopped early at ${ended} after ${fmtInt(r.eventsRun)} events (the event budget, --max-events) with ${fmtInt(r.records.pending)} records still pending.`));
  else if (r.stopReason === "record-budget") out.push(c.red(`Stopped early at ${ended}: more records waited at once than esm-sim holds in memory; ${fmtInt(r.records.pending)} records still pending.`));
  else out.push(c.red(`Did not drain: stopped at the cap (${ended}) with ${fmtInt(r.records.pending)} records still pending.`));
  out.push("");

  // Where records ended
  const ends = new Table({ head: [c.bold("Where records ended"), c.bold("records"), c.bold("share")], style, colAligns: ["left", "right", "right"] });
  const pct = (n: number) => (r.records.produced > 0 ? `${((100 * n) / r.records.produced).toFixed(1)}%` : "-");
  const rows: [string, number, (s: string) => string][] = [
    ["succeeded", r.records.succeeded, c.green],
    ["dead-letter queue", r.records.dlq, r.records.dlq > 0 ? c.red : c.dim],
    ["on-failure destination", r.records.onFailure, r.records.onFailure > 0 ? c.red : c.dim],
    ["expired (retention)", r.records.expired, r.records.expired > 0 ? c.red : c.dim],
    ["filtered", r.records.filtered, c.dim],
    ["pending", r.records.pending, r.records.pending > 0 ? c.yellow : c.dim],
  ];
  ends.push([c.bold("produced"), fmtInt(r.records.produced), ""]);
  for (const [label, n, paint] of rows) ends.push([paint(label), paint(fmtInt(n)), paint(pct(n))]);
  out.push(ends.toString());
  out.push(c.dim(`conservation: ${r.conservation}`));
  if (r.records.deletedDespiteReportedFailure > 0) {
    out.push(c.red(`${fmtInt(r.records.deletedDespiteReportedFailure)} messages the function reported as failed were deleted: the mapping lacks FunctionResponseTypes: [ReportBatchItemFailures].`));
  }
  out.push("");

  // Delivery, invocations, scaling
  const t = new Table({ head: [c.bold("Delivery"), "", c.bold("Invocations"), "", c.bold("Concurrency and age"), ""], style, colAligns: ["left", "right", "left", "right", "left", "right"] });
  const dupPaint = r.duplicates > 0 ? c.yellow : (s: string) => s;
  t.push(
    [dupPaint("duplicates"), dupPaint(fmtInt(r.duplicates)), "total", fmtInt(r.invocations.total), "concurrency max", fmtInt(r.concurrency.max)],
    ["ordering violations", fmtInt(r.orderingViolations), "errors", paintIf(c, r.invocations.errors, fmtInt(r.invocations.errors)), "reached at", fmtMs(r.concurrency.timeToMax)],
    ["visibility redeliveries", fmtInt(r.sqs.visibilityRedeliveries), "timeouts", paintIf(c, r.invocations.timeouts, fmtInt(r.invocations.timeouts)), "pollers max", fmtInt(r.concurrency.pollersMax)],
    ["latency p50", fmtMs(r.latency.p50), "throttles", paintIf(c, r.invocations.throttles, fmtInt(r.invocations.throttles)), "oldest message max", fmtMs(r.iteratorAge.max)],
    ["latency p99", fmtMs(r.latency.p99), "partial responses", fmtInt(r.invocations.partial), "oldest message p50", fmtMs(r.iteratorAge.p50)],
    ["latency max", fmtMs(r.latency.max), "batch size p50/max", `${fmtInt(r.batchSize.p50)}/${fmtInt(r.batchSize.max)}`, "oldest message p99", fmtMs(r.iteratorAge.p99)],
    ["throughput", `${fmtRate(r.throughput.recordsPerSecond)}/s`, "polls (empty)", `${fmtInt(r.sqs.polls)} (${fmtInt(r.sqs.emptyPolls)})`, "", ""],
  );
  out.push(t.toString());
  out.push(c.dim(`trace digest ${r.traceDigest} (same scenario, seed and version: same digest)`));

  if (r.expectations.length > 0) {
    out.push("");
    const failed = r.expectations.filter((e) => !e.passed).length;
    out.push(c.bold(failed === 0 ? c.green(`Expectations: all ${r.expectations.length} passed`) : c.red(`Expectations: ${failed} of ${r.expectations.length} failed`)));
    for (const e of r.expectations) {
      const kind = METRIC_PATHS[e.path] === "ms" ? "ms" : "other";
      const line = `${e.path} ${OPS[e.op]} ${fmtExpected(kind, e.expected)} (actual ${fmtExpected(kind, e.actual)})`;
      out.push(e.passed ? c.green(`  ✓ ${line}`) : c.red(`  ✗ ${line}`));
    }
  }
  return out.join("\n") + "\n";
}

function paintIf(c: ChalkInstance, n: number, s: string): string {
  return n > 0 ? c.yellow(s) : s;
}

function overrides(r: Report): string {
  const keys = Object.keys(r.scalingOverrides);
  return keys.length ? ` (+ ${keys.map((k) => `${k}=${r.scalingOverrides[k]}`).join(", ")})` : "";
}
