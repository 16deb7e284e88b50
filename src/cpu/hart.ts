/**
 * One RV64GC hart: register state, the run loop over pre-decoded instructions, traps and
 * interrupts. Memory access (TLB fast path, page walks, MMIO) is in memory.ts; CSRs in csr.ts.
 * The hart reaches devices only through the Bus and the interrupt lines (`setPending`).
 */
import createDebug from 'debug';
import type { Bus } from '../bus/bus.js';
import type { VirtualClock } from '../replay/clock.js';
import { Op } from './op.js';
import { Memory, TRAP, WATCH } from './memory.js';
import {
  CSR, MSTATUS_MIE, MSTATUS_SIE, MSTATUS_MPIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_MPP, MSTATUS_MPP_SHIFT,
  IRQ_PRIORITY, PRV_M, PRV_S, ALL_INTS, EXC,
} from './csr-defs.js';
import { csrRead, csrWrite, IMPLEMENTED_CSRS, csrResult } from './csr.js';
import { translateDebug } from './mmu.js';
import { saveHart, loadHart, type HartState } from './state.js';
import { compileBlock, blockHasBreakpoint, link, HOT, type Block } from './block.js';
import { compileWasmBlock } from './wasm/compile.js';
import './wasm/types.js';
import { WASM_F, WASM_FCSR } from './wasm/area.js';

const log = createDebug('rvrr:cpu');

export type { HartState } from './state.js';
export type HartStop = 'budget' | 'breakpoint' | 'watchpoint' | 'wfi';

const TWO32 = 4294967296;

/** Split a JS number holding a 64-bit value (signed or unsigned interpretation) into x[i], x[i+1]. */
export function setPair(a: Int32Array, i: number, v: number): void {
  // floor, not %: a negative v (Sv39 kernel addresses) has hi = -1, not 0.
  const hi = Math.floor(v / TWO32);
  a[i] = (v - hi * TWO32) | 0;
  a[i + 1] = hi | 0;
}

/** A lo/hi pair as a JS number in the signed interpretation (exact below 2^53). */
export function pairToNum(lo: number, hi: number): number {
  return hi * TWO32 + (lo >>> 0);
}

export class Hart extends Memory {
  /**
   * x0..x31 as int32 words, low then high: the i64 slots (little-endian) at the start of the
   * hart's wasm area (memory.ts), which wasm blocks (wasm/compile.ts) read and write in place.
   */
  readonly x = new Int32Array(this.wasmMem.buffer, this.wasmBase, 64);
  /** f0..f31 as word pairs: 64-bit slots of the wasm area too (WASM_F), which wasm blocks access in place. */
  readonly f = new Uint32Array(this.wasmMem.buffer, this.wasmBase + WASM_F, 64);
  /** The same registers as binary64 values (f64[i]) and binary32 words (f32[2 * i]), for the FP fast path. */
  readonly f64 = new Float64Array(this.wasmMem.buffer, this.wasmBase + WASM_F, 32);
  readonly f32 = new Float32Array(this.wasmMem.buffer, this.wasmBase + WASM_F, 64);
  private readonly fcsrWord = new Int32Array(this.wasmMem.buffer, this.wasmBase + WASM_FCSR, 1);
  /** fcsr (bits 7:0), kept in the wasm area (WASM_FCSR), where wasm F/D code accrues fflags. */
  get fcsr(): number { return this.fcsrWord[0]; }
  set fcsr(v: number) { this.fcsrWord[0] = v; }
  /** Address of the current instruction (signed virtual address). */
  pc = 0;
  /** Address of the next instruction; handlers set it to jump. */
  npc = 0;
  wfi = false;
  breakpoints = new Set<number>();
  /** Compile hot blocks to JavaScript (block.ts); false runs every instruction interpreted. */
  jit = true;
  /** Compile hot blocks to WebAssembly (wasm/compile.ts) instead of JavaScript (`--jit=wasm`). */
  jitWasm = false;
  /** Executions of an instruction before a block is compiled from it (block.ts). */
  jitThreshold = HOT;
  /** Blocks compiled so far (for tests and `monitor info`). */
  blocksCompiled = 0;
  stopReason: HartStop = 'budget';

  /** LR reservation: the virtual address of the last LR (as QEMU compares it), or NaN. */
  reservation = NaN;
  /** The run loop stops when clock.icount reaches this (WFI sets it to stop early). */
  end = 0;
  /** Retired-step count of this hart before the current run() and counter offsets. */
  stepsBefore = 0;
  runIcount0 = 0;
  running = false;
  cycleOffset = 0;
  instretOffset = 0;
  /** Exception being raised (set by raise()). */
  excCause = 0;
  excTval = 0;

