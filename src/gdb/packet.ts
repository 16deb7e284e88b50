/**
 * GDB Remote Serial Protocol framing: `$payload#cs` packets, `+`/`-` acknowledgements,
 * the out-of-band interrupt byte 0x03, binary escaping and run-length encoding.
 *
 * This layer only moves bytes. It knows nothing of what a packet means (see request.ts) and
 * nothing of the target (see server.ts). Both the server and RspClient use it.
 */
import type { Socket } from 'node:net';

/** Largest payload we accept (and advertise as `PacketSize` in qSupported). */
export const DEFAULT_PACKET_SIZE = 0x4000;

const DOLLAR = 0x24; // '$'
const HASH = 0x23; // '#'
const ESCAPE = 0x7d; // '}'
const STAR = 0x2a; // '*'
const PLUS = 0x2b; // '+'
const MINUS = 0x2d; // '-'
const CTRL_C = 0x03;

/** Modulo-256 sum of the payload bytes, as in the `#cs` trailer. */
export function checksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data[i]) & 0xff;
  return sum;
}

/** Escape bytes that cannot appear raw in a packet body: `$ # } *` become `}` + (byte ^ 0x20). */
export function escapeBinary(data: Uint8Array): Buffer {
  let extra = 0;
  for (const b of data) if (needsEscape(b)) extra++;
  if (extra === 0) return Buffer.from(data);
  const out = Buffer.alloc(data.length + extra);
  let j = 0;
  for (const b of data) {
    if (needsEscape(b)) {
      out[j++] = ESCAPE;
      out[j++] = b ^ 0x20;
    } else out[j++] = b;
  }
  return out;
}

function needsEscape(b: number): boolean {
  return b === DOLLAR || b === HASH || b === ESCAPE || b === STAR;
}

/**
 * Undo `}` escaping. A trailing lone `}` (which a well-formed sender never produces) is
 * reported as an error rather than guessed at.
 */
export function unescapeBinary(data: Uint8Array): Buffer {
  const out = Buffer.alloc(data.length);
  let j = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === ESCAPE) {
      if (i + 1 >= data.length) throw new Error('escape character at end of packet');
      out[j++] = data[++i] ^ 0x20;
    } else out[j++] = data[i];
  }
  return out.subarray(0, j);
}

/**
 * Expand run-length encoding: `X*n` means X repeated (n - 29) more times, n a printable
 * byte. Binary data always has `*` escaped, so every raw `*` is a run marker.
 */
export function decodeRle(data: Uint8Array): Buffer {
  if (!data.includes(STAR)) return Buffer.from(data);
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b === STAR) {
      if (out.length === 0 || i + 1 >= data.length) throw new Error('malformed run-length encoding');
      const count = data[++i] - 29;
      if (count < 0) throw new Error('malformed run-length count');
      const prev = out[out.length - 1];
      for (let k = 0; k < count; k++) out.push(prev);
    } else out.push(b);
  }
  return Buffer.from(out);
}

/**
 * Run-length encode an (already escaped) payload, as stubs may. Runs are split so the count
 * byte is printable and never one of `$ # + -` (the protocol forbids those as counts).
 */
export function encodeRle(data: Uint8Array): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    let run = 1;
    while (i + run < data.length && data[i + run] === b && run < 98) run++;
    // Escape pairs must stay intact: never start a run on an escaped byte.
    if (b === ESCAPE || run < 4) {
      out.push(b);
      i++;
      continue;
    }
    let repeat = run - 1;
    // n = repeat + 29 must avoid '#'(35) '$'(36) '+'(43) '-'(45) and stay <= 126.
    while ([HASH, DOLLAR, PLUS, MINUS].includes(repeat + 29)) repeat--;
    out.push(b, STAR, repeat + 29);
    i += repeat + 1;
  }
  return Buffer.from(out);
}

