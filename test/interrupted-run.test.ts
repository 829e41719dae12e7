/**
 * A run that writes its trace or timeline under a temporary name and is stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP
 * removes its temporary files, leaves a file already at the target as it was, says in one line that nothing was
 * written, and ends as that signal ends a process (a shell sees 130, 143, 129). A traced run that is not stopped (it
 * runs on a worker thread) gives the same report, trace and timeline bytes as the programmatic run.
 *
 * The stopped runs spawn the built command line (bin/esm-sim.js) from a shell, which waits until a temporary file
 * exists (the run is under way) before it sends the signal, and prints the exit status it sees.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../src/api.js";
import { perfettoWriter } from "../src/report/perfetto.js";
import { renderJson } from "../src/report/json.js";
import { traceLine } from "../src/report/trace-jsonl.js";
import { simulate } from "../src/run/simulate.js";
import { VERSION } from "../src/run/version.js";
import { cli, scratch } from "./cli-helpers.js";

const ROOT = resolve(__dirname, "..");
const BIN = join(ROOT, "bin", "esm-sim.js");
/** About 600,000 records: a trace of 137 MB, a run of a second or two. It is stopped long before it ends. */
const LONG = join(ROOT, "scenarios", "kinesis-enhanced-fan-out.yaml");

/**
 * Run `esm-sim run LONG ARGS` in `dir` under sh, send `signal` once a temporary file is in `dir`, and return the
 * status sh saw, the output and whether the signal was sent (false: the run ended first, or never made a file).
 */
