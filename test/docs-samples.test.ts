/**
 * Every sample in README.md and docs/ is real: this test runs the commands the pages show and compares what they
 * print with what the pages say, so the pages cannot drift from the program.
 *
 * The markup is an HTML comment on the line before a fenced block (GitHub does not show it):
 *
 *   <!-- output: CMD -->          the block is a line `$ CMD`, then exactly what CMD prints: stdout and stderr as a
 *                                 terminal shows them (in the order written); and CMD exits 0
 *   <!-- output (OPTIONS): CMD -->  OPTIONS, separated by ";": `exit N` (the exit code), `stdout` (stdout only),
 *                                 `lines 1-20` or `lines 1-4,30-33` (an abridged sample: only those lines), `last N`
 *                                 (only the last N lines); a line "..." stands wherever lines were left out
 *   <!-- file: NAME -->           the block is written to NAME in the samples' folder before any command runs
 *                                 (a scenario or template that later commands read)
 *   <!-- same-as: PATH -->        the block equals the repository's file PATH
 *   <!-- not run: REASON -->      docs/ only: the command lines of this sh block are not run (README has none)
 *   <!-- run by test/install.test.ts -->  README's install steps, which test/install.test.ts runs
 *
 * Every other sh block: each command line that starts with `esm-sim` or `npx esm-sim` (also after `npm ci && ` or
 * `echo X | `) is run and must exit with the code its trailing comment states (`# exit 1`; 0 when none). In
 * README.md a command line that is not run must be one of SETUP_COMMANDS; README's inline commands (`npx esm-sim
 * ...` in a sentence or a table, without placeholders) are run too and must exit 0.
 *
 * Commands run through `sh` with `esm-sim` on PATH running this repository's bin/esm-sim.js (so `npm run build`
 * first; `npm test` does it), each distinct command once. Each output block and each sh block is a unit with a
 * scratch folder of its own (the shipped `scenarios`, `node_modules/esm-sim`, and every `file:` block); the
 * commands of one sh block run in order, so one may read what an earlier one wrote; units run in parallel.
 *
 * The reference tables are checked against the program too: the scenario keys (`<!-- keys: PREFIX -->`) against
 * `esm-sim schema`, the report fields (`<!-- report-fields -->`) against JSON reports of SQS and stream runs, the
 * trace events (`<!-- trace-events -->`) against `--trace` files. Relative links must point at files and headings
 * that exist.
 *
 * ESM_SIM_DOCS_UPDATE=1 rewrites every output block from the real output (review the diff);
 * ESM_SIM_DOCS_PICTURE=1 also takes the README's picture of the HTML report again (needs /usr/bin/chromium);
 * ESM_SIM_DOCS_TIMES=FILE appends each command's wall time to FILE.
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");
const BIN = join(ROOT, "bin", "esm-sim.js");
const UPDATE = process.env.ESM_SIM_DOCS_UPDATE === "1";
const PICTURE = process.env.ESM_SIM_DOCS_PICTURE === "1";

/** The README stays short enough to read: about 15 KB. */
const README_MAX_BYTES = 15 * 1024;

/** README command lines that are not esm-sim commands, and which test or job runs each. */
const SETUP_COMMANDS: Record<string, string> = {
  "npm ci": ".ci/run runs it in CI before npm test",
  "npm ci && npm test": "what .ci/run runs in CI; npm test is this suite",
};


// ---------------------------------------------------------------------------------------------------------------
// Reading the pages

interface Directive {
  kind: "output" | "file" | "same-as" | "not run" | "install";
  arg: string;
  options: string[];
}

interface Block {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  fence: string;
  lang: string;
  /** Index (0-based) of the first content line and one past the last. */
  from: number;
  to: number;
  body: string;
  directive: Directive | null;
}

function pagesToCheck(): string[] {
  const pages = ["README.md"];
  const walk = (dir: string) => {
    if (!existsSync(join(ROOT, dir))) return;
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (name.endsWith(".md")) pages.push(rel);
    }
  };
  walk("docs");
  return pages;
}

