/**
 * Outputs on standard output and standard error: `-` names standard output for every output flag, and so do the
 * system's names for it (/dev/stdout, /dev/fd/1, /proc/self/fd/1; /dev/stderr ... for standard error). Each is
 * written to the process's own descriptor at its offset:
 * - a redirection to a file (`> out`, `>> log`) is neither truncated nor written over from its start;
 * - a pipe or a socket whose reader is slow gets every byte;
 * - each stream takes one output (the report goes to standard output unless --output names a file), so two outputs
 *   are never mixed: a second is refused before the run, with the others' problems.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratch } from "./cli-helpers.js";

const BIN = join(process.cwd(), "bin", "esm-sim.js");
const { dir, write } = scratch("esm-sim-stdout-");
/** 3,000 messages and a failing batch: a trace of some 480 KB, more than a pipe or a socket holds at once. */
const file = write(
  "s.yaml",
  `name: std\nsource: { type: sqs }\ntraffic:\n  - { at: 0s, records: 3000, keys: 4 }\nmapping: { BatchSize: 10 }\nfunction: { failures: [{ when: { key: key-1, to: 1s }, effect: error }] }\n`,
);

/** The trace as a file output writes it: what every standard-stream spelling must give, byte for byte. */
function traceAsFile(): string {
  const t = join(dir, "reference.jsonl");
  const r = spawnSync(process.execPath, [BIN, "run", file, "--trace", t, "--output", "/dev/null"], { encoding: "utf8" });
  expect([r.status, r.stderr]).toEqual([0, ""]);
  return readFileSync(t, "utf8");
}
const reference = traceAsFile();

