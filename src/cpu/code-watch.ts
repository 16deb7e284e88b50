/**
 * Which RAM pages hold instructions some hart has decoded, so that a store by any hart drops
 * the decoded instructions (and compiled blocks) of every hart over the bytes it changes.
 *
 * Each hart decodes and compiles code per RAM page on its own (memory.ts). The ISA lets a hart
 * run stale instructions after another hart's store until it executes fence.i, but QEMU drops
 * its translations on any hart's store to their page, and kernels built for it count on that:
 * xv6 writes a new program into pages a process that ran on another hart just freed (exec,
 * fork) and never executes fence.i, so a hart that decoded the old program there would run
 * its instructions. So rvrr does as QEMU: no hart keeps a write-TLB entry for a page any hart
 * holds decoded code for (its stores all reach Memory.physStore), and physStore tells every
 * hart that holds code there.
 */
import type { PagedRam } from '../bus/ram.js';

/** What the watch asks of each hart's memory unit. */
export interface CodeClient {
  /** Drop the write-TLB entries (every context) for RAM page `idx`: some hart decoded code there. */
  dropWritePage(idx: number): void;
  /** A store of `size` bytes at offset `o` of page `idx`, whose buffer is now `u`, by any hart. */
  codeStored(idx: number, o: number, size: number, u: Uint8Array): void;
}

export class CodeWatch {
  /** Per RAM page: bit k set while hart k (in the order added) holds decoded code there. */
  readonly harts: Uint32Array;
  private readonly clients: CodeClient[] = [];

  constructor(pageCount: number) {
    this.harts = new Uint32Array(pageCount);
  }

  /** Register a hart's memory unit; returns its bit (a machine has at most 8 harts). */
  add(c: CodeClient): number {
    if (this.clients.length >= 32) throw new Error('code watch: more than 32 harts on one RAM');
    this.clients.push(c);
    return 1 << (this.clients.length - 1);
  }

  /** The hart of `bit` decoded code in page `idx`: from now on no hart may write it unseen. */
  mark(idx: number, bit: number): void {
    if (this.harts[idx] === 0) for (const c of this.clients) c.dropWritePage(idx);
    this.harts[idx] |= bit;
  }

  /** The hart of `bit` holds no decoded code in page `idx` any more. */
  unmark(idx: number, bit: number): void {
    this.harts[idx] &= ~bit;
  }

  /** A store to page `idx` (marked): every hart holding code there forgets what it overlaps. */
  stored(idx: number, o: number, size: number, u: Uint8Array): void {
    const m = this.harts[idx];
    for (let k = 0; k < this.clients.length; k++) if ((m & (1 << k)) !== 0) this.clients[k].codeStored(idx, o, size, u);
  }
}

const watches = new WeakMap<PagedRam, CodeWatch>();

/** The watch shared by every hart on `ram`. */
export function codeWatch(ram: PagedRam): CodeWatch {
  let w = watches.get(ram);
  if (w === undefined) {
    w = new CodeWatch(ram.pageCount);
    watches.set(ram, w);
  }
  return w;
}
