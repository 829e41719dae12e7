import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import ts from "typescript";

// The layout rules of docs/architecture.md, checked on the source itself. Each rule is a small function over the
// import graph, so the second half of this file can show that every rule fails on a graph that breaks it.

/** Folders (and the top-level files) from the bottom up. A folder may import only folders of a lower rank. */
const RANKS: Record<string, number> = {
  engine: 0,
  trace: 1,
  filter: 1,
  io: 1,
  sources: 2,
  lambda: 3,
  esm: 4,
  metrics: 4,
  scenario: 5,
  run: 6,
  checks: 7,
  sweep: 7,
  template: 7,
  report: 8,
  explain: 9,
  "api.ts": 10,
  cli: 11,
  "index.ts": 11,
};
/** Where reading files and the process are allowed: the CLI and the one module that reads input for CLI and API. */
const IO_ALLOWED = ["cli/", "io/"];
/** Where the wall clock, timers and Math.random are allowed. */
const CLOCK_ALLOWED = ["cli/"];

interface Imp {
  from: string;
  to: string;
  typeOnly: boolean;
}
interface SourceFile {
  path: string;
  imports: Imp[];
  nodeModules: string[];
  usesProcess: boolean;
  clockLines: string[];
}

const SRC = resolve(__dirname, "..", "src");

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

const CLOCK = /\bDate\b|Math\.random|setTimeout|setInterval|setImmediate|performance\.now|process\.hrtime|\basync\b|\bawait\b/;

function readSource(abs: string): SourceFile {
  const text = readFileSync(abs, "utf8");
  const sf = ts.createSourceFile(abs, text, ts.ScriptTarget.ES2022, true);
  const path = relative(SRC, abs);
  const imports: Imp[] = [];
  const nodeModules: string[] = [];
  let usesProcess = false;
  const addSpec = (spec: string, typeOnly: boolean) => {
    if (spec.startsWith(".")) imports.push({ from: path, to: relative(SRC, resolve(dirname(abs), spec)).replace(/\.js$/, ".ts"), typeOnly });
    else nodeModules.push(spec);
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly = !!n.importClause?.isTypeOnly || (!!n.importClause && !n.importClause.name && !!n.importClause.namedBindings && ts.isNamedImports(n.importClause.namedBindings) && n.importClause.namedBindings.elements.every((e) => e.isTypeOnly));
      addSpec(n.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      addSpec(n.moduleSpecifier.text, n.isTypeOnly);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      addSpec(n.arguments[0].text, false);
    } else if (ts.isIdentifier(n) && n.text === "process") {
      const p = n.parent;
      const isMemberName = ts.isPropertyAccessExpression(p) && p.name === n;
      const isKey = (ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) && p.name === n;
      if (!isMemberName && !isKey) usesProcess = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const clockLines: string[] = [];
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "").replace(/^\s*\/\*\*.*$/, "");
    if (CLOCK.test(code)) clockLines.push(`${path}:${i + 1}: ${line.trim()}`);
  });
  return { path, imports, nodeModules, usesProcess, clockLines };
}

const folderOf = (path: string) => (path.includes("/") ? path.split("/")[0] : path);

/** Strongly connected components of more than one node (or a node importing itself): the cycles. */
function cycles(edges: [string, string][]): string[][] {
  const adj = new Map<string, string[]>();
  for (const [a, b] of edges) {
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a)!.push(b);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || edges.some(([a, b]) => a === v && b === v)) out.push(comp.sort());
    }
  };
  for (const v of [...adj.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

export function folderCycles(files: SourceFile[]): string[][] {
  const edges: [string, string][] = [];
  for (const f of files) for (const i of f.imports) if (folderOf(i.from) !== folderOf(i.to)) edges.push([folderOf(i.from), folderOf(i.to)]);
  return cycles(edges);
}

export function fileCycles(files: SourceFile[]): string[][] {
  return cycles(files.flatMap((f) => f.imports.map((i) => [i.from, i.to] as [string, string])));
}

export function upwardImports(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const i of f.imports) {
      const a = folderOf(i.from);
      const b = folderOf(i.to);
      if (a === b) continue;
      if (RANKS[a] === undefined || RANKS[b] === undefined) out.push(`${i.from} -> ${i.to}: ${RANKS[a] === undefined ? a : b} has no place in the layers`);
      else if (RANKS[b] >= RANKS[a]) out.push(`${i.from} -> ${i.to}: ${a} (layer ${RANKS[a]}) may not import ${b} (layer ${RANKS[b]})`);
    }
  }
  return out;
}

