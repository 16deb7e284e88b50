/** Zicsr: csrrw/csrrs/csrrc and the immediate forms. A write that may change what is pending, enabled or translated re-evaluates interrupts. */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { csrAllowed, csrRead, csrWrite, csrResult } from '../csr.js';
import { CSR, EXC, MSTATUS_MIE, MSTATUS_SIE } from '../csr-defs.js';

/**
 * CSRs whose writes only store a value used later (by a trap, an xRET, a trap's entry): no
 * interrupt can become deliverable and no translation changes, so execution goes on without
 * looking at interrupts again (a compiled block does not end). Kernels write them on every trap.
 */
const PLAIN = new Uint8Array(4096);
for (const n of [CSR.sscratch, CSR.sepc, CSR.scause, CSR.stval, CSR.stvec, CSR.mscratch, CSR.mepc, CSR.mcause, CSR.mtval, CSR.mtvec]) PLAIN[n] = 1;

/** kind: 0 write, 1 set, 2 clear. `write`: whether the instruction writes the CSR at all. */
function access(h: Hart, op: Op, srcLo: number, srcHi: number, kind: number, write: boolean): void {
  const n = op.imm;
  if (!csrAllowed(h, n, write) || !csrRead(h, n)) h.raise(EXC.illegal, op.raw);
  const oldLo = csrResult.lo, oldHi = csrResult.hi;
  if (write) {
    let lo = srcLo, hi = srcHi;
    if (kind === 1) { lo = oldLo | srcLo; hi = oldHi | srcHi; } else if (kind === 2) { lo = oldLo & ~srcLo; hi = oldHi & ~srcHi; }
    const enables = h.mstatus & (MSTATUS_MIE | MSTATUS_SIE);
    csrWrite(h, n, lo, hi);
    // mstatus/sstatus: data translation follows at once (privChanged), FS/TW/TVM/TSR are
    // checked by the instructions they govern; only an interrupt enable turned on matters,
    // and only if an interrupt is deliverable now (what the loop would find at the next
    // instruction): xv6's scheduler turns SIE on for every process it looks at, and ending
    // the block each time sent its idle harts through the dispatch loop.
    if (n === CSR.mstatus || n === CSR.sstatus) {
      if ((h.mstatus & (MSTATUS_MIE | MSTATUS_SIE) & ~enables) !== 0 && h.pendingInterrupt() >= 0) h.irqCheck = true;
    } else if (PLAIN[n] === 0) h.irqCheck = true;
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
