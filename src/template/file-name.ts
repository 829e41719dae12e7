/**
 * The file names `esm-sim init --from` writes scenarios under. A name comes from the mapping's id, which the
 * template chooses: `../../x`, `/etc/cron.d/x`, `a\b`, a NUL or a 10,000-character id must not place a file outside
 * the output directory or fail on the file system. Pure: no file system here (the CLI writes the files).
 */

/** Characters no file name gets: path separators, NUL and control characters, and those Windows refuses. */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f<>:"|?*]+/g;
/** Windows' device names, refused there with any extension (`con.yaml`). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
/** Bytes of a name before `.yaml`: file systems allow 255, and a `-2` suffix may be added. */
const MAX_STEM_BYTES = 200;
const FALLBACK = "mapping";

/**
 * A mapping id made safe as one file name (without `.yaml`): path separators split it and the parts that are only
 * dots (`.`, `..`) are dropped, the rest joined with `_`; unsafe characters and spaces inside become `_`; leading
 * dots and dashes and trailing dots and spaces go; Windows device names get a `_` in front; at most 200 bytes. A
 * safe id (letters, digits, `.`, `_`, `-`) comes back unchanged.
 */
export function safeFileStem(id: string): string {
  const parts = id
    .split(/[/\\]+/)
    .filter((p) => !/^\.*$/.test(p))
    .map((p) => p.replace(UNSAFE_CHARS, "_"));
  // Spaces inside go too (a file name a shell script can use unquoted): they become `_`, as unsafe characters do.
  let stem = parts.join("_").replace(/^[.\s-]+/, "").replace(/[.\s]+$/, "").replace(/\s+/g, "_");
  stem = truncateBytes(stem, MAX_STEM_BYTES).replace(/[.\s]+$/, "");
  if (stem === "") return FALLBACK;
  return WINDOWS_RESERVED.test(stem) ? `_${stem}` : stem;
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes that does not split a character. */
function truncateBytes(s: string, max: number): string {
  const utf8 = new TextEncoder();
  if (utf8.encode(s).length <= max) return s;
  let bytes = 0;
  let out = "";
  for (const ch of s) {
    const n = utf8.encode(ch).length;
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/**
 * File names for the mappings of one run of init, given out in the order asked: each id's safe name, with `-2`,
 * `-3`, ... when another id already has it (compared without case, as macOS and Windows do). Asking again for an
 * id gives the same name.
 */
export class ScenarioFileNames {
  private readonly byId = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** The file name (`x.yaml`) for a mapping id. */
  nameFor(id: string): string {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const stem = safeFileStem(id);
    let name = `${stem}.yaml`;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.yaml`;
    this.taken.add(name.toLowerCase());
    this.byId.set(id, name);
    return name;
  }

  /** A line for the scenario's comment when its file name is not the id as written; null when it is. */
  noteFor(id: string): string | null {
    const name = this.nameFor(id);
    if (name === `${id}.yaml`) return null;
    const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id);
    const why = safeFileStem(id) === id ? "another mapping's name reads the same" : "the id is not a safe file name, and files are written inside the output directory only";
    return `Written as ${name}: the mapping's id is ${shown} (${why}).`;
  }
}