  constructor(readonly hartid: number, bus: Bus, readonly clock: VirtualClock) {
    super(bus);
    this.reset(0x1000);
  }

  /**
   * Take the exception an instruction exists to cause (ecall) from inside its handler: the
   * state raise() reaching run()'s catch gives, without unwinding the stack (xv6 makes one
   * system call every few hundred instructions; throwing cost more than the call itself).
   * The handler's step then ends at the trap vector as any jump's does.
   */
  trapHere(cause: number, tval: number): void {
    this.trapEnter(cause, tval, false);
    this.npc = this.pc;
  }

  /** Raise a synchronous exception: the current step ends at the trap handler. */
  override raise(cause: number, tval: number): never {
    this.excCause = cause;
    this.excTval = tval;
    throw TRAP;
  }

  /** Steps this hart has executed since reset (mcycle/minstret before offsets). */
  steps(): number {
    return this.stepsBefore + (this.running ? this.clock.icount - this.runIcount0 : 0);
  }

  run(budget: number, ignoreFirstStop = false): number {
    const clock = this.clock;
    this.stopReason = 'budget';
    this.lastWatch = undefined;
    if (this.wfi) {
      if ((this.mip() & this.csr[2 * CSR.mie]) === 0) { this.stopReason = 'wfi'; return 0; }
      this.wfi = false;
    }
    const start = clock.icount;
    this.end = start + budget;
    this.runIcount0 = start;
    this.running = true;
    this.watching = this.watchpoints.length > 0;
    // With watchpoints every access must take the slow path, so no entry may survive. Pages
    // may have been replaced (another hart's copy-on-write) since the last run: the
    // translations stand, the buffers are refreshed (a restore flushes in loadState).
    if (this.watching) this.flushDataTlb();
    else if (this.tlbStale()) this.refreshDataTlb();
    this.irqCheck = true;
    this.ignoreStop = ignoreFirstStop;
    try {
      for (;;) {
        try {
          this.loop();
          break;
        } catch (e) {
          if (e === TRAP) {
            this.trapEnter(this.excCause, this.excTval, false);
            clock.icount++;
            this.ignoreStop = false;
            continue;
          }
          if (e === WATCH) { this.stopReason = 'watchpoint'; break; }
          throw e;
        }
      }
    } finally {
      this.stepsBefore += clock.icount - start;
      this.running = false;
    }
    return clock.icount - start;
  }

  /**
   * Run block `b`, then the blocks it is linked to while they follow one another (no
   * fetch in between): each must start where execution went, be compiled for the current
   * translations (epoch), fit the budget, and nothing may ask to leave (an interrupt check,
   * breakpoints). Returns the block that ran last, to be linked to what comes next.
   */
  private runChain(b: Block, bpOn: boolean): Block {
    const clock = this.clock;
    for (;;) {
      b.fn(this);
      if (this.irqCheck || bpOn || b.epoch !== this.fetchEpoch) return b;
      const pc = this.pc;
      let nb = b.s0;
      if (nb === null || nb.pc !== pc) {
        nb = b.s1;
        if (nb === null || nb.pc !== pc) {
          nb = b.s2;
          if (nb === null || nb.pc !== pc) {
            nb = b.s3;
            if (nb === null || nb.pc !== pc) return b;
          }
        }
      }
      if (clock.icount + nb.n > this.end) return b;
      b = nb;
      if (b.slot !== undefined) this.cacheBlock(b, b.slot);
    }
  }

