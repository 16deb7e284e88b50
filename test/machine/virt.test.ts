import { expect } from 'chai';
import * as fs from 'node:fs';
import { parseElf } from '../../dist/machine/elf.js';
import { VirtConfigError, VirtMachine, type VirtOptions } from '../../dist/machine/virt.js';

const FIX = new URL('../../test/machine/fixtures/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(new URL(name, FIX)));
const sym = (elf: string, name: string): number => {
  const s = parseElf(fixture(elf)).symbols.find((y) => y.name === name);
  if (!s) throw new Error(`no symbol ${name} in ${elf}`);
  return s.value;
};

/** A board with its console captured. */
function board(opts: VirtOptions): { m: VirtMachine; out: () => string } {
  const bytes: number[] = [];
  const m = new VirtMachine({ ...opts, onConsoleOutput: (b) => bytes.push(...b) });
  return { m, out: () => Buffer.from(bytes).toString('latin1') };
}

/** Run until something other than the budget stops the machine (bounded). */
function runToStop(m: VirtMachine, limit = 5_000_000) {
  let total = 0;
  for (;;) {
    const r = m.run(100_000);
    total += r.executed;
    if (r.reason !== 'budget' || total >= limit) return r;
  }
}

/** smp.elf with its hart count patched in through a debugger-style memory write. */
function smpBoard(smp: number) {
  const b = board({ kernel: fixture('smp.elf'), smp });
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, smp, true);
  b.m.applyInput({ kind: 'mem', paddr: sym('smp.elf', 'ncpus'), bytes: v });
  return b;
}

