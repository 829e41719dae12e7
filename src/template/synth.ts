/**
 * Other formats drafted through the CloudFormation path. Terraform and the Serverless Framework describe the same
 * AWS resources as CloudFormation does, so their importers write the resources they find as an equivalent
 * CloudFormation template (a "synthesized" one, held in memory only), let discover() draft the scenarios from it with
 * all its defaults, choices and lints, and then translate the drafts back: every comment, warning and position then
 * names the source file's own paths (`module.orders.aws_sqs_queue.this.visibility_timeout_seconds`,
 * `functions.worker.events[0].sqs.batchSize`), never the synthesized template.
 *
 * Values the source does not determine are written as a reference to a parameter without a default, which the
 * CloudFormation resolver reports as unresolved; the translation replaces its wording with the importer's reason.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import type { Discovery } from "./discover.js";
import type { Draft, Entry, Origin, Section, Skipped } from "./draft.js";
import { pathKey, showTemplatePath, type Position, type Template } from "./load.js";

type Obj = Record<string, unknown>;

/** Where a value of the synthesized template came from. */
export interface Source {
  /** The path shown in comments and problems. */
  path: Path;
  /** Where the value is in the parsed file, when that differs from `path` (Terraform's JSON). */
  at?: Path;
  /** Paths below this one map one to one onto the source (a CloudFormation block copied as it is). */
  nested?: boolean;
  /** How the value was arrived at (`var.batch_size, its default`), written after the path. */
  via?: string;
  /** A value the source does not hold (a framework's default, a made-up name): this note replaces the origin. */
  note?: string;
  /** The file the value is in, when the source is made of several files (Terraform's `.tf` files). */
  file?: string;
}

/** What an importer found, ready for the selection and writing that every format shares (template/index.ts). */
export type Imported =
  | { ok: true; template: Template; found: Discovery; nothing: string }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

/** A value the source alone does not determine, with the reason (an importer's own, before it is synthesized). */
export class Unknown {
  constructor(readonly reason: string) {}
}

/** The first Unknown inside a value, if any. */
export function firstUnknown(v: unknown): Unknown | null {
  if (v instanceof Unknown) return v;
  if (Array.isArray(v)) {
    for (const x of v) {
      const u = firstUnknown(x);
      if (u) return u;
    }
  } else if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) {
      const u = firstUnknown(x);
      if (u) return u;
    }
  }
  return null;
}

const MARKER_PREFIX = "EsmSimUnresolved";
const MARKER_TEXT = (name: string) => `parameter ${name} has no Default; pass --parameter ${name}=VALUE`;
/** `Id.Properties.Key[0].Sub` in a message: a path of the synthesized template. */
const SYNTH_PATH = /(⟪\d+⟫|\b[A-Za-z][A-Za-z0-9]*)\.Properties((?:\.[A-Za-z0-9]+|\[\d+\])*)/g;
/** A synthesized id, and the CloudFormation type discover() writes after it (a Terraform address names its own). */
const TOKEN = /⟪\d+⟫(?: \(AWS::[A-Za-z0-9:]+\))?/g;

export class Synth {
  readonly resources: Obj = {};
  /** Sections copied from the source besides Resources (a serverless.yml's Conditions, Mappings, ...). */
  readonly sections: Obj = {};
  private readonly parameters: Obj = {};
  private readonly sources = new Map<string, Source>();
  private readonly shown = new Map<string, string>();
  private readonly reasons = new Map<string, string>();
  private readonly positions = new Map<string, Position>();
  private tokens = 0;

  constructor(
    readonly file: string,
    /** Positions of the parsed file, by path (for `.tf` files: by the path shown, each Source naming its file). */
    private readonly raw: ReadonlyMap<string, Position>,
    private readonly singleFile = true,
  ) {}

  /** A logical id that no source id can collide with, shown in texts as `shown` (a Terraform address). */
  token(shown: string): string {
    const id = `⟪${++this.tokens}⟫`;
    this.shown.set(id, shown);
    return id;
  }

  /** Add a resource; returns its Properties, to be filled with set(). */
  add(id: string, type: string, from: Source): Obj {
    const properties: Obj = {};
    this.resources[id] = { Type: type, Properties: properties };
    this.map(["Resources", id], from);
    this.map(["Resources", id, "Properties"], from);
    return properties;
  }

  /** Set a property of a resource (a key of its Properties) and say where it came from. */
  set(id: string, key: string, value: unknown, from: Source): void {
    const r = this.resources[id] as { Properties: Obj };
    r.Properties[key] = value;
    this.map(["Resources", id, "Properties", key], from);
  }

  /** Say where the value at a synthesized path came from. */
  map(path: Path, from: Source): void {
    this.sources.set(pathKey(path), from);
    const pos = this.rawPosition(from.at ?? from.path);
    this.positions.set(pathKey(path), pos);
    // A position only means something with its file: with several files, problems get theirs from problem().
    if (!from.file && !this.positions.has(pathKey(from.path))) this.positions.set(pathKey(from.path), pos);
  }

  /** A value the source does not determine, for `reason` (shown as `cannot be resolved: <reason>`). */
  unresolved(reason: string): Obj {
    const name = `${MARKER_PREFIX}${this.reasons.size + 1}`;
    this.parameters[name] = { Type: "String" };
    this.reasons.set(MARKER_TEXT(name), reason);
    return { Ref: name };
  }

  /** The synthesized template, with positions for its own paths and for the source's. */
  template(): Template {
    const root: Obj = { ...this.sections, Parameters: { ...(this.sections.Parameters as Obj | undefined), ...this.parameters }, Resources: this.resources };
    return { file: this.file, root, positions: new Positions(this) };
  }

