/**
 * virtio-net (virtio 1.2, section 5.1): queue 0 receives, queue 1 transmits; no control
 * queue, no offloads.
 *
 * Offered features: MAC, STATUS (link always up), INDIRECT_DESC, VERSION_1. MRG_RXBUF is not
 * offered: Linux then posts receive buffers of a full frame each, U-Boot always does, so every
 * frame fits one chain and no frame is ever split. The header is 12 bytes with VERSION_1
 * (num_buffers = 1), 10 for a legacy driver.
 *
 * Frames the device receives (from the host link or the built-in peer) wait in a bounded
 * backlog until the driver posts buffers; transmitted frames go to `onTransmit` at once.
 * Received frames before DRIVER_OK, beyond the backlog, or larger than a buffer are dropped
 * and counted. All of this is machine state: saved, restored and hashed.
 */
import createDebug from 'debug';
import type { DeviceState } from './device.js';
import {
  DescriptorChain,
  VIRTIO_F_VERSION_1,
  VIRTIO_RING_F_INDIRECT_DESC,
  VirtioBackend,
  VirtioQueues,
} from './virtio-mmio.js';

const log = createDebug('rvrr:dev:virtio-net');

export const VIRTIO_ID_NET = 1;
export const VIRTIO_NET_F_MAC = 1n << 5n;
export const VIRTIO_NET_F_MRG_RXBUF = 1n << 15n;
export const VIRTIO_NET_F_STATUS = 1n << 16n;
export const VIRTIO_NET_S_LINK_UP = 1;
export const NET_RX_QUEUE = 0;
export const NET_TX_QUEUE = 1;
/** Smallest frame: an Ethernet header. */
export const ETH_MIN_FRAME = 14;
/** Largest frame without offloads: 1500 bytes of payload, the header and a VLAN tag (no FCS). */
export const ETH_MAX_FRAME = 1518;
/** Received frames kept while the driver has no buffer posted. */
export const RX_BACKLOG_FRAMES = 64;
const QUEUE_SIZE = 256;

/** What happened to frames, for `monitor info net` and the tests. */
export interface NetDeviceCounters {
  rxFrames: number;
  txFrames: number;
  /** Received while the driver was not ready (no DRIVER_OK). */
  rxDroppedNotReady: number;
  /** Received while the backlog was full. */
  rxDroppedBacklog: number;
  /** Larger than the buffer the driver posted. */
  rxDroppedTooBig: number;
  /** Transmitted frames shorter than an Ethernet header or longer than ETH_MAX_FRAME. */
  txDroppedBad: number;
}

const zeroCounters = (): NetDeviceCounters => ({
  rxFrames: 0, txFrames: 0, rxDroppedNotReady: 0, rxDroppedBacklog: 0, rxDroppedTooBig: 0, txDroppedBad: 0,
});

/** The other end of the card's cable. */
export interface NetLink {
  /** A frame the guest sent (Ethernet header first, no FCS). */
  transmit(frame: Uint8Array): void;
  /** State of a link that is part of the machine (the built-in peer). */
  saveState?(): DeviceState;
  loadState?(s: DeviceState): void;
}

export class VirtioNet implements VirtioBackend {
  readonly deviceId = VIRTIO_ID_NET;
  readonly features = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_F_VERSION_1;
  readonly numQueues = 2;
  readonly queueSize = QUEUE_SIZE;
  counters = zeroCounters();
  private readonly config = new Uint8Array(8);
  private backlog: Uint8Array[] = [];
  private queues: VirtioQueues | undefined;

  /**
   * @param mac        the card's address (6 bytes)
   * @param link       receives every frame the guest sends
   */
  constructor(
    readonly mac: Uint8Array,
    private readonly link: NetLink,
  ) {
    if (mac.length !== 6) throw new Error('a MAC address has 6 bytes');
    // struct virtio_net_config: mac[6] @0, status @6.
    this.config.set(mac, 0);
    this.config[6] = VIRTIO_NET_S_LINK_UP;
  }

  attach(queues: VirtioQueues): void {
    this.queues = queues;
  }

  private hdrLen(): number {
    const f = this.queues?.negotiatedFeatures ?? 0n;
    return f & (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
  }

  configRead(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.config[offset + i] ?? 0);
    return v;
  }

  /** Never called: notify() routes both queues. */
  handle(): number {
    return 0;
  }

  notify(queue: number): void {
    if (queue === NET_RX_QUEUE) this.deliver();
    else if (queue === NET_TX_QUEUE) this.queues?.drain(NET_TX_QUEUE, (c) => this.transmit(c));
  }

  private transmit(chain: DescriptorChain): number {
    const h = this.hdrLen();
    const len = chain.readableLength - h;
    if (len < ETH_MIN_FRAME || len > ETH_MAX_FRAME) {
      this.counters.txDroppedBad++;
      log('transmit: dropped a %d-byte frame', len);
      return 0;
    }
    this.counters.txFrames++;
    this.link.transmit(chain.read(h, len));
    return 0;
  }

  /** A frame arrives on the link. Returns false if it was dropped (and counted). */
  receive(frame: Uint8Array): boolean {
    if (!this.queues?.driverReady) {
      this.counters.rxDroppedNotReady++;
      return false;
    }
    if (this.backlog.length >= RX_BACKLOG_FRAMES) {
      this.counters.rxDroppedBacklog++;
      return false;
    }
    this.backlog.push(Uint8Array.from(frame));
    this.deliver();
    return true;
  }

  /** Move backlogged frames into the buffers the driver posted. */
  private deliver(): void {
    const q = this.queues;
    if (!q) return;
    while (this.backlog.length > 0) {
      const frame = this.backlog[0];
      const took = q.fillOne(NET_RX_QUEUE, (chain) => {
        const h = this.hdrLen();
        if (chain.writableLength < h + frame.length) {
          this.counters.rxDroppedTooBig++;
          return 0;
        }
        // virtio_net_hdr: flags 0, gso_type NONE, the rest 0; num_buffers = 1 in the 12-byte form.
        const hdr = new Uint8Array(h);
        if (h === 12) hdr[10] = 1;
        chain.write(0, hdr);
        chain.write(h, frame);
        this.counters.rxFrames++;
        return h + frame.length;
      });
      if (!took) return;
      this.backlog.shift();
    }
  }

  /** Frames waiting for receive buffers. */
  get backlogFrames(): number {
    return this.backlog.length;
  }

  reset(): void {
    // Frames queued for a driver that went away are gone, as on QEMU's queue purge.
    this.backlog = [];
  }

  saveState(): DeviceState {
    // Frames are never modified after they are queued, so snapshots may share them.
    return { backlog: this.backlog.slice(), counters: { ...this.counters }, link: this.link.saveState?.() ?? null };
  }

  loadState(s: DeviceState): void {
    this.backlog = (s.backlog as Uint8Array[]).slice();
    this.counters = { ...(s.counters as NetDeviceCounters) };
    if (s.link) this.link.loadState?.(s.link as DeviceState);
  }
}
