/**
 * Keyframes: full machine states stored in a recording ("KEYF" sections), so that replay can
 * restore the nearest one before a target instead of re-executing from icount 0.
 *
 * KEYF payload, keyframe format version 1 (little-endian):
 *   header (24 bytes, not compressed):
 *     version u16 (1) | kind u8 (0 full, 1 delta) | compression u8 (1 = raw DEFLATE)
 *     icount u64 | baseIcount u64 (the previous keyframe's icount for a delta, else 0)
 *     bodyBytes u32 (the uncompressed body size)
 *   body (compressed):
 *     stateBytes u32 | state: JSON of {clock, sched, exitCode, harts, devices} (keyframe-json.ts),
 *       with each disk overlay's chunk groups replaced by null (its chunks are stored below);
 *       this writer pads it with spaces to a multiple of 4 bytes (so the RAM data is aligned)
 *     ramPages u32 | RAM page delta
 *     diskCount u16 | per disk: nameBytes u16 | device name | chunkCount u32 | chunk delta
 *   a delta (of pages or disk chunks):
 *     n u32 | nData u32 | index u32 * n | data: nData * 4096 bytes
 *     index bit 31 set: the page/chunk is absent (never written; reads as zeros / the image);
 *     else its 4096 bytes are the next ones in data, in order.
 * A full keyframe lists every present page and chunk; a delta lists only those that differ
 * from the previous keyframe in the file (which must be the one at baseIcount), everything
 * else being as there. Snapshots in memory share unchanged page buffers by identity, which
 * makes the comparison cheap; buffers that differ by identity are compared by content.
 *
 * Decoding is in keyframe-decode.ts. The section checksum (recording.ts) covers the payload;
 * the decoder also refuses anything that does not decode to a consistent state (sizes, counts,
 * JSON), so a bad keyframe is reported and skipped, never restored.
 */
import { deflateRawSync } from 'node:zlib';
import { Parser } from 'binary-parser';
import { CHUNK_PAGES, PAGE_SIZE, type RamSnapshot } from '../bus/ram.js';
import type { DeviceState } from '../devices/device.js';
import { diskChunksOf, type VirtSnapshot } from '../machine/virt.js';
import { stateToJson } from './keyframe-json.js';

export const KEYFRAME_FORMAT_VERSION = 1;
/** Bytes of the uncompressed header before the body. */
export const KF_HEADER_BYTES = 24;
const ABSENT = 0x80000000;
const BLOCK = PAGE_SIZE;
/** Below 1 MiB of body, level 6 costs little; above, level 1 keeps `rvrr index` fast. */
const DEFLATE_LEVEL_SMALL = 6;
const DEFLATE_LEVEL_LARGE = 1;

/** A keyframe that cannot be used; the message says why. */
export class KeyframeError extends Error {
  override name = 'KeyframeError';
}

/** The uncompressed header of a KEYF payload. */
export interface KeyframeHeader {
  version: number;
  kind: 'full' | 'delta';
  icount: number;
  baseIcount: number;
  bodyBytes: number;
}

const headerParser = new Parser()
  .endianness('little')
  .uint16('version')
  .uint8('kind')
  .uint8('compression')
  .uint64('icount')
  .uint64('baseIcount')
  .uint32('bodyBytes');

/** Parse the header of a KEYF payload; throws KeyframeError when it is not one this rvrr reads. */
export function keyframeHeader(payload: Uint8Array): KeyframeHeader {
  if (payload.length < KF_HEADER_BYTES) throw new KeyframeError(`keyframe of ${payload.length} bytes is shorter than its header`);
  const h = headerParser.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  if (h.version !== KEYFRAME_FORMAT_VERSION) throw new KeyframeError(`keyframe format version ${h.version}; this rvrr reads version ${KEYFRAME_FORMAT_VERSION}`);
  if (h.kind !== 0 && h.kind !== 1) throw new KeyframeError(`unknown keyframe kind ${h.kind}`);
  if (h.compression !== 1) throw new KeyframeError(`unknown keyframe compression ${h.compression}`);
  const icount = Number(h.icount), baseIcount = Number(h.baseIcount);
  if (!Number.isSafeInteger(icount) || !Number.isSafeInteger(baseIcount)) throw new KeyframeError('keyframe icount out of range');
  return { version: h.version, kind: h.kind === 0 ? 'full' : 'delta', icount, baseIcount, bodyBytes: h.bodyBytes };
}

/** The page-level view of a keyframe: what the next delta is relative to. */
interface Base {
  icount: number;
  pages: (Uint8Array | null)[];
  disks: Map<string, (Uint8Array | null)[]>;
}

function flatPages(ram: RamSnapshot): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  for (const c of ram.chunks) {
    if (c === null) for (let k = 0; k < CHUNK_PAGES; k++) out.push(null);
    else for (const p of c.u8) out.push(p);
  }
  return out;
}

