import fc from "fast-check";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../src/api.js";
import type { NamedFile } from "../src/io/input.js";
import { parseScenario, scenarioFiles } from "../src/scenario/parse.js";
import type { Scenario } from "../src/scenario/model.js";
import type { Report } from "../src/run/result.js";
import { runWithTrace } from "./helpers.js";
import { cli, scratch } from "./cli-helpers.js";

const MINUTE = 60_000_000;

/** An export exactly as `aws cloudwatch get-metric-data --output json` prints it: newest first. */
function dataExport(label: string, points: [string, number][], id = "sent"): string {
  const newestFirst = [...points].reverse();
  return `{
    "MetricDataResults": [
        {
            "Id": "${id}",
            "Label": "${label}",
            "Timestamps": [
${newestFirst.map(([t]) => `                "${t}"`).join(",\n")}
            ],
            "Values": [
${newestFirst.map(([, v]) => `                ${Number.isInteger(v) ? v.toFixed(1) : v}`).join(",\n")}
            ],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}
`;
}

/** Five one-minute periods of NumberOfMessagesSent, the third one busiest. */
const FIVE: [string, number][] = [
  ["2026-03-01T09:00:00+00:00", 120],
  ["2026-03-01T09:01:00+00:00", 45],
  ["2026-03-01T09:02:00+00:00", 600],
  ["2026-03-01T09:03:00+00:00", 0],
  ["2026-03-01T09:04:00+00:00", 33],
];
const SUM_FIVE = 120 + 45 + 600 + 0 + 33;

function sqsScenario(entry: string, extra = ""): string {
  return `name: replay
source: { type: sqs, VisibilityTimeout: 60 }
traffic:
  - ${entry}
mapping: { BatchSize: 10 }
function: { duration: { base: 20ms } }
${extra}`;
}

/** Parse with the export given as the file the scenario names. */
function parseWith(yaml: string, exportText: string, file = "export.json") {
  const files = new Map<string, NamedFile>([[file, { file: `data/${file}`, text: exportText }]]);
  return parseScenario(yaml, "replay.yaml", { files });
}

function scenarioWith(yaml: string, exportText: string): Scenario {
  const r = parseWith(yaml, exportText);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.scenario;
}

/** Produced records per minute of virtual time, from the trace's produce events. */
function producedPerMinute(s: Scenario): number[] {
  const { events } = runWithTrace(s);
  const out: number[] = [];
  for (const e of events) {
    if (e.type !== "produce") continue;
    const m = Math.floor(e.tUs / MINUTE);
    while (out.length <= m) out.push(0);
    out[m]++;
  }
  return out;
}

/** The run's own CloudWatch series of a metric, its first five one-minute periods. */
function perMinute(report: Report, metric: string): unknown[] {
  expect(report.cloudwatch.periodSeconds).toBe(60);
  return (report.cloudwatch.series as unknown as Record<string, unknown[]>)[metric].slice(0, 5);
}

