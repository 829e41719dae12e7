import { describe, expect, it } from "vitest";
import { paramRows, SOURCE_TYPES } from "../src/scenario/params.js";
import { parseScenario } from "../src/scenario/parse.js";
import { formatProblem } from "../src/scenario/problems.js";
import { RULES } from "../src/scenario/rules.js";

const valid = `name: ok
source:
  type: sqs
traffic:
  - at: 0s
    records: 10
`;

function errorsOf(text: string): string[] {
  const r = parseScenario(text, "s.yaml");
  return r.ok ? [] : r.errors.map(formatProblem);
}

function warningsOf(text: string): string[] {
  return parseScenario(text, "s.yaml").warnings.map(formatProblem);
}

describe("scenario validation", () => {
  it("accepts a minimal scenario", () => {
    expect(errorsOf(valid)).toEqual([]);
  });

  it.each([
    ["an empty file", "", "s.yaml:1:1 the file is empty: a scenario needs at least name, source and traffic"],
    ["a list instead of a map", "- a\n- b\n", "s.yaml:1:1 a scenario must be a map of keys such as name, source, traffic (got a list)"],
    ["broken YAML", "name: [a\n", "s.yaml:"],
    ["an out-of-range BatchSize", valid + "mapping:\n  BatchSize: 20000\n", "s.yaml:8:14 mapping.BatchSize: must be an integer 1..10,000 (got 20000)"],
    ["a unit typo in a duration", valid.replace("at: 0s", "at: 5 mins"), 's.yaml:5:9 traffic[0].at: must be a duration such as 250ms, 30s, 5m, 2h, 7d, or a number of seconds (got "5 mins")'],
    [
      "a duration too long for virtual time",
      valid.replace("at: 0s", "at: 1e+308"),
      "s.yaml:5:9 traffic[0].at: must be at most 9,007,199,254 s (about 285 years: esm-sim keeps virtual time in whole microseconds) (got 1e+308)",
    ],
    ["a duration with a unit too long for virtual time", valid.replace("at: 0s", "at: 300000000000d"), 'traffic[0].at: must be at most 9,007,199,254 s (about 285 years: esm-sim keeps virtual time in whole microseconds) (got "300000000000d")'],
    ["NaN", valid + "seed: .nan\n", "s.yaml:7:7 seed: must be an integer 0..4,294,967,295 (got NaN)"],
    ["a huge number", valid + "function:\n  Timeout: 1e400\n", "s.yaml:8:12 function.Timeout: must be an integer 1..900 (got Infinity)"],
    ["an unknown key with a suggestion", valid + "mapping:\n  BatchSze: 10\n", 's.yaml:8:3 mapping.BatchSze: unknown key (did you mean "BatchSize"?)'],
    ["a missing source", "name: x\ntraffic:\n  - at: 0s\n    records: 1\n", "s.yaml:1:1 source: is required"],
    ["BatchSize above 10 without a window", valid + "mapping:\n  BatchSize: 100\n", "s.yaml:8:3 mapping.MaximumBatchingWindowInSeconds: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10 (BatchSize is 100, window is 0)"],
    ["a function timeout above the visibility timeout", valid.replace("type: sqs", "type: sqs\n  VisibilityTimeout: 30") + "function:\n  Timeout: 60\n", "s.yaml:9:12 function.Timeout: Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"],
    ["a stream-only mapping key on SQS", valid + "mapping:\n  ParallelizationFactor: 2\n", "s.yaml:8:26 mapping.ParallelizationFactor: applies to kinesis and dynamodb sources, not sqs"],
    ["an on-failure destination on SQS", valid + "mapping:\n  DestinationConfig: { OnFailure: { Destination: arn:x } }\n", "mapping.DestinationConfig: Unsupported DestinationConfig parameter for given event source mapping type."],
    ["a steady producer with no end", "name: x\nsource: { type: sqs }\ntraffic:\n  - rate: 10/s\n", "s.yaml:4:11 traffic[0].rate: a steady producer needs `to` (when it stops) unless the scenario sets `until`"],
    ["an unknown expectation field", valid + "expect:\n  records.dlqq: { eq: 0 }\n", 's.yaml:8:17 expect.records.dlqq: is not a report field (did you mean "records.dlq"?)'],
    [
      "an expectation on a group of fields",
      valid + "expect:\n  duplicatesByCause: { eq: 0 }\n",
      "s.yaml:8:22 expect.duplicatesByCause: is a group of report fields, not one; name one of them: duplicatesByCause.visibilityTimeout, duplicatesByCause.duplicateDelivery, duplicatesByCause.checkpointRewind, duplicatesByCause.producerRetry",
    ],
    ["an order check on drained, which is true or false", valid + "expect:\n  drained: { gt: true }\n", "s.yaml:8:18 expect.drained.gt: drained is true or false, which has no order: check it with eq or ne (got gt)"],
    ["too much traffic", "name: x\nsource: { type: sqs }\ntraffic:\n  - { rate: 1000000/s, from: 0s, to: 7d }\n", "would produce about 604,800,000,000 records"],
    ["a YAML alias bomb", 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n', "cannot expand the YAML"],
  ])("rejects %s", (_what, text, expected) => {
    const errs = errorsOf(text);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.join("\n")).toContain(expected);
  });

  it("reports every problem at once, in file order", () => {
    const errs = errorsOf(`name: x
source:
  type: sqs
  VisibilityTimeout: 99999
traffic:
  - at: 0s
    records: 0
mapping:
  BatchSize: 0
  Bogus: 1
`);
    expect(errs).toEqual([
      "s.yaml:4:22 source.VisibilityTimeout: must be an integer 0..43,200 (got 99999)",
      "s.yaml:7:14 traffic[0].records: must be an integer 1..5,000,000, the most records esm-sim holds waiting at once (about 1 GB of memory); split a larger burst into bursts at different times, or use a steady rate (got 0)",
      "s.yaml:9:14 mapping.BatchSize: must be an integer 1..10,000 (got 0)",
      's.yaml:10:3 mapping.Bogus: unknown key (allowed: BatchSize, MaximumBatchingWindowInSeconds, FunctionResponseTypes, FilterCriteria, ScalingConfig, ProvisionedPollerConfig, Enabled)',
    ]);
  });

  it("warns about a visibility timeout below 6 x timeout + window, a low maxReceiveCount, and an ignored partial rule", () => {
    const w = warningsOf(`name: x
source:
  type: sqs
  VisibilityTimeout: 30
  RedrivePolicy: { maxReceiveCount: 2 }
traffic:
  - at: 0s
    records: 1
function:
  Timeout: 10
  failures:
    - effect: partial
`);
    expect(w).toEqual([
      "s.yaml:4:22 warning: source.VisibilityTimeout: 30 s is below 6 x function Timeout (10 s) + MaximumBatchingWindowInSeconds (0 s) = 60 s, which AWS recommends so throttled batches can be retried before their messages reappear",
      "s.yaml:5:37 warning: source.RedrivePolicy.maxReceiveCount: 2 is below 5, which AWS recommends so that throttles and back-off alone do not move valid messages to the DLQ",
      "s.yaml:12:15 warning: function.failures[0].effect: partial has no effect without FunctionResponseTypes: [ReportBatchItemFailures] on the mapping: AWS ignores the batchItemFailures and deletes every message as succeeded",
    ]);
  });

  it("converts AWS names and units once, with AWS defaults", () => {
    const r = parseScenario(valid, "s.yaml");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.scenario;
    if (s.source.type !== "sqs") throw new Error("expected an sqs source");
    expect(s.source.visibilityTimeoutUs).toBe(30_000_000);
    expect(s.source.retentionUs).toBe(345_600_000_000);
    expect(s.mapping.batchSize).toBe(10);
    expect(s.mapping.batchingWindowUs).toBe(0);
    expect(s.fn.timeoutUs).toBe(3_000_000);
    expect(s.accountConcurrency).toBe(1000);
    expect(s.profileName).toBe("current");
    expect(s.figures.scaleUpPerMinute).toBe(300);
  });

  it("refuses each AWS setting written for a source type it does not apply to, naming the types it applies to", () => {
    // A rule of its own speaks for these, with AWS's text or the fixed value.
    const own = ["mapping.DestinationConfig"];
    const seen = new Set<string>();
    for (const row of paramRows()) {
      const [section, key] = row.path.split(".");
      if (seen.has(`${section}.${key}`) || own.includes(`${section}.${key}`)) continue;
      seen.add(`${section}.${key}`);
      for (const type of SOURCE_TYPES.filter((t) => !(row.sources as readonly string[]).includes(t))) {
        const mapping = type === "kinesis" || type === "dynamodb" ? "  StartingPosition: LATEST\n" : "";
        const text = `name: x\nsource:\n  type: ${type}\n${section === "source" ? `  ${key}: 1\n` : ""}traffic:\n  - { at: 0s, records: 1 }\nmapping:\n${mapping}${section === "mapping" ? `  ${key}: 1\n` : ""}`;
        const where = row.sources.length === 1 ? `${row.sources[0]} sources only` : `${row.sources.join(" and ")} sources`;
        expect(errorsOf(text).join("\n"), `${row.path} on ${type}`).toContain(`${section}.${key}: applies to ${where}`);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it("names each rule across keys, says what it holds a scenario to, and links the AWS page that says so", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of RULES) {
      expect(r.says, r.name).not.toBe("");
      if (r.url !== null) expect(r.url, r.name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });
});
