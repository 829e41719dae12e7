/**
 * The narrator: turns trace events (contract shape) into narration lines as they arrive, in time order, with
 * bounded memory. Moment rules (sqs-moments.ts, stream-moments.ts) say what matters; the narrator folds
 * repetition, zooms into a time window and lays the text out:
 *
 *   - Folding: the first moment of each kind (its fold key) is shown; later ones of that kind are counted
 *     silently and told as one line, "... 86,340 more identical retries over 23h 59m ...", placed just before
 *     the next line shown (so the narration stays in time order). `verbose` shows every step instead.
 *   - Zoom: with a window only moments inside it are shown (folding starts afresh there); the state the moment
 *     rules keep still follows the whole run, so causes found before the window are still told.
 *   - Layout: `HH:MM:SS.mmm` virtual time, text wrapped at `width` with a hanging indent, then the rule and its
 *     AWS page. Plain text; colour only when asked. Same trace = same bytes.
 */
import { Chalk, type ChalkInstance } from "chalk";
import type { TraceObject } from "../report/trace-jsonl.js";
import { NarrationState, type Moment, type NarrationContext, dur, plural, num, str, strs, idList } from "./moments.js";
import { RULES } from "./rules.js";
import { FIFO_MOMENTS } from "./fifo-moments.js";
import { SQS_MOMENTS } from "./sqs-moments.js";
import { COMMON_MOMENTS, STREAM_MOMENTS, isStreamEvent } from "./stream-moments.js";

export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

export interface NarrateOptions {
  verbose: boolean;
  window: TimeWindow | null;
  color: boolean;
  /** Wrap width in characters. */
  width: number;
  /** Without --verbose: at most this many lines of moments (a line then says how many more were not shown). */
  maxLines: number;
}

export const DEFAULT_NARRATE: NarrateOptions = { verbose: false, window: null, color: false, width: 100, maxLines: 400 };

interface FoldGroup {
  first: Moment;
  count: number;
  firstMs: number;
  lastMs: number;
  amount: number;
  tail: string | undefined;
}

const INDENT = 14;

