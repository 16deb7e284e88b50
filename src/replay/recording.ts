/**
 * The portable recording file (.rvrr): everything needed to replay a run on another host.
 *
 * Layout (little-endian):
 *   header  : magic "RVRRREC\0" (8) | version u16 | reserved u16 | sectionCount u32 | fileBytes u64
 *   section*: tag (4 ASCII) | payloadBytes u64 | sha256(payload) (32) | payload
 * Sections: "CONF" machine configuration (JSON), "META" end of history etc. (JSON),
 * one "IMAG" per image (role, name, raw bytes), "LOG " the event log (log-format.ts), and
 * (format version 2) zero or more "KEYF" keyframes after the log, in icount order: saved
 * machine states, each a delta against the one before (keyframe.ts).
 * `fileBytes` in the header makes truncation an explicit error rather than a parse failure.
 * A corrupt keyframe is not an error (it is reported and skipped), any other corrupt section is.
 *
 * Format versions (every one is still read):
 *   1  images and log; every idle warp is a "warp" entry in the log.
 *   2  as 1, plus keyframes (a file without keyframes was still written as version 1).
 *   3  (written now, with or without keyframes) the same sections, but an idle warp that goes
 *      exactly to the next timer deadline is not logged: at icount N, once the inputs logged
 *      at N are applied, if every hart waits for an interrupt, replay warps to the deadline
 *      itself (timeline.ts). Only warps cut short (host input or the user's interrupt arrived
 *      first) are logged, so an idling guest adds nothing to the file. Since the log no longer
 *      adds up to virtual time, META gains "endWarpNs": the idle warps (ns) in the state at
 *      the end of history. A version 1 or 2 log replays unchanged under the version 3 rule
 *      (a recording of those versions never stalls idle where its log has no input), and its
 *      endWarpNs is the sum of its logged warps. Older readers refuse version 3 files.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Parser } from 'binary-parser';
import type { InputEvent } from '../machine/types.js';
import { NS_PER_INSN } from './clock.js';
import type { LogEntry } from './log.js';
import { decodeLog, encodeLog, LogFormatError } from './log-format.js';
import { keyframeHeader, KeyframeError } from './keyframe.js';

export const RECORDING_MAGIC = 'RVRRREC\0';
/** The format written (3: idle warps to a deadline not logged); see the file's TSDoc. */
export const RECORDING_FORMAT_VERSION = 3;
const READABLE_VERSIONS = [1, 2, 3];
const HEADER_BYTES = 24;
const SECTION_HEADER_BYTES = 44;

/** The machine configuration a recording ran with (what `--memory`, `--smp`, ... said). */
export interface RecordingConfig {
  /** RAM size in bytes. */
  memory: number;
  /** Number of harts. */
  smp: number;
  /** Kernel command line (`--append`), if any. */
  append?: string;
  /** Every other board option that affects execution (bios mode, devices, ...), JSON-safe. */
  options: Record<string, unknown>;
}

/** One image the recorded run used, byte for byte as it was at the start. */
export interface RecordingImage {
  /** What it was: 'kernel', 'firmware', 'initrd', 'disk', ... */
  role: string;
  /** Original file name (informative only). */
  name: string;
  bytes: Uint8Array;
}

/** A complete recording. */
export interface Recording {
  config: RecordingConfig;
  images: RecordingImage[];
  /** Every input with its icount, in order. */
  log: LogEntry[];
  /** End of history: the icount where recording stopped. */
  endIcount: number;
  /** `stateHash()` of the machine at `endIcount`, when known: replay can verify it. */
  finalStateHash?: string;
  /**
   * Idle warps (ns) in the state at `endIcount` (with the inputs logged there applied), logged
   * or not: virtual time at the end is endIcount * NS_PER_INSN + this. Absent: the sum of the
   * warps in `log` (a log holding every warp, as files of versions 1 and 2 do; decoding such a
   * file fills it in).
   */
  endWarpNs?: number;
  /** Saved machine states in icount order (absent in a recording without any). */
  keyframes?: RecordingKeyframe[];
}

