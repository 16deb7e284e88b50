/**
 * Property test: every arithmetic and conversion instruction, both formats, all five rounding
 * modes (static and dynamic), compared bit for bit and flag for flag with the exact BigInt
 * reference in ref.ts on random and edge-case operands.
 */
import { expect } from 'chai';
import { newState, opfp, r4, setF, getF, setX, getX, exec, Rng, operand, intOperand } from './harness.js';
import { RS, RD, RFmt, RRes, refAdd, refMul, refDiv, refSqrt, refFma, refCvtFF, refCvtFI, refCvtIF } from './ref.js';

const N = Number(process.env.FPU_PROP_N ?? 1500);
const hex = (b: bigint) => '0x' + b.toString(16);

function checkF(st: ReturnType<typeof newState>, f: RFmt, want: RRes, what: () => string): void {
  const got = getF(st, 3);
  const exp = f.p === 24 ? (0xffffffffn << 32n) | want.bits : want.bits;
  if (got !== exp || (st.fcsr & 31) !== want.flags) {
    expect.fail(`${what()}: got ${hex(got)} flags ${st.fcsr & 31}, want ${hex(exp)} flags ${want.flags}`);
  }
}

describe('fpu property: exact reference, all modes', function () {
  this.timeout(600000);
  for (const f of [RS, RD]) {
    const dbl = f === RD ? 1 : 0;
    const name = dbl ? 'D' : 'S';
    for (let rm = 0; rm < 5; rm++) {
      it(`${name} rm=${rm}: fadd/fsub/fmul/fdiv/fsqrt`, () => {
        const rng = new Rng(1000 + rm * 7 + dbl);
        for (let i = 0; i < N; i++) {
          const a = operand(rng, f), b = operand(rng, f, a);
          // Alternate static rm and dynamic (rm = 7 with frm).
          const dyn = i & 1;
          const run = (insn: number, want: RRes, label: string) => {
            const st = newState(dyn ? rm : (rm + 1) % 5);
            setF(st, 1, a, !!dbl); setF(st, 2, b, !!dbl);
            exec(st, insn);
            checkF(st, f, want, () => `${label}.${name} rm=${rm} a=${hex(a)} b=${hex(b)}`);
          };
          const frm = dyn ? 7 : rm;
          run(opfp(0, dbl, 2, 1, frm, 3), refAdd(a, b, false, f, rm), 'fadd');
          run(opfp(1, dbl, 2, 1, frm, 3), refAdd(a, b, true, f, rm), 'fsub');
          run(opfp(2, dbl, 2, 1, frm, 3), refMul(a, b, f, rm), 'fmul');
          run(opfp(3, dbl, 2, 1, frm, 3), refDiv(a, b, f, rm), 'fdiv');
          run(opfp(0x0b, dbl, 0, 1, frm, 3), refSqrt(a, f, rm), 'fsqrt');
        }
      });
      it(`${name} rm=${rm}: fmadd/fmsub/fnmsub/fnmadd`, () => {
        const rng = new Rng(2000 + rm * 7 + dbl);
        for (let i = 0; i < N; i++) {
          const a = operand(rng, f), b = operand(rng, f);
          // Make c often close to -a*b so that cancellation is exercised.
          let c = operand(rng, f, a);
          if (rng.int(3) === 0) {
            const st = newState(rm); setF(st, 1, a, !!dbl); setF(st, 2, b, !!dbl);
            exec(st, opfp(2, dbl, 2, 1, rng.int(5), 3));
            c = getF(st, 3) & (dbl ? 0xffffffffffffffffn : 0xffffffffn);
            if (rng.int(2)) c ^= BigInt(rng.int(4));
          }
          for (let op = 0; op < 4; op++) {
            const st = newState(rm);
            setF(st, 1, a, !!dbl); setF(st, 2, b, !!dbl); setF(st, 4, c, !!dbl);
            exec(st, r4(op, dbl, 4, 2, 1, i & 1 ? 7 : rm, 3));
            checkF(st, f, refFma(a, b, c, op, f, rm), () => `fma${op}.${name} rm=${rm} a=${hex(a)} b=${hex(b)} c=${hex(c)}`);
          }
        }
      });
      it(`${name} rm=${rm}: fcvt between formats and integers`, () => {
        const rng = new Rng(3000 + rm * 7 + dbl);
        const other = dbl ? RS : RD;
        for (let i = 0; i < N; i++) {
          // fcvt.s.d / fcvt.d.s: source in the other format
          const src = operand(rng, other);
          let st = newState(rm);
          setF(st, 1, src, !dbl);
          exec(st, opfp(0x08, dbl, dbl ? 0 : 1, 1, rm, 3));
          checkF(st, f, refCvtFF(src, other, f, rm), () => `fcvt.${name} from ${hex(src)} rm=${rm}`);
          // float -> integer
          const a = operand(rng, f);
          for (let kind = 0; kind < 4; kind++) {
            st = newState(rm);
            setF(st, 1, a, !!dbl);
            exec(st, opfp(0x18, dbl, kind, 1, i & 1 ? 7 : rm, 5));
            const want = refCvtFI(a, f, kind, rm);
            const got = getX(st, 5);
            if (got !== want.bits || (st.fcsr & 31) !== want.flags) {
              expect.fail(`fcvt.${['w', 'wu', 'l', 'lu'][kind]}.${name} ${hex(a)} rm=${rm}: got ${hex(got)}/${st.fcsr & 31} want ${hex(want.bits)}/${want.flags}`);
            }
          }
          // integer -> float
          const x = intOperand(rng);
          for (let kind = 0; kind < 4; kind++) {
            st = newState(rm);
            setX(st, 6, x);
            exec(st, opfp(0x1a, dbl, kind, 6, rm, 3));
            checkF(st, f, refCvtIF(x, kind, f, rm), () => `fcvt.${name}.${['w', 'wu', 'l', 'lu'][kind]} ${hex(x)} rm=${rm}`);
          }
        }
      });
    }
  }
});

