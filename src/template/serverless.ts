/**
 * serverless.yml (the Serverless Framework): each `functions.<name>.events[i].sqs` and `.stream` becomes the
 * AWS::Lambda::EventSourceMapping the framework compiles it to, its function the AWS::Lambda::Function, and the
 * file's `resources` block (plain CloudFormation) is kept as it is; discover() then drafts the scenarios as for any
 * template (synth.ts), and every comment names the serverless.yml path a value came from.
 *
 * Sources: https://www.serverless.com/framework/docs/providers/aws/events/sqs,
 * https://www.serverless.com/framework/docs/providers/aws/events/streams,
 * https://www.serverless.com/framework/docs/providers/aws/guide/functions (timeout, reservedConcurrency, name),
 * https://www.serverless.com/framework/docs/providers/aws/guide/resources (the `resources` block), and what the
 * framework itself writes (package serverless@3, lib/plugins/aws/package/compile/events/sqs.js and stream.js,
 * lib/plugins/aws/lib/naming.js, lib/plugins/aws/package/compile/functions.js): BatchSize 10 for SQS and stream
 * events alike, StartingPosition TRIM_HORIZON, Enabled true, a function timeout of 6 s, functions named
 * `<service>-<stage>-<function>`, mappings named `<Function>EventSourceMapping<SQS|Kinesis|Dynamodb><Source>`.
 * Not handled: plugins, `${file(...)}` and other variables read from outside the file (their values take the AWS
 * default, with a comment), function aliases (`targetAlias`), `resources.extensions`.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { show } from "../scenario/show.js";
import { discover, type Discovery } from "./discover.js";
import type { Draft } from "./draft.js";
import type { Position } from "./load.js";
import { PSEUDO_DEFAULTS } from "./intrinsics.js";
import { Variables } from "./serverless-vars.js";
import { firstUnknown, Synth, Unknown, type Imported } from "./synth.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface ServerlessOptions {
  /** `--parameter name=value`: CLI options (`${opt:name}`, `stage`, `region`) and AWS::AccountId. */
  parameters?: ReadonlyMap<string, string>;
}

const SQS_KEYS = ["arn", "batchSize", "enabled", "maximumBatchingWindow", "functionResponseType", "filterPatterns", "maximumConcurrency"];
const STREAM_KEYS = ["arn", "type", "batchSize", "parallelizationFactor", "startingPosition", "startingPositionTimestamp", "enabled", "consumer", "batchWindow", "maximumRetryAttempts", "bisectBatchOnFunctionError", "maximumRecordAgeInSeconds", "functionResponseType", "destinations", "tumblingWindowInSeconds", "filterPatterns"];
const FUNCTION_KEYS = ["name", "timeout", "reservedConcurrency", "events"];

/** The framework's logical-id spelling of a name (naming.js getNormalizedResourceName). */
const normalized = (name: string) => upperFirst(name.replace(/-/g, "Dash").replace(/_/g, "Underscore"));
const alphanumeric = (name: string) => upperFirst(name.replace(/[^0-9A-Za-z]/g, ""));
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function serverlessImport(root: Obj, positions: ReadonlyMap<string, Position>, file: string, options: ServerlessOptions = {}): Imported {
  const given = options.parameters ?? new Map<string, string>();
  const s = new ServerlessFile(root, file, positions, given);
  const problem = s.check();
  if (problem) return { ok: false, errors: [problem], warnings: [] };
  s.copyResources();
  s.functions();
  const synth = s.synth;
  const found = discover(synth.template(), { parameters: s.pseudo() });
  const translated = synth.discovery(found, (id) => s.names.get(id) ?? { id, aliases: [] });
  return {
    ok: true,
    template: synth.template(),
    found: s.finish(translated),
    nothing: "no event source mapping esm-sim can simulate: it looks for sqs and stream events under functions.<name>.events",
  };
}

/** What one mapping event declared, for the checks after discover(). */
interface EventInfo {
  path: Path;
  fnId: string;
  declaredType: string | null;
  unknownKeys: string[];
  warnings: Problem[];
}

class ServerlessFile {
  readonly synth: Synth;
  readonly vars: Variables;
  /** Each synthesized mapping id: its scenario id and the other names --resource takes. */
  readonly names = new Map<string, { id: string; aliases: string[] }>();
  private readonly events = new Map<string, EventInfo>();
  /** Each function's keys esm-sim does not read, by the function's logical id. */
  private readonly functionNotes = new Map<string, string>();
  private readonly warnings: Problem[] = [];