  /** The position of a path of the synthesized template or of the source (single-file sources only). */
  positionOf(key: string): Position | undefined {
    const own = this.positions.get(key);
    if (own) return own;
    const path = key.split("\u001f");
    const src = path[0] === "Resources" || path[0] in this.sections ? this.lookup(path) : null;
    if (src?.nested) return this.rawPosition(src.at ?? src.path);
    return this.singleFile ? this.raw.get(key) : undefined;
  }

  private rawPosition(path: Path): Position {
    for (let n = path.length; n >= 0; n--) {
      const p = this.raw.get(pathKey(path.slice(0, n)));
      if (p) return p;
    }
    return { line: 1, col: 1 };
  }

  // --- translating drafts back ---------------------------------------------------------------------

  /** The source a synthesized path came from: its own, or its nearest ancestor's (extended when nested). */
  lookup(path: Path): Source | null {
    for (let n = path.length; n > 0; n--) {
      const src = this.sources.get(pathKey(path.slice(0, n)));
      if (!src) continue;
      if (n === path.length || !src.nested) return src;
      const rest = path.slice(n);
      return { ...src, path: [...src.path, ...rest], at: [...(src.at ?? src.path), ...rest] };
    }
    return null;
  }

  private sourcePath(path: Path): Path {
    return this.lookup(path)?.path ?? path;
  }

  /** A text with synthesized paths, ids and unresolved markers replaced by the source's words. */
  text(s: string): string {
    let out = s;
    for (const [marker, reason] of this.reasons) if (out.includes(marker)) out = out.split(marker).join(reason);
    out = out.replace(SYNTH_PATH, (whole, id: string, rest: string) => {
      const src = this.lookup(["Resources", id, "Properties", ...parseShown(rest)]);
      return src ? showTemplatePath(src.path) : whole;
    });
    return out.replace(TOKEN, (t) => this.shown.get(t.slice(0, t.indexOf("⟫") + 1)) ?? t);
  }

  origin(o: Origin): Origin {
    switch (o.kind) {
      case "template": {
        const src = this.lookup(o.path);
        if (!src) return o;
        if (src.note) return { kind: "note", note: src.note, path: src.path };
        const via = [src.via, o.via === undefined ? undefined : this.text(o.via)].filter(Boolean).join("; ");
        return { kind: "template", path: src.path, via: via || undefined };
      }
      case "unresolved":
        return { kind: "unresolved", path: this.sourcePath(o.path), reason: this.text(o.reason) };
      case "choice":
      case "note":
        return { kind: o.kind, note: this.text(o.note), path: o.path ? this.sourcePath(o.path) : undefined };
      default:
        return o;
    }
  }

  private entry(e: Entry): Entry {
    return { ...e, origin: this.origin(e.origin), children: e.children?.map((c) => this.entry(c)) };
  }

  private section(s: Section): Section {
    return { header: s.header.map((l) => this.text(l)), entries: s.entries.map((e) => this.entry(e)), footer: s.footer.map((l) => this.text(l)) };
  }

  problem(p: Problem): Problem {
    const src = p.path ? this.lookup(["Resources", ...parseShown(p.path.startsWith(".") ? p.path : `.${p.path}`)]) : null;
    return { ...p, file: src?.file ?? p.file, path: src ? showTemplatePath(src.path) : this.text(p.path), message: this.text(p.message) };
  }

  /** A draft in the source's words; `id` names it (its file name and `--resource`), `aliases` are other names. */
  draft(d: Draft, id: string, aliases: string[]): Draft {
    return {
      ...d,
      id,
      aliases,
      anchor: this.sourcePath(d.anchor),
      summary: `${id}: ${this.text(d.summary.slice(d.summary.indexOf(": ") + 2))}`,
      source: this.section(d.source),
      mapping: this.section(d.mapping),
      fn: this.section(d.fn),
      warnings: d.warnings.map((p) => this.problem(p)),
      errors: d.errors.map((p) => this.problem(p)),
    };
  }

  skipped(s: Skipped, id: string, aliases: string[]): Skipped {
    return { id, aliases, anchor: this.sourcePath(s.anchor), reason: this.text(s.reason) };
  }

  /** discover()'s findings in the source's words; `names` gives each synthesized mapping id its id and aliases. */
  discovery(found: Discovery, names: (id: string) => { id: string; aliases: string[] }): Discovery {
    return {
      drafts: found.drafts.map((d) => {
        const n = names(d.id);
        return this.draft(d, n.id, n.aliases);
      }),
      skipped: found.skipped.map((s) => {
        const n = names(s.id);
        return this.skipped(s, n.id, n.aliases);
      }),
      errors: found.errors.map((p) => this.problem(p)),
      warnings: found.warnings.map((p) => this.problem(p)),
    };
  }
}

/**
 * The positions a Template carries (positionOf in load.ts reads them with get()): the synthesized paths, the
 * source's own paths, and paths inside a block copied as it is, found through the source they came from.
 */
class Positions extends Map<string, Position> {
  constructor(private readonly synth: Synth) {
    super();
  }

  override get(key: string): Position | undefined {
    return this.synth.positionOf(key);
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

/** `.Key[0].Sub` (or `Id.Properties.Key`, as a problem's path shows it) -> ["Key", 0, "Sub"]. */
function parseShown(s: string): Path {
  const out: (string | number)[] = [];
  for (const m of s.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** A Terraform address or other name as a file name and `--resource` name: letters, digits, `.`, `_` and `-` only. */
export function safeId(name: string): string {
  const s = name
    .replace(/\["?([^\]"]*)"?\]/g, "-$1")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "");
  return s === "" ? "mapping" : s.slice(0, 120);
}