describe("fromMetrics replays a CloudWatch export", () => {
  const exp = dataExport("NumberOfMessagesSent Sum", FIVE);

  it("produces exactly the export's sum, each period's count within its minute, the first period at virtual time 0", () => {
    const s = scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent }, keys: 5 }"), exp);
    expect(producedPerMinute(s)).toEqual([120, 45, 600, 0, 33]);
    const { report } = runWithTrace(s);
    expect(report.records.produced).toBe(SUM_FIVE);
    expect(perMinute(report, "NumberOfMessagesSent")).toEqual([120, 45, 600, 0, 33]);
  });

  it("spreads a period's records over the period: evenly by default, at random times with arrival: poisson", () => {
    const even = runWithTrace(scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), exp)).events.filter((e) => e.type === "produce");
    const firstMinute = even.filter((e) => e.tUs < MINUTE).map((e) => e.tUs);
    expect(firstMinute[0]).toBe(0);
    expect(firstMinute[1]).toBe(MINUTE / 120);
    const poisson = runWithTrace(scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent }, arrival: poisson }"), exp)).events.filter((e) => e.type === "produce");
    const times = poisson.map((e) => e.tUs);
    expect(times.length).toBe(SUM_FIVE);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    expect(times.filter((t) => t >= 2 * MINUTE && t < 3 * MINUTE).length).toBe(600);
    expect(new Set(times.slice(0, 120).map((t) => t % (MINUTE / 120))).size).toBeGreaterThan(1);
  });

  it("starts at from and doubles with scale: 2", () => {
    const s = scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent, scale: 2 }, from: 2m }"), exp);
    expect(producedPerMinute(s)).toEqual([0, 0, 240, 90, 1200, 0, 66]);
  });

  it("rounds values that are not whole, carrying the remainder so that the total is the rounded sum", () => {
    const halves = dataExport("NumberOfMessagesSent Sum", [
      ["2026-03-01T09:00:00Z", 0.5],
      ["2026-03-01T09:01:00Z", 0.5],
      ["2026-03-01T09:02:00Z", 0.5],
      ["2026-03-01T09:03:00Z", 0.5],
    ]);
    const s = scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), halves);
    // Running sums 0.5, 1, 1.5, 2 round (half up) to 1, 1, 2, 2: the periods send 1, 0, 1, 0.
    expect(producedPerMinute(s)).toEqual([1, 0, 1]);
    expect(runWithTrace(s).report.records.produced).toBe(2);
  });

  it("sends nothing in the periods the export has no point for", () => {
    const gaps = dataExport("NumberOfMessagesSent Sum", [
      ["2026-03-01T09:00:00Z", 10],
      ["2026-03-01T09:03:00Z", 20],
      ["2026-03-01T09:04:00Z", 5],
    ]);
    const s = scenarioWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), gaps);
    expect(producedPerMinute(s)).toEqual([10, 0, 0, 20, 5]);
  });

  it("replays Kinesis IncomingRecords onto the stream's shards", () => {
    const k = dataExport("IncomingRecords Sum", FIVE, "incoming");
    const r = parseWith(`name: k\nsource: { type: kinesis, ShardCount: 2 }\nmapping: { StartingPosition: TRIM_HORIZON }\ntraffic: [{ fromMetrics: { file: export.json, metric: IncomingRecords }, keys: 50 }]\n`, k);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { report } = runWithTrace(r.scenario);
    expect(report.records.produced).toBe(SUM_FIVE);
    expect(perMinute(report, "IncomingRecords")).toEqual([120, 45, 600, 0, 33]);
  });
});

