/** What the function is configured with, in esm-sim's units; scenario/model.ts fills it from a scenario file. */
import type { Payload } from "../filter/filter-pattern.js";

export interface FailureRule {
  key: string | null;
  attempt: number | null;
  /** One record, by production index (a poison message). */
  record: number | null;
  probability: number | null;
  fromUs: number | null;
  toUs: number | null;
  effect: "error" | "timeout" | "partial" | "partial-invalid" | "partial-unread";
}

export interface FunctionConfig {
  name: string;
  timeoutUs: number;
  reservedConcurrency: number | null;
  baseUs: number;
  perRecordUs: number;
  jitter: number;
  failures: FailureRule[];
  /** esm-sim's init phase of a new execution environment (lambda/function.ts); null: cold starts are not modelled. */
  coldStart: ColdStartConfig | null;
  /** Streams: records the function writes back to its own stream per record it processes (lambda/write-back.ts);
   *  null when it writes nothing. */
  writesBack: WritesBackConfig | null;
}

export interface ColdStartConfig {
  /** The mean init duration (INIT phase: extensions, runtime, the function's static code). */
  initUs: number;
  /** Lognormal spread of the init duration, keeping its mean (0: every init takes initUs). */
  jitter: number;
}

export interface WritesBackConfig {
  /** Expected records written per processed record, 0 < perRecord <= 10 (the fraction is drawn). */
  perRecord: number;
  /** The written records' payload as written, DEFAULT_DATA when absent. */
  data: unknown;
  payload: Payload;
  /** A record `maxDepth` generations of write-backs away from traffic writes nothing; Infinity = no limit. */
  maxDepth: number;
}
