/**
 * Loading a CloudFormation, SAM or CDK-synthesized template (YAML or JSON) into plain values, with the
 * short-form tags turned into their long form (`!Ref X` -> `{ Ref: "X" }`, `!GetAtt A.B` -> `{ "Fn::GetAtt": ["A", "B"] }`)
 * and the position of every value kept for messages.
 *
 * The `yaml` package parses the document with its tags left on the nodes; this module walks the node tree and
 * converts each CloudFormation tag itself, which gives one position per value, tagged or not.
 *
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * (short forms), https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html.
 * Not handled: YAML merge keys (`<<`), which CloudFormation does not accept either.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from "yaml";
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { show } from "../scenario/show.js";

/** Each short-form tag and the long-form key it stands for. */
export const SHORT_FORM_TAGS: Readonly<Record<string, string>> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  "!GetAtt": "Fn::GetAtt",
  "!Sub": "Fn::Sub",
  "!Join": "Fn::Join",
  "!If": "Fn::If",
  "!Select": "Fn::Select",
  "!Split": "Fn::Split",
  "!FindInMap": "Fn::FindInMap",
  "!ImportValue": "Fn::ImportValue",
  "!Equals": "Fn::Equals",
  "!Not": "Fn::Not",
  "!And": "Fn::And",
  "!Or": "Fn::Or",
  "!Base64": "Fn::Base64",
  "!Cidr": "Fn::Cidr",
  "!GetAZs": "Fn::GetAZs",
  "!Transform": "Fn::Transform",
  "!Length": "Fn::Length",
  "!ToJsonString": "Fn::ToJsonString",
};

/** Templates larger than this are refused (CloudFormation's own limit for a template in S3 is 1 MB). */
export const MAX_TEMPLATE_BYTES = 4 * 1024 * 1024;
const MAX_DEPTH = 100;
const MAX_ALIAS_EXPANSIONS = 10_000;
/**
 * How large a template may become once its aliases are expanded: every value counts one, and a string counts its
 * length too. As much as the file cap leaves room for any real template's anchors, and stops an anchor of a large
 * list or a long string used thousands of times within seconds, before it fills memory.
 */
export const MAX_EXPANDED_SIZE = MAX_TEMPLATE_BYTES;

export interface Position {
  line: number;
  col: number;
}

export interface Template {
  file: string;
  root: Record<string, unknown>;
  /** Position of each value by its path (keys joined by "\u001f"). */
  positions: Map<string, Position>;
}

export type LoadResult = { ok: true; template: Template } | { ok: false; errors: Problem[] };

export const pathKey = (path: Path): string => path.map(String).join("\u001f");

/** The position of the value at `path`, or of its nearest ancestor that has one. */
export function positionOf(t: Template, path: Path): Position {
  for (let n = path.length; n >= 0; n--) {
    const p = t.positions.get(pathKey(path.slice(0, n)));
    if (p) return p;
  }
  return { line: 1, col: 1 };
}

