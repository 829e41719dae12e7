/**
 * Trace counts for quiz answers (scenario/quiz-answer.ts), folded as the run goes: memory is bounded by the
 * records of the one key or record a question names.
 */
import type { TraceObject } from "../report/trace-jsonl.js";
import type { AnswerExpr } from "../scenario/quiz-answer.js";

type TraceExpr = Extract<AnswerExpr, { kind: "trace" }>;

export class TraceMeasure {
  value = 0;
  /** Record ids with the selected key (for key selections). */
  private readonly keyed = new Set<string>();

  constructor(readonly expr: TraceExpr) {}

  /** Whether this measure needs per-record `produce` events (to learn records' keys). */
  get needsProduce(): boolean {
    return this.expr.field === "key";
  }

  private selects(id: string): boolean {
    return this.expr.field === "record" ? id === this.expr.value : this.keyed.has(id);
  }

  onEvent(ev: TraceObject): void {
    const e = this.expr;
    if (ev.type === "produce") {
      if (e.field === "key" && ev.key === e.value && typeof ev.recordId === "string") this.keyed.add(ev.recordId);
      return;
    }
    if (ev.type === "invoke") {
      const ids = Array.isArray(ev.recordIds) ? (ev.recordIds as string[]) : [];
      if (e.measure === "invocations") {
        if (e.field === "closedBy") {
          if (ev.closedBy === e.value) this.value++;
        } else if (e.field === "attempt") {
          if (ev.attempt === Number(e.value)) this.value++;
        } else if (ids.some((id) => this.selects(id))) this.value++;
      } else if (e.measure === "receives") {
        for (const id of ids) if (this.selects(id)) this.value++;
      }
      return;
    }
    if (ev.type === "dlq" && e.measure === "dlq" && typeof ev.recordId === "string" && this.selects(ev.recordId)) this.value++;
  }
}
