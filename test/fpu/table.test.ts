/** Table tests of fpExecute edge cases, per instruction and rounding mode. */
import { expect } from 'chai';
import { fpExecute } from '../../dist/cpu/fpu.js';
import { newState, opfp, r4, setF, getF, setX, getX } from './harness.js';

const NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7;
const S = 0, D = 1;
const BOX = 0xffffffffn << 32n;
const CANON_S = BOX | 0x7fc00000n, CANON_D = 0x7ff8000000000000n;

const dv = new DataView(new ArrayBuffer(8));
const s = (x: number): bigint => { dv.setFloat32(0, x); return BOX | BigInt(dv.getUint32(0)); };
const d = (x: number): bigint => { dv.setFloat64(0, x); return dv.getBigUint64(0); };

interface In { f1?: bigint; f2?: bigint; f4?: bigint; x6?: bigint; fcsr?: number }
/** Run insn on f1, f2, f4 (raw 64-bit), x6; return f3, x5 and the new fflags. */
function run(insn: number, i: In): { f3: bigint; x5: bigint; flags: number; fcsr: number } {
  const st = newState(0);
  st.fcsr = i.fcsr ?? 0;
  const put = (r: number, v: bigint | undefined) => { if (v !== undefined) { st.f[2 * r] = Number(v & 0xffffffffn); st.f[2 * r + 1] = Number(v >> 32n); } };
  put(1, i.f1); put(2, i.f2); put(4, i.f4);
  if (i.x6 !== undefined) setX(st, 6, i.x6);
  expect(fpExecute(insn, st), 'legal').to.equal(true);
  return { f3: getF(st, 3), x5: getX(st, 5), flags: st.fcsr & 31, fcsr: st.fcsr };
}
const hex = (v: bigint) => '0x' + v.toString(16);
function expectF(insn: number, i: In, bits: bigint, flags: number): void {
  const r = run(insn, i);
  expect(hex(r.f3)).to.equal(hex(bits));
  expect(r.flags, 'fflags').to.equal(flags);
}
function expectX(insn: number, i: In, x: bigint, flags: number): void {
  const r = run(insn, i);
  expect(hex(r.x5)).to.equal(hex(BigInt.asUintN(64, x)));
  expect(r.flags, 'fflags').to.equal(flags);
}

const fadd = (fmt: number, rm: number) => opfp(0, fmt, 2, 1, rm, 3);
const fsub = (fmt: number, rm: number) => opfp(1, fmt, 2, 1, rm, 3);
const fmul = (fmt: number, rm: number) => opfp(2, fmt, 2, 1, rm, 3);
const fdiv = (fmt: number, rm: number) => opfp(3, fmt, 2, 1, rm, 3);
const fsqrt = (fmt: number, rm: number) => opfp(0x0b, fmt, 0, 1, rm, 3);
const cvtToInt = (fmt: number, kind: number, rm: number) => opfp(0x18, fmt, kind, 1, rm, 5);
const cvtFromInt = (fmt: number, kind: number, rm: number) => opfp(0x1a, fmt, kind, 6, rm, 3);

const MAX_S = BOX | 0x7f7fffffn, INF_S = BOX | 0x7f800000n;
const MAX_D = 0x7fefffffffffffffn, INF_D = 0x7ff0000000000000n;
const MIN_SUB_D = 1n, MIN_NORM_D = 0x0010000000000000n;

