/**
 * Small helpers shared by the device models: sub-word access to 32-bit registers and
 * 64-bit registers kept as two 32-bit halves (guest 64-bit values are never BigInt here).
 */

/** The `size` bytes at byte `offset & 3` of the 32-bit register value `reg`. */
export function extract32(reg: number, offset: number, size: 1 | 2 | 4): number {
  if (size === 4) return reg >>> 0;
  const shift = (offset & 3) * 8;
  const mask = size === 1 ? 0xff : 0xffff;
  return (reg >>> shift) & mask;
}

/** `reg` with the `size` bytes at byte `offset & 3` replaced by the low bytes of `value`. */
export function deposit32(reg: number, offset: number, size: 1 | 2 | 4, value: number): number {
  if (size === 4) return value >>> 0;
  const shift = (offset & 3) * 8;
  const mask = (size === 1 ? 0xff : 0xffff) << shift;
  return ((reg & ~mask) | ((value << shift) & mask)) >>> 0;
}

export const TWO32 = 0x1_0000_0000;
export const TWO64 = TWO32 * TWO32;

/** A 64-bit unsigned quantity as a JS number (exact below 2^53, which virtual time stays under). */
export function u64(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

/** Split a non-negative number into its low and high 32-bit words, modulo 2^64. */
export function split64(v: number): { lo: number; hi: number } {
  let x = v % TWO64;
  if (x < 0) x += TWO64;
  const hi = Math.floor(x / TWO32);
  return { lo: (x - hi * TWO32) >>> 0, hi: hi >>> 0 };
}
