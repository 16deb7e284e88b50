import { expect } from 'chai';
import { DiskOverlay } from '../../dist/devices/disk.js';
import { VirtioBlk } from '../../dist/devices/virtio-blk.js';
import { Driver, R, RAM_BASE, blkHeader } from './virtio-driver.js';

const HDR = RAM_BASE + 0x20000;
const DATA = RAM_BASE + 0x21000;
const STATUS = RAM_BASE + 0x30000;
const INDIRECT = RAM_BASE + 0x31000;
const SECTORS = 64;

function pattern(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 13 + seed) & 0xff;
  return a;
}

function makeDisk() {
  const image = pattern(SECTORS * 512, 1);
  return { image, orig: image.slice(), disk: new DiskOverlay(image) };
}

for (const legacy of [false, true]) {
  describe(`virtio-blk over ${legacy ? 'legacy (version 1)' : 'modern (version 2)'} virtio-mmio`, () => {
    function setup(opts: { readOnly?: boolean; serial?: string } = {}) {
      const d = makeDisk();
      const drv = new Driver(new VirtioBlk(d.disk, opts), legacy);
      return { ...d, drv };
    }

    /** Status byte preset to 0xff so a test sees that the device wrote it. */
    function request(drv: Driver, type: number, sector: number, data: { len: number; write: boolean }[], opts = {}) {
      drv.put(HDR, blkHeader(type, sector));
      drv.put(STATUS, Uint8Array.of(0xff));
      let addr = DATA;
      const bufs = [{ addr: HDR, len: 16 }];
      for (const d of data) {
        bufs.push({ addr, len: d.len, write: d.write } as never);
        addr += d.len;
      }
      bufs.push({ addr: STATUS, len: 1, write: true } as never);
      const before = drv.usedIdx();
      drv.submit(bufs, opts);
      return { done: drv.usedIdx() - before, status: drv.get(STATUS, 1)[0], used: drv.usedElem(before) };
    }

    it('identifies itself and offers its features', () => {
      const { drv } = setup();
      expect(drv.r(R.Magic)).to.equal(0x74726976);
      expect(drv.r(R.Version)).to.equal(legacy ? 1 : 2);
      expect(drv.r(R.DeviceID)).to.equal(2);
      expect(drv.r(R.VendorID)).to.equal(0x554d4551);
      const f = drv.deviceFeatures();
      expect(f & (1n << 28n)).to.equal(1n << 28n); // INDIRECT_DESC
      expect(f & (1n << 9n)).to.equal(1n << 9n); // FLUSH
      expect(f & (1n << 29n)).to.equal(0n); // no EVENT_IDX
      expect(f & (1n << 32n)).to.equal(legacy ? 0n : 1n << 32n); // VERSION_1 only on modern
      expect(drv.r(R.QueueNumMax)).to.equal(256);
      drv.w(R.QueueSel, 1);
      expect(drv.r(R.QueueNumMax)).to.equal(0);
    });

    it('config space: capacity in sectors, blk_size, seg_max, with any access width', () => {
      const { drv } = setup();
      expect(drv.r(R.Config)).to.equal(SECTORS);
      expect(drv.r(R.Config + 4)).to.equal(0);
      expect(drv.bus.read(0x1000_1000 + R.Config, 1)).to.equal(SECTORS);
      expect(drv.bus.read(0x1000_1000 + R.Config + 20, 2)).to.equal(512);
      expect(drv.r(R.Config + 12)).to.equal(254);
      expect(drv.r(R.Config + 0x200)).to.equal(0);
    });

    it('write then read back across chained data descriptors, with used-ring interrupts', () => {
      const { drv, orig, image, disk } = setup();
      expect(drv.init() & 4).to.equal(4);
      const payload = pattern(1024, 99);
      drv.put(DATA, payload.subarray(0, 512));
      drv.put(DATA + 512, payload.subarray(512));
      const w = request(drv, 1, 5, [{ len: 512, write: false }, { len: 512, write: false }]);
      expect(w).to.deep.include({ done: 1, status: 0 });
      expect(w.used.len).to.equal(1);
      expect(drv.irq.level).to.equal(true);
      expect(drv.r(R.InterruptStatus)).to.equal(1);
      drv.w(R.InterruptACK, 1);
      expect(drv.irq.level).to.equal(false);
      expect(image).to.deep.equal(orig); // the user's image is untouched
      expect(disk.contents().subarray(5 * 512, 7 * 512)).to.deep.equal(payload);

      drv.put(DATA, new Uint8Array(1536));
      const r = request(drv, 0, 4, [{ len: 512, write: true }, { len: 1024, write: true }]);
      expect(r).to.deep.include({ done: 1, status: 0 });
      expect(r.used.len).to.equal(1537);
      expect(drv.get(DATA, 512)).to.deep.equal(orig.subarray(4 * 512, 5 * 512));
      expect(drv.get(DATA + 512, 1024)).to.deep.equal(payload);
    });

    it('indirect descriptors', () => {
      const { drv, orig } = setup();
      drv.init();
      drv.put(HDR, blkHeader(0, 10));
      drv.put(STATUS, Uint8Array.of(0xff));
      const before = drv.usedIdx();
      drv.submit(
        [
          { addr: HDR, len: 8 }, // the header may itself be split
          { addr: HDR + 8, len: 8 },
          { addr: DATA, len: 512, write: true },
          { addr: STATUS, len: 1, write: true },
        ],
        { indirectAt: INDIRECT },
      );
      expect(drv.usedIdx()).to.equal(before + 1);
      expect(drv.get(STATUS, 1)[0]).to.equal(0);
      expect(drv.usedElem(before).len).to.equal(513);
      expect(drv.get(DATA, 512)).to.deep.equal(orig.subarray(10 * 512, 11 * 512));
    });

    it('flush, get-id and unsupported requests', () => {
      const { drv } = setup({ serial: 'rvrr-disk-0' });
      drv.init();
      expect(request(drv, 4, 0, []).status).to.equal(0);
      expect(request(drv, 0x80000004, 0, []).status).to.equal(0); // legacy BARRIER bit ignored
      const id = request(drv, 8, 0, [{ len: 20, write: true }]);
      expect(id.status).to.equal(0);
      expect(id.used.len).to.equal(21);
      expect(request(drv, 8, 0, [{ len: 64, write: true }]).used.len).to.equal(65); // as QEMU
      expect(new TextDecoder().decode(drv.get(DATA, 11))).to.equal('rvrr-disk-0');
      expect(drv.get(DATA + 11, 9)).to.deep.equal(new Uint8Array(9));
      const bad = request(drv, 99, 0, []);
      expect(bad.status).to.equal(2);
      expect(bad.used.len).to.equal(1);
      const err = request(drv, 0, SECTORS, [{ len: 512, write: true }]);
      expect(err.status).to.equal(1);
      expect(err.used.len).to.equal(513); // QEMU reports the whole writable size even on error
    });

    it('out-of-range sectors, partial sectors and read-only writes answer IOERR', () => {
      const { drv, disk, orig } = setup({ readOnly: true });
      expect(drv.deviceFeatures() & (1n << 5n)).to.equal(1n << 5n);
      drv.init();
      expect(request(drv, 0, SECTORS - 1, [{ len: 1024, write: true }]).status).to.equal(1);
      expect(request(drv, 0, 2 ** 40, [{ len: 512, write: true }]).status).to.equal(1);
      expect(request(drv, 0, 0, [{ len: 100, write: true }]).status).to.equal(1);
      expect(request(drv, 1, 0, [{ len: 512, write: false }]).status).to.equal(1);
      expect(disk.contents()).to.deep.equal(orig);
      expect(request(drv, 0, SECTORS - 1, [{ len: 512, write: true }]).status).to.equal(0);
      expect(drv.r(R.Status) & 0x40).to.equal(0);
    });

    it('a descriptor loop or a buffer outside RAM sets DEVICE_NEEDS_RESET, and a reset recovers', () => {
      const { drv } = setup();
      drv.init();
      drv.writeDesc(drv.desc, 0, HDR, 16, 1, 1);
      drv.writeDesc(drv.desc, 1, DATA, 512, 1 | 2, 0); // next -> 0: a loop
      drv.publish(0);
      expect(drv.r(R.Status) & 0x40).to.equal(0x40);
      expect(drv.r(R.InterruptStatus) & 2).to.equal(2);
      expect(drv.irq.level).to.equal(true);
      expect(drv.usedIdx()).to.equal(0);
      drv.w(R.Status, 0);
      expect(drv.r(R.Status)).to.equal(0);
      expect(drv.irq.level).to.equal(false);

      const d2 = setup();
      d2.drv.init();
      d2.drv.put(HDR, blkHeader(0, 0));
      d2.drv.submit([
        { addr: HDR, len: 16 },
        { addr: 0x1000, len: 512, write: true }, // not RAM
        { addr: STATUS, len: 1, write: true },
      ]);
      expect(d2.drv.r(R.Status) & 0x40).to.equal(0x40);
      // Nested indirect tables and readable-after-writable are malformed too.
      for (const bufs of [
        [{ addr: STATUS, len: 1, write: true }, { addr: HDR, len: 16 }],
      ]) {
        const d3 = setup();
        d3.drv.init();
        d3.drv.submit(bufs);
        expect(d3.drv.r(R.Status) & 0x40).to.equal(0x40);
      }
      const d4 = setup();
      d4.drv.init();
      d4.drv.writeDesc(INDIRECT, 0, INDIRECT, 16, 4, 0);
      d4.drv.writeDesc(d4.drv.desc, 0, INDIRECT, 16, 4, 0);
      d4.drv.publish(0);
      expect(d4.drv.r(R.Status) & 0x40).to.equal(0x40);
      // An indirect table of more than 1024 descriptors (here all chained) is refused.
      const d6 = setup();
      d6.drv.init();
      for (let i = 0; i < 1100; i++) d6.drv.writeDesc(INDIRECT, i, HDR, 16, 1, i + 1);
      d6.drv.writeDesc(d6.drv.desc, 0, INDIRECT, 16 * 1100, 4, 0);
      d6.drv.publish(0);
      expect(d6.drv.r(R.Status) & 0x40).to.equal(0x40);
      // A request without a status byte cannot be answered.
      const d5 = setup();
      d5.drv.init();
      d5.drv.put(HDR, blkHeader(4, 0));
      d5.drv.submit([{ addr: HDR, len: 16 }]);
      expect(d5.drv.r(R.Status) & 0x40).to.equal(0x40);
    });

    it('VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the interrupt', () => {
      const { drv } = setup();
      drv.init();
      const r = request(drv, 4, 0, [], { noInterrupt: true });
      expect(r.done).to.equal(1);
      expect(drv.irq.level).to.equal(false);
      expect(drv.r(R.InterruptStatus)).to.equal(0);
    });

    it('DMA into RAM goes through the bus and tells the CPU which pages changed', () => {
      const { drv } = setup();
      drv.init();
      const pages: number[] = [];
      drv.ram.onExternalWrite = (i) => pages.push(i);
      request(drv, 0, 0, [{ len: 512, write: true }]);
      expect(pages).to.include((DATA - RAM_BASE) >> 12);
      expect(pages).to.include((STATUS - RAM_BASE) >> 12);
    });

    it('saveState/loadState with a RAM snapshot replays identically', () => {
      const { drv, disk } = setup();
      drv.init();
      drv.put(DATA, pattern(512, 7));
      request(drv, 1, 3, [{ len: 512, write: false }]);
      const ramSnap = drv.ram.snapshot();
      const state = drv.dev.saveState();
      const run = () => {
        drv.put(DATA, pattern(512, 8));
        const r = request(drv, 1, 3, [{ len: 512, write: false }]);
        return { r, used: drv.usedIdx(), sector: disk.contents().subarray(3 * 512, 4 * 512).slice() };
      };
      const first = run();
      drv.ram.restore(ramSnap);
      drv.dev.loadState(state);
      expect(disk.contents().subarray(3 * 512, 4 * 512)).to.deep.equal(pattern(512, 7));
      // The test driver keeps its own ring position; rewind it like the RAM.
      (drv as unknown as { availIdx: number; nextDesc: number }).availIdx = 1;
      (drv as unknown as { availIdx: number; nextDesc: number }).nextDesc = 3;
      const second = run();
      expect(second).to.deep.equal(first);
    });
  });
}

