import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { Timeline, type TimelineStop } from '../../dist/replay/timeline.js';
import { FakeMachine } from './fake-machine.js';

const SPARSE = { interval: 1e9, perLevel: 1, memoryBudget: Infinity };

/** Start `op`, interrupt it after `afterMs`, and measure how long the interrupt took to land. */
async function interruptAfter(afterMs: number, op: () => Promise<TimelineStop>, interrupt: () => void) {
  let asked = 0;
  const timer = setTimeout(() => { asked = performance.now(); interrupt(); }, afterMs);
  const stop = await op();
  clearTimeout(timer);
  return { stop, latencyMs: asked === 0 ? Infinity : performance.now() - asked };
}

describe('replay/timeline: interrupting long operations', function () {
  this.timeout(30_000);

  it('Ctrl-C stops a long forward run within 200 ms', async () => {
    const t = new Timeline(new FakeMachine({ idle: false }), { clockMode: 'virtual' });
    const { stop, latencyMs } = await interruptAfter(150, () => t.runForward({ budget: 1e12 }), () => t.interrupt());
    expect(stop.reason).to.equal('interrupted');
    expect(stop.icount).to.be.greaterThan(0);
    expect(latencyMs).to.be.lessThan(200);
    expect(t.endIcount).to.equal(stop.icount);
  });

  it('Ctrl-C stops a long seek within 200 ms at a real, consistent icount', async () => {
    const t = new Timeline(new FakeMachine({ idle: false }), { clockMode: 'virtual', snapshots: SPARSE });
    await t.runForward({ budget: 4_000_000 });
    const { stop, latencyMs } = await interruptAfter(50, () => t.seek(3_999_999), () => t.interrupt());
    expect(stop.reason).to.equal('interrupted');
    expect(latencyMs).to.be.lessThan(200);
    expect(stop.icount).to.be.within(1, 3_999_998);
    // The state there is the one a straight run has at that icount.
    const there = t.machine.stateHash();
    const m = new FakeMachine({ idle: false });
    m.run(stop.icount);
    expect(m.stateHash()).to.equal(there);
  });

  it('an AbortSignal stops a long reverse-continue within 200 ms', async () => {
    const t = new Timeline(new FakeMachine({ idle: false }), { clockMode: 'virtual', snapshots: SPARSE });
    await t.runForward({ budget: 4_000_000 });
    t.machine.breakpoints.add(0x0dead000); // never hit: the scan covers all history
    const ac = new AbortController();
    const { stop, latencyMs } = await interruptAfter(50, () => t.reverseContinue({ signal: ac.signal }), () => ac.abort());
    expect(stop.reason).to.equal('interrupted');
    expect(latencyMs).to.be.lessThan(200);
    // The timeline is usable afterwards: go back to the end and find nothing before it.
    expect(await t.seek(4_000_000)).to.include({ reason: 'step', icount: 4_000_000 });
  });

  it('an interrupt requested just before an operation starts stops it, and is then consumed', async () => {
    const t = new Timeline(new FakeMachine({ idle: false }), { clockMode: 'virtual' });
    t.interrupt();
    expect(t.busy).to.equal(false);
    expect(await t.runForward({ budget: 1000 })).to.include({ reason: 'interrupted', icount: 0 });
    expect(await t.runForward({ budget: 1000 })).to.include({ reason: 'budget', icount: 1000 });
  });

  it('reports progress of a long seek, throttled', async () => {
    const t = new Timeline(new FakeMachine({ idle: false }), { clockMode: 'virtual', snapshots: SPARSE });
    // Long enough (several hundred ms here) that progress is due at least once.
    await t.runForward({ budget: 12_000_000 });
    await t.seek(0);
    const seen: number[] = [];
    const t0 = performance.now();
    await t.seek(11_999_999, { onProgress: (f) => seen.push(f) });
    const ms = performance.now() - t0;
    expect(seen.length).to.be.greaterThan(0);
    expect(seen.length).to.be.at.most(Math.ceil(ms / 100) + 1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).to.be.at.least(seen[i - 1]);
    expect(seen[seen.length - 1]).to.be.at.most(1);
  });
});

describe('replay/timeline: idle warps of a live interactive session', function () {
  this.timeout(20_000);

  it('lets virtual time follow host time while idle up to the deadline, unlogged, and replays it without waiting', async () => {
    const t = new Timeline(new FakeMachine({ seed: 3 }), { clockMode: 'realtime', snapshots: { interval: 500, perLevel: 4 } });
    const t0 = performance.now();
    await t.runForward({ budget: 3000 });
    const hostMs = performance.now() - t0;
    // Every wait reached its deadline (short deadlines here): nothing to log, time still warped.
    expect(t.log.length).to.equal(0);
    expect(t.when().virtualNs).to.be.greaterThan(3000);
    const r = new Timeline(new FakeMachine({ seed: 3 }), { mode: 'replay', log: t.log.toArray(), endIcount: t.endIcount });
    const t1 = performance.now();
    expect(await r.runForward()).to.include({ reason: 'replaylog-end', icount: 3000 });
    expect(performance.now() - t1, 'replay does not wait').to.be.lessThan(hostMs);
    expect(r.machine.stateHash()).to.equal(t.machine.stateHash());
  });

  it('waits for input when nothing else can wake the guest, and logs the real time that passed', async () => {
    const t = new Timeline(new FakeMachine({ seed: 3, noTimer: true }), { clockMode: 'realtime', maxIdleWaitMs: 20 });
    // Only console input wakes this guest: type a key at 120 ms, then every 30 ms.
    let typer: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      t.queueInput({ kind: 'console', bytes: Uint8Array.of(0x71) });
      typer = setInterval(() => t.queueInput({ kind: 'console', bytes: Uint8Array.of(0x72) }), 30);
    }, 120);
    const stop = await t.runForward({ budget: 2000 });
    clearTimeout(first);
    clearInterval(typer);
    expect(stop.reason).to.equal('budget');
    expect(t.log.toArray().filter((e) => e.event.kind === 'console').length).to.be.greaterThan(1);
    const log = t.log.toArray();
    const firstConsole = log.findIndex((e) => e.event.kind === 'console');
    expect(firstConsole).to.be.greaterThan(0);
    const waited = log.slice(0, firstConsole).reduce((a, e) => a + (e.event.kind === 'warp' ? e.event.ns : 0), 0);
    expect(waited / 1e6).to.be.within(80, 1000);
    expect(log[firstConsole - 1].icount, 'warps and input at the same icount').to.equal(log[firstConsole].icount);
    const r = new Timeline(new FakeMachine({ seed: 3, noTimer: true }), { mode: 'replay', log, endIcount: t.endIcount });
    await r.runForward();
    expect(r.machine.stateHash()).to.equal(t.machine.stateHash());
  });

  it('with the virtual clock, warps straight to the deadline and can be interrupted while waiting for input', async () => {
    const t = new Timeline(new FakeMachine({ seed: 3, noTimer: true }), { clockMode: 'virtual' });
    const { stop, latencyMs } = await interruptAfter(100, () => t.runForward(), () => t.interrupt());
    expect(stop.reason).to.equal('interrupted');
    expect(latencyMs).to.be.lessThan(200);
    expect(t.log.length).to.equal(0);
  });
});
