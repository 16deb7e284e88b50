/**
 * Exact reference model of RISC-V F/D arithmetic for the property tests, written from the
 * specification with BigInt rationals (independent of the double-based implementation).
 * Values are raw bit patterns as bigint (binary32 in the low 32 bits, not boxed).
 */

export interface RFmt { p: number; ebits: number; }
export const RS: RFmt = { p: 24, ebits: 8 };
export const RD: RFmt = { p: 53, ebits: 11 };
export const NXf = 1, UFf = 2, OFf = 4, DZf = 8, NVf = 16;

export interface RRes { bits: bigint; flags: number }

const bias = (f: RFmt) => (1 << (f.ebits - 1)) - 1;
const emin = (f: RFmt) => 1 - bias(f);
const emax = (f: RFmt) => bias(f);
const width = (f: RFmt) => BigInt(f.p + f.ebits);
export const canon = (f: RFmt): bigint => f.p === 24 ? 0x7fc00000n : 0x7ff8000000000000n;

type Dec =
  | { k: 'nan'; snan: boolean }
  | { k: 'inf'; s: number }
  | { k: 'num'; s: number; m: bigint; e: number }; // (-1)^s m 2^e, m may be 0

export function decode(b: bigint, f: RFmt): Dec {
  const mbits = BigInt(f.p - 1);
  const s = Number((b >> (width(f) - 1n)) & 1n);
  const be = Number((b >> mbits) & ((1n << BigInt(f.ebits)) - 1n));
  const frac = b & ((1n << mbits) - 1n);
  if (be === (1 << f.ebits) - 1) {
    if (frac === 0n) return { k: 'inf', s };
    return { k: 'nan', snan: ((frac >> (mbits - 1n)) & 1n) === 0n };
  }
  if (be === 0) return { k: 'num', s, m: frac, e: emin(f) - (f.p - 1) };
  return { k: 'num', s, m: frac | (1n << mbits), e: be - bias(f) - (f.p - 1) };
}

const signed = (s: number, b: bigint, f: RFmt) => s ? b | (1n << (width(f) - 1n)) : b;
export const infBits = (s: number, f: RFmt) => signed(s, BigInt((1 << f.ebits) - 1) << BigInt(f.p - 1), f);
const maxBits = (s: number, f: RFmt) => signed(s, (BigInt((1 << f.ebits) - 1) << BigInt(f.p - 1)) - 1n, f);
export const zeroBits = (s: number, f: RFmt) => signed(s, 0n, f);

function bitlen(x: bigint): number { return x === 0n ? 0 : x.toString(2).length; }

/** floor(log2(n/d)), n, d > 0. */
function ilog2(n: bigint, d: bigint): number {
  let e = bitlen(n) - bitlen(d);
  const lhs = e >= 0 ? n : n << BigInt(-e);
  const rhs = e >= 0 ? d << BigInt(e) : d;
  if (lhs < rhs) e--;
  return e;
}

/** Round n/d (> 0) to an integer multiple of 2^q: returns [N, inexact]. */
function roundToGrid(s: number, n: bigint, d: bigint, q: number, rm: number): [bigint, boolean] {
  // x = n / (d 2^q)
  const num = q >= 0 ? n : n << BigInt(-q);
  const den = q >= 0 ? d << BigInt(q) : d;
  const I = num / den, r = num - I * den;
  if (r === 0n) return [I, false];
  const twice = 2n * r;
  let up: boolean;
  switch (rm) {
    case 0: up = twice > den || (twice === den && (I & 1n) === 1n); break;
    case 1: up = false; break;
    case 2: up = s === 1; break;
    case 3: up = s === 0; break;
    default: up = twice >= den; break;
  }
  return [up ? I + 1n : I, true];
}

/** Round (-1)^s n/d (n, d > 0) to f. */
export function roundRat(s: number, n: bigint, d: bigint, f: RFmt, rm: number): RRes {
  const E = ilog2(n, d);
  const p = f.p;
  // Unbounded exponent: for overflow and for tininess after rounding.
  let [Nu] = roundToGrid(s, n, d, E - (p - 1), rm);
  let Eu = E;
  if (Nu === 1n << BigInt(p)) { Nu >>= 1n; Eu++; }
  if (Eu > emax(f)) {
    const inf = rm === 0 || rm === 4 || (rm === 3 && s === 0) || (rm === 2 && s === 1);
    return { bits: inf ? infBits(s, f) : maxBits(s, f), flags: OFf | NXf };
  }
  const tiny = Eu < emin(f);
  const q = Math.max(E, emin(f)) - (p - 1);
  const [N, inexact] = roundToGrid(s, n, d, q, rm);
  let flags = inexact ? NXf : 0;
  if (tiny && inexact) flags |= UFf;
  // value = N 2^q; encode
  let bits: bigint;
  if (N === 0n) bits = 0n;
  else {
    let e = q, M = N;
    if (M === 1n << BigInt(p)) { M >>= 1n; e++; }
    if (M < (1n << BigInt(p - 1))) bits = M; // subnormal (e == emin - p + 1)
    else bits = (BigInt(e + (p - 1) + bias(f)) << BigInt(p - 1)) | (M - (1n << BigInt(p - 1)));
  }
  return { bits: signed(s, bits, f), flags };
}

