/**
 * Finding the event source mappings in a template and drafting a scenario for each: an
 * `AWS::Lambda::EventSourceMapping` (its EventSourceArn resolved to an `AWS::SQS::Queue`, `AWS::Kinesis::Stream`,
 * `AWS::Kinesis::StreamConsumer` or `AWS::DynamoDB::Table` stream, its FunctionName to an `AWS::Lambda::Function` or
 * `AWS::Serverless::Function`), or a SAM `AWS::Serverless::Function` event of type SQS, Kinesis or DynamoDB, with
 * `Globals.Function` applied.
 *
 * Sources: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-streamconsumer.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (an EventSourceArn that is a stream consumer's ARN
 * reads its stream, the consumer's StreamARN, by enhanced fan-out: `enhancedFanOut: true`),
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html,
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sqs.html (and -kinesis, -dynamodb),
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
 * (Globals: a resource's own value wins over a global one; maps merge; lists add up),
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html (a new on-demand stream has 4 MB/s
 * of write capacity; a shard takes 1 MB/s, hence 4 shards). Defaults and the properties read: the parameter table
 * (scenario/params.ts).
 *
 * esm-sim's choices where a template cannot say: an ON_DEMAND Kinesis stream gets ShardCount 4; a DynamoDB stream
 * ShardCount 1 (DynamoDB makes one stream shard per table partition, which no template states); a stream mapping
 * without StartingPosition (AWS requires one) gets TRIM_HORIZON; an EventSourceArn that cannot be resolved is
 * taken as a Kinesis stream when the mapping sets StartingPosition, else as an SQS queue. Each is a warning and a
 * comment in the written scenario.
 * Not handled: Kafka, Amazon MQ and DocumentDB mappings (listed as skipped), nested stacks, SAM's own
 * AutoPublishAlias targets.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { cfnPropertiesOf, defaultOf, PARAMS, QUEUES, type ParamPath, type SourceType } from "../scenario/params.js";
import { show } from "../scenario/show.js";
import type { Draft, Entry, Origin, Section, Skipped } from "./draft.js";
import { firstUnresolved, NO_VALUE, PSEUDO_DEFAULTS, Unresolved } from "./intrinsics.js";
import { showTemplatePath, templateProblem, type Template } from "./load.js";
import {
  DDB_GLOBAL_TABLE,
  DDB_TABLE,
  ESM,
  KINESIS_CONSUMER,
  KINESIS_STREAM,
  LAMBDA_FUNCTION,
  SAM_FUNCTION,
  SQS_QUEUE,
  Stack,
  functionNameOf,
} from "./stack.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Shards of a new ON_DEMAND stream: 4 MB/s of write capacity at 1 MB/s per shard (KDS quotas page). */
export const ON_DEMAND_SHARDS = 4;

/** Properties esm-sim reads (the parameter table's, and a few of the template's own); the rest are listed as not
 *  modelled. */
const MAPPING_KEYS = cfnPropertiesOf("mapping");
const QUEUE_KEYS = cfnPropertiesOf("source", QUEUES);
const STREAM_KEYS = [...cfnPropertiesOf("source", ["kinesis"]), "StreamModeDetails"];
const TABLE_KEYS = ["TableName", "StreamSpecification"];
const FUNCTION_KEYS = [...cfnPropertiesOf("function"), "Events"];
/** Function properties that apply to asynchronous invocations only: a mapping ignores them. */
const ASYNC_ONLY_FUNCTION_KEYS = ["DeadLetterConfig", "DeadLetterQueue", "EventInvokeConfig"];

/** SAM event types that are event source mappings esm-sim cannot simulate. */
const OTHER_ESM_EVENT_TYPES = ["MSK", "SelfManagedKafka", "MQ", "DocumentDB"];

export interface DiscoverOptions {
  /** --parameter values (parameters and pseudo parameters). */
  parameters?: ReadonlyMap<string, string>;
}

export interface Discovery {
  drafts: Draft[];
  skipped: Skipped[];
  /** Problems with the template or the parameters as a whole (not tied to one mapping). */
  errors: Problem[];
  warnings: Problem[];
}

interface Read {
  path: Path;
  present: boolean;
  value: unknown;
  unresolved: Unresolved | null;
  via?: string;
}

