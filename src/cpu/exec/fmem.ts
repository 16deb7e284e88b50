/**
 * F/D as seen by the hart: FLW/FLD/FSW/FSD (compressed forms expand to these), the mstatus.FS
 * gate (Off: every FP instruction is illegal) and Dirty marking; OP-FP and the fused
 * multiply-adds are executed by the FPU module.
 */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { fpExecute } from '../fpu.js';
import { EXC, MSTATUS_FS } from '../csr-defs.js';

const TWO32 = 4294967296;

function fsOn(h: Hart, op: Op): void {
  if ((h.mstatus & MSTATUS_FS) === 0) h.raise(EXC.illegal, op.raw >>> 0);
}
function ea(h: Hart, op: Op): number {
  return h.x[op.s1 + 1] * TWO32 + (h.x[op.s1] >>> 0) + op.imm;
}

/**
 * Loads and stores at a virtual address already computed (the compiled blocks' helpers in
 * block-mem.ts call these on a TLB miss, the interpreter handlers below always).
 */
export const fmemAt = {
  flw(h: Hart, op: Op, va: number): void {
    fsOn(h, op);
    const v = h.load32(va);
    h.f[op.d] = v; h.f[op.d + 1] = 0xffffffff; // NaN-boxed
    h.mstatus |= MSTATUS_FS;
  },
  fld(h: Hart, op: Op, va: number): void {
    fsOn(h, op);
    h.load64(va);
    h.f[op.d] = h.rlo; h.f[op.d + 1] = h.rhi;
    h.mstatus |= MSTATUS_FS;
  },
  fsw(h: Hart, op: Op, va: number): void { fsOn(h, op); h.store32(va, h.f[op.s2] | 0); },
  fsd(h: Hart, op: Op, va: number): void { fsOn(h, op); h.store64(va, h.f[op.s2] | 0, h.f[op.s2 + 1] | 0); },
};

export const fmem = {
  flw(h: Hart, op: Op): void { fmemAt.flw(h, op, ea(h, op)); },
  fld(h: Hart, op: Op): void { fmemAt.fld(h, op, ea(h, op)); },
  fsw(h: Hart, op: Op): void { fmemAt.fsw(h, op, ea(h, op)); },
  fsd(h: Hart, op: Op): void { fmemAt.fsd(h, op, ea(h, op)); },
  /** OP-FP and FMA opcodes: delegated; an encoding the FPU rejects is illegal. */
  fp(h: Hart, op: Op): void {
    fsOn(h, op);
    const fcsr = h.fcsr;
    if (!fpExecute(op.insn, h)) h.raise(EXC.illegal, op.raw >>> 0);
    // Dirty when an f register or fcsr changed. Compares, conversions to integer, fclass and
    // fmv.x.* (OP-FP funct5 0x14, 0x18, 0x1c) write only x registers.
    const f5 = op.insn >>> 27;
    const writesX = (op.insn & 0x7f) === 0x53 && (f5 === 0x14 || f5 === 0x18 || f5 === 0x1c);
    if (!writesX || h.fcsr !== fcsr) h.mstatus |= MSTATUS_FS;
  },
};
