/**
 * Writing a drafted scenario as ordinary esm-sim YAML with yaml's Document API: one comment per value saying where
 * it came from, a comment above each section naming its resource and what esm-sim leaves out, and at the top the
 * warnings (the template's and the scenario's own lints, from parseScenario) so that they are seen before a run.
 * Output is byte-stable: keys in a fixed order, no dates, no versions.
 */
import { Document, Pair, YAMLMap, YAMLSeq, type Node } from "yaml";
import { formatPath, type Path } from "../scenario/locate.js";
import { parseScenario, type ParseResult } from "../scenario/parse.js";
import type { Problem } from "../scenario/problems.js";
import { formatProblem } from "../scenario/problems.js";
import { originComment, type Draft, type Entry, type Origin, type Section } from "./draft.js";
import type { Overlay } from "./overlay.js";
import type { NamedFile } from "../io/input.js";
import { REPLAY_METRICS } from "../scenario/rules.js";

/** One top-level key of the scenario. */
export interface TopItem {
  key: string;
  value?: unknown;
  entries?: Entry[];
  header?: string[];
  footer?: string[];
  origin?: Origin;
  block?: boolean;
}

const TO_STRING = { lineWidth: 0, indent: 2 } as const;

const commentText = (lines: readonly string[]): string => lines.map((l) => (l === "" ? "" : ` ${l}`)).join("\n");

/** Build the scenario document; `origins` maps each written path (`source.VisibilityTimeout`) to its origin. */
export function buildDocument(items: TopItem[]): { doc: Document; origins: Map<string, Origin> } {
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  const origins = new Map<string, Origin>();

  const valueNode = (value: unknown, block: boolean): Node => {
    const node = doc.createNode(value, { flow: !block }) as Node;
    if (block) compactInner(node);
    return node;
  };

  const entryPair = (e: Entry, path: Path): Pair => {
    origins.set(formatPath(path), e.origin);
    const key = doc.createNode(e.key) as Node;
    const comment = ` ${originComment(e.origin)}`;
    if (e.children) {
      const map = new YAMLMap();
      for (const c of e.children) map.items.push(entryPair(c, [...path, c.key]));
      key.comment = comment;
      return new Pair(key, map);
    }
    const node = valueNode(e.value, e.block === true);
    const isCollection = node instanceof YAMLMap || node instanceof YAMLSeq;
    if (isCollection && e.block) key.comment = comment;
    else node.comment = comment;
    return new Pair(key, node);
  };

  items.forEach((item, i) => {
    const key = doc.createNode(item.key) as Node;
    if (i > 0 && (item.entries || item.block)) key.spaceBefore = true;
    if (item.header && item.header.length) key.commentBefore = commentText(item.header);
    let node: Node;
    if (item.entries) {
      const map = new YAMLMap();
      for (const e of item.entries) map.items.push(entryPair(e, [item.key, e.key]));
      node = map;
    } else {
      node = valueNode(item.value, item.block === true);
      if (item.origin) {
        origins.set(item.key, item.origin);
        const comment = ` ${originComment(item.origin)}`;
        if ((node instanceof YAMLMap || node instanceof YAMLSeq) && item.block) key.comment = comment;
        else node.comment = comment;
      }
    }
    if (item.footer && item.footer.length) {
      if (node instanceof YAMLMap || node instanceof YAMLSeq) node.comment = commentText(item.footer);
      else node.comment = (node.comment ?? "") + commentText(item.footer);
    }
    root.items.push(new Pair(key, node));
  });
  return { doc, origins };
}

/** Inside a block value, write small collections (scalars only) on one line, except the maps that are list items. */
function compactInner(node: Node): void {
  if (!(node instanceof YAMLMap || node instanceof YAMLSeq)) return;
  const children = node instanceof YAMLMap ? node.items.map((p) => p.value as Node) : (node.items as Node[]);
  for (const c of children) {
    if (!(c instanceof YAMLMap || c instanceof YAMLSeq)) continue;
    const grand = c instanceof YAMLMap ? c.items.map((p) => p.value) : c.items;
    const scalarsOnly = grand.every((g) => !(g instanceof YAMLMap || g instanceof YAMLSeq));
    const listItemMap = node instanceof YAMLSeq && c instanceof YAMLMap;
    if (scalarsOnly && !listItemMap) c.flow = true;
    else compactInner(c);
  }
}

export interface Finished {
  text: string;
  parse: ParseResult;
}

/**
 * Run the scenario's own checks on the body, put the intro, the template's warnings and the scenario's lints (and
 * errors, if any) in the comment at the top, and parse the final text again so positions fit the written file.
 */
export function finishDocument(doc: Document, intro: string[], fileName: string, templateWarnings: Problem[], files?: ReadonlyMap<string, NamedFile>): Finished {
  const body = doc.toString(TO_STRING);
  const first = parseScenario(body, fileName, { files });
  const lines = [...intro];
  const lints = first.warnings;
  if (templateWarnings.length + lints.length > 0) {
    lines.push("", "Warnings:");
    for (const w of templateWarnings) lines.push(`  ${formatProblem({ ...w, severity: "error" })}`);
    for (const w of lints) lines.push(`  ${w.path ? `${w.path}: ` : ""}${w.message}`);
  }
  if (!first.ok) {
    const unsupported = first.errors.every((e) => e.message.includes("not supported yet"));
    lines.push("", unsupported ? "Not supported by this version of esm-sim yet (the scenario is written for a later one):" : "Problems (esm-sim refuses to run this scenario until they are fixed):");
    for (const e of first.errors) lines.push(`  ${e.path ? `${e.path}: ` : ""}${e.message}`);
  }
  doc.commentBefore = commentText(lines);
  const text = doc.toString(TO_STRING);
  return { text, parse: parseScenario(text, fileName, { files }) };
}

