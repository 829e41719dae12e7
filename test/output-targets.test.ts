/**
 * What is at an output target decides how it is written (src/io/output.ts): a regular file (or nothing) is replaced
 * atomically; a symbolic link is followed (its target replaced when a regular file, else written through); a FIFO or
 * a character device is written through; a directory is refused. A device, a FIFO or a link is never replaced.
 * Run as root (as CI containers are), where replacing /dev/null with a regular file would succeed.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planOutput, writeOutput } from "../src/io/output.js";
import { cli, scratch, smallSqsScenario } from "./cli-helpers.js";

const yaml = smallSqsScenario("out");
const { dir, write } = scratch("esm-sim-out-");
const file = write("s.yaml", yaml);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

const noTemps = (d: string) => expect(readdirSync(d).filter((f) => f.includes(".tmp-"))).toEqual([]);

/** Readers still running when the tests end (a failed test) are stopped, so that none outlives the run. */
const readers: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const r of readers) if (r.exitCode === null && r.signalCode === null) r.kill();
});

/** A FIFO with a reader that copies what it gets into a file; resolves with that file's text when the writer closes. */
function fifoWithReader(name: string): { fifo: string; got: Promise<string> } {
  const fifo = join(dir, name);
  execFileSync("mkfifo", [fifo]);
  const copy = join(dir, `${name}.copy`);
  const reader = spawn("sh", ["-c", `exec cat "$1" > "$2"`, "sh", fifo, copy], { stdio: "ignore" });
  readers.push(reader);
  const got = new Promise<string>((resolve, reject) => {
    reader.on("error", reject);
    reader.on("exit", () => resolve(readFileSync(copy, "utf8")));
  });
  return { fifo, got };
}

