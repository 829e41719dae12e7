/**
 * `esm-sim init`: write a commented starter scenario for a source type, or one scenario per event source mapping
 * of a CloudFormation, SAM, CDK, Terraform or Serverless Framework template (--from). The logic lives in src/template; this module only does files
 * and output.
 */
import { existsSync, lstatSync, mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ParseResult } from "../scenario/parse.js";
import { formatProblem } from "../scenario/problems.js";
import { SOURCE_TYPES, type SourceType } from "../scenario/params.js";
import { ScenarioFileNames } from "../template/file-name.js";
import { scenariosFromTemplate, type FromTemplateResult } from "../template/index.js";
import { renderStarter } from "../template/starter.js";
import type { Io } from "./context.js";
import { checkOutputTarget, readTextFile, refuseSharedFiles, writeOutputFile } from "./files.js";
import { standardFdOf } from "../io/output.js";
import { UsageError } from "./usage-error.js";
import { readNamedFiles, type NamedFile } from "../io/input.js";
import { CLOUDWATCH_EXPORT_INPUT } from "../metrics/cloudwatch-export.js";
import { replayFiles } from "../scenario/replay.js";
import { parseParameters, printTemplateFailure, printWarningsOnce, readOverlay, readTemplate } from "./template-input.js";

export interface InitOpts {
  from?: string;
  resource?: string;
  parameter: string[];
  traffic?: string;
  metrics?: string;
  outDir?: string;
  out?: string;
  force?: boolean;
}

/** `esm-sim init`: returns the exit code. */
export async function runInit(type: string | undefined, opts: InitOpts, io: Io): Promise<number> {
  if (type !== undefined && opts.from !== undefined) throw new UsageError(`init: give a source type (${type}) or --from TEMPLATE, not both`);
  if (type === undefined && opts.from === undefined) throw new UsageError(`init: give a source type (${SOURCE_TYPES.join(" | ")}) for a starter scenario, or --from TEMPLATE to read a template (CloudFormation, SAM, CDK, Terraform, Serverless Framework)`);
  if (type !== undefined) {
    for (const [flag, given] of [["--resource", opts.resource], ["--traffic", opts.traffic], ["--metrics", opts.metrics], ["--out-dir", opts.outDir], ["--parameter", opts.parameter.length ? "x" : undefined]] as const) {
      if (given !== undefined) throw new UsageError(`init ${type}: ${flag} applies with --from TEMPLATE only`);
    }
    return initStarter(type as SourceType, opts, io);
  }
  return initFromTemplate(opts.from!, opts, io);
}

/**
 * Refuse to overwrite a file that exists (a dangling symbolic link too) without --force. A stream, a device or a FIFO
 * (/dev/stderr, /dev/null, a pipe) is written through, as run's outputs are, and replaces no file.
 */
function refuseOverwrite(path: string, force: boolean | undefined): void {
  if (force || !lexists(path)) return;
  if (checkOutputTarget(path, "--out").how !== "replace" && !isDanglingLink(path)) return;
  throw new UsageError(`${path} already exists; use --force to overwrite it`);
}

/** Whether --out names the standard output (`-`, /dev/stdout, /dev/fd/1, ...): the scenario is printed, not written. */
const toStandardOutput = (path: string): boolean => standardFdOf(path) === 1;