describe("fromMetrics refuses what it cannot replay", () => {
  const exp = dataExport("NumberOfMessagesSent Sum", FIVE);
  const messages = (r: ReturnType<typeof parseScenario>) => (r.ok ? [] : r.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}: ${e.message}`));

  it("a metric that does not count the records sent to this source, naming the one that does", () => {
    const m = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: IncomingRecords } }"), exp));
    expect(m).toEqual([expect.stringMatching(/^replay\.yaml:4:\d+ traffic\[0\]\.fromMetrics\.metric: must be NumberOfMessagesSent for a sqs source.*IncomingRecords is the Kinesis metric/)]);
    const unknown = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesReceived } }"), exp));
    expect(unknown[0]).toMatch(/must be NumberOfMessagesSent.*"NumberOfMessagesReceived" is not a metric that counts the records put in a source/);
  });

  it("a dynamodb source, saying that DynamoDB Streams publishes no such metric", () => {
    const m = messages(parseWith(`name: d\nsource: { type: dynamodb }\nmapping: { StartingPosition: TRIM_HORIZON }\ntraffic: [{ fromMetrics: { file: export.json, metric: IncomingRecords } }]\n`, exp));
    expect(m).toEqual([expect.stringMatching(/traffic\[0\]\.fromMetrics: cannot replay a dynamodb source: DynamoDB Streams publishes no CloudWatch metric that counts the records written to a stream/)]);
  });

  it("a statistic other than Sum, in the entry or in the export", () => {
    const m = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent, statistic: Average } }"), exp));
    expect(m).toEqual([expect.stringMatching(/traffic\[0\]\.fromMetrics\.statistic: must be Sum: only a period's Sum is the number of records sent in it .*\(got "Average"\)/)]);
    const avg = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), dataExport("NumberOfMessagesSent Average", FIVE)));
    expect(avg).toEqual([expect.stringMatching(/traffic\[0\]\.fromMetrics\.file: data\/export\.json: holds NumberOfMessagesSent as Average only .*ask CloudWatch for Stat Sum/)]);
  });

  it("rate, to, at or records beside fromMetrics", () => {
    const m = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent }, rate: 5/s, to: 1m }"), exp));
    expect(m.map((x) => x.replace(/^\S+ /, "").replace(/:.*/, ""))).toEqual(["traffic[0].rate", "traffic[0].to"]);
  });

  it("an export problem, placed at the scenario's key and at the export's line and column", () => {
    const bad = exp.replace("600.0", '"lots"');
    const m = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), bad));
    expect(m).toEqual([`replay.yaml:4:28 traffic[0].fromMetrics.file: data/export.json:16:17 MetricDataResults[0].Values[2]: must be a finite number (got "lots")`]);
    const negative = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), exp.replace("600.0", "-6")));
    expect(negative[0]).toMatch(/data\/export\.json:16:17 MetricDataResults\[0\]\.Values\[2\]: must be 0 or more: the value is a count of records sent in the period \(got -6\)/);
  });

  it("an export without the metric, listing what it holds and pointing at fromMetrics.id", () => {
    const other = dataExport("Invocations Sum", FIVE, "inv");
    const m = messages(parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), other));
    expect(m[0]).toMatch(/data\/export\.json: holds no NumberOfMessagesSent: it holds Invocations Sum \(result "inv"\); when the result's label and Id do not name NumberOfMessagesSent, name it with fromMetrics\.id/);
    const byId = parseWith(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent, id: m1 } }"), dataExport("orders sent Sum", FIVE, "m1"));
    expect(byId.ok && byId.scenario.traffic[0].kind === "replay" && byId.scenario.traffic[0].plan.total).toBe(SUM_FIVE);
  });

  it("a scenario given as text, whose files were not read", () => {
    const r = parseScenario(sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }"), "replay.yaml");
    expect(messages(r)[0]).toMatch(/fromMetrics\.file: "export\.json" was not read/);
  });
});

describe("fromMetrics files are read beside the scenario, bounded and regular", () => {
  const exp = dataExport("NumberOfMessagesSent Sum", FIVE);

  it("runs from the CLI with the export in a folder next to the scenario", async () => {
    const d = scratch("esm-replay-");
    mkdirSync(join(d.dir, "data"));
    writeFileSync(join(d.dir, "data", "sent.json"), exp);
    const file = d.write("s.yaml", sqsScenario("{ fromMetrics: { file: data/sent.json, metric: NumberOfMessagesSent } }", "expect:\n  records.produced: { eq: 798 }\n"));
    const r = await cli("run", file, "--format", "json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).records.produced).toBe(SUM_FIVE);
    expect(loadScenario(file).traffic[0].kind).toBe("replay");
  });

  it("refuses a missing file, a directory, a device and a huge file, exit 2, at the scenario's key", async () => {
    const d = scratch("esm-replay-bad-");
    mkdirSync(join(d.dir, "folder.json"));
    writeFileSync(join(d.dir, "huge.json"), Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
    symlinkSync("/dev/null", join(d.dir, "device.json"));
    const cases: [string, RegExp][] = [
      ["missing.json", /missing\.json: no such file/],
      ["folder.json", /folder\.json: is a directory, not a CloudWatch export file/],
      ["huge.json", /huge\.json: the file is 16777217 bytes; CloudWatch exports are limited to 16777216 bytes/],
      ["device.json", /device\.json: is a device, not a CloudWatch export file; CloudWatch exports are read from regular files only/],
    ];
    for (const [name, message] of cases) {
      const file = d.write(`${name}.yaml`, sqsScenario(`{ fromMetrics: { file: ${name}, metric: NumberOfMessagesSent } }`));
      const r = await cli("run", file);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`${name}\\.yaml:4:28 traffic\\[0\\]\\.fromMetrics\\.file: \\S*${message.source}`));
    }
  });

  it("names the files a scenario refers to, after --set changes", () => {
    const text = sqsScenario("{ fromMetrics: { file: a.json, metric: NumberOfMessagesSent } }");
    expect(scenarioFiles(text)).toEqual(["a.json"]);
    expect(scenarioFiles(text, [{ arg: "traffic.0.fromMetrics.file=b.json", flag: "--set", path: "traffic.0.fromMetrics.file", value: "b.json" }])).toEqual(["b.json"]);
    expect(scenarioFiles("name: x\nsource: { type: sqs }\ntraffic: [{ rate: 1/s, to: 1m }]\n")).toEqual([]);
  });
});

describe("init --from --metrics", () => {
  it("writes a scenario whose traffic replays the export, named relative to the scenario's folder", async () => {
    const d = scratch("esm-replay-init-");
    const tpl = d.write(
      "template.yaml",
      `Resources:
  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 120 } }
  F: { Type: AWS::Lambda::Function, Properties: { Timeout: 20, Handler: a.b, Runtime: nodejs20.x, Code: { ZipFile: x }, Role: r } }
  M: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F, BatchSize: 10 } }
