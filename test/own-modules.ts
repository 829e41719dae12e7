/**
 * Test files that replace a module with vi.mock or spy on a global for the whole file. vitest.config.ts runs each of
 * these in a fresh module graph; every other file shares one per worker, which saves loading the simulator's modules
 * again for each of some hundred files but would let a mock leak into, or miss, the files after it.
 * test/own-modules.test.ts fails when a file that mocks is missing here.
 */
export const OWN_MODULES = [
  "test/cli-check.test.ts",
  "test/cli-internal-error.test.ts",
  "test/cli-sweep-internal-error.test.ts",
  "test/fuzz-cli.test.ts",
  "test/set.test.ts",
  "test/sqs-oldest-age-scan.test.ts",
];
