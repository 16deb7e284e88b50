/**
 * Fast path of the F and D extensions: round-to-nearest-even arithmetic on ordinary operands with
 * the host's IEEE doubles, taken only where the result and fflags are provably those of the exact
 * software path (fpu.ts + float/*.ts, QEMU 7.2 softfloat semantics). Everything else (NaN, infinite
 * or out-of-range operands, results that are zero by underflow, subnormal, overflowing or too close
 * to a rounding boundary to decide cheaply, other rounding modes, NaN-boxing faults) returns false
 * and the caller runs the software path, which then sees the unchanged state.
 *
 * Why results are right:
 * - Doubles: a host +, -, *, /, sqrt or a TwoSum chain is RNE with a bounded exponent. A result r
 *   with MIN_NORMAL < |r| <= MAX means the exact value x lies in the normal range (x is at least
 *   the midpoint between r and its predecessor, which is above 2^-1022), where the host's rounding
 *   is the unbounded-exponent rounding; so r is the softfloat result, UF is impossible (tininess is
 *   detected after rounding: |r| >= 2^-1022) and OF is impossible (r is finite).
 * - Singles computed in double: for +, -, *, / and sqrt of binary32 operands, rounding first to
 *   binary64 and then to binary32 (Math.fround) gives the correctly rounded binary32 result
 *   because 53 >= 2*24 + 2 (double rounding is innocuous). For FMA (a 48-bit product plus a
 *   24-bit addend) that does not hold; there the double sum s is used only when it is exact or
 *   not a binary32 midpoint (RN64 is monotone, so x and s then lie between the same midpoints).
 * - NX is exact: the host result is compared with the exact value through error-free
 *   transformations (TwoSum; Dekker's product for mul, for q*b == a in div and s*s == a in sqrt;
 *   exact binary32 products in double), under magnitude bounds that keep them exact.
 */
import { pow2, twoSum, twoSumErr, twoProductErr } from './float/bits.js';

/** Subset of FpState (fpu.ts) the fast path needs. */
export interface State { x: Int32Array; f: Uint32Array; fcsr: number }

const NX = 1;
const MIN64 = pow2(-1022), MAX64 = Number.MAX_VALUE;
const MIN32 = pow2(-126), MAX32 = (2 - pow2(-23)) * pow2(127);
// Magnitude bounds under which Dekker's product of two doubles is exact (no overflow in the
// split or the partial products, error term on the subnormal-free grid: ea + eb >= -970).
const B500 = pow2(500), B990 = pow2(990), B1000 = pow2(1000), B1020 = pow2(1020), L900 = pow2(-900);
const T53 = pow2(53);
const SPLITTER = 134217729; // 2^27 + 1, as twoProductErr's

// Scratch for reading a double's bits.
const sF = new Float64Array(1);
const sU = new Uint32Array(sF.buffer);

let enabled = true;

/**
 * Turn the fast path on or off (on by default). Off, every instruction takes the software path:
 * the differential tests compare the two.
 */
export function setFpFastPath(on: boolean): void { enabled = on; }
/** Whether the fast path is on. */
export function fpFastPathOn(): boolean { return enabled; }

/** Value of binary32 register r, or NaN when it is not properly NaN-boxed (the software path decides). */
export function s32(st: State, f32: Float32Array, r: number): number {
  return st.f[2 * r + 1] === 0xffffffff ? f32[2 * r] : NaN;
}

function putS(st: State, f32: Float32Array, rd: number, v: number): void {
  f32[2 * rd] = v;
  st.f[2 * rd + 1] = 0xffffffff;
}

/** A binary32 result that the fast path may deliver: finite and normal, not the smallest normal. */
function ok32(r: number): boolean {
  const a = Math.abs(r);
  return a > MIN32 && a <= MAX32;
}

/**
 * Executes insn (OP-FP or an FMA opcode) on the fast path if it applies: returns true after
 * writing the result and accruing fflags, false (state untouched) to let the software path run.
 * f64/f32 are float views over st.f.
 */
