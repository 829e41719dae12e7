/**
 * The rows of a sweep on worker threads (os.availableParallelism() by default, `--jobs N`), one row per message;
 * results are put in row order, so the output is the same bytes whatever the number of workers. One job runs the
 * rows in this thread.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InternalError } from "../engine/assert.js";
import { runRow, type GridRow, type SweepRow, type SweepSpec } from "../sweep/sweep.js";

/** A row that failed to run (a bug, or a worker that died): which row, and whether it was an internal error. */
export class RowFailure extends Error {
  constructor(
    readonly row: GridRow,
    message: string,
    readonly internal: boolean,
  ) {
    super(message);
    this.name = "RowFailure";
  }
}

/** What a worker posts back for one row. */
export interface RowReply {
  id: number;
  row?: SweepRow;
  error?: string;
  internal?: boolean;
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

/** Run every row on `jobs` workers (in this thread when jobs is 1). Results come back in row order. */
export async function runRows(spec: SweepSpec, rows: readonly GridRow[], jobs: number, onRow?: (done: number, total: number) => void): Promise<SweepRow[]> {
  if (jobs <= 1 || rows.length <= 1) return runHere(spec, rows, onRow);
  const workers: Worker[] = [];
  try {
    return await runOnWorkers(spec, rows, jobs, workers, onRow);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function runHere(spec: SweepSpec, rows: readonly GridRow[], onRow?: (done: number, total: number) => void): SweepRow[] {
  const out: SweepRow[] = [];
  for (const row of rows) {
    try {
      out.push(runRow(spec, row));
    } catch (e) {
      throw new RowFailure(row, e instanceof Error ? e.message : String(e), e instanceof InternalError);
    }
    onRow?.(out.length, rows.length);
  }
  return out;
}

/** Each worker gets the spec once and then one row at a time; `workers` collects them for the caller to end. */
function runOnWorkers(spec: SweepSpec, rows: readonly GridRow[], jobs: number, workers: Worker[], onRow?: (done: number, total: number) => void): Promise<SweepRow[]> {
  const file = workerPath();
  const total = rows.length;
  const results: SweepRow[] = new Array(total);
  let next = 0;
  let done = 0;
  return new Promise<SweepRow[]>((resolve, reject) => {
    const feed = (w: Worker) => {
      if (next >= total) return;
      const id = next++;
      w.postMessage({ id, row: rows[id] });
    };
    for (let i = 0; i < Math.min(jobs, total); i++) {
      const w = new Worker(file, { workerData: spec });
      workers.push(w);
      w.on("message", (m: RowReply) => {
        if (m.error !== undefined || !m.row) {
          reject(new RowFailure(rows[m.id], m.error ?? "no result", Boolean(m.internal)));
          return;
        }
        results[m.id] = m.row;
        done++;
        onRow?.(done, total);
        if (done === total) resolve(results);
        else feed(w);
      });
      w.on("error", (e) => reject(new RowFailure(rows[0], `a worker thread failed: ${e.message}`, true)));
      feed(w);
    }
  });
}

/**
 * Worker threads kept for several batches of rows (calibrate runs many small batches, one after another): each
 * worker starts once, gets the spec once, and then runs rows of any batch. One job runs the rows in this thread.
 * `close` ends the workers; call it when done, also after a failure.
 */
export interface RowPool {
  run(rows: readonly GridRow[], onRow?: (done: number, total: number) => void): Promise<SweepRow[]>;
  /** Starts every worker now, so that their loading overlaps work the caller does on this thread before its first batch. */
  warm(): void;
  close(): Promise<void>;
}

export function openRowPool(spec: SweepSpec, jobs: number): RowPool {
  const workers: Worker[] = [];
  if (jobs <= 1) return { run: async (rows, onRow) => runHere(spec, rows, onRow), warm: () => {}, close: async () => {} };
  const file = workerPath();
  let broken: string | null = null;
  /** The batch in progress: where its replies go. */
  let batch: { rows: readonly GridRow[]; results: SweepRow[]; next: number; done: number; onRow?: (done: number, total: number) => void; resolve: (r: SweepRow[]) => void; reject: (e: Error) => void } | null = null;
  const feed = (w: Worker) => {
    if (!batch || batch.next >= batch.rows.length) return;
    const id = batch.next++;
    w.postMessage({ id, row: batch.rows[id] });
  };
  const start = (): Worker => {
    const w = new Worker(file, { workerData: spec });
    w.on("message", (m: RowReply) => {
      const b = batch;
      if (!b) return;
      if (m.error !== undefined || !m.row) {
        batch = null;
        b.reject(new RowFailure(b.rows[m.id], m.error ?? "no result", Boolean(m.internal)));
        return;
      }
      b.results[m.id] = m.row;
      b.done++;
      b.onRow?.(b.done, b.rows.length);
      if (b.done === b.rows.length) {
        batch = null;
        b.resolve(b.results);
      } else feed(w);
    });
    w.on("error", (e) => {
      broken = `a worker thread failed: ${e.message}`;
      const b = batch;
      batch = null;
      b?.reject(new RowFailure(b.rows[0], broken, true));
    });
    return w;
  };
  return {
    run(rows, onRow) {
      if (rows.length === 0) return Promise.resolve([]);
      // A worker that failed between batches would never answer: the pool is not used again.
      if (broken !== null) return Promise.reject(new RowFailure(rows[0], broken, true));
      return new Promise<SweepRow[]>((resolve, reject) => {
        batch = { rows, results: new Array(rows.length), next: 0, done: 0, onRow, resolve, reject };
        while (workers.length < Math.min(jobs, rows.length)) workers.push(start());
        for (const w of workers) feed(w);
      });
    },
    warm() {
      while (workers.length < jobs) workers.push(start());
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

