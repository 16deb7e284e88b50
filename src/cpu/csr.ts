/**
 * CSR read/write with the WARL rules of the privileged spec 1.12 (and QEMU 7.2 where the spec
 * leaves a choice). Access checks (privilege, read-only, FS, counter enables, TVM) are in
 * csrAllowed; csrRead/csrWrite have no guest-visible side effects other than the write itself.
 */
import type { Hart } from './hart.js';
import {
  CSR, MSTATUS_WMASK, SSTATUS_MASK, MSTATUS_HI_XL, MSTATUS_FS, MSTATUS_MPP, MSTATUS_TVM,
  MEDELEG_MASK, S_INTS, ALL_INTS, MIP_SSIP, MIP_SEIP, MIP_STIP, MISA_LO, MISA_HI, PRV_M, PRV_S, PRV_U,
  MENVCFG_HI_STCE, COUNTEREN_TM,
} from './csr-defs.js';
import { TINFO } from './trigger.js';

/** Result of csrRead. */
export const csrResult = { lo: 0, hi: 0 };

const TWO32 = 4294967296;

/** CSRs held as plain 64-bit storage in hart.csr. */
const PLAIN = new Set<number>([
  CSR.stvec, CSR.scounteren, CSR.senvcfg, CSR.sscratch, CSR.sepc, CSR.scause, CSR.stval, CSR.satp,
  CSR.medeleg, CSR.mideleg, CSR.mie, CSR.mtvec, CSR.mcounteren, CSR.menvcfg, CSR.mcountinhibit,
  CSR.mscratch, CSR.mepc, CSR.mcause, CSR.mtval, CSR.pmpcfg0, CSR.pmpcfg2, CSR.stimecmp,
]);
for (let i = 0; i < 16; i++) PLAIN.add(CSR.pmpaddr0 + i);

/** Every CSR number this hart implements. */
export const IMPLEMENTED_CSRS: number[] = (() => {
  const l = [CSR.fflags, CSR.frm, CSR.fcsr, CSR.sstatus, CSR.sie, CSR.sip, CSR.mstatus, CSR.misa, CSR.mip,
    CSR.mvendorid, CSR.marchid, CSR.mimpid, CSR.mhartid, CSR.mconfigptr, CSR.mcycle, CSR.minstret,
    CSR.tselect, CSR.tdata1, CSR.tdata2, CSR.tdata3, CSR.tinfo, ...PLAIN];
  for (let i = 0; i < 32; i++) l.push(0xc00 + i);
  for (let i = 3; i < 32; i++) l.push(0xb00 + i, 0x320 + i);
  return [...new Set(l)].sort((a, b) => a - b);
})();
/** 1 per implemented CSR number, 2 for the PLAIN ones (a table: kernels read CSRs constantly). */
const KIND = new Uint8Array(4096);
for (const n of IMPLEMENTED_CSRS) KIND[n] = 1;
for (const n of PLAIN) KIND[n] = 2;

/**
 * Who must hear of writes to the Sstc timer CSRs (stimecmp, menvcfg): the board, which drives
 * STIP from `time >= stimecmp` and schedules the deadline. Keyed by hart so that several
 * machines can live in one process.
 */
const timerCsrListeners = new WeakMap<Hart, () => void>();

/** Call `fn` after every guest write of stimecmp or menvcfg on hart `h` (Sstc). */
export function onTimerCsrWrite(h: Hart, fn: () => void): void {
  timerCsrListeners.set(h, fn);
}

/** Whether menvcfg.STCE is set: stimecmp then drives STIP, which software cannot write. */
export function sstcEnabled(h: Hart): boolean {
  return (h.csr[2 * CSR.menvcfg + 1] & MENVCFG_HI_STCE) !== 0;
}

function set64(v: number): void {
  const hi = Math.floor(v / TWO32); // floor: negative v has hi = -1
  csrResult.lo = (v - hi * TWO32) | 0;
  csrResult.hi = hi | 0;
}

/** The SD bit (63) as part of the high word. */
function sd(h: Hart): number {
  return (h.mstatus & MSTATUS_FS) === MSTATUS_FS ? 0x80000000 | 0 : 0;
}

