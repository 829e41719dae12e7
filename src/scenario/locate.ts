/** Find where a key path stands in a YAML document, for file:line:col in messages. */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from "yaml";

export interface Position {
  line: number;
  col: number;
}

export type Path = readonly (string | number)[];

/** The position of the value at `path`, or of the key `keyName` inside that map, or of the deepest ancestor found. */
export function locate(doc: Document, lc: LineCounter, path: Path, keyName?: string): Position {
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
  const offset = best?.range?.[0] ?? 0;
  const pos = lc.linePos(offset);
  return { line: pos.line, col: pos.col };
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
