/**
 * The Lambda function: how long an invocation runs, whether it times out, which injected failure applies, and
 * whether a concurrency slot is free (reserved concurrency, else the account's unreserved pool).
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (Timeout up to 900 s, 1,000
 *   concurrent executions by default), https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 *   (reserved concurrency is the function's maximum; throttles beyond it),
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (throttles are not invocations),
 *   https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html (each function adds at most 1,000 execution
 *   environments every 10 s, refilled continuously, not accumulating; beyond it requests are throttled).
 *
 * Duration = base + perRecord x batch size; with `jitter` s the draw is lognormal with the same mean
 * (mean x exp(s Z - s^2/2)), from the stream `function.duration`. A run longer than Timeout ends at Timeout as a
 * timeout. Failure rules: the first rule whose conditions all hold wins; `key`/`attempt`/`record` look at each record,
 * `probability` (stream `function.failures`) and `from`/`to` at the invocation's start.
 * SQS FIFO partial failures follow AWS's guidance (services-sqs-errorhandling.html: "stop processing messages after
 * the first failure and return all failed and unprocessed messages"): the function reports the first matching
 * record and every record after it in the batch, whatever their group.
 *
 * Scaling rate: a token bucket holding at most `functionScalingBurst` new environments, refilled at
 * `functionScalingPer10s` per 10 s. An invoke that finds every existing environment busy needs a new one and takes a
 * token; with none left it is throttled ("scaling-rate"), like one beyond the concurrency limit ("concurrency").
 * esm-sim's choice: environments are never reclaimed during a run (AWS does not document when idle ones go), so
 * only growth beyond the run's peak so far needs tokens. The legacy-2022 figures (a burst of up to 3,000, then 500 a
 * minute) were account-wide in AWS; esm-sim applies them to the one function it simulates.
 * Not modelled: cold starts, memory size, extensions.
 */
import { prngStream, type Prng } from "../engine/prng.js";
import type { FunctionConfig } from "./config.js";
import type { KeyTable } from "../sources/keys.js";
import type { Outcome, SimRecord } from "../trace/events.js";

export interface InvocationPlan {
  durationUs: number;
  outcome: Outcome;
  /** Records the function reports as failed (partial) or all records (error, timeout). */
  failed: SimRecord[];
  /** `effect: partial-invalid`: the response names an itemIdentifier that is not in the batch (streams: the whole
   *  batch fails when ReportBatchItemFailures is on). */
  invalidResponse: boolean;
}

interface CompiledRule {
  keyIndex: number | null | undefined; // undefined: the key is never produced, so the rule never matches
  attempt: number | null;
  record: number | null;
  probability: number | null;
  fromUs: number | null;
  toUs: number | null;
  effect: "error" | "timeout" | "partial" | "partial-invalid";
}

export interface FunctionScaling {
  /** New environments available at once (the bucket's size). */
  burst: number;
  /** New environments added to the bucket per 10 s. */
  per10s: number;
}

export type AcquireResult = "ok" | "concurrency" | "scaling-rate";

export class LambdaFunction {
  inFlight = 0;
  /** Execution environments created so far (the run's peak concurrency). */
  environments = 0;
  private tokens: number;
  private tokensAtUs = 0;
  private readonly durationRng: Prng;
  private readonly failureRng: Prng;
  private readonly rules: CompiledRule[];

  constructor(
    readonly cfg: FunctionConfig,
    readonly accountConcurrency: number,
    seed: number,
    keys: KeyTable,
    private readonly scaling: FunctionScaling = { burst: Infinity, per10s: Infinity },
    /** SQS FIFO: on a partial failure the function stops at the first failed record and reports it and every record after it. */
    private readonly stopAtFirstFailure = false,
  ) {
    this.tokens = scaling.burst;
    this.durationRng = prngStream(seed, "function.duration");
    this.failureRng = prngStream(seed, "function.failures");
    this.rules = cfg.failures.map((r) => ({ ...r, keyIndex: r.key === null ? null : keys.lookup(r.key) }));
  }

