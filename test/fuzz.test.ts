/**
 * Fuzzing the scenario loader: thousands of generated and mutated YAML documents (wrong types, missing and unknown
 * keys, huge/negative/NaN/infinite numbers, deep nesting, anchors and aliases, bombs, binary junk, empty files,
 * BOMs, very long strings). Each must end in a scenario or in problems that each carry a position and a message:
 * never a throw, never a stack trace, never seconds of work. Documents that load and are small enough are run too,
 * and must conserve every record. A few go through the CLI for exit codes.
 *
 * Budget: ESM_SIM_FUZZ_CASES (default 500) sets the documents per family: that many structured mutations, text
 * edits and junk documents, a sixth as many attacks (large inputs) and a third as many valid scenarios (which are
 * run): about 1,800 documents by default. `npm run test:long` runs many more from a random seed (ESM_SIM_FUZZ_SEED
 * replays one).
 */
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../src/cli/main.js";
import { simulate } from "../src/run/simulate.js";
import { parseScenario } from "../src/scenario/parse.js";
import { isStreamSource } from "../src/scenario/model.js";
import { producerEndUs, producerRecords } from "../src/sources/config.js";
import type { Scenario } from "../src/scenario/model.js";
import { scenarioArb, toYaml } from "./gen/scenarios.js";
import { shippedScenarios } from "./helpers.js";

const CASES = Number(process.env.ESM_SIM_FUZZ_CASES ?? 500);
const seedVar = process.env.ESM_SIM_FUZZ_SEED ?? "7";
const SEED = seedVar === "random" ? undefined : Number(seedVar);
/** A case slower than this is a hang, not a slow machine. */
const CASE_MS_MAX = 3000;
const params = (share: number) => ({ numRuns: Math.max(1, Math.round(CASES * share)), seed: SEED, endOnFailure: true });
const TIMEOUT_MS = 60_000 + CASES * 100;

const stats = { cases: 0, ok: 0, refused: 0, ran: 0, slowestMs: 0, slowest: "" };

/** Load a text; assert it ends well and quickly; run it if it loads and is small. */
function loadsCleanly(text: string): void {
  stats.cases++;
  const t0 = performance.now();
  let r: ReturnType<typeof parseScenario>;
  try {
    r = parseScenario(text, "fuzz.yaml");
  } catch (e) {
    throw new Error(`parseScenario threw ${(e as Error).name}: ${(e as Error).message}\n--- input (${text.length} chars) ---\n${text.slice(0, 2000)}`);
  }
  const ms = performance.now() - t0;
  if (ms > stats.slowestMs) {
    stats.slowestMs = ms;
    stats.slowest = text.slice(0, 80);
  }
  if (ms > CASE_MS_MAX) throw new Error(`parseScenario took ${ms.toFixed(0)} ms\n--- input (${text.length} chars) ---\n${text.slice(0, 2000)}`);
  if (!r.ok) {
    stats.refused++;
    if (r.errors.length === 0) throw new Error(`refused with no problem listed:\n${text.slice(0, 2000)}`);
    for (const p of [...r.errors, ...r.warnings]) {
      if (!(p.line >= 1 && p.col >= 1) || p.file !== "fuzz.yaml") throw new Error(`a problem without a position: ${JSON.stringify(p)}`);
      if (typeof p.message !== "string" || p.message.trim() === "") throw new Error(`a problem without a message: ${JSON.stringify(p)}`);
      if (/\n\s+at .*:\d+:\d+/.test(p.message) || /\bundefined\b|\[object Object\]/.test(p.message)) throw new Error(`a problem message that leaks internals: ${p.message}`);
    }
    return;
  }
  stats.ok++;
  if (smallEnough(r.scenario)) {
    stats.ran++;
    const { report } = simulate(r.scenario);
    const x = report.records;
    expect(x.produced).toBe(x.succeeded + x.onFailure + x.dlq + x.expired + x.filtered + x.pending);
  }
}

/** Few records and a short span, so a loaded document can be run in milliseconds. */
function smallEnough(s: Scenario): boolean {
  let records = 0;
  let endUs = 0;
  for (const p of s.traffic) {
    records += producerRecords(p);
    endUs = Math.max(endUs, producerEndUs(p));
  }
  const horizonUs = s.untilUs ?? endUs + s.source.retentionUs + (isStreamSource(s.source) ? 0 : s.source.visibilityTimeoutUs);
  return records <= 2000 && horizonUs <= 6 * 3600e6 && s.figures.scaleTickMs >= 100 && s.figures.longPollWaitMs >= 100 && s.figures.throttleRetryMaxMs >= 100;
}

// ---- generators ---------------------------------------------------------------------------------------------

