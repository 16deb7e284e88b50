/**
 * One connected debugger: turns packets into requests (request.ts), decides what they mean
 * for a DebugTarget (target.ts) and sends the replies.
 *
 * All-stop: every resume runs the machine until it stops as a whole; the stop reply names the
 * hart (thread) that stopped. Nothing a client sends can crash the server: each packet is
 * handled inside a try/catch and answered with an error reply at worst.
 */
import type { Socket } from 'node:net';
import createDebug from 'debug';
import { PacketConnection } from './packet.js';
import { parseRequest, type Request, type ThreadId, type VContAction } from './request.js';
import type { GdbServer } from './server.js';
import { memoryMapXml, targetXml } from './target-xml.js';
import {
  REG_PC,
  type AddressSpace,
  type BreakpointKind,
  type DebugTarget,
  type MonitorOutput,
  type ResumeAction,
  type StopEvent,
} from './target.js';

const log = createDebug('rvrr:rsp');

/** Error replies (errno values, as gdbserver uses them). */
const E_FAULT = 'E0e'; // EFAULT: memory not accessible
const E_INVAL = 'E16'; // EINVAL: malformed request or refused value
const E_SRCH = 'E03'; // ESRCH: no such thread

const BP_KINDS: BreakpointKind[] = ['sw', 'hw', 'write', 'read', 'access'];

/** A register value as gdb wants it: 8 bytes, target (little-endian) byte order, hex. */
function toHex64(value: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, value));
  return b.toString('hex');
}

/** A signed-convention address as the 64-bit unsigned hex gdb expects. */
function unsignedHex(addr: number): string {
  return BigInt.asUintN(64, BigInt(addr)).toString(16);
}

const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');

/** One connected debugger (created by GdbServer for each accepted client). */
export class Session {
  private readonly conn: PacketConnection;
  readonly target: DebugTarget;
  closing = false;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  /** Hart for register and memory accesses (Hg) and for resumes (Hc). */
  private gHart: number;
  private cHart: number;
  /**
   * `Hc0`/`Hc-1`: no particular hart for resumes. gdb sends it (not the selected thread) before
   * `bs`/`bc`/`s`/`c` when all threads resume; the hart to step is then the one the user
   * selected, which is the one gdb last read registers of (Hg).
   */
  private cAny = false;
  private space: AddressSpace = 'virtual';
  private clientFeatures = new Set<string>();
  /** The operation in flight (resume or monitor command), if any. */
  private busy: Promise<unknown> | undefined;
  private interruptPending = false;
  private chain: Promise<void> = Promise.resolve();
  private progressTimer: NodeJS.Timeout | undefined;
  private progressLast = -Infinity;
  private progressQueued: string | undefined;
  /**
   * The long monitor command in flight. gdb sends nothing on Ctrl-C during `qRcmd`: it prints
   * "Quit", stops waiting for the reply and goes on with its next packet. A packet arriving
   * while a monitor command runs therefore means gdb abandoned it: the command is interrupted
   * and its remaining output and reply are dropped, or gdb would take them as the replies to
   * its next packets.
   */
  private monitorRun: { abandoned: boolean } | undefined;

  constructor(readonly server: GdbServer, readonly socket: Socket) {
    this.target = server.target;
    this.closed = new Promise((r) => (this.markClosed = r));
    const hart = server.lastStop.kind === 'signal' ? server.lastStop.hart : 0;
    this.gHart = this.cHart = hart;
    this.conn = new PacketConnection(
      socket,
      {
        packet: (p) => {
          this.abandonMonitor();
          this.chain = this.chain.then(() => this.handle(p));
        },
        interrupt: () => this.onInterrupt(),
        rejected: (reason) => {
          log('rejected packet: %s', reason);
          this.chain = this.chain.then(() => this.conn.send(E_INVAL));
        },
        gaveUp: (reason) => {
          log('dropping client: %s', reason);
          socket.destroy();
        },
      },
      {
        maxPayload: server.packetSize,
        rle: false,
        trace: (dir, p) => log('%s %s', dir, printable(p)),
      },
    );
    this.target.setProgressListener?.((text) => this.progress(text));
    socket.on('close', () => this.onClose());
  }

