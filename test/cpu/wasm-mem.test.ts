/**
 * The wasm tier's inline loads and stores (guest RAM and the TLB mirrors in the machine's wasm
 * memory, cpu/wasm/gen.ts) against the interpreter: every width at every offset around a page
 * boundary, MMIO, pages outside the arena (the fallback when it is full), and snapshots
 * restored in the middle of a run. Each case also checks how many accesses left wasm for the
 * JS helpers, so that a probe that never hits (or always does) is caught.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';
import { HELPERS } from '../../dist/cpu/wasm/gen.js';
import { setPair } from '../../dist/cpu/hart.js';
import { VirtMachine } from '../../dist/machine/virt.js';
import { PagedRam } from '../../dist/bus/ram.js';
import { Bus } from '../../dist/bus/bus.js';
import { VirtualClock } from '../../dist/replay/clock.js';
import { Hart } from '../../dist/cpu/hart.js';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');

const LOAD_F3: Record<string, number> = { lb: 0, lh: 1, lw: 2, ld: 3, lbu: 4, lhu: 5, lwu: 6 };
const STORE_F3: Record<string, number> = { sb: 0, sh: 1, sw: 2, sd: 3 };
const load = (name: string, rd: number, rs1: number, imm: number) =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (LOAD_F3[name] << 12) | (rd << 7) | 0x03;
const store = (name: string, rs2: number, rs1: number, imm: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (STORE_F3[name] << 12) | ((imm & 0x1f) << 7) | 0x23;
const add = (rd: number, rs1: number, rs2: number) => (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33;
const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
/** beq x0, x0, off (off a multiple of 2, within +-4 KiB). */
function beq0(off: number): number {
  const i = off & 0x1fff;
  return (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63;
}

/** bne rs1, rs2, off. */
function bne(rs1: number, rs2: number, off: number): number {
  return (beq0(off) & ~((31 << 15) | (31 << 20))) | (rs1 << 15) | (rs2 << 20) | (1 << 12);
}
/** jal x0, off. */
function j(off: number): number {
  const i = off & 0x1fffff;
  return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) | (((i >> 12) & 0xff) << 12) | 0x6f;
}

/** Data pages: loads read around READ + 4096, stores write around WRITE + 4096. */
const READ = RAM_BASE + 0x10000, WRITE = RAM_BASE + 0x20000;

function machine(wasm: boolean, arenaFull = false): TestMachine {
  const m = makeMachine();
  if (arenaFull) { const a = m.ram.arena!; a.alloc(a.size - a.used, 1); }
  if (wasm) { m.hart.jitWasm = true; m.hart.jitThreshold = 1; } else m.hart.jit = false;
  // Distinct bytes on both sides of each boundary (written, so the pages are private).
  const pat = new Uint8Array(8192);
  for (let k = 0; k < pat.length; k++) pat[k] = (k * 37 + 11) & 0xff;
  m.bus.writeBytes(READ, pat);
  m.bus.writeBytes(WRITE, pat);
  return m;
}

/** Registers and the bytes around both boundaries, as text. */
function state(m: TestMachine): string {
  const out: string[] = [];
  for (let r = 1; r < 32; r++) out.push(m.hart.getX(r).toString(16));
  const b = new Uint8Array(32);
  m.ram.readBytes(READ + 4096 - 16, b); out.push(Buffer.from(b).toString('hex'));
  m.ram.readBytes(WRITE + 4096 - 16, b); out.push(Buffer.from(b).toString('hex'));
  return `${m.clock.icount} ${m.hart.pc.toString(16)} ${out.join(' ')}`;
}

/** A loop of `ld x3, 0(x1); st x2, 0(x4); add x5, x5, x3; addi x2, x2, 0x123` at offset `o` of the boundaries. */
function runEdge(m: TestMachine, ld: string, st: string, o: number, passes: number): string {
  poke32(m, RAM_BASE, [load(ld, 3, 1, 0), store(st, 2, 4, 0), add(5, 5, 3), addi(2, 2, 0x123), beq0(-16)]);
  const h = m.hart;
  h.reset(RAM_BASE);
  setPair(h.x, 2, READ + 4096 + o);
  setPair(h.x, 8, WRITE + 4096 + o);
  setPair(h.x, 4, -0x123456789);
  h.run(5 * passes);
  return state(m);
}

