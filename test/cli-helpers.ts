import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main.js";

/** Run the CLI in-process; returns the exit code and what it printed. */
export async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "esm-sim", ...args], { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  return { code, out, err };
}

/** A scratch directory with a `write(name, text)` that returns the file's path. */
export function scratch(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name: string, text: string): string {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}
