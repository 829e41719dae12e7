import { describe, expect, it } from "vitest";
import {
  filterView,
  INVALID_PATTERN,
  parseFilterCriteria,
  payloadDecides,
  preparePayload,
  referencedRoots,
  toAttributeValue,
  type CompiledFilter,
  type FilterSource,
} from "../src/filter/filter-pattern.js";
import { JsonNumber, parseJsonText } from "../src/filter/json-text.js";

function compile(patterns: string[], source?: FilterSource): CompiledFilter {
  const r = parseFilterCriteria({ Filters: patterns.map((Pattern) => ({ Pattern })) }, source);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  return r.filter;
}

/** A record as AWS's JSON text would give it (numbers keep their spelling). */
function rec(json: string): unknown {
  const r = parseJsonText(json);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

function errorsOf(pattern: string, source?: FilterSource) {
  const r = parseFilterCriteria({ Filters: [{ Pattern: pattern }] }, source);
  return r.ok ? [] : r.problems;
}

const sqs = (body: unknown, receiveCount = 1) =>
  filterView("sqs", { payload: preparePayload(body), messageId: "msg-000001", sentMs: 1000, receiveCount, firstReceiveMs: 1500 });

describe("filter patterns: matching (EventBridge operators as Lambda documents them)", () => {
  it.each([
    // Equals, And, Or (FILTER's operator table)
    ["equals: a string matches itself", `{"Name": ["Alice"]}`, `{"Name": "Alice"}`, true],
    ["equals: matching is case-sensitive", `{"Name": ["Alice"]}`, `{"Name": "alice"}`, false],
    ["or: any value of the list", `{"PaymentType": ["Credit", "Debit"]}`, `{"PaymentType": "Debit"}`, true],
    ["and: every field must match", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Tuesday"}`, false],
    ["and: both fields match", `{"Location": ["New York"], "Day": ["Monday"]}`, `{"Location": "New York", "Day": "Monday", "x": 1}`, true],
    ["a field the pattern names must be present", `{"Name": ["Alice"]}`, `{"Other": "Alice"}`, false],
    // Null and empty (EventBridge: not interchangeable)
    ["null matches a null value", `{"UserID": [null]}`, `{"UserID": null}`, true],
    ["null does not match a missing field", `{"UserID": [null]}`, `{}`, false],
    ["null does not match an empty string", `{"UserID": [null]}`, `{"UserID": ""}`, false],
    ["empty matches an empty string", `{"LastName": [""]}`, `{"LastName": ""}`, true],
    ["empty does not match null", `{"LastName": [""]}`, `{"LastName": null}`, false],
    // Numbers match as strings for exact values: 300, 300.0 and 3.0e2 are not equal (FILTER)
    ["a number matches the same spelling", `{"Price": [300]}`, `{"Price": 300}`, true],
    ["300 does not match 300.0", `{"Price": [300]}`, `{"Price": 300.0}`, false],
    ["300 does not match 3.0e2", `{"Price": [300]}`, `{"Price": 3.0e2}`, false],
    ["300.0 matches only 300.0", `{"Price": [300.0]}`, `{"Price": 300.0}`, true],
    ["300.0 does not match 300", `{"Price": [300.0]}`, `{"Price": 300}`, false],
    ["a number does not match the string with its digits", `{"Price": [300]}`, `{"Price": "300"}`, false],
    ["a string does not match the number", `{"Price": ["300"]}`, `{"Price": 300}`, false],
    ["true matches true", `{"ok": [true]}`, `{"ok": true}`, true],
    ["true does not match \"true\"", `{"ok": [true]}`, `{"ok": "true"}`, false],
    // prefix, suffix, equals-ignore-case
    ["prefix matches the start of a string", `{"Region": [{"prefix": "us-"}]}`, `{"Region": "us-east-1"}`, true],
    ["prefix does not match elsewhere", `{"Region": [{"prefix": "us-"}]}`, `{"Region": "eu-west-1"}`, false],
    ["prefix only works on strings", `{"n": [{"prefix": "1"}]}`, `{"n": 123}`, false],
    ["prefix ignoring case", `{"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}`, `{"service": "EventBridge"}`, true],
    ["suffix matches the end", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "cat.png"}`, true],
    ["suffix is case-sensitive", `{"FileName": [{"suffix": ".png"}]}`, `{"FileName": "cat.PNG"}`, false],
    ["suffix ignoring case", `{"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}`, `{"FileName": "cat.PNG"}`, true],
    ["equals-ignore-case", `{"source": [{"equals-ignore-case": "EC2"}]}`, `{"source": "ec2"}`, true],
    ["equals-ignore-case is still equality", `{"source": [{"equals-ignore-case": "EC2"}]}`, `{"source": "ec2x"}`, false],
    // anything-but
    ["anything-but: another value", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{"Weather": "Sunny"}`, true],
    ["anything-but: the excluded value", `{"Weather": [{"anything-but": ["Raining"]}]}`, `{"Weather": "Raining"}`, false],
    ["anything-but: a single string", `{"state": [{"anything-but": "initializing"}]}`, `{"state": "running"}`, true],
    ["anything-but: a missing field does not match", `{"state": [{"anything-but": "initializing"}]}`, `{}`, false],
    ["anything-but: a value of another type is not excluded", `{"state": [{"anything-but": "5"}]}`, `{"state": 5}`, true],
    ["anything-but: a list of numbers", `{"x": [{"anything-but": [100, 200, 300]}]}`, `{"x": 200}`, false],
    ["anything-but: numbers compare numerically", `{"x": [{"anything-but": 300}]}`, `{"x": 300.0}`, false],
    ["anything-but: another number", `{"x": [{"anything-but": 300}]}`, `{"x": 301}`, true],
    ["anything-but prefix", `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, `{"Region": "us-west-2"}`, false],
    ["anything-but prefix: other strings", `{"Region": [{"anything-but": {"prefix": "us-"}}]}`, `{"Region": "eu-west-1"}`, true],
    ["anything-but suffix", `{"FileName": [{"anything-but": {"suffix": ".png"}}]}`, `{"FileName": "a.jpg"}`, true],
    ["anything-but equals-ignore-case", `{"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}`, `{"state": "INITIALIZING"}`, false],
    // numeric
    ["numeric =", `{"Price": [{"numeric": ["=", 100]}]}`, `{"Price": 100}`, true],
    ["numeric = compares values, not spellings", `{"x": [{"numeric": ["=", 3.018e2]}]}`, `{"x": 301.8}`, true],
    ["numeric = 100 matches 100.0", `{"Price": [{"numeric": ["=", 100]}]}`, `{"Price": 100.0}`, true],
    ["numeric range: inside", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 20}`, true],
    ["numeric range: open lower bound", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 10}`, false],
    ["numeric range: above", `{"Price": [{"numeric": [">", 10, "<=", 20]}]}`, `{"Price": 20.5}`, false],
    ["numeric >= and <", `{"n": [{"numeric": [">=", 0, "<", 1]}]}`, `{"n": 0}`, true],
    ["numeric: upper bound written first", `{"n": [{"numeric": ["<", 1, ">=", 0]}]}`, `{"n": 0.5}`, true],
    ["numeric: six decimal places", `{"n": [{"numeric": ["<=", 5]}]}`, `{"n": 5.0000001}`, true],
    ["numeric: the sixth decimal counts", `{"n": [{"numeric": ["<=", 5]}]}`, `{"n": 5.000001}`, false],
    ["numeric: negative numbers", `{"n": [{"numeric": ["<", -1.5]}]}`, `{"n": -2}`, true],
    ["numeric only works on JSON numbers", `{"Temperature": [{"numeric": [">", 40]}]}`, `{"Temperature": "46"}`, false],
    ["numeric: values beyond 5e9 never match", `{"n": [{"numeric": [">", 0]}]}`, `{"n": 6e9}`, false],
    // exists (leaf nodes only)
    ["exists: true on a present field", `{"ProductName": [{"exists": true}]}`, `{"ProductName": "x"}`, true],
    ["exists: true on a null value", `{"ProductName": [{"exists": true}]}`, `{"ProductName": null}`, true],
    ["exists: true on a missing field", `{"ProductName": [{"exists": true}]}`, `{}`, false],
    ["exists: true on an object (not a leaf)", `{"c": [{"exists": true}]}`, `{"c": {"c1": 100}}`, false],
    ["exists: false on a missing field", `{"ProductName": [{"exists": false}]}`, `{}`, true],
    ["exists: false on a present field", `{"ProductName": [{"exists": false}]}`, `{"ProductName": ""}`, false],
    ["exists: false on an object (EventBridge's example)", `{"detail": {"c-count": [{"exists": false}]}}`, `{"detail": {"state": "x", "c-count": {"c1": 100}}}`, true],
    ["exists: false under a missing parent", `{"detail": {"c-count": [{"exists": false}]}}`, `{}`, true],
    ["exists: false on an empty array", `{"tags": [{"exists": false}]}`, `{"tags": []}`, true],
    ["exists or a value", `{"x": [{"exists": false}, "a"]}`, `{"x": "a"}`, true],
    // arrays in records
    ["an array field matches if any element matches", `{"resources": ["arn:b"]}`, `{"resources": ["arn:a", "arn:b"]}`, true],
    ["an array field with no matching element", `{"resources": ["arn:c"]}`, `{"resources": ["arn:a", "arn:b"]}`, false],
    ["nested arrays are flattened", `{"v": [3]}`, `{"v": [[1, 2], [3]]}`, true],
    ["anything-but on an array: another element is enough", `{"tags": [{"anything-but": "x"}]}`, `{"tags": ["x", "y"]}`, true],
    ["anything-but on an array of excluded values", `{"tags": [{"anything-but": "x"}]}`, `{"tags": ["x", "x"]}`, false],
    ["objects in an array: one element holds both fields", `{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}`, `{"employees": [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}]}`, true],
    ["objects in an array: fields from two elements do not combine", `{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}`, `{"employees": [{"firstName": "Anna", "lastName": "Smith"}, {"firstName": "Peter", "lastName": "Jones"}]}`, false],
    ["an empty array where the pattern expects objects: the fields are absent", `{"a": {"b": [{"exists": false}]}}`, `{"a": []}`, true],
    ["a scalar where the pattern expects an object: the fields are absent", `{"a": {"b": [{"exists": false}]}}`, `{"a": 5}`, true],
    ["a scalar where the pattern expects an object cannot match a value", `{"a": {"b": ["x"]}}`, `{"a": "x"}`, false],
    ["objects in nested arrays", `{"employees": {"firstName": ["Peter"]}}`, `{"employees": [[{"firstName": "Anna"}], [{"firstName": "Peter"}]]}`, true],
    // $or
    ["$or: the first branch", `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.cloudwatch", "metricName": "CPUUtilization"}`, true],
    ["$or: the second branch", `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.cloudwatch", "namespace": "AWS/EC2"}`, true],
    ["$or: no branch", `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.cloudwatch", "namespace": "AWS/ES"}`, false],
    ["$or: the fields outside still apply", `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}`, `{"source": "aws.ec2", "namespace": "AWS/EC2"}`, false],
    ["$or with an AND inside", `{"$or": [{"a": [1]}, {"b": [2], "c": [3]}]}`, `{"b": 2, "c": 3}`, true],
    ["$or with an AND inside, half met", `{"$or": [{"a": [1]}, {"b": [2], "c": [3]}]}`, `{"b": 2, "c": 4}`, false],
    ["$or nested in a field", `{"detail": {"$or": [{"a": ["x"]}, {"b": ["y"]}]}}`, `{"detail": {"b": "y"}}`, true],
    // keys that are names on Object.prototype are ordinary keys
    ["a key named toString is absent from {}", `{"toString": [{"exists": false}]}`, `{}`, true],
    ["a key named constructor is absent from {}", `{"constructor": [{"exists": true}]}`, `{}`, false],
    ["a key named __proto__ is an ordinary key", `{"__proto__": ["x"]}`, `{"__proto__": "x"}`, true],
  ])("%s", (_what, pattern, record, expected) => {
    expect(compile([pattern]).matches(rec(record))).toBe(expected);
  });

  it("matches AWS's Kinesis example: a metadata field and a data field", () => {
    const f = compile([`{ "partitionKey": [ "1" ], "data": { "Location": [ "Los Angeles" ] }}`], "kinesis");
    const view = (partitionKey: string, data: unknown) =>
      filterView("kinesis", { payload: preparePayload(data), partitionKey, sequenceNumber: "49590338271490256608559692538361571095921575989136588898", arrivalMs: 1545084650987 });
    expect(f.matches(view("1", { Location: "Los Angeles" }))).toBe(true);
    expect(f.matches(view("2", { Location: "Los Angeles" }))).toBe(false);
    expect(f.matches(view("1", { Location: "Seattle" }))).toBe(false);
  });

  it("matches AWS's DynamoDB multi-level example on Keys.Id.N", () => {
    const f = compile([`{ "dynamodb": { "Keys": { "Id": { "N": [ "101" ] } } } }`], "dynamodb");
    const view = (id: number) =>
      filterView("dynamodb", {
        eventName: "INSERT",
        keys: { Id: id },
        newImage: preparePayload({ Message: "New item!", Id: id }),
        oldImage: null,
        streamViewType: "NEW_AND_OLD_IMAGES",
        sequenceNumber: "111",
        sizeBytes: 26,
        creationS: 1,
      });
    expect(f.matches(view(101))).toBe(true);
    expect(f.matches(view(102))).toBe(false);
  });

  it("keeps a record that satisfies any one of several filters (filters are ORed)", () => {
    const f = compile([`{"body": {"type": ["order"]}}`, `{"body": {"type": ["refund"]}}`]);
    const kept = ["order", "refund", "invoice"].filter((type) => f.matches(sqs({ type })));
    expect(kept).toEqual(["order", "refund"]);
  });

  it("keeps every record when FilterCriteria has no filters ({} or Filters: [])", () => {
    for (const raw of [{}, { Filters: [] }]) {
      const r = parseFilterCriteria(raw);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.filter.patterns).toEqual([]);
        expect(r.filter.matches(sqs("anything"))).toBe(true);
      }
    }
  });
});