function parseDirective(line: string): Directive | null {
  const m = /^<!--\s*(.*?)\s*-->$/.exec(line.trim());
  if (!m) return null;
  const text = m[1];
  let d: RegExpExecArray | null;
  if ((d = /^output(?:\s*\(([^)]*)\))?:\s*(.+)$/.exec(text))) {
    const options = (d[1] ?? "").split(";").map((s) => s.trim()).filter(Boolean);
    return { kind: "output", arg: d[2].trim(), options };
  }
  if ((d = /^file:\s*(.+)$/.exec(text))) return { kind: "file", arg: d[1].trim(), options: [] };
  if ((d = /^same-as:\s*(.+)$/.exec(text))) return { kind: "same-as", arg: d[1].trim(), options: [] };
  if ((d = /^not run:\s*(.+)$/.exec(text))) return { kind: "not run", arg: d[1].trim(), options: [] };
  if (/^run by test\/install\.test\.ts$/.test(text)) return { kind: "install", arg: "", options: [] };
  return null;
}

function parseBlocks(page: string, text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let j = i + 1;
    const closing = new RegExp(`^${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    while (j < lines.length && !closing.test(lines[j])) j++;
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === "") k--;
    const directive = k >= 0 ? parseDirective(lines[k]) : null;
    blocks.push({ page, line: i + 1, fence, lang: open[2], from: i + 1, to: j, body: lines.slice(i + 1, j).join("\n"), directive });
    i = j;
  }
  return blocks;
}

/** The command lines of an sh block: continuations joined, with the exit code of a trailing `# exit N` comment. */
function commandLines(body: string): { cmd: string; exit: number }[] {
  const out: { cmd: string; exit: number }[] = [];
  const physical = body.split("\n");
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i];
    while (/\\\s*$/.test(line) && i + 1 < physical.length) line = line.replace(/\\\s*$/, " ") + physical[++i].trim();
    const { code, comment } = splitComment(line);
    if (!code.trim()) continue;
    const exitMatch = /\bexits? (\d+)\b/.exec(comment);
    out.push({ cmd: code.trim().replace(/\s+/g, " "), exit: exitMatch ? Number(exitMatch[1]) : 0 });
  }
  return out;
}

/** A line's code and its trailing comment: a `#` after whitespace, outside quotes. */
function splitComment(line: string): { code: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return { code: line.slice(0, i), comment: line.slice(i + 1) };
  }
  return { code: line, comment: "" };
}

const ESM_SIM_COMMAND = /^(?:echo [^|]*\|\s*)?(?:npx )?esm-sim(?:\s|$)/;

/** The command as the scratch folder's shell runs it: `npm ci && ` dropped (installing is done), `npx esm-sim` is
 *  the `esm-sim` on PATH. */
function toShell(cmd: string): string {
  return cmd.replace(/^npm ci && /, "").replace(/(^|[|&;]\s*)npx esm-sim\b/g, "$1esm-sim");
}

/** An esm-sim command line as the shell runs it, or null when the line is not an esm-sim command. */
function runnable(cmd: string): string | null {
  const c = cmd.replace(/^npm ci && /, "");
  return ESM_SIM_COMMAND.test(c) ? toShell(c) : null;
}

/** README's inline commands (`npx esm-sim explain x` in a sentence or a table) that can be run as written: no
 *  placeholder such as <scenario>. Each must exit 0. */
function inlineCommands(page: string): string[] {
  const text = (texts.get(page) ?? "").replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, "");
  const out = new Set<string>();
  for (const m of text.matchAll(/`([^`]+)`/g)) if (/^(npx )?esm-sim /.test(m[1]) && !/[<>]|\.\.\./.test(m[1])) out.add(m[1]);
  return [...out];
}

// ---------------------------------------------------------------------------------------------------------------
// Running commands

interface Ran {
  code: number;
  /** stdout and stderr as written, or stdout only. */
  text: string;
}

let work = "";
const ran = new Map<string, Promise<Ran>>();

let outputs = 0;

/** Run a command through sh in `cwd`, once: a command already run (or running) gives that run's result. */
function shell(command: string, stdoutOnly: boolean, cwd: string): Promise<Ran> {
  const cmd = toShell(command);
  const key = `${stdoutOnly ? "stdout" : "both"}\u0000${cmd}`;
  let p = ran.get(key);
  if (!p) {
    p = new Promise<Ran>((resolvePromise, reject) => {
      const outFile = join(work, `.out-${outputs++}`);
      const fd = openSync(outFile, "w");
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(work, ".bin")}:${process.env.PATH}` };
      delete env.FORCE_COLOR;
      delete env.NO_COLOR;
      const started = Date.now();
      const child = spawn("sh", ["-c", cmd], { cwd, env, stdio: ["ignore", fd, stdoutOnly ? "ignore" : fd] });
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        closeSync(fd);
        const text = readFileSync(outFile, "utf8");
        rmSync(outFile);
        if (process.env.ESM_SIM_DOCS_TIMES) appendFileSync(process.env.ESM_SIM_DOCS_TIMES, `${Date.now() - started} ms  ${cmd}\n`);
        resolvePromise({ code: code ?? -1, text });
      });
    });
    ran.set(key, p);
  }
  return p;
}