describe('machine/virt', () => {
  it('runs a bare-metal program: console output, fail code through sifive_test, hart stops after the store', () => {
    const { m, out } = board({ kernel: fixture('hello.elf') });
    const r = runToStop(m);
    expect(r.reason).to.equal('poweroff');
    expect(r.exitCode).to.equal(42);
    expect(m.exitCode).to.equal(42);
    expect(out()).to.equal('Hello from rvrr virt!\n');
    expect(m.harts[0].getPC()).to.equal(BigInt(sym('hello.elf', 'after_exit')));
    expect(m.icount).to.equal(r.executed);
    // The board powers off right after the store: single-stepping reaches it at the same icount.
    const step = board({ kernel: fixture('hello.elf') }).m;
    let n = 0;
    for (let r1 = step.run(1); r1.reason === 'budget'; r1 = step.run(1)) n++;
    expect(step.exitCode).to.equal(42);
    expect(step.icount).to.equal(n + 1);
    expect(r.executed).to.equal(n + 1);
    // Once off, it stays off.
    expect(m.run(1000)).to.deep.include({ executed: 0, reason: 'poweroff', exitCode: 42 });
  });

  it('boots every hart through the ROM with a0 = hartid, a1 = DTB, a2 = fw_dynamic_info (smp 3)', () => {
    const { m, out } = smpBoard(3);
    const r = runToStop(m, 20_000_000);
    expect(r.reason).to.equal('poweroff');
    expect(r.exitCode).to.equal(0);
    expect(out()).to.equal('.'.repeat(15) + '\n');
    const handoff = sym('smp.elf', 'handoff');
    for (let h = 0; h < 3; h++) {
      const b = m.bus.readBytes(handoff + 32 * h, 32)!;
      const dv = new DataView(b.buffer);
      const words = [0, 8, 16, 24].map((o) => Number(dv.getBigUint64(o, true)));
      expect(words, `hart ${h}`).to.deep.equal([h, 0x87e00000, 0x1028, 1]);
    }
    // The DTB at a1 is the one the board built, with three cpus.
    expect(Array.from(m.bus.readBytes(0x87e00000, m.dtb.length)!)).to.deep.equal(Array.from(m.dtb));
  });

  it('is deterministic across snapshot/restore, whatever the slicing of run() calls', () => {
    const { m, out } = smpBoard(2);
    expect(m.run(20_000).reason).to.equal('budget');
    const hashAtSnap = m.stateHash();
    const snap = m.snapshot();
    // Exact accounting for the snapshot store: every RAM page this snapshot holds.
    // Exactly the allocated pages: a snapshot of a large, mostly untouched RAM is small.
    const held = snap.pageGroups!.flatMap((g) => (g === null ? [] : g.u8.filter((p) => p !== null)));
    expect(held.length).to.equal(m.ram.allocatedPages());
    expect(snap.pageGroups!.length).to.equal(m.ram.pageCount / 64, 'RAM chunks only: no disk');
    expect(m.ram.allocatedPages()).to.be.within(1, m.ram.pageCount / 100);
    const outAtSnap = out().length;
    expect(m.run(30_000).executed).to.equal(30_000);
    const hashA = m.stateHash();
    const outA = out().slice(outAtSnap);
    expect(hashA).to.not.equal(hashAtSnap);

    expect(m.hartCount).to.equal(2);
    expect(m.pcOf(0)).to.equal(Number(m.harts[0].getPC()));
    m.restore(snap);
    expect(m.icount).to.equal(20_000);
    expect(m.stateHash()).to.equal(hashAtSnap);
    const mark = out().length;
    for (const n of [1, 999, 7001, 333, 12_345, 9321]) expect(m.run(n).executed).to.equal(n);
    expect(m.icount).to.equal(50_000);
    expect(m.stateHash()).to.equal(hashA);
    expect(out().slice(mark)).to.equal(outA);
  });

  it('delivers a timer interrupt at the exact icount of the deadline, idles in WFI and resumes after a warp', () => {
    const { m } = board({ kernel: fixture('timer.elf') });
    const trap = sym('timer.elf', 'trap');
    m.breakpoints.add(trap);
    let r = runToStop(m);
    expect(r.reason).to.equal('breakpoint');
    // mtimecmp = 300 ticks of 10 MHz = 30 us = 30000 instructions at 1 ns each.
    expect(m.icount).to.equal(30_000);
    expect(m.harts[0].getPC()).to.equal(BigInt(trap));
    expect(m.harts[0].readCSR(0x342)).to.equal((1n << 63n) | 7n); // mcause: machine timer interrupt

    r = m.run(1_000_000, { ignoreFirstStop: true });
    expect(r.reason).to.equal('idle');
    const waitNs = m.nsUntilNextDeadline();
    expect(waitNs).to.be.greaterThan(999_000_000).and.lessThanOrEqual(1_000_000_000);
    const before = m.icount;
    m.applyInput({ kind: 'warp', ns: waitNs });
    r = m.run(1_000_000);
    expect(r.reason).to.equal('breakpoint');
    // The interrupt is taken on the first step boundary once WFI wakes: no instruction needed.
    expect(m.icount).to.equal(before);
    m.breakpoints.clear();
    r = runToStop(m);
    expect(r).to.deep.include({ reason: 'poweroff', exitCode: 7 });
  });

  it('takes a timer interrupt at the exact icount even when the deadline falls inside the current quantum', () => {
    for (const ticks of [1, 3, 7]) {
      const { m } = board({ kernel: fixture('timer.elf') });
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, BigInt(ticks), true);
      m.applyInput({ kind: 'mem', paddr: sym('timer.elf', 'deadline'), bytes: v });
      m.breakpoints.add(sym('timer.elf', 'trap'));
      expect(m.run(100_000).reason).to.equal('breakpoint');
      // mtimecmp is written after ~15 instructions; 1 tick = 100 instructions.
      expect(m.icount).to.equal(ticks * 100);
    }
  });

  it('a reset reloads RAM and restarts every hart at the ROM', () => {
    const { m, out } = smpBoard(1);
    expect(runToStop(m).reason).to.equal('poweroff');
    const first = out();
    m.applyInput({ kind: 'reset' });
    expect(m.exitCode).to.equal(undefined);
    expect(m.harts[0].getPC()).to.equal(0x1000n);
    // ncpus is back to its image value (1) and the counters to 0: the program runs again the same way.
    expect(runToStop(m).reason).to.equal('poweroff');
    expect(out()).to.equal(first + first);
  });

  it('resets the whole board when the guest writes 0x7777 to sifive_test', () => {
    const { m, out } = board({ kernel: fixture('reset.elf') });
    const r1 = runToStop(m);
    expect(r1.reason).to.equal('reset');
    expect(out()).to.equal('boot\n');
    expect(m.harts[0].getPC()).to.equal(0x1000n);
    const r2 = runToStop(m);
    // Same program, same path: it found its RAM counter back at 0 (else it would fail with 1).
    expect(r2).to.deep.include({ reason: 'reset', executed: r1.executed });
    expect(out()).to.equal('boot\nboot\n');
  });

  it('applies debugger register writes by GDB number', () => {
    const { m } = board({ kernel: fixture('hello.elf') });
    m.applyInput({ kind: 'reg', hart: 0, regno: 10, value: 0x1234_5678_9abc_def0n });
    expect(m.harts[0].getX(10)).to.equal(0x1234_5678_9abc_def0n);
    m.applyInput({ kind: 'reg', hart: 0, regno: 32, value: 0x80000000n });
    expect(m.harts[0].getPC()).to.equal(0x80000000n);
    m.applyInput({ kind: 'reg', hart: 0, regno: 65 + 0x340, value: 99n }); // mscratch
    expect(m.harts[0].readCSR(0x340)).to.equal(99n);
    expect(() => m.applyInput({ kind: 'reg', hart: 3, regno: 1, value: 0n })).to.throw('no hart 3');
  });

  it('maps the devices of the virt board: a disk in virtio slot 0, empty slots, UART, CLINT mtime', () => {
    const { m } = board({ kernel: fixture('hello.elf'), drive: new Uint8Array(4096) });
    expect(m.bus.read(0x10001000, 4)).to.equal(0x74726976); // "virt"
    expect(m.bus.read(0x10001008, 4)).to.equal(2); // block device
    expect(m.bus.read(0x10002008, 4)).to.equal(0); // nothing in slot 1
    expect(m.bus.read(0x10008000, 4)).to.equal(0x74726976);
    expect(m.bus.read(0x10000005, 1)! & 0x60).to.equal(0x60); // LSR: THR empty
    expect(m.disk?.size).to.equal(4096);
    // A snapshot also carries the disk overlay's chunk groups (one, nothing written yet).
    const ramChunks = m.ram.pageCount / 64;
    const groups = m.snapshot().pageGroups!;
    expect(groups.length).to.equal(ramChunks + 1);
    expect(groups[ramChunks]).to.equal(null);
    m.run(1000);
    expect(m.bus.read(0x200bff8, 4)).to.equal(Math.floor(m.icount / 100));
    expect(m.bus.read(0x1000, 4)).to.equal(0x00000297); // boot ROM
  });

  it('refuses bad configurations with one-line errors', () => {
    expect(() => new VirtMachine({ kernel: fixture('hello.elf'), drive: new Uint8Array(1000) })).to.throw(VirtConfigError, 'not a multiple of 512');
    expect(() => new VirtMachine({ kernel: fixture('hello.elf'), smp: 12 })).to.throw(VirtConfigError, '1 to 8 harts');
    expect(() => new VirtMachine({ bios: 'none' })).to.throw(VirtConfigError, 'no kernel given');
  });
});