export function discover(t: Template, options: DiscoverOptions = {}): Discovery {
  const parameters = options.parameters ?? new Map<string, string>();
  const stack = new Stack(t.root, parameters);
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  checkParameters(t, parameters, errors);

  const drafts: Draft[] = [];
  const skipped: Skipped[] = [];
  for (const r of stack.resources.values()) {
    if (r.type === ESM) {
      const anchor: Path = ["Resources", r.id];
      const aliases = cdkAliases(r.metadata);
      const skip = conditionSkip(stack, r.condition);
      if (skip) {
        skipped.push({ id: r.id, aliases, anchor, reason: skip });
        continue;
      }
      const other = otherEsmKind(stack, r.properties);
      if (other) {
        skipped.push({ id: r.id, aliases, anchor, reason: `its source is ${other}; esm-sim simulates SQS, Kinesis and DynamoDB mappings` });
        continue;
      }
      const draft = new Drafter(t, stack).fromEsm(r.id, aliases);
      draft.warnings.unshift(...conditionWarning(t, stack, r.id, r.condition));
      drafts.push(draft);
    } else if (r.type === SAM_FUNCTION && isObj(r.properties.Events)) {
      const events = Object.entries(r.properties.Events).filter(([, e]) => isObj(e) && typeof e.Type === "string" && ["SQS", "Kinesis", "DynamoDB", ...OTHER_ESM_EVENT_TYPES].includes(e.Type as string));
      for (const [name, ev] of events) {
        const e = ev as Obj;
        const id = `${r.id}${name}`;
        const aliases = [`${r.id}.${name}`, ...(events.length === 1 ? [r.id] : [])];
        const anchor: Path = ["Resources", r.id, "Properties", "Events", name];
        const skip = conditionSkip(stack, r.condition);
        if (skip) {
          skipped.push({ id, aliases, anchor, reason: skip });
          continue;
        }
        if (OTHER_ESM_EVENT_TYPES.includes(e.Type as string)) {
          skipped.push({ id, aliases, anchor, reason: `its event type is ${String(e.Type)}; esm-sim simulates SQS, Kinesis and DynamoDB mappings` });
          continue;
        }
        const draft = new Drafter(t, stack).fromSamEvent(r.id, name, id, aliases);
        draft.warnings.unshift(...conditionWarning(t, stack, r.id, r.condition));
        drafts.push(draft);
      }
    }
  }
  return { drafts, skipped, errors, warnings };
}

function checkParameters(t: Template, given: ReadonlyMap<string, string>, errors: Problem[]): void {
  const params = isObj(t.root.Parameters) ? t.root.Parameters : {};
  const names = Object.keys(params);
  for (const [k, v] of given) {
    if (k in PSEUDO_DEFAULTS) continue;
    if (!(k in params)) {
      errors.push(templateProblem(t, "error", ["Parameters"], `--parameter ${k}: the template has no parameter ${k} (${names.length ? `parameters: ${names.join(", ")}` : "it has no Parameters"}; pseudo parameters: ${Object.keys(PSEUDO_DEFAULTS).join(", ")})`));
      continue;
    }
    const spec = params[k];
    if (isObj(spec) && Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(v)) {
      errors.push(templateProblem(t, "error", ["Parameters", k, "AllowedValues"], `--parameter ${k}: Parameter '${k}' must be one of AllowedValues (${spec.AllowedValues.map(String).join(", ")}; got ${JSON.stringify(v)})`));
    }
  }
}

function conditionSkip(stack: Stack, condition: string | null): string | null {
  if (!condition) return null;
  const c = stack.resolver.condition(condition);
  return c === false ? `its Condition ${condition} is false, so the stack does not create it` : null;
}

/** A warning for a resource whose Condition cannot be evaluated: esm-sim assumes the stack creates it. */
function conditionWarning(t: Template, stack: Stack, id: string, condition: string | null): Problem[] {
  if (!condition) return [];
  const c = stack.resolver.condition(condition);
  return c instanceof Unresolved ? [templateProblem(t, "warning", ["Resources", id, "Condition"], `${c.reason}; esm-sim assumes the stack creates ${id}`)] : [];
}

function otherEsmKind(stack: Stack, props: Obj): string | null {
  if ("SelfManagedEventSource" in props || "SelfManagedKafkaEventSourceConfig" in props) return "a self-managed Kafka cluster";
  const arn = stack.resolver.resolve(props.EventSourceArn);
  if (typeof arn !== "string") return null;
  const service = arnService(arn);
  if (service === "kafka") return "an Amazon MSK cluster";
  if (service === "mq") return "an Amazon MQ broker";
  if (service === "rds" || service === "docdb") return "an Amazon DocumentDB change stream";
  return null;
}

function arnService(arn: string): string | null {
  const parts = arn.split(":");
  return parts[0] === "arn" && parts.length >= 6 ? parts[2] : null;
}

/** The consumer part of a Kinesis stream consumer's ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/NAME:TIMESTAMP`). */
const CONSUMER_ARN = /\/consumer\/[^/]*$/;

/** The source type an ARN names, when it names one esm-sim simulates. */
export function sourceTypeOfArn(arn: string): SourceType | null {
  const service = arnService(arn);
  const resource = arn.split(":").slice(5).join(":");
  if (service === "sqs") return resource.endsWith(".fifo") ? "sqs-fifo" : "sqs";
  if (service === "kinesis" && resource.startsWith("stream/")) return "kinesis";
  if (service === "dynamodb" && /^table\/[^/]+\/stream\//.test(resource)) return "dynamodb";
  return null;
}

function cdkAliases(metadata: Obj): string[] {
  const p = metadata["aws:cdk:path"];
  if (typeof p !== "string") return [];
  return [p.endsWith("/Resource") ? p.slice(0, -"/Resource".length) : p];
}

const asInt = (v: unknown): unknown => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v);
const asNumber = (v: unknown): unknown => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
const asBool = (v: unknown): unknown => (v === "true" ? true : v === "false" ? false : v);
const asIs = (v: unknown): unknown => v;

const DEFAULT: Origin = { kind: "default" };

