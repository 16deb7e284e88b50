/**
 * A small deterministic machine implementing ReplayableMachine, for testing the replay engine
 * without the real board. Each hart runs a 64-instruction "program": every instruction mixes
 * its accumulator with a hash, some store to or load from a 64 KiB paged RAM (COW pages from
 * src/bus/ram.ts), control flow jumps around so pcs repeat, and one pc is a WFI that sleeps
 * until a timer deadline (virtual time = icount + warps). Harts are scheduled round-robin in
 * fixed quanta; scheduling state is part of the machine state, so slicing never matters.
 */
import { createHash } from 'node:crypto';
import { PagedRam } from '../../dist/bus/ram.js';
import type {
  InputEvent, MachineSnapshot, ReplayableMachine, RunOptions, RunResult, WatchHit, Watchpoint,
} from '../../dist/machine/types.js';

export const CODE_BASE = 0x1000;
export const PROGRAM_LEN = 64;
export const WFI_PC = CODE_BASE + 4 * (PROGRAM_LEN - 1);
export const MEM_SIZE = 64 * 1024;

interface Hart {
  pc: number;
  acc: number;
  waiting: boolean;
}

interface FakeState {
  icount: number;
  warpNs: number;
  deadline: number;
  cur: number;
  quantumLeft: number;
  poweredOff: boolean;
  harts: Hart[];
}

interface FakeSnapshot extends MachineSnapshot {
  state: FakeState;
  ram: ReturnType<PagedRam['snapshot']>;
}