/** Virtual time as `HH:MM:SS.mmm` (hours keep counting past 24). */
export function fmtClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const h = Math.floor(total / 3_600_000);
  const mi = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const milli = total % 1000;
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(h)}:${p2(mi)}:${p2(s)}.${String(milli).padStart(3, "0")}`;
}

/** Greedy word wrap; words longer than the width (URLs) stay whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    if (cur === "") cur = word;
    else if (cur.length + 1 + word.length <= width) cur += " " + word;
    else {
      lines.push(cur);
      cur = word;
    }
  }
  if (cur !== "") lines.push(cur);
  return lines.length ? lines : [""];
}

export class Narrator {
  readonly state: NarrationState;
  private readonly c: ChalkInstance;
  private readonly groups = new Map<string, FoldGroup>();
  private readonly seen = new Set<string>();
  private shownLines = 0;
  private hidden = 0;
  private before = 0;
  private after = 0;
  private enteredWindow = false;

  constructor(
    ctx: NarrationContext,
    private readonly opts: NarrateOptions,
    private readonly sink: (line: string) => void,
  ) {
    this.state = new NarrationState(ctx);
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
  }

  /** One trace event, in time order. */
  onEvent(ev: TraceObject): void {
    if (ev.type === "sample") return;
    const stream = isStreamEvent(ev, this.state);
    const rules = stream ? STREAM_MOMENTS : this.state.ctx.sourceType === "sqs-fifo" ? FIFO_MOMENTS : SQS_MOMENTS;
    const rule = rules[ev.type] ?? COMMON_MOMENTS[ev.type];
    const moments = rule ? rule(ev, this.state) : [];
    if (this.opts.verbose && moments.length === 0) {
      const step = describeStep(ev);
      if (step) this.take({ tMs: ev.t, fold: `step:${ev.type}`, rule: null, noun: ["step", "steps"], text: step });
      return;
    }
    for (const mo of moments) this.take(mo);
  }

  private take(mo: Moment): void {
    const w = this.opts.window;
    if (w && mo.tMs < w.fromMs) {
      this.before++;
      return;
    }
    if (w && mo.tMs > w.toMs) {
      this.after++;
      return;
    }
    if (w && !this.enteredWindow) {
      this.enteredWindow = true;
      this.note(`(zoomed to ${fmtClock(w.fromMs)} .. ${fmtClock(w.toMs)}${this.before ? `; ${plural(this.before, "earlier moment")} not shown` : ""})`);
    }
    if (this.opts.verbose) {
      this.emit(mo);
      return;
    }
    if (!mo.always && this.seen.has(mo.fold)) {
      if (mo.silent) return;
      const g = this.groups.get(mo.fold);
      if (g) {
        g.count++;
        g.lastMs = mo.tMs;
        g.amount += mo.amount?.n ?? 0;
        if (mo.tail !== undefined) g.tail = mo.tail;
      } else {
        this.groups.set(mo.fold, { first: mo, count: 1, firstMs: mo.tMs, lastMs: mo.tMs, amount: mo.amount?.n ?? 0, tail: mo.tail });
      }
      return;
    }
    this.seen.add(mo.fold);
    this.flushGroups();
    this.emit(mo);
  }

  /** Say, as one line each, what was folded since the last line shown. */
  private flushGroups(): void {
    if (this.groups.size === 0) return;
    const gs = [...this.groups.values()].sort((a, b) => a.firstMs - b.firstMs);
    this.groups.clear();
    for (const g of gs) {
      const [one, many] = g.first.noun;
      const what = g.count === 1 ? one : many;
      const amount = g.first.amount && g.amount > 0 ? ` (${plural(g.amount, g.first.amount.noun[0], g.first.amount.noun[1])})` : "";
      const span = g.count === 1 ? "" : g.lastMs > g.firstMs ? ` over ${dur(g.lastMs - g.firstMs)}, until ${fmtClock(g.lastMs)}` : " at the same instant";
      const tail = g.tail ? `; ${g.tail}` : "";
      this.line(g.firstMs, `... ${g.count.toLocaleString("en-US")} more ${what}${amount}${span}${tail} ...`, true);
    }
  }

  private emit(mo: Moment): void {
    const r = mo.rule ? RULES[mo.rule] : null;
    if (!this.line(mo.tMs, mo.text, false)) return;
    if (r) this.sink(this.c.dim(`${" ".repeat(INDENT)}rule: ${r.title}: ${r.url}`));
  }

  /** Write one (wrapped) line at a time; false when the line cap has been reached. */
  private line(tMs: number, text: string, isSummary: boolean): boolean {
    if (!this.opts.verbose && this.shownLines >= this.opts.maxLines) {
      this.hidden++;
      return false;
    }
    this.shownLines++;
    const parts = wrap(text, this.opts.width - INDENT);
    const style = isSummary ? this.c.dim : (s: string) => s;
    this.sink(`${this.c.dim(fmtClock(tMs))}  ${style(parts[0])}`);
    for (const p of parts.slice(1)) this.sink(`${" ".repeat(INDENT)}${style(p)}`);
    return true;
  }

  private note(text: string): void {
    this.sink(this.c.dim(text));
  }

  /** After the last event: tell what is still folded, and what the cap or the zoom left out. */
  finish(): void {
    this.flushGroups();
    if (this.hidden > 0) this.note(`(${plural(this.hidden, "more moment")} not shown: zoom in with --at, or see every step with --verbose)`);
    const w = this.opts.window;
    if (w && !this.enteredWindow) this.note(`(nothing to tell between ${fmtClock(w.fromMs)} and ${fmtClock(w.toMs)}; ${plural(this.before, "moment")} before it)`);
    if (w && this.after > 0) this.note(`(${plural(this.after, "later moment")} not shown)`);
  }
}

/** A plain sentence for a step that has no moment rule (shown with --verbose only). */
export function describeStep(ev: TraceObject): string | null {
  switch (ev.type) {
    case "produce":
      return `${str(ev.recordId)} sent (key ${str(ev.key)}, ${num(ev.size)} bytes).`;
    case "poll":
      return `Poller ${num(ev.poller)} receives ${plural(num(ev.received), "message")} (${plural(num(ev.visible), "message")} left visible).`;
    case "invoke":
      return `Invocation ${num(ev.invocation)} starts with ${idList(strs(ev.recordIds))}.`;
    default: {
      const fields = Object.entries(ev)
        .filter(([k]) => k !== "t" && k !== "type")
        .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.length}]` : typeof v === "object" ? "{...}" : String(v)}`);
      return `${ev.type}: ${fields.join(" ")}`;
    }
  }
}