describe('fpu tables: rounding modes', () => {
  it('fadd.s 1 + 2^-24 (a tie) and its negation in every mode', () => {
    const tie = s(2 ** -24), one = s(1);
    const want = [[0x3f800000n, 0xbf800000n], [0x3f800000n, 0xbf800000n], [0x3f800000n, 0xbf800001n], [0x3f800001n, 0xbf800000n], [0x3f800001n, 0xbf800001n]];
    for (let rm = 0; rm < 5; rm++) {
      expectF(fadd(S, rm), { f1: one, f2: tie }, BOX | want[rm][0], NX);
      expectF(fadd(S, rm), { f1: s(-1), f2: s(-(2 ** -24)) }, BOX | want[rm][1], NX);
    }
  });
  it('exact cancellation gives +0, or -0 when rounding down; -0 + -0 = -0', () => {
    for (let rm = 0; rm < 5; rm++) {
      expectF(fsub(D, rm), { f1: d(1.5), f2: d(1.5) }, rm === RDN ? d(-0) : d(0), 0);
      expectF(fadd(D, rm), { f1: d(-0), f2: d(-0) }, d(-0), 0);
      expectF(fadd(S, rm), { f1: s(-0), f2: s(0) }, rm === RDN ? s(-0) : s(0), 0);
    }
  });
  it('overflow gives infinity or the largest finite value by mode and sign', () => {
    const pos = [INF_S, MAX_S, MAX_S, INF_S, INF_S], neg = [INF_S, MAX_S, INF_S, MAX_S, INF_S];
    for (let rm = 0; rm < 5; rm++) {
      expectF(fmul(S, rm), { f1: MAX_S, f2: s(2) }, pos[rm], OF | NX);
      expectF(fmul(S, rm), { f1: MAX_S, f2: s(-2) }, neg[rm] | (1n << 31n), OF | NX);
      expectF(fadd(D, rm), { f1: d(-Number.MAX_VALUE), f2: d(-Number.MAX_VALUE) }, (rm === RTZ || rm === RUP ? MAX_D : INF_D) | (1n << 63n), OF | NX);
    }
  });
  it('underflow: exact subnormals raise nothing; a halfway subnormal rounds by mode with UF|NX', () => {
    expectF(fmul(D, RNE), { f1: MIN_NORM_D, f2: d(0.5) }, 0x0008000000000000n, 0);
    const want = [0n, 0n, 0n, 1n, 1n];
    for (let rm = 0; rm < 5; rm++) expectF(fmul(D, rm), { f1: MIN_SUB_D, f2: d(0.5) }, want[rm], UF | NX);
    expectF(fmul(D, RDN), { f1: MIN_SUB_D, f2: d(-0.5) }, (1n << 63n) | 1n, UF | NX);
    expectF(fmul(D, RNE), { f1: MIN_SUB_D, f2: d(-0.5) }, 1n << 63n, UF | NX);
  });
  it('tininess is detected after rounding (rounds up to the smallest normal: no UF)', () => {
    // (2^-126)(1 - 2^-24)(1 + 2^-23): just below 2^-126, but rounds to 2^-126 at 24 bits.
    expectF(fmul(S, RNE), { f1: BOX | 0x007fffffn, f2: s(1 + 2 ** -23) }, BOX | 0x00800000n, NX);
    // RTZ leaves it below 2^-126: tiny and inexact.
    expectF(fmul(S, RTZ), { f1: BOX | 0x007fffffn, f2: s(1 + 2 ** -23) }, BOX | 0x007fffffn, UF | NX);
    // The exact value 2^-126 (1 - 2^-25) is tiny even before subnormal rounding ends up at 2^-126.
    expectF(fmul(S, RNE), { f1: BOX | 0x00800000n, f2: s(1 - 2 ** -24) }, BOX | 0x00800000n, UF | NX);
  });
  it('fdiv and fsqrt rounding, division by zero and invalid cases', () => {
    expectF(fdiv(D, RDN), { f1: d(1), f2: d(3) }, 0x3fd5555555555555n, NX);
    expectF(fdiv(D, RUP), { f1: d(1), f2: d(3) }, 0x3fd5555555555556n, NX);
    expectF(fdiv(S, RNE), { f1: s(1), f2: s(0) }, INF_S, DZ);
    expectF(fdiv(S, RNE), { f1: s(-1), f2: s(0) }, INF_S | (1n << 31n), DZ);
    expectF(fdiv(D, RNE), { f1: d(0), f2: d(0) }, CANON_D, NV);
    expectF(fdiv(D, RNE), { f1: d(Infinity), f2: d(-Infinity) }, CANON_D, NV);
    expectF(fsqrt(D, RDN), { f1: d(2) }, 0x3ff6a09e667f3bccn, NX);
    expectF(fsqrt(D, RUP), { f1: d(2) }, 0x3ff6a09e667f3bcdn, NX);
    expectF(fsqrt(S, RNE), { f1: s(-1) }, CANON_S, NV);
    expectF(fsqrt(S, RNE), { f1: s(-0) }, s(-0), 0);
    expectF(fsqrt(D, RNE), { f1: d(2.25) }, d(1.5), 0);
  });
  it('dynamic rounding mode comes from frm; accrued flags are ORed and frm is kept', () => {
    const r = run(fadd(S, DYN), { f1: s(1), f2: s(2 ** -24), fcsr: (RUP << 5) | NV });
    expect(hex(r.f3)).to.equal(hex(BOX | 0x3f800001n));
    expect(r.fcsr).to.equal((RUP << 5) | NV | NX);
  });
});

