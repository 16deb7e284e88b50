/**
 * The block compiler against the plain interpreter: the same guest on two boards, one with
 * compiled blocks and one with `jit: false`, run through the same sequence of pseudo-random
 * budgets (1 instruction to 50,000), must agree on the full machine state (every hart register,
 * CSR, device, RAM: `stateHash()`) after every slice, and on console output and exit code.
 * Slices of every length make blocks start, end and stop at budget edges everywhere.
 * The OS-heavy bench guests are also checked for what `npm run bench` relies on: exact
 * per-pass instruction counts, the same count interpreted, and QEMU's output.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtMachine } from '../../dist/machine/virt.js';
import { HOT } from '../../dist/cpu/block.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';
import { checkDeterminism, seededRandom } from '../../dist/replay/determinism.js';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const file = (p: string) => new Uint8Array(readFileSync(join(ROOT, p)));

interface Case { elf: string; drive?: string; max: number; smp?: number }

function board(c: Case, jit: boolean, out: string[], jitThreshold = 16, jitWasm = false): VirtMachine {
  const dec = new TextDecoder();
  return new VirtMachine({
    // A low threshold puts nearly all of the code through the compiler.
    kernel: file(c.elf), bios: 'none', memoryBytes: 128 << 20, jit, jitThreshold, jitWasm, smp: c.smp ?? 1,
    ...(c.drive ? { drive: file(c.drive) } : {}),
    onConsoleOutput: (b) => out.push(dec.decode(b)),
  });
}

/** Run both boards slice by slice; returns what they printed and the slices compared. */
function compare(c: Case, seed: number, jitThreshold?: number, wasm = false): { out: string; slices: number; compiled: number; exitCode: number | undefined } {
  const outJ: string[] = [], outI: string[] = [];
  const j = board(c, true, outJ, jitThreshold, wasm), i = board(c, false, outI);
  const rnd = seededRandom(seed);
  let slices = 0;
  for (;;) {
    // Mostly short slices (block edges), some long ones (loops running inside a block).
    const r = rnd();
    const budget = r < 0.3 ? 1 + Math.floor(rnd() * 8) : r < 0.8 ? 1 + Math.floor(rnd() * 500) : 1 + Math.floor(rnd() * 50_000);
    const rj = j.run(budget), ri = i.run(budget);
    slices++;
    const where = `${c.elf} slice ${slices} (budget ${budget}, icount ${i.icount})`;
    expect(rj.reason, where).to.equal(ri.reason);
    expect(j.icount, where).to.equal(i.icount);
    expect(j.stateHash(), where).to.equal(i.stateHash());
    if (ri.reason === 'poweroff') break;
    if (ri.reason === 'idle') {
      const ns = i.nsUntilNextDeadline();
      expect(Number.isFinite(ns), `${where}: idle with no timer`).to.equal(true);
      for (const m of [i, j]) m.applyInput({ kind: 'warp', ns });
    }
    if (i.icount >= c.max) break;
  }
  expect(outJ.join('')).to.equal(outI.join(''));
  const compiled = j.harts.reduce((n, h) => n + h.blocksCompiled, 0);
  return { out: outI.join(''), slices, compiled, exitCode: i.exitCode };
}

