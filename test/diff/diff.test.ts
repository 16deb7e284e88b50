/**
 * Differential comparison with QEMU, instruction by instruction (see diff.ts). Each program runs
 * over a million instructions; every pc, integer register, FP register (program c) and printed
 * CSR must match QEMU's after every instruction, and both machines must power off with the same
 * exit code. Skipped only when qemu-system-riscv64 is not installed.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffAgainstQemu, formatDiff, type DiffMachine } from './diff.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist-test/diff -> test/diff (the ELFs live next to the sources)
const programs = join(here, '..', '..', 'test', 'diff', 'programs');
const guests = join(here, '..', '..', 'test', 'guests');
const haveQemu = spawnSync('qemu-system-riscv64', ['--version']).status === 0;

describe('differential test against QEMU (-singlestep -d cpu)', function () {
  this.timeout(240_000);
  before(function () {
    if (!haveQemu) {
      console.log('    SKIPPED: qemu-system-riscv64 is not installed (Debian package qemu-system-misc)');
      this.skip();
    }
  });

  const cases: [string, string, boolean][] = [
    ['(a) integer and memory heavy C program', join(programs, 'intmem.elf'), false],
    ['(b) S-mode kernel under Sv39 with U-mode, ecalls and page faults', join(programs, 'smode.elf'), false],
    ['(c) F/D heavy program, all rounding modes, fflags', join(programs, 'fpheavy.elf'), true],
  ];
  for (const [title, elf, fpu] of cases) {
    it(`${title}: >= 1,000,000 instructions, zero divergences`, async function () {
      const r = await diffAgainstQemu({ elf, fpu });
      const report = formatDiff(elf, r);
      console.log('      ' + report.split('\n').join('\n      '));
      expect(r.divergence, report).to.equal(undefined);
      expect(r.steps).to.be.at.least(1_000_000);
      expect(r.qemuExitCode).to.equal(0);
      expect(r.ourExitCode).to.equal(0);
      expect(r.ourConsole).to.equal(r.qemuConsole);
    });
  }

  // The small ISA programs of test/guests, compared in full (priv.elf up to its first rdcycle:
  // QEMU's cycle counter follows host time; csr.elf reads counters and QEMU's marchid early).
  const small: [string, number | undefined][] = [
    ['rv64i.elf', undefined], ['rv64m.elf', undefined], ['rv64a.elf', undefined], ['rv64c.elf', undefined],
    ['traps.elf', undefined], ['sv39.elf', undefined], ['tlb.elf', undefined], ['ptwatch.elf', undefined], ['fpu.elf', undefined], ['priv.elf', 770],
    ['sdtrig.elf', undefined],
  ];
  for (const [elf, maxSteps] of small) {
    it(`guest ${elf}${maxSteps ? ` (first ${maxSteps} instructions)` : ''}: zero divergences`, async function () {
      const r = await diffAgainstQemu({ elf: join(guests, elf), fpu: elf === 'fpu.elf', maxSteps });
      const report = formatDiff(elf, r);
      expect(r.divergence, report).to.equal(undefined);
      if (maxSteps) expect(r.steps).to.equal(maxSteps);
      else expect(r.ourExitCode).to.equal(0);
    });
  }

  /** Runs rv64i.elf with `corrupt` applied to our hart after `at` steps from the entry. */
  async function corrupted(at: number, fpu: boolean, corrupt: (h: DiffMachine['harts'][0] & { writeCSR(n: number, v: bigint): boolean }) => void) {
    const path = '../../dist/machine/virt.js';
    const { VirtMachine } = (await import(path)) as { VirtMachine: new (o: object) => DiffMachine };
    let steps = -1;
    return diffAgainstQemu({
      elf: join(guests, 'rv64i.elf'), fpu,
      makeMachine: async (kernel, onConsole) => {
        const m = new VirtMachine({ kernel, bios: 'none', memoryBytes: 128 << 20, onConsoleOutput: onConsole });
        return {
          harts: m.harts,
          run(n: number) {
            const res = m.run(n);
            if (m.harts[0].getPC() === 0x80000000n) steps = 0; else if (steps >= 0) steps++;
            if (steps === at) corrupt(m.harts[0] as never);
            return res;
          },
        };
      },
    });
  }

  it('reports a divergence in an FP register and in a CSR', async function () {
    const f = await corrupted(100, true, (h) => { h.f[2 * 7] ^= 1; });
    expect(f.divergence?.step).to.equal(100);
    expect(f.divergence?.diffs.map((x) => x.reg)).to.deep.equal(['f7']);
    const c = await corrupted(50, false, (h) => { h.writeCSR(0x340, 0x1234n); });
    expect(c.divergence?.step).to.equal(50);
    expect(c.divergence?.diffs).to.deep.equal([{ reg: 'mscratch', qemu: '0000000000000000', ours: '0000000000001234' }]);
  });

  it('reports a divergence exactly (a register corrupted on purpose at step 500)', async function () {
    // Wrap the real machine and flip a bit of a0 after 500 steps: the harness must stop there
    // and name the register with both values.
    const path = '../../dist/machine/virt.js';
    const { VirtMachine } = (await import(path)) as { VirtMachine: new (o: object) => DiffMachine };
    let steps = -1;
    const r = await diffAgainstQemu({
      elf: join(guests, 'rv64i.elf'), fpu: false,
      makeMachine: async (kernel, onConsole) => {
        const m = new VirtMachine({ kernel, bios: 'none', memoryBytes: 128 << 20, onConsoleOutput: onConsole });
        return {
          harts: m.harts,
          run(n: number) {
            const res = m.run(n);
            if (m.harts[0].getPC() === 0x80000000n) steps = 0; else if (steps >= 0) steps++;
            if (steps === 500) m.harts[0].x[20] ^= 0x100;
            return res;
          },
        };
      },
    });
    expect(r.divergence, 'a corrupted register must be reported').to.not.equal(undefined);
    const d = r.divergence!;
    expect(d.step).to.equal(500);
    expect(d.diffs.map((x) => x.reg)).to.deep.equal(['x10/a0']);
    const q = BigInt('0x' + d.diffs[0].qemu), o = BigInt('0x' + d.diffs[0].ours);
    expect(q ^ o).to.equal(0x100n);
    expect(d.history.length).to.be.greaterThan(3);
    expect(formatDiff('rv64i.elf', r)).to.match(/DIVERGENCE at step 500/);
  });
});
