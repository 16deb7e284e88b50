/**
 * The scripting API's view of a Machine's history: seek anywhere, step and continue
 * backwards, find the last write to memory, walk a variable's history, checkpoints. It wraps
 * the replay engine (src/replay/timeline.ts), the same one the gdb server drives.
 */
import type { HistoryHit, Timeline as ReplayTimeline, TimelineInfo } from '../replay/timeline.js';
import type { Location, MachineInternals, Stop } from './machine.js';

/** A write found in history. */
export interface Write {
  /** Position of the writing instruction: `seek(icount)` stands on it, not executed yet. */
  icount: number;
  /** pc of the writing instruction (signed 64-bit virtual address convention). */
  pc: number;
  /** Hart that wrote. */
  hart: number;
  /** The pc as `function+offset`, when the ELF's symbols cover it. */
  where?: string;
}

/** A write with the watched bytes just before and just after it. */
export interface WriteRecord extends Write {
  before: Uint8Array;
  after: Uint8Array;
}

/** A candidate stop offered to a `reverseContinue` predicate (the timeline stands on it). */
export type Hit = HistoryHit;

/** History of a Machine. Get it as `machine.timeline`; operations are async, one at a time. */
export class Timeline {
  /** @internal */
  constructor(private readonly m: MachineInternals) {}

  /** The replay engine underneath (snapshots, event log, recording). */
  get engine(): ReplayTimeline {
    return this.m.engine;
  }

  /** Current position: instructions executed since power-on. */
  get icount(): number {
    return this.m.engine.icount;
  }

  /** End of recorded history (the furthest point executed, or the end of a loaded recording). */
  get end(): number {
    return this.m.engine.endIcount;
  }

  /** True while running forward past the end records new history (false replaying a recording). */
  get live(): boolean {
    return this.m.engine.live;
  }

  /**
   * Go to position `icount`: the state exactly as execution arrived there. Within history this
   * restores a snapshot and re-executes; past the end of a live history it runs forward to it
   * (breakpoints ignored). Reason 'step' (or 'poweroff' if the guest stopped before).
   */
  async seek(icount: number): Promise<Stop> {
    return this.m.toStop(await this.m.engine.seek(icount));
  }

  /**
   * Step back one instruction (of the selected hart, on a machine with several). At
   * power-on: reason 'replaylog-begin'.
   */
  async reverseStep(): Promise<Stop> {
    const hart = this.m.board.hartCount > 1 ? this.m.selectedHart() : undefined;
    return this.m.toStop(await this.m.engine.reverseStep(hart));
  }

  /**
   * Run backwards to the latest breakpoint or watchpoint hit before now (a hit at the current
   * position does not count). A watchpoint stop stands *on* the accessing instruction, not
   * executed yet: memory holds the value from before the access; `step()` shows the new one.
   * With `predicate`, hits it rejects are skipped (the timeline stands on each candidate
   * while it decides, so it can read registers and memory). None: 'replaylog-begin' at power-on.
   */
  async reverseContinue(o: { predicate?: (hit: Hit) => boolean } = {}): Promise<Stop> {
    const e = this.m.engine;
    if (this.atPoweroff()) {
      // The engine cannot scan an interval that ends with the poweroff itself: look at the
      // last instruction by running it forward, then scan from just before it.
      const end = e.icount;
      await e.seek(end - 1);
      this.m.arm();
      const s = await e.runForward({ budget: 1 });
      if (s.reason === 'breakpoint' || s.reason === 'watchpoint') {
        const hit: Hit = { icount: s.icount, reason: s.reason, hart: s.hart, pc: this.m.board.pcOf(s.hart), ...(s.watch ? { watch: s.watch } : {}) };
        if (!o.predicate || o.predicate(hit)) return this.m.toStop(s);
      }
      if (e.icount !== end - 1) await e.seek(end - 1);
    }
    this.m.arm();
    return this.m.toStop(await e.reverseContinue(o.predicate ? { predicate: o.predicate } : {}));
  }

  /** At the poweroff that ended history (the engine's scans stop short of it). */
  private atPoweroff(): boolean {
    const e = this.m.engine;
    return this.m.board.vm.exitCode !== undefined && e.icount > 0 && e.icount === e.endIcount;
  }

  /**
   * The last write to guest virtual memory [addr, addr+len) before the current position, or
   * null if nothing wrote it since power-on. The position does not change.
   */
  async lastWrite(addr: Location, len: number): Promise<Write | null> {
    const a = this.m.resolve(addr);
    if (!Number.isInteger(len) || len <= 0) throw new RangeError(`bad length ${len}`);
    const e = this.m.engine;
    let hit: HistoryHit | null | 'interrupted';
    if (this.atPoweroff()) {
      // Scan from just before the final instruction, then check that instruction itself.
      const end = e.icount;
      await e.seek(end - 1);
      hit = await e.lastWrite(a, len);
      const b = this.m.board;
      b.breakpoints.clear();
      b.watchpoints.length = 0;
      b.watchpoints.push({ addr: a, len, kind: 'write' });
      const s = await e.runForward({ budget: 1 });
      if (s.reason === 'watchpoint') {
        hit = { icount: s.icount, reason: 'watchpoint', hart: s.hart, pc: b.pcOf(s.hart) };
        await e.seek(end);
      }
      this.m.arm();
    } else hit = await e.lastWrite(a, len);
    if (hit === 'interrupted') throw new Error('lastWrite was interrupted');
    if (hit === null) return null;
    const pc = hit.pc ?? this.m.board.pcOf(hit.hart);
    const w: Write = { icount: hit.icount, pc, hart: hit.hart };
    const where = this.m.describe(pc);
    if (where !== undefined) w.where = where;
    return w;
  }

  /**
   * Every write to [addr, addr+len), newest first, with the bytes before and after each, by
   * going backwards from the current position (`lastWrite`, then `seek` to it, again and
   * again). Leaves the position at the oldest write yielded (where iteration stopped).
   */
  async *history(addr: Location, len: number, o: { max?: number } = {}): AsyncGenerator<WriteRecord> {
    const a = this.m.resolve(addr);
    const max = o.max ?? Infinity;
    for (let n = 0; n < max; n++) {
      const w = await this.lastWrite(a, len);
      if (w === null) return;
      await this.seek(w.icount + 1);
      const after = this.m.readBytes(a, len);
      await this.seek(w.icount);
      const before = this.m.readBytes(a, len);
      yield { ...w, before, after };
    }
  }

  /** Position, virtual time (ns since power-on) and current hart. */
  when(): { icount: number; virtualNs: number; hart: number } {
    return this.m.engine.when();
  }

  /** Name the current position (default names cp1, cp2...); `restart(name)` comes back to it. */
  checkpoint(name?: string): { name: string; icount: number } {
    return this.m.engine.checkpoint(name);
  }

  /** Named checkpoints, in icount order. */
  checkpoints(): { name: string; icount: number }[] {
    return this.m.engine.checkpoints();
  }

  /** Go to a named checkpoint (back or forward). Throws for an unknown name. */
  async restart(name: string): Promise<Stop> {
    return this.m.toStop(await this.m.engine.restart(name));
  }

  /** History span, snapshots and log sizes. */
  info(): TimelineInfo {
    return this.m.engine.info();
  }
}
