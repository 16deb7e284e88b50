/**
 * Turn one RSP packet payload into a typed request. Pure: no I/O, no target knowledge.
 *
 * Addresses arrive as 64-bit unsigned hex. They become JS numbers in the project's signed
 * convention (values >= 2^63 are negative: ffffffc000000000 -> -0x4000000000). A value that
 * a double cannot hold exactly makes the packet malformed rather than silently rounded.
 */

/** Thread id as gdb sends it: -1 = all threads, 0 = any thread, else a thread id (1-based). */
export type ThreadId = number;

/** One action of a `vCont` packet. `thread` undefined = the default action for all others. */
export type VContAction =
  | { op: 'continue'; signal?: number; thread?: ThreadId }
  | { op: 'step'; signal?: number; thread?: ThreadId }
  | { op: 'rangeStep'; start: number; end: number; thread?: ThreadId }
  | { op: 'stop'; thread?: ThreadId };

/** Z-packet types: 0 sw breakpoint, 1 hw breakpoint, 2 write, 3 read, 4 access watchpoint. */
export type BreakpointType = 0 | 1 | 2 | 3 | 4;

/** A parsed request; see the GDB manual, "Packets" and "General Query Packets". */
export type Request =
  | { kind: 'haltReason' } // ?
  | { kind: 'readRegisters' } // g
  | { kind: 'writeRegisters'; data: Buffer } // G (raw register bytes, target byte order)
  | { kind: 'readRegister'; regno: number } // p
  | { kind: 'writeRegister'; regno: number; data: Buffer } // P
  | { kind: 'readMemory'; addr: number; len: number } // m
  | { kind: 'writeMemory'; addr: number; data: Buffer; binary: boolean } // M, X
  | { kind: 'insertBreakpoint'; type: BreakpointType; addr: number; size: number } // Z
  | { kind: 'removeBreakpoint'; type: BreakpointType; addr: number; size: number } // z
  | { kind: 'continue'; signal?: number; addr?: number } // c, C
  | { kind: 'step'; signal?: number; addr?: number } // s, S
  | { kind: 'vContQuery' } // vCont?
  | { kind: 'vCont'; actions: VContAction[] }
  | { kind: 'reverseStep' } // bs
  | { kind: 'reverseContinue' } // bc
  | { kind: 'detach' } // D
  | { kind: 'kill' } // k
  | { kind: 'vKill' } // vKill;pid
  | { kind: 'setThread'; op: 'g' | 'c'; thread: ThreadId } // Hg, Hc
  | { kind: 'threadAlive'; thread: ThreadId } // T
  | { kind: 'supported'; features: string[] } // qSupported
  | { kind: 'startNoAckMode' } // QStartNoAckMode
  | { kind: 'attached' } // qAttached
  | { kind: 'currentThread' } // qC
  | { kind: 'threadInfoFirst' } // qfThreadInfo
  | { kind: 'threadInfoNext' } // qsThreadInfo
  | { kind: 'threadExtraInfo'; thread: ThreadId } // qThreadExtraInfo
  | { kind: 'qXfer'; object: string; annex: string; offset: number; length: number } // qXfer:OBJ:read
  | { kind: 'monitor'; command: string } // qRcmd
  | { kind: 'offsets' } // qOffsets
  | { kind: 'symbol' } // qSymbol::
  | { kind: 'unknown'; packet: string }
  | { kind: 'malformed'; reason: string };

const MAX_EXACT = 2n ** 53n;

class Malformed extends Error {}

/** Parse unsigned hex (up to 64 bits) as bigint. */
function hexBig(s: string, what: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) throw new Malformed(`bad ${what} '${s}'`);
  return BigInt('0x' + s);
}

/** A 64-bit unsigned hex address in the signed-number convention, exact or rejected. */
export function parseAddress(s: string): number {
  const v = BigInt.asIntN(64, hexBig(s, 'address'));
  if (v >= MAX_EXACT || v <= -MAX_EXACT) throw new Malformed(`address 0x${s} not representable`);
  return Number(v);
}

/** A hex count/length/number that must fit comfortably in a JS number. */
function parseCount(s: string, what: string): number {
  const v = hexBig(s, what);
  if (v >= MAX_EXACT) throw new Malformed(`${what} 0x${s} too large`);
  return Number(v);
}

