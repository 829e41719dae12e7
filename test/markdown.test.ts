import { describe, expect, it } from "vitest";
import { code, escapeMd, renderMarkdown } from "../src/report/markdown.js";
import { simulate } from "../src/run/simulate.js";
import { cli, scratch } from "./cli-helpers.js";
import { scenarioFrom } from "./helpers.js";

const kinesisRun = (fn: string) =>
  simulate(
    scenarioFrom(`
name: cold
source: { type: kinesis, ShardCount: 2 }
traffic: [{ rate: 20/s, from: 0s, to: 10s, keys: 8 }]
mapping: { StartingPosition: TRIM_HORIZON, BatchSize: 10 }
function: { duration: { base: 100ms }${fn} }
`),
  ).report;

describe("markdown report", () => {
  it("escapes user text so it cannot add markup, HTML or table cells", () => {
    expect(escapeMd("- a | b *c* <script>x</script> & [l](u)\nnext")).toBe("\\- a \\| b \\*c\\* &lt;script&gt;x&lt;/script&gt; &amp; \\[l\\](u) next");
    expect(escapeMd("4.46s")).toBe("4.46s");
    expect(escapeMd("1. item")).toBe("\\1. item");
    expect(code("a`b")).toBe("``a`b``");
  });

  it("run --format markdown leads with a failed expectation and exits 1", async () => {
    const { write } = scratch("esm-sim-md-");
    const f = write("m.yaml", "name: m\nsource: { type: sqs }\ntraffic: [{ at: 0s, records: 5 }]\nexpect:\n  records.succeeded: { eq: 5 }\n  records.dlq: { gt: 0 }\n");
    const r = await cli("run", f, "--format", "markdown");
    expect(r.code).toBe(1);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("### ❌ esm-sim · m: 1 of 2 expectations failed");
    expect(lines.slice(2, 5)).toEqual(["> [!CAUTION]", "> ❌ `records.dlq` expected > 0, actual **0**  ", `> reproduce: \`esm-sim run ${f} --seed 1\``]);
    expect(r.out).toContain("| ❌ | `records.dlq` | > 0 | **0** |\n| ✅ | `records.succeeded` | = 5 | 5 |");
    const ok = await cli("run", f, "--format", "markdown", "--set", "expect.records.dlq.gt=-1");
    expect(ok.code).toBe(0);
    expect(ok.out.split("\n")[0]).toBe("### ✅ esm-sim · m: all 2 expectations passed");
    expect(ok.out).not.toContain("[!CAUTION]");
  });

  it("gives the cold starts and their Init Duration when the function models them, and says nothing otherwise", () => {
    const cold = kinesisRun(", coldStart: 800ms");
    expect(cold.coldStarts!.count).toBeGreaterThan(0);
    const md = renderMarkdown(cold);
    expect(md).toContain(`| cold starts | ${cold.coldStarts!.count} | Init Duration avg / max | 800ms / 800ms |`);
    expect(renderMarkdown(kinesisRun(""))).not.toMatch(/cold start|Init Duration/);
  });

  it("a stream report gives the peak of records behind with its shard and time", () => {
    const r = kinesisRun("");
    const rb = r.stream!.recordsBehind;
    const md = renderMarkdown(r);
    expect(md).toMatch(rb.maxShard === null ? /\| records behind max \| 0 \|/ : new RegExp(`\\| records behind max \\| ${rb.max} on ${rb.maxShard} at [\\dms. ]+ \\|`));
    expect(md).toMatch(/^records behind shardId-000000000000 +[▁-█]{48} +0\.\.\d+$/m);
  });
});
