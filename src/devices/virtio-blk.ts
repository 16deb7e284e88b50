/**
 * virtio-blk (virtio 1.2, section 5.2) over a copy-on-write DiskOverlay.
 *
 * Offered features: SEG_MAX, BLK_SIZE, FLUSH, RO (when read-only), INDIRECT_DESC, VERSION_1.
 * EVENT_IDX is not offered, so interrupts follow VIRTQ_AVAIL_F_NO_INTERRUPT only.
 * Requests: IN, OUT, FLUSH, GET_ID; anything else answers VIRTIO_BLK_S_UNSUPP; a sector range
 * outside the disk, a length not a multiple of 512, or a write to a read-only disk answers
 * VIRTIO_BLK_S_IOERR. The used length is the chain's whole device-writable size, as on QEMU.
 */
import createDebug from 'debug';
import type { DeviceState } from './device.js';
import type { DiskOverlay } from './disk.js';
import {
  DescriptorChain,
  VIRTIO_F_VERSION_1,
  VIRTIO_RING_F_INDIRECT_DESC,
  VirtioBackend,
  VirtqueueError,
} from './virtio-mmio.js';

const log = createDebug('rvrr:dev:virtio-blk');

export const VIRTIO_ID_BLOCK = 2;
export const SECTOR_SIZE = 512;
export const VIRTIO_BLK_F_SIZE_MAX = 1n << 1n;
export const VIRTIO_BLK_F_SEG_MAX = 1n << 2n;
export const VIRTIO_BLK_F_RO = 1n << 5n;
export const VIRTIO_BLK_F_BLK_SIZE = 1n << 6n;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_BARRIER = 0x80000000;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
export const VIRTIO_BLK_ID_BYTES = 20;

const QUEUE_SIZE = 256;
const HEADER_SIZE = 16;
/** Largest piece of a request copied at once (bounds host memory per request). */
const IO_PIECE = 1 << 20;

export class VirtioBlk implements VirtioBackend {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: bigint;
  readonly numQueues = 1;
  readonly queueSize = QUEUE_SIZE;
  readonly readOnly: boolean;
  private readonly serial: Uint8Array;
  private readonly config: Uint8Array;

  /**
   * @param disk the overlay holding the image (its size must be a multiple of 512)
   * @param opts `readOnly` refuses writes (VIRTIO_BLK_F_RO); `serial` answers GET_ID (max 20 bytes)
   */
  constructor(
    readonly disk: DiskOverlay,
    opts: { readOnly?: boolean; serial?: string } = {},
  ) {
    if (disk.size % SECTOR_SIZE !== 0) {
      throw new Error(`disk image size ${disk.size} is not a multiple of ${SECTOR_SIZE} bytes`);
    }
    this.readOnly = opts.readOnly ?? false;
    this.serial = new TextEncoder().encode(opts.serial ?? '').subarray(0, VIRTIO_BLK_ID_BYTES);
    this.features =
      VIRTIO_BLK_F_SEG_MAX |
      VIRTIO_BLK_F_BLK_SIZE |
      VIRTIO_BLK_F_FLUSH |
      (this.readOnly ? VIRTIO_BLK_F_RO : 0n) |
      VIRTIO_RING_F_INDIRECT_DESC |
      VIRTIO_F_VERSION_1;
    // struct virtio_blk_config: capacity @0, size_max @8, seg_max @12, geometry @16,
    // blk_size @20, topology @24..31, writeback @32, num_queues @34.
    this.config = new Uint8Array(36);
    const dv = new DataView(this.config.buffer);
    dv.setBigUint64(0, BigInt(disk.size / SECTOR_SIZE), true);
    dv.setUint32(12, QUEUE_SIZE - 2, true); // seg_max: a request's data segments (header and status excluded)
    dv.setUint32(20, SECTOR_SIZE, true);
    dv.setUint16(34, 1, true);
  }

  /** Capacity in 512-byte sectors. */
  get capacity(): number {
    return this.disk.size / SECTOR_SIZE;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.config[offset + i] ?? 0);
    return v;
  }

  handle(_queue: number, chain: DescriptorChain): number {
    // Header (16 readable bytes) first, status (1 writable byte) last: anything less cannot
    // even be answered, which is a transport-level error.
    if (chain.readableLength < HEADER_SIZE || chain.writableLength < 1) {
      throw new VirtqueueError('virtio-blk request without header or status byte');
    }
    const hdr = chain.read(0, HEADER_SIZE);
    const dv = new DataView(hdr.buffer);
    // Legacy drivers may set VIRTIO_BLK_T_BARRIER (bit 31); like QEMU, ignore it.
    const type = dv.getUint32(0, true) & ~VIRTIO_BLK_T_BARRIER;
    const sector = dv.getUint32(8, true) + dv.getUint32(12, true) * 0x1_0000_0000;
    const statusOffset = chain.writableLength - 1;
    let status = VIRTIO_BLK_S_OK;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const len = chain.writableLength - 1;
        if (!this.rangeOk(sector, len)) {
          status = VIRTIO_BLK_S_IOERR;
          break;
        }
        // In pieces, so a large request never needs one large host buffer.
        for (let done = 0; done < len; done += IO_PIECE) {
          const piece = new Uint8Array(Math.min(IO_PIECE, len - done));
          this.disk.read(sector * SECTOR_SIZE + done, piece);
          chain.write(done, piece);
        }
        log('read sector %d, %d bytes', sector, len);
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        const len = chain.readableLength - HEADER_SIZE;
        if (this.readOnly || !this.rangeOk(sector, len)) {
          status = VIRTIO_BLK_S_IOERR;
          break;
        }
        for (let done = 0; done < len; done += IO_PIECE) {
          this.disk.write(sector * SECTOR_SIZE + done, chain.read(HEADER_SIZE + done, Math.min(IO_PIECE, len - done)));
        }
        log('write sector %d, %d bytes', sector, len);
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        // The overlay is the disk; nothing is buffered between it and the guest.
        break;
      case VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(VIRTIO_BLK_ID_BYTES);
        id.set(this.serial);
        chain.write(0, id.subarray(0, Math.min(VIRTIO_BLK_ID_BYTES, statusOffset)));
        break;
      }
      default:
        log('unsupported request type %d', type);
        status = VIRTIO_BLK_S_UNSUPP;
    }
    chain.write(statusOffset, Uint8Array.of(status));
    // Used length as QEMU reports it: the whole device-writable part of the chain, whatever
    // the outcome (checked with test/devices/guest/blkprobe.c); drivers use the status byte.
    return chain.writableLength;
  }

  private rangeOk(sector: number, len: number): boolean {
    return len % SECTOR_SIZE === 0 && sector * SECTOR_SIZE + len <= this.disk.size && sector <= this.capacity;
  }

  reset(): void {
    // No device-side request state: requests complete synchronously.
  }

  saveState(): DeviceState {
    return { disk: this.disk.saveState() };
  }

  loadState(s: DeviceState): void {
    this.disk.loadState(s.disk as DeviceState);
  }
}
