import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, scratch } from "./cli-helpers.js";

// `run --perfetto FILE` writes the run's timeline beside the report; the HTML report links to it.
describe("run --perfetto", () => {
  it("writes a timeline whose invocations and DLQ moves match the report, and the HTML page links to it", async () => {
    const s = scratch("esm-perfetto-");
    const timeline = join(s.dir, "out", "..", "t.json");
    const r = await cli("run", "scenarios/sqs-poison-message-dlq.yaml", "--format", "json", "--perfetto", timeline, "--html", join(s.dir, "r.html"));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    const events = JSON.parse(readFileSync(join(s.dir, "t.json"), "utf8")).traceEvents as { ph: string; name: string }[];
    expect(events.filter((e) => e.ph === "X")).toHaveLength(report.invocations.total);
    expect(events.filter((e) => e.ph === "i" && e.name === "dlq")).toHaveLength(report.records.dlq);
    expect(readFileSync(join(s.dir, "r.html"), "utf8")).toContain('<a href="t.json">t.json</a>');
  });

  it("gives the same bytes twice, and runs with --trace and --check at once", async () => {
    const s = scratch("esm-perfetto-");
    const args = (n: number) => ["run", "scenarios/kinesis-poison-pill.yaml", "--perfetto", join(s.dir, `p${n}.json`), "--trace", join(s.dir, `t${n}.jsonl`), "--check"];
    expect((await cli(...args(1))).code).toBe(0);
    expect((await cli(...args(2))).code).toBe(0);
    expect(readFileSync(join(s.dir, "p1.json"), "utf8")).toBe(readFileSync(join(s.dir, "p2.json"), "utf8"));
    expect(readFileSync(join(s.dir, "t1.jsonl"), "utf8")).toBe(readFileSync(join(s.dir, "t2.jsonl"), "utf8"));
  });

  it("stops at the trace size limit and writes nothing", async () => {
    const s = scratch("esm-perfetto-");
    const r = await cli("run", "scenarios/kinesis-poison-pill.yaml", "--perfetto", join(s.dir, "p.json"), "--trace-limit", "2KB");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^esm-sim: --perfetto: the timeline passed the 2 KB limit at virtual time /m);
    expect(existsSync(join(s.dir, "p.json"))).toBe(false);
    expect(readdirSync(s.dir)).toEqual([]);
  });
});
