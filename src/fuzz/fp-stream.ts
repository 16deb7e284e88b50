/**
 * Random F/D instruction streams for the compiled-vs-interpreted comparison (guest-fuzz.ts
 * compareCompiled with `fp`): OP-FP and fused multiply-adds in both formats with every
 * rounding-mode field (dynamic, the five static modes, the two reserved ones), frm changed
 * at run time (reserved values too), fflags cleared and read into x registers (so a wrong
 * inexact flag shows in the state), mstatus.FS switched off now and then (the FP instructions
 * that follow trap until the handler returns with FS Initial), and operands loaded from a
 * table of special values (zeros, subnormals, the range limits, infinities, quiet and
 * signalling NaNs, NaN-boxed and unboxed singles, exact and inexact cases) with fld, flw and
 * ld, plus fsd/fsw into a page of their own that later loads read back.
 */
import type { Prng } from './prng.js';

/** Where the data table lies, from the stream's start (a page of its own, in the stream's megapage). */
export const FP_DATA_OFF = 0x10000;
/** The store area, from the table. */
const STORE_OFF = 4096;

const f64Bits = (v: number): bigint => {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return b.getBigUint64(0, true);
};
const f32Boxed = (v: number): bigint => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return (0xffffffffn << 32n) | BigInt(b.getUint32(0, true));
};

/** The special operands (64-bit patterns). */
function table(r: Prng): bigint[] {
  const d = [0, -0, 1, -1, 1.5, 2, 0.5, 3, 0.1, 1 / 3, -2.5, 2.5, 3.5, 1e300, -1e300, 1e-300, 2 ** -1022, 2 ** -1022 * 1.5,
    2 ** -1074, Number.MAX_VALUE, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 31 - 0.5, 2 ** 31, -(2 ** 31) - 1,
    2 ** 32 - 0.5, 4294967295.5, -0.5, 2 ** -900, 2 ** 500, 2 ** 1020, 2 ** 990, 2 ** 1000 * 1.75, 1 + 2 ** -52, 1 - 2 ** -53];
  const s = [0, -0, 1, -1, 0.1, 1.5, 3, 1 / 3, 2 ** -126, 2 ** -149, 3.4028234663852886e38, Infinity, -Infinity, 2 ** 24 + 2, 16777217, 0.75];
  const out = [...d.map(f64Bits), ...s.map(f32Boxed)];
  if (d.length !== SINGLES_AT || out.length !== NANS_AT) throw new Error('fp-stream: table layout');
  out.push(0x7ff8000000000000n, 0x7ff0000000000001n, 0xfff4000000000000n); // qNaN, sNaNs
  out.push(0xffffffff7fc00000n, 0xffffffff7f800001n, 0x000000003f800000n, 0xffff00003f800000n); // boxed NaNs, unboxed 1.0f
  while (out.length < ENTRIES) {
    // Ordinary values near 1 with random low bits (inexact products and sums).
    out.push(f64Bits((1 + r.int(1 << 20) / (1 << 20)) * 2 ** (r.int(40) - 20) * (r.chance(0.3) ? -1 : 1)));
  }
  return out;
}

/** Table indices: doubles below SINGLES_AT, boxed singles up to NANS_AT, NaNs and unboxed singles, random doubles from RANDOM_AT. */
const SINGLES_AT = 39, NANS_AT = 55, RANDOM_AT = 62, ENTRIES = 128;
/**
 * f registers: f0..f3 mostly hold doubles and f4..f7 singles, so that most operations see
 * operands of their own format (else they would mostly decline to the handler, as on NaNs).
 */
let fmtNow = 1;
const FR = (r: Prng) => (r.chance(0.88) === (fmtNow === 1) ? r.int(4) : 4 + r.int(4));
/** A table index for a load into an f register of `dbl` format (mostly matching, sometimes special). */
function tableIndex(r: Prng, dbl: boolean): number {
  if (r.chance(0.1)) return NANS_AT + r.int(RANDOM_AT - NANS_AT);
  if (dbl) return r.chance(0.5) ? r.int(SINGLES_AT) : RANDOM_AT + r.int(ENTRIES - RANDOM_AT);
  return SINGLES_AT + r.int(NANS_AT - SINGLES_AT);
}
const XR = (r: Prng) => 5 + r.int(8); // x5..x12
/** A rounding-mode field: mostly dynamic or RNE, else a static mode or a reserved one. */
function rmField(r: Prng): number {
  const p = r.int(100);
  return p < 50 ? 7 : p < 70 ? 0 : p < 98 ? 1 + r.int(4) : 5 + r.int(2);
}

