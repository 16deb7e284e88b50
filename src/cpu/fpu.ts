/**
 * The F and D extensions (RV64): decoding and execution of OP-FP and the fused multiply-add
 * opcodes on the hart's register files. Loads/stores, the FS field and the fcsr CSRs are the
 * hart's business; this module only reads and writes registers and accrues fflags.
 * Arithmetic is bit-exact with QEMU 7.2 (softfloat, RISC-V configuration: default-NaN mode,
 * tininess after rounding); see float/round.ts for how results are rounded.
 */
import { f32FromBits, f64FromBits, isNaN32, isSNaN32, isNaN64, isSNaN64 } from './float/bits.js';
import { Fmt, F32, F64, NV, out, packNaN, packZero, packInfOrMax } from './float/round.js';
import { fadd, fmul, fdiv, fsqrt, ffma, roundValue, signBit } from './float/arith.js';
import { floatToInt, intToFloat } from './float/convert.js';
import { fpFast } from './fpfast.js';

/** The architectural state fpExecute works on (the Hart satisfies it). */
export interface FpState {
  /** Integer registers, lo/hi int32 pairs; x0 is never written. */
  x: Int32Array;
  /** FP registers, raw bits lo/hi; binary32 values are NaN-boxed (hi = 0xffffffff). */
  f: Uint32Array;
  /** fflags in bits 4:0, frm in bits 7:5. */
  fcsr: number;
  /** Optional float views over f (binary64 f64[i], binary32 f32[2 * i]); made here if absent. */
  readonly f64?: Float64Array;
  readonly f32?: Float32Array;
}

const CANON32 = 0x7fc00000;

/** Raw binary32 bits of f[r]; an improperly NaN-boxed register reads as the canonical NaN. */
function bits32(st: FpState, r: number): number {
  return st.f[2 * r + 1] === 0xffffffff ? st.f[2 * r] : CANON32;
}

/** 0: not a NaN, 1: quiet NaN, 2: signaling NaN. */
function nanKind(st: FpState, r: number, fmt: Fmt): number {
  if (fmt.double) {
    const lo = st.f[2 * r], hi = st.f[2 * r + 1];
    return isSNaN64(lo, hi) ? 2 : isNaN64(lo, hi) ? 1 : 0;
  }
  const b = bits32(st, r);
  return isSNaN32(b) ? 2 : isNaN32(b) ? 1 : 0;
}

// Float views over the register file's memory (set per call by bindViews): reading a double
// straight from it is much cheaper than assembling it from two words.
let viewOf: Uint32Array | undefined;
let f64v: Float64Array | undefined;
let f32v: Float32Array | undefined;

function bindViews(st: FpState): void {
  const f = st.f;
  // A hart brings its own views: harts taking turns do not rebuild them.
  if (st.f64 !== undefined && st.f32 !== undefined) { viewOf = undefined; f64v = st.f64; f32v = st.f32; return; }
  // The same register file as last time (identity: reading .buffer each call is not free).
  if (f === viewOf) return;
  viewOf = f;
  if (f.byteOffset % 8 === 0) { f64v = new Float64Array(f.buffer, f.byteOffset, 32); f32v = new Float32Array(f.buffer, f.byteOffset, 64); }
  else { f64v = undefined; f32v = undefined; }
}

/** Value of a non-NaN operand as an exact double. */
function val(st: FpState, r: number, fmt: Fmt): number {
  if (fmt.double) return f64v !== undefined ? f64v[r] : f64FromBits(st.f[2 * r], st.f[2 * r + 1]);
  if (st.f[2 * r + 1] !== 0xffffffff) return NaN; // unreachable: unboxed operands are screened as NaNs
  return f32v !== undefined ? f32v[2 * r] : f32FromBits(st.f[2 * r]);
}

/** Effective rounding mode, or -1 if reserved (illegal instruction). */
function roundingMode(rm: number, fcsr: number): number {
  if (rm === 7) rm = (fcsr >>> 5) & 7;
  return rm <= 4 ? rm : -1;
}

function writeF(st: FpState, rd: number): void {
  st.f[2 * rd] = out.lo;
  st.f[2 * rd + 1] = out.hi;
}

function writeX(st: FpState, rd: number, lo: number, hi: number): void {
  if (rd !== 0) { st.x[2 * rd] = lo; st.x[2 * rd + 1] = hi; }
}

/** fclass result bit for operand r. */
function classify(st: FpState, r: number, fmt: Fmt): number {
  const k = nanKind(st, r, fmt);
  if (k === 2) return 1 << 8;
  if (k === 1) return 1 << 9;
  const v = val(st, r, fmt);
  const neg = signBit(v);
  const a = Math.abs(v);
  let c: number;
  if (a === Infinity) c = 0;
  else if (a === 0) c = 3;
  else if (a < (fmt.double ? 2.2250738585072014e-308 : 1.1754943508222875e-38)) c = 2;
  else c = 1;
  return 1 << (neg ? c : 7 - c);
}

/** fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber; -0 < +0). Writes `out`. */
function minMax(st: FpState, rs1: number, rs2: number, fmt: Fmt, max: boolean): void {
  const k1 = nanKind(st, rs1, fmt), k2 = nanKind(st, rs2, fmt);
  if (k1 === 2 || k2 === 2) out.flags |= NV;
  let pick: number;
  if (k1 && k2) { packNaN(fmt); return; }
  else if (k1) pick = rs2;
  else if (k2) pick = rs1;
  else {
    const a = val(st, rs1, fmt), b = val(st, rs2, fmt);
    let less: boolean; // a < b, with -0 < +0
    if (a === b) less = signBit(a) > signBit(b);
    else less = a < b;
    pick = less !== max ? rs1 : rs2;
  }
  if (fmt.double) { out.lo = st.f[2 * pick] | 0; out.hi = st.f[2 * pick + 1] | 0; }
  else { out.lo = bits32(st, pick) | 0; out.hi = -1; }
}

/** Binary arithmetic with NaN screening; op 0 add, 1 sub, 2 mul, 3 div. */
function arith(st: FpState, op: number, rs1: number, rs2: number, fmt: Fmt, rm: number): void {
  const k1 = nanKind(st, rs1, fmt), k2 = nanKind(st, rs2, fmt);
  if (k1 || k2) {
    if (k1 === 2 || k2 === 2) out.flags |= NV;
    packNaN(fmt);
    return;
  }
  const a = val(st, rs1, fmt), b = val(st, rs2, fmt);
  switch (op) {
    case 0: fadd(a, b, fmt, rm); break;
    case 1: fadd(a, -b, fmt, rm); break;
    case 2: fmul(a, b, fmt, rm); break;
    default: fdiv(a, b, fmt, rm); break;
  }
}

function fma(st: FpState, insn: number, fmt: Fmt, rm: number): void {
  const rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31, rs3 = insn >>> 27;
  const op = (insn >>> 2) & 3; // 0 FMADD, 1 FMSUB, 2 FNMSUB, 3 FNMADD
  const k1 = nanKind(st, rs1, fmt), k2 = nanKind(st, rs2, fmt), k3 = nanKind(st, rs3, fmt);
  if (k1 || k2 || k3) {
    if (k1 === 2 || k2 === 2 || k3 === 2) out.flags |= NV;
    // RISC-V raises NV for inf * 0 even when the addend is a quiet NaN.
    if (!k1 && !k2) {
      const a = val(st, rs1, fmt), b = val(st, rs2, fmt);
      if ((a === 0 && Math.abs(b) === Infinity) || (b === 0 && Math.abs(a) === Infinity)) out.flags |= NV;
    }
    packNaN(fmt);
    return;
  }
  const negProd = op >= 2 ? 1 : 0, negC = op === 1 || op === 3 ? 1 : 0;
  ffma(val(st, rs1, fmt), val(st, rs2, fmt), val(st, rs3, fmt), negProd, negC, fmt, rm);
}

/**
 * Executes one OP-FP (opcode 0x53) or fused multiply-add (0x43 FMADD, 0x47 FMSUB, 0x4b FNMSUB,
 * 0x4f FNMADD) instruction of the F and D extensions (RV64: includes fcvt.l/lu and
 * fmv.x.d/fmv.d.x).
 * Reads/writes st.x (integer regs, lo/hi int32 pairs; x0 is never written) and st.f (raw bits
 * lo/hi; singles NaN-boxed; a single operand that is not properly NaN-boxed reads as the
 * canonical NaN), accrues exception flags into st.fcsr bits 4:0 (NX=1, UF=2, OF=4, DZ=8,
 * NV=16) and resolves rm=7 (dynamic) from st.fcsr bits 7:5.
 * Returns false (and changes nothing) for an illegal encoding: reserved rm (5, 6, or 7 with
 * frm 5..7) on an instruction that rounds (arithmetic, FMA, every fcvt), unsupported fmt (H/Q),
 * unknown funct5/funct3 or a non-zero fixed rs2 field.
 */
