/** A worker thread of `esm-sim sweep`: runs the rows it is sent, one at a time, and posts each row's result back. */
import { parentPort } from "node:worker_threads";
import { InternalError } from "../engine/assert.js";
import { runTask, type RowTask } from "../sweep/sweep.js";

const port = parentPort;
if (port) {
  port.on("message", (msg: { id: number; task: RowTask }) => {
    try {
      port.postMessage({ id: msg.id, row: runTask(msg.task) });
    } catch (e) {
      const internal = e instanceof InternalError;
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e), internal });
    }
  });
}
