/**
 * Bit-level helpers for IEEE binary32/binary64 on JS numbers: exact powers of two,
 * exponent extraction and error-free transformations (TwoSum, Dekker TwoProduct).
 * Everything here is exact; no rounding decisions are made in this file.
 */

const buf = new ArrayBuffer(8);
const f64 = new Float64Array(buf);
const f32 = new Float32Array(buf);
const u32 = new Uint32Array(buf);
// Node runs on little-endian hosts only (x64, arm64); u32[0] is the low word of f64[0].

const POW2_OFF = 1100;
const POW2 = new Float64Array(2200);
{
  let v = 1;
  for (let n = 0; n <= 1023; n++) { POW2[POW2_OFF + n] = v; v *= 2; }
  v = 1;
  for (let n = 0; n >= -1074; n--) { POW2[POW2_OFF + n] = v; v /= 2; }
}

/** 2^n exactly, for n in [-1074, 1023]. */
export function pow2(n: number): number { return POW2[POW2_OFF + n]; }

/** x * 2^n, exact unless the result itself is subnormal or out of range. */
export function ldexp(x: number, n: number): number {
  while (n > 1000) { x *= POW2[POW2_OFF + 1000]; n -= 1000; }
  while (n < -1000) { x *= POW2[POW2_OFF - 1000]; n += 1000; }
  return x * POW2[POW2_OFF + n];
}

/** floor(log2(x)) for a finite x > 0, from its bits (handles subnormals). */
export function exponentOf(x: number): number {
  f64[0] = x;
  const be = (u32[1] >>> 20) & 0x7ff;
  if (be !== 0) return be - 1023;
  f64[0] = x * POW2[POW2_OFF + 64];
  return ((u32[1] >>> 20) & 0x7ff) - 1023 - 64;
}

/** The double whose raw bits are hi:lo (callers never pass NaNs: V8 may change NaN payloads). */
export function f64FromBits(lo: number, hi: number): number {
  u32[0] = lo; u32[1] = hi;
  return f64[0];
}
/** The double value of a binary32 bit pattern (exact). */
export function f32FromBits(b: number): number {
  u32[0] = b;
  return f32[0];
}
/** Raw bits of a double: [lo, hi] written to `w`. */
export function f64ToBits(x: number, w: Uint32Array): void {
  f64[0] = x; w[0] = u32[0]; w[1] = u32[1];
}
/** Raw bits of a double that is exactly representable in binary32. */
export function f32ToBits(x: number): number {
  f32[0] = x;
  return u32[0];
}

const ERR = new Float64Array(1); // not a module `let`: stores of doubles there are boxed
/** Error of the last twoSum: a + b = s + twoSumErr() exactly (no overflow assumed). */
export function twoSumErr(): number { return ERR[0]; }
export function twoSum(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  ERR[0] = (a - (s - bb)) + (b - bb);
  return s;
}

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp split of a 53-bit significand)
/** Exact error of a*b for operands of moderate magnitude (|a|,|b| in about [2^-500, 2^500]). */
export function twoProductErr(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

export function isNaN32(b: number): boolean { return (b & 0x7fffffff) > 0x7f800000; }
export function isSNaN32(b: number): boolean { return isNaN32(b) && (b & 0x00400000) === 0; }
export function isNaN64(lo: number, hi: number): boolean {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}
export function isSNaN64(lo: number, hi: number): boolean {
  return isNaN64(lo, hi) && (hi & 0x00080000) === 0;
}
