// Floor of bench/scenarios/poison-day.yaml: the least work any simulator of this workload must do, as plain loops
// with no model around them. bench/run.js times it beside the simulator and reports the ratio.
//
// Records are produced, keyed, hashed to shards and batched exactly as in kinesis-steady's floor (kinesis-steady.js),
// at 16 records/s for the day, plus the poison record at 60 s (after the steady record sent at the same instant, as
// producers are taken in order; its key is interned after the 1,000 generated ones, so its index is 1,000). The
// poison's shard is blocked from then on: its open batch is delivered first, so the failing batch holds the poison
// alone, and every later record of that shard is held (kept in growing typed arrays) while the failing batch is
// retried in place: each attempt takes base + perRecord, and the next comes after esm-sim's back-off (500 ms,
// doubling, at most 30 s; AWS documents none), until the poison's retention (24 h from its arrival) runs out. Then
// the poison is expired and the held records are delivered at once, in batches of BatchSize (a record past its own
// retention when its batch starts would be expired too). The other 15 shards flow throughout.
// Assumes, and leaves out: as kinesis-steady's floor (no write limits, full batches, no polling cadence); the retries
// are counted after production, which is equivalent because nothing else waits on them.
// Its counts: records produced (equal to the simulator's), delivered and expired (equal to the simulator's
// succeeded and expired once drained), attempts on the poison, batches, order violations (0), a checksum.
//
// run({ pollEveryS: 1 }) is not the benchmark's floor but a measure beside it: each flowing shard's batch closes at
// the first whole second at or after its first record's arrival, as a mapping that polls each shard once a second
// delivers what arrived since its last poll (one or two records here, 835,923 batches instead of 13,835). It
// bounds what batching 100 records at a time saves the floor. The counts above are the same either way.

/** The workload of bench/scenarios/poison-day.yaml; test/bench-floors.test.ts checks these against the file. */
export const PARAMS = {
  scenario: "poison-day.yaml",
  shards: 16,
  ratePerS: 16,
  fromS: 0,
  toS: 86_400,
  keys: 1_000,
  poisonAtS: 60,
  retentionS: 86_400,
  batchSize: 100,
  functionBaseUs: 20_000,
  functionPerRecordUs: 50,
  // esm-sim's stream back-off (src/esm/stream-retry.ts), also checked by the test.
  retryInitialUs: 500_000,
  retryMaxUs: 30_000_000,
};

