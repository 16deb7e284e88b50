import { expect } from 'chai';
import { CODE_BASE } from './fake-machine.js';
import { fake, liveTimeline, oracleStops, word } from './helpers.js';

const N = 20_000;
const BP = CODE_BASE + 4 * 10;

describe('replay/timeline: seek and reverse execution', () => {
  it('seek gives exactly the state of a straight run, in any order', async () => {
    const t = liveTimeline({ seed: 7 });
    const points = [0, 1, 499, 500, 501, 3333, 7000, 12345, 19999, N];
    const hashes = new Map<number, string>();
    for (const p of points) {
      if (p > t.icount) expect((await t.runForward({ budget: p - t.icount })).reason).to.equal('budget');
      hashes.set(p, t.machine.stateHash());
    }
    // The guest idled several times: virtual time ran ahead of the icount, with nothing logged.
    expect(t.log.length, 'idle warps to the deadline are not logged').to.equal(0);
    expect(fake(t).nowNs()).to.be.greaterThan(N + 1500);
    for (const p of [12345, 0, N, 501, 19999, 1, 7000, 500, 3333, 499]) {
      const s = await t.seek(p);
      expect(s).to.include({ reason: 'step', icount: p });
      expect(t.machine.stateHash(), `hash at ${p}`).to.equal(hashes.get(p));
    }
  });

  it('reverse-stepi undoes stepi, one instruction at a time', async () => {
    const t = liveTimeline({ seed: 3 });
    await t.runForward({ budget: 5000 });
    const trail: { icount: number; pc: number; hash: string }[] = [];
    for (let i = 0; i < 10; i++) {
      trail.push({ icount: t.icount, pc: fake(t).pcOf(0), hash: t.machine.stateHash() });
      const s = await t.runForward({ stepHart: 0 });
      expect(s.reason).to.equal('step');
    }
    for (let i = 9; i >= 0; i--) {
      const s = await t.reverseStep();
      expect(s.reason).to.equal('step');
      expect(s.icount).to.equal(trail[i].icount);
      expect(fake(t).pcOf(0)).to.equal(trail[i].pc);
      expect(t.machine.stateHash()).to.equal(trail[i].hash);
    }
  });

  it('after one reverse-stepi, the next ones replay only a short stretch (finer snapshots near the position)', async () => {
    const t = liveTimeline({ seed: 3 }, { snapshots: { interval: 4096, perLevel: 4, fineLevels: 5, memoryBudget: Infinity } });
    await t.runForward({ budget: 50_000 });
    await t.reverseStep();
    const before = fake(t).executedTotal;
    for (let i = 0; i < 20; i++) await t.reverseStep();
    expect(t.icount).to.equal(50_000 - 21);
    // Without refinement each step would replay up to 4096 instructions.
    expect((fake(t).executedTotal - before) / 20).to.be.at.most(4096 / 32);
  });

  it('reverse-continue stops at each earlier breakpoint hit in turn, then at replaylog-begin', async () => {
    const oracle = oracleStops({ seed: 5 }, N, (m) => m.breakpoints.add(BP));
    expect(oracle.stops.length).to.be.greaterThan(3);
    const t = liveTimeline({ seed: 5 });
    await t.runForward({ budget: N });
    expect(t.machine.stateHash()).to.equal(oracle.hash);
    t.machine.breakpoints.add(BP);
    for (let i = oracle.stops.length - 1; i >= 0; i--) {
      const s = await t.reverseContinue();
      expect(s).to.include({ reason: 'breakpoint', icount: oracle.stops[i].icount });
      expect(fake(t).pcOf(0)).to.equal(BP);
    }
    const s = await t.reverseContinue();
    expect(s).to.include({ reason: 'replaylog-begin', icount: 0 });
    // Forward again from the beginning finds the first hit.
    expect(await t.runForward()).to.include({ reason: 'breakpoint', icount: oracle.stops[0].icount });
  });

  it('reverse-continue honours a condition evaluated at each candidate', async () => {
    const oracle = oracleStops({ seed: 5 }, N, (m) => m.breakpoints.add(BP));
    const wanted = oracle.stops.filter((s) => (s.acc & 1) === 0);
    expect(wanted.length).to.be.greaterThan(1);
    const t = liveTimeline({ seed: 5 });
    await t.runForward({ budget: N });
    t.machine.breakpoints.add(BP);
    const predicate = () => (fake(t).accOf(0) & 1) === 0;
    for (let i = wanted.length - 1; i >= Math.max(0, wanted.length - 3); i--) {
      expect(await t.reverseContinue({ predicate })).to.include({ reason: 'breakpoint', icount: wanted[i].icount });
    }
  });

  it('reverse watchpoints stop at the writing instruction with memory as before it, then find the write before', async () => {
    // Find an address written several times.
    const all = oracleStops({ seed: 9 }, N, (m) => m.watchpoints.push({ addr: 0, len: 0x10000, kind: 'write' }));
    const counts = new Map<number, number>();
    for (const s of all.stops) counts.set(s.watch!.accessAddr, (counts.get(s.watch!.accessAddr) ?? 0) + 1);
    const addr = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const w = { addr, len: 4, kind: 'write' as const };
    const oracle = oracleStops({ seed: 9 }, N, (m) => m.watchpoints.push(w));
    expect(oracle.stops.length).to.be.greaterThan(2);

    const t = liveTimeline({ seed: 9 });
    await t.runForward({ budget: N });
    t.machine.watchpoints.push(w);
    const last = oracle.stops[oracle.stops.length - 1];
    let s = await t.reverseContinue();
    expect(s).to.include({ reason: 'watchpoint', icount: last.icount });
    expect(s.watch!.accessAddr).to.equal(addr);
    expect(word(fake(t), addr), 'memory as before the write').to.equal(last.before);
    // Stepping over the store shows the new value...
    expect((await t.runForward({ budget: 1, ignoreFirstStop: true })).reason).to.equal('budget');
    expect(word(fake(t), addr)).to.equal(last.after);
    // ...and reverse-continue from just after it finds that same write, then the one before.
    expect(await t.reverseContinue()).to.include({ reason: 'watchpoint', icount: last.icount });
    const prev = oracle.stops[oracle.stops.length - 2];
    s = await t.reverseContinue();
    expect(s).to.include({ reason: 'watchpoint', icount: prev.icount });
    expect(word(fake(t), addr)).to.equal(prev.before);
  });

  it('reverse watchpoints can stop just after the access, as gdb over RSP expects, then gdb steps back', async () => {
    const all = oracleStops({ seed: 9 }, N, (m) => m.watchpoints.push({ addr: 0, len: 0x10000, kind: 'write' }));
    const counts = new Map<number, number>();
    for (const s of all.stops) counts.set(s.watch!.accessAddr, (counts.get(s.watch!.accessAddr) ?? 0) + 1);
    const addr = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const w = { addr, len: 4, kind: 'write' as const };
    const oracle = oracleStops({ seed: 9 }, N, (m) => m.watchpoints.push(w));
    const [prev, last] = oracle.stops.slice(-2);
    const t = liveTimeline({ seed: 9 });
    await t.runForward({ budget: N });
    t.machine.watchpoints.push(w);
    let s = await t.reverseContinue({ watchStop: 'after' });
    expect(s).to.include({ reason: 'watchpoint', icount: last.icount + 1 });
    expect(word(fake(t), addr), 'memory already written').to.equal(last.after);
    // Again from just after the access: reported at once, without moving.
    s = await t.reverseContinue({ watchStop: 'after' });
    expect(s).to.include({ reason: 'watchpoint', icount: last.icount + 1 });
    // gdb's own bs (watchpoints removed) lands on the store with memory as before it.
    t.machine.watchpoints.length = 0;
    expect(await t.reverseStep()).to.include({ reason: 'step', icount: last.icount });
    expect(word(fake(t), addr)).to.equal(last.before);
    t.machine.watchpoints.push(w);
    expect(await t.reverseContinue({ watchStop: 'after' })).to.include({ reason: 'watchpoint', icount: prev.icount + 1 });
  });

  it('last-write finds the last store to a range without moving', async () => {
    const all = oracleStops({ seed: 9 }, N, (m) => m.watchpoints.push({ addr: 0x100, len: 0x40, kind: 'write' }));
    const last = all.stops[all.stops.length - 1];
    const t = liveTimeline({ seed: 9 });
    await t.runForward({ budget: N });
    const before = t.machine.stateHash();
    const hit = await t.lastWrite(0x100, 0x40);
    expect(hit).to.not.equal(null);
    expect(hit).to.include({ icount: last.icount, pc: last.pc, hart: 0 });
    expect(t.icount).to.equal(N);
    expect(t.machine.stateHash()).to.equal(before);
    expect(await t.seek(last.icount)).to.include({ icount: last.icount });
    expect(await t.lastWrite(0x100, 0x40)).to.include({ icount: all.stops[all.stops.length - 2].icount });
    expect(await t.lastWrite(0xf000, 4), 'never written').to.equal(null);
  });

  it('reverse-stepi with several harts goes back to the selected hart\'s previous instruction', async () => {
    const f = { harts: 3, quantum: 5, seed: 11 };
    const t = liveTimeline(f);
    // Note which hart executes each instruction (stepping the bare machine).
    const who: number[] = [];
    await t.runForward({ budget: 3000 });
    const end = t.icount;
    await t.seek(0);
    while (t.icount < end) {
      const s = await t.runForward({ budget: 1 });
      expect(s.reason).to.equal('budget');
      who.push(t.currentHart);
    }
    for (const hart of [1, 1, 2, 0, 1]) {
      const from = t.icount;
      let j = from - 1;
      while (who[j] !== hart) j--;
      const s = await t.reverseStep(hart);
      expect(s).to.include({ reason: 'step', icount: j, hart });
    }
    const here = t.icount;
    expect(await t.reverseStep()).to.include({ reason: 'step', icount: here - 1, hart: who[here - 1] });
  });
});
