/**
 * A disk image opened into a copy-on-write overlay (design invariant 4): the user's image
 * bytes are never modified; written data lives in 4 KiB chunks that snapshots share
 * copy-on-write, as PagedRam shares guest RAM pages.
 */
import type { DeviceState } from './device.js';

export const DISK_CHUNK_SIZE = 4096;
/** Chunks per group of saved state. */
const GROUP_CHUNKS = 64;

/**
 * The chunk references of GROUP_CHUNKS consecutive chunks (null: the image's bytes), frozen:
 * saved states share a group while none of its chunks changed, so a snapshot costs a table
 * entry per group and a new group only where the guest wrote (a PageGroup for the snapshot
 * store's accounting).
 */
export interface DiskGroup {
  readonly u8: readonly (Uint8Array | null)[];
}

/** One modified chunk of the overlay, for writing back to the image file on request. */
export interface DirtyChunk {
  /** Byte offset of the chunk in the image. */
  offset: number;
  /** The chunk's current bytes (already clipped to the image size). */
  data: Uint8Array;
}

export class DiskOverlay {
  /** Image size in bytes. */
  readonly size: number;
  /** Chunks written since open; `null` means unchanged (read from the image). */
  private chunks: (Uint8Array | null)[];
  /** 1 where a chunk is referenced by saved state and must be copied before a write. */
  private shared: Uint8Array;
  /** The groups of the last saved (or loaded) state; null where nothing was ever written. */
  private groups: (DiskGroup | null)[];
  /** Groups with a chunk replaced since the last save, listed once each. */
  private stale: number[] = [];
  private isStale: Uint8Array;

  /** @param image the image bytes; kept by reference and never written */
  constructor(private readonly image: Uint8Array) {
    this.size = image.length;
    const n = Math.ceil(image.length / DISK_CHUNK_SIZE);
    this.chunks = new Array(n).fill(null);
    this.shared = new Uint8Array(n);
    const ng = Math.ceil(n / GROUP_CHUNKS);
    this.groups = new Array(ng).fill(null);
    this.isStale = new Uint8Array(ng);
  }

  private check(offset: number, len: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + len > this.size) {
      throw new RangeError(`disk access [${offset}, ${offset + len}) outside the ${this.size}-byte image`);
    }
  }

  /** Copy `out.length` bytes at `offset` into `out`. Throws RangeError outside the image. */
  read(offset: number, out: Uint8Array): void {
    this.check(offset, out.length);
    let done = 0;
    while (done < out.length) {
      const pos = offset + done;
      const idx = Math.floor(pos / DISK_CHUNK_SIZE);
      const co = pos % DISK_CHUNK_SIZE;
      const n = Math.min(DISK_CHUNK_SIZE - co, out.length - done);
      const c = this.chunks[idx];
      if (c !== null) out.set(c.subarray(co, co + n), done);
      else out.set(this.image.subarray(pos, pos + n), done);
      done += n;
    }
  }

  /** Write `data` at `offset` into the overlay. Throws RangeError outside the image. */
  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const idx = Math.floor(pos / DISK_CHUNK_SIZE);
      const co = pos % DISK_CHUNK_SIZE;
      const n = Math.min(DISK_CHUNK_SIZE - co, data.length - done);
      this.ownChunk(idx).set(data.subarray(done, done + n), co);
      done += n;
    }
  }

  private ownChunk(idx: number): Uint8Array {
    let c = this.chunks[idx];
    if (c === null) {
      c = new Uint8Array(DISK_CHUNK_SIZE);
      const start = idx * DISK_CHUNK_SIZE;
      c.set(this.image.subarray(start, Math.min(start + DISK_CHUNK_SIZE, this.size)));
    } else if (this.shared[idx] !== 0) {
      c = c.slice();
    } else {
      return c;
    }
    this.chunks[idx] = c;
    this.shared[idx] = 0;
    const g = Math.floor(idx / GROUP_CHUNKS);
    if (this.isStale[g] === 0) { this.isStale[g] = 1; this.stale.push(g); }
    return c;
  }

  /** Chunks changed since the image was opened (possibly rewritten with identical bytes). */
  dirtyChunks(): DirtyChunk[] {
    const out: DirtyChunk[] = [];
    this.chunks.forEach((c, idx) => {
      if (c === null) return;
      const offset = idx * DISK_CHUNK_SIZE;
      out.push({ offset, data: c.subarray(0, Math.min(DISK_CHUNK_SIZE, this.size - offset)) });
    });
    return out;
  }

  /** The whole disk as the guest sees it now (a fresh copy). */
  contents(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.read(0, out);
    return out;
  }

  /**
   * The chunk references by group (no data copied); every chunk becomes shared copy-on-write.
   * Only groups with a chunk replaced since the last save are rebuilt.
   */
  saveState(): DeviceState {
    for (const g of this.stale) {
      this.groups[g] = { u8: this.chunks.slice(g * GROUP_CHUNKS, (g + 1) * GROUP_CHUNKS) };
      this.isStale[g] = 0;
    }
    if (this.stale.length > 0) this.shared.fill(1);
    this.stale = [];
    return { size: this.size, groups: this.groups.slice() };
  }

  /** Make the overlay hold exactly what it held when `s` was saved. */
  loadState(s: DeviceState): void {
    const groups = s.groups as (DiskGroup | null)[];
    if (s.size !== this.size || !Array.isArray(groups) || groups.length !== this.groups.length) {
      throw new Error(`disk state of ${String(s.size)} bytes does not fit this ${this.size}-byte disk`);
    }
    this.chunks.fill(null);
    groups.forEach((g, k) => {
      if (g === null) return;
      for (let i = 0; i < g.u8.length; i++) this.chunks[k * GROUP_CHUNKS + i] = g.u8[i];
    });
    this.groups = groups.slice();
    for (const g of this.stale) this.isStale[g] = 0;
    this.stale = [];
    this.shared.fill(1);
  }
}

