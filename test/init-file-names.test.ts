/**
 * `init --from` names each scenario file after its mapping's id, which the template chooses. Whatever the id
 * (`../../x`, an absolute path, `/` or `\` inside, NUL, `..`, empty, very long, a Windows device name), the file
 * lands inside --out-dir under a safe name, and the scenario's comment says what it was written as and why.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { safeFileStem, ScenarioFileNames } from "../src/template/file-name.js";
import { cli, scratch } from "./cli-helpers.js";

/** A template with one SQS mapping per id. */
function templateWith(ids: string[]): string {
  const lines = ["Resources:", "  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 60 } }", "  F: { Type: AWS::Lambda::Function, Properties: { Timeout: 10 } }"];
  for (const id of ids) lines.push(`  ${JSON.stringify(id)}: { Type: AWS::Lambda::EventSourceMapping, Properties: { EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F } }`);
  return lines.join("\n") + "\n";
}

describe("safeFileStem", () => {
  it.each([
    ["OrdersMapping", "OrdersMapping"],
    ["orders-mapping_v2.blue", "orders-mapping_v2.blue"],
    ["../../x", "x"],
    ["..", "mapping"],
    [".", "mapping"],
    ["", "mapping"],
    ["/etc/cron.d/evil", "etc_cron.d_evil"],
    ["a/b", "a_b"],
    ["a\\b", "a_b"],
    ["C:\\Windows\\x", "C__Windows_x"],
    ["q\u0000z", "q_z"],
    ["tab\there", "tab_here"],
    ["with space", "with_space"],
    ["  two  spaces inside ", "two_spaces_inside"],
    [".hidden", "hidden"],
    ["-rf", "rf"],
    ["trailing. ", "trailing"],
    ['a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"],
    ["con", "_con"],
    ["NUL.txt", "_NUL.txt"],
    ["lpt1", "_lpt1"],
    ["console", "console"],
    ["Ünïcödé", "Ünïcödé"],
  ])("%j -> %j", (id, stem) => {
    expect(safeFileStem(id)).toBe(stem);
  });

  it("keeps very long ids under the file-name limit, without splitting a character", () => {
    expect(safeFileStem("x".repeat(10_000))).toBe("x".repeat(200));
    const long = safeFileStem("é".repeat(500));
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(200);
    expect(long).toBe("é".repeat(100));
  });

  it("never returns a name with a separator, a NUL, or only dots", () => {
    for (const id of ["../..", "/", "\\\\", "./.", "a/../../..", "\u0000", "...", " / "]) {
      const s = safeFileStem(id);
      expect(s, id).not.toMatch(/[/\\\u0000]|^\.*$/);
    }
  });
});

describe("ScenarioFileNames", () => {
  it("gives each id a distinct name, in the order asked, the same name when asked again", () => {
    const n = new ScenarioFileNames();
    expect(["a/b", "a_b", "A_B", "x", "a/b"].map((id) => n.nameFor(id))).toEqual(["a_b.yaml", "a_b-2.yaml", "A_B-3.yaml", "x.yaml", "a_b.yaml"]);
    expect(n.noteFor("x")).toBeNull();
    expect(n.noteFor("a/b")).toBe('Written as a_b.yaml: the mapping\'s id is "a/b" (the id is not a safe file name, and files are written inside the output directory only).');
    expect(n.noteFor("a_b")).toBe("Written as a_b-2.yaml: the mapping's id is \"a_b\" (another mapping's name reads the same).");
  });
});

describe("init --from with hostile ids", () => {
  it("writes every scenario inside --out-dir and says so in its comment", async () => {
    const { dir } = scratch("esm-sim-init-names-");
    const deep = join(dir, "a", "b");
    mkdirSync(deep, { recursive: true });
    // (An empty id is left to safeFileStem's cases: the scenario it gives has an empty name, a problem of its own.)
    const ids = ["../../x", join(dir, "abs"), "a/b", "a\\b", "..", ".", "con", "y".repeat(400), "q\u0000z", "Plain"];
    const tpl = join(deep, "t.yaml");
    writeFileSync(tpl, templateWith(ids));
    const out = join(deep, "out");
    const r = await cli("init", "--from", tpl, "--out-dir", out);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["a"]);
    expect(readdirSync(join(dir, "a")).sort()).toEqual(["b"]);
    expect(readdirSync(deep).sort()).toEqual(["out", "t.yaml"]);
    const written = readdirSync(out).sort();
    expect(written).toHaveLength(ids.length);
    expect(written).toEqual(expect.arrayContaining(["x.yaml", "a_b.yaml", "a_b-2.yaml", "mapping.yaml", "mapping-2.yaml", "_con.yaml", `${"y".repeat(200)}.yaml`, "q_z.yaml", "Plain.yaml"]));
    const x = readFileSync(join(out, "x.yaml"), "utf8");
    expect(x).toContain('# Written as x.yaml: the mapping\'s id is "../../x" (the id is not a safe file name, and files are written inside the output directory only).');
    expect(readFileSync(join(out, "Plain.yaml"), "utf8")).not.toContain("Written as");
  });

  it("refuses to write through a symbolic link in --out-dir, even with --force", async () => {
    const { dir } = scratch("esm-sim-init-link-");
    const out = join(dir, "out");
    mkdirSync(out);
    const outside = join(dir, "outside.yaml");
    writeFileSync(outside, "keep me\n");
    symlinkSync(outside, join(out, "M.yaml"));
    const tpl = join(dir, "t.yaml");
    writeFileSync(tpl, templateWith(["M"]));
    const r = await cli("init", "--from", tpl, "--out-dir", out, "--force");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/M.yaml: is a symbolic link; init --from writes its scenarios inside the output directory only/);
    expect(readFileSync(outside, "utf8")).toBe("keep me\n");
    const r2 = await cli("init", "--from", tpl, "--out-dir", out);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/already exists; use --force/);
  });
});
