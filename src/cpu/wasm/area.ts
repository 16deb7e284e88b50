/**
 * The layout of a hart's wasm area (allocated by memory.ts in the machine's arena, so wasm code
 * reaches guest RAM beside it): the integer registers as i64 slots at 0, the pc a wasm block
 * leaves at WASM_NPC (f64), the arena offset of the current TLB set's mirror at WASM_TLB
 * (i32), two flags of block chaining (compile.ts), fcsr, mstatus, the privilege mode, mip's
 * device lines and the f registers (the F/D and sstatus code of wasm blocks, gen-fp.ts and
 * gen-csr.ts), and the sets' mirrors (tlb.ts) from WASM_MIRRORS on, the jump cache and the CSRs. A module of its own, so that the
 * code generator does not import the hart's modules.
 */
import { MIRROR_BYTES, TLB_SETS } from '../tlb.js';

export const WASM_NPC = 512;
export const WASM_TLB = 520;
/** Set (1) by a helper that found the hart asking to leave (irqCheck): no chaining on. */
export const WASM_STOP = 524;
/** 1 while blocks may chain without returning to the run loop (no breakpoints, no execute triggers). */
export const WASM_CHAIN = 528;
/** The hart's fetchEpoch (Memory.fetchEpoch), for the jump cache's entries. */
export const WASM_EPOCH = 532;
/** fcsr (i32): the hart's fcsr lives here (Hart.fcsr), so wasm F/D code accrues fflags in place. */
export const WASM_FCSR = 536;
/**
 * mstatus bits 31:0 (i32): the hart's mstatus lives here (Memory.mstatus), so wasm code reads
 * FS and reads and writes sstatus in place.
 */
export const WASM_MSTATUS = 540;
/** The privilege mode (i32, Memory.priv lives here): wasm code checks a CSR access's privilege. */
export const WASM_PRIV = 544;
/** mip's device lines (i32, Memory.mipHw lives here): wasm code sees whether an interrupt is pending. */
export const WASM_MIPHW = 548;
/** f0..f31 as 64-bit slots (the hart's `f` Uint32Array is a view of them). */
export const WASM_F = 1024;
export const WASM_MIRRORS = 4096;
/**
 * The jump cache (compile.ts): a direct-mapped table from a block's pc to its slot in the
 * hart's function table, filled by the run loop as it enters wasm blocks, so that a module's
 * dispatcher runs on into blocks of other modules without returning to JavaScript. Entry i
 * (16 bytes) is the pc (f64), the fetchEpoch it was made under (i32, valid only while that
 * is the hart's), and slot << 8 | instructions per pass (i32).
 */
export const WASM_JCACHE = WASM_MIRRORS + TLB_SETS * MIRROR_BYTES;
export const JCACHE_ENTRIES = 4096;
/** The CSR storage (Memory.csr: CSR n's low word at 8n, high at 8n + 4), read by wasm code. */
export const WASM_CSR = WASM_JCACHE + 16 * JCACHE_ENTRIES;
export const WASM_AREA = WASM_CSR + 8 * 4096;

/** The jump cache entry of `pc`: from the low word of the pc as an integer (wasm: i64.trunc_sat_f64_s, wrap). */
export function jcacheIndex(pc: number): number {
  return ((pc | 0) >>> 1) & (JCACHE_ENTRIES - 1);
}
