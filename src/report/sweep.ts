/**
 * Renderers of a sweep: one comparison table of the key metrics (terminal, Markdown), every metric as CSV, and the
 * JSON that `esm-sim merge` reads. Each row's expectations are marked; failed rows stand out. Pure and byte-stable.
 */
import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import { METRIC_PATHS } from "../metrics/paths.js";
import { settingArgs, type SweepResult, type SweepRow } from "../sweep/sweep.js";
import { fmtExpected, fmtInt, fmtMs, fmtRate } from "./format.js";
import { code, escapeMd } from "./markdown.js";

/** The key metrics a comparison shows, in order; the optional ones only when some row has a non-zero value. */
const ALL_COLUMNS: [string, string, "always" | "optional"][] = [
  ["drained", "drained", "always"],
  ["endedAt", "ended", "always"],
  ["records.succeeded", "succeeded", "always"],
  ["records.dlq", "dlq", "optional"],
  ["records.onFailure", "onFailure", "optional"],
  ["records.expired", "expired", "optional"],
  ["records.pending", "pending", "optional"],
  ["duplicates", "duplicates", "optional"],
  ["invocations.errors", "errors", "optional"],
  ["invocations.timeouts", "timeouts", "optional"],
  ["invocations.throttles", "throttles", "optional"],
  ["concurrency.max", "conc. max", "always"],
  ["iteratorAge.max", "age max", "always"],
  ["latency.p99", "latency p99", "always"],
  ["throughput.recordsPerSecond", "records/s", "always"],
];

function columnsFor(r: SweepResult): [string, string][] {
  return ALL_COLUMNS.filter(([p, , when]) => when === "always" || r.results.some((row) => row.metrics[p] !== 0 && row.metrics[p] !== undefined)).map(([p, h]) => [p, h]);
}

function cell(path: string, v: number | boolean | undefined): string {
  if (v === undefined) return "-";
  if (typeof v === "boolean") return v ? "yes" : "no";
  const kind = METRIC_PATHS[path];
  if (kind === "ms") return fmtMs(v);
  if (kind === "rate") return fmtRate(v);
  return fmtInt(v);
}