describe("output targets", () => {
  it("a regular file is replaced whole, with no temporary file left", async () => {
    const out = write("report.json", "old");
    const r = await cli("run", file, "--format", "json", "--output", out);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).records.produced).toBe(40);
    expect(lstatSync(out).isFile()).toBe(true);
    noTemps(dir);
  });

  it("a symbolic link to a file stays a link; its target gets the report (replaced beside the target)", async () => {
    const sub = join(dir, "targets");
    mkdirSync(sub, { recursive: true });
    const target = join(sub, "real.json");
    writeFileSync(target, "old");
    const link = join(dir, "link.json");
    symlinkSync(target, link);
    for (const flag of ["--output", "--html", "--trace"]) {
      const r = await cli("run", file, "--format", "json", flag, link);
      expect(r.code, flag).toBe(0);
      expect(lstatSync(link).isSymbolicLink(), flag).toBe(true);
      expect(readlinkSync(link)).toBe(target);
      expect(readFileSync(target, "utf8").length, flag).toBeGreaterThan(100);
    }
    noTemps(dir);
    noTemps(sub);
  });

  it("a dangling symbolic link is written through (its target created), and stays a link", async () => {
    const link = join(dir, "dangling.json");
    symlinkSync(join(dir, "created-by-link.json"), link);
    const r = await cli("run", file, "--format", "json", "--output", link);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "created-by-link.json"), "utf8")).records.produced).toBe(40);
    const broken = join(dir, "broken.json");
    symlinkSync(join(dir, "no-such-dir", "x.json"), broken);
    const r2 = await cli("run", file, "--output", broken);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/cannot write .*broken.json: it is a symbolic link to .*no-such-dir\/x.json, whose directory does not exist/);
  });

  it("a FIFO's reader gets the report, the trace and the HTML page, and the FIFO stays a FIFO", async () => {
    for (const [flag, check] of [
      ["--output", (t: string) => expect(JSON.parse(t).records.produced).toBe(40)],
      ["--trace", (t: string) => expect(t.trim().split("\n").length).toBeGreaterThan(40)],
      ["--html", (t: string) => expect(t).toMatch(/^<!doctype html>/i)],
    ] as [string, (t: string) => void][]) {
      const { fifo, got } = fifoWithReader(`pipe${flag}`);
      const r = await cli("run", file, "--format", "json", flag, fifo);
      expect(r.code, r.err).toBe(0);
      check(await got);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
    noTemps(dir);
  });

  it("sweep and merge --output go through a FIFO too", async () => {
    const { fifo, got } = fifoWithReader("sweep-pipe");
    const r = await cli("sweep", file, "--jobs", "1", "--vary", "mapping.BatchSize=5,10", "--format", "csv", "--output", fifo);
    expect(r.code, r.err).toBe(0);
    expect((await got).split("\n")[0]).toMatch(/^row,/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("calibrate --html goes through a FIFO and a symbolic link as run --html does, and /dev/null stays a device", async () => {
    const exported = join(dir, "export.json");
    expect((await cli("run", file, "--metrics-out", exported)).code).toBe(0);
    const { fifo, got } = fifoWithReader("calibrate-pipe");
    const r = await cli("calibrate", file, "--metrics", exported, "--fit", "none", "--html", fifo);
    expect(r.code, r.err).toBe(0);
    expect(await got).toMatch(/^<!doctype html>/i);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const target = write("calibration-target.html", "old");
    const link = join(dir, "calibration-link.html");
    symlinkSync(target, link);
    expect((await cli("calibrate", file, "--metrics", exported, "--fit", "none", "--html", link)).code).toBe(0);
    expect([lstatSync(link).isSymbolicLink(), readFileSync(target, "utf8").startsWith("<!doctype html>")]).toEqual([true, true]);
    expect((await cli("calibrate", file, "--metrics", exported, "--fit", "none", "--html", "/dev/null")).code).toBe(0);
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
    noTemps(dir);
  });

  it.runIf(isRoot)("a private character device (mknod 1,3: a copy of /dev/null) is written through, never replaced", async () => {
    const dev = join(dir, "null");
    execFileSync("mknod", [dev, "c", "1", "3"]);
    for (const flag of ["--output", "--trace", "--html"]) {
      const r = await cli("run", file, flag, dev);
      expect(r.code, flag).toBe(0);
      expect(lstatSync(dev).isCharacterDevice(), flag).toBe(true);
    }
    noTemps(dir);
  });

  it("a directory is refused before the run, suggesting a file in it named for that output", async () => {
    const d = join(dir, "somedir");
    mkdirSync(d, { recursive: true });
    const cases: [string[], string][] = [
      [["run", file, "--output", d], "--output", "report.txt"],
      [["run", file, "--format", "json", "--output", d], "--output", "report.json"],
      [["run", file, "--html", d], "--html", "report.html"],
      [["run", file, "--trace", d], "--trace", "trace.jsonl"],
      [["run", file, "--perfetto", d], "--perfetto", "timeline.json"],
      [["sweep", file, "--vary", "mapping.BatchSize=5", "--format", "csv", "--output", d], "--output", "sweep.csv"],
      [["init", "sqs", "--out", d], "--out", "scenario.yaml"],
      [["calibrate", file, "--metrics", "scenarios/data/orders-sent.json", "--html", d], "--html", "calibration.html"],
    ].map(([args, flag, name]) => [args as string[], `esm-sim: ${flag} ${d}: is a directory, which cannot be written as an output file; name a file, e.g. ${d}/${name}\n`]);
    for (const [args, err] of cases) {
      const r = await cli(...args);
      expect([args.join(" "), r.code, r.err]).toEqual([args.join(" "), 2, err]);
    }
    expect(statSync(d).isDirectory()).toBe(true);
  });

  it("a --perfetto directory refused after the --trace file was opened leaves no temporary trace behind", async () => {
    const sub = join(dir, "trace-then-dir");
    mkdirSync(join(sub, "d"), { recursive: true });
    const r = await cli("run", file, "--trace", join(sub, "t.jsonl"), "--perfetto", join(sub, "d"));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--perfetto ${join(sub, "d")}: is a directory`);
    expect(readdirSync(sub)).toEqual(["d"]);
  });

  it("planOutput: replace for files and new paths, through for devices and /dev or /proc paths, the descriptor for standard output and error", () => {
    expect(planOutput(join(dir, "new.txt"), "x")).toEqual({ how: "replace", file: join(dir, "new.txt") });
    expect(planOutput("/dev/null", "x")).toEqual({ how: "through", file: "/dev/null" });
    expect(planOutput("/dev/fd/0", "x").how).toBe("through");
    for (const name of ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", `/proc/${process.pid}/fd/1`]) expect(planOutput(name, "x")).toEqual({ how: "standard", fd: 1 });
    for (const name of ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]) expect(planOutput(name, "x")).toEqual({ how: "standard", fd: 2 });
    expect(() => planOutput(dir, "--output d")).toThrow(/is a directory/);
    writeOutput(join(dir, "plain.txt"), "é\n".repeat(3));
    expect(readFileSync(join(dir, "plain.txt"), "utf8")).toBe("é\n".repeat(3));
  });
});

describe("/dev/null", () => {
  it("--output, --trace and --html /dev/null leave it a character device", async () => {
    const before = statSync("/dev/null");
    expect(before.isCharacterDevice()).toBe(true);
    const r = await cli("run", file, "--output", "/dev/null", "--trace", "/dev/null", "--html", "/dev/null");
    expect(r.code).toBe(0);
    const after = lstatSync("/dev/null");
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
    expect(readdirSync("/dev").filter((f) => f.startsWith(".null.tmp-"))).toEqual([]);
  });
});
