/**
 * The stack a template describes: what Ref and Fn::GetAtt return for the resources an event source mapping
 * involves (SQS queues, Kinesis streams and consumers, DynamoDB tables, Lambda functions, aliases and versions,
 * SNS topics, S3 buckets), and the way back from an ARN or a function name to the resource's logical id.
 *
 * Sources: the "Return values" sections of
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html,
 * .../aws-resource-kinesis-stream.html, .../aws-resource-kinesis-streamconsumer.html,
 * .../aws-resource-dynamodb-table.html, .../aws-resource-lambda-function.html, .../aws-resource-lambda-alias.html,
 * .../aws-resource-sns-topic.html, .../aws-resource-s3-bucket.html, and
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html.
 * esm-sim's choices: a resource without an explicit name gets `<stack name>-<logical id>` (CloudFormation adds a
 * random suffix, which a deterministic tool cannot know; FIFO queues keep their `.fifo`); a DynamoDB stream's
 * label is 1970-01-01T00:00:00.000; a Lambda version is 1. Other resource types' Ref/GetAtt are left unresolved.
 */
import { Resolver, Unresolved, firstUnresolved, type ResourceOracle } from "./intrinsics.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const SQS_QUEUE = "AWS::SQS::Queue";
export const KINESIS_STREAM = "AWS::Kinesis::Stream";
export const KINESIS_CONSUMER = "AWS::Kinesis::StreamConsumer";
export const DDB_TABLE = "AWS::DynamoDB::Table";
export const DDB_GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable";
export const LAMBDA_FUNCTION = "AWS::Lambda::Function";
export const SAM_FUNCTION = "AWS::Serverless::Function";
export const LAMBDA_ALIAS = "AWS::Lambda::Alias";
export const LAMBDA_VERSION = "AWS::Lambda::Version";
export const ESM = "AWS::Lambda::EventSourceMapping";

export interface ResourceEntry {
  id: string;
  type: string;
  properties: Obj;
  /** The resource's `Condition` attribute, if any. */
  condition: string | null;
  metadata: Obj;
}

export class Stack implements ResourceOracle {
  readonly resolver: Resolver;
  readonly resources = new Map<string, ResourceEntry>();
  private readonly visiting = new Set<string>();
  private readonly names = new Map<string, string | Unresolved>();
  private sourceIndex: { byArn: Map<string, string>; tables: [string, string][] } | null = null;
  private functionIndex: Map<string, string> | null = null;

  constructor(
    readonly root: Obj,
    readonly parameters: ReadonlyMap<string, string>,
  ) {
    this.resolver = new Resolver(root, parameters, this);
    const res = isObj(root.Resources) ? root.Resources : {};
    for (const [id, r] of Object.entries(res)) {
      if (!isObj(r)) continue;
      this.resources.set(id, {
        id,
        type: typeof r.Type === "string" ? r.Type : "",
        properties: isObj(r.Properties) ? r.Properties : {},
        condition: typeof r.Condition === "string" ? r.Condition : null,
        metadata: isObj(r.Metadata) ? r.Metadata : {},
      });
    }
  }

  has(id: string): boolean {
    return this.resources.has(id);
  }

  type(id: string): string | null {
    return this.resources.get(id)?.type ?? null;
  }

  /** A property resolved (possibly Unresolved, or undefined when absent). */
  prop(id: string, name: string): unknown {
    const r = this.resources.get(id);
    if (!r || !(name in r.properties)) return undefined;
    return this.resolver.resolve(r.properties[name]);
  }

  private get region(): string {
    return this.resolver.region;
  }
  private get account(): string {
    return this.resolver.account;
  }
  private get partition(): string {
    return this.resolver.partition;
  }

  /** The resource's physical name, from its name property or generated. */
  name(id: string): string | Unresolved {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    const r = this.resources.get(id);
    if (!r) return new Unresolved(`"${id}" is not a resource of the template`);
    if (this.visiting.has(id)) return new Unresolved(`${id} refers to itself`);
    this.visiting.add(id);
    const n = this.nameOf(r);
    this.visiting.delete(id);
    // A name found while another resource was half-resolved may depend on that cycle: keep only clean answers.
    if (this.visiting.size === 0) this.names.set(id, n);
    return n;
  }

