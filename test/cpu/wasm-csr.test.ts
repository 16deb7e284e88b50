/**
 * sstatus accesses inside wasm blocks (cpu/wasm/gen-csr.ts) against the interpreter: reads and
 * writes in S and M mode inline, U mode's illegal instruction, writes of FS and SUM through the
 * handler, and SIE turned on with an interrupt pending, which must be taken after the same
 * instruction as the interpreter takes it. Each case also checks whether the block called the
 * handler, so that an inline path never taken (or always taken) is caught.
 */
import { expect } from 'chai';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';
import { setPair } from '../../dist/cpu/hart.js';
import { CSR, MSTATUS_FS, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM, PRV_M, PRV_S, PRV_U } from '../../dist/cpu/csr-defs.js';

const F3: Record<string, number> = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 };
/** A Zicsr instruction; `src` is rs1 or, for the immediate forms, the uimm. */
const csr = (name: string, rd: number, n: number, src: number) => (n << 20) | (src << 15) | (F3[name] << 12) | (rd << 7) | 0x73;
const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
const add = (rd: number, rs1: number, rs2: number) => (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33;
const SRET = 0x10200073, MRET = 0x30200073;
/** beq x0, x0, off (off a multiple of 2, within +-4 KiB). */
function beq0(off: number): number {
  const i = off & 0x1fff;
  return (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63;
}
const HANDLER = RAM_BASE + 0x800;

interface Case {
  priv: number;
  mstatus: number;
  /** x5's value (the mask the register forms set, clear or write). */
  x5: number;
  csrs?: [number, number][];
  body: number[];
  handler?: number[];
}

function machine(wasm: boolean, c: Case): TestMachine {
  const m = makeMachine();
  if (wasm) { m.hart.jitWasm = true; m.hart.jitThreshold = 1; } else m.hart.jit = false;
  const body = [...c.body];
  body.push(beq0(-4 * body.length));
  poke32(m, RAM_BASE, body);
  if (c.handler) poke32(m, HANDLER, c.handler);
  const h = m.hart;
  h.reset(RAM_BASE);
  h.priv = c.priv;
  h.mstatus = c.mstatus;
  for (const [n, v] of c.csrs ?? []) h.csr[2 * n] = v;
  h.csr[2 * CSR.stvec] = HANDLER; h.csr[2 * CSR.mtvec] = HANDLER;
  setPair(h.x, 2 * 5, c.x5);
  return m;
}

function state(m: TestMachine): string {
  const h = m.hart;
  const regs = [];
  for (let r = 1; r < 32; r++) regs.push(h.getX(r).toString(16));
  const csrs = [CSR.sepc, CSR.scause, CSR.mepc, CSR.mcause].map((n) => (h.csr[2 * n] >>> 0).toString(16));
  return `icount ${m.clock.icount} pc ${h.pc.toString(16)} priv ${h.priv} mstatus ${(h.mstatus >>> 0).toString(16)} ${csrs.join(' ')} | ${regs.join(' ')}`;
}

/** Run both tiers in slices of varied length, comparing after each; returns the handler calls the wasm blocks made. */
function compare(c: Case): number {
  const w = machine(true, c), i = machine(false, c);
  const before = wasmStats.calls, blocks = wasmStats.blocks;
  for (const n of [1, 2, 5, 13, 64, 100, 333, 1000, 4000]) {
    w.hart.run(n); i.hart.run(n);
    expect(state(w), `after a slice of ${n}`).to.equal(state(i));
  }
  expect(wasmStats.blocks - blocks, 'blocks compiled to wasm').to.be.greaterThan(0);
  return wasmStats.calls - before;
}

const SSTATUS = CSR.sstatus;
/** Reads, SIE on and off, and writes of SPIE/SPP by every form; x16 accumulates what was read. */
const TOGGLES = [
  csr('csrrs', 10, SSTATUS, 0),
  csr('csrrsi', 0, SSTATUS, 2),
  csr('csrrs', 11, SSTATUS, 0),
  csr('csrrci', 12, SSTATUS, 2),
  csr('csrrs', 14, SSTATUS, 5),
  csr('csrrc', 15, SSTATUS, 5),
  csr('csrrw', 13, SSTATUS, 10),
  add(16, 16, 11), add(16, 16, 14), addi(16, 16, 1),
];
/** TOGGLES with a csrrwi writing SIE alone (so FS Off, SUM and MXR clear stay as they are). */
const WITH_WI = [...TOGGLES.slice(0, 6), csr('csrrwi', 17, SSTATUS, 2), ...TOGGLES.slice(6)];

describe('wasm tier: sstatus inside blocks, against the interpreter', () => {
  for (const [mode, priv] of [['S', PRV_S], ['M', PRV_M]] as const) {
    it(`reads and SIE/SPIE/SPP writes in ${mode} mode run inline, with FS Dirty (SD) and Off`, () => {
      for (const fs of [MSTATUS_FS, 0]) {
        const calls = compare({ priv, mstatus: fs | MSTATUS_SPP, x5: MSTATUS_SPIE | MSTATUS_SPP, body: fs === 0 ? WITH_WI : TOGGLES });
        expect(calls, 'handler calls').to.equal(0);
      }
    });
  }

  it('writes changing FS or SUM go through the handler, with the same results', () => {
    for (const x5 of [MSTATUS_SUM, MSTATUS_FS, MSTATUS_SUM | MSTATUS_SPIE]) {
      expect(compare({ priv: PRV_S, mstatus: 0, x5, body: WITH_WI }), `x5 ${x5.toString(16)}`).to.be.greaterThan(0);
    }
  });

  it('U mode: every form raises an illegal instruction, as in the interpreter', () => {
    for (const insn of [csr('csrrs', 10, SSTATUS, 0), csr('csrrsi', 0, SSTATUS, 2), csr('csrrw', 11, SSTATUS, 5)]) {
      // M-mode handler: count, then return to the faulting instruction (MPP = U).
      const calls = compare({ priv: PRV_U, mstatus: 0, x5: 2, body: [addi(20, 20, 1), insn, addi(21, 21, 1)], handler: [addi(22, 22, 1), MRET] });
      expect(calls).to.be.greaterThan(0);
    }
  });

  it('SIE turned on with an interrupt pending and enabled: taken after the same instruction', () => {
    // SSIP delegated and enabled; each pass raises it with SIE off, then turns SIE on.
    const body = [csr('csrrci', 0, SSTATUS, 2), csr('csrrsi', 0, CSR.sip, 2), addi(23, 23, 1), csr('csrrsi', 11, SSTATUS, 2), addi(24, 24, 1)];
    const handler = [csr('csrrci', 0, CSR.sip, 2), addi(22, 22, 1), csr('csrrs', 25, CSR.scause, 0), SRET];
    const calls = compare({ priv: PRV_S, mstatus: MSTATUS_SPIE, x5: 0, csrs: [[CSR.mideleg, 2], [CSR.mie, 2]], body, handler });
    expect(calls).to.be.greaterThan(0);
  });

  it('SIE turned on with an interrupt pending but not enabled in mie: inline, nothing taken', () => {
    const body = [csr('csrrci', 0, SSTATUS, 2), csr('csrrsi', 11, SSTATUS, 2), addi(24, 24, 1)];
    const c: Case = { priv: PRV_S, mstatus: 0, x5: 0, csrs: [[CSR.mideleg, 2], [CSR.mip, 2]], body };
    expect(compare(c)).to.equal(0);
    const w = machine(true, c);
    w.hart.run(4000);
    expect(w.hart.getX(24)).to.equal(1000n, 'every pass ran, no trap');
  });
});
