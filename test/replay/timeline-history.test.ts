import { expect } from 'chai';
import { checkDeterminism } from '../../dist/replay/determinism.js';
import { decodeRecording, encodeRecording } from '../../dist/replay/recording.js';
import { ReplayDivergenceError, Timeline } from '../../dist/replay/timeline.js';
import { FakeMachine } from './fake-machine.js';
import { fake, liveTimeline, POLICY } from './helpers.js';

const CONFIG = { memory: 64 * 1024, smp: 1, options: { fake: true } };

/** Record `n` instructions with console input at the given icounts. */
async function record(n: number, inputs: number[], seed = 1): Promise<Timeline> {
  const t = liveTimeline({ seed });
  for (const at of inputs) {
    await t.runForward({ budget: at - t.icount });
    t.queueInput({ kind: 'console', bytes: new TextEncoder().encode(`in${at}`) });
  }
  await t.runForward({ budget: n - t.icount });
  return t;
}

function replayOf(t: Timeline, seed = 1): Timeline {
  return new Timeline(new FakeMachine({ seed }), { mode: 'replay', log: t.log.toArray(), endIcount: t.endIcount, snapshots: POLICY });
}

describe('replay/timeline: history', () => {
  it('logs live input with its icount and replays to identical states', async () => {
    const report = await checkDeterminism({
      makeMachine: () => new FakeMachine({ seed: 21 }),
      instructions: 60_000,
      inputs: 25,
      makeInput: (i) => ({ kind: 'console', bytes: Uint8Array.of(0x61 + (i % 26)) }),
      checks: 120,
      snapshots: POLICY,
    });
    expect(report.checked).to.be.at.least(100);
    expect(report.logEntries, 'the console inputs only: idle warps to a deadline are not logged').to.equal(25);
    expect(report.mismatches).to.deep.equal([]);
  });

  it('replays multi-hart runs to identical states too', async () => {
    const report = await checkDeterminism({
      makeMachine: () => new FakeMachine({ seed: 4, harts: 3, quantum: 13 }),
      instructions: 30_000,
      inputs: 10,
      makeInput: () => ({ kind: 'console', bytes: Uint8Array.of(13) }),
      checks: 100,
      snapshots: POLICY,
    });
    expect(report.mismatches).to.deep.equal([]);
  });

  it('the check fails when replay differs (inputs are what make the run)', async () => {
    const t = await record(8000, [1000, 5000]);
    const h = t.machine.stateHash();
    const lacking = new Timeline(new FakeMachine({ seed: 1 }), {
      mode: 'replay', log: t.log.toArray().filter((e) => e.event.kind !== 'console'), endIcount: t.endIcount, snapshots: POLICY,
    });
    await lacking.seek(8000);
    expect(lacking.machine.stateHash()).to.not.equal(h);
  });

  it('stops at the end of a replayed recording with replaylog-end, and at its beginning with replaylog-begin', async () => {
    const t = await record(10_000, [2000]);
    const r = replayOf(t);
    expect(r.live).to.equal(false);
    expect(await r.runForward()).to.include({ reason: 'replaylog-end', icount: 10_000 });
    expect(r.machine.stateHash()).to.equal(t.machine.stateHash());
    expect(await r.runForward()).to.include({ reason: 'replaylog-end', icount: 10_000 });
    let err: unknown;
    try { await r.seek(10_001); } catch (e) { err = e; }
    expect((err as Error).message).to.match(/beyond the end of history \(10000\)/);
    expect(await r.reverseContinue()).to.include({ reason: 'replaylog-begin', icount: 0 });
    expect(await r.reverseStep()).to.include({ reason: 'replaylog-begin', icount: 0 });
    expect(await r.reverseContinue()).to.include({ reason: 'replaylog-begin', icount: 0 });
    // A live history goes on recording instead.
    expect(await t.runForward({ budget: 100 })).to.include({ reason: 'budget', icount: 10_100 });
    expect(t.endIcount).to.equal(10_100);
  });

  it('round-trips a live history through a recording and verifies the final state', async () => {
    const t = await record(12_000, [100, 7000]);
    const rec = decodeRecording(encodeRecording(t.toRecording(CONFIG, [])));
    expect(rec.finalStateHash).to.equal(t.machine.stateHash());
    const r = new Timeline(new FakeMachine({ seed: 1 }), {
      mode: 'replay', log: rec.log, endIcount: rec.endIcount, expectedFinalHash: rec.finalStateHash, snapshots: POLICY,
    });
    expect(await r.runForward()).to.include({ reason: 'replaylog-end', icount: 12_000 });
    // A machine that behaves differently is caught at the end.
    const wrong = new Timeline(new FakeMachine({ seed: 2 }), {
      mode: 'replay', log: rec.log, endIcount: rec.endIcount, expectedFinalHash: rec.finalStateHash, snapshots: POLICY,
    });
    let err: unknown;
    try { await wrong.runForward(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ReplayDivergenceError);
  });

  it('changing the past discards later history and records the new future', async () => {
    const t = await record(20_000, [3000, 15_000]);
    await t.seek(13_000);
    const oldAt13 = t.machine.stateHash();
    await t.seek(8000);
    const snapsAfter = () => t.snapshots.list().filter((e) => e.icount > 8000).length;
    expect(snapsAfter()).to.be.greaterThan(0);
    t.recordDebuggerWrite({ kind: 'mem', paddr: 0x200, bytes: Uint8Array.of(1, 2, 3, 4) });
    expect(t.endIcount).to.equal(8000);
    expect(t.live).to.equal(true);
    expect(snapsAfter()).to.equal(0);
    const log = t.log.toArray();
    expect(log.every((e) => e.icount <= 8000)).to.equal(true);
    expect(log[log.length - 1]).to.deep.include({ icount: 8000 });
    expect(log[log.length - 1].event.kind).to.equal('mem');
    expect([...fake(t).readMem(0x200, 4)]).to.deep.equal([1, 2, 3, 4]);
    await t.runForward({ budget: 5000 });
    const newAt13 = t.machine.stateHash();
    expect(newAt13).to.not.equal(oldAt13);
    // The new history replays faithfully.
    const r = replayOf(t);
    await r.seek(13_000);
    expect(r.machine.stateHash()).to.equal(newAt13);
  });

  it('a debugger write while replaying a recording turns it live', async () => {
    const t = await record(5000, []);
    const r = replayOf(t);
    await r.seek(4000);
    r.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: 10, value: 42n });
    expect(fake(r).accOf(0)).to.equal(42);
    expect(r.live).to.equal(true);
    expect(r.endIcount).to.equal(4000);
    expect(await r.runForward({ budget: 2000 })).to.include({ reason: 'budget', icount: 6000 });
  });

  it('debugger writes at two points (as around a gdb inferior call): when() and a replay agree', async () => {
    const t = liveTimeline({ seed: 9 });
    await t.runForward({ budget: 1000 });
    for (let i = 0; i < 6; i++) t.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: 10 + i, value: BigInt(i) });
    await t.runForward({ budget: 500 });
    for (let i = 0; i < 2; i++) t.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: 10, value: 7n + BigInt(i) });
    // Only the 2 writes logged at 1500 are applied here (the 6 at 1000 were counted there).
    expect(t.when()).to.include({ icount: 1500, hart: 0 });
    expect(t.when().virtualNs).to.equal(fake(t).nowNs());
    t.checkpoint('after');
    await t.runForward({ budget: 500 });
    await t.restart('after');
    expect(t.when()).to.include({ icount: 1500 });
    await t.runForward({ budget: 500 });
    const h = t.machine.stateHash();
    const r = replayOf(t, 9);
    await r.seek(2000);
    expect(r.machine.stateHash()).to.equal(h);
  });

  it('checkpoints, restart, and a clear error for a checkpoint in discarded history', async () => {
    const t = liveTimeline({ seed: 8 });
    await t.runForward({ budget: 1000 });
    const h1000 = t.machine.stateHash();
    expect(t.checkpoint('a')).to.deep.equal({ name: 'a', icount: 1000 });
    await t.runForward({ budget: 4000 });
    expect(t.checkpoint()).to.deep.equal({ name: 'cp1', icount: 5000 });
    expect(t.checkpoints()).to.deep.equal([{ name: 'a', icount: 1000 }, { name: 'cp1', icount: 5000 }]);
    expect(await t.restart('a')).to.include({ icount: 1000 });
    expect(t.machine.stateHash()).to.equal(h1000);
    await t.restart('cp1');
    expect(t.icount).to.equal(5000);
    await t.seek(3000);
    t.recordDebuggerWrite({ kind: 'console', bytes: Uint8Array.of(1) });
    let err: unknown;
    try { await t.restart('cp1'); } catch (e) { err = e; }
    expect((err as Error).message).to.match(/cp1 was in history discarded/);
    try { await t.restart('nope'); } catch (e) { err = e; }
    expect((err as Error).message).to.match(/no checkpoint named nope/);
  });

  it('reports when (icount, virtual time, hart) and info (span, snapshots, log)', async () => {
    const t = await record(10_000, [500]);
    const w = t.when();
    expect(w).to.deep.equal({ icount: 10_000, virtualNs: fake(t).nowNs(), hart: 0 });
    // The guest idled (time warped) though the log holds no warp: when() reads the clock.
    expect(t.log.toArray().filter((e) => e.event.kind === 'warp')).to.deep.equal([]);
    expect(w.virtualNs).to.be.greaterThan(10_000);
    await t.seek(400);
    expect(t.when().virtualNs).to.equal(fake(t).nowNs());
    await t.seek(9000);
    expect(t.when().virtualNs).to.equal(fake(t).nowNs());
    expect(t.when().virtualNs).to.be.greaterThan(9000);
    await t.seek(400);
    const i = t.info();
    expect(i).to.include({ startIcount: 0, endIcount: 10_000, position: 400, live: true, logEntries: t.log.length });
    expect(i.snapshotCount).to.be.greaterThan(2);
    expect(i.snapshotBytes).to.be.greaterThan(0);
    expect(i.logBytes).to.be.greaterThan(16);
  });

  it('keeps snapshots within the memory budget', async () => {
    const t = liveTimeline({ seed: 2 }, { snapshots: { interval: 200, perLevel: 4, memoryBudget: 10 * 4096 } });
    await t.runForward({ budget: 100_000 });
    expect(t.info().snapshotBytes).to.be.at.most(10 * 4096);
    expect(t.snapshots.list()[0].icount).to.equal(0);
    // Still exact after thinning.
    const h = t.machine.stateHash();
    await t.seek(50_000);
    await t.seek(100_000);
    expect(t.machine.stateHash()).to.equal(h);
  });
});
