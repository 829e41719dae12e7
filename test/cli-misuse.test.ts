/** Command-line misuse and run-size budgets: a clear message and exit 2, never a stack, nothing half-written. */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderTable } from "../src/report/table.js";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import { scenarioFrom } from "./helpers.js";
import { cli, scratch } from "./cli-helpers.js";

const { dir, write } = scratch("esm-sim-misuse-");
const ok = write("ok.yaml", "name: ok\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 20 }]\n");
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

describe("command-line misuse exits 2 with a clear message", () => {
  it.each([
    [["run", join(dir, "missing.yaml")], "no such file"],
    [["run", dir], "is a directory, not a scenario file"],
    [["validate", join(dir, "missing.yaml")], "no such file"],
    [["run", ok, "--sed", "3"], "unknown option '--sed'"],
    [["run", ok, "--format", "xml"], "argument 'xml' is invalid"],
    [["run", ok, "extra.yaml"], "too many arguments"],
    [["run", ok, "--seed"], "argument missing"],
    [["run", ok, "--seed", "1.5"], "--seed: must be an integer 0..4294967295 (got \"1.5\")"],
    [["run", ok, "--seed", "abc"], "--seed: must be an integer"],
    [["run", ok, "--seed", "-3"], "--seed: must be an integer"],
    [["run", ok, "--seed", "4294967296"], "--seed: must be an integer 0..4294967295 (got \"4294967296\")"],
    [["run", ok, "--seed", "99999999999999999999999"], "--seed: must be an integer"],
    [["run", ok, "--seed", ""], "--seed: must be an integer"],
    [["run", ok, "--until", "-5m"], "--until: must be a positive duration"],
    [["run", ok, "--until", "0"], "--until: must be a positive duration"],
    [["run", ok, "--until", "soon"], "--until: must be a positive duration such as 30m, 2h or 90s (got \"soon\")"],
    [["run", ok, "--until", "5 mins"], "--until: must be a positive duration"],
    [["run", ok, "--until", "99999999999"], "--until: must be at most 9,007,199,254 s (about 285 years: esm-sim keeps virtual time in whole microseconds) (got \"99999999999\")"],
    [["run", ok, "--until", "1e308"], "--until: must be a positive duration"],
    [["run", ok, "--max-events", "0"], "--max-events: must be a whole number of at least 1 (got \"0\")"],
    [["run", ok, "--max-events", "1e9"], "--max-events: must be a whole number"],
    [["run", ok, "--trace-limit", "lots"], "--trace-limit: must be a size such as 500MB or 4GB (got \"lots\")"],
    [["run", ok, "--trace-limit", "-1MB"], "--trace-limit: must be a size"],
    [["run", ok, "--trace", join(dir, "no-such-dir", "t.jsonl")], "does not exist; create it first"],
    [["run", ok, "--output", dir], "is a directory, which cannot be written as an output file"],
  ])("%j", async (args, message) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    noStack(r.err);
  });

  it.each([["4294967295"], ["0"], ["007"]])("accepts --seed %s", async (seed) => {
    const r = await cli("run", ok, "--seed", seed, "--format", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).seed).toBe(Number(seed));
  });

  it.each([["90s"], ["2"], ["1.5"], ["250ms"]])("accepts --until %s", async (until) => {
    expect((await cli("run", ok, "--until", until)).code).toBe(0);
  });

  // chmod 000 does not stop root: the test is skipped when the file can still be read.
  const secret = write("secret.yaml", "name: s\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\n");
  chmodSync(secret, 0o000);
  let readable = true;
  try {
    readFileSync(secret);
  } catch {
    readable = false;
  }
  it.skipIf(readable)("refuses an unreadable file (chmod 000)", async () => {
    const r = await cli("run", secret);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${secret}: permission denied`);
  });
});

describe("run-size budgets", () => {
  it("refuses up front a --trace that would pass the trace limit, and says what to change", async () => {
    const p = write("many.yaml", "name: many\nsource: { type: sqs }\ntraffic: [{ rate: 1000/s, to: 10m }]\n");
    const tr = join(dir, "big.jsonl");
    const r = await cli("run", p, "--trace", tr, "--trace-limit", "50MB");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--trace: about 600,000 records would write about 114 MB of trace (at least 200 bytes a record), more than the 50 MB limit: shorten the run (until, the producers' to), lower the rates, or allow it with --trace-limit 229MB");
    expect(existsSync(tr)).toBe(false);
  });

  it("stops a trace that passes the limit while running, and leaves no file behind", async () => {
    // 301 records are estimated at 60 KB, but retries and polls write about 200 KB.
    const poison = join(__dirname, "..", "scenarios", "sqs-poison-message-dlq.yaml");
    const sub = join(dir, "trace-limit");
    mkdirSync(sub);
    const r = await cli("run", poison, "--trace", join(sub, "t.jsonl"), "--trace-limit", "100KB");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--trace: the trace passed the 100 KB limit at virtual time [\dms. ]+; nothing was written\. Shorten the run or allow more with --trace-limit 400KB/);
    expect(readdirSync(sub)).toEqual([]);
    noStack(r.err);
  });

  it("stops a run at the event budget with the report so far, a message saying what to change, and exit 2", async () => {
    const burst = join(__dirname, "..", "scenarios", "sqs-backlog-burst.yaml");
    const r = await cli("run", burst, "--max-events", "2000");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/Stopped early at [\d.]+s after 2,000 events \(the event budget, --max-events\) with [\d,]+ records still pending/);
    expect(r.err).toMatch(/the run stopped early, after 2,000 scheduler events \(the sanity budget\) at virtual time [\d.]+s, before it drained; the report covers the run so far\. Shorten the run .* --max-events 8000/);
  });

  it("stops a run whose backlog passes the waiting-records budget, conserving every record", () => {
    const s = scenarioFrom("name: b\nsource: { type: sqs }\ntraffic: [{ rate: 100/s, to: 60s }]\nfunction: { ReservedConcurrentExecutions: 0 }\n");
    const { report } = simulate(s, { maxWaitingRecords: 500 });
    expect(report.stopReason).toBe("record-budget");
    expect(report.drained).toBe(false);
    expect(report.records.pending).toBe(501);
    expect(report.records.produced).toBe(501);
    expect(renderTable(report, { color: false })).toContain("Stopped early at 5s: more records waited at once than esm-sim holds in memory; 501 records still pending.");
  });

  it.each([
    ["a burst too big to hold", "traffic: [{ at: 0s, records: 6000000 }]", "traffic[0].records: must be an integer 1..5,000,000, the most records esm-sim holds waiting at once (about 1 GB of memory); split a larger burst into bursts at different times, or use a steady rate (got 6000000)"],
    ["bursts at one instant that add up", "traffic: [{ at: 5s, records: 3000000 }, { at: 5s, records: 3000000 }]", "traffic[1].records: bursts at 5s add up to 6,000,000 records at once"],
    ["rates above what one second can hold", "traffic: [{ rate: 3000000/s, to: 1s }, { rate: 3000000/s, to: 1s }]", "traffic: the producers send 6,000,000 records a second together"],
    ["a disabled mapping with more records than it can hold", "traffic: [{ rate: 10000/s, to: 10m }]\nmapping: { Enabled: false }", "mapping.Enabled: with Enabled: false nothing is consumed, so all 6,000,000 records would wait at once"],
    ["a scaling tick too long to watch the budgets", "traffic: [{ at: 0s, records: 1 }]\nscaling: { scaleTickMs: 3600000 }", "scaling.scaleTickMs: must be at most 60000 ms (got 3600000)"],
    ["billions of records", "traffic: [{ rate: 1000000/s, to: 2h }]", "traffic: would produce about 7,200,000,000 records, more than esm-sim's limit of 1,000,000,000"],
  ])("refuses up front %s", (_, traffic, message) => {
    const r = parseScenario(`name: x\nsource: { type: sqs }\n${traffic}\n`, "x.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n")).toContain(message);
  });
});

describe("a command line with several problems", () => {
  const bad = write("bad.yaml", "name: bad\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 20 }]\nmapping: { BatchSize: 0 }\n");
  const seed = 'esm-sim: --seed: must be an integer 0..4294967295 (got "abc")';
  const badLine = `${bad}:4:23 mapping.BatchSize: must be an integer 1..10,000 (got 0)`;

  it("tells every option's problem at once, not the first alone", async () => {
    const r = await cli("run", ok, "--seed", "abc", "--until", "xyz", "--max-events", "0", "--trace-limit", "huge");
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err.split("\n")).toEqual([
      seed,
      'esm-sim: --until: must be a positive duration such as 30m, 2h or 90s (got "xyz")',
      'esm-sim: --max-events: must be a whole number of at least 1 (got "0")',
      'esm-sim: --trace-limit: must be a size such as 500MB or 4GB (got "huge")',
      "",
    ]);
  });

  it("tells the scenario's problems after the options', and counts them all", async () => {
    const run = await cli("run", bad, "--seed", "abc", "--set", "nopath");
    expect([run.code, run.err.split("\n")]).toEqual([2, [seed, "esm-sim: --set nopath: must be <path>=<value>, e.g. mapping.BatchSize=500", badLine, "3 problems found; nothing was run", ""]]);
    const validate = await cli("validate", bad, "--set", "nopath", "--set", "function.Timeout=0");
    expect(validate.err.split("\n")).toEqual([
      "esm-sim: --set nopath: must be <path>=<value>, e.g. mapping.BatchSize=500",
      "--set function.Timeout=0 function.Timeout: must be an integer 1..900 (got 0)",
      badLine,
      "3 problems found; nothing was run",
      "",
    ]);
    const explain = await cli("explain", bad, "--seed", "abc", "--at", "soon");
    expect(explain.err.split("\n")).toEqual([
      seed,
      'esm-sim: --at: must be a time such as 10m, a range such as 10m..12m, or a time and a half-width such as 10m+-30s (got "soon")',
      badLine,
      "3 problems found; nothing was run",
      "",
    ]);
    const sweep = await cli("sweep", bad, "--vary", "mapping.BatchSize", "--seed", "abc", "--shard", "3/2");
    expect(sweep.err.split("\n")).toEqual([
      "esm-sim: --vary mapping.BatchSize: must be <path>=<value>,<value>,..., e.g. mapping.BatchSize=10,100,1000",
      seed,
      'esm-sim: --shard: k must be 1..n and n at least 1 (got "3/2")',
      badLine,
      "4 problems found; nothing was run",
      "",
    ]);
  });

  it("names a scenario that cannot be read among the options' problems", async () => {
    const r = await cli("run", join(dir, "nowhere.yaml"), "--seed", "abc");
    expect([r.code, r.err]).toEqual([2, `${seed}\nesm-sim: ${join(dir, "nowhere.yaml")}: no such file\n`]);
  });
});

describe("a burst's record count", () => {
  it("past what the schema takes gets the schema's one message, not the waiting and total limits as well", () => {
    const r = parseScenario("name: x\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1000000000000 }]\n", "x.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(["traffic[0].records: must be an integer 1..5,000,000, the most records esm-sim holds waiting at once (about 1 GB of memory); split a larger burst into bursts at different times, or use a steady rate (got 1000000000000)"]);
  });

  it("is taken up to the documented 5,000,000, the most records esm-sim holds waiting, and refused past it with the reason", () => {
    const at = (n: number) => parseScenario(`name: x\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: ${n} }]\n`, "x.yaml");
    expect(at(5_000_000).ok).toBe(true);
    const over = at(100_000_000);
    expect(over.ok ? [] : over.errors.map((e) => `${e.path}: ${e.message}`)).toEqual(["traffic[0].records: must be an integer 1..5,000,000, the most records esm-sim holds waiting at once (about 1 GB of memory); split a larger burst into bursts at different times, or use a steady rate (got 100000000)"]);
  });
});

describe("an argument given twice", () => {
  it("has its problem said once: --set, --vary and merge's files", async () => {
    const set = await cli("validate", ok, "--set", "a.b", "--set", "a.b");
    expect(set.err).toBe("esm-sim: --set a.b: must be <path>=<value>, e.g. mapping.BatchSize=500\n");
    const vary = await cli("sweep", ok, "--vary", "x", "--vary", "x");
    expect(vary.err).toBe("esm-sim: --vary x: must be <path>=<value>,<value>,..., e.g. mapping.BatchSize=10,100,1000\n");
    const text = write("twice.yaml", "name: p\n");
    const merge = await cli("merge", text, text);
    expect(merge.err.trim().split("\n")).toEqual([`esm-sim: ${text}: is given twice; give each shard's result once`, expect.stringMatching(/: not JSON /)]);
  });

  it("init names the file in each written scenario's count of problems when it writes several", async () => {
    const mapping = (id: string) => `  ${id}: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref Fn } }`;
    const t = write("two-mappings.yaml", ["Resources:", "  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 20 } }", "  Fn: { Type: AWS::Lambda::Function, Properties: { Timeout: 30 } }", mapping("A"), mapping("B")].join("\n") + "\n");
    const r = await cli("init", "--from", t, "--out-dir", join(dir, "two-out"));
    expect(r.code).toBe(2);
    const counts = r.err.split("\n").filter((l) => l.includes("in the written scenario"));
    expect(counts).toEqual([
      `1 problem in the written scenario ${join(dir, "two-out", "A.yaml")}: fix the template (or edit the file) before running it`,
      `1 problem in the written scenario ${join(dir, "two-out", "B.yaml")}: fix the template (or edit the file) before running it`,
    ]);
  });
});