/** A keyframe section as stored: decoded into a state only when a replay uses it (keyframe.ts). */
export interface RecordingKeyframe {
  /** The icount its header gives (NaN when even the header is unreadable). */
  icount: number;
  /** Full state, or a delta against the keyframe before it ('unknown' when unreadable). */
  kind: 'full' | 'delta' | 'unknown';
  /** The KEYF section payload. */
  payload: Uint8Array;
  /** Why it cannot be used (bad checksum, bad header), found while reading the file. */
  problem?: string;
}

/** A file that is not a valid recording; the message says what is wrong and where. */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

const headerParser = new Parser()
  .endianness('little')
  .string('magic', { length: 8, encoding: 'latin1' })
  .uint16('version')
  .uint16('reserved')
  .uint32('sectionCount')
  .uint64('fileBytes');

const sectionHeaderParser = new Parser()
  .endianness('little')
  .string('tag', { length: 4, encoding: 'latin1' })
  .uint64('payloadBytes')
  .buffer('sha256', { length: 32 });

const imagePayloadParser = new Parser()
  .endianness('little')
  .uint16('roleBytes')
  .string('role', { length: 'roleBytes', encoding: 'utf8' })
  .uint16('nameBytes')
  .string('name', { length: 'nameBytes', encoding: 'utf8' })
  .buffer('bytes', { readUntil: 'eof', clone: true });

const SECTION_NAMES: Record<string, string> = {
  CONF: 'configuration',
  META: 'metadata',
  IMAG: 'image',
  'LOG ': 'event log',
  KEYF: 'keyframe',
};

function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

function section(tag: string, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(SECTION_HEADER_BYTES);
  h.write(tag, 0, 'latin1');
  h.writeBigUInt64LE(BigInt(payload.length), 4);
  sha256(payload).copy(h, 12);
  return Buffer.concat([h, payload]);
}

function imagePayload(img: RecordingImage): Buffer {
  const role = Buffer.from(img.role, 'utf8');
  const name = Buffer.from(img.name, 'utf8');
  if (role.length > 0xffff || name.length > 0xffff) throw new RecordingError('image role or name too long');
  const h1 = Buffer.alloc(2);
  h1.writeUInt16LE(role.length);
  const h2 = Buffer.alloc(2);
  h2.writeUInt16LE(name.length);
  return Buffer.concat([h1, role, h2, name, img.bytes]);
}

/** Sum of the warps logged (all the idle warps of a log of format 1 or 2). */
function loggedWarpNs(log: readonly LogEntry[]): number {
  let ns = 0;
  for (const { event } of log) if (event.kind === 'warp') ns += event.ns;
  return ns;
}

/** The META section's JSON. */
function metaJson(rec: Recording): string {
  return JSON.stringify({ endIcount: rec.endIcount, finalStateHash: rec.finalStateHash ?? null, endWarpNs: rec.endWarpNs ?? loggedWarpNs(rec.log) });
}

/** Serialize a recording to bytes (format version 3). */
export function encodeRecording(rec: Recording): Uint8Array {
  const sections = [
    section('CONF', Buffer.from(JSON.stringify(rec.config), 'utf8')),
    section('META', Buffer.from(metaJson(rec), 'utf8')),
    ...rec.images.map((img) => section('IMAG', imagePayload(img))),
    section('LOG ', encodeLog(rec.log)),
    ...(rec.keyframes ?? []).map((k) => section('KEYF', k.payload)),
  ];
  const body = Buffer.concat(sections);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(RECORDING_MAGIC, 0, 'latin1');
  header.writeUInt16LE(RECORDING_FORMAT_VERSION, 8);
  header.writeUInt32LE(sections.length, 12);
  header.writeBigUInt64LE(BigInt(HEADER_BYTES + body.length), 16);
  return new Uint8Array(Buffer.concat([header, body]));
}