/** AWS's default for a setting, as a draft's fallback; none when the setting does not apply to the source type. */
function awsDefault(path: ParamPath, type: SourceType): { value: unknown } | undefined {
  if (!(PARAMS[path].sources as readonly SourceType[]).includes(type)) return undefined;
  const v = defaultOf(path, type);
  return { value: Array.isArray(v) ? [...v] : v };
}

/** Drafts one scenario. */
class Drafter {
  private readonly warnings: Problem[] = [];
  private readonly errors: Problem[] = [];
  private readonly source: Section = { header: [], entries: [], footer: [] };
  private readonly mapping: Section = { header: [], entries: [], footer: [] };
  private readonly fn: Section = { header: [], entries: [], footer: [] };
  /** Where the EventSourceArn names a Kinesis stream consumer (the mapping reads by enhanced fan-out), or null. */
  private efo: Origin | null = null;

  constructor(
    private readonly t: Template,
    private readonly stack: Stack,
  ) {}

  private warn(path: Path, message: string): void {
    this.warnings.push(templateProblem(this.t, "warning", path, message));
  }

  private raw(path: Path): unknown {
    let v: unknown = this.t.root;
    for (const seg of path) {
      if (Array.isArray(v) && typeof seg === "number") v = v[seg];
      else if (isObj(v)) v = v[String(seg)];
      else return undefined;
    }
    return v;
  }

  private objAt(path: Path): Obj {
    const v = this.raw(path);
    return isObj(v) ? v : {};
  }

  private read(path: Path): Read {
    const raw = this.raw(path);
    if (raw === undefined) return { path, present: false, value: undefined, unresolved: null };
    const value = this.stack.resolver.resolve(raw);
    if (value === NO_VALUE) return { path, present: false, value: undefined, unresolved: null };
    const unresolved = firstUnresolved(value);
    return { path, present: true, value, unresolved, via: this.via(raw) };
  }

  /** How a value was arrived at, when it is a parameter or a condition's choice. */
  private via(raw: unknown): string | undefined {
    if (!isObj(raw)) return undefined;
    const params = isObj(this.t.root.Parameters) ? this.t.root.Parameters : {};
    if (typeof raw.Ref === "string" && raw.Ref in params) {
      return this.stack.parameters.has(raw.Ref) ? `parameter ${raw.Ref} from --parameter` : `parameter ${raw.Ref}, its Default`;
    }
    const f = raw["Fn::If"];
    if (Array.isArray(f) && typeof f[0] === "string") {
      const c = this.stack.resolver.condition(f[0]);
      if (typeof c === "boolean") return `Fn::If: condition ${f[0]} is ${c}`;
    }
    return undefined;
  }

  /** Add `key` from `r` (coerced), or the fallback when absent or unresolvable; warn when unresolvable. */
  private field(section: Section, key: string, r: Read, coerce: (v: unknown) => unknown, fallback?: { value: unknown; origin?: Origin }): void {
    if (r.present && !r.unresolved) {
      section.entries.push({ key, value: coerce(r.value), origin: { kind: "template", path: r.path, via: r.via } });
      return;
    }
    if (r.present && r.unresolved) {
      this.warn(r.path, `cannot be resolved: ${r.unresolved.reason}; ${fallback ? `esm-sim uses the AWS default (${show(fallback.value)})` : "esm-sim leaves it out (AWS's behaviour without it)"}`);
      if (fallback) section.entries.push({ key, value: fallback.value, origin: { kind: "unresolved", path: r.path, reason: r.unresolved.reason } });
      return;
    }
    if (fallback) section.entries.push({ key, value: fallback.value, origin: fallback.origin ?? DEFAULT });
  }

  private notModelled(section: Section, label: string, props: Obj, known: readonly string[]): void {
    const rest = Object.keys(props).filter((k) => !known.includes(k));
    if (rest.length > 0) section.header.push(`not modelled by esm-sim (${label}): ${rest.join(", ")}`);
  }

  // --- entry points ------------------------------------------------------------------------------

  fromEsm(id: string, aliases: string[]): Draft {
    const base: Path = ["Resources", id, "Properties"];
    const props = this.objAt(base);
    const srcRead = this.read([...base, "EventSourceArn"]);
    if (!srcRead.present) this.errors.push(templateProblem(this.t, "error", base, "has no EventSourceArn (AWS requires it for SQS, Kinesis and DynamoDB mappings)"));
    const hasStartingPosition = "StartingPosition" in props;
    const src = this.resolveSource(srcRead, null, hasStartingPosition);

    const fnRead = this.read([...base, "FunctionName"]);
    let fnId: string | null = null;
    let fnLabel = "an unknown function";
    if (!fnRead.present) {
      this.errors.push(templateProblem(this.t, "error", [...base], "has no FunctionName (AWS requires it)"));
    } else if (fnRead.unresolved) {
      this.warn(fnRead.path, `cannot be resolved: ${fnRead.unresolved.reason}; the function's Timeout and concurrency are unknown, so esm-sim uses AWS's defaults`);
    } else if (typeof fnRead.value === "string") {
      fnId = this.stack.findFunction(fnRead.value);
      fnLabel = fnId ? `${fnId} (${this.stack.type(fnId)})` : `function ${functionNameOf(fnRead.value)}`;
      if (!fnId) {
        this.warn(fnRead.path, `${functionNameOf(fnRead.value)} is not a function of this template: its Timeout and concurrency are unknown, so esm-sim uses AWS's defaults`);
      }
    }
    this.buildSource(src);
    this.mapping.header.push(`mapping: ${id} (${ESM})${aliases.length ? `, CDK path ${aliases[0]}` : ""}`);
    this.buildMapping(base, props, src.type, "esm");
    this.notModelled(this.mapping, id, props, [...MAPPING_KEYS, "EventSourceArn", "FunctionName"]);
    this.buildFunction(fnId, fnId ? null : fnRead.present && !fnRead.unresolved && typeof fnRead.value === "string" ? { name: functionNameOf(fnRead.value), path: fnRead.path } : null);
    return this.finish(id, aliases, ["Resources", id], `${id}: ${src.label} -> ${fnLabel}`, src.type);
  }

