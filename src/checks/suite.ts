/**
 * The invariant checks of one run, as one trace listener: feed it every event (per-record ones included, so
 * listen with verbose = true), then `finish(report)` gives one outcome per check. Used by `esm-sim run --check`
 * and by the property tests.
 */
import type { CheckOutcome, Report } from "../run/result.js";
import type { TraceEvent, TraceListener } from "../trace/events.js";
import {
  type Checker,
  ConcurrencyChecker,
  ConservationChecker,
  InvocationChecker,
  IteratorAgeChecker,
  OnFailureChecker,
  OrderChecker,
  RecordBook,
  RedriveChecker,
  TraceChecker,
} from "./checkers.js";
import type { CheckLimits } from "./limits.js";

export class CheckSuite {
  private readonly checkers: Checker[];
  /** The checkers that read produce events. */
  private readonly produceCheckers: Checker[];

  private readonly book = new RecordBook();
  private readonly perRecord: { readonly heldChunks: number }[];

  constructor(readonly limits: CheckLimits) {
    const book = this.book;
    const invocations = new InvocationChecker(limits, book);
    const concurrency = new ConcurrencyChecker(limits, invocations);
    const order = new OrderChecker(limits);
    this.perRecord = [book, invocations, order];
    // Order matters: concurrency reads the invocation's in-flight entry before InvocationChecker removes it, and
    // InvocationChecker reads each record's state before ConservationChecker ends it.
    this.checkers = [
      new TraceChecker(book),
      concurrency,
      order,
      new IteratorAgeChecker(limits),
      new RedriveChecker(limits),
      new OnFailureChecker(limits),
      invocations,
      new ConservationChecker(book),
    ];
    this.produceCheckers = this.checkers.filter((c) => c.readsProduce);
  }

  readonly listener: TraceListener = (e: TraceEvent): void => {
    const checkers = e.type === "produce" ? this.produceCheckers : this.checkers;
    for (let i = 0; i < checkers.length; i++) checkers[i].event(e);
  };

  /** Blocks of 4,096 records for which the checks hold a value per record now: what grows with the records a run
   *  keeps open (a test reads it to see that it does not grow with the records produced). */
  get heldRecordChunks(): number {
    let n = 0;
    for (const p of this.perRecord) n += p.heldChunks;
    return n;
  }

  /** One outcome per check, in a fixed order: conservation first, as users look for it first. */
  finish(report: Report): CheckOutcome[] {
    const out: CheckOutcome[] = [];
    for (const c of this.checkers) {
      const v = c.finish(report);
      out.push({ name: c.name, status: v.status, summary: v.summary, violations: c.violations, examples: [...c.examples] });
    }
    const rank = (n: string) => (n === "conservation" ? 0 : 1);
    return out.sort((a, b) => rank(a.name) - rank(b.name));
  }
}

/** Run every check over a list of events already collected (tests, tools). */
export function checkTrace(events: Iterable<TraceEvent>, limits: CheckLimits, report: Report): CheckOutcome[] {
  const suite = new CheckSuite(limits);
  for (const e of events) suite.listener(e);
  return suite.finish(report);
}
