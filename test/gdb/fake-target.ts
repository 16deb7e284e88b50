/**
 * A small in-memory DebugTarget for the gdb server tests: harts with registers in a Map, RAM
 * in a Buffer at 0x80000000 (also visible at the Sv39-style kernel alias 0xffffffc000000000),
 * and an interpreter for a handful of real RV64 instructions (addi, ld, sd, jal, ebreak-free
 * loops) so that real gdb can step, break and watch. Every instruction is logged with its
 * memory undo record, which gives reverse execution.
 */
import {
  REG_CSR0,
  REG_PC,
  REG_PRIV,
  SIGINT,
  SIGTRAP,
  type AddressSpace,
  type Breakpoint,
  type DebugTarget,
  type MemoryRegion,
  type MonitorCommand,
  type ResumeAction,
  type StopEvent,
} from '../../dist/gdb/target.js';

export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 0x1_0000;
/** Kernel-style virtual alias of RAM: 0xffffffc000000000 (negative in our convention). */
export const KERNEL_VA = -0x40_0000_0000;
/** Writing 0x5555 here powers off (exit 0); 0x3333 | code << 16 fails with code. */
export const TEST_DEV = 0x10_0000;

export const CSRS = [0x001, 0x002, 0x003, 0x300, 0x301, 0x304, 0x305, 0x341, 0x342, 0x344, 0x180, 0xf14];

interface Hart {
  x: bigint[];
  pc: bigint;
  f: bigint[];
  csr: Map<number, bigint>;
  priv: bigint;
}

interface HistoryEntry {
  hart: number;
  pc: bigint;
  /** Register written by the instruction and its previous value. */
  rd?: { reg: number; old: bigint };
  mem?: { paddr: number; old: Buffer };
}

const MASK64 = (1n << 64n) - 1n;
const sext = (v: bigint): bigint => BigInt.asIntN(64, v);

export class FakeTarget implements DebugTarget {
  readonly harts: Hart[] = [];
  readonly ram = Buffer.alloc(RAM_SIZE);
  readonly breakpoints: Breakpoint[] = [];
  readonly history: HistoryEntry[] = [];
  readonly csrs = CSRS;
  interrupted = false;
  detached = 0;
  killed = 0;
  resumes: ResumeAction[] = [];
  private progress: ((text: string) => void) | undefined;
  /** Instructions per slice before yielding to the event loop. */
  slice = 2000;

  constructor(readonly hartCount = 1) {
    for (let i = 0; i < hartCount; i++) {
      const csr = new Map<number, bigint>(CSRS.map((n) => [n, 0n]));
      csr.set(0x301, (2n << 62n) | (1n << 0n) | (1n << 2n) | (1n << 3n) | (1n << 5n) | (1n << 8n) | (1n << 12n) | (1n << 18n) | (1n << 20n));
      csr.set(0xf14, BigInt(i));
      csr.set(0x300, 0xa00000000n);
      this.harts.push({ x: new Array(32).fill(0n), pc: BigInt(RAM_BASE), f: new Array(32).fill(0n), csr, priv: 3n });
    }
  }

  /** Place 32-bit instructions at a RAM address. */
  load(paddr: number, words: number[]): void {
    words.forEach((w, i) => this.ram.writeUInt32LE(w >>> 0, paddr - RAM_BASE + i * 4));
  }

  // --- registers ---
  readRegister(hart: number, regno: number): bigint | undefined {
    const h = this.harts[hart];
    if (!h) return undefined;
    if (regno < 32) return h.x[regno];
    if (regno === REG_PC) return h.pc;
    if (regno < 65) return h.f[regno - 33];
    if (regno === REG_PRIV) return h.priv;
    return h.csr.get(regno - REG_CSR0);
  }

  writeRegister(hart: number, regno: number, value: bigint): boolean {
    const h = this.harts[hart];
    if (!h) return false;
    value &= MASK64;
    if (regno < 32) {
      if (regno !== 0) h.x[regno] = value;
    } else if (regno === REG_PC) h.pc = value;
    else if (regno < 65) h.f[regno - 33] = value;
    else if (regno === REG_PRIV) {
      if (value !== 0n && value !== 1n && value !== 3n) return false;
      h.priv = value;
    } else if (h.csr.has(regno - REG_CSR0)) h.csr.set(regno - REG_CSR0, value);
    else return false;
    return true;
  }

  // --- memory ---
  /** Physical address of a virtual/physical address, or undefined if unmapped. */
  translate(addr: number, space: AddressSpace): number | undefined {
    let pa = addr;
    if (space === 'virtual' && addr < 0) pa = addr - KERNEL_VA + RAM_BASE;
    if (pa >= RAM_BASE && pa < RAM_BASE + RAM_SIZE) return pa;
    return undefined;
  }