export function fpExecute(insn: number, st: FpState): boolean {
  const opcode = insn & 0x7f;
  const rd = (insn >>> 7) & 31, funct3 = (insn >>> 12) & 7;
  const rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31;
  const fmtField = (insn >>> 25) & 3;
  if (fmtField > 1) return false;
  const fmt = fmtField ? F64 : F32;
  bindViews(st);
  // Round-to-nearest on ordinary operands: host arithmetic, bit-identical (fpfast.ts).
  if (f64v !== undefined && fpFast(insn, st, f64v, f32v!)) return true;
  out.flags = 0;

  if (opcode === 0x43 || opcode === 0x47 || opcode === 0x4b || opcode === 0x4f) {
    const rm = roundingMode(funct3, st.fcsr);
    if (rm < 0) return false;
    fma(st, insn, fmt, rm);
    writeF(st, rd);
    st.fcsr |= out.flags;
    return true;
  }
  if (opcode !== 0x53) return false;

  const funct5 = insn >>> 27;
  switch (funct5) {
    case 0x00: case 0x01: case 0x02: case 0x03: { // FADD FSUB FMUL FDIV
      const rm = roundingMode(funct3, st.fcsr);
      if (rm < 0) return false;
      arith(st, funct5, rs1, rs2, fmt, rm);
      writeF(st, rd);
      break;
    }
    case 0x0b: { // FSQRT
      if (rs2 !== 0) return false;
      const rm = roundingMode(funct3, st.fcsr);
      if (rm < 0) return false;
      const k = nanKind(st, rs1, fmt);
      if (k) { if (k === 2) out.flags |= NV; packNaN(fmt); }
      else fsqrt(val(st, rs1, fmt), fmt, rm);
      writeF(st, rd);
      break;
    }
    case 0x04: { // FSGNJ, FSGNJN, FSGNJX
      if (funct3 > 2) return false;
      const hiIdx = fmt.double ? 1 : 0;
      const a = fmt.double ? st.f[2 * rs1 + 1] : bits32(st, rs1);
      const b = fmt.double ? st.f[2 * rs2 + 1] : bits32(st, rs2);
      const sb = funct3 === 0 ? b : funct3 === 1 ? ~b : a ^ b;
      const w = ((a & 0x7fffffff) | (sb & 0x80000000)) >>> 0;
      if (hiIdx) { out.lo = st.f[2 * rs1] | 0; out.hi = w | 0; }
      else { out.lo = w | 0; out.hi = -1; }
      writeF(st, rd);
      break;
    }
    case 0x05: // FMIN, FMAX
      if (funct3 > 1) return false;
      minMax(st, rs1, rs2, fmt, funct3 === 1);
      writeF(st, rd);
      break;
    case 0x08: { // FCVT.S.D (fmt S, rs2 = 1), FCVT.D.S (fmt D, rs2 = 0)
      if (rs2 !== (fmt.double ? 0 : 1)) return false;
      const rm = roundingMode(funct3, st.fcsr);
      if (rm < 0) return false;
      const src = fmt.double ? F32 : F64;
      const k = nanKind(st, rs1, src);
      if (k) { if (k === 2) out.flags |= NV; packNaN(fmt); }
      else {
        const v = val(st, rs1, src);
        // Zeros and infinities convert exactly.
        if (v === 0) packZero(signBit(v), fmt);
        else if (v === Infinity || v === -Infinity) packInfOrMax(signBit(v), fmt, true);
        else roundValue(v, fmt, rm);
      }
      writeF(st, rd);
      break;
    }
    case 0x14: { // FEQ, FLT, FLE
      if (funct3 > 2) return false;
      const k1 = nanKind(st, rs1, fmt), k2 = nanKind(st, rs2, fmt);
      let r = 0;
      if (k1 || k2) {
        if (funct3 !== 2 || k1 === 2 || k2 === 2) out.flags |= NV;
      } else {
        const a = val(st, rs1, fmt), b = val(st, rs2, fmt);
        r = (funct3 === 2 ? a === b : funct3 === 1 ? a < b : a <= b) ? 1 : 0;
      }
      writeX(st, rd, r, 0);
      break;
    }
    case 0x18: { // FCVT.{W,WU,L,LU}.fmt
      if (rs2 > 3) return false;
      const rm = roundingMode(funct3, st.fcsr);
      if (rm < 0) return false;
      const k = nanKind(st, rs1, fmt);
      if (k === 2) out.flags |= NV;
      floatToInt(k ? 0 : val(st, rs1, fmt), k !== 0, rs2, rm);
      writeX(st, rd, out.lo, out.hi);
      break;
    }
    case 0x1a: { // FCVT.fmt.{W,WU,L,LU}
      if (rs2 > 3) return false;
      const rm = roundingMode(funct3, st.fcsr);
      if (rm < 0) return false;
      intToFloat(st.x[2 * rs1], st.x[2 * rs1 + 1], rs2, fmt, rm);
      writeF(st, rd);
      break;
    }
    case 0x1c: { // FMV.X.W / FMV.X.D (funct3 0), FCLASS (funct3 1)
      if (rs2 !== 0 || funct3 > 1) return false;
      if (funct3 === 1) writeX(st, rd, classify(st, rs1, fmt), 0);
      else if (fmt.double) writeX(st, rd, st.f[2 * rs1] | 0, st.f[2 * rs1 + 1] | 0);
      else { const w = st.f[2 * rs1] | 0; writeX(st, rd, w, w >> 31); }
      break;
    }
    case 0x1e: // FMV.W.X / FMV.D.X
      if (rs2 !== 0 || funct3 !== 0) return false;
      st.f[2 * rd] = st.x[2 * rs1];
      st.f[2 * rd + 1] = fmt.double ? st.x[2 * rs1 + 1] : 0xffffffff;
      break;
    default:
      return false;
  }
  st.fcsr |= out.flags;
  return true;
}
