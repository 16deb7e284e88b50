/**
 * Decoding keyframes (the format is in keyframe.ts): each delta on top of the state decoded
 * before it, building only what it touches. The RAM chunks and disk groups no listed page or
 * chunk falls in are the previous state's objects (shared, as successive snapshots in memory
 * share them), so a delta of a few pages costs a few pages, not a pass over the whole RAM.
 *
 * Pages are views of the inflated body (no copy): a keyframe written by this rvrr pads its
 * state JSON to a multiple of 4 bytes, so the RAM page data starts 4-byte aligned and each page
 * can have its Int32Array view in place. A body from an older writer whose page data is not
 * aligned gets a single copy of that data, never one per page.
 */
import { inflateRawSync } from 'node:zlib';
import { CHUNK_PAGES, PAGE_SIZE, type RamChunk, type RamSnapshot } from '../bus/ram.js';
import type { DeviceState } from '../devices/device.js';
import { virtSnapshot, withDiskChanges, type VirtSnapshot, type VirtSnapshotParts } from '../machine/virt.js';
import { KF_HEADER_BYTES, KeyframeError, keyframeHeader, type KeyframeTarget } from './keyframe.js';
import { stateFromJson } from './keyframe-json.js';

const ABSENT = 0x80000000;
const BLOCK = PAGE_SIZE;

/** Reads the body with bounds checks (a short body is a KeyframeError, never a RangeError). */
class BodyReader {
  off = 0;
  constructor(readonly b: Buffer) {}
  need(n: number, what: string): number {
    if (n < 0 || this.off + n > this.b.length) throw new KeyframeError(`${what}: body is cut short`);
    const at = this.off;
    this.off += n;
    return at;
  }
  u16(what: string): number {
    return this.b.readUInt16LE(this.need(2, what));
  }
  u32(what: string): number {
    return this.b.readUInt32LE(this.need(4, what));
  }
}

/** A delta as stored: its index entries, and where its block data is in the body. */
interface Delta {
  /** Byte offset of the index (n entries of u32). */
  idxAt: number;
  n: number;
  nData: number;
  /** Byte offset of the data (nData blocks). */
  dataAt: number;
}

function readDelta(r: BodyReader, what: string): Delta {
  const n = r.u32(what);
  const nData = r.u32(what);
  if (nData > n) throw new KeyframeError(`${what}: ${nData} blocks stored for ${n} listed`);
  const idxAt = r.need(4 * n, what);
  const dataAt = r.need(nData * BLOCK, what);
  return { idxAt, n, nData, dataAt };
}

/**
 * Walk a delta's entries in order, checking them: `each(index, k)` with k the entry's block
 * in the data (or -1 for an absent block).
 */
function eachEntry(b: Buffer, d: Delta, count: number, what: string, each: (i: number, k: number) => void): void {
  let next = 0;
  let last = -1;
  for (let e = 0; e < d.n; e++) {
    const raw = b.readUInt32LE(d.idxAt + 4 * e);
    const i = (raw & ~ABSENT) >>> 0;
    if (i >= count || i <= last) throw new KeyframeError(`${what}: block index ${i} out of order or range (${count} blocks)`);
    last = i;
    if (raw & ABSENT) each(i, -1);
    else {
      if (next >= d.nData) throw new KeyframeError(`${what}: more blocks listed than stored`);
      each(i, next++);
    }
  }
  if (next !== d.nData) throw new KeyframeError(`${what}: ${d.nData - next} stored blocks not listed`);
}

/**
 * RAM after a delta: `prev`'s chunks (or none) with the listed pages replaced. Only the chunks
 * holding a listed page are new objects; their pages are views of `data` (aligned).
 */