describe('wasm tier: inline loads and stores against the interpreter', () => {
  it('every width at every offset around a page boundary (crossing ones take the slow path)', () => {
    const pairs: [string, string][] = [['lb', 'sb'], ['lbu', 'sb'], ['lh', 'sh'], ['lhu', 'sh'], ['lw', 'sw'], ['lwu', 'sw'], ['ld', 'sd']];
    for (const [ld, st] of pairs) {
      for (let o = -9; o <= 1; o++) {
        const before = wasmStats.misses, blocks = wasmStats.blocks;
        const w = runEdge(machine(true), ld, st, o, 50);
        const misses = wasmStats.misses - before;
        expect(w, `${ld}/${st} at ${o}`).to.equal(runEdge(machine(false), ld, st, o, 50));
        expect(wasmStats.blocks, 'compiled to wasm').to.be.greaterThan(blocks);
        const size = { b: 1, h: 2, w: 4, d: 8 }[st[1]]!;
        // In one page: only the first pass of each access fills the TLB through a helper.
        if (o >= 0 || o <= -size) expect(misses, `${ld}/${st} at ${o}: in one page`).to.be.at.most(4);
        else expect(misses, `${ld}/${st} at ${o}: across pages`).to.be.at.least(98);
      }
    }
  });

  it('pages outside the arena (it is full) are reached through the JS helpers, with the same results', () => {
    for (const [ld, st] of [['ld', 'sd'], ['lw', 'sh']]) {
      const before = wasmStats.misses;
      const w = runEdge(machine(true, true), ld, st, -16, 50);
      expect(w).to.equal(runEdge(machine(false, true), ld, st, -16, 50));
      expect(w).to.equal(runEdge(machine(false), ld, st, -16, 50));
      expect(wasmStats.misses - before, 'every access missed the inline probe').to.be.at.least(98);
    }
  });

  it('a hart made when the arena has no room left gets a wasm memory of its own, and the same results', () => {
    const run = (wasm: boolean): string => {
      const ram = new PagedRam(RAM_BASE, 1 << 20);
      const a = ram.arena!;
      a.alloc(a.size - a.used, 1);
      const h = new Hart(0, new Bus(ram), new VirtualClock());
      expect(h.wasmMem).to.not.equal(a.memory);
      if (wasm) { h.jitWasm = true; h.jitThreshold = 1; } else h.jit = false;
      const code = new Uint8Array(20);
      new DataView(code.buffer).setUint32(0, load('ld', 3, 1, 0), true);
      [store('sd', 2, 1, 8), add(5, 5, 3), addi(2, 2, 0x123), beq0(-16)].forEach((w, k) => new DataView(code.buffer).setUint32(4 * (k + 1), w >>> 0, true));
      ram.writeBytes(RAM_BASE, code);
      h.reset(RAM_BASE);
      setPair(h.x, 2, RAM_BASE + 0x8000);
      h.run(250);
      return [1, 2, 3, 5].map((r) => h.getX(r).toString(16)).join(' ') + ` ${h.pc.toString(16)}`;
    };
    const b0 = wasmStats.blocks;
    expect(run(true)).to.equal(run(false));
    expect(wasmStats.blocks - b0).to.be.greaterThan(0);
  });

  it('MMIO loads and stores leave wasm for the device, in order, at exact icounts', () => {
    const run = (m: TestMachine): string => {
      // x4 = UART, x6 = CLINT mtime: sb x2 to the UART, lw x3 from mtime, sd x2 to RAM, loop.
      poke32(m, RAM_BASE, [store('sb', 2, 4, 0), load('lw', 3, 6, 0), store('sd', 2, 7, 8), add(5, 5, 3), addi(2, 2, 1), beq0(-20)]);
      const h = m.hart;
      h.reset(RAM_BASE);
      setPair(h.x, 4, 0x41);
      setPair(h.x, 8, 0x10000000);
      setPair(h.x, 12, 0x2000000 + 0xbff8);
      setPair(h.x, 14, WRITE);
      h.run(6 * 26);
      return `${m.uart} ${state(m)}`;
    };
    const before = wasmStats.misses;
    const w = run(machine(true));
    expect(w).to.equal(run(machine(false)));
    expect(w.slice(0, 27), w).to.equal('ABCDEFGHIJKLMNOPQRSTUVWXYZ ');
    // Each MMIO access leaves the block after it (irqCheck); the RAM store hits inline after the first.
    expect(wasmStats.misses - before, 'the MMIO accesses, not the RAM store').to.be.within(26, 53);
  });

  it('a store into a block that another block of its module runs on into drops both', () => {
    const run = (m: TestMachine): string => {
      // A: x5++, jump to B. B: x6 += 1, back to A until x5 = x10; then (still B) rewrite B's
      // first instruction to x6 += 100, x10 += 20, back to A, which runs on into B.
      poke32(m, RAM_BASE, [addi(5, 5, 1), j(0x1c)]);
      poke32(m, RAM_BASE + 0x20, [addi(6, 6, 1), bne(5, 10, -0x24), store('sw', 7, 8, 0), addi(10, 10, 20), j(-0x30)]);
      const h = m.hart;
      h.reset(RAM_BASE);
      setPair(h.x, 14, addi(6, 6, 100));
      setPair(h.x, 16, RAM_BASE + 0x20);
      setPair(h.x, 20, 20);
      h.run(300);
      return state(m);
    };
    const before = wasmStats.blocks;
    const w = run(machine(true));
    expect(w).to.equal(run(machine(false)));
    expect(wasmStats.blocks - before).to.be.greaterThan(2);
  });

  it('when V8 rejects every module, blocks come from the JS block compiler, with the same results', () => {
    const real = WebAssembly.Module;
    const expected = runEdge(machine(false), 'lw', 'sw', 8, 50);
    const f0 = wasmStats.failures, b0 = wasmStats.blocks;
    const m = machine(true);
    (WebAssembly as { Module: unknown }).Module = function () { throw new Error('rejected for the test'); };
    let got: string;
    try {
      got = runEdge(m, 'lw', 'sw', 8, 50);
    } finally {
      (WebAssembly as { Module: unknown }).Module = real;
    }
    expect(got).to.equal(expected);
    expect(m.hart.blocksCompiled).to.be.greaterThan(0);
    expect(wasmStats.failures - f0, 'logged as failures').to.be.greaterThan(0);
    expect(wasmStats.blocks - b0, 'no wasm block').to.equal(0);
  });

  it('harts running the same code share compiled modules (os3 on 3 harts), with the same states as the interpreter', function () {
    this.timeout(120_000);
    const kernel = new Uint8Array(readFileSync(join(ROOT, 'samples/bench/q-os3.elf')));
    const board = (jit: boolean) => new VirtMachine({ kernel, bios: 'none', smp: 3, memoryBytes: 64 << 20, jit, jitWasm: jit, jitThreshold: 16, onConsoleOutput: () => {} });
    const m0 = wasmStats.modules, c0 = wasmStats.compiles;
    const w = board(true), i = board(false);
    for (let k = 0; k < 6; k++) {
      w.run(250_000); i.run(250_000);
      expect(w.stateHash(), `after ${(k + 1) * 250_000}`).to.equal(i.stateHash());
    }
    const modules = wasmStats.modules - m0, compiles = wasmStats.compiles - c0;
    expect(modules, 'modules instantiated').to.be.greaterThan(20);
    // Each hart instantiates its own; V8 compiled most of them once for all three.
    expect(compiles, 'modules V8 compiled').to.be.lessThan(modules * 0.6);
  });

  it('block modules import only the fixed helper table, however many blocks the hart holds (V8 copies an imported table into every instance)', function () {
    this.timeout(120_000);
    const kernel = new Uint8Array(readFileSync(join(ROOT, 'samples/bench/q-os3.elf')));
    const board = (jit: boolean) => new VirtMachine({ kernel, bios: 'none', smp: 3, memoryBytes: 64 << 20, jit, jitWasm: jit, jitThreshold: 4, onConsoleOutput: () => {} });
    const Real = WebAssembly.Instance;
    const tables: number[] = [];
    // Every block module (the ones exporting `run`) as it is instantiated: the table it imports.
    const exportsOf = (WebAssembly.Module as unknown as { exports(m: unknown): { name: string }[] }).exports;
    (WebAssembly as { Instance: unknown }).Instance = function (mod: WebAssembly.Module, imports: Record<string, Record<string, unknown>>) {
      const t = imports?.env?.tbl;
      if (exportsOf(mod).some((e) => e.name === 'run')) tables.push(t instanceof WebAssembly.Table ? t.length : -1);
      return new Real(mod, imports as never);
    };
    let w: VirtMachine, i: VirtMachine;
    try {
      w = board(true); i = board(false);
      w.run(1_500_000); i.run(1_500_000);
    } finally {
      (WebAssembly as { Instance: unknown }).Instance = Real;
    }
    expect(w.stateHash()).to.equal(i.stateHash());
    // More blocks on a hart than its block table starts with (64): it grew, and calls through
    // the dispatch helper reached blocks in the new elements.
    expect(Math.max(...w.harts.map((h) => h.blocksCompiled)), 'blocks on the busiest hart').to.be.greaterThan(64);
    expect(tables.length, 'block modules instantiated').to.be.greaterThan(20);
    expect([...new Set(tables)], 'sizes of the tables block modules import').to.deep.equal([HELPERS]);
  });

  it('a snapshot restored mid-run replays to the same state as the interpreter (q-mem, q-sv39, q-os)', function () {
    this.timeout(120_000);
    // Snapshot at `at`, then `more` instructions: both points before the guest powers off.
    for (const [name, at, more] of [['q-mem', 3e6, 4e6], ['q-sv39', 1.5e6, 3e6], ['q-os', 0.8e6, 1.2e6]] as const) {
      const kernel = new Uint8Array(readFileSync(join(ROOT, `samples/bench/${name}.elf`)));
      const board = (jit: boolean) => new VirtMachine({ kernel, bios: 'none', memoryBytes: 64 << 20, jit, jitWasm: jit, jitThreshold: 16, onConsoleOutput: () => {} });
      const w = board(true), i = board(false);
      w.run(at); i.run(at);
      const snap = w.snapshot();
      // Runs on, writing pages the snapshot shares (copy on write) and code pages it holds.
      w.run(more);
      const first = w.stateHash();
      w.restore(snap);
      w.run(more / 2); w.run(more / 2);
      i.run(more);
      expect(w.icount, name).to.equal(at + more);
      expect(i.icount, name).to.equal(at + more);
      expect(w.stateHash(), `${name}: after the restore`).to.equal(first);
      expect(w.stateHash(), `${name}: against the interpreter`).to.equal(i.stateHash());
    }
  });
});
