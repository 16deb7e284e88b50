/**
 * Differential test of the F/D fast path (src/cpu/fpfast.ts) against the exact software path:
 * for each operation class, FPU_FAST_N (default 1e6) random instructions on operands biased
 * toward the cases where host arithmetic could differ (near 1, near overflow and underflow, the
 * fast path's magnitude bounds, subnormals, exact small integers, powers of two, ties, products
 * that nearly cancel an addend, exact quotients and squares, NaNs and unboxed singles, every
 * rounding mode). Whenever the fast path takes an instruction, its result bits and fflags must
 * equal the software path's; when it declines, it must have changed nothing.
 */
import { expect } from 'chai';
import { fpExecute, FpState } from '../../dist/cpu/fpu.js';
import { fpFast, setFpFastPath } from '../../dist/cpu/fpfast.js';
import { decode32 } from '../../dist/cpu/decode.js';
import type { Hart } from '../../dist/cpu/hart.js';
import { opfp, r4, Rng } from './harness.js';

const N = Number(process.env.FPU_FAST_N ?? 1e6);

/** Register state with float views; mstatus and raise make it enough of a hart for the decoded handlers. */
interface St extends FpState { f64: Float64Array; f32: Float32Array; mstatus: number; raise(): never }
const MSTATUS_FS = 3 << 13;
function mk(): St {
  const f = new Uint32Array(64);
  return {
    x: new Int32Array(64), f, fcsr: 0, f64: new Float64Array(f.buffer), f32: new Float32Array(f.buffer), mstatus: MSTATUS_FS,
    raise(): never { throw new Error('illegal instruction'); },
  };
}

const cv = new Float64Array(1), cu = new Uint32Array(cv.buffer);
const cf = new Float32Array(1), cw = new Uint32Array(cf.buffer);