function result(command: string, stdoutOnly: boolean): Promise<Ran> {
  const p = ran.get(`${stdoutOnly ? "stdout" : "both"}\u0000${toShell(command)}`);
  if (!p) throw new Error(`not run: ${command}`);
  return p;
}

/** What an output block shows: a `$ CMD` line, then the lines of the output its options select, with a line
 *  "..." wherever lines were left out (before, between and after the selected ranges). */
function shown(command: string, text: string, options: string[]): string {
  const all = text.replace(/\n$/, "").split("\n");
  let ranges: [number, number][] = [[1, all.length]];
  for (const o of options) {
    let m: RegExpExecArray | null;
    if ((m = /^lines ([\d,\s-]+)$/.exec(o))) {
      ranges = m[1].split(",").map((r) => {
        const [a, b] = r.trim().split("-").map(Number);
        return [a, Math.min(b ?? a, all.length)] as [number, number];
      });
    } else if ((m = /^last (\d+)$/.exec(o))) {
      ranges = [[Math.max(1, all.length - Number(m[1]) + 1), all.length]];
    }
  }
  const out = [`$ ${command}`];
  let next = 1;
  for (const [a, b] of ranges) {
    if (a > next) out.push("...");
    out.push(...all.slice(a - 1, b));
    next = b + 1;
  }
  if (next <= all.length) out.push("...");
  return out.join("\n");
}

function exitOf(options: string[]): number {
  const e = options.find((o) => /^exit \d+$/.test(o));
  return e ? Number(e.slice(5)) : 0;
}

function checkOptions(d: Directive): string[] {
  return d.options.filter((o) => !/^(exit \d+|stdout|lines [\d,\s-]+|last \d+)$/.test(o));
}

// ---------------------------------------------------------------------------------------------------------------

const pages = pagesToCheck();
const texts = new Map(pages.map((p) => [p, readFileSync(join(ROOT, p), "utf8")]));
const blocks = new Map(pages.map((p) => [p, parseBlocks(p, texts.get(p)!)]));
const allBlocks = [...blocks.values()].flat();

/** The runs whose JSON reports and traces the reference tables are checked against: between them they show every
 *  report field and every trace event with every field it can carry. */
