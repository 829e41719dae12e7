import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProgressBar, runFraction } from "../src/cli/progress.js";
import { main } from "../src/cli/main.js";
import { scenarioFrom } from "./helpers.js";

function fakeIo(tty: boolean, stepMs: number) {
  let t = 0;
  let err = "";
  return { io: { err: (s: string) => (err += s), errIsTty: tty, nowMs: () => (t += stepMs), columns: 80 }, text: () => err };
}

describe("progress bar", () => {
  it("draws nothing in the first second, then a bar, and clears it when done", () => {
    const f = fakeIo(true, 400);
    const bar = new ProgressBar(f.io); // t = 400
    bar.update(0.1, "a"); // 800: too early
    bar.update(0.2, "b"); // 1200: 800 ms in, still too early
    expect(f.text()).toBe("");
    bar.update(0.5, "half"); // 1600: 1.2 s in
    expect(f.text()).toBe(`\r${"█".repeat(15)}${"░".repeat(15)}  50% half\u001b[K`);
    bar.done();
    expect(f.text().endsWith("\r\u001b[K")).toBe(true);
  });

  it("stays silent when stderr is not a terminal", () => {
    const f = fakeIo(false, 5000);
    const bar = new ProgressBar(f.io);
    bar.update(0.5, "x");
    bar.done();
    expect(f.text()).toBe("");
  });

  it("measures a run against until, or records ended out of those planned", () => {
    const withUntil = scenarioFrom("name: u\nuntil: 10s\nsource: { type: sqs }\ntraffic: [{ rate: 10/s }]\n");
    expect(runFraction(withUntil, { nowUs: 2_500_000, endUs: 10_000_000, produced: 25, ended: 20, eventsRun: 1 })).toEqual({ fraction: 0.25, label: "virtual 2.5s of 10s" });
    const drain = scenarioFrom("name: d\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 400 }, { rate: 10/s, from: 0s, to: 10s }]\n");
    expect(runFraction(drain, { nowUs: 1_000_000, endUs: 1e12, produced: 410, ended: 250, eventsRun: 1 })).toEqual({ fraction: 0.5, label: "virtual 1s, 250 of 500 records ended" });
  });

  it("shows sweep progress on a terminal and leaves the output clean", async () => {
    let t = 0;
    let out = "";
    let err = "";
    const file = join(__dirname, "golden", "sweep.yaml");
    const code = await main(["node", "esm-sim", "sweep", file, "--vary", "mapping.BatchSize=5,10", "--jobs", "1", "--format", "json"], {
      out: (s) => (out += s),
      err: (s) => (err += s),
      isTty: false,
      errIsTty: true,
      nowMs: () => (t += 2000),
    });
    expect(code).toBe(0);
    expect(err).toContain("100% 2 of 2 rows");
    expect(err.endsWith("\r\u001b[K")).toBe(true);
    expect(JSON.parse(out).rows).toBe(2);
  });
});
