/**
 * virtio-mmio transport (virtio 1.2, section 4.2): version 2 ("modern") or version 1
 * ("legacy", with GuestPageSize/QueuePFN/QueueAlign), chosen at construction. QEMU's virt
 * board has eight slots; a slot without a backend answers device id 0, as QEMU's do.
 *
 * Requests are processed synchronously when the driver writes QueueNotify, so completion and
 * the used-buffer interrupt happen within that same instruction (deterministic by design).
 * A malformed ring or chain puts the device in DEVICE_NEEDS_RESET (with a configuration
 * change interrupt) and it processes nothing more until the driver resets it.
 */
import createDebug from 'debug';
import type { Bus } from '../bus/bus.js';
import type { DeviceState, IrqLine, MmioDevice } from './device.js';
import { DescriptorChain, SplitQueue, VirtqueueError, drainQueue, interruptSuppressed, popAvail, pushUsed, walkChain } from './virtqueue.js';

export { DescriptorChain, VirtqueueError } from './virtqueue.js';

export const VIRTIO_MMIO_SIZE = 0x1000;
export const VIRTIO_MMIO_MAGIC = 0x74726976; // "virt"
export const VIRTIO_MMIO_VENDOR = 0x554d4551; // "QEMU"
export const VIRTIO_F_VERSION_1 = 1n << 32n;
export const VIRTIO_RING_F_INDIRECT_DESC = 1n << 28n;
export const VIRTIO_RING_F_EVENT_IDX = 1n << 29n;

// Device status bits.
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_DEVICE_NEEDS_RESET = 0x40;
export const VIRTIO_STATUS_FAILED = 0x80;
export const VIRTIO_INT_USED_BUFFER = 1;
export const VIRTIO_INT_CONFIG_CHANGE = 2;

// Register offsets.
export const REG = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  GuestPageSize: 0x028,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueAlign: 0x03c,
  QueuePFN: 0x040,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/**
 * What the transport offers a backend that moves data on its own initiative (a network
 * card receiving a frame), not only when the driver notifies.
 */
export interface VirtioQueues {
  /** DRIVER_OK is set and the device does not need a reset: the driver is ready for data. */
  readonly driverReady: boolean;
  /** Features the driver acknowledged. */
  readonly negotiatedFeatures: bigint;
  /**
   * Hand the next available chain of `queue` to `fill` and publish it as used with the
   * length `fill` returns, interrupting unless the driver suppressed it. Returns false when
   * the driver is not ready or the queue has no chain; a malformed ring or chain puts the
   * device in DEVICE_NEEDS_RESET (also false).
   */
  fillOne(queue: number, fill: (chain: DescriptorChain) => number): boolean;
  /** Process every available chain of `queue` as `notify` does for a backend without one. */
  drain(queue: number, handle: (chain: DescriptorChain) => number): void;
}

/** A virtio device model behind the transport. */
export interface VirtioBackend {
  /** Virtio device id (2 = block). */
  readonly deviceId: number;
  /** Offered features, including VIRTIO_F_VERSION_1 (the legacy transport hides bits >= 32). */
  readonly features: bigint;
  /** Number of virtqueues (default 1). */
  readonly numQueues?: number;
  /** QueueNumMax of every queue (default 256, a power of 2). */
  readonly queueSize?: number;
  /** Read `size` bytes of device configuration space at `offset` (0 beyond its end). */
  configRead(offset: number, size: 1 | 2 | 4): number;
  configWrite?(offset: number, size: 1 | 2 | 4, value: number): void;
  /**
   * Process one descriptor chain of `queue`; return the used length to report (the bytes
   * written into the chain's device-writable buffers; virtio-blk reports all of them, as QEMU). May throw VirtqueueError for a request so malformed
   * that it cannot even carry a status.
   */
  handle(queue: number, chain: DescriptorChain): number;
  /**
   * The driver notified `queue`. Without this method the transport drains the queue through
   * `handle`; with it, the backend decides (a receive queue's buffers wait for data).
   */
  notify?(queue: number): void;
  /** Called once by the transport with its queue access (for backends with their own data). */
  attach?(queues: VirtioQueues): void;
  /** Device reset (driver wrote 0 to Status). */
  reset(): void;
  saveState(): DeviceState;
  loadState(s: DeviceState): void;
}