  private onClose(): void {
    if (this.closing) return;
    this.closing = true;
    this.markClosed();
    log('client disconnected');
    this.stopProgress();
    const busy = this.busy;
    if (busy) this.safe(() => this.target.interrupt());
    const idle = (busy ?? Promise.resolve()).then(
      () => undefined,
      () => undefined,
    );
    this.server.sessionEnded(
      this,
      idle.then(() => {
        // gdb re-inserts its breakpoints on the next attach; the target must not keep stale ones.
        this.safe(() => this.target.setProgressListener?.(undefined));
        this.safe(() => this.target.detach());
      }),
    );
  }

  private safe(f: () => void): void {
    try {
      f();
    } catch (e) {
      log('target error: %s', (e as Error).message);
    }
  }

  private abandonMonitor(): void {
    const run = this.monitorRun;
    if (run === undefined || run.abandoned) return;
    log('a packet arrived during a monitor command: gdb gave up waiting (Ctrl-C); interrupting it');
    run.abandoned = true;
    this.stopProgress();
    this.safe(() => this.target.interrupt());
  }

  private onInterrupt(): void {
    if (this.busy) this.safe(() => this.target.interrupt());
    else this.interruptPending = true; // a resume packet may be queued right before it
  }

  private async handle(payload: Buffer): Promise<void> {
    if (this.closing) return;
    const req = parseRequest(payload);
    let reply: string | Buffer | undefined;
    try {
      reply = await this.dispatch(req);
    } catch (e) {
      log('error handling %s: %s', req.kind, (e as Error).stack ?? e);
      reply = 'E01';
    }
    if (req.kind !== 'continue' && req.kind !== 'step' && req.kind !== 'vCont' && req.kind !== 'reverseStep' && req.kind !== 'reverseContinue')
      this.interruptPending = false;
    if (reply !== undefined && !this.closing) this.conn.send(reply);
  }

