/**
 * Guest RAM as 4 KiB pages, each its own typed array, shared copy-on-write with snapshots.
 *
 * A snapshot holds "frozen" page buffers that nothing writes again. Taking one freezes each
 * page written since the last snapshot: in place (the page becomes shared, and its next
 * write copies it) or, for a page a CPU can still write through a cached reference (its
 * write TLB), by copying it there and then. The second way keeps the guest's working set
 * writable across snapshots: no TLB flush, no slow-path store, no page walk per page after
 * every snapshot, which is most of what recording costs a guest that writes memory.
 * Restoring swaps the references back (every page shared). Pages never written are absent
 * (`null`) and read as zeros, so a 128 MiB guest costs only what it touches.
 *
 * Page buffers come from one wasm memory (arena.ts) while it has room, so that the wasm tier's
 * code loads and stores guest RAM inline; the zero page of never-written pages is there too.
 */
import { PagePool } from './page-pool.js';
import { arenaFor, type Arena } from './arena.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

const ZERO_PAGE_U8 = new Uint8Array(PAGE_SIZE);
const ZERO_PAGE_I32 = new Int32Array(ZERO_PAGE_U8.buffer);

/** Pages per chunk of a RAM snapshot. */
export const CHUNK_PAGES = 64;
const CHUNK_SHIFT = 6;

/**
 * The frozen buffers of CHUNK_PAGES consecutive pages (null: never written). A chunk is
 * immutable and shared by every snapshot over which none of its pages changed, so a snapshot
 * costs a new chunk only where the guest wrote, not a reference per allocated page.
 */
export interface RamChunk {
  readonly u8: readonly (Uint8Array | null)[];
  readonly i32: readonly (Int32Array | null)[];
}

/**
 * The page buffers of a snapshot of RAM, frozen (nothing writes them again, so snapshots and
 * RAM share them), grouped in chunks that successive snapshots share while unchanged.
 */
export interface RamSnapshot {
  /** Chunk k holds pages k*CHUNK_PAGES ...; null where no page of it was ever written. */
  readonly chunks: readonly (RamChunk | null)[];
  /** Allocated (non-null) pages in the snapshot. */
  readonly pages: number;
}

export class PagedRam {
  /** Byte views of the pages; `null` means never written (reads as zero). */
  private u8: (Uint8Array | null)[];
  /** Int32 views of the same pages, for aligned word access on the CPU fast path. */
  private i32: (Int32Array | null)[];
  /** 1 where the page is referenced by a snapshot and must be copied before a write. */
  private shared: Uint8Array;
  /**
   * The frozen buffer holding what the page held at the last snapshot (the page itself when
   * shared; null for a page allocated since). A snapshot is these, for the allocated pages.
   */
  private frozenU8: (Uint8Array | null)[];
  private frozenI32: (Int32Array | null)[];
  /**
   * 1 where the page may differ from its frozen buffer: written through this class since the
   * last snapshot, or still writable through a CPU's write TLB then. Listed in `dirtyList`.
   */
  private dirty: Uint8Array;
  private dirtyList: number[] = [];
  /** Scratch marks of the pages a snapshot was told are still writable through a TLB. */
  private stillWritable: Uint8Array;
  /** Indices of the pages that are not null. */
  private allocated: number[] = [];
  /** The chunks of the last snapshot (or restored one), and those whose frozen pages changed since. */
  private chunks: (RamChunk | null)[];
  private chunkStale: Uint8Array;
  private staleChunks: number[] = [];
  /**
   * Bumped whenever a page reference changes or pages become shared under a CPU's feet
   * (allocation, copy on write, restore): a CPU holding cached page references must drop
   * them when it differs from the value it saw last. A snapshot does not bump it (see there).
   */
  generation = 0;
  /** Pages copied on write so far (what snapshots cost while the guest writes memory). */
  pagesCopied = 0;
  /** Called with the page index whenever a page's contents may change by DMA or debugger. */
  onExternalWrite: ((pageIndex: number) => void) | null = null;

  /** The wasm memory page buffers and the harts' wasm areas are carved from (null if the host refused it). */
  readonly arena: Arena | null;
  /** Where page buffers come from (and dead ones go back to). */
  readonly pool: PagePool;
  /** What never-written pages read as (in the arena when there is one, so wasm code reads it inline). */
  private readonly zeroU8: Uint8Array;
  private readonly zeroI32: Int32Array;

  /** `historyBytes`: what snapshots may hold beside RAM (sizes the arena; default `size`). */
  constructor(readonly base: number, readonly size: number, historyBytes = size) {
    if (size % PAGE_SIZE !== 0) throw new Error(`RAM size ${size} is not a multiple of ${PAGE_SIZE}`);
    this.arena = arenaFor(size, historyBytes);
    this.pool = new PagePool(undefined, this.arena);
    const z = this.arena?.alloc(PAGE_SIZE, PAGE_SIZE) ?? -1;
    this.zeroU8 = z >= 0 ? new Uint8Array(this.arena!.buffer, z, PAGE_SIZE) : ZERO_PAGE_U8;
    this.zeroI32 = z >= 0 ? new Int32Array(this.arena!.buffer, z, PAGE_SIZE >> 2) : ZERO_PAGE_I32;
    const n = size / PAGE_SIZE;
    this.u8 = new Array(n).fill(null);
    this.i32 = new Array(n).fill(null);
    this.shared = new Uint8Array(n);
    this.frozenU8 = new Array(n).fill(null);
    this.frozenI32 = new Array(n).fill(null);
    this.dirty = new Uint8Array(n);
    this.stillWritable = new Uint8Array(n);
    const nc = Math.ceil(n / CHUNK_PAGES);
    this.chunks = new Array(nc).fill(null);
    this.chunkStale = new Uint8Array(nc);
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
    return this.u8[index] ?? this.zeroU8;
  }

