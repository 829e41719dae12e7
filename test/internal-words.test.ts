/**
 * No internal words in anything a user reads: the README, the changelog, the docs, the shipped scenarios and
 * the program's own text (src/, which holds every message the CLI prints). These words name how esm-sim was
 * built (work sessions, notes and files outside the repository, issue numbers), which means nothing to a user.
 *
 * NOT_YET_CLEAN lists the places that still hold some of these words; they are reported below but do not fail
 * the suite. The lead engineer empties it once they are clean, and from then on they are checked like the rest.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..");

/** Case-insensitive. */
const INTERNAL_WORDS: RegExp[] = [
  /\bsession\b/i,
  /seed notes/i,
  /pain point/i,
  /issue[- ]?[0-9]/i,
  /\.\.\/shared/i,
  /shared\/(design|reference|seeds)/i,
  /esm-semantics/i,
  /the contract/i,
];

/** Everything a user reads: files, or folders (every file under them). */
const CHECKED = ["README.md", "CHANGELOG.md", "LICENSE", "docs", "scenarios", "src"];

/** Places that still hold internal words, to be cleaned; empty this list when they are. */
const NOT_YET_CLEAN: string[] = [];

function filesUnder(rel: string): string[] {
  const abs = join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs)
    .sort()
    .flatMap((name) => filesUnder(`${rel}/${name}`));
}

function hits(rel: string): string[] {
  const out: string[] = [];
  for (const file of filesUnder(rel)) {
    if (/\.(png|jpe?g|gif|ico)$/i.test(file)) continue;
    readFileSync(join(ROOT, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        for (const w of INTERNAL_WORDS) {
          const m = w.exec(line);
          if (m) out.push(`${file}:${i + 1}: "${m[0]}" in: ${line.trim().slice(0, 160)}`);
        }
      });
  }
  return out;
}

describe("no internal words where users read", () => {
  it("every place is either checked or listed as not yet clean", () => {
    expect(NOT_YET_CLEAN.filter((p) => !CHECKED.includes(p))).toEqual([]);
    for (const p of CHECKED) expect(existsSync(join(ROOT, p)), `${p} exists`).toBe(true);
  });

  for (const place of CHECKED.filter((p) => !NOT_YET_CLEAN.includes(p))) {
    it(`${place} holds none`, () => {
      expect(hits(place)).toEqual([]);
    });
  }

  for (const place of NOT_YET_CLEAN) {
    it(`${place}: not yet clean (reported, not failing; see NOT_YET_CLEAN)`, () => {
      const found = hits(place);
      if (found.length > 0) console.warn(`${place} still holds ${found.length} internal words:\n  ${found.join("\n  ")}`);
      else console.warn(`${place} holds no internal words any more: remove it from NOT_YET_CLEAN in test/internal-words.test.ts`);
    });
  }

  it("the word list catches what it is meant to catch", () => {
    const samples = ["in session 5", "the seed notes", "pain point 15", "issue 6", "issue-19", "../shared/x", "shared/design/a.md", "esm-semantics.md", "the contract's fields"];
    for (const s of samples) expect(INTERNAL_WORDS.some((w) => w.test(s)), s).toBe(true);
    const fine = ["a terminal", "issues and fixes", "seeds", "shared by every producer", "a contract test"];
    for (const s of fine) expect(INTERNAL_WORDS.some((w) => w.test(s)), s).toBe(false);
  });
});
