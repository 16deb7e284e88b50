/**
 * The replay engine on the real virt board: determinism of recorded runs (console input,
 * timer interrupts and idle warps, several harts), reverse execution on sample programs.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseElf } from '../../dist/machine/elf.js';
import { VirtMachine } from '../../dist/machine/virt.js';
import { checkDeterminism } from '../../dist/replay/determinism.js';
import { Timeline } from '../../dist/replay/timeline.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, root)));
const sym = (elf: string, name: string) => {
  const s = parseElf(file(elf)).symbols.find((x) => x.name === name);
  if (!s) throw new Error(`no symbol ${name} in ${elf}`);
  return s.value;
};
const SNAP = { interval: 2000, perLevel: 8, memoryBudget: Infinity };

function board(kernel: string, smp = 1, quantum?: number) {
  let out = '';
  const m = new VirtMachine({ kernel: file(kernel), smp, ...(quantum !== undefined ? { quantum } : {}), onConsoleOutput: (b) => { out += Buffer.from(b).toString('latin1'); } });
  return { m, out: () => out };
}

function u64(m: VirtMachine, paddr: number): bigint {
  const b = m.bus.readBytes(paddr, 8)!;
  return new DataView(b.buffer, b.byteOffset).getBigInt64(0, true);
}

describe('replay on the virt board', function () {
  this.timeout(120_000);

  it('bughunt: watch + reverse-continue lands on the culprit store, then on the write before it', async () => {
    const elf = 'samples/bughunt/bughunt.elf';
    const { m, out } = board(elf);
    const t = new Timeline(m, { clockMode: 'virtual', snapshots: SNAP });
    m.breakpoints.add(sym(elf, 'report_corruption'));
    const s = await t.runForward();
    expect(s.reason).to.equal('breakpoint');
    expect(out()).to.contain('a year of interest on 1000 gives 1122');
    m.breakpoints.clear();
    const balance = sym(elf, 'alice') + 8 + 4 * 8;
    expect(u64(m, balance)).to.equal(63n);
    m.watchpoints.push({ addr: balance, len: 8, kind: 'write' });

    const r1 = await t.reverseContinue();
    expect(r1.reason).to.equal('watchpoint');
    expect(r1.watch!.accessAddr).to.equal(balance);
    const pc1 = Number(m.harts[0].getPC());
    expect(pc1).to.be.within(sym(elf, 'remember'), sym(elf, 'deposit') - 1);
    expect(u64(m, balance), 'memory as before the culprit store').to.equal(600n);

    const r2 = await t.reverseContinue();
    expect(r2.reason).to.equal('watchpoint');
    expect(r2.icount).to.be.lessThan(r1.icount);
    const pc2 = Number(m.harts[0].getPC());
    expect(pc2).to.be.within(sym(elf, 'deposit'), sym(elf, 'main') - 1);
    expect(u64(m, balance)).to.equal(537n);

    // last-write from the failure finds the culprit too.
    await t.seek(s.icount);
    const lw = await t.lastWrite(balance, 8);
    expect(lw).to.include({ icount: r1.icount, hart: 0 });
    expect(t.icount).to.equal(s.icount);
  });

  it('hello: ten stepi then ten reverse-stepi return the same pcs in reverse order', async () => {
    const { m } = board('samples/hello/hello.elf');
    const t = new Timeline(m, { clockMode: 'virtual', snapshots: SNAP });
    await t.runForward({ budget: 3000 });
    const pcs: bigint[] = [];
    for (let i = 0; i < 10; i++) {
      pcs.push(m.harts[0].getPC());
      expect((await t.runForward({ stepHart: 0 })).reason).to.equal('step');
    }
    for (let i = 9; i >= 0; i--) {
      expect((await t.reverseStep()).reason).to.equal('step');
      expect(m.harts[0].getPC()).to.equal(pcs[i]);
    }
    expect(t.icount).to.equal(3000);
  });

  it('timer: idle warps (not logged) replay to the same poweroff, output and state', async () => {
    const a = board('test/machine/fixtures/timer.elf');
    const t = new Timeline(a.m, { clockMode: 'virtual', snapshots: SNAP });
    const s = await t.runForward();
    expect(s).to.include({ reason: 'poweroff', exitCode: 7 });
    // More than a second of idle warps, none in the log: replay takes them at the same points.
    expect(t.log.length).to.equal(0);
    expect(t.when().virtualNs).to.be.greaterThan(1e9);
    const b = board('test/machine/fixtures/timer.elf');
    const r = new Timeline(b.m, { mode: 'replay', log: t.log.toArray(), endIcount: t.endIcount, snapshots: SNAP });
    const e = await r.runForward();
    expect(e.icount).to.equal(s.icount);
    expect(b.m.stateHash()).to.equal(a.m.stateHash());
    expect(b.out()).to.equal(a.out());
  });

  it('smp: a recording with console input replays to identical states at 100+ random icounts', async () => {
    const ncpus = sym('test/machine/fixtures/smp.elf', 'ncpus');
    const report = await checkDeterminism({
      makeMachine: () => {
        const { m } = board('test/machine/fixtures/smp.elf', 2);
        m.applyInput({ kind: 'mem', paddr: ncpus, bytes: Uint8Array.of(2, 0, 0, 0) });
        return m;
      },
      instructions: 60_000,
      inputs: 12,
      makeInput: (i) => ({ kind: 'console', bytes: Uint8Array.of(0x30 + i) }),
      checks: 110,
      snapshots: SNAP,
    });
    expect(report.checked).to.be.at.least(100);
    expect(report.mismatches).to.deep.equal([]);
  });

  it('smp: reverse-stepi of one hart goes back to that hart\'s previous instruction', async () => {
    // Short turns, so that both harts run in the few thousand instructions stepped through.
    const { m } = board('test/machine/fixtures/smp.elf', 2, 1000);
    const t = new Timeline(m, { clockMode: 'virtual', snapshots: SNAP, hartCount: 2 });
    t.recordDebuggerWrite({ kind: 'mem', paddr: sym('test/machine/fixtures/smp.elf', 'ncpus'), bytes: Uint8Array.of(2, 0, 0, 0) });
    await t.runForward({ budget: 5500 });
    // Which hart executed each instruction, from a stepped replay of the same history.
    const end = t.icount;
    await t.seek(0);
    const who: number[] = [];
    while (t.icount < end) {
      await t.runForward({ budget: 1 });
      who.push(t.currentHart);
    }
    expect(new Set(who).size).to.equal(2);
    for (const hart of [1, 0, 1]) {
      let j = t.icount - 1;
      while (who[j] !== hart) j--;
      expect(await t.reverseStep(hart)).to.include({ reason: 'step', icount: j, hart });
    }
  });
});

describe('recording snapshots and copy-on-write', function () {
  this.timeout(120_000);

  /** Gaps between the snapshots in the last `span` instructions of a live recording of `elf`. */
  async function gapsNearEnd(elf: string, budget: number, span: number): Promise<number[]> {
    const m = new VirtMachine({ kernel: file(elf), bios: 'none' });
    const t = new Timeline(m, { mode: 'live', clockMode: 'virtual' });
    const s = await t.runForward({ budget });
    expect(s.reason).to.equal('budget');
    const ics = t.snapshots.list().map((e) => e.icount).filter((ic) => ic > 0 && ic >= budget - span);
    return ics.slice(1).map((ic, i) => ic - ics[i]);
  }

  it('a guest that writes many pages gets sparser snapshots while recording, one that writes few the finest', async () => {
    // mem.elf rewrites a 4 MiB buffer (over 128 pages copied per million instructions).
    const heavy = await gapsNearEnd('samples/bench/mem.elf', 20_000_000, 12_000_000);
    expect(heavy.length).to.be.at.least(2);
    expect(Math.min(...heavy)).to.be.at.least(4_000_000);
    // long.elf loops in registers: a snapshot every million instructions.
    const light = await gapsNearEnd('samples/bench/long.elf', 20_000_000, 12_000_000);
    expect(light.length).to.be.at.least(8);
    expect(Math.max(...light)).to.equal(1_000_000);
  });

  it('a write-heavy guest recorded under --snapshot-memory 8M stays within it, and seeks back land on the recorded states', async () => {
    const budget = 8 * 1024 * 1024;
    const m = new VirtMachine({ kernel: file('samples/bench/mem.elf'), bios: 'none' });
    const t = new Timeline(m, { mode: 'live', clockMode: 'virtual', snapshots: { memoryBudget: budget } });
    const seen: [number, string][] = [];
    let peak = 0;
    for (let k = 0; k < 6; k++) {
      await t.runForward({ budget: 3_000_000 });
      peak = Math.max(peak, t.info().snapshotBytes);
      seen.push([t.icount, m.stateHash()]);
    }
    expect(peak).to.be.at.most(budget);
    expect(peak).to.be.greaterThan(budget / 2, 'the guest does fill the budget');
    for (const [ic, h] of seen.reverse()) {
      await t.seek(ic);
      expect(m.stateHash(), `state at ${ic}`).to.equal(h);
      expect(t.info().snapshotBytes).to.be.at.most(budget);
    }
  });

  it('going back in history and recording on: the pages replays copied do not make the new snapshots sparser', async () => {
    const m = new VirtMachine({ kernel: file('samples/bench/long.elf'), bios: 'none' });
    const t = new Timeline(m, { mode: 'live', clockMode: 'virtual' });
    await t.runForward({ budget: 1_000_000 });
    for (let k = 0; k < 10; k++) await t.reverseStep();
    for (const ic of [123_456, 654_321, 333_333, 987_654, 50_000]) await t.seek(ic);
    await t.seek(t.endIcount);
    await t.runForward({ budget: 12_000_000 });
    const ics = t.snapshots.list().map((e) => e.icount).filter((ic) => ic >= t.endIcount - 8_000_000);
    const gaps = ics.slice(1).map((ic, i) => ic - ics[i]);
    expect(gaps.length).to.be.at.least(7);
    expect(Math.max(...gaps)).to.equal(1_000_000, 'so the first reverse step replays at most a million instructions');
  });

  it('a reverse step at the end of a write-heavy recording lands where the same steps forward were', async () => {
    const m = new VirtMachine({ kernel: file('samples/bench/mem.elf'), bios: 'none' });
    const t = new Timeline(m, { mode: 'live', clockMode: 'virtual' });
    await t.runForward({ budget: 9_000_000 });
    const h = m.stateHash();
    await t.runForward({ budget: 1 });
    const s = await t.reverseStep();
    expect(s.icount).to.equal(9_000_000);
    expect(m.stateHash()).to.equal(h);
  });
});
