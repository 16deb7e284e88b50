/**
 * Sv39 page-table walk (privileged spec 1.12, section 4.4 and 4.3.2), with hardware update of
 * the A and D bits as QEMU does. Returns a physical address, or PAGE_FAULT / ACCESS_FAULT.
 */
import type { Memory } from './memory.js';
import { CSR, MSTATUS_MXR, MSTATUS_SUM, PRV_M, PRV_U, EXC } from './csr-defs.js';

export const PAGE_FAULT = -1;
export const ACCESS_FAULT = -2;

const TWO32 = 4294967296;
const SV39_LIMIT = 274877906944; // 2^38
const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
const LEVEL_SIZE = [4096, 2097152, 1073741824];

/**
 * Walk the Sv39 tables of satp for `va` with access `acc` (0 read, 1 write, 2 execute) at
 * privilege `prv`. With `update` (a walk whose result a TLB may keep), sets A (and D on
 * writes) in the leaf PTE and marks each page a PTE is read from as a page table (pt-watch.ts).
 */
export function walk(m: Memory, va: number, acc: number, prv: number, update: boolean): number {
  // Bits 63:39 must equal bit 38.
  if (va < -SV39_LIMIT || va >= SV39_LIMIT) return PAGE_FAULT;
  const c = m.csr;
  const ram = m.ram;
  let a = ((c[2 * CSR.satp + 1] & 0xfff) * TWO32 + (c[2 * CSR.satp] >>> 0)) * 4096;
  for (let level = 2; level >= 0; level--) {
    const span = LEVEL_SIZE[level];
    const vpnI = Math.floor(va / span) & 511;
    const pteAddr = a + vpnI * 8;
    if (!ram.contains(pteAddr, 8)) return ACCESS_FAULT;
    const off = pteAddr - ram.base;
    const idx = Math.floor(off / 4096);
    if (update && m.pt.mark[idx] === 0) m.pt.markPage(idx);
    const page = ram.readPageI32(idx);
    const lo = page[(off & 4095) >> 2];
    const hi = page[((off & 4095) >> 2) + 1];
    if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W) return PAGE_FAULT;
    // Bits 63:54 are reserved (no Svpbmt/Svnapot).
    if ((hi >>> 22) !== 0) return PAGE_FAULT;
    const ppn = (hi & 0x3fffff) * 4194304 + (lo >>> 10);
    if ((lo & (PTE_R | PTE_X)) === 0) {
      if (level === 0) return PAGE_FAULT;
      a = ppn * 4096;
      continue;
    }
    // Leaf: privilege and permission checks (none for the debugger).
    if (prv === PRV_U) {
      if ((lo & PTE_U) === 0) return PAGE_FAULT;
    } else if (prv !== PRV_DEBUG && (lo & PTE_U) !== 0 && (acc === 2 || (m.mstatus & MSTATUS_SUM) === 0)) {
      return PAGE_FAULT;
    }
    if (prv === PRV_DEBUG) {
      // any valid leaf
    } else if (acc === 2) {
      if ((lo & PTE_X) === 0) return PAGE_FAULT;
    } else if (acc === 0) {
      if ((lo & PTE_R) === 0 && !((m.mstatus & MSTATUS_MXR) !== 0 && (lo & PTE_X) !== 0)) return PAGE_FAULT;
    } else if ((lo & PTE_W) === 0) {
      return PAGE_FAULT;
    }
    // A superpage's PPN must be aligned to its size.
    const pageNum = span / 4096;
    if (ppn % pageNum !== 0) return PAGE_FAULT;
    if (update) {
      const want = lo | PTE_A | (acc === 1 ? PTE_D : 0);
      if (want !== lo) {
        m.walkStore = true;
        m.physStore(pteAddr, 4, want, 0, NaN, EXC.storeAccess, va);
        m.walkStore = false;
      }
    }
    const inPage = va - Math.floor(va / span) * span;
    return ppn * 4096 + inPage;
  }
  return PAGE_FAULT;
}

/** `walk`'s privilege for the debugger: every valid leaf maps, whatever U, R/W/X, SUM, MXR say. */
const PRV_DEBUG = -1;

/**
 * Translation for the debugger through the hart's current satp: no MPRV, no A/D updates, no
 * faults, and no permission checks: gdb is not the guest, and a kernel developer stopped in
 * a system call reads the user's buffer (SUM clear), or the kernel's variables while the hart
 * runs in U mode. With satp bare, or in M mode, addresses are physical; in M mode (firmware
 * entered from a paged kernel) an upper-half address, which cannot be physical, still goes
 * through satp so the kernel's symbols stay readable.
 */
export function translateDebug(m: Memory, va: number, access: 'r' | 'w' | 'x'): number | undefined {
  const acc = access === 'r' ? 0 : access === 'w' ? 1 : 2;
  const paged = (m.csr[2 * CSR.satp + 1] >>> 28) === 8;
  if (!paged || (m.priv === PRV_M && va >= 0)) {
    // Bare: identity; a negative (>= 2^63 unsigned) address is beyond any physical memory.
    return va < 0 ? undefined : va;
  }
  const pa = walk(m, va, acc, PRV_DEBUG, false);
  return pa >= 0 ? pa : undefined;
}