describe('fpu tables: NaNs, boxing, sign injection, class, compare, min/max', () => {
  it('arithmetic on NaNs gives the canonical NaN; NV only for signaling inputs', () => {
    expectF(fadd(S, RNE), { f1: BOX | 0x7fc12345n, f2: s(1) }, CANON_S, 0);
    expectF(fadd(S, RNE), { f1: BOX | 0x7f800001n, f2: s(1) }, CANON_S, NV);
    expectF(fmul(D, RNE), { f1: d(1), f2: 0xfff0000000000001n }, CANON_D, NV);
    expectF(fmul(D, RNE), { f1: d(0), f2: d(Infinity) }, CANON_D, NV);
  });
  it('a single operand that is not NaN-boxed reads as the canonical NaN', () => {
    expectF(fadd(S, RNE), { f1: 0x000000003f800000n, f2: s(1) }, CANON_S, 0);
    expectF(opfp(0x04, S, 2, 1, 1, 3), { f1: 0x1234567800000000n, f2: s(1) }, BOX | 0xffc00000n, 0); // fsgnjn
    expectX(opfp(0x1c, S, 0, 1, 1, 5), { f1: 0x3f800000n }, 1n << 9n, 0); // fclass: quiet NaN
    expectX(opfp(0x1c, S, 0, 1, 0, 5), { f1: 0x0000000080000000n }, 0xffffffff80000000n, 0); // fmv.x.w ignores boxing
  });
  it('fsgnj, fsgnjn, fsgnjx keep the payload and only move sign bits', () => {
    const a = BOX | 0x7f800001n; // signaling NaN: no flags, payload kept
    expectF(opfp(0x04, S, 2, 1, 0, 3), { f1: a, f2: s(-1) }, BOX | 0xff800001n, 0);
    expectF(opfp(0x04, D, 2, 1, 1, 3), { f1: d(2), f2: d(-1) }, d(2), 0);
    expectF(opfp(0x04, D, 2, 1, 2, 3), { f1: d(-2), f2: d(-1) }, d(2), 0);
  });
  it('fclass reports each of the ten classes', () => {
    const cases: [bigint, number][] = [[d(-Infinity), 0], [d(-1), 1], [0x8000000000000001n, 2], [d(-0), 3], [d(0), 4],
      [1n, 5], [d(1), 6], [d(Infinity), 7], [0x7ff0000000000001n, 8], [CANON_D, 9]];
    for (const [v, bit] of cases) expectX(opfp(0x1c, D, 0, 1, 1, 5), { f1: v }, 1n << BigInt(bit), 0);
    const cs: [bigint, number][] = [[s(-Infinity), 0], [s(-1), 1], [BOX | 0x80000001n, 2], [s(-0), 3], [s(0), 4],
      [BOX | 1n, 5], [s(1), 6], [s(Infinity), 7], [BOX | 0x7f800001n, 8], [CANON_S, 9]];
    for (const [v, bit] of cs) expectX(opfp(0x1c, S, 0, 1, 1, 5), { f1: v }, 1n << BigInt(bit), 0);
  });
  it('feq is quiet, flt/fle signal on any NaN; -0 equals +0', () => {
    const feq = opfp(0x14, D, 2, 1, 2, 5), flt = opfp(0x14, D, 2, 1, 1, 5), fle = opfp(0x14, D, 2, 1, 0, 5);
    expectX(feq, { f1: CANON_D, f2: d(1) }, 0n, 0);
    expectX(feq, { f1: 0x7ff0000000000001n, f2: d(1) }, 0n, NV);
    expectX(flt, { f1: CANON_D, f2: d(1) }, 0n, NV);
    expectX(fle, { f1: d(1), f2: CANON_D }, 0n, NV);
    expectX(feq, { f1: d(-0), f2: d(0) }, 1n, 0);
    expectX(flt, { f1: d(-0), f2: d(0) }, 0n, 0);
    expectX(fle, { f1: d(-0), f2: d(0) }, 1n, 0);
    expectX(flt, { f1: d(-1), f2: d(2) }, 1n, 0);
  });
  it('fmin/fmax: -0 < +0, a single NaN is ignored, two NaNs give the canonical NaN', () => {
    const fmin = opfp(0x05, S, 2, 1, 0, 3), fmax = opfp(0x05, S, 2, 1, 1, 3);
    expectF(fmin, { f1: s(0), f2: s(-0) }, s(-0), 0);
    expectF(fmax, { f1: s(-0), f2: s(0) }, s(0), 0);
    expectF(fmin, { f1: CANON_S, f2: s(3) }, s(3), 0);
    expectF(fmax, { f1: s(3), f2: BOX | 0x7f800001n }, s(3), NV);
    expectF(fmin, { f1: BOX | 0x7fc00001n, f2: CANON_S }, CANON_S, 0);
    expectF(opfp(0x05, D, 2, 1, 0, 3), { f1: d(-5), f2: d(2) }, d(-5), 0);
  });
});

