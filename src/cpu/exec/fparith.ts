/**
 * Handlers for the hot F/D arithmetic instructions, bound at decode time instead of the generic
 * fmem.fp when the instruction names round-to-nearest-even statically (rm 0) or dynamically
 * (rm 7): operands come straight from the Op, the fast path (fpfast.ts) runs without decoding
 * the instruction again, and anything it declines (frm not RNE, FS off, special operands) goes
 * to fmem.fp, which produces the same result as it always did.
 */
import type { Hart } from '../hart.js';
import type { Op, Exec } from '../op.js';
import { MSTATUS_FS } from '../csr-defs.js';
import { fmem } from './fmem.js';
import { fpFastPathOn, s32, add64, mul64, div64, sqrt64, fma64, add32, mul32, div32, sqrt32, fma32 } from '../fpfast.js';

/** Whether the fast path may run: it is on, FS is not Off and the rounding mode is RNE. */
function go(h: Hart, op: Op): boolean {
  const rm = (op.insn >>> 12) & 7;
  return fpFastPathOn() && (h.mstatus & MSTATUS_FS) !== 0 && (rm === 0 || (rm === 7 && (h.fcsr & 0xe0) === 0));
}
function done(h: Hart): void { h.mstatus |= MSTATUS_FS; }

const fparith = {
  fadd_d(h: Hart, op: Op): void { if (!(go(h, op) && add64(h, h.f64, op.d >> 1, op.s1 >> 1, op.s2 >> 1, 0))) fmem.fp(h, op); else done(h); },
  fsub_d(h: Hart, op: Op): void { if (!(go(h, op) && add64(h, h.f64, op.d >> 1, op.s1 >> 1, op.s2 >> 1, 1))) fmem.fp(h, op); else done(h); },
  fmul_d(h: Hart, op: Op): void { if (!(go(h, op) && mul64(h, h.f64, op.d >> 1, op.s1 >> 1, op.s2 >> 1))) fmem.fp(h, op); else done(h); },
  fdiv_d(h: Hart, op: Op): void { if (!(go(h, op) && div64(h, h.f64, op.d >> 1, op.s1 >> 1, op.s2 >> 1))) fmem.fp(h, op); else done(h); },
  fsqrt_d(h: Hart, op: Op): void { if (!(go(h, op) && sqrt64(h, h.f64, op.d >> 1, op.s1 >> 1))) fmem.fp(h, op); else done(h); },
  fma_d(h: Hart, op: Op): void {
    // Negate the product (FNMSUB, FNMADD: opcode bit 3) and/or the addend (FMSUB, FNMADD: bit 2).
    const neg = ((op.insn >>> 3) & 1) | ((op.insn >>> 1) & 2);
    if (!(go(h, op) && fma64(h, h.f64, op.d >> 1, op.s1 >> 1, op.s2 >> 1, op.insn >>> 27, neg))) fmem.fp(h, op); else done(h);
  },
  fadd_s(h: Hart, op: Op): void { if (!(go(h, op) && add32(h, h.f32, op.d >> 1, op.s1 >> 1, op.s2 >> 1, 0))) fmem.fp(h, op); else done(h); },
  fsub_s(h: Hart, op: Op): void { if (!(go(h, op) && add32(h, h.f32, op.d >> 1, op.s1 >> 1, op.s2 >> 1, 1))) fmem.fp(h, op); else done(h); },
  fmul_s(h: Hart, op: Op): void { if (!(go(h, op) && mul32(h, h.f32, op.d >> 1, op.s1 >> 1, op.s2 >> 1))) fmem.fp(h, op); else done(h); },
  fdiv_s(h: Hart, op: Op): void { if (!(go(h, op) && div32(h, h.f32, op.d >> 1, op.s1 >> 1, op.s2 >> 1))) fmem.fp(h, op); else done(h); },
  fsqrt_s(h: Hart, op: Op): void { if (!(go(h, op) && sqrt32(h, h.f32, op.d >> 1, op.s1 >> 1))) fmem.fp(h, op); else done(h); },
  fma_s(h: Hart, op: Op): void {
    const neg = ((op.insn >>> 3) & 1) | ((op.insn >>> 1) & 2);
    if (!(go(h, op) && fma32(h, h.f32, op.d >> 1, op.s1 >> 1, op.s2 >> 1, op.insn >>> 27, neg))) fmem.fp(h, op); else done(h);
  },
};

const ARITH = [fparith.fadd_s, fparith.fsub_s, fparith.fmul_s, fparith.fdiv_s, fparith.fadd_d, fparith.fsub_d, fparith.fmul_d, fparith.fdiv_d];

/**
 * The specialised handler for instruction word w (OP-FP or an FMA opcode), or undefined when
 * the generic fmem.fp should run it (other operations, formats or static rounding modes).
 */
export function fpHandler(w: number): Exec | undefined {
  const rm = (w >>> 12) & 7, fmt = (w >>> 25) & 3, opcode = w & 0x7f;
  if ((rm !== 0 && rm !== 7) || fmt > 1) return undefined;
  if (opcode === 0x43 || opcode === 0x47 || opcode === 0x4b || opcode === 0x4f) return fmt ? fparith.fma_d : fparith.fma_s;
  if (opcode !== 0x53) return undefined;
  const funct5 = w >>> 27;
  if (funct5 <= 3) return ARITH[fmt * 4 + funct5];
  if (funct5 === 0x0b && ((w >>> 20) & 31) === 0) return fmt ? fparith.fsqrt_d : fparith.fsqrt_s;
  return undefined;
}
