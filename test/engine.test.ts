import { describe, expect, it } from "vitest";
import { Scheduler } from "../src/engine/scheduler.js";
import { kthSmallest, Percentiles } from "../src/metrics/histogram.js";
import { prngStream } from "../src/engine/prng.js";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

describe("scheduler", () => {
  it("runs events by time, then priority, then the order they were scheduled", () => {
    const s = new Scheduler();
    const log: string[] = [];
    s.at(5, () => log.push("b5"));
    s.at(5, () => log.push("c5"));
    s.at(1, () => log.push("a1"));
    s.at(5, () => log.push("p0"), -1);
    s.at(9, () => log.push("d9"));
    while (s.step());
    expect(log).toEqual(["a1", "p0", "b5", "c5", "d9"]);
  });

  it("keeps insertion order among thousands of equal-time events", () => {
    const s = new Scheduler();
    const log: number[] = [];
    for (let i = 0; i < 5000; i++) s.at(i % 7, () => log.push(i));
    while (s.step());
    const expected = [...Array(5000).keys()].sort((a, b) => a % 7 - b % 7 || a - b);
    expect(log).toEqual(expected);
  });

  it("pops the smallest (time, priority, sequence) pending, while events push more from inside", () => {
    const s = new Scheduler();
    const rng = prngStream(7, "scheduler-order");
    const rand = (): number => rng.next();
    type Ev = { t: number; p: number; seq: number };
    const pending: Ev[] = []; // what the scheduler must agree with: a plain list searched for its minimum at every pop
    const before = (x: Ev, y: Ev): boolean => x.t < y.t || (x.t === y.t && (x.p < y.p || (x.p === y.p && x.seq < y.seq)));
    let seq = 0;
    let mismatches = 0;
    let popped = 0;
    const push = (t: number, p: number): void => {
      const ev = { t, p, seq: seq++ };
      pending.push(ev);
      s.at(t, () => {
        let best = 0;
        for (let i = 1; i < pending.length; i++) if (before(pending[i], pending[best])) best = i;
        if (pending[best] !== ev) mismatches++;
        pending.splice(pending.indexOf(ev), 1);
        popped++;
        // each event schedules 0-2 more, some at its own time: the heap grows well past its first block
        const more = Math.floor(rand() * 3);
        for (let j = 0; j < more && seq < 12_000; j++) push(s.nowUs + Math.floor(rand() * 4), Math.floor(rand() * 3) - 1);
      }, p);
    };
    for (let i = 0; i < 3000; i++) push(Math.floor(rand() * 50), Math.floor(rand() * 3) - 1);
    while (s.step());
    expect(popped).toBe(seq);
    expect(seq).toBeGreaterThan(5000);
    expect(mismatches).toBe(0);
  });

  it("refuses a priority outside the small range it folds into its tie key", () => {
    const s = new Scheduler();
    expect(() => s.at(1, () => {}, 128)).toThrow(/priority/);
    expect(() => s.at(1, () => {}, 0.5)).toThrow(/priority/);
    s.at(1, () => {}, -127);
    expect(s.size).toBe(1);
  });

  it("refuses to schedule in the past or at a fractional time", () => {
    const s = new Scheduler();
    s.at(10, () => {});
    s.step();
    expect(() => s.at(5, () => {})).toThrow(/past/);
    expect(() => s.at(10.5, () => {})).toThrow(/integer/);
  });
});

describe("named random streams", () => {
  it("give the same draws for the same seed and name, and different ones for another name", () => {
    const a = prngStream(42, "function.failures");
    const b = prngStream(42, "function.failures");
    const c = prngStream(42, "traffic.0.keys");
    const da = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(da);
    expect(c.next()).not.toEqual(da[0]);
  });
});