export function run({ untilS, pollEveryS } = {}) {
  const p = PARAMS;
  const pollUs = pollEveryS === undefined ? 0 : pollEveryS * 1e6;
  const untilUs = untilS === undefined ? Infinity : untilS * 1e6;
  const { shards, batchSize, keys, ratePerS, functionBaseUs, functionPerRecordUs } = p;
  const fromUs = p.fromS * 1e6;
  const toUs = p.toS * 1e6;
  const poisonAtUs = p.poisonAtS * 1e6;
  const retentionUs = p.retentionS * 1e6;
  const poisonKey = keys;
  const shardOf = (key) => {
    let h = Math.imul(0x811c9dc5 ^ (key & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 8) & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 16) & 255), 0x01000193);
    h = Math.imul(h ^ (key >>> 24), 0x01000193);
    return (h >>> 1) % shards;
  };

  const batchSeq = new Int32Array(shards * batchSize);
  const batchKey = new Int32Array(shards * batchSize);
  const fill = new Int32Array(shards);
  const firstArrivalUs = new Float64Array(shards);
  const lastArrivalUs = new Float64Array(shards);
  const freeUs = new Float64Array(shards);
  // With pollUs: the poll that takes each shard's open batch.
  const pollAtUs = new Float64Array(shards);
  const lastSeqOfKey = new Int32Array(keys + 1).fill(-1);
  let delivered = 0;
  let batches = 0;
  let violations = 0;
  let checksum = 0;

  const deliver = (s) => {
    const n = fill[s];
    const readyUs = pollUs > 0 ? pollAtUs[s] : lastArrivalUs[s];
    const startUs = freeUs[s] > readyUs ? freeUs[s] : readyUs;
    freeUs[s] = startUs + functionBaseUs + functionPerRecordUs * n;
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

  // The blocked shard's held records, in arrival order.
  let heldSeq = new Int32Array(1024);
  let heldKey = new Int32Array(1024);
  let heldArrivalUs = new Float64Array(1024);
  let held = 0;
  let blocked = -1;
  let poisonSeq = -1;

  let x = 0x9e3779b9 | 0;
  let n = 0; // production index (sequence number) of the next record
  let k = 0; // steady records sent
  for (;; k++) {
    const t = fromUs + Math.floor((k * 1e6) / ratePerS);
    if (t >= toUs || t > untilUs) break;
    if (poisonSeq < 0 && t > poisonAtUs) {
      // The poison is sent now, after every steady record sent at or before its time.
      blocked = shardOf(poisonKey);
      if (fill[blocked] > 0) deliver(blocked);
      poisonSeq = n++;
    }
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const key = (x >>> 1) % keys;
    let h = Math.imul(0x811c9dc5 ^ (key & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 8) & 255), 0x01000193);
    h = Math.imul(h ^ ((key >>> 16) & 255), 0x01000193);
    h = Math.imul(h ^ (key >>> 24), 0x01000193);
    const s = (h >>> 1) % shards;
    const seq = n++;
    if (s === blocked) {
      if (held === heldSeq.length) {
        const size = held * 2;
        const a = new Int32Array(size);
        a.set(heldSeq);
        heldSeq = a;
        const b = new Int32Array(size);
        b.set(heldKey);
        heldKey = b;
        const c = new Float64Array(size);
        c.set(heldArrivalUs);
        heldArrivalUs = c;
      }
      heldSeq[held] = seq;
      heldKey[held] = key;
      heldArrivalUs[held] = t;
      held++;
      continue;
    }
    let f = fill[s];
    if (pollUs > 0 && f > 0 && t > pollAtUs[s]) {
      deliver(s);
      f = 0;
    }
    if (pollUs > 0 && f === 0) pollAtUs[s] = Math.ceil(t / pollUs) * pollUs;
    const i = s * batchSize + f;
    batchSeq[i] = seq;
    batchKey[i] = key;
    if (f === 0) firstArrivalUs[s] = t;
    lastArrivalUs[s] = t;
    fill[s] = f + 1;
    if (f + 1 === batchSize) deliver(s);
  }
  if (poisonSeq < 0 && poisonAtUs <= untilUs) {
    blocked = shardOf(poisonKey);
    if (fill[blocked] > 0) deliver(blocked);
    poisonSeq = n++;
  }
  for (let s = 0; s < shards; s++) if (s !== blocked && fill[s] > 0) deliver(s);

  // The failing batch (the poison alone), retried in place until its retention runs out; the poison is dropped then
  // (or when an attempt running at that moment ends) and the held records follow at once.
  let attempts = 0;
  let expired = 0;
  if (poisonSeq >= 0) {
    const expiryUs = poisonAtUs + retentionUs;
    let atUs = freeUs[blocked] > poisonAtUs ? freeUs[blocked] : poisonAtUs;
    let endUs = atUs;
    let failures = 0;
    while (atUs < expiryUs && atUs <= untilUs) {
      attempts++;
      failures++;
      endUs = atUs + functionBaseUs + functionPerRecordUs;
      const delayUs = failures > 20 ? p.retryMaxUs : Math.min(p.retryInitialUs * 2 ** (failures - 1), p.retryMaxUs);
      atUs = endUs + delayUs;
    }
    const releaseUs = endUs > expiryUs ? endUs : expiryUs;
    if (releaseUs <= untilUs) {
      expired++;
      freeUs[blocked] = releaseUs;
      // The held records, in batches of BatchSize; any past its own retention when its batch starts is expired.
      for (let from = 0; from < held; from += batchSize) {
        const to = from + batchSize < held ? from + batchSize : held;
        const startUs = freeUs[blocked] > heldArrivalUs[to - 1] ? freeUs[blocked] : heldArrivalUs[to - 1];
        let ran = 0;
        for (let i = from; i < to; i++) {
          if (heldArrivalUs[i] + retentionUs <= startUs) {
            expired++;
            continue;
          }
          const seq = heldSeq[i];
          const key = heldKey[i];
          if (seq <= lastSeqOfKey[key]) violations++;
          lastSeqOfKey[key] = seq;
          checksum = (Math.imul(checksum, 31) + seq) | 0;
          ran++;
        }
        freeUs[blocked] = startUs + functionBaseUs + functionPerRecordUs * ran;
        delivered += ran;
        batches++;
      }
      held = 0;
    }
  }
  let endedAtUs = 0;
  for (let s = 0; s < shards; s++) if (freeUs[s] > endedAtUs) endedAtUs = freeUs[s];
  return {
    records: n,
    succeeded: delivered,
    expired,
    exact: untilS === undefined ? ["records", "succeeded", "expired"] : ["records"],
    poisonAttempts: attempts,
    heldAtEnd: held,
    batches,
    orderViolations: violations,
    endedAtMs: endedAtUs / 1000,
    checksum,
  };
}
