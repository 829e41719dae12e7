/**
 * Fuzzing the command line beyond the scenario loader (test/fuzz.test.ts): generated `--set` paths and values,
 * generated flag lists, mutated CloudFormation templates for `init --from`, and mutated sweep results for `merge`.
 * Every case must end with exit 0, 1 or 2: never an internal error, never a stack trace, never a change to
 * Object.prototype, no warning raised on the process (a library's), and `init` never writes outside its --out-dir.
 *
 * Budget: ESM_SIM_FUZZ_CASES (default 500) / 5 cases per family; `npm run test:long` runs more from a random seed
 * (ESM_SIM_FUZZ_SEED replays one). The last test prints how many each family tried and how they ended.
 */
import fc from "fast-check";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";

const CASES = Math.max(20, Math.round(Number(process.env.ESM_SIM_FUZZ_CASES ?? 500) / 5));
const seedVar = process.env.ESM_SIM_FUZZ_SEED ?? "11";
const SEED = seedVar === "random" ? undefined : Number(seedVar);
const params = { numRuns: CASES, seed: SEED, endOnFailure: true };
const TIMEOUT_MS = 60_000 + CASES * 200;

const dir = mkdtempSync(join(tmpdir(), "esm-sim-fuzz-cli-"));
const SCENARIO = join(dir, "small.yaml");
writeFileSync(
  SCENARIO,
  `name: small
source: { type: sqs, VisibilityTimeout: 30, RedrivePolicy: { maxReceiveCount: 2 } }
traffic: [{ at: 0s, records: 20, keys: 3 }]
mapping: { BatchSize: 5 }
function: { Timeout: 5, duration: { base: 100ms }, failures: [{ when: { probability: 0.2 }, effect: error }] }
`,
);

/** How each family's cases ended: exit code -> count. */
const tally = new Map<string, Map<number, number>>();
const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort().join(",");
const PROTOTYPE = prototypeNames();

/** Warnings a library would print on the process's stderr (past esm-sim's own messages): none may be raised. */
const warnings: string[] = [];
vi.spyOn(process, "emitWarning").mockImplementation((w: string | Error) => void warnings.push(String(w)));

async function endsCleanly(family: string, args: string[]): Promise<void> {
  warnings.length = 0;
  let out = "";
  let err = "";
  const code = await main(["node", "esm-sim", ...args], { out: (s) => (out += s), err: (s) => (err += s), isTty: false });
  const what = `esm-sim ${args.join(" ")}\n${err.slice(0, 2000)}`;
  expect([0, 1, 2], what).toContain(code);
  expect(err, what).not.toMatch(/internal error/);
  expect(err + out, what).not.toMatch(/\n\s+at \S+ \(|\n\s+at file:/);
  if (code === 2) expect(err.trim().length, what).toBeGreaterThan(0);
  expect(prototypeNames(), what).toBe(PROTOTYPE);
  expect(warnings, what).toEqual([]);
  expect(({} as Record<string, unknown>).polluted, what).toBeUndefined();
  const t = tally.get(family) ?? new Map<number, number>();
  t.set(code, (t.get(code) ?? 0) + 1);
  tally.set(family, t);
}

// --set PATH=VALUE: real keys, prototype keys, indexes, odd segments; values of every YAML kind.
const segment = fc.oneof(
  fc.constantFrom("source", "mapping", "function", "traffic", "scaling", "expect", "BatchSize", "VisibilityTimeout", "Timeout", "duration", "base", "records", "0", "1", "-1", "99999"),
  fc.constantFrom("__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf", "polluted", "", " ", "a b", "[0]", "..", "$ref"),
  fc.string({ maxLength: 8 }),
);
const setValue = fc.oneof(
  fc.constantFrom("1", "0", "-1", "1e309", "NaN", "null", "true", "[]", "{}", "{a: 1}", "[1, 2]", "30s", "1h", "x", "", "&a [*a]", "!!binary AAAA", "'__proto__'"),
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
);
const knownPath = fc.constantFrom("mapping.BatchSize", "function.Timeout", "source.VisibilityTimeout", "traffic.0.records", "traffic.0.keys", "function.duration.base", "source.RedrivePolicy.maxReceiveCount", "seed");
const knownValue = fc.oneof(fc.integer({ min: 1, max: 12 }).map(String), fc.constantFrom("200ms", "2s"));
const setArg = fc.oneof(
  fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), setValue).map(([p, v]) => `${p.join(".")}=${v}`),
  fc.tuple(knownPath, fc.oneof(knownValue, setValue)).map(([p, v]) => `${p}=${v}`),
);

// Flags: every flag `run`, `validate` and `sweep` know, and some they don't, with odd values.
const flagValue = fc.oneof(fc.constantFrom("1", "0", "-1", "2", "1e9", "abc", "", "10m", "-5s", "json", "table", "csv", "markdown", "1/2", "3/2", "0/0", "mapping.BatchSize=1,2", "mapping.BatchSize=", "=", "/dev/null", dir), fc.string({ maxLength: 6 }));
const flag = fc.constantFrom("--seed", "--until", "--format", "--set", "--jobs", "--vary", "--shard", "--max-rows", "--check", "--no-color", "--sensitivity", "--cloudwatch", "--bogus", "-x", "--");
const flagList = fc.tuple(fc.constantFrom("run", "validate", "sweep"), fc.array(fc.tuple(flag, fc.option(flagValue, { nil: undefined })), { maxLength: 5 })).map(([cmd, fs]) => {
  const args = [cmd, SCENARIO];
  for (const [f, v] of fs) {
    args.push(f);
    if (v !== undefined) args.push(v);
  }
  // a sweep that runs must stay small: one worker, few rows
  if (cmd === "sweep") args.push("--jobs", "1", "--max-rows", "4");
  return args;
});

