/**
 * Which RAM pages the harts' page walks read as page tables, so that the TLBs can stay
 * coherent with the page tables instead of being thrown away at every `sfence.vma` and satp
 * write.
 *
 * A TLB entry holds what a walk returned. It stays right for as long as no page-table entry
 * the walk read changes (the walk's own A/D updates aside: they only spare the next walk a
 * write). Every page a walk reads a PTE from is marked; no hart keeps a write-TLB entry for a
 * marked page, so every store to it reaches the slow path (Memory.physStore), as do DMA and
 * debugger writes (PagedRam.onExternalWrite). A store that overwrites a valid PTE drops every
 * translation of every hart (and all marks: no entry depends on anything any more); a store
 * over an invalid PTE cannot change a translation (no walk ends or passes through an invalid
 * PTE without faulting, and faults are not cached), so mapping new pages costs nothing.
 *
 * So the TLB behaves as a TLB that snoops page-table writes: an implementation the privileged
 * spec allows (stale entries may be used until a fence, never must be). Guests that fence as
 * the spec asks see exactly what a flush at every fence shows; nothing depends on when entries
 * were filled, so a replay after a snapshot restore (which empties the TLBs) translates as the
 * recorded run did.
 */
import type { PagedRam } from '../bus/ram.js';

/** What the watch asks of each hart's memory unit. */
export interface PageTableClient {
  /** Drop the write-TLB entries (every context) for RAM page `idx`: it became a page table. */
  dropWritePage(idx: number): void;
  /** Drop every translation (every context), and leave the running block at once. */
  flushTlb(): void;
}

export class PageTableWatch {
  /** 1 where a page walk read a PTE from the RAM page since the last flush of every hart. */
  readonly mark: Uint8Array;
  private readonly marked: number[] = [];
  private readonly clients: PageTableClient[] = [];
  /** Translations dropped because a valid PTE was overwritten (for tests and profiles). */
  flushes = 0;

  constructor(pageCount: number) {
    this.mark = new Uint8Array(pageCount);
  }

  /** Register a hart's memory unit (every hart of a machine shares one watch). */
  add(c: PageTableClient): void {
    this.clients.push(c);
  }

  /** A walk read a PTE from RAM page `idx` (call only when mark[idx] is 0). */
  markPage(idx: number): void {
    this.mark[idx] = 1;
    this.marked.push(idx);
    for (const c of this.clients) c.dropWritePage(idx);
  }

  /** A PTE some translation may rest on changed: every hart forgets every translation. */
  changed(): void {
    this.flushes++;
    this.flushAll();
  }

  /** Empty every hart's TLBs and forget the marks (snapshot restore, reset). */
  flushAll(): void {
    for (const idx of this.marked) this.mark[idx] = 0;
    this.marked.length = 0;
    for (const c of this.clients) c.flushTlb();
  }
}

const watches = new WeakMap<PagedRam, PageTableWatch>();

/** The watch shared by every hart on `ram`. */
export function pageTableWatch(ram: PagedRam): PageTableWatch {
  let w = watches.get(ram);
  if (w === undefined) {
    w = new PageTableWatch(ram.pageCount);
    watches.set(ram, w);
  }
  return w;
}
