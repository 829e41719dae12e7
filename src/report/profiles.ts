/**
 * `esm-sim profiles`: every figure of every profile side by side, then each figure's source, date and note per
 * profile (one line when all profiles agree), each source a number in the list of pages (URL and title) below.
 * Pure: returns a string.
 */
import { FIGURE_NAMES, PROFILES, PROFILE_NAMES, SOURCES, type Figure } from "../esm/profiles.js";
import { formatCount } from "../scenario/units.js";

function fmtValue(f: Figure): string {
  if (f.value === null) return "-";
  return Number.isInteger(f.value) ? formatCount(f.value) : f.value.toFixed(2);
}

/** A chosen figure's plausible range, as `low..high`; "-" for an end that is "no such mechanism" (null). */
export function fmtRange(f: Figure): string {
  if (!f.chosen || f.low === undefined || f.high === undefined) return "";
  const end = (v: number | null) => (v === null ? "-" : fmtValue({ ...f, value: v }));
  return `${end(f.low)}..${end(f.high)}`;
}

/** A figure's provenance, its page numbered in `pages` (in order of first use); a chosen figure's plausible range. */
function provenance(f: Figure, pages: string[]): string {
  const ref = f.url === "" ? "" : `[${pageNumber(f.url, pages)}] `;
  if (f.chosen) return `esm-sim's choice: ${f.note}${ref ? ` ${ref.trim()}` : ""}${f.reasoning ? `. Plausible ${fmtRange(f)} ${f.unit}: ${f.reasoning}` : ""}`;
  if (f.value === null) return `${ref}${f.note}`;
  return `${ref}${f.since ? `since ${f.since}` : "undated"}: ${f.note}`;
}

function pageNumber(url: string, pages: string[]): number {
  const i = pages.indexOf(url);
  if (i >= 0) return i + 1;
  pages.push(url);
  return pages.length;
}

/** `first` then `text`, word-wrapped at `width`, with `indent` before every line after the first. */
function wrap(first: string, text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let cur = first;
  let fresh = true;
  for (const word of text.split(" ").filter((w) => w !== "")) {
    if (fresh || cur.length + 1 + word.length <= width) {
      cur += (fresh ? "" : " ") + word;
      fresh = false;
    } else {
      out.push(cur);
      cur = indent + word;
    }
  }
  out.push(cur);
  return out;
}

const WIDTH = 100;

export function renderProfiles(): string {
  const lines: string[] = [];
  const nameW = Math.max(6, ...FIGURE_NAMES.map((n) => n.length));
  const unitW = Math.max(4, ...FIGURE_NAMES.map((n) => PROFILES.current.figures[n].unit.length));
  const colW = Math.max(12, ...PROFILE_NAMES.map((p) => p.length + 2));
  // The plausible range of a chosen figure; one column, as every profile shares the chosen figures' ranges (where a
  // figure is chosen in one profile only, the range shown is that profile's).
  const rangeOf = (f: (typeof FIGURE_NAMES)[number]) => PROFILE_NAMES.map((p) => fmtRange(PROFILES[p].figures[f])).find((r) => r !== "") ?? "";
  const rangeW = Math.max(15, ...FIGURE_NAMES.map((f) => rangeOf(f).length + 2));
  const row = (a: string, b: string, cols: string[], range: string) => `${a.padEnd(nameW)}  ${b.padEnd(unitW)}${cols.map((c) => c.padStart(colW)).join("")}${range.padStart(rangeW)}`.trimEnd();

  lines.push(row("figure", "unit", PROFILE_NAMES, "plausible"));
  lines.push(row("", "", PROFILE_NAMES.map((p) => `(${PROFILES[p].asOf})`), "(if chosen)"));
  for (const f of FIGURE_NAMES) {
    lines.push(row(f, PROFILES.current.figures[f].unit, PROFILE_NAMES.map((p) => fmtValue(PROFILES[p].figures[f])), rangeOf(f)));
  }
  lines.push("");
  lines.push('Sources ("since": when the figure took effect, or the oldest source showing it; [n]: the page listed below):');
  const pages: string[] = [];
  for (const f of FIGURE_NAMES) {
    const texts = PROFILE_NAMES.map((p) => provenance(PROFILES[p].figures[f], pages));
    if (texts.every((t) => t === texts[0])) {
      lines.push(...wrap(`  ${f}: `, texts[0], WIDTH, "      "));
    } else {
      lines.push(`  ${f}:`);
      PROFILE_NAMES.forEach((p, i) => lines.push(...wrap(`    ${p}: `, texts[i], WIDTH, "      ")));
    }
  }
  lines.push("");
  lines.push("Pages:");
  const titles = new Map(Object.values(SOURCES).map((s) => [s.url as string, s.title as string]));
  pages.forEach((url, i) => {
    const title = titles.get(url);
    lines.push(`  [${i + 1}] ${url}`);
    if (title) lines.push(`      ${title}`);
  });
  lines.push("");
  for (const p of PROFILE_NAMES) lines.push(...wrap(`${p} (as of ${PROFILES[p].asOf}): `, PROFILES[p].description, WIDTH, "  "));
  lines.push(...wrap("", "Pin one with `profile:` in a scenario; override single figures with a `scaling:` block, e.g. scaling: { scaleUpPerMinute: 120 }.", WIDTH, "  "));
  return lines.join("\n") + "\n";
}
