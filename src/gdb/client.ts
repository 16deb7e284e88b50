/**
 * RspClient: a small typed GDB remote protocol client. It drives rvrr (or any gdb stub) from
 * tests and scripts: connect, optional no-ack mode, registers, memory, breakpoints,
 * stepping and continuing in both directions, monitor commands.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { PacketConnection } from './packet.js';

/** A parsed stop reply (T/S/W/X packets). */
export type StopReply =
  | {
      kind: 'stopped';
      signal: number;
      /** gdb thread id (hart + 1 for rvrr), when the stub named one. */
      thread?: number;
      /** Expedited registers by gdb regnum, as unsigned 64-bit values. */
      registers: Map<number, bigint>;
      /** `swbreak`, `hwbreak`, `watch`, `rwatch`, `awatch`, `replaylog`, when given. */
      reason?: string;
      /** The reason's value: the watched address (unsigned hex text) or `begin`/`end`. */
      reasonValue?: string;
      /** The raw reply. */
      raw: string;
    }
  | { kind: 'exited'; code: number; raw: string }
  | { kind: 'terminated'; signal: number; raw: string };

/** An error reply (`Enn` or `E.text`) from the stub. */
export class RspError extends Error {
  constructor(readonly reply: string, what: string) {
    super(`${what}: stub replied ${reply}`);
  }
}

/** Parse a stop reply packet. Throws on anything else. */
export function parseStopReply(raw: string): StopReply {
  const c = raw[0];
  if (c === 'W' || c === 'X') {
    const v = parseInt(raw.slice(1, 3), 16);
    return c === 'W' ? { kind: 'exited', code: v, raw } : { kind: 'terminated', signal: v, raw };
  }
  if (c !== 'T' && c !== 'S') throw new Error(`not a stop reply: '${raw}'`);
  const signal = parseInt(raw.slice(1, 3), 16);
  const registers = new Map<number, bigint>();
  const out: StopReply = { kind: 'stopped', signal, registers, raw };
  if (c === 'T') {
    for (const field of raw.slice(3).split(';')) {
      if (field === '') continue;
      const colon = field.indexOf(':');
      const key = colon < 0 ? field : field.slice(0, colon);
      const value = colon < 0 ? '' : field.slice(colon + 1);
      if (key === 'thread') out.thread = parseInt(value.replace(/^p[0-9a-f]+\./, ''), 16);
      else if (/^[0-9a-fA-F]+$/.test(key) && /^[0-9a-fA-F]+$/.test(value))
        registers.set(parseInt(key, 16), Buffer.from(value, 'hex').readBigUInt64LE(0));
      else {
        out.reason = key;
        out.reasonValue = value;
      }
    }
  }
  return out;
}

/** An address in the project's signed convention (or a bigint) as 64-bit unsigned hex. */
function addrHex(addr: number | bigint): string {
  return BigInt.asUintN(64, BigInt(addr)).toString(16);
}

/** Typed remote-protocol client. One request at a time (awaits its reply). */
export class RspClient {
  private conn!: PacketConnection;
  private socket!: Socket;
  private waiting: { resolve: (p: Buffer) => void; reject: (e: Error) => void } | undefined;
  private closedError: Error | undefined;
  /** Console output (O packets) received so far, in order. */
  output = '';
  /** Called for each O packet as it arrives. */
  onOutput: ((text: string) => void) | undefined;
  /** Features the stub announced in qSupported (name -> value, `+`, or `-`). */
  readonly features = new Map<string, string>();

  /** Connect to a stub at host:port. */
  static async connect(port: number, host = '127.0.0.1'): Promise<RspClient> {
    const c = new RspClient();
    await c.open(port, host);
    return c;
  }

