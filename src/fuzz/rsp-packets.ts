/**
 * Generators of hostile RSP input for the protocol fuzzer: well-formed packets of every type
 * with garbage arguments, and byte-level mutations of framed packets (bad checksums,
 * truncation, oversized bodies, stray bytes, broken escapes and run-length encoding).
 */
import { checksum, encodeRle, escapeBinary, framePacket } from '../gdb/packet.js';
import type { Prng } from './prng.js';

const HEX = '0123456789abcdef';

/** One generated input: the raw bytes and whether it asks the target to run. */
export interface FuzzInput {
  bytes: Buffer;
  /** A resume or a time-travel request that may run for a while (worth interrupting). */
  runs: boolean;
  /** Short description, for failure reports. */
  label: string;
}

function hexDigits(r: Prng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[r.int(16)];
  return s;
}

/** A hex number argument: usually plausible, sometimes empty, huge, negative or not hex. */
function num(r: Prng): string {
  switch (r.int(12)) {
    case 0:
      return '';
    case 1:
      return hexDigits(r, 17 + r.int(40)); // wider than 64 bits
    case 2:
      return '-' + hexDigits(r, 1 + r.int(4));
    case 3:
      return r.pick(['zz', 'g1', '0x10', ' 1', '1 ', ',', ';', ':', '=', 'ffffffffffffffff', '8000000000000000']);
    case 4:
      return (0x80000000 + r.int(0x4000)).toString(16); // hello's code and data
    case 5:
      return (0x80000000 + r.int(128 << 20)).toString(16);
    case 6:
      return hexDigits(r, 16);
    default:
      return hexDigits(r, 1 + r.int(8));
  }
}

function small(r: Prng): string {
  return r.chance(0.8) ? r.int(0x120).toString(16) : num(r);
}

function hexData(r: Prng, maxBytes: number): string {
  const n = r.int(maxBytes + 1);
  let s = hexDigits(r, 2 * n);
  if (r.chance(0.1)) s += HEX[r.int(16)]; // odd length
  if (r.chance(0.05)) s = s.slice(0, s.length >> 1) + 'xy' + s.slice(s.length >> 1);
  return s;
}

const MONITOR_WORDS = ['info', 'info replay', 'when', 'help', 'phys on', 'phys off', 'phys maybe', 'checkpoints', 'reset', 'seek', 'restart', 'last-write', 'checkpoint', 'bogus'];

function monitorLine(r: Prng): string {
  const w = r.pick(MONITOR_WORDS);
  switch (w) {
    case 'seek':
      return r.pick([`seek ${r.int(20000)}`, `seek +${r.int(5000)}`, `seek -${r.int(5000)}`, `seek ${num(r)}`, 'seek', 'seek 99999999999999999999', 'seek -1']);
    case 'restart':
      return r.pick(['restart', `restart c${r.int(4)}`, `restart ${hexDigits(r, 3)}`]);
    case 'checkpoint':
      return r.pick(['checkpoint', `checkpoint c${r.int(4)}`]);
    case 'last-write':
      return `last-write ${r.pick(['0x' + num(r), num(r), '0x80001000'])} ${r.pick(['', '8', '0', num(r), '99999999'])}`;
    default:
      return w;
  }
}

