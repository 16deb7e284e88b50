/**
 * Split virtqueues (virtio 1.2, section 2.7): descriptor-chain walking with every check a
 * misbehaving driver needs (indices, loops, nesting, buffer order, addresses outside RAM),
 * and the gather/scatter view of a chain that device backends use.
 */
import type { Bus } from '../bus/bus.js';

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;
const DESC_SIZE = 16;
/** Most descriptors one chain may use, indirect ones included (QEMU's VIRTQUEUE_MAX_SIZE). */
export const VIRTQ_MAX_CHAIN = 1024;

/**
 * A driver error the device cannot answer with a status (malformed ring or chain).
 * The transport turns it into DEVICE_NEEDS_RESET; it never escapes to the host.
 */
export class VirtqueueError extends Error {}

/** One guest buffer of a chain (guest-physical, entirely inside RAM). */
export interface VirtqBuffer {
  addr: number;
  len: number;
}

/** A descriptor chain, split into its device-readable and device-writable buffers. */
export class DescriptorChain {
  /** Device-readable (driver-written) buffers, in chain order. */
  readonly readable: VirtqBuffer[] = [];
  /** Device-writable buffers, in chain order (all after the readable ones). */
  readonly writable: VirtqBuffer[] = [];
  readableLength = 0;
  writableLength = 0;

  constructor(
    private readonly bus: Bus,
    /** Index of the head descriptor (the id the used ring reports). */
    readonly head: number,
  ) {}

  /** Gather `len` readable bytes starting at `offset` (fewer if the chain is shorter). */
  read(offset: number, len: number): Uint8Array {
    const total = Math.max(0, Math.min(len, this.readableLength - offset));
    const out = new Uint8Array(total);
    let done = 0;
    let skip = offset;
    for (const b of this.readable) {
      if (done === total) break;
      if (skip >= b.len) {
        skip -= b.len;
        continue;
      }
      const n = Math.min(b.len - skip, total - done);
      out.set(this.bus.readBytes(b.addr + skip, n)!, done);
      done += n;
      skip = 0;
    }
    return out;
  }

  /** Scatter `data` into the writable buffers from byte `offset`; returns bytes written. */
  write(offset: number, data: Uint8Array): number {
    const total = Math.max(0, Math.min(data.length, this.writableLength - offset));
    let done = 0;
    let skip = offset;
    for (const b of this.writable) {
      if (done === total) break;
      if (skip >= b.len) {
        skip -= b.len;
        continue;
      }
      const n = Math.min(b.len - skip, total - done);
      this.bus.writeBytes(b.addr + skip, data.subarray(done, done + n));
      done += n;
      skip = 0;
    }
    return done;
  }
}

/** Where a split virtqueue lives in guest memory, and the device's position in it. */
export interface SplitQueue {
  num: number;
  descAddr: number;
  availAddr: number;
  usedAddr: number;
  lastAvailIdx: number;
  usedIdx: number;
}

function readU16(bus: Bus, addr: number): number {
  if (!bus.ram.contains(addr, 2)) throw new VirtqueueError(`ring address 0x${addr.toString(16)} outside RAM`);
  return bus.read(addr, 2)!;
}

function writeU16(bus: Bus, addr: number, v: number): void {
  if (!bus.ram.contains(addr, 2)) throw new VirtqueueError(`ring address 0x${addr.toString(16)} outside RAM`);
  bus.write(addr, 2, v & 0xffff);
}

function writeU32(bus: Bus, addr: number, v: number): void {
  if (!bus.ram.contains(addr, 4)) throw new VirtqueueError(`ring address 0x${addr.toString(16)} outside RAM`);
  bus.write(addr, 4, v >>> 0);
}

interface RawDesc {
  addr: number;
  len: number;
  flags: number;
  next: number;
}

function readDesc(bus: Bus, table: number, idx: number): RawDesc {
  const a = table + idx * DESC_SIZE;
  const b = bus.ram.contains(a, DESC_SIZE) ? bus.readBytes(a, DESC_SIZE) : undefined;
  if (b === undefined) throw new VirtqueueError(`descriptor at 0x${a.toString(16)} outside RAM`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    addr: dv.getUint32(4, true) * 0x1_0000_0000 + dv.getUint32(0, true),
    len: dv.getUint32(8, true),
    flags: dv.getUint16(12, true),
    next: dv.getUint16(14, true),
  };
}