  private loop(): void {
    this.lastBlock = null;
    const clock = this.clock;
    const bp = this.breakpoints;
    const bpOn = bp.size > 0;
    this.wasmChain(!bpOn && !this.trigExec);
    while (clock.icount < this.end) {
      if (this.irqCheck) {
        this.irqCheck = false;
        const cause = this.pendingInterrupt();
        if (cause >= 0) this.trapEnter(cause, 0, true);
      }
      const pc = this.pc;
      if (bpOn && !this.ignoreStop && bp.has(pc)) { this.stopReason = 'breakpoint'; return; }
      // A guest execute trigger fires before the fetch (so before its faults), after gdb's
      // breakpoint there has been reported (ignoreStop does not skip it).
      const tx = this.trigExec;
      if (tx && this.triggers.execHit(pc, this.priv)) this.raise(EXC.breakpoint, 0);
      let op: Op;
      const off = pc - this.fetchBase;
      const ops = this.fetchOps;
      if (off >= 0 && off < 4096 && ops !== null) {
        op = ops[off >> 1];
        if (op === undefined) op = this.decodeAt(pc);
      } else {
        op = this.fetchSlow(pc);
      }
      const b = op.block;
      if (b !== undefined) {
        if (b !== null && clock.icount + b.n <= this.end && !this.ignoreStop && (!bpOn || !blockHasBreakpoint(b, bp)) &&
          (!tx || !this.triggers.execIn(b.pc, b.pc + b.bytes))) {
          if (b.pc === pc) {
            const last = this.lastBlock;
            if (last !== null) link(last, b, this.fetchEpoch);
            if (b.slot !== undefined) this.cacheBlock(b, b.slot);
            // With execute triggers each next block must be checked as the first was.
            this.lastBlock = this.runChain(b, bpOn || tx);
            continue;
          }
          // The page is mapped at another virtual address now: compile it for this one.
          op.block = undefined;
          op.heat = 0;
        }
      } else if (this.jit && ++op.heat >= this.jitThreshold && this.fetchOps !== null && pc - this.fetchBase >= 0 && pc - this.fetchBase < 4096) {
        const nb = this.jitWasm ? compileWasmBlock(this, pc, op) : compileBlock(this, pc, op);
        op.block = nb;
        if (nb !== null) { this.addBlock(nb); this.blocksCompiled++; }
      }
      this.lastBlock = null;
      this.npc = pc + op.len;
      op.fn(this, op);
      this.pc = this.npc;
      clock.icount++;
      if (this.ignoreStop) this.ignoreStop = false;
    }
  }

  /**
   * Enter a pending enabled interrupt now, at a step boundary, exactly as the next step would
   * (waking from WFI first). The board calls it where a run stops so that the state at an
   * icount does not depend on how execution was split into runs.
   */
  takeInterrupt(): void {
    if (this.wfi) {
      if ((this.mip() & this.csr[2 * CSR.mie]) === 0) return;
      this.wfi = false;
    }
    const cause = this.pendingInterrupt();
    if (cause >= 0) this.trapEnter(cause, 0, true);
  }

  /** In WFI with no enabled interrupt pending: run() would execute nothing. */
  waiting(): boolean {
    return this.wfi && (this.mip() & this.csr[2 * CSR.mie]) === 0;
  }

  /** Stop the run loop after the current instruction (WFI). */
  stopAfterThis(reason: HartStop): void {
    this.stopReason = reason;
    this.end = 0;
  }

  /** mip as software sees it: device lines OR the software-writable bits. */
  mip(): number {
    return this.mipHw | this.csr[2 * CSR.mip];
  }

  /** The highest-priority pending and enabled interrupt's cause, or -1. */
  pendingInterrupt(): number {
    const pend = this.mip() & this.csr[2 * CSR.mie] & ALL_INTS;
    if (pend === 0) return -1;
    const mideleg = this.csr[2 * CSR.mideleg];
    const ms = this.mstatus;
    const mEnabled = this.priv < PRV_M || (ms & MSTATUS_MIE) !== 0;
    const sEnabled = this.priv < PRV_S || (this.priv === PRV_S && (ms & MSTATUS_SIE) !== 0);
    let irqs = mEnabled ? pend & ~mideleg : 0;
    if (irqs === 0) irqs = sEnabled ? pend & mideleg : 0;
    if (irqs === 0) return -1;
    for (const c of IRQ_PRIORITY) if (irqs & (1 << c)) return c;
    return -1;
  }

  setPending(bit: number, level: boolean): void {
    if (level) this.mipHw |= 1 << bit;
    else this.mipHw &= ~(1 << bit);
    this.irqCheck = true;
  }

