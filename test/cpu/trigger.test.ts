/**
 * Sdtrig debug triggers on the virt board (src/cpu/trigger.ts), beyond what the guest program
 * test/guests/sdtrig.S checks by itself: the same run on every execution tier, trigger state in
 * snapshots and in the state hash, and gdb's own breakpoints and watchpoints (stub side) at the
 * very places the guest's triggers are armed, which must report first and leave the guest's
 * triggers to fire as without them.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtMachine } from '../../dist/machine/virt.js';
import { parseElf } from '../../dist/machine/elf.js';
import type { VirtOptions } from '../../dist/machine/virt-boot.js';

const here = dirname(fileURLToPath(import.meta.url));
const ELF = new Uint8Array(readFileSync(join(here, '..', '..', 'test', 'guests', 'sdtrig.elf')));
const sym = (name: string): number => {
  const s = parseElf(ELF).symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`sdtrig.elf has no symbol ${name}`);
  return s.value;
};
const TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, MCAUSE = 0x342, MEPC = 0x341;

function machine(opts: Partial<VirtOptions> = {}): VirtMachine {
  return new VirtMachine({ kernel: ELF, bios: 'none', memoryBytes: 128 * 1024 * 1024, ...opts } as VirtOptions);
}

/** Run to poweroff (no stops expected); returns exit code and icount. */
function finish(m: VirtMachine): { exitCode: number | undefined; icount: number } {
  for (let total = 0; total < 5_000_000;) {
    const r = m.run(100_000);
    total += r.executed;
    if (r.reason === 'poweroff') return { exitCode: r.exitCode, icount: m.clock.icount };
    if (r.reason !== 'budget') throw new Error(`stopped: ${r.reason} at icount ${m.clock.icount}`);
  }
  throw new Error('sdtrig.elf did not power off');
}

/** Run until a gdb-side stop (breakpoint or watchpoint); fails on poweroff. */
function runToStop(m: VirtMachine, ignoreFirstStop = false): string {
  for (let n = 0; n < 100; n++) {
    const r = m.run(100_000, { ignoreFirstStop: ignoreFirstStop && n === 0 });
    if (r.reason !== 'budget') return r.reason;
  }
  throw new Error('no stop');
}

