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