/** Walk the chain starting at descriptor `head` (virtio 1.2, 2.7.5 and 2.7.5.3). */
export function walkChain(bus: Bus, q: SplitQueue, head: number): DescriptorChain {
  const chain = new DescriptorChain(bus, head);
  let table = q.descAddr;
  let tableSize = q.num;
  let indirect = false;
  let idx = head;
  let seen = 0;
  let total = 0;
  if (idx >= tableSize) throw new VirtqueueError(`head index ${idx} >= queue size ${tableSize}`);
  for (;;) {
    // A chain longer than its table necessarily revisits a descriptor: a loop.
    if (++seen > tableSize) throw new VirtqueueError('descriptor chain loops');
    // Bounds the work a huge indirect table can cause, as QEMU does.
    if (++total > VIRTQ_MAX_CHAIN) throw new VirtqueueError(`chain longer than ${VIRTQ_MAX_CHAIN} descriptors`);
    const d = readDesc(bus, table, idx);
    if (d.flags & VIRTQ_DESC_F_INDIRECT) {
      if (indirect) throw new VirtqueueError('nested indirect descriptor');
      if (d.len === 0 || d.len % DESC_SIZE !== 0) throw new VirtqueueError(`indirect table length ${d.len}`);
      // The indirect table replaces the rest of the chain (NEXT on this descriptor is moot).
      indirect = true;
      table = d.addr;
      tableSize = d.len / DESC_SIZE;
      idx = 0;
      seen = 0;
      continue;
    }
    if (d.len > 0) {
      if (!bus.ram.contains(d.addr, d.len)) {
        throw new VirtqueueError(`buffer 0x${d.addr.toString(16)}+${d.len} outside RAM`);
      }
      if (d.flags & VIRTQ_DESC_F_WRITE) {
        chain.writable.push({ addr: d.addr, len: d.len });
        chain.writableLength += d.len;
      } else {
        if (chain.writable.length > 0) throw new VirtqueueError('readable buffer after a writable one');
        chain.readable.push({ addr: d.addr, len: d.len });
        chain.readableLength += d.len;
      }
    }
    if (!(d.flags & VIRTQ_DESC_F_NEXT)) break;
    idx = d.next;
    if (idx >= tableSize) throw new VirtqueueError(`next index ${idx} >= table size ${tableSize}`);
  }
  return chain;
}

/** Chains the driver has made available and the device not consumed yet. Throws on a malformed ring. */
export function availableCount(bus: Bus, q: SplitQueue): number {
  const outstanding = (readU16(bus, q.availAddr + 2) - q.lastAvailIdx) & 0xffff;
  if (outstanding > q.num) throw new VirtqueueError(`avail idx moved by ${outstanding} > queue size ${q.num}`);
  return outstanding;
}

/**
 * The head index of the next available chain of `q`, consumed (lastAvailIdx advances), or
 * null when the driver has made none available. Throws VirtqueueError on a malformed ring.
 */
export function popAvail(bus: Bus, q: SplitQueue): number | null {
  if (availableCount(bus, q) === 0) return null;
  const head = readU16(bus, q.availAddr + 4 + 2 * (q.lastAvailIdx % q.num));
  q.lastAvailIdx = (q.lastAvailIdx + 1) & 0xffff;
  return head;
}

/** Publish chain `head` as used with `written` bytes (virtio 1.2, 2.7.8). */
export function pushUsed(bus: Bus, q: SplitQueue, head: number, written: number): void {
  const elem = q.usedAddr + 4 + 8 * (q.usedIdx % q.num);
  writeU32(bus, elem, head);
  writeU32(bus, elem + 4, written);
  q.usedIdx = (q.usedIdx + 1) & 0xffff;
  writeU16(bus, q.usedAddr + 2, q.usedIdx);
}

/** Whether the driver asked for no used-buffer interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT). */
export function interruptSuppressed(bus: Bus, q: SplitQueue): boolean {
  return (readU16(bus, q.availAddr) & VIRTQ_AVAIL_F_NO_INTERRUPT) !== 0;
}

/**
 * Consume every available chain of `q`, handing each to `handle` and publishing its used
 * element. Returns the number of chains processed and whether the driver suppressed the
 * interrupt. Throws VirtqueueError on a malformed ring or chain.
 */
export function drainQueue(
  bus: Bus,
  q: SplitQueue,
  handle: (chain: DescriptorChain) => number,
): { processed: number; noInterrupt: boolean } {
  // Only the chains available when the driver notified: a request whose DMA rewrites the
  // avail ring cannot keep the device busy for ever.
  const outstanding = availableCount(bus, q);
  let processed = 0;
  for (; processed < outstanding; processed++) {
    const head = popAvail(bus, q)!;
    const chain = walkChain(bus, q, head);
    pushUsed(bus, q, head, handle(chain));
  }
  return { processed, noInterrupt: interruptSuppressed(bus, q) };
}
