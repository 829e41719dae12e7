/** A worker thread of `esm-sim sweep`: given the sweep once, runs the rows it is sent, one at a time, and posts each row's result back. */
import { parentPort, workerData } from "node:worker_threads";
import { InternalError } from "../engine/assert.js";
import { runRow, type GridRow, type SweepSpec } from "../sweep/sweep.js";
import type { RowReply } from "./sweep-pool.js";

const port = parentPort;
const spec = workerData as SweepSpec;
if (port) {
  port.on("message", (msg: { id: number; row: GridRow }) => {
    let reply: RowReply;
    try {
      reply = { id: msg.id, row: runRow(spec, msg.row) };
    } catch (e) {
      reply = { id: msg.id, error: e instanceof Error ? e.message : String(e), internal: e instanceof InternalError };
    }
    port.postMessage(reply);
  });
}
