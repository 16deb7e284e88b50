/**
 * F/D inside wasm blocks (cpu/wasm/gen-fp.ts) against the interpreter: each instruction runs
 * in a loop compiled to wasm on operands from the corners of both formats (zeros, subnormals,
 * range limits, infinities, NaNs, NaN-boxed and unboxed singles, exact and inexact cases),
 * under every rounding mode (dynamic, through frm, and static), and must leave the f and x
 * registers, fcsr and mstatus as the interpreter does. Round-to-nearest on ordinary operands
 * must run inline (no call to the handler); FS Off must trap exactly as interpreted.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';
import { setWasmFp } from '../../dist/cpu/wasm/gen-fp.js';
import { setPair } from '../../dist/cpu/hart.js';
import { compareCompiled } from '../../dist/fuzz/guest-fuzz.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const FS_DIRTY = 3 << 13;
const d = (v: number): bigint => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, v, true); return b.getBigUint64(0, true); };
const s = (v: number): bigint => { const b = new DataView(new ArrayBuffer(4)); b.setFloat32(0, v, true); return (0xffffffffn << 32n) | BigInt(b.getUint32(0, true)); };

/** Operand bit patterns: doubles, boxed singles, NaNs, an unboxed single. */
const VALUES: bigint[] = [
  d(0), d(-0), d(1), d(-1.5), d(0.1), d(1 / 3), d(3), d(2.5), d(-3.5), d(1e300), d(1e-300), d(2 ** -1022), d(2 ** -1074),
  d(Number.MAX_VALUE), d(Infinity), d(-Infinity), d(2 ** 53 + 2), d(2 ** 63), d(-(2 ** 31) - 0.5), d(4294967295.5), d(2 ** 1000), d(1 + 2 ** -52),
  s(0), s(-0), s(1), s(0.1), s(-1.5), s(1 / 3), s(2 ** -126), s(2 ** -149), s(3.4028234663852886e38), s(Infinity), s(16777217),
  0x7ff8000000000000n, 0x7ff0000000000001n, 0xffffffff7fc00000n, 0xffffffff7f800001n, 0x000000003f800000n,
];
/** Third operands of the fused multiply-adds. */
const ADDENDS: bigint[] = [d(0.1), d(-1), d(-0), s(0.5), s(-1e-30), d(1e-300)];

/** R-type OP-FP word: rd 3, rs1 1, rs2 2. */
const opfp = (f5: number, fmt: number, rs2: number, rm: number) => ((f5 << 27) | (fmt << 25) | (rs2 << 20) | (1 << 15) | (rm << 12) | (3 << 7) | 0x53) >>> 0;
const fma = (opc: number, fmt: number, rm: number) => ((4 << 27) | (fmt << 25) | (2 << 20) | (1 << 15) | (rm << 12) | (3 << 7) | opc) >>> 0;

