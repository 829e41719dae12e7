/**
 * Installing esm-sim in another project, end to end, with the README's own install steps: the blocks marked
 * `<!-- run by test/install.test.ts -->` are run as they are written, in a scratch folder laid out as they
 * assume (`esm-sim/` next to `my-project/`).
 *
 * - From the package file: `esm-sim/` holds what the package is made of (package.json and the files it lists,
 *   dist/ as `npm run build` left it), so `npm pack` runs with scripts off: in a clone, its `prepare` script
 *   would build the same dist/. Then the project installs the .tgz and runs a shipped scenario with npx, and a
 *   script imports the package by name.
 * - From a git URL: the README's placeholder URL is replaced by this repository's own (git+file://...), so npm
 *   clones its last commit, installs its dependencies and builds it, as it would from a git host.
 *
 * npm works from its cache (prefer-offline); each install takes some seconds to a minute.
 * Skipped, with the reason, only where npm cannot run at all, and never when CI is set.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string; files: string[] };
const PLACEHOLDER_GIT_URL = /git\+https:\/\/git\.example\.com\/\S+/;

/** The README's install blocks, in order. */
function installBlocks(): string[] {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "<!-- run by test/install.test.ts -->") continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith("```")) j++;
    const body: string[] = [];
    for (j++; j < lines.length && !lines[j].startsWith("```"); j++) body.push(lines[j]);
    out.push(body.join("\n"));
  }
  return out;
}

const npmCheck = spawnSync("npm", ["--version"], { encoding: "utf8" });
const npmMissing = npmCheck.status !== 0 ? `npm cannot run here (${npmCheck.error?.message ?? npmCheck.stderr})` : "";
if (npmMissing && process.env.CI) throw new Error(`test/install.test.ts: ${npmMissing}, and CI is set`);
if (npmMissing) console.warn(`install test SKIPPED: ${npmMissing}`);

const gitCheck = spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" });
const notGit = gitCheck.status !== 0 ? `${ROOT} is not a git checkout, so there is no git URL to install from` : "";
if (notGit && !npmMissing) console.warn(`git install test SKIPPED: ${notGit}`);

// Inside the test run's own temporary folder (test/global-setup.ts), removed with it when the run ends.
const scratch = mkdtempSync(join(tmpdir(), "esm-sim-install-"));

const npmEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  ...extra,
});

function sh(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const r = spawnSync("sh", ["-c", `set -e\n${script}`], { cwd, env, encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function newProject(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-project", version: "1.0.0", private: true, type: "module" }, null, 2) + "\n");
  return dir;
}

describe.skipIf(Boolean(npmMissing))("installing esm-sim in another project", () => {
  const blocks = installBlocks();

  it("README has the two install blocks: from the package file, from a git URL", () => {
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/npm pack/);
    expect(blocks[1]).toMatch(PLACEHOLDER_GIT_URL);
  });

  it("from the package file npm pack writes: npx esm-sim runs a shipped scenario and the package imports by name", () => {
    expect(existsSync(join(ROOT, "dist", "index.js")), "dist/ is missing: run `npm run build` first (npm test does)").toBe(true);
    const base = join(scratch, "pack");
    const pkgDir = join(base, "esm-sim");
    mkdirSync(pkgDir, { recursive: true });
    for (const f of [...PKG.files, "package.json", "LICENSE", "CHANGELOG.md"]) {
      if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(pkgDir, f), { recursive: true });
    }
    const project = newProject(join(base, "my-project"));

    const r = sh(blocks[0], base, npmEnv({ npm_config_ignore_scripts: "true" }), 240_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`${PKG.name}-${PKG.version}.tgz`);
    expect(r.out).toMatch(/esm-sim · sqs-maximum-concurrency .* esm-sim \d+\.\d+\.\d+/);
    expect(r.out).toMatch(/Expectations: all \d+ passed/);

    const installed = join(project, "node_modules", "esm-sim");
    for (const f of ["LICENSE", "README.md", "dist/index.d.ts", "schema/esm-sim.schema.json", "scenarios/sqs-maximum-concurrency.yaml"]) {
      expect(existsSync(join(installed, f)), `the package holds ${f}`).toBe(true);
    }

    writeFileSync(
      join(project, "check.mjs"),
      [
        'import { loadScenario, simulate, VERSION } from "esm-sim";',
        'const { report } = simulate(loadScenario("node_modules/esm-sim/scenarios/sqs-maximum-concurrency.yaml"));',
        "console.log(`esm-sim ${VERSION}: drained ${report.drained}, dlq ${report.records.dlq}`);",
        "",
      ].join("\n"),
    );
    const imported = sh("node check.mjs", project, process.env, 60_000);
    expect(imported.code, imported.out).toBe(0);
    expect(imported.out).toContain(`esm-sim ${PKG.version}: drained true, dlq 0`);
  }, 300_000);

  it.skipIf(Boolean(notGit))("from a git URL: npm clones and builds it, and npx esm-sim runs", () => {
    const project = newProject(join(scratch, "git", "my-project"));
    const script = blocks[1].replace(PLACEHOLDER_GIT_URL, `git+file://${ROOT}`);
    const r = sh(`${script}\nnpx esm-sim --version\nnpx esm-sim validate sqs-poison-message-dlq`, project, npmEnv(), 300_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(PKG.version);
    expect(r.out).toMatch(/sqs-poison-message-dlq(\.yaml)?: valid/);
    expect(existsSync(join(project, "node_modules", "esm-sim", "dist", "index.js")), "npm built dist/ (the prepare script)").toBe(true);
  }, 360_000);
});
