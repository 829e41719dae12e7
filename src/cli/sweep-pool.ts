/**
 * The rows of a sweep, `--jobs N` at a time (os.availableParallelism() by default): this thread runs rows and
 * N - 1 worker threads run the others, one row per message. Results are put in row order, so the output is the
 * same bytes whatever the number of jobs. One job runs every row in this thread.
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

/** Run every row `jobs` at a time (this thread and jobs - 1 workers). Results come back in row order. */
export async function runRows(spec: SweepSpec, rows: readonly GridRow[], jobs: number, onRow?: (done: number, total: number) => void): Promise<SweepRow[]> {
  const pool = openRowPool(spec, Math.min(jobs, rows.length));
  try {
    return await pool.run(rows, onRow);
  } finally {
    await pool.close();
  }
}

function runHere(spec: SweepSpec, rows: readonly GridRow[], onRow?: (done: number, total: number) => void): SweepRow[] {
  const out: SweepRow[] = [];
  for (const row of rows) {
    out.push(runOne(spec, row));
    onRow?.(out.length, rows.length);
  }
  return out;
}

function runOne(spec: SweepSpec, row: GridRow): SweepRow {
  try {
    return runRow(spec, row);
  } catch (e) {
    throw new RowFailure(row, e instanceof Error ? e.message : String(e), e instanceof InternalError);
  }
}

/**
 * Runs rows `jobs` at a time, for one batch or several (calibrate runs many small batches, one after another): this
 * thread is one of the jobs and jobs - 1 worker threads the others. This thread has usually compiled the simulator
 * already (calibrate's first run, or loading the scenario), where each worker compiles it anew, so it takes rows too.
 * Each worker starts once, gets the spec once, and then runs rows of any batch. `close` ends the workers; call it
 * when done, also after a failure.
 */
export interface RowPool {
  run(rows: readonly GridRow[], onRow?: (done: number, total: number) => void): Promise<SweepRow[]>;
  /** Starts every worker now, so that their loading overlaps work the caller does on this thread before its first batch. */
  warm(): void;
  close(): Promise<void>;
  /** Rows run so far on this thread, and worker threads started. */
  readonly ranHere: number;
  readonly threads: number;
}

/** Rows a worker holds at once while the batch has more than a row per job left: one running, one waiting, so it never waits on this thread's row. */
const AHEAD = 2;

export function openRowPool(spec: SweepSpec, jobs: number): RowPool {
  const workers: { worker: Worker; held: number }[] = [];
  let ranHere = 0;
  if (jobs <= 1) {
    return {
      run: async (rows, onRow) => {
        ranHere += rows.length;
        return runHere(spec, rows, onRow);
      },
      warm: () => {},
      close: async () => {},
      get ranHere() {
        return ranHere;
      },
      threads: 0,
    };
  }
  const file = workerPath();
  let broken: string | null = null;
  /** The batch in progress: where its replies go. */
  let batch: { rows: readonly GridRow[]; results: SweepRow[]; next: number; done: number; onRow?: (done: number, total: number) => void; resolve: (r: SweepRow[]) => void; reject: (e: Error) => void } | null = null;
  const fail = (e: Error) => {
    const b = batch;
    batch = null;
    b?.reject(e);
  };
  const record = (id: number, row: SweepRow) => {
    const b = batch!;
    b.results[id] = row;
    b.done++;
    b.onRow?.(b.done, b.rows.length);
    if (b.done === b.rows.length) {
      batch = null;
      b.resolve(b.results);
    }
  };
  const feed = (w: { worker: Worker; held: number }) => {
    while (batch && batch.next < batch.rows.length) {
      const left = batch.rows.length - batch.next;
      if (w.held >= (left > jobs ? AHEAD : 1)) return;
      const id = batch.next++;
      w.held++;
      w.worker.postMessage({ id, row: batch.rows[id] });
    }
  };
  const start = () => {
    const w = { worker: new Worker(file, { workerData: spec }), held: 0 };
    w.worker.on("message", (m: RowReply) => {
      w.held--;
      const b = batch;
      if (!b) return;
      if (m.error !== undefined || !m.row) return fail(new RowFailure(b.rows[m.id], m.error ?? "no result", Boolean(m.internal)));
      record(m.id, m.row);
      feed(w);
    });
    w.worker.on("error", (e) => {
      broken = `a worker thread failed: ${e.message}`;
      fail(new RowFailure(batch?.rows[0] ?? { index: 0, params: [] }, broken, true));
    });
    return w;
  };
  /** This thread's share: one row, then back to the event loop so that the workers' replies are taken and they are fed. */
  const turn = (b: NonNullable<typeof batch>) => {
    if (batch !== b || b.next >= b.rows.length) return;
    const id = b.next++;
    let row: SweepRow;
    try {
      row = runOne(spec, b.rows[id]);
    } catch (e) {
      return fail(e as Error);
    }
    ranHere++;
    record(id, row);
    setImmediate(turn, b);
  };
  return {
    run(rows, onRow) {
      if (rows.length === 0) return Promise.resolve([]);
      // A worker that failed between batches would never answer: the pool is not used again.
      if (broken !== null) return Promise.reject(new RowFailure(rows[0], broken, true));
      return new Promise<SweepRow[]>((resolve, reject) => {
        const b = { rows, results: new Array<SweepRow>(rows.length), next: 0, done: 0, onRow, resolve, reject };
        batch = b;
        while (workers.length < Math.min(jobs - 1, rows.length - 1)) workers.push(start());
        for (const w of workers) feed(w);
        setImmediate(turn, b);
      });
    },
    warm() {
      while (workers.length < jobs - 1) workers.push(start());
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
    get ranHere() {
      return ranHere;
    },
    get threads() {
      return workers.length;
    },
  };
}