describe('fpu tables: conversions and moves', () => {
  it('fcvt.w.s / fcvt.wu.s saturate with NV and sign-extend the 32-bit result', () => {
    expectX(cvtToInt(S, 0, RTZ), { f1: s(2 ** 31) }, 0x7fffffffn, NV);
    expectX(cvtToInt(S, 0, RTZ), { f1: s(-(2 ** 31)) }, -(2n ** 31n), 0);
    expectX(cvtToInt(S, 0, RTZ), { f1: CANON_S }, 0x7fffffffn, NV);
    expectX(cvtToInt(S, 0, RTZ), { f1: s(-Infinity) }, -(2n ** 31n), NV);
    expectX(cvtToInt(S, 1, RTZ), { f1: s(-0.3) }, 0n, NX);
    expectX(cvtToInt(S, 1, RNE), { f1: s(-0.7) }, 0n, NV);
    expectX(cvtToInt(S, 1, RTZ), { f1: s(2 ** 32) }, -1n, NV);
    expectX(cvtToInt(S, 1, RTZ), { f1: s(3e9) }, BigInt.asIntN(32, 3000000000n), 0);
    expectX(cvtToInt(S, 1, RTZ), { f1: CANON_S }, -1n, NV);
  });
  it('fcvt.w rounding in every mode', () => {
    const vals = [2.5, -2.5, 1.5, -0.5];
    const want = [[2, -2, 2, 0], [2, -2, 1, 0], [2, -3, 1, -1], [3, -2, 2, 0], [3, -3, 2, -1]];
    for (let rm = 0; rm < 5; rm++) vals.forEach((v, i) => expectX(cvtToInt(D, 0, rm), { f1: d(v) }, BigInt(want[rm][i]), NX));
  });
  it('fcvt.l.d / fcvt.lu.d at the 64-bit limits', () => {
    expectX(cvtToInt(D, 2, RNE), { f1: d(2 ** 63) }, 2n ** 63n - 1n, NV);
    expectX(cvtToInt(D, 2, RNE), { f1: d(-(2 ** 63)) }, -(2n ** 63n), 0);
    expectX(cvtToInt(D, 3, RNE), { f1: 0x43efffffffffffffn }, 0xfffffffffffff800n, 0);
    expectX(cvtToInt(D, 3, RNE), { f1: d(2 ** 64) }, -1n, NV);
    expectX(cvtToInt(D, 3, RNE), { f1: d(-1) }, 0n, NV);
    expectX(cvtToInt(D, 3, RNE), { f1: d(-0) }, 0n, 0);
  });
  it('fcvt from integers rounds in every mode', () => {
    expectF(cvtFromInt(S, 2, RNE), { x6: 2n ** 63n - 1n }, BOX | 0x5f000000n, NX);
    expectF(cvtFromInt(S, 2, RTZ), { x6: 2n ** 63n - 1n }, BOX | 0x5effffffn, NX);
    expectF(cvtFromInt(S, 0, RNE), { x6: 16777217n }, s(16777216), NX);
    expectF(cvtFromInt(S, 0, RUP), { x6: 16777217n }, s(16777218), NX);
    expectF(cvtFromInt(S, 0, RNE), { x6: 0xffffffff80000000n }, s(-(2 ** 31)), 0);
    expectF(cvtFromInt(S, 1, RNE), { x6: 0xffffffffn }, s(2 ** 32), NX); // wu uses the low 32 bits
    expectF(cvtFromInt(D, 3, RNE), { x6: 0xffffffffffffffffn }, d(2 ** 64), NX);
    expectF(cvtFromInt(D, 3, RTZ), { x6: 0xffffffffffffffffn }, 0x43efffffffffffffn, NX);
    expectF(cvtFromInt(D, 2, RDN), { x6: -(2n ** 62n) - 1n }, 0xc3d0000000000001n, NX);
    expectF(cvtFromInt(D, 0, RNE), { x6: 0n }, d(0), 0);
  });
  it('fcvt.s.d and fcvt.d.s: NaNs become canonical, overflow by mode', () => {
    expectF(opfp(0x08, S, 1, 1, RNE, 3), { f1: 0x7ff0000000000001n }, CANON_S, NV);
    expectF(opfp(0x08, S, 1, 1, RNE, 3), { f1: MAX_D }, INF_S, OF | NX);
    expectF(opfp(0x08, S, 1, 1, RTZ, 3), { f1: MAX_D }, MAX_S, OF | NX);
    expectF(opfp(0x08, S, 1, 1, RNE, 3), { f1: 1n }, s(0), UF | NX);
    expectF(opfp(0x08, S, 1, 1, RUP, 3), { f1: 1n }, BOX | 1n, UF | NX);
    expectF(opfp(0x08, D, 0, 1, RNE, 3), { f1: BOX | 0x7f800001n }, CANON_D, NV);
    expectF(opfp(0x08, D, 0, 1, RNE, 3), { f1: BOX | 1n }, d(2 ** -149), 0);
  });
  it('fmv moves raw bits (signaling NaN payloads survive)', () => {
    expectX(opfp(0x1c, D, 0, 1, 0, 5), { f1: 0x7ff0000000000001n }, 0x7ff0000000000001n, 0);
    expectF(opfp(0x1e, D, 0, 6, 0, 3), { x6: 0x7ff4000000000001n }, 0x7ff4000000000001n, 0);
    expectF(opfp(0x1e, S, 0, 6, 0, 3), { x6: 0x123456789abcdef0n }, BOX | 0x9abcdef0n, 0);
    expectX(opfp(0x1c, S, 0, 1, 0, 5), { f1: BOX | 0x7f800001n }, 0x7f800001n, 0);
  });
});