/** A payload of every request type the server knows (and some it does not). */
export function randomPayload(r: Prng): { payload: Buffer; runs: boolean } {
  const t = (s: string, runs = false) => ({ payload: Buffer.from(s, 'latin1'), runs });
  switch (r.int(40)) {
    case 0:
      return t('?');
    case 1:
      return t(r.chance(0.8) ? 'g' : 'g' + num(r));
    case 2:
      return t('G' + hexData(r, r.chance(0.5) ? 33 * 8 : 600));
    case 3:
      return t('p' + small(r));
    case 4:
      return t('P' + small(r) + (r.chance(0.9) ? '=' : '') + hexData(r, r.chance(0.7) ? 8 : 20));
    case 5:
      return t('m' + num(r) + (r.chance(0.95) ? ',' : '') + num(r));
    case 6:
      return t(`M${num(r)},${small(r)}:${hexData(r, 64)}`);
    case 7: {
      // Binary write: raw bytes including the ones framing must escape.
      const data = r.bytes(r.int(80));
      if (r.chance(0.5)) for (let i = 0; i < data.length; i += 3) data[i] = r.pick([0x23, 0x24, 0x7d, 0x2a, 0x03]);
      const len = r.chance(0.8) ? data.length.toString(16) : num(r);
      return { payload: Buffer.concat([Buffer.from(`X${num(r)},${len}:`, 'latin1'), data]), runs: false };
    }
    case 8:
    case 9:
      return t(`${r.pick(['Z', 'z'])}${r.pick(['0', '1', '2', '3', '4', '5', '9', num(r)])},${num(r)},${r.pick(['2', '4', '8', '1', num(r)])}${r.chance(0.1) ? ';X2,0' : ''}`);
    case 10:
    case 11:
      return t(r.chance(0.7) ? 'c' : 'c' + num(r), true);
    case 12:
    case 13:
      return t(r.chance(0.7) ? 's' : 's' + num(r), true);
    case 14:
      return t(`${r.pick(['C', 'S'])}${hexDigits(r, r.pick([2, 2, 1, 3]))}${r.chance(0.3) ? ';' + num(r) : ''}`, true);
    case 15:
    case 16:
      return t('bs', true);
    case 17:
    case 18:
      return t('bc', true);
    case 19:
      return t('b' + r.pick(['', 'x', 'ss', 'c1']));
    case 20:
      return t(`H${r.pick(['g', 'c', 'x', ''])}${r.pick(['-1', '0', '1', '2', 'p1.1', 'p1', 'p1.-1', num(r)])}`);
    case 21:
      return t('T' + r.pick(['1', '2', '0', '-1', num(r)]));
    case 22:
      return t(r.pick(['vCont?', 'vCont', 'vCont;', 'vCont;c', 'vCont;s', 'vCont;t', 'vMustReplyEmpty', 'vFile:open:', 'vRun;']));
    case 23: {
      const acts = Array.from({ length: 1 + r.int(3) }, () => {
        const op = r.pick(['c', 's', 't', 'C05', 'S0b', 'r', 'x']);
        const arg = op === 'r' ? `${num(r)},${num(r)}` : '';
        return op + arg + (r.chance(0.6) ? ':' + r.pick(['1', '-1', '0', '2', 'p1.1', num(r)]) : '');
      });
      return t('vCont;' + acts.join(';'), true);
    }
    case 24:
      return t('qSupported' + (r.chance(0.8) ? ':' + r.pick(['swbreak+', 'hwbreak+;multiprocess-', 'xmlRegisters=riscv', '', ';;;', num(r)]) : ''));
    case 25:
      return t(r.pick(['qAttached', 'qAttached:1', 'qC', 'qfThreadInfo', 'qsThreadInfo', 'qOffsets', 'qSymbol::', 'qSymbol:', 'qTStatus', 'qL', 'qCRC:0,10', 'qGetTLSAddr:1,0,0']));
    case 26:
      return t('qThreadExtraInfo,' + r.pick(['1', '2', '0', '-1', num(r)]));
    case 27:
    case 28:
      return t('qRcmd,' + (r.chance(0.9) ? Buffer.from(monitorLine(r)).toString('hex') : hexData(r, 30)), true);
    case 29: {
      const obj = r.pick(['features', 'threads', 'memory-map', 'libraries', 'exec-file', num(r)]);
      const annex = r.pick(['target.xml', '', 'other.xml', num(r)]);
      return t(`qXfer:${obj}:${r.pick(['read', 'write', ''])}:${annex}:${num(r)},${num(r)}`);
    }
    case 30:
      return t(r.pick(['D', 'D;1', 'Dx']));
    case 31:
      // Kill ends the connection: rare, the fuzzer reconnects.
      return t(r.chance(0.1) ? r.pick(['k', 'vKill;1']) : 'qC');
    case 32: {
      // Large payloads near and beyond the packet size.
      const n = r.pick([0x3ff0, 0x4000, 0x4001, 0x8000, 20000]);
      return t('M80001000,' + (n >> 1).toString(16) + ':' + 'a'.repeat(n));
    }
    case 33: {
      const n = r.int(64);
      const b = r.bytes(n);
      return { payload: Buffer.from(b), runs: false };
    }
    case 34:
      return t('qXfer:features:read:target.xml:' + num(r) + ',' + num(r));
    default: {
      // A letter the server may not know, with garbage after it.
      const c = String.fromCharCode(0x21 + r.int(94));
      return t(c + hexData(r, 10));
    }
  }
}