export interface RenderOptions {
  /** The template's file name, as given on the command line. */
  templateFile: string;
  /** The name problems in the written scenario carry (the output file, or a label for `run --template`). */
  fileName: string;
  overlay?: Overlay | null;
  /** The command that rewrites this file, for the intro. */
  command: string;
  /** A line for the intro about the file name (init --from: when it is not the mapping's id as written). */
  fileNote?: string;
  /** init --metrics: the CloudWatch export to replay, as the scenario names it (relative to its folder) and as given. */
  metrics?: { file: string; given: string };
  /** The files the scenario names (the export), read by the CLI, for checking the written scenario. */
  files?: ReadonlyMap<string, NamedFile>;
}

export interface Rendered extends Finished {
  id: string;
  origins: Map<string, Origin>;
}

const PLACEHOLDER_TRAFFIC = [{ rate: "10/s", from: "0s", to: "1m" }];

/** The scenario text for one drafted mapping. */
export function renderDraft(d: Draft, o: RenderOptions): Rendered {
  const ov = o.overlay?.data ?? {};
  const overlayOrigin = (path: Path): Origin => ({ kind: "overlay", file: o.overlay!.file, path });
  const items: TopItem[] = [];
  items.push({ key: "name", value: d.id });
  if (ov.description !== undefined) items.push({ key: "description", value: ov.description, origin: overlayOrigin(["description"]) });
  else items.push({ key: "description", value: `${d.summary}, from ${o.templateFile}` });
  for (const k of ["seed", "until", "startTime", "profile"]) if (ov[k] !== undefined) items.push({ key: k, value: ov[k], origin: overlayOrigin([k]) });
  if (ov.scaling !== undefined) items.push({ key: "scaling", value: ov.scaling, origin: overlayOrigin(["scaling"]) });

  items.push(sectionItem("source", d.source));
  if (o.metrics) {
    const type = d.source.entries.find((e) => e.key === "type")?.value;
    // A dynamodb source has no such metric: the entry names Kinesis's, and the written scenario's check says why not.
    const metric = (typeof type === "string" ? REPLAY_METRICS[type]?.metric : undefined) ?? "IncomingRecords";
    items.push({
      key: "traffic",
      value: [{ fromMetrics: { file: o.metrics.file, metric } }],
      block: true,
      origin: { kind: "note", note: `from --metrics ${o.metrics.given}` },
      header: [
        `traffic: replays the ${metric} Sum of ${o.metrics.given}, period by period, from virtual time 0.`,
        "Add keys (partition keys or message groups), arrival: poisson (random times within each period),",
        "or fromMetrics.scale: 2 (twice the traffic) to the entry.",
      ],
    });
  } else if (ov.traffic !== undefined) {
    items.push({ key: "traffic", value: ov.traffic, block: true, origin: overlayOrigin(["traffic"]) });
  } else {
    items.push({
      key: "traffic",
      value: PLACEHOLDER_TRAFFIC,
      block: true,
      header: [
        "traffic: a placeholder so that the scenario runs. Replace it with what your producers send:",
        "steady traffic with rate/from/to (arrival: poisson for random spacing), a burst with at/records,",
        "keys for partition keys or message groups. Or keep it in a file: --traffic traffic.yaml",
      ],
    });
  }
  items.push(sectionItem("mapping", d.mapping));

  const fn = sectionItem("function", d.fn);
  const ovFn = (typeof ov.function === "object" && ov.function !== null ? ov.function : {}) as Record<string, unknown>;
  if (ovFn.duration !== undefined) fn.entries!.push({ key: "duration", value: ovFn.duration, origin: overlayOrigin(["function", "duration"]) });
  if (ovFn.failures !== undefined) fn.entries!.push({ key: "failures", value: ovFn.failures, block: true, origin: overlayOrigin(["function", "failures"]) });
  if (ovFn.duration === undefined && ovFn.failures === undefined) {
    fn.footer = [...(fn.footer ?? []), "duration: { base: 40ms, perRecord: 2ms }   how long one invocation runs (esm-sim's default: 100ms)", "failures: [ { when: { key: poison }, effect: error } ]   when it fails (default: never)"];
  }
  items.push(fn);
  if (ov.account !== undefined) items.push({ key: "account", value: ov.account, block: true, origin: overlayOrigin(["account"]) });
  if (ov.expect !== undefined) items.push({ key: "expect", value: ov.expect, block: true, origin: overlayOrigin(["expect"]) });

  const { doc, origins } = buildDocument(items);
  const intro = [`esm-sim scenario for the event source mapping ${d.summary}`, `Written by: ${o.command}`, ...(o.fileNote ? [o.fileNote] : []), "Each value says where it came from; AWS settings come from the template, traffic and behaviour from you."];
  const finished = finishDocument(doc, intro, o.fileName, d.warnings, o.files);
  return { id: d.id, origins, ...finished };
}

function sectionItem(key: string, s: Section): TopItem {
  return { key, entries: [...s.entries], header: s.header, footer: s.footer };
}
