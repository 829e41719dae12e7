/**
 * Reports fit their source: a Kinesis or DynamoDB run shows no queue rows, charts or words (dead-letter queue,
 * messages visible + in flight, the oldest message, "No samples" panels), a queue run no stream rows; the JSON report has the
 * `sqs` section for queues only and the `stream` section for streams only.
 */
import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/html.js";
import { renderJson } from "../src/report/json.js";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderTable } from "../src/report/table.js";
import { simulate } from "../src/run/simulate.js";
import { scenarioFrom } from "./helpers.js";

const kinesis = scenarioFrom(
  "name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }, { at: 5s, records: 1, key: bad }]\nmapping: { StartingPosition: TRIM_HORIZON, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:f' } } }\nfunction: { failures: [{ when: { key: bad }, effect: error }] }\n",
);
const dynamodb = scenarioFrom("name: d\nsource: { type: dynamodb, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n");
const queue = scenarioFrom("name: q\nsource: { type: sqs, VisibilityTimeout: 5, RedrivePolicy: { maxReceiveCount: 2 } }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }, { at: 5s, records: 1, key: bad }]\nfunction: { Timeout: 1, failures: [{ when: { key: bad }, effect: error }] }\n");

const QUEUE_WORDS = [/dead-letter queue/, /visible \+ in flight/i, /oldest message/i, /No samples/, /\bdlq \d/, /visible again \(timeout\)/, /pollers max/, /Invocation timeline by poller/];
const STREAM_WORDS = [/\bdiscarded\b/, /on-failure destination/, /iterator age/i, /IteratorAge/, /Stream errors/, /\bonFailure \d/, /Invocation timeline by shard/, /\bshard\b/i];

function texts(r: ReturnType<typeof simulate>): string[] {
  return [renderTable(r.report, { color: false }), renderMarkdown(r.report), renderHtml(r)];
}

describe("reports that fit the source", () => {
  it.each([
    ["kinesis", kinesis],
    ["dynamodb", dynamodb],
  ])("a %s run shows no queue rows, charts or words", (_name, scenario) => {
    const r = simulate(scenario);
    for (const t of texts(r)) for (const w of QUEUE_WORDS) expect(t).not.toMatch(w);
    const [table, md, html] = texts(r);
    expect(table).toMatch(/^ {2}iterator age shardId-000000000000 +[▁-█]{48}/m);
    expect(table).toMatch(/^│ discarded +│/m);
    expect(md).toContain("| iterator age max / p99 |");
    expect(html).toContain('id="chart-iteratorAgeByShard"');
    expect(html).toContain("Invocation timeline by shard");
    // the JSON report has no sqs section (it would be all zeros); the records' end states are the same for every source
    const json = JSON.parse(renderJson(r.report));
    expect(Object.hasOwn(json, "sqs")).toBe(false);
    expect(json.stream.polls).toBeGreaterThan(0);
    expect(json.records.dlq).toBe(0);
  });

  it("producer retries show in every report, with how many were processed twice, and only when there were some", () => {
    const withRetries = (s: string) => scenarioFrom(s.replace("keys: 8 }", "keys: 8, duplicateSendRate: 0.1 }"));
    for (const [scenario, twice] of [
      [withRetries("name: k\nsource: { type: kinesis, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n"), true],
      [withRetries("name: q\nsource: { type: sqs }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }]\n"), true],
      [withRetries("name: d\nsource: { type: dynamodb, ShardCount: 2 }\ntraffic: [{ rate: 20/s, from: 0s, to: 30s, keys: 8 }]\nmapping: { StartingPosition: TRIM_HORIZON }\n"), false],
    ] as const) {
      const r = simulate(scenario);
      const p = (r.report.stream ?? r.report.sqs)!;
      expect(p.producerRetries).toBeGreaterThan(30);
      expect(p.producerDuplicates).toBe(twice ? p.producerRetries : 0);
      const [table, md, html] = texts(r);
      expect(table).toContain(`producer retries: ${p.producerRetries}`);
      expect(md).toContain(`| producer retries / processed twice | ${p.producerRetries} / ${p.producerDuplicates} |`);
      expect(html).toContain("producer retries");
    }
    for (const t of texts(simulate(kinesis))) expect(t).not.toContain("producer retries");
  });

  it("a DynamoDB run shows no Kinesis write limits; a Kinesis run does", () => {
    expect(renderTable(simulate(dynamodb).report, { color: false })).not.toContain("producer throttled writes");
    expect(renderTable(simulate(kinesis).report, { color: false })).toContain("producer throttled writes");
  });

  it("a queue run shows no stream rows, charts or words", () => {
    const r = simulate(queue);
    for (const t of texts(r)) for (const w of STREAM_WORDS) expect(t).not.toMatch(w);
    const [table, md, html] = texts(r);
    expect(table).toContain("dead-letter queue");
    expect(table).toMatch(/conservation: produced \d+ = succeeded \d+ \+ dlq \d+ \+ expired 0 \+ filtered 0 \+ pending 0/);
    expect(md).toContain("| oldest message age max / p99 |");
    expect(html).toContain('id="chart-backlog"');
    expect(html).toContain("Invocation timeline by poller");
    const json = JSON.parse(renderJson(r.report));
    expect(Object.hasOwn(json, "stream")).toBe(false);
    expect(json.sqs.polls).toBeGreaterThan(0);
    // the queue's section sits where it always has, after throughput
    const keys = Object.keys(json);
    expect(keys[keys.indexOf("throughput") + 1]).toBe("sqs");
  });

  it.each([
    ["reserved concurrency 0", "function: { Timeout: 1, ReservedConcurrentExecutions: 0 }\nuntil: 2m\n"],
    ["every message to the DLQ", "function: { Timeout: 1, failures: [{ when: { key: a }, effect: error }] }\n"],
  ])("a run where no record succeeded (%s) says so for latency and throughput, not 0s and 0/s; the JSON keeps its zeros", (_name, rest) => {
    const r = simulate(scenarioFrom(`name: none\nsource: { type: sqs, VisibilityTimeout: 2, RedrivePolicy: { maxReceiveCount: 2 } }\ntraffic: [{ at: 0s, records: 5, key: a }]\n${rest}`));
    expect(r.report.records.succeeded).toBe(0);
    const [table, md, html] = texts(r);
    expect(table).toMatch(/│ latency +│ +none succeeded │/);
    expect(table).toMatch(/│ throughput +│ +none succeeded │/);
    expect(table).not.toMatch(/latency (p50|p99|max)/);
    expect(md).toContain("| latency p50 / p99 | none succeeded |");
    expect(md).toContain("| throughput | none succeeded |");
    expect(html).toContain('<div class="v">none succeeded</div><div class="l">latency p99</div>');
    expect(r.report.latency).toEqual({ p50: 0, p99: 0, max: 0 });
    expect(r.report.throughput.recordsPerSecond).toBe(0);
  });

  it("a run where a record succeeded shows its latency and throughput as numbers", () => {
    const table = renderTable(simulate(queue).report, { color: false });
    expect(table).toMatch(/│ latency p50 +│ +\d/);
    expect(table).not.toContain("none succeeded");
  });
});
