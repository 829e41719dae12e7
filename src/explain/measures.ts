/**
 * Trace counts for quiz answers (scenario/quiz-answer.ts), folded as the run goes: memory is bounded by the
 * records of the one key or record a question names.
 */
import type { AnswerExpr } from "../scenario/quiz-answer.js";
import type { SimRecord, TraceEvent } from "../trace/events.js";
import type { TraceNames } from "./names.js";

type TraceExpr = Extract<AnswerExpr, { kind: "trace" }>;

export class TraceMeasure {
  value = 0;
  /** Records (production indexes) with the selected key (for key selections). */
  private readonly keyed = new Set<number>();

  constructor(readonly expr: TraceExpr) {}

  /** Whether this measure needs per-record `produce` events (to learn records' keys). */
  get needsProduce(): boolean {
    return this.expr.field === "key";
  }

  private selects(r: SimRecord, names: TraceNames): boolean {
    return this.expr.field === "record" ? names.record(r) === this.expr.value : this.keyed.has(r.n);
  }

  onEvent(ev: TraceEvent, names: TraceNames): void {
    const e = this.expr;
    if (ev.type === "produce") {
      if (e.field === "key" && names.key(ev.record.keyIndex) === e.value) this.keyed.add(ev.record.n);
    } else if (ev.type === "invoke") {
      if (e.measure === "invocations") {
        if (e.field === "closedBy") {
          if (ev.closedBy === e.value) this.value++;
        } else if (e.field === "attempt") {
          if (ev.attempt === Number(e.value)) this.value++;
        } else if (ev.records.some((r) => this.selects(r, names))) this.value++;
      } else if (e.measure === "receives") {
        for (const r of ev.records) if (this.selects(r, names)) this.value++;
      }
    } else if (ev.type === "dlq" && e.measure === "dlq" && this.selects(ev.record, names)) this.value++;
  }
}
