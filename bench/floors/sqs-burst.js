// Floor of bench/scenarios/sqs-burst.yaml: the least work any simulator of this workload must do, as one plain loop
// with no model around it. bench/run.js times it beside the simulator and reports the ratio.
//
// A million messages arrive at once (one slot each in typed arrays: receive count, visibility deadline, deleted).
// Every batch takes the same 200 ms, so the run is a sequence of 200 ms rounds: at each round's start the queue hands
// out as many batches of BatchSize as the mapping's concurrency allows (each message received: its receive count
// incremented, its visibility deadline set to now + VisibilityTimeout), and at the round's end every batch succeeds
// and its messages are deleted (a delete checks that the message is still within its visibility deadline).
// The concurrency is the legacy-2022 profile's scaling: 5 concurrent batches at first, +60 a minute applied once a
// second (+1 per second), at most min(1,000, the account's 1,000). Pollers added at a one-second tick start at once,
// so every batch starts on the 200 ms grid, as in the simulator: the number deleted by any time is the simulator's.
// Assumes, and leaves out: messages handed out in send order (a standard queue promises none), no function failures
// (so no message becomes visible again), no receive latency, no function-level scaling limit (legacy-2022's burst of
// 3,000 environments is never reached), keys not drawn (a standard queue ignores them).
// Its counts: messages produced, deleted, receives, batches, when the last batch ends, a checksum.

/** The workload of bench/scenarios/sqs-burst.yaml; test/bench-floors.test.ts checks these against the file. */
export const PARAMS = {
  scenario: "sqs-burst.yaml",
  messages: 1_000_000,
  atS: 0,
  batchSize: 10,
  functionBaseUs: 200_000,
  visibilityTimeoutS: 60,
  // The legacy-2022 profile's figures (and the account's concurrency, 1,000).
  profile: "legacy-2022",
  initialConcurrency: 5,
  scaleUpPerMinute: 60,
  scaleTickMs: 1_000,
  maxConcurrency: 1_000,
};

export function run({ untilS } = {}) {
  return sqsRounds(PARAMS, untilS);
}

/** The round loop for a standard queue with a burst of `p.messages` at `p.atS`. */
function sqsRounds(p, untilS) {
  const untilUs = untilS === undefined ? Infinity : untilS * 1e6;
  const n = p.messages;
  const atUs = p.atS * 1e6;
  const durUs = p.functionBaseUs;
  const vtUs = p.visibilityTimeoutS * 1e6;
  const tickUs = p.scaleTickMs * 1000;
  const perTick = (p.scaleUpPerMinute * p.scaleTickMs) / 60_000;
  const receives = new Uint8Array(n);
  const visibleAtUs = new Float64Array(n);
  const deleted = new Uint8Array(n);
  const inFlight = new Int32Array(p.maxConcurrency * p.batchSize);
  let head = 0; // the next message to hand out (none ever returns to the queue here)
  let deletedCount = 0;
  let receiveCount = 0;
  let batches = 0;
  let checksum = 0;
  let endedAtUs = atUs;
  for (let round = 0; deletedCount < n; round++) {
    const startUs = atUs + round * durUs;
    const endUs = startUs + durUs;
    if (endUs > untilUs) break;
    const c = Math.min(p.maxConcurrency, p.initialConcurrency + Math.floor(Math.floor((startUs - atUs) / tickUs) * perTick + 1e-9));
    let m = 0;
    for (let b = 0; b < c && head < n; b++) {
      const end = head + p.batchSize < n ? head + p.batchSize : n;
      for (; head < end; head++) {
        receives[head]++;
        visibleAtUs[head] = startUs + vtUs;
        inFlight[m++] = head;
      }
      batches++;
    }
    if (m === 0) break;
    receiveCount += m;
    for (let i = 0; i < m; i++) {
      const msg = inFlight[i];
      if (visibleAtUs[msg] > endUs && deleted[msg] === 0) {
        deleted[msg] = 1;
        deletedCount++;
        checksum = (Math.imul(checksum, 31) + msg + receives[msg]) | 0;
      }
    }
    endedAtUs = endUs;
  }
  return {
    records: untilS === undefined || atUs <= untilUs ? n : 0,
    succeeded: deletedCount,
    exact: ["records", "succeeded"],
    receives: receiveCount,
    batches,
    endedAtMs: endedAtUs / 1000,
    checksum,
  };
}
