import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // test/readme-example.test.ts imports the package by name, exactly as the README shows.
    alias: { "esm-sim": fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // Every core: vitest's default leaves one free, which on a 2-core CI machine runs the files one at a time, and
    // many of them wait on child processes (the CLI, npm) rather than compute.
    maxWorkers: availableParallelism(),
  },
});
