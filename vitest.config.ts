import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { OWN_MODULES } from "./test/own-modules.js";

/**
 * Files that take longest, started first so that none of them is left running alone at the end: vitest orders by
 * the last run's durations when it has them, but a fresh clone (CI) has none and it orders by file size.
 * install.test.ts mostly waits on npm installing and building a package.
 */
const LONGEST_FIRST = ["test/install.test.ts", "test/scenarios.test.ts", "test/trace-fold.test.ts"];

class LongestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
  }
}

export default defineConfig({
  resolve: {
    // test/readme-example.test.ts imports the package by name, exactly as the README shows.
    alias: { "esm-sim": fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // Packages written as CommonJS (yaml, seedrandom, ...) are imported as Node imports them. vitest's default wraps
    // each in a proxy that every call goes through, which made the template tests' large inputs several times
    // slower than esm-sim itself is.
    deps: { interopDefault: false },
    sequence: { sequencer: LongestFirst },
    // Every core: vitest's default leaves one free, which on a 2-core CI machine runs the files one at a time, and
    // many of them wait on child processes (the CLI, npm) rather than compute.
    maxWorkers: availableParallelism(),
    projects: [
      { extends: true, test: { name: "own-modules", include: OWN_MODULES, isolate: true } },
      { extends: true, test: { name: "shared-modules", include: ["test/**/*.test.ts"], exclude: OWN_MODULES, isolate: false } },
    ],
  },
});