function applyRamDelta(b: Buffer, d: Delta, ramPages: number, prev: RamSnapshot | undefined): RamSnapshot {
  const nc = Math.ceil(ramPages / CHUNK_PAGES);
  if (prev && prev.chunks.length !== nc) throw new KeyframeError(`RAM: ${nc} chunks where the previous keyframe had ${prev.chunks.length}`);
  const chunks: (RamChunk | null)[] = prev ? prev.chunks.slice() : new Array<RamChunk | null>(nc).fill(null);
  let pages = prev?.pages ?? 0;
  // The page data: in place when 4-byte aligned (for the Int32Array views), else one copy of it all.
  let buf = b.buffer, at = b.byteOffset + d.dataAt;
  if ((at & 3) !== 0) {
    const copy = new Uint8Array(d.nData * BLOCK);
    copy.set(b.subarray(d.dataAt, d.dataAt + d.nData * BLOCK));
    buf = copy.buffer;
    at = 0;
  }
  const touched = new Map<number, { u8: (Uint8Array | null)[]; i32: (Int32Array | null)[] }>();
  eachEntry(b, d, ramPages, 'RAM', (i, k) => {
    const c = Math.floor(i / CHUNK_PAGES);
    let t = touched.get(c);
    if (t === undefined) {
      const old = chunks[c];
      const len = Math.min(CHUNK_PAGES, ramPages - c * CHUNK_PAGES);
      t = old ? { u8: old.u8.slice(), i32: old.i32.slice() } : { u8: new Array<Uint8Array | null>(len).fill(null), i32: new Array<Int32Array | null>(len).fill(null) };
      touched.set(c, t);
    }
    const j = i % CHUNK_PAGES;
    if (t.u8[j] !== null) pages--;
    if (k < 0) {
      t.u8[j] = null;
      t.i32[j] = null;
    } else {
      t.u8[j] = new Uint8Array(buf, at + k * BLOCK, BLOCK);
      t.i32[j] = new Int32Array(buf, at + k * BLOCK, BLOCK >> 2);
      pages++;
    }
  });
  for (const [c, t] of touched) chunks[c] = t.u8.every((p) => p === null) ? null : t;
  return { chunks, pages };
}

/** The disk chunk changes of a delta: [index, a view of its bytes, or null]. */
function diskChanges(b: Buffer, d: Delta, count: number, what: string): [number, Uint8Array | null][] {
  const out: [number, Uint8Array | null][] = [];
  // Disk chunks are bytes only (no aligned view needed): views in place.
  eachEntry(b, d, count, what, (i, k) => out.push([i, k < 0 ? null : new Uint8Array(b.buffer, b.byteOffset + d.dataAt + k * BLOCK, BLOCK)]));
  return out;
}

/**
 * Decodes the keyframes of one recording in file order, each delta on top of the one before.
 * `decode` throws KeyframeError for a keyframe it cannot use; after that, deltas that build on
 * it cannot be used either, until the next full keyframe (or `rebase`).
 */
export class KeyframeDecoder {
  /** The state the next delta applies to. */
  private base: VirtSnapshot | undefined;

  /**
   * `anyOrder`: deltas may go back in icount (the history file spills snapshots in the order the
   * memory budget thins them); each must still be against the one decoded just before.
   */
  constructor(private readonly target: KeyframeTarget, private readonly opts: { anyOrder?: boolean } = {}) {}

  /** Continue from a state obtained otherwise (replayed to a corrupt keyframe's icount). */
  rebase(snap: VirtSnapshot): void {
    this.base = snap;
  }