/** Frame a payload with an optional deliberate defect. */
export function mutate(r: Prng, payload: Buffer, runs: boolean): FuzzInput {
  const framed = framePacket(payload);
  const kind = r.int(20);
  switch (kind) {
    case 0: {
      // Wrong checksum.
      const b = Buffer.from(framed);
      b[b.length - 1] = HEX.charCodeAt((parseInt(String.fromCharCode(b[b.length - 1]), 16) + 1 + r.int(14)) % 16);
      return { bytes: b, runs: false, label: 'bad checksum' };
    }
    case 1:
      return { bytes: framed.subarray(0, r.int(framed.length)), runs: false, label: 'truncated' };
    case 2: {
      // A flipped bit anywhere in the frame.
      const b = Buffer.from(framed);
      b[r.int(b.length)] ^= 1 << r.int(8);
      return { bytes: b, runs, label: 'bit flip' };
    }
    case 3: {
      // Non-hex checksum characters.
      const b = Buffer.from(framed);
      b[b.length - 2] = r.pick([0x67, 0x20, 0x23, 0x24, 0x03]);
      return { bytes: b, runs: false, label: 'non-hex checksum' };
    }
    case 4: {
      // Run-length encoded body (legal for the decoder to see).
      const body = encodeRle(escapeBinary(payload));
      const cs = checksum(body).toString(16).padStart(2, '0');
      return { bytes: Buffer.concat([Buffer.from('$'), body, Buffer.from('#' + cs)]), runs, label: 'rle' };
    }
    case 5: {
      // Broken escape / run-length: '}' at the end, '*' first, '*' with a low count.
      const body = Buffer.concat([escapeBinary(payload), Buffer.from(r.pick(['}', '*', 'a*\x10', '*~', 'b*']), 'latin1')]);
      const b2 = r.chance(0.5) ? body : Buffer.concat([Buffer.from('*'), body]);
      const cs = checksum(b2).toString(16).padStart(2, '0');
      return { bytes: Buffer.concat([Buffer.from('$'), b2, Buffer.from('#' + cs)]), runs: false, label: 'bad escape/rle' };
    }
    case 6: {
      // Stray bytes before and after: newlines, acks, nacks, interrupts, garbage.
      const junk = () => Buffer.from(Array.from({ length: r.int(6) }, () => r.pick([0x0a, 0x0d, 0x2b, 0x2d, 0x03, 0x00, 0xff, 0x41])));
      return { bytes: Buffer.concat([junk(), framed, junk()]), runs, label: 'stray bytes' };
    }
    case 7:
      // A packet that starts again in the middle.
      return { bytes: Buffer.concat([framed.subarray(0, 1 + r.int(framed.length)), framed]), runs, label: 'restarted frame' };
    case 8:
      // Missing the `$`.
      return { bytes: framed.subarray(1), runs: false, label: 'no dollar' };
    case 9: {
      // Huge body of random bytes, mostly beyond the packet size.
      const n = r.pick([100, 0x3fff, 0x4000, 0x4001, 50000]);
      const body = Buffer.alloc(n, r.pick([0x61, 0x30, 0x7d, 0x2a]));
      return { bytes: Buffer.concat([Buffer.from('$'), body, Buffer.from('#00')]), runs: false, label: `huge body ${n}` };
    }
    default:
      return { bytes: framed, runs, label: 'packet' };
  }
}

/** A generated input: a mutated or clean packet, or raw noise. */
export function randomInput(r: Prng): FuzzInput {
  if (r.chance(0.03)) return { bytes: Buffer.from(r.bytes(1 + r.int(40))), runs: false, label: 'noise' };
  const { payload, runs } = randomPayload(r);
  const inp = mutate(r, payload, runs);
  inp.label = `${inp.label}: ${payload.subarray(0, 60).toString('latin1').replace(/[^\x20-\x7e]/g, '.')}`;
  return inp;
}
