/**
 * The trace's JSON lines: a produce event's line is written directly rather than through JSON.stringify, and must be
 * the same bytes as the trace object's JSON for every kind of record (DynamoDB event names, records the function
 * wrote back, throttled writes, SQS resends) and for any name a scenario can give keys, streams, queues and shards.
 * The line writer encodes lines as they come into a bounded buffer: the file must hold exactly the lines given.
 */
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OutputLineWriter } from "../src/io/output.js";
import { traceLine, traceObject } from "../src/report/trace-jsonl.js";
import type { TraceContext } from "../src/run/options.js";
import { simulate } from "../src/run/simulate.js";
import type { TraceEvent } from "../src/trace/events.js";
import { scenarioFrom, shippedScenarios } from "./helpers.js";

type Produce = Extract<TraceEvent, { type: "produce" }>;

/** Run a shipped scenario (cut at `untilS`), checking each produce line against the object's JSON as it comes;
 *  returns the produce objects, for what kinds of record the run made. */
function produceLinesOf(file: string, untilS: number, set: (text: string) => string = (t) => t) {
  const shipped = shippedScenarios().find((s) => s.file.endsWith(file))!;
  const scenario = scenarioFrom(`${set(shipped.text).replace(/^until:.*$/m, "")}\nuntil: ${untilS}s\n`, shipped.file);
  const objects: Record<string, unknown>[] = [];
  const mismatches: string[] = [];
  simulate(scenario, {
    trace: (ctx) => (e) => {
      if (e.type !== "produce") return;
      const expected = JSON.stringify(traceObject(e, ctx));
      const line = traceLine(e, ctx);
      if (line !== expected && mismatches.length < 3) mismatches.push(`${line}\n  expected ${expected}`);
      objects.push(traceObject(e, ctx));
    },
  });
  return { objects, mismatches };
}

describe("a produce event's trace line", () => {
  it("is the trace object's JSON for DynamoDB records, with their event names and the records the function wrote back", () => {
    const { objects, mismatches } = produceLinesOf("dynamodb-self-write-loop.yaml", 60);
    expect(mismatches).toEqual([]);
    expect(objects.some((o) => o.writtenBack === true)).toBe(true);
    expect(new Set(objects.map((o) => o.eventName)).size).toBeGreaterThan(1);
  });

  it("is the trace object's JSON for Kinesis records whose writes were throttled", () => {
    const { objects, mismatches } = produceLinesOf("kinesis-hot-shard-throttling.yaml", 30);
    expect(mismatches).toEqual([]);
    expect(objects.some((o) => (o.throttledWrites as number) > 0)).toBe(true);
    expect(objects.some((o) => o.throttledWrites === 0)).toBe(true);
  });

  it("is the trace object's JSON for a Kinesis producer's retries, each naming the record it repeats", () => {
    const { objects, mismatches } = produceLinesOf("kinesis-hot-shard-throttling.yaml", 30, (t) => t.replace(/keys: (\d+)\n/, "keys: $1\n    duplicateSendRate: 0.1\n"));
    expect(mismatches).toEqual([]);
    const retries = objects.filter((o) => typeof o.resendOf === "string");
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((o) => (o.resendOf as string) < (o.recordId as string))).toBe(true);
  });

  it("is the trace object's JSON for SQS messages, producer resends included", () => {
    const fifo = produceLinesOf("sqs-fifo-producer-retries.yaml", 600);
    expect(fifo.mismatches).toEqual([]);
    expect(fifo.objects.some((o) => typeof o.resendOf === "string")).toBe(true);
    const standard = produceLinesOf("learn-sqs-standard-order.yaml", 600);
    expect(standard.mismatches).toEqual([]);
    expect(standard.objects.length).toBeGreaterThan(0);
  });

  it("is the trace object's JSON whatever the names of keys, streams, queues and shards", () => {
    // Real events of both sources, written under generated names: quotes, backslashes, control characters, any
    // Unicode (lone surrogates too), and a key with no name.
    const events = (yaml: string) => {
      const got: { e: Produce; ctx: TraceContext }[] = [];
      simulate(scenarioFrom(yaml), { trace: (ctx) => (e) => void (e.type === "produce" && got.length < 20 && got.push({ e, ctx })) });
      return got;
    };
    const stream = events(
      "name: s\nsource: { type: dynamodb, ShardCount: 3 }\ntraffic: [{ rate: 20/s, from: 0s, to: 1s, keys: 5 }]\nmapping: { StartingPosition: TRIM_HORIZON }\nfunction: { duration: { base: 10ms } }\n",
    );
    const queue = events("name: q\nsource: { type: sqs }\ntraffic: [{ rate: 20/s, from: 0s, to: 1s, keys: 5 }]\nfunction: { duration: { base: 10ms } }\n");
    expect(stream.length).toBe(20);
    expect(queue.length).toBe(20);
    const name = fc.string({ unit: "binary", maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.option(name, { nil: undefined }), { minLength: 5, maxLength: 5 }), name, fc.array(name, { minLength: 3, maxLength: 3 }), (keys, sourceName, shardIds) => {
        for (const { e, ctx } of [...stream, ...queue]) {
          const named: TraceContext = { ...ctx, queue: sourceName, keyNames: keys as string[], stream: ctx.stream && { ...ctx.stream, name: sourceName, shardIds } };
          expect(traceLine(e, named)).toBe(JSON.stringify(traceObject(e, named)));
        }
      }),
      { numRuns: 200, seed: 20261204 },
    );
  });
});

describe("the trace's line writer", () => {
  const dir = mkdtempSync(join(tmpdir(), "esm-sim-lines-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes exactly the lines given, in order: many short ones, multi-byte ones, and lines longer than its buffer", () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`{"i":${i},"key":"k-é-😀-${"x".repeat(i % 97)}"}`);
    lines.splice(5_000, 0, "é".repeat(400_000)); // 800,000 bytes: fits the buffer only after a flush
    lines.splice(12_000, 0, "y".repeat(3_000_000)); // longer than the buffer: written on its own
    lines.splice(12_001, 0, "");
    const file = join(dir, "lines.ndjson");
    const w = new OutputLineWriter(file);
    for (const l of lines) w.line(l);
    w.commit();
    expect(readFileSync(file, "utf8")).toBe(lines.join("\n") + "\n");
    expect(w.chars).toBe(lines.reduce((n, l) => n + l.length + 1, 0));
  });

  it("leaves the previous file as it was when the run is abandoned", () => {
    const file = join(dir, "kept.ndjson");
    const before = new OutputLineWriter(file);
    before.line("old");
    before.commit();
    const w = new OutputLineWriter(file);
    for (let i = 0; i < 100_000; i++) w.line(`{"i":${i}}`);
    w.abort();
    expect(readFileSync(file, "utf8")).toBe("old\n");
  });
});
