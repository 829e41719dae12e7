/**
 * `esm-sim sweep` and `esm-sim merge`: the grid runs on worker threads (os.availableParallelism() by default,
 * `--jobs N`), one row per message; results are put in row order, so the output is the same bytes whatever the
 * number of workers. `--jobs 1` runs the rows in this thread.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InternalError } from "../engine/assert.js";
import { renderSweepCsv, renderSweepJson, renderSweepMarkdown, renderSweepTable } from "../report/sweep.js";
import { checkTasks, mergeSweeps, sweepTasks, parseShard, parseVary, runTask, sweepHeader, sweepResult, type RowTask, type SweepResult, type SweepRow, type Vary } from "../sweep/sweep.js";
import { UsageError } from "./files.js";

export type SweepFormat = "table" | "json" | "csv" | "markdown";

export function renderSweep(r: SweepResult, format: SweepFormat, color: boolean): string {
  switch (format) {
    case "json":
      return renderSweepJson(r);
    case "csv":
      return renderSweepCsv(r);
    case "markdown":
      return renderSweepMarkdown(r);
    default:
      return renderSweepTable(r, { color });
  }
}

export function parseVaryArgs(args: readonly string[]): Vary[] {
  if (args.length === 0) throw new UsageError("sweep: give at least one --vary <path>=<value>,<value>,..., e.g. --vary mapping.BatchSize=10,100,1000");
  const out: Vary[] = [];
  const bad: string[] = [];
  for (const a of args) {
    const v = parseVary(a);
    if (typeof v === "string") bad.push(v);
    else if (out.some((o) => o.path === v.path)) bad.push(`--vary ${a}: ${v.path} is already varied by another --vary`);
    else out.push(v);
  }
  if (bad.length > 0) throw new UsageError(bad.join("\nesm-sim: "));
  return out;
}

export function parseJobs(s: string | undefined): number {
  if (s === undefined) return availableParallelism();
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 1024) throw new UsageError(`--jobs: must be an integer 1..1024 (got ${JSON.stringify(s)})`);
  return Number(s);
}

export function parseShardArg(s: string | undefined) {
  if (s === undefined) return undefined;
  const r = parseShard(s);
  if (typeof r === "string") throw new UsageError(r);
  return r;
}

/** The compiled worker next to this module; under the TypeScript sources (tests), the one in dist/. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), "sweep-worker.js");
  if (here.endsWith(".js") && existsSync(beside)) return beside;
  const built = join(dirname(here), "..", "..", "dist", "cli", "sweep-worker.js");
  if (!existsSync(built)) throw new InternalError(`the sweep worker ${built} is missing: run npm run build`);
  return built;
}

export class RowFailure extends Error {
  constructor(
    readonly task: RowTask,
    message: string,
    readonly internal: boolean,
  ) {
    super(message);
    this.name = "RowFailure";
  }
}

/** Run every task on `jobs` workers (in this thread when jobs is 1). Rows come back in task order. */
export async function runRows(tasks: readonly RowTask[], jobs: number, onRow?: (done: number, total: number) => void): Promise<SweepRow[]> {
  const total = tasks.length;
  if (jobs <= 1 || total <= 1) {
    const rows: SweepRow[] = [];
    for (const t of tasks) {
      try {
        rows.push(runTask(t));
      } catch (e) {
        throw new RowFailure(t, e instanceof Error ? e.message : String(e), e instanceof InternalError);
      }
      onRow?.(rows.length, total);
    }
    return rows;
  }
  const file = workerPath();
  const results: SweepRow[] = new Array(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker) => {
        if (next >= total) return;
        const id = next++;
        w.postMessage({ id, task: tasks[id] });
      };
      for (let i = 0; i < Math.min(jobs, total); i++) {
        const w = new Worker(file);
        workers.push(w);
        w.on("message", (m: { id: number; row?: SweepRow; error?: string; internal?: boolean }) => {
          if (m.error !== undefined || !m.row) {
            reject(new RowFailure(tasks[m.id], m.error ?? "no result", Boolean(m.internal)));
            return;
          }
          results[m.id] = m.row;
          done++;
          onRow?.(done, total);
          if (done === total) resolve();
          else feed(w);
        });
        w.on("error", (e) => reject(new RowFailure(tasks[0], `a worker thread failed: ${e.message}`, true)));
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

export interface SweepRunOptions {
  text: string;
  file: string;
  seed?: number;
  untilUs?: number;
  until?: string;
  set: string[];
  vary: Vary[];
  jobs: number;
  shard?: { k: number; n: number };
  onRow?: (done: number, total: number) => void;
}

/** Validate every row first (all problems at once, nothing run), then run the grid. */
export async function runSweep(o: SweepRunOptions): Promise<{ ok: true; result: SweepResult } | { ok: false; problems: ReturnType<typeof checkTasks> }> {
  const spec = { text: o.text, file: o.file, seed: o.seed, untilUs: o.untilUs, until: o.until, set: o.set, vary: o.vary };
  const tasks = sweepTasks(spec, o.shard);
  const problems = checkTasks(tasks);
  if (problems.length > 0) return { ok: false, problems };
  const rows = await runRows(tasks, o.jobs, o.onRow);
  return { ok: true, result: sweepResult(sweepHeader(spec), rows, o.shard) };
}

/** Read the shard results named on the command line and merge them. */
export function mergeFiles(files: readonly string[]): SweepResult {
  const inputs: { name: string; value: unknown }[] = [];
  const bad: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      bad.push(`${f}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      continue;
    }
    try {
      inputs.push({ name: f, value: JSON.parse(text) });
    } catch (e) {
      bad.push(`${f}: not JSON (${(e as Error).message})`);
    }
  }
  if (bad.length > 0) throw new UsageError(bad.join("\nesm-sim: "));
  const merged = mergeSweeps(inputs);
  if (Array.isArray(merged)) throw new UsageError(merged.join("\nesm-sim: "));
  return merged;
}
