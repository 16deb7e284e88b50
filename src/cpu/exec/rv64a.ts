/**
 * RV64A: LR/SC with a reservation on the virtual address (as QEMU compares it) and the AMOs.
 * Misaligned addresses trap with load address misaligned (as QEMU 7.2); an SC without a
 * matching reservation fails without accessing memory (so without faulting), as in QEMU.
 * Page faults of SC/AMO are store/AMO page faults, but an access fault (nothing on the bus)
 * is a load access fault: QEMU 7.2 performs such an atomic as a load followed by a store.
 */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { AMO_LR, AMO_RMW } from '../memory.js';
import { EXC } from '../csr-defs.js';
import { TLB_MASK } from '../tlb.js';

const TWO32 = 4294967296;

function addr(h: Hart, op: Op): number {
  return h.x[op.s1 + 1] * TWO32 + (h.x[op.s1] >>> 0);
}

type Op32 = (a: number, b: number) => number;
type Op64 = (alo: number, ahi: number, blo: number, bhi: number) => void;

let outLo = 0, outHi = 0;
const lt = (alo: number, ahi: number, blo: number, bhi: number): boolean => ahi < bhi || (ahi === bhi && (alo >>> 0) < (blo >>> 0));
const ltu = (alo: number, ahi: number, blo: number, bhi: number): boolean =>
  (ahi >>> 0) < (bhi >>> 0) || (ahi === bhi && (alo >>> 0) < (blo >>> 0));
const pick = (c: boolean, alo: number, ahi: number, blo: number, bhi: number): void => {
  if (c) { outLo = alo; outHi = ahi; } else { outLo = blo; outHi = bhi; }
};

function amoW(f: Op32) {
  return (h: Hart, op: Op): void => {
    const va = addr(h, op);
    // A write-TLB hit is a private RAM page without decoded code, writable and readable (no
    // W without R in Sv39), and no entry exists while watchpoints or data triggers are armed:
    // the AMO is then a plain read-modify-write of the word (spinlocks spin here).
    const o = va & 4095, i = (va >>> 12) & TLB_MASK;
    if ((o & 3) === 0 && h.wTag[i] === va - o) {
      const w = h.wI32[i], k = o >> 2;
      const old = w[k];
      w[k] = f(old, h.x[op.s2]);
      if (op.d !== 0) { h.x[op.d] = old; h.x[op.d + 1] = old >> 31; }
      return;
    }
    const pa = h.amoTranslate(va, 4, AMO_RMW);
    const old = h.physLoad(pa, 4, va, EXC.loadAccess, va) | 0;
    h.physStore(pa, 4, f(old, h.x[op.s2]), 0, va, EXC.storeAccess, va);
    if (op.d !== 0) { h.x[op.d] = old; h.x[op.d + 1] = old >> 31; }
  };
}
function amoD(f: Op64) {
  return (h: Hart, op: Op): void => {
    const va = addr(h, op);
    const o = va & 4095, i = (va >>> 12) & TLB_MASK;
    if ((o & 7) === 0 && h.wTag[i] === va - o) {
      const w = h.wI32[i], k = o >> 2;
      const lo = w[k], hi = w[k + 1];
      f(lo, hi, h.x[op.s2], h.x[op.s2 + 1]);
      w[k] = outLo; w[k + 1] = outHi;
      if (op.d !== 0) { h.x[op.d] = lo; h.x[op.d + 1] = hi; }
      return;
    }
    const pa = h.amoTranslate(va, 8, AMO_RMW);
    h.physLoad(pa, 8, va, EXC.loadAccess, va);
    const lo = h.rlo, hi = h.rhi;
    f(lo, hi, h.x[op.s2], h.x[op.s2 + 1]);
    h.physStore(pa, 8, outLo, outHi, va, EXC.storeAccess, va);
    if (op.d !== 0) { h.x[op.d] = lo; h.x[op.d + 1] = hi; }
  };
}