/** Operand generator: raw register words for binary64 (lo, hi) or binary32 (bits). */
class Gen {
  constructor(readonly rng: Rng, readonly dbl: boolean) {}
  private r(n: number): number { return this.rng.int(n); }
  /** Biased exponent field for a category. */
  private exp(): number {
    const d = this.dbl, r = this.r(12);
    const bias = d ? 1023 : 127, max = d ? 2046 : 254;
    switch (r) {
      case 0: case 1: case 2: return bias - 3 + this.r(7); // near 1
      case 3: return max - this.r(4); // near overflow
      case 4: return this.r(5); // subnormal (0) and the smallest normals
      case 5: { // around the fast path's magnitude bounds
        const b = d ? [500, 900, 990, 1000, 1020, 1022, 960, 970][this.r(8)] : [126, 120, 100][this.r(3)];
        return Math.max(0, Math.min(max, bias + (this.r(2) ? b : -b) + this.r(5) - 2));
      }
      case 6: return bias - 30 + this.r(60);
      default: return this.r(max + 1);
    }
  }
  /** Fraction bits as [hi 20, lo 32] for doubles or 23 bits for singles. */
  private frac(): [number, number] {
    const d = this.dbl, k = this.r(6);
    const fb = d ? 52 : 23;
    if (k === 0) return [0, 0]; // power of two
    if (k === 1) { // few bits: exact results and ties
      let hi = 0, lo = 0;
      const n = 1 + this.r(4);
      for (let i = 0; i < n; i++) {
        const bit = this.r(2) ? fb - 1 - this.r(8) : this.r(fb);
        if (bit >= 32) hi |= 1 << (bit - 32); else lo |= 1 << bit;
      }
      return d ? [hi >>> 0, lo >>> 0] : [0, lo >>> 0];
    }
    if (k === 2) return d ? [0xfffff, 0xffffffff - this.r(4)] : [0, 0x7fffff - this.r(4)]; // all ones
    return d ? [this.rng.u32() & 0xfffff, this.rng.u32()] : [0, this.rng.u32() & 0x7fffff];
  }
  /** A random operand into register r of st. */
  put(st: St, r: number): void {
    const k = this.r(40);
    if (k === 0) return this.special(st, r);
    if (k === 1 || k === 2) { // exact small integer
      const v = (this.r(2) ? -1 : 1) * this.r(2000);
      return this.setNum(st, r, v);
    }
    const s = this.r(2);
    const e = this.exp();
    const [fh, fl] = this.frac();
    if (this.dbl) { st.f[2 * r] = fl; st.f[2 * r + 1] = ((s << 31) | (e << 20) | fh) >>> 0; }
    else { st.f[2 * r] = ((s << 31) | (e << 23) | fl) >>> 0; st.f[2 * r + 1] = this.r(64) ? 0xffffffff : this.r(2) ? 0 : 0xfffffffe; }
  }
  private special(st: St, r: number): void {
    const d = this.dbl, k = this.r(8), s = this.r(2) << 31;
    if (d) {
      const his = [0, 0x7ff00000, 0x7ff80000, 0x7ff00000, 0x00000000, 0x7fefffff, 0x00100000, 0x000fffff];
      const los = [0, 0, 0, 1 + this.r(100), 1 + this.r(100), 0xffffffff, 0, 0xffffffff];
      st.f[2 * r] = los[k]; st.f[2 * r + 1] = (his[k] | s) >>> 0;
    } else {
      const w = [0, 0x7f800000, 0x7fc00000, 0x7f800001 + this.r(100), 1 + this.r(100), 0x7f7fffff, 0x00800000, 0x007fffff];
      st.f[2 * r] = (w[k] | s) >>> 0; st.f[2 * r + 1] = 0xffffffff;
    }
  }
  /** Store a JS number (rounded to the format). */
  setNum(st: St, r: number, v: number): void {
    if (this.dbl) { cv[0] = v; st.f[2 * r] = cu[0]; st.f[2 * r + 1] = cu[1]; }
    else { cf[0] = v; st.f[2 * r] = cw[0]; st.f[2 * r + 1] = 0xffffffff; }
  }
  num(st: St, r: number): number {
    if (this.dbl) { cu[0] = st.f[2 * r]; cu[1] = st.f[2 * r + 1]; return cv[0]; }
    cw[0] = st.f[2 * r]; return cf[0];
  }
  /** Flip a few low bits of register r (neighbouring values, not crossing into NaN). */
  nudge(st: St, r: number): void {
    const d = this.r(4) - 1;
    if (d === 0) return;
    st.f[2 * r] = (st.f[2 * r] + d) >>> 0;
  }
  /** A value related to register a: same or nearby exponent (cancellation, ties, alignment). */
  near(st: St, r: number, a: number): void {
    this.put(st, r);
    const m = this.r(4);
    const p = this.dbl ? 53 : 24;
    if (m === 0) { // nearly equal or opposite
      st.f[2 * r] = st.f[2 * a]; st.f[2 * r + 1] = st.f[2 * a + 1];
      if (this.r(2)) { if (this.dbl) st.f[2 * r + 1] ^= 0x80000000; else st.f[2 * r] ^= 0x80000000; }
      this.nudge(st, r);
    } else if (m === 1) { // exponent difference around p (ties when the significand is short)
      const va = this.num(st, a);
      if (!Number.isFinite(va) || va === 0) return;
      const sh = this.r(p + 4);
      const vb = va * 2 ** -(sh) * (1 + this.r(4) / 2) * (this.r(2) ? -1 : 1);
      this.setNum(st, r, vb);
    }
  }
}

interface Case { insn: number; setup: (st: St, g: Gen) => void }
type Class = { name: string; make: (rng: Rng, g: Gen, dbl: number) => Case };

/** Rounding mode field: mostly RNE (static or dynamic with frm 0), sometimes anything. */
function rmField(rng: Rng): { rm: number; frm: number } {
  const k = rng.int(10);
  if (k < 4) return { rm: 0, frm: rng.int(8) };
  if (k < 8) return { rm: 7, frm: 0 };
  return { rm: rng.int(8), frm: rng.int(8) };
}

