import { expect } from 'chai';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PagePool } from '../../dist/bus/page-pool.js';

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
});