`,
    );
    const exp = d.write("sent.json", dataExport("NumberOfMessagesSent Sum", FIVE));
    mkdirSync(join(d.dir, "out"));
    const out = join(d.dir, "out", "m.yaml");
    const r = await cli("init", "--from", tpl, "--metrics", relative(process.cwd(), exp), "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const run = await cli("run", out, "--format", "json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).records.produced).toBe(SUM_FIVE);
    expect(readFileSync(out, "utf8")).toMatch(/- fromMetrics: \{ file: \.\.\/sent\.json, metric: NumberOfMessagesSent \}/);
    const written = loadScenario(out);
    expect(written.traffic[0].kind === "replay" && written.traffic[0].plan.file).toBe(join(d.dir, "sent.json"));
  });
});

describe("fuzz: mutated exports never crash the replay", () => {
  it("every mutation parses to a scenario or to placed problems", () => {
    const base = dataExport("NumberOfMessagesSent Sum", FIVE);
    const yaml = sqsScenario("{ fromMetrics: { file: export.json, metric: NumberOfMessagesSent } }");
    const mutation = fc.oneof(
      fc.tuple(fc.nat(base.length), fc.nat(40)).map(([at, n]) => base.slice(0, at) + base.slice(at + n)),
      fc.tuple(fc.nat(base.length), fc.string({ maxLength: 12 })).map(([at, s]) => base.slice(0, at) + s + base.slice(at)),
      fc.tuple(fc.constantFrom("120.0", "45.0", "600.0", "33.0", "0.0"), fc.oneof(fc.double().map(String), fc.integer().map(String), fc.constantFrom("null", '"x"', "[]", "{}", "1e400", "-0"))).map(([v, w]) => base.replace(v, w)),
      fc.tuple(fc.constantFrom("09:00:00", "09:01:00", "09:02:00", "09:04:00"), fc.constantFrom("09:00:30", "08:59:00", "10:00:00", "9", "09:02:00")).map(([t, u]) => base.replace(t, u)),
    );
    fc.assert(
      fc.property(mutation, fc.constantFrom("even", "poisson"), (text, arrival) => {
        const r = parseWith(yaml.replace("NumberOfMessagesSent } }", `NumberOfMessagesSent }, arrival: ${arrival} }`), text);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(e.line).toBeGreaterThan(0);
          return;
        }
        const replay = r.scenario.traffic[0];
        if (replay.kind !== "replay" || replay.plan.total > 2000) return;
        const { report } = runWithTrace(r.scenario);
        expect(report.records.produced).toBe(replay.plan.total);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
