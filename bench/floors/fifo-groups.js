// Floor of bench/scenarios/fifo-groups.yaml: the least work any simulator of this workload must do, as one plain
// loop with no model around it. bench/run.js times it beside the simulator and reports the ratio.
//
// A million FIFO messages arrive at once, each in a message group drawn uniformly from 10,000 (xorshift32); a
// counting sort lays each group's messages out together in send order, and each message's state (receive count,
// visibility deadline, deleted) is kept by its slot in that layout. As in sqs-burst's floor, every batch takes
// the same 200 ms, so the run is a sequence of 200 ms rounds: at each round's start the queue hands out as many
// batches as the mapping's concurrency allows; a batch takes the next available group from a ring and as many of
// its messages as fit, then the next group, up to BatchSize (as SQS fills a receive), and each group it touches is
// locked: one batch per message group in flight. Each message received gets its receive count incremented and its
// visibility deadline set. At the round's end every batch succeeds: its messages are deleted (checked against their
// visibility deadline and against the last message deleted in their group: per-group order), and each group with
// messages left goes back to the end of the ring.
// The concurrency is the current profile's scaling: 5 concurrent batches at first, +300 a minute applied once a
// second (+5 per second), at most min(1,250, the account's 1,000).
// Assumes, and leaves out: available groups are served in ring order (initially by group index) where the simulator
// takes the group whose first message is oldest; the 20,000-message look-ahead is not applied (with 10,000 groups
// spread uniformly it rarely hides a group while fewer than 1,000 batches are in flight); no function failures, no
// receive latency. The number deleted in early slices equals the simulator's; over the whole run the batch count and
// the end time come out close to it, not equal.
// Its counts: messages produced, deleted, receives, batches, order violations (0), when the last batch ends, a
// checksum.

/** The workload of bench/scenarios/fifo-groups.yaml; test/bench-floors.test.ts checks these against the file. */
export const PARAMS = {
  scenario: "fifo-groups.yaml",
  messages: 1_000_000,
  atS: 0,
  groups: 10_000,
  batchSize: 10,
  functionBaseUs: 200_000,
  visibilityTimeoutS: 60,
  // The current profile's figures (and the account's concurrency, 1,000).
  profile: "current",
  initialConcurrency: 5,
  scaleUpPerMinute: 300,
  scaleTickMs: 1_000,
  maxConcurrency: 1_000,
};

export function run({ untilS } = {}) {
  const p = PARAMS;
  const untilUs = untilS === undefined ? Infinity : untilS * 1e6;
  const n = p.messages;
  const groups = p.groups;
  const batchSize = p.batchSize;
  const atUs = p.atS * 1e6;
  const durUs = p.functionBaseUs;
  const vtUs = p.visibilityTimeoutS * 1e6;
  const tickUs = p.scaleTickMs * 1000;
  const perTick = (p.scaleUpPerMinute * p.scaleTickMs) / 60_000;

  // Produce: each message's group.
  const groupOf = new Int32Array(n);
  const start = new Int32Array(groups + 1);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const g = (x >>> 1) % groups;
    groupOf[i] = g;
    start[g + 1]++;
  }
  // Each group's messages together, in send order.
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const head = start.slice(0, groups);
  const byGroup = new Int32Array(n);
  for (let i = 0; i < n; i++) byGroup[head[groupOf[i]]++] = i;
  head.set(start.subarray(0, groups));

  // Groups with messages left and none in flight, in a ring.
  const ring = new Int32Array(groups);
  let ringHead = 0;
  let ringSize = 0;
  for (let g = 0; g < groups; g++) if (start[g + 1] > start[g]) ring[ringSize++] = g;

  // Each message's state by its slot in the group layout (byGroup), so that a batch touches consecutive slots.
  const receives = new Uint8Array(n);
  const visibleAtUs = new Float64Array(n);
  const deleted = new Uint8Array(n);
  const lastDeleted = new Int32Array(groups).fill(-1);
  const inFlight = new Int32Array(p.maxConcurrency * batchSize);
  const inFlightGroup = new Int32Array(p.maxConcurrency * batchSize);
  const roundGroups = new Int32Array(p.maxConcurrency * batchSize);
  let deletedCount = 0;
  let receiveCount = 0;
  let batches = 0;
  let violations = 0;
  let checksum = 0;
  let endedAtUs = atUs;
  for (let round = 0; deletedCount < n; round++) {
    const startUs = atUs + round * durUs;
    const endUs = startUs + durUs;
    if (endUs > untilUs) break;
    const c = Math.min(p.maxConcurrency, p.initialConcurrency + Math.floor(Math.floor((startUs - atUs) / tickUs) * perTick + 1e-9));
    let m = 0;
    let taken = 0;
    for (let b = 0; b < c && ringSize > 0; b++) {
      let filled = 0;
      while (filled < batchSize && ringSize > 0) {
        const g = ring[ringHead];
        ringHead = ringHead + 1 === groups ? 0 : ringHead + 1;
        ringSize--;
        roundGroups[taken++] = g;
        let h = head[g];
        const end = start[g + 1];
        for (; filled < batchSize && h < end; filled++, h++) {
          receives[h]++;
          visibleAtUs[h] = startUs + vtUs;
          inFlightGroup[m] = g;
          inFlight[m++] = h;
        }
        head[g] = h;
      }
      batches++;
    }
    if (m === 0) break;
    receiveCount += m;
    for (let i = 0; i < m; i++) {
      const slot = inFlight[i];
      if (visibleAtUs[slot] > endUs && deleted[slot] === 0) {
        deleted[slot] = 1;
        deletedCount++;
        const msg = byGroup[slot];
        const g = inFlightGroup[i];
        if (msg <= lastDeleted[g]) violations++;
        lastDeleted[g] = msg;
        checksum = (Math.imul(checksum, 31) + msg + receives[slot]) | 0;
      }
    }
    for (let i = 0; i < taken; i++) {
      const g = roundGroups[i];
      if (head[g] < start[g + 1]) {
        let tail = ringHead + ringSize;
        if (tail >= groups) tail -= groups;
        ring[tail] = g;
        ringSize++;
      }
    }
    endedAtUs = endUs;
  }
  return {
    records: untilS === undefined || atUs <= untilUs ? n : 0,
    succeeded: deletedCount,
    // Deleted equals the simulator's for a whole run and for early slices (while every batch is full); in between,
    // the order groups are served in can move a batch by a round.
    exact: untilS === undefined ? ["records", "succeeded"] : ["records"],
    receives: receiveCount,
    batches,
    orderViolations: violations,
    endedAtMs: endedAtUs / 1000,
    checksum,
  };
}
