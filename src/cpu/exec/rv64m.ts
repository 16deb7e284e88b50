/** RV64M: multiply and divide, with the spec's results for division by zero and overflow. */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { r, qr, mul, mulh, mulhsu, mulhu, divu64, div64 } from '../../isa/u64.js';

function setR(x: Int32Array, d: number): void { x[d] = r.lo; x[d + 1] = r.hi; }
function setW(x: Int32Array, d: number, v: number): void { x[d] = v; x[d + 1] = v >> 31; }
const MIN_HI = 0x80000000 | 0;

export const rv64m = {
  mul(h: Hart, op: Op): void { const x = h.x; mul(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]); setR(x, op.d); },
  mulh(h: Hart, op: Op): void { const x = h.x; mulh(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]); setR(x, op.d); },
  mulhsu(h: Hart, op: Op): void { const x = h.x; mulhsu(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]); setR(x, op.d); },
  mulhu(h: Hart, op: Op): void { const x = h.x; mulhu(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]); setR(x, op.d); },
  div(h: Hart, op: Op): void {
    const x = h.x, alo = x[op.s1], ahi = x[op.s1 + 1], blo = x[op.s2], bhi = x[op.s2 + 1];
    if (blo === 0 && bhi === 0) { x[op.d] = -1; x[op.d + 1] = -1; return; }
    if (alo === 0 && ahi === MIN_HI && blo === -1 && bhi === -1) { x[op.d] = alo; x[op.d + 1] = ahi; return; }
    div64(alo, ahi, blo, bhi); x[op.d] = qr.qlo; x[op.d + 1] = qr.qhi;
  },
  divu(h: Hart, op: Op): void {
    const x = h.x, blo = x[op.s2], bhi = x[op.s2 + 1];
    if (blo === 0 && bhi === 0) { x[op.d] = -1; x[op.d + 1] = -1; return; }
    divu64(x[op.s1], x[op.s1 + 1], blo, bhi); x[op.d] = qr.qlo; x[op.d + 1] = qr.qhi;
  },
  rem(h: Hart, op: Op): void {
    const x = h.x, alo = x[op.s1], ahi = x[op.s1 + 1], blo = x[op.s2], bhi = x[op.s2 + 1];
    if (blo === 0 && bhi === 0) { x[op.d] = alo; x[op.d + 1] = ahi; return; }
    if (alo === 0 && ahi === MIN_HI && blo === -1 && bhi === -1) { x[op.d] = 0; x[op.d + 1] = 0; return; }
    div64(alo, ahi, blo, bhi); x[op.d] = qr.rlo; x[op.d + 1] = qr.rhi;
  },
  remu(h: Hart, op: Op): void {
    const x = h.x, alo = x[op.s1], ahi = x[op.s1 + 1], blo = x[op.s2], bhi = x[op.s2 + 1];
    if (blo === 0 && bhi === 0) { x[op.d] = alo; x[op.d + 1] = ahi; return; }
    divu64(alo, ahi, blo, bhi); x[op.d] = qr.rlo; x[op.d + 1] = qr.rhi;
  },
  mulw(h: Hart, op: Op): void { setW(h.x, op.d, Math.imul(h.x[op.s1], h.x[op.s2])); },
  divw(h: Hart, op: Op): void {
    const a = h.x[op.s1], b = h.x[op.s2];
    setW(h.x, op.d, b === 0 ? -1 : a === MIN_HI && b === -1 ? a : (a / b) | 0);
  },
  divuw(h: Hart, op: Op): void {
    const a = h.x[op.s1] >>> 0, b = h.x[op.s2] >>> 0;
    setW(h.x, op.d, b === 0 ? -1 : Math.floor(a / b) | 0);
  },
  remw(h: Hart, op: Op): void {
    const a = h.x[op.s1], b = h.x[op.s2];
    setW(h.x, op.d, b === 0 ? a : a === MIN_HI && b === -1 ? 0 : (a % b) | 0);
  },
  remuw(h: Hart, op: Op): void {
    const a = h.x[op.s1] >>> 0, b = h.x[op.s2] >>> 0;
    setW(h.x, op.d, b === 0 ? a | 0 : (a % b) | 0);
  },
};

export const RV64M_PURE = Object.keys(rv64m);
