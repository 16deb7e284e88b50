/**
 * sstatus accesses inside wasm blocks (csrr, csrw, csrs/csrc and their immediate forms on CSR
 * 0x100). Kernels read and write sstatus around every lock (xv6's push_off/pop_off, Linux's
 * local_irq_save/restore), millions of times a second in an idle SMP guest's scheduler; through
 * the interpreter handler each one was a wasm-to-JS call. mstatus, the privilege mode, mip's
 * device lines and the CSRs live in the hart's wasm area (memory.ts), so the common cases run
 * inline, with the handler's result:
 * - a read in S or M mode;
 * - a write in S or M mode that changes only SIE, SPIE and SPP, and turns SIE on only while no
 *   enabled interrupt is pending (so none becomes deliverable, as exec/zicsr.ts decides).
 * Everything else (U mode's illegal instruction, FS, SUM or MXR changes, an interrupt to take)
 * goes to the handler with the state untouched.
 */
import type { Op } from '../op.js';
import { OP, type Code } from './encoder.js';
import { WASM_CSR, WASM_MIPHW, WASM_MSTATUS, WASM_PRIV } from './area.js';
import { CSR, MSTATUS_FS, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, SSTATUS_MASK } from '../csr-defs.js';

/** What gen-csr needs of the block emitter (gen.ts). */
export interface CsrHost {
  readonly c: Code;
  /** Push xr's low word as i32. */
  reg32(r: number): void;
  setReg(r: number, value: () => void): void;
  /** The instruction through its handler, from `depth` below the block's exit label. */
  exec(op: Op, pc: number, k: number, depth: number, id: number): void;
}

/** Bits an inline write may change: none of them bears on translation, FS or the TLB. */
const INLINE_BITS = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP;
const KINDS: Record<string, number> = { csrrw: 0, csrrs: 1, csrrc: 2, csrrwi: 0, csrrsi: 1, csrrci: 2 };
const csrLo = (n: number) => WASM_CSR + 8 * n;

/** Whether `op` is an sstatus access emitSstatus compiles inline. */
export function inlineSstatus(op: Op): boolean {
  return op.imm === CSR.sstatus && KINDS[op.name] !== undefined;
}

/** The k-th instruction, at `pc`, an sstatus access (inlineSstatus), `depth` below the exit label. */
export function emitSstatus(e: CsrHost, op: Op, pc: number, k: number, depth: number, id: number): void {
  const c = e.c;
  const kind = KINDS[op.name];
  const imm = op.name.endsWith('i');
  const write = kind === 0 || op.s1 !== 0;
  const old = c.local(0x7f);
  // S or M (priv 1 or 3): U mode's access is illegal, the handler raises it.
  c.base().mem(OP.i32Load, 2, WASM_PRIV).if();
  c.base().mem(OP.i32Load, 2, WASM_MSTATUS).set(old);
  if (!write) {
    setRd(e, op, old);
  } else {
    const nw = c.local(0x7f);
    const src = () => {
      if (imm) c.i32((op.s1 >> 1) & SSTATUS_MASK); else { e.reg32(op.s1 >> 1); c.i32(SSTATUS_MASK).op(OP.i32And); }
    };
    if (kind === 0) { c.get(old).i32(~SSTATUS_MASK).op(OP.i32And); src(); c.op(OP.i32Or); }
    else if (kind === 1) { c.get(old); src(); c.op(OP.i32Or); }
    else { src(); c.i32(-1).op(OP.i32Xor).get(old).op(OP.i32And); }
    c.set(nw);
    // Slow: a bit beyond INLINE_BITS changes, or SIE turns on with an enabled interrupt pending.
    c.get(old).get(nw).op(OP.i32Xor).i32(~INLINE_BITS).op(OP.i32And);
    // (SIE turned on) ? mip & mie : 0
    c.base().mem(OP.i32Load, 2, WASM_MIPHW).base().mem(OP.i32Load, 2, csrLo(CSR.mip)).op(OP.i32Or);
    c.base().mem(OP.i32Load, 2, csrLo(CSR.mie)).op(OP.i32And);
    c.i32(0);
    c.get(nw).get(old).i32(-1).op(OP.i32Xor, OP.i32And).i32(MSTATUS_SIE).op(OP.i32And);
    c.op(OP.select, OP.i32Or, OP.i32Eqz).if();
    c.base().get(nw).mem(OP.i32Store, 2, WASM_MSTATUS);
    setRd(e, op, old);
    c.else();
    e.exec(op, pc, k, depth + 2, id);
    c.end();
  }
  c.else();
  e.exec(op, pc, k, depth + 1, id);
  c.end();
}

/** rd = sstatus as read from mstatus `old`: its S bits, UXL = 2, and SD when FS is Dirty. */
function setRd(e: CsrHost, op: Op, old: number): void {
  const c = e.c;
  e.setReg(op.d >> 1, () => {
    c.get(old).i32(SSTATUS_MASK).op(OP.i32And, OP.i64ExtendI32U);
    c.i64(-(1n << 63n) | (2n << 32n)).i64(2n << 32n);
    c.get(old).i32(MSTATUS_FS).op(OP.i32And).i32(MSTATUS_FS).op(OP.i32Eq, OP.select, OP.i64Or);
  });
}