  constructor(
    private readonly root: Obj,
    private readonly file: string,
    private readonly positions: ReadonlyMap<string, Position>,
    private readonly given: ReadonlyMap<string, string>,
  ) {
    this.synth = new Synth(file, positions);
    const account = given.get("AWS::AccountId") ?? PSEUDO_DEFAULTS["AWS::AccountId"];
    this.vars = new Variables(root, given, () => this.region(), account);
  }

  private problem(severity: Problem["severity"], path: Path, message: string): Problem {
    let pos: Position = { line: 1, col: 1 };
    for (let n = path.length; n >= 0; n--) {
      const p = this.positions.get(path.slice(0, n).map(String).join("\u001f"));
      if (p) {
        pos = p;
        break;
      }
    }
    return { severity, file: this.file, line: pos.line, col: pos.col, path: showPath(path), message };
  }

  check(): Problem | null {
    const provider = this.root.provider;
    const name = isObj(provider) ? this.vars.value(provider.name) : provider;
    if (provider !== undefined && name !== "aws") {
      return this.problem("error", ["provider", "name"], `the provider is ${show(name)}: esm-sim reads serverless.yml files for the aws provider`);
    }
    if (!isObj(this.root.functions) && !Array.isArray(this.root.functions)) return this.problem("error", ["functions"], `functions must be a map of function names to functions (got ${show(this.root.functions)})`);
    return null;
  }

  private text(v: unknown, fallback: string): string {
    return typeof v === "string" || typeof v === "number" ? String(v) : fallback;
  }

  region(): unknown {
    const opt = this.given.get("region");
    if (opt !== undefined) return opt;
    const provider = this.root.provider;
    const own = isObj(provider) ? this.vars.value(provider.region) : undefined;
    return own === undefined || own === null ? "us-east-1" : own;
  }