const CLASSES: Class[] = [
  { name: 'fadd/fsub', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    return { insn: opfp(rng.int(2), dbl, 2, 1, rm.rm, rd(rng)), setup: (st) => { st.fcsr = rm.frm << 5; g.put(st, 1); g.near(st, 2, 1); } };
  } },
  { name: 'fmul', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    return { insn: opfp(2, dbl, 2, 1, rm.rm, rd(rng)), setup: (st) => { st.fcsr = rm.frm << 5; g.put(st, 1); if (rng.int(4)) g.put(st, 2); else g.near(st, 2, 1); } };
  } },
  { name: 'fdiv', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    return { insn: opfp(3, dbl, 2, 1, rm.rm, rd(rng)), setup: (st) => {
      st.fcsr = rm.frm << 5;
      g.put(st, 2);
      if (rng.int(3) === 0) { // a = b * q with a short q: exact quotients and near-exact ones
        g.put(st, 1);
        const q = g.num(st, 1), b = g.num(st, 2);
        g.setNum(st, 1, Math.trunc(q) * b);
        if (rng.int(2)) g.nudge(st, 1);
      } else if (rng.int(2)) g.put(st, 1); else g.near(st, 1, 2);
    } };
  } },
  { name: 'fsqrt', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    return { insn: opfp(0x0b, dbl, rng.int(64) ? 0 : 1, 1, rm.rm, rd(rng)), setup: (st) => {
      st.fcsr = rm.frm << 5;
      g.put(st, 1);
      if (rng.int(3) === 0) { // exact squares and their neighbours
        const s = g.num(st, 1);
        g.setNum(st, 1, s * s);
        if (rng.int(2)) g.nudge(st, 1);
      }
    } };
  } },
  { name: 'fmadd/fmsub/fnmsub/fnmadd', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    const op = rng.int(4);
    return { insn: r4(op, dbl, 4, 2, 1, rm.rm, rd(rng)), setup: (st) => {
      st.fcsr = rm.frm << 5;
      g.put(st, 1); g.put(st, 2);
      const k = rng.int(4);
      if (k <= 1) { // c close to -a*b (or +a*b): heavy cancellation, the v != 0 branch
        const p = g.num(st, 1) * g.num(st, 2);
        g.setNum(st, 4, (op === 0 || op === 3) === (k === 0) ? -p : p);
        g.nudge(st, 4);
      } else if (k === 2) g.near(st, 4, 1);
      else g.put(st, 4);
    } };
  } },
  { name: 'fle/flt/feq, fmin/fmax', make: (rng, g, dbl) => {
    const cmp = rng.int(2);
    const insn = cmp ? opfp(0x14, dbl, 2, 1, rng.int(4), rng.int(8) ? 5 : 0) : opfp(0x05, dbl, 2, 1, rng.int(3), rd(rng));
    return { insn, setup: (st) => { g.put(st, 1); if (rng.int(2)) g.put(st, 2); else g.near(st, 2, 1); } };
  } },
  { name: 'fcvt (formats, from integers)', make: (rng, g, dbl) => {
    const rm = rmField(rng);
    const k = rng.int(3);
    if (k === 0) { // fcvt.s.d / fcvt.d.s: source in the other format
      const other = new Gen(rng, !dbl);
      return { insn: opfp(0x08, dbl, dbl ? 0 : 1, 1, rm.rm, rd(rng)), setup: (st) => { st.fcsr = rm.frm << 5; other.put(st, 1); } };
    }
    return { insn: opfp(0x1a, dbl, rng.int(4), 6, rm.rm, 3), setup: (st) => {
      st.fcsr = rm.frm << 5;
      const m = rng.int(4);
      const hi = m === 0 ? rng.u32() : m === 1 ? (rng.int(2) ? -1 : 0) : m === 2 ? (rng.int(0x400000) - 0x200000) : rng.int(2) ? 0x1fffff : 0x200000;
      st.x[12] = rng.u32() >> (rng.int(2) ? 0 : rng.int(32)); st.x[13] = hi;
    } };
  } },
];

/** Destination: usually f3, sometimes one of the sources. */
function rd(rng: Rng): number { return rng.int(8) ? 3 : 1 + rng.int(2); }

function same(a: St, b: St): boolean {
  if (a.fcsr !== b.fcsr) return false;
  for (let i = 0; i < 64; i++) if (a.f[i] !== b.f[i] || a.x[i] !== b.x[i]) return false;
  return true;
}
function copy(dst: St, src: St): void { dst.f.set(src.f); dst.x.set(src.x); dst.fcsr = src.fcsr; }
function dump(st: St): string {
  const w = (i: number) => (st.f[2 * i + 1] >>> 0).toString(16).padStart(8, '0') + (st.f[2 * i] >>> 0).toString(16).padStart(8, '0');
  return `f1=${w(1)} f2=${w(2)} f3=${w(3)} f4=${w(4)} x5=${st.x[11]}:${st.x[10]} x6=${st.x[13]}:${st.x[12]} fcsr=${st.fcsr.toString(16)}`;
}

