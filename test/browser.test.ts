/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core (never a downloaded browser).
 * Fails on any console error or page error, checks that every chart drew its data and that hovering shows a
 * tooltip, and saves a screenshot in test-artifacts/. Skips only when /usr/bin/chromium is missing and
 * ESM_SIM_REQUIRE_BROWSER is not set (.ci/run installs chromium and sets it, so CI never skips silently).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/html.js";
import { SERIES_NAMES } from "../src/report/calibration-html.js";
import { cli, scratch } from "./cli-helpers.js";
import { simulate } from "../src/run/simulate.js";
import { scenarioFrom } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
const required = Boolean(process.env.ESM_SIM_REQUIRE_BROWSER);
if (!present && !required) {
  console.warn(`browser test SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; set ESM_SIM_REQUIRE_BROWSER=1 to make this a failure)`);
}

const ARTIFACTS = join(__dirname, "..", "test-artifacts");

/**
 * Opens `file` in chromium and runs `check` on the page; fails on any console error or warning, page error, or
 * request that leaves the file (a report must be self-contained).
 */
async function inChromium(file: string, check: (page: Page) => Promise<void>): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  const problems: string[] = [];
  const requests: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (q) => {
      if (!q.url().startsWith("file:") && !q.url().startsWith("data:")) requests.push(q.url());
    });
    await page.goto(pathToFileURL(file).href);
    await check(page);
  } finally {
    await browser.close();
  }
  expect(problems).toEqual([]);
  expect(requests).toEqual([]);
}

