/** Crafts small ELF64 files for the board tests. */
export interface Seg { type?: number; flags?: number; vaddr: bigint; paddr: bigint; data: Uint8Array; memsz?: number }

/** A minimal ELF64 executable: header, program headers, then each segment's bytes. */
export function makeElf(segs: Seg[], o: { entry?: bigint; machine?: number; cls?: number; data?: number; type?: number } = {}): Uint8Array {
  const phoff = 64;
  let off = phoff + segs.length * 56;
  const total = off + segs.reduce((n, s) => n + s.data.length, 0);
  const b = Buffer.alloc(total);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = o.cls ?? 2;
  b[5] = o.data ?? 1;
  b[6] = 1;
  b.writeUInt16LE(o.type ?? 2, 16);
  b.writeUInt16LE(o.machine ?? 243, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(o.entry ?? 0x80000000n, 24);
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(segs.length, 56);
  segs.forEach((s, i) => {
    const p = phoff + i * 56;
    b.writeUInt32LE(s.type ?? 1, p);
    b.writeUInt32LE(s.flags ?? 5, p + 4);
    b.writeBigUInt64LE(BigInt(off), p + 8);
    b.writeBigUInt64LE(s.vaddr, p + 16);
    b.writeBigUInt64LE(s.paddr, p + 24);
    b.writeBigUInt64LE(BigInt(s.data.length), p + 32);
    b.writeBigUInt64LE(BigInt(s.memsz ?? s.data.length), p + 40);
    b.set(s.data, off);
    off += s.data.length;
  });
  return new Uint8Array(b);
}