  fromSamEvent(fnId: string, eventName: string, id: string, aliases: string[]): Draft {
    const evPath: Path = ["Resources", fnId, "Properties", "Events", eventName];
    const base: Path = [...evPath, "Properties"];
    const ev = this.raw(evPath) as Obj;
    const props = isObj(ev.Properties) ? ev.Properties : {};
    const samType = String(ev.Type);
    const key = samType === "SQS" ? "Queue" : "Stream";
    const srcRead = this.read([...base, key]);
    const expected: SourceType = samType === "SQS" ? "sqs" : samType === "Kinesis" ? "kinesis" : "dynamodb";
    if (!srcRead.present) this.errors.push(templateProblem(this.t, "error", base, `has no ${key} (SAM requires it for a ${samType} event)`));
    const src = this.resolveSource(srcRead, expected, false);
    this.buildSource(src);
    this.mapping.header.push(`mapping: event ${eventName} (type ${samType}) of ${fnId} (${SAM_FUNCTION}); SAM names the mapping ${id}`);
    this.buildMapping(base, props, src.type, "sam");
    this.notModelled(this.mapping, `${fnId}.Events.${eventName}`, props, [...MAPPING_KEYS, key]);
    this.buildFunction(fnId, null);
    return this.finish(id, aliases, evPath, `${id}: ${src.label} -> ${fnId} (${SAM_FUNCTION})`, src.type);
  }

  private finish(id: string, aliases: string[], anchor: Path, summary: string, type: SourceType): Draft {
    return { id, aliases, anchor, summary, sourceType: type, source: this.source, mapping: this.mapping, fn: this.fn, warnings: this.warnings, errors: this.errors };
  }

  // --- source --------------------------------------------------------------------------------------

  private resolveSource(r: Read, samType: SourceType | null, hasStartingPosition: boolean): SourceInfo {
    const fallbackType: SourceType = samType ?? (hasStartingPosition ? "kinesis" : "sqs");
    if (!r.present) return { type: fallbackType, id: null, arn: null, label: "an unknown source", viaConsumer: null };
    if (r.unresolved) {
      const assumed = samType ? `the event type says ${samType}` : hasStartingPosition ? "assumed to be a Kinesis stream because the mapping sets StartingPosition (set type: dynamodb if it is a table stream)" : "assumed to be an SQS queue because the mapping sets no StartingPosition";
      this.warn(r.path, `cannot be resolved: ${r.unresolved.reason}; the source is ${assumed}, and its settings are unknown, so esm-sim uses AWS's defaults`);
      return { type: fallbackType, id: null, arn: null, label: `an unresolved source (${r.unresolved.reason})`, viaConsumer: null, unresolved: r };
    }
    if (typeof r.value !== "string") {
      this.errors.push(templateProblem(this.t, "error", r.path, `must be an ARN (got ${show(r.value)})`));
      return { type: fallbackType, id: null, arn: null, label: "an unknown source", viaConsumer: null };
    }
    const arn = r.value;
    let id = this.stack.findSourceByArn(arn);
    let viaConsumer: string | null = null;
    if (id && this.stack.type(id) === KINESIS_CONSUMER) {
      // A registered stream consumer: the mapping reads the stream the consumer is registered on, by enhanced fan-out.
      viaConsumer = id;
      const streamArn = this.stack.prop(id, "StreamARN");
      id = typeof streamArn === "string" ? this.stack.findSourceByArn(streamArn) : null;
      this.efo = { kind: "template", path: r.path, via: `the stream consumer ${viaConsumer}: enhanced fan-out` };
    } else if (!id && CONSUMER_ARN.test(arn)) {
      // A consumer's ARN written out: its stream is the part before /consumer/.
      const streamId = this.stack.findSourceByArn(arn.replace(CONSUMER_ARN, ""));
      id = streamId && this.stack.type(streamId) === KINESIS_STREAM ? streamId : null;
      this.efo = { kind: "template", path: r.path, via: "a stream consumer's ARN: enhanced fan-out" };
    }
    if (id) {
      const rt = this.stack.type(id);
      const type: SourceType = rt === SQS_QUEUE ? (this.stack.isFifoQueue(id) === true ? "sqs-fifo" : "sqs") : rt === KINESIS_STREAM ? "kinesis" : "dynamodb";
      if (samType && (samType === "sqs") !== (type === "sqs" || type === "sqs-fifo")) {
        this.errors.push(templateProblem(this.t, "error", r.path, `names ${id} (${rt}), which does not fit the event type`));
      }
      return { type, id, arn, label: `${id} (${rt})`, viaConsumer };
    }
    const byArn = sourceTypeOfArn(arn);
    const type = byArn ?? fallbackType;
    this.warn(r.path, `${arn} is not ${byArn ? "a source" : "an SQS queue, Kinesis stream or DynamoDB stream"} of this template: its settings are unknown, so esm-sim uses AWS's defaults${byArn ? "" : ` and takes it as ${type}`}`);
    return { type, id: null, arn, label: arn, viaConsumer };
  }