describe("filter patterns: JSON mismatch between data and pattern", () => {
  const bodyPlain = compile([`{"body": ["hello"]}`], "sqs");
  const bodyPrefix = compile([`{"body": [{"prefix": "hel"}]}`], "sqs");
  const bodyJson = compile([`{"body": {"greeting": ["hello"]}}`], "sqs");
  const bodyJsonAbsent = compile([`{"body": {"greeting": [{"exists": false}]}}`], "sqs");
  const bodyPlainAbsent = compile([`{"body": [{"anything-but": "x"}]}`], "sqs");

  it("filters a plain-string body with a plain-string pattern", () => {
    expect([bodyPlain.matches(sqs("hello")), bodyPlain.matches(sqs("hello!")), bodyPrefix.matches(sqs("hello!"))]).toEqual([true, false, true]);
  });

  it("drops a plain-string body under a JSON pattern, even one that only asks for a field to be absent", () => {
    expect([bodyJson.matches(sqs("hello")), bodyJsonAbsent.matches(sqs("hello"))]).toEqual([false, false]);
  });

  it("drops a JSON body under a plain-string pattern, even anything-but", () => {
    expect([bodyPlain.matches(sqs({ greeting: "hello" })), bodyPlainAbsent.matches(sqs({ greeting: "hello" })), bodyPlainAbsent.matches(sqs('{"greeting": "hello"}'))]).toEqual([false, false, false]);
  });

  it("filters a JSON body with a JSON pattern, whether the body was written as YAML data or as JSON text", () => {
    expect([bodyJson.matches(sqs({ greeting: "hello" })), bodyJson.matches(sqs('{"greeting": "hello"}')), bodyJsonAbsent.matches(sqs({ other: 1 }))]).toEqual([true, true, true]);
  });

  it("applies the mismatch rule to the source's own data key only", () => {
    const kinesisBody = compile([`{"body": [{"exists": false}]}`], "kinesis");
    expect(kinesisBody.matches({ body: { a: 1 } })).toBe(true);
    expect(compile([`{"body": [{"exists": false}]}`], "sqs").matches({ body: { a: 1 } })).toBe(false);
  });

  it("treats a body that is a bare JSON scalar (42, \"x\", true) as a plain string", () => {
    expect(compile([`{"body": ["42"]}`], "sqs").matches(sqs(42))).toBe(true);
    expect(compile([`{"body": [42]}`], "sqs").matches(sqs(42))).toBe(false);
  });

  it("keeps the spelling of numbers in a JSON body: 300.0 is not 300", () => {
    const f = compile([`{"body": {"price": [300]}}`], "sqs");
    expect([f.matches(sqs('{"price": 300}')), f.matches(sqs('{"price": 300.0}')), f.matches(sqs({ price: 300 }))]).toEqual([true, false, true]);
  });

  it("drops Kinesis data that is not JSON under a JSON data pattern, but filters it on metadata alone", () => {
    const view = (data: unknown, partitionKey = "pk-1") => filterView("kinesis", { payload: preparePayload(data), partitionKey, sequenceNumber: "1", arrivalMs: 0 });
    const onData = compile([`{"data": {"level": [{"exists": false}]}}`], "kinesis");
    const onKey = compile([`{"partitionKey": ["pk-1"]}`], "kinesis");
    expect([onData.matches(view("not json")), onData.matches(view({ msg: 1 }))]).toEqual([false, true]);
    expect([onKey.matches(view("not json")), onKey.matches(view("not json", "pk-2"))]).toEqual([true, false]);
  });

  it("filters SQS records on attributes, and warns that AWS documents body-only filtering for SQS", () => {
    const r = parseFilterCriteria({ Filters: [{ Pattern: `{"attributes": {"ApproximateReceiveCount": [{"anything-but": "1"}]}}` }] }, "sqs");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => [w.offset, w.message.slice(0, 80)])).toEqual([[1, `"attributes": SQS event source mappings only support filtering on the body key (`]]);
    expect([r.filter.matches(sqs("x", 1)), r.filter.matches(sqs("x", 2))]).toEqual([false, true]);
  });
});