  /** Decide the reply to one request; undefined = send nothing. */
  private async dispatch(req: Request): Promise<string | Buffer | undefined> {
    const t = this.target;
    switch (req.kind) {
      case 'malformed':
        log('malformed packet: %s', req.reason);
        return E_INVAL;
      case 'unknown':
        return '';
      case 'supported':
        for (const f of req.features) if (f.endsWith('+')) this.clientFeatures.add(f.slice(0, -1));
        return [
          `PacketSize=${this.server.packetSize.toString(16)}`,
          'QStartNoAckMode+',
          'qXfer:features:read+',
          'qXfer:threads:read+',
          'qXfer:memory-map:read+',
          'swbreak+',
          'hwbreak+',
          'vContSupported+',
          'ReverseStep+',
          'ReverseContinue+',
        ].join(';');
      case 'startNoAckMode':
        this.conn.send('OK');
        this.conn.noAck();
        return undefined;
      case 'haltReason': {
        // Reaching an end of history is an event of the resume that got there, not a state: to
        // a new connection's `?` gdb would print "No more reverse-execution history." instead
        // of the frame where the machine stands.
        const last = this.server.lastStop;
        if (last.kind === 'signal' && last.cause?.kind === 'replaylog') return this.stopReply({ kind: 'signal', signal: last.signal, hart: last.hart });
        return this.stopReply(last);
      }
      case 'attached':
        return '1'; // attached to an existing machine: quitting gdb detaches, never kills
      case 'currentThread':
        return 'QC' + (this.gHart + 1).toString(16);
      case 'threadInfoFirst':
        return 'm' + Array.from({ length: t.hartCount }, (_, i) => (i + 1).toString(16)).join(',');
      case 'threadInfoNext':
        return 'l';
      case 'threadExtraInfo': {
        const h = this.hartOf(req.thread);
        return h === undefined ? E_SRCH : Buffer.from(`hart ${h}`).toString('hex');
      }
      case 'threadAlive':
        return this.hartOf(req.thread) === undefined ? E_SRCH : 'OK';
      case 'setThread': {
        const h = req.thread <= 0 ? (req.op === 'g' ? this.gHart : this.cHart) : this.hartOf(req.thread);
        if (h === undefined) return E_SRCH;
        if (req.op === 'g') this.gHart = h;
        else {
          this.cHart = h;
          this.cAny = req.thread <= 0;
        }
        return 'OK';
      }
      case 'offsets':
        return 'Text=0;Data=0;Bss=0'; // the guest runs where it was linked
      case 'symbol':
        return 'OK'; // no symbol lookups needed
      case 'qXfer':
        return this.xfer(req.object, req.annex, req.offset, req.length);
      case 'readRegisters': {
        let out = '';
        for (let r = 0; r <= REG_PC; r++) out += this.regHex(this.gHart, r);
        return out;
      }
      case 'writeRegisters': {
        if (req.data.length % 8 !== 0) return E_INVAL;
        for (let i = 0; i * 8 < req.data.length; i++)
          if (!t.writeRegister(this.gHart, i, req.data.readBigUInt64LE(i * 8))) return E_INVAL;
        return 'OK';
      }
      case 'readRegister':
        return this.regHex(this.gHart, req.regno);
      case 'writeRegister': {
        if (req.data.length !== 8) return E_INVAL;
        return t.writeRegister(this.gHart, req.regno, req.data.readBigUInt64LE(0)) ? 'OK' : E_INVAL;
      }
      case 'readMemory': {
        if (req.len === 0) return E_INVAL;
        // A reply may be shorter than asked: gdb asks again for the rest.
        const len = Math.min(req.len, Math.floor((this.server.packetSize - 4) / 2));
        const bytes = t.readMemory(this.gHart, req.addr, len, this.space);
        return bytes.length === 0 ? E_FAULT : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
      }
      case 'writeMemory':
        if (req.data.length === 0) return 'OK'; // gdb probes X support with a zero-length write
        return t.writeMemory(this.gHart, req.addr, req.data, this.space) ? 'OK' : E_FAULT;
      case 'insertBreakpoint':
      case 'removeBreakpoint': {
        const bp = { kind: BP_KINDS[req.type], addr: req.addr, len: req.size };
        const ok = req.kind === 'insertBreakpoint' ? t.insertBreakpoint(bp) : t.removeBreakpoint(bp);
        return ok ? 'OK' : E_INVAL;
      }
      case 'vContQuery':
        return 'vCont;c;C;s;S;r';
      case 'continue':
      case 'step':
        if (req.addr !== undefined && !t.writeRegister(this.resumeHart(), REG_PC, BigInt(req.addr))) return E_INVAL;
        return this.resume(req.kind === 'continue' ? { kind: 'continue', hart: this.resumeHart() } : { kind: 'step', hart: this.resumeHart() });
      case 'vCont': {
        const action = this.pickVCont(req.actions);
        return action === undefined ? E_INVAL : this.resume(action);
      }
      case 'reverseStep':
        return this.resume({ kind: 'reverseStep', hart: this.resumeHart() });
      case 'reverseContinue':
        return this.resume({ kind: 'reverseContinue', hart: this.resumeHart() });
      case 'monitor':
        return this.monitor(req.command);
      case 'detach':
        this.conn.send('OK');
        t.detach();
        this.server.emit('detach');
        return undefined;
      case 'kill':
        // No reply (as the protocol says): end the target and the connection.
        t.kill();
        this.server.emit('kill');
        setTimeout(() => this.socket.end(), 20);
        return undefined;
      case 'vKill':
        this.conn.send('OK');
        t.kill();
        this.server.emit('kill');
        return undefined;
    }
  }

  /** The hart a resume without a thread of its own applies to (see cAny). */
  private resumeHart(): number {
    return this.cAny ? this.gHart : this.cHart;
  }

  private hartOf(thread: ThreadId): number | undefined {
    const h = thread - 1;
    return h >= 0 && h < this.target.hartCount ? h : undefined;
  }

