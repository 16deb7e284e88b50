/**
 * The direct-mapped TLBs of a hart (read, write, fetch), as sets kept per translation context.
 *
 * A context is what decides a translation besides the page tables: satp, the fetch privilege
 * and the data privilege (MPRV/MPP), SUM and MXR. Traps, `sret`/`mret`, `sstatus` and satp
 * writes move between contexts many thousand times a second (xv6 switches satp at every trap,
 * a kernel at every process switch); each context keeps its own set, so that coming back to
 * it finds its entries (the page walks are what a flush really costs). The entries stay
 * coherent with the page tables (pt-watch.ts), so neither a satp write nor `sfence.vma` has
 * to drop them. Each TLB lists the entries filled since its last flush, so a flush, a
 * refresh or a search for a page costs what is in use, not the TLB size.
 *
 * Each set's read and write entries are mirrored in the hart's wasm area (a region of the
 * machine's arena, bus/arena.ts) for the wasm tier's inline probes: per entry 16 bytes, the
 * virtual page base + 1 as an i64 (0: no entry; the + 1 makes zeroed memory empty) and the
 * arena offset of the page buffer (i32). Only entries whose buffer lies in that memory are
 * mirrored; every change to an entry goes through `syncR`/`syncW`, so what the mirror holds
 * is always a subset of what the JS entries hold.
 */
import type { PagedRam } from '../bus/ram.js';
import { MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, PRV_M } from './csr-defs.js';

const TLB_SIZE = 1024;
/** Bytes of one entry of a set's mirror, and of a set's mirror (read entries, then write entries). */
export const MIRROR_ENTRY = 16;
export const MIRROR_BYTES = 2 * TLB_SIZE * MIRROR_ENTRY;
/** Byte offset of the write entries in a set's mirror. */
export const MIRROR_WRITE = TLB_SIZE * MIRROR_ENTRY;
/** Index mask of the direct-mapped TLBs (block-mem.ts does the same lookup for compiled blocks). */
export const TLB_MASK = TLB_SIZE - 1;
const DUMMY_U8 = new Uint8Array(4096);
const DUMMY_I32 = new Int32Array(1024);
/**
 * Sets per hart: U and S for several address spaces, M, and MPRV or SUM/MXR variants. xv6
 * uses two contexts per process (user code, and its trampoline in S mode) and the kernel's:
 * with 16 sets, 8 processes took turns evicting each other (the os bench guest walked twice
 * as much as with 32).
 */
export const TLB_SETS = 32;

/**
 * The translation context of `priv` and `mstatus` as a small integer: equal keys translate
 * every address the same way (for the same satp and page tables).
 */
export function tlbContext(priv: number, mstatus: number): number {
  const dataPriv = (mstatus & MSTATUS_MPRV) !== 0 ? (mstatus >>> 11) & 3 : priv;
  // Without translation (M) SUM and MXR do not matter.
  const data = dataPriv === PRV_M ? 3 : dataPriv | ((mstatus & MSTATUS_SUM) !== 0 ? 4 : 0) | ((mstatus & MSTATUS_MXR) !== 0 ? 8 : 0);
  return priv | (data << 2);
}

/**
 * The indices of a TLB's entries filled since its last flush. An entry is added when it is
 * filled while empty (page index < 0); one emptied individually and filled again is listed
 * twice, so a full list is compacted to the entries still in use.
 */
export class UsedList {
  readonly at = new Int32Array(2 * TLB_SIZE);
  n = 0;

  add(i: number, page: Int32Array): void {
    if (this.n === this.at.length) {
      let m = 0;
      const seen = new Uint8Array(TLB_SIZE);
      for (let k = 0; k < this.n; k++) {
        const j = this.at[k];
        if (page[j] >= 0 && seen[j] === 0) { seen[j] = 1; this.at[m++] = j; }
      }
      this.n = m;
    }
    this.at[this.n++] = i;
  }

  /** Empty every listed entry (tag NaN, page -1), and in `mirror` (key words from `first`) too. */
  clear(tag: Float64Array, page: Int32Array, mirror: Int32Array | null, first: number): void {
    const at = this.at;
    for (let k = 0; k < this.n; k++) { const i = at[k]; tag[i] = NaN; page[i] = -1; }
    if (mirror !== null) for (let k = 0; k < this.n; k++) mirror[first + 4 * at[k]] = 0;
    this.n = 0;
  }
}

/**
 * One set of TLBs. Read and write entries: the virtual page base (tag), the RAM page index
 * and its views. Fetch entries: the virtual page number and the RAM page index.
 */
export class TlbSet {
  readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly rU8: Uint8Array[] = new Array(TLB_SIZE).fill(DUMMY_U8);
  readonly rI32: Int32Array[] = new Array(TLB_SIZE).fill(DUMMY_I32);
  readonly rPage = new Int32Array(TLB_SIZE).fill(-1);
  readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly wU8: Uint8Array[] = new Array(TLB_SIZE).fill(DUMMY_U8);
  readonly wI32: Int32Array[] = new Array(TLB_SIZE).fill(DUMMY_I32);
  readonly wPage = new Int32Array(TLB_SIZE).fill(-1);
  readonly xTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly xPage = new Int32Array(TLB_SIZE).fill(-1);
  readonly rUsed = new UsedList();
  readonly wUsed = new UsedList();
  readonly xUsed = new UsedList();
  /** Translation context (tlbContext) the entries are for; -1 for none. */
  context = -1;
  /** With it, satp (0 when bare or when nothing is translated): high and low words. */
  satpHi = 0;
  satpLo = 0;
  /**
   * Identifies the translations and compiled code block links were made under: renewed when
   * the set is flushed or given to another context, and for every set when code is dropped.
   */
  epoch = 0;
  /** When it was last made current (for choosing which set a new context takes). */
  lastUse = 0;
  /**
   * PagedRam.generation the entries' page buffers are valid for: a set that is not current
   * is brought up to date only when it becomes current again.
   */
  generation = -1;
  /** The mirror as int32 words (null: none), the buffer its entries may point into, and its offset there. */
  private mirror: Int32Array | null = null;
  private mirrorBuf: ArrayBufferLike | null = null;
  mirrorBase = -1;

