/**
 * One temporary folder for the whole test run. Tests, the CLIs they start and npm all make their scratch files in
 * the system's temporary folder (TMPDIR), which points here before any test file starts; the folder is removed when
 * the run ends, however the tests ended, so no test needs its own clean-up and nothing is left behind in /tmp.
 * Each project of vitest.config.ts runs this; the first makes the folder and the others use it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OWNER = "ESM_SIM_TEST_TMPDIR";

export default function setup(): (() => void) | undefined {
  if (process.env[OWNER]) return undefined;
  const root = mkdtempSync(join(tmpdir(), "esm-sim-tests-"));
  process.env[OWNER] = root;
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