/**
 * A saved overlay state: `like`'s (or, without it, an overlay never written) with the chunks
 * listed in `changes` replaced ([index, bytes or null for the image's]), as a delta keyframe
 * stores it. Only the groups holding a changed chunk are new; every other group is `like`'s
 * object. Throws for an index out of range or a `like` of another size.
 */
export function diskStateWithChanges(size: number, like: DeviceState | undefined, changes: readonly (readonly [number, Uint8Array | null])[]): DeviceState {
  const n = Math.ceil(size / DISK_CHUNK_SIZE);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad disk size ${size}`);
  const ng = Math.ceil(n / GROUP_CHUNKS);
  const old = like?.groups as (DiskGroup | null)[] | undefined;
  if (like !== undefined && (like.size !== size || !Array.isArray(old) || old.length !== ng)) throw new Error(`a ${size}-byte disk over the state of a ${String(like.size)}-byte one`);
  const groups: (DiskGroup | null)[] = old ? old.slice() : new Array<DiskGroup | null>(ng).fill(null);
  const touched = new Map<number, (Uint8Array | null)[]>();
  for (const [i, chunk] of changes) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`disk chunk ${i} out of range (${n} chunks)`);
    const g = Math.floor(i / GROUP_CHUNKS);
    let u8 = touched.get(g);
    if (u8 === undefined) {
      u8 = groups[g]?.u8.slice() ?? new Array<Uint8Array | null>(Math.min(GROUP_CHUNKS, n - g * GROUP_CHUNKS)).fill(null);
      touched.set(g, u8);
    }
    u8[i % GROUP_CHUNKS] = chunk;
  }
  for (const [g, u8] of touched) groups[g] = u8.every((c) => c === null) ? null : { u8 };
  return { size, groups };
}

/** A saved overlay state in the per-chunk form state hashes are computed over (stable across versions). */
export function diskHashForm(s: DeviceState): DeviceState {
  const groups = s.groups as (DiskGroup | null)[];
  const chunks: (Uint8Array | null)[] = [];
  const n = Math.ceil((s.size as number) / DISK_CHUNK_SIZE);
  for (let i = 0; i < n; i++) chunks.push(groups[Math.floor(i / GROUP_CHUNKS)]?.u8[i % GROUP_CHUNKS] ?? null);
  return { size: s.size, chunks };
}