describe('fpu reference sanity: RNE agrees with the host', () => {
  // binary64 + - * / sqrt in JS are IEEE RNE; for binary32 operands, rounding the double result
  // with Math.fround is also correct (double rounding is innocuous at these precisions).
  const buf = new DataView(new ArrayBuffer(8));
  const toNum = (b: bigint, dbl: boolean) => { if (dbl) { buf.setBigUint64(0, b); return buf.getFloat64(0); } buf.setUint32(0, Number(b)); return buf.getFloat32(0); };
  const toBits = (x: number, dbl: boolean) => { if (dbl) { buf.setFloat64(0, x); return buf.getBigUint64(0); } buf.setFloat32(0, x); return BigInt(buf.getUint32(0)); };
  for (const f of [RS, RD]) {
    const dbl = f === RD;
    it(`${dbl ? 'D' : 'S'}: reference equals host arithmetic on non-NaN results`, () => {
      const rng = new Rng(77 + (dbl ? 1 : 0));
      const rnd = (x: number) => dbl ? x : Math.fround(x);
      let checked = 0;
      for (let i = 0; i < N * 4; i++) {
        const a = operand(rng, f), b = operand(rng, f, a);
        const x = toNum(a, dbl), y = toNum(b, dbl);
        const pairs: [RRes, number][] = [[refAdd(a, b, false, f, 0), rnd(x + y)], [refAdd(a, b, true, f, 0), rnd(x - y)],
          [refMul(a, b, f, 0), rnd(x * y)], [refDiv(a, b, f, 0), rnd(x / y)], [refSqrt(a, f, 0), rnd(Math.sqrt(x))]];
        for (const [r, h] of pairs) {
          if (Number.isNaN(h)) continue;
          expect(hex(r.bits), `${hex(a)} ${hex(b)}`).to.equal(hex(toBits(h, dbl)));
          checked++;
        }
      }
      expect(checked).to.be.greaterThan(N * 10);
    });
  }
});
