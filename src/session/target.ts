/**
 * The debugger's view of an rvrr machine: implements the gdb server's DebugTarget over the
 * board (registers, memory, translation) and the timeline (every movement in time). Debugger
 * writes become logged inputs, so they replay, and at an earlier point they change the past.
 */
import type {
  AddressSpace,
  Breakpoint,
  DebugTarget,
  MemoryRegion,
  MonitorCommand,
  ResumeAction,
  StopCause,
  StopEvent,
} from '../gdb/target.js';
import { REG_CSR0, REG_F0, REG_PC, REG_PRIV, SIGINT, SIGTRAP } from '../gdb/target.js';
import type { WatchKind } from '../machine/types.js';
import type { VirtMachine } from '../machine/virt.js';
import type { Timeline, TimelineStop } from '../replay/timeline.js';
import { PAGE_SIZE } from '../bus/ram.js';
import { monitorCommands } from './monitor.js';
import { hostNowMs, yieldToEventLoop } from '../replay/host-time.js';

/** Operations shorter than this report no progress. */
const PROGRESS_AFTER_MS = 500;

const WATCH_KIND: Record<'write' | 'read' | 'access', WatchKind> = { write: 'write', read: 'read', access: 'access' };
const CAUSE_OF: Record<WatchKind, 'watch' | 'rwatch' | 'awatch'> = { write: 'watch', read: 'rwatch', access: 'awatch' };

/** Options of a MachineTarget. */
export interface MachineTargetOptions {
  /** The debugger asked to kill the inferior (`k`): the owner decides what ends. */
  onKill?: () => void;
  /** Progress of a long operation for the host's own display (null: the operation ended). */
  onProgress?: (text: string | null) => void;
  /**
   * The guest powered off in a live session (gdb sees the inferior exit). The host says so on
   * its own terminal: gdb's console shows only what a stub's exit shows, which gdb's own
   * testsuite and scripts match on.
   */
  onExit?: (notice: string) => void;
}

export class MachineTarget implements DebugTarget {
  readonly hartCount: number;
  readonly csrs: readonly number[];
  readonly monitorCommands: readonly MonitorCommand[];
  /** Breakpoint/watchpoint insertions, counted per (kind, addr, len). */
  private inserted = new Map<string, number>();
  private progressListener: ((text: string) => void) | undefined;
  private interrupted = false;
  private showingProgress = false;

  constructor(
    readonly machine: VirtMachine,
    readonly timeline: Timeline,
    private readonly opts: MachineTargetOptions = {},
  ) {
    this.hartCount = machine.harts.length;
    this.csrs = machine.harts[0].implementedCSRs();
    this.monitorCommands = monitorCommands(this);
  }

  // ---- registers ---------------------------------------------------------------------------

  readRegister(hart: number, regno: number): bigint | undefined {
    const h = this.machine.harts[hart];
    if (h === undefined) return undefined;
    if (regno >= 0 && regno < 32) return h.getX(regno);
    if (regno === REG_PC) return h.getPC();
    if (regno >= REG_F0 && regno < REG_F0 + 32) return h.getF(regno - REG_F0);
    if (regno === REG_PRIV) return BigInt(h.priv);
    if (regno >= REG_CSR0 && regno < REG_CSR0 + 4096) return h.readCSR(regno - REG_CSR0);
    return undefined;
  }

  writeRegister(hart: number, regno: number, value: bigint): boolean {
    const old = this.readRegister(hart, regno);
    if (old === undefined) return false;
    if (regno === 0) return true;
    value = BigInt.asUintN(64, value);
    if (old === value) return true; // nothing changes: keep history intact
    this.timeline.recordDebuggerWrite({ kind: 'reg', hart, regno, value });
    return this.readRegister(hart, regno) === value || regno >= REG_CSR0;
  }

  // ---- memory ------------------------------------------------------------------------------

  /** Physical address of `addr` for the debugger, or undefined if unmapped. */
  private toPhys(hart: number, addr: number, space: AddressSpace, access: 'r' | 'w'): number | undefined {
    if (space === 'physical') return addr >= 0 ? addr : undefined;
    const h = this.machine.harts[hart];
    return h?.translate(addr, access);
  }

