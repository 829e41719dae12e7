import { describe, expect, it, vi } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { parseOverride, type Override } from "../src/scenario/overrides.js";
import { runWithTrace } from "./helpers.js";
import { cli, scratch } from "./cli-helpers.js";

const yaml = `name: set
source: { type: sqs }
traffic:
  - { at: 0s, records: 30, keys: 3 }
mapping: { BatchSize: 10 }
expect:
  records.succeeded: { eq: 30 }
`;
const { write } = scratch("esm-sim-set-");
const file = write("s.yaml", yaml);

function withSets(...args: string[]) {
  const overrides = args.map((a) => parseOverride(a) as Override);
  const r = parseScenario(yaml, "s.yaml", { overrides });
  return r;
}

describe("--set overrides", () => {
  it("reads a value with an unknown YAML tag without a warning from the YAML library on the process's stderr", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const o = parseOverride("name=!bind x") as Override;
      expect(o.value).toBe("x");
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });


  it("changes the batch size the mapping invokes with", () => {
    const r = withSets("mapping.BatchSize=1");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { events } = runWithTrace(r.scenario);
    const sizes = events.filter((e) => e.type === "invoke").map((e) => e.records.length);
    expect(new Set(sizes)).toEqual(new Set([1]));
    expect(sizes.length).toBe(30);
  });

  it("indexes lists, reads values as YAML scalars and creates missing maps", () => {
    const r = withSets("traffic.0.records=7", "traffic.1={ at: 1s, records: 2, key: late }", "mapping.ScalingConfig.MaximumConcurrency=2", "expect.records.succeeded.eq=9");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { events, report } = runWithTrace(r.scenario);
    expect(report.records.produced).toBe(9);
    expect(r.scenario.mapping.maximumConcurrency).toBe(2);
    expect(Math.max(...events.filter((e) => e.type === "invoke").map((e) => e.concurrency))).toBeLessThanOrEqual(2);
    expect(report.expectations.map((e) => [e.path, e.expected, e.passed])).toEqual([["records.succeeded", 9, true]]);
  });

  it("takes a list index in brackets, as problems print paths, the same as a dotted index", () => {
    const bracketed = withSets("traffic[0].records=7", "traffic[1]={ at: 1s, records: 2, key: late }");
    const dotted = withSets("traffic.0.records=7", "traffic.1={ at: 1s, records: 2, key: late }");
    expect(bracketed.ok && dotted.ok).toBe(true);
    if (!bracketed.ok || !dotted.ok) return;
    expect(runWithTrace(bracketed.scenario).report.records.produced).toBe(9);
    expect(bracketed.scenario).toEqual(dotted.scenario);
  });

  it("matches an existing dotted expect key whole", () => {
    const r = withSets("expect.records.succeeded={ gte: 1 }");
    expect(r.ok && r.scenario.expectations.map((e) => [e.path, e.op, e.expected])).toEqual([["records.succeeded", "gte", 1]]);
  });

  it("runs with the override, exits 1 on the expectation it broke, and puts it in the reproduce line", async () => {
    const r = await cli("run", file, "--set", "traffic.0.records=29");
    expect(r.code).toBe(1);
    expect(r.err).toContain("expectation failed: records.succeeded eq 30 (actual 29)");
    expect(r.err).toContain(`reproduce: esm-sim run ${file} --seed 1 --set traffic.0.records=29`);
  });

  it("names the --set in a validation problem instead of a file position", async () => {
    const r = await cli("run", file, "--set", "mapping.BatchSize=20000", "--set", "mapping.BatchSiz=5");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--set mapping.BatchSize=20000 mapping.BatchSize: must be an integer 1..10,000 (got 20000)");
    expect(r.err).toContain('--set mapping.BatchSiz=5 mapping.BatchSiz: unknown key (did you mean "BatchSize"?)');
    expect(r.err).toContain("2 problems found; nothing was run");
  });

  it("says a number that is both too large and not a safe integer once, and counts it once", async () => {
    const r = await cli("validate", file, "--set", "seed=1e21", "--set", "mapping.BatchSize=1e300");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "--set seed=1e21 seed: must be an integer 0..4,294,967,295 (got 1e+21)\n--set mapping.BatchSize=1e300 mapping.BatchSize: must be an integer 1..10,000 (got 1e+300)\n2 problems found; nothing was run\n",
    );
  });

  it("says one problem per scaling figure: a NaN, a negative or a fraction where a whole number belongs", async () => {
    const r = await cli("validate", file, "--set", "scaling.scaleTickMs=.nan", "--set", "scaling.initialConcurrency=-1", "--set", "scaling.longPollWaitMs=0.5");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      [
        "--set scaling.scaleTickMs=.nan scaling.scaleTickMs: must be a finite number (or null, for no limit, where the figure allows it) (got NaN)",
        "--set scaling.initialConcurrency=-1 scaling.initialConcurrency: must be a whole number of at least 1 (got -1)",
        "--set scaling.longPollWaitMs=0.5 scaling.longPollWaitMs: must be at least 1 ms (got 0.5)",
        "3 problems found; nothing was run",
        "",
      ].join("\n"),
    );
  });

  it("rejects paths that do not fit the document and malformed arguments, all at once", async () => {
    const r = await cli("run", file, "--set", "traffic.5.rate=1", "--set", "name.x=1");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--set traffic.5.rate=1: traffic is a list of 1 entry: use an index 0..0, or 1 to add an entry (got 5)");
    expect(r.err).toContain('--set name.x=1: name is "set", not a map or a list, so it has no "x"');
    const m = await cli("run", file, "--set", "BatchSize", "--set", "a..b=1");
    expect(m.code).toBe(2);
    expect(m.err).toContain("--set BatchSize: must be <path>=<value>");
    expect(m.err).toContain('--set a..b=1: the path "a..b" has an empty segment');
  });

  it("places a problem in a map it made at the --set, not at a line of the file that has no such map", async () => {
    const r = await cli("validate", file, "--set", "mapping.ProvisionedPollerConfig.MinimumPollers=0", "--set", "function.coldStart.init=later");
    expect([r.code, r.err]).toEqual([
      2,
      [
        "--set function.coldStart.init=later function.coldStart: must be a duration such as 800ms, or { init: 800ms, jitter: 0.2 } (got a map)",
        "--set mapping.ProvisionedPollerConfig.MinimumPollers=0 mapping.ProvisionedPollerConfig.MinimumPollers: must be an integer 2..200 (got 0)",
        "2 problems found; nothing was run",
        "",
      ].join("\n"),
    ]);
    const k = write("k.yaml", "name: k\nsource: { type: kinesis }\ntraffic:\n  - { at: 0s, records: 5 }\nmapping:\n  BatchSize: 100\n  StartingPosition: TRIM_HORIZON\n");
    const other = await cli("validate", k, "--set", "mapping.ScalingConfig.MaximumConcurrency=5");
    expect([other.code, other.err]).toEqual([2, "--set mapping.ScalingConfig.MaximumConcurrency=5 mapping.ScalingConfig: applies to sqs and sqs-fifo sources only, not kinesis\n1 problem found; nothing was run\n"]);
  });

  it("says the indexes a list takes when a bracketed index is not one of them", async () => {
    const negative = await cli("validate", file, "--set", "traffic[-1].rate=1");
    expect([negative.code, negative.err]).toEqual([2, '--set traffic[-1].rate=1: traffic is a list of 1 entry: use an index 0..0, or 1 to add an entry (got "-1")\n1 problem found; nothing was run\n']);
    const empty = await cli("validate", file, "--set", "traffic=[]", "--set", "traffic[3]={ at: 0s, records: 1 }");
    expect(empty.err).toBe("--set traffic[3]={ at: 0s, records: 1 }: traffic is an empty list: use the index 0 to add its first entry (got 3)\n1 problem found; nothing was run\n");
  });

  it("removes a key when the value is empty", () => {
    const r = withSets("mapping=", "expect.records.succeeded=");
    expect(r.ok && [r.scenario.mapping.batchSize, r.scenario.expectations.length]).toEqual([10, 0]);
  });

  it("works on validate too", async () => {
    const r = await cli("validate", file, "--set", "mapping.BatchSize=0");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--set mapping.BatchSize=0 mapping.BatchSize: must be an integer 1..10,000 (got 0)");
  });
});