const REFERENCE_RUNS: { name: string; args: string[]; check?: boolean }[] = [
  { name: "sqs-dlq", args: ["scenarios/sqs-poison-message-dlq.yaml"], check: true },
  { name: "sqs-expire", args: ["scenarios/sqs-poison-message-dlq.yaml", "--set", "source.MessageRetentionPeriod=60", "--set", "source.RedrivePolicy="] },
  { name: "sqs-throttle", args: ["scenarios/sqs-reserved-concurrency-dlq.yaml"] },
  { name: "fifo-dedup", args: ["scenarios/sqs-fifo-producer-retries.yaml"] },
  { name: "sqs-filter", args: ["scenarios/sqs-filter-criteria.yaml"] },
  { name: "kinesis-onfailure", args: ["scenarios/kinesis-poison-pill-fixed.yaml"] },
  { name: "kinesis-window", args: ["scenarios/kinesis-tumbling-window.yaml"] },
  { name: "ddb-filter", args: ["scenarios/dynamodb-stream-filter.yaml"] },
  { name: "ddb-write-back", args: ["scenarios/dynamodb-self-write-loop-fixed.yaml"] },
  { name: "kinesis-expire", args: ["scenarios/learn-kinesis-latest-vs-trim-horizon.yaml"] },
  { name: "kinesis-throttle", args: ["scenarios/learn-kinesis-shard-order.yaml", "--set", "function.ReservedConcurrentExecutions=1"] },
  { name: "kinesis-invalid", args: ["scenarios/kinesis-partial-batch-response.yaml", "--set", "function.failures.0.effect=partial-invalid", "--until", "30s"] },
  { name: "sqs-invalid", args: ["scenarios/learn-sqs-invalid-partial-response.yaml"] },
  { name: "sqs-unread", args: ["scenarios/learn-sqs-invalid-partial-response.yaml", "--set", "function.failures.0.effect=partial-unread"] },
  { name: "kinesis-unread", args: ["scenarios/kinesis-partial-batch-response.yaml", "--set", "function.failures.0.effect=partial-unread", "--until", "30s"] },
  { name: "kinesis-retries", args: ["scenarios/learn-kinesis-shard-order.yaml", "--set", "traffic.0.duplicateSendRate=0.2"] },
  { name: "sqs-cold", args: ["scenarios/learn-cold-starts.yaml"] },
  { name: "kinesis-cold", args: ["scenarios/learn-kinesis-shard-order.yaml", "--set", "function.coldStart=500ms"] },
  { name: "kinesis-efo", args: ["scenarios/learn-kinesis-shard-order.yaml", "--set", "mapping.enhancedFanOut=true"], check: true },
  {
    name: "fifo-receipt-expired",
    args: ["scenarios/sqs-fifo-one-group.yaml", "--set", "source.VisibilityTimeout=5", "--set", "function.coldStart=1s", "--set", "function.duration.base=4.2s", "--until", "60s"],
    check: true,
  },
];

interface ReferenceData {
  reportPaths: Set<string>;
  /** "type source" -> field names. */
  traceFields: Map<string, Set<string>>;
  schema: Record<string, unknown>;
}
let reference: ReferenceData;

function reportPaths(value: unknown, path: string, out: Set<string>): void {
  const STOP = new Set(["destinations", "scalingOverrides", "series.iteratorAgeByShard", "series.recordsBehindByShard", "cloudwatch.series"]);
  if (STOP.has(path)) {
    out.add(path);
    return;
  }
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null && typeof v === "object" && !Array.isArray(v));
    if (first) for (const v of value) reportPaths(v, `${path}[]`, out);
    else out.add(path);
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) out.add(path);
    for (const [k, v] of entries) reportPaths(v, path ? `${path}.${k}` : k, out);
    return;
  }
  out.add(path);
}