  private nameOf(r: ResourceEntry): string | Unresolved {
    const id = r.id;
    {
      const nameProp: Record<string, string> = {
        [SQS_QUEUE]: "QueueName",
        [KINESIS_STREAM]: "Name",
        [KINESIS_CONSUMER]: "ConsumerName",
        [DDB_TABLE]: "TableName",
        [DDB_GLOBAL_TABLE]: "TableName",
        [LAMBDA_FUNCTION]: "FunctionName",
        [SAM_FUNCTION]: "FunctionName",
        "AWS::SNS::Topic": "TopicName",
        "AWS::S3::Bucket": "BucketName",
      };
      const key = nameProp[r.type];
      const explicit = key ? this.prop(id, key) : undefined;
      if (explicit instanceof Unresolved) return explicit;
      if (typeof explicit === "string" && explicit !== "") return explicit;
      let generated = `${this.resolver.stackName}-${id}`;
      if (r.type === "AWS::S3::Bucket") generated = generated.toLowerCase();
      if (r.type === SQS_QUEUE && this.isFifoQueue(id) === true) generated += ".fifo";
      return generated;
    }
  }

  isFifoQueue(id: string): boolean | Unresolved {
    const v = this.prop(id, "FifoQueue");
    if (v instanceof Unresolved) return v;
    return v === true || v === "true";
  }

  private arnPrefix(service: string): string {
    return `arn:${this.partition}:${service}:${this.region}:${this.account}`;
  }

  private functionArnOf(nameOrArn: unknown): unknown {
    if (nameOrArn instanceof Unresolved) return nameOrArn;
    if (typeof nameOrArn !== "string") return new Unresolved("FunctionName is not a string");
    return nameOrArn.startsWith("arn:") ? nameOrArn : `${this.arnPrefix("lambda")}:function:${nameOrArn}`;
  }

  ref(id: string): unknown {
    const r = this.resources.get(id);
    if (!r) return new Unresolved(`"${id}" is not a resource of the template`);
    switch (r.type) {
      case SQS_QUEUE: {
        const n = this.name(id);
        return n instanceof Unresolved ? n : `https://sqs.${this.region}.${this.resolver.pseudo["AWS::URLSuffix"]}/${this.account}/${n}`;
      }
      case KINESIS_STREAM:
      case DDB_TABLE:
      case DDB_GLOBAL_TABLE:
      case LAMBDA_FUNCTION:
      case SAM_FUNCTION:
      case "AWS::S3::Bucket":
        return this.name(id);
      case KINESIS_CONSUMER:
      case "AWS::SNS::Topic":
      case LAMBDA_ALIAS:
      case LAMBDA_VERSION:
        return this.getAtt(id, r.type === KINESIS_CONSUMER ? "ConsumerARN" : r.type === "AWS::SNS::Topic" ? "TopicArn" : "Arn");
      default:
        return new Unresolved(`Ref to ${id} (${r.type || "no Type"}): esm-sim does not know what it returns`);
    }
  }

