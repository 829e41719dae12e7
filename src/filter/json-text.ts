/**
 * A JSON text parser for event filtering: it keeps what JSON.parse throws away and filtering needs.
 *
 * - Numbers keep their spelling. Lambda matches exact numbers "as strings": "300, 300.0, and 3.0e2 are not
 *   considered equal" (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html). A number whose
 *   text is the canonical JS spelling (String(Number(text)) === text, e.g. 300, 1.5, -2) becomes a plain number; any
 *   other spelling (300.0, 3.0e2, -0, 1E3, 12345678901234567890) becomes a JsonNumber holding text and value.
 *   Plain numbers from YAML data serialise to their canonical spelling, so both kinds compare by spelling.
 * - Objects have no prototype, so a key such as "__proto__" or "toString" is just a key.
 * - On request, the character offset of every value and key, for error positions inside a filter pattern.
 * - A depth limit (default 512) instead of a stack overflow; deeper text is reported as not valid.
 * Duplicate keys: the last one wins, as with JSON.parse.
 */

/** A JSON number whose spelling is not the canonical JS one; `text` is exactly as written. */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

/** Offsets of one container's children: value start and (objects) key start, by key or index. */
export interface ChildOffsets {
  values: Map<string | number, number>;
  keys: Map<string, number>;
}

export type JsonParse =
  | { ok: true; value: unknown; offsets: WeakMap<object, ChildOffsets> | null; rootOffset: number }
  | { ok: false; offset: number; message: string };

class Fail {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const DEFAULT_MAX_DEPTH = 512;

function describeChar(text: string, i: number): string {
  return i >= text.length ? "end of text" : `${JSON.stringify(text[i])}`;
}

export function parseJsonText(text: string, options: { offsets?: boolean; maxDepth?: number } = {}): JsonParse {
  const offsets = options.offsets ? new WeakMap<object, ChildOffsets>() : null;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let i = 0;
  const n = text.length;

  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const str = (): string => {
    // text[i] === '"'
    const start = i;
    i++;
    let out = "";
    let runStart = i;
    for (;;) {
      if (i >= n) throw new Fail(start, "unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < 0x20) throw new Fail(i, "control character in a string (write it as an escape such as \\n)");
      if (c === 0x5c) {
        out += text.slice(runStart, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
          case "\\":
          case "/":
            out += e;
            i += 2;
            break;
          case "b":
            out += "\b";
            i += 2;
            break;
          case "f":
            out += "\f";
            i += 2;
            break;
          case "n":
            out += "\n";
            i += 2;
            break;
          case "r":
            out += "\r";
            i += 2;
            break;
          case "t":
            out += "\t";
            i += 2;
            break;
          case "u": {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Fail(i, "bad \\u escape (needs four hex digits)");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            break;
          }
          default:
            throw new Fail(i, `bad escape \\${e ?? ""}`);
        }
        runStart = i;
        continue;
      }
      i++;
    }
  };

  const num = (): number | JsonNumber => {
    const start = i;
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (text[i] >= "1" && text[i] <= "9") while (text[i] >= "0" && text[i] <= "9") i++;
    else throw new Fail(start, `unexpected ${describeChar(text, start)}`);
    if (text[i] === ".") {
      i++;
      if (!(text[i] >= "0" && text[i] <= "9")) throw new Fail(i, "a digit must follow the decimal point");
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!(text[i] >= "0" && text[i] <= "9")) throw new Fail(i, "a digit must follow the exponent");
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
    const lexeme = text.slice(start, i);
    const value = Number(lexeme);
    return String(value) === lexeme ? value : new JsonNumber(lexeme, value);
  };

  const word = (w: string, v: unknown): unknown => {
    if (text.startsWith(w, i)) {
      i += w.length;
      return v;
    }
    throw new Fail(i, `unexpected ${describeChar(text, i)}`);
  };

  const value = (depth: number): unknown => {
    ws();
    if (i >= n) throw new Fail(i, "unexpected end of text");
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) throw new Fail(i, `nested deeper than ${maxDepth} levels`);
      return c === "{" ? obj(depth + 1) : arr(depth + 1);
    }
    if (c === '"') return str();
    if (c === "t") return word("true", true);
    if (c === "f") return word("false", false);
    if (c === "n") return word("null", null);
    return num();
  };

  const obj = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const offs: ChildOffsets | null = offsets ? { values: new Map(), keys: new Map() } : null;
    if (offs) offsets!.set(out, offs);
    i++;
    ws();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') throw new Fail(i, `expected a quoted key, found ${describeChar(text, i)}`);
      const keyAt = i;
      const key = str();
      ws();
      if (text[i] !== ":") throw new Fail(i, `expected ":" after the key ${JSON.stringify(key)}, found ${describeChar(text, i)}`);
      i++;
      ws();
      const valueAt = i;
      out[key] = value(depth);
      if (offs) {
        offs.keys.set(key, keyAt);
        offs.values.set(key, valueAt);
      }
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      throw new Fail(i, `expected "," or "}", found ${describeChar(text, i)}`);
    }
  };

  const arr = (depth: number): unknown[] => {
    const out: unknown[] = [];
    const offs: ChildOffsets | null = offsets ? { values: new Map(), keys: new Map() } : null;
    if (offs) offsets!.set(out, offs);
    i++;
    ws();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (offs) offs.values.set(out.length, i);
      out.push(value(depth));
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      throw new Fail(i, `expected "," or "]", found ${describeChar(text, i)}`);
    }
  };

  try {
    ws();
    const rootOffset = i;
    const v = value(0);
    ws();
    if (i < n) throw new Fail(i, `unexpected ${describeChar(text, i)} after the end of the JSON value`);
    return { ok: true, value: v, offsets, rootOffset };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}

/** The JSON spelling of a value: JsonNumber keeps its text; everything else as JSON.stringify writes it. */
export function jsonSpelling(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonSpelling).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${jsonSpelling((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}