  /** AWS::Region and AWS::StackName as the framework deploys them (`<service>-<stage>`), AWS::AccountId if given. */
  pseudo(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.given) if (k.startsWith("AWS::")) out.set(k, v);
    const provider = isObj(this.root.provider) ? this.root.provider : {};
    const stackName = this.vars.value(provider.stackName) ?? `${this.text(this.vars.value(this.root.service), "service")}-${this.text(this.vars.stage(), "dev")}`;
    if (!out.has("AWS::Region")) out.set("AWS::Region", this.text(this.region(), "us-east-1"));
    if (!out.has("AWS::StackName")) out.set("AWS::StackName", this.text(stackName, "esm-sim-stack"));
    return out;
  }

  /** `resources.Resources` (and Conditions, Mappings, Parameters) as CloudFormation, variables resolved. */
  copyResources(): void {
    const blocks = Array.isArray(this.root.resources) ? this.root.resources.map((b, i) => [b, ["resources", i]] as const) : [[this.root.resources, ["resources"]] as const];
    for (const [block, at] of blocks) {
      if (!isObj(block)) {
        if (block !== undefined) this.warnings.push(this.problem("warning", [...at], `not read: ${firstUnknown(this.vars.value(block))?.reason ?? "not a map of CloudFormation sections"}`));
        continue;
      }
      for (const section of ["Resources", "Conditions", "Mappings", "Parameters"]) {
        const v = block[section];
        if (!isObj(v)) continue;
        const into = section === "Resources" ? this.synth.resources : ((this.synth.sections[section] ??= {}) as Obj);
        for (const [id, value] of Object.entries(v)) {
          into[id] = this.cfn(this.vars.value(value));
          this.synth.map([section, id], { path: [...at, section, id], nested: true });
        }
      }
    }
  }

  /** A resolved value as CloudFormation: each Unknown becomes a value the template cannot resolve, for its reason. */
  private cfn(v: unknown): unknown {
    if (v instanceof Unknown) return this.synth.unresolved(v.reason);
    if (Array.isArray(v)) return v.map((x) => this.cfn(x));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.cfn(x)]));
    return v;
  }

  functions(): void {
    const fns = this.functionList();
    for (const [name, fn, path] of fns) {
      if (!isObj(fn) || !Array.isArray(fn.events)) continue;
      let fnId: string | null = null;
      fn.events.forEach((ev, i) => {
        if (!isObj(ev) || !("sqs" in ev || "stream" in ev)) return;
        fnId ??= this.lambda(name, fn, path);
        const kind = "sqs" in ev ? "sqs" : "stream";
        this.mapping(name, fnId, kind, ev[kind], [...path, "events", i, kind], fn.events as unknown[]);
      });
    }
  }

  /** `functions` as [name, function, path]: a map, or a list of maps (files merged by the framework). */
  private functionList(): [string, unknown, Path][] {
    const f = this.root.functions;
    if (isObj(f)) return Object.entries(f).map(([k, v]) => [k, v, ["functions", k]]);
    if (!Array.isArray(f)) return [];
    return f.flatMap((m, i) => (isObj(m) ? Object.entries(m).map(([k, v]) => [k, v, ["functions", i, k]] as [string, unknown, Path]) : []));
  }

  /** The AWS::Lambda::Function the framework writes for a function; its logical id. */
  private lambda(name: string, fn: Obj, path: Path): string {
    const id = `${normalized(name)}LambdaFunction`;
    this.synth.add(id, "AWS::Lambda::Function", { path });
    const service = this.text(this.vars.value(this.root.service), "service");
    const stage = this.text(this.vars.stage(), "dev");
    if (fn.name !== undefined) this.set(id, "FunctionName", [...path, "name"], fn.name);
    else this.synth.set(id, "FunctionName", `${service}-${stage}-${name}`, { path, note: `the Serverless Framework names it <service>-<stage>-<function>` });
    const provider = isObj(this.root.provider) ? this.root.provider : {};
    if (fn.timeout !== undefined) this.set(id, "Timeout", [...path, "timeout"], fn.timeout);
    else if (provider.timeout !== undefined) this.set(id, "Timeout", ["provider", "timeout"], provider.timeout);
    else this.synth.set(id, "Timeout", 6, { path, note: "the Serverless Framework's default timeout (AWS's own is 3 s)" });
    if (fn.reservedConcurrency !== undefined) this.set(id, "ReservedConcurrentExecutions", [...path, "reservedConcurrency"], fn.reservedConcurrency);
    const rest = Object.keys(fn).filter((k) => !FUNCTION_KEYS.includes(k));
    if (rest.length) this.functionNotes.set(id, `not modelled by esm-sim (${showPath(path)}): ${rest.join(", ")}`);
    return id;
  }

  /** Set a property from a value of the file (variables resolved), noting the variables it went through. */
  private set(id: string, key: string, path: Path, raw: unknown, wrap: (v: unknown) => unknown = (v) => v): void {
    const v = this.vars.value(raw);
    const via = typeof raw === "string" && raw.includes("${") ? raw : undefined;
    const u = firstUnknown(v);
    this.synth.set(id, key, u ? this.synth.unresolved(u.reason) : this.cfn(wrap(v)), { path, via });
  }

  private mapping(fnName: string, fnId: string, kind: "sqs" | "stream", raw: unknown, path: Path, events: unknown[]): void {
    const ev = this.vars.value(raw);
    const obj: Obj = isObj(ev) ? ev : {};
    const arnPath = isObj(ev) ? [...path, "arn"] : path;
    const arn = isObj(ev) ? ev.arn : ev;
    const declared = kind === "stream" ? this.streamType(obj, arn) : "sqs";
    const id = this.uniqueId(`${normalized(fnName)}EventSourceMapping${kind === "sqs" ? "SQS" : upperFirst(declared ?? "stream")}${alphanumeric(sourceName(arn, kind))}`);
    const info: EventInfo = { path, fnId, declaredType: declared, unknownKeys: Object.keys(obj).filter((k) => !(kind === "sqs" ? SQS_KEYS : STREAM_KEYS).includes(k)), warnings: [] };
    this.events.set(id, info);
    const single = events.filter((e) => isObj(e) && ("sqs" in e || "stream" in e)).length === 1;
    this.names.set(id, { id, aliases: [`${fnName}.events[${path[path.length - 2]}]`, ...(single ? [fnName] : [])] });
    this.synth.add(id, "AWS::Lambda::EventSourceMapping", { path });
    // The file's own values, for the `via` of each comment (a variable that gave the whole event has none).
    const raws = isObj(raw) ? raw : obj;
    const at = (k: string): Path => [...path, k];
    this.synth.set(id, "EventSourceArn", this.cfn(arn), { path: arnPath });
    this.synth.set(id, "FunctionName", { "Fn::GetAtt": [fnId, "Arn"] }, { path: path.slice(0, -3) });
    const framework = (key: string, value: unknown, what: string) => this.synth.set(id, key, value, { path, note: `the Serverless Framework's default: it writes ${key} ${String(value)} when the event sets no ${what}` });
    if (obj.batchSize !== undefined) this.set(id, "BatchSize", at("batchSize"), raws.batchSize);
    else framework("BatchSize", 10, "batchSize");
    const windowKey = kind === "sqs" ? "maximumBatchingWindow" : "batchWindow";
    if (obj[windowKey] !== undefined) this.set(id, "MaximumBatchingWindowInSeconds", at(windowKey), raws[windowKey]);
    if (kind === "stream") this.streamProperties(id, obj, raws, at, framework, info);
    if (obj.enabled !== undefined) this.set(id, "Enabled", at("enabled"), raws.enabled);
    if (obj.functionResponseType !== undefined) this.set(id, "FunctionResponseTypes", at("functionResponseType"), raws.functionResponseType, (v) => [v]);
    if (obj.filterPatterns !== undefined) this.filterPatterns(id, at("filterPatterns"), raws.filterPatterns);
    if (kind === "sqs" && obj.maximumConcurrency !== undefined) {
      this.set(id, "ScalingConfig", at("maximumConcurrency"), raws.maximumConcurrency, (v) => ({ MaximumConcurrency: v }));
      this.synth.map(["Resources", id, "Properties", "ScalingConfig", "MaximumConcurrency"], { path: at("maximumConcurrency") });
    }
  }

  private streamProperties(id: string, obj: Obj, raws: Obj, at: (k: string) => Path, framework: (key: string, value: unknown, what: string) => void, info: EventInfo): void {
    if (obj.startingPosition !== undefined) this.set(id, "StartingPosition", at("startingPosition"), raws.startingPosition);
    else framework("StartingPosition", "TRIM_HORIZON", "startingPosition");
    if (obj.startingPositionTimestamp !== undefined) this.set(id, "StartingPositionTimestamp", at("startingPositionTimestamp"), raws.startingPositionTimestamp);
    const keys: [string, string][] = [
      ["parallelizationFactor", "ParallelizationFactor"],
      ["maximumRetryAttempts", "MaximumRetryAttempts"],
      ["bisectBatchOnFunctionError", "BisectBatchOnFunctionError"],
      ["maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"],
      ["tumblingWindowInSeconds", "TumblingWindowInSeconds"],
    ];
    for (const [k, cfn] of keys) if (obj[k] !== undefined) this.set(id, cfn, at(k), raws[k]);
    if (isObj(obj.destinations)) {
      const onFailure = obj.destinations.onFailure;
      const dest = isObj(onFailure) ? onFailure.arn : onFailure;
      const destPath = isObj(onFailure) ? [...at("destinations"), "onFailure", "arn"] : [...at("destinations"), "onFailure"];
      this.synth.set(id, "DestinationConfig", { OnFailure: { Destination: this.cfn(dest) } }, { path: at("destinations") });
      this.synth.map(["Resources", id, "Properties", "DestinationConfig", "OnFailure"], { path: [...at("destinations"), "onFailure"] });
      this.synth.map(["Resources", id, "Properties", "DestinationConfig", "OnFailure", "Destination"], { path: destPath });
    }
    if (obj.consumer !== undefined) this.consumer(id, obj, at("consumer"));
  }

  /** `consumer: true` makes an AWS::Kinesis::StreamConsumer; `consumer: <arn>` reads through an existing one. */
  private consumer(id: string, obj: Obj, path: Path): void {
    const c = obj.consumer;
    if (c === true) {
      const consumerId = `${id}Consumer`;
      this.synth.add(consumerId, "AWS::Kinesis::StreamConsumer", { path });
      this.synth.set(consumerId, "StreamARN", this.cfn(obj.arn), { path: [...path.slice(0, -1), "arn"] });
      this.synth.set(consumerId, "ConsumerName", consumerId, { path, note: "named by the Serverless Framework" });
      this.synth.set(id, "EventSourceArn", { Ref: consumerId }, { path });
    } else if (typeof c === "string") {
      // The consumer's ARN names its stream (.../stream/NAME/consumer/...): the mapping reads it by enhanced fan-out.
      this.synth.set(id, "EventSourceArn", c, { path });
    }
  }

  /** `filterPatterns: [{...}]` -> FilterCriteria.Filters[i].Pattern, the JSON of each pattern. */
  private filterPatterns(id: string, path: Path, raw: unknown): void {
    const v = this.vars.value(raw);
    const u = firstUnknown(v);
    const value = u ? this.synth.unresolved(u.reason) : Array.isArray(v) ? { Filters: v.map((p) => ({ Pattern: JSON.stringify(p) })) } : v;
    this.synth.set(id, "FilterCriteria", value, { path });
    this.synth.map(["Resources", id, "Properties", "FilterCriteria", "Filters"], { path });
    if (Array.isArray(v)) v.forEach((_, i) => this.synth.map(["Resources", id, "Properties", "FilterCriteria", "Filters", i], { path: [...path, i] }));
  }

  /** A stream event's type: `type`, else the service of its ARN (the framework's rule). */
  private streamType(obj: Obj, arn: unknown): string | null {
    if (typeof obj.type === "string") return obj.type;
    if (typeof arn === "string") return arn.split(":")[2] ?? null;
    return null;
  }

  private uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.synth.resources[id] !== undefined; n++) id = `${base}${n}`;
    return id;
  }

  /** The drafts with what only the serverless.yml knows: declared stream types, keys not read, function notes. */
  finish(found: Discovery): Discovery {
    const drafts = found.drafts.map((d) => {
      const info = this.events.get(d.id);
      if (!info) return d;
      const out = info.declaredType === "dynamodb" && d.sourceType === "kinesis" ? asDynamodb(d, info) : d;
      if (info.unknownKeys.length) out.mapping.header.push(`not read by esm-sim (${showPath(info.path)}): ${info.unknownKeys.join(", ")}, which the Serverless Framework does not accept for this event either`);
      const fnNote = this.functionNotes.get(info.fnId);
      if (fnNote) out.fn.header.push(fnNote);
      return { ...out, warnings: [...info.warnings, ...out.warnings] };
    });
    return { ...found, drafts, warnings: [...this.warnings, ...found.warnings] };
  }
}

