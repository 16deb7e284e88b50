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
 *       with each disk overlay's chunk groups replaced by null (its chunks are stored below)
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
 * The section checksum (recording.ts) covers the payload; this module also refuses anything
 * that does not decode to a consistent state (sizes, counts, JSON), so a bad keyframe is
 * reported and skipped, never restored.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Parser } from 'binary-parser';
import { CHUNK_PAGES, PAGE_SIZE, type RamChunk, type RamSnapshot } from '../bus/ram.js';
import type { DeviceState } from '../devices/device.js';
import { diskChunksOf, virtSnapshot, withDiskChunks, type VirtSnapshot, type VirtSnapshotParts } from '../machine/virt.js';
import { stateFromJson, stateToJson } from './keyframe-json.js';

export const KEYFRAME_FORMAT_VERSION = 1;
const KF_HEADER_BYTES = 24;
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

const deltaParser = new Parser()
  .endianness('little')
  .uint32('n')
  .uint32('nData')
  .array('idx', { type: 'uint32le', length: 'n' })
  .buffer('data', { length: function (this: { nData: number }) { return this.nData * BLOCK; } });

const diskParser = new Parser()
  .endianness('little')
  .uint16('nameBytes')
  .string('name', { length: 'nameBytes', encoding: 'utf8' })
  .uint32('chunkCount')
  .nest('delta', { type: deltaParser });

const bodyParser = new Parser()
  .endianness('little')
  .uint32('stateBytes')
  .string('state', { length: 'stateBytes', encoding: 'utf8' })
  .uint32('ramPages')
  .nest('ram', { type: deltaParser })
  .uint16('diskCount')
  .array('disks', { type: diskParser, length: 'diskCount' })
  .buffer('rest', { readUntil: 'eof' });

interface ParsedDelta { n: number; nData: number; idx: number[]; data: Buffer }

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
    const state = Buffer.from(stateToJson({ clock: snap.clock, sched: snap.sched, exitCode: snap.exitCode ?? null, harts: snap.harts, devices }), 'utf8');
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
    const z = deflateRawSync(body, { level: body.length < 1 << 20 ? DEFLATE_LEVEL_SMALL : DEFLATE_LEVEL_LARGE });
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

/** Apply a parsed delta to `prev` (or to an all-absent list of `count` blocks). */
function applyDelta(d: ParsedDelta, count: number, prev: readonly (Uint8Array | null)[] | undefined, what: string): (Uint8Array | null)[] {
  if (d.data.length !== d.nData * BLOCK) throw new KeyframeError(`${what}: data is cut short`);
  const out = prev ? prev.slice() : new Array<Uint8Array | null>(count).fill(null);
  if (out.length !== count) throw new KeyframeError(`${what}: ${count} blocks where the previous keyframe had ${out.length}`);
  // One buffer for the new blocks (4-byte aligned for the int32 views); each block a view of it.
  const store = new Uint8Array(d.data.length);
  store.set(d.data);
  let next = 0;
  let last = -1;
  for (const raw of d.idx) {
    const i = raw & ~ABSENT;
    if (i >= count || i <= last) throw new KeyframeError(`${what}: block index ${i} out of order or range (${count} blocks)`);
    last = i;
    if (raw & ABSENT) out[i] = null;
    else {
      if (next >= d.nData) throw new KeyframeError(`${what}: more blocks listed than stored`);
      out[i] = store.subarray(next * BLOCK, (next + 1) * BLOCK);
      next++;
    }
  }
  if (next !== d.nData) throw new KeyframeError(`${what}: ${d.nData - next} stored blocks not listed`);
  return out;
}

function ramSnapshot(pages: readonly (Uint8Array | null)[]): RamSnapshot {
  const chunks: (RamChunk | null)[] = [];
  let present = 0;
  for (let lo = 0; lo < pages.length; lo += CHUNK_PAGES) {
    const u8 = pages.slice(lo, lo + CHUNK_PAGES);
    if (u8.every((p) => p === null)) { chunks.push(null); continue; }
    const i32 = u8.map((p) => (p === null ? null : new Int32Array(p.buffer, p.byteOffset, p.byteLength >> 2)));
    present += u8.filter((p) => p !== null).length;
    chunks.push({ u8, i32 });
  }
  return { chunks, pages: present };
}

/** Where keyframes go: the board they must fit. */
export interface KeyframeTarget {
  /** RAM pages of the board (memory size / 4096). */
  ramPages: number;
  /** Harts of the board. */
  harts: number;
}

/**
 * Decodes the keyframes of one recording in file order, each delta on top of the one before.
 * `decode` throws KeyframeError for a keyframe it cannot use; after that, deltas that build on
 * it cannot be used either, until the next full keyframe (or `rebase`).
 */
export class KeyframeDecoder {
  private base: Base | undefined;
  private baseSnap: VirtSnapshot | undefined;

  constructor(private readonly target: KeyframeTarget) {}

  /** Continue from a state obtained otherwise (replayed to a corrupt keyframe's icount). */
  rebase(snap: VirtSnapshot): void {
    this.baseSnap = snap;
    this.base = { icount: snap.clock.icount, pages: flatPages(snap.ram), disks: new Map() };
    for (const [name, d] of Object.entries(snap.devices)) {
      const chunks = diskChunksOf(d);
      if (chunks) this.base.disks.set(name, chunks);
    }
  }