function interrupt(dir: string, signal: string, args: string[]): Promise<{ status: number; sent: boolean; out: string; err: string }> {
  const script = `
    "$NODE" "$BIN" run "$LONG" "$@" > "$OUT/stdout" 2> "$OUT/stderr" &
    child=$!
    tries=0
    while kill -0 "$child" 2> /dev/null && ! ls -A "$DIR" | grep -q '\\.tmp-'; do
      tries=$((tries + 1)); [ "$tries" -gt 6000 ] && break
      sleep 0.01
    done
    if ls -A "$DIR" | grep -q '\\.tmp-'; then kill -${signal} "$child"; echo sent; fi
    wait "$child"
    echo "status $?"`;
  const outDir = scratch("esm-sim-interrupted-out-").dir;
  return new Promise((done, fail) => {
    const sh = spawn("sh", ["-c", script, "sh", ...args], {
      cwd: dir,
      env: { ...process.env, NODE: process.execPath, BIN, LONG, DIR: dir, OUT: outDir },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let said = "";
    sh.stdout.on("data", (d: Buffer) => (said += d.toString()));
    sh.on("error", fail);
    sh.on("close", () => {
      const status = Number(/status (\d+)/.exec(said)?.[1] ?? NaN);
      done({ status, sent: said.includes("sent"), out: readFileSync(join(outDir, "stdout"), "utf8"), err: readFileSync(join(outDir, "stderr"), "utf8") });
    });
  });
}

describe("an interrupted run", () => {
  it("Ctrl-C (SIGINT) removes the temporary trace and timeline, keeps the files that were there, exits 130", async () => {
    const { dir } = scratch("esm-sim-interrupted-");
    writeFileSync(join(dir, "t.jsonl"), "the trace from before\n");
    writeFileSync(join(dir, "p.json"), "the timeline from before\n");
    const r = await interrupt(dir, "INT", ["--trace", "t.jsonl", "--perfetto", "p.json"]);
    expect(r.sent).toBe(true);
    expect(r.status).toBe(130);
    expect(r.err).toBe("esm-sim: the run was interrupted (SIGINT); nothing was written\n");
    expect(r.out).toBe("");
    expect(readdirSync(dir).sort()).toEqual(["p.json", "t.jsonl"]);
    expect(readFileSync(join(dir, "t.jsonl"), "utf8")).toBe("the trace from before\n");
    expect(readFileSync(join(dir, "p.json"), "utf8")).toBe("the timeline from before\n");
  }, 60_000);

  it("SIGTERM leaves no file where there was none, and exits 143", async () => {
    const { dir } = scratch("esm-sim-interrupted-term-");
    const r = await interrupt(dir, "TERM", ["--trace", "t.jsonl", "--check"]);
    expect(r.sent).toBe(true);
    expect(r.status).toBe(143);
    expect(r.err).toBe("esm-sim: the run was interrupted (SIGTERM); nothing was written\n");
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it("SIGHUP stops a run writing only a timeline, and exits 129", async () => {
    const { dir } = scratch("esm-sim-interrupted-hup-");
    const r = await interrupt(dir, "HUP", ["--perfetto", "p.json", "--output", "r.txt"]);
    expect(r.sent).toBe(true);
    expect(r.status).toBe(129);
    expect(r.err).toBe("esm-sim: the run was interrupted (SIGHUP); nothing was written\n");
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
  it("says what a trace on standard output got, while the timeline's file is still not written", async () => {
    const { dir } = scratch("esm-sim-interrupted-stdout-");
    const r = await interrupt(dir, "INT", ["--trace", "-", "--perfetto", "p.json", "--output", "/dev/null"]);
    expect(r.sent).toBe(true);
    expect(r.status).toBe(130);
    expect(r.err).toBe("esm-sim: the run was interrupted (SIGINT); no file was written, but --trace - got only what was written before it\n");
    expect(readdirSync(dir)).toEqual([]);
    // The trace's first lines, if any were written yet: whole lines of JSON but for the last, cut where it stopped.
    const lines = r.out.split("\n").slice(0, -1);
    for (const line of lines) expect(typeof JSON.parse(line).t).toBe("number");
  }, 60_000);
});

describe("a traced run that is not interrupted", () => {
  it("gives the report, trace and timeline of the programmatic run, byte for byte", async () => {
    const cases: { name: string; args: string[]; load: Parameters<typeof loadScenario>[1] }[] = [
      { name: "sqs-poison-message-dlq", args: [], load: {} },
      // Filters are compiled functions, which the worker gets by parsing the same text with the same options.
      { name: "sqs-filter-criteria", args: ["--seed", "5", "--set", "mapping.BatchSize=3"], load: { seed: 5, set: ["mapping.BatchSize=3"] } },
      { name: "dynamodb-stream-filter", args: ["--until", "2m"], load: { until: "2m" } },
    ];
    for (const c of cases) {
      const { dir } = scratch("esm-sim-traced-");
      const file = join(ROOT, "scenarios", `${c.name}.yaml`);
      const r = await cli("run", file, ...c.args, "--format", "json", "--trace", join(dir, "t.jsonl"), "--perfetto", join(dir, "p.json"));

      const scenario = loadScenario(file, c.load);
      const trace: string[] = [];
      const timeline: string[] = [];
      let writer: ReturnType<typeof perfettoWriter> | null = null;
      const options = { parallelizationFactor: scenario.mapping.parallelizationFactor, functionName: scenario.fn.name, otherData: { scenario: file, seed: String(scenario.seed), version: VERSION } };
      const result = simulate(scenario, {
        trace: (ctx) => {
          const w = perfettoWriter(ctx, (s) => timeline.push(s), options);
          w.header();
          writer = w;
          return (e) => {
            trace.push(traceLine(e, ctx));
            w.event(e);
          };
        },
      });
      (writer as ReturnType<typeof perfettoWriter> | null)!.footer(Math.round(result.report.endedAt * 1000));

      expect(r.code, c.name).toBe(result.report.expectations.every((x) => x.passed) ? 0 : 1);
      expect(r.out, c.name).toBe(renderJson(result.report));
      expect(readFileSync(join(dir, "t.jsonl"), "utf8") === trace.join("\n") + "\n", `${c.name}: trace`).toBe(true);
      expect(readFileSync(join(dir, "p.json"), "utf8") === timeline.join("\n") + "\n", `${c.name}: timeline`).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(["p.json", "t.jsonl"]);
    }
  }, 60_000);

  it("draws the progress bar on a terminal from where the worker thread says the run is", async () => {
    const { dir } = scratch("esm-sim-traced-bar-");
    let t = 0;
    let err = "";
    const { main } = await import("../src/cli/main.js");
    const code = await main(["node", "esm-sim", "run", "sqs-backlog-burst", "--until", "2m", "--trace", join(dir, "t.jsonl")], {
      out: () => {},
      err: (s) => (err += s),
      isTty: false,
      errIsTty: true,
      nowMs: () => (t += 2000),
    });
    expect(code).toBe(0);
    expect(err).toMatch(/\r[█░]{30} +\d+% virtual /);
    expect(err.endsWith("\r\u001b[K")).toBe(true);
  }, 60_000);
});
