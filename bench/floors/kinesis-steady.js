// Floor of bench/scenarios/kinesis-steady.yaml: the least work any simulator of this workload must do, as one plain
// loop with no model around it. bench/run.js times it beside the simulator and reports the ratio.
//
// Per record: produce it at the scenario's time (evenly spaced sends, t_k = from + floor(k / rate)), draw its key
// (uniform over `keys`, a xorshift32 generator), hash the key index to a shard (FNV-1a over its four bytes: any
// fast hash will do, AWS uses MD5 of the partition key), and append it to its shard's open batch. A batch is cut
// when it holds BatchSize records (arrival order per shard); delivering it starts the shard's function at the later
// of the batch's last arrival and the end of the shard's previous batch, for base + perRecord x size, checks each
// record against the last sequence number delivered for its key (per-key order) and folds it into a checksum.
// Assumes, and leaves out: no producer write limits (no throttling, so no backlog), one batch in flight per shard,
// batches always full until the end of traffic (no polling cadence), no function failures. Its counts: records
// produced (equal to the simulator's), delivered (equal to the simulator's succeeded once drained), batches, order
// violations (0), when the last batch ends, and a checksum.

/** The workload of bench/scenarios/kinesis-steady.yaml; test/bench-floors.test.ts checks these against the file. */
export const PARAMS = {
  scenario: "kinesis-steady.yaml",
  shards: 16,
  ratePerS: 16_000,
  fromS: 0,
  toS: 300,
  keys: 1_000,
  batchSize: 100,
  functionBaseUs: 20_000,
  functionPerRecordUs: 50,
};

/** Runs the stream floor for the workload `p`; `untilS` stops production there (a shortened run, as `until`). */
export function streamFloor(p, untilS) {
  const untilUs = untilS === undefined ? Infinity : untilS * 1e6;
  const { shards, batchSize, keys, ratePerS, functionBaseUs, functionPerRecordUs } = p;
  const fromUs = p.fromS * 1e6;
  const toUs = p.toS * 1e6;
  // Each shard's open batch: sequence numbers and keys, in arrival order.
  const batchSeq = new Int32Array(shards * batchSize);
  const batchKey = new Int32Array(shards * batchSize);
  const fill = new Int32Array(shards);
  const firstArrivalUs = new Float64Array(shards);
  const lastArrivalUs = new Float64Array(shards);
  /** When the shard's last delivered batch ends. */
  const freeUs = new Float64Array(shards);
  /** Sequence number of the last record delivered per key (-1: none yet). */
  const lastSeqOfKey = new Int32Array(keys).fill(-1);
  let delivered = 0;
  let batches = 0;
  let violations = 0;
  let checksum = 0;
  let maxAgeUs = 0;

  const deliver = (s) => {
    const n = fill[s];
    const startUs = freeUs[s] > lastArrivalUs[s] ? freeUs[s] : lastArrivalUs[s];
    freeUs[s] = startUs + functionBaseUs + functionPerRecordUs * n;
    if (startUs - firstArrivalUs[s] > maxAgeUs) maxAgeUs = startUs - firstArrivalUs[s];
    const base = s * batchSize;
    for (let i = base; i < base + n; i++) {
      const seq = batchSeq[i];
      const key = batchKey[i];
      if (seq <= lastSeqOfKey[key]) violations++;
      lastSeqOfKey[key] = seq;
      checksum = (Math.imul(checksum, 31) + seq) | 0;
    }
    delivered += n;
    batches++;
    fill[s] = 0;
  };

  let x = 0x9e3779b9 | 0;
  let k = 0;
  for (;; k++) {
    const t = fromUs + Math.floor((k * 1e6) / ratePerS);
    if (t >= toUs || t > untilUs) break;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const key = (x >>> 1) % keys;
    let h = Math.imul(0x811c9dc5 ^ (key & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 8) & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 16) & 255), 0x01000193);
    h = Math.imul(h ^ (key >>> 24), 0x01000193);
    const s = (h >>> 1) % shards;
    const f = fill[s];
    const i = s * batchSize + f;
    batchSeq[i] = k;
    batchKey[i] = key;
    if (f === 0) firstArrivalUs[s] = t;
    lastArrivalUs[s] = t;
    fill[s] = f + 1;
    if (f + 1 === batchSize) deliver(s);
  }
  for (let s = 0; s < shards; s++) if (fill[s] > 0) deliver(s);
  let endedAtUs = 0;
  for (let s = 0; s < shards; s++) if (freeUs[s] > endedAtUs) endedAtUs = freeUs[s];
  return {
    records: k,
    succeeded: delivered,
    // Delivered equals the simulator's succeeded only for a whole run (drained); a shortened one stops mid-stream.
    exact: untilS === undefined ? ["records", "succeeded"] : ["records"],
    batches,
    orderViolations: violations,
    maxAgeMs: maxAgeUs / 1000,
    endedAtMs: endedAtUs / 1000,
    checksum,
  };
}

export function run({ untilS } = {}) {
  return streamFloor(PARAMS, untilS);
}