describe('fpu tables: fused multiply-add', () => {
  it('rounds once: (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104', () => {
    expectF(r4(0, D, 4, 2, 1, RNE, 3), { f1: d(1 + 2 ** -52), f2: d(1 - 2 ** -52), f4: d(-1) }, d(-(2 ** -104)), 0);
    expectF(r4(1, D, 4, 2, 1, RNE, 3), { f1: d(1 + 2 ** -52), f2: d(1 - 2 ** -52), f4: d(1) }, d(-(2 ** -104)), 0);
  });
  it('signs of the four variants and of exact zeros', () => {
    const a = s(2), b = s(3), c = s(1);
    expectF(r4(0, S, 4, 2, 1, RNE, 3), { f1: a, f2: b, f4: c }, s(7), 0);
    expectF(r4(1, S, 4, 2, 1, RNE, 3), { f1: a, f2: b, f4: c }, s(5), 0);
    expectF(r4(2, S, 4, 2, 1, RNE, 3), { f1: a, f2: b, f4: c }, s(-5), 0);
    expectF(r4(3, S, 4, 2, 1, RNE, 3), { f1: a, f2: b, f4: c }, s(-7), 0);
    expectF(r4(3, S, 4, 2, 1, RNE, 3), { f1: s(0), f2: s(1), f4: s(0) }, s(-0), 0);
    expectF(r4(0, D, 4, 2, 1, RNE, 3), { f1: d(2), f2: d(3), f4: d(-6) }, d(0), 0);
    expectF(r4(0, D, 4, 2, 1, RDN, 3), { f1: d(2), f2: d(3), f4: d(-6) }, d(-0), 0);
  });
  it('inf * 0 + qNaN raises NV; inf - inf is invalid', () => {
    expectF(r4(0, D, 4, 2, 1, RNE, 3), { f1: d(Infinity), f2: d(0), f4: CANON_D }, CANON_D, NV);
    expectF(r4(0, S, 4, 2, 1, RNE, 3), { f1: s(1), f2: s(2), f4: CANON_S }, CANON_S, 0);
    expectF(r4(0, D, 4, 2, 1, RNE, 3), { f1: d(Infinity), f2: d(1), f4: d(-Infinity) }, CANON_D, NV);
  });
});