describe('block compiler against the interpreter (state hash after every slice)', function () {
  this.timeout(300_000);

  it('guest with code changed under it: stores + fence.i, a store into its own block, virtio DMA, page remapping and aliasing', () => {
    const r = compare({ elf: 'test/guests/codechange.elf', drive: 'test/guests/codechange.img', max: 1e7 }, 1);
    expect(r.out).to.equal([
      'store + fence.i: ok', 'store into the same block: the new instruction ran', 'virtio-blk read over code: ok',
      'page remapped: ok', 'page aliased: ok', '',
    ].join('\n'));
    expect(r.exitCode).to.equal(0);
    expect(r.compiled).to.be.greaterThan(10);
  });

  const isa = ['rv64i', 'rv64m', 'rv64a', 'rv64c', 'csr', 'traps', 'priv', 'sv39', 'tlb', 'sstc', 'fpu', 'printf'];
  for (const name of isa) {
    it(`ISA test ${name}.elf`, () => {
      const r = compare({ elf: `test/guests/${name}.elf`, max: 5e7 }, 7);
      expect(r.exitCode).to.equal(0);
    });
  }

  for (const name of ['intmem', 'smode', 'fpheavy']) {
    it(`differential program ${name}.elf`, () => {
      const r = compare({ elf: `test/diff/programs/${name}.elf`, max: 2e7 }, 11);
      expect(r.exitCode).to.equal(0);
      expect(r.compiled).to.be.greaterThan(20);
    });
  }

  for (const name of ['q-int', 'q-comp', 'q-mem', 'q-fp', 'q-sv39']) {
    it(`benchmark guest ${name}.elf`, () => {
      const r = compare({ elf: `samples/bench/${name}.elf`, max: 3e7 }, 3);
      expect(r.exitCode).to.equal(0);
      expect(r.out).to.match(/ 2 passes [0-9a-f]{16}\n$/);
    });
  }

  // The OS-heavy guests: traps, satp switches and sfence.vma at every system call, page faults, fork; os3 on 3 harts.
  for (const [name, smp] of [['q-os', 1], ['q-os3', 3]] as const) {
    it(`benchmark guest ${name}.elf on ${smp} hart(s)`, () => {
      const r = compare({ elf: `samples/bench/${name}.elf`, smp, max: 3e7 }, 19);
      expect(r.exitCode).to.equal(0);
      expect(r.out).to.match(/^os3? 2 passes [0-9a-f]{16}\n$/);
      expect(r.compiled).to.be.greaterThan(20);
    });
  }

  it('the sample kernel with its disk: timer and UART interrupts, Sv39, virtio-blk, two user processes', () => {
    const r = compare({ elf: 'samples/kernel/kernel.elf', drive: 'samples/kernel/disk.img', max: 3e7 }, 5);
    expect(r.out).to.match(/all processes have exited/);
    expect(r.compiled).to.be.greaterThan(50);
  });

  it('the sample kernel at the default compile threshold', () => {
    const r = compare({ elf: 'samples/kernel/kernel.elf', drive: 'samples/kernel/disk.img', max: 3e7 }, 13, HOT);
    expect(r.out).to.match(/all processes have exited/);
    expect(r.compiled).to.be.greaterThan(5);
  });

  it('a two-hart guest', () => {
    const r = compare({ elf: 'test/guests/rv64a.elf', smp: 2, max: 2e7 }, 9);
    expect(r.exitCode).to.equal(0);
  });

  it('a recording made with compiled blocks seeks to the same states on an interpreting machine (kernel, disk, console input)', async () => {
    let built = 0;
    const c: Case = { elf: 'samples/kernel/kernel.elf', drive: 'samples/kernel/disk.img', max: 0 };
    const report = await checkDeterminism({
      // The first machine records (compiled), the second replays and seeks (interpreted).
      makeMachine: () => board(c, built++ === 0, []),
      instructions: 3_000_000,
      inputs: 10,
      makeInput: (i) => ({ kind: 'console', bytes: Uint8Array.of(0x61 + i) }),
      checks: 120,
      snapshots: { interval: 20_000, perLevel: 8, memoryBudget: Infinity },
    });
    expect(built).to.equal(2);
    expect(report.checked).to.be.at.least(100);
    expect(report.mismatches).to.deep.equal([]);
  });

  it('an interpreted recording seeks to the same states on a compiling machine, whose blocks survive snapshot restores', async () => {
    let built = 0;
    const machines: VirtMachine[] = [];
    const c: Case = { elf: 'samples/bench/q-int.elf', max: 0 };
    const report = await checkDeterminism({
      makeMachine: () => { const m = board(c, built++ !== 0, []); machines.push(m); return m; },
      instructions: 4_000_000,
      inputs: 0,
      makeInput: () => ({ kind: 'warp', ns: 0 }),
      checks: 120,
      snapshots: { interval: 50_000, perLevel: 8, memoryBudget: Infinity },
    });
    expect(report.checked).to.be.at.least(100);
    expect(report.mismatches).to.deep.equal([]);
    // 120 seeks, each a restore: the code pages are unchanged, so the blocks were compiled once.
    expect(machines[1].harts[0].blocksCompiled).to.be.within(1, 200);
  });
});