  /** Mirror the read and write entries at byte `base` of `buf` (MIRROR_BYTES, zeroed). */
  attachMirror(buf: ArrayBuffer, base: number): void {
    this.mirror = new Int32Array(buf, base, MIRROR_BYTES >> 2);
    this.mirrorBuf = buf;
    this.mirrorBase = base;
    const ru = this.rUsed, wu = this.wUsed;
    for (let k = 0; k < ru.n; k++) this.syncR(ru.at[k]);
    for (let k = 0; k < wu.n; k++) this.syncW(wu.at[k]);
  }

  /** Bring the mirror of read entry i in line with the entry. */
  syncR(i: number): void {
    const m = this.mirror;
    if (m !== null) mirrorEntry(m, 4 * i, this.rTag[i], this.rU8[i], this.mirrorBuf);
  }

  /** Bring the mirror of write entry i in line with the entry. */
  syncW(i: number): void {
    const m = this.mirror;
    if (m !== null) mirrorEntry(m, (MIRROR_WRITE >> 2) + 4 * i, this.wTag[i], this.wU8[i], this.mirrorBuf);
  }

  flushData(): void {
    this.rUsed.clear(this.rTag, this.rPage, this.mirror, 0);
    this.dropAllWrite();
  }

  dropAllWrite(): void {
    this.wUsed.clear(this.wTag, this.wPage, this.mirror, MIRROR_WRITE >> 2);
  }

  flush(): void {
    this.flushData();
    this.xUsed.clear(this.xTag, this.xPage, null, 0);
  }

  /** Read entries of RAM page `idx` point at its current buffer. */
  refreshRead(ram: PagedRam, idx: number): void {
    const rp = this.rPage, used = this.rUsed;
    for (let k = 0; k < used.n; k++) {
      const i = used.at[k];
      if (rp[i] === idx) { this.rU8[i] = ram.readPageU8(idx); this.rI32[i] = ram.readPageI32(idx); this.syncR(i); }
    }
  }

  /**
   * Page buffers may have been replaced (another hart's copy-on-write or allocation) while
   * every translation stands: point read entries at the current buffers, drop write entries
   * whose page is no longer private or no longer the same buffer.
   */
  refreshAll(ram: PagedRam): void {
    const rp = this.rPage, ru = this.rUsed;
    for (let k = 0; k < ru.n; k++) {
      const i = ru.at[k], idx = rp[i];
      if (idx >= 0) { this.rU8[i] = ram.readPageU8(idx); this.rI32[i] = ram.readPageI32(idx); this.syncR(i); }
    }
    const wp = this.wPage, wu = this.wUsed;
    for (let k = 0; k < wu.n; k++) {
      const i = wu.at[k], idx = wp[i];
      if (idx >= 0 && (!ram.isPrivate(idx) || this.wU8[i] !== ram.readPageU8(idx))) { this.wTag[i] = NaN; wp[i] = -1; this.syncW(i); }
    }
  }

  /** Drop the write entries of RAM page `idx`. */
  dropWrite(idx: number): void {
    const wp = this.wPage, used = this.wUsed;
    for (let k = 0; k < used.n; k++) { const i = used.at[k]; if (wp[i] === idx) { this.wTag[i] = NaN; wp[i] = -1; this.syncW(i); } }
  }

  /** Drop the write entries of the RAM pages marked in `mark`. */
  dropWriteMarked(mark: Uint8Array): void {
    const wp = this.wPage, used = this.wUsed;
    for (let k = 0; k < used.n; k++) { const i = used.at[k]; if (wp[i] >= 0 && mark[wp[i]] !== 0) { this.wTag[i] = NaN; wp[i] = -1; this.syncW(i); } }
  }

  /** Drop the read and write entries of RAM page `idx`. */
  dropData(idx: number): void {
    const rp = this.rPage, used = this.rUsed;
    for (let k = 0; k < used.n; k++) { const i = used.at[k]; if (rp[i] === idx) { this.rTag[i] = NaN; rp[i] = -1; this.syncR(i); } }
    this.dropWrite(idx);
  }

  /** Push the RAM pages writable through the write entries. */
  writablePages(out: number[]): void {
    const wp = this.wPage, used = this.wUsed;
    for (let k = 0; k < used.n; k++) { const i = used.at[k]; if (wp[i] >= 0) out.push(wp[i]); }
  }
}

/**
 * Mirror one entry at int32 word `w` of `m`: the key (page base + 1, lo and hi words) and the
 * buffer's offset when the page lies in the mirrored memory, else no entry (key 0). Written
 * offset first, key last, though nothing runs in between (wasm code runs only between calls).
 */
function mirrorEntry(m: Int32Array, w: number, tag: number, u: Uint8Array, buf: ArrayBufferLike | null): void {
  if (tag !== tag || u.buffer !== buf) { m[w] = 0; return; }
  m[w + 2] = u.byteOffset;
  m[w + 1] = Math.floor(tag / 4294967296);
  m[w] = (tag | 0) + 1;
}