describe('fpu fast path: bit-identical to the software path', function () {
  this.timeout(0);
  after(() => setFpFastPath(true));
  for (const dbl of [1, 0]) {
    for (const cls of CLASSES) {
      it(`${dbl ? 'D' : 'S'} ${cls.name}: ${N} random instructions`, () => {
        const rng = new Rng(0x5eed + CLASSES.indexOf(cls) * 17 + dbl);
        const g = new Gen(rng, !!dbl);
        const init = mk(), fast = mk(), soft = mk(), dec = mk();
        let taken = 0, inexact = 0;
        for (let i = 0; i < N; i++) {
          init.f.fill(0); init.x.fill(0);
          const c = cls.make(rng, g, dbl);
          c.setup(init, g);
          copy(fast, init); copy(soft, init);
          setFpFastPath(true);
          const tookFast = fpFast(c.insn, fast, fast.f64, fast.f32);
          setFpFastPath(false);
          const legal = fpExecute(c.insn, soft);
          if (!tookFast) {
            if (!same(fast, init)) expect.fail(`declined but changed state: insn ${c.insn.toString(16)} ${dump(init)}`);
            continue;
          }
          if (!legal || !same(fast, soft)) {
            expect.fail(`insn ${c.insn.toString(16)} from ${dump(init)}\n  fast ${dump(fast)}\n  soft ${legal ? dump(soft) : 'illegal'}`);
          }
          taken++;
          if (fast.fcsr & 1) inexact++;
          // The handler the decoder binds (exec/fparith.ts for hot arithmetic), fast path on.
          copy(dec, init);
          setFpFastPath(true);
          const op = decode32(c.insn, 4);
          op.fn(dec as unknown as Hart, op);
          if (!same(dec, soft)) expect.fail(`decoded ${op.name} ${c.insn.toString(16)} from ${dump(init)}\n  got  ${dump(dec)}\n  soft ${dump(soft)}`);
        }
        // The generator must exercise the fast path, with both exact and inexact results where they exist.
        expect(taken, 'instructions taken by the fast path').to.be.greaterThan(N * 0.2);
        if (!cls.name.startsWith('fle') && !(dbl && cls.name.startsWith('fcvt'))) {
          expect(inexact, 'inexact fast results').to.be.greaterThan(taken * 0.05);
          expect(taken - inexact, 'exact fast results').to.be.greaterThan(taken * 0.01);
        }
      });
    }
  }
  it('fnmsub.d: a sum that ties at a power of two with a sticky tail below rounds down', () => {
    // a*b = 2^-54 + 2^-118 exactly (274177 * 67280421310721 = 2^64 + 1), c = 1: the TwoSum chain
    // gives r = 1 with w = -2^-54 and v = -2^-118, yet x = 1 - 2^-54 - 2^-118 rounds to 1 - 2^-53.
    const insn = r4(2, 1, 4, 2, 1, 7, 3);
    for (const on of [true, false]) {
      const st = mk();
      st.f64[1] = 274177 * 2 ** -59; st.f64[2] = 67280421310721 * 2 ** -59; st.f64[4] = 1;
      setFpFastPath(on);
      expect(fpExecute(insn, st)).to.equal(true);
      expect(st.f64[3], `fast path ${on ? 'on' : 'off'}`).to.equal(1 - 2 ** -53);
      expect(st.fcsr).to.equal(1);
    }
    setFpFastPath(true);
  });
  it('fpExecute with the fast path on (the default) agrees with the software path', () => {
    // fmadd.d f3 = f1*f2 + f4 with ordinary operands, dynamic rm, frm 0: the result is inexact.
    const a = mk(), b = mk();
    for (const st of [a, b]) { st.f64[1] = 1.1; st.f64[2] = 3.3; st.f64[4] = -0.7; }
    const insn = r4(0, 1, 4, 2, 1, 7, 3);
    setFpFastPath(true); expect(fpExecute(insn, a)).to.equal(true);
    setFpFastPath(false); expect(fpExecute(insn, b)).to.equal(true);
    setFpFastPath(true);
    expect(a.f64[3]).to.equal(b.f64[3]);
    expect(a.fcsr).to.equal(1);
    expect(b.fcsr).to.equal(1);
  });
});
