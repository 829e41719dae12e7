/**
 * The narrator: turns typed trace events into narration lines as they arrive, in time order, with bounded
 * memory. Moment rules (sqs-moments.ts, fifo-moments.ts, stream-moments.ts) say what matters; the narrator folds
 * repetition, zooms into a time window and lays the text out:
 *
 *   - Folding: the first moment of each kind (its fold key) is shown; later ones of that kind are counted
 *     silently and told as one line, "... 86,340 more identical retries over 23h 59m ...", placed just before
 *     the next line shown (so the narration stays in time order). `verbose` shows every step instead.
 *   - Zoom: with a window only moments inside it are shown (folding starts afresh there); the state the moment
 *     rules keep still follows the whole run, so causes found before the window are still told.
 *   - Layout: `HH:MM:SS.mmm` virtual time, text wrapped at `width` with a hanging indent, then the rule, and its
 *     AWS page the first time the rule is told. Plain text; colour only when asked. Same trace = same bytes.
 */
import { Chalk, type ChalkInstance } from "chalk";
import { usToMs } from "../engine/time.js";
import { traceObject } from "../report/trace-jsonl.js";
import { formatCount } from "../scenario/units.js";
import type { SourceConfig } from "../sources/config.js";
import type { TraceEvent } from "../trace/events.js";
import { dur, plural, type Moment, type MomentRule, type MomentRules, type NarrationState } from "./moments.js";
import type { TraceNames } from "./names.js";
import { RULES } from "./rules.js";
import { FIFO_MOMENTS } from "./fifo-moments.js";
import { SQS_MOMENTS } from "./sqs-moments.js";
import { STREAM_MOMENTS } from "./stream-moments.js";

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
const RULE_LABEL = "rule: ";

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

/** The moment rules of a source. */
function momentRules(source: SourceConfig): MomentRules {
  switch (source.type) {
    case "sqs":
      return SQS_MOMENTS;
    case "sqs-fifo":
      return FIFO_MOMENTS;
    case "kinesis":
    case "dynamodb":
      return STREAM_MOMENTS;
  }
}

export class Narrator {
  private readonly rules: MomentRules;
  private readonly c: ChalkInstance;
  private readonly groups = new Map<string, FoldGroup>();
  private readonly seen = new Set<string>();
  /** Rules whose AWS page has been printed. */
  private readonly urlsShown = new Set<string>();
  private shownLines = 0;
  private hidden = 0;
  private before = 0;
  private after = 0;
  private enteredWindow = false;

  constructor(
    readonly state: NarrationState,
    private readonly opts: NarrateOptions,
    private readonly sink: (line: string) => void,
  ) {
    this.rules = momentRules(state.scenario.source);
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
  }

  /** One trace event, in time order. */
  onEvent(ev: TraceEvent): void {
    if (ev.type === "sample") return;
    const tMs = usToMs(ev.tUs);
    // The table holds, for each event type, the rule for that type; TypeScript cannot tie the two together.
    const rule = this.rules[ev.type] as MomentRule<TraceEvent> | undefined;
    const moments = rule ? rule(ev, this.state, tMs) : [];
    if (this.opts.verbose && moments.length === 0) {
      const text = describeStep(ev, this.state);
      this.take({ tMs, fold: `step:${ev.type}`, rule: null, noun: ["step", "steps"], text });
      return;
    }
    for (const mo of moments) this.take(mo);
  }

  private take(mo: Moment): void {
    if (!this.inWindow(mo.tMs)) return;
    if (this.opts.verbose) {
      this.emit(mo);
      return;
    }
    if (!mo.always && this.seen.has(mo.fold)) {
      if (!mo.silent) this.fold(mo);
      return;
    }
    this.seen.add(mo.fold);
    this.flushGroups();
    this.emit(mo);
  }

  /** Whether a moment at `tMs` is inside the zoom window (counting those outside, saying when it is entered). */
  private inWindow(tMs: number): boolean {
    const w = this.opts.window;
    if (!w) return true;
    if (tMs < w.fromMs) {
      this.before++;
      return false;
    }
    if (tMs > w.toMs) {
      this.after++;
      return false;
    }
    if (!this.enteredWindow) {
      this.enteredWindow = true;
      this.note(`(zoomed to ${fmtClock(w.fromMs)} .. ${fmtClock(w.toMs)}${this.before ? `; ${plural(this.before, "earlier moment")} not shown` : ""})`);
    }
    return true;
  }

  /** Count a moment of a kind already shown, to be told in one line before the next line shown. */
  private fold(mo: Moment): void {
    const g = this.groups.get(mo.fold);
    if (!g) {
      this.groups.set(mo.fold, { first: mo, count: 1, firstMs: mo.tMs, lastMs: mo.tMs, amount: mo.amount?.n ?? 0, tail: mo.tail });
      return;
    }
    g.count++;
    g.lastMs = mo.tMs;
    g.amount += mo.amount?.n ?? 0;
    if (mo.tail !== undefined) g.tail = mo.tail;
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
      this.line(g.firstMs, `... ${formatCount(g.count)} more ${what}${amount}${span}${tail} ...`, true);
    }
  }

  /** A moment's text, then its rule: wrapped like the text, with the AWS page on a line of its own the first time
   *  the rule is told (a URL is never broken, so it may run past the width). */
  private emit(mo: Moment): void {
    const r = mo.rule ? RULES[mo.rule] : null;
    if (!this.line(mo.tMs, mo.text, false)) return;
    if (!r) return;
    const pad = " ".repeat(INDENT);
    const hang = " ".repeat(INDENT + RULE_LABEL.length);
    wrap(`${RULE_LABEL}${r.title}`, this.opts.width - INDENT - RULE_LABEL.length).forEach((part, i) => this.sink(this.c.dim(i === 0 ? `${pad}${part}` : `${hang}${part}`)));
    if (this.urlsShown.has(r.url + r.title)) return;
    this.urlsShown.add(r.url + r.title);
    this.sink(this.c.dim(`${hang}${r.url}`));
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
export function describeStep(ev: TraceEvent, st: NarrationState): string {
  switch (ev.type) {
    case "produce": {
      const r = ev.record;
      return `${st.names.record(r)} sent (key ${st.names.key(r.keyIndex)}, ${r.sizeBytes} bytes).`;
    }
    case "poll":
      return ev.shard === undefined ? `Poller ${ev.poller} receives ${plural(ev.received, "message")} (${plural(ev.visible, "message")} left visible).` : streamPollStep(ev.received);
    case "invoke":
      return `Invocation ${ev.invocation} starts with ${st.recordList(ev.records)}.`;
    default:
      return traceLineStep(ev, st.names);
  }
}

/**
 * A stream poll step. It has always been told in the SQS words, from fields a stream's trace line does not have,
 * so it reads "Poller 0" and "0 messages left visible" whatever the shard (the event's `poller`) and the records
 * waiting (its `visible`); kept so until the verbose narration is changed on purpose.
 */
function streamPollStep(received: number): string {
  return `Poller 0 receives ${plural(received, "message")} (0 messages left visible).`;
}

/** Any other step: its type and fields as its JSONL trace line holds them. */
function traceLineStep(ev: TraceEvent, names: TraceNames): string {
  const { t, type, ...rest } = traceObject(ev, names.ctx);
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.length}]` : typeof v === "object" ? "{...}" : String(v)}`);
  return `${type}: ${fields.join(" ")}`;
}