function opfp(f5: number, fmt: number, rs2: number, rs1: number, rm: number, rd: number): number {
  return ((f5 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
}
const itype = (imm: number, rs1: number, f3: number, rd: number, opc: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const stype = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x27) >>> 0;
const csr = (n: number, rs1: number, f3: number, rd: number) => ((n << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x73) >>> 0;

/** One random F/D-heavy instruction (or a short sequence). x30 holds the table's address. */
function item(r: Prng, out: number[]): void {
  const p = r.int(100);
  const fmt = r.int(2);
  fmtNow = fmt;
  if (p < 14) { // a special operand into an f register
    const rd = r.int(8), dbl = rd < 4;
    const k = tableIndex(r, dbl);
    out.push(dbl ? itype(k * 8, 30, 3, rd, 0x07) : itype(k * 8 + (r.chance(0.95) ? 0 : 4), 30, 2, rd, 0x07));
  } else if (p < 18) { // into an x register (fmv.*.x, fcvt from integers)
    out.push(itype(r.int(ENTRIES) * 8, 30, 3, XR(r), 0x03));
  } else if (p < 22) { // fsd / fsw into the store area, or a load back from it
    const off = STORE_OFF + r.int(32) * 8;
    if (r.chance(0.6)) out.push(stype(off, FR(r), 30, r.chance(0.7) ? 3 : 2));
    else out.push(itype(off, 30, r.chance(0.7) ? 3 : 2, FR(r), 0x07));
  } else if (p < 25) {
    out.push(csr(0x001, 0, 5, 0)); // csrrwi x0, fflags, 0
  } else if (p < 27) {
    out.push(csr(0x001, 0, 2, XR(r))); // csrrs x, fflags, x0: the flags into the state
  } else if (p < 32) {
    // One rounding instruction's own flags: clear, the instruction (dynamic rm), read.
    const f5 = [0, 1, 2, 3, 0x0b][r.int(5)];
    const w = r.chance(0.3)
      ? (((FR(r) << 27) | (fmt << 25) | (FR(r) << 20) | (FR(r) << 15) | (7 << 12) | (FR(r) << 7) | [0x43, 0x47, 0x4b, 0x4f][r.int(4)]) >>> 0)
      : opfp(f5, fmt, f5 === 0x0b ? 0 : FR(r), FR(r), 7, FR(r));
    out.push(csr(0x001, 0, 5, 0), w, csr(0x001, 0, 2, XR(r)));
  } else if (p < 33) {
    out.push(csr(0x002, r.chance(0.9) ? 0 : r.int(8), 5, 0)); // csrrwi x0, frm, mode (5..7 reserved)
  } else if (p < 34 && r.chance(0.3)) {
    // FS off: lui x31, 6 (0x6000); csrrc x0, sstatus, x31 (illegal in U-mode).
    out.push(((6 << 12) | (31 << 7) | 0x37) >>> 0, csr(0x100, 31, 3, 0));
  } else if (p < 46) { // fused multiply-adds
    const opc = [0x43, 0x47, 0x4b, 0x4f][r.int(4)];
    out.push(((FR(r) << 27) | (fmt << 25) | (FR(r) << 20) | (FR(r) << 15) | (rmField(r) << 12) | (FR(r) << 7) | opc) >>> 0);
  } else if (p < 70) { // add, sub, mul, div, sqrt
    const f5 = [0, 1, 2, 3, 0x0b][r.int(5)];
    out.push(opfp(f5, fmt, f5 === 0x0b ? (r.chance(0.95) ? 0 : 1) : FR(r), FR(r), rmField(r), FR(r)));
  } else if (p < 74) {
    out.push(opfp(0x04, fmt, FR(r), FR(r), r.int(r.chance(0.95) ? 3 : 8), FR(r))); // fsgnj*
  } else if (p < 77) {
    out.push(opfp(0x05, fmt, FR(r), FR(r), r.int(2), FR(r))); // fmin, fmax
  } else if (p < 82) {
    out.push(opfp(0x14, fmt, FR(r), FR(r), r.int(3), XR(r))); // fle, flt, feq
  } else if (p < 85) {
    out.push(opfp(0x08, fmt, fmt === 1 ? 0 : 1, FR(r), rmField(r), FR(r))); // fcvt.d.s, fcvt.s.d
  } else if (p < 89) {
    out.push(opfp(0x1a, fmt, r.int(4), XR(r), rmField(r), FR(r))); // fcvt.fmt.{w,wu,l,lu}
  } else if (p < 94) {
    out.push(opfp(0x18, fmt, r.int(4), FR(r), r.chance(0.4) ? 1 : rmField(r), XR(r))); // fcvt.{w,wu,l,lu}.fmt
  } else if (p < 97) {
    out.push(opfp(0x1c, fmt, 0, FR(r), r.int(2), XR(r))); // fmv.x.*, fclass
  } else {
    out.push(opfp(0x1e, fmt, 0, XR(r), 0, FR(r))); // fmv.*.x
  }
}

/**
 * A stream of about `items` F/D-heavy instructions as 16-bit parcels, starting with
 * `auipc x30, FP_DATA_OFF >> 12` and ending with a jump back to the start, and the data
 * table to place at the stream's start + FP_DATA_OFF.
 */
export function fpStream(r: Prng, items: number): { stream: Uint16Array; data: Uint8Array } {
  const words: number[] = [(((FP_DATA_OFF >>> 12) << 12) | (30 << 7) | 0x17) >>> 0];
  while (words.length < items) item(r, words);
  const off = -words.length * 4;
  const imm = off & 0x1fffff;
  words.push(((((imm >>> 20) & 1) << 31) | (((imm >>> 1) & 0x3ff) << 21) | (((imm >>> 11) & 1) << 20) | (((imm >>> 12) & 0xff) << 12) | 0x6f) >>> 0);
  const stream = new Uint16Array(words.length * 2);
  words.forEach((w, i) => { stream[2 * i] = w & 0xffff; stream[2 * i + 1] = w >>> 16; });
  const vals = table(r);
  const data = new Uint8Array(STORE_OFF + 256);
  const dv = new DataView(data.buffer);
  vals.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
  return { stream, data };
}