export interface FakeOptions {
  harts?: number;
  quantum?: number;
  seed?: number;
  /** Enable the WFI instruction and timer (default true). */
  idle?: boolean;
  /** No timer deadline: an idle machine waits for input only. */
  noTimer?: boolean;
  /** Power off (exit code 3) when the icount reaches this. */
  poweroffAt?: number;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b + 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class FakeMachine implements ReplayableMachine {
  readonly breakpoints = new Set<number>();
  readonly watchpoints: Watchpoint[] = [];
  readonly hartCount: number;
  private s: FakeState;
  private readonly ram = new PagedRam(0, MEM_SIZE);
  private readonly quantum: number;
  private readonly idleEnabled: boolean;
  /** Count of run() calls, to check that operations slice their work. */
  runCalls = 0;
  /** Instructions executed over the machine's life (restores do not rewind it). */
  executedTotal = 0;

  constructor(private readonly opts: FakeOptions = {}) {
    this.hartCount = opts.harts ?? 1;
    this.quantum = opts.quantum ?? 7;
    this.idleEnabled = opts.idle ?? true;
    this.s = this.initialState();
  }

  private initialState(): FakeState {
    const seed = this.opts.seed ?? 1;
    return {
      icount: 0, warpNs: 0, deadline: 3000, cur: 0, quantumLeft: this.quantum, poweredOff: false,
      harts: Array.from({ length: this.hartCount }, (_, i) => ({ pc: CODE_BASE + 4 * i, acc: mix(seed, i), waiting: false })),
    };
  }

  get icount(): number {
    return this.s.icount;
  }

  nowNs(): number {
    return this.s.icount + this.s.warpNs;
  }

  virtualNs(): number {
    return this.nowNs();
  }

  pcOf(hart: number): number {
    return this.s.harts[hart].pc;
  }

  accOf(hart: number): number {
    return this.s.harts[hart].acc;
  }

  readMem(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.ram.readBytes(addr, out);
    return out;
  }

  /** The access the instruction at the hart's pc would make (for watchpoints and the test oracle). */
  accessOf(h: Hart): { addr: number; size: number; kind: 'read' | 'write' } | null {
    const k = (h.pc - CODE_BASE) >>> 2;
    if (k % 5 === 1) return { addr: ((h.acc >>> 4) % (MEM_SIZE / 4)) * 4 & 0x3ff0 | 0x100, size: 4, kind: 'write' };
    if (k % 5 === 3) return { addr: ((h.acc >>> 7) % (MEM_SIZE / 4)) * 4 & 0x3ff0 | 0x104, size: 4, kind: 'read' };
    return null;
  }

  /** Wake sleepers at the deadline; move to the next runnable hart when the quantum is used. */
  private normalize(): void {
    const s = this.s;
    if (!this.opts.noTimer && this.nowNs() >= s.deadline) {
      let woke = false;
      for (const h of s.harts) if (h.waiting) { h.waiting = false; h.acc ^= 0x5a5a; woke = true; }
      if (woke) s.deadline = this.nowNs() + 500 + (s.harts[0].acc & 1023);
    }
    if (s.harts[s.cur].waiting || s.quantumLeft <= 0) {
      for (let i = 1; i <= s.harts.length; i++) {
        const j = (s.cur + i) % s.harts.length;
        if (!s.harts[j].waiting) {
          s.cur = j;
          s.quantumLeft = this.quantum;
          return;
        }
      }
    }
  }

  private execute(h: Hart): void {
    const k = (h.pc - CODE_BASE) >>> 2;
    const a = this.accessOf(h);
    if (a?.kind === 'write') {
      const p = this.ram.writablePageI32(a.addr >>> 12);
      p[(a.addr & 0xfff) >>> 2] = h.acc ^ this.s.icount;
    } else if (a?.kind === 'read') {
      h.acc ^= this.ram.readPageI32(a.addr >>> 12)[(a.addr & 0xfff) >>> 2];
    }
    h.acc = mix(h.acc, h.pc);
    if (this.idleEnabled && h.pc === WFI_PC) h.waiting = this.opts.noTimer === true || this.nowNs() < this.s.deadline;
    if ((h.acc & 7) === 0) h.pc = CODE_BASE + 4 * ((h.acc >>> 3) % PROGRAM_LEN);
    else h.pc = k + 1 >= PROGRAM_LEN ? CODE_BASE : h.pc + 4;
    this.s.icount++;
    this.s.quantumLeft--;
  }

  run(budget: number, opts?: RunOptions): RunResult {
    this.runCalls++;
    const s = this.s;
    let executed = 0;
    if (s.poweredOff) return { executed: 0, reason: 'poweroff', hart: s.cur, exitCode: 3 };
    const started = new Set<number>();
    const checkStops = this.breakpoints.size > 0 || this.watchpoints.length > 0;
    while (executed < budget) {
      this.normalize();
      const hi = s.cur;
      const h = s.harts[hi];
      if (h.waiting) return { executed, reason: 'idle', hart: hi };
      if (checkStops && !(opts?.ignoreFirstStop && !started.has(hi))) {
        if (this.breakpoints.has(h.pc)) return { executed, reason: 'breakpoint', hart: hi };
        const a = this.accessOf(h);
        if (a) {
          for (const w of this.watchpoints) {
            const kindOk = w.kind === 'access' || w.kind === a.kind;
            if (kindOk && a.addr < w.addr + w.len && w.addr < a.addr + a.size) {
              const watch: WatchHit = { watch: w, accessAddr: a.addr, accessSize: a.size, accessKind: a.kind };
              return { executed, reason: 'watchpoint', hart: hi, watch };
            }
          }
        }
      }
      started.add(hi);
      this.execute(h);
      executed++;
      this.executedTotal++;
      if (this.opts.poweroffAt !== undefined && s.icount >= this.opts.poweroffAt) {
        s.poweredOff = true;
        return { executed, reason: 'poweroff', hart: hi, exitCode: 3 };
      }
    }
    return { executed, reason: 'budget', hart: s.cur };
  }

  applyInput(ev: InputEvent): void {
    const s = this.s;
    switch (ev.kind) {
      case 'console': {
        let x = 0;
        for (const b of ev.bytes) x = mix(x, b);
        s.harts[0].acc ^= x;
        for (const h of s.harts) h.waiting = false; // an interrupt wakes everyone
        break;
      }
      case 'warp':
        s.warpNs += ev.ns;
        break;
      case 'mem':
        this.ram.writeBytes(ev.paddr, ev.bytes);
        break;
      case 'reg':
        if (ev.regno === 32) s.harts[ev.hart].pc = Number(ev.value);
        else s.harts[ev.hart].acc = Number(BigInt.asIntN(32, ev.value));
        break;
      case 'reset': {
        const fresh = this.initialState();
        s.harts = fresh.harts;
        s.cur = 0;
        s.quantumLeft = this.quantum;
        s.poweredOff = false;
        break;
      }
    }
    this.normalize();
  }

  nsUntilNextDeadline(): number {
    if (this.opts.noTimer) return Infinity;
    return Math.max(0, this.s.deadline - this.nowNs());
  }

  snapshot(): FakeSnapshot {
    const ram = this.ram.snapshot();
    return {
      icount: this.s.icount,
      approxBytes: 4096 * this.ram.allocatedPages() + 200,
      pageGroups: ram.chunks,
      stateBytes: 200,
      state: structuredClone(this.s),
      ram,
    };
  }

  restore(snap: MachineSnapshot): void {
    const f = snap as FakeSnapshot;
    this.s = structuredClone(f.state);
    this.ram.restore(f.ram);
  }

  stateHash(): string {
    const h = createHash('sha256');
    h.update(JSON.stringify(this.s));
    const page = new Uint8Array(4096);
    for (let a = 0; a < MEM_SIZE; a += 4096) {
      this.ram.readBytes(a, page);
      h.update(page);
    }
    return h.digest('hex');
  }
}
