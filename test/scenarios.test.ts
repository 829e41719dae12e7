import { describe, expect, it } from "vitest";
import { parseScenario } from "../src/scenario/parse.js";
import { renderJson } from "../src/report/json.js";
import { runWithTrace, shippedScenarios } from "./helpers.js";

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
    const a = runWithTrace(parsed.scenario);
    const b = runWithTrace(parsed.scenario);
    expect(a.report.expectations.filter((e) => !e.passed)).toEqual([]);
    const r = a.report.records;
    expect(r.produced).toBe(r.succeeded + r.onFailure + r.dlq + r.expired + r.filtered + r.pending);
    expect(renderJson(a.report)).toBe(renderJson(b.report));
    expect(a.lines.join("\n")).toBe(b.lines.join("\n"));
    const events = a.events;
    for (let i = 1; i < events.length; i++) {
      if (events[i].tUs < events[i - 1].tUs) throw new Error(`event ${i} (${events[i].type} at ${events[i].tUs}) before ${events[i - 1].type} at ${events[i - 1].tUs}`);
    }
  });
});
