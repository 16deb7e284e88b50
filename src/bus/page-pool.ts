/**
 * Page buffers for PagedRam: 4 KiB slots carved out of slabs, and reused once nothing can
 * reach the old page. While recording, every snapshot copies the pages the guest wrote, and
 * as snapshots are thinned the old copies die at the same rate. A fresh page costs the host
 * a page fault (1-5 us here, against 0.5 us for a copy into memory already mapped), so
 * reusing dead ones is most of the cost of a snapshot of a guest that writes memory.
 *
 * Death is decided by the garbage collector, not by bookkeeping: each slot's two views (bytes
 * and int32) are registered with a FinalizationRegistry, and a slot is reused only after both
 * were collected, so no snapshot, TLB, code cache or caller can still see it. When that
 * happens depends on the host, but only which memory backs a page does: a reused slot is
 * always overwritten whole (copied into, or zeroed) before anyone sees it.
 */
import { PAGE_SIZE } from './ram.js';

const SLAB_SHIFT = 4;
/**
 * Pages per slab: one ArrayBuffer per page would cost twice the copy, and a slab goes back
 * to the host only when all its pages are dead, so slabs stay small.
 */
const SLAB_PAGES = 1 << SLAB_SHIFT;
/** Dead pages kept for reuse before wholly dead slabs are handed back to the host. */
const MAX_FREE_PAGES = 8192;

export class PagePool {
  private readonly slabs: (ArrayBuffer | null)[] = [];
  /** Per slot: its views not collected yet (0 once dead). */
  private readonly views: number[] = [];
  /** Per slab: its dead slots waiting for reuse. */
  private readonly slabFree: number[] = [];
  /** Dead slots (ids: slab << SLAB_SHIFT | page); those of released slabs are skipped. */
  private readonly free: number[] = [];
  private freePages = 0;
  /** Slots of the newest slab handed out so far. */
  private carved = SLAB_PAGES;
  private readonly registry = new FinalizationRegistry<number>((id) => this.collected(id));
  /** Pages handed out again after their old views died (for the benchmark and tests). */
  reused = 0;

  /** A page buffer and its int32 view; zero-filled when `zero`, else of unspecified content. */
  take(zero: boolean): [Uint8Array, Int32Array] {
    let id = -1;
    while (this.free.length > 0) {
      const c = this.free.pop()!;
      if (this.slabs[c >> SLAB_SHIFT] === null) continue;
      id = c;
      this.slabFree[c >> SLAB_SHIFT]--;
      this.freePages--;
      this.reused++;
      break;
    }
    const recycled = id >= 0;
    if (!recycled) {
      if (this.carved === SLAB_PAGES) {
        this.slabs.push(new ArrayBuffer(SLAB_PAGES * PAGE_SIZE));
        this.slabFree.push(0);
        for (let k = 0; k < SLAB_PAGES; k++) this.views.push(0);
        this.carved = 0;
      }
      id = ((this.slabs.length - 1) << SLAB_SHIFT) | this.carved++;
    }
    const buf = this.slabs[id >> SLAB_SHIFT]!;
    const off = (id & (SLAB_PAGES - 1)) * PAGE_SIZE;
    const u8 = new Uint8Array(buf, off, PAGE_SIZE);
    const i32 = new Int32Array(buf, off, PAGE_SIZE >> 2);
    if (recycled && zero) i32.fill(0);
    this.views[id] = 2;
    this.registry.register(u8, id);
    this.registry.register(i32, id);
    return [u8, i32];
  }

  /** Pages waiting for reuse. */
  get freeCount(): number {
    return this.freePages;
  }

  private collected(id: number): void {
    if (--this.views[id] !== 0) return;
    const s = id >> SLAB_SHIFT;
    if (this.slabs[s] === null) return;
    this.free.push(id);
    this.freePages++;
    if (++this.slabFree[s] === SLAB_PAGES && this.freePages > MAX_FREE_PAGES) {
      this.slabs[s] = null;
      this.freePages -= SLAB_PAGES;
    }
  }
}