function parseJson(payload: Buffer, what: string): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    throw new RecordingError(`recording ${what} section is not valid JSON`);
  }
}

function checkConfig(c: unknown): RecordingConfig {
  const o = c as Partial<RecordingConfig> | null;
  if (typeof o !== 'object' || o === null || typeof o.memory !== 'number' || typeof o.smp !== 'number' ||
      typeof o.options !== 'object' || o.options === null || (o.append !== undefined && typeof o.append !== 'string')) {
    throw new RecordingError('recording configuration section lacks memory/smp/options');
  }
  return { memory: o.memory, smp: o.smp, options: o.options, ...(o.append !== undefined ? { append: o.append } : {}) };
}

/** Parse recording bytes; throws RecordingError naming the problem (magic, version, truncation, section checksum). */
export function decodeRecording(bytes: Uint8Array, source = 'recording'): Recording {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 8) !== RECORDING_MAGIC) {
    throw new RecordingError(`${source} is not an rvrr recording (bad magic)`);
  }
  if (buf.length < HEADER_BYTES) throw new RecordingError(`${source} is truncated: ${buf.length} bytes, shorter than its header`);
  const hdr = headerParser.parse(buf);
  if (!READABLE_VERSIONS.includes(hdr.version)) {
    throw new RecordingError(`${source} has recording format version ${hdr.version}; this rvrr reads versions ${READABLE_VERSIONS.join(', ')}`);
  }
  const fileBytes = Number(hdr.fileBytes);
  if (buf.length < fileBytes) throw new RecordingError(`${source} is truncated: ${buf.length} of ${fileBytes} bytes present`);
  if (buf.length > fileBytes) throw new RecordingError(`${source} has ${buf.length - fileBytes} trailing bytes after its end`);

  let config: RecordingConfig | undefined;
  let meta: { endIcount?: unknown; finalStateHash?: unknown; endWarpNs?: unknown } | undefined;
  let log: LogEntry[] | undefined;
  const images: RecordingImage[] = [];
  const keyframes: RecordingKeyframe[] = [];
  let off = HEADER_BYTES;
  for (let i = 0; i < hdr.sectionCount; i++) {
    if (buf.length - off < SECTION_HEADER_BYTES) throw new RecordingError(`${source} is truncated in the header of section ${i}`);
    const sh = sectionHeaderParser.parse(buf.subarray(off));
    const tag: string = sh.tag;
    const what = `${SECTION_NAMES[tag] ?? `unknown (${JSON.stringify(tag)})`} section ${i}`;
    off += SECTION_HEADER_BYTES;
    const n = Number(sh.payloadBytes);
    if (buf.length - off < n) throw new RecordingError(`${source} is truncated in its ${what}`);
    const payload = buf.subarray(off, off + n);
    off += n;
    if (tag === 'KEYF' && hdr.version >= 2) {
      keyframes.push(readKeyframe(payload, sh.sha256 as Buffer, i));
      continue;
    }
    if (!sha256(payload).equals(sh.sha256)) throw new RecordingError(`${source}: checksum mismatch in its ${what}`);
    switch (tag) {
      case 'CONF':
        config = checkConfig(parseJson(payload, 'configuration'));
        break;
      case 'META':
        meta = parseJson(payload, 'metadata') as typeof meta;
        break;
      case 'IMAG': {
        let p: { role: string; name: string; bytes: Buffer };
        try {
          p = imagePayloadParser.parse(payload);
        } catch {
          throw new RecordingError(`${source}: malformed ${what}`);
        }
        images.push({ role: p.role, name: p.name, bytes: new Uint8Array(p.bytes) });
        break;
      }
      case 'LOG ':
        try {
          log = decodeLog(payload);
        } catch (e) {
          if (e instanceof LogFormatError) throw new RecordingError(`${source}: ${e.message}`);
          throw e;
        }
        break;
      default:
        throw new RecordingError(`${source}: unknown section tag ${JSON.stringify(tag)}`);
    }
  }
  if (off !== buf.length) throw new RecordingError(`${source}: ${buf.length - off} bytes after its last section`);
  if (!config) throw new RecordingError(`${source} has no configuration section`);
  if (!meta || typeof meta.endIcount !== 'number' || !Number.isSafeInteger(meta.endIcount) || meta.endIcount < 0) {
    throw new RecordingError(`${source} has no valid end-of-history icount`);
  }
  if (!log) throw new RecordingError(`${source} has no event log section`);
  const endIcount = meta.endIcount;
  if (log.length > 0 && log[log.length - 1].icount > endIcount) {
    throw new RecordingError(`${source}: event log goes past the end of history (${log[log.length - 1].icount} > ${endIcount})`);
  }
  // Versions 1 and 2 log every warp; from 3 on, those to a deadline are only in the total.
  let endWarpNs = loggedWarpNs(log);
  if (hdr.version >= 3) {
    const w = meta.endWarpNs;
    if (typeof w !== 'number' || !Number.isSafeInteger(w) || w < endWarpNs) {
      throw new RecordingError(`${source} has no valid idle-warp total at the end of history (metadata endWarpNs ${JSON.stringify(w)})`);
    }
    endWarpNs = w;
  }
  return {
    config,
    images,
    log,
    endIcount,
    endWarpNs,
    ...(typeof meta.finalStateHash === 'string' ? { finalStateHash: meta.finalStateHash } : {}),
    ...(keyframes.length > 0 ? { keyframes } : {}),
  };
}

