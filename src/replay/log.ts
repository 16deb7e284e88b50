/**
 * The event log: every nondeterministic input with the icount at which it was applied
 * (design invariant 1). Entries are kept in icount order; several entries at the same icount
 * keep the order in which they were applied. Idle warps that reach the next timer deadline are
 * not inputs (replay recomputes them, see timeline.ts), so the log cannot tell virtual time;
 * the machine's clock does. What the entries mean is the machine's business
 * (`ReplayableMachine.applyInput`); how they are stored on disk is `log-format.ts`.
 */
import type { InputEvent } from '../machine/types.js';

/** One logged input. */
export interface LogEntry {
  /** Global icount at which the input was applied (before the instruction at that icount). */
  readonly icount: number;
  readonly event: InputEvent;
}

export class EventLog {
  private entries: LogEntry[] = [];

  constructor(entries: Iterable<LogEntry> = []) {
    for (const e of entries) this.append(e.icount, e.event);
  }

  /** Number of entries. */
  get length(): number {
    return this.entries.length;
  }

  /** Icount of the last entry, or -1 when empty. */
  get lastIcount(): number {
    return this.entries.length === 0 ? -1 : this.entries[this.entries.length - 1].icount;
  }

  /** Append an input applied at `icount`; icounts never go backwards (truncate first to change the past). */
  append(icount: number, event: InputEvent): void {
    if (!Number.isSafeInteger(icount) || icount < 0) throw new RangeError(`bad icount ${icount}`);
    if (icount < this.lastIcount) {
      throw new RangeError(`log append at icount ${icount} before the last entry (${this.lastIcount}); truncate first`);
    }
    this.entries.push({ icount, event });
  }

  /** Index of the first entry with icount >= `icount` (binary search). */
  private lowerBound(icount: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].icount < icount) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drop every entry with icount > `icount` (entries AT `icount` stay): changing the past. */
  truncateAfter(icount: number): void {
    const n = this.lowerBound(icount + 1);
    this.entries.length = n;
  }

  /** Entries with icount >= `from` (and < `to` when given), in order. */
  *from(from: number, to = Infinity): IterableIterator<LogEntry> {
    for (let i = this.lowerBound(from); i < this.entries.length && this.entries[i].icount < to; i++) {
      yield this.entries[i];
    }
  }

  /** Entries logged exactly at `icount`, in the order they were applied. */
  at(icount: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = this.lowerBound(icount); i < this.entries.length && this.entries[i].icount === icount; i++) {
      out.push(this.entries[i]);
    }
    return out;
  }

  /** Icount of the first entry strictly after `icount`, or Infinity. */
  nextIcountAfter(icount: number): number {
    const i = this.lowerBound(icount + 1);
    return i < this.entries.length ? this.entries[i].icount : Infinity;
  }

  /** All entries (a copy of the array; entries are immutable). */
  toArray(): LogEntry[] {
    return this.entries.slice();
  }

  [Symbol.iterator](): IterableIterator<LogEntry> {
    return this.entries.values();
  }
}
