import { expect } from 'chai';
import { Clint } from '../../dist/devices/clint.js';
import { VirtualClock } from '../../dist/replay/clock.js';

/** Records the mip lines a device drives. */
function mipRecorder() {
  const mip = new Map<string, boolean>();
  const events: string[] = [];
  const setMip = (hart: number, bit: number, level: boolean) => {
    mip.set(`${hart}:${bit}`, level);
    events.push(`${hart}:${bit}=${level ? 1 : 0}`);
  };
  return { mip, events, setMip, get: (h: number, b: number) => mip.get(`${h}:${b}`) ?? false };
}

function write64(c: Clint, off: number, v: number) {
  c.write(off, 4, v % 2 ** 32);
  c.write(off + 4, 4, Math.floor(v / 2 ** 32));
}
function read64(c: Clint, off: number) {
  return c.read(off, 4) + c.read(off + 4, 4) * 2 ** 32;
}

describe('CLINT', () => {
  it('mtime follows the virtual clock at 10 MHz (100 instructions per tick)', () => {
    const clock = new VirtualClock();
    const c = new Clint(clock, 1, () => {});
    expect(read64(c, 0xbff8)).to.equal(0);
    clock.icount = 12345;
    expect(read64(c, 0xbff8)).to.equal(123);
    clock.icount = 2 ** 32 * 100 + 250;
    expect(c.read(0xbff8, 4)).to.equal(2);
    expect(c.read(0xbffc, 4)).to.equal(1);
  });

  it('msip drives MSIP of the right hart, only bit 0 is kept', () => {
    const r = mipRecorder();
    const c = new Clint(new VirtualClock(), 2, r.setMip);
    c.write(4, 4, 0xffffffff);
    expect(r.get(1, 3)).to.equal(true);
    expect(r.get(0, 3)).to.equal(false);
    expect(c.read(4, 4)).to.equal(1);
    c.write(4, 4, 0);
    expect(r.get(1, 3)).to.equal(false);
    expect(r.events).to.deep.equal(['1:3=1', '1:3=0']);
  });

  it('MTIP is high from reset (mtimecmp = 0, as on QEMU) and follows mtime >= mtimecmp', () => {
    const clock = new VirtualClock();
    const r = mipRecorder();
    const c = new Clint(clock, 1, r.setMip);
    c.reset();
    expect(r.get(0, 7)).to.equal(true);
    expect(c.nextDeadline()).to.equal(Infinity);
    clock.icount = 1000;
    write64(c, 0x4000, 50); // mtime is 10: not yet
    expect(r.get(0, 7)).to.equal(false);
    expect(c.nextDeadline()).to.equal(50);
    expect(clock.insnsUntilMtime(c.nextDeadline())).to.equal(4000);
    clock.icount = 4999;
    c.update();
    expect(r.get(0, 7)).to.equal(false);
    clock.icount = 5000;
    c.update();
    expect(r.get(0, 7)).to.equal(true);
    expect(c.nextDeadline()).to.equal(Infinity);
    // Writing a later mtimecmp clears MTIP at once.
    write64(c, 0x4000, 60);
    expect(r.get(0, 7)).to.equal(false);
    // Writing an mtimecmp already passed raises it at once.
    c.write(0x4000, 4, 3);
    expect(r.get(0, 7)).to.equal(true);
    // All ones: never.
    write64(c, 0x4000, 2 ** 64 - 1);
    c.write(0x4000, 4, 0xffffffff);
    c.write(0x4004, 4, 0xffffffff);
    expect(r.get(0, 7)).to.equal(false);
  });

  it('per-hart mtimecmp and nextDeadline picks the earliest armed, not-yet-fired timer', () => {
    const clock = new VirtualClock();
    const r = mipRecorder();
    const c = new Clint(clock, 3, r.setMip);
    write64(c, 0x4000, 2 ** 40);
    write64(c, 0x4000 + 8 * 2, 300);
    write64(c, 0x4000 + 8 * 1, 200);
    expect(read64(c, 0x4008)).to.equal(200);
    expect(c.nextDeadline()).to.equal(200);
    clock.icount = 20000;
    c.update();
    expect(r.get(1, 7)).to.equal(true);
    expect(r.get(2, 7)).to.equal(false);
    expect(r.get(0, 7)).to.equal(false);
    expect(c.nextDeadline()).to.equal(300);
  });

  it('accepts byte writes to mtimecmp and ignores reserved offsets', () => {
    const c = new Clint(new VirtualClock(), 1, () => {});
    write64(c, 0x4000, 0x1122334455);
    c.write(0x4001, 1, 0xaa);
    expect(c.read(0x4000, 4)).to.equal(0x2233aa55);
    expect(c.read(0x4000, 1)).to.equal(0x55);
    expect(c.read(0x4004, 2)).to.equal(0x11);
    c.write(0x8000, 4, 123);
    expect(c.read(0x8000, 4)).to.equal(0);
    expect(c.read(0x10, 4)).to.equal(0); // msip of a hart that does not exist
  });

  it('a guest write to mtime offsets it from the clock and re-evaluates timers', () => {
    const clock = new VirtualClock();
    const r = mipRecorder();
    const c = new Clint(clock, 1, r.setMip);
    clock.icount = 1000; // mtime 10
    write64(c, 0x4000, 1000);
    write64(c, 0xbff8, 995);
    expect(read64(c, 0xbff8)).to.equal(995);
    expect(c.nextDeadline()).to.equal(15); // in clock.mtime() ticks
    clock.icount = 1500;
    expect(read64(c, 0xbff8)).to.equal(1000);
    c.update();
    expect(r.get(0, 7)).to.equal(true);
  });

  it('update() re-drives MTIP even when unchanged (a hart reset may have cleared mip)', () => {
    const r = mipRecorder();
    const c = new Clint(new VirtualClock(), 1, r.setMip);
    c.reset();
    r.mip.set('0:7', false); // the hart's own reset cleared mip
    c.update();
    expect(r.get(0, 7)).to.equal(true);
  });

  it('tells the board when a guest write moves the deadline', () => {
    const c = new Clint(new VirtualClock(), 1, () => {});
    let calls = 0;
    c.onDeadlineChange = () => calls++;
    c.write(0x4000, 4, 500);
    c.write(0xbff8, 4, 7);
    c.write(0, 4, 1); // msip: no deadline involved
    expect(calls).to.equal(2);
  });

  it('saveState/loadState reproduces the same behaviour', () => {
    const clock = new VirtualClock();
    const a = mipRecorder();
    const c = new Clint(clock, 2, a.setMip);
    write64(c, 0x4000, 70);
    c.write(4, 4, 1);
    const s = structuredClone(c.saveState());
    const b = mipRecorder();
    const d = new Clint(clock, 2, b.setMip);
    d.loadState(s);
    expect(b.get(1, 3)).to.equal(true);
    for (const x of [c, d]) {
      clock.icount = 7000;
      x.update();
    }
    expect(a.get(0, 7)).to.equal(true);
    expect(b.get(0, 7)).to.equal(true);
    expect(d.nextDeadline()).to.equal(c.nextDeadline());
    c.reset();
    expect(a.get(1, 3)).to.equal(false);
    expect(a.get(0, 7)).to.equal(true); // mtimecmp back to 0
    expect(a.get(1, 7)).to.equal(true);
    expect(read64(c, 0x4000)).to.equal(0);
  });
});