/** A keyframe section: its header read if its checksum holds, else only the problem noted. */
function readKeyframe(payload: Buffer, sum: Buffer, index: number): RecordingKeyframe {
  const copy = new Uint8Array(payload);
  if (!sha256(payload).equals(sum)) {
    return { icount: NaN, kind: 'unknown', payload: copy, problem: `checksum mismatch in keyframe section ${index}` };
  }
  try {
    const h = keyframeHeader(copy);
    return { icount: h.icount, kind: h.kind, payload: copy };
  } catch (e) {
    if (!(e instanceof KeyframeError)) throw e;
    return { icount: NaN, kind: 'unknown', payload: copy, problem: `keyframe section ${index}: ${e.message}` };
  }
}

let tmpCounter = 0;

/** Write a recording atomically: a temporary file in the same directory, then rename. */
export async function writeRecording(file: string, rec: Recording): Promise<void> {
  const data = encodeRecording(rec);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Read and validate a recording file. */
export async function readRecording(file: string): Promise<Recording> {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    throw new RecordingError(`cannot read recording ${file}: ${(e as Error).message}`);
  }
  return decodeRecording(data, file);
}

/** What `rvrr info` prints about a recording. */
export interface RecordingSummary {
  config: RecordingConfig;
  images: { role: string; name: string; bytes: number }[];
  /** History span [0, endIcount]. */
  startIcount: 0;
  endIcount: number;
  eventCount: number;
  eventsByKind: Partial<Record<InputEvent['kind'], number>>;
  /** Console input bytes in total. */
  consoleBytes: number;
  /** Virtual time at the end (ns): instructions plus idle warps. */
  virtualNsEnd: number;
  /** Of which idle warps (ns), logged or not. */
  warpNs: number;
  finalStateHash?: string;
  /** The keyframes, in file order (bytes: the section's payload size). */
  keyframes: { icount: number; kind: RecordingKeyframe['kind']; bytes: number; problem?: string }[];
  /** Bytes of the whole file, and of its keyframe sections (headers included). */
  fileBytes: number;
  keyframeBytes: number;
}

