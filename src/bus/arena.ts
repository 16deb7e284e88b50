/**
 * One WebAssembly.Memory per machine, carved by a bump allocator: guest RAM page slots (for
 * PagePool) and each hart's wasm area (registers, TLB mirror; cpu/wasm-area.ts). The wasm
 * tier's generated code reaches all of them with plain loads and stores, and everything else
 * sees them through ordinary typed-array views.
 *
 * The memory is sized once and never grown: grow() would detach the buffer and every view on
 * it (every page buffer a snapshot, a TLB or a device holds). Untouched pages of it cost no
 * host memory (the host maps them lazily), so it can be sized for RAM and snapshots up front;
 * once it is full, callers fall back to ordinary ArrayBuffers (pages there are simply never
 * reached inline by wasm code, only through the JS paths).
 */

const WASM_PAGE = 65536;
/** Most bytes one wasm32 memory can hold. */
const MAX_BYTES = 65536 * WASM_PAGE;

export class Arena {
  readonly memory: WebAssembly.Memory;
  /** The memory's buffer (never detached: the memory never grows). */
  readonly buffer: ArrayBuffer;
  private top = 0;

  /** An arena of at least `bytes` (rounded up to wasm pages, at most 4 GiB). Throws if the host refuses. */
  constructor(bytes: number) {
    const pages = Math.max(1, Math.min(MAX_BYTES, Math.ceil(bytes / WASM_PAGE) * WASM_PAGE) / WASM_PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buffer = this.memory.buffer;
  }

  /** Bytes the arena holds. */
  get size(): number {
    return this.buffer.byteLength;
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.top;
  }

  /** Offset of `bytes` fresh (zeroed) bytes aligned to `align` (a power of two), or -1 when full. */
  alloc(bytes: number, align: number): number {
    const at = Math.ceil(this.top / align) * align;
    if (at + bytes > this.buffer.byteLength) return -1;
    this.top = at + bytes;
    return at;
  }

  /** Whether `view` lies in this arena (so wasm code can reach it at its byteOffset). */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.buffer;
  }
}

/**
 * The arena for a RAM of `ramBytes`: room for every page, for as many again of snapshot
 * copies and copy-on-write pages, and for the harts' areas. Null when the host will not map
 * that much (then every page is an ordinary ArrayBuffer, as without the wasm tier).
 */
export function arenaFor(ramBytes: number): Arena | null {
  try {
    return new Arena(2 * ramBytes + (64 << 20));
  } catch {
    try { return new Arena(ramBytes + (16 << 20)); } catch { return null; }
  }
}