describe("filter patterns: invalid patterns are refused with AWS's text and a hint", () => {
  it.each([
    ["text that is not JSON", `{"body": `, 9, "Not valid JSON: unexpected end of text (at character 10)"],
    ["a trailing comma", `{"a": ["x"],}`, 12, `Not valid JSON: expected a quoted key, found "}"`],
    ["a list at the top", `["x"]`, 0, "a pattern must be a JSON object"],
    ["an empty pattern", `{}`, 0, "an empty pattern {} has no field to match"],
    ["a leaf that is not a list (AWS-REC)", `{"a": "x"}`, 6, `a: must be a non-empty list of values or operators, e.g. ["x"] (got "x")`],
    ["an empty list (AWS-REC)", `{"a": []}`, 6, "a: must be a non-empty list"],
    ["an empty nested object", `{"a": {}}`, 6, "a: an empty object matches nothing"],
    ["exists on a non-leaf", `{"a": {"exists": true}}`, 7, `a.exists: "exists" is an operator and must sit inside a field's list, e.g. "a": [{"exists": true}]`],
    ["exists with a string", `{"a": [{"exists": "yes"}]}`, 18, `a: exists: must be true or false (got "yes")`],
    ["a nested list of values", `{"a": [["x"]]}`, 7, "not a nested list"],
    ["two operators in one object", `{"a": [{"prefix": "x", "suffix": "y"}]}`, 7, "an operator object holds exactly one operator"],
    ["an unknown operator", `{"a": [{"begins-with": "x"}]}`, 8, `unknown operator "begins-with"`],
    ["wildcard (not in Lambda's filter syntax)", `{"a": [{"wildcard": "x*"}]}`, 8, `"wildcard" is an EventBridge operator that Lambda event filtering does not document`],
    ["prefix with a number", `{"a": [{"prefix": 5}]}`, 18, "a: prefix: must be a string"],
    ["numeric with a bad operator", `{"a": [{"numeric": ["!=", 5]}]}`, 19, "operators are =, <, <=, >, >="],
    ["numeric with a string number", `{"a": [{"numeric": [">", "5"]}]}`, 19, `">" must be followed by a number`],
    ["numeric beyond 5e9", `{"a": [{"numeric": [">", 6e9]}]}`, 19, "within -5e9..5e9"],
    ["numeric with an empty range", `{"a": [{"numeric": [">", 5, "<", 1]}]}`, 19, "the range is empty"],
    ["numeric with two lower bounds", `{"a": [{"numeric": [">", 1, ">=", 2]}]}`, 19, "at most one lower bound"],
    ["numeric = with a second bound", `{"a": [{"numeric": ["=", 1, "<", 2]}]}`, 19, `"=" stands alone`],
    ["anything-but with mixed types", `{"a": [{"anything-but": ["x", 1]}]}`, 24, "a non-empty list of only strings or only numbers"],
    ["anything-but with an empty list", `{"a": [{"anything-but": []}]}`, 24, "anything-but: must be"],
    ["anything-but with a boolean", `{"a": [{"anything-but": true}]}`, 24, "anything-but: must be"],
    ["$or with one branch", `{"$or": [{"a": ["x"]}]}`, 8, "$or must be a list of at least two pattern objects"],
  ])("refuses %s", (_what, pattern, offset, hint) => {
    const errs = errorsOf(pattern);
    expect(errs.map((e) => e.message.startsWith(INVALID_PATTERN))).toEqual([true]);
    expect(errs[0].message).toContain(hint);
    expect(errs[0].offset).toBe(offset);
    expect(errs[0].path).toEqual(["Filters", 0, "Pattern"]);
  });

  it("reports every problem of a pattern at once", () => {
    const errs = errorsOf(`{"body": {"a": [], "b": {"exists": true}, "c": [{"prefx": "x"}]}}`);
    expect(errs.map((e) => [e.offset, e.message.replace(`${INVALID_PATTERN} `, "").slice(0, 30)])).toEqual([
      [15, "body.a: must be a non-empty li"],
      [25, `body.b.exists: "exists" is an `],
      [49, `body.c: unknown operator "pref`],
    ]);
  });

  it("refuses a value-list pattern on Kinesis and DynamoDB data keys at creation, but not on SQS bodies", () => {
    expect(errorsOf(`{"data": ["x"]}`, "kinesis").map((e) => e.message)).toEqual([
      `${INVALID_PATTERN} data: the filter pattern for data properties must be in a valid JSON format: write an object pattern such as {"data": {"field": ["value"]}} (got a list of values)`,
    ]);
    expect(errorsOf(`{"dynamodb": [{"exists": true}]}`, "dynamodb")).toHaveLength(1);
    expect(errorsOf(`{"body": ["x"]}`, "sqs")).toEqual([]);
  });

  it("refuses a pattern longer than 4,096 characters", () => {
    const long = `{"a": ["${"x".repeat(4100)}"]}`;
    expect(errorsOf(long).map((e) => e.message)).toEqual([`failed to satisfy constraint: Member must have length less than or equal to 4096 (got ${long.length} characters)`]);
  });

  it("accepts up to 5 filters quietly, 6 to 10 with a quota warning, and refuses 11", () => {
    const n = (count: number) => parseFilterCriteria({ Filters: Array.from({ length: count }, (_, i) => ({ Pattern: `{"a": [${i}]}` })) });
    const five = n(5);
    const ten = n(10);
    const eleven = n(11);
    expect([five.ok, five.warnings.length]).toEqual([true, 0]);
    expect([ten.ok, ten.warnings.map((w) => w.message)]).toEqual([true, ["10 filters is above the default quota of 5 per event source mapping: AWS refuses the mapping unless the quota was raised (up to 10)"]]);
    expect(eleven.ok ? [] : eleven.problems.map((p) => p.message)).toEqual(["at most 10 filters per event source mapping (5 by default, up to 10 with a quota increase) (got 11)"]);
  });

  it("tells a misshapen FilterCriteria apart from a bad pattern", () => {
    const r = parseFilterCriteria({ Filters: [{ Pattern: { body: ["x"] } }, { Pattern: "{}", Other: 1 }] });
    expect(r.ok ? [] : r.problems.map((p) => [p.code, p.path.join(".")])).toEqual([
      ["shape", "Filters.0.Pattern"],
      ["shape", "Filters.1.Other"],
      ["pattern", "Filters.1.Pattern"],
    ]);
  });
});

