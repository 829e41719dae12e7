/**
 * The invariant checks of one run, as one trace listener: feed it every event (per-record ones included, so
 * listen with verbose = true), then `finish(report)` gives one outcome per check. Or let it watch a run
 * (simulate's `watch` option, `watcher`): it then counts the records produced from the run rather than from a
 * produce event per record, so the run keeps its records packed. Used by `esm-sim run --check` and by the property
 * tests.
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
  private readonly traceChecker: TraceChecker;

  constructor(readonly limits: CheckLimits) {
    const book = this.book;
    const invocations = new InvocationChecker(limits, book);
    const concurrency = new ConcurrencyChecker(limits, invocations);
    const order = new OrderChecker(limits, invocations);
    this.perRecord = [book, invocations];
    // Order matters: concurrency and order read the invocation's in-flight entry before InvocationChecker removes it,
    // and InvocationChecker reads each record's state before ConservationChecker ends it.
    this.traceChecker = new TraceChecker(book);
    this.checkers = [
      this.traceChecker,
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

  /** simulate's `watch` option: the listener, for a run that tells how many records it has produced so far rather
   *  than making a produce event per record (TraceChecker.countProducedBy). */
  readonly watcher = (produced: () => number): TraceListener => {
    this.traceChecker.countProducedBy(produced);
    return this.listener;
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
    // Records produced after the last event (a stream's last records, taken in as the run stops) count too.
    this.traceChecker.catchUp();
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