describe('virtio-mmio transport details', () => {
  it('an empty slot answers magic, version, vendor and device id 0, and ignores writes', () => {
    const drv = new Driver(null, false);
    expect(drv.r(R.Magic)).to.equal(0x74726976);
    expect(drv.r(R.Version)).to.equal(2);
    expect(drv.r(R.DeviceID)).to.equal(0);
    expect(drv.r(R.VendorID)).to.equal(0x554d4551);
    drv.w(R.Status, 0xf);
    expect(drv.r(R.Status)).to.equal(0);
    expect(drv.r(R.QueueNumMax)).to.equal(0);
    expect(drv.r(R.Config)).to.equal(0);
  });

  it('modern: FEATURES_OK is accepted as on QEMU, even without VERSION_1; unoffered bits are dropped', () => {
    const mk = () => new Driver(new VirtioBlk(makeDisk().disk), false);
    const a = mk();
    expect(a.init(1n << 28n) & 0xf).to.equal(0xf); // xv6 acknowledges no VERSION_1
    expect(a.dev.negotiatedFeatures).to.equal(1n << 28n);
    const b = mk();
    expect(b.init((1n << 32n) | (1n << 29n) | (1n << 28n)) & 8).to.equal(8);
    expect(b.dev.negotiatedFeatures).to.equal((1n << 32n) | (1n << 28n));
    // Requests work after such a negotiation.
    b.put(HDR, blkHeader(4, 0));
    b.submit([{ addr: HDR, len: 16 }, { addr: STATUS, len: 1, write: true }]);
    expect(b.usedIdx()).to.equal(1);
  });

  it('modern queue registers read back; legacy QueuePFN reads back and registers are 32-bit only', () => {
    const m = new Driver(new VirtioBlk(makeDisk().disk), false);
    m.init();
    expect(m.r(R.QueueDescLow)).to.equal(m.desc);
    expect(m.r(R.QueueDriverLow)).to.equal(m.avail);
    expect(m.r(R.QueueDeviceLow)).to.equal(m.used);
    expect(m.r(R.QueueReady)).to.equal(1);
    expect(m.r(R.QueueNum)).to.equal(8);
    m.w(R.QueueNum, 6); // not a power of 2: ignored
    expect(m.r(R.QueueNum)).to.equal(8);
    expect(m.bus.read(0x1000_1000 + R.Status, 1)).to.equal(0);
    const l = new Driver(new VirtioBlk(makeDisk().disk), true);
    l.init();
    expect(l.r(R.QueuePFN)).to.equal((RAM_BASE + 0x10000) / 4096);
    expect(l.r(R.QueueReady)).to.equal(0);
    expect(l.r(R.ConfigGeneration)).to.equal(0);
  });
});