const OPS: Record<string, string> = { eq: "=", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

function failedText(row: SweepRow): string {
  return row.expectations
    .filter((e) => !e.passed)
    .map((e) => `${e.path} ${OPS[e.op] ?? e.op} ${e.written} (actual ${fmtExpected(METRIC_PATHS[e.path] === "ms" ? "ms" : "other", e.actual)})`)
    .join("; ");
}

function verdictCell(row: SweepRow): { ok: boolean; text: string } {
  const n = row.expectations.length;
  if (n === 0) return { ok: true, text: "-" };
  const failed = row.expectations.filter((e) => !e.passed);
  return failed.length === 0 ? { ok: true, text: `✓ ${n}/${n}` } : { ok: false, text: `✗ ${failed.map((e) => e.path).join(", ")}` };
}

function headline(r: SweepResult): string {
  const failedRows = r.results.filter((x) => !x.passed).length;
  const shard = r.shard ? ` (shard ${r.shard.k}/${r.shard.n}: ${r.results.length} of ${r.rows} rows)` : "";
  const verdict = failedRows === 0 ? "every row passed its expectations" : `${failedRows} of ${r.results.length} rows failed an expectation`;
  return `sweep of ${r.scenario} over ${r.vary.map((v) => `${v.path} (${v.values.length})`).join(" x ")} = ${r.rows} rows${shard}: ${verdict}`;
}

export function renderSweepJson(r: SweepResult): string {
  return JSON.stringify(r, null, 2) + "\n";
}

/** Short headers for the terminal table, each explained in the legend under it. */
const SHORT: Record<string, string> = {
  drained: "drained",
  endedAt: "ended",
  "records.succeeded": "succeeded",
  "records.dlq": "dlq",
  "records.onFailure": "on-fail",
  "records.expired": "expired",
  "records.pending": "pending",
  duplicates: "dups",
  "invocations.errors": "errors",
  "invocations.timeouts": "timeouts",
  "invocations.throttles": "throttles",
  "concurrency.max": "conc",
  "iteratorAge.max": "age",
  "latency.p99": "p99",
  "throughput.recordsPerSecond": "rec/s",
};

/** Shorter still, for a table that does not fit with SHORT (many columns not zero somewhere). */
const TINY: Record<string, string> = {
  drained: "drn",
  endedAt: "end",
  "records.succeeded": "ok",
  "records.onFailure": "onf",
  "records.expired": "exp",
  "records.pending": "pend",
  "invocations.errors": "err",
  "invocations.timeouts": "t/o",
  "invocations.throttles": "thr",
};

/** The terminal table's width budget: a table and its text fit an 80-120 column terminal. */
const TABLE_TEXT_WIDTH = 100;

/**
 * A header per varied key: its last path segment (`BatchSize` for mapping.BatchSize), or its last two when the
 * last is shared with another key, as long as that is at most `maxLength` characters and unique; else the
 * capitals of its last segment (`PF` for mapping.ParallelizationFactor), when unique and no longer; else a letter.
 * The legend under the table gives each full path.
 */
export function varyHeaders(paths: readonly string[], maxLength = 20): string[] {
  const tail = (p: string, n: number) => p.split(".").slice(-n).join(".");
  const capitals = (p: string) => tail(p, 1).replace(/[^A-Z0-9]/g, "");
  let letter = 0;
  return paths.map((p) => {
    for (const n of [1, 2]) {
      const h = tail(p, n);
      if (h.length <= maxLength && paths.filter((q) => tail(q, n) === h).length === 1) return h;
    }
    const caps = capitals(p);
    const taken = (h: string) => paths.some((q) => capitals(q) === h && q !== p) || paths.some((q) => tail(q, 1) === h);
    if (caps.length >= 2 && caps.length <= maxLength && !taken(caps)) return caps;
    return String.fromCharCode(65 + (letter++ % 26));
  });
}

/** The widest a sweep table may be: it fits a 120-column terminal. */
const TABLE_MAX_WIDTH = 120;

/** Greedy word wrap with a hanging indent for the lines after the first. */
function wrapLine(text: string, width: number, indent = "  "): string[] {
  const out: string[] = [];
  let cur = "";
  for (const word of text.split(" ")) {
    const limit = out.length === 0 ? width : width - indent.length;
    if (cur === "") cur = word;
    else if (cur.length + 1 + word.length <= limit) cur += " " + word;
    else {
      out.push(out.length === 0 ? cur : indent + cur);
      cur = word;
    }
  }
  if (cur !== "") out.push(out.length === 0 ? cur : indent + cur);
  return out;
}

/**
 * The comparison table for a terminal: short headers with a legend under the table, the columns that hold the
 * same value in every row said once above it instead, and each failed row's expectations on lines of their own,
 * so a sweep over two keys fits an 80-120 column terminal.
 */
export function renderSweepTable(r: SweepResult, opts: { color: boolean }): string {
  const c: ChalkInstance = new Chalk({ level: opts.color ? 1 : 0 });
  const style = { head: [] as string[], border: [] as string[], compact: true };
  const sameEverywhere = (p: string) => r.results.length > 1 && r.results.every((row) => cell(p, row.metrics[p]) === cell(p, r.results[0].metrics[p]));
  const columns = columnsFor(r);
  const shown = columns.filter(([p]) => !sameEverywhere(p));
  const constant = columns.filter(([p]) => sameEverywhere(p));
  const withExpectations = r.results.some((row) => row.expectations.length > 0);
  let names = SHORT;
  const header = (p: string) => names[p] ?? SHORT[p] ?? p;
  const table = (vh: string[]): string => {
    const heads = ["row", ...vh, ...shown.map(([p]) => header(p)), ...(withExpectations ? ["expect"] : [])];
    const t = new Table({
      head: heads.map((h) => c.bold(h)),
      style,
      colAligns: ["right", ...r.vary.map(() => "right" as const), ...shown.map(() => "right" as const), "left"],
    });
    for (const row of r.results) {
      const n = row.expectations.length;
      const failedCount = row.expectations.filter((e) => !e.passed).length;
      const ok = failedCount === 0;
      const paint = ok ? (s: string) => s : c.red;
      const verdict = n === 0 ? "-" : ok ? `✓ ${n}/${n}` : `✗ ${failedCount}/${n}`;
      t.push([
        paint(String(row.index)),
        ...r.vary.map((x) => paint(row.params[x.path] ?? "")),
        ...shown.map(([p]) => paint(cell(p, row.metrics[p]))),
        ...(withExpectations ? [ok ? c.green(verdict) : c.red(verdict)] : []),
      ]);
    }
    return t.toString();
  };
  // The varied keys' names as headers, shortened to letters as far as the table needs to fit.
  const paths = r.vary.map((v) => v.path);
  const widest = (text: string) => Math.max(...text.split("\n").map((l) => [...l.replace(/\x1b\[[0-9;]*m/g, "")].length));
  let vh = varyHeaders(paths);
  let rendered = table(vh);
  for (const maxLength of [12, 0, -1]) {
    if (widest(rendered) <= TABLE_MAX_WIDTH) break;
    if (maxLength < 0) names = TINY;
    else vh = varyHeaders(paths, maxLength);
    rendered = table(vh);
  }
  const failed = r.results.filter((x) => !x.passed);
  const out = wrapLine(`esm-sim · ${headline(r)}`, TABLE_TEXT_WIDTH).map((l) => c.bold(l));
  const settings = settingArgs(r).map(([flag, value]) => `${flag} ${value}`);
  if (settings.length) out.push(...wrapLine(`for every row: ${settings.join(" ")}`, TABLE_TEXT_WIDTH).map((l) => c.dim(l)));
  if (constant.length) out.push(...wrapLine(`the same in every row: ${constant.map(([p]) => `${p} ${cell(p, r.results[0].metrics[p])}`).join(", ")}`, TABLE_TEXT_WIDTH).map((l) => c.dim(l)));
  out.push(rendered);
  const legend = [...r.vary.map((v, i) => [vh[i], v.path]), ...shown.map(([p]) => [header(p), p])].filter(([h, p]) => h !== p).map(([h, p]) => `${h} = ${p}`);
  if (legend.length) out.push(...wrapLine(`columns: ${legend.join(", ")}`, TABLE_TEXT_WIDTH).map((l) => c.dim(l)));
  for (const row of failed) {
    out.push(...wrapLine(`row ${row.index} (${Object.entries(row.params).map(([k, v]) => `${k}=${v}`).join(", ")}): ${failedText(row)}`, TABLE_TEXT_WIDTH).map((l) => c.red(l)));
  }
  return out.join("\n") + "\n";
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every metric the rows report, one line per row; numbers raw (ms for times), for spreadsheets and scripts. A
 *  metric no row has (a stream's fields in a queue's sweep, CloudWatch metrics of another service) gets no column. */
export function renderSweepCsv(r: SweepResult): string {
  const metricPaths = Object.keys(METRIC_PATHS).filter((p) => r.results.some((row) => row.metrics[p] !== undefined));
  const lines = [["row", ...r.vary.map((v) => v.path), "seed", "passed", "failedExpectations", ...metricPaths].map(csvField).join(",")];
  for (const row of r.results) {
    lines.push(
      [String(row.index), ...r.vary.map((v) => row.params[v.path] ?? ""), String(row.seed), String(row.passed), failedText(row), ...metricPaths.map((p) => (row.metrics[p] === undefined ? "" : String(row.metrics[p])))]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

export function renderSweepMarkdown(r: SweepResult): string {
  const COLUMNS = columnsFor(r);
  const failed = r.results.filter((x) => !x.passed);
  const out = [`### ${failed.length === 0 ? "✅" : "❌"} esm-sim · ${escapeMd(headline(r))}`, ""];
  if (failed.length > 0) {
    out.push("> [!CAUTION]");
    for (const row of failed) out.push(`> ❌ row ${row.index} (${Object.entries(row.params).map(([k, v]) => code(`${k}=${v}`)).join(", ")}): ${escapeMd(failedText(row))}  `);
    out.push("");
  }
  const heads = ["", "row", ...r.vary.map((v) => code(v.path)), ...COLUMNS.map(([, h]) => h)];
  out.push(`| ${heads.join(" | ")} |`, `|${heads.map((_, i) => (i < 2 + r.vary.length ? "---" : "--:")).join("|")}|`);
  for (const row of r.results) {
    const v = verdictCell(row);
    out.push(`| ${row.expectations.length === 0 ? "" : v.ok ? "✅" : "❌"} | ${row.index} | ${r.vary.map((x) => escapeMd(row.params[x.path] ?? "")).join(" | ")} | ${COLUMNS.map(([p]) => cell(p, row.metrics[p])).join(" | ")} |`);
  }
  return out.join("\n") + "\n";
}