  private open(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host }, () => {
        socket.off('error', reject);
        resolve();
      });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.on('error', (e) => this.fail(e));
      socket.on('close', () => this.fail(new Error('connection closed by the stub')));
      this.conn = new PacketConnection(socket, {
        packet: (p) => this.onPacket(p),
        interrupt: () => undefined,
        rejected: (reason) => this.fail(new Error(`undecodable packet from stub: ${reason}`)),
        gaveUp: (reason) => this.fail(new Error(reason)),
      });
    });
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }

  private onPacket(p: Buffer): void {
    // O packets (console output) may precede a stop reply or a qRcmd's final reply.
    if (p.length > 1 && p[0] === 0x4f /* O */ && /^[0-9a-fA-F]+$/.test(p.toString('latin1', 1))) {
      const text = Buffer.from(p.toString('latin1', 1), 'hex').toString('utf8');
      this.output += text;
      this.onOutput?.(text);
      return;
    }
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve(p);
  }

  /** Send a raw packet payload and resolve with the reply payload (binary-safe). */
  requestRaw(payload: string | Buffer): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.waiting) return Promise.reject(new Error('a request is already pending'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.conn.send(payload);
    });
  }

  /** Send a packet and resolve with the reply as text. */
  async request(payload: string | Buffer): Promise<string> {
    return (await this.requestRaw(payload)).toString('latin1');
  }

  /** Like request(), but an `E..` reply throws RspError and an empty reply throws too. */
  async command(payload: string, what = payload): Promise<string> {
    const r = await this.request(payload);
    if (r.startsWith('E')) throw new RspError(r, what);
    if (r === '') throw new RspError('(empty: unsupported)', what);
    return r;
  }

  /** qSupported handshake; returns the stub's features. */
  async handshake(): Promise<Map<string, string>> {
    const r = await this.request('qSupported:multiprocess-;swbreak+;hwbreak+;vContSupported+;xmlRegisters=riscv');
    for (const f of r.split(';')) {
      const eq = f.indexOf('=');
      if (eq >= 0) this.features.set(f.slice(0, eq), f.slice(eq + 1));
      else if (f.endsWith('+') || f.endsWith('-')) this.features.set(f.slice(0, -1), f.slice(-1));
    }
    return this.features;
  }

  /** Switch to no-ack mode (QStartNoAckMode). */
  async startNoAck(): Promise<void> {
    await this.command('QStartNoAckMode');
    this.conn.noAck();
  }

  /** Why the target stopped (`?`). */
  async haltReason(): Promise<StopReply> {
    return parseStopReply(await this.command('?'));
  }

  /** Select the thread for register/memory operations (Hg) or for resumes (Hc). */
  async selectThread(thread: number, op: 'g' | 'c' = 'g'): Promise<void> {
    await this.command(`H${op}${thread < 0 ? '-1' : thread.toString(16)}`);
  }

  /** Thread ids (qfThreadInfo / qsThreadInfo). */
  async threads(): Promise<number[]> {
    const ids: number[] = [];
    let r = await this.command('qfThreadInfo');
    while (r.startsWith('m')) {
      ids.push(...r.slice(1).split(',').map((s) => parseInt(s, 16)));
      r = await this.command('qsThreadInfo');
    }
    return ids;
  }

  /** Read a whole qXfer object (e.g. `features`, `target.xml`). */
  async readXfer(object: string, annex: string): Promise<string> {
    let doc = '';
    for (;;) {
      const r = await this.command(`qXfer:${object}:read:${annex}:${doc.length.toString(16)},fff`);
      doc += r.slice(1);
      if (r[0] === 'l') return doc;
      if (r[0] !== 'm') throw new RspError(r, 'qXfer');
    }
  }

  /** Read the `g` register block as 64-bit little-endian values (x0..x31, pc for rvrr). */
  async readRegisters(): Promise<bigint[]> {
    const r = await this.command('g');
    const regs: bigint[] = [];
    for (let i = 0; i + 16 <= r.length; i += 16) regs.push(Buffer.from(r.slice(i, i + 16), 'hex').readBigUInt64LE(0));
    return regs;
  }

  /** Write the `G` register block (64-bit values). */
  async writeRegisters(values: bigint[]): Promise<void> {
    await this.command('G' + values.map((v) => le64(v)).join(''));
  }

  /** Read one register (p); undefined if the stub marks it unavailable. */
  async readRegister(regno: number): Promise<bigint | undefined> {
    const r = await this.command('p' + regno.toString(16));
    if (r.startsWith('x')) return undefined;
    return Buffer.from(r, 'hex').readBigUInt64LE(0);
  }

  /** Write one register (P). */
  async writeRegister(regno: number, value: bigint): Promise<void> {
    await this.command(`P${regno.toString(16)}=${le64(value)}`);
  }

  /** Read memory (m); may return fewer bytes than asked if the stub stops early. */
  async readMemory(addr: number | bigint, len: number): Promise<Buffer> {
    return Buffer.from(await this.command(`m${addrHex(addr)},${len.toString(16)}`), 'hex');
  }

  /** Write memory with a binary X packet (or hex M with `hex: true`). */
  async writeMemory(addr: number | bigint, data: Uint8Array, hex = false): Promise<void> {
    const head = `${addrHex(addr)},${data.length.toString(16)}:`;
    if (hex) await this.command('M' + head + Buffer.from(data).toString('hex'));
    else {
      const r = await this.request(Buffer.concat([Buffer.from('X' + head, 'latin1'), data]));
      if (r !== 'OK') throw new RspError(r, 'X');
    }
  }

  /** Insert (Z) a breakpoint/watchpoint: type 0 sw, 1 hw, 2 write, 3 read, 4 access. */
  async insertBreakpoint(type: number, addr: number | bigint, kind: number): Promise<void> {
    await this.command(`Z${type},${addrHex(addr)},${kind.toString(16)}`);
  }

  /** Remove (z) a breakpoint/watchpoint. */
  async removeBreakpoint(type: number, addr: number | bigint, kind: number): Promise<void> {
    await this.command(`z${type},${addrHex(addr)},${kind.toString(16)}`);
  }

  /** Continue (`c`) and resolve with the stop reply. */
  async cont(): Promise<StopReply> {
    return parseStopReply(await this.command('c'));
  }

  /** Single-step (`s`), or `vCont;s:THREAD` when a thread is given. */
  async step(thread?: number): Promise<StopReply> {
    return parseStopReply(await this.command(thread === undefined ? 's' : `vCont;s:${thread.toString(16)}`));
  }

  /** Any vCont request, e.g. `vCont;r1000,1010:1`. */
  async vCont(actions: string): Promise<StopReply> {
    return parseStopReply(await this.command('vCont;' + actions));
  }

  /** Reverse step (`bs`). */
  async reverseStep(): Promise<StopReply> {
    return parseStopReply(await this.command('bs'));
  }

  /** Reverse continue (`bc`). */
  async reverseContinue(): Promise<StopReply> {
    return parseStopReply(await this.command('bc'));
  }

  /** Send the 0x03 interrupt byte (while a resume is pending). */
  interrupt(): void {
    this.conn.sendRaw(Buffer.from([0x03]));
  }

  /** `monitor CMD`: resolves with the console output it produced. */
  async monitor(cmd: string): Promise<string> {
    const before = this.output.length;
    await this.command('qRcmd,' + Buffer.from(cmd, 'utf8').toString('hex'), `monitor ${cmd}`);
    return this.output.slice(before);
  }

  /** Detach (`D`) and close. */
  async detach(): Promise<void> {
    await this.command('D');
    this.close();
  }

  /** Close the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  /** The underlying socket (for tests that misbehave on purpose). */
  get rawSocket(): Socket {
    return this.socket;
  }
}

function le64(v: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b.toString('hex');
}