type Num = { k: 'num'; s: number; m: bigint; e: number };
interface Rat { n: bigint; d: bigint } // signed n, d > 0
const rat = (x: { s: number; m: bigint; e: number }): Rat => {
  const n = x.s ? -x.m : x.m;
  return x.e >= 0 ? { n: n << BigInt(x.e), d: 1n } : { n, d: 1n << BigInt(-x.e) };
};
const radd = (a: Rat, b: Rat): Rat => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const rmul = (a: Rat, b: Rat): Rat => ({ n: a.n * b.n, d: a.d * b.d });

function finish(x: Rat, zeroSign: number, f: RFmt, rm: number, flags = 0): RRes {
  if (x.n === 0n) return { bits: zeroBits(zeroSign, f), flags };
  const s = x.n < 0n ? 1 : 0;
  const r = roundRat(s, s ? -x.n : x.n, x.d, f, rm);
  return { bits: r.bits, flags: r.flags | flags };
}

function nanResult(f: RFmt, ...ops: Dec[]): RRes | undefined {
  if (!ops.some(o => o.k === 'nan')) return undefined;
  return { bits: canon(f), flags: ops.some(o => o.k === 'nan' && o.snan) ? NVf : 0 };
}
const invalid = (f: RFmt): RRes => ({ bits: canon(f), flags: NVf });

/** a*b*(neg product?) + c*(neg c?) exactly, for add (b = 1.0 stand-in via mulOne) and fma. */
function sumOfProduct(ad: Dec, bd: Dec | null, cd: Dec, negP: number, negC: number, f: RFmt, rm: number): RRes {
  // product
  let ps: number; let pinf = false; let prod: Rat | null = null; let pzero = false;
  if (ad.k === 'nan' || cd.k === 'nan' || (bd && bd.k === 'nan')) throw new Error('nan');
  if (bd) {
    ps = (ad.s ^ bd.s ^ negP);
    const az = ad.k === 'num' && ad.m === 0n, bz = bd.k === 'num' && bd.m === 0n;
    if ((ad.k === 'inf' && bz) || (bd.k === 'inf' && az)) return invalid(f);
    if (ad.k === 'inf' || bd.k === 'inf') pinf = true;
    else { prod = rmul(rat(ad as Num), rat(bd as Num)); if (negP) prod.n = -prod.n; pzero = prod.n === 0n; }
  } else {
    ps = ad.s ^ negP;
    if (ad.k === 'inf') pinf = true; else { prod = rat(ad as Num); if (negP) prod.n = -prod.n; pzero = prod.n === 0n; }
  }
  const cs = cd.s ^ negC;
  if (pinf) {
    if (cd.k === 'inf' && cs !== ps) return invalid(f);
    return { bits: infBits(ps, f), flags: 0 };
  }
  if (cd.k === 'inf') return { bits: infBits(cs, f), flags: 0 };
  const c = rat(cd as Num); if (negC) c.n = -c.n;
  const cz = c.n === 0n;
  const sum = radd(prod!, c);
  let zs: number;
  if (pzero && cz) zs = ps === cs ? ps : rm === 2 ? 1 : 0;
  else zs = rm === 2 ? 1 : 0;
  return finish(sum, zs, f, rm);
}

export function refAdd(a: bigint, b: bigint, sub: boolean, f: RFmt, rm: number): RRes {
  const ad = decode(a, f), bd = decode(b, f);
  return nanResult(f, ad, bd) ?? sumOfProduct(ad, null, bd, 0, sub ? 1 : 0, f, rm);
}

export function refFma(a: bigint, b: bigint, c: bigint, op: number, f: RFmt, rm: number): RRes {
  const ad = decode(a, f), bd = decode(b, f), cd = decode(c, f);
  const n = nanResult(f, ad, bd, cd);
  if (n) {
    const z = (x: Dec) => x.k === 'num' && x.m === 0n;
    if ((ad.k === 'inf' && z(bd)) || (bd.k === 'inf' && z(ad))) n.flags |= NVf;
    return n;
  }
  return sumOfProduct(ad, bd, cd, op >= 2 ? 1 : 0, op === 1 || op === 3 ? 1 : 0, f, rm);
}

