/** Find where a key path stands in a YAML document, for file:line:col in messages. */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from "yaml";

export interface Position {
  line: number;
  col: number;
}

export type Path = readonly (string | number)[];

/** The position of the value at `path`, or of the key `keyName` inside that map, or of the deepest ancestor found. */
export function locate(doc: Document, lc: LineCounter, path: Path, keyName?: string): Position {
  const best = nodeAt(doc, path, keyName);
  const offset = best?.range?.[0] ?? 0;
  const pos = lc.linePos(offset);
  return { line: pos.line, col: pos.col };
}

/** The node at `path` (or the key `keyName` inside it), or the deepest ancestor found. */
function nodeAt(doc: Document, path: Path, keyName?: string): Node | null {
  let node: Node | null = (doc.contents as Node | null) ?? null;
  let best: Node | null = node;
  const segs: (string | number)[] = keyName === undefined ? [...path] : [...path, keyName];
  for (let i = 0; i < segs.length && node; i++) {
    const seg = segs[i];
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    if (isMap(node)) {
      const pair = (node.items as Pair<Node, Node>[]).find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const isLast = i === segs.length - 1;
      // For the final segment named as a key (unknown key, or a key whose value is null), point at the key itself.
      if (isLast && (keyName !== undefined || pair.value === null || pair.value === undefined)) {
        node = pair.key;
      } else {
        node = pair.value ?? pair.key;
      }
    } else if (isSeq(node) && typeof seg === "number") {
      node = (node.items[seg] as Node | undefined) ?? null;
    } else {
      break;
    }
    if (node) best = node;
  }
  return best;
}

/**
 * The position of character `offset` of the string value at `path` (e.g. inside a JSON filter pattern), best effort:
 * exact for single-line plain, single-quoted and double-quoted scalars and for literal block scalars (`|`); for
 * anything else (folded or multi-line flow scalars) the position of the value itself.
 */
export function locateInString(doc: Document, lc: LineCounter, text: string, path: Path, offset: number): Position {
  const node = nodeAt(doc, path);
  const exact = isScalar(node) && typeof node.value === "string" && node.range ? sourceIndex(text, node.range[0], node.range[1], String(node.type), node.value, offset) : null;
  if (exact === null) return locate(doc, lc, path);
  const pos = lc.linePos(exact);
  return { line: pos.line, col: pos.col };
}

/** Where value character `offset` stands in the source text of a scalar spanning start..end, or null. */
function sourceIndex(text: string, start: number, end: number, type: string, value: string, offset: number): number | null {
  if (offset < 0 || offset > value.length) return null;
  let idx: number | null = null;
  if (type === "PLAIN") {
    idx = text.slice(start, start + value.length) === value ? start + offset : null;
  } else if (type === "QUOTE_SINGLE" || type === "QUOTE_DOUBLE") {
    const dbl = type === "QUOTE_DOUBLE";
    let i = start + 1;
    let k = 0;
    while (k < offset && i < end) {
      const c = text[i];
      if (c === "\n" || c === "\r") return null;
      if (dbl && c === "\\") {
        const e = text[i + 1];
        i += e === "x" ? 4 : e === "u" ? 6 : e === "U" ? 10 : 2;
        k += e === "U" ? 2 : 1;
      } else if (!dbl && c === "'" && text[i + 1] === "'") {
        i += 2;
        k++;
      } else {
        i++;
        k++;
      }
    }
    idx = k === offset ? i : null;
  } else if (type === "BLOCK_LITERAL") {
    const before = value.slice(0, offset);
    const line = before.split("\n").length - 1;
    const col = offset - (before.lastIndexOf("\n") + 1);
    // The header line (|, |-, |+) ends at the first newline; content lines follow one for one.
    let lineStart = text.indexOf("\n", start);
    if (lineStart < 0) return null;
    lineStart++;
    const firstLine = text.slice(lineStart, text.indexOf("\n", lineStart) < 0 ? end : text.indexOf("\n", lineStart));
    const indent = firstLine.length - firstLine.trimStart().length;
    for (let l = 0; l < line; l++) {
      const nl = text.indexOf("\n", lineStart);
      if (nl < 0) return null;
      lineStart = nl + 1;
    }
    idx = lineStart + indent + col;
  }
  if (idx === null || idx > end) return null;
  // Trust the mapping only when the character found is the one meant.
  if (offset < value.length && text[idx] !== value[offset] && !(type === "QUOTE_DOUBLE" && text[idx] === "\\")) return null;
  return idx;
}

/** `traffic[1].rate`, `mapping.BatchSize`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}