  /** The most concurrent executions this function may have. */
  get limit(): number {
    return this.cfg.reservedConcurrency ?? this.accountConcurrency;
  }

  /** Take a concurrency slot at `nowUs`, or say why the invoke is throttled. */
  acquire(nowUs: number): AcquireResult {
    if (this.inFlight >= this.limit) return "concurrency";
    if (this.inFlight >= this.environments) {
      if (nowUs > this.tokensAtUs) {
        this.tokens = Math.min(this.scaling.burst, this.tokens + ((nowUs - this.tokensAtUs) * this.scaling.per10s) / 10_000_000);
        this.tokensAtUs = nowUs;
      }
      if (this.tokens < 1 - 1e-9) return "scaling-rate";
      this.tokens -= 1;
      this.environments++;
    }
    this.inFlight++;
    return "ok";
  }

  release(): void {
    this.inFlight--;
  }

  /** Decide how an invocation of `records` starting at `nowUs` goes. `attemptOf` gives each record's delivery attempt. */
  plan(records: readonly SimRecord[], attemptOf: (r: SimRecord) => number, nowUs: number): InvocationPlan {
    const cfg = this.cfg;
    const meanUs = cfg.baseUs + cfg.perRecordUs * records.length;
    let durationUs = meanUs;
    if (cfg.jitter > 0) {
      const s = cfg.jitter;
      durationUs = meanUs * Math.exp(s * this.durationRng.normal() - (s * s) / 2);
    }
    durationUs = Math.max(1, Math.round(durationUs));

    const hit = this.match(records, attemptOf, nowUs);
    if (hit?.rule.effect === "timeout" || durationUs > cfg.timeoutUs) {
      return { durationUs: cfg.timeoutUs, outcome: "timeout", failed: [...records], invalidResponse: false };
    }
    if (!hit) return { durationUs, outcome: "ok", failed: [], invalidResponse: false };
    if (hit.rule.effect === "error") return { durationUs, outcome: "error", failed: [...records], invalidResponse: false };
    // A partial response that names no record (an empty batchItemFailures list) is a success, as AWS documents;
    // it happens for a batch without records, such as a tumbling window's final invocation.
    if (hit.rule.effect === "partial" && hit.matching.length === 0) return { durationUs, outcome: "ok", failed: [], invalidResponse: false };
    if (this.stopAtFirstFailure) return { durationUs, outcome: "partial", failed: records.slice(records.indexOf(hit.matching[0])), invalidResponse: false };
    return { durationUs, outcome: "partial", failed: hit.matching, invalidResponse: hit.rule.effect === "partial-invalid" };
  }

  private match(records: readonly SimRecord[], attemptOf: (r: SimRecord) => number, nowUs: number): { rule: CompiledRule; matching: SimRecord[] } | null {
    for (const rule of this.rules) {
      if (rule.fromUs !== null && nowUs < rule.fromUs) continue;
      if (rule.toUs !== null && nowUs >= rule.toUs) continue;
      if (rule.keyIndex === undefined) continue;
      let matching: SimRecord[];
      if (rule.keyIndex !== null || rule.attempt !== null || rule.record !== null) {
        // A loop, not filter(): this runs for every invocation and most batches match nothing, so no array (and
        // no closure) is made until a record matches.
        let found: SimRecord[] | null = null;
        for (let i = 0; i < records.length; i++) {
          const r = records[i];
          if (rule.keyIndex !== null && r.keyIndex !== rule.keyIndex) continue;
          if (rule.attempt !== null && attemptOf(r) !== rule.attempt) continue;
          if (rule.record !== null && r.n !== rule.record) continue;
          (found ??= []).push(r);
        }
        if (found === null) continue;
        matching = found;
      } else {
        matching = [...records];
      }
      if (rule.probability !== null && !(this.failureRng.next() < rule.probability)) continue;
      return { rule, matching };
    }
    return null;
  }
}