/** Read CSR n into csrResult; false if not implemented. */
export function csrRead(h: Hart, n: number): boolean {
  const kind = KIND[n];
  if (kind === 0) return false;
  const c = h.csr;
  csrResult.hi = 0;
  switch (n) {
    case CSR.fflags: csrResult.lo = h.fcsr & 0x1f; return true;
    case CSR.frm: csrResult.lo = (h.fcsr >>> 5) & 7; return true;
    case CSR.fcsr: csrResult.lo = h.fcsr & 0xff; return true;
    case CSR.sstatus: csrResult.lo = h.mstatus & SSTATUS_MASK; csrResult.hi = 2 | sd(h); return true;
    case CSR.mstatus: csrResult.lo = h.mstatus; csrResult.hi = MSTATUS_HI_XL | sd(h); return true;
    case CSR.misa: csrResult.lo = MISA_LO; csrResult.hi = MISA_HI; return true;
    case CSR.sie: csrResult.lo = c[2 * CSR.mie] & c[2 * CSR.mideleg]; return true;
    case CSR.sip: csrResult.lo = h.mip() & c[2 * CSR.mideleg]; return true;
    case CSR.mip: csrResult.lo = h.mip(); return true;
    case CSR.mhartid: csrResult.lo = h.hartid; return true;
    case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mconfigptr: csrResult.lo = 0; return true;
    case CSR.cycle: case CSR.mcycle: set64(h.steps() + h.cycleOffset); return true;
    case CSR.instret: case CSR.minstret: set64(h.steps() + h.instretOffset); return true;
    case CSR.time: set64(h.clock.mtime()); return true;
    case CSR.tselect: csrResult.lo = h.triggers.tselect; return true;
    case CSR.tinfo: csrResult.lo = TINFO; return true;
    case CSR.tdata1: case CSR.tdata2: case CSR.tdata3: {
      const [lo, hi] = h.triggers.read(n - CSR.tselect);
      csrResult.lo = lo; csrResult.hi = hi;
      return true;
    }
  }
  if (kind === 2) { csrResult.lo = c[2 * n]; csrResult.hi = c[2 * n + 1]; return true; }
  // hpmcounter3..31, mhpmcounter3..31, mhpmevent3..31: hardwired to zero.
  csrResult.lo = 0;
  return true;
}

/** Whether the current privilege may access CSR n (read, or write if `write`). */
export function csrAllowed(h: Hart, n: number, write: boolean): boolean {
  if (h.priv < ((n >>> 8) & 3)) return false;
  if (write && ((n >>> 10) & 3) === 3) return false;
  if (n <= CSR.fcsr && (h.mstatus & MSTATUS_FS) === 0) return false;
  if (n >= 0xc00 && n <= 0xc1f && h.priv !== PRV_M) {
    const bit = 1 << (n & 31);
    if ((h.csr[2 * CSR.mcounteren] & bit) === 0) return false;
    if (h.priv === PRV_U && (h.csr[2 * CSR.scounteren] & bit) === 0) return false;
  }
  if (n === CSR.satp && h.priv === PRV_S && (h.mstatus & MSTATUS_TVM) !== 0) return false;
  // Sstc: below M, stimecmp needs mcounteren.TM and menvcfg.STCE.
  if (n === CSR.stimecmp && h.priv !== PRV_M && ((h.csr[2 * CSR.mcounteren] & COUNTEREN_TM) === 0 || !sstcEnabled(h))) return false;
  return true;
}

