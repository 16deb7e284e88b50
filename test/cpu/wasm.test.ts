/**
 * The wasm tier (cpu/wasm) on RV64M and shift edge cases: each instruction runs in a loop
 * compiled to wasm, on operand pairs from the corners of the 64-bit range, and must leave the
 * result the interpreter computes (the handlers of exec/rv64m.ts, exec/rv64i.ts).
 */
import { expect } from 'chai';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';
import { setPair } from '../../dist/cpu/hart.js';

const OPS: [string, number, number][] = [ // name, opcode, funct7 << 3 | funct3
  ['mul', 0x33, 8], ['mulh', 0x33, 9], ['mulhsu', 0x33, 10], ['mulhu', 0x33, 11],
  ['div', 0x33, 12], ['divu', 0x33, 13], ['rem', 0x33, 14], ['remu', 0x33, 15],
  ['mulw', 0x3b, 8], ['divw', 0x3b, 12], ['divuw', 0x3b, 13], ['remw', 0x3b, 14], ['remuw', 0x3b, 15],
  ['sll', 0x33, 1], ['srl', 0x33, 5], ['sra', 0x33, 0x105], ['slt', 0x33, 2], ['sltu', 0x33, 3],
  ['sllw', 0x3b, 1], ['srlw', 0x3b, 5], ['sraw', 0x3b, 0x105], ['addw', 0x3b, 0], ['subw', 0x3b, 0x100],
];
const VALUES = [0, 1, -1, 2, -2, 7, 63, 64, 0x7fffffff, -0x80000000, 0xffffffff, 0x100000000, 2 ** 53 - 1, -(2 ** 53),
  '0x8000000000000000', '0x7fffffffffffffff', '0xdeadbeefcafef00d', '0x00000001ffffffff'];

function pair(v: number | string): [number, number] {
  const b = BigInt.asUintN(64, BigInt(v));
  return [Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0];
}

/** x3 after running `insn` (rd x3, rs1 x1, rs2 x2) in a loop with x1 = a, x2 = b. */
function result(m: TestMachine, insn: number, a: [number, number], b: [number, number]): string {
  poke32(m, RAM_BASE, [insn, 0xfe000ee3]); // insn; beq x0, x0, -4
  const h = m.hart;
  h.reset(RAM_BASE);
  h.x[2] = a[0]; h.x[3] = a[1]; h.x[4] = b[0]; h.x[5] = b[1];
  setPair(h.x, 6, 0);
  h.run(12);
  expect(h.x[2], 'x1 unchanged').to.equal(a[0]);
  return `${(h.x[7] >>> 0).toString(16)}:${(h.x[6] >>> 0).toString(16)}`;
}

describe('wasm tier: RV64M and shifts on edge operands, against the interpreter', () => {
  for (const [name, opcode, f] of OPS) {
    it(`${name}`, () => {
      const insn = ((f >> 3) << 25) | (2 << 20) | (1 << 15) | ((f & 7) << 12) | (3 << 7) | opcode;
      const wasm = makeMachine(), interp = makeMachine();
      wasm.hart.jitWasm = true; wasm.hart.jitThreshold = 1;
      interp.hart.jit = false;
      const before = wasmStats.blocks;
      for (const a of VALUES) {
        for (const b of VALUES) {
          const pa = pair(a), pb = pair(b);
          expect(result(wasm, insn, pa, pb), `${name} ${a}, ${b}`).to.equal(result(interp, insn, pa, pb));
        }
      }
      expect(wasmStats.blocks - before, 'blocks compiled to wasm').to.be.greaterThan(0);
    });
  }
});

const AMOS: [string, number][] = [ // name, funct5
  ['amoadd', 0], ['amoswap', 1], ['amoxor', 4], ['amoor', 8], ['amoand', 12],
  ['amomin', 16], ['amomax', 20], ['amominu', 24], ['amomaxu', 28],
];
/** The word the AMOs work on (its page is written first, so it is private and gets a write entry). */
const AMO_WORD = RAM_BASE + 0x10000;

/** x3 and the memory doubleword after `passes` passes of `amo x3, x2, (x4)` with mem = a, x2 = b. */
function amoResult(m: TestMachine, insn: number, a: [number, number], b: [number, number], passes: number): string {
  poke32(m, RAM_BASE, [insn, 0xfe000ee3]); // amo; beq x0, x0, -4
  m.bus.writeBytes(AMO_WORD, new Uint8Array(new Int32Array(a).buffer));
  const h = m.hart;
  h.reset(RAM_BASE);
  h.x[4] = b[0]; h.x[5] = b[1];
  setPair(h.x, 8, AMO_WORD);
  setPair(h.x, 6, 0);
  h.run(2 * passes);
  const w = new Int32Array(2);
  m.ram.readBytes(AMO_WORD, new Uint8Array(w.buffer));
  return `x3 ${(h.x[7] >>> 0).toString(16)}:${(h.x[6] >>> 0).toString(16)} mem ${(w[1] >>> 0).toString(16)}:${(w[0] >>> 0).toString(16)} pc ${h.pc.toString(16)}`;
}

describe('wasm tier: AMOs inline (the write mirror) and through their handler, against the interpreter', () => {
  for (const [name, f5] of AMOS) {
    for (const width of ['w', 'd'] as const) {
      it(`${name}.${width}`, () => {
        const insn = (f5 << 27) | (2 << 20) | (4 << 15) | ((width === 'w' ? 2 : 3) << 12) | (3 << 7) | 0x2f;
        const wasm = makeMachine(), interp = makeMachine();
        wasm.hart.jitWasm = true; wasm.hart.jitThreshold = 1;
        interp.hart.jit = false;
        const calls = wasmStats.calls;
        let runs = 0;
        for (const a of VALUES) {
          for (const b of VALUES) {
            const pa = pair(a), pb = pair(b);
            expect(amoResult(wasm, insn, pa, pb, 6), `${name}.${width} ${a}, ${b}`).to.equal(amoResult(interp, insn, pa, pb, 6));
            runs++;
          }
        }
        // Six passes a run: at most the first of each run may leave wasm (no write entry yet).
        expect(wasmStats.calls - calls, 'AMOs through the handler').to.be.at.most(runs);
      });
    }
  }
  it('a misaligned AMO traps as the interpreter does (load address misaligned, through the handler)', () => {
    const insn = (1 << 27) | (2 << 20) | (4 << 15) | (3 << 12) | (3 << 7) | 0x2f; // amoswap.d
    const run = (wasm: boolean) => {
      const m = makeMachine();
      if (wasm) { m.hart.jitWasm = true; m.hart.jitThreshold = 1; } else m.hart.jit = false;
      // addi x4, x4, 4; amoswap.d; beq x0, x0, -8: aligned, then off by 4 (the trap vector spins).
      poke32(m, RAM_BASE, [0x00420213, insn, 0xfe000ce3]);
      poke32(m, RAM_BASE + 0x100, [0x0000006f]);
      const h = m.hart;
      h.reset(RAM_BASE);
      h.writeCSR(0x305, BigInt(RAM_BASE + 0x100));
      setPair(h.x, 8, AMO_WORD - 12);
      h.run(9);
      return `${h.pc.toString(16)} mcause ${h.readCSR(0x342)} mtval ${h.readCSR(0x343)!.toString(16)} x4 ${h.getX(4).toString(16)}`;
    };
    expect(run(true)).to.equal(run(false));
    expect(run(false)).to.match(/mcause 4 /);
  });
});