export function fpFast(insn: number, st: State, f64: Float64Array, f32: Float32Array): boolean {
  if (!enabled) return false;
  const funct3 = (insn >>> 12) & 7;
  const opcode = insn & 0x7f;
  const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const fmt = (insn >>> 25) & 3;
  if (fmt > 1) return false;
  const dbl = fmt === 1;
  if (opcode === 0x53) {
    // Instructions that do not round: funct3 selects the operation.
    const f5 = insn >>> 27;
    if (f5 === 0x14 || f5 === 0x05) {
      if (funct3 > (f5 === 0x14 ? 2 : 1)) return false;
      const a = dbl ? f64[rs1] : s32(st, f32, rs1), b = dbl ? f64[rs2] : s32(st, f32, rs2);
      if (a !== a || b !== b) return false; // NaN: flags decided by the software path
      if (f5 === 0x14) { // FLE (0), FLT (1), FEQ (2): no flags on non-NaN operands
        if (rd !== 0) { st.x[2 * rd] = (funct3 === 0 ? a <= b : funct3 === 1 ? a < b : a === b) ? 1 : 0; st.x[2 * rd + 1] = 0; }
        return true;
      }
      // FMIN (0), FMAX (1): equal values (+0 vs -0) are left to the software path.
      if (a === b) return false;
      const pick = (a < b) !== (funct3 === 1) ? rs1 : rs2;
      st.f[2 * rd] = st.f[2 * pick];
      st.f[2 * rd + 1] = dbl ? st.f[2 * pick + 1] : 0xffffffff;
      return true;
    }
  }
  // Round to nearest even only: static rm 0 or dynamic with frm 0.
  if (funct3 !== 0 && (funct3 !== 7 || (st.fcsr & 0xe0) !== 0)) return false;
  if (opcode !== 0x53) {
    if (opcode !== 0x43 && opcode !== 0x47 && opcode !== 0x4b && opcode !== 0x4f) return false;
    // Negate the product (bit 0: FNMSUB, FNMADD) and/or the addend (bit 1: FMSUB, FNMADD).
    const op = (insn >>> 2) & 3; // 0 FMADD, 1 FMSUB, 2 FNMSUB, 3 FNMADD
    const neg = (op >= 2 ? 1 : 0) | (op === 1 || op === 3 ? 2 : 0);
    return dbl ? fma64(st, f64, rd, rs1, rs2, insn >>> 27, neg) : fma32(st, f32, rd, rs1, rs2, insn >>> 27, neg);
  }
  const funct5 = insn >>> 27;
  switch (funct5) {
    case 0x00: case 0x01: // FADD, FSUB
      return dbl ? add64(st, f64, rd, rs1, rs2, funct5) : add32(st, f32, rd, rs1, rs2, funct5);
    case 0x02: // FMUL
      return dbl ? mul64(st, f64, rd, rs1, rs2) : mul32(st, f32, rd, rs1, rs2);
    case 0x03: // FDIV
      return dbl ? div64(st, f64, rd, rs1, rs2) : div32(st, f32, rd, rs1, rs2);
    case 0x0b: // FSQRT
      if (rs2 !== 0) return false;
      return dbl ? sqrt64(st, f64, rd, rs1) : sqrt32(st, f32, rd, rs1);
    case 0x08: // FCVT.S.D (fmt S, rs2 1), FCVT.D.S (fmt D, rs2 0)
      if (dbl) {
        if (rs2 !== 0) return false;
        const v = s32(st, f32, rs1);
        if (v !== v) return false; // NaN: canonical NaN (and NV for sNaN) in the software path
        f64[rd] = v; // exact (infinities and zeros included)
        return true;
      } else {
        if (rs2 !== 1) return false;
        const v = f64[rs1], r = Math.fround(v);
        if (r === 0) { if (v !== 0) return false; putS(st, f32, rd, r); return true; }
        if (!ok32(r)) return false;
        putS(st, f32, rd, r);
        if (r !== v) st.fcsr |= NX;
        return true;
      }
    case 0x1a: { // FCVT.fmt.{W,WU,L,LU}
      const lo = st.x[2 * rs1], hi = st.x[2 * rs1 + 1];
      let v: number;
      if (rs2 === 0) v = lo;
      else if (rs2 === 1) v = lo >>> 0;
      else if (rs2 === 2) { if (hi < -0x200000 || hi >= 0x200000) return false; v = hi * 4294967296 + (lo >>> 0); }
      else if (rs2 === 3) { if ((hi >>> 0) >= 0x200000) return false; v = (hi >>> 0) * 4294967296 + (lo >>> 0); }
      else return false;
      // v is exact (|v| < 2^53) and never -0; a double holds it exactly, fround rounds it once.
      if (dbl) { f64[rd] = v; return true; }
      const r = Math.fround(v);
      putS(st, f32, rd, r);
      if (r !== v) st.fcsr |= NX;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Kernel (as the others below): f[rd] = f[r1] + f[r2] (minus if sub) for binary64; true after
 * writing rd and accruing NX, false with nothing changed. Kernels take register numbers, not
 * values: a double passed to a call that V8 does not inline is boxed on the heap.
 */
export function add64(st: State, f64: Float64Array, rd: number, r1: number, r2: number, sub: number): boolean {
  const a = f64[r1], b = sub ? -f64[r2] : f64[r2];
  if (!(Math.abs(a) <= B1020 && Math.abs(b) <= B1020)) return false; // NaN, inf, huge
  const r = twoSum(a, b);
  // An exact zero: x + -x is +0 in RNE and -0 + -0 is -0, as the host computes it.
  if (r === 0) { f64[rd] = r; return true; }
  if (!(Math.abs(r) > MIN64)) return false;
  f64[rd] = r;
  if (twoSumErr() !== 0) st.fcsr |= NX;
  return true;
}

/** f[rd] = f[r1] * f[r2], binary64. */
export function mul64(st: State, f64: Float64Array, rd: number, r1: number, r2: number): boolean {
  const a = f64[r1], b = f64[r2];
  const p = a * b;
  if (p === 0) {
    // Exact only if an operand is zero (not an underflow); the host's sign is the XOR.
    if (!((a === 0 && Math.abs(b) <= MAX64) || (b === 0 && Math.abs(a) <= MAX64))) return false;
    f64[rd] = p;
    return true;
  }
  const ap = Math.abs(p);
  if (!(ap >= L900 && ap <= B1000 && Math.abs(a) <= B990 && Math.abs(b) <= B990)) return false;
  f64[rd] = p;
  if (twoProductErr(a, b, p) !== 0) st.fcsr |= NX;
  return true;
}

/** f[rd] = f[r1] / f[r2], binary64. */
export function div64(st: State, f64: Float64Array, rd: number, r1: number, r2: number): boolean {
  const a = f64[r1], b = f64[r2];
  const q = a / b;
  if (a === 0) {
    // 0 / finite non-zero or 0 / inf: an exact signed zero. 0/0 and 0/NaN give NaN.
    if (q !== 0) return false;
    f64[rd] = q;
    return true;
  }
  const aa = Math.abs(a), aq = Math.abs(q);
  if (!(aa >= L900 && aa <= B1000 && Math.abs(b) <= B990 && aq > MIN64 && aq <= B990)) return false;
  f64[rd] = q;
  // Remainder a - q*b: ph = RN(q*b) is within a factor 2 of a, so a - ph is exact (Sterbenz) and
  // (a - ph) - err is zero exactly when the remainder is.
  const ph = q * b;
  if ((a - ph) - twoProductErr(q, b, ph) !== 0) st.fcsr |= NX;
  return true;
}

/** f[rd] = sqrt(f[r1]), binary64. */
export function sqrt64(st: State, f64: Float64Array, rd: number, r1: number): boolean {
  const a = f64[r1];
  if (a === 0) { f64[rd] = a; return true; } // sqrt(-0) = -0
  if (!(a >= L900 && a <= B1000)) return false; // negative, NaN, inf, tiny, huge
  const s = Math.sqrt(a);
  f64[rd] = s;
  const ph = s * s;
  if ((a - ph) - twoProductErr(s, s, ph) !== 0) st.fcsr |= NX;
  return true;
}

/**
 * f[rd] = a * b + c for binary64, a = f[r1] and c = f[r3] negated as neg says (bit 0, bit 1),
 * b = f[r2]. With P + pe = a*b exactly (Dekker), three
 * TwoSums give x = r + w + v exactly with r = RN(s + u) and s + u = x - v. If v = 0, r = RN(x)
 * and the error is w. Otherwise r = RN(x) when r is not a power of two and |w + v| < ulp(r)/2;
 * RN(w + v) decides that (monotone, 2^(E-53) compared after exact scaling) and is zero only if
 * w + v is. Anything else goes to the exact path.
 */
export function fma64(st: State, f64: Float64Array, rd: number, r1: number, r2: number, r3: number, neg: number): boolean {
  const a = neg & 1 ? -f64[r1] : f64[r1], b = f64[r2], c = neg & 2 ? -f64[r3] : f64[r3];
  if (!(Math.abs(a) <= B500 && Math.abs(b) <= B500 && Math.abs(c) <= B1000)) return false;
  const P = a * b;
  if (P === 0) {
    // A zero product (an operand is zero, not an underflow) plus c: c itself, or the IEEE sum of
    // two zeros (-0 only if both are -0), which the host computes.
    if (!(a === 0 || b === 0)) return false;
    const r = P + c;
    if (!(r === 0 || Math.abs(r) > MIN64)) return false;
    f64[rd] = r;
    return true;
  }
  if (!(Math.abs(P) >= L900)) return false;
  // twoProductErr(a, b, P) and three twoSums (bits.ts), written out: the hottest F/D code
  // (matrix products) runs about a fifth faster without the calls and the error slot.
  let q = SPLITTER * a;
  const ah = q - (q - a), al = a - ah;
  q = SPLITTER * b;
  const bh = q - (q - b), bl = b - bh;
  const pe = ((ah * bh - P) + ah * bl + al * bh) + al * bl;
  const s = P + c;
  let z = s - P;
  const t = (P - (s - z)) + (c - z);
  const u = t + pe;
  z = u - t;
  const v = (t - (u - z)) + (pe - z);
  const r = s + u;
  z = r - s;
  const w = (s - (r - z)) + (u - z);
  if (!(Math.abs(r) > MIN64 && Math.abs(r) <= MAX64)) return false;
  let inexact: boolean;
  if (v === 0) inexact = w !== 0;
  else {
    const e = w + v;
    sF[0] = r;
    const hi = sU[1];
    if (sU[0] === 0 && (hi & 0xfffff) === 0) return false; // r a power of two: finer grid below
    sU[1] = hi & 0x7ff00000; sU[0] = 0; // 2^E, E = exponent of r
    if (!(Math.abs(e) * T53 < sF[0])) return false; // |w + v| >= ulp(r)/2
    inexact = e !== 0;
  }
  f64[rd] = r;
  if (inexact) st.fcsr |= NX;
  return true;
}

/** f[rd] = f[r1] + f[r2] (minus if sub) for binary32 (unboxed operands decline; rd written NaN-boxed). */
export function add32(st: State, f32: Float32Array, rd: number, r1: number, r2: number, sub: number): boolean {
  const a = s32(st, f32, r1), b = sub ? -s32(st, f32, r2) : s32(st, f32, r2);
  const s = twoSum(a, b); // binary32 operands: no overflow in double
  const r = Math.fround(s);
  if (r === 0) { if (s !== 0) return false; putS(st, f32, rd, r); return true; }
  if (!ok32(r)) return false; // NaN, inf, overflow, subnormal
  putS(st, f32, rd, r);
  if (r !== s || twoSumErr() !== 0) st.fcsr |= NX;
  return true;
}

/** f[rd] = f[r1] * f[r2], binary32. */
export function mul32(st: State, f32: Float32Array, rd: number, r1: number, r2: number): boolean {
  const a = s32(st, f32, r1), b = s32(st, f32, r2);
  const p = a * b; // exact: 24 x 24 bits, far inside the double range
  const r = Math.fround(p);
  if (r === 0) { if (p !== 0) return false; putS(st, f32, rd, r); return true; }
  if (!ok32(r)) return false;
  putS(st, f32, rd, r);
  if (r !== p) st.fcsr |= NX;
  return true;
}

/** f[rd] = f[r1] / f[r2], binary32. */
export function div32(st: State, f32: Float32Array, rd: number, r1: number, r2: number): boolean {
  const a = s32(st, f32, r1), b = s32(st, f32, r2);
  const q = a / b;
  // For binary32 operands q is 0 only for 0 / non-zero or finite / inf: exact zeros.
  if (q === 0) { putS(st, f32, rd, q); return true; }
  const r = Math.fround(q);
  if (!ok32(r)) return false;
  putS(st, f32, rd, r);
  if (r * b !== a) st.fcsr |= NX; // r * b is exact in double
  return true;
}

/** f[rd] = sqrt(f[r1]), binary32. */
export function sqrt32(st: State, f32: Float32Array, rd: number, r1: number): boolean {
  const a = s32(st, f32, r1);
  if (a === 0) { putS(st, f32, rd, a); return true; }
  const r = Math.fround(Math.sqrt(a));
  if (!ok32(r)) return false; // negative, NaN, inf
  putS(st, f32, rd, r);
  if (r * r !== a) st.fcsr |= NX; // exact in double
  return true;
}

/** f[rd] = a * b + c for binary32 (operands as for fma64): the product is exact in double, the sum is one TwoSum. */
export function fma32(st: State, f32: Float32Array, rd: number, r1: number, r2: number, r3: number, neg: number): boolean {
  const a = neg & 1 ? -s32(st, f32, r1) : s32(st, f32, r1), b = s32(st, f32, r2), c = neg & 2 ? -s32(st, f32, r3) : s32(st, f32, r3);
  const s = twoSum(a * b, c), t = twoSumErr();
  const r = Math.fround(s);
  if (r === 0) {
    // An exact zero sum (s = 0 implies t = 0): the IEEE sign, as the host computes it.
    if (s !== 0) return false;
    putS(st, f32, rd, r);
    return true;
  }
  if (!ok32(r)) return false;
  if (t !== 0) {
    // x = s + t is not a double: rounding s again is only safe if s is not a binary32 midpoint
    // (bit 28 of the low word set and the 28 bits below clear; s is in the normal binary32 range).
    sF[0] = s;
    if ((sU[0] & 0x1fffffff) === 0x10000000) return false;
  }
  putS(st, f32, rd, r);
  if (t !== 0 || r !== s) st.fcsr |= NX;
  return true;
}
