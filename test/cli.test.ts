import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../src/run/version.js";
import { cli, scratch } from "./cli-helpers.js";

const { dir, write } = scratch("esm-sim-cli-");
const ok = write("ok.yaml", "name: ok\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 20 }]\nexpect:\n  records.succeeded: { eq: 20 }\n");

describe("esm-sim CLI", () => {
  it("runs a scenario and exits 0 when every expectation passes", async () => {
    const r = await cli("run", ok);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Drained at");
    expect(r.out).toContain("✓ records.succeeded = 20 (actual 20)");
    expect(r.out).not.toMatch(/\u001b\[/); // no colour when not a terminal
  });

  it("exits 1 and prints each failed expectation and a reproduce line", async () => {
    const p = write("fail.yaml", "name: f\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 20 }]\nexpect:\n  records.succeeded: { eq: 21 }\n  endedAt: { lt: 1ms }\n");
    const r = await cli("run", p, "--seed", "9");
    expect(r.code).toBe(1);
    expect(r.err).toContain("expectation failed: records.succeeded eq 21 (actual 20)");
    expect(r.err).toMatch(/expectation failed: endedAt lt 1ms \(actual \d+(\.\d+)?(ms|s)\)/);
    expect(r.err).toContain(`reproduce: esm-sim run ${p} --seed 9`);
  });

  it("exits 2 with every problem for an invalid scenario, without a stack trace", async () => {
    const p = write("bad.yaml", "name: b\nsource: { type: sqs, VisibilityTimeout: -1 }\ntraffic: [{ at: 0s, records: 1 }]\nmapping: { BatchSize: x }\n");
    const r = await cli("run", p);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${p}:2:41 source.VisibilityTimeout: must be an integer 0..43,200 (got -1)`);
    expect(r.err).toContain(`${p}:4:23 mapping.BatchSize: must be an integer 1..10,000 (got "x")`);
    expect(r.err).not.toContain("    at ");
    expect(r.err).toContain("2 problems found");
  });

  it.each([
    [["run", "/nonexistent/x.yaml"], "no such file"],
    [["run", "."], "is a directory"],
    [["run", "--bogus", "x.yaml"], "unknown option"],
    [["run"], "missing required argument"],
    [["frobnicate"], "unknown command"],
  ])("exits 2 on command-line misuse: %j", async (args, message) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err.toLowerCase()).toContain(message);
  });

  it("rejects a bad --seed and --until", async () => {
    expect((await cli("run", ok, "--seed", "-3")).err).toContain("--seed: must be an integer");
    expect((await cli("run", ok, "--until", "5 mins")).code).toBe(2);
  });

  it("rejects a file that is not UTF-8", async () => {
    const p = join(dir, "bin.yaml");
    writeFileSync(p, Buffer.from([0x41, 0xff, 0xfe, 0x00]));
    const r = await cli("run", p);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is not UTF-8 text");
  });

  it("writes JSON, the report file and the trace atomically", async () => {
    const out = join(dir, "report.json");
    const tr = join(dir, "trace.jsonl");
    const r = await cli("run", ok, "--format", "json", "--output", out, "--trace", tr);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(report).slice(0, 9)).toEqual(["schemaVersion", "scenario", "description", "version", "seed", "profile", "scalingOverrides", "source", "endedAt"]);
    expect(report.records.produced).toBe(20);
    const lines = readFileSync(tr, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ t: 0, type: "produce", recordId: "msg-000000" });
    const inv = lines.find((l) => l.type === "invoke");
    expect(Object.keys(inv)).toEqual(expect.arrayContaining(["invocation", "recordIds", "queue", "attempt", "concurrency"]));
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("validate prints warnings and exits 0 for a valid scenario", async () => {
    const p = write("warn.yaml", "name: w\nsource: { type: sqs, VisibilityTimeout: 10 }\ntraffic: [{ at: 0s, records: 1 }]\nfunction: { Timeout: 5 }\n");
    const r = await cli("validate", p);
    expect(r.code).toBe(0);
    expect(r.out).toContain("valid (1 warning)");
    expect(r.err).toContain("warning: source.VisibilityTimeout");
  });

  it("prints --version and --help with examples", async () => {
    expect((await cli("--version")).out.trim()).toBe(VERSION);
    const h = await cli("--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("esm-sim run scenarios/sqs-backlog-burst.yaml");
  });

  it("lists the profiles side by side", async () => {
    const r = await cli("profiles");
    expect(r.out).toMatch(/^figure\s+unit\s+current\s+nov-2023\s+legacy-2022\s+plausible$/m);
    expect(r.out).toMatch(/^scaleUpPerMinute\s+invokes\/min\s+300\s+300\s+60$/m);
    expect(r.out).toMatch(/^maxConcurrency\s+invokes\s+1,250\s+1,000\s+1,000$/m);
    expect(r.out).toMatch(/^functionScalingPer10s\s+environments\/10s\s+1,000\s+1,000\s+83.33$/m);
    expect(r.out).toMatch(/^provisionedScaleUpPerMinute\s+invokes\/min\s+1,000\s+-\s+-$/m);
    // each figure's source (a numbered page) and date, per profile where they differ
    expect(r.out).toContain("    legacy-2022: [3] since 2019-06-20: up to 60 more instances per minute");
    expect(r.out).toContain("    current: [1] since 2023-11-06: up to 300 more concurrent invokes per minute");
    // the pages, numbered, each with its URL: no bare source codes
    expect(r.out).toContain("  [1] https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html\n");
    expect(r.out).toContain("  [3] https://github.com/awsdocs/aws-lambda-developer-guide/blob/a83f69b/doc_source/with-sqs.md\n");
    expect(r.out).not.toMatch(/\b(SQS-SCALE|SQS-ERR|GH22|BLOG-12X|WN-SQS5X|KC-SQSSCALE|KC-FIFO)\b/);
    const refs = new Set([...r.out.matchAll(/\[(\d+)\](?! https)/g)].map((m) => m[1]));
    const listed = new Set([...r.out.matchAll(/^ {2}\[(\d+)\] https:\/\//gm)].map((m) => m[1]));
    expect([...refs].sort()).toEqual([...listed].sort());
  });

  it("gives every chosen figure a plausible range around its value, with the reasoning, in the table and the JSON", async () => {
    const { PROFILES, FIGURE_NAMES } = await import("../src/esm/profiles.js");
    for (const p of Object.values(PROFILES)) {
      for (const name of FIGURE_NAMES) {
        const f = p.figures[name];
        if (!f.chosen) continue;
        expect(f.reasoning, `${p.name}.${name}`).toBeTruthy();
        expect(f.low, `${p.name}.${name}`).not.toBeUndefined();
        expect(f.high, `${p.name}.${name}`).not.toBeUndefined();
        // null is the low end "no such mechanism" (below any number); the value lies within the range
        const rank = (v: number | null | undefined) => (v === null || v === undefined ? -Infinity : v);
        expect(rank(f.low)).toBeLessThanOrEqual(rank(f.value));
        expect(rank(f.value)).toBeLessThanOrEqual(rank(f.high));
      }
    }
    const r = await cli("profiles");
    expect(r.out).toMatch(/^scaleUpHoldAfterFailureMs\s+ms\s+30,000\s+30,000\s+30,000\s+0\.\.120,000$/m);
    expect(r.out).toMatch(/^streamRetryInitialMs\s+ms\s+500\s+500\s+500\s+250\.\.1,000$/m);
    expect(r.out.replace(/\s+/g, " ")).toContain("Plausible 0..120,000 ms: the Knowledge Center says scaling is throttled while invocation issues occur");
    const json = JSON.parse((await cli("profiles", "--format", "json")).out);
    expect(json.current.figures.scaleUpHoldAfterFailureMs).toMatchObject({ value: 30000, chosen: true, low: 0, high: 120000 });
    expect(json.current.figures.streamRetryMaxMs).toMatchObject({ value: 30000, chosen: true, low: 15000, high: 60000 });
  });

  it("lists every figure of every profile, with a source, and a date unless chosen or absent", async () => {
    const { PROFILES, FIGURE_NAMES } = await import("../src/esm/profiles.js");
    for (const p of Object.values(PROFILES)) {
      expect(Object.keys(p.figures).sort()).toEqual([...FIGURE_NAMES].sort());
      for (const f of Object.values(p.figures)) {
        expect(f.source.length).toBeGreaterThan(0);
        if (f.chosen) expect(f.since).toBe("");
      }
    }
    const json = JSON.parse((await cli("profiles", "--format", "json")).out);
    expect(json.current.figures.scaleUpPerMinute).toMatchObject({ value: 300, since: "2023-11-06", chosen: false, url: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html" });
    for (const p of Object.values(json) as { figures: Record<string, { url: string; chosen: boolean }> }[]) {
      for (const f of Object.values(p.figures)) if (!f.chosen) expect(f.url).toMatch(/^https:\/\//);
    }
  });

  it("keeps the version in step with package.json", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    expect(pkg.version).toBe(VERSION);
    expect(existsSync(join(__dirname, "..", "bin", "esm-sim.js"))).toBe(true);
  });
});
