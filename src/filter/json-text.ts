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

/** The one-character escapes after a backslash, and what each stands for (\u is read apart). */
const SIMPLE_ESCAPES = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

export function parseJsonText(text: string, options: { offsets?: boolean; maxDepth?: number } = {}): JsonParse {
  const parser = new JsonParser(text, options.offsets ? new WeakMap<object, ChildOffsets>() : null, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    return parser.document();
  } catch (e) {
    if (e instanceof Fail) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}

/** A recursive-descent reader over `text`; `i` is the next character. Each method throws Fail at the first mistake. */
class JsonParser {
  private i = 0;
  private readonly n: number;

  constructor(
    private readonly text: string,
    private readonly offsets: WeakMap<object, ChildOffsets> | null,
    private readonly maxDepth: number,
  ) {
    this.n = text.length;
  }

  /** The whole text: one value, with only whitespace around it. */
  document(): JsonParse {
    this.ws();
    const rootOffset = this.i;
    const value = this.value(0);
    this.ws();
    if (this.i < this.n) throw new Fail(this.i, `unexpected ${describeChar(this.text, this.i)} after the end of the JSON value`);
    return { ok: true, value, offsets: this.offsets, rootOffset };
  }

  private ws(): void {
    const { text, n } = this;
    let i = this.i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private value(depth: number): unknown {
    this.ws();
    if (this.i >= this.n) throw new Fail(this.i, "unexpected end of text");
    const c = this.text[this.i];
    if (c === "{" || c === "[") {
      if (depth >= this.maxDepth) throw new Fail(this.i, `nested deeper than ${this.maxDepth} levels`);
      return c === "{" ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === "t") return this.word("true", true);
    if (c === "f") return this.word("false", false);
    if (c === "n") return this.word("null", null);
    return this.number();
  }

  /** A quoted string (text[i] is the opening quote), copied in runs between escapes. */
  private string(): string {
    const { text, n } = this;
    const start = this.i;
    let i = start + 1;
    let out = "";
    let runStart = i;
    for (;;) {
      if (i >= n) throw new Fail(start, "unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return out + text.slice(runStart, i);
      }
      if (c < 0x20) throw new Fail(i, "control character in a string (write it as an escape such as \\n)");
      if (c === 0x5c) {
        out += text.slice(runStart, i) + this.escape(i);
        i = this.i;
        runStart = i;
        continue;
      }
      i++;
    }
  }

  /** The escape at `at` (a backslash): what it stands for; `i` moves past it. */
  private escape(at: number): string {
    const e = this.text[at + 1];
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      this.i = at + 2;
      return simple;
    }
    if (e !== "u") throw new Fail(at, `bad escape \\${e ?? ""}`);
    const hex = this.text.slice(at + 2, at + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Fail(at, "bad \\u escape (needs four hex digits)");
    this.i = at + 6;
    return String.fromCharCode(parseInt(hex, 16));
  }

  /** A number: a plain number when written the canonical JS way, else a JsonNumber that keeps its spelling. */
  private number(): number | JsonNumber {
    const text = this.text;
    const start = this.i;
    if (text[this.i] === "-") this.i++;
    if (text[this.i] === "0") this.i++;
    else if (text[this.i] >= "1" && text[this.i] <= "9") this.digits();
    else throw new Fail(start, `unexpected ${describeChar(text, start)}`);
    if (text[this.i] === ".") {
      this.i++;
      if (!isDigit(text[this.i])) throw new Fail(this.i, "a digit must follow the decimal point");
      this.digits();
    }
    if (text[this.i] === "e" || text[this.i] === "E") {
      this.i++;
      if (text[this.i] === "+" || text[this.i] === "-") this.i++;
      if (!isDigit(text[this.i])) throw new Fail(this.i, "a digit must follow the exponent");
      this.digits();
    }
    const lexeme = text.slice(start, this.i);
    const value = Number(lexeme);
    return String(value) === lexeme ? value : new JsonNumber(lexeme, value);
  }

  private digits(): void {
    while (isDigit(this.text[this.i])) this.i++;
  }

  private word(w: string, v: unknown): unknown {
    if (!this.text.startsWith(w, this.i)) throw new Fail(this.i, `unexpected ${describeChar(this.text, this.i)}`);
    this.i += w.length;
    return v;
  }

  /** Where a container's children start, when offsets were asked for. */
  private childOffsets(container: object): ChildOffsets | null {
    if (!this.offsets) return null;
    const offs: ChildOffsets = { values: new Map(), keys: new Map() };
    this.offsets.set(container, offs);
    return offs;
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const offs = this.childOffsets(out);
    this.i++;
    this.ws();
    if (this.text[this.i] === "}") {
      this.i++;
      return out;
    }
    do this.member(out, offs, depth);
    while (!this.closes("}"));
    return out;
  }

  /** `"key": value`, stored in `out` (the last of duplicate keys wins). */
  private member(out: Record<string, unknown>, offs: ChildOffsets | null, depth: number): void {
    this.ws();
    if (this.text[this.i] !== '"') throw new Fail(this.i, `expected a quoted key, found ${describeChar(this.text, this.i)}`);
    const keyAt = this.i;
    const key = this.string();
    this.ws();
    if (this.text[this.i] !== ":") throw new Fail(this.i, `expected ":" after the key ${JSON.stringify(key)}, found ${describeChar(this.text, this.i)}`);
    this.i++;
    this.ws();
    const valueAt = this.i;
    out[key] = this.value(depth);
    if (offs) {
      offs.keys.set(key, keyAt);
      offs.values.set(key, valueAt);
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    const offs = this.childOffsets(out);
    this.i++;
    this.ws();
    if (this.text[this.i] === "]") {
      this.i++;
      return out;
    }
    do {
      this.ws();
      if (offs) offs.values.set(out.length, this.i);
      out.push(this.value(depth));
    } while (!this.closes("]"));
    return out;
  }

  /** After a member or an element: true at the closing bracket, false at a comma (another follows). */
  private closes(close: "}" | "]"): boolean {
    this.ws();
    const c = this.text[this.i];
    if (c === "," || c === close) {
      this.i++;
      return c === close;
    }
    throw new Fail(this.i, `expected "," or "${close}", found ${describeChar(this.text, this.i)}`);
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