const hostileNumber = fc.constantFrom(NaN, Infinity, -Infinity, -1, -0, 0, 1e308, -1e308, 2 ** 53 + 1, 4_294_967_296, 1e-320, 0.5, 1e9, 123456789012);
const hostileString = fc.oneof(
  fc.constantFrom("", " ", "5 mins", "-5m", "1e400/s", "NaN", "inf", "0x10", "1_000", "10ms10s", "\u0000", "\uFEFF", "${HOME}", "../../etc/passwd", "🙂", "\u202e", "a\nb", "~", "null", "true"),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => "x".repeat(n)),
);
const deep = fc.integer({ min: 1, max: 300 }).map((d) => {
  let v: unknown = 1;
  for (let i = 0; i < d; i++) v = i % 2 ? [v] : { k: v };
  return v;
});
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  hostileString,
  fc.constantFrom(null, true, false, [], {}, [[]], { BatchSize: 1 }),
  deep,
  fc.anything({ maxDepth: 3, maxKeys: 4 }),
);

type Obj = Record<string, unknown>;
const isContainer = (v: unknown): v is Obj | unknown[] => typeof v === "object" && v !== null;

/** Apply one structured mutation at a random path: replace, delete, add an unknown key, or wrap. */
function mutate(doc: Obj, choices: number[], value: unknown, key: string): Obj {
  const root = structuredClone(doc);
  let node: Obj | unknown[] = root;
  let i = 0;
  // Walk down a few levels, choosing children by the given numbers.
  for (; i < choices.length - 1; i++) {
    const keys = Array.isArray(node) ? node.map((_, j) => j) : Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[choices[i] % keys.length];
    const child = (node as Obj)[k as string];
    if (!isContainer(child) || choices[i] % 3 === 0) break;
    node = child as Obj | unknown[];
  }
  const keys = Array.isArray(node) ? node.map((_, j) => j) : Object.keys(node);
  const op = choices[choices.length - 1] % 4;
  const k = keys.length > 0 ? keys[choices[0] % keys.length] : undefined;
  if (op === 0 && k !== undefined) (node as Obj)[k as string] = value;
  else if (op === 1 && k !== undefined) {
    if (Array.isArray(node)) node.splice(k as number, 1);
    else delete (node as Obj)[k as string];
  } else if (op === 2 && !Array.isArray(node)) (node as Obj)[key] = value;
  else if (k !== undefined) (node as Obj)[k as string] = [(node as Obj)[k as string]];
  return root;
}

/** YAML of a value; values the yaml library cannot write are written as JSON text. */
function yamlOf(v: unknown): string {
  try {
    return stringify(v, { lineWidth: 0, aliasDuplicateObjects: true }) ?? "";
  } catch {
    return String(JSON.stringify(v) ?? "");
  }
}

const validDoc = scenarioArb();
const structured = fc
  .tuple(validDoc, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), hostileValue, fc.constantFrom("bogus", "batchSize", "Batchsize", "__proto__", "constructor", "toString", "<<", "", " "))
  .chain(([doc, choices, value, key]) => fc.constant(mutate(doc, choices, value, key)))
  .map(yamlOf);