/** Frame a payload as `$payload#cs`, escaping it (and optionally run-length encoding it). */
export function framePacket(payload: Uint8Array | string, rle = false): Buffer {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  let body = escapeBinary(raw);
  if (rle) body = encodeRle(body);
  const cs = checksum(body).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from([DOLLAR]), body, Buffer.from('#' + cs, 'latin1')]);
}

/** One thing the framer recognised in the incoming byte stream. */
export type FrameEvent =
  /** A packet with a valid checksum; payload is RLE-decoded and unescaped. */
  | { kind: 'packet'; payload: Buffer }
  /** A packet whose checksum did not match (ack mode answers `-`). */
  | { kind: 'badChecksum' }
  /** A packet longer than the size limit; its contents were dropped. */
  | { kind: 'oversized'; size: number }
  /** A packet whose body could not be decoded (bad escape or run-length). */
  | { kind: 'undecodable'; reason: string }
  | { kind: 'ack' }
  | { kind: 'nack' }
  /** The 0x03 byte outside a packet: the client asks a running target to stop. */
  | { kind: 'interrupt' };

/**
 * Incremental parser of the RSP byte stream. Bytes between packets other than `+ - 0x03`
 * are garbage and ignored (gdb may send stray newlines; a packet may also be cut anywhere).
 */
export class PacketFramer {
  private state: 'idle' | 'body' | 'cs1' | 'cs2' = 'idle';
  private body: number[] = [];
  private size = 0;
  private overflow = false;
  private csHigh = 0;

  /**
   * @param maxPayload largest raw (escaped, RLE-encoded) body accepted, in bytes
   * @param verifyChecksums false in no-ack mode, where checksums are not checked
   */
  constructor(public maxPayload = DEFAULT_PACKET_SIZE, public verifyChecksums = true) {}

  /** Feed bytes; returns the events they complete, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'idle':
          if (b === DOLLAR) this.startBody();
          else if (b === PLUS) events.push({ kind: 'ack' });
          else if (b === MINUS) events.push({ kind: 'nack' });
          else if (b === CTRL_C) events.push({ kind: 'interrupt' });
          break;
        case 'body':
          if (b === HASH) this.state = 'cs1';
          else if (b === DOLLAR) this.startBody(); // a new packet start: the previous was truncated
          else {
            this.size++;
            if (this.size > this.maxPayload) this.overflow = true;
            else this.body.push(b);
          }
          break;
        case 'cs1':
          this.csHigh = hexVal(b);
          this.state = 'cs2';
          break;
        case 'cs2': {
          const low = hexVal(b);
          this.state = 'idle';
          events.push(this.finish(this.csHigh < 0 || low < 0 ? -1 : (this.csHigh << 4) | low));
          break;
        }
      }
    }
    return events;
  }

  private startBody(): void {
    this.state = 'body';
    this.body = [];
    this.size = 0;
    this.overflow = false;
  }

  private finish(sentCs: number): FrameEvent {
    if (this.overflow) return { kind: 'oversized', size: this.size };
    const raw = Buffer.from(this.body);
    this.body = [];
    if (this.verifyChecksums && sentCs !== checksum(raw)) return { kind: 'badChecksum' };
    try {
      return { kind: 'packet', payload: unescapeBinary(decodeRle(raw)) };
    } catch (e) {
      return { kind: 'undecodable', reason: (e as Error).message };
    }
  }
}

function hexVal(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** Options of a PacketConnection. */
export interface PacketConnectionOptions {
  maxPayload?: number;
  /** How many times a packet is resent after `-` before the connection gives up on it. */
  maxRetransmits?: number;
  /** Run-length encode outgoing packets (stubs may; clients must not). */
  rle?: boolean;
  /** Called with each outgoing / incoming payload, for logging. */
  trace?: (dir: '<-' | '->', payload: Buffer) => void;
}

/** What a PacketConnection delivers to its owner. */
export interface PacketHandlers {
  packet(payload: Buffer): void;
  interrupt(): void;
  /** A packet was too big or undecodable: the owner answers with an error reply. */
  rejected(reason: string): void;
  /** The peer kept rejecting a packet; the owner should drop the connection. */
  gaveUp?(reason: string): void;
}

/**
 * Acknowledged packet transport over a socket. In ack mode every received packet is answered
 * `+` (or `-` on a bad checksum) and every sent packet is held until the peer acks it,
 * resent on `-` up to a bound; later packets wait their turn. After `noAck()` none of that.
 */
export class PacketConnection {
  private framer: PacketFramer;
  private ackMode = true;
  private queue: Buffer[] = [];
  private unacked: Buffer | undefined;
  private retransmits = 0;
  private readonly maxRetransmits: number;
  private closed = false;