describe('fpu tables: illegal encodings change nothing', () => {
  const illegal: [string, number, number][] = [
    ['fmt H', opfp(0, 2, 2, 1, RNE, 3), 0], ['fmt Q', r4(0, 3, 4, 2, 1, RNE, 3), 0],
    ['rm 5', fadd(S, 5), 0], ['rm 6', fmul(D, 6), 0], ['dyn with frm 5', fadd(D, DYN), 5 << 5],
    ['fma dyn frm 7', r4(0, D, 4, 2, 1, DYN, 3), 7 << 5], ['fcvt.d.s rm 5', opfp(0x08, D, 0, 1, 5, 3), 0],
    ['fsgnj funct3 3', opfp(0x04, S, 2, 1, 3, 3), 0], ['fmin funct3 2', opfp(0x05, D, 2, 1, 2, 3), 0],
    ['compare funct3 3', opfp(0x14, S, 2, 1, 3, 5), 0], ['fsqrt rs2 1', opfp(0x0b, S, 1, 1, RNE, 3), 0],
    ['fcvt.s.h', opfp(0x08, S, 2, 1, RNE, 3), 0], ['fcvt.s.s', opfp(0x08, S, 0, 1, RNE, 3), 0],
    ['fcvt.w rs2 4', opfp(0x18, S, 4, 1, RNE, 5), 0], ['fclass funct3 2', opfp(0x1c, S, 0, 1, 2, 5), 0],
    ['fmv.w.x funct3 1', opfp(0x1e, S, 0, 6, 1, 3), 0], ['funct5 6', opfp(0x06, S, 2, 1, 0, 3), 0],
    ['other opcode', 0x00000013, 0],
  ];
  for (const [name, insn, fcsr] of illegal) {
    it(name, () => {
      const st = newState(0);
      st.fcsr = fcsr | NX;
      for (let i = 0; i < 64; i++) { st.f[i] = 0x11111111 * (i & 7); st.x[i] = i * 3; }
      const f = st.f.slice(), x = st.x.slice();
      expect(fpExecute(insn, st)).to.equal(false);
      expect(st.fcsr).to.equal(fcsr | NX);
      expect([...st.f]).to.deep.equal([...f]);
      expect([...st.x]).to.deep.equal([...x]);
    });
  }
  it('x0 is never written', () => {
    const st = newState(0);
    setF(st, 1, 0x3ff0000000000000n, true); setF(st, 2, 0x3ff0000000000000n, true);
    expect(fpExecute(opfp(0x14, D, 2, 1, 2, 0), st)).to.equal(true); // feq x0
    expect(fpExecute(opfp(0x1c, D, 0, 1, 0, 0), st)).to.equal(true); // fmv.x.d x0
    expect(st.x[0]).to.equal(0); expect(st.x[1]).to.equal(0);
  });
});