// Templates: a CDK-synthesised CloudFormation template with one structured mutation.
const TEMPLATE = JSON.parse(readFileSync(join(__dirname, "fixtures", "templates", "cdk-orders.template.json"), "utf8")) as Record<string, unknown>;
const hostileId = fc.constantFrom("../../escape", "..", "/etc/passwd", "a/b", "__proto__", "constructor", "CON", "x".repeat(300), "", "with space", "\u0000nul");
const hostileLeaf = fc.oneof(
  fc.constantFrom<unknown>(null, -1, 1e309 as number, "", "../x", { Ref: "Missing" }, { "Fn::GetAtt": ["Nope", "Arn"] }, { "Fn::Join": ["", [{ Ref: "AWS::Region" }, "x"]] }, { "Fn::Sub": "${Nope}" }, [], {}, { "Fn::If": ["NoSuchCondition", 1, 2] }),
  fc.string({ maxLength: 10 }),
  fc.integer(),
);
/** Every path to a value in the template (keys and array indexes). */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}
const TEMPLATE_PATHS = paths(TEMPLATE);
const mutatedTemplate = fc
  .tuple(fc.nat({ max: TEMPLATE_PATHS.length - 1 }), fc.constantFrom("replace", "rename", "delete"), hostileLeaf, hostileId)
  .map(([i, how, leaf, id]) => {
    const t = JSON.parse(JSON.stringify(TEMPLATE)) as Record<string, unknown>;
    const path = TEMPLATE_PATHS[i];
    let parent = t as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (how === "replace") parent[last] = leaf;
    else if (how === "delete") delete parent[last];
    else if (!Array.isArray(parent)) {
      const v = parent[last];
      delete parent[last];
      Object.defineProperty(parent, id, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return JSON.stringify(t, null, 1);
  });

// merge: a real sweep result with one structured mutation, or two copies of it.
async function sweepResult(shard: string): Promise<string> {
  let out = "";
  const code = await main(["node", "esm-sim", "sweep", SCENARIO, "--vary", "mapping.BatchSize=1,5", "--shard", shard, "--jobs", "1", "--format", "json"], { out: (s) => (out += s), err: () => {}, isTty: false });
  expect(code).toBeLessThanOrEqual(1);
  return out;
}

describe(`command-line fuzzing (${CASES} cases per family)`, () => {
  it("--set with generated paths and values: a run or a clear refusal, Object.prototype untouched", async () => {
    await fc.assert(fc.asyncProperty(fc.array(setArg, { minLength: 1, maxLength: 3 }), async (sets) => endsCleanly("--set", ["run", SCENARIO, "--format", "json", ...sets.flatMap((s) => ["--set", s])])), params);
  }, TIMEOUT_MS);

  it("generated flag lists for run, validate and sweep: exit 0, 1 or 2, never a stack", async () => {
    await fc.assert(fc.asyncProperty(flagList, async (args) => endsCleanly("flags", args)), params);
  }, TIMEOUT_MS);

  it("mutated CloudFormation templates for init --from: every file written stays inside --out-dir", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutatedTemplate, async (text) => {
        const parent = join(dir, `init-${n++}`);
        const outDir = join(parent, "out");
        mkdirSync(outDir, { recursive: true });
        const template = join(dir, `template-${n}.json`);
        writeFileSync(template, text);
        await endsCleanly("templates", ["init", "--from", template, "--out-dir", outDir]);
        expect(readdirSync(parent)).toEqual(["out"]);
        for (const f of readdirSync(outDir)) expect(f).toMatch(/^[A-Za-z0-9._-]+\.yaml$/);
      }),
      params,
    );
  }, TIMEOUT_MS);

  it("mutated sweep results for merge: merged, or refused with a message", async () => {
    const parts = [JSON.parse(await sweepResult("1/2")), JSON.parse(await sweepResult("2/2"))] as Record<string, unknown>[];
    const partPaths = paths(parts[0]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: partPaths.length - 1 }), fc.constantFrom("replace", "delete", "duplicate"), hostileLeaf, async (i, how, leaf) => {
        const first = JSON.parse(JSON.stringify(parts[0])) as Record<string | number, unknown>;
        const path = partPaths[i];
        let parent = first;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        const last = path[path.length - 1];
        if (how === "replace") parent[last] = leaf;
        else if (how === "delete") delete parent[last];
        const a = join(dir, `part-a-${n}.json`);
        const b = join(dir, `part-b-${n++}.json`);
        writeFileSync(a, JSON.stringify(first));
        writeFileSync(b, JSON.stringify(how === "duplicate" ? first : parts[1]));
        await endsCleanly("merge", ["merge", a, b, "--format", "json"]);
      }),
      params,
    );
  }, TIMEOUT_MS);

  it("tried every family and saw refusals as well as successes", () => {
    // Runs after the families above (vitest runs a file's tests in order).
    const line = [...tally].map(([family, codes]) => `${family} ${[...codes.values()].reduce((a, b) => a + b, 0)} (${[...codes].sort((x, y) => x[0] - y[0]).map(([c, k]) => `exit ${c}: ${k}`).join(", ")})`);
    console.log(`command-line fuzz: ${line.join("; ")}`);
    for (const family of ["--set", "flags", "templates", "merge"]) {
      const codes = tally.get(family)!;
      expect([...codes.values()].reduce((a, b) => a + b, 0), family).toBeGreaterThanOrEqual(CASES);
      expect(codes.get(2) ?? 0, `${family}: some cases refused`).toBeGreaterThan(0);
      expect((codes.get(0) ?? 0) + (codes.get(1) ?? 0), `${family}: some cases ran`).toBeGreaterThan(0);
    }
  });
});