  readMemory(_hart: number, addr: number, len: number, space: AddressSpace): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < len; i++) {
      const pa = this.translate(addr + i, space);
      if (pa === undefined) break;
      out.push(this.ram[pa - RAM_BASE]);
    }
    return Uint8Array.from(out);
  }

  writeMemory(_hart: number, addr: number, data: Uint8Array, space: AddressSpace): boolean {
    for (let i = 0; i < data.length; i++) if (this.translate(addr + i, space) === undefined) return false;
    data.forEach((b, i) => (this.ram[this.translate(addr + i, space)! - RAM_BASE] = b));
    return true;
  }

  // --- breakpoints ---
  insertBreakpoint(bp: Breakpoint): boolean {
    this.breakpoints.push({ ...bp });
    return true;
  }

  removeBreakpoint(bp: Breakpoint): boolean {
    const i = this.breakpoints.findIndex((b) => b.kind === bp.kind && b.addr === bp.addr && b.len === bp.len);
    if (i < 0) return false;
    this.breakpoints.splice(i, 1);
    return true;
  }

  // --- execution ---
  interrupt(): void {
    this.interrupted = true;
  }

  detach(): void {
    this.detached++;
    this.breakpoints.length = 0;
  }

  kill(): void {
    this.killed++;
  }

  memoryMap(): MemoryRegion[] {
    return [
      { start: 0x1000, length: 0x1000, type: 'rom' },
      { start: RAM_BASE, length: RAM_SIZE, type: 'ram' },
    ];
  }

  setProgressListener(listener: ((text: string) => void) | undefined): void {
    this.progress = listener;
  }

  readonly monitorCommands: MonitorCommand[] = [
    {
      name: 'info',
      usage: 'info',
      help: 'machine summary',
      run: (_args, out) => {
        out.print(`fake machine: ${this.hartCount} hart(s), history ${this.history.length} instructions\n`);
        this.harts.forEach((h, i) => out.print(`hart ${i}: pc=0x${h.pc.toString(16)} priv=${h.priv}\n`));
      },
    },
    {
      name: 'spin',
      usage: 'spin',
      help: 'busy-wait reporting progress until interrupted',
      run: async (_args, out) => {
        this.interrupted = false;
        let n = 0;
        while (!this.interrupted) {
          this.progress?.(`spinning ${++n}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        out.print(`spun ${n} times\n`);
        return { kind: 'signal', signal: SIGINT, hart: 0 };
      },
    },
    {
      name: 'fail',
      usage: 'fail',
      help: 'always fails',
      run: () => {
        throw new Error('this command always fails');
      },
    },
  ];

  async resume(action: ResumeAction): Promise<StopEvent> {
    this.resumes.push(action);
    this.interrupted = false;
    switch (action.kind) {
      case 'step': {
        const r = this.exec(action.hart, true);
        return r ?? { kind: 'signal', signal: SIGTRAP, hart: action.hart };
      }
      case 'rangeStep': {
        const h = this.harts[action.hart];
        let first = true;
        for (;;) {
          const r = this.exec(action.hart, first);
          first = false;
          if (r) return r;
          const pc = Number(sext(h.pc));
          if (pc < action.start || pc >= action.end || this.interrupted)
            return { kind: 'signal', signal: this.interrupted ? SIGINT : SIGTRAP, hart: action.hart };
        }
      }
      case 'continue': {
        // Nothing is ignored on the first instruction: gdb steps over its own breakpoints
        // (and, riscv watchpoints being non-steppable, over a reported access) itself.
        for (;;) {
          for (let i = 0; i < this.slice; i++) {
            for (let hart = 0; hart < this.hartCount; hart++) {
              if (action.onlyHart && hart !== action.hart) continue;
              const r = this.exec(hart, false);
              if (r) return r;
            }
          }
          // Yield so that the interrupt byte and other sockets get through.
          await new Promise((r) => setImmediate(r));
          this.progress?.(`ran ${this.history.length} instructions`);
          if (this.interrupted) return { kind: 'signal', signal: SIGINT, hart: action.hart };
        }
      }
      case 'reverseStep': {
        const idx = this.history.map((e) => e.hart).lastIndexOf(action.hart);
        if (idx < 0) return { kind: 'signal', signal: SIGTRAP, hart: action.hart, cause: { kind: 'replaylog', at: 'begin' } };
        while (this.history.length > idx) this.undo();
        return { kind: 'signal', signal: SIGTRAP, hart: action.hart };
      }
      case 'reverseContinue': {
        while (this.history.length > 0) {
          // A store into a watched range: stop *after* it (as it stood going forward); gdb,
          // treating riscv watchpoints as non-steppable, reverse-steps over it itself.
          const last = this.history[this.history.length - 1];
          if (last.mem) {
            const a = Number(last.mem.paddr);
            const w = this.breakpoints.find(
              (b) => (b.kind === 'write' || b.kind === 'access') && a < b.addr + b.len && b.addr < a + 8,
            );
            if (w) {
              const kind = w.kind === 'write' ? 'watch' : 'awatch';
              return { kind: 'signal', signal: SIGTRAP, hart: last.hart, cause: { kind, addr: Math.max(a, w.addr) } };
            }
          }
          const e = this.undo();
          const pc = Number(sext(e.pc));
          if (this.breakpoints.some((b) => (b.kind === 'sw' || b.kind === 'hw') && b.addr === pc))
            return { kind: 'signal', signal: SIGTRAP, hart: e.hart, cause: { kind: 'swbreak' } };
        }
        return { kind: 'signal', signal: SIGTRAP, hart: action.hart, cause: { kind: 'replaylog', at: 'begin' } };
      }
    }
  }

  private undo(): HistoryEntry {
    const e = this.history.pop()!;
    const h = this.harts[e.hart];
    h.pc = e.pc;
    if (e.rd) h.x[e.rd.reg] = e.rd.old;
    if (e.mem) e.mem.old.copy(this.ram, e.mem.paddr - RAM_BASE);
    return e;
  }

  /**
   * Execute one instruction of `hart`. Returns a stop event instead if a breakpoint or
   * watchpoint is hit before it executes (unless `ignoreStops`), or the machine powers off.
   */
  exec(hart: number, ignoreStops: boolean): StopEvent | undefined {
    const h = this.harts[hart];
    const pcNum = Number(sext(h.pc));
    if (!ignoreStops) {
      const bp = this.breakpoints.find((b) => (b.kind === 'sw' || b.kind === 'hw') && b.addr === pcNum);
      if (bp) return { kind: 'signal', signal: SIGTRAP, hart, cause: { kind: bp.kind === 'sw' ? 'swbreak' : 'hwbreak' } };
    }
    const ppc = this.translate(pcNum, 'virtual');
    if (ppc === undefined) return { kind: 'signal', signal: 11, hart };
    const insn = this.ram.readUInt32LE(ppc - RAM_BASE);
    const opcode = insn & 0x7f;
    const rd = (insn >>> 7) & 31;
    const rs1 = (insn >>> 15) & 31;
    const rs2 = (insn >>> 20) & 31;
    const funct3 = (insn >>> 12) & 7;
    const entry: HistoryEntry = { hart, pc: h.pc };
    const setRd = (v: bigint): void => {
      if (rd === 0) return;
      entry.rd = { reg: rd, old: h.x[rd] };
      h.x[rd] = v & MASK64;
    };
    let nextPc = (h.pc + 4n) & MASK64;
    switch (opcode) {
      case 0x13: // OP-IMM: addi only
        if (funct3 !== 0) return { kind: 'signal', signal: 4, hart };
        setRd(h.x[rs1] + BigInt(insn >> 20));
        break;
      case 0x03: // LOAD: ld
      case 0x23: {
        // STORE: sd
        if (funct3 !== 3) return { kind: 'signal', signal: 4, hart };
        const imm = opcode === 0x03 ? insn >> 20 : ((insn >> 25) << 5) | ((insn >>> 7) & 31);
        const addr = Number(sext(h.x[rs1] + BigInt(imm)));
        const write = opcode === 0x23;
        if (!ignoreStops) {
          const w = this.breakpoints.find(
            (b) =>
              (b.kind === 'access' || b.kind === (write ? 'write' : 'read')) && addr < b.addr + b.len && b.addr < addr + 8,
          );
          if (w) {
            const kind = w.kind === 'write' ? 'watch' : w.kind === 'read' ? 'rwatch' : 'awatch';
            return { kind: 'signal', signal: SIGTRAP, hart, cause: { kind, addr: Math.max(addr, w.addr) } };
          }
        }
        if (write && addr === TEST_DEV) {
          const v = Number(h.x[rs2] & 0xffffffffn);
          if ((v & 0xffff) === 0x5555) return { kind: 'exited', code: 0, hart };
          if ((v & 0xffff) === 0x3333) return { kind: 'exited', code: v >>> 16, hart };
        }
        const pa = this.translate(addr, 'virtual');
        if (pa === undefined || pa + 8 > RAM_BASE + RAM_SIZE) return { kind: 'signal', signal: 11, hart };
        if (write) {
          entry.mem = { paddr: pa, old: Buffer.from(this.ram.subarray(pa - RAM_BASE, pa - RAM_BASE + 8)) };
          this.ram.writeBigUInt64LE(h.x[rs2], pa - RAM_BASE);
        } else setRd(this.ram.readBigUInt64LE(pa - RAM_BASE));
        break;
      }
      case 0x6f: {
        // JAL
        const imm =
          ((insn >> 31) << 20) | (((insn >>> 12) & 0xff) << 12) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
        setRd(h.pc + 4n);
        nextPc = (h.pc + BigInt(imm)) & MASK64;
        break;
      }
      default:
        return { kind: 'signal', signal: 4, hart }; // SIGILL
    }
    h.pc = nextPc;
    this.history.push(entry);
    return undefined;
  }
}

/** Encoders for the instructions the fake interprets. */
export const asm = {
  addi: (rd: number, rs1: number, imm: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13) >>> 0,
  nop: (): number => 0x13,
  ld: (rd: number, rs1: number, imm: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03) >>> 0,
  sd: (rs2: number, rs1: number, imm: number): number =>
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 31) << 7) | 0x23) >>> 0,
  jal: (rd: number, off: number): number =>
    ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) | (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0,
};
