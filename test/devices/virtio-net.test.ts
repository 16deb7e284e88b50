/**
 * virtio-net through its MMIO registers, as a driver sees it: features and configuration,
 * transmit, receive with the backlog and its bounds, frames that do not fit, the legacy
 * header, a malformed ring, and state save/restore.
 */
import { expect } from 'chai';
import { Bus } from '../../dist/bus/bus.js';
import { PagedRam } from '../../dist/bus/ram.js';
import { VirtioMmio } from '../../dist/devices/virtio-mmio.js';
import {
  ETH_MAX_FRAME, RX_BACKLOG_FRAMES, VIRTIO_NET_F_MAC, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_STATUS, VirtioNet,
} from '../../dist/devices/virtio-net.js';
import { R, RAM_BASE, TestIrq } from './virtio-driver.js';

const MAC = Uint8Array.of(0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc);
const QSIZE = 8;
const VERSION_1 = 1n << 32n;

/** A two-queue virtio-net driver (modern or legacy) over a bare bus. */
class NetDriver {
  readonly ram = new PagedRam(RAM_BASE, 1 << 20);
  readonly bus = new Bus(this.ram);
  readonly irq = new TestIrq();
  readonly sent: Uint8Array[] = [];
  readonly net = new VirtioNet(MAC, { transmit: (f) => this.sent.push(f) });
  readonly dev: VirtioMmio;
  private readonly q = [0, 1].map((n) => ({ desc: RAM_BASE + 0x10000 * (n + 1), avail: 0, used: 0, availIdx: 0, next: 0 }));

  constructor(readonly legacy = false) {
    this.dev = new VirtioMmio(this.bus, this.irq, this.net, { legacy });
    this.bus.map(0x1000_1000, 0x1000, this.dev);
  }
  r(off: number): number {
    return this.bus.read(0x1000_1000 + off, 4)!;
  }
  w(off: number, v: number): void {
    this.bus.write(0x1000_1000 + off, 4, v);
  }
  features(): bigint {
    this.w(R.DeviceFeaturesSel, 0);
    const lo = BigInt(this.r(R.DeviceFeatures));
    this.w(R.DeviceFeaturesSel, 1);
    return lo | (BigInt(this.r(R.DeviceFeatures)) << 32n);
  }
  /** Handshake up to FEATURES_OK (and queues), DRIVER_OK when `ready`. */
  init(ready = true): void {
    if (this.legacy) this.w(R.GuestPageSize, 4096);
    this.w(R.Status, 0);
    this.w(R.Status, 3);
    const f = this.features() & (VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VERSION_1);
    this.w(R.DriverFeaturesSel, 0);
    this.w(R.DriverFeatures, Number(f & 0xffffffffn));
    this.w(R.DriverFeaturesSel, 1);
    this.w(R.DriverFeatures, Number(f >> 32n));
    if (!this.legacy) this.w(R.Status, 0xb);
    for (const [n, q] of this.q.entries()) {
      this.w(R.QueueSel, n);
      this.w(R.QueueNum, QSIZE);
      q.avail = q.desc + 16 * QSIZE;
      if (this.legacy) {
        this.w(R.QueueAlign, 4096);
        this.w(R.QueuePFN, q.desc / 4096);
        q.used = Math.ceil((q.avail + 2 * (3 + QSIZE)) / 4096) * 4096;
      } else {
        q.used = q.desc + 0x1000;
        this.w(R.QueueDescLow, q.desc);
        this.w(R.QueueDriverLow, q.avail);
        this.w(R.QueueDeviceLow, q.used);
        this.w(R.QueueReady, 1);
      }
    }
    if (ready) this.w(R.Status, this.legacy ? 7 : 0xf);
  }
  /** One single-descriptor chain on queue `n`; returns its head. */
  post(n: number, addr: number, len: number, write: boolean, notify = true): number {
    const q = this.q[n];
    const head = q.next;
    q.next = (q.next + 1) % QSIZE;
    const b = new DataView(new ArrayBuffer(16));
    b.setUint32(0, addr % 2 ** 32, true);
    b.setUint32(4, Math.floor(addr / 2 ** 32), true);
    b.setUint32(8, len, true);
    b.setUint16(12, write ? 2 : 0, true);
    this.bus.writeBytes(q.desc + 16 * head, new Uint8Array(b.buffer));
    this.bus.write(q.avail + 4 + 2 * (q.availIdx % QSIZE), 2, head);
    q.availIdx = (q.availIdx + 1) & 0xffff;
    this.bus.write(q.avail + 2, 2, q.availIdx);
    if (notify) this.w(R.QueueNotify, n);
    return head;
  }
  used(n: number): { id: number; len: number }[] {
    const q = this.q[n];
    const count = this.bus.read(q.used + 2, 2)!;
    return Array.from({ length: count }, (_, i) => ({ id: this.bus.read(q.used + 4 + 8 * i, 4)!, len: this.bus.read(q.used + 8 + 8 * i, 4)! }));
  }
  /** Transmit `frame` with a header of `hdr` bytes. */
  send(frame: Uint8Array, hdr = 12): void {
    const at = RAM_BASE + 0x80000 + 0x800 * (this.q[1].next);
    this.bus.writeBytes(at, new Uint8Array(hdr));
    this.bus.writeBytes(at + hdr, frame);
    this.post(1, at, hdr + frame.length, false);
  }
  rxBuf(i: number): number {
    return RAM_BASE + 0xc0000 + 0x800 * i;
  }
}

