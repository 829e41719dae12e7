/**
 * What the command line loads. Each command's module is imported by its action when it runs, so `esm-sim --version`
 * and the help load commander and the few small modules that hold what the help shows, and a plain run loads no
 * template reader, explainer, HTML, Markdown, JSON or timeline writer, checks or JSON Schema export.
 *
 * Runs the built CLI (bin/esm-sim.js, dist/cli-bundle/) with a module loader hook that writes down every file Node
 * loads. The command line is bundled (scripts/bundle-cli.js): each file of the bundle holds the modules that load
 * together, and its source map names them, so what a command loads is read as modules of src/ and libraries.
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
  /** Modules of this package, relative to it: `bin/esm-sim.js`, `src/cli/main.ts` (in a file of the bundle). */
  own: string[];
  /** Libraries whose code it loaded, by name: in a file of the bundle or from node_modules. */
  packages: string[];
  /** How many files of this package and of node_modules it loaded. */
  files: number;
}

/** The package a path under node_modules/ belongs to: `zod`, `@cdktn/hcl2json`. */
function packageOf(path: string): string {
  const parts = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length).split("/");
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
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
  const urls = [...new Set(readFileSync(file, "utf8").split("\n").filter((u) => u.startsWith("file:")))];
  const rootUrl = pathToFileURL(ROOT).href + "/";
  const own: string[] = [];
  const packages = urls.filter((u) => u.includes("/node_modules/")).map(packageOf);
  for (const u of urls.filter((u) => u.startsWith(rootUrl) && !u.includes("/node_modules/"))) {
    const path = u.slice(rootUrl.length);
    if (!path.startsWith("dist/cli-bundle/")) {
      own.push(path);
      continue;
    }
    const map = JSON.parse(readFileSync(join(ROOT, `${path}.map`), "utf8")) as { sources: string[] };
    for (const source of map.sources) {
      if (source.includes("node_modules/")) packages.push(packageOf(source));
      else own.push(source.replace(/^(\.\.\/)+/, ""));
    }
  }
  return { stdout: r.stdout, code: r.status, own: [...new Set(own)].sort(), packages: [...new Set(packages)].sort(), files: urls.length };
}

/**
 * Everything `--version` and the help may load: the entry, main and the command definitions, the error classes main
 * tells apart, and the modules holding the defaults and choices the help shows. A module added to this list must be
 * as small: no scenario parser, simulator, renderer or template reader.
 */
const STARTUP_MODULES = [
  "bin/esm-sim.js",
  "src/cli/commands.ts",
  "src/cli/context.ts",
  "src/cli/main.ts",
  "src/cli/usage-error.ts",
  "src/engine/assert.ts",
  "src/engine/time.ts",
  "src/io/input.ts",
  "src/io/output.ts",
  // io/input.ts and io/output.ts show paths in their messages with shownPath: one small function, importing nothing.
  "src/io/shown-path.ts",
  "src/run/budget.ts",
  "src/run/version.ts",
  "src/scenario/params.ts",
  "src/scenario/units.ts",
  // run/budget.ts counts a scenario's records with producerRecords: a module of types and small functions, importing nothing.
  "src/sources/config.ts",
  "src/sweep/limits.ts",
];

const COMMANDS = ["run", "validate", "init", "profiles", "explain", "scenarios", "quiz", "schema", "sweep", "merge", "calibrate"];

describe("what the command line loads", () => {
  it("--version prints the version having loaded only the command definitions and commander", () => {
    const r = loadedBy(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    // The recording works: the entry and main are in it.
    expect(r.own).toContain("bin/esm-sim.js");
    expect(r.own).toContain("src/cli/main.ts");
    expect(r.own.filter((m) => !STARTUP_MODULES.includes(m))).toEqual([]);
    expect(r.packages).toEqual(["commander"]);
    expect(r.files).toBeLessThanOrEqual(5);
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
    expect(r.own).toEqual(expect.arrayContaining(["src/cli/run.ts", "src/scenario/parse.ts", "src/run/simulate.ts", "src/report/table.ts"]));
    const unused = r.own.filter(
      (m) =>
        /^src\/(template|explain|checks)\//.test(m) ||
        /^src\/report\/(html|markdown|json|checks|perfetto|trace-jsonl|sweep|profiles|sensitivity|metric-data|calibration)\.ts$/.test(m) ||
        /^src\/scenario\/json-schema\.ts$/.test(m) ||
        /^src\/sweep\/(sweep|result-schema|sensitivity|calibrate)\.ts$/.test(m) ||
        /^src\/cli\/(template-input|init|explain|quiz|sweep|sweep-pool|merge|schema|scenarios|profiles|validate|calibrate)\.ts$/.test(m),
    );
    expect(unused).toEqual([]);
    expect(r.packages).not.toContain("@cdktn/hcl2json");
    // Bundled: the modules and the libraries come in a few files, none read from node_modules one module at a time.
    expect(r.packages).toEqual(expect.arrayContaining(["chalk", "cli-table3", "commander", "yaml", "zod"]));
    expect(r.files).toBeLessThanOrEqual(20);
  }, 30_000);

  it("a run loads the writers its flags ask for", () => {
    const dir = mkdtempSync(join(tmpdir(), "esm-sim-loaded-out-"));
    const r = loadedBy(["run", "sqs-poison-message-dlq", "--format", "json", "--check", "--html", "r.html", "--perfetto", "r.json", "--trace", "t.jsonl"], dir);
    expect(r.code).toBe(0);
    expect(r.own).toEqual(expect.arrayContaining(["src/report/json.ts", "src/report/html.ts", "src/report/perfetto.ts", "src/report/trace-jsonl.ts", "src/checks/suite.ts"]));
    expect(r.own.filter((m) => /^src\/(template|explain)\//.test(m))).toEqual([]);
  }, 30_000);

  it("--metrics-out loads its writer, and --sensitivity the variants and the sweep's worker pool", () => {
    const dir = mkdtempSync(join(tmpdir(), "esm-sim-loaded-sens-"));
    const plain = loadedBy(["run", "sqs-poison-message-dlq", "--metrics-out", "m.json"], dir);
    expect(plain.code).toBe(0);
    expect(plain.own).toContain("src/report/metric-data.ts");
    expect(plain.own.filter((m) => /^src\/(sweep\/(sweep|sensitivity)|cli\/sweep-pool|report\/sensitivity)\.ts$/.test(m))).toEqual([]);
    const r = loadedBy(["run", "sqs-slow-consumer-sensitivity", "--sensitivity", "--jobs", "1"], dir);
    expect(r.own).toEqual(expect.arrayContaining(["src/sweep/sensitivity.ts", "src/sweep/sweep.ts", "src/cli/sweep-pool.ts", "src/report/sensitivity.ts"]));
    expect(r.own).not.toContain("src/report/metric-data.ts");
  }, 60_000);
});