const shipped = shippedScenarios().map((s) => s.text);
const SNIPPETS = ["&a ", "*a", "!!binary ", "!!set ", "? ", "- ", "{", "}", "[", "]", ", ", ": ", "%YAML 1.2\n", "---\n", "...\n", "\t", "#", "'", '"', "|\n", ">-\n", "<<: *a\n", "\u0000", "\uFEFF", "\r", "\\", "@", "`", "\u00a0", "!<tag:yaml.org,2002:str> "];
const textEdit = fc.oneof(
  fc.tuple(fc.constant("insert" as const), fc.nat(), fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 12 }), fc.string({ unit: "binary", maxLength: 12 }))),
  fc.tuple(fc.constant("delete" as const), fc.nat(), fc.integer({ min: 1, max: 40 })),
  fc.tuple(fc.constant("dupline" as const), fc.nat(), fc.constant(0)),
  fc.tuple(fc.constant("swaplines" as const), fc.nat(), fc.nat()),
);
function applyEdit(text: string, [kind, a, b]: [string, number, unknown]): string {
  const at = text.length === 0 ? 0 : a % (text.length + 1);
  if (kind === "insert") return text.slice(0, at) + String(b) + text.slice(at);
  if (kind === "delete") return text.slice(0, at) + text.slice(at + (b as number));
  const lines = text.split("\n");
  const i = a % lines.length;
  if (kind === "dupline") lines.splice(i, 0, lines[i]);
  else {
    const j = (b as number) % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return lines.join("\n");
}
const textual = fc
  .tuple(fc.oneof(fc.constantFrom(...shipped), validDoc.map(toYaml)), fc.array(textEdit, { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => edits.reduce(applyEdit, text));

const junk = fc.oneof(
  fc.string({ unit: "binary", maxLength: 400 }),
  fc.string({ unit: "grapheme", maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder("utf-8").decode(b)),
  fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder("latin1").decode(b)),
  fc.anything({ maxDepth: 5 }).map(yamlOf),
  fc.constantFrom("", "\uFEFF", "\n\n", "~", "null", "[]", "{}", "---", "...", "- a", "a", "0", "\u0000\u0000"),
);

const attacks = fc.oneof(
  // alias bombs of chosen width and depth
  fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([w, d]) => {
    const lines = [`l0: &l0 [${Array(w).fill("x").join(", ")}]`];
    for (let i = 1; i < d; i++) lines.push(`l${i}: &l${i} [${Array(w).fill(`*l${i - 1}`).join(", ")}]`);
    return lines.join("\n") + "\n";
  }),
  // nesting: flow, block maps, block sequences, compact sequences
  fc.tuple(fc.integer({ min: 10, max: 4000 }), fc.constantFrom("flow", "flowmap", "block", "seq", "compact")).map(([d, kind]) => {
    if (kind === "flow") return "name: [" + "[".repeat(d) + "]".repeat(d) + "]\n";
    if (kind === "flowmap") return "{a: ".repeat(d) + "1" + "}".repeat(d);
    if (kind === "block") return Array.from({ length: Math.min(d, 1400) }, (_, i) => " ".repeat(i) + "a:").join("\n") + " 1\n";
    if (kind === "seq") return Array.from({ length: Math.min(d, 1400) }, (_, i) => " ".repeat(i) + "-").join("\n") + " 1\n";
    return "- ".repeat(d) + "1\n";
  }),
  // size: long strings, many keys, many producers, near and over the 1 MB limit
  fc.tuple(fc.integer({ min: 1, max: 1_100_000 }), fc.constantFrom("name", "keys", "producers", "lines")).map(([n, kind]) => {
    if (kind === "name") return `name: ${"n".repeat(n)}\nsource: {type: sqs}\ntraffic: [{at: 0, records: 1}]\n`;
    if (kind === "keys") return Array.from({ length: Math.min(Math.ceil(n / 10), 100_000) }, (_, i) => `k${i}: ${i}`).join("\n");
    if (kind === "producers") return `name: p\nsource: {type: sqs}\ntraffic:\n${"  - {at: 1s, records: 1}\n".repeat(Math.min(Math.ceil(n / 30), 40_000))}`;
    return "a\n".repeat(Math.ceil(n / 2));
  }),
  // numbers at the edges of every numeric key of a valid scenario
  fc.tuple(validDoc, hostileNumber).map(([doc, x]) => yamlOf(JSON.parse(JSON.stringify(doc), (_, v) => (typeof v === "number" ? x : v)))),
);

const FAMILIES: [string, fc.Arbitrary<string>, number][] = [
  ["valid scenarios with one structured mutation (wrong types, missing and unknown keys, odd numbers)", structured, 1],
  ["valid and shipped scenarios with text edits (YAML indicators, anchors, tags, BOMs, control characters)", textual, 1],
  ["junk: binary, random unicode, random YAML values, empty and near-empty files", junk, 1],
  ["attacks: alias bombs, deep nesting, very long strings and files, numbers at the edges", attacks, 1 / 6],
  ["valid generated scenarios", validDoc.map(toYaml), 1 / 3],
];

describe(`loader fuzzing (${FAMILIES.reduce((n, f) => n + params(f[2]).numRuns, 0)} documents)`, () => {
  it.each(FAMILIES)("%s: every document loads or is refused with positioned problems, quickly", (_, arb, share) => {
    fc.assert(fc.property(arb, loadsCleanly), params(share));
  }, TIMEOUT_MS);

  it("tried enough documents, and kept memory bounded", () => {
    // Runs after the families above (vitest runs a file's tests in order).
    expect(stats.cases).toBeGreaterThanOrEqual(FAMILIES.reduce((n, f) => n + params(f[2]).numRuns, 0));
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.ok).toBeGreaterThan(0);
    expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
    console.log(`fuzz: ${stats.cases} documents, ${stats.ok} loaded (${stats.ran} run), ${stats.refused} refused; slowest ${stats.slowestMs.toFixed(0)} ms (${JSON.stringify(stats.slowest)}); rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
  });
});

describe("hostile files through the CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "esm-sim-fuzz-"));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  async function cli(...args: string[]) {
    let out = "";
    let err = "";
    const code = await main(["node", "esm-sim", ...args], { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
    return { code, out, err };
  }

  it.each([
    ["an empty file", "", 2, /the file is empty/],
    ["binary junk", Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x80, 0x90]), 2, /is not UTF-8 text/],
    ["UTF-16 text with its byte-order mark", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("name: x\n", "utf16le")]), 2, /is UTF-16 text; save it as UTF-8/],
    ["a 2 MB file", "#".repeat(2 * 1024 * 1024), 2, /scenarios are limited to 1048576 bytes/],
    ["an alias bomb", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", 2, /anchors and aliases are limited/],
    ["deep nesting", "[".repeat(3000) + "]".repeat(3000), 2, /nests deeper than 64 levels/],
    ["a BOM before a valid scenario", "\uFEFFname: x\nsource: {type: sqs}\ntraffic: [{at: 0, records: 3}]\n", 0, /^$/],
    ["a valid scenario whose expectation fails", "name: x\nsource: {type: sqs}\ntraffic: [{at: 0, records: 3}]\nexpect: {records.succeeded: {eq: 4}}\n", 1, /expectation failed: records.succeeded eq 4 \(actual 3\)/],
  ] as [string, string | Buffer, number, RegExp][])("%s: the right exit code, a clear message, no stack", async (name, content, code, message) => {
    const p = file(`${name.replace(/\W+/g, "-")}.yaml`, content);
    const r = await cli("run", p);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });
});
