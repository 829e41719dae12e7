import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OWN_MODULES } from "./own-modules.js";

const TEST_DIR = __dirname;
/** What makes a file need a module graph of its own: a module replaced, or a spy, stub or fake timer on a global. */
const MOCKS = /\bvi\.(mock|doMock|spyOn|stubEnv|stubGlobal|useFakeTimers)\(/;

describe("test files that mock", () => {
  it("each runs in a module graph of its own (test/own-modules.ts lists it)", () => {
    const mocking = readdirSync(TEST_DIR)
      .filter((f) => f.endsWith(".test.ts") && f !== "own-modules.test.ts")
      .filter((f) => MOCKS.test(readFileSync(join(TEST_DIR, f), "utf8")))
      .map((f) => `test/${f}`)
      .sort();
    expect(mocking).toEqual([...OWN_MODULES].sort());
  });
});
