import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// `esm-sim explain x | head -2`: the reader closes the pipe early; esm-sim must stop quietly, not print a stack.
describe("a reader that closes the pipe early", () => {
  it("ends esm-sim with exit 0 and nothing on stderr", async () => {
    const bin = join(__dirname, "..", "bin", "esm-sim.js");
    const child = spawn(process.execPath, [bin, "explain", "kinesis-poison-pill", "--verbose", "--no-color"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(err).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(code).toBe(0);
  }, 30_000);
});
