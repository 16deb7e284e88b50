/**
 * Conversions between floating point and 32/64-bit integers (fcvt.{w,wu,l,lu}.{s,d} and back),
 * with RISC-V saturation: out-of-range and NaN inputs raise NV (and not NX) and give the
 * bound on the value's side (NaN: the positive bound); 32-bit results are sign-extended to 64.
 */
import { twoSum, twoSumErr } from './bits.js';
import { Fmt, NV, NX, RNE, RTZ, RDN, RUP, out, setPair, roundPack, packZero } from './round.js';

/** Integer kinds, as encoded in rs2 of fcvt.int.fmt. */
export const CVT_W = 0, CVT_WU = 1, CVT_L = 2, CVT_LU = 3;

const TWO32 = 4294967296;

function writeInt64(n: number): void {
  // n is an integer in [-2^63, 2^64): split into two's-complement words.
  const hi = Math.floor(n / TWO32);
  out.lo = (n - hi * TWO32) | 0;
  out.hi = hi | 0;
}

function saturate(kind: number, negative: boolean): void {
  out.flags |= NV;
  switch (kind) {
    case CVT_W: out.lo = negative ? -0x80000000 : 0x7fffffff; out.hi = negative ? -1 : 0; break;
    case CVT_WU: out.lo = negative ? 0 : -1; out.hi = negative ? 0 : -1; break;
    case CVT_L: out.lo = negative ? 0 : -1; out.hi = negative ? -0x80000000 : 0x7fffffff; break;
    default: out.lo = negative ? 0 : -1; out.hi = negative ? 0 : -1; break;
  }
}

/**
 * Convert v (a float value, or NaN) to an integer of the given kind with rounding mode rm.
 * Result words (int32 lo/hi, sign-extended for 32-bit kinds) in out.lo/out.hi.
 */
export function floatToInt(v: number, isNaN: boolean, kind: number, rm: number): void {
  if (isNaN) { saturate(kind, false); return; }
  const neg = v < 0;
  const a = Math.abs(v);
  if (a === Infinity) { saturate(kind, neg); return; }
  const I = Math.floor(a), f = a - I; // exact: below 2^53 f is exact, above it f = 0
  let inc = 0;
  if (f !== 0) {
    switch (rm) {
      case RNE: inc = f > 0.5 || (f === 0.5 && I % 2 === 1) ? 1 : 0; break;
      case RTZ: inc = 0; break;
      case RDN: inc = neg ? 1 : 0; break;
      case RUP: inc = neg ? 0 : 1; break;
      default: inc = f >= 0.5 ? 1 : 0; break;
    }
  }
  const N = I + inc;
  let ok: boolean;
  switch (kind) {
    case CVT_W: ok = neg ? N <= 2147483648 : N <= 2147483647; break;
    case CVT_WU: ok = neg ? N === 0 : N <= 4294967295; break;
    case CVT_L: ok = neg ? N <= 9223372036854775808 : N < 9223372036854775808; break;
    default: ok = neg ? N === 0 : N < 18446744073709551616; break;
  }
  if (!ok) { saturate(kind, neg); return; }
  if (f !== 0) out.flags |= NX;
  const n = neg ? -N : N;
  if (kind <= CVT_WU) { out.lo = n | 0; out.hi = out.lo >> 31; }
  else writeInt64(n === 0 ? 0 : n);
}

/**
 * Convert the integer given by words lo/hi (kind W/WU use lo only) to fmt with rounding mode rm.
 * The 64-bit value hi*2^32 + lo is formed as an exact double pair (TwoSum).
 */
export function intToFloat(lo: number, hi: number, kind: number, fmt: Fmt, rm: number): void {
  let r: number, e = 0;
  switch (kind) {
    case CVT_W: r = lo | 0; break;
    case CVT_WU: r = lo >>> 0; break;
    case CVT_L: r = twoSum((hi | 0) * TWO32, lo >>> 0); e = twoSumErr(); break;
    default: r = twoSum((hi >>> 0) * TWO32, lo >>> 0); e = twoSumErr(); break;
  }
  if (r === 0) { packZero(0, fmt); return; }
  const s = r < 0 ? 1 : 0;
  if (s) { r = -r; e = -e; }
  roundPack(s, setPair(r, e, 0), fmt, rm);
}
