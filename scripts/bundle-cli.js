// The command line as a few files: after tsc has built dist/, bundle dist/cli/main.js (and the sweep's worker thread)
// with the libraries it imports into dist/cli-bundle/, one chunk per set of modules that a command loads together.
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

rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { main: join(dist, "cli", "main.js"), "sweep-worker": join(dist, "cli", "sweep-worker.js") },
  platform: "node",
  // The template readers' HCL parser loads a WebAssembly file beside its own module: it stays a package.
  external: [/^node:/, /^@cdktn\/hcl2json(\/|$)/],
  plugins: [tscSourceMaps],
  logLevel: "warn",
});
await bundle.write({
  dir: out,
  format: "esm",
  entryFileNames: "[name].js",
  chunkFileNames: "[name]-[hash].js",
  sourcemap: true,
  sourcemapPathTransform: packagePath,
});
await bundle.close();

// The maps name their sources without copying them in (as tsc's own maps do): the libraries' files come with the
// libraries, and the bundle stays about the size of the code it holds.
for (const f of readdirSync(out).filter((n) => n.endsWith(".js.map"))) {
  const map = JSON.parse(readFileSync(join(out, f), "utf8"));
  delete map.sourcesContent;
  writeFileSync(join(out, f), JSON.stringify(map));
}
