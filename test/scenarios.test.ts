import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { renderJson } from "../src/report/json.js";
import { runHashingTrace, shippedScenarios } from "./helpers.js";

describe.each(shippedScenarios())("shipped scenario $file", ({ file, text, files }) => {
  const parsed = parseScenario(text, file, { files });
  it("is valid and has a description and expectations", () => {
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.scenario.description.length).toBeGreaterThan(40);
    expect(parsed.scenario.expectations.length).toBeGreaterThan(0);
  });

  it("passes its expectations, conserves every record, gives identical bytes twice, and writes its trace in time order", () => {
    if (!parsed.ok) return;
    const a = runHashingTrace(parsed.scenario);
    const b = runHashingTrace(parsed.scenario);
    expect(a.report.expectations.filter((e) => !e.passed)).toEqual([]);
    const r = a.report.records;
    expect(r.produced).toBe(r.succeeded + r.onFailure + r.dlq + r.expired + r.filtered + r.pending);
    expect(renderJson(a.report)).toBe(renderJson(b.report));
    expect(a.lineCount).toBeGreaterThan(0);
    expect([b.lineCount, b.traceSha256]).toEqual([a.lineCount, a.traceSha256]);
    expect(a.outOfOrder).toBeNull();
  });
});