export function refMul(a: bigint, b: bigint, f: RFmt, rm: number): RRes {
  const ad = decode(a, f), bd = decode(b, f);
  const n = nanResult(f, ad, bd); if (n) return n;
  const s = (ad as any).s ^ (bd as any).s;
  const z = (x: Dec) => x.k === 'num' && x.m === 0n;
  if ((ad.k === 'inf' && z(bd)) || (bd.k === 'inf' && z(ad))) return invalid(f);
  if (ad.k === 'inf' || bd.k === 'inf') return { bits: infBits(s, f), flags: 0 };
  return finish(rmul(rat(ad as Num), rat(bd as Num)), s, f, rm);
}

export function refDiv(a: bigint, b: bigint, f: RFmt, rm: number): RRes {
  const ad = decode(a, f), bd = decode(b, f);
  const n = nanResult(f, ad, bd); if (n) return n;
  const s = (ad as any).s ^ (bd as any).s;
  const z = (x: Dec) => x.k === 'num' && x.m === 0n;
  if (ad.k === 'inf') return bd.k === 'inf' ? invalid(f) : { bits: infBits(s, f), flags: 0 };
  if (bd.k === 'inf') return { bits: zeroBits(s, f), flags: 0 };
  if (z(bd)) return z(ad) ? invalid(f) : { bits: infBits(s, f), flags: DZf };
  const x = rat(ad as Num), y = rat(bd as Num);
  let nn = x.n * y.d, dd = x.d * y.n;
  if (dd < 0n) { nn = -nn; dd = -dd; }
  return finish({ n: nn, d: dd }, s, f, rm);
}

function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = 1n << BigInt(Math.ceil(bitlen(x) / 2));
  for (;;) { const y = (r + x / r) >> 1n; if (y >= r) return r; r = y; }
}

export function refSqrt(a: bigint, f: RFmt, rm: number): RRes {
  const ad = decode(a, f);
  const n = nanResult(f, ad); if (n) return n;
  if (ad.k === 'inf') return ad.s ? invalid(f) : { bits: a, flags: 0 };
  const an = ad as Num;
  if (an.m === 0n) return { bits: a, flags: 0 };
  if (an.s) return invalid(f);
  // sqrt(m 2^e) with e made even, scaled by 2^(2j) so the root has p + 3 or more bits.
  let m = an.m, e = an.e;
  if (e & 1) { m <<= 1n; e -= 1; }
  const j = 2 * f.p + 8;
  const X = m << BigInt(2 * j);
  const r = isqrt(X);
  // value = r' 2^(e/2 - j), r' = r exactly, or any point inside (r, r+1): take r + 1/2.
  const exact = r * r === X;
  const num = exact ? r : 2n * r + 1n;
  const sc = e / 2 - j - (exact ? 0 : 1);
  return finish(sc >= 0 ? { n: num << BigInt(sc), d: 1n } : { n: num, d: 1n << BigInt(-sc) }, 0, f, rm);
}

/** fcvt between formats. */
export function refCvtFF(a: bigint, from: RFmt, to: RFmt, rm: number): RRes {
  const ad = decode(a, from);
  const n = nanResult(to, ad); if (n) return n;
  if (ad.k === 'inf') return { bits: infBits(ad.s, to), flags: 0 };
  return finish(rat(ad as Num), (ad as Num).s, to, rm);
}

/** fcvt.{w,wu,l,lu}: result as a 64-bit two's complement bigint (32-bit kinds sign-extended). */
export function refCvtFI(a: bigint, f: RFmt, kind: number, rm: number): RRes {
  const ad = decode(a, f);
  const bits = kind < 2 ? 32 : 64;
  const unsigned = kind === 1 || kind === 3;
  const lo = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const hi = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const sx = (v: bigint) => BigInt.asUintN(64, BigInt.asIntN(bits, v));
  if (ad.k === 'nan') return { bits: sx(hi), flags: NVf };
  if (ad.k === 'inf') return { bits: sx(ad.s ? lo : hi), flags: NVf };
  const x = rat(ad as Num);
  let v: bigint, inexact = false;
  if (x.n === 0n) v = 0n;
  else {
    const s = x.n < 0n ? 1 : 0;
    const [N, ix] = roundToGrid(s, s ? -x.n : x.n, x.d, 0, rm);
    v = s ? -N : N; inexact = ix;
  }
  if (v < lo) return { bits: sx(lo), flags: NVf };
  if (v > hi) return { bits: sx(hi), flags: NVf };
  return { bits: sx(v), flags: inexact ? NXf : 0 };
}

/** fcvt.fmt.{w,wu,l,lu} from a 64-bit register value. */
export function refCvtIF(x: bigint, kind: number, f: RFmt, rm: number): RRes {
  let v: bigint;
  switch (kind) {
    case 0: v = BigInt.asIntN(32, x); break;
    case 1: v = BigInt.asUintN(32, x); break;
    case 2: v = BigInt.asIntN(64, x); break;
    default: v = BigInt.asUintN(64, x); break;
  }
  return finish({ n: v, d: 1n }, 0, f, rm);
}
