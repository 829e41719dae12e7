import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { escapeHtml, renderHtml } from "../src/report/html.js";
import { renderTable } from "../src/report/table.js";
import { simulate } from "../src/run/simulate.js";
import type { RunResult } from "../src/run/result.js";
import { golden } from "./golden-helper.js";
import { scenarioFrom } from "./helpers.js";

const mixed = scenarioFrom(readFileSync(join(__dirname, "golden", "mixed.yaml"), "utf8"), "test/golden/mixed.yaml");

/** The skeleton of an HTML report: headings, charts with what each drew, expectation marks. */
function structure(html: string): string {
  const out: string[] = [];
  out.push(`title: ${html.match(/<title>(.*?)<\/title>/)![1]}`);
  out.push(`h1: ${html.match(/<h1>(.*?)<\/h1>/)![1]}`);
  for (const m of html.matchAll(/<h2>(.*?)<\/h2>/g)) out.push(`h2: ${m[1]}`);
  for (const m of html.matchAll(/<li class="(pass|fail)">/g)) out.push(`expectation: ${m[1]}`);
  out.push(`cards: ${(html.match(/class="card( bad)?"/g) ?? []).length}`);
  for (const f of html.matchAll(/<figure class="chart" id="([^"]+)" data-kind="([^"]+)"><figcaption>(.*?)<\/figcaption>(.*?)<\/figure>/gs)) {
    const body = f[4];
    const count = (re: RegExp) => (body.match(re) ?? []).length;
    out.push(`chart ${f[1]} (${f[2]}): ${f[3]} | series ${count(/<path class="series"/g)} | bars ${count(/<g class="bar"/g)} | invocations ${count(/<rect class="inv"/g)} | throttles ${count(/<rect class="inv throttle"/g)} | legend ${count(/<span><i /g)} | data ${count(/class="chart-data"/g)}`);
  }
  out.push(`scripts: ${(html.match(/<script/g) ?? []).length}, tooltip: ${html.includes('<div id="tooltip" role="tooltip" hidden></div>')}`);
  return out.join("\n") + "\n";
}