  private buildSource(src: SourceInfo): void {
    const s = this.source;
    const typeOrigin: Origin = src.id
      ? { kind: "note", note: `${src.id} is an ${this.stack.type(src.id)}${src.type === "sqs-fifo" ? " with FifoQueue: true" : ""}${src.viaConsumer ? `, read through ${src.viaConsumer}` : ""}` }
      : src.unresolved
        ? { kind: "note", note: "assumed: the source cannot be resolved" }
        : src.arn
          ? { kind: "note", note: `from the ARN ${src.arn}` }
          : { kind: "note", note: "assumed" };
    s.entries.push({ key: "type", value: src.type, origin: typeOrigin });
    if (src.id) {
      s.header.push(`source: ${src.id} (${this.stack.type(src.id)})`);
    } else {
      s.header.push(`source: ${src.label}, not in this template: AWS defaults`);
    }
    const props = src.id ? this.objAt(["Resources", src.id, "Properties"]) : {};
    const p = (k: string): Read => (src.id ? this.read(["Resources", src.id, "Properties", k]) : { path: [], present: false, value: undefined, unresolved: null });
    if (src.type === "sqs" || src.type === "sqs-fifo") {
      const name = p("QueueName");
      if (name.present) this.field(s, "QueueName", name, asIs);
      else if (!src.id && src.arn) s.entries.push({ key: "QueueName", value: src.arn.split(":").slice(5).join(":"), origin: { kind: "note", note: "from the ARN" } });
      if (src.type === "sqs-fifo") this.field(s, "FifoQueue", p("FifoQueue"), asBool, { value: defaultOf("source.FifoQueue", src.type), origin: { kind: "note", note: "the queue name ends in .fifo" } });
      this.field(s, "VisibilityTimeout", p("VisibilityTimeout"), asInt, awsDefault("source.VisibilityTimeout", src.type));
      this.field(s, "MessageRetentionPeriod", p("MessageRetentionPeriod"), asInt, awsDefault("source.MessageRetentionPeriod", src.type));
      this.field(s, "DelaySeconds", p("DelaySeconds"), asInt, awsDefault("source.DelaySeconds", src.type));
      if (src.type === "sqs-fifo") this.field(s, "ContentBasedDeduplication", p("ContentBasedDeduplication"), asBool, awsDefault("source.ContentBasedDeduplication", src.type));
      else if (src.id && "ContentBasedDeduplication" in props) s.header.push("ContentBasedDeduplication applies to FIFO queues only: left out");
      this.redrive(p("RedrivePolicy"), !!src.id);
      if (src.id) this.notModelled(s, src.id, props, QUEUE_KEYS);
      return;
    }
    if (src.type === "kinesis") {
      const name = p("Name");
      if (name.present && !name.unresolved && src.id) {
        const arn = this.stack.getAtt(src.id, "Arn");
        if (typeof arn === "string") s.entries.push({ key: "StreamArn", value: arn, origin: { kind: "template", path: name.path } });
      } else if (!src.id && src.arn) s.entries.push({ key: "StreamArn", value: src.arn.replace(/\/consumer\/.*$/, ""), origin: { kind: "note", note: "from the EventSourceArn" } });
      const mode = p("StreamModeDetails");
      const onDemand = mode.present && !mode.unresolved && isObj(mode.value) && mode.value.StreamMode === "ON_DEMAND";
      if (mode.present && mode.unresolved) this.warn(mode.path, `cannot be resolved: ${mode.unresolved.reason}; esm-sim takes the stream as PROVISIONED`);
      const shards = p("ShardCount");
      if (onDemand) {
        const modePath = [...mode.path, "StreamMode"];
        this.warn(modePath, `an ON_DEMAND stream has no fixed shard count, and esm-sim needs one: it uses ${ON_DEMAND_SHARDS}, the shards of a new on-demand stream (4 MB/s of write capacity at 1 MB/s per shard); esm-sim does not model on-demand resharding`);
        s.entries.push({ key: "ShardCount", value: ON_DEMAND_SHARDS, origin: { kind: "choice", note: `ON_DEMAND (${showTemplatePath(modePath)}): a new on-demand stream writes 4 MB/s, 1 MB/s per shard`, path: modePath } });
      } else if (shards.present || !src.id) {
        this.field(s, "ShardCount", shards, asInt, { value: defaultOf("source.ShardCount"), origin: { kind: "choice", note: "the stream is not in this template; set its shard count" } });
      } else {
        this.warn(["Resources", src.id, "Properties"], `has no ShardCount (AWS requires it for a PROVISIONED stream): esm-sim uses ${defaultOf("source.ShardCount")}`);
        s.entries.push({ key: "ShardCount", value: defaultOf("source.ShardCount"), origin: { kind: "choice", note: "the template sets no ShardCount" } });
      }
      this.field(s, "RetentionPeriodHours", p("RetentionPeriodHours"), asInt, awsDefault("source.RetentionPeriodHours", src.type));
      if (src.id) this.notModelled(s, src.id, props, STREAM_KEYS);
      return;
    }
    // dynamodb
    if (src.id) {
      const spec = p("StreamSpecification");
      const rt = this.stack.type(src.id);
      if (!spec.present) {
        this.errors.push(templateProblem(this.t, "error", ["Resources", src.id, "Properties"], `${src.id} has no StreamSpecification, so the table has no stream for a mapping to read (AWS rejects the mapping)`));
      } else if (spec.unresolved) {
        this.warn(spec.path, `cannot be resolved: ${spec.unresolved.reason}; esm-sim assumes the table has a stream`);
      } else if (isObj(spec.value)) {
        const view = spec.value.StreamViewType;
        if (rt === DDB_TABLE && view === undefined) this.errors.push(templateProblem(this.t, "error", spec.path, "has no StreamViewType, so the table has no stream (AWS requires NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY)"));
        else s.header.push(`StreamViewType ${String(view)}: esm-sim does not model record contents`);
      }
      const name = p("TableName");
      if (name.present && !name.unresolved) {
        const arn = this.stack.getAtt(src.id, "StreamArn");
        if (typeof arn === "string") s.entries.push({ key: "StreamArn", value: arn, origin: { kind: "template", path: name.path } });
      }
      this.notModelled(s, src.id, props, rt === DDB_GLOBAL_TABLE ? [...TABLE_KEYS, "Replicas"] : TABLE_KEYS);
    } else if (src.arn) {
      s.entries.push({ key: "StreamArn", value: src.arn, origin: { kind: "note", note: "from the EventSourceArn" } });
    }
    s.entries.push({ key: "ShardCount", value: defaultOf("source.ShardCount"), origin: { kind: "choice", note: "DynamoDB makes one stream shard per table partition, which a template does not state; set yours" } });
  }

