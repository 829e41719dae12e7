/**
 * Golden digests: every shipped scenario's trace digest and headline numbers, kept in test/golden/digests.json.
 * A change in any of them is a change in behaviour: it must be deliberate, recorded with `npm run golden:update`
 * and explained in CHANGELOG.md. The digest is computed without a trace listener (as the CLI does without
 * --trace); the property suite checks that a listener does not change it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Report } from "../src/run/result.js";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import { shippedScenarios } from "./helpers.js";

const FILE = join(__dirname, "golden", "digests.json");
const UPDATE = process.env.ESM_SIM_GOLDEN_UPDATE === "1";

interface Golden {
  traceDigest: string;
  endedAt: number;
  produced: number;
  succeeded: number;
  dlq: number;
  expired: number;
  pending: number;
  duplicates: number;
  invocations: number;
  concurrencyMax: number;
}

function golden(r: Report): Golden {
  return {
    traceDigest: r.traceDigest,
    endedAt: r.endedAt,
    produced: r.records.produced,
    succeeded: r.records.succeeded,
    dlq: r.records.dlq,
    expired: r.records.expired,
    pending: r.records.pending,
    duplicates: r.duplicates,
    invocations: r.invocations.total,
    concurrencyMax: r.concurrency.max,
  };
}

const HOW = "If the change is intended, run `npm run golden:update` and add an entry under [Unreleased] in CHANGELOG.md saying what changed and why.";

const stored: Record<string, Golden> = existsSync(FILE) ? JSON.parse(readFileSync(FILE, "utf8")) : {};
const current: Record<string, Golden> = {};

describe("golden trace digests of the shipped scenarios", () => {
  it.each(shippedScenarios())("$file keeps its digest and headline numbers", ({ file, text, files }) => {
    const parsed = parseScenario(text, file, { files });
    if (!parsed.ok) throw new Error(`${file} does not load`);
    const now = golden(simulate(parsed.scenario).report);
    current[file] = now;
    if (UPDATE) return;
    const before = stored[file];
    if (!before) throw new Error(`${file} has no golden digest yet. ${HOW}`);
    const changed = (Object.keys(now) as (keyof Golden)[]).filter((k) => now[k] !== before[k]).map((k) => `${k} ${before[k]} -> ${now[k]}`);
    if (changed.length > 0) throw new Error(`${file}: behaviour changed: ${changed.join(", ")}. ${HOW}`);
  });

  it("holds no digest for a scenario that is no longer shipped", () => {
    if (UPDATE) {
      const sorted = Object.fromEntries(Object.keys(current).sort().map((k) => [k, current[k]]));
      writeFileSync(FILE, JSON.stringify(sorted, null, 2) + "\n");
      return;
    }
    const shipped = new Set(shippedScenarios().map((s) => s.file));
    expect(Object.keys(stored).filter((f) => !shipped.has(f)), HOW).toEqual([]);
  });
});