/**
 * A `type: dynamodb` stream event whose ARN cannot be resolved: discover() takes an unresolved stream as Kinesis
 * (the mapping sets StartingPosition), but the event says what it is.
 */
const ASSUMED_KINESIS = "; the source is assumed to be a Kinesis stream because the mapping sets StartingPosition (set type: dynamodb if it is a table stream)";

function asDynamodb(d: Draft, info: EventInfo): Draft {
  const arnPath = showPath([...info.path, "arn"]);
  const warnings = d.warnings.map((w) => (w.path === arnPath ? { ...w, message: w.message.replace(ASSUMED_KINESIS, "; the event says type: dynamodb") } : w));
  const source = {
    header: d.source.header,
    entries: [
      { key: "type", value: "dynamodb", origin: { kind: "template" as const, path: [...info.path, "type"] } },
      { key: "ShardCount", value: 1, origin: { kind: "choice" as const, note: "DynamoDB makes one stream shard per table partition, which a template does not state; set yours" } },
    ],
    footer: [],
  };
  return { ...d, sourceType: "dynamodb", source, warnings };
}

/** `functions.worker.events[0].sqs` */
function showPath(path: Path): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** The name the framework gives a mapping's source in its logical id (sqs.js and stream.js). */
function sourceName(arn: unknown, kind: "sqs" | "stream"): string {
  if (isObj(arn)) {
    const getAtt = arn["Fn::GetAtt"];
    if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
    if (typeof arn["Fn::ImportValue"] === "string") return arn["Fn::ImportValue"];
    if (typeof arn.Ref === "string") return arn.Ref;
    const join = arn["Fn::Join"];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const last = join[1][join[1].length - 1];
      return typeof last === "string" ? (kind === "stream" ? last.split("/").pop()! : last) : "Source";
    }
    return "Source";
  }
  if (typeof arn !== "string") return "Source";
  return (kind === "sqs" ? arn.split(":").pop() : arn.split("/")[1]) || "Source";
}