  /** Forget the base (after a keyframe that could not be used). */
  reset(): void {
    this.base = undefined;
    this.baseSnap = undefined;
  }

  decode(payload: Uint8Array): VirtSnapshot {
    try {
      return this.decodeUnchecked(payload);
    } catch (e) {
      this.reset();
      if (e instanceof KeyframeError) throw e;
      throw new KeyframeError(`undecodable: ${(e as Error).message}`);
    }
  }

  private decodeUnchecked(payload: Uint8Array): VirtSnapshot {
    const h = keyframeHeader(payload);
    const base = h.kind === 'delta' ? this.base : undefined;
    if (h.kind === 'delta') {
      if (!base) throw new KeyframeError(`delta against the keyframe at icount ${h.baseIcount}, which could not be used`);
      if (base.icount !== h.baseIcount) throw new KeyframeError(`delta against icount ${h.baseIcount}, but the keyframe before it is at ${base.icount}`);
      if (h.icount <= base.icount) throw new KeyframeError(`keyframe at icount ${h.icount} does not follow the one at ${base.icount}`);
    }
    // Never inflate past what the header announced (a crafted file must not exhaust memory).
    const body = inflateRawSync(Buffer.from(payload.buffer, payload.byteOffset + KF_HEADER_BYTES, payload.byteLength - KF_HEADER_BYTES), { maxOutputLength: Math.max(1, h.bodyBytes) });
    if (body.length !== h.bodyBytes) throw new KeyframeError(`body of ${body.length} bytes, header says ${h.bodyBytes}`);
    const b = bodyParser.parse(body) as {
      state: string; ramPages: number; ram: ParsedDelta; disks: { name: string; chunkCount: number; delta: ParsedDelta }[]; rest: Buffer;
    };
    if (b.rest.length !== 0) throw new KeyframeError(`${b.rest.length} bytes after the body`);
    if (b.ramPages !== this.target.ramPages) throw new KeyframeError(`${b.ramPages} RAM pages, the machine has ${this.target.ramPages}`);
    const pages = applyDelta(b.ram, b.ramPages, base?.pages, 'RAM');
    const disks = new Map<string, (Uint8Array | null)[]>();
    for (const d of b.disks) disks.set(d.name, applyDelta(d.delta, d.chunkCount, base?.disks.get(d.name), `disk ${d.name}`));
    const st = stateFromJson(b.state) as Partial<VirtSnapshotParts> & { exitCode: number | null };
    const clock = st.clock;
    if (typeof st !== 'object' || st === null || !clock || clock.icount !== h.icount || typeof clock.warpNs !== 'number') {
      throw new KeyframeError(`state does not hold the clock at icount ${h.icount}`);
    }
    if (!Array.isArray(st.harts) || st.harts.length !== this.target.harts) throw new KeyframeError(`state has ${st.harts?.length} harts, the machine ${this.target.harts}`);
    const sched = st.sched;
    if (!sched || !Number.isInteger(sched.cur) || sched.cur < 0 || sched.cur >= this.target.harts || typeof sched.quantumLeft !== 'number' || typeof sched.nextEvent !== 'number') {
      throw new KeyframeError('state has no valid scheduler position');
    }
    if (typeof st.devices !== 'object' || st.devices === null) throw new KeyframeError('state has no devices');
    const devices: Record<string, DeviceState> = {};
    for (const [name, d] of Object.entries(st.devices)) {
      const chunks = disks.get(name);
      if (chunks) {
        const backend = (d as DeviceState).backend as DeviceState | null;
        const disk = backend?.disk as DeviceState | undefined;
        if (!disk || disk.groups !== null) throw new KeyframeError(`disk chunks stored for ${name}, which has no disk`);
        try {
          devices[name] = withDiskChunks(d as DeviceState, chunks, this.baseSnap?.devices[name]);
        } catch (e) {
          throw new KeyframeError(`disk ${name}: ${(e as Error).message}`);
        }
        disks.delete(name);
      } else devices[name] = d;
    }
    if (disks.size !== 0) throw new KeyframeError(`disk chunks for unknown device ${[...disks.keys()][0]}`);
    if (st.exitCode !== null && typeof st.exitCode !== 'number') throw new KeyframeError('bad exit code');
    const snap = virtSnapshot({
      clock: { icount: clock.icount, warpNs: clock.warpNs },
      sched: { cur: sched.cur, quantumLeft: sched.quantumLeft, nextEvent: sched.nextEvent },
      exitCode: st.exitCode ?? undefined,
      harts: st.harts,
      devices,
      ram: this.reuseChunks(ramSnapshot(pages)),
    });
    this.base = { icount: h.icount, pages, disks: new Map([...Object.entries(devices)].flatMap(([n, d]) => { const c = diskChunksOf(d); return c ? [[n, c] as const] : []; })) };
    this.baseSnap = snap;
    return snap;
  }

  /** Chunks whose pages are all the previous keyframe's are that keyframe's chunk objects (shared, as in memory). */
  private reuseChunks(ram: RamSnapshot): RamSnapshot {
    const prev = this.baseSnap?.ram.chunks;
    if (!prev) return ram;
    const chunks = ram.chunks.map((c, k) => {
      const p = prev[k];
      if (c === null || !p || p.u8.length !== c.u8.length) return c;
      for (let i = 0; i < c.u8.length; i++) if (c.u8[i] !== p.u8[i]) return c;
      return p;
    });
    return { chunks, pages: ram.pages };
  }
}