const frame = (len: number, fill = 0x11): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i < 12 ? 0xff : fill + i) & 0xff);

describe('virtio-net', () => {
  it('offers MAC and STATUS (not MRG_RXBUF) and shows its address and a link that is up', () => {
    const d = new NetDriver();
    expect(d.r(R.DeviceID)).to.equal(1);
    const f = d.features();
    expect(f & VIRTIO_NET_F_MAC).to.equal(VIRTIO_NET_F_MAC);
    expect(f & VIRTIO_NET_F_STATUS).to.equal(VIRTIO_NET_F_STATUS);
    expect(f & VERSION_1).to.equal(VERSION_1);
    expect(f & VIRTIO_NET_F_MRG_RXBUF).to.equal(0n);
    const mac = Array.from({ length: 6 }, (_, i) => d.bus.read(0x1000_1000 + R.Config + i, 1));
    expect(mac).to.deep.equal(Array.from(MAC));
    expect(d.bus.read(0x1000_1000 + R.Config + 6, 2), 'status: VIRTIO_NET_S_LINK_UP').to.equal(1);
  });

  it('transmits the frame after the 12-byte header and gives the buffer back with an interrupt', () => {
    const d = new NetDriver();
    d.init();
    const f = frame(60);
    d.send(f);
    expect(d.sent).to.have.length(1);
    expect(Array.from(d.sent[0])).to.deep.equal(Array.from(f));
    expect(d.used(1)).to.deep.equal([{ id: 0, len: 0 }]);
    expect(d.irq.level).to.equal(true);
    expect(d.net.counters.txFrames).to.equal(1);
  });

  it('drops and counts transmitted frames shorter than an Ethernet header or longer than a frame', () => {
    const d = new NetDriver();
    d.init();
    d.send(frame(13));
    d.send(frame(ETH_MAX_FRAME + 1));
    d.send(frame(ETH_MAX_FRAME));
    expect(d.sent.map((s) => s.length)).to.deep.equal([ETH_MAX_FRAME]);
    expect(d.net.counters.txDroppedBad).to.equal(2);
    expect(d.used(1)).to.have.length(3); // every buffer comes back
  });

  it('drops frames before DRIVER_OK, keeps them while no buffer is posted, and delivers them when one is', () => {
    const d = new NetDriver();
    d.init(false);
    expect(d.net.receive(frame(60))).to.equal(false);
    expect(d.net.counters.rxDroppedNotReady).to.equal(1);
    d.w(R.Status, 0xf);
    const f = frame(100, 0x40);
    expect(d.net.receive(f)).to.equal(true);
    expect(d.net.backlogFrames).to.equal(1);
    expect(d.irq.level).to.equal(false);
    d.post(0, d.rxBuf(0), 1526, true);
    expect(d.net.backlogFrames).to.equal(0);
    expect(d.used(0)).to.deep.equal([{ id: 0, len: 12 + 100 }]);
    const got = d.bus.readBytes(d.rxBuf(0), 112)!;
    expect(Array.from(got.subarray(0, 12)), 'virtio_net_hdr: num_buffers 1').to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(got.subarray(12))).to.deep.equal(Array.from(f));
    expect(d.irq.level).to.equal(true);
  });

  it(`keeps at most ${RX_BACKLOG_FRAMES} frames waiting for buffers, in order`, () => {
    const d = new NetDriver();
    d.init();
    for (let i = 0; i < RX_BACKLOG_FRAMES + 5; i++) d.net.receive(frame(60, i));
    expect(d.net.backlogFrames).to.equal(RX_BACKLOG_FRAMES);
    expect(d.net.counters.rxDroppedBacklog).to.equal(5);
    d.post(0, d.rxBuf(0), 1526, true, false);
    d.post(0, d.rxBuf(1), 1526, true);
    expect(d.bus.read(d.rxBuf(0) + 12 + 12, 1)).to.equal(12); // frame 0: byte 12 = fill + 12
    expect(d.bus.read(d.rxBuf(1) + 12 + 12, 1)).to.equal(13); // frame 1
    expect(d.net.backlogFrames).to.equal(RX_BACKLOG_FRAMES - 2);
  });

  it('drops a frame larger than the posted buffer (used length 0) and puts the next in the next buffer', () => {
    const d = new NetDriver();
    d.init();
    d.post(0, d.rxBuf(0), 64, true, false);
    d.post(0, d.rxBuf(1), 1526, true);
    d.net.receive(frame(200));
    d.net.receive(frame(60));
    expect(d.used(0)).to.deep.equal([{ id: 0, len: 0 }, { id: 1, len: 72 }]);
    expect(d.net.counters.rxDroppedTooBig).to.equal(1);
    expect(d.net.counters.rxFrames).to.equal(1);
  });

  it('uses the 10-byte header with a legacy driver (no VERSION_1, no MRG_RXBUF)', () => {
    const d = new NetDriver(true);
    d.init();
    d.send(frame(60), 10);
    expect(d.sent[0].length).to.equal(60);
    d.post(0, d.rxBuf(0), 1526, true);
    d.net.receive(frame(60));
    expect(d.used(0)).to.deep.equal([{ id: 0, len: 70 }]);
  });

  it('a receive buffer outside RAM puts the device in DEVICE_NEEDS_RESET; a reset clears the backlog', () => {
    const d = new NetDriver();
    d.init();
    d.net.receive(frame(60));
    d.post(0, 0x1000, 1526, true); // not RAM
    expect(d.r(R.Status) & 0x40).to.equal(0x40);
    expect(d.r(R.InterruptStatus) & 2, 'configuration change interrupt').to.equal(2);
    expect(d.net.receive(frame(60)), 'no data while the device needs a reset').to.equal(false);
    d.w(R.Status, 0);
    expect(d.net.backlogFrames).to.equal(0);
  });

  it('saves and restores the backlog and counters', () => {
    const d = new NetDriver();
    d.init();
    d.net.receive(frame(60, 1));
    d.net.receive(frame(61, 2));
    const saved = d.dev.saveState();
    d.post(0, d.rxBuf(0), 1526, true);
    expect(d.net.backlogFrames).to.equal(1);
    d.dev.loadState(saved);
    expect(d.net.backlogFrames).to.equal(2);
    expect(d.net.counters.rxFrames).to.equal(0);
  });
});