function parseHexBytes(s: string): Buffer {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Malformed('bad hex data');
  return Buffer.from(s, 'hex');
}

/** Thread ids: "-1", "0" or hex; the multiprocess form "pPID.TID" takes the TID part. */
function parseThread(s: string): ThreadId {
  let t = s;
  if (t.startsWith('p')) {
    const dot = t.indexOf('.');
    t = dot < 0 ? '-1' : t.slice(dot + 1);
  }
  if (t === '-1') return -1;
  return parseCount(t, 'thread id');
}

function parseSignal(s: string): number {
  if (!/^[0-9a-fA-F]{2}$/.test(s)) throw new Malformed(`bad signal '${s}'`);
  return parseInt(s, 16);
}

function splitAddrLen(s: string): { addr: number; len: number } {
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s);
  if (!m) throw new Malformed(`expected ADDR,LENGTH, got '${s}'`);
  return { addr: parseAddress(m[1]), len: parseCount(m[2], 'length') };
}

/** Parse one packet payload (already unescaped) into a Request. Never throws. */
export function parseRequest(payload: Buffer): Request {
  try {
    return parse(payload);
  } catch (e) {
    if (e instanceof Malformed) return { kind: 'malformed', reason: e.message };
    return { kind: 'malformed', reason: String(e) };
  }
}