function schemaKeys(node: unknown, path: string, out: Set<string>): void {
  const n = node as { type?: unknown; properties?: Record<string, unknown>; items?: { type?: unknown }; anyOf?: unknown[] };
  if (n && Array.isArray(n.anyOf)) {
    const structured = n.anyOf.filter((x) => (x as { type?: unknown }).type === "object" || (x as { type?: unknown }).type === "array");
    if (structured.length > 0) {
      for (const s of structured) schemaKeys(s, path, out);
      return;
    }
  }
  if (n && n.type === "object" && n.properties) {
    for (const [k, v] of Object.entries(n.properties)) schemaKeys(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (n && n.type === "array" && n.items && n.items.type === "object") {
    schemaKeys(n.items, `${path}[]`, out);
    return;
  }
  out.add(path);
}

function referenceCommand(r: (typeof REFERENCE_RUNS)[number], dir: string): string {
  const args = ["run", ...r.args, "--format", "json", "--output", join(dir, `${r.name}.json`), "--trace", join(dir, `${r.name}.jsonl`)];
  if (r.check) args.push("--check");
  return `esm-sim ${args.map((a) => `'${a}'`).join(" ")}`;
}

/** What the reference runs wrote: every report field and every trace event's fields, and the JSON Schema. */
async function readReference(dir: string): Promise<ReferenceData> {
  const reportPathSet = new Set<string>();
  const traceFields = new Map<string, Set<string>>();
  for (const r of REFERENCE_RUNS) {
    const res = await result(referenceCommand(r, dir), true);
    expect([0, 1], `esm-sim run ${r.args.join(" ")}: ${res.text}`).toContain(res.code);
    const json = JSON.parse(readFileSync(join(dir, `${r.name}.json`), "utf8"));
    reportPaths(json, "", reportPathSet);
    const source = json.stream ? "stream" : "SQS";
    for (const line of readFileSync(join(dir, `${r.name}.jsonl`), "utf8").split("\n")) {
      if (!line) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      const key = `${o.type} ${source}`;
      let set = traceFields.get(key);
      if (!set) traceFields.set(key, (set = new Set()));
      for (const f of Object.keys(o)) if (f !== "t" && f !== "type") set.add(f);
    }
  }
  const schemaRun = await result("esm-sim schema", true);
  expect(schemaRun.code).toBe(0);
  return { reportPaths: reportPathSet, traceFields, schema: JSON.parse(schemaRun.text) };
}

/** A folder for one unit of commands: the shipped scenarios, the package itself and the pages' files. */
function unitFolder(name: string, files: Map<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir);
  symlinkSync(join(ROOT, "scenarios"), join(dir, "scenarios"));
  // `import ... from "esm-sim"` in a sample script finds this repository, as in a project that installed it.
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "esm-sim"));
  for (const [file, text] of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text + "\n");
  }
  return dir;
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first (npm test does)").toBe(true);
  work = mkdtempSync(join(tmpdir(), "esm-sim-docs-"));
  mkdirSync(join(work, ".bin"));
  writeFileSync(join(work, ".bin", "esm-sim"), `#!/bin/sh\nexec node '${BIN}' "$@"\n`);
  chmodSync(join(work, ".bin", "esm-sim"), 0o755);

  const files = new Map<string, string>();
  for (const b of allBlocks) {
    if (b.directive?.kind !== "file") continue;
    const name = b.directive.arg;
    if (files.has(name) && files.get(name) !== b.body) throw new Error(`${b.page}:${b.line}: file ${name} is written twice with different text`);
    files.set(name, b.body);
  }

  // Units of work: each output block, each sh block (its commands in order, in one folder: a command may read
  // what an earlier one wrote), each inline README command, and the reference runs. Units run in parallel, each
  // in a folder of its own; a command shown twice runs once.
  const units: (() => Promise<unknown>)[] = [];
  allBlocks.forEach((b, i) => {
    if (b.directive?.kind === "output") {
      const d = b.directive;
      units.push(() => shell(d.arg, d.options.includes("stdout"), unitFolder(`u${i}`, files)));
    } else if (isShell(b) && !b.directive) {
      const cmds = commandLines(b.body).map((c) => runnable(c.cmd)).filter((c): c is string => c !== null);
      if (cmds.length > 0)
        units.push(async () => {
          const dir = unitFolder(`u${i}`, files);
          for (const c of cmds) await shell(c, false, dir);
        });
    }
  });
  inlineCommands("README.md").forEach((c, i) => units.push(() => shell(c, false, unitFolder(`inline${i}`, files))));
  const referenceDir = unitFolder("reference", new Map());
  for (const r of REFERENCE_RUNS) units.push(() => shell(referenceCommand(r, referenceDir), true, referenceDir));
  units.push(() => shell("esm-sim schema", true, referenceDir));

  let next = 0;
  const worker = async () => {
    while (next < units.length) await units[next++]();
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
  reference = await readReference(referenceDir);

  if (UPDATE) await rewriteOutputBlocks();
  if (PICTURE) await takePicture();
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function isShell(b: Block): boolean {
  return ["sh", "bash", "shell"].includes(b.lang);
}

async function rewriteOutputBlocks(): Promise<void> {
  for (const page of pages) {
    const lines = texts.get(page)!.split("\n");
    const edits: { from: number; to: number; fence: string; body: string[] }[] = [];
    for (const b of blocks.get(page)!) {
      if (b.directive?.kind !== "output") continue;
      const r = await result(b.directive.arg, b.directive.options.includes("stdout"));
      const body = shown(b.directive.arg, r.text, b.directive.options);
      const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((s) => s.length));
      const fence = "`".repeat(Math.max(3, longest + 1, b.fence.length));
      edits.push({ from: b.from - 1, to: b.to + 1, fence, body: [fence + "console", ...body.split("\n"), fence] });
    }
    for (const e of edits.reverse()) lines.splice(e.from, e.to - e.from, ...e.body);
    const next = lines.join("\n");
    if (next !== texts.get(page)) {
      writeFileSync(join(ROOT, page), next);
      texts.set(page, next);
      blocks.set(page, parseBlocks(page, next));
    }
  }
}