describe("filter patterns: what a filter reads", () => {
  it("lists the top-level keys and field paths the patterns read, $or branches included", () => {
    const f = compile([`{"body": {"a": ["x"], "$or": [{"b": [1]}, {"c": {"d": [2]}}]}}`, `{"attributes": {"SentTimestamp": [{"exists": true}]}}`]);
    expect(referencedRoots(f)).toEqual(["attributes", "body"]);
    expect(f.paths.map((p) => p.join("."))).toEqual(["attributes.SentTimestamp", "body.a", "body.b", "body.c.d"]);
  });

  it("says when the payload alone decides (so callers can match once per payload)", () => {
    expect(payloadDecides(compile([`{"body": {"a": ["x"]}}`]), "sqs")).toBe(true);
    expect(payloadDecides(compile([`{"body": {"a": ["x"]}}`, `{"messageId": ["m"]}`]), "sqs")).toBe(false);
    expect(payloadDecides(compile([`{"data": {"a": ["x"]}}`]), "kinesis")).toBe(true);
    expect(payloadDecides(compile([`{"partitionKey": ["p"]}`]), "kinesis")).toBe(false);
    expect(payloadDecides(compile([`{"dynamodb": {"NewImage": {"a": {"S": ["x"]}}}}`]), "dynamodb")).toBe(false);
  });
});

