/**
 * Rounding of an exact (or exactly characterised) real value to binary32/binary64 in any of the
 * five RISC-V rounding modes, with IEEE flags. Tininess is detected after rounding (as RISC-V
 * and QEMU do): a result is tiny when rounding to the format's precision with an unbounded
 * exponent range would still give a magnitude below 2^emin; UF is raised for tiny AND inexact.
 *
 * The value is described by a "source" set beforehand:
 *  - setPair(r, e, scale): value = (r + e) * 2^scale with r > 0 a double and e a double tail,
 *    |e| <= ulp(r)/2 (r = RN(r + e)). e may be a stand-in of the right sign with |e| < ulp(r)/2
 *    when only the sign of the error is known and the exact value cannot be a 53-bit midpoint.
 *  - setBig(S, e0): value = S * 2^e0 with S > 0 a BigInt (slow exact path, used by double FMA).
 */
import { pow2, ldexp, exponentOf } from './bits.js';

export const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4;
export const NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;

/** Parameters of a binary interchange format. */
export interface Fmt { readonly p: number; readonly emin: number; readonly emax: number; readonly bias: number; readonly double: boolean }
export const F32: Fmt = { p: 24, emin: -126, emax: 127, bias: 127, double: false };
export const F64: Fmt = { p: 53, emin: -1022, emax: 1023, bias: 1023, double: true };

/** Result of the last operation: raw bits (for binary32, lo holds the bits and hi = 0xffffffff) and flags raised. */
export const out = { lo: 0, hi: 0, flags: 0 };

// Current source (module state avoids allocations on the hot path).
// Doubles live in a typed array: module-level `let` numbers would be boxed on every write.
// R[0] significand m in [1, 2] and R[1] tail t of a pair source; classify() leaves the integer
// part in R[2] and the fraction class in R[3] (0 exact, 1 below half, 2 exactly half, 3 above).
const R = new Float64Array(4);
let srcBig = false;
let bS = 0n, bL = 0;           // big source: S with bit length bL
const STICKY = pow2(-60);

/** Describe value = (r + e) * 2^scale (r > 0). Returns floor(log2(value)). */
export function setPair(r: number, e: number, scale: number): number {
  srcBig = false;
  // A tail far below the rounding position only acts as a sticky bit; a stand-in keeps it from
  // underflowing when rescaled.
  if (e !== 0 && Math.abs(e) < r * STICKY) e = e < 0 ? -r * STICKY : r * STICKY;
  let E = exponentOf(r);
  let m = ldexp(r, -E), t = ldexp(e, -E);
  // Just below a power of two the grid is twice as fine: describe the value as (2 - tiny) * 2^(E-1).
  if (m === 1 && t < 0) { m = 2; t *= 2; E -= 1; }
  R[0] = m; R[1] = t;
  return E + scale;
}

/** Describe value = S * 2^e0 (S > 0n). Returns floor(log2(value)). */
export function setBig(S: bigint, e0: number): number {
  srcBig = true;
  bS = S; bL = S.toString(2).length;
  return bL - 1 + e0;
}

/** Split significand*2^k into its integer part R[2] and the class R[3] of the remaining fraction. */
function classify(k: number): void {
  if (srcBig) {
    const sh = bL - 1 - k;
    if (sh <= 0) { R[2] = Number(bS << BigInt(-sh)); R[3] = 0; return; }
    const sb = BigInt(sh);
    const I = bS >> sb;
    const rem = bS - (I << sb);
    const half = 1n << (sb - 1n);
    R[2] = Number(I);
    R[3] = rem === 0n ? 0 : rem < half ? 1 : rem === half ? 2 : 3;
    return;
  }
  if (k < -2) { R[2] = 0; R[3] = 1; return; } // value < 1/4 unit: only its non-zeroness matters
  const y = R[0] * pow2(k), ey = R[1] * pow2(k);
  let I = Math.floor(y), f = y - I;
  if (f === 0) {
    if (ey === 0) { R[2] = I; R[3] = 0; return; }
    if (ey < 0) { I -= 1; f = 1; }
  }
  const d = (f - 0.5) + ey; // sign of the exact (f + ey) - 1/2; exact where it matters
  R[2] = I;
  R[3] = d < 0 ? 1 : d === 0 ? 2 : 3;
}

function increment(rm: number, sign: number, I: number, cls: number): number {
  if (cls === 0) return 0;
  switch (rm) {
    case RNE: return cls === 3 || (cls === 2 && I % 2 === 1) ? 1 : 0;
    case RTZ: return 0;
    case RDN: return sign;
    case RUP: return sign ^ 1;
    default: return cls >= 2 ? 1 : 0; // RMM
  }
}

/** Write the largest finite value or infinity of the given sign. */
export function packInfOrMax(sign: number, fmt: Fmt, inf: boolean): void {
  if (fmt.double) {
    out.hi = ((sign << 31) | (inf ? 0x7ff00000 : 0x7fefffff)) | 0;
    out.lo = inf ? 0 : -1;
  } else {
    out.lo = ((sign << 31) | (inf ? 0x7f800000 : 0x7f7fffff)) | 0;
    out.hi = -1;
  }
}

/** Write a signed zero. */
export function packZero(sign: number, fmt: Fmt): void {
  if (fmt.double) { out.hi = (sign << 31) | 0; out.lo = 0; }
  else { out.lo = (sign << 31) | 0; out.hi = -1; }
}

/** Write the canonical quiet NaN. */
export function packNaN(fmt: Fmt): void {
  if (fmt.double) { out.hi = 0x7ff80000; out.lo = 0; }
  else { out.lo = 0x7fc00000; out.hi = -1; }
}

/**
 * Round (-1)^sign * source, whose floor(log2) is Et, to fmt with rounding mode rm.
 * Writes out.lo/out.hi and ORs the raised flags into out.flags.
 */
export function roundPack(sign: number, Et: number, fmt: Fmt, rm: number): void {
  const p = fmt.p;
  const k = Et >= fmt.emin ? p - 1 : p - 1 - (fmt.emin - Et);
  classify(k);
  const cls = R[3], I = R[2];
  const N = I + increment(rm, sign, I, cls);
  if (k === p - 1 && (N === pow2(p) ? Et + 1 : Et) > fmt.emax) {
    out.flags |= OF | NX;
    packInfOrMax(sign, fmt, rm === RNE || rm === RMM || (rm === RUP && sign === 0) || (rm === RDN && sign === 1));
    return;
  }
  if (cls !== 0) {
    out.flags |= NX;
    if (Et < fmt.emin) {
      let tiny = true;
      if (Et === fmt.emin - 1) {
        classify(p - 1);
        if (R[2] + increment(rm, sign, R[2], R[3]) === pow2(p)) tiny = false;
      }
      if (tiny) out.flags |= UF;
    }
  }
  // Biased exponent field minus one, times 2^(p-1), plus N (whose top bit carries into the exponent).
  const A = k === p - 1 ? Et + fmt.bias - 1 : 0;
  if (fmt.double) {
    const nHi = Math.floor(N / 4294967296);
    out.lo = (N - nHi * 4294967296) | 0;
    out.hi = ((sign << 31) | (A * 1048576 + nHi)) | 0;
  } else {
    out.lo = ((sign << 31) | (A * 8388608 + N)) | 0;
    out.hi = -1;
  }
}