const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|worker_threads|readline|net|http|https)$/;

export function ioOutsideBoundary(files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (IO_ALLOWED.some((p) => f.path.startsWith(p))) continue;
    for (const m of f.nodeModules) if (IO_MODULES.test(m)) out.push(`${f.path} imports ${m}`);
    if (f.usesProcess) out.push(`${f.path} uses process`);
  }
  return out;
}

export function clockOutsideCli(files: SourceFile[]): string[] {
  return files.filter((f) => !CLOCK_ALLOWED.some((p) => f.path.startsWith(p))).flatMap((f) => f.clockLines);
}

describe("the source's layout", () => {
  const files = listTs(SRC).map(readSource);

  it("has no cycle between folders", () => {
    expect(folderCycles(files)).toEqual([]);
  });

  it("has no cycle between files, type-only imports included", () => {
    expect(fileCycles(files)).toEqual([]);
  });

  it("imports only down the layers", () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it("reads files and touches the process only in the CLI and the input module", () => {
    expect(ioOutsideBoundary(files)).toEqual([]);
  });

  it("uses no wall clock, Math.random, timers or async outside the CLI", () => {
    expect(clockOutsideCli(files)).toEqual([]);
  });

  it("gives every folder of src a layer", () => {
    const unplaced = [...new Set(files.map((f) => folderOf(f.path)))].filter((f) => RANKS[f] === undefined);
    expect(unplaced).toEqual([]);
  });
});

describe("each layout rule fails on a source that breaks it", () => {
  const file = (path: string, imports: [string, boolean?][], extra: Partial<SourceFile> = {}): SourceFile => ({
    path,
    imports: imports.map(([to, typeOnly]) => ({ from: path, to, typeOnly: !!typeOnly })),
    nodeModules: [],
    usesProcess: false,
    clockLines: [],
    ...extra,
  });

  it("finds a folder cycle", () => {
    const broken = [file("scenario/model.ts", [["esm/profiles.ts"]]), file("esm/profiles.ts", [["scenario/model.ts", true]])];
    expect(folderCycles(broken)).toEqual([["esm", "scenario"]]);
  });

  it("finds a file cycle made of a type-only import", () => {
    const broken = [file("run/a.ts", [["run/b.ts"]]), file("run/b.ts", [["run/a.ts", true]])];
    expect(fileCycles(broken)).toEqual([["run/a.ts", "run/b.ts"]]);
  });

  it("finds an import that runs up the layers", () => {
    const broken = [file("sources/stream.ts", [["scenario/model.ts", true]])];
    expect(upwardImports(broken)).toEqual(["sources/stream.ts -> scenario/model.ts: sources (layer 2) may not import scenario (layer 5)"]);
  });

  it("finds fs and process outside the boundary", () => {
    const broken = [file("report/html.ts", [], { nodeModules: ["node:fs"], usesProcess: true })];
    expect(ioOutsideBoundary(broken)).toEqual(["report/html.ts imports node:fs", "report/html.ts uses process"]);
  });

  it("finds the wall clock outside the CLI, reading real lines", () => {
    const dir = SRC;
    const probe = readSource(join(dir, "engine", "prng.ts"));
    expect(probe.clockLines).toEqual([]);
    expect(clockOutsideCli([file("esm/x.ts", [], { clockLines: ["esm/x.ts:3: const t = Date.now();"] })])).toHaveLength(1);
    expect(CLOCK.test("const t = Date.now();")).toBe(true);
    expect(CLOCK.test("const u = Math.random();")).toBe(true);
  });
});