/** How a template path is shown: `OrdersQueue.Properties.VisibilityTimeout` (no leading `Resources.`). */
export function showTemplatePath(path: Path): string {
  const rest = path[0] === "Resources" ? path.slice(1) : path;
  let out = "";
  for (const seg of rest) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

export function templateProblem(t: { file: string; positions?: Map<string, Position> } | Template, severity: Problem["severity"], path: Path, message: string): Problem {
  const pos = "root" in t ? positionOf(t, path) : { line: 1, col: 1 };
  return { severity, file: t.file, line: pos.line, col: pos.col, path: showTemplatePath(path), message };
}

export function loadTemplate(text: string, file: string): LoadResult {
  const doc = loadDocument(text, file);
  return doc.ok ? templateOf(doc.root, doc.positions, file) : doc;
}

export type DocumentResult = { ok: true; root: unknown; positions: Map<string, Position> } | { ok: false; errors: Problem[] };

/**
 * A YAML or JSON file as plain values with the position of each, whatever its shape: the first step of loading a
 * template, and how serverless.yml and Terraform's JSON are read too.
 */
export function loadDocument(text: string, file: string): DocumentResult {
  const fail = (line: number, col: number, message: string): DocumentResult => ({ ok: false, errors: [{ severity: "error", file, line, col, path: "", message }] });
  if (text.length > MAX_TEMPLATE_BYTES) return fail(1, 1, `the file is ${text.length} bytes; templates are limited to ${MAX_TEMPLATE_BYTES} bytes`);
  if (text.trim() === "") return fail(1, 1, "the file is empty: a template needs at least a Resources section");

  // JSON (what `cdk synth` writes) is parsed natively, with a small scanner for positions: yaml's parser is
  // about a hundred times slower on large synthesized templates. Anything else, or JSON that does not parse,
  // goes through yaml, which also gives the positions of syntax errors.
  const json = tryJson(text);
  if (json !== undefined && typeof json === "object" && json !== null && !Array.isArray(json)) {
    const scanned = jsonPositions(text);
    if (scanned === null) return fail(1, 1, `the template nests deeper than ${MAX_DEPTH} levels`);
    return { ok: true, root: json, positions: scanned };
  }

  const lc = new LineCounter();
  // Keys are checked for uniqueness by the walker with a set: yaml's own check compares every pair of keys of a map.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: false });
  if (doc.errors.length > 0) {
    const errors: Problem[] = [];
    const seen = new Set<string>();
    for (const e of doc.errors) {
      const pos = lc.linePos(e.pos[0]);
      const msg = `not a valid YAML or JSON template: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`;
      const k = `${pos.line}:${pos.col}:${msg}`;
      if (seen.has(k)) continue;
      seen.add(k);
      errors.push({ severity: "error", file, line: pos.line, col: pos.col, path: "", message: msg });
    }
    return { ok: false, errors };
  }
  const positions = new Map<string, Position>();
  const walker = new Walker(doc, lc, positions, file, text);
  const root = walker.value(doc.contents as Node | null, []);
  if (walker.errors.length > 0) return { ok: false, errors: walker.errors };
  return { ok: true, root, positions };
}

/** A loaded document as a template: a map with a Resources section. */
export function templateOf(root: unknown, positions: Map<string, Position>, file: string): LoadResult {
  const fail = (line: number, col: number, message: string): LoadResult => ({ ok: false, errors: [{ severity: "error", file, line, col, path: "", message }] });
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    return fail(1, 1, `a template must be a map with a Resources section (got ${show(root)})`);
  }
  const obj = root as Record<string, unknown>;
  if (typeof obj.Resources !== "object" || obj.Resources === null || Array.isArray(obj.Resources)) {
    const pos = positions.get(pathKey(["Resources"])) ?? { line: 1, col: 1 };
    return fail(pos.line, pos.col, obj.Resources === undefined ? "the template has no Resources section" : `Resources must be a map of logical ids to resources (got ${show(obj.Resources)})`);
  }
  return { ok: true, template: { file, root: obj, positions } };
}

/** The position of every value of a valid JSON text, by path; null when it nests deeper than MAX_DEPTH. */
export function jsonPositions(text: string): Map<string, Position> | null {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - lineStarts[lo] + 1 };
  };
  const out = new Map<string, Position>();
  let i = 0;
  const skip = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) i++;
      else return;
    }
  };
  const str = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const join = (path: string, seg: string | number) => (path === "" ? String(seg) : `${path}\u001f${seg}`);
  const value = (path: string, depth: number): boolean => {
    if (depth > MAX_DEPTH) return false;
    skip();
    out.set(path, at(i));
    const c = text[i];
    if (c === "{") {
      i++;
      skip();
      if (text[i] === "}") {
        i++;
        return true;
      }
      for (;;) {
        skip();
        const key = str();
        skip();
        i++; // ':'
        if (!value(join(path, key), depth + 1)) return false;
        skip();
        if (text[i++] === "}") return true;
      }
    }
    if (c === "[") {
      i++;
      skip();
      if (text[i] === "]") {
        i++;
        return true;
      }
      for (let n = 0; ; n++) {
        if (!value(join(path, n), depth + 1)) return false;
        skip();
        if (text[i++] === "]") return true;
      }
    }
    if (c === '"') str();
    else while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
    return true;
  };
  return value("", 0) ? out : null;
}

