/** Check a scenario's `expect` entries against a report. */
import type { Expectation } from "../scenario/model.js";
import type { ExpectationResult, Report } from "./result.js";

/** The value at a dotted report path; undefined when the report has no such field (e.g. `stream.*` on SQS). */
export function valueAtPath(report: Report, path: string): number | boolean {
  let v: unknown = report;
  for (const seg of path.split(".")) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined as unknown as number;
    v = (v as Record<string, unknown>)[seg];
  }
  return v as number | boolean;
}

export function checkExpectations(expectations: readonly Expectation[], report: Report): ExpectationResult[] {
  return expectations.map((e) => {
    const actual = valueAtPath(report, e.path);
    return { path: e.path, op: e.op, expected: e.expected, written: e.written, actual, passed: compare(actual, e.op, e.expected) };
  });
}

function compare(a: number | boolean, op: Expectation["op"], b: number | boolean): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
  }
}
