/** Helpers for the FPU tests: instruction encoders, register access, operand generators. */
import { fpExecute, FpState } from '../../dist/cpu/fpu.js';

export function newState(frm = 0): FpState {
  return { x: new Int32Array(64), f: new Uint32Array(64), fcsr: frm << 5 };
}

/** OP-FP R-type: funct5, fmt (0 S, 1 D), rs2, rs1, funct3 (rm), rd. */
export function opfp(funct5: number, fmt: number, rs2: number, rs1: number, rm: number, rd: number): number {
  return ((funct5 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
}
/** R4-type fused multiply-add: op 0 FMADD, 1 FMSUB, 2 FNMSUB, 3 FNMADD. */
export function r4(op: number, fmt: number, rs3: number, rs2: number, rs1: number, rm: number, rd: number): number {
  return ((rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | (0x43 + 4 * op)) >>> 0;
}

/** Set f[r] from raw bits (binary32 values are NaN-boxed). */
export function setF(st: FpState, r: number, bits: bigint, dbl: boolean): void {
  st.f[2 * r] = Number(bits & 0xffffffffn);
  st.f[2 * r + 1] = dbl ? Number((bits >> 32n) & 0xffffffffn) : 0xffffffff;
}
/** Raw 64-bit contents of f[r]. */
export function getF(st: FpState, r: number): bigint {
  return (BigInt(st.f[2 * r + 1]) << 32n) | BigInt(st.f[2 * r]);
}
export function setX(st: FpState, r: number, v: bigint): void {
  st.x[2 * r] = Number(BigInt.asIntN(32, v));
  st.x[2 * r + 1] = Number(BigInt.asIntN(32, v >> 32n));
}
export function getX(st: FpState, r: number): bigint {
  return (BigInt(st.x[2 * r + 1] >>> 0) << 32n) | BigInt(st.x[2 * r] >>> 0);
}

/** Run one instruction; throws if it was rejected as illegal. */
export function exec(st: FpState, insn: number): void {
  if (!fpExecute(insn, st)) throw new Error(`illegal: ${insn.toString(16)}`);
}

/** Deterministic PRNG (xorshift128+ over 32-bit halves). */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) { this.a = seed | 1; this.b = 0x9e3779b9; this.c = 0x243f6a88; this.d = 0xb7e15162; for (let i = 0; i < 20; i++) this.u32(); }
  u32(): number {
    let t = this.d; const s = this.a;
    this.d = this.c; this.c = this.b; this.b = s;
    t ^= t << 11; t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }
  int(n: number): number { return this.u32() % n; }
  big(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(this.u32());
    return BigInt.asUintN(bits, v);
  }
}

export interface GFmt { p: number; ebits: number }

const SPECIAL32 = [0x00000000, 0x80000000, 0x00000001, 0x007fffff, 0x00800000, 0x00800001, 0x7f7fffff, 0x7f800000,
  0xff800000, 0x7fc00000, 0x7f800001, 0xffc00001, 0x3f800000, 0x3f800001, 0x3f7fffff, 0x4f000000, 0x4f800000,
  0x5f000000, 0x5f800000, 0xcf000000, 0xdf000000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbf000000, 0x00400000, 0x80000001];
const SPECIAL64 = [0n, 0x8000000000000000n, 1n, 0x000fffffffffffffn, 0x0010000000000000n, 0x0010000000000001n,
  0x7fefffffffffffffn, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff0000000000001n,
  0xfff8000000000001n, 0x3ff0000000000000n, 0x3ff0000000000001n, 0x3fefffffffffffffn, 0x41e0000000000000n,
  0x41f0000000000000n, 0x43e0000000000000n, 0x43f0000000000000n, 0xc1e0000000000000n, 0xc3e0000000000000n,
  0x3fe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n, 0xbfe0000000000000n, 0x0008000000000000n,
  0x8000000000000001n, 0x36a0000000000000n, 0x3810000000000000n, 0x47efffffe0000000n];

/** A random operand of format g, drawn from a mix of special, uniform, short-significand and boundary values. */
export function operand(rng: Rng, g: GFmt, near?: bigint): bigint {
  const w = g.p + g.ebits, mb = g.p - 1, emaxb = (1 << g.ebits) - 1;
  const mode = rng.int(near !== undefined ? 8 : 6);
  const sign = BigInt(rng.int(2)) << BigInt(w - 1);
  const frac = (): bigint => rng.big(mb);
  const short = (): bigint => { // few significant bits: exact results and ties
    const k = rng.int(6);
    let f = 0n;
    for (let i = 0; i < k; i++) f |= 1n << BigInt(rng.int(mb));
    if (rng.int(2)) f |= 1n << BigInt(mb - 1 - rng.int(4));
    if (rng.int(3) === 0) f = ((1n << BigInt(mb)) - 1n) ^ f; // runs of ones
    return f;
  };
  switch (mode) {
    case 0: return g.p === 24 ? BigInt(SPECIAL32[rng.int(SPECIAL32.length)]) : SPECIAL64[rng.int(SPECIAL64.length)];
    case 1: return rng.big(w);
    case 2: return sign | (BigInt(rng.int(emaxb)) << BigInt(mb)) | frac();
    case 3: return sign | (BigInt(rng.int(emaxb)) << BigInt(mb)) | short();
    case 4: { // near the subnormal range or the overflow threshold
      const e = rng.int(2) ? rng.int(g.p + 4) : emaxb - 1 - rng.int(g.p + 4);
      return sign | (BigInt(Math.max(0, e)) << BigInt(mb)) | (rng.int(2) ? frac() : short());
    }
    case 5: { // moderate exponents around 1
      const bias = (1 << (g.ebits - 1)) - 1;
      const e = bias - 40 + rng.int(80);
      return sign | (BigInt(e) << BigInt(mb)) | (rng.int(2) ? frac() : short());
    }
    default: { // close to `near` (cancellation, equal exponents)
      const be = Number((near! >> BigInt(mb)) & BigInt(emaxb));
      const e = Math.min(emaxb - 1, Math.max(0, be + rng.int(2 * g.p + 3) - g.p - 1));
      if (mode === 6) return (near! ^ (BigInt(rng.int(2)) << BigInt(w - 1))) ^ BigInt(rng.int(8));
      return sign | (BigInt(e) << BigInt(mb)) | (rng.int(2) ? frac() : short());
    }
  }
}

/** A random 64-bit integer register value biased towards conversion boundaries. */
export function intOperand(rng: Rng): bigint {
  const m = rng.int(5);
  if (m === 0) return rng.big(64);
  if (m === 1) return BigInt.asUintN(64, BigInt.asIntN(64, rng.big(64)) >> BigInt(rng.int(64)));
  const bases = [0n, 1n << 24n, 1n << 31n, 1n << 32n, 1n << 53n, 1n << 63n, 1n << 64n];
  const base = bases[rng.int(bases.length)];
  const delta = BigInt(rng.int(65536)) - 32768n;
  const v = (rng.int(2) ? -base : base) + delta * (m === 4 ? BigInt(1 + rng.int(4096)) : 1n);
  return BigInt.asUintN(64, v);
}
