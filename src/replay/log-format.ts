/**
 * On-disk encoding of the event log, separate from what the events mean (log.ts).
 *
 * Layout (little-endian):
 *   header  : magic "RVRRLOG\0" (8) | version u16 | reserved u16 | blockCount u32
 *   block*  : entryCount u32 | payloadBytes u32 | crc32(payload) u32 | payload
 *   entry   : icount u64 | kind u8 | bodyBytes u32 | body
 *   bodies  : console = bytes; warp = ns u64; mem = paddr u64, bytes;
 *             reg = hart u32, regno u32, value u64; reset = (empty);
 *             net = the Ethernet frame
 * Every block carries its own CRC-32, so a flipped bit names the block it is in.
 * Bump LOG_FORMAT_VERSION whenever this layout changes. What the entries mean can change
 * without the layout: in recordings of format version 3 (recording.ts) a warp entry is only an
 * idle warp cut short, those to a timer deadline being recomputed by replay; the recording's
 * version says which, this layout is version 1 in all of them.
 */
import { Parser } from 'binary-parser';
import type { InputEvent } from '../machine/types.js';
import { crc32 } from './crc32.js';
import type { LogEntry } from './log.js';

export const LOG_MAGIC = 'RVRRLOG\0';
export const LOG_FORMAT_VERSION = 1;
const HEADER_BYTES = 16;
const BLOCK_HEADER_BYTES = 12;
const ENTRY_HEADER_BYTES = 13;
/** Entries per block: small enough that one corrupted block is easy to locate. */
const ENTRIES_PER_BLOCK = 1024;

/** Numeric tags of the event kinds in the file (never renumber: add new ones). */
const KIND_TAG = { console: 1, warp: 2, mem: 3, reg: 4, reset: 5, net: 6 } as const;

/** A log that cannot be decoded: says why (magic, version, truncation, checksum, content). */
export class LogFormatError extends Error {
  override name = 'LogFormatError';
}

const headerParser = new Parser()
  .endianness('little')
  .string('magic', { length: 8, encoding: 'latin1' })
  .uint16('version')
  .uint16('reserved')
  .uint32('blockCount');

const blockHeaderParser = new Parser()
  .endianness('little')
  .uint32('entryCount')
  .uint32('payloadBytes')
  .uint32('crc');

const entryParser = new Parser()
  .endianness('little')
  .uint64('icount')
  .uint8('kind')
  .uint32('bodyBytes')
  .buffer('body', { length: 'bodyBytes', clone: true });

// binary-parser compiles each parser to a function: keep one per block size (nearly all are full).
const entriesParsers = new Map<number, Parser>();
function entriesParser(count: number): Parser {
  let p = entriesParsers.get(count);
  if (!p) {
    p = new Parser().array('entries', { type: entryParser, length: count });
    if (entriesParsers.size < 64) entriesParsers.set(count, p);
  }
  return p;
}

const warpBody = new Parser().endianness('little').uint64('ns');
const memBody = new Parser().endianness('little').uint64('paddr').buffer('bytes', { readUntil: 'eof', clone: true });
const regBody = new Parser().endianness('little').uint32('hart').uint32('regno').uint64('value');

function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(typeof n === 'bigint' ? BigInt.asUintN(64, n) : BigInt(n));
  return b;
}

function encodeBody(ev: InputEvent): Buffer {
  switch (ev.kind) {
    case 'console':
      return Buffer.from(ev.bytes);
    case 'warp':
      return u64(ev.ns);
    case 'mem':
      return Buffer.concat([u64(ev.paddr), Buffer.from(ev.bytes)]);
    case 'reg': {
      const b = Buffer.alloc(16);
      b.writeUInt32LE(ev.hart, 0);
      b.writeUInt32LE(ev.regno, 4);
      b.writeBigUInt64LE(BigInt.asUintN(64, ev.value), 8);
      return b;
    }
    case 'reset':
      return Buffer.alloc(0);
    case 'net':
      return Buffer.from(ev.frame);
  }
}

function toSafeNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LogFormatError(`${what} ${v} is out of range`);
  return Number(v);
}

function decodeBody(kind: number, body: Buffer, where: string): InputEvent {
  const need = (n: number, exact: boolean) => {
    if (exact ? body.length !== n : body.length < n) {
      throw new LogFormatError(`${where}: body of ${body.length} bytes is malformed for event kind ${kind}`);
    }
  };
  switch (kind) {
    case KIND_TAG.console:
      return { kind: 'console', bytes: new Uint8Array(body) };
    case KIND_TAG.warp: {
      need(8, true);
      return { kind: 'warp', ns: toSafeNumber(warpBody.parse(body).ns, `${where}: warp`) };
    }
    case KIND_TAG.mem: {
      need(8, false);
      const m = memBody.parse(body);
      return { kind: 'mem', paddr: toSafeNumber(m.paddr, `${where}: paddr`), bytes: new Uint8Array(m.bytes) };
    }
    case KIND_TAG.reg: {
      need(16, true);
      const r = regBody.parse(body);
      return { kind: 'reg', hart: r.hart, regno: r.regno, value: r.value as bigint };
    }
    case KIND_TAG.reset:
      need(0, true);
      return { kind: 'reset' };
    case KIND_TAG.net:
      return { kind: 'net', frame: new Uint8Array(body) };
    default:
      throw new LogFormatError(`${where}: unknown event kind ${kind} (written by a newer rvrr?)`);
  }
}

