/**
 * Paths on the command line, as a careless or hostile one gives them:
 * - an output is never written over a file the command reads (the scenario, a file it replays, a template, an
 *   export, a result being merged) nor over another output of the same command, whatever path leads to the file (a
 *   symbolic link, a hard link, ./ and ..); several outputs may still go to /dev/null;
 * - an output that cannot be written (an empty path, a folder that does not exist or may not be written, a file of
 *   the kernel's under /proc or /sys) is refused before the run rather than after it;
 * - a path holding a control character (a newline in a file name) is shown escaped, so a message stays one line;
 * - `-` reads the scenario from the standard input, however late the writer starts writing.
 * Each refusal comes before any work, exit 2, one line per problem and all of them at once.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ioReason } from "../src/io/input.js";
import { cli, scratch, smallSqsScenario } from "./cli-helpers.js";

const yaml = smallSqsScenario("shared");
const { dir, write } = scratch("esm-sim-shared-");
const file = write("s.yaml", yaml);

/** The scratch folder's files and their contents, to show that nothing was written. */
function snapshot(d = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d, { withFileTypes: true })) if (f.isFile()) out[f.name] = readFileSync(join(d, f.name), "utf8");
  return out;
}

describe("run: an output that is a file the run reads, or another output", () => {
  it("refuses --output naming the scenario itself, and leaves the scenario as it was", async () => {
    const r = await cli("run", file, "--output", file);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --output ${file}: is the scenario, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(file, "utf8")).toBe(yaml);
  });

  it("finds the scenario through a symbolic link, a hard link and another spelling of its path, and says each problem", async () => {
    const link = join(dir, "link.yaml");
    symlinkSync(file, link);
    const hard = join(dir, "hard.yaml");
    linkSync(file, hard);
    const before = snapshot();
    const r = await cli("run", link, "--trace", hard, "--html", join(dir, ".", "sub", "..", "s.yaml"));
    expect(r.code).toBe(2);
    expect(r.err.split("\n").filter(Boolean)).toEqual([
      `esm-sim: --html ${join(dir, ".", "sub", "..", "s.yaml")}: is the scenario (${link}), which this command reads; writing there would replace it: name another file`,
      `esm-sim: --trace ${hard}: is the scenario (${link}), which this command reads; writing there would replace it: name another file`,
    ]);
    expect(snapshot()).toEqual(before);
  });

  it("refuses two outputs naming one file, new or existing, before running", async () => {
    const before = snapshot();
    const r = await cli("run", file, "--output", join(dir, "out.json"), "--trace", join(dir, "out.json"), "--html", join(dir, "page.html"), "--perfetto", join(dir, "page.html"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `esm-sim: --trace ${join(dir, "out.json")}: is the --output file too; each output needs a file of its own\n` +
        `esm-sim: --perfetto ${join(dir, "page.html")}: is the --html file too; each output needs a file of its own\n`,
    );
    expect(snapshot()).toEqual(before);
  });

  it("refuses --metrics-out over the CloudWatch export the scenario replays", async () => {
    const sub = join(dir, "replay");
    mkdirSync(join(sub, "data"), { recursive: true });
    copyFileSync("scenarios/sqs-replay-from-metrics.yaml", join(sub, "replay.yaml"));
    copyFileSync("scenarios/data/orders-sent.json", join(sub, "data", "orders-sent.json"));
    const exported = readFileSync(join(sub, "data", "orders-sent.json"), "utf8");
    const r = await cli("run", join(sub, "replay.yaml"), "--metrics-out", join(sub, "data", "orders-sent.json"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --metrics-out ${join(sub, "data", "orders-sent.json")}: is the fromMetrics export, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(join(sub, "data", "orders-sent.json"), "utf8")).toBe(exported);
  });

  it("still writes several outputs to /dev/null", async () => {
    const r = await cli("run", file, "--output", "/dev/null", "--trace", "/dev/null", "--html", "/dev/null", "--perfetto", "/dev/null");
    expect(r.code).toBe(0);
  });
});

describe("the other commands that write files", () => {
  it("sweep --output naming the scenario is refused before any row runs", async () => {
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=5,10", "--output", file);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --output ${file}: is the scenario, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(file, "utf8")).toBe(yaml);
  });

  it("merge --output naming one of the results it merges is refused", async () => {
    const part = join(dir, "part.json");
    const swept = await cli("sweep", file, "--vary", "mapping.BatchSize=5,10", "--format", "json", "--output", part);
    expect(swept.code).toBe(0);
    const before = readFileSync(part, "utf8");
    const r = await cli("merge", part, "--output", part);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --output ${part}: is a result being merged, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(part, "utf8")).toBe(before);
  });

  it("calibrate --html naming the export it compares with is refused", async () => {
    const exportFile = join(dir, "export.json");
    copyFileSync("scenarios/data/orders-sent.json", exportFile);
    const r = await cli("calibrate", file, "--metrics", exportFile, "--html", exportFile);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --html ${exportFile}: is the --metrics export, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(exportFile, "utf8")).toBe(readFileSync("scenarios/data/orders-sent.json", "utf8"));
  });

  it("init --from writes no scenario over its template, even with --force", async () => {
    const template = join(dir, "template.yaml");
    copyFileSync("test/fixtures/templates/kinesis-on-failure.yaml", template);
    const before = readFileSync(template, "utf8");
    const r = await cli("init", "--from", template, "--out", template, "--force");
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: --out ${template}: is the --from template, which this command reads; writing there would replace it: name another file\n`);
    expect(readFileSync(template, "utf8")).toBe(before);
  });

  it("init --from a template named after its mapping says, in a sentence, that the scenario's file is the template and how to write it elsewhere", async () => {
    const folder = join(dir, "named");
    mkdirSync(folder);
    const template = join(folder, "ClickProcessorMapping.yaml");
    copyFileSync("test/fixtures/templates/kinesis-on-failure.yaml", template);
    const r = await cli("init", "--from", template, "--out-dir", folder, "--force");
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toBe(
      `esm-sim: the scenario for the mapping ClickProcessorMapping would be written to ${template}, which is the --from template that this command reads: write it elsewhere with --out-dir DIR, or name its file with --out FILE\n`,
    );
  });
});

describe("outputs that cannot be written, found before the run", () => {
  it("names each output whose folder does not exist, or whose path runs through a file, all at once", async () => {
    const before = snapshot();
    const r = await cli("run", file, "--trace", join(dir, "no-such", "t.jsonl"), "--html", join(dir, "s.yaml", "page.html"), "--output", join(dir, "report.txt"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `esm-sim: --html ${join(dir, "s.yaml", "page.html")}: ${file} is not a folder\n` +
        `esm-sim: --trace ${join(dir, "no-such", "t.jsonl")}: its folder ${join(dir, "no-such")} does not exist; create it first, or name a file in a folder that does\n`,
    );
    expect(snapshot()).toEqual(before);
  });

  it("refuses a sweep's --output in a missing folder before any row runs", async () => {
    const r = await cli("sweep", file, "--vary", "mapping.BatchSize=5,10", "--output", join(dir, "no-such", "grid.csv"));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`esm-sim: --output ${join(dir, "no-such", "grid.csv")}: its folder ${join(dir, "no-such")} does not exist; create it first, or name a file in a folder that does\n`);
  });

  it("refuses an empty path, naming its flag, for every command that writes", async () => {
    const cases: [string[], string][] = [
      [["run", file, "--output", ""], "--output"],
      [["run", file, "--trace", ""], "--trace"],
      [["run", file, "--html", ""], "--html"],
      [["run", file, "--perfetto", ""], "--perfetto"],
      [["run", file, "--metrics-out", ""], "--metrics-out"],
      [["sweep", file, "--vary", "mapping.BatchSize=5,10", "--output", ""], "--output"],
      [["merge", join(dir, "no-such.json"), "--output", ""], "--output"],
      [["calibrate", file, "--metrics", "scenarios/data/orders-sent.json", "--html", ""], "--html"],
      [["init", "sqs", "--out", ""], "--out"],
    ];
    for (const [args, flag] of cases) {
      const r = await cli(...args);
      expect([args.join(" "), r.code, r.out, r.err]).toEqual([args.join(" "), 2, "", `esm-sim: ${flag}: the path is empty; name a file, or - for the standard output\n`]);
    }
    const outDir = await cli("init", "--from", "test/fixtures/templates/sam-sqs.yaml", "--out-dir", "");
    expect([outDir.code, outDir.err]).toEqual([2, "esm-sim: --out-dir: the path is empty; name a folder, or . for the current one\n"]);
  });

  it("refuses a file of the kernel's (/proc, /sys) before the run, in words; /proc/self/fd/1 is still standard output", async () => {
    const r = await cli("run", file, "--metrics-out", "/proc/version", "--html", "/sys/kernel/notes", "--trace", "/proc/self/new.jsonl");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const why = "where the kernel keeps its own files, not a file esm-sim can write an output to; name a file elsewhere, or /dev/stdout, /dev/stderr or /dev/null";
    expect(r.err.split("\n").filter(Boolean)).toEqual([
      `esm-sim: --html /sys/kernel/notes: is under /sys, ${why}`,
      `esm-sim: --trace /proc/self/new.jsonl: is under /proc, ${why}`,
      `esm-sim: --metrics-out /proc/version: is under /proc, ${why}`,
    ]);
    const bin = join(process.cwd(), "bin", "esm-sim.js");
    const toStdout = spawnSync(process.execPath, [bin, "run", file, "--format", "json", "--output", "/proc/self/fd/1"], { encoding: "utf8" });
    expect([toStdout.status, toStdout.stderr, JSON.parse(toStdout.stdout).records.produced]).toEqual([0, "", 40]);
  });

  it.skipIf(process.getuid?.() === 0)("refuses an output in a folder this user may not write, before the run", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      const r = await cli("run", file, "--output", join(locked, "r.txt"));
      expect([r.code, r.out, r.err]).toEqual([2, "", `esm-sim: --output ${join(locked, "r.txt")}: its folder ${locked} cannot be written (permission denied)\n`]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it("says why a write failed in words, never in Node's error text", () => {
    const failure = (code: string) => Object.assign(new Error(`${code}: i/o error, write`), { code });
    expect(ioReason(failure("EIO"), "output")).toBe("the device or file system reported an input/output error");
    expect(ioReason(failure("EWHATEVER"), "output")).toBe("the system refused it (error EWHATEVER)");
  });

  it("says a path through a file is not a folder, for an input too", async () => {
    const r = await cli("run", join(file, "x.yaml"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`esm-sim: ${join(file, "x.yaml")}: a part of the path before the name is a file, not a folder\n`);
  });
});

describe("a scenario argument that is a symbolic link to no file", () => {
  it("says the link loops or where it points, not that no shipped scenario has that name", async () => {
    const loop = join(dir, "loop-a.yaml");
    symlinkSync(join(dir, "loop-b.yaml"), loop);
    symlinkSync(loop, join(dir, "loop-b.yaml"));
    const dangling = join(dir, "dangling.yaml");
    symlinkSync("gone.yaml", dangling);
    for (const command of ["run", "validate", "explain"]) {
      const looped = await cli(command, loop);
      expect([command, looped.code, looped.err]).toEqual([command, 2, `esm-sim: ${loop}: too many symbolic links in the path (one may loop)\n`]);
      const through = await cli(command, join(loop, "s.yaml"));
      expect([command, through.code, through.err]).toEqual([command, 2, `esm-sim: ${join(loop, "s.yaml")}: too many symbolic links in the path (one may loop)\n`]);
      const gone = await cli(command, dangling);
      expect([command, gone.code, gone.err]).toEqual([command, 2, `esm-sim: ${dangling}: is a symbolic link to gone.yaml, which does not exist\n`]);
    }
  });
});

describe("a control character in a path", () => {
  it("is shown escaped, so that each problem stays on one line", async () => {
    const odd = join(dir, "bad\nname.yaml");
    writeFileSync(odd, "name: [\n");
    const r = await cli("run", odd);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^${JSON.stringify(odd).replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}:2:1 not valid YAML: .*\n1 problem found; nothing was run\n$`));
    const missing = await cli("run", file, "--output", join(dir, "no\tsuch", "r.json"));
    expect(missing.err).toBe(`esm-sim: --output ${JSON.stringify(join(dir, "no\tsuch", "r.json"))}: its folder ${JSON.stringify(join(dir, "no\tsuch"))} does not exist; create it first, or name a file in a folder that does\n`);
  });
});