  private redrive(r: Read, inTemplate: boolean): void {
    const s = this.source;
    if (!r.present) {
      if (inTemplate) s.footer.push("no RedrivePolicy: a message that keeps failing returns until MessageRetentionPeriod ends (no dead-letter queue)");
      return;
    }
    if (r.value instanceof Unresolved) {
      this.warn(r.path, `cannot be resolved: ${r.value.reason}; esm-sim uses AWS's behaviour without a redrive policy (no dead-letter queue)`);
      s.footer.push(`RedrivePolicy: left out (${r.value.reason})`);
      return;
    }
    let v = r.value;
    let fromJson = false;
    if (typeof v === "string") {
      try {
        v = JSON.parse(v) as unknown;
        fromJson = true;
      } catch {
        this.errors.push(templateProblem(this.t, "error", r.path, `must be a map or a JSON string with maxReceiveCount and deadLetterTargetArn (got ${show(r.value)})`));
        return;
      }
    }
    if (!isObj(v)) {
      this.errors.push(templateProblem(this.t, "error", r.path, `must be a map with maxReceiveCount and deadLetterTargetArn (got ${show(v)})`));
      return;
    }
    const sub = (k: string): Read => {
      const path = fromJson ? r.path : [...r.path, k];
      const value = (v as Obj)[k];
      const u = firstUnresolved(value);
      return { path, present: value !== undefined, value, unresolved: u };
    };
    const children: Entry[] = [];
    const holder: Section = { header: [], entries: children, footer: [] };
    const mrc = sub("maxReceiveCount");
    if (!mrc.present || mrc.unresolved) {
      if (mrc.unresolved) this.warn(mrc.path, `cannot be resolved: ${mrc.unresolved.reason}; esm-sim uses AWS's behaviour without a redrive policy (no dead-letter queue)`);
      else this.errors.push(templateProblem(this.t, "error", r.path, "has no maxReceiveCount (AWS requires it in a redrive policy)"));
      return;
    }
    this.field(holder, "maxReceiveCount", mrc, asInt);
    const dlq = sub("deadLetterTargetArn");
    if (dlq.present && !dlq.unresolved) {
      this.field(holder, "deadLetterTargetArn", dlq, asIs);
      if (typeof dlq.value === "string" && !this.stack.findSourceByArn(dlq.value)) {
        s.footer.push(`the dead-letter queue ${dlq.value} is not in this template`);
      }
    } else if (dlq.unresolved) {
      this.warn(dlq.path, `cannot be resolved: ${dlq.unresolved.reason}; esm-sim names the dead-letter queue itself`);
    }
    s.entries.push({ key: "RedrivePolicy", value: null, children, origin: { kind: "template", path: r.path, via: fromJson ? "a JSON string" : undefined } });
  }

  // --- mapping ------------------------------------------------------------------------------------