describe("the model is deterministic by construction", () => {
  it("uses no wall clock, Math.random, timers or async outside src/cli", () => {
    const banned = /\bDate\b|Math\.random|setTimeout|setInterval|setImmediate|performance\.now|\basync\b|\bawait\b|process\.hrtime/;
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) {
          if (f !== "cli") walk(p);
        } else if (p.endsWith(".ts")) {
          readFileSync(p, "utf8")
            .split("\n")
            .forEach((line, i) => {
              const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
              if (banned.test(code)) offenders.push(`${p}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(join(__dirname, "..", "src"));
    expect(offenders).toEqual([]);
  });
});

import { Deque, RunDeque } from "../src/engine/deque.js";

describe("deque", () => {
  it("keeps FIFO order and numbers across growth and wrap-around", () => {
    const d = new Deque<number>();
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 37; i++) d.push(next, next * 10), next++;
      for (let i = 0; i < 30; i++) {
        expect(d.peekNum()).toBe(d.peek()! * 10);
        seen.push(d.shift()!);
      }
    }
    while (d.length) seen.push(d.shift()!);
    expect(seen).toEqual([...Array(next).keys()]);
    expect(d.peekNum()).toBe(Infinity);
  });

  it("keeps FIFO order of integer entries, runs of consecutive ones and negative ones included, across growth and wrap-around", () => {
    const d = new RunDeque();
    const pushed: number[] = [];
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      // Runs of consecutive entries broken by others, some negative; a run may span a shift that empties the deque.
      for (let i = 0; i < 37; i++) {
        const v = i % 5 === 4 ? -1 - next : i % 7 === 6 ? next + 1_000_000 : next;
        next++;
        d.push(v);
        pushed.push(v);
      }
      const take = round % 3 === 2 ? d.length : 30;
      for (let i = 0; i < take; i++) {
        seen.push(d.peek());
        d.shift();
      }
    }
    while (d.length) {
      seen.push(d.peek());
      d.shift();
    }
    expect(seen).toEqual(pushed);
    d.shift();
    expect(d.length).toBe(0);
  });

  it("pushes a run and drops several entries in one step exactly as one push or shift at a time would", () => {
    const rng = prngStream(5, "run-deque");
    const bulk = new RunDeque();
    const single = new RunDeque();
    let next = 0;
    for (let round = 0; round < 400; round++) {
      // A run that may continue the last one or start apart from it (empty runs included).
      const count = rng.int(40);
      const start = rng.int(3) === 0 ? next + 1 + rng.int(5) : next;
      bulk.pushRun(start, count);
      for (let i = 0; i < count; i++) single.push(start + i);
      next = start + count;
      // Drops across runs, up to more than the deque holds.
      const drop = rng.int(bulk.length + 10);
      bulk.shiftMany(drop);
      for (let i = 0; i < drop; i++) single.shift();
      expect(bulk.length).toBe(single.length);
      if (single.length > 0) expect(bulk.peek()).toBe(single.peek());
    }
    const rest = (d: RunDeque) => {
      const out: number[] = [];
      while (d.length) {
        out.push(d.peek());
        d.shift();
      }
      return out;
    };
    expect(rest(bulk)).toEqual(rest(single));
  });
});

describe("percentiles", () => {
  it("are exact nearest-rank values for small samples", () => {
    const p = new Percentiles();
    for (const v of [5, 1, 4, 2, 3]) p.add(v);
    expect([p.quantile(0.5), p.quantile(0.99), p.max]).toEqual([3, 5, 5]);
  });

  it("select the same value as sorting would, for every rank, with duplicates and sorted or reversed input", () => {
    const rng = prngStream(3, "kth");
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(trial < 200 ? 40 : 3000);
      const spread = [2, 10, 1_000_000][trial % 3];
      let values = Array.from({ length: n }, () => rng.int(spread));
      if (trial % 7 === 0) values.sort((a, b) => a - b);
      if (trial % 7 === 1) values.sort((a, b) => b - a);
      const sorted = [...values].sort((a, b) => a - b);
      const ks = n <= 40 ? [...Array(n).keys()] : [0, n - 1, Math.floor(n / 2), rng.int(n)];
      for (const k of ks) expect(kthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
      values = [];
    }
  });

  it("are exact up to 65,536 values, whatever the order they come in", () => {
    const p = new Percentiles();
    const values: number[] = [];
    // Values the histogram could not tell apart (neighbours past 1,024 share its buckets): only exact selection
    // finds each rank.
    for (let i = 0; i < 65_536; i++) values.push(((i * 40_503) % 65_536) * 3 + 1_000_001);
    for (const v of values) p.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.001, 0.25, 0.5, 0.9, 0.99, 1]) expect(p.quantile(q)).toBe(sorted[Math.ceil(q * sorted.length) - 1]);
    expect(p.count).toBe(65_536);
  });

  it("give the sorted value for quantiles asked in any order, repeated, and between adds", () => {
    const rng = prngStream(5, "quantile-order");
    const p = new Percentiles();
    const values: number[] = [];
    for (let round = 0; round < 40; round++) {
      const adds = 1 + rng.int(round < 20 ? 30 : 2000);
      for (let i = 0; i < adds; i++) {
        const v = rng.int([3, 50, 1_000_000][round % 3]);
        values.push(v);
        p.add(v);
      }
      const sorted = [...values].sort((a, b) => a - b);
      for (let ask = 0; ask < 12; ask++) {
        // Ranks below, above and equal to the one asked before, so every side of the last selection is searched.
        const q = ask % 4 === 3 ? 0.5 : (1 + rng.int(1000)) / 1000;
        expect(p.quantile(q)).toBe(sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]);
      }
    }
  });

  it("stay within 0.1% of the exact value beyond the exact limit", () => {
    const p = new Percentiles();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const v = Math.floor(((i * 7919) % 200_000) * 1234.5);
      values.push(v);
      p.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      expect(Math.abs(p.quantile(q) - exact)).toBeLessThanOrEqual(exact * 0.001 + 1);
    }
  });
});

import { NumHeap, PrefixBits, PrefixCounts } from "../src/engine/num-heap.js";
import { prngStream as stream2 } from "../src/engine/prng.js";

describe("NumHeap and PrefixCounts", () => {
  it("pops (key, value) pairs smallest first, ties by value", () => {
    const h = new NumHeap();
    const rng = stream2(3, "heap");
    const pairs: [number, number][] = [];
    for (let i = 0; i < 500; i++) pairs.push([rng.int(50), rng.int(1000)]);
    for (const [k, v] of pairs) h.push(k, v);
    const out: [number, number][] = [];
    while (h.size > 0) {
      out.push([h.peekKey(), h.peekValue()]);
      h.pop();
    }
    expect(out).toEqual([...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });

  it("counts positions below any position while growing", () => {
    const c = new PrefixCounts();
    const rng = stream2(4, "fenwick");
    const live = new Uint8Array(5000);
    for (let i = 0; i < 20000; i++) {
      const p = rng.int(5000);
      const d = live[p] ? -1 : 1;
      live[p] ^= 1;
      c.add(p, d);
      if (i % 997 === 0) {
        const q = rng.int(5001);
        let s = 0;
        for (let j = 0; j < q; j++) s += live[j];
        expect(c.below(q)).toBe(s);
      }
    }
  });

  it("counts the members of a growing position set below any position, at word and block edges too", () => {
    const bits = new PrefixBits();
    const rng = stream2(5, "prefix-bits");
    const member = new Uint8Array(70000);
    const queries = [0, 1, 31, 32, 33, 1023, 1024, 1025, 2047, 2048, 32768, 65536, 69999, 70000, 200000];
    for (let i = 0; i < 30000; i++) {
      const p = rng.int(70000);
      if (!member[p]) {
        member[p] = 1;
        bits.add(p);
      }
      if (i % 1499 === 0) queries.push(rng.int(70001));
    }
    for (const q of queries) {
      let s = 0;
      for (let j = 0; j < Math.min(q, member.length); j++) s += member[j];
      expect(bits.below(q)).toBe(s);
    }
  });
});
