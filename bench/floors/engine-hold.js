// Floor of the engine-hold benchmark (engineHold() in bench/one.js): the same hold operation on a plain binary
// min-heap of (time, sequence) numbers in two typed arrays, with no actions, no priorities and no checks.
// 10,000 events are pending; each step pops the earliest (time, then insertion sequence) and pushes one at
// now + delay, the delays drawn before timing from the same 32-bit LCG as bench/one.js. Only the steps are timed,
// as bench/one.js times only the scheduler's steps. Returns the time of the last event popped, which equals the
// scheduler's nowUs after the same steps (the order is the same, so it depends on every step).

/** engineHold()'s figures in bench/one.js; test/bench-floors.test.ts runs both on a few steps and compares. */
export const PARAMS = {
  pending: 10_000,
  ops: 5_000_000,
  delayTableSize: 1 << 16,
  lcgSeed: 12345,
  maxDelayUs: 1000,
};

export function run({ ops = PARAMS.ops } = {}) {
  const { pending } = PARAMS;
  const delays = new Int32Array(PARAMS.delayTableSize);
  let x = PARAMS.lcgSeed;
  for (let i = 0; i < delays.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    delays[i] = ((x >>> 16) & 0x7fff) % PARAMS.maxDelayUs;
  }
  const mask = delays.length - 1;
  const cap = pending + 1;
  // Times as doubles (virtual times pass 2^31 us after 35.8 minutes); the 5,010,000 sequence numbers fit 32 bits.
  const time = new Float64Array(cap);
  const seq = new Int32Array(cap);
  let n = 0;
  let nextSeq = 0;
  // The pushes are written out in the loops (not a shared function) so that n and nextSeq stay locals.
  for (let j = 0; j < pending; j++) {
    const t = delays[j & mask];
    const s = nextSeq++;
    let i = n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p];
      if (pt < t || (pt === t && seq[p] < s)) break;
      time[i] = pt;
      seq[i] = seq[p];
      i = p;
    }
    time[i] = t;
    seq[i] = s;
  }
  let now = 0;
  const t0 = performance.now();
  for (let j = 0; j < ops; j++) {
    // pop: the root is the earliest; the last entry sifts down from the root
    now = time[0];
    const m = --n;
    const lt = time[m];
    const ls = seq[m];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= m) break;
      const r = c + 1;
      if (r < m && (time[r] < time[c] || (time[r] === time[c] && seq[r] < seq[c]))) c = r;
      const ct = time[c];
      if (lt < ct || (lt === ct && ls < seq[c])) break;
      time[i] = ct;
      seq[i] = seq[c];
      i = c;
    }
    time[i] = lt;
    seq[i] = ls;
    // push at now + delay: sift up from the end
    const t = now + delays[(j + pending) & mask];
    const s = nextSeq++;
    i = n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p];
      if (pt < t || (pt === t && seq[p] < s)) break;
      time[i] = pt;
      seq[i] = seq[p];
      i = p;
    }
    time[i] = t;
    seq[i] = s;
  }
  const wallMs = performance.now() - t0;
  return { events: ops, nowUs: now, wallMs };
}