function isDanglingLink(path: string): boolean {
  return isLink(path) && !existsSync(path);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function initStarter(type: SourceType, opts: InitOpts, io: Io): number {
  const file = opts.out === undefined || toStandardOutput(opts.out) ? undefined : opts.out;
  const r = renderStarter(type, file ?? "(stdout)");
  if (file !== undefined) {
    refuseOverwrite(file, opts.force);
    writeOutputFile(file, r.text, "--out");
    io.out(`wrote ${file}: a starter ${type} scenario\n`);
  } else {
    io.out(r.text);
  }
  return reportParse(io, r.parse);
}

/** Errors that only say "not supported yet": the scenario is right, this version cannot run it. */
const onlyUnsupported = (r: ParseResult) => !r.ok && r.errors.every((e) => e.message.includes("not supported yet"));

/** Print a written scenario's lints and problems; the exit code (2 for problems other than "not supported yet"). */
function reportParse(io: Io, parse: ParseResult, seen = new Set<string>(), file?: string): number {
  printWarningsOnce(io, parse.warnings, seen);
  if (parse.ok) return 0;
  if (onlyUnsupported(parse)) {
    for (const e of parse.errors) io.err(`note: ${formatProblem({ ...e, severity: "warning" }).replace(" warning: ", " ")}\n`);
    return 0;
  }
  for (const e of parse.errors) io.err(formatProblem(e) + "\n");
  // Named when init writes several files, so that each file's count is its own line.
  io.err(`${parse.errors.length} problem${parse.errors.length > 1 ? "s" : ""} in the written scenario${file ? ` ${file}` : ""}: fix the template (or edit the file) before running it\n`);
  return 2;
}

async function initFromTemplate(templateFile: string, opts: InitOpts, io: Io): Promise<number> {
  const parameters = parseParameters(opts.parameter);
  const template = readTemplate(templateFile);
  const overlay = readOverlay(opts.traffic, io);
  if (overlay === "failed") return 2;
  if (opts.out !== undefined && opts.outDir !== undefined) throw new UsageError("init: give --out FILE or --out-dir DIR, not both");
  if (opts.outDir === "") throw new UsageError("--out-dir: the path is empty; name a folder, or . for the current one");
  if (opts.metrics !== undefined && overlay !== null && overlay.data.traffic !== undefined) {
    throw new UsageError(`init: give the traffic in --traffic ${opts.traffic} or replay it with --metrics ${opts.metrics}, not both (the --traffic file may still give function behaviour and expectations)`);
  }
  const command = [
    "esm-sim init --from",
    templateFile,
    ...(opts.resource ? ["--resource", opts.resource] : []),
    ...opts.parameter.map((p) => `--parameter ${p}`),
    ...(opts.traffic ? ["--traffic", opts.traffic] : []),
    ...(opts.metrics ? ["--metrics", opts.metrics] : []),
  ].join(" ");
  // File names come from the template's ids: made safe (template/file-name.ts) so that every file lands inside --out-dir.
  const names = new ScenarioFileNames();
  const pathFor = (id: string): string => opts.out ?? join(opts.outDir ?? ".", names.nameFor(id));
  const fileNoteFor = (id: string) => (opts.out === undefined ? names.noteFor(id) : null);
  // Every scenario is written in one folder, and reads the files it names from there.
  const inFolder = join(opts.out !== undefined && standardFdOf(opts.out) === null ? dirname(opts.out) : (opts.outDir ?? "."), "scenario.yaml");
  const metrics = opts.metrics === undefined ? undefined : { file: besideScenario(opts.metrics, inFolder), given: opts.metrics };
  const files = namedFilesForInit(metrics, overlay?.data, inFolder);
  const metricsFor = metrics && (() => metrics);
  // Problems in a scenario printed to the standard output are placed in what was printed, as the starter's are.
  const shownFor = (id: string): string => (opts.out !== undefined && toStandardOutput(opts.out) ? "(stdout)" : pathFor(id));
  const r = await template({ parameters, resource: opts.resource, overlay, command, fileNameFor: shownFor, fileNoteFor, metricsFor, files });
  if (!r.ok) {
    printTemplateFailure(io, r);
    return 2;
  }
  if (opts.out !== undefined && r.scenarios.length > 1) {
    throw new UsageError(`init: --out takes one scenario, and ${templateFile} has ${r.scenarios.length} mappings (${r.scenarios.map((s) => s.id).join(", ")}); name one with --resource, or use --out-dir`);
  }
  // Even with --force, a scenario is not written over a file this command reads.
  refuseSharedFiles(
    [
      { what: "the --from template", path: templateFile },
      opts.traffic === undefined ? null : { what: "the --traffic file", path: opts.traffic },
      opts.metrics === undefined ? null : { what: "the --metrics export", path: opts.metrics },
    ],
    r.scenarios.map((s) =>
      opts.out !== undefined
        ? { what: "--out", path: pathFor(s.id) }
        : {
            what: `the scenario for the mapping ${s.id}`,
            path: pathFor(s.id),
            elsewhere: `write it elsewhere with --out-dir DIR, or name its file with ${r.scenarios.length > 1 ? `--resource ${s.id} ` : ""}--out FILE`,
          },
    ),
  );
  return writeScenarios(io, r, opts, pathFor);
}

/**
 * How a scenario written at `scenarioPath` names the file `path` (given relative to the current folder): relative to
 * the scenario's folder, with `/`, since a scenario's files are read from its folder; absolute paths stay absolute.
 */
function besideScenario(path: string, scenarioPath: string): string {
  if (isAbsolute(path)) return path;
  const rel = relative(dirname(resolve(scenarioPath)), resolve(path));
  return rel.split(sep).join("/");
}

/**
 * The files the written scenarios will name, read now as they will be read later (from the scenarios' folder,
 * `inFolder` naming a file there), so that the written scenarios are checked with them: the --metrics export (read
 * where it was given), or the exports a --traffic file's replays name.
 */
function namedFilesForInit(metrics: { file: string; given: string } | undefined, overlay: Record<string, unknown> | undefined, inFolder: string): Map<string, NamedFile> {
  if (metrics !== undefined) {
    const read = readNamedFiles([metrics.given], null, CLOUDWATCH_EXPORT_INPUT).get(metrics.given)!;
    if ("error" in read) throw new UsageError(`--metrics ${metrics.given}: ${read.error}`);
    return new Map([[metrics.file, read]]);
  }
  return overlay === undefined ? new Map() : readNamedFiles(replayFiles(overlay), inFolder, CLOUDWATCH_EXPORT_INPUT);
}

/** Write every scenario of the template (refusing before the first if any file exists without --force). */
function writeScenarios(io: Io, r: Extract<FromTemplateResult, { ok: true }>, opts: InitOpts, pathFor: (id: string) => string): number {
  if (opts.out === undefined) {
    const outDir = opts.outDir ?? ".";
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out-dir ${outDir}: is not a directory`);
    mkdirSync(outDir, { recursive: true });
  }
  for (const s of r.scenarios) {
    const path = pathFor(s.id);
    if (toStandardOutput(path)) continue;
    refuseOverwrite(path, opts.force);
    // A link there could lead outside --out-dir: the scenarios stay inside it.
    if (opts.out === undefined && isLink(path)) throw new UsageError(`${path}: is a symbolic link; init --from writes its scenarios inside the output directory only, so remove the link or choose another --out-dir`);
  }
  const seen = new Set<string>();
  printWarningsOnce(io, r.warnings, seen);
  let code = 0;
  r.scenarios.forEach((s, i) => {
    if (toStandardOutput(pathFor(s.id))) {
      io.out(s.text);
    } else {
      writeOutputFile(pathFor(s.id), s.text);
      io.out(`wrote ${pathFor(s.id)}: ${r.drafts[i].summary}\n`);
    }
    code = Math.max(code, reportParse(io, s.parse, seen, r.scenarios.length > 1 ? pathFor(s.id) : undefined));
  });
  // The mappings not written, and why (a scenario on the standard output keeps it to the scenario alone).
  const toStdout = opts.out !== undefined && toStandardOutput(opts.out);
  for (const s of r.skipped) (toStdout ? io.err : io.out)(`skipped ${s.id}: ${s.reason}\n`);
  return code;
}
