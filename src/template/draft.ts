/**
 * A scenario drafted from a template, before it is written: each value with where it came from, so that the written
 * YAML can say so in a comment and problems found later can point back into the template.
 */
import type { SourceType } from "../scenario/params.js";
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { showTemplatePath as showPath } from "./load.js";

export type Origin =
  /** Read from the template at this path (`# from OrdersQueue.Properties.VisibilityTimeout`). */
  | { kind: "template"; path: Path; via?: string }
  /** Not in the template: AWS's default (`# AWS default`). */
  | { kind: "default" }
  /** In the template but not resolvable: AWS's default is used instead. */
  | { kind: "unresolved"; path: Path; reason: string }
  /** Not knowable from a template: esm-sim picks a value and says why. */
  | { kind: "choice"; note: string; path?: Path }
  /** Any other explanation. */
  | { kind: "note"; note: string; path?: Path }
  /** From the --traffic file. */
  | { kind: "overlay"; file: string; path: Path };

/** One key of a section: a plain value (lists and maps are written on one line), or a nested block of entries. */
export interface Entry {
  key: string;
  value: unknown;
  children?: Entry[];
  origin: Origin;
  /** Write a list or map value in block style (default: on one line). */
  block?: boolean;
}

export interface Section {
  /** Comment lines written above the section's key. */
  header: string[];
  entries: Entry[];
  /** Comment lines written at the end of the section (unset keys worth knowing about). */
  footer: string[];
}

export interface Draft {
  /** The name `--resource` takes and the file name: the mapping's logical id (SAM: function id + event name). */
  id: string;
  /** Other names `--resource` accepts (SAM `Function.Event`, a CDK construct path). */
  aliases: string[];
  /** Where the mapping is in the template (positions for problems about values with no template origin). */
  anchor: Path;
  /** One line: what this mapping connects. */
  summary: string;
  sourceType: SourceType;
  source: Section;
  mapping: Section;
  fn: Section;
  /** Template-level warnings (unresolvable values, assumptions); errors mean no scenario can be written. */
  warnings: Problem[];
  errors: Problem[];
}

/** A mapping found in the template that esm-sim cannot simulate, or that the stack would not create. */
export interface Skipped {
  id: string;
  aliases: string[];
  anchor: Path;
  reason: string;
}

export function originComment(o: Origin): string {
  switch (o.kind) {
    case "template":
      return `from ${showPath(o.path)}${o.via ? ` (${o.via})` : ""}`;
    case "default":
      return "AWS default";
    case "unresolved":
      return `AWS default: ${showPath(o.path)} cannot be resolved (${o.reason})`;
    case "choice":
      return `esm-sim's choice: ${o.note}`;
    case "note":
      return o.note;
    case "overlay":
      return `from ${o.file}`;
  }
}