  private buildMapping(base: Path, props: Obj, type: SourceType, kind: "esm" | "sam"): void {
    const m = this.mapping;
    const p = (k: string) => this.read([...base, k]);
    const stream = type === "kinesis" || type === "dynamodb";
    this.field(m, "BatchSize", p("BatchSize"), asInt, awsDefault("mapping.BatchSize", type));
    if (type !== "sqs-fifo" || "MaximumBatchingWindowInSeconds" in props) this.field(m, "MaximumBatchingWindowInSeconds", p("MaximumBatchingWindowInSeconds"), asInt, awsDefault("mapping.MaximumBatchingWindowInSeconds", type));
    if (stream || "StartingPosition" in props) {
      const sp = p("StartingPosition");
      const position = defaultOf("mapping.StartingPosition");
      if (!sp.present && stream) {
        this.warn(base, `has no StartingPosition (AWS requires it for ${type} mappings): esm-sim uses ${position}`);
        m.entries.push({ key: "StartingPosition", value: position, origin: { kind: "choice", note: "the template sets no StartingPosition (AWS requires one)" } });
      } else {
        this.field(m, "StartingPosition", sp, asIs, { value: position, origin: { kind: "choice", note: "required by AWS, not in the template" } });
      }
    }
    if ("StartingPositionTimestamp" in props) this.field(m, "StartingPositionTimestamp", p("StartingPositionTimestamp"), asNumber);
    this.field(m, "ParallelizationFactor", p("ParallelizationFactor"), asInt, awsDefault("mapping.ParallelizationFactor", type));
    if (this.efo && type === "kinesis") m.entries.push({ key: "enhancedFanOut", value: true, origin: this.efo });
    this.field(m, "MaximumRetryAttempts", p("MaximumRetryAttempts"), asInt, awsDefault("mapping.MaximumRetryAttempts", type));
    this.field(m, "MaximumRecordAgeInSeconds", p("MaximumRecordAgeInSeconds"), asInt, awsDefault("mapping.MaximumRecordAgeInSeconds", type));
    this.field(m, "BisectBatchOnFunctionError", p("BisectBatchOnFunctionError"), asBool, awsDefault("mapping.BisectBatchOnFunctionError", type));
    this.field(m, "FunctionResponseTypes", p("FunctionResponseTypes"), asIs, awsDefault("mapping.FunctionResponseTypes", type));
    this.field(m, "TumblingWindowInSeconds", p("TumblingWindowInSeconds"), asInt);
    this.destination(p("DestinationConfig"), kind);
    this.filters(p("FilterCriteria"));
    const sc = p("ScalingConfig");
    if (sc.present && !sc.unresolved && isObj(sc.value)) {
      const mc = sc.value.MaximumConcurrency;
      if (mc === undefined) m.footer.push("ScalingConfig without MaximumConcurrency: no limit");
      else m.entries.push({ key: "ScalingConfig", value: { MaximumConcurrency: asInt(mc) }, origin: { kind: "template", path: sc.path } });
      const rest = Object.keys(sc.value).filter((k) => k !== "MaximumConcurrency");
      if (rest.length) m.header.push(`not modelled by esm-sim (ScalingConfig): ${rest.join(", ")}`);
    } else {
      this.field(m, "ScalingConfig", sc, asIs);
      if (!sc.present && (type === "sqs" || type === "sqs-fifo")) m.footer.push("ScalingConfig.MaximumConcurrency: not set (the mapping scales up to the function's and the account's concurrency)");
    }
    this.provisioned(p("ProvisionedPollerConfig"));
    this.field(m, "Enabled", p("Enabled"), asBool);
  }

  /** ProvisionedPollerConfig: its MinimumPollers and MaximumPollers (AWS's defaults, 2 and 200, apply to those left
   *  out); any other field is named as not modelled. */
  private provisioned(r: Read): void {
    const m = this.mapping;
    if (!r.present) return;
    if (r.unresolved || !isObj(r.value)) {
      this.field(m, "ProvisionedPollerConfig", r, asIs);
      return;
    }
    const value: Obj = {};
    for (const k of ["MinimumPollers", "MaximumPollers"]) if (r.value[k] !== undefined) value[k] = asInt(r.value[k]);
    m.entries.push({ key: "ProvisionedPollerConfig", value, origin: { kind: "template", path: r.path, via: r.via } });
    const rest = Object.keys(r.value).filter((k) => k !== "MinimumPollers" && k !== "MaximumPollers");
    if (rest.length) m.header.push(`not modelled by esm-sim (ProvisionedPollerConfig): ${rest.join(", ")}`);
  }