interface QueueState extends SplitQueue {
  ready: boolean;
  /** Legacy: guest page number of the ring, 0 = inactive. */
  pfn: number;
  align: number;
}

const log = createDebug('rvrr:dev:virtio');

function lo32(v: bigint): number {
  return Number(v & 0xffffffffn);
}

export class VirtioMmio implements MmioDevice {
  readonly name: string;
  readonly legacy: boolean;
  private readonly queueMax: number;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private guestPageSize = 0;
  private queueSel = 0;
  private queues: QueueState[] = [];
  private interruptStatus = 0;
  private status = 0;
  private irqLevel = false;

  /**
   * @param bus     DMA goes through it (RAM only; writes invalidate decoded code)
   * @param irq     PLIC source line (1 + slot on virt)
   * @param backend the device, or null for an empty slot (device id 0)
   * @param opts    `legacy: true` for the version 1 register layout (QEMU's default)
   */
  constructor(
    private readonly bus: Bus,
    private readonly irq: IrqLine,
    readonly backend: VirtioBackend | null,
    opts: { legacy?: boolean; name?: string } = {},
  ) {
    this.legacy = opts.legacy ?? false;
    this.name = opts.name ?? 'virtio';
    this.queueMax = backend?.queueSize ?? 256;
    for (let i = 0; i < (backend?.numQueues ?? 0); i++) this.queues.push(this.freshQueue());
    const self = this;
    backend?.attach?.({
      get driverReady() {
        return (self.status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET)) === VIRTIO_STATUS_DRIVER_OK;
      },
      get negotiatedFeatures() {
        return self.negotiatedFeatures;
      },
      fillOne: (queue, fill) => this.fillOne(queue, fill),
      drain: (queue, handle) => this.drain(queue, handle),
    });
  }

  private freshQueue(): QueueState {
    return {
      num: this.queueMax,
      descAddr: 0,
      availAddr: 0,
      usedAddr: 0,
      lastAvailIdx: 0,
      usedIdx: 0,
      ready: false,
      pfn: 0,
      align: 4096,
    };
  }

  private offered(): bigint {
    const f = this.backend?.features ?? 0n;
    return this.legacy ? f & 0xffffffffn : f;
  }

  /** Power-on (system) reset. */
  reset(): void {
    this.guestPageSize = 0;
    this.deviceReset();
  }

  /**
   * Device reset, as when the driver writes 0 to Status. Legacy GuestPageSize survives it:
   * Linux and U-Boot write it once at probe time, before they reset the device (as on QEMU).
   */
  private deviceReset(): void {
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    this.queues = this.queues.map(() => this.freshQueue());
    this.interruptStatus = 0;
    this.status = 0;
    this.backend?.reset();
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    // Re-asserted at every update while the condition holds, as QEMU's devices do: the PLIC
    // pends the source on each (a completion alone does not).
    if (level || level !== this.irqLevel) this.irq.set(level);
    this.irqLevel = level;
  }

  private selQueue(): QueueState | undefined {
    return this.queues[this.queueSel];
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= REG.Config) {
      return this.backend ? this.backend.configRead(offset - REG.Config, size) >>> 0 : 0;
    }
    if (size !== 4 || offset & 3) return 0; // registers are 32-bit only
    switch (offset) {
      case REG.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case REG.Version:
        return this.legacy ? 1 : 2;
      case REG.DeviceID:
        return this.backend?.deviceId ?? 0;
      case REG.VendorID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (!this.backend) return 0;
    const q = this.selQueue();
    switch (offset) {
      case REG.DeviceFeatures:
        if (this.legacy && this.deviceFeaturesSel !== 0) return 0;
        return this.deviceFeaturesSel < 2 ? lo32(this.offered() >> BigInt(32 * this.deviceFeaturesSel)) : 0;
      case REG.QueueNumMax:
        return q ? this.queueMax : 0;
      case REG.QueueNum:
        return q ? q.num : 0;
      case REG.QueuePFN:
        return this.legacy && q ? q.pfn : 0;
      case REG.QueueReady:
        return !this.legacy && q && q.ready ? 1 : 0;
      case REG.InterruptStatus:
        return this.interruptStatus;
      case REG.Status:
        return this.status;
      case REG.QueueDescLow:
      case REG.QueueDescHigh:
      case REG.QueueDriverLow:
      case REG.QueueDriverHigh:
      case REG.QueueDeviceLow:
      case REG.QueueDeviceHigh: {
        if (this.legacy || !q) return 0;
        const base = offset & ~7;
        const addr = base === REG.QueueDescLow ? q.descAddr : base === REG.QueueDriverLow ? q.availAddr : q.usedAddr;
        return offset & 4 ? Math.floor(addr / 0x1_0000_0000) >>> 0 : addr >>> 0;
      }
      case REG.ConfigGeneration:
        return 0; // configuration space never changes under the driver
    }
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!this.backend) return;
    if (offset >= REG.Config) {
      this.backend.configWrite?.(offset - REG.Config, size, value);
      return;
    }
    if (size !== 4 || offset & 3) return;
    value >>>= 0;
    const q = this.selQueue();
    switch (offset) {
      case REG.DeviceFeaturesSel:
        this.deviceFeaturesSel = value;
        break;
      case REG.DriverFeatures:
        if (this.driverFeaturesSel < 2 && !(this.legacy && this.driverFeaturesSel !== 0)) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(value) << shift);
        }
        break;
      case REG.DriverFeaturesSel:
        this.driverFeaturesSel = value;
        break;
      case REG.GuestPageSize:
        if (this.legacy && value !== 0) this.guestPageSize = value & -value; // a power of 2
        break;
      case REG.QueueSel:
        this.queueSel = value;
        break;
      case REG.QueueNum:
        // Split rings have power-of-2 sizes up to QueueNumMax; other values are ignored.
        if (q && value >= 1 && value <= this.queueMax && (value & (value - 1)) === 0) q.num = value;
        break;
      case REG.QueueAlign:
        if (this.legacy && q && value !== 0 && (value & (value - 1)) === 0) q.align = value;
        break;
      case REG.QueuePFN:
        if (this.legacy && q) {
          q.pfn = value;
          if (value === 0) {
            q.lastAvailIdx = 0;
            q.usedIdx = 0;
          } else {
            this.layoutLegacy(q);
          }
        }
        break;
      case REG.QueueReady:
        if (!this.legacy && q) q.ready = (value & 1) === 1;
        break;
      case REG.QueueNotify:
        this.notify(value & 0xffff);
        break;
      case REG.InterruptACK:
        this.interruptStatus &= ~value;
        this.updateIrq();
        break;
      case REG.Status:
        this.writeStatus(value & 0xff);
        break;
      case REG.QueueDescLow:
      case REG.QueueDescHigh:
      case REG.QueueDriverLow:
      case REG.QueueDriverHigh:
      case REG.QueueDeviceLow:
      case REG.QueueDeviceHigh: {
        if (this.legacy || !q) break;
        const key = (offset & ~7) === REG.QueueDescLow ? 'descAddr' : (offset & ~7) === REG.QueueDriverLow ? 'availAddr' : 'usedAddr';
        const cur = q[key];
        const hi = Math.floor(cur / 0x1_0000_0000);
        const lo = cur - hi * 0x1_0000_0000;
        q[key] = offset & 4 ? value * 0x1_0000_0000 + lo : hi * 0x1_0000_0000 + value;
        break;
      }
    }
  }

  /** Legacy ring layout (virtio 1.2, 2.7.2 "Legacy Interfaces"): desc, avail, then used aligned. */
  private layoutLegacy(q: QueueState): void {
    const base = q.pfn * (this.guestPageSize || 1);
    q.descAddr = base;
    q.availAddr = base + 16 * q.num;
    const availEnd = q.availAddr + 2 * (3 + q.num);
    q.usedAddr = Math.ceil(availEnd / q.align) * q.align;
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      log('%s: device reset', this.name);
      this.deviceReset();
      return;
    }
    // Like QEMU 7.2, FEATURES_OK is always accepted: bits we did not offer are dropped
    // (see negotiatedFeatures), and a modern driver that does not acknowledge
    // VIRTIO_F_VERSION_1 still works (xv6 relies on this).
    // DEVICE_NEEDS_RESET is the device's to set; the driver cannot clear it.
    this.status = (v & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) | (this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    if (v & VIRTIO_STATUS_DRIVER_OK) log('%s: driver ok, features 0x%s', this.name, this.driverFeatures.toString(16));
  }

  /** Features the driver acknowledged. */
  get negotiatedFeatures(): bigint {
    return this.driverFeatures & this.offered();
  }

  private notify(index: number): void {
    const backend = this.backend!;
    if (backend.notify) {
      if (this.queueLive(index)) backend.notify(index);
      return;
    }
    this.drain(index, (chain) => backend.handle(index, chain));
  }

  /** Queue `index` exists and is set up, and the device is not waiting for a reset. */
  private queueLive(index: number): QueueState | undefined {
    const q = this.queues[index];
    if (!q || this.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) return undefined;
    if (this.legacy ? q.pfn === 0 : !q.ready) return undefined;
    if (this.legacy) this.layoutLegacy(q); // QueueNum may have changed after QueuePFN
    return q;
  }

  private drain(index: number, handle: (chain: DescriptorChain) => number): void {
    const q = this.queueLive(index);
    if (!q) return;
    let result: { processed: number; noInterrupt: boolean };
    try {
      result = drainQueue(this.bus, q, handle);
    } catch (e) {
      this.ringError(index, e);
      return;
    }
    if (result.processed > 0 && !result.noInterrupt) {
      this.interruptStatus |= VIRTIO_INT_USED_BUFFER;
      this.updateIrq();
    }
  }

  private fillOne(index: number, fill: (chain: DescriptorChain) => number): boolean {
    if (!(this.status & VIRTIO_STATUS_DRIVER_OK)) return false;
    const q = this.queueLive(index);
    if (!q) return false;
    let quiet: boolean;
    try {
      const head = popAvail(this.bus, q);
      if (head === null) return false;
      pushUsed(this.bus, q, head, fill(walkChain(this.bus, q, head)));
      quiet = interruptSuppressed(this.bus, q);
    } catch (e) {
      this.ringError(index, e);
      return false;
    }
    if (!quiet) {
      this.interruptStatus |= VIRTIO_INT_USED_BUFFER;
      this.updateIrq();
    }
    return true;
  }

  /** A malformed ring or chain: DEVICE_NEEDS_RESET with a configuration change interrupt. */
  private ringError(index: number, e: unknown): void {
    if (!(e instanceof VirtqueueError)) throw e;
    log('%s: queue %d: %s: device needs reset', this.name, index, e.message);
    this.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    this.interruptStatus |= VIRTIO_INT_CONFIG_CHANGE;
    this.updateIrq();
  }

  saveState(): DeviceState {
    return {
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeatures: this.driverFeatures.toString(),
      guestPageSize: this.guestPageSize,
      queueSel: this.queueSel,
      queues: this.queues.map((q) => ({ ...q })),
      interruptStatus: this.interruptStatus,
      status: this.status,
      irqLevel: this.irqLevel,
      backend: this.backend ? this.backend.saveState() : null,
    };
  }

  loadState(s: DeviceState): void {
    this.deviceFeaturesSel = s.deviceFeaturesSel as number;
    this.driverFeaturesSel = s.driverFeaturesSel as number;
    this.driverFeatures = BigInt(s.driverFeatures as string);
    this.guestPageSize = s.guestPageSize as number;
    this.queueSel = s.queueSel as number;
    this.queues = (s.queues as QueueState[]).map((q) => ({ ...q }));
    this.interruptStatus = s.interruptStatus as number;
    this.status = s.status as number;
    this.irqLevel = s.irqLevel as boolean;
    if (this.backend && s.backend) this.backend.loadState(s.backend as DeviceState);
    // No irq.set: the PLIC restores its own view of the line (a set would pend anew).
  }
}
