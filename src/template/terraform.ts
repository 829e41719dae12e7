/**
 * Terraform's AWS resources as the CloudFormation resources they describe, shared by the plan/state importer
 * (terraform-plan.ts) and the `.tf` importer (terraform-config.ts): each importer reads its resources into
 * TfResource values (a Link where one resource refers to another, an Unknown where a value cannot be known), and
 * this module writes them into a synthesized template for discover() and translates the drafts back (synth.ts).
 *
 * Attribute names and provider defaults: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_event_source_mapping,
 * .../sqs_queue, .../kinesis_stream, .../kinesis_stream_consumer, .../dynamodb_table, .../lambda_function,
 * .../lambda_alias. esm-sim's choices: a queue, stream, table or function whose name Terraform picks itself (no
 * `name`, or one known only after apply) gets a placeholder made of its address; an SQS mapping's stream-only
 * attributes that hold the provider's empty values (0, false, null) are left out, as AWS has none for SQS.
 */
import type { Path } from "../scenario/locate.js";
import type { Problem } from "../scenario/problems.js";
import { parseInstantMs } from "../scenario/units.js";
import { discover, type Discovery } from "./discover.js";
import { PSEUDO_DEFAULTS } from "./intrinsics.js";
import { functionNameOf } from "./stack.js";
import { firstUnknown, safeId, Unknown, type Imported, type Source, type Synth } from "./synth.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value that is another resource's attribute (`aws_sqs_queue.orders.arn`), by absolute address. */
export class Link {
  constructor(
    readonly address: string,
    readonly attribute: string,
  ) {}
}

/** `jsonencode(...)` of a map that holds Links (a redrive policy naming a queue): kept as the map it encodes. */
export class JsonDocument {
  constructor(readonly value: unknown) {}
}

/** One Terraform resource instance as an importer read it. */
export interface TfResource {
  /** The absolute address: `module.orders.aws_sqs_queue.this`, `aws_sqs_queue.jobs["eu"]`. */
  address: string;
  type: string;
  /** "managed" for resource blocks, "data" for data sources. */
  mode: "managed" | "data";
  /** Attribute values, nested blocks as lists of maps; leaves may be a Link or an Unknown. */
  values: Obj;
  /** Where an attribute (a path under `values`) is, and how it was arrived at. */
  source(path: Path): Source;
}

export const ESM = "aws_lambda_event_source_mapping";
const CFN_TYPES: Record<string, string> = {
  aws_sqs_queue: "AWS::SQS::Queue",
  aws_kinesis_stream: "AWS::Kinesis::Stream",
  aws_kinesis_stream_consumer: "AWS::Kinesis::StreamConsumer",
  aws_dynamodb_table: "AWS::DynamoDB::Table",
  aws_lambda_function: "AWS::Lambda::Function",
  [ESM]: "AWS::Lambda::EventSourceMapping",
  // On-failure destinations: read for their names, so that a destination_arn pointing at one is its ARN.
  aws_sns_topic: "AWS::SNS::Topic",
  aws_s3_bucket: "AWS::S3::Bucket",
};
/** The resource types the importers read. */
export const TF_TYPES = [...Object.keys(CFN_TYPES), "aws_lambda_alias"];

