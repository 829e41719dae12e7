import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario } from "../src/scenario/parse.js";
import { simulate } from "../src/run/simulate.js";

// The benchmark scenarios (npm run bench) must keep parsing and running; here each runs for 2 virtual seconds.
const dir = join(__dirname, "..", "bench", "scenarios");
describe.each(readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort())("benchmark %s", (f) => {
  it("parses and runs a short slice", () => {
    const r = parseScenario(readFileSync(join(dir, f), "utf8"), f, { untilUs: 2_000_000 });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
    if (!r.ok) return;
    const { report } = simulate(r.scenario);
    expect(report.endedAt).toBeLessThanOrEqual(2000);
    expect(report.records.produced).toBeGreaterThan(0);
  });
});