  readMemory(hart: number, addr: number, len: number, space: AddressSpace): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const va = addr + done;
      const n = Math.min(len - done, PAGE_SIZE - (((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE));
      const pa = this.toPhys(hart, va, space, 'r');
      if (pa === undefined) break;
      // RAM and ROM only: reading a device register for gdb would have side effects.
      const bytes = this.machine.bus.readBytes(pa, n);
      if (bytes === undefined) break;
      out.set(bytes, done);
      done += n;
    }
    return out.subarray(0, done);
  }

  writeMemory(hart: number, addr: number, data: Uint8Array, space: AddressSpace): boolean {
    // Translate everything first: a write is all or nothing.
    const chunks: { paddr: number; bytes: Uint8Array }[] = [];
    let done = 0;
    while (done < data.length) {
      const va = addr + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE));
      const pa = this.toPhys(hart, va, space, 'w');
      if (pa === undefined || !this.machine.ram.contains(pa, n)) return false;
      chunks.push({ paddr: pa, bytes: data.slice(done, done + n) });
      done += n;
    }
    for (const c of chunks) {
      const old = this.machine.bus.readBytes(c.paddr, c.bytes.length);
      if (old !== undefined && Buffer.compare(old, c.bytes) === 0) continue;
      this.timeline.recordDebuggerWrite({ kind: 'mem', paddr: c.paddr, bytes: c.bytes });
    }
    return true;
  }

  memoryMap(): MemoryRegion[] {
    const ram = this.machine.ram;
    return [
      { start: 0x1000, length: 0x1000, type: 'rom' },
      { start: ram.base, length: ram.size, type: 'ram' },
    ];
  }

  // ---- breakpoints -------------------------------------------------------------------------

  private key(bp: Breakpoint): string {
    return `${bp.kind}:${bp.addr}:${bp.len}`;
  }

  insertBreakpoint(bp: Breakpoint): boolean {
    if (bp.len <= 0 && bp.kind !== 'sw' && bp.kind !== 'hw') return false;
    const k = this.key(bp);
    this.inserted.set(k, (this.inserted.get(k) ?? 0) + 1);
    this.rearm();
    return true;
  }

  removeBreakpoint(bp: Breakpoint): boolean {
    const k = this.key(bp);
    const n = this.inserted.get(k);
    if (n === undefined) return false;
    if (n <= 1) this.inserted.delete(k);
    else this.inserted.set(k, n - 1);
    this.rearm();
    return true;
  }

  /** Rebuild the machine's breakpoint set and watch list from the insertions. */
  private rearm(): void {
    const m = this.machine;
    m.breakpoints.clear();
    m.watchpoints.length = 0;
    for (const k of this.inserted.keys()) {
      const [kind, addrS, lenS] = k.split(':');
      const addr = Number(addrS);
      if (kind === 'sw' || kind === 'hw') m.breakpoints.add(addr);
      else m.watchpoints.push({ addr, len: Number(lenS), kind: WATCH_KIND[kind as 'write' | 'read' | 'access'] });
    }
  }

  private breakpointCause(addr: number): StopCause {
    for (const k of this.inserted.keys()) if (k.startsWith(`sw:${addr}:`)) return { kind: 'swbreak' };
    return { kind: 'hwbreak' };
  }

  // ---- execution ---------------------------------------------------------------------------

  /** Translate a timeline stop into what the gdb server reports. */
  toStopEvent(s: TimelineStop): StopEvent {
    switch (s.reason) {
      case 'poweroff': {
        const code = s.exitCode ?? this.machine.exitCode ?? 0;
        // The power-off that ends history, reached again: the end of history, where gdb can
        // go on backwards (it would take an exit for the end of the session).
        if (s.inHistory) return this.endOfHistory(s.hart, code);
        this.opts.onExit?.(`rvrr: the guest powered off with exit code ${code} at icount ${s.icount}; its history is kept: connect again (target remote) to go back through it`);
        return { kind: 'exited', code, hart: s.hart };
      }
      case 'interrupted':
        return { kind: 'signal', signal: SIGINT, hart: s.hart };
      case 'breakpoint': {
        const pc = Number(BigInt.asIntN(64, this.machine.harts[s.hart].getPC()));
        return { kind: 'signal', signal: SIGTRAP, hart: s.hart, cause: this.breakpointCause(pc) };
      }
      case 'watchpoint': {
        const w = s.watch!;
        const addr = Math.max(w.watch.addr, w.accessAddr);
        return { kind: 'signal', signal: SIGTRAP, hart: s.hart, cause: { kind: CAUSE_OF[w.watch.kind], addr } };
      }
      case 'replaylog-begin':
        return { kind: 'signal', signal: SIGTRAP, hart: s.hart, cause: { kind: 'replaylog', at: 'begin' } };
      case 'replaylog-end':
        return this.endOfHistory(s.hart, s.exitCode);
      default:
        return { kind: 'signal', signal: SIGTRAP, hart: s.hart };
    }
  }

  /** Forward execution can go no further: `replaylog:end`, saying why when the guest powered off. */
  private endOfHistory(hart: number, exitCode: number | undefined): StopEvent {
    const ev: StopEvent = { kind: 'signal', signal: SIGTRAP, hart, cause: { kind: 'replaylog', at: 'end' } };
    // The pc stands after the instruction that powered off (the state the recording ends in).
    if (exitCode !== undefined) ev.message = `rvrr: end of history: the guest powered off with exit code ${exitCode} (its last instruction is just before the pc)\n`;
    return ev;
  }

  /** Progress callback for long timeline operations, forwarded to gdb. */
  progress(what: string): (f: number) => void {
    // Only operations that take a while report progress (host time: display only).
    const start = hostNowMs();
    return (f) => {
      if (hostNowMs() - start < PROGRESS_AFTER_MS) return;
      const text = `rvrr: ${what} ${Math.round(f * 100)}%`;
      this.progressListener?.(text + '\n');
      this.opts.onProgress?.(text);
      this.showingProgress = true;
    };
  }

  /** End of a long operation: clear the host's progress line. */
  progressDone(): void {
    if (this.showingProgress) this.opts.onProgress?.(null);
    this.showingProgress = false;
  }

  async resume(action: ResumeAction): Promise<StopEvent> {
    try {
      return await this.resumeOnce(action);
    } finally {
      this.progressDone();
    }
  }

  private async resumeOnce(action: ResumeAction): Promise<StopEvent> {
    this.interrupted = false;
    const tl = this.timeline;
    switch (action.kind) {
      // gdb removes its own breakpoint at the pc before resuming and steps over a reported
      // access itself, so a forward resume must not skip a stop on its first instruction.
      case 'continue':
        return this.toStopEvent(await tl.runForward({}));
      case 'step':
        return this.toStopEvent(await tl.runForward({ stepHart: action.hart }));
      case 'rangeStep': {
        const h = this.machine.harts[action.hart];
        let lastYield = hostNowMs();
        for (;;) {
          const s = await tl.runForward({ stepHart: action.hart });
          if (s.reason !== 'step') return this.toStopEvent(s);
          const pc = Number(BigInt.asIntN(64, h.getPC()));
          if (pc < action.start || pc >= action.end) return this.toStopEvent(s);
          // A single step settles in microtasks only: yield to the event loop now and then,
          // or a loop inside the range would starve the socket (Ctrl-C never arrives).
          if (hostNowMs() - lastYield >= 5) {
            await yieldToEventLoop();
            lastYield = hostNowMs();
          }
          if (this.interrupted) return { kind: 'signal', signal: SIGINT, hart: action.hart };
        }
      }
      case 'reverseStep':
        return this.toStopEvent(await tl.reverseStep(this.hartCount > 1 ? action.hart : undefined, { onProgress: this.progress('reverse-step') }));
      case 'reverseContinue': {
        const s = await tl.reverseContinue({ onProgress: this.progress('reverse-continue') });
        if (s.reason !== 'watchpoint') return this.toStopEvent(s);
        // gdb treats riscv watchpoints as non-steppable in both directions: it wants the report
        // in the state just after the access (as it stood going forward) and steps back over
        // the access itself, landing on it with memory as before it.
        const after = await tl.seek(s.icount + 1);
        if (after.reason === 'interrupted') return this.toStopEvent(after);
        return this.toStopEvent({ ...s, icount: tl.icount });
      }
    }
  }

  interrupt(): void {
    this.interrupted = true;
    // Only a running operation is stopped: the timeline keeps an interrupt requested while
    // idle for its next operation, and a Ctrl-C forwarded around a command that never ran the
    // timeline (e.g. `monitor when`) must not stop a later, unrelated resume at once.
    if (this.timeline.busy) this.timeline.interrupt();
  }

  detach(): void {
    this.inserted.clear();
    this.rearm();
  }

  kill(): void {
    this.detach();
    this.opts.onKill?.();
  }

  setProgressListener(listener: ((text: string) => void) | undefined): void {
    this.progressListener = listener;
  }
}
