import { expect } from 'chai';
import { PagedRam, PAGE_SIZE, CHUNK_PAGES, type RamSnapshot } from '../../dist/bus/ram.js';

const BASE = 0x8000_0000;

/** Write one byte through the page a writer gets (as the slow path and DMA do). */
function poke(ram: PagedRam, page: number, off: number, v: number): void {
  ram.writablePageU8(page)[off] = v;
}

/** The frozen buffer a snapshot holds for page i. */
function frozen(s: RamSnapshot, i: number): Uint8Array | null {
  return s.chunks[Math.floor(i / CHUNK_PAGES)]?.u8[i % CHUNK_PAGES] ?? null;
}

function peek(ram: PagedRam, page: number, off: number): number {
  return ram.readPageU8(page)[off];
}

describe('bus/ram snapshots', () => {
  it('a snapshot keeps what RAM held when it was taken; restore brings it back', () => {
    const ram = new PagedRam(BASE, 16 * PAGE_SIZE);
    poke(ram, 1, 10, 0x11);
    poke(ram, 3, 20, 0x33);
    const s = ram.snapshot();
    expect(ram.isPrivate(1)).to.equal(false, 'frozen in place: the next write copies it');
    poke(ram, 1, 10, 0x99);
    poke(ram, 5, 0, 0x55);
    expect(ram.pagesCopied).to.equal(1);
    ram.restore(s);
    expect([peek(ram, 1, 10), peek(ram, 3, 20), peek(ram, 5, 0)]).to.deep.equal([0x11, 0x33, 0]);
    expect(ram.allocatedPages()).to.equal(2);
  });

  it('a page still writable through a cached reference is copied, and that reference stays valid', () => {
    const ram = new PagedRam(BASE, 16 * PAGE_SIZE);
    const cached = ram.writablePageU8(2); // what a write TLB holds
    cached[0] = 1;
    const g = ram.generation;
    const s1 = ram.snapshot([2]);
    expect(ram.generation).to.equal(g, 'no cached page reference changed');
    expect(ram.isPrivate(2)).to.equal(true);
    expect(ram.pagesCopied).to.equal(1);
    cached[0] = 2; // a store through the TLB, unseen by the RAM
    const s2 = ram.snapshot([2]);
    cached[0] = 3;
    ram.restore(s1);
    expect(peek(ram, 2, 0)).to.equal(1);
    ram.restore(s2);
    expect(peek(ram, 2, 0)).to.equal(2);
    expect(ram.generation).to.be.greaterThan(g);
  });

  it('an unchanged page is not copied again: consecutive snapshots share its frozen buffer', () => {
    const ram = new PagedRam(BASE, 16 * PAGE_SIZE);
    poke(ram, 4, 7, 0x44);
    const s1 = ram.snapshot([4]);
    const s2 = ram.snapshot([4]);
    expect(ram.pagesCopied).to.equal(1);
    expect(frozen(s2, 4)).to.equal(frozen(s1, 4));
    // Once no longer named writable, the page is frozen in place and shared again.
    const s3 = ram.snapshot();
    expect(ram.isPrivate(4)).to.equal(false);
    expect(frozen(s3, 4)).to.equal(ram.readPageU8(4));
    poke(ram, 4, 7, 0x45);
    expect(peek(ram, 4, 7)).to.equal(0x45);
    ram.restore(s3);
    expect(peek(ram, 4, 7)).to.equal(0x44);
  });

  it('pages written after a restore are frozen again by the next snapshot', () => {
    const ram = new PagedRam(BASE, 16 * PAGE_SIZE);
    poke(ram, 0, 0, 1);
    const s0 = ram.snapshot();
    poke(ram, 0, 0, 2);
    ram.restore(s0);
    poke(ram, 0, 0, 3);
    const s1 = ram.snapshot();
    poke(ram, 0, 0, 4);
    ram.restore(s1);
    expect(peek(ram, 0, 0)).to.equal(3);
    ram.restore(s0);
    expect(peek(ram, 0, 0)).to.equal(1);
  });

  it('a snapshot rebuilds only the chunks with a changed page; the others are the same objects', () => {
    const ram = new PagedRam(BASE, 3 * CHUNK_PAGES * PAGE_SIZE);
    poke(ram, 1, 0, 1);
    poke(ram, 2 * CHUNK_PAGES + 5, 0, 2);
    const s1 = ram.snapshot();
    expect(s1.pages).to.equal(2);
    expect(s1.chunks[1]).to.equal(null, 'no page of chunk 1 was written');
    poke(ram, 2 * CHUNK_PAGES + 6, 0, 3);
    const s2 = ram.snapshot();
    expect(s2.chunks[0]).to.equal(s1.chunks[0], 'chunk 0 unchanged: shared');
    expect(s2.chunks[2]).to.not.equal(s1.chunks[2]);
    expect(frozen(s2, 2 * CHUNK_PAGES + 5)).to.equal(frozen(s1, 2 * CHUNK_PAGES + 5));
    expect(s2.pages).to.equal(3);
    // Nothing written: the very same chunks again.
    const s3 = ram.snapshot();
    expect(s3.chunks.every((c, k) => c === s2.chunks[k])).to.equal(true);
    ram.restore(s1);
    expect([peek(ram, 1, 0), peek(ram, 2 * CHUNK_PAGES + 5, 0), peek(ram, 2 * CHUNK_PAGES + 6, 0)]).to.deep.equal([1, 2, 0]);
    expect(ram.allocatedPages()).to.equal(2);
    // After a restore, a write to chunk 2 rebuilds chunk 2 only.
    poke(ram, 2 * CHUNK_PAGES + 7, 0, 4);
    const s4 = ram.snapshot();
    expect(s4.chunks[0]).to.equal(s1.chunks[0]);
    expect(s4.chunks[2]).to.not.equal(s1.chunks[2]);
    ram.restore(s2);
    expect(peek(ram, 2 * CHUNK_PAGES + 7, 0)).to.equal(0);
    ram.restore(s4);
    expect(peek(ram, 2 * CHUNK_PAGES + 7, 0)).to.equal(4);
  });

  it('the pages the guest uses stay in the wasm arena while snapshots hold as much as the history may', () => {
    // 1 MiB of RAM rewritten whole 100 times, every snapshot kept: 100 MiB of history, far
    // beyond room for RAM twice over. Each rewrite moves live pages to fresh slots (copy on
    // write) and leaves the old ones with the snapshots.
    const ram = new PagedRam(BASE, 1 << 20, 256 << 20);
    const snaps: RamSnapshot[] = [];
    const n = ram.pageCount;
    for (let round = 1; round <= 100; round++) {
      for (let i = 0; i < n; i++) poke(ram, i, 0, round);
      snaps.push(ram.snapshot());
    }
    let outside = 0;
    for (let i = 0; i < n; i++) if (!ram.arena!.holds(ram.readPageU8(i))) outside++;
    expect(outside).to.equal(0, 'live pages outside the arena (wasm code would reach them only through JavaScript)');
    ram.restore(snaps[41]);
    expect(peek(ram, n - 1, 0)).to.equal(42);
  });

  it('a snapshot\'s copy of a page still writable is made outside the arena', () => {
    const ram = new PagedRam(BASE, 16 * PAGE_SIZE);
    poke(ram, 3, 0, 1);
    const used = ram.arena!.used;
    const s = ram.snapshot([3]);
    expect(frozen(s, 3)).to.not.equal(ram.readPageU8(3));
    expect(ram.arena!.holds(frozen(s, 3)!)).to.equal(false);
    expect(ram.arena!.used).to.equal(used, 'no arena slab carved for it');
    expect(ram.arena!.holds(ram.readPageU8(3))).to.equal(true);
  });
});