function tryJson(text: string): unknown {
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

class Walker {
  readonly errors: Problem[] = [];
  private aliases = 0;
  /** Values and string characters produced so far (MAX_EXPANDED_SIZE). */
  private size = 0;
  private tooLarge = false;
  /** Inside an alias's expansion: values there take the alias's position (positionOf finds it), so the table of
   *  positions grows with the file, not with the expansion. */
  private aliasDepth = 0;
  /** The outermost alias being expanded, where a problem inside the expansion is reported. */
  private aliasNode: Node | null = null;

  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly positions: Map<string, Position>,
    private readonly file: string,
    private readonly text: string,
  ) {}

  /** Each alias's anchored node, found in one pass over the document the first time an alias is met: the last node
   *  before the alias carrying its anchor (YAML lets an anchor be set again; an alias refers to the latest). yaml's
   *  own Alias.resolve walks the whole document for every alias, which a template of many aliases made slow. */
  private targets: Map<Alias, Node | undefined> | null = null;

  private targetOf(alias: Alias): Node | undefined {
    if (this.targets === null) {
      const targets = new Map<Alias, Node | undefined>();
      const latest = new Map<string, Node>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node)) targets.set(node, latest.get(node.source));
          else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) latest.set(node.anchor, node);
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  /** Where a node starts, its tag included (yaml's range starts after the tag). */
  private at(node: Node | null | undefined): Position {
    let offset = node?.range?.[0] ?? 0;
    const tag = node?.tag;
    if (tag && tag.startsWith("!")) {
      const i = this.text.lastIndexOf(tag, offset);
      if (i >= 0 && !this.text.slice(i, offset).includes("\n")) offset = i;
    }
    const p = this.lc.linePos(offset);
    return { line: p.line, col: p.col };
  }

  private error(node: Node | null | undefined, path: Path, message: string): void {
    const pos = this.at(node);
    this.errors.push({ severity: "error", file: this.file, line: pos.line, col: pos.col, path: showTemplatePath(path), message });
  }

  value(node: Node | null, path: Path, depth = 0): unknown {
    if (node === null || node === undefined || this.tooLarge) return null;
    if (++this.size > MAX_EXPANDED_SIZE) {
      this.tooLarge = true;
      this.error(this.aliasNode ?? node, path, `the template expands to more than ${MAX_EXPANDED_SIZE} values and characters through its aliases; use each anchor fewer times`);
      return null;
    }
    if (depth > MAX_DEPTH) {
      this.error(node, path, `the template nests deeper than ${MAX_DEPTH} levels`);
      return null;
    }
    if (isAlias(node)) {
      if (++this.aliases > MAX_ALIAS_EXPANSIONS) {
        this.error(node, path, `too many alias expansions (more than ${MAX_ALIAS_EXPANSIONS})`);
        return null;
      }
      const target = this.targetOf(node);
      if (this.aliasDepth === 0) this.positions.set(pathKey(path), this.at(node));
      if (this.aliasDepth++ === 0) this.aliasNode = node;
      const v = this.value(target ?? null, path, depth + 1);
      if (--this.aliasDepth === 0) this.aliasNode = null;
      return v;
    }
    if (this.aliasDepth === 0) this.positions.set(pathKey(path), this.at(node));
    const tag = node.tag;
    if (tag && tag.startsWith("!") && !tag.startsWith("!!")) {
      const long = SHORT_FORM_TAGS[tag];
      if (!long) {
        this.error(node, path, `unknown tag ${tag} (CloudFormation's short forms: ${Object.keys(SHORT_FORM_TAGS).join(" ")})`);
        return null;
      }
      const innerPath = [...path, long];
      if (this.aliasDepth === 0) this.positions.set(pathKey(innerPath), this.at(node));
      let inner = this.plain(node, innerPath, depth);
      if (long === "Fn::GetAtt" && typeof inner === "string") {
        // `!GetAtt Resource.Attribute`: the logical id ends at the first dot; the attribute may hold more dots.
        const dot = inner.indexOf(".");
        inner = dot < 0 ? [inner] : [inner.slice(0, dot), inner.slice(dot + 1)];
      }
      return { [long]: inner };
    }
    return this.plain(node, path, depth);
  }

  /** The node's value ignoring its own tag. */
  private plain(node: Node, path: Path, depth: number): unknown {
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : keyNode === null ? "" : String(keyNode);
        if (seen.has(key)) {
          const pos = this.at(keyNode);
          this.errors.push({ severity: "error", file: this.file, line: pos.line, col: pos.col, path: "", message: "not a valid YAML or JSON template: Map keys must be unique" });
          continue;
        }
        seen.add(key);
        const childPath = [...path, key];
        if (this.aliasDepth === 0) this.positions.set(pathKey(childPath), this.at((pair.value as Node | null) ?? keyNode));
        out[key] = this.value((pair.value as Node | null) ?? null, childPath, depth + 1);
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => this.value(item as Node | null, [...path, i], depth + 1));
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === "bigint") return Number(v);
      if (typeof v === "string") this.size += v.length;
      return v;
    }
    return null;
  }
}