  /** Enter the trap handler for `cause` from the current pc (exception or interrupt). */
  trapEnter(cause: number, tval: number, isInt: boolean): void {
    if (log.enabled) {
      log('hart %d icount %d: %s %d at pc 0x%s (priv %d), tval 0x%s', this.hartid, this.clock.icount, isInt ? 'interrupt' : 'exception',
        cause, BigInt.asUintN(64, BigInt(this.pc)).toString(16), this.priv, BigInt.asUintN(64, BigInt(tval)).toString(16));
    }
    const prv = this.priv;
    const c = this.csr;
    const deleg = prv <= PRV_S && (((isInt ? c[2 * CSR.mideleg] : c[2 * CSR.medeleg]) >>> cause) & 1) !== 0;
    let ms = this.mstatus;
    let vec: number;
    if (deleg) {
      c[2 * CSR.scause] = cause; c[2 * CSR.scause + 1] = isInt ? 0x80000000 | 0 : 0;
      setPair(c, 2 * CSR.sepc, this.pc);
      setPair(c, 2 * CSR.stval, tval);
      ms = (ms & MSTATUS_SIE ? ms | MSTATUS_SPIE : ms & ~MSTATUS_SPIE) & ~MSTATUS_SIE;
      ms = prv === PRV_S ? ms | MSTATUS_SPP : ms & ~MSTATUS_SPP;
      this.priv = PRV_S;
      vec = 2 * CSR.stvec;
    } else {
      c[2 * CSR.mcause] = cause; c[2 * CSR.mcause + 1] = isInt ? 0x80000000 | 0 : 0;
      setPair(c, 2 * CSR.mepc, this.pc);
      setPair(c, 2 * CSR.mtval, tval);
      ms = (ms & MSTATUS_MIE ? ms | MSTATUS_MPIE : ms & ~MSTATUS_MPIE) & ~MSTATUS_MIE;
      ms = (ms & ~MSTATUS_MPP) | (prv << MSTATUS_MPP_SHIFT);
      this.priv = PRV_M;
      vec = 2 * CSR.mtvec;
    }
    this.mstatus = ms;
    const lo = c[vec], hi = c[vec + 1];
    const base = pairToNum(lo & ~3, hi);
    this.pc = isInt && (lo & 3) === 1 ? base + 4 * cause : base;
    this.wfi = false;
    // As QEMU 7.2: a trap (and an xRET, exec/priv.ts) loses the LR reservation.
    this.reservation = NaN;
    this.privChanged();
  }

  /**
   * Called when priv, MPRV/MPP, SUM, MXR or satp may have changed: translations are taken
   * from the TLB set of the context now in force (tlb.ts).
   */
  privChanged(): void {
    this.tlbContextChanged();
  }

  // ---- debugger access ----
  private checkReg(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i > 31) throw new RangeError(`register number ${i} is not 0..31`);
  }
  getX(i: number): bigint {
    this.checkReg(i);
    if (i === 0) return 0n;
    return (BigInt(this.x[2 * i + 1] >>> 0) << 32n) | BigInt(this.x[2 * i] >>> 0);
  }
  setX(i: number, v: bigint): void {
    this.checkReg(i);
    if (i === 0) return;
    this.x[2 * i] = Number(BigInt.asUintN(32, v)) | 0;
    this.x[2 * i + 1] = Number(BigInt.asUintN(32, v >> 32n)) | 0;
  }
  getPC(): bigint {
    return BigInt.asUintN(64, BigInt(this.pc));
  }
  setPC(v: bigint): void {
    this.pc = Number(BigInt.asIntN(64, v));
  }
  getF(i: number): bigint {
    this.checkReg(i);
    return (BigInt(this.f[2 * i + 1]) << 32n) | BigInt(this.f[2 * i]);
  }
  setF(i: number, v: bigint): void {
    this.checkReg(i);
    this.f[2 * i] = Number(BigInt.asUintN(32, v));
    this.f[2 * i + 1] = Number(BigInt.asUintN(32, v >> 32n));
  }
  readCSR(n: number): bigint | undefined {
    if (!csrRead(this, n)) return undefined;
    return (BigInt(csrResult.hi >>> 0) << 32n) | BigInt(csrResult.lo >>> 0);
  }
  writeCSR(n: number, v: bigint): boolean {
    if (!csrRead(this, n)) return false;
    if (((n >>> 10) & 3) === 3) return false;
    csrWrite(this, n, Number(BigInt.asUintN(32, v)) | 0, Number(BigInt.asUintN(32, v >> 32n)) | 0);
    this.flushCaches();
    this.irqCheck = true;
    return true;
  }
  implementedCSRs(): number[] {
    return IMPLEMENTED_CSRS.slice();
  }
  translate(vaddr: number, access: 'r' | 'w' | 'x'): number | undefined {
    return translateDebug(this, vaddr, access);
  }
  clearReservation(): void {
    this.reservation = NaN;
  }

  reset(resetPc: number): void {
    this.x.fill(0);
    this.f.fill(0);
    this.fcsr = 0;
    this.priv = PRV_M;
    this.pc = resetPc;
    this.npc = resetPc;
    this.wfi = false;
    this.reservation = NaN;
    this.csr.fill(0);
    this.mstatus = 0;
    this.mipHw = 0;
    this.stepsBefore = 0;
    this.cycleOffset = 0;
    this.instretOffset = 0;
    this.irqCheck = true;
    this.triggers.reset();
    this.triggersChanged();
    this.flushCaches();
  }

  saveState(): HartState {
    return saveHart(this);
  }
  /** Load saved state; RAM must already hold the matching pages (code caches are checked against it). */
  loadState(s: HartState): void {
    loadHart(this, s);
    this.restoreCaches();
    this.irqCheck = true;
  }
}