/** [Terraform attribute path, CloudFormation property path] for the plain values of each type. */
const PLAIN: Record<string, [Path, Path][]> = {
  aws_sqs_queue: [
    [["fifo_queue"], ["FifoQueue"]],
    [["visibility_timeout_seconds"], ["VisibilityTimeout"]],
    [["message_retention_seconds"], ["MessageRetentionPeriod"]],
    [["delay_seconds"], ["DelaySeconds"]],
    [["content_based_deduplication"], ["ContentBasedDeduplication"]],
    [["redrive_policy"], ["RedrivePolicy"]],
  ],
  aws_kinesis_stream: [
    [["shard_count"], ["ShardCount"]],
    [["retention_period"], ["RetentionPeriodHours"]],
    [["stream_mode_details", 0, "stream_mode"], ["StreamModeDetails", "StreamMode"]],
  ],
  aws_kinesis_stream_consumer: [[["stream_arn"], ["StreamARN"]]],
  aws_dynamodb_table: [],
  aws_sns_topic: [],
  aws_s3_bucket: [],
  aws_lambda_function: [
    [["timeout"], ["Timeout"]],
    [["reserved_concurrent_executions"], ["ReservedConcurrentExecutions"]],
    [["dead_letter_config", 0, "target_arn"], ["DeadLetterConfig", "TargetArn"]],
  ],
  [ESM]: [
    [["event_source_arn"], ["EventSourceArn"]],
    [["function_name"], ["FunctionName"]],
    [["batch_size"], ["BatchSize"]],
    [["maximum_batching_window_in_seconds"], ["MaximumBatchingWindowInSeconds"]],
    [["starting_position"], ["StartingPosition"]],
    [["starting_position_timestamp"], ["StartingPositionTimestamp"]],
    [["maximum_retry_attempts"], ["MaximumRetryAttempts"]],
    [["maximum_record_age_in_seconds"], ["MaximumRecordAgeInSeconds"]],
    [["bisect_batch_on_function_error"], ["BisectBatchOnFunctionError"]],
    [["parallelization_factor"], ["ParallelizationFactor"]],
    [["function_response_types"], ["FunctionResponseTypes"]],
    [["tumbling_window_in_seconds"], ["TumblingWindowInSeconds"]],
    [["scaling_config", 0, "maximum_concurrency"], ["ScalingConfig", "MaximumConcurrency"]],
    [["provisioned_poller_config", 0, "minimum_pollers"], ["ProvisionedPollerConfig", "MinimumPollers"]],
    [["provisioned_poller_config", 0, "maximum_pollers"], ["ProvisionedPollerConfig", "MaximumPollers"]],
    [["destination_config", 0, "on_failure", 0, "destination_arn"], ["DestinationConfig", "OnFailure", "Destination"]],
    [["enabled"], ["Enabled"]],
  ],
};
const NAME_PROPERTY: Record<string, string> = { aws_sns_topic: "TopicName", aws_s3_bucket: "BucketName", aws_sqs_queue: "QueueName", aws_kinesis_stream: "Name", aws_kinesis_stream_consumer: "ConsumerName", aws_dynamodb_table: "TableName", aws_lambda_function: "FunctionName" };
const NAME_ATTRIBUTE: Record<string, string> = { aws_lambda_function: "function_name", aws_s3_bucket: "bucket" };
/** Attributes worth saying esm-sim does not model, when set. */
const NOT_MODELLED: Record<string, string[]> = {
  [ESM]: ["metrics_config", "kms_key_arn", "queues", "topics", "self_managed_event_source", "amazon_managed_kafka_event_source_config", "self_managed_kafka_event_source_config", "document_db_event_source_config", "source_access_configuration"],
  aws_sqs_queue: ["receive_wait_time_seconds", "fifo_throughput_limit", "deduplication_scope"],
  aws_kinesis_stream: ["encryption_type", "shard_level_metrics"],
  aws_lambda_function: ["memory_size", "provisioned_concurrent_executions"],
};
/** Stream-only mapping attributes, left out of an SQS mapping when they hold the provider's empty values. */
const STREAM_ONLY = ["starting_position", "maximum_retry_attempts", "maximum_record_age_in_seconds", "bisect_batch_on_function_error", "parallelization_factor", "tumbling_window_in_seconds"];

const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

function at(values: unknown, path: Path): unknown {
  let v = values;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isObj(v) && !(v instanceof Link) && !(v instanceof Unknown) && !(v instanceof JsonDocument)) v = v[String(seg)];
    else return undefined;
  }
  return v;
}

export interface TerraformImportOptions {
  parameters?: ReadonlyMap<string, string>;
}

/** Draft the mappings among `resources`; `synth` already knows the file(s) and positions. */
export function importResources(resources: readonly TfResource[], synth: Synth, nothing: string, problems: Problem[], options: TerraformImportOptions): Imported {
  const w = new Writer(resources, synth);
  for (const r of resources) if (r.mode === "managed" && CFN_TYPES[r.type]) w.write(r);
  const pseudo = pseudoParameters(resources, options.parameters);
  const found = discover(synth.template(), { parameters: pseudo });
  const translated = synth.discovery(found, (id) => w.names.get(id) ?? { id, aliases: [] });
  return { ok: true, template: synth.template(), found: w.finish(translated, problems), nothing };
}