/** name, the instruction (rm = dynamic where it rounds), whether it takes an x operand in x1. */
const OPS: [string, number, boolean][] = [];
/** Instructions never inline (a static rounding mode other than RNE, fclass). */
const NEVER_INLINE = new Set(['fmul.d rup', 'fclass.d', 'fclass.s']);
for (const [fmt, sfx] of [[1, 'd'], [0, 's']] as const) {
  OPS.push([`fadd.${sfx}`, opfp(0, fmt, 2, 7), false], [`fsub.${sfx}`, opfp(1, fmt, 2, 7), false], [`fmul.${sfx}`, opfp(2, fmt, 2, 7), false],
    [`fdiv.${sfx}`, opfp(3, fmt, 2, 7), false], [`fsqrt.${sfx}`, opfp(0x0b, fmt, 0, 7), false],
    [`fmadd.${sfx}`, fma(0x43, fmt, 7), false], [`fmsub.${sfx}`, fma(0x47, fmt, 7), false], [`fnmsub.${sfx}`, fma(0x4b, fmt, 7), false], [`fnmadd.${sfx}`, fma(0x4f, fmt, 7), false],
    [`fsgnj.${sfx}`, opfp(4, fmt, 2, 0), false], [`fsgnjn.${sfx}`, opfp(4, fmt, 2, 1), false], [`fsgnjx.${sfx}`, opfp(4, fmt, 2, 2), false],
    [`fmin.${sfx}`, opfp(5, fmt, 2, 0), false], [`fmax.${sfx}`, opfp(5, fmt, 2, 1), false],
    [`fle.${sfx}`, opfp(0x14, fmt, 2, 0), false], [`flt.${sfx}`, opfp(0x14, fmt, 2, 1), false], [`feq.${sfx}`, opfp(0x14, fmt, 2, 2), false],
    [`fcvt.w.${sfx} rtz`, opfp(0x18, fmt, 0, 1), false], [`fcvt.w.${sfx}`, opfp(0x18, fmt, 0, 7), false], [`fcvt.wu.${sfx} rtz`, opfp(0x18, fmt, 1, 1), false],
    [`fcvt.l.${sfx} rtz`, opfp(0x18, fmt, 2, 1), false], [`fcvt.lu.${sfx}`, opfp(0x18, fmt, 3, 7), false],
    [`fcvt.${sfx}.w`, opfp(0x1a, fmt, 0, 7), true], [`fcvt.${sfx}.wu`, opfp(0x1a, fmt, 1, 7), true], [`fcvt.${sfx}.l`, opfp(0x1a, fmt, 2, 7), true], [`fcvt.${sfx}.lu`, opfp(0x1a, fmt, 3, 7), true],
    [`fmv.x.${sfx === 'd' ? 'd' : 'w'}`, opfp(0x1c, fmt, 0, 0), false], [`fclass.${sfx}`, opfp(0x1c, fmt, 0, 1), false], [`fmv.${sfx === 'd' ? 'd' : 'w'}.x`, opfp(0x1e, fmt, 0, 0), true]);
}
OPS.push(['fcvt.s.d', opfp(8, 0, 1, 7), false], ['fcvt.d.s', opfp(8, 1, 0, 7), false], ['fadd.d rne', opfp(0, 1, 2, 0), false], ['fmul.d rup', opfp(2, 1, 2, 3), false]);

const hex = (lo: number, hi: number) => `${(hi >>> 0).toString(16)}:${(lo >>> 0).toString(16)}`;

/** Load the loop `insn; beq x0, x0, -4` (and reset the hart: its compiled blocks go too). */
function load(m: TestMachine, insn: number): void {
  poke32(m, RAM_BASE, [insn, 0xfe000ee3]);
  m.hart.reset(RAM_BASE);
}

/**
 * The state after `passes` passes of the loop `load` put there, with f1 = x1 = a, f2 = b,
 * f4 = c, fcsr = frm << 5 (the hart not reset, so its blocks stay compiled).
 */
function result(m: TestMachine, a: bigint, b: bigint, c: bigint, frm: number, mstatus = FS_DIRTY, steps = 8): string {
  const h = m.hart;
  h.setPC(BigInt(RAM_BASE));
  h.mstatus = mstatus;
  h.fcsr = frm << 5;
  h.setF(1, a); h.setF(2, b); h.setF(4, c); h.setF(3, 0x5a5a5a5a5a5a5a5an);
  h.setX(1, a);
  setPair(h.x, 6, 0);
  setPair(h.x, 20, RAM_BASE + 0x2000); // x10: fld's base
  h.run(steps);
  return `f3 ${hex(h.f[6], h.f[7])} x3 ${hex(h.x[6], h.x[7])} fcsr ${h.fcsr} mstatus ${h.mstatus.toString(16)} pc ${h.pc.toString(16)} mcause ${h.readCSR(0x342)}`;
}

/** Whether a, b (as the instruction's format reads them) are ordinary: finite, normal or zero, boxed for singles. */
function ordinary(v: bigint, dbl: boolean): boolean {
  if (!dbl) {
    if (v >> 32n !== 0xffffffffn) return false;
    const e = Number((v >> 23n) & 0xffn);
    return e !== 0xff && (e !== 0 || (v & 0x7fffffn) === 0n);
  }
  const e = Number((v >> 52n) & 0x7ffn);
  return e !== 0x7ff && (e !== 0 || (v & 0xfffffffffffffn) === 0n);
}