  /** gdb thread (-1 / 0 / id) of a vCont action -> the hart it names, if one. */
  private pickVCont(actions: VContAction[]): ResumeAction | undefined {
    // All-stop: the action given for a specific thread is what the user asked for (step that
    // hart); otherwise the default action applies to the current hart.
    const specific = actions.find((a) => a.thread !== undefined && a.thread > 0);
    const fallback = actions.find((a) => a.thread === undefined || a.thread <= 0);
    const chosen = specific ?? fallback;
    if (!chosen) return undefined;
    let hart = this.resumeHart();
    if (specific) {
      const h = this.hartOf(specific.thread!);
      if (h === undefined) return undefined;
      hart = h;
    }
    switch (chosen.op) {
      case 'continue':
        // Threads without an action stay stopped: with no default action only this hart runs.
        return specific && !fallback ? { kind: 'continue', hart, onlyHart: true } : { kind: 'continue', hart };
      case 'step':
        return { kind: 'step', hart };
      case 'rangeStep':
        return { kind: 'rangeStep', hart, start: chosen.start, end: chosen.end };
      case 'stop':
        return undefined;
    }
  }

  private async resume(action: ResumeAction): Promise<string> {
    const last = this.server.lastStop;
    if (last.kind === 'exited') return this.stopReply(last); // nothing left to run
    const stop = await this.runBusy(() => this.target.resume(action));
    if (stop.message !== undefined) this.output(stop.message);
    return this.stopReply(stop);
  }

  /** Run a long operation: interruptible, forwarding progress, remembering where it stopped. */
  private async runBusy<T>(op: () => Promise<T> | T): Promise<T> {
    let done!: () => void;
    this.busy = new Promise<void>((r) => (done = r));
    try {
      // Start the operation synchronously so that an interrupt that arrived with the resume
      // packet reaches a running operation (not one that has yet to start and reset it).
      let p: Promise<T>;
      try {
        p = Promise.resolve(op());
      } catch (e) {
        p = Promise.reject(e);
      }
      if (this.interruptPending) {
        this.interruptPending = false;
        this.safe(() => this.target.interrupt());
      }
      const result = await p;
      if (isStop(result)) this.noteStop(result);
      return result;
    } finally {
      this.busy = undefined;
      this.stopProgress();
      done();
    }
  }

  private noteStop(stop: StopEvent): void {
    this.server.lastStop = stop;
    if (stop.kind === 'signal') this.gHart = this.cHart = stop.hart;
    else this.server.emit('exited', stop.code);
  }

  private stopReply(stop: StopEvent): string {
    if (stop.kind === 'exited') return 'W' + hex2(stop.code);
    let r = `T${hex2(stop.signal)}thread:${(stop.hart + 1).toString(16)};`;
    for (const regno of [REG_PC, 2, 8]) {
      try {
        const v = this.target.readRegister(stop.hart, regno);
        if (v !== undefined) r += `${hex2(regno)}:${toHex64(v)};`;
      } catch {
        // expedited registers are an optimisation: gdb fetches what is missing
      }
    }
    const c = stop.cause;
    if (c) {
      if (c.kind === 'swbreak' || c.kind === 'hwbreak') {
        if (this.clientFeatures.has(c.kind)) r += `${c.kind}:;`;
      } else if (c.kind === 'replaylog') r += `replaylog:${c.at};`;
      else r += `${c.kind}:${unsignedHex(c.addr)};`;
    }
    return r;
  }

  private regHex(hart: number, regno: number): string {
    const v = this.target.readRegister(hart, regno);
    // 'x' digits tell gdb the register is unavailable rather than failing the whole command.
    return v === undefined ? 'x'.repeat(16) : toHex64(v);
  }

  private xfer(object: string, annex: string, offset: number, length: number): string {
    let doc: string;
    if (object === 'features') {
      if (annex !== 'target.xml') return 'E00';
      doc = targetXml(this.target.csrs);
    } else if (object === 'threads') {
      doc = '<?xml version="1.0"?>\n<threads>\n';
      for (let h = 0; h < this.target.hartCount; h++)
        doc += `  <thread id="${(h + 1).toString(16)}" core="${h}" name="hart ${h}"/>\n`;
      doc += '</threads>\n';
    } else if (object === 'memory-map') {
      doc = memoryMapXml(this.target.memoryMap());
    } else return ''; // unsupported object
    // Leave room for the 'm'/'l' prefix and escaping within the packet size.
    const max = Math.max(1, Math.min(length, Math.floor(this.server.packetSize / 2) - 8));
    const chunk = doc.slice(offset, offset + max);
    return (offset + max >= doc.length ? 'l' : 'm') + chunk;
  }