class Writer {
  readonly names = new Map<string, { id: string; aliases: string[] }>();
  private readonly tokens = new Map<string, string>();
  private readonly byAddress = new Map<string, TfResource>();
  private readonly notes = new Map<string, string[]>();
  /** Each known ARN, URL or function name of a resource read, as a Link to that resource. */
  private readonly identities = new Map<string, Link>();

  constructor(
    resources: readonly TfResource[],
    private readonly synth: Synth,
  ) {
    for (const r of resources) this.byAddress.set(r.address, r);
    for (const r of resources) {
      if (r.mode !== "managed" || !CFN_TYPES[r.type]) continue;
      this.tokens.set(r.address, synth.token(r.address));
      for (const attr of ["arn", "stream_arn", "url", "function_name"]) {
        const v = r.values[attr];
        if (typeof v === "string" && v !== "" && !this.identities.has(v)) this.identities.set(v, new Link(r.address, attr));
      }
    }
  }

  write(r: TfResource): void {
    const id = this.tokens.get(r.address)!;
    this.synth.add(id, CFN_TYPES[r.type], r.source([]));
    if (r.type === ESM) this.names.set(id, { id: this.uniqueId(safeId(r.address)), aliases: safeId(r.address) === r.address ? [] : [r.address] });
    this.name(r, id);
    const sqs = r.type === ESM && this.targetsSqs(r.values.event_source_arn);
    for (const [tf, cfn] of PLAIN[r.type]) {
      const v = at(r.values, tf);
      if (v === undefined || v === null) continue;
      if (sqs && STREAM_ONLY.includes(String(tf[0])) && isEmpty(v)) continue;
      if (r.type === "aws_lambda_function" && tf[0] === "reserved_concurrent_executions" && v === -1) continue;
      if (r.type === "aws_sqs_queue" && tf[0] === "content_based_deduplication" && v === false && r.values.fifo_queue !== true) continue;
      if (tf[0] === "starting_position_timestamp" && typeof v === "string") {
        // Terraform takes an RFC 3339 time; CloudFormation's StartingPositionTimestamp is Unix seconds.
        const ms = parseInstantMs(v);
        if (ms !== null) {
          this.set(id, cfn, ms / 1000, r.source(tf));
          continue;
        }
      }
      this.set(id, cfn, this.cfn(this.linked(v, tf)), r.source(tf));
    }
    if (r.type === ESM) this.filters(r, id);
    if (r.type === "aws_dynamodb_table") this.tableStream(r, id);
    const set = (NOT_MODELLED[r.type] ?? []).filter((k) => !isEmpty(r.values[k]));
    if (set.length) this.notes.set(id, [`not modelled by esm-sim (${r.address}): ${set.join(", ")}`]);
  }