/** Run the command line with standard output and error going to the files `out` and `err`, opened with `flags`. */
function runInto(args: string[], out: string, err: string, flags: "w" | "a") {
  const fds = [openSync(out, flags), openSync(err, flags)];
  try {
    return spawnSync(process.execPath, [BIN, ...args], { stdio: ["ignore", fds[0], fds[1]] }).status;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

describe("an output on standard output or standard error", () => {
  it("is the trace itself: --trace - and /dev/stdout give the --trace file's bytes", () => {
    expect(reference.length).toBeGreaterThan(4 << 16);
    for (const name of ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]) {
      const r = spawnSync(process.execPath, [BIN, "run", file, "--trace", name, "--output", "/dev/null"], { encoding: "utf8", maxBuffer: 1 << 26 });
      expect([name, r.status, r.stderr]).toEqual([name, 0, ""]);
      expect(r.stdout === reference).toBe(true);
    }
  });

  it("goes to a redirected file at its offset: > is not truncated again, >> keeps what was there", () => {
    const out = join(dir, "out.txt");
    const err = join(dir, "err.txt");
    writeFileSync(out, "kept\n");
    writeFileSync(err, "kept too\n");
    expect(runInto(["run", file, "--trace", "/dev/stdout", "--output", "/dev/null"], out, err, "a")).toBe(0);
    expect(readFileSync(out, "utf8") === "kept\n" + reference).toBe(true);
    expect(readFileSync(err, "utf8")).toBe("kept too\n");
    // Standard error too; and with > the file holds the trace alone, from its first line.
    expect(runInto(["run", file, "--trace", "/dev/stderr", "--output", "/dev/null"], out, err, "w")).toBe(0);
    expect(readFileSync(err, "utf8") === reference).toBe(true);
    expect(readFileSync(out, "utf8")).toBe("");
  });

  it("reaches a slow reader on a socket (as Node.js's child processes get) whole, where /dev/stdout cannot be opened again", async () => {
    const child = spawn(process.execPath, [BIN, "run", file, "--trace", "/dev/stdout", "--output", "/dev/null"], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.pause();
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    expect([await code, err]).toEqual([0, ""]);
    expect(Buffer.concat(chunks).toString("utf8") === reference).toBe(true);
  }, 30_000);

  it("lets a reader that stops early go (| head): the run ends as usual and writes its other outputs", async () => {
    const report = join(dir, "after-head.txt");
    const child = spawn(process.execPath, [BIN, "run", file, "--trace", "-", "--output", report], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    const first = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy();
    expect([await code, err]).toEqual([0, ""]);
    expect(reference.startsWith(first.split("\n")[0])).toBe(true);
    expect(readFileSync(report, "utf8")).toContain("conservation: produced 3000");
  }, 30_000);

  it("takes one output: a second on standard output or on standard error is refused before the run, with every problem", () => {
    const sub = join(dir, "two");
    const r = spawnSync(
      process.execPath,
      [BIN, "run", file, "--trace", "-", "--html", join(sub, "missing", "r.html"), "--perfetto", "/dev/stderr", "--metrics-out", "/proc/self/fd/2"],
      { encoding: "utf8", cwd: dir },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([
      `esm-sim: --html ${join(sub, "missing", "r.html")}: its folder ${join(sub, "missing")} does not exist; create it first, or name a file in a folder that does`,
      "esm-sim: --trace -: standard output already takes the report, so the two would be mixed: give the report a file with --output FILE, or --trace a file of its own",
      "esm-sim: --metrics-out /proc/self/fd/2: standard error already takes --perfetto /dev/stderr, so the two would be mixed: name a file for --metrics-out",
      "",
    ]);
    const t = spawnSync(process.execPath, [BIN, "run", file, "--trace", "-", "--perfetto", "/dev/fd/1", "--output", "/dev/null"], { encoding: "utf8" });
    expect([t.status, t.stdout, t.stderr]).toEqual([2, "", "esm-sim: --perfetto /dev/fd/1: standard output already takes --trace -, so the two would be mixed: name a file for --perfetto\n"]);
  });

  it("is found by the file standard output is redirected to: --trace naming it while the report goes there is refused", () => {
    const out = join(dir, "same.txt");
    const err = join(dir, "same.err");
    expect(runInto(["run", file, "--trace", out], out, err, "w")).toBe(2);
    expect(readFileSync(err, "utf8")).toBe(
      `esm-sim: --trace ${out}: is the file standard output goes to, which already takes the report, so the two would be mixed: give the report a file with --output FILE, or --trace a file of its own\n`,
    );
    expect(readFileSync(out, "utf8")).toBe("");
  });

  it("is where --output - puts the report or a sweep's result, and init --out - a starter: as if the flag were not given", () => {
    const cases: string[][] = [
      ["run", file, "--format", "json"],
      ["sweep", file, "--vary", "mapping.BatchSize=5,10", "--format", "csv", "--jobs", "1"],
      ["init", "sqs"],
    ];
    for (const args of cases) {
      const plain = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: dir });
      const dash = spawnSync(process.execPath, [BIN, ...args, args[0] === "init" ? "--out" : "--output", "-"], { encoding: "utf8", cwd: dir });
      expect([dash.status, dash.stderr]).toEqual([plain.status, plain.stderr]);
      expect(dash.stdout).toBe(plain.stdout);
      expect(plain.stdout.length).toBeGreaterThan(100);
    }
    expect(readdirSync(dir).filter((f) => f === "-")).toEqual([]);
  });

  it("is where init --out /dev/stdout puts a starter, as --out - does; --out /dev/null and /dev/stderr replace no file and need no --force", () => {
    const plain = spawnSync(process.execPath, [BIN, "init", "sqs"], { encoding: "utf8", cwd: dir });
    for (const name of ["/dev/stdout", "/dev/fd/1"]) {
      const r = spawnSync(process.execPath, [BIN, "init", "sqs", "--out", name], { encoding: "utf8", cwd: dir });
      expect([name, r.status, r.stderr, r.stdout === plain.stdout]).toEqual([name, 0, "", true]);
    }
    const toNull = spawnSync(process.execPath, [BIN, "init", "sqs", "--out", "/dev/null"], { encoding: "utf8", cwd: dir });
    expect([toNull.status, toNull.stdout, toNull.stderr]).toEqual([0, "wrote /dev/null: a starter sqs scenario\n", ""]);
    const toErr = spawnSync(process.execPath, [BIN, "init", "sqs", "--out", "/dev/stderr"], { encoding: "utf8", cwd: dir });
    expect([toErr.status, toErr.stdout, toErr.stderr === plain.stdout]).toEqual([0, "wrote /dev/stderr: a starter sqs scenario\n", true]);
    const existing = write("starter.yaml", "kept\n");
    const again = spawnSync(process.execPath, [BIN, "init", "sqs", "--out", existing], { encoding: "utf8", cwd: dir });
    expect([again.status, again.stderr]).toEqual([2, `esm-sim: ${existing} already exists; use --force to overwrite it\n`]);
  });

  it("places the problems of a scenario init --from prints (--out -) in what it printed, not in a standard input it never read", () => {
    const template = write(
      "cfn.yaml",
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Timeout: 30 }\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      EventSourceArn: !GetAtt Q.Arn\n      FunctionName: !Ref F\n      BatchSize: 20000\n",
    );
    const r = spawnSync(process.execPath, [BIN, "init", "--from", template, "--out", "-"], { encoding: "utf8", cwd: dir });
    const printed = r.stdout.split("\n");
    const problem = r.stderr.split("\n").find((l) => l.includes("mapping.BatchSize"))!;
    expect([r.status, problem.replace(/:\d+:\d+ /, ":L:C ")]).toEqual([2, "(stdout):L:C mapping.BatchSize: must be an integer 1..10,000 (got 20000)"]);
    // The place is the printed scenario's line.
    expect(printed[Number(/^\(stdout\):(\d+):/.exec(problem)![1]) - 1]).toMatch(/BatchSize: 20000/);
    expect(r.stderr).not.toContain("<stdin>");
  });

  it("calibrate --html - is refused: calibrate's report takes standard output", () => {
    const r = spawnSync(process.execPath, [BIN, "calibrate", file, "--metrics", "scenarios/data/orders-sent.json", "--html", "-"], { encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", "esm-sim: --html -: standard output already takes the report, so the two would be mixed: name a file for --html\n"]);
  });
});