describe.skipIf(!present && !required)("HTML report in chromium", () => {
  it("renders every chart with data, with no console or page error, and shows tooltips on hover", async () => {
    expect(present, `${CHROMIUM} is missing but ESM_SIM_REQUIRE_BROWSER is set: install it with apt-get install -y chromium`).toBe(true);
    const scenario = scenarioFrom(readFileSync(join(__dirname, "golden", "mixed.yaml"), "utf8"), "test/golden/mixed.yaml");
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "report.html");
    writeFileSync(file, renderHtml(simulate(scenario), { reproduce: "esm-sim run test/golden/mixed.yaml --seed 7" }));

    await inChromium(file, async (page) => {

    // What each chart drew: line charts their path's points, bar charts their bars, the timeline its invocations.
    const drawn = await page.$$eval("figure.chart", (figs) =>
      figs.map((f) => {
        const kind = f.getAttribute("data-kind");
        const svg = f.querySelector("svg");
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        let marks = 0;
        if (kind === "line") marks = [...f.querySelectorAll("path.series")].reduce((a, p) => a + ((p.getAttribute("d") ?? "").match(/[ML]/g)?.length ?? 0), 0);
        else if (kind === "bars") marks = f.querySelectorAll("g.bar rect").length;
        else if (kind === "hbar") marks = [...f.querySelectorAll("g.bar rect:not(.hit)")].filter((r) => Number(r.getAttribute("width")) > 0).length;
        else if (kind === "timeline") marks = f.querySelectorAll("rect.inv").length;
        return { id: f.id, kind, marks, visible: box.width > 100 && box.height > 50 };
      }),
    );
    expect(drawn.map((d) => d.id)).toEqual(["chart-concurrency", "chart-backlog", "chart-oldestAge", "chart-outcomes", "chart-end-states", "chart-timeline"]);
    for (const d of drawn) {
      expect(d.visible, `${d.id} is on screen`).toBe(true);
      expect(d.marks, `${d.id} drew its data`).toBeGreaterThan(d.kind === "line" ? 10 : 1);
    }

    const tooltip = page.locator("#tooltip");
    const hover = async (selector: string, fx = 0.5) => {
      const target = page.locator(selector).first();
      await target.scrollIntoViewIfNeeded();
      const box = (await target.boundingBox())!;
      await page.mouse.move(box.x + box.width * fx, box.y + box.height / 2);
      await expect.poll(() => tooltip.isVisible()).toBe(true);
      return (await tooltip.textContent()) ?? "";
    };
    expect(await hover("#chart-concurrency svg")).toMatch(/^at \d+(\.\d+)?s\nconcurrency: \d+$/);
    expect(await hover("#chart-oldestAge svg")).toMatch(/^at \d+(\.\d+)?s\noldest message: [\d.]+m?s$/);
    expect(await hover("#chart-outcomes g.bar rect")).toMatch(/^0s to \d+ms: ok \d+/);
    expect(await hover("#chart-end-states g.bar")).toBe("succeeded: 195 of 201 records (97.0%)");
    expect(await hover("#chart-timeline rect.inv")).toMatch(/^invocation 1 · poller \d+ · 0s to [\d.]+m?s · \w+ · \d records?$/);
    expect(await hover("#chart-timeline rect.throttle")).toMatch(/^throttled invoke · poller \d+ · at [\d.]+m?s$/);
    await page.mouse.move(2, 2);
    await expect.poll(() => tooltip.isVisible()).toBe(false);

    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    });
  });

  it("calibrate --html: every compared metric's chart draws the export and both runs, names them in its legend, with no console or page error", async () => {
    expect(present, `${CHROMIUM} is missing but ESM_SIM_REQUIRE_BROWSER is set: install it with apt-get install -y chromium`).toBe(true);
    const dir = scratch("esm-sim-calibrate-html-");
    const scenario = dir.write(
      "slow.yaml",
      `name: slow-consumer
source: { type: sqs, VisibilityTimeout: 30 }
traffic: [{ rate: 20/s, from: 0s, to: 4m }]
function:
  duration: { base: 1s }
  failures: [{ when: { from: 40s, to: 60s }, effect: error }]
`,
    );
    const truth = join(dir.dir, "truth.json");
    expect((await cli("run", scenario, "--set", "scaling.scaleUpHoldAfterFailureMs=70000", "--metrics-out", truth)).code).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "calibration.html");
    const r = await cli("calibrate", scenario, "--metrics", truth, "--fit", "scaleUpHoldAfterFailureMs", "--jobs", "1", "--format", "json", "--html", file);
    expect(r.code, r.err).toBe(0);
    const compared = (JSON.parse(r.out) as { metrics: { metric: string; statistic: string }[] }).metrics;

    await inChromium(file, async (page) => {
    const charts = await page.$$eval("figure.chart", (figs) =>
      figs.map((f) => ({
        caption: f.querySelector("figcaption")?.textContent ?? "",
        kind: f.getAttribute("data-kind"),
        // points drawn per series, by the series' name
        drawn: [...f.querySelectorAll("path.series")].map((p) => [p.getAttribute("data-series"), (p.getAttribute("d") ?? "").match(/[ML]/g)?.length ?? 0]),
        legend: [...f.querySelectorAll(".legend span")].map((s) => s.textContent),
        visible: (f.querySelector("svg")?.getBoundingClientRect().width ?? 0) > 100,
      })),
    );
    expect(charts.map((c) => c.caption.split(":")[0])).toEqual(compared.map((m) => `${m.metric} ${m.statistic}`));
    for (const c of charts) {
      expect([c.caption, c.kind, c.visible]).toEqual([c.caption, "line", true]);
      expect(c.legend).toEqual([SERIES_NAMES.real, SERIES_NAMES.before, SERIES_NAMES.after]);
      expect(c.drawn.map(([name]) => name)).toEqual([SERIES_NAMES.real, SERIES_NAMES.before, SERIES_NAMES.after]);
      for (const [name, points] of c.drawn) expect(points, `${c.caption}: ${name}`).toBe(5);
      expect(c.caption).toMatch(/: error \d\.\d{3} before, \d\.\d{3} after$/);
    }
    expect(await page.locator("pre.scaling").textContent()).toMatch(/^scaling:\n {2}scaleUpHoldAfterFailureMs: \d+$/);

    // hovering a chart names each series with its value at that minute
    const svg = page.locator("figure.chart svg").first();
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    // 45% across the drawing is just past 2 minutes of the 5 (its plot starts 72 of 760 units in)
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
    const tooltip = page.locator("#tooltip");
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    expect(((await tooltip.textContent()) ?? "").split("\n").map((l) => l.split(":")[0])).toEqual(["at 2m", SERIES_NAMES.real, SERIES_NAMES.before, SERIES_NAMES.after]);
    await page.screenshot({ path: join(ARTIFACTS, "calibration.png"), fullPage: true });
    });
  }, 60_000);

  it("draws a stream's records behind per shard with its peak marked, cold starts over time, and tooltips on both", async () => {
    const scenario = scenarioFrom(`
name: behind
source: { type: kinesis, ShardCount: 2 }
traffic:
  - { rate: 1000/s, from: 0s, to: 20s, key: hot }
  - { rate: 40/s, from: 0s, to: 20s, keys: 16 }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { duration: { base: 500ms }, coldStart: 700ms }
`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "stream-report.html");
    writeFileSync(file, renderHtml(simulate(scenario)));
    await inChromium(file, async (page) => {
    const chart = page.locator("#chart-recordsBehindByShard");
    await chart.scrollIntoViewIfNeeded();
    expect(await chart.locator("path.series").count()).toBe(2);
    expect(await chart.locator("circle.peak").count()).toBe(1);
    expect(await chart.locator(".peak-note").textContent()).toMatch(/^Peak: [\d,]+ records behind on shardId-00000000000\d at \d+s \(samples once a second\)\.$/);
    const box = (await chart.locator("svg").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    const tooltip = page.locator("#tooltip");
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    expect(await tooltip.textContent()).toMatch(/^at \d+s\nshardId-000000000000: [\d,]+\nshardId-000000000001: [\d,]+$/);
    const cold = page.locator("#chart-cold-starts g.bar rect").first();
    await cold.scrollIntoViewIfNeeded();
    const bar = (await cold.boundingBox())!;
    expect(bar.height).toBeGreaterThan(1);
    await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
    await expect.poll(async () => (await tooltip.isVisible()) && (await tooltip.textContent())).toMatch(/^0s to [\d.]+m?s: cold start \d+$/);
    const init = page.locator("#chart-timeline rect.init").first();
    await init.scrollIntoViewIfNeeded();
    const box2 = (await init.boundingBox())!;
    await page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await expect.poll(async () => (await tooltip.isVisible()) && (await tooltip.textContent())).toMatch(/ · cold start, Init Duration 700ms$/);
    await page.screenshot({ path: join(ARTIFACTS, "stream-report.png"), fullPage: true });
    });
  });
});