  constructor(
    readonly socket: Socket,
    private readonly handlers: PacketHandlers,
    private readonly opts: PacketConnectionOptions = {},
  ) {
    this.framer = new PacketFramer(opts.maxPayload ?? DEFAULT_PACKET_SIZE);
    this.maxRetransmits = opts.maxRetransmits ?? 8;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => (this.closed = true));
  }

  /** Whether `+`/`-` acknowledgements are still exchanged. */
  get acking(): boolean {
    return this.ackMode;
  }

  /** Switch to no-ack mode (after QStartNoAckMode was acknowledged). */
  noAck(): void {
    this.ackMode = false;
    this.framer.verifyChecksums = false;
    // Anything still queued goes out now; nobody will ack it.
    this.unacked = undefined;
    for (const p of this.queue.splice(0)) this.write(p);
  }

  /** Send a packet payload (framed and escaped here). */
  send(payload: Buffer | string): void {
    if (this.closed) return;
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    this.opts.trace?.('->', buf);
    const framed = framePacket(buf, this.opts.rle);
    if (!this.ackMode) this.write(framed);
    else if (this.unacked) this.queue.push(framed);
    else {
      this.unacked = framed;
      this.retransmits = 0;
      this.write(framed);
    }
  }

  /** Send raw bytes outside packet framing (the 0x03 interrupt). */
  sendRaw(bytes: Uint8Array): void {
    this.write(Buffer.from(bytes));
  }

  /** True while sent packets wait for their ack. */
  get pending(): boolean {
    return this.unacked !== undefined;
  }

  private write(b: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(b);
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.framer.push(chunk)) {
      switch (ev.kind) {
        case 'ack':
          if (this.ackMode && this.unacked) {
            this.unacked = this.queue.shift();
            this.retransmits = 0;
            if (this.unacked) this.write(this.unacked);
          }
          break;
        case 'nack':
          if (this.ackMode && this.unacked) {
            if (++this.retransmits > this.maxRetransmits) {
              const reason = `peer rejected a packet ${this.retransmits} times`;
              this.unacked = undefined;
              this.queue = [];
              this.handlers.gaveUp?.(reason);
            } else this.write(this.unacked);
          }
          break;
        case 'interrupt':
          this.handlers.interrupt();
          break;
        case 'badChecksum':
          if (this.ackMode) this.write(Buffer.from('-'));
          break;
        case 'oversized':
          if (this.ackMode) this.write(Buffer.from('+'));
          this.handlers.rejected(`packet of ${ev.size} bytes exceeds the limit of ${this.framer.maxPayload}`);
          break;
        case 'undecodable':
          if (this.ackMode) this.write(Buffer.from('+'));
          this.handlers.rejected(ev.reason);
          break;
        case 'packet':
          if (this.ackMode) {
            this.write(Buffer.from('+'));
            // A peer that sends a new packet is not waiting for ours any more: its `+` was
            // lost (e.g. it landed inside a half-sent frame). Send ours again, or it and every
            // packet queued behind it would wait forever.
            if (this.unacked) this.write(this.unacked);
          }
          this.opts.trace?.('<-', ev.payload);
          this.handlers.packet(ev.payload);
          break;
      }
    }
  }
}