  /** Forget the base (after a keyframe that could not be used). */
  reset(): void {
    this.base = undefined;
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
      if (base.clock.icount !== h.baseIcount) throw new KeyframeError(`delta against icount ${h.baseIcount}, but the keyframe before it is at ${base.clock.icount}`);
      if (h.icount <= base.clock.icount && this.opts.anyOrder !== true) throw new KeyframeError(`keyframe at icount ${h.icount} does not follow the one at ${base.clock.icount}`);
    }
    // Never inflate past what the header announced (a crafted file must not exhaust memory).
    // One output chunk of that size: zlib then returns it as is, instead of concatenating
    // 16 KiB pieces into a second copy of the body.
    const size = Math.max(64, h.bodyBytes);
    const body = inflateRawSync(Buffer.from(payload.buffer, payload.byteOffset + KF_HEADER_BYTES, payload.byteLength - KF_HEADER_BYTES), { maxOutputLength: size, chunkSize: size });
    if (body.length !== h.bodyBytes) throw new KeyframeError(`body of ${body.length} bytes, header says ${h.bodyBytes}`);
    const r = new BodyReader(body);
    const stateBytes = r.u32('state');
    const stateAt = r.need(stateBytes, 'state');
    const ramPages = r.u32('RAM');
    if (ramPages !== this.target.ramPages) throw new KeyframeError(`${ramPages} RAM pages, the machine has ${this.target.ramPages}`);
    const ramDelta = readDelta(r, 'RAM');
    const diskCount = r.u16('disks');
    const disks = new Map<string, { count: number; delta: Delta }>();
    for (let k = 0; k < diskCount; k++) {
      const nameBytes = r.u16('disk name');
      const name = body.toString('utf8', r.need(nameBytes, 'disk name'), r.off);
      const count = r.u32(`disk ${name}`);
      disks.set(name, { count, delta: readDelta(r, `disk ${name}`) });
    }
    if (r.off !== body.length) throw new KeyframeError(`${body.length - r.off} bytes after the body`);

    const st = stateFromJson(body.toString('utf8', stateAt, stateAt + stateBytes)) as Partial<VirtSnapshotParts> & { exitCode: number | null };
    if (typeof st !== 'object' || st === null) throw new KeyframeError('state is not an object');
    const clock = st.clock;
    if (!clock || clock.icount !== h.icount || typeof clock.warpNs !== 'number') throw new KeyframeError(`state does not hold the clock at icount ${h.icount}`);
    if (!Array.isArray(st.harts) || st.harts.length !== this.target.harts) throw new KeyframeError(`state has ${st.harts?.length} harts, the machine ${this.target.harts}`);
    const sched = st.sched;
    if (!sched || !Number.isInteger(sched.cur) || sched.cur < 0 || sched.cur >= this.target.harts || typeof sched.quantumLeft !== 'number' || typeof sched.nextEvent !== 'number') {
      throw new KeyframeError('state has no valid scheduler position');
    }
    if (typeof st.devices !== 'object' || st.devices === null) throw new KeyframeError('state has no devices');
    if (st.exitCode !== null && typeof st.exitCode !== 'number') throw new KeyframeError('bad exit code');

    const ram = applyRamDelta(body, ramDelta, ramPages, base?.ram);
    const devices: Record<string, DeviceState> = {};
    for (const [name, d] of Object.entries(st.devices)) {
      const stored = disks.get(name);
      if (!stored) {
        devices[name] = d;
        continue;
      }
      const disk = ((d as DeviceState).backend as DeviceState | null)?.disk as DeviceState | undefined;
      if (!disk || disk.groups !== null) throw new KeyframeError(`disk chunks stored for ${name}, which has no disk`);
      const size = disk.size as number;
      if (!Number.isSafeInteger(size) || size < 0 || stored.count !== Math.ceil(size / BLOCK)) throw new KeyframeError(`disk ${name}: ${stored.count} chunks for a ${String(size)}-byte disk`);
      try {
        devices[name] = withDiskChanges(d as DeviceState, diskChanges(body, stored.delta, stored.count, `disk ${name}`), base?.devices[name]);
      } catch (e) {
        if (e instanceof KeyframeError) throw e;
        throw new KeyframeError(`disk ${name}: ${(e as Error).message}`);
      }
      disks.delete(name);
    }
    if (disks.size !== 0) throw new KeyframeError(`disk chunks for unknown device ${[...disks.keys()][0]}`);
    const snap = virtSnapshot({
      clock: { icount: clock.icount, warpNs: clock.warpNs },
      sched: { cur: sched.cur, quantumLeft: sched.quantumLeft, nextEvent: sched.nextEvent },
      exitCode: st.exitCode ?? undefined,
      harts: st.harts,
      devices,
      ram,
    });
    this.base = snap;
    return snap;
  }
}