function parse(payload: Buffer): Request {
  const text = payload.toString('latin1');
  if (text.length === 0) return { kind: 'unknown', packet: text };
  const c = text[0];
  const rest = text.slice(1);
  switch (c) {
    case '?':
      return { kind: 'haltReason' };
    case 'g':
      return rest === '' ? { kind: 'readRegisters' } : { kind: 'malformed', reason: 'junk after g' };
    case 'G':
      return { kind: 'writeRegisters', data: parseHexBytes(rest) };
    case 'p':
      return { kind: 'readRegister', regno: parseCount(rest, 'register number') };
    case 'P': {
      const m = /^([0-9a-fA-F]+)=(.*)$/.exec(rest);
      if (!m) throw new Malformed('expected P REGNO=VALUE');
      return { kind: 'writeRegister', regno: parseCount(m[1], 'register number'), data: parseHexBytes(m[2]) };
    }
    case 'm':
      return { kind: 'readMemory', ...splitAddrLen(rest) };
    case 'M': {
      const colon = rest.indexOf(':');
      if (colon < 0) throw new Malformed('expected M ADDR,LENGTH:DATA');
      const { addr, len } = splitAddrLen(rest.slice(0, colon));
      const data = parseHexBytes(rest.slice(colon + 1));
      if (data.length !== len) throw new Malformed(`M length ${len} but ${data.length} bytes of data`);
      return { kind: 'writeMemory', addr, data, binary: false };
    }
    case 'X': {
      // Binary payload: find the first ':' in the raw bytes (ADDR,LENGTH are plain hex).
      const colon = payload.indexOf(0x3a);
      if (colon < 0) throw new Malformed('expected X ADDR,LENGTH:DATA');
      const { addr, len } = splitAddrLen(payload.subarray(1, colon).toString('latin1'));
      const data = Buffer.from(payload.subarray(colon + 1));
      if (data.length !== len) throw new Malformed(`X length ${len} but ${data.length} bytes of data`);
      return { kind: 'writeMemory', addr, data, binary: true };
    }
    case 'Z':
    case 'z': {
      // Z TYPE,ADDR,KIND[;cond...][;cmds...]: conditions are evaluated by gdb (we do not
      // advertise ConditionalBreakpoints), so anything after ';' is ignored.
      const m = /^([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(rest);
      if (!m) throw new Malformed(`expected ${c} TYPE,ADDR,KIND`);
      return {
        kind: c === 'Z' ? 'insertBreakpoint' : 'removeBreakpoint',
        type: Number(m[1]) as BreakpointType,
        addr: parseAddress(m[2]),
        size: parseCount(m[3], 'kind'),
      };
    }
    case 'c':
    case 's': {
      const kind = c === 'c' ? 'continue' : 'step';
      return rest === '' ? { kind } : { kind, addr: parseAddress(rest) };
    }
    case 'C':
    case 'S': {
      const kind = c === 'C' ? 'continue' : 'step';
      const [sig, addr] = rest.split(';');
      const signal = parseSignal(sig);
      return addr === undefined ? { kind, signal } : { kind, signal, addr: parseAddress(addr) };
    }
    case 'b':
      if (rest === 's') return { kind: 'reverseStep' };
      if (rest === 'c') return { kind: 'reverseContinue' };
      return { kind: 'unknown', packet: text };
    case 'D':
      return { kind: 'detach' };
    case 'k':
      return { kind: 'kill' };
    case 'H': {
      const op = rest[0];
      if (op !== 'g' && op !== 'c') return { kind: 'unknown', packet: text };
      return { kind: 'setThread', op, thread: parseThread(rest.slice(1)) };
    }
    case 'T':
      return { kind: 'threadAlive', thread: parseThread(rest) };
    case 'v':
      return parseV(text);
    case 'q':
    case 'Q':
      return parseQuery(text);
    default:
      return { kind: 'unknown', packet: text };
  }
}

function parseV(text: string): Request {
  if (text === 'vCont?') return { kind: 'vContQuery' };
  if (text.startsWith('vCont;')) {
    const actions = text.slice(6).split(';').map(parseVContAction);
    return { kind: 'vCont', actions };
  }
  if (text === 'vCont') throw new Malformed('vCont without actions');
  if (text === 'vKill' || text.startsWith('vKill;')) return { kind: 'vKill' };
  return { kind: 'unknown', packet: text };
}

function parseVContAction(s: string): VContAction {
  const colon = s.indexOf(':');
  const body = colon < 0 ? s : s.slice(0, colon);
  const thread = colon < 0 ? undefined : parseThread(s.slice(colon + 1));
  const op = body[0];
  const arg = body.slice(1);
  const withThread = <T extends VContAction>(a: T): T => (thread === undefined ? a : { ...a, thread });
  switch (op) {
    case 'c':
      if (arg !== '') break;
      return withThread({ op: 'continue' });
    case 's':
      if (arg !== '') break;
      return withThread({ op: 'step' });
    case 'C':
      return withThread({ op: 'continue', signal: parseSignal(arg) });
    case 'S':
      return withThread({ op: 'step', signal: parseSignal(arg) });
    case 't':
      if (arg !== '') break;
      return withThread({ op: 'stop' });
    case 'r': {
      const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(arg);
      if (!m) break;
      return withThread({ op: 'rangeStep', start: parseAddress(m[1]), end: parseAddress(m[2]) });
    }
  }
  throw new Malformed(`bad vCont action '${s}'`);
}

function parseQuery(text: string): Request {
  if (text === 'QStartNoAckMode') return { kind: 'startNoAckMode' };
  if (text === 'qSupported') return { kind: 'supported', features: [] };
  if (text.startsWith('qSupported:')) return { kind: 'supported', features: text.slice(11).split(';') };
  if (text === 'qAttached' || text.startsWith('qAttached:')) return { kind: 'attached' };
  if (text === 'qC') return { kind: 'currentThread' };
  if (text === 'qfThreadInfo') return { kind: 'threadInfoFirst' };
  if (text === 'qsThreadInfo') return { kind: 'threadInfoNext' };
  if (text.startsWith('qThreadExtraInfo,')) return { kind: 'threadExtraInfo', thread: parseThread(text.slice(17)) };
  if (text === 'qOffsets') return { kind: 'offsets' };
  if (text === 'qSymbol::') return { kind: 'symbol' };
  if (text.startsWith('qRcmd,')) {
    const hex = text.slice(6);
    return { kind: 'monitor', command: parseHexBytes(hex).toString('latin1') };
  }
  if (text.startsWith('qXfer:')) {
    // qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH (write is not supported: reply empty)
    const parts = text.split(':');
    if (parts.length !== 5 || parts[2] !== 'read') {
      if (parts[2] === 'read') throw new Malformed('expected qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH');
      return { kind: 'unknown', packet: text };
    }
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(parts[4]);
    if (!m) throw new Malformed('expected OFFSET,LENGTH in qXfer');
    return {
      kind: 'qXfer',
      object: parts[1],
      annex: parts[3],
      offset: parseCount(m[1], 'offset'),
      length: parseCount(m[2], 'length'),
    };
  }
  return { kind: 'unknown', packet: text };
}
