/**
 * Guest RAM as 4 KiB pages, each its own typed array, shared copy-on-write with snapshots.
 *
 * A snapshot copies the page-reference array and marks every page shared; the first write
 * to a shared page copies it. Restoring swaps the references back. Pages never written
 * are absent (`null`) and read as zeros, so a 128 MiB guest costs only what it touches.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

const ZERO_PAGE_U8 = new Uint8Array(PAGE_SIZE);
/**
 * New pages are carved out of slabs of this many pages: copy-on-write while recording makes
 * thousands of pages a second, and one ArrayBuffer each costs twice the copy. Pages copied
 * together mostly die together (with the snapshot that thinned them), so slabs stay small.
 */
const SLAB_PAGES = 16;
const ZERO_PAGE_I32 = new Int32Array(ZERO_PAGE_U8.buffer);

/**
 * The page references of a snapshot of RAM (pages themselves are shared, never copied here):
 * the allocated pages only, so that a snapshot of a large, mostly untouched RAM is cheap.
 */
export interface RamSnapshot {
  /** Page indices; u8[k] and i32[k] are the views of page index[k]. */
  readonly index: number[];
  readonly u8: Uint8Array[];
  readonly i32: Int32Array[];
}

export class PagedRam {
  /** Byte views of the pages; `null` means never written (reads as zero). */
  private u8: (Uint8Array | null)[];
  /** Int32 views of the same pages, for aligned word access on the CPU fast path. */
  private i32: (Int32Array | null)[];
  /** 1 where the page is referenced by a snapshot and must be copied before a write. */
  private shared: Uint8Array;
  /** Indices of the pages that are not null. */
  private allocated: number[] = [];
  /**
   * Bumped whenever a page reference changes or pages become shared (allocation, copy on
   * write, snapshot, restore): a CPU holding cached page references must drop them when it
   * differs from the value it saw last.
   */
  generation = 0;
  /** Pages copied on write so far (what snapshots cost while the guest writes memory). */
  pagesCopied = 0;
  /** Called with the page index whenever a page's contents may change by DMA or debugger. */
  onExternalWrite: ((pageIndex: number) => void) | null = null;

  constructor(readonly base: number, readonly size: number) {
    if (size % PAGE_SIZE !== 0) throw new Error(`RAM size ${size} is not a multiple of ${PAGE_SIZE}`);
    const n = size / PAGE_SIZE;
    this.u8 = new Array(n).fill(null);
    this.i32 = new Array(n).fill(null);
    this.shared = new Uint8Array(n);
  }

  get pageCount(): number {
    return this.u8.length;
  }

  /** True if [paddr, paddr+len) lies inside RAM. */
  contains(paddr: number, len = 1): boolean {
    return paddr >= this.base && paddr + len <= this.base + this.size;
  }

  /** Page for reading (a shared zero page if never written). Index is relative to `base`. */
  readPageU8(index: number): Uint8Array {
    return this.u8[index] ?? ZERO_PAGE_U8;
  }

  readPageI32(index: number): Int32Array {
    return this.i32[index] ?? ZERO_PAGE_I32;
  }

  /** True when a write to the page would not need a copy (safe to cache for writing). */
  isPrivate(index: number): boolean {
    return this.u8[index] !== null && this.shared[index] === 0;
  }

  /** Page for writing: allocates or un-shares it first. */
  writablePageU8(index: number): Uint8Array {
    let p = this.u8[index];
    if (p === null || this.shared[index] !== 0) p = this.ownPage(index);
    return p;
  }

  writablePageI32(index: number): Int32Array {
    if (this.u8[index] === null || this.shared[index] !== 0) this.ownPage(index);
    return this.i32[index]!;
  }

  private slab: ArrayBuffer | null = null;
  private slabNext = SLAB_PAGES;

  private ownPage(index: number): Uint8Array {
    const old = this.u8[index];
    if (this.slabNext === SLAB_PAGES) {
      this.slab = new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
      this.slabNext = 0;
    }
    const off = this.slabNext++ * PAGE_SIZE;
    const p = new Uint8Array(this.slab!, off, PAGE_SIZE);
    if (old !== null) {
      p.set(old);
      this.pagesCopied++;
    } else this.allocated.push(index);
    this.u8[index] = p;
    this.i32[index] = new Int32Array(this.slab!, off, PAGE_SIZE >> 2);
    this.shared[index] = 0;
    this.generation++;
    return p;
  }

  /** Copy bytes out of RAM (paddr absolute). Caller checks bounds with `contains`. */
  readBytes(paddr: number, out: Uint8Array): void {
    let off = paddr - this.base;
    let done = 0;
    while (done < out.length) {
      const idx = Math.floor(off / PAGE_SIZE);
      const po = off & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - po, out.length - done);
      out.set(this.readPageU8(idx).subarray(po, po + n), done);
      done += n;
      off += n;
    }
  }

  /** Copy bytes into RAM (paddr absolute), notifying `onExternalWrite` per page touched. */
  writeBytes(paddr: number, data: Uint8Array): void {
    let off = paddr - this.base;
    let done = 0;
    while (done < data.length) {
      const idx = Math.floor(off / PAGE_SIZE);
      const po = off & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - po, data.length - done);
      this.writablePageU8(idx).set(data.subarray(done, done + n), po);
      this.onExternalWrite?.(idx);
      done += n;
      off += n;
    }
  }

  /** Share every page with a new snapshot. O(allocated pages) reference copy; no page data is copied. */
  snapshot(): RamSnapshot {
    this.shared.fill(1);
    this.generation++;
    const index = this.allocated.slice();
    const u8: Uint8Array[] = new Array(index.length);
    const i32: Int32Array[] = new Array(index.length);
    for (let k = 0; k < index.length; k++) {
      u8[k] = this.u8[index[k]]!;
      i32[k] = this.i32[index[k]]!;
    }
    return { index, u8, i32 };
  }

  /** Make RAM hold exactly what it held when `snap` was taken. */
  restore(snap: RamSnapshot): void {
    for (const i of this.allocated) { this.u8[i] = null; this.i32[i] = null; }
    const { index, u8, i32 } = snap;
    for (let k = 0; k < index.length; k++) {
      this.u8[index[k]] = u8[k];
      this.i32[index[k]] = i32[k];
    }
    this.allocated = index.slice();
    this.shared.fill(1);
    this.generation++;
  }

  /** Pages currently allocated (not the zero page), for memory accounting. */
  allocatedPages(): number {
    return this.allocated.length;
  }
}