/** Write CSR n (must be implemented and writable) applying its WARL rules. */
export function csrWrite(h: Hart, n: number, lo: number, hi: number): void {
  const c = h.csr;
  switch (n) {
    case CSR.fflags: h.fcsr = (h.fcsr & ~0x1f) | (lo & 0x1f); h.mstatus |= MSTATUS_FS; return;
    case CSR.frm: h.fcsr = (h.fcsr & 0x1f) | ((lo & 7) << 5); h.mstatus |= MSTATUS_FS; return;
    case CSR.fcsr: h.fcsr = lo & 0xff; h.mstatus |= MSTATUS_FS; return;
    case CSR.mstatus: {
      let v = (h.mstatus & ~MSTATUS_WMASK) | (lo & MSTATUS_WMASK);
      // MPP is WARL: the reserved value 2 (H) reads back as U.
      if (((v & MSTATUS_MPP) >>> 11) === 2) v &= ~MSTATUS_MPP;
      h.mstatus = v;
      h.privChanged();
      return;
    }
    case CSR.sstatus:
      h.mstatus = (h.mstatus & ~SSTATUS_MASK) | (lo & SSTATUS_MASK);
      h.privChanged();
      return;
    case CSR.misa: return; // fixed extensions
    case CSR.medeleg: c[2 * n] = lo & MEDELEG_MASK; return;
    case CSR.mideleg: c[2 * n] = lo & S_INTS; return;
    case CSR.mie: c[2 * n] = lo & ALL_INTS; return;
    case CSR.sie: {
      const m = c[2 * CSR.mideleg];
      c[2 * CSR.mie] = (c[2 * CSR.mie] & ~m) | (lo & m);
      return;
    }
    case CSR.mip: {
      // SEIP reads as the PLIC line OR the software bit. A csrs/csrc that leaves SEIP as it
      // read it must not latch the line into the software bit (priv spec 3.1.9).
      const sw = c[2 * CSR.mip];
      // With Sstc on, STIP is stimecmp's line and read-only.
      const wmask = sstcEnabled(h) ? S_INTS & ~MIP_STIP : S_INTS;
      let v = lo & wmask;
      if (((lo ^ h.mip()) & MIP_SEIP) === 0) v = (v & ~MIP_SEIP) | (sw & MIP_SEIP);
      c[2 * CSR.mip] = (sw & ~wmask) | v;
      return;
    }
    case CSR.sip: {
      const m = MIP_SSIP & c[2 * CSR.mideleg];
      c[2 * CSR.mip] = (c[2 * CSR.mip] & ~m) | (lo & m);
      return;
    }
    case CSR.mtvec: case CSR.stvec:
      if ((lo & 3) >= 2) return; // reserved modes: write ignored
      c[2 * n] = lo; c[2 * n + 1] = hi;
      return;
    case CSR.mepc: case CSR.sepc: c[2 * n] = lo & ~1; c[2 * n + 1] = hi; return;
    case CSR.satp: {
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8) return; // unsupported modes: write ignored
      c[2 * n] = lo; c[2 * n + 1] = hi;
      h.privChanged();
      return;
    }
    case CSR.mcounteren: case CSR.scounteren: c[2 * n] = lo; return;
    case CSR.senvcfg: c[2 * n] = lo & 1; c[2 * n + 1] = 0; return; // FIOM only
    case CSR.menvcfg: {
      // FIOM and STCE (Sstc). Turning STCE on hands STIP to the comparator.
      c[2 * n] = lo & 1; c[2 * n + 1] = hi & MENVCFG_HI_STCE;
      if (sstcEnabled(h)) c[2 * CSR.mip] &= ~MIP_STIP;
      timerCsrListeners.get(h)?.();
      return;
    }
    case CSR.stimecmp: c[2 * n] = lo; c[2 * n + 1] = hi; timerCsrListeners.get(h)?.(); return;
    case CSR.mcountinhibit: c[2 * n] = lo & ~2; return;
    case CSR.pmpcfg0: case CSR.pmpcfg2: c[2 * n] = lo; c[2 * n + 1] = hi; return;
    case CSR.mcycle: h.cycleOffset = (hi >>> 0) * TWO32 + (lo >>> 0) - h.steps(); return;
    case CSR.minstret: h.instretOffset = (hi >>> 0) * TWO32 + (lo >>> 0) - h.steps(); return;
    case CSR.mvendorid: case CSR.marchid: case CSR.mimpid: case CSR.mhartid: case CSR.mconfigptr: return;
    case CSR.tselect: h.triggers.writeSelect(lo, hi); return;
    case CSR.tinfo: return; // read-only in QEMU 7.2 (writes ignored, no trap)
    case CSR.tdata1: case CSR.tdata2: case CSR.tdata3:
      if (h.triggers.write(n - CSR.tselect, lo, hi)) h.triggersChanged();
      return;
  }
  if (n >= CSR.pmpaddr0 && n < CSR.pmpaddr0 + 16) { c[2 * n] = lo; c[2 * n + 1] = hi & 0x3fffff; return; }
  if (KIND[n] === 2) { c[2 * n] = lo; c[2 * n + 1] = hi; return; }
  // Hardwired-zero counters and events: writes ignored.
}
