/**
 * The guest's UART output as history: each byte with the icount of the store that sent it.
 * Output is captured the first time execution passes it (re-execution during seeks and
 * reverse steps sends it again and is ignored), and what the console "shows" depends on
 * the position: after a seek back, the text printed later is not there yet. Execution may
 * skip stretches of history (a seek restoring a recording's keyframe): their output is
 * captured, in its place, when execution first passes there.
 */

interface Chunk {
  icount: number;
  bytes: Uint8Array;
}

/** @internal */
export class ConsoleCapture {
  private chunks: Chunk[] = [];
  /** One past the icount of the last captured byte. */
  private high = 0;

  constructor(private readonly onNew?: (bytes: Uint8Array) => void) {}

  /** A byte (or bytes) the UART sent while the instruction at `icount` executed. */
  output(icount: number, bytes: Uint8Array): void {
    // One store sends one byte, so output at an icount already captured is a re-execution.
    if (icount >= this.high) {
      this.high = icount + 1;
      this.chunks.push({ icount, bytes: bytes.slice() });
      this.onNew?.(bytes);
      return;
    }
    // Below the last byte: new only where execution had skipped (first chunk at or after it).
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid].icount < icount) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.chunks.length && this.chunks[lo].icount === icount) return;
    this.chunks.splice(lo, 0, { icount, bytes: bytes.slice() });
  }

  /** History from `end` on was discarded (the past changed there): forget its output. */
  discardFrom(end: number): void {
    if (end >= this.high) return;
    let n = this.chunks.length;
    while (n > 0 && this.chunks[n - 1].icount >= end) n--;
    this.chunks.length = n;
    this.high = end;
  }

  /** Bytes sent by instructions before `position` (all of them without a position). */
  bytesBefore(position = Infinity): Uint8Array {
    let total = 0;
    let n = 0;
    for (const c of this.chunks) {
      if (c.icount >= position) break;
      total += c.bytes.length;
      n++;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      out.set(this.chunks[i].bytes, at);
      at += this.chunks[i].bytes.length;
    }
    return out;
  }

  /** The icount of each captured byte's store, with the byte, in order. */
  entries(): { icount: number; bytes: Uint8Array }[] {
    return this.chunks.map((c) => ({ icount: c.icount, bytes: c.bytes.slice() }));
  }
}