describe("filter views: the record as AWS's event shows it", () => {
  it("shapes an SQS record with body, string attributes and message attributes", () => {
    expect(JSON.parse(JSON.stringify(sqs({ a: 1 }, 3)))).toEqual({
      messageId: "msg-000001",
      body: { a: 1 },
      attributes: { ApproximateReceiveCount: "3", SentTimestamp: "1000", SenderId: "AIDAESMSIMULATOR00000", ApproximateFirstReceiveTimestamp: "1500" },
      messageAttributes: {},
      eventSource: "aws:sqs",
      awsRegion: "us-east-1",
    });
  });

  it("converts plain JSON to DynamoDB attribute values, numbers as N strings in their spelling", () => {
    expect(toAttributeValue({ s: "x", n: 1.5, b: true, z: null, l: [1, "a"], m: { k: { deep: 0 } } })).toEqual({
      M: { s: { S: "x" }, n: { N: "1.5" }, b: { BOOL: true }, z: { NULL: true }, l: { L: [{ N: "1" }, { S: "a" }] }, m: { M: { k: { M: { deep: { N: "0" } } } } } },
    });
    expect(toAttributeValue(rec(`{"price": 300.0}`))).toEqual({ M: { price: { N: "300.0" } } });
  });

  const ddb = (eventName: "INSERT" | "MODIFY" | "REMOVE", streamViewType: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES") =>
    filterView("dynamodb", {
      eventName,
      keys: { pk: "order-1" },
      newImage: preparePayload({ status: "PAID", total: 42 }),
      oldImage: preparePayload({ status: "NEW", total: 42 }),
      streamViewType,
      sequenceNumber: "000000000000000000001",
      sizeBytes: 80,
      creationS: 1700000000,
    });

  it("shapes a DynamoDB record: images only as the stream view type and event name carry them", () => {
    const v = ddb("MODIFY", "NEW_AND_OLD_IMAGES") as { dynamodb: Record<string, unknown> };
    expect(JSON.parse(JSON.stringify(v))).toEqual({
      eventName: "MODIFY",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: 1700000000,
        Keys: { pk: { S: "order-1" } },
        NewImage: { status: { S: "PAID" }, total: { N: "42" } },
        OldImage: { status: { S: "NEW" }, total: { N: "42" } },
        SequenceNumber: "000000000000000000001",
        SizeBytes: 80,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(Object.keys((ddb("INSERT", "NEW_AND_OLD_IMAGES") as { dynamodb: object }).dynamodb)).not.toContain("OldImage");
    expect(Object.keys((ddb("REMOVE", "NEW_AND_OLD_IMAGES") as { dynamodb: object }).dynamodb)).not.toContain("NewImage");
    expect(Object.keys((ddb("MODIFY", "KEYS_ONLY") as { dynamodb: object }).dynamodb)).not.toContain("NewImage");
  });

  it("filters DynamoDB records on eventName and NewImage; a KEYS_ONLY stream has no NewImage to match", () => {
    const f = compile([`{"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}`], "dynamodb");
    expect([f.matches(ddb("MODIFY", "NEW_IMAGE")), f.matches(ddb("INSERT", "NEW_IMAGE")), f.matches(ddb("MODIFY", "KEYS_ONLY"))]).toEqual([true, false, false]);
  });

  it("never matches numeric on a DynamoDB number, since N holds a string", () => {
    const numeric = compile([`{"dynamodb": {"NewImage": {"total": {"N": [{"numeric": [">", 10]}]}}}}`], "dynamodb");
    const asString = compile([`{"dynamodb": {"NewImage": {"total": {"N": ["42"]}}}}`], "dynamodb");
    expect([numeric.matches(ddb("MODIFY", "NEW_IMAGE")), asString.matches(ddb("MODIFY", "NEW_IMAGE"))]).toEqual([false, true]);
  });
});

describe("JSON text for filtering", () => {
  it("keeps non-canonical number spellings and gives objects no prototype", () => {
    const r = parseJsonText(`{"a": 300.0, "b": 300, "c": -0, "d": 1E3, "__proto__": 1}`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as Record<string, unknown>;
    expect([v.a, v.b, v.c, v.d].map((x) => (x instanceof JsonNumber ? `JsonNumber ${x.text}` : x))).toEqual(["JsonNumber 300.0", 300, "JsonNumber -0", "JsonNumber 1E3"]);
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(Object.keys(v)).toEqual(["a", "b", "c", "d", "__proto__"]);
  });

  it("refuses what JSON refuses, with the offset", () => {
    expect(["{'a': 1}", '{"a": 01}', '{"a": 1.}', '"\\x"', "[1,]", "nul", '{"a": 1} x', '"a\nb"'].map((t) => {
      const r = parseJsonText(t);
      return r.ok ? "ok" : r.offset;
    })).toEqual([1, 7, 8, 1, 3, 0, 9, 2]);
  });

  it("reports nesting deeper than its limit instead of overflowing the stack", () => {
    const r = parseJsonText("[".repeat(100_000));
    expect(r.ok ? "ok" : r.message).toBe("nested deeper than 512 levels");
  });
});