  private async monitor(line: string): Promise<string | undefined> {
    const run = { abandoned: false };
    const out: MonitorOutput = {
      print: (text) => {
        if (!run.abandoned) this.output(text);
      },
    };
    const trimmed = line.trim();
    const sp = trimmed.search(/\s/);
    const name = sp < 0 ? trimmed : trimmed.slice(0, sp);
    const args = sp < 0 ? '' : trimmed.slice(sp + 1).trim();
    const cmds = this.target.monitorCommands;
    if (name === '' || name === 'help') {
      const rows: [string, string][] = [
        ['help', 'list monitor commands'],
        ['phys [on|off]', 'gdb memory accesses use physical (on) or virtual addresses (off, default)'],
        ...cmds.map((c): [string, string] => [c.usage, c.help]),
      ];
      const w = Math.max(...rows.map((r) => r[0].length));
      out.print(rows.map(([u, h]) => `${u.padEnd(w)}  ${h}\n`).join(''));
      return 'OK';
    }
    if (name === 'phys') {
      if (args === 'on') this.space = 'physical';
      else if (args === 'off') this.space = 'virtual';
      else if (args !== '') {
        out.print(`usage: monitor phys [on|off]\n`);
        return 'OK';
      }
      out.print(`memory accesses use ${this.space} addresses\n`);
      return 'OK';
    }
    const cmd = cmds.find((c) => c.name === name);
    if (!cmd) {
      out.print(`unknown monitor command '${name}'; try 'monitor help'\n`);
      return 'OK';
    }
    this.monitorRun = run;
    try {
      await this.runBusy(() => cmd.run(args, out));
    } catch (e) {
      out.print(`${name}: ${(e as Error).message}\n`);
    } finally {
      this.monitorRun = undefined;
    }
    return run.abandoned ? undefined : 'OK';
  }

  /** Console output to gdb (O packets), split to fit the packet size. */
  private output(text: string): void {
    if (this.closing) return;
    const hex = Buffer.from(text, 'utf8').toString('hex');
    const max = (this.server.packetSize - 8) & ~1;
    for (let i = 0; i < hex.length; i += max) this.conn.send('O' + hex.slice(i, i + max));
  }

  /** Progress from the target: forwarded only while gdb waits on us, at a bounded rate. */
  private progress(text: string): void {
    if (!this.busy || this.closing || this.monitorRun?.abandoned) return;
    const line = text.endsWith('\n') ? text : text + '\n';
    const now = performance.now(); // wire-level rate limiting only; never reaches the machine
    const wait = this.progressLast + this.server.progressIntervalMs - now;
    if (wait <= 0) {
      // A line queued earlier is stale now; its timer may be overdue behind a long run slice
      // and would otherwise go out right after this one.
      this.stopProgress();
      this.progressLast = now;
      this.output(line);
      return;
    }
    this.progressQueued = line;
    this.progressTimer ??= setTimeout(() => {
      this.progressTimer = undefined;
      const q = this.progressQueued;
      this.progressQueued = undefined;
      if (q !== undefined && this.busy && !this.closing) {
        this.progressLast = performance.now();
        this.output(q);
      }
    }, wait);
  }

  private stopProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.progressQueued = undefined;
  }
}

function isStop(v: unknown): v is StopEvent {
  return typeof v === 'object' && v !== null && ((v as StopEvent).kind === 'signal' || (v as StopEvent).kind === 'exited');
}

function printable(p: Buffer): string {
  const s = p.length > 200 ? p.subarray(0, 200).toString('latin1') + '...' : p.toString('latin1');
  return s.replace(/[^\x20-\x7e]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

