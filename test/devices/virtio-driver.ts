/**
 * A minimal virtio driver for the tests: builds split rings and requests in guest RAM and
 * talks to the transport only through its MMIO registers, as a guest would.
 */
import { Bus } from '../../dist/bus/bus.js';
import { PagedRam } from '../../dist/bus/ram.js';
import { VirtioMmio, VirtioBackend } from '../../dist/devices/virtio-mmio.js';

export const RAM_BASE = 0x8000_0000;
export const R = {
  Magic: 0x000, Version: 0x004, DeviceID: 0x008, VendorID: 0x00c,
  DeviceFeatures: 0x010, DeviceFeaturesSel: 0x014, DriverFeatures: 0x020, DriverFeaturesSel: 0x024,
  GuestPageSize: 0x028, QueueSel: 0x030, QueueNumMax: 0x034, QueueNum: 0x038, QueueAlign: 0x03c,
  QueuePFN: 0x040, QueueReady: 0x044, QueueNotify: 0x050, InterruptStatus: 0x060, InterruptACK: 0x064,
  Status: 0x070, QueueDescLow: 0x080, QueueDescHigh: 0x084, QueueDriverLow: 0x090, QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0, QueueDeviceHigh: 0x0a4, ConfigGeneration: 0x0fc, Config: 0x100,
};

export interface Buf {
  addr: number;
  len: number;
  write?: boolean;
}

export class TestIrq {
  level = false;
  set(l: boolean) {
    this.level = l;
  }
}

export class Driver {
  readonly ram = new PagedRam(RAM_BASE, 1 << 20);
  readonly bus = new Bus(this.ram);
  readonly irq = new TestIrq();
  readonly dev: VirtioMmio;
  desc = 0;
  avail = 0;
  used = 0;
  private nextDesc = 0;
  private availIdx = 0;

  constructor(backend: VirtioBackend | null, readonly legacy: boolean, readonly qsize = 8) {
    this.dev = new VirtioMmio(this.bus, this.irq, backend, { legacy });
    this.bus.map(0x1000_1000, 0x1000, this.dev);
  }

  r(off: number): number {
    return this.bus.read(0x1000_1000 + off, 4)!;
  }
  w(off: number, v: number): void {
    this.bus.write(0x1000_1000 + off, 4, v);
  }

  /** Device features as a bigint (both selector words). */
  deviceFeatures(): bigint {
    this.w(R.DeviceFeaturesSel, 0);
    const lo = BigInt(this.r(R.DeviceFeatures));
    this.w(R.DeviceFeaturesSel, 1);
    return lo | (BigInt(this.r(R.DeviceFeatures)) << 32n);
  }

  /** Status handshake and queue 0 setup (virtio 1.2, 3.1.1). Returns the final Status. */
  init(features?: bigint): number {
    // Like Linux and U-Boot: the legacy page size is written at probe time, before the reset.
    if (this.legacy) this.w(R.GuestPageSize, 4096);
    this.w(R.Status, 0);
    this.w(R.Status, 1);
    this.w(R.Status, 3);
    const f = features ?? this.deviceFeatures();
    this.w(R.DriverFeaturesSel, 0);
    this.w(R.DriverFeatures, Number(f & 0xffffffffn));
    this.w(R.DriverFeaturesSel, 1);
    this.w(R.DriverFeatures, Number(f >> 32n));
    if (!this.legacy) {
      this.w(R.Status, 0xb);
      if (!(this.r(R.Status) & 8)) return this.r(R.Status);
    }
    this.w(R.QueueSel, 0);
    this.w(R.QueueNum, this.qsize);
    if (this.legacy) {
      const base = RAM_BASE + 0x10000;
      this.w(R.QueueAlign, 4096);
      this.w(R.QueuePFN, base / 4096);
      this.desc = base;
      this.avail = base + 16 * this.qsize;
      this.used = Math.ceil((this.avail + 2 * (3 + this.qsize)) / 4096) * 4096;
    } else {
      this.desc = RAM_BASE + 0x1000;
      this.avail = RAM_BASE + 0x2000;
      this.used = RAM_BASE + 0x3000;
      this.w(R.QueueDescLow, this.desc);
      this.w(R.QueueDescHigh, 0);
      this.w(R.QueueDriverLow, this.avail);
      this.w(R.QueueDriverHigh, 0);
      this.w(R.QueueDeviceLow, this.used);
      this.w(R.QueueDeviceHigh, 0);
      this.w(R.QueueReady, 1);
    }
    this.w(R.Status, this.legacy ? 7 : 0xf);
    return this.r(R.Status);
  }

  writeDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, addr % 2 ** 32, true);
    dv.setUint32(4, Math.floor(addr / 2 ** 32), true);
    dv.setUint32(8, len, true);
    dv.setUint16(12, flags, true);
    dv.setUint16(14, next, true);
    this.bus.writeBytes(table + 16 * i, b);
  }

  /** Put a chain on the avail ring (directly, or through an indirect table at `indirectAt`). */
  submit(bufs: Buf[], opts: { indirectAt?: number; noInterrupt?: boolean; notify?: boolean } = {}): number {
    const head = this.nextDesc;
    if (opts.indirectAt !== undefined) {
      bufs.forEach((b, i) =>
        this.writeDesc(opts.indirectAt!, i, b.addr, b.len, (b.write ? 2 : 0) | (i < bufs.length - 1 ? 1 : 0), i + 1),
      );
      this.writeDesc(this.desc, head, opts.indirectAt, 16 * bufs.length, 4, 0);
      this.nextDesc = (head + 1) % this.qsize;
    } else {
      bufs.forEach((b, i) => {
        const idx = (head + i) % this.qsize;
        const flags = (b.write ? 2 : 0) | (i < bufs.length - 1 ? 1 : 0);
        this.writeDesc(this.desc, idx, b.addr, b.len, flags, (idx + 1) % this.qsize);
      });
      this.nextDesc = (head + bufs.length) % this.qsize;
    }
    return this.publish(head, opts);
  }

  /** Put descriptor `head` (already written by the test) on the avail ring and notify. */
  publish(head: number, opts: { noInterrupt?: boolean; notify?: boolean } = {}): number {
    this.bus.write(this.avail, 2, opts.noInterrupt ? 1 : 0);
    this.bus.write(this.avail + 4 + 2 * (this.availIdx % this.qsize), 2, head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.bus.write(this.avail + 2, 2, this.availIdx);
    if (opts.notify !== false) this.w(R.QueueNotify, 0);
    return head;
  }

  usedIdx(): number {
    return this.bus.read(this.used + 2, 2)!;
  }
  usedElem(i: number): { id: number; len: number } {
    const a = this.used + 4 + 8 * (i % this.qsize);
    return { id: this.bus.read(a, 4)!, len: this.bus.read(a + 4, 4)! };
  }

  put(addr: number, data: Uint8Array): void {
    this.bus.writeBytes(addr, data);
  }
  get(addr: number, len: number): Uint8Array {
    return this.bus.readBytes(addr, len)!;
  }
}

/** A virtio-blk request header (type, reserved, sector). */
export function blkHeader(type: number, sector: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(8, sector % 2 ** 32, true);
  dv.setUint32(12, Math.floor(sector / 2 ** 32), true);
  return b;
}