describe("HTML report", () => {
  const result = simulate(mixed);
  const html = renderHtml(result, { reproduce: "esm-sim run test/golden/mixed.yaml --seed 7" });

  it("has the golden structure", () => golden("mixed.html-structure.txt", structure(html)));

  it("gives identical bytes for the same run", () => {
    expect(renderHtml(simulate(mixed), { reproduce: "esm-sim run test/golden/mixed.yaml --seed 7" })).toBe(html);
  });

  it("needs no network: no external src, href, url() or import", () => {
    expect(html.match(/\s(src|href)=["'](?!data:)/g)).toBeNull();
    expect(html).not.toMatch(/url\(|@import|<iframe|<link rel="stylesheet"/);
  });

  it("escapes user text in content, attributes and embedded data", () => {
    const evil = scenarioFrom(`
name: "<img src=x onerror=alert(1)>"
description: "</script><script>alert(2)</script> & ' \\""
source: { type: sqs }
traffic: [{ at: 0s, records: 3 }]
`);
    // QueueName is validated by AWS's rules, so the hostile queue name is planted in the model directly.
    (evil.source as { queueName: string }).queueName = "q</script>";
    const r = simulate(evil);
    r.report.series = { ...r.report.series, ...({ perShard: { "</script><b>": [[0, 1], [5, 2]] } } as object) } as typeof r.report.series;
    const h = renderHtml(r);
    expect(h).not.toContain("<img");
    expect(h).not.toContain("<b>");
    expect(h).toContain("&lt;img src=x onerror=alert(1)&gt;");
    // only the page's own script elements close
    expect((h.match(/<\/script>/g) ?? []).length).toBe((h.match(/<script/g) ?? []).length);
    expect(escapeHtml(`<a href="x" title='y'>&`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;");
  });

  it("draws any series a source adds: per-shard maps get one line each, new keys their own chart and sparkline", () => {
    const r: RunResult = simulate(mixed);
    const extra = {
      waitingByPartition: { "partition-0": [[0, 0], [1000, 500], [2000, 1500]], "partition-1": [[0, 0], [1000, 0], [2000, 100]] },
      writesPerSecond: [[0, 3], [1000, 4]],
    };
    r.report.series = { ...r.report.series, ...extra } as unknown as typeof r.report.series;
    const h = renderHtml(r);
    const mapChart = h.match(/<figure class="chart" id="chart-waitingByPartition" data-kind="line"><figcaption>waiting by partition<\/figcaption>(.*?)<\/figure>/s);
    expect(mapChart).not.toBeNull();
    expect([...mapChart![1].matchAll(/data-series="([^"]+)"/g)].map((m) => m[1])).toEqual(["partition-0", "partition-1"]);
    expect(h).toContain('<figure class="chart" id="chart-writesPerSecond" data-kind="line"><figcaption>writes per second</figcaption>');
    const table = renderTable(r.report, { color: false });
    expect(table).toMatch(/ waiting by partition partition-0 +[▁-█]{48} +0\.\.1,500/);
    expect(table).toMatch(/ writes per second +[▁-█]{48} +0\.\.4/);
  });

  it("draws a queue's series only for a queue and a stream's only for a stream", () => {
    const q: RunResult = simulate(mixed);
    q.report.series = { ...q.report.series, iteratorAgeByShard: { "shardId-000000000000": [[0, 0], [1000, 500]] } } as unknown as typeof q.report.series;
    const qh = renderHtml(q);
    expect(qh).toContain('id="chart-backlog"');
    expect(qh).not.toContain('id="chart-iteratorAgeByShard"');
    const s = simulate(scenarioFrom("name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 20s, keys: 8 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n"));
    const sh = renderHtml(s);
    expect(sh).toContain('id="chart-iteratorAgeByShard"');
    for (const queueOnly of ['id="chart-backlog"', 'id="chart-oldestAge"', "No samples", "dead-letter queue", "dlq 0"]) expect(sh).not.toContain(queueOnly);
    expect(sh).toContain("Invocation timeline by shard");
    expect(sh).toMatch(/data-tip="invocation 1 · shard \d+ · /);
  });

  it("charts records behind per shard, the run's peak marked and named; many shards: the top five and the rest as one line", () => {
    const run = (shards: number) =>
      simulate(
        scenarioFrom(`
name: behind
source: { type: kinesis, ShardCount: ${shards} }
traffic:
  - { rate: 1000/s, from: 0s, to: 20s, key: hot }
  - { rate: 200/s, from: 0s, to: 20s, keys: 64 }
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 100 }
function: { duration: { base: 500ms } }
`),
      );
    const two = run(2);
    const rb = two.report.stream!.recordsBehind;
    expect(rb.max).toBeGreaterThan(0);
    const h = renderHtml(two);
    const chart = h.match(/<figure class="chart" id="chart-recordsBehindByShard" data-kind="line"><figcaption>Records behind per shard[^<]*<\/figcaption>(.*?)<\/figure>/s);
    expect(chart).not.toBeNull();
    expect([...chart![1].matchAll(/data-series="([^"]+)"/g)].map((m) => m[1])).toEqual(["shardId-000000000000", "shardId-000000000001"]);
    expect(chart![1]).toContain(`<p class="note peak-note">Peak: ${rb.max.toLocaleString("en-US")} records behind on ${rb.maxShard} at `);
    expect(chart![1].match(/<circle class="peak"/g)).toHaveLength(1);
    expect(h).toContain(`<div class="v">${rb.max.toLocaleString("en-US")}</div><div class="l">records behind max</div>`);

    const many = run(12);
    const hot = many.report.stream!.recordsBehind.maxShard!;
    const lines = [...renderHtml(many).match(/id="chart-recordsBehindByShard"(.*?)<\/figure>/s)![1].matchAll(/data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(lines).toHaveLength(6);
    expect(lines).toContain(hot);
    expect(lines[5]).toBe("others (largest of 7)");
  });

  it("gives the cold starts in the summary when the function models them, and nothing otherwise", () => {
    const run = (coldStart: string) => simulate(scenarioFrom(`name: c\nsource: { type: sqs }\ntraffic: [{ rate: 20/s, from: 0s, to: 5s }]\nfunction: { duration: { base: 100ms }${coldStart} }\n`));
    const cold = run(", coldStart: 700ms");
    const n = cold.report.coldStarts!.count;
    expect(n).toBeGreaterThan(0);
    const h = renderHtml(cold);
    expect(h).toContain(`<div class="v">${n}</div><div class="l">cold starts</div>`);
    expect(h).toContain(`<p class="cold-starts">cold starts: ${n} invocation${n === 1 ? "" : "s"} started a new execution environment; Init Duration avg 700ms, max 700ms</p>`);
    const warm = renderHtml(run(""));
    expect(warm).not.toContain("cold start");
    expect(warm).not.toContain('id="chart-cold-starts"');
  });

  it("charts cold starts over time and marks each Init phase on the invocation timeline", () => {
    const cold = simulate(scenarioFrom("name: c\nsource: { type: sqs }\ntraffic: [{ rate: 50/s, from: 0s, to: 5s }, { at: 2m, records: 40 }]\nfunction: { duration: { base: 300ms }, coldStart: 500ms }\n"));
    const n = cold.report.coldStarts!.count;
    expect(n).toBeGreaterThan(1);
    const h = renderHtml(cold);
    const chart = h.match(/<figure class="chart" id="chart-cold-starts" data-kind="bars"><figcaption>Cold starts \(invocations that started a new execution environment\) \(per [^)]+\)<\/figcaption>(.*?)<\/figure>/s);
    expect(chart).not.toBeNull();
    // Every cold start is in one bar: the bars' counts add up to the report's.
    const counted = [...chart![1].matchAll(/data-tip="[^"]*: cold start (\d+)"/g)].reduce((a, m) => a + Number(m[1]), 0);
    expect(counted).toBe(n);
    const timeline = h.match(/id="chart-timeline"(.*?)<\/figure>/s)![1];
    expect(timeline.match(/<rect class="init" data-tip="invocation \d+ · poller \d+ · [^"]* · cold start, Init Duration 500ms"/g)).toHaveLength(n);
    expect(timeline).toContain("cold start (Init phase)");
  });

  it("leaves the timeline out of a large run and says why", () => {
    const big = simulate(scenarioFrom("name: big\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 2100 }]\nmapping: { BatchSize: 1 }\nfunction: { duration: { base: 1ms } }\n"));
    const h = renderHtml(big);
    expect(h).toContain('<figure class="chart" id="chart-timeline" data-kind="none"><figcaption>Invocation timeline</figcaption><p class="note">Left out: the run had 2,100 invocations');
  });
});

describe("HTML report of a run too short to sample", () => {
  it("says there are no samples instead of drawing empty charts", () => {
    const r = simulate(scenarioFrom("name: tiny\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 1 }]\nfunction: { duration: { base: 1ms } }\n"));
    expect(r.report.series.concurrency).toEqual([]);
    const h = renderHtml(r);
    expect(h).toContain('<figure class="chart" id="chart-concurrency" data-kind="none"><figcaption>Concurrency (concurrent invocations)</figcaption><p class="note">No samples');
    expect(h).toContain("Invocation timeline by poller (1 invocation)");
  });
});