  readPageI32(index: number): Int32Array {
    return this.i32[index] ?? this.zeroI32;
  }

  /** False for a page never written (it reads as zeros). */
  written(index: number): boolean {
    return this.u8[index] !== null;
  }

  /** True when a write to the page would not need a copy (safe to cache for writing). */
  isPrivate(index: number): boolean {
    return this.u8[index] !== null && this.shared[index] === 0;
  }

  /**
   * Page for writing: allocates or un-shares it first. A caller that caches the reference
   * (a write TLB) must name the page to `snapshot` for as long as it keeps it.
   */
  writablePageU8(index: number): Uint8Array {
    let p = this.u8[index];
    if (p === null || this.shared[index] !== 0) p = this.ownPage(index);
    if (this.dirty[index] === 0) this.markDirty(index);
    return p;
  }

  writablePageI32(index: number): Int32Array {
    if (this.u8[index] === null || this.shared[index] !== 0) this.ownPage(index);
    if (this.dirty[index] === 0) this.markDirty(index);
    return this.i32[index]!;
  }

  private markDirty(index: number): void {
    this.dirty[index] = 1;
    this.dirtyList.push(index);
  }

  private ownPage(index: number): Uint8Array {
    const old = this.u8[index];
    const [p, w] = this.pool.take(old === null);
    if (old !== null) {
      p.set(old);
      this.pagesCopied++;
    } else this.allocated.push(index);
    this.u8[index] = p;
    this.i32[index] = w;
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

  /**
   * Freeze what RAM holds now into a snapshot. Pages written since the last snapshot are
   * frozen in place (shared from now on), except those in `writable` (pages a CPU may still
   * write through a cached reference), which are copied, unless unchanged since their last
   * frozen copy. No page reference a CPU holds changes, so no TLB needs flushing.
   *
   * With `released`, a writable page found unchanged since its last frozen copy is no longer
   * kept dirty: it is pushed there, and the caller must drop its cached write references
   * before anything writes again (its next write then comes through this class). So a page
   * a CPU stopped writing is not compared at every snapshot for as long as a TLB holds it.
   */
  snapshot(writable: readonly number[] = [], released?: number[]): RamSnapshot {
    const mark = this.stillWritable;
    for (const i of writable) mark[i] = 1;
    const keep: number[] = [];
    for (const i of this.dirtyList) {
      const live = this.u8[i]!;
      if (mark[i] === 0) {
        this.dirty[i] = 0;
        this.shared[i] = 1;
        if (this.frozenU8[i] !== live) {
          this.frozenU8[i] = live;
          this.frozenI32[i] = this.i32[i];
          this.staleChunk(i);
        }
        continue;
      }
      // Still writable through a TLB: it stays dirty (it may be written without us seeing it).
      const was = this.frozenI32[i];
      if (was !== null && sameWords(was, this.i32[i]!)) {
        if (released !== undefined) { this.dirty[i] = 0; released.push(i); } else keep.push(i);
        continue;
      }
      keep.push(i);
      const [p, w] = this.pool.take(false, false);
      p.set(live);
      this.frozenU8[i] = p;
      this.frozenI32[i] = w;
      this.pagesCopied++;
      this.staleChunk(i);
    }
    for (const i of writable) mark[i] = 0;
    this.dirtyList = keep;
    // Only the chunks with a changed page are rebuilt; the others stay shared.
    for (const c of this.staleChunks) {
      const lo = c << CHUNK_SHIFT, hi = Math.min(lo + CHUNK_PAGES, this.u8.length);
      this.chunks[c] = { u8: this.frozenU8.slice(lo, hi), i32: this.frozenI32.slice(lo, hi) };
      this.chunkStale[c] = 0;
    }
    this.staleChunks = [];
    return { chunks: this.chunks.slice(), pages: this.allocated.length };
  }

  private staleChunk(i: number): void {
    const c = i >> CHUNK_SHIFT;
    if (this.chunkStale[c] === 0) { this.chunkStale[c] = 1; this.staleChunks.push(c); }
  }

  /** Make RAM hold exactly what it held when `snap` was taken (every page shared with it). */
  restore(snap: RamSnapshot): void {
    for (const i of this.allocated) { this.u8[i] = null; this.i32[i] = null; this.frozenU8[i] = null; this.frozenI32[i] = null; }
    for (const i of this.dirtyList) this.dirty[i] = 0;
    this.dirtyList = [];
    for (const c of this.staleChunks) this.chunkStale[c] = 0;
    this.staleChunks = [];
    const allocated: number[] = [];
    snap.chunks.forEach((chunk, c) => {
      if (chunk === null) return;
      const base = c << CHUNK_SHIFT;
      for (let k = 0; k < chunk.u8.length; k++) {
        const p = chunk.u8[k];
        if (p === null) continue;
        const i = base + k;
        this.u8[i] = this.frozenU8[i] = p;
        this.i32[i] = this.frozenI32[i] = chunk.i32[k];
        allocated.push(i);
      }
    });
    this.allocated = allocated;
    this.chunks = snap.chunks.slice();
    this.shared.fill(1);
    this.generation++;
  }

  /** Pages currently allocated (not the zero page), for memory accounting. */
  allocatedPages(): number {
    return this.allocated.length;
  }
}

/** True if two pages hold the same bytes. */
function sameWords(a: Int32Array, b: Int32Array): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