export function summarizeRecording(rec: Recording): RecordingSummary {
  const eventsByKind: Partial<Record<InputEvent['kind'], number>> = {};
  let consoleBytes = 0;
  for (const { event } of rec.log) {
    eventsByKind[event.kind] = (eventsByKind[event.kind] ?? 0) + 1;
    if (event.kind === 'console') consoleBytes += event.bytes.length;
  }
  const warpNs = rec.endWarpNs ?? loggedWarpNs(rec.log);
  return {
    config: rec.config,
    images: rec.images.map((i) => ({ role: i.role, name: i.name, bytes: i.bytes.length })),
    startIcount: 0,
    endIcount: rec.endIcount,
    eventCount: rec.log.length,
    eventsByKind,
    consoleBytes,
    virtualNsEnd: rec.endIcount * NS_PER_INSN + warpNs,
    warpNs,
    ...(rec.finalStateHash !== undefined ? { finalStateHash: rec.finalStateHash } : {}),
    keyframes: (rec.keyframes ?? []).map((k) => ({ icount: k.icount, kind: k.kind, bytes: k.payload.length, ...(k.problem ? { problem: k.problem } : {}) })),
    fileBytes: encodedRecordingBytes(rec),
    keyframeBytes: (rec.keyframes ?? []).reduce((n, k) => n + SECTION_HEADER_BYTES + k.payload.length, 0),
  };
}

/** The size of the file `encodeRecording(rec)` writes, without building it. */
export function encodedRecordingBytes(rec: Recording): number {
  let n = HEADER_BYTES + 3 * SECTION_HEADER_BYTES;
  n += Buffer.byteLength(JSON.stringify(rec.config), 'utf8');
  n += Buffer.byteLength(metaJson(rec), 'utf8');
  for (const img of rec.images) n += SECTION_HEADER_BYTES + 4 + Buffer.byteLength(img.role, 'utf8') + Buffer.byteLength(img.name, 'utf8') + img.bytes.length;
  n += encodeLog(rec.log).length;
  for (const k of rec.keyframes ?? []) n += SECTION_HEADER_BYTES + k.payload.length;
  return n;
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1 << 10 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

function fmtNs(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : `${ns} ns`;
}

/** The summary as human-readable lines. */
export function formatRecordingSummary(s: RecordingSummary): string {
  const lines = [
    `machine: ${s.config.memory / (1024 * 1024)} MiB RAM, ${s.config.smp} hart(s)` +
      (s.config.append !== undefined ? `, append ${JSON.stringify(s.config.append)}` : ''),
    `options: ${JSON.stringify(s.config.options)}`,
    ...s.images.map((i) => `image: ${i.role} ${i.name} (${i.bytes} bytes)`),
    `history: icount 0 .. ${s.endIcount}`,
    `virtual time: 0 .. ${fmtNs(s.virtualNsEnd)} (idle warps ${fmtNs(s.warpNs)})`,
    `events: ${s.eventCount}` +
      (s.eventCount ? ` (${Object.entries(s.eventsByKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : '') +
      (s.consoleBytes ? `, ${s.consoleBytes} console bytes` : ''),
  ];
  if (s.finalStateHash) lines.push(`final state hash: ${s.finalStateHash}`);
  if (s.keyframes.length === 0) lines.push('keyframes: none (seeks re-execute from icount 0; `rvrr index` adds them)');
  else {
    const pct = s.fileBytes > 0 ? ((100 * s.keyframeBytes) / s.fileBytes).toFixed(1) : '0';
    lines.push(`keyframes: ${s.keyframes.length}, ${fmtBytes(s.keyframeBytes)} (${pct}% of ${fmtBytes(s.fileBytes)})`);
    for (const k of s.keyframes) {
      lines.push(k.problem ? `  keyframe: unusable (${k.problem})` : `  keyframe: icount ${k.icount} ${k.kind} ${fmtBytes(k.bytes)}`);
    }
  }
  return lines.join('\n');
}
