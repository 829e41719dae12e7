// The command line as a few files: after tsc has built dist/, bundle dist/cli/main.js (and the worker threads of the
// sweep and of a traced run) with the libraries it imports into dist/cli-bundle/, one chunk per set of modules that a
// command loads together.
// Unbundled, a small run would spend most of its start-up loading some 270 modules one file at a time (zod alone has
// 95, 64 of them locales esm-sim never uses, which the bundle leaves out); bundled, it reads about a dozen files.
// dist/ keeps the separate modules for the programmatic API (dist/index.js), which still imports the libraries.
// Source maps lead from each chunk back to src/*.ts and to the libraries' own files under node_modules/.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const out = join(dist, "cli-bundle");

/** tsc's source map beside each of its files, so that the bundle's maps lead to src/ rather than to dist/. */
const tscSourceMaps = {
  name: "tsc-source-maps",
  load(id) {
    if (!id.startsWith(dist + "/") || !id.endsWith(".js") || !existsSync(id + ".map")) return null;
    return { code: readFileSync(id, "utf8"), map: readFileSync(id + ".map", "utf8") };
  },
};

/** A source's path as the package holds it: a library's under ../../node_modules/, whatever folder npm put it in. */
function packagePath(source) {
  const i = source.lastIndexOf("node_modules/");
  return i >= 0 ? `../../${source.slice(i)}` : source;
}

/** The modules of dist/ that `file` imports statically, itself included (tsc's output: `import ... from "./x.js"`). */
function staticImports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, "utf8").matchAll(/\b(?:import|export)\s[^;"'()]*?["'](\.{1,2}\/[^"']+)["']/g)) staticImports(resolve(dirname(file), m[1]), seen);
  return seen;
}

const entries = { main: join(dist, "cli", "main.js"), "sweep-worker": join(dist, "cli", "sweep-worker.js"), "run-worker": join(dist, "cli", "run-worker.js") };
// What the command line loads as it starts and a worker thread loads too, as one chunk: left to itself, the bundler
// splits these modules by which workers share each one, and every command would read more files as it starts.
const atStart = staticImports(entries.main);
const inWorkers = new Set([...staticImports(entries["sweep-worker"]), ...staticImports(entries["run-worker"])]);
const sharedAtStart = new Set([...atStart].filter((f) => f !== entries.main && inWorkers.has(f)));

rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: entries,
  platform: "node",
  // The template readers' HCL parser loads a WebAssembly file beside its own module: it stays a package.
  external: [/^node:/, /^@cdktn\/hcl2json(\/|$)/],
  plugins: [tscSourceMaps],
  logLevel: "warn",
});
const { output } = await bundle.write({
  dir: out,
  format: "esm",
  entryFileNames: "[name].js",
  chunkFileNames: "[name]-[hash].js",
  codeSplitting: { groups: [{ name: "startup", test: (id) => sharedAtStart.has(id) }] },
  sourcemap: true,
  sourcemapPathTransform: packagePath,
});
await bundle.close();

// The libraries' licences travel with their code: one file listing each bundled package with its licence text.
const packages = new Map();
for (const chunk of output) {
  for (const id of chunk.type === "chunk" ? chunk.moduleIds : []) {
    const i = id.lastIndexOf("/node_modules/");
    if (i < 0) continue;
    const parts = id.slice(i + "/node_modules/".length).split("/");
    const name = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    packages.set(name, join(id.slice(0, i), "node_modules", name));
  }
}
const notices = [...packages].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, dir]) => {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `The package holds no licence file; its package.json names the ${pkg.license} licence.`;
  return `${name} ${pkg.version} (${pkg.license})\n\n${text}\n`;
});
writeFileSync(join(out, "THIRD-PARTY-LICENSES.txt"), `The command line in this folder is bundled with these packages.\n\n${notices.join("\n---\n\n")}`);

// The maps name their sources without copying them in (as tsc's own maps do): the libraries' files come with the
// libraries, and the bundle stays about the size of the code it holds.
for (const f of readdirSync(out).filter((n) => n.endsWith(".js.map"))) {
  const map = JSON.parse(readFileSync(join(out, f), "utf8"));
  delete map.sourcesContent;
  writeFileSync(join(out, f), JSON.stringify(map));
}
// A chunk of the bundler's own helpers alone comes without a map: it gets one naming no source, like every chunk a map.
for (const f of readdirSync(out).filter((n) => n.endsWith(".js") && !existsSync(join(out, `${n}.map`)))) {
  writeFileSync(join(out, `${f}.map`), JSON.stringify({ version: 3, file: f, sources: [], names: [], mappings: "" }));
}
