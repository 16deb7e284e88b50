/**
 * The ISA test programs of test/guests run on our virt board: each must power off through the
 * sifive_test device with exit code 0 (a failing check exits with its number, shown below),
 * and the picolibc printf program must print exactly what QEMU printed (printf.expected).
 * When qemu-system-riscv64 is installed, each program is also confirmed to pass on QEMU, the
 * reference the expected values were verified against.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, '..', '..', 'test', 'guests'); // dist-test/guests -> test/guests
const haveQemu = spawnSync('qemu-system-riscv64', ['--version']).status === 0;

interface Board {
  run(n: number): { executed: number; reason: string; exitCode?: number };
}

/** Runs an ELF on our board until it powers off; returns exit code and console text. */
async function runOurs(elf: string, maxInstructions = 50_000_000, cpu: object = {}): Promise<{ exitCode: number | undefined; console: string; reason: string }> {
  const path = '../../dist/machine/virt.js';
  const { VirtMachine } = (await import(path)) as { VirtMachine: new (o: object) => Board };
  let out = '';
  const dec = new TextDecoder('latin1');
  const m = new VirtMachine({
    kernel: new Uint8Array(readFileSync(join(dir, elf))), bios: 'none', memoryBytes: 128 * 1024 * 1024,
    onConsoleOutput: (b: Uint8Array) => { out += dec.decode(b); }, ...cpu,
  });
  let total = 0;
  for (;;) {
    const r = m.run(1_000_000);
    total += r.executed;
    if (r.reason === 'poweroff') return { exitCode: r.exitCode, console: out, reason: r.reason };
    if (r.reason !== 'budget' || total >= maxInstructions) return { exitCode: undefined, console: out, reason: `${r.reason} after ${total} instructions` };
  }
}

function runQemu(elf: string): { status: number | null; console: string } {
  // Console to a file: QEMU's stdio chardev may drop output still pending when it exits.
  const tmp = mkdtempSync(join(tmpdir(), 'rvrr-guest-'));
  try {
    const out = join(tmp, 'console.txt');
    const r = spawnSync('qemu-system-riscv64', ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none',
      '-serial', `file:${out}`, '-kernel', join(dir, elf)], { encoding: 'latin1', timeout: 30_000 });
    return { status: r.status, console: readFileSync(out, 'latin1') };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const programs: [string, string][] = [
  ['rv64i.elf', 'RV64I integer, loads/stores, branches, jumps'],
  ['rv64m.elf', 'RV64M multiply/divide edge cases'],
  ['rv64a.elf', 'RV64A LR/SC and AMOs'],
  ['rv64c.elf', 'RV64C every compressed encoding'],
  ['csr.elf', 'Zicsr, CSR views, counters'],
  ['traps.elf', 'every M-mode exception cause, vectored mtvec'],
  ['priv.elf', 'privilege transitions, delegation, TSR/TVM/TW'],
  ['sv39.elf', 'Sv39 walks, A/D, page faults, SUM/MXR/MPRV'],
  ['fpu.elf', 'F/D results and fflags in all rounding modes'],
  ['kdebug.elf', 'an Sv39 kernel with SUM clear, a U program, an upper-half alias (the debugger tests\' guest)'],
  ['sstc.elf', 'Sstc: stimecmp drives STIP, menvcfg.STCE, S-mode timer interrupt (as xv6 starts)'],
  ['sdtrig.elf', 'Sdtrig debug triggers: CSRs, execute/load/store matches, modes, priority, in compiled loops'],
];

describe('guest ISA test programs on our emulator', function () {
  this.timeout(60_000);
  for (const [elf, what] of programs) {
    it(`${elf} (${what}) passes`, async () => {
      const r = await runOurs(elf);
      expect(r.reason, `${elf} did not power off`).to.equal('poweroff');
      expect(r.exitCode, `${elf} failed check #${r.exitCode} (see its source); console: ${r.console}`).to.equal(0);
    });
  }
  it('printf.elf (rv64imafdc C with picolibc) prints exactly what QEMU prints', async () => {
    const expected = readFileSync(join(dir, 'printf.expected'), 'latin1');
    const r = await runOurs('printf.elf');
    expect(r.console).to.equal(expected);
    expect(r.exitCode).to.equal(0);
  });
});

describe('guest ISA test programs with the wasm tier (every block compiled at its first execution)', function () {
  this.timeout(60_000);
  for (const [elf, what] of [...programs, ['printf.elf', 'picolibc printf']]) {
    it(`${elf} (${what}) passes`, async () => {
      await import('../../dist/machine/virt.js' as string); // first: cpu/ modules import one another in a cycle
      const { wasmStats } = (await import('../../dist/cpu/wasm/compile.js' as string)) as { wasmStats: { blocks: number } };
      const before = wasmStats.blocks;
      const r = await runOurs(elf, 50_000_000, { jitWasm: true, jitThreshold: 1 });
      expect(r.reason, `${elf} did not power off`).to.equal('poweroff');
      expect(r.exitCode, `${elf} failed check #${r.exitCode} (see its source); console: ${r.console}`).to.equal(0);
      if (elf === 'printf.elf') expect(r.console).to.equal(readFileSync(join(dir, 'printf.expected'), 'latin1'));
      expect(wasmStats.blocks - before, 'wasm blocks compiled').to.be.greaterThan(0);
    });
  }
});

describe('guest ISA test programs on QEMU (the reference)', function () {
  this.timeout(60_000);
  before(function () {
    if (!haveQemu) { console.log('    SKIPPED: qemu-system-riscv64 is not installed'); this.skip(); }
  });
  for (const [elf] of programs) {
    it(`${elf} passes on QEMU`, () => {
      expect(runQemu(elf).status).to.equal(0);
    });
  }
  it('printf.elf output on QEMU matches printf.expected', () => {
    const r = runQemu('printf.elf');
    expect(r.status).to.equal(0);
    expect(r.console).to.equal(readFileSync(join(dir, 'printf.expected'), 'latin1'));
  });
});

describe('a hart runs the code another hart stored over code it had run, without fence.i (smc-smp.elf), as on QEMU', function () {
  this.timeout(60_000);
  const tiers: [string, object][] = [
    ['interpreted (--no-jit)', { jit: false }],
    ['JS block compiler (--jit=js)', { jit: true, jitWasm: false }],
    ['wasm tier (the default)', { jit: true, jitWasm: true }],
  ];
  for (const [name, cpu] of tiers) {
    for (const smp of [2, 3]) {
      it(`${name}, ${smp} harts`, async () => {
        const r = await runOurs('smc-smp.elf', 50_000_000, { smp, ...cpu });
        expect(r.reason, 'did not power off').to.equal('poweroff');
        // 3: hart 0 ran its old compiled `li a0, 1`; 5: its old decoded first word of target2.
        expect(r.exitCode, `failed check #${r.exitCode} (see smc-smp.S); console: ${r.console}`).to.equal(0);
        expect(r.console).to.equal('smc-smp\n');
      });
    }
  }
  it('passes on QEMU -smp 2 (the reference)', function () {
    if (!haveQemu) this.skip();
    const r = spawnSync('qemu-system-riscv64', ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-smp', '2',
      '-serial', 'null', '-kernel', join(dir, 'smc-smp.elf')], { encoding: 'latin1', timeout: 30_000 });
    expect(r.status).to.equal(0);
  });
});