export const rv64a = {
  'lr.w'(h: Hart, op: Op): void {
    const va = addr(h, op);
    const o = va & 4095, i = (va >>> 12) & TLB_MASK;
    const v = (o & 3) === 0 && h.rTag[i] === va - o ? h.rI32[i][o >> 2]
      : h.physLoad(h.amoTranslate(va, 4, AMO_LR), 4, va, EXC.loadAccess, va) | 0;
    h.reservation = va;
    if (op.d !== 0) { h.x[op.d] = v; h.x[op.d + 1] = v >> 31; }
  },
  'lr.d'(h: Hart, op: Op): void {
    const va = addr(h, op);
    const o = va & 4095, i = (va >>> 12) & TLB_MASK;
    if ((o & 7) === 0 && h.rTag[i] === va - o) {
      const r = h.rI32[i], k = o >> 2;
      h.rlo = r[k]; h.rhi = r[k + 1];
    } else h.physLoad(h.amoTranslate(va, 8, AMO_LR), 8, va, EXC.loadAccess, va);
    h.reservation = va;
    if (op.d !== 0) { h.x[op.d] = h.rlo; h.x[op.d + 1] = h.rhi; }
  },
  'sc.w'(h: Hart, op: Op): void {
    const va = addr(h, op);
    let fail = 1;
    if (h.reservation === va) {
      const o = va & 4095, i = (va >>> 12) & TLB_MASK;
      if ((o & 3) === 0 && h.wTag[i] === va - o) h.wI32[i][o >> 2] = h.x[op.s2];
      else h.physStore(h.amoTranslate(va, 4, AMO_RMW), 4, h.x[op.s2], 0, va, EXC.loadAccess, va);
      fail = 0;
    }
    h.reservation = NaN;
    if (op.d !== 0) { h.x[op.d] = fail; h.x[op.d + 1] = 0; }
  },
  'sc.d'(h: Hart, op: Op): void {
    const va = addr(h, op);
    let fail = 1;
    if (h.reservation === va) {
      const o = va & 4095, i = (va >>> 12) & TLB_MASK;
      if ((o & 7) === 0 && h.wTag[i] === va - o) { const w = h.wI32[i], k = o >> 2; w[k] = h.x[op.s2]; w[k + 1] = h.x[op.s2 + 1]; }
      else h.physStore(h.amoTranslate(va, 8, AMO_RMW), 8, h.x[op.s2], h.x[op.s2 + 1], va, EXC.loadAccess, va);
      fail = 0;
    }
    h.reservation = NaN;
    if (op.d !== 0) { h.x[op.d] = fail; h.x[op.d + 1] = 0; }
  },
  'amoswap.w': amoW((_a, b) => b),
  'amoadd.w': amoW((a, b) => (a + b) | 0),
  'amoxor.w': amoW((a, b) => a ^ b),
  'amoand.w': amoW((a, b) => a & b),
  'amoor.w': amoW((a, b) => a | b),
  'amomin.w': amoW((a, b) => (a < b ? a : b)),
  'amomax.w': amoW((a, b) => (a > b ? a : b)),
  'amominu.w': amoW((a, b) => ((a >>> 0) < (b >>> 0) ? a : b)),
  'amomaxu.w': amoW((a, b) => ((a >>> 0) > (b >>> 0) ? a : b)),
  'amoswap.d': amoD((_al, _ah, bl, bh) => { outLo = bl; outHi = bh; }),
  'amoadd.d': amoD((al, ah, bl, bh) => {
    const lo = (al + bl) | 0;
    outHi = (ah + bh + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0; outLo = lo;
  }),
  'amoxor.d': amoD((al, ah, bl, bh) => { outLo = al ^ bl; outHi = ah ^ bh; }),
  'amoand.d': amoD((al, ah, bl, bh) => { outLo = al & bl; outHi = ah & bh; }),
  'amoor.d': amoD((al, ah, bl, bh) => { outLo = al | bl; outHi = ah | bh; }),
  'amomin.d': amoD((al, ah, bl, bh) => pick(lt(al, ah, bl, bh), al, ah, bl, bh)),
  'amomax.d': amoD((al, ah, bl, bh) => pick(!lt(al, ah, bl, bh), al, ah, bl, bh)),
  'amominu.d': amoD((al, ah, bl, bh) => pick(ltu(al, ah, bl, bh), al, ah, bl, bh)),
  'amomaxu.d': amoD((al, ah, bl, bh) => pick(!ltu(al, ah, bl, bh), al, ah, bl, bh)),
};