  private destination(r: Read, kind: "esm" | "sam"): void {
    const m = this.mapping;
    if (!r.present) return;
    const onFailurePath = [...r.path, "OnFailure"];
    const destPath = [...onFailurePath, "Destination"];
    if (!isObj(r.value)) {
      if (r.unresolved) {
        this.warn(r.path, `cannot be resolved: ${r.unresolved.reason}; esm-sim uses AWS's behaviour without a destination (failed records are dropped)`);
        return;
      }
      m.entries.push({ key: "DestinationConfig", value: r.value, origin: { kind: "template", path: r.path } });
      return;
    }
    const rest = Object.keys(r.value).filter((k) => k !== "OnFailure");
    const onFailure = r.value.OnFailure;
    if (rest.length) m.header.push(`not modelled by esm-sim (DestinationConfig): ${rest.join(", ")}`);
    if (!isObj(onFailure)) return;
    const dest = onFailure.Destination;
    const extra = Object.keys(onFailure).filter((k) => k !== "Destination" && !(kind === "sam" && k === "Type"));
    if (extra.length) m.header.push(`not modelled by esm-sim (DestinationConfig.OnFailure): ${extra.join(", ")}`);
    if (dest instanceof Unresolved || firstUnresolved(dest)) {
      const reason = (firstUnresolved(dest) as Unresolved).reason;
      const placeholder = `arn:aws:sqs:${this.stack.resolver.region}:${this.stack.resolver.account}:unresolved-on-failure-destination`;
      this.warn(destPath, `cannot be resolved: ${reason}; esm-sim keeps an on-failure destination with a placeholder ARN (${placeholder})`);
      m.entries.push({ key: "DestinationConfig", value: { OnFailure: { Destination: placeholder } }, origin: { kind: "choice", note: `a placeholder: ${showTemplatePath(destPath)} cannot be resolved (${reason})`, path: destPath } });
      return;
    }
    m.entries.push({ key: "DestinationConfig", value: { OnFailure: { Destination: dest } }, origin: { kind: "template", path: destPath } });
  }

  private filters(r: Read): void {
    if (!r.present) return;
    if (r.unresolved) {
      this.warn(r.path, `cannot be resolved: ${r.unresolved.reason}; esm-sim uses AWS's behaviour without filters (every record is delivered)`);
      return;
    }
    const v = r.value;
    if (!isObj(v) || !Array.isArray(v.Filters)) {
      this.mapping.entries.push({ key: "FilterCriteria", value: v, origin: { kind: "template", path: r.path } });
      return;
    }
    const filters = v.Filters.map((f) => (isObj(f) && isObj(f.Pattern) ? { ...f, Pattern: JSON.stringify(f.Pattern) } : f));
    const objectPatterns = v.Filters.some((f) => isObj(f) && isObj(f.Pattern));
    this.mapping.entries.push({
      key: "FilterCriteria",
      value: null,
      children: [{ key: "Filters", value: filters, block: true, origin: { kind: "template", path: [...r.path, "Filters"], via: objectPatterns ? "patterns written as maps, turned into JSON strings" : undefined } }],
      origin: { kind: "template", path: r.path },
    });
  }

  // --- function -----------------------------------------------------------------------------------

  private buildFunction(fnId: string | null, external: { name: string; path: Path } | null): void {
    const f = this.fn;
    if (!fnId) {
      f.header.push(external ? `function: ${external.name}, not in this template: AWS defaults` : "function: unknown: AWS defaults");
      if (external) f.entries.push({ key: "FunctionName", value: external.name, origin: { kind: "template", path: external.path } });
      f.entries.push({ key: "Timeout", value: defaultOf("function.Timeout"), origin: DEFAULT });
      f.footer.push("ReservedConcurrentExecutions: unknown (not in this template)");
      return;
    }
    const type = this.stack.type(fnId);
    f.header.push(`function: ${fnId} (${type})`);
    const sam = type === SAM_FUNCTION;
    const globals = sam && isObj(this.t.root.Globals) && isObj(this.t.root.Globals.Function) ? this.t.root.Globals.Function : {};
    const base: Path = ["Resources", fnId, "Properties"];
    const props = this.objAt(base);
    const p = (k: string): Read => (k in props || !(k in globals) ? this.read([...base, k]) : this.read(["Globals", "Function", k]));
    const name = p("FunctionName");
    if (name.present) this.field(f, "FunctionName", name, asIs);
    this.field(f, "Timeout", p("Timeout"), asInt, { value: defaultOf("function.Timeout") });
    const rce = p("ReservedConcurrentExecutions");
    if (rce.present) this.field(f, "ReservedConcurrentExecutions", rce, asInt);
    else f.footer.push("ReservedConcurrentExecutions: not set (the function shares the account's unreserved concurrency)");
    for (const k of ASYNC_ONLY_FUNCTION_KEYS) {
      const where: Path | null = k in props ? [...base, k] : k in globals ? ["Globals", "Function", k] : null;
      if (where) {
        this.warn(where, `applies to asynchronous invocations only; an event source mapping ignores it (${this.source.entries[0]?.value === "sqs" || this.source.entries[0]?.value === "sqs-fifo" ? "failed SQS messages go to the queue's RedrivePolicy dead-letter queue" : "failed stream records go to the mapping's DestinationConfig.OnFailure"})`);
      }
    }
    const merged: Obj = { ...globals, ...props };
    this.notModelled(f, sam ? `${fnId}${Object.keys(globals).length ? " with Globals.Function" : ""}` : fnId, merged, [...FUNCTION_KEYS, ...ASYNC_ONLY_FUNCTION_KEYS]);
    if (type !== LAMBDA_FUNCTION && type !== SAM_FUNCTION) {
      this.warn(base, `is a ${type}, not a function`);
    }
  }
}

interface SourceInfo {
  type: SourceType;
  id: string | null;
  arn: string | null;
  label: string;
  viaConsumer: string | null;
  unresolved?: Read;
}