/** Encode log entries (in icount order) to the versioned, checksummed byte format. */
export function encodeLog(entries: Iterable<LogEntry>): Uint8Array {
  const all = Array.from(entries);
  const blocks: Buffer[] = [];
  for (let start = 0; start < all.length; start += ENTRIES_PER_BLOCK) {
    const chunk = all.slice(start, start + ENTRIES_PER_BLOCK);
    const parts: Buffer[] = [];
    for (const e of chunk) {
      const body = encodeBody(e.event);
      const h = Buffer.alloc(ENTRY_HEADER_BYTES);
      h.writeBigUInt64LE(BigInt(e.icount), 0);
      h.writeUInt8(KIND_TAG[e.event.kind], 8);
      h.writeUInt32LE(body.length, 9);
      parts.push(h, body);
    }
    const payload = Buffer.concat(parts);
    const bh = Buffer.alloc(BLOCK_HEADER_BYTES);
    bh.writeUInt32LE(chunk.length, 0);
    bh.writeUInt32LE(payload.length, 4);
    bh.writeUInt32LE(crc32(payload), 8);
    blocks.push(bh, payload);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(LOG_MAGIC, 0, 'latin1');
  header.writeUInt16LE(LOG_FORMAT_VERSION, 8);
  header.writeUInt32LE(blocks.length / 2, 12);
  return new Uint8Array(Buffer.concat([header, ...blocks]));
}

/** Decode bytes written by `encodeLog`; throws LogFormatError saying exactly what is wrong. */
export function decodeLog(bytes: Uint8Array): LogEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES) {
    throw new LogFormatError(`event log truncated: ${buf.length} bytes, the header alone needs ${HEADER_BYTES}`);
  }
  const hdr = headerParser.parse(buf);
  if (hdr.magic !== LOG_MAGIC) throw new LogFormatError('not an rvrr event log (bad magic)');
  if (hdr.version !== LOG_FORMAT_VERSION) {
    throw new LogFormatError(`event log format version ${hdr.version} is not supported (this rvrr reads version ${LOG_FORMAT_VERSION})`);
  }
  const out: LogEntry[] = [];
  let off = HEADER_BYTES;
  for (let b = 0; b < hdr.blockCount; b++) {
    if (buf.length - off < BLOCK_HEADER_BYTES) {
      throw new LogFormatError(`event log truncated in the header of block ${b} of ${hdr.blockCount}`);
    }
    const bh = blockHeaderParser.parse(buf.subarray(off));
    off += BLOCK_HEADER_BYTES;
    if (buf.length - off < bh.payloadBytes) {
      throw new LogFormatError(`event log truncated in block ${b} of ${hdr.blockCount}: needs ${bh.payloadBytes} bytes, ${buf.length - off} remain`);
    }
    const payload = buf.subarray(off, off + bh.payloadBytes);
    off += bh.payloadBytes;
    if (crc32(payload) !== bh.crc) throw new LogFormatError(`event log checksum mismatch in block ${b} of ${hdr.blockCount}`);
    let parsed: { entries: { icount: bigint; kind: number; bodyBytes: number; body: Buffer }[] };
    try {
      parsed = entriesParser(bh.entryCount).parse(payload);
    } catch {
      throw new LogFormatError(`event log block ${b}: entries do not fit in the block`);
    }
    let used = 0;
    for (const [i, e] of parsed.entries.entries()) {
      const where = `event log block ${b} entry ${i}`;
      used += ENTRY_HEADER_BYTES + e.bodyBytes;
      const icount = toSafeNumber(e.icount, `${where}: icount`);
      const prev = out.length === 0 ? 0 : out[out.length - 1].icount;
      if (icount < prev) throw new LogFormatError(`${where}: icount ${icount} goes backwards (previous ${prev})`);
      out.push({ icount, event: decodeBody(e.kind, e.body, where) });
    }
    if (used !== bh.payloadBytes) throw new LogFormatError(`event log block ${b}: ${bh.payloadBytes - used} stray bytes after its entries`);
  }
  if (off !== buf.length) throw new LogFormatError(`event log has ${buf.length - off} trailing bytes after its last block`);
  return out;
}