describe('wasm tier: F/D instructions inline, against the interpreter', function () {
  this.timeout(120_000);
  after(() => setWasmFp(true));

  for (const [name, insn, fromX] of OPS) {
    it(`${name} on special operands under RNE, RTZ, RDN, RUP and RMM`, () => {
      const wasm = makeMachine(), interp = makeMachine();
      wasm.hart.jitWasm = true; wasm.hart.jitThreshold = 1;
      interp.hart.jit = false;
      load(wasm, insn); load(interp, insn);
      const isFma = (insn & 0x7f) !== 0x53;
      // The format the operands are read in (fcvt.s.d reads a double, fcvt.d.s a single).
      const dbl = (((insn >>> 25) & 3) === 1) !== (insn >>> 27 === 8 && (insn & 0x7f) === 0x53);
      // Instructions that do not round see the rounding mode only as "not RNE": two suffice.
      const f5 = insn >>> 27, rounds = isFma || ![4, 5, 0x14, 0x1c, 0x1e].includes(f5);
      let inlineRuns = 0;
      const calls0 = wasmStats.fpCalls;
      for (const frm of rounds ? [0, 1, 2, 3, 4] : [0, 3]) {
        for (const a of VALUES) {
          for (const b of VALUES) {
            for (const c of isFma ? ADDENDS : [0n]) {
              const what = `${name} frm ${frm} ${a.toString(16)}, ${b.toString(16)}, ${c.toString(16)}`;
              const before = wasmStats.fpCalls;
              expect(result(wasm, a, b, c, frm), what).to.equal(result(interp, a, b, c, frm));
              if (frm === 0 && (fromX || (ordinary(a, dbl) && ordinary(b, dbl))) && wasmStats.fpCalls - before <= 1) inlineRuns++;
            }
          }
        }
      }
      // The handler is what runs on blocks of a 2 instruction loop that fall back: some runs must have stayed inline.
      if (!NEVER_INLINE.has(name)) expect(inlineRuns, 'RNE runs on ordinary operands with at most one handler call').to.be.greaterThan(20);
      // Special operands and other rounding modes go to the handler.
      if (rounds) expect(wasmStats.fpCalls - calls0, 'handler calls').to.be.greaterThan(0);
    });
  }

  it('FS Off traps as interpreted (illegal instruction, mstatus unchanged), FS Initial and Clean become Dirty', () => {
    const wasm = makeMachine(), interp = makeMachine();
    wasm.hart.jitWasm = true; wasm.hart.jitThreshold = 1;
    interp.hart.jit = false;
    const fld = ((8 << 20) | (10 << 15) | (3 << 12) | (3 << 7) | 0x07) >>> 0; // fld f3, 8(x10)
    for (const [name, insn] of [['fadd.d', opfp(0, 1, 2, 7)], ['fmv.x.d', opfp(0x1c, 1, 0, 0)], ['fld', fld]] as const) {
      for (const fs of [0, 1, 2, 3]) {
        const what = `${name} FS ${fs}`;
        load(wasm, insn); load(interp, insn);
        // FS Off: one step, the trap (mtvec is 0: what follows would fault again).
        const steps = fs === 0 ? 1 : 8;
        const w = result(wasm, d(1.5), d(0.1), 0n, 0, fs << 13, steps);
        expect(w, what).to.equal(result(interp, d(1.5), d(0.1), 0n, 0, fs << 13, steps));
        // fmv.x.d writes no f register: it leaves FS as it was.
        expect(w, what).to.contain(fs === 0 ? 'mcause 2' : `mstatus ${(name === 'fmv.x.d' ? fs << 13 : FS_DIRTY).toString(16)} `);
      }
    }
  });

  it('with F/D in wasm off, blocks end before F/D instructions and the JS block compiler runs them (same results)', () => {
    setWasmFp(false);
    try {
      const wasm = makeMachine(), interp = makeMachine();
      wasm.hart.jitWasm = true; wasm.hart.jitThreshold = 1;
      interp.hart.jit = false;
      const fb = wasmStats.fallbacks;
      load(wasm, opfp(0, 1, 2, 7)); load(interp, opfp(0, 1, 2, 7));
      for (const a of VALUES.slice(0, 8)) expect(result(wasm, a, d(0.1), 0n, 0)).to.equal(result(interp, a, d(0.1), 0n, 0));
      expect(wasmStats.fallbacks - fb).to.be.greaterThan(0);
    } finally { setWasmFp(true); }
  });

  it('random F/D streams: wasm and interpreted states equal after every slice (M, S, U, paging on and off, every rounding mode)', () => {
    const kernel = new Uint8Array(fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf')));
    const calls = wasmStats.fpCalls;
    const r = compareCompiled(kernel, { seed: 5000, seeds: 1, perRun: 16_000, wasm: true, fp: true });
    expect(r.failures, r.failures.join('\n')).to.deep.equal([]);
    expect(r.instructions).to.be.at.least(80_000);
    expect(wasmStats.fpCalls - calls).to.be.greaterThan(0);
  });
});
