import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main.js";

/** Run the CLI in-process; returns the exit code and what it printed. */
export function cli(...args: string[]) {
  return runMain(args, undefined);
}

/** Run the CLI in-process with `input` as the one line standard input gives (a quiz answer; null: no input). */
export function cliAnswering(input: string | null, ...args: string[]) {
  return runMain(args, async () => input);
}

async function runMain(args: string[], readLine: (() => Promise<string | null>) | undefined) {
  let out = "";
  let err = "";
  const code = await main(["node", "esm-sim", ...args], { out: (s) => (out += s), err: (s) => (err += s), isTty: false, readLine });
  return { code, out, err };
}

/** A small SQS scenario named `name`: 40 messages at once, batches of 10 (drains in a moment, writes every output). */
export function smallSqsScenario(name: string): string {
  return `name: ${name}\nsource: { type: sqs }\ntraffic:\n  - { at: 0s, records: 40, keys: 4 }\nmapping: { BatchSize: 10 }\n`;
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