function sameBlock(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A delta of `cur` against `prev` (a full list when prev is undefined). */
function encodeDelta(cur: readonly (Uint8Array | null)[], prev: readonly (Uint8Array | null)[] | undefined, out: Buffer[]): void {
  const idx: number[] = [];
  const data: Uint8Array[] = [];
  for (let i = 0; i < cur.length; i++) {
    const p = cur[i];
    if (prev !== undefined ? sameBlock(p, prev[i] ?? null) : p === null) continue;
    if (p === null) idx.push((i | ABSENT) >>> 0);
    else {
      if (p.length !== BLOCK) throw new KeyframeError(`a block of ${p.length} bytes cannot be stored (expected ${BLOCK})`);
      idx.push(i);
      data.push(p);
    }
  }
  const h = Buffer.alloc(8 + 4 * idx.length);
  h.writeUInt32LE(idx.length, 0);
  h.writeUInt32LE(data.length, 4);
  idx.forEach((v, k) => h.writeUInt32LE(v, 8 + 4 * k));
  out.push(h, ...data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}

/** A keyframe encoded, not yet committed as the base of the next one. */
export interface EncodedKeyframe {
  icount: number;
  /** The KEYF section payload. */
  payload: Uint8Array;
  /** Make this keyframe the one the next delta is relative to (it is written to the file). */
  commit(): void;
}

/**
 * Encodes successive keyframes, each a delta against the last committed one (the first one
 * full). Encoding does not commit, so a caller may drop a keyframe that does not fit its size
 * budget and encode the next one against the same base.
 */
export class KeyframeEncoder {
  private base: Base | undefined;

  /** `deflateLevel`: one level for every keyframe (default: by size, see DEFLATE_LEVEL_SMALL). */
  constructor(private readonly opts: { deflateLevel?: number } = {}) {}

  encode(snap: VirtSnapshot): EncodedKeyframe {
    const icount = snap.clock.icount;
    const pages = flatPages(snap.ram);
    const disks = new Map<string, (Uint8Array | null)[]>();
    const devices: Record<string, DeviceState> = {};
    for (const [name, d] of Object.entries(snap.devices)) {
      const chunks = diskChunksOf(d);
      if (chunks) {
        disks.set(name, chunks);
        const backend = d.backend as DeviceState;
        devices[name] = { ...d, backend: { ...backend, disk: { ...(backend.disk as DeviceState), groups: null } } };
      } else devices[name] = d;
    }
    // Padded with spaces to a multiple of 4 bytes, so the RAM page data that follows is 4-byte
    // aligned in the body and the decoder takes its pages (and their Int32Array views) in place.
    const json = Buffer.from(stateToJson({ clock: snap.clock, sched: snap.sched, exitCode: snap.exitCode ?? null, harts: snap.harts, devices }), 'utf8');
    const state = json.length % 4 === 0 ? json : Buffer.concat([json, Buffer.alloc(4 - (json.length % 4), 0x20)]);
    const base = this.base;
    const parts: Buffer[] = [u32(state.length), state, u32(pages.length)];
    encodeDelta(pages, base?.pages, parts);
    parts.push(u16(disks.size));
    for (const [name, chunks] of disks) {
      const nb = Buffer.from(name, 'utf8');
      parts.push(u16(nb.length), nb, u32(chunks.length));
      encodeDelta(chunks, base?.disks.get(name), parts);
    }
    const size = parts.reduce((n, b) => n + b.length, 0);
    if (size > 0xffffffff) throw new KeyframeError(`a keyframe of ${size} bytes is over the format's 4 GiB`);
    const body = Buffer.concat(parts);
    const z = deflateRawSync(body, { level: this.opts.deflateLevel ?? (body.length < 1 << 20 ? DEFLATE_LEVEL_SMALL : DEFLATE_LEVEL_LARGE) });
    const h = Buffer.alloc(KF_HEADER_BYTES);
    h.writeUInt16LE(KEYFRAME_FORMAT_VERSION, 0);
    h.writeUInt8(base ? 1 : 0, 2);
    h.writeUInt8(1, 3);
    h.writeBigUInt64LE(BigInt(icount), 4);
    h.writeBigUInt64LE(BigInt(base?.icount ?? 0), 12);
    h.writeUInt32LE(body.length, 20);
    return {
      icount,
      payload: new Uint8Array(Buffer.concat([h, z])),
      commit: () => {
        this.base = { icount, pages, disks };
      },
    };
  }
}

/** Where keyframes go: the board they must fit. */
export interface KeyframeTarget {
  /** RAM pages of the board (memory size / 4096). */
  ramPages: number;
  /** Harts of the board. */
  harts: number;
}