  /** A scenario id no other mapping has (two addresses may read the same once made safe for file names). */
  private uniqueId(base: string): string {
    const used = new Set([...this.names.values()].map((n) => n.id));
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  /** Set a property (a path under Properties) with its source: each level of a nested one is its one leaf, beside the
   *  leaves set before it under the same property (ProvisionedPollerConfig's MinimumPollers and MaximumPollers). */
  private set(id: string, cfn: Path, value: unknown, from: Source): void {
    let holder: unknown = value;
    for (let i = cfn.length - 1; i > 0; i--) holder = { [cfn[i]]: holder };
    const before = (this.synth.resources[id] as { Properties: Record<string, unknown> }).Properties[String(cfn[0])];
    if (cfn.length > 1 && before !== null && typeof before === "object" && !Array.isArray(before)) holder = mergeObjects(before as Record<string, unknown>, holder as Record<string, unknown>);
    this.synth.set(id, String(cfn[0]), holder, from);
    for (let i = 2; i <= cfn.length; i++) this.synth.map(["Resources", id, "Properties", ...cfn.slice(0, i)], from);
  }

  /** The physical name: the `name` attribute, or a placeholder when Terraform picks it. */
  private name(r: TfResource, id: string): void {
    const key = NAME_PROPERTY[r.type];
    if (!key) return;
    const attr = NAME_ATTRIBUTE[r.type] ?? "name";
    const v = r.values[attr];
    if (typeof v === "string" && v !== "") {
      this.synth.set(id, key, v, r.source([attr]));
      return;
    }
    const fifo = r.type === "aws_sqs_queue" && r.values.fifo_queue === true ? ".fifo" : "";
    const why = v instanceof Unknown ? v.reason : `${attr} is not set, so Terraform picks the name`;
    this.synth.set(id, key, `${safeId(r.address).replace(/[._]/g, "-")}${fifo}`, { ...r.source([attr]), note: `a placeholder: ${why}` });
  }

  /** An ARN or function name that a resource read has (a state's values): a Link to it. */
  private linked(v: unknown, tf: Path): unknown {
    if (typeof v !== "string" || !["event_source_arn", "function_name", "stream_arn", "destination_config"].includes(String(tf[0]))) return v;
    return this.identities.get(v) ?? (tf[0] === "function_name" ? this.identities.get(functionNameOf(v)) : undefined) ?? v;
  }

  private targetsSqs(v: unknown): boolean {
    v = this.linked(v, ["event_source_arn"]);
    if (v instanceof Link) return this.byAddress.get(v.address)?.type === "aws_sqs_queue";
    return typeof v === "string" && v.split(":")[2] === "sqs";
  }

  /** `filter_criteria[0].filter[i].pattern` -> FilterCriteria.Filters[i].Pattern. */
  private filters(r: TfResource, id: string): void {
    const filters = at(r.values, ["filter_criteria", 0, "filter"]);
    if (!Array.isArray(filters) || filters.length === 0) return;
    const value = filters.map((f) => ({ Pattern: this.cfn(isObj(f) ? f.pattern : f) }));
    this.synth.set(id, "FilterCriteria", { Filters: value }, r.source(["filter_criteria"]));
    this.synth.map(["Resources", id, "Properties", "FilterCriteria", "Filters"], r.source(["filter_criteria", 0, "filter"]));
    filters.forEach((_, i) => this.synth.map(["Resources", id, "Properties", "FilterCriteria", "Filters", i], r.source(["filter_criteria", 0, "filter", i, "pattern"])));
  }

  /** stream_enabled and stream_view_type -> StreamSpecification, which a mapping needs. */
  private tableStream(r: TfResource, id: string): void {
    const enabled = r.values.stream_enabled;
    if (enabled === true) {
      this.synth.set(id, "StreamSpecification", { StreamViewType: this.cfn(r.values.stream_view_type) }, r.source(["stream_enabled"]));
      this.synth.map(["Resources", id, "Properties", "StreamSpecification", "StreamViewType"], r.source(["stream_view_type"]));
    } else if (enabled instanceof Unknown) {
      this.synth.set(id, "StreamSpecification", this.synth.unresolved(enabled.reason), r.source(["stream_enabled"]));
    }
  }

  /** A read value as CloudFormation: Links become Ref/Fn::GetAtt of the resource, Unknowns unresolvable values. */
  private cfn(v: unknown, depth = 0): unknown {
    if (v instanceof Unknown) return this.synth.unresolved(v.reason);
    if (v instanceof Link) return this.link(v, depth);
    if (v instanceof JsonDocument) return this.cfn(v.value, depth);
    if (Array.isArray(v)) return v.map((x) => this.cfn(x, depth));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.cfn(x, depth)]));
    return v;
  }

  private link(l: Link, depth: number): unknown {
    const target = this.byAddress.get(l.address);
    const where = `${l.address}.${l.attribute}`;
    if (!target) return this.synth.unresolved(`${where}: ${l.address} is not among the resources read`);
    if (target.mode === "data" || !this.tokens.has(l.address)) {
      const v = target.values[l.attribute];
      if (target.type === "aws_lambda_alias" && l.attribute !== "name" && depth < 5) return this.cfn(target.values.function_name, depth + 1);
      return v === undefined || v === null ? this.synth.unresolved(`${where} is not known from ${target.mode === "data" ? "the data source" : `a ${target.type}`}`) : this.cfn(v, depth + 1);
    }
    return reference(target.type, this.tokens.get(l.address)!, l.attribute) ?? this.cfn(target.values[l.attribute] ?? new Unknown(`${where} is not known before apply`), depth + 1);
  }

  /** The drafts with what only Terraform knows: attributes not modelled, and the problems found while reading. */
  finish(found: Discovery, problems: Problem[]): Discovery {
    const drafts = found.drafts.map((d) => {
      for (const [id, lines] of this.notes) {
        const shown = this.synth.text(id);
        if (d.mapping.header.some((h) => h.startsWith(`mapping: ${shown}`))) d.mapping.header.push(...lines);
        else if (d.source.header.some((h) => h.startsWith(`source: ${shown}`))) d.source.header.push(...lines);
        else if (d.fn.header.some((h) => h.startsWith(`function: ${shown}`))) d.fn.header.push(...lines);
      }
      return d;
    });
    return { ...found, drafts, warnings: [...problems.filter((p) => p.severity === "warning"), ...found.warnings], errors: [...problems.filter((p) => p.severity === "error"), ...found.errors] };
  }
}

