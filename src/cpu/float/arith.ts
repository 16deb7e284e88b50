/**
 * Correctly rounded add, multiply, divide, square root and fused multiply-add on non-NaN
 * operands given as JS numbers (binary32 operands are exact doubles). The double-precision
 * result of the host operation is RNE; its exact error (TwoSum, TwoProduct, the remainder of
 * division/sqrt) tells the rounder everything it needs for any mode and either format.
 * NaN operands are handled by the caller (fpu.ts) from the raw bits.
 * Results and flags go to `out` (round.ts).
 */
import { pow2, ldexp, exponentOf, twoSum, twoSumErr, twoProductErr } from './bits.js';
import { Fmt, F64 as F64X, NV, DZ, RDN, out, setPair, setBig, roundPack, packZero, packNaN, packInfOrMax } from './round.js';

export function signBit(x: number): number { return x < 0 || (x === 0 && 1 / x < 0) ? 1 : 0; }

const EPS60 = pow2(-60); // stand-in tail scale: far below half an ulp of a 53-bit significand

/** Round a finite non-zero double exactly (used when one addend is zero, or for conversions). */
export function roundValue(x: number, fmt: Fmt, rm: number): void {
  const s = signBit(x);
  roundPack(s, setPair(s ? -x : x, 0, 0), fmt, rm);
}

/** a + b. */
export function fadd(a: number, b: number, fmt: Fmt, rm: number): void {
  const ainf = a === Infinity || a === -Infinity, binf = b === Infinity || b === -Infinity;
  if (ainf || binf) {
    if (ainf && binf && a !== b) { out.flags |= NV; packNaN(fmt); return; }
    packInfOrMax(ainf ? signBit(a) : signBit(b), fmt, true);
    return;
  }
  if (a === 0 && b === 0) {
    const sa = signBit(a), sb = signBit(b);
    packZero(sa === sb ? sa : rm === RDN ? 1 : 0, fmt);
    return;
  }
  if (a === 0) { roundValue(b, fmt, rm); return; }
  if (b === 0) { roundValue(a, fmt, rm); return; }
  let scale = 0;
  const ea = exponentOf(Math.abs(a)), eb = exponentOf(Math.abs(b));
  if (ea >= 1000 || eb >= 1000) {
    // Avoid overflow of the host sum. A far smaller addend only acts as a sticky bit: replace it
    // by one that survives the downscaling and still lies far below the rounding position.
    if (ea - eb > 60) b = b < 0 ? -pow2(ea - 80) : pow2(ea - 80);
    else if (eb - ea > 60) a = a < 0 ? -pow2(eb - 80) : pow2(eb - 80);
    a *= pow2(-64); b *= pow2(-64); scale = 64;
  }
  let r = twoSum(a, b), e = twoSumErr();
  if (r === 0) { packZero(rm === RDN ? 1 : 0, fmt); return; } // exact cancellation
  const s = r < 0 ? 1 : 0;
  if (s) { r = -r; e = -e; }
  roundPack(s, setPair(r, e, scale), fmt, rm);
}

/** a * b. */
export function fmul(a: number, b: number, fmt: Fmt, rm: number): void {
  const s = signBit(a) ^ signBit(b);
  const ainf = a === Infinity || a === -Infinity, binf = b === Infinity || b === -Infinity;
  if (ainf || binf) {
    if (a === 0 || b === 0) { out.flags |= NV; packNaN(fmt); return; }
    packInfOrMax(s, fmt, true);
    return;
  }
  if (a === 0 || b === 0) { packZero(s, fmt); return; }
  a = Math.abs(a); b = Math.abs(b);
  const ea = exponentOf(a), eb = exponentOf(b);
  const ma = ldexp(a, -ea), mb = ldexp(b, -eb);
  const p = ma * mb;
  roundPack(s, setPair(p, twoProductErr(ma, mb, p), ea + eb), fmt, rm);
}

/** a / b. */
export function fdiv(a: number, b: number, fmt: Fmt, rm: number): void {
  const s = signBit(a) ^ signBit(b);
  const ainf = a === Infinity || a === -Infinity, binf = b === Infinity || b === -Infinity;
  if (ainf) {
    if (binf) { out.flags |= NV; packNaN(fmt); return; }
    packInfOrMax(s, fmt, true);
    return;
  }
  if (binf) { packZero(s, fmt); return; }
  if (b === 0) {
    if (a === 0) { out.flags |= NV; packNaN(fmt); return; }
    out.flags |= DZ; packInfOrMax(s, fmt, true);
    return;
  }
  if (a === 0) { packZero(s, fmt); return; }
  a = Math.abs(a); b = Math.abs(b);
  const ea = exponentOf(a), eb = exponentOf(b);
  const ma = ldexp(a, -ea), mb = ldexp(b, -eb);
  const q = ma / mb;
  const ph = q * mb;
  const rem = (ma - ph) - twoProductErr(q, mb, ph); // exact remainder of the RNE quotient
  roundPack(s, setPair(q, rem === 0 ? 0 : rem > 0 ? q * EPS60 : -q * EPS60, ea - eb), fmt, rm);
}

