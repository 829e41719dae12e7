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
 * Without `coldStart`, environments are never removed during a run, so only growth beyond the run's peak so far
 * needs tokens. The legacy-2022 figures (a burst of up to 3,000, then 500 a minute) were account-wide in AWS;
 * esm-sim applies them to the one function it simulates.
 *
 * Cold starts (`coldStart`, esm-sim's key; https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
 * an invocation that finds no idle environment gets a new one, which runs the Init phase (extensions, runtime, the
 * function's static code) before the handler. The environment is the invocation's from the start of Init, so the
 * init holds a concurrency slot like the handler does. The init duration is drawn like Duration (lognormal with
 * `jitter`, from the stream `function.coldStart`). When the invocation ends its environment is idle and the next
 * invocation takes it (warm, no init); an environment idle for `environmentIdleLifetimeMs` (esm-sim's figure: AWS
 * keeps one "for some time" and publishes no figure) is removed. esm-sim's choice: an invocation takes the most
 * recently used idle environment, so the ones idle longest are the ones that expire. The Timeout limits the Invoke
 * phase, not Init ("The function's timeout setting limits the duration of the entire Invoke phase"), so an init
 * within the Init phase's 10 s limit does not count against Timeout; the REPORT log line gives it as Init Duration,
 * apart from Duration, and it is billed (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/,
 * from 2025-08-01). An init longer than 10 s stops at 10 s and "Lambda retries the Init phase at the time of the
 * first function invocation with the configured function timeout": the retried init (taken to last as long again)
 * and the handler then share the Timeout, and the Duration includes the retried init. The removal of idle
 * environments applies only with `coldStart` (without it, a removed environment would change nothing but the
 * scaling bucket, and results stay as they were).
 * Not modelled: memory size, extensions, provisioned concurrency and SnapStart (no on-demand init), Lambda's
 * occasional initialisation ahead of an invocation, the reset of an environment after a timeout or crash (its next
 * invocation re-runs Init), the removal of busy environments every few hours.
 */
import { assert } from "../engine/assert.js";
import { prngStream, type Prng } from "../engine/prng.js";
import type { FunctionConfig } from "./config.js";
import type { KeyTable } from "../sources/keys.js";
import type { Outcome, SimRecord } from "../trace/events.js";

/** The Init phase's limit: "The Init phase is limited to 10 seconds" (lambda-runtime-environment.html). */
export const INIT_PHASE_LIMIT_US = 10_000_000;

/** The failed records of every plan that fails none (shared: a plan's list is never changed). */
const NO_FAILED: readonly SimRecord[] = [];

export interface InvocationPlan {
  /** Whether the invocation created its execution environment (a cold start, with function.coldStart only); its
   *  Init phase runs first. */
  cold: boolean;
  /** The Init phase before the handler (REPORT's Init Duration; at most 10 s), 0 when warm. */
  initUs: number;
  /** The Invoke phase (REPORT's Duration): the handler, and an init retried after the Init phase's limit. */
  durationUs: number;
  outcome: Outcome;
  /** Records the function reports as failed (partial) or all records (error, timeout); never changed once planned. */
  failed: readonly SimRecord[];
  /** `effect: partial-invalid`: the response names an itemIdentifier that is not in the batch (the whole batch fails
   *  when ReportBatchItemFailures is on). */
  invalidResponse: boolean;
  /** `effect: partial-unread`: the response holds its batchItemFailures where Lambda does not look (inside a
   *  `{statusCode, body}` wrapper, or under a key spelt otherwise), so Lambda finds no list: a complete success. */
  unreadResponse: boolean;
}

interface CompiledRule {
  keyIndex: number | null | undefined; // undefined: the key is never produced, so the rule never matches
  attempt: number | null;
  record: number | null;
  probability: number | null;
  fromUs: number | null;
  toUs: number | null;
  effect: "error" | "timeout" | "partial" | "partial-invalid" | "partial-unread";
}

export interface FunctionScaling {
  /** New environments available at once (the bucket's size). */
  burst: number;
  /** New environments added to the bucket per 10 s. */
  per10s: number;
  /** With cold starts: an environment idle this long is removed (Infinity, the default: never). */
  idleLifetimeUs?: number;
}

export type AcquireResult = "ok" | "concurrency" | "scaling-rate";

export class LambdaFunction {
  inFlight = 0;
  /** Execution environments that exist: busy and idle. Without cold starts none is removed, so this is the run's peak
   *  concurrency so far. */
  environments = 0;
  private tokens: number;
  private tokensAtUs = 0;
  private readonly durationRng: Prng;
  private readonly failureRng: Prng;
  private readonly initRng: Prng | null;
  private readonly rules: CompiledRule[];
  /** Cold starts only: when each idle environment went idle, oldest first from `idleFrom` (times only grow, so the
   *  list stays sorted); an invocation takes the last one. */
  private readonly idleSinceUs: number[] = [];
  private idleFrom = 0;
  private readonly idleLifetimeUs: number;
  /** Whether the last acquire() created an environment; the plan() that follows it reads it. */
  private acquiredCold = false;

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
    this.initRng = cfg.coldStart === null ? null : prngStream(seed, "function.coldStart");
    this.idleLifetimeUs = cfg.coldStart === null ? Infinity : (scaling.idleLifetimeUs ?? Infinity);
    this.rules = cfg.failures.map((r) => ({ ...r, keyIndex: r.key === null ? null : keys.lookup(r.key) }));
  }

  /** The most concurrent executions this function may have. */
  get limit(): number {
    return this.cfg.reservedConcurrency ?? this.accountConcurrency;
  }

  /** Take a concurrency slot at `nowUs` (an idle environment, else a new one), or say why the invoke is throttled. */
  acquire(nowUs: number): AcquireResult {
    if (this.inFlight >= this.limit) return "concurrency";
    if (this.idleLifetimeUs !== Infinity) this.removeIdle(nowUs);
    const cold = this.inFlight >= this.environments;
    if (cold) {
      if (nowUs > this.tokensAtUs) {
        this.tokens = Math.min(this.scaling.burst, this.tokens + ((nowUs - this.tokensAtUs) * this.scaling.per10s) / 10_000_000);
        this.tokensAtUs = nowUs;
      }
      if (this.tokens < 1 - 1e-9) return "scaling-rate";
      this.tokens -= 1;
      this.environments++;
    } else if (this.initRng !== null) {
      this.idleSinceUs.pop();
      if (this.idleSinceUs.length === this.idleFrom) this.idleSinceUs.length = this.idleFrom = 0;
    }
    this.acquiredCold = cold;
    this.inFlight++;
    return "ok";
  }

  /** The invocation holding a slot ended at `nowUs`: its environment is idle from then on. */
  release(nowUs: number): void {
    this.inFlight--;
    if (this.initRng !== null) this.idleSinceUs.push(nowUs);
  }

  /** Remove the environments idle for the idle lifetime or longer at `nowUs`. */
  private removeIdle(nowUs: number): void {
    const idle = this.idleSinceUs;
    let i = this.idleFrom;
    while (i < idle.length && idle[i] + this.idleLifetimeUs <= nowUs) i++;
    if (i === this.idleFrom) return;
    this.environments -= i - this.idleFrom;
    if (i === idle.length) idle.length = i = 0;
    else if (i > 1024 && i * 2 > idle.length) {
      idle.splice(0, i);
      i = 0;
    }
    this.idleFrom = i;
    assert(this.environments === this.inFlight + idle.length - i, "execution environments are busy or idle");
  }

  /** Decide how an invocation of `records` starting at `nowUs` goes. `attemptOf` gives each record's delivery attempt.
   *  Called right after a successful acquire(): a cold start when that acquire created the environment. */
  plan(records: readonly SimRecord[], attemptOf: (r: SimRecord) => number, nowUs: number): InvocationPlan {
    const cfg = this.cfg;
    // Without function.coldStart no Init phase is modelled: no invocation is cold.
    const cold = this.acquiredCold && this.initRng !== null;
    this.acquiredCold = false;
    const durationUs = Math.max(1, Math.round(lognormal(cfg.baseUs + cfg.perRecordUs * records.length, cfg.jitter, this.durationRng)));
    let initUs = 0;
    // An init past the Init phase's limit is retried in the Invoke phase, where the Timeout applies.
    let retriedInitUs = 0;
    if (cold) {
      const cs = cfg.coldStart!;
      const drawnUs = Math.round(lognormal(cs.initUs, cs.jitter, this.initRng!));
      if (drawnUs <= INIT_PHASE_LIMIT_US) initUs = drawnUs;
      else {
        initUs = INIT_PHASE_LIMIT_US;
        retriedInitUs = drawnUs;
      }
    }

    const hit = this.match(records, attemptOf, nowUs);
    const invokeUs = retriedInitUs + durationUs;
    if (hit?.rule.effect === "timeout" || invokeUs > cfg.timeoutUs) {
      return { cold, initUs, durationUs: cfg.timeoutUs, outcome: "timeout", failed: [...records], invalidResponse: false, unreadResponse: false };
    }
    if (!hit) return { cold, initUs, durationUs: invokeUs, outcome: "ok", failed: NO_FAILED, invalidResponse: false, unreadResponse: false };
    if (hit.rule.effect === "error") return { cold, initUs, durationUs: invokeUs, outcome: "error", failed: [...records], invalidResponse: false, unreadResponse: false };
    // A partial response that names no record (an empty batchItemFailures list) is a success, as AWS documents;
    // it happens for a batch without records, such as a tumbling window's final invocation.
    if ((hit.rule.effect === "partial" || hit.rule.effect === "partial-unread") && hit.matching.length === 0) return { cold, initUs, durationUs: invokeUs, outcome: "ok", failed: NO_FAILED, invalidResponse: false, unreadResponse: false };
    // An itemIdentifier that is not in the batch makes the response invalid whatever else it lists.
    if (hit.rule.effect === "partial-invalid") return { cold, initUs, durationUs: invokeUs, outcome: "partial", failed: hit.matching, invalidResponse: true, unreadResponse: false };
    // partial-unread: the same list, held where Lambda does not find it (the mapping reads it as none).
    const unreadResponse = hit.rule.effect === "partial-unread";
    if (this.stopAtFirstFailure) {
      return { cold, initUs, durationUs: invokeUs, outcome: "partial", failed: records.slice(records.indexOf(hit.matching[0])), invalidResponse: false, unreadResponse };
    }
    return { cold, initUs, durationUs: invokeUs, outcome: "partial", failed: hit.matching, invalidResponse: false, unreadResponse };
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

/** A draw with mean `meanUs`: lognormal with spread `s` (mean x exp(s Z - s^2/2)), or the mean itself when s is 0. */
function lognormal(meanUs: number, s: number, rng: Prng): number {
  return s > 0 ? meanUs * Math.exp(s * rng.normal() - (s * s) / 2) : meanUs;
}
