/**
 * A disk image opened into a copy-on-write overlay (design invariant 4): the user's image
 * bytes are never modified; written data lives in 4 KiB chunks that snapshots share
 * copy-on-write, as PagedRam shares guest RAM pages.
 */
import type { DeviceState } from './device.js';

export const DISK_CHUNK_SIZE = 4096;

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

  /** @param image the image bytes; kept by reference and never written */
  constructor(private readonly image: Uint8Array) {
    this.size = image.length;
    const n = Math.ceil(image.length / DISK_CHUNK_SIZE);
    this.chunks = new Array(n).fill(null);
    this.shared = new Uint8Array(n);
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

  /** The chunk references (no data copied); every chunk becomes shared copy-on-write. */
  saveState(): DeviceState {
    this.shared.fill(1);
    return { size: this.size, chunks: this.chunks.slice() };
  }

  /** Make the overlay hold exactly what it held when `s` was saved. */
  loadState(s: DeviceState): void {
    const chunks = s.chunks as (Uint8Array | null)[];
    if (s.size !== this.size || chunks.length !== this.chunks.length) {
      throw new Error(`disk state of ${String(s.size)} bytes does not fit this ${this.size}-byte disk`);
    }
    this.chunks = chunks.slice();
    this.shared.fill(1);
  }
}
