/**
 * Inputs that are not regular files are read up to their cap and no further (src/io/input.ts): `run /dev/zero`,
 * `validate /dev/urandom` and an endless pipe on /dev/stdin end at once with exit 2 and a message naming the cap,
 * where they used to grow to gigabytes or never end. Run as real processes, so /dev/stdin is a real pipe.
 * Every reader goes through io/input.ts: no other module of src/ reads files.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(__dirname, "..", "bin", "esm-sim.js");
/** Generous on a loaded machine; the old behaviour took minutes or never ended. */
const PROMPT_MS = 20_000;

/** Run the CLI with `stdin` fed from a shell pipeline (or nothing); kill it if it takes longer than PROMPT_MS. */
function run(args: string[], feed?: string): Promise<{ code: number | null; err: string; ms: number; killed: boolean }> {
  const t0 = performance.now();
  const cmd = feed ? `${feed} | exec "$0" "$@"` : `exec "$0" "$@"`;
  // A process group of its own, so that a kill reaches every process of the pipeline.
  const child = spawn("sh", ["-c", cmd, process.execPath, BIN, ...args], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let err = "";
  child.stderr.on("data", (d) => (err += String(d)));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    process.kill(-child.pid!, "SIGKILL");
  }, PROMPT_MS);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, err, ms: performance.now() - t0, killed });
    }),
  );
}

describe("inputs that never end", () => {
  it.each([
    ["run /dev/zero", ["run", "/dev/zero"], undefined, "esm-sim: /dev/zero: gives more than 1048576 bytes; scenarios are limited to 1048576 bytes\n"],
    ["validate /dev/urandom", ["validate", "/dev/urandom"], undefined, "esm-sim: /dev/urandom: gives more than 1048576 bytes; scenarios are limited to 1048576 bytes\n"],
    ["yes 'name: x' | esm-sim run /dev/stdin", ["run", "/dev/stdin"], "yes 'name: x'", "esm-sim: /dev/stdin: gives more than 1048576 bytes; scenarios are limited to 1048576 bytes\n"],
    ["run --template /dev/zero", ["run", "--template", "/dev/zero", "--traffic", "/dev/zero"], undefined, "esm-sim: /dev/zero: gives more than 4194304 bytes; templates are limited to 4194304 bytes\n"],
    ["init --from /dev/urandom", ["init", "--from", "/dev/urandom", "--out-dir", "/tmp"], undefined, "esm-sim: /dev/urandom: gives more than 4194304 bytes; templates are limited to 4194304 bytes\n"],
    ["merge /dev/zero", ["merge", "/dev/zero"], undefined, "esm-sim: /dev/zero: gives more than 67108864 bytes; sweep results are limited to 67108864 bytes\n"],
  ] as [string, string[], string | undefined, string][])("%s: exit 2 at once, naming the cap", async (_, args, feed, message) => {
    const r = await run(args, feed);
    expect(r.killed).toBe(false);
    expect(r.ms).toBeLessThan(PROMPT_MS);
    expect(r.code).toBe(2);
    expect(r.err).toBe(message);
  }, 60_000);

  it("a quiz answer is read from at most 64 KB of standard input", async () => {
    const r = await run(["quiz", "sqs-poison-message-dlq", "--seed", "1"], "cat /dev/zero");
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
  }, 60_000);
});

describe("the readers", () => {
  it("only src/io reads files; the CLI's modules read through it", () => {
    const SRC = join(__dirname, "..", "src");
    const list = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? list(join(d, f)) : [join(d, f)]));
    const readers = list(SRC)
      .filter((f) => f.endsWith(".ts") && !f.includes(`${join("src", "io")}`))
      .filter((f) => /\b(readFileSync|readSync|createReadStream|readFile)\b/.test(readFileSync(f, "utf8")));
    expect(readers.map((f) => f.slice(SRC.length + 1))).toEqual([]);
  });
});