  getAtt(id: string, attribute: string): unknown {
    const r = this.resources.get(id);
    if (!r) return new Unresolved(`"${id}" is not a resource of the template`);
    const unknown = () => new Unresolved(`Fn::GetAtt ${id}.${attribute} (${r.type || "no Type"}): esm-sim does not know this attribute`);
    const named = (f: (n: string) => string) => {
      const n = this.name(id);
      return n instanceof Unresolved ? n : f(n);
    };
    switch (r.type) {
      case SQS_QUEUE:
        if (attribute === "Arn") return named((n) => `${this.arnPrefix("sqs")}:${n}`);
        if (attribute === "QueueName") return this.name(id);
        if (attribute === "QueueUrl") return this.ref(id);
        return unknown();
      case KINESIS_STREAM:
        if (attribute === "Arn") return named((n) => `${this.arnPrefix("kinesis")}:stream/${n}`);
        return unknown();
      case KINESIS_CONSUMER: {
        if (attribute === "StreamARN") return this.prop(id, "StreamARN");
        if (attribute === "ConsumerName") return this.name(id);
        if (attribute === "ConsumerARN" || attribute === "Id") {
          const stream = this.prop(id, "StreamARN");
          const u = firstUnresolved(stream);
          if (u) return u;
          return named((n) => `${String(stream)}/consumer/${n}:0`);
        }
        return unknown();
      }
      case DDB_TABLE:
      case DDB_GLOBAL_TABLE:
        if (attribute === "Arn") return named((n) => `${this.arnPrefix("dynamodb")}:table/${n}`);
        if (attribute === "StreamArn") return named((n) => `${this.arnPrefix("dynamodb")}:table/${n}/stream/1970-01-01T00:00:00.000`);
        return unknown();
      case LAMBDA_FUNCTION:
      case SAM_FUNCTION:
        if (attribute === "Arn") return named((n) => `${this.arnPrefix("lambda")}:function:${n}`);
        return unknown();
      case LAMBDA_ALIAS:
        if (attribute === "Arn" || attribute === "AliasArn") {
          const fn = this.functionArnOf(this.prop(id, "FunctionName"));
          const alias = this.prop(id, "Name");
          const u = firstUnresolved([fn, alias]);
          return u ?? `${String(fn)}:${String(alias)}`;
        }
        return unknown();
      case LAMBDA_VERSION:
        if (attribute === "Arn") {
          const fn = this.functionArnOf(this.prop(id, "FunctionName"));
          return fn instanceof Unresolved ? fn : `${String(fn)}:1`;
        }
        if (attribute === "Version") return "1";
        return unknown();
      case "AWS::SNS::Topic":
        if (attribute === "TopicArn") return named((n) => `${this.arnPrefix("sns")}:${n}`);
        if (attribute === "TopicName") return this.name(id);
        return unknown();
      case "AWS::S3::Bucket":
        if (attribute === "Arn") return named((n) => `arn:${this.partition}:s3:::${n}`);
        return unknown();
      default:
        return unknown();
    }
  }

  /** The logical id of an event source in this template with this ARN (queue, stream, stream consumer, table stream). */
  findSourceByArn(arn: string): string | null {
    if (!this.sourceIndex) {
      const byArn = new Map<string, string>();
      const tables: [string, string][] = [];
      for (const r of this.resources.values()) {
        if (r.type === SQS_QUEUE || r.type === KINESIS_STREAM || r.type === KINESIS_CONSUMER) {
          const own = this.getAtt(r.id, r.type === KINESIS_CONSUMER ? "ConsumerARN" : "Arn");
          if (typeof own === "string" && !byArn.has(own)) byArn.set(own, r.id);
        } else if (r.type === DDB_TABLE || r.type === DDB_GLOBAL_TABLE) {
          const tableArn = this.getAtt(r.id, "Arn");
          if (typeof tableArn === "string") tables.push([tableArn, r.id]);
        }
      }
      this.sourceIndex = { byArn, tables };
    }
    const direct = this.sourceIndex.byArn.get(arn);
    if (direct) return direct;
    for (const [tableArn, id] of this.sourceIndex.tables) if (arn === tableArn || arn.startsWith(`${tableArn}/stream/`)) return id;
    return null;
  }

  /** The logical id of the function a FunctionName (name, ARN, partial ARN, alias or version ARN) designates. */
  findFunction(nameOrArn: string): string | null {
    if (!this.functionIndex) {
      this.functionIndex = new Map();
      for (const r of this.resources.values()) {
        if (r.type !== LAMBDA_FUNCTION && r.type !== SAM_FUNCTION) continue;
        const n = this.name(r.id);
        if (typeof n === "string" && !this.functionIndex.has(n)) this.functionIndex.set(n, r.id);
      }
    }
    return this.functionIndex.get(functionNameOf(nameOrArn)) ?? null;
  }
}

/** `arn:aws:lambda:us-east-1:123456789012:function:name:alias` / `123456789012:function:name` / `name` -> `name`. */
export function functionNameOf(s: string): string {
  const m = /(?:^|:)function:([^:]+)/.exec(s);
  return m ? m[1] : s;
}
