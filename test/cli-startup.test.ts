/**
 * What the command line loads. Each command's module is imported by its action when it runs, so `esm-sim --version`
 * and the help load commander and the few small modules that hold what the help shows, and a plain run loads no
 * template reader, explainer, HTML, Markdown, JSON or timeline writer, checks or JSON Schema export.
 *
 * Runs the built CLI (bin/esm-sim.js, dist/) with a module loader hook that writes down every module Node loads.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { VERSION } from "../src/run/version.js";

const ROOT = resolve(__dirname, "..");
const BIN = join(ROOT, "bin", "esm-sim.js");

const HOOKS = `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  appendFileSync(file, url + "\\n");
  return next(url, context);
}
`;
const REGISTER = `import { register } from "node:module";
register(new URL("./hooks.mjs", import.meta.url), { data: { file: process.env.ESM_SIM_TEST_LOADED } });
`;

interface Loaded {
  stdout: string;
  code: number | null;
  /** Modules of this package, relative to it: `bin/esm-sim.js`, `dist/cli/main.js`. */
  own: string[];
  /** Packages loaded from node_modules, by name. */
  packages: string[];
}

/** Run `esm-sim ARGS` in `cwd` and list the modules it loaded. */
function loadedBy(args: string[], cwd = ROOT): Loaded {
  const dir = mkdtempSync(join(tmpdir(), "esm-sim-loaded-"));
  writeFileSync(join(dir, "hooks.mjs"), HOOKS);
  writeFileSync(join(dir, "register.mjs"), REGISTER);
  const file = join(dir, "loaded.txt");
  writeFileSync(file, "");
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(dir, "register.mjs")).href, BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ESM_SIM_TEST_LOADED: file },
  });
  const urls = readFileSync(file, "utf8").split("\n").filter((u) => u.startsWith("file:"));
  const rootUrl = pathToFileURL(ROOT).href + "/";
  const own = urls.filter((u) => u.startsWith(rootUrl) && !u.includes("/node_modules/")).map((u) => u.slice(rootUrl.length));
  const packages = urls
    .filter((u) => u.includes("/node_modules/"))
    .map((u) => {
      const parts = u.slice(u.lastIndexOf("/node_modules/") + "/node_modules/".length).split("/");
      return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    });
  return { stdout: r.stdout, code: r.status, own: [...new Set(own)].sort(), packages: [...new Set(packages)].sort() };
}

/**
 * Everything `--version` and the help may load: the entry, main and the command definitions, the error classes main
 * tells apart, and the modules holding the defaults and choices the help shows. A module added to this list must be
 * as small: no scenario parser, simulator, renderer or template reader.
 */
const STARTUP_MODULES = [
  "bin/esm-sim.js",
  "dist/cli/commands.js",
  "dist/cli/context.js",
  "dist/cli/main.js",
  "dist/cli/usage-error.js",
  "dist/engine/assert.js",
  "dist/engine/time.js",
  "dist/io/input.js",
  "dist/io/output.js",
  "dist/run/budget.js",
  "dist/run/version.js",
  "dist/scenario/params.js",
  "dist/scenario/units.js",
  // run/budget.js counts a scenario's records with producerRecords: a module of types and small functions, importing nothing.
  "dist/sources/config.js",
  "dist/sweep/limits.js",
];

const COMMANDS = ["run", "validate", "init", "profiles", "explain", "scenarios", "quiz", "schema", "sweep", "merge", "calibrate"];

describe("what the command line loads", () => {
  it("--version prints the version having loaded only the command definitions and commander", () => {
    const r = loadedBy(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    // The recording works: the entry and main are in it.
    expect(r.own).toContain("bin/esm-sim.js");
    expect(r.own).toContain("dist/cli/main.js");
    expect(r.own.filter((m) => !STARTUP_MODULES.includes(m))).toEqual([]);
    expect(r.packages).toEqual(["commander"]);
  }, 30_000);

  it("--help and every command's --help load no command's module", () => {
    for (const args of [["--help"], ...COMMANDS.map((c) => [c, "--help"])]) {
      const r = loadedBy(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: esm-sim /);
      expect(r.own.filter((m) => !STARTUP_MODULES.includes(m)), args.join(" ")).toEqual([]);
      expect(r.packages, args.join(" ")).toEqual(["commander"]);
    }
  }, 120_000);

  it("a plain run loads the parser, the simulator and the table, and none of what only other commands or flags use", () => {
    const r = loadedBy(["run", "sqs-poison-message-dlq"]);
    expect(r.code).toBe(0);
    expect(r.own).toEqual(expect.arrayContaining(["dist/cli/run.js", "dist/scenario/parse.js", "dist/run/simulate.js", "dist/report/table.js"]));
    const unused = r.own.filter(
      (m) =>
        /^dist\/(template|explain|checks)\//.test(m) ||
        /^dist\/report\/(html|markdown|json|checks|perfetto|trace-jsonl|sweep|profiles|sensitivity|metric-data|calibration)\.js$/.test(m) ||
        /^dist\/scenario\/json-schema\.js$/.test(m) ||
        /^dist\/sweep\/(sweep|result-schema|sensitivity|calibrate)\.js$/.test(m) ||
        /^dist\/cli\/(template-input|init|explain|quiz|sweep|sweep-pool|merge|schema|scenarios|profiles|validate|calibrate)\.js$/.test(m),
    );
    expect(unused).toEqual([]);
    expect(r.packages).not.toContain("@cdktn/hcl2json");
  }, 30_000);

  it("a run loads the writers its flags ask for", () => {
    const dir = mkdtempSync(join(tmpdir(), "esm-sim-loaded-out-"));
    const r = loadedBy(["run", "sqs-poison-message-dlq", "--format", "json", "--check", "--html", "r.html", "--perfetto", "r.json", "--trace", "t.jsonl"], dir);
    expect(r.code).toBe(0);
    expect(r.own).toEqual(expect.arrayContaining(["dist/report/json.js", "dist/report/html.js", "dist/report/perfetto.js", "dist/report/trace-jsonl.js", "dist/checks/suite.js"]));
    expect(r.own.filter((m) => /^dist\/(template|explain)\//.test(m))).toEqual([]);
  }, 30_000);

  it("--metrics-out loads its writer, and --sensitivity the variants and the sweep's worker pool", () => {
    const dir = mkdtempSync(join(tmpdir(), "esm-sim-loaded-sens-"));
    const plain = loadedBy(["run", "sqs-poison-message-dlq", "--metrics-out", "m.json"], dir);
    expect(plain.code).toBe(0);
    expect(plain.own).toContain("dist/report/metric-data.js");
    expect(plain.own.filter((m) => /^dist\/(sweep\/(sweep|sensitivity)|cli\/sweep-pool|report\/sensitivity)\.js$/.test(m))).toEqual([]);
    const r = loadedBy(["run", "sqs-slow-consumer-sensitivity", "--sensitivity", "--jobs", "1"], dir);
    expect(r.own).toEqual(expect.arrayContaining(["dist/sweep/sensitivity.js", "dist/sweep/sweep.js", "dist/cli/sweep-pool.js", "dist/report/sensitivity.js"]));
    expect(r.own).not.toContain("dist/report/metric-data.js");
  }, 60_000);
});
