/**
 * Memory accesses of compiled blocks (block-gen.ts): the TLB fast path of memory.ts, and on a
 * miss the hart's own access method after making pc and icount exact (a trap, a watchpoint or
 * a device then sees the state the interpreter would show). Small enough for V8 to inline into
 * a hot block, while keeping the generated source short (compiling it is what costs).
 */
import type { Hart } from './hart.js';
import type { Op } from './op.js';
import { TLB_MASK } from './memory.js';
import { MSTATUS_FS } from './csr-defs.js';
import { fmemAt } from './exec/fmem.js';

export function LB(h: Hart, va: number, pc: number, ic: number): number {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o) return (h.rU8[i][o] << 24) >> 24;
  h.pc = pc; h.clock.icount = ic;
  return (h.loadU8(va) << 24) >> 24;
}
export function LBU(h: Hart, va: number, pc: number, ic: number): number {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o) return h.rU8[i][o];
  h.pc = pc; h.clock.icount = ic;
  return h.loadU8(va);
}
export function LH(h: Hart, va: number, pc: number, ic: number): number {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && o < 4095) { const u = h.rU8[i]; return ((u[o] | (u[o + 1] << 8)) << 16) >> 16; }
  h.pc = pc; h.clock.icount = ic;
  return (h.loadU16(va) << 16) >> 16;
}
export function LHU(h: Hart, va: number, pc: number, ic: number): number {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && o < 4095) { const u = h.rU8[i]; return u[o] | (u[o + 1] << 8); }
  h.pc = pc; h.clock.icount = ic;
  return h.loadU16(va);
}
/** 32-bit load as int32 (lwu zero-extends it in the block). */
export function LW(h: Hart, va: number, pc: number, ic: number): number {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && (o & 3) === 0) return h.rI32[i][o >> 2];
  h.pc = pc; h.clock.icount = ic;
  return h.load32(va);
}
/** 64-bit load into h.rlo / h.rhi. */
export function LD(h: Hart, va: number, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && (o & 7) === 0) { const p = h.rI32[i]; h.rlo = p[o >> 2]; h.rhi = p[(o >> 2) + 1]; return; }
  h.pc = pc; h.clock.icount = ic;
  h.load64(va);
}
export function SB(h: Hart, va: number, v: number, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o) { h.wU8[i][o] = v; return; }
  h.pc = pc; h.clock.icount = ic;
  h.store8(va, v & 255);
}
export function SH(h: Hart, va: number, v: number, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o && o < 4095) { const u = h.wU8[i]; u[o] = v; u[o + 1] = v >> 8; return; }
  h.pc = pc; h.clock.icount = ic;
  h.store16(va, v & 65535);
}
export function SW(h: Hart, va: number, v: number, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o && (o & 3) === 0) { h.wI32[i][o >> 2] = v; return; }
  h.pc = pc; h.clock.icount = ic;
  h.store32(va, v);
}
export function SD(h: Hart, va: number, lo: number, hi: number, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o && (o & 7) === 0) { const p = h.wI32[i]; p[o >> 2] = lo; p[(o >> 2) + 1] = hi; return; }
  h.pc = pc; h.clock.icount = ic;
  h.store64(va, lo, hi);
}

// F/D loads and stores: the TLB fast path while mstatus.FS is not Off (loads mark it Dirty,
// as fmem does); anything else through the interpreter's handler at the computed address.
export function FLW(h: Hart, va: number, op: Op, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && (o & 3) === 0 && (h.mstatus & MSTATUS_FS) !== 0) {
    h.f[op.d] = h.rI32[i][o >> 2]; h.f[op.d + 1] = 0xffffffff; h.mstatus |= MSTATUS_FS; return;
  }
  h.pc = pc; h.clock.icount = ic;
  fmemAt.flw(h, op, va);
}
export function FLD(h: Hart, va: number, op: Op, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.rTag[i] === va - o && (o & 7) === 0 && (h.mstatus & MSTATUS_FS) !== 0) {
    const p = h.rI32[i], f = h.f; f[op.d] = p[o >> 2]; f[op.d + 1] = p[(o >> 2) + 1]; h.mstatus |= MSTATUS_FS; return;
  }
  h.pc = pc; h.clock.icount = ic;
  fmemAt.fld(h, op, va);
}
export function FSW(h: Hart, va: number, op: Op, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o && (o & 3) === 0 && (h.mstatus & MSTATUS_FS) !== 0) { h.wI32[i][o >> 2] = h.f[op.s2]; return; }
  h.pc = pc; h.clock.icount = ic;
  fmemAt.fsw(h, op, va);
}
export function FSD(h: Hart, va: number, op: Op, pc: number, ic: number): void {
  const o = va & 4095, i = (va >>> 12) & TLB_MASK;
  if (h.wTag[i] === va - o && (o & 7) === 0 && (h.mstatus & MSTATUS_FS) !== 0) {
    const p = h.wI32[i], f = h.f; p[o >> 2] = f[op.s2]; p[(o >> 2) + 1] = f[op.s2 + 1]; return;
  }
  h.pc = pc; h.clock.icount = ic;
  fmemAt.fsd(h, op, va);
}

/** The helpers by the names the generated source calls them. */
export const BLOCK_MEM = { LB, LBU, LH, LHU, LW, LD, SB, SH, SW, SD, FLW, FLD, FSW, FSD };