describe('the OS-heavy benchmark guests (os, os3): exact counts, interpreter and QEMU', function () {
  this.timeout(300_000);

  /** Run a samples/bench ELF to power-off on `smp` harts; its icount and what it printed. */
  function runGuest(elf: string, smp: number, jit: boolean): { icount: number; out: string; exitCode: number | undefined } {
    const out: string[] = [];
    const m = board({ elf: `samples/bench/${elf}`, smp, max: 0 }, jit, out, HOT);
    for (;;) {
      const r = m.run(10_000_000);
      if (r.reason === 'poweroff') return { icount: m.icount, out: out.join(''), exitCode: r.exitCode };
      expect(r.reason, `${elf} at icount ${m.icount}`).to.equal('budget');
      expect(m.icount, `${elf} did not power off`).to.be.below(1e8);
    }
  }

  for (const [name, smp] of [['os', 1], ['os3', 3]] as const) {
    it(`q-${name}: N passes take exactly a + N*b instructions, compiled and interpreted alike, and QEMU (-smp ${smp} -icount shift=0) prints the same`, function () {
      const two = runGuest(`q-${name}.elf`, smp, true);
      const one = runGuest(`q-${name}.p1.elf`, smp, true);
      const many = runGuest(`q-${name}.qemu.elf`, smp, true);
      const m = /^os3? (\d) passes ([0-9a-f]{16})\n$/.exec(many.out);
      expect(m, many.out).to.not.equal(null);
      const n = Number(m![1]);
      expect(n).to.be.greaterThan(2);
      expect(two.out).to.equal(`${name} 2 passes ${m![2]}\n`);
      expect(one.out).to.equal(`${name} 1 passes ${m![2]}\n`);
      for (const r of [two, one, many]) expect(r.exitCode).to.equal(0);
      // The bench derives QEMU's count from the 1- and 2-pass counts: it must be exact.
      const perPass = two.icount - one.icount;
      expect(many.icount).to.equal(one.icount - perPass + n * perPass);
      const interp = runGuest(`q-${name}.elf`, smp, false);
      expect(interp.icount).to.equal(two.icount);
      expect(interp.out).to.equal(two.out);

      if (spawnSync('qemu-system-riscv64', ['--version']).error) this.skip();
      const q = spawnSync('qemu-system-riscv64', ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio',
        '-smp', String(smp), '-icount', 'shift=0', '-kernel', join(ROOT, `samples/bench/q-${name}.qemu.elf`)], { encoding: 'utf8', timeout: 60_000 });
      expect(q.status, q.stderr).to.equal(0);
      expect(q.stdout).to.equal(many.out);
    });
  }
});

describe('wasm tier against the interpreter (state hash after every slice)', function () {
  this.timeout(300_000);
  // Straight-line ISA tests (rv64m, rv64c) run no code 16 times: wasm.test.ts covers RV64M.
  const cases: Case[] = [
    { elf: 'test/guests/codechange.elf', drive: 'test/guests/codechange.img', max: 1e7 },
    ...['rv64i', 'traps', 'sv39', 'printf'].map((n) => ({ elf: `test/guests/${n}.elf`, max: 5e7 })),
    ...['intmem', 'smode'].map((n) => ({ elf: `test/diff/programs/${n}.elf`, max: 2e7 })),
    ...['q-int', 'q-mem', 'q-sv39'].map((n) => ({ elf: `samples/bench/${n}.elf`, max: 3e7 })),
    { elf: 'samples/kernel/kernel.elf', drive: 'samples/kernel/disk.img', max: 3e7 },
  ];
  for (const c of cases) {
    it(c.elf, () => {
      const before = wasmStats.blocks;
      const r = compare(c, 17, 16, true);
      if (!c.elf.includes('kernel')) expect(r.exitCode).to.equal(0);
      expect(wasmStats.blocks - before, 'blocks compiled to wasm').to.be.greaterThan(0);
    });
  }
});
