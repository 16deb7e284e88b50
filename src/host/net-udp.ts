/**
 * The guest's network on the host: `--net none|user|udp:LOCALPORT:REMOTEHOST:REMOTEPORT`.
 *
 * The UDP backend carries one raw Ethernet frame (no FCS, no extra header) per datagram, the
 * format of QEMU's `-netdev dgram` and `-netdev socket,udp=`, so two rvrr instances, or rvrr
 * and QEMU, can be cabled together on loopback. Frames read from the socket are host input:
 * the caller logs them at a slice boundary (design invariant 3); replay never opens a socket.
 * Datagrams from any other address than the remote end, shorter than an Ethernet header or
 * longer than a frame are dropped and counted; socket errors are reported once each.
 */
import * as dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import createDebug from 'debug';
import { ETH_MAX_FRAME, ETH_MIN_FRAME } from '../devices/virtio-net.js';

const log = createDebug('rvrr:net');

/** Where the network card is cabled. */
export type NetSpec =
  | { kind: 'none' }
  | { kind: 'user' }
  | { kind: 'udp'; localPort: number; remoteHost: string; remotePort: number };

/** Parse a `--net` value; throws a one-line, user-facing message on a bad one. */
export function parseNetSpec(s: string): NetSpec {
  if (s === 'none') return { kind: 'none' };
  if (s === 'user') return { kind: 'user' };
  const m = /^udp:(\d+):([^:]+):(\d+)$/.exec(s);
  if (m) {
    const localPort = Number(m[1]);
    const remotePort = Number(m[3]);
    if (localPort > 65535 || remotePort < 1 || remotePort > 65535) throw new Error(`--net ${s}: ports must be 0..65535 (the remote one 1..65535)`);
    return { kind: 'udp', localPort, remoteHost: m[2], remotePort };
  }
  throw new Error(`--net ${s}: expected none, user or udp:LOCALPORT:REMOTEHOST:REMOTEPORT`);
}

/** The spec as the user writes it (for recordings and messages). */
export function netSpecText(s: NetSpec): string {
  return s.kind === 'udp' ? `udp:${s.localPort}:${s.remoteHost}:${s.remotePort}` : s.kind;
}

/** What happened to datagrams on the host side. */
export interface UdpNetCounters {
  rxFrames: number;
  /** Shorter than an Ethernet header or longer than a frame. */
  rxDroppedSize: number;
  /** From another address or port than the remote end. */
  rxDroppedForeign: number;
  /** Refused by `onFrame` (the input backlog is full). */
  rxDroppedBacklog: number;
  txFrames: number;
  txErrors: number;
}

export interface UdpNetOptions {
  /** A frame arrived; return false to drop it (counted as backlog drops). */
  onFrame: (frame: Uint8Array) => boolean;
  /** Where error reports and the listening message go (defaults to stderr). */
  info?: (msg: string) => void;
}

export class UdpNetBackend {
  readonly counters: UdpNetCounters = { rxFrames: 0, rxDroppedSize: 0, rxDroppedForeign: 0, rxDroppedBacklog: 0, txFrames: 0, txErrors: 0 };
  private sock: dgram.Socket | undefined;
  /** Sends not completed yet, and who waits for them (close). */
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private remoteAddr = '';
  private readonly reported = new Set<string>();
  private readonly info: (msg: string) => void;
  /** The local port actually bound (for a local port of 0). */
  boundPort: number | undefined;

  constructor(
    readonly spec: Extract<NetSpec, { kind: 'udp' }>,
    private readonly opts: UdpNetOptions,
  ) {
    this.info = opts.info ?? ((m) => process.stderr.write(m + '\n'));
  }

  /** Resolve the remote end and bind the local port. Throws a one-line message on failure. */
  async open(): Promise<void> {
    const s = this.spec;
    let family: 4 | 6;
    try {
      const a = await dns.lookup(s.remoteHost);
      this.remoteAddr = a.address;
      family = a.family === 6 ? 6 : 4;
    } catch {
      throw new Error(`--net ${netSpecText(s)}: cannot resolve '${s.remoteHost}'`);
    }
    const loopback = this.remoteAddr === '127.0.0.1' || this.remoteAddr === '::1';
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    sock.on('message', (msg, rinfo) => this.fromHost(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      // Only the loopback interface when the remote end is local: nobody else can inject frames.
      sock.bind(s.localPort, loopback ? this.remoteAddr : undefined, () => {
        sock.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      sock.close();
      throw new Error(
        e.code === 'EADDRINUSE' ? `--net ${netSpecText(s)}: local port ${s.localPort} is in use` : `--net ${netSpecText(s)}: cannot bind: ${e.message}`,
      );
    });
    sock.on('error', (e) => this.report(`socket error: ${e.message}`, (e as NodeJS.ErrnoException).code ?? e.message));
    this.sock = sock;
    this.boundPort = sock.address().port;
    this.info(`rvrr: network: UDP port ${this.boundPort} <-> ${s.remoteHost}:${s.remotePort}`);
  }

  /** Report a problem the first time it happens (a peer that is not up yet refuses every frame). */
  private report(msg: string, key: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.info(`rvrr: network: ${msg} (reported once)`);
  }

  private fromHost(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.address !== this.remoteAddr || rinfo.port !== this.spec.remotePort) {
      this.counters.rxDroppedForeign++;
      this.report(`dropped a datagram from ${rinfo.address}:${rinfo.port}, not the remote end`, 'foreign');
      return;
    }
    if (msg.length < ETH_MIN_FRAME || msg.length > ETH_MAX_FRAME) {
      this.counters.rxDroppedSize++;
      this.report(`dropped a ${msg.length}-byte datagram (frames are ${ETH_MIN_FRAME}..${ETH_MAX_FRAME} bytes)`, 'size');
      return;
    }
    if (!this.opts.onFrame(new Uint8Array(msg))) {
      this.counters.rxDroppedBacklog++;
      this.report('dropped received frames: the guest is not taking them (stopped in the debugger?)', 'backlog');
      return;
    }
    this.counters.rxFrames++;
    log('received %d bytes', msg.length);
  }

  /** Send a frame the guest transmitted. Errors are counted and reported once, never thrown. */
  send(frame: Uint8Array): void {
    const sock = this.sock;
    if (!sock) return;
    this.counters.txFrames++;
    this.inFlight++;
    sock.send(frame, this.spec.remotePort, this.remoteAddr, (e) => {
      if (--this.inFlight === 0) this.drained?.();
      if (!e) return;
      this.counters.txErrors++;
      this.report(`send failed: ${e.message}`, `send:${(e as NodeJS.ErrnoException).code ?? e.message}`);
    });
  }

  /** Close the socket once the frames already handed to it are sent (a guest that powers off right after its last frame still delivers it). */
  async close(): Promise<void> {
    const sock = this.sock;
    if (!sock) return;
    this.sock = undefined;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
    sock.close();
  }
}
