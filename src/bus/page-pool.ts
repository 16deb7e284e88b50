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
 *
 * With an arena (arena.ts), slabs are carved from it first, so that wasm code reaches the
 * pages inline; arena slabs are never handed back (the host cannot take part of a wasm
 * memory back), only reused. Once it is full, slabs are ordinary ArrayBuffers.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PAGE_SIZE } from './ram.js';
import type { Arena } from './arena.js';

const SLAB_SHIFT = 4;
/**
 * Pages per slab: one ArrayBuffer per page would cost twice the copy, and a slab goes back
 * to the host only when all its pages are dead, so slabs stay small.
 */
const SLAB_PAGES = 1 << SLAB_SHIFT;
/** Dead pages kept for reuse before wholly dead slabs are handed back to the host. */
const MAX_FREE_PAGES = 8192;

/**
 * Slabs (64 MiB) the pool may grow by before it asks for a full garbage collection. Only the
 * collector finds dead pages, and V8 collects the old generation (where pages that snapshots
 * held for minutes end up) as the JS heap grows, not as page memory does: with a 1 GiB
 * history, hundreds of MiB of dead pages waited between two collections while the pool grew.
 * The pool grows only when it has no dead page to reuse, so this costs a collection per
 * 64 MiB of growth at most (a few dozen over a long run).
 */
const GC_SLABS = 1024;

/** A full garbage collection, when the host lets us ask for one. */
function hostCollector(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    // Affects only contexts made from now on: this one gets a gc function.
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}
let sharedCollector: (() => void) | null | undefined;

export class PagePool {
  private readonly slabs: (ArrayBuffer | null)[] = [];
  /** Per slab: its byte offset in its buffer (non-zero only in the arena). */
  private readonly slabBase: number[] = [];
  /** Per slot: its views not collected yet (0 once dead). */
  private readonly views: number[] = [];
  /** Per slab: its dead slots waiting for reuse. */
  private readonly slabFree: number[] = [];
  /** Dead slots, by id (slab << SLAB_SHIFT | page): outside the arena, and in it. */
  private readonly free: number[] = [];
  /** Per slot outside the arena: its index in `free` while it is there (so a slab's slots leave it in O(1)). */
  private readonly freeAt: number[] = [];
  private readonly freeArena: number[] = [];
  /** Indices of slabs handed back to the host, for the next new slab (so the tables stay small). */
  private readonly released: number[] = [];
  /**
   * The slabs being carved, in the arena [0] and outside it [1], and how many of their slots
   * are handed out: a snapshot's copy is never carved from the arena, which stays for the
   * pages the guest uses.
   */
  private readonly current = [-1, -1];
  private readonly carved = [SLAB_PAGES, SLAB_PAGES];
  /** Whether the arena has no room for another slab (or there is none). */
  private arenaFull: boolean;
  private readonly registry = new FinalizationRegistry<number>((id) => this.collected(id));
  /** Pages handed out again after their old views died (for the benchmark and tests). */
  reused = 0;
  /** Collections asked for (see GC_SLABS). */
  collections = 0;
  /** What asks for a collection (null: never ask); replaceable for tests. */
  collector: (() => void) | null = (sharedCollector ??= hostCollector());
  private nextCollect = GC_SLABS;

  /**
   * `maxFree`: dead pages kept for reuse before wholly dead slabs go back to the host;
   * `arena`: where slabs come from while it has room.
   */
  constructor(private readonly maxFree = MAX_FREE_PAGES, private readonly arena: Arena | null = null) {
    this.arenaFull = arena === null;
  }

  /**
   * A page buffer and its int32 view; zero-filled when `zero`, else of unspecified content.
   * `inline`: a page the guest will use, in the arena while it has room (wasm code reaches it
   * there), rather than a snapshot's copy, always outside. The two kinds are recycled apart:
   * a dead copy's slot reused for a live page would put the guest's working set outside
   * the arena, one copy-on-write at a time, however empty the arena.
   */
  take(zero: boolean, inline = true): [Uint8Array, Int32Array] {
    let id: number;
    const a = this.freeArena, b = this.free;
    const arenaRoom = !this.arenaFull || this.carved[0] < SLAB_PAGES;
    const list = inline ? (a.length > 0 ? a : arenaRoom ? null : b) : b;
    const recycled = list !== null && list.length > 0;
    if (recycled) {
      id = list.pop()!;
      this.slabFree[id >> SLAB_SHIFT]--;
      this.reused++;
    } else {
      let k = inline && !this.arenaFull ? 0 : 1;
      if (this.carved[k] === SLAB_PAGES) k = this.newSlab(k);
      id = (this.current[k] << SLAB_SHIFT) | this.carved[k]++;
    }
    const buf = this.slabs[id >> SLAB_SHIFT]!;
    const off = this.slabBase[id >> SLAB_SHIFT] + (id & (SLAB_PAGES - 1)) * PAGE_SIZE;
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
    return this.free.length + this.freeArena.length;
  }

  /** Slabs the pool holds (each SLAB_PAGES pages of host memory). */
  get slabCount(): number {
    return this.slabs.length - this.released.length;
  }

  /** Slots its tables describe, held or released (stays at the peak, not the total ever made). */
  get tableSlots(): number {
    return this.views.length;
  }

  /** A slab to carve, in the arena (k = 0) while it has room, else outside; returns which. */
  private newSlab(k: number): number {
    if (this.slabCount >= this.nextCollect) {
      // The dead pages it finds come back through `collected`, after this slab is made.
      this.nextCollect = this.slabCount + GC_SLABS;
      this.collections++;
      this.collector?.();
    }
    let at = -1;
    if (k === 0) {
      at = this.arena!.alloc(SLAB_PAGES * PAGE_SIZE, PAGE_SIZE);
      if (at < 0) {
        this.arenaFull = true;
        k = 1;
        if (this.carved[1] < SLAB_PAGES) return 1;
      }
    }
    const buf = at >= 0 ? this.arena!.buffer : new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
    const base = at >= 0 ? at : 0;
    const s = this.released.pop();
    if (s !== undefined) {
      this.slabs[s] = buf;
      this.slabBase[s] = base;
      this.current[k] = s;
    } else {
      this.current[k] = this.slabs.length;
      this.slabs.push(buf);
      this.slabBase.push(base);
      this.slabFree.push(0);
      for (let j = 0; j < SLAB_PAGES; j++) { this.views.push(0); this.freeAt.push(-1); }
    }
    this.carved[k] = 0;
    return k;
  }

  private collected(id: number): void {
    if (--this.views[id] !== 0) return;
    const s = id >> SLAB_SHIFT;
    if (this.arena !== null && this.slabs[s] === this.arena.buffer) { this.freeArena.push(id); this.slabFree[s]++; return; }
    this.freeAt[id] = this.free.length;
    this.free.push(id);
    if (++this.slabFree[s] === SLAB_PAGES && this.free.length > this.maxFree) {
      // Wholly dead and more than enough kept: back to the host. Its slots leave the free
      // list by swapping the last entry into each one's place (filtering the list was 3% of
      // an xv6 profile, with tens of thousands of dead pages listed).
      const f = this.free, at = this.freeAt;
      for (let k = 0; k < SLAB_PAGES; k++) {
        const x = (s << SLAB_SHIFT) | k, last = f.pop()!;
        if (last !== x) { f[at[x]] = last; at[last] = at[x]; }
      }
      this.slabs[s] = null;
      this.slabFree[s] = 0;
      this.released.push(s);
    }
  }
}
