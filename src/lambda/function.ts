/**
 * The Lambda function: how long an invocation runs, whether it times out, which injected failure applies, and
 * whether a concurrency slot is free (reserved concurrency, else the account's unreserved pool).
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (Timeout up to 900 s, 1,000
 *   concurrent executions by default), https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 *   (reserved concurrency is the function's maximum; throttles beyond it),
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (throttles are not invocations).
 *
 * Duration = base + perRecord x batch size; with `jitter` s the draw is lognormal with the same mean
 * (mean x exp(s Z - s^2/2)), from the stream `function.duration`. A run longer than Timeout ends at Timeout as a
 * timeout. Failure rules: the first rule whose conditions all hold wins; `key`/`attempt` look at each record,
 * `probability` (stream `function.failures`) and `from`/`to` at the invocation's start.
 * Not modelled: cold starts, memory size, the per-function scaling rate (1,000 environments per 10 s), extensions.
 */
import { prngStream, type Prng } from "../engine/prng.js";
import type { FunctionConfig } from "../scenario/model.js";
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
  probability: number | null;
  fromUs: number | null;
  toUs: number | null;
  effect: "error" | "timeout" | "partial" | "partial-invalid";
}

export class LambdaFunction {
  inFlight = 0;
  private readonly durationRng: Prng;
  private readonly failureRng: Prng;
  private readonly rules: CompiledRule[];

  constructor(
    readonly cfg: FunctionConfig,
    readonly accountConcurrency: number,
    seed: number,
    keys: KeyTable,
  ) {
    this.durationRng = prngStream(seed, "function.duration");
    this.failureRng = prngStream(seed, "function.failures");
    this.rules = cfg.failures.map((r) => ({ ...r, keyIndex: r.key === null ? null : keys.lookup(r.key) }));
  }

  /** The most concurrent executions this function may have. */
  get limit(): number {
    return this.cfg.reservedConcurrency ?? this.accountConcurrency;
  }

  /** Take a concurrency slot, or report a throttle (false). */
  tryAcquire(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    return true;
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
    return { durationUs, outcome: "partial", failed: hit.matching, invalidResponse: hit.rule.effect === "partial-invalid" };
  }

  private match(records: readonly SimRecord[], attemptOf: (r: SimRecord) => number, nowUs: number): { rule: CompiledRule; matching: SimRecord[] } | null {
    for (const rule of this.rules) {
      if (rule.fromUs !== null && nowUs < rule.fromUs) continue;
      if (rule.toUs !== null && nowUs >= rule.toUs) continue;
      if (rule.keyIndex === undefined) continue;
      let matching: SimRecord[];
      if (rule.keyIndex !== null || rule.attempt !== null) {
        matching = records.filter((r) => (rule.keyIndex === null || r.keyIndex === rule.keyIndex) && (rule.attempt === null || attemptOf(r) === rule.attempt));
        if (matching.length === 0) continue;
      } else {
        matching = [...records];
      }
      if (rule.probability !== null && !(this.failureRng.next() < rule.probability)) continue;
      return { rule, matching };
    }
    return null;
  }
}
