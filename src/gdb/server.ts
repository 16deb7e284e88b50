/**
 * The gdb server: accepts one debugger at a time over TCP and hands each connection to a
 * Session (session.ts), which turns packets into requests and decides the replies.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import createDebug from 'debug';
import { DEFAULT_PACKET_SIZE, PacketConnection } from './packet.js';
import { Session } from './session.js';
import { SIGTRAP, type DebugTarget, type StopEvent } from './target.js';

const log = createDebug('rvrr:rsp');

/** Options of a GdbServer. */
export interface GdbServerOptions {
  /** Interface to listen on; default 127.0.0.1 (never all interfaces unless asked). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one, see `port` after listen(). */
  port?: number;
  /** Largest packet accepted, advertised as PacketSize; default 0x4000. */
  packetSize?: number;
  /** Minimum interval between forwarded progress messages, ms; default 500. */
  progressIntervalMs?: number;
}


/**
 * GDB Remote Serial Protocol server for one DebugTarget.
 *
 * Events: `connect` (remote address), `disconnect`, `detach`, `kill` (the client asked to end
 * the session: the owner decides whether to exit), `exited` (code; the guest powered off).
 */
export class GdbServer extends EventEmitter {
  private server: Server | undefined;
  private session: Session | undefined;
  /** Resolves when the previous session has fully wound down (its resume settled). */
  private winding: Promise<void> = Promise.resolve();
  /** Where the machine stands, remembered across connections for `?`. */
  lastStop: StopEvent = { kind: 'signal', signal: SIGTRAP, hart: 0 };
  readonly packetSize: number;
  readonly progressIntervalMs: number;

  constructor(readonly target: DebugTarget, private readonly opts: GdbServerOptions = {}) {
    super();
    this.packetSize = opts.packetSize ?? DEFAULT_PACKET_SIZE;
    this.progressIntervalMs = opts.progressIntervalMs ?? 500;
  }

  /** Start listening. Resolves with the bound address (port resolved when 0 was asked). */
  listen(): Promise<{ host: string; port: number }> {
    const host = this.opts.host ?? '127.0.0.1';
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, host, () => {
        server.off('error', reject);
        server.on('error', (e) => log('server error: %s', e.message));
        resolve({ host, port: (server.address() as AddressInfo).port });
      });
    });
  }

  /** The bound TCP port (after listen()). */
  get port(): number {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('gdb server is not listening');
    return a.port;
  }

  /** Whether a debugger is attached. */
  get connected(): boolean {
    return this.session !== undefined && !this.session.closing;
  }

  /** Stop listening and drop the current client (its pending resume is interrupted). */
  async close(): Promise<void> {
    const s = this.session;
    if (s) s.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.winding;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', (e) => log('socket error: %s', e.message));
    socket.pause();
    // A client that reconnects at once may beat the close of its old socket: give the old
    // session a moment to close before refusing.
    const active = this.session && !this.session.closing ? this.session : undefined;
    const grace = active
      ? Promise.race([active.closed, new Promise<void>((r) => setTimeout(r, 300))])
      : Promise.resolve();
    // A previous client may still be winding down (its resume settling): hold this one.
    void grace.then(() => this.winding).then(() => {
      if (socket.destroyed) return;
      if (this.session && !this.session.closing) {
        socket.resume();
        return this.refuse(socket);
      }
      // The guest powered off under the previous debugger, which saw the inferior exit: the
      // machine stays there, stopped at the end of its history, and this one can go back.
      const last = this.lastStop;
      if (last.kind === 'exited') this.lastStop = { kind: 'signal', signal: SIGTRAP, hart: last.hart };
      this.session = new Session(this, socket);
      socket.resume();
      log('client connected from %s:%d', socket.remoteAddress, socket.remotePort);
      this.emit('connect', `${socket.remoteAddress}:${socket.remotePort}`);
    });
  }

  /**
   * A second debugger: answer its first packet with a textual error (gdb shows
   * "Remote failure reply: E.rvrr: ...") and close.
   */
  private refuse(socket: Socket): void {
    log('refusing a second client from %s', socket.remoteAddress);
    const msg = 'E.rvrr: another debugger is already attached (one at a time); detach it first';
    const conn = new PacketConnection(socket, {
      packet: () => {
        conn.send(msg);
        setTimeout(() => socket.end(), 50);
      },
      interrupt: () => undefined,
      rejected: () => socket.end(),
    });
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  /** @internal Called by a session when its socket closed; `idle` settles once it is idle. */
  sessionEnded(s: Session, idle: Promise<void>): void {
    this.winding = idle.then(() => {
      if (this.session === s) this.session = undefined;
      this.emit('disconnect');
    });
  }
}