describe('Sdtrig debug triggers on the virt board', function () {
  this.timeout(60_000);

  it('sdtrig.elf ends at the same icount and state on the interpreter, the JS and the wasm block compilers', () => {
    const results = [{ jit: false }, { jitThreshold: 1 }, { jitWasm: true, jitThreshold: 1 }].map((o) => {
      const m = machine(o);
      const r = finish(m);
      return { ...r, hash: m.stateHash(), blocks: m.harts[0].blocksCompiled };
    });
    for (const r of results) expect(r.exitCode).to.equal(0);
    expect(results[1].blocks).to.be.greaterThan(100);
    expect(results.map((r) => r.icount)).to.deep.equal([results[0].icount, results[0].icount, results[0].icount]);
    expect(results.map((r) => r.hash)).to.deep.equal([results[0].hash, results[0].hash, results[0].hash]);
  });

  it('snapshots carry the trigger state: restored with triggers armed, the run ends as before', () => {
    const m = machine();
    const h = m.harts[0];
    const armed = (): boolean => (h.saveState().triggers as { tdata1: [number, number][] }).tdata1.some(([lo]) => (lo & 7) !== 0);
    // Snapshots where a trigger is armed: the spans are short (some 300 of the 7-step points,
    // early and in the hot loops); every 25th of them.
    const snaps: ReturnType<VirtMachine['snapshot']>[] = [];
    let seen = 0;
    for (;;) {
      if (armed() && seen++ % 25 === 0) snaps.push(m.snapshot());
      if (m.run(7).reason === 'poweroff') break;
    }
    expect(m.exitCode).to.equal(0);
    const end = { icount: m.clock.icount, hash: m.stateHash() };
    // At the end every trigger is disarmed, so each restore must bring its armed ones back.
    expect(armed()).to.equal(false);
    expect(snaps.length, 'snapshots taken while a trigger was armed').to.be.at.least(10);
    for (const s of snaps) {
      m.restore(s);
      expect(armed()).to.equal(true);
      const r = finish(m);
      expect(r.exitCode).to.equal(0);
      expect({ icount: r.icount, hash: m.stateHash() }).to.deep.equal(end);
    }
  });

  it('the state hash covers tselect, tdata1 and tdata2; saved state without triggers loads as reset', () => {
    const m = machine();
    const h = m.harts[0];
    const base = m.stateHash();
    expect(h.writeCSR(TDATA2, 0x80001000n)).to.equal(true);
    const withTdata2 = m.stateHash();
    expect(withTdata2).to.not.equal(base);
    h.writeCSR(TDATA1, (2n << 60n) | 0x41n);
    expect(h.readCSR(TDATA1)).to.equal((2n << 60n) | 0x41n);
    expect(m.stateHash()).to.not.equal(withTdata2);
    h.writeCSR(TSELECT, 1n);
    expect(h.readCSR(TDATA1)).to.equal(2n << 60n); // trigger 1 untouched
    const s = structuredClone(h.saveState());
    delete s.triggers;
    h.loadState(s);
    expect([h.readCSR(TSELECT), h.readCSR(TDATA1), h.readCSR(TDATA2)]).to.deep.equal([0n, 2n << 60n, 0n]);
    expect(() => h.loadState({ ...structuredClone(h.saveState()), triggers: { tselect: 5, tdata1: [], tdata2: [] } }))
      .to.throw(/hart state: triggers must be/);
  });

  it("a gdb breakpoint where a guest execute trigger is armed reports first; resumed, the guest's trigger fires", () => {
    const ref = machine();
    const refEnd = finish(ref);
    const m = machine();
    const mark = sym('sum_mark');
    m.breakpoints.add(sym('armed_exec'));
    expect(runToStop(m)).to.equal('breakpoint');
    const h = m.harts[0];
    expect([h.readCSR(TDATA2), h.readCSR(TDATA1)! & 0x44n]).to.deep.equal([BigInt(mark), 0x44n]); // armed, M + execute
    m.breakpoints.clear();
    m.breakpoints.add(mark);
    expect(runToStop(m, true)).to.equal('breakpoint');
    expect(h.getPC()).to.equal(BigInt(mark));
    expect(h.getX(5)).to.equal(100n); // t0: iteration 100, the trigger has not fired yet
    const mcauseBefore = h.readCSR(MCAUSE);
    // Resume: gdb's breakpoint is stepped over, the guest's trigger fires at the same pc.
    m.breakpoints.clear();
    m.breakpoints.add(sym('m_trap'));
    expect(runToStop(m, true)).to.equal('breakpoint');
    expect([h.readCSR(MCAUSE), h.readCSR(MEPC), h.readCSR(0x343)]).to.deep.equal([3n, BigInt(mark), 0n]);
    expect(mcauseBefore).to.not.equal(undefined);
    m.breakpoints.clear();
    const end = finish(m);
    expect(end).to.deep.equal(refEnd);
    expect(m.stateHash()).to.equal(ref.stateHash());
  });

  it("a gdb watchpoint on the word a guest load trigger watches reports first; resumed, the guest's trigger fires", () => {
    const ref = machine();
    const refEnd = finish(ref);
    const m = machine();
    const h = m.harts[0];
    m.breakpoints.add(sym('armed_load'));
    expect(runToStop(m)).to.equal('breakpoint');
    m.breakpoints.clear();
    const word = sym('arr') + 7 * 8;
    expect(h.readCSR(TDATA2)).to.equal(BigInt(word));
    m.watchpoints.push({ addr: word, len: 8, kind: 'read' }, { addr: sym('arr') + 3 * 8, len: 8, kind: 'read' });
    // arr[3] first (only gdb watches it), then arr[7] (both do): each reported before the access.
    expect(runToStop(m, true)).to.equal('watchpoint');
    expect([h.getPC(), h.getX(5)]).to.deep.equal([BigInt(sym('sum_ld')), 3n]);
    expect(runToStop(m, true)).to.equal('watchpoint');
    expect([h.getPC(), h.getX(5)]).to.deep.equal([BigInt(sym('sum_ld')), 7n]);
    m.watchpoints.length = 0;
    m.breakpoints.add(sym('m_trap'));
    expect(runToStop(m, true)).to.equal('breakpoint');
    expect([h.readCSR(MCAUSE), h.readCSR(MEPC), h.getX(5)]).to.deep.equal([3n, BigInt(sym('sum_ld')), 7n]);
    m.breakpoints.clear();
    expect(finish(m)).to.deep.equal(refEnd);
    expect(m.stateHash()).to.equal(ref.stateHash());
  });
});
