/** Privileged instructions: mret, sret, wfi, sfence.vma (and the illegal-instruction trap). */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { pairToNum } from '../hart.js';
import {
  CSR, EXC, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP,
  MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW, PRV_M, PRV_S, PRV_U,
} from '../csr-defs.js';

export const priv = {
  illegal(h: Hart, op: Op): void { h.raise(EXC.illegal, op.raw >>> 0); },
  mret(h: Hart, op: Op): void {
    if (h.priv < PRV_M) h.raise(EXC.illegal, op.raw >>> 0);
    let ms = h.mstatus;
    const mpp = (ms & MSTATUS_MPP) >>> 11;
    ms = ms & MSTATUS_MPIE ? ms | MSTATUS_MIE : ms & ~MSTATUS_MIE;
    ms = (ms | MSTATUS_MPIE) & ~MSTATUS_MPP;
    if (mpp !== PRV_M) ms &= ~MSTATUS_MPRV;
    h.mstatus = ms;
    h.priv = mpp;
    h.npc = pairToNum(h.csr[2 * CSR.mepc], h.csr[2 * CSR.mepc + 1]);
    h.reservation = NaN; // as QEMU 7.2: an xRET loses the LR reservation
    h.privChanged();
    h.irqCheck = true;
  },
  sret(h: Hart, op: Op): void {
    if (h.priv < PRV_S || (h.priv === PRV_S && (h.mstatus & MSTATUS_TSR) !== 0)) h.raise(EXC.illegal, op.raw >>> 0);
    let ms = h.mstatus;
    const spp = ms & MSTATUS_SPP ? PRV_S : PRV_U;
    ms = ms & MSTATUS_SPIE ? ms | MSTATUS_SIE : ms & ~MSTATUS_SIE;
    ms = (ms | MSTATUS_SPIE) & ~MSTATUS_SPP & ~MSTATUS_MPRV;
    h.mstatus = ms;
    h.priv = spp;
    h.npc = pairToNum(h.csr[2 * CSR.sepc], h.csr[2 * CSR.sepc + 1]);
    h.reservation = NaN;
    h.privChanged();
    h.irqCheck = true;
  },
  wfi(h: Hart, op: Op): void {
    // As QEMU 7.2: illegal in U-mode, and in S-mode when mstatus.TW is set.
    if (h.priv === PRV_U || (h.priv === PRV_S && (h.mstatus & MSTATUS_TW) !== 0)) h.raise(EXC.illegal, op.raw >>> 0);
    if ((h.mip() & h.csr[2 * CSR.mie]) === 0) {
      h.wfi = true;
      h.stopAfterThis('wfi');
    }
  },
  'sfence.vma'(h: Hart, op: Op): void {
    if (h.priv === PRV_U || (h.priv === PRV_S && (h.mstatus & MSTATUS_TVM) !== 0)) h.raise(EXC.illegal, op.raw >>> 0);
    // Nothing to drop: the TLBs follow every page-table write as it happens (cpu/pt-watch.ts),
    // so what a fence makes visible already is. It still ends the block (SYSTEM_TAILS).
  },
};