/** sqrt(a). */
export function fsqrt(a: number, fmt: Fmt, rm: number): void {
  if (a === 0) { packZero(signBit(a), fmt); return; }
  if (a < 0) { out.flags |= NV; packNaN(fmt); return; }
  if (a === Infinity) { packInfOrMax(0, fmt, true); return; }
  let ea = exponentOf(a);
  let ma = ldexp(a, -ea);
  if (ea & 1) { ma *= 2; ea -= 1; }
  const r = Math.sqrt(ma);
  const ph = r * r;
  const rem = (ma - ph) - twoProductErr(r, r, ph);
  roundPack(0, setPair(r, rem === 0 ? 0 : rem > 0 ? r * EPS60 : -r * EPS60, ea / 2), fmt, rm);
}

/**
 * binary64 FMA without BigInt in the common case. With a = ma 2^ea, b = mb 2^eb (m in [1, 2)),
 * the value is 2^(ea+eb) (P + pe + c') with P + pe = ma mb exactly and c' = c 2^-(ea+eb).
 * Three TwoSums give x = r + w + v exactly, r = RN(s + u). When v = 0, (r, w) is an exact pair;
 * otherwise |w + v| < ulp(r)/2 strictly and r not a power of two mean only the sign of the tail
 * matters, which RN(w + v) keeps. Anything else (exponents too far apart for the scaled sums to
 * stay exact, a possible false tie) returns false for the exact BigInt path.
 */
function fma64Fast(a: number, b: number, c: number, sp: number, rm: number): boolean {
  a = Math.abs(a); b = Math.abs(b);
  const ea = exponentOf(a), eb = exponentOf(b);
  const ma = ldexp(a, -ea), mb = ldexp(b, -eb);
  let P = ma * mb, pe = twoProductErr(ma, mb, P);
  if (sp) { P = -P; pe = -pe; }
  const scale = ea + eb;
  let r: number, e: number;
  if (c === 0) { r = P; e = pe; }
  else {
    const ec = exponentOf(Math.abs(c));
    if (ec - scale > 900 || ec - scale < -900) return false;
    const cs = ldexp(c, -scale);
    const sSum = twoSum(P, cs), t = twoSumErr();
    const u = twoSum(t, pe), v = twoSumErr();
    r = twoSum(sSum, u);
    const w = twoSumErr();
    if (v === 0) e = w;
    else {
      e = w + v;
      if (r === 0) return false;
      const ar = Math.abs(r), E = exponentOf(ar);
      if (ar === pow2(E) || Math.abs(e) >= pow2(E - 53)) return false;
    }
  }
  if (r === 0) { packZero(rm === RDN ? 1 : 0, F64X); return true; }
  const s = r < 0 ? 1 : 0;
  if (s) { r = -r; e = -e; }
  roundPack(s, setPair(r, e, scale), F64X, rm);
  return true;
}

/** Integer significand and exponent of a finite non-zero double: |x| = M * 2^e. */
function bigParts(x: number): [bigint, number] {
  x = Math.abs(x);
  const e = exponentOf(x) - 52;
  return [BigInt(ldexp(x, -e)), e];
}

/**
 * (-1)^negProd * a * b + (-1)^negC * c with a single rounding. Binary32 products are exact in a
 * double, so single precision is an exact sum of two doubles; binary64 uses an exact BigInt sum.
 */
export function ffma(a: number, b: number, c: number, negProd: number, negC: number, fmt: Fmt, rm: number): void {
  const sp = signBit(a) ^ signBit(b) ^ negProd;
  if (negC) c = -c;
  const ainf = a === Infinity || a === -Infinity, binf = b === Infinity || b === -Infinity;
  const cinf = c === Infinity || c === -Infinity;
  if (ainf || binf) {
    if (a === 0 || b === 0) { out.flags |= NV; packNaN(fmt); return; }
    if (cinf && signBit(c) !== sp) { out.flags |= NV; packNaN(fmt); return; }
    packInfOrMax(sp, fmt, true);
    return;
  }
  if (cinf) { packInfOrMax(signBit(c), fmt, true); return; }
  if (a === 0 || b === 0) {
    if (c === 0) { const sc = signBit(c); packZero(sp === sc ? sp : rm === RDN ? 1 : 0, fmt); return; }
    roundValue(c, fmt, rm);
    return;
  }
  if (!fmt.double) {
    const p = a * b; // exact: 24 x 24 bit significands, well inside the double range
    fadd(sp ? -Math.abs(p) : Math.abs(p), c, fmt, rm);
    return;
  }
  if (fma64Fast(a, b, c, sp, rm)) return;
  const [Ma, ea] = bigParts(a), [Mb, eb] = bigParts(b);
  let P = Ma * Mb;
  let ep = ea + eb;
  if (sp) P = -P;
  let S: bigint, e0: number;
  if (c === 0) { S = P; e0 = ep; }
  else {
    let [C, ec] = bigParts(c);
    if (c < 0) C = -C;
    if (ep < ec) { S = P + (C << BigInt(ec - ep)); e0 = ep; }
    else { S = (P << BigInt(ep - ec)) + C; e0 = ec; }
  }
  if (S === 0n) { packZero(rm === RDN ? 1 : 0, fmt); return; }
  const s = S < 0n ? 1 : 0;
  roundPack(s, setBig(s ? -S : S, e0), fmt, rm);
}