async function takePicture(): Promise<void> {
  const chromiumPath = "/usr/bin/chromium";
  if (!existsSync(chromiumPath)) throw new Error(`ESM_SIM_DOCS_PICTURE=1 needs ${chromiumPath}`);
  const html = join(work, "report.html");
  const r = await shell(`esm-sim run scenarios/sqs-reserved-concurrency-dlq.yaml --html '${html}'`, true, unitFolder("picture", new Map()));
  expect(r.code).toBe(0);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: chromiumPath });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`file://${html}`);
    mkdirSync(join(ROOT, "docs", "images"), { recursive: true });
    // From the top to the invocation outcomes: the numbers, concurrency, messages visible + in flight, age and the throttles.
    const outcomes = await page.locator("#chart-outcomes").boundingBox();
    if (!outcomes) throw new Error("the HTML report has no #chart-outcomes");
    const height = Math.ceil(outcomes.y + outcomes.height + 16);
    await page.screenshot({ path: join(ROOT, "docs", "images", "html-report.png"), fullPage: true, clip: { x: 0, y: 0, width: 1000, height } });
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe("the README", () => {
  it(`is at most ${README_MAX_BYTES.toLocaleString("en-US")} bytes`, () => {
    expect(Buffer.byteLength(texts.get("README.md")!)).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it("runs every command line it shows, or names the test or job that does", () => {
    const unrun: string[] = [];
    for (const b of blocks.get("README.md")!) {
      if (!isShell(b) || b.directive?.kind === "output") continue;
      expect(b.directive?.kind, `README.md:${b.line}: README shows no command that is not run`).not.toBe("not run");
      if (b.directive?.kind === "install") continue;
      for (const c of commandLines(b.body)) if (!runnable(c.cmd) && !(c.cmd in SETUP_COMMANDS)) unrun.push(`README.md:${b.line}: ${c.cmd}`);
    }
    expect(unrun, "command lines no test runs (add them to SETUP_COMMANDS only if a test or CI job runs them)").toEqual([]);
  });

  it("has its install steps in blocks that test/install.test.ts runs", () => {
    const install = blocks.get("README.md")!.filter((b) => b.directive?.kind === "install");
    expect(install.map((b) => /npm pack/.test(b.body) || /git\+/.test(b.body))).toEqual([true, true]);
  });

  it("runs the commands it shows inline (in sentences and tables), each exiting 0", async () => {
    const inline = inlineCommands("README.md");
    expect(inline.length).toBeGreaterThan(0);
    for (const c of inline) {
      const r = await result(c, false);
      expect(r.code, `${c} printed:\n${r.text}`).toBe(0);
    }
  });
});

for (const page of pages) {
  describe(page, () => {
    const pageBlocks = blocks.get(page)!;

    pageBlocks
      .filter((x) => x.directive?.kind === "output")
      .forEach((b, index) => {
      const d = b.directive!;
      it(`line ${b.line}: the output of ${d.arg}`, async () => {
        expect(checkOptions(d), "unknown options").toEqual([]);
        const r = await result(d.arg, d.options.includes("stdout"));
        expect(r.code, `exit code of ${d.arg}; it printed:\n${r.text}`).toBe(exitOf(d.options));
        // After ESM_SIM_DOCS_UPDATE=1 rewrote the page, its blocks are read again.
        const current = blocks.get(page)!.filter((x) => x.directive?.kind === "output")[index].body;
        expect(current, `${page}:${b.line} differs from the real output (ESM_SIM_DOCS_UPDATE=1 rewrites it)`).toBe(shown(d.arg, r.text, d.options));
      });
      });

    for (const b of pageBlocks.filter((x) => isShell(x) && !x.directive)) {
      const cmds = commandLines(b.body).filter((c) => runnable(c.cmd));
      if (cmds.length === 0) continue;
      it(`line ${b.line}: ${cmds.length === 1 ? "the command runs" : `the ${cmds.length} commands run`} with the exit code shown`, async () => {
        for (const c of cmds) {
          const r = await result(c.cmd, false);
          expect(r.code, `${c.cmd} printed:\n${r.text}`).toBe(c.exit);
        }
      });
    }

    for (const b of pageBlocks.filter((x) => x.directive?.kind === "same-as")) {
      it(`line ${b.line}: the block is ${b.directive!.arg}`, () => {
        expect(b.body + "\n").toBe(readFileSync(join(ROOT, b.directive!.arg), "utf8"));
      });
    }

    it("links to files and headings that exist", () => {
      const broken: string[] = [];
      const text = texts.get(page)!.replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue;
        const [file, anchor] = target.split("#");
        const path = file ? relative(ROOT, resolve(ROOT, dirname(page), file)) : page;
        if (!existsSync(join(ROOT, path))) {
          broken.push(`${target}: no file ${path}`);
          continue;
        }
        if (anchor && path.endsWith(".md") && !anchors(readFileSync(join(ROOT, path), "utf8")).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${path}`);
      }
      expect(broken).toEqual([]);
    });
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(`{3,}|~{3,})[\s\S]*?^\1\s*$/gm, "");
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = m[1]
      .toLowerCase()
      .replace(/`/g, "")
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reference tables

/** The rows of the Markdown table that follows `marker` on `page`: cells, trimmed. */
function tableAfter(page: string, marker: RegExp): { marker: RegExpExecArray; rows: string[][] }[] {
  const lines = (texts.get(page) ?? "").split("\n");
  const out: { marker: RegExpExecArray; rows: string[][] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = marker.exec(lines[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith("|")) j++;
    const rows: string[][] = [];
    for (j += 2; j < lines.length && lines[j].startsWith("|"); j++) {
      rows.push(lines[j].replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim()));
    }
    out.push({ marker: m, rows });
  }
  return out;
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

describe("reference tables", () => {
  it("docs/learning.md names every shipped scenario", () => {
    const names = readdirSync(join(ROOT, "scenarios")).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -".yaml".length));
    const learning = texts.get("docs/learning.md") ?? "";
    expect(names.filter((n) => !learning.includes(`\`${n}\``) && !learning.includes(`\`${n}.yaml\``))).toEqual([]);
  });

  it("docs/scenario-reference.md lists every scenario key esm-sim accepts, and no other", () => {
    const documented = new Set<string>();
    const tables = tableAfter("docs/scenario-reference.md", /^<!-- keys: ?([^ ]*) -->$/);
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      const prefix = t.marker[1];
      for (const row of t.rows) {
        const key = ticked(row[0])[0];
        expect(key, `a row without a key: ${row.join(" | ")}`).toBeTruthy();
        documented.add(prefix ? `${prefix}.${key}` : key);
      }
    }
    const accepted = new Set<string>();
    schemaKeys(reference.schema, "", accepted);
    expect([...documented].filter((k) => !accepted.has(k)), "documented, not accepted").toEqual([]);
    expect([...accepted].filter((k) => !documented.has(k)), "accepted, not documented").toEqual([]);
  });

  it("docs/reports.md lists every JSON report field, and which ones `expect` can check", () => {
    const [table] = tableAfter("docs/reports.md", /^<!-- report-fields -->$/);
    expect(table, "docs/reports.md has a <!-- report-fields --> table").toBeTruthy();
    const documented = new Set<string>();
    const expectable = new Set<string>();
    for (const row of table.rows) {
      const field = ticked(row[0])[0];
      documented.add(field);
      if (row[1] === "yes") expectable.add(field);
    }
    expect([...documented].filter((k) => !reference.reportPaths.has(k)), "documented, not in any report").toEqual([]);
    expect([...reference.reportPaths].filter((k) => !documented.has(k)), "in a report, not documented").toEqual([]);
    const expectEnum = ((reference.schema.properties as Record<string, { propertyNames?: { enum?: string[] } }>).expect.propertyNames?.enum ?? []).slice().sort();
    expect([...expectable].sort()).toEqual(expectEnum);
  });

  it("docs/reports.md lists every trace event with its fields", () => {
    const [table] = tableAfter("docs/reports.md", /^<!-- trace-events -->$/);
    expect(table, "docs/reports.md has a <!-- trace-events --> table").toBeTruthy();
    const documented = new Map<string, string[]>();
    for (const row of table.rows) documented.set(`${ticked(row[0])[0]} ${row[1]}`, ticked(row[2]).sort());
    const seen = new Map([...reference.traceFields].map(([k, v]) => [k, [...v].sort()]));
    expect([...documented.keys()].sort()).toEqual([...seen.keys()].sort());
    for (const [k, fields] of seen) expect(documented.get(k), `fields of ${k}`).toEqual(fields);
  });
});
