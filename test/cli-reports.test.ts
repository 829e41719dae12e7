import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, scratch } from "./cli-helpers.js";

const { dir, write } = scratch("esm-sim-reports-");
const file = write("r.yaml", "name: r\nsource: { type: sqs }\ntraffic: [{ rate: 10/s, from: 0s, to: 5s }]\nexpect:\n  records.dlq: { gt: 0 }\n");

describe("report options of esm-sim run", () => {
  it("--html writes a self-contained report beside the usual output, with the reproduce line of a failed run", async () => {
    const html = join(dir, "r.html");
    const r = await cli("run", file, "--html", html, "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).scenario).toBe("r");
    const page = readFileSync(html, "utf8");
    expect(page.startsWith("<!doctype html>")).toBe(true);
    for (const id of ["concurrency", "backlog", "oldestAge", "outcomes", "end-states", "timeline"]) expect(page).toContain(`id="chart-${id}"`);
    expect(page).toContain(`reproduce: <code>esm-sim run ${file} --seed 1</code>`);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("--html is not written when the scenario is invalid", async () => {
    const bad = write("bad.yaml", "name: b\nsource: { type: sqs }\ntraffic: []\n");
    const r = await cli("run", bad, "--html", join(dir, "bad.html"));
    expect(r.code).toBe(2);
    expect(readdirSync(dir)).not.toContain("bad.html");
  });

  it("lists the report commands in --help", async () => {
    const h = await cli("--help");
    for (const c of ["sweep", "merge", "schema"]) expect(h.out).toMatch(new RegExp(`\\n  ${c} `));
    const run = await cli("run", "--help");
    for (const o of ["--html", "--set", "markdown"]) expect(run.out).toContain(o);
  });
});
