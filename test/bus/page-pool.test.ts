import { expect } from 'chai';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PagePool } from '../../dist/bus/page-pool.js';
import { Arena } from '../../dist/bus/arena.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Collect garbage and let FinalizationRegistry callbacks run (they are tasks). */
async function collect(): Promise<void> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('bus/page-pool', () => {
  it('reuses a page only after both its views are gone, and zeroes it when asked', async () => {
    const pool = new PagePool();
    // Made in a function of its own, so no local of this one still holds a page.
    const fill = (): Int32Array => {
      const pages: [Uint8Array, Int32Array][] = [];
      for (let k = 0; k < 32; k++) {
        const p = pool.take(true);
        expect(p[0].every((b) => b === 0)).to.equal(true);
        p[0].fill(0xab);
        pages.push(p);
      }
      // One page stays reachable through its int32 view only.
      return pages[7][1];
    };
    const kept = fill();
    await collect();
    expect(pool.freeCount).to.equal(31);
    const again: [Uint8Array, Int32Array][] = [];
    for (let k = 0; k < 31; k++) {
      const p = pool.take(true);
      expect(p[0].every((b) => b === 0)).to.equal(true, 'a reused page asked zeroed is zero');
      p[1].fill(-1);
      again.push(p);
    }
    expect(pool.reused).to.equal(31);
    expect(kept.every((w) => w === (0xabababab | 0))).to.equal(true, 'the page still referenced was not reused');
    expect(pool.take(false)[0].length).to.equal(4096);
    expect(pool.reused).to.equal(31, 'nothing left to reuse: a fresh page');
  });

  it('hands wholly dead slabs back to the host beyond its reserve, and reuses their places', async () => {
    const pool = new PagePool(16);
    const fill = (n: number): void => {
      for (let k = 0; k < n; k++) pool.take(true)[0][0] = 1;
    };
    fill(64);
    expect(pool.slabCount).to.equal(4);
    await collect();
    expect(pool.freeCount).to.be.at.most(32, 'no more than the reserve and one slab');
    expect(pool.slabCount).to.be.lessThan(4);
    for (let round = 0; round < 5; round++) {
      fill(64);
      await collect();
    }
    expect(pool.slabCount).to.be.at.most(4);
    expect(pool.tableSlots).to.equal(64, 'released slabs\' places were reused');
    const [u8] = pool.take(true);
    expect(u8.every((b) => b === 0)).to.equal(true);
  });

  it('slabs handed back leave the free list exactly: every page taken after is distinct and none is a held one', async () => {
    const pool = new PagePool(16);
    // 32 slabs; the pages of every third slab stay held, the others die in an interleaved order.
    const held: Int32Array[] = [];
    const fill = (): void => {
      const all: Int32Array[] = [];
      for (let k = 0; k < 32 * 16; k++) all.push(pool.take(true)[1]);
      for (let k = 0; k < all.length; k++) if (((k >> 4) % 3) === 0) { all[k].fill(-7); held.push(all[k]); }
    };
    fill();
    await collect();
    const slabs = pool.slabCount;
    expect(slabs).to.be.lessThan(32, 'wholly dead slabs went back');
    expect(pool.freeCount).to.be.at.most(16 + 16);
    const again: Int32Array[] = [];
    for (let k = 0; k < 300; k++) {
      const p = pool.take(false)[1];
      p.fill(k);
      again.push(p);
    }
    expect(again.every((p, k) => p.every((w) => w === k))).to.equal(true, 'no two pages taken share a slot');
    expect(held.every((p) => p.every((w) => w === -7))).to.equal(true, 'no held page was handed out again');
  });

  it('two slabs dying interleaved both leave the free list whole (the collector\'s calls made by hand, in that order)', () => {
    const pool = new PagePool(0);
    const kept: [Uint8Array, Int32Array][] = [];
    for (let k = 0; k < 32; k++) kept.push(pool.take(true)); // slots 0-15 (slab 0), 16-31 (slab 1)
    // Each slot has two views; the registry calls `collected` once per view.
    const die = (id: number): void => { const c = pool as unknown as { collected(id: number): void }; c.collected(id); c.collected(id); };
    for (let k = 0; k < 15; k++) { die(k); die(16 + k); }
    expect(pool.freeCount).to.equal(30);
    die(15); // slab 0 goes back: slab 1's entries move into its places
    expect([pool.freeCount, pool.slabCount]).to.deep.equal([15, 1]);
    die(31);
    expect([pool.freeCount, pool.slabCount]).to.deep.equal([0, 0]);
    for (let k = 0; k < 32; k++) expect(pool.take(false)[0].length).to.equal(4096);
    expect(pool.reused).to.equal(0, 'nothing was left listed to reuse');
    expect(kept.length).to.equal(32);
  });

  it('asks for a garbage collection each time it has grown by 64 MiB without finding dead pages', async () => {
    const pool = new PagePool();
    let asked = 0;
    pool.collector = () => { asked++; gc(); };
    const held: Uint8Array[] = [];
    // 64 MiB of pages held: the pool grows by that much, then asks once.
    for (let k = 0; k < 16384; k++) held.push(pool.take(false)[0]);
    expect(asked).to.equal(0);
    held.push(pool.take(false)[0]);
    expect(asked).to.equal(1, 'a slab past 64 MiB');
    for (let k = 0; k < 16 * 1023; k++) held.push(pool.take(false)[0]);
    expect(asked).to.equal(1, 'not again before another 64 MiB');
    expect(pool.collections).to.equal(1);
    // Dropped pages found by that collection come back instead of new slabs.
    held.length = 0;
    await collect();
    const slabs = pool.slabCount;
    for (let k = 0; k < 8192; k++) pool.take(false);
    expect(pool.slabCount).to.equal(slabs, 'reused, not grown');
    expect(pool.collections).to.equal(asked);
  });

  it('keeps the arena for live pages: a dead snapshot copy\'s slot is reused for copies only', async () => {
    const arena = new Arena(1 << 20);
    const pool = new PagePool(undefined, arena);
    const copies = (): void => {
      for (let k = 0; k < 32; k++) pool.take(false, false)[0][0] = 1;
    };
    copies();
    expect(arena.used).to.equal(0, 'copies are carved outside the arena');
    await collect();
    expect(pool.freeCount).to.equal(32);
    const live = pool.take(true);
    expect(arena.holds(live[0])).to.equal(true, 'a live page from the arena, not a dead copy\'s slot');
    expect(live[0].every((b) => b === 0)).to.equal(true);
    expect(pool.reused).to.equal(0);
    const copy = pool.take(false, false);
    expect(arena.holds(copy[0])).to.equal(false);
    expect(pool.reused).to.equal(1, 'the copy reused a dead copy\'s slot');
    // Once the arena is full, live pages come from anywhere.
    while (arena.holds(pool.take(true)[0]));
    pool.take(true);
    expect(pool.reused).to.equal(2, 'with the arena full, a live page reuses a dead copy\'s slot');
  });

  it('has a collector by default (the host allows asking for one)', () => {
    expect(new PagePool().collector).to.be.a('function');
  });
});
