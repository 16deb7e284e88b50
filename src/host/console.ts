/**
 * The guest's console on the host: the terminal (raw mode with QEMU-style Ctrl-A escapes when
 * stdin is a TTY), a TCP socket reachable with `nc`, or nothing. Bytes typed by the user are
 * handed to `onInput`; the replay engine decides at which icount they enter the guest.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import createDebug from 'debug';

const log = createDebug('rvrr:console');

/** Where the guest UART is connected. */
export type ConsoleSpec = { kind: 'stdio' } | { kind: 'tcp'; port: number; host: string } | { kind: 'none' };

/** Parse `--console stdio|none|tcp:PORT[,host=H]`. Throws a user-facing message on a bad value. */
export function parseConsoleSpec(s: string): ConsoleSpec {
  if (s === 'stdio') return { kind: 'stdio' };
  if (s === 'none') return { kind: 'none' };
  const m = /^tcp:(\d+)$/.exec(s);
  if (m) {
    const port = Number(m[1]);
    if (port > 65535) throw new Error(`--console ${s}: port must be 0..65535`);
    return { kind: 'tcp', port, host: '127.0.0.1' };
  }
  throw new Error(`--console ${s}: expected stdio, none or tcp:PORT`);
}

export interface HostConsoleOptions {
  spec: ConsoleSpec;
  /** Append all guest output to this file too. */
  logFile?: string;
  /** Bytes typed by the user, in order. */
  onInput: (bytes: Uint8Array) => void;
  /** The user asked to quit (Ctrl-A x on a terminal). */
  onQuit: () => void;
  /** Where informational messages go (defaults to stderr). */
  info?: (msg: string) => void;
}

const CTRL_A = 0x01;

/** Guest output kept for a TCP console while no client is connected (the latest bytes win). */
export const TCP_BACKLOG_BYTES = 1 << 20;

export const CONSOLE_HELP = [
  'C-a h    print this help',
  'C-a x    exit the emulator',
  'C-a C-a  send C-a to the guest',
].join('\r\n');

/** A guest console attached to the host. Call `close()` to restore the terminal. */
export class HostConsole {
  private logFd: number | undefined;
  private escape = false;
  private server: net.Server | undefined;
  private client: net.Socket | undefined;
  /** Output while no TCP client is connected, sent to the next one (as a boot log is wanted). */
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private rawSet = false;
  private readonly info: (msg: string) => void;
  private readonly onData = (buf: Buffer) => this.fromUser(buf);
  /** The TCP port actually bound (for `tcp:0`). */
  boundPort: number | undefined;

  constructor(private readonly opts: HostConsoleOptions) {
    this.info = opts.info ?? ((m) => process.stderr.write(m + '\n'));
    if (opts.logFile !== undefined) this.logFd = fs.openSync(opts.logFile, 'a');
  }

  /** Start reading input. Resolves when a TCP console is listening. */
  async open(): Promise<void> {
    const spec = this.opts.spec;
    if (spec.kind === 'stdio') {
      if (process.stdin.isTTY) {
        process.stdin.setRawMode(true);
        this.rawSet = true;
      }
      process.stdin.on('data', this.onData);
      process.stdin.resume();
    } else if (spec.kind === 'tcp') {
      this.server = net.createServer((sock) => {
        if (this.client !== undefined) {
          sock.end('rvrr: console already in use\r\n');
          return;
        }
        this.client = sock;
        log('console client connected; %d bytes of earlier output', this.backlogBytes);
        for (const b of this.backlog) sock.write(b);
        this.backlog = [];
        this.backlogBytes = 0;
        sock.on('data', (b) => this.opts.onInput(new Uint8Array(b)));
        sock.on('error', () => {});
        sock.on('close', () => {
          this.client = undefined;
        });
      });
      await new Promise<void>((resolve, reject) => {
        this.server!.once('error', reject);
        this.server!.listen(spec.port, spec.host, () => resolve());
      });
      const addr = this.server.address();
      this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : spec.port;
      this.info(`rvrr: console on tcp ${spec.host}:${this.boundPort} (nc ${spec.host} ${this.boundPort})`);
    }
  }

  /** Guest output. */
  write(bytes: Uint8Array): void {
    if (this.logFd !== undefined) fs.writeSync(this.logFd, bytes);
    const spec = this.opts.spec;
    if (spec.kind === 'stdio') process.stdout.write(bytes);
    else if (spec.kind === 'tcp') {
      if (this.client) this.client.write(bytes);
      else this.keep(bytes);
    }
  }

  private keep(bytes: Uint8Array): void {
    let b = Buffer.from(bytes);
    if (b.length > TCP_BACKLOG_BYTES) b = b.subarray(b.length - TCP_BACKLOG_BYTES);
    this.backlog.push(b);
    this.backlogBytes += b.length;
    while (this.backlogBytes > TCP_BACKLOG_BYTES) {
      const over = this.backlogBytes - TCP_BACKLOG_BYTES;
      const first = this.backlog[0];
      if (first.length <= over) {
        this.backlog.shift();
        this.backlogBytes -= first.length;
      } else {
        this.backlog[0] = first.subarray(over);
        this.backlogBytes -= over;
      }
    }
  }

  private fromUser(buf: Buffer): void {
    if (!this.rawSet) {
      this.opts.onInput(new Uint8Array(buf));
      return;
    }
    const out: number[] = [];
    for (const b of buf) {
      if (this.escape) {
        this.escape = false;
        if (b === 0x78 /* x */) {
          this.info('\r\nrvrr: terminated by C-a x\r');
          this.opts.onQuit();
          return;
        } else if (b === 0x68 /* h */) {
          this.info('\r\n' + CONSOLE_HELP + '\r');
        } else if (b === CTRL_A) {
          out.push(CTRL_A);
        }
        continue;
      }
      if (b === CTRL_A) this.escape = true;
      else out.push(b);
    }
    if (out.length > 0) this.opts.onInput(Uint8Array.from(out));
  }

  close(): void {
    if (this.opts.spec.kind === 'stdio') {
      process.stdin.off('data', this.onData);
      if (this.rawSet) process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    this.client?.destroy();
    this.server?.close();
    if (this.logFd !== undefined) fs.closeSync(this.logFd);
    this.logFd = undefined;
  }
}
