/**
 * Golden narrations: `esm-sim explain <name>` for a few shipped scenarios, compared byte for byte with
 * test/golden/explain/<name>.txt. After a deliberate change, regenerate them with
 *   UPDATE_GOLDEN=1 npx vitest run test/explain-golden.test.ts
 * and read the diff before committing it.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { explain } from "../src/explain/explain.js";
import { scenarioFrom, SCENARIO_DIR } from "./helpers.js";

const GOLDEN_DIR = join(__dirname, "golden", "explain");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

describe.each(["sqs-poison-message-dlq", "sqs-visibility-too-short", "sqs-reserved-concurrency-dlq", "learn-sqs-failed-batch-regrouping", "learn-sqs-payload-limit", "kinesis-poison-pill-fixed", "kinesis-partial-batch-response", "sqs-fifo-poison-message", "kinesis-read-limit-backlog", "kinesis-enhanced-fan-out"])(
  "golden narration of %s",
  (name) => {
    it("matches test/golden/explain", () => {
      const s = scenarioFrom(readFileSync(join(SCENARIO_DIR, `${name}.yaml`), "utf8"), `${name}.yaml`);
      const lines: string[] = [];
      explain(s, {}, (l) => lines.push(l));
      const text = lines.join("\n") + "\n";
      const file = join(GOLDEN_DIR, `${name}.txt`);
      if (UPDATE) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/explain-golden.test.ts`).toBe(true);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  },
);
