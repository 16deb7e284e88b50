/** Zicsr: csrrw/csrrs/csrrc and the immediate forms. A write re-evaluates pending interrupts. */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { csrAllowed, csrRead, csrWrite, csrResult } from '../csr.js';
import { EXC } from '../csr-defs.js';

/** kind: 0 write, 1 set, 2 clear. `write`: whether the instruction writes the CSR at all. */
function access(h: Hart, op: Op, srcLo: number, srcHi: number, kind: number, write: boolean): void {
  const n = op.imm;
  if (!csrAllowed(h, n, write) || !csrRead(h, n)) h.raise(EXC.illegal, op.raw);
  const oldLo = csrResult.lo, oldHi = csrResult.hi;
  if (write) {
    let lo = srcLo, hi = srcHi;
    if (kind === 1) { lo = oldLo | srcLo; hi = oldHi | srcHi; } else if (kind === 2) { lo = oldLo & ~srcLo; hi = oldHi & ~srcHi; }
    csrWrite(h, n, lo, hi);
    h.irqCheck = true;
  }
  if (op.d !== 0) { h.x[op.d] = oldLo; h.x[op.d + 1] = oldHi; }
}

export const zicsr = {
  csrrw(h: Hart, op: Op): void { access(h, op, h.x[op.s1], h.x[op.s1 + 1], 0, true); },
  csrrs(h: Hart, op: Op): void { access(h, op, h.x[op.s1], h.x[op.s1 + 1], 1, op.s1 !== 0); },
  csrrc(h: Hart, op: Op): void { access(h, op, h.x[op.s1], h.x[op.s1 + 1], 2, op.s1 !== 0); },
  csrrwi(h: Hart, op: Op): void { access(h, op, op.s1 >> 1, 0, 0, true); },
  csrrsi(h: Hart, op: Op): void { access(h, op, op.s1 >> 1, 0, 1, op.s1 !== 0); },
  csrrci(h: Hart, op: Op): void { access(h, op, op.s1 >> 1, 0, 2, op.s1 !== 0); },
};