describe("a scenario from the standard input", () => {
  const bin = join(process.cwd(), "bin", "esm-sim.js");

  it("is read with -, and its problems are placed at <stdin>", () => {
    const ok = spawnSync(process.execPath, [bin, "validate", "-"], { input: yaml, encoding: "utf8" });
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, "<stdin>: valid\n", ""]);
    const bad = spawnSync(process.execPath, [bin, "run", "-"], { input: yaml.replace("BatchSize: 10", "BatchSize: 0"), encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("<stdin>:5:23 mapping.BatchSize: must be an integer 1..10,000 (got 0)\n1 problem found; nothing was run\n");
  });

  it("is not a file named -: an output named - is standard output, and ./- a file of that name", () => {
    const sub = join(dir, "dash");
    mkdirSync(sub, { recursive: true });
    const r = spawnSync(process.execPath, [bin, "run", "-", "--format", "json", "--output", "-"], { input: yaml, encoding: "utf8", cwd: sub });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(JSON.parse(r.stdout).records.produced).toBe(40);
    expect(readdirSync(sub)).toEqual([]);
    const f = spawnSync(process.execPath, [bin, "run", "-", "--format", "json", "--output", "./-"], { input: yaml, encoding: "utf8", cwd: sub });
    expect([f.status, f.stdout, f.stderr]).toEqual([0, "", ""]);
    expect(JSON.parse(readFileSync(join(sub, "-"), "utf8")).records.produced).toBe(40);
  });

  it("waits for a writer that starts late, then runs what it wrote", async () => {
    const child = spawn(process.execPath, [bin, "run", "-", "--format", "json"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.stdin.end(yaml);
    expect(await code).toBe(0);
    expect(JSON.parse(out).records.produced).toBe(40);
  }, 20_000);
});
