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
 * Room beside RAM and history: the harts' areas, and dead pages the garbage collector has not
 * found yet (page-pool.ts asks for a collection every 64 MiB of growth).
 */
const SLACK = 256 << 20;

/**
 * The arena for a RAM of `ramBytes` whose history (snapshots, `--snapshot-memory`) may hold
 * `historyBytes` more: room for every page of both, so that the pages the guest uses stay in
 * it however long the run. A copy-on-write moves a live page to a fresh slot while the old one
 * stays with the snapshots, so an arena sized for RAM alone fills with history, and from then
 * on the guest's pages are ordinary buffers that wasm code reaches only through JavaScript.
 * At most 4 GiB (wasm32); smaller when the host will not map that much; null when it will not
 * map even RAM (then every page is an ordinary ArrayBuffer, as without the wasm tier).
 */
export function arenaFor(ramBytes: number, historyBytes = ramBytes): Arena | null {
  const sizes = [Math.min(MAX_BYTES, ramBytes + historyBytes + SLACK), 2 * ramBytes + (64 << 20), ramBytes + (16 << 20)];
  for (const bytes of sizes) {
    try {
      return new Arena(bytes);
    } catch {
      // Try a smaller one.
    }
  }
  return null;
}
