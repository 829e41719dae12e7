/** Compare output with a golden file in test/golden; ESM_SIM_UPDATE_GOLDEN=1 rewrites the file instead. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

export const GOLDEN = join(__dirname, "golden");
const UPDATE = process.env.ESM_SIM_UPDATE_GOLDEN === "1";

export function golden(name: string, actual: string): void {
  const p = join(GOLDEN, name);
  if (UPDATE || !existsSync(p)) {
    if (!UPDATE) throw new Error(`missing golden file ${p}: run with ESM_SIM_UPDATE_GOLDEN=1 to create it`);
    writeFileSync(p, actual);
  }
  expect(actual).toBe(readFileSync(p, "utf8"));
}