/** What an attribute of a resource of this type is, in CloudFormation's terms (null: a plain attribute). */
function reference(type: string, id: string, attribute: string): unknown {
  const getAtt = (a: string) => ({ "Fn::GetAtt": [id, a] });
  switch (type) {
    case "aws_sqs_queue":
      return attribute === "arn" ? getAtt("Arn") : attribute === "id" || attribute === "url" ? { Ref: id } : null;
    case "aws_kinesis_stream":
      return attribute === "arn" || attribute === "id" ? getAtt("Arn") : null;
    case "aws_dynamodb_table":
      return attribute === "stream_arn" ? getAtt("StreamArn") : attribute === "arn" ? getAtt("Arn") : attribute === "id" ? { Ref: id } : null;
    case "aws_kinesis_stream_consumer":
      return attribute === "arn" || attribute === "id" ? getAtt("ConsumerARN") : null;
    case "aws_lambda_function":
      return ["arn", "qualified_arn", "invoke_arn"].includes(attribute) ? getAtt("Arn") : attribute === "function_name" || attribute === "id" ? { Ref: id } : null;
    case "aws_sns_topic":
      return attribute === "arn" || attribute === "id" ? getAtt("TopicArn") : null;
    case "aws_s3_bucket":
      return attribute === "arn" ? getAtt("Arn") : attribute === "id" || attribute === "bucket" ? { Ref: id } : null;
    default:
      return null;
  }
}

const ARN = /^arn:(aws[a-z-]*):(?:sqs|kinesis|dynamodb|lambda):([a-z0-9-]+):(\d{12}):/;

/** The region, account and partition of the first known ARN (deterministic: in the order read), unless given. */
function pseudoParameters(resources: readonly TfResource[], given: ReadonlyMap<string, string> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of given ?? []) if (k in PSEUDO_DEFAULTS) out.set(k, v);
  const found = firstArn(resources);
  if (found) {
    if (!out.has("AWS::Partition")) out.set("AWS::Partition", found[1]);
    if (!out.has("AWS::Region")) out.set("AWS::Region", found[2]);
    if (!out.has("AWS::AccountId")) out.set("AWS::AccountId", found[3]);
  }
  return out;
}

function firstArn(resources: readonly TfResource[]): RegExpExecArray | null {
  for (const r of resources) {
    for (const k of ["arn", "event_source_arn", "stream_arn"]) {
      const v = r.values[k];
      const m = typeof v === "string" ? ARN.exec(v) : null;
      if (m) return m;
    }
  }
  return null;
}

/** Whether a value holds an Unknown anywhere (for importers deciding what to follow). */
export const hasUnknown = (v: unknown): boolean => firstUnknown(v) !== null;

/** `b` laid over `a`, maps merged at every level (a leaf of `b` wins). */
function mergeObjects(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const was = out[k];
    const both = was !== null && typeof was === "object" && !Array.isArray(was) && v !== null && typeof v === "object" && !Array.isArray(v);
    out[k] = both ? mergeObjects(was as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
