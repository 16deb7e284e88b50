import { expect } from 'chai';
import { Plic } from '../../dist/devices/plic.js';

const PRIO = (n: number) => 4 * n;
const PENDING = 0x1000;
const ENABLE = (ctx: number) => 0x2000 + 0x80 * ctx;
const THRESHOLD = (ctx: number) => 0x200000 + 0x1000 * ctx;
const CLAIM = (ctx: number) => 0x200004 + 0x1000 * ctx;

function setup(nharts = 1) {
  const mip = new Map<string, boolean>();
  const plic = new Plic(nharts, (h, bit, lvl) => mip.set(`${h}:${bit}`, lvl));
  const meip = (h: number) => mip.get(`${h}:11`) ?? false;
  const seip = (h: number) => mip.get(`${h}:9`) ?? false;
  return { plic, meip, seip };
}

describe('PLIC', () => {
  it('priorities hold 3 bits; source 0 has no priority', () => {
    const { plic } = setup();
    plic.write(PRIO(10), 4, 0xff);
    expect(plic.read(PRIO(10), 4)).to.equal(7);
    plic.write(PRIO(0), 4, 5);
    expect(plic.read(PRIO(0), 4)).to.equal(0);
    plic.write(ENABLE(0), 4, 0xffffffff);
    expect(plic.read(ENABLE(0), 4)).to.equal(0xffffffff); // as QEMU: bit 0 is storage only
    expect(plic.read(CLAIM(0), 4)).to.equal(0);
    plic.write(ENABLE(0) + 8, 4, 0xffffffff);
    expect(plic.read(ENABLE(0) + 8, 4)).to.equal(0xffffffff); // sources 64..95
  });

  it('a source becomes pending when its line rises; nothing interrupts with priority 0 or when disabled', () => {
    const { plic, meip } = setup();
    plic.irq(10).set(true);
    expect(plic.read(PENDING, 4)).to.equal(1 << 10);
    expect(meip(0)).to.equal(false); // priority 0
    plic.write(PRIO(10), 4, 1);
    expect(meip(0)).to.equal(false); // not enabled
    plic.write(ENABLE(0), 4, 1 << 10);
    expect(meip(0)).to.equal(true);
    // The request stays pending after the line drops, until claimed (QEMU 7.2, SiFive).
    plic.irq(10).set(false);
    expect(plic.read(PENDING, 4)).to.equal(1 << 10);
    expect(plic.read(CLAIM(0), 4)).to.equal(10);
    plic.write(CLAIM(0), 4, 10);
    expect(plic.read(PENDING, 4)).to.equal(0);
    expect(meip(0)).to.equal(false);
  });

  it('threshold masks priorities at or below it, per context', () => {
    const { plic, meip, seip } = setup();
    plic.write(PRIO(1), 4, 3);
    plic.write(ENABLE(0), 4, 2);
    plic.write(ENABLE(1), 4, 2);
    plic.write(THRESHOLD(1), 4, 3);
    plic.irq(1).set(true);
    expect(meip(0)).to.equal(true);
    expect(seip(0)).to.equal(false);
    expect(plic.read(CLAIM(1), 4)).to.equal(0);
    plic.write(THRESHOLD(1), 4, 2);
    expect(seip(0)).to.equal(true);
    expect(plic.read(THRESHOLD(1), 4)).to.equal(2);
  });

  it('claim returns the highest priority, lowest id on ties; completion alone never re-pends', () => {
    const { plic, meip } = setup();
    for (const n of [3, 5, 7]) plic.write(PRIO(n), 4, n === 7 ? 2 : 4);
    plic.write(ENABLE(0), 4, (1 << 3) | (1 << 5) | (1 << 7));
    for (const n of [7, 5, 3]) plic.irq(n).set(true);
    expect(plic.read(CLAIM(0), 4)).to.equal(3);
    expect(plic.read(PENDING, 4)).to.equal((1 << 5) | (1 << 7));
    expect(plic.read(CLAIM(0), 4)).to.equal(5);
    expect(plic.read(CLAIM(0), 4)).to.equal(7);
    expect(meip(0)).to.equal(false);
    expect(plic.read(CLAIM(0), 4)).to.equal(0);
    // 3's line stays high, but its device does not signal again: completing it pends nothing
    // (QEMU; the spec's gateway would re-pend and storm a kernel that never acks the device).
    plic.write(CLAIM(0), 4, 5);
    plic.write(CLAIM(0), 4, 3);
    plic.write(CLAIM(0), 4, 7);
    expect(plic.read(PENDING, 4)).to.equal(0);
    expect(meip(0)).to.equal(false);
    expect(plic.read(CLAIM(0), 4)).to.equal(0);
    // A device re-asserting while its source is claimed: pending, offered only after completion.
    plic.irq(5).set(true);
    expect(plic.read(CLAIM(0), 4)).to.equal(5);
    plic.irq(5).set(true);
    expect(plic.read(PENDING, 4)).to.equal(1 << 5);
    expect(meip(0)).to.equal(false);
    expect(plic.read(CLAIM(0), 4)).to.equal(0);
    plic.write(CLAIM(0), 4, 5);
    expect(meip(0)).to.equal(true);
    expect(plic.read(CLAIM(0), 4)).to.equal(5);
  });

  it('an in-progress source cannot be claimed again until completed, from any context (as QEMU)', () => {
    const { plic, meip, seip } = setup(2);
    plic.write(PRIO(10), 4, 1);
    plic.write(ENABLE(1), 4, 1 << 10); // hart 0 S
    plic.write(ENABLE(3), 4, 1 << 10); // hart 1 S
    plic.irq(10).set(true);
    expect(seip(0)).to.equal(true);
    expect(seip(1)).to.equal(true);
    expect(plic.read(CLAIM(3), 4)).to.equal(10);
    expect(seip(0)).to.equal(false);
    expect(plic.read(CLAIM(1), 4)).to.equal(0);
    plic.write(CLAIM(1), 4, 99); // not a source: ignored
    plic.write(CLAIM(1), 4, 11); // not in progress: ignored
    expect(seip(1)).to.equal(false);
    plic.write(CLAIM(0), 4, 10); // context 0 does not enable 10, QEMU completes anyway
    expect(plic.read(CLAIM(1), 4)).to.equal(0); // completed, and the device did not signal again
    plic.irq(10).set(true);
    expect(seip(0)).to.equal(true);
    expect(seip(1)).to.equal(true);
    expect(meip(0)).to.equal(false);
  });

  it('bad offsets read 0 and ignore writes; irq() rejects ids outside 1..95', () => {
    const { plic } = setup();
    expect(plic.read(0x5ffffc, 4)).to.equal(0);
    plic.write(CLAIM(5), 4, 1);
    plic.write(PENDING, 4, 0xffffffff);
    expect(plic.read(PENDING, 4)).to.equal(0);
    expect(() => plic.irq(0)).to.throw(RangeError);
    expect(() => plic.irq(96)).to.throw(RangeError);
    expect(() => plic.irq(95)).not.to.throw();
  });

  it('saveState/loadState reproduces claims and outputs', () => {
    const a = setup();
    a.plic.write(PRIO(2), 4, 1);
    a.plic.write(PRIO(4), 4, 2);
    a.plic.write(ENABLE(0), 4, 0x14);
    a.plic.irq(2).set(true);
    a.plic.irq(4).set(true);
    expect(a.plic.read(CLAIM(0), 4)).to.equal(4);
    const s = structuredClone(a.plic.saveState());
    const b = setup();
    b.plic.loadState(s);
    expect(b.meip(0)).to.equal(true);
    for (const x of [a, b]) {
      expect(x.plic.read(CLAIM(0), 4)).to.equal(2);
      x.plic.write(CLAIM(0), 4, 4);
      expect(x.plic.read(CLAIM(0), 4)).to.equal(0);
      x.plic.irq(4).set(true);
      expect(x.plic.read(CLAIM(0), 4)).to.equal(4);
    }
  });
});
