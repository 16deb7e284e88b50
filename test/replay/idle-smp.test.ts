/**
 * Several harts idling at once. test/guests/idle-smp.elf: each hart waits for its own timer,
 * the periods differ, so wake-ups interleave and the order the harts run in shows in memory;
 * replay takes the unlogged warps exactly where the live run did, so every state matches.
 * test/guests/idle-kick.elf: the harts wait with no timer armed, so the live session waits at
 * each such point for input; the test then delivers inputs there (a warp cut short, a key, a
 * memory write to the CLINT's msip words that wakes some of the harts), after the board has
 * found every hart waiting once or more, where replay reaches the same icount by a run that
 * stops there. Live runs split into runs of different lengths and their replays must agree
 * at every point: which hart runs next and its quantum are state, not an accident of the path.
 */
import { expect } from 'chai';
import type { InputEvent } from '../../dist/machine/types.js';
import type { Session } from '../../dist/session/session.js';
import { toRecording } from '../../dist/session/session.js';
import { idleSession, replayThroughFile, shuffled, symbol } from './idle-guest.js';

const CLINT_MSIP = 0x2000000;

async function recordAndCompare(smp: number, clockMode: 'virtual' | 'realtime', keysAtMs: number[] = []) {
  const { s, out } = idleSession(clockMode, 'idle-smp.elf', smp);
  const timers = keysAtMs.map((ms) => setTimeout(() => s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x41) }), ms));
  const hashes = new Map<number, string>();
  let stop;
  do {
    stop = await s.timeline.runForward({ budget: 37 });
    hashes.set(s.timeline.icount, s.machine.stateHash());
  } while (stop.reason === 'budget');
  timers.forEach(clearTimeout);
  expect(stop.reason).to.equal('poweroff');
  expect(out()).to.equal('idle-smp: done\n');
  const { rec, s: r } = replayThroughFile(toRecording(s));
  const differ: number[] = [];
  for (const ic of shuffled([...hashes.keys()])) {
    await r.timeline.seek(ic);
    if (r.machine.stateHash() !== hashes.get(ic)) differ.push(ic);
  }
  return { rec, points: hashes.size, differ };
}

/** Every hart waits and nothing but input can wake one (no deadline armed). */
function stuck(s: Session): boolean {
  return s.machine.exitCode === undefined && s.machine.harts.every((h) => h.waiting()) && s.machine.nsUntilNextDeadline() === Infinity;
}

/**
 * What the test delivers at the k-th point where the guest waits for input: sometimes a warp
 * (as a wait cut short by the host logs) and a key, always a write of the msip words waking a
 * subset of the harts (all subsets in turn; parked harts ignore it, the guest then waits again
 * at the same icount for the next one).
 */
function kick(k: number, smp: number): InputEvent[] {
  const subsets = 2 ** smp - 1;
  const mask = ((2 * k + 1) % subsets) + 1;
  const words = new Uint8Array(4 * smp);
  for (let h = 0; h < smp; h++) words[4 * h] = (mask >> h) & 1;
  const evs: InputEvent[] = [];
  if (k % 3 === 1) evs.push({ kind: 'warp', ns: 1000 + k });
  if (k % 2 === 0) evs.push({ kind: 'console', bytes: Uint8Array.of(0x61 + (k % 26)) });
  evs.push({ kind: 'mem', paddr: CLINT_MSIP, bytes: words });
  return evs;
}

/**
 * A live run of idle-kick.elf in runs of `budget` instructions, the state hash noted at each
 * stop; inputs go in whenever the guest waits for them (the session is then waiting in its
 * idle loop, or about to, however long the host takes: the icount is the same).
 */
async function recordKicked(smp: number, budget: number) {
  const { s, out } = idleSession('virtual', 'idle-kick.elf', smp);
  const t = s.timeline;
  const hashes = new Map<number, string>();
  const kicks: number[] = [];
  let stop;
  do {
    let done = false;
    const p = t.runForward({ budget }).finally(() => { done = true; });
    while (!done) {
      await new Promise((res) => setImmediate(res));
      if (!done && stuck(s) && t.pendingInputs('mem') === 0) {
        for (const ev of kick(kicks.length, smp)) t.queueInput(ev);
        kicks.push(t.icount);
      }
    }
    stop = await p;
    hashes.set(t.icount, s.machine.stateHash());
  } while (stop.reason === 'budget');
  expect(stop.reason).to.equal('poweroff');
  expect(out()).to.equal('idle-kick: done\n');
  return { s, hashes, kicks, rec: toRecording(s) };
}

describe('replay/idle warps with several harts waiting', function () {
  this.timeout(300_000);

  for (const smp of [2, 3, 4]) {
    it(`${smp} harts, virtual clock: nothing logged, every state every 37 instructions as recorded`, async () => {
      const r = await recordAndCompare(smp, 'virtual');
      expect(r.rec.log).to.deep.equal([]);
      expect(r.points).to.be.above(70 * smp);
      expect(r.differ).to.deep.equal([]);
    });
  }

  it('2 harts, realtime clock with keys typed while they wait: only the waits cut short and the keys are logged, every state as recorded', async () => {
    const r = await recordAndCompare(2, 'realtime', [20, 45, 70, 95, 120, 145, 170, 195, 220]);
    const kinds = r.rec.log.map((e) => e.event.kind);
    expect(kinds.filter((k) => k === 'console').length).to.equal(9);
    expect(kinds.length).to.be.at.most(18);
    expect(r.differ).to.deep.equal([]);
  });

  for (const smp of [2, 3, 4]) {
    it(`${smp} harts woken only by inputs delivered while all wait: runs split two ways and their replays agree at every point`, async () => {
      const a = await recordKicked(smp, 37);
      const b = await recordKicked(smp, 101);
      // The same history whatever the split: inputs at the same icounts, the same end.
      expect(a.kicks.length, 'inputs delivered').to.be.at.least(10 + smp);
      expect(b.kicks).to.deep.equal(a.kicks);
      expect(b.rec.log).to.deep.equal(a.rec.log);
      expect(b.rec.endIcount).to.equal(a.rec.endIcount);
      expect(b.rec.finalStateHash).to.equal(a.rec.finalStateHash);
      // Every point either live run stopped at, replayed (in an order that goes back and forth).
      const { s: r } = replayThroughFile(a.rec);
      const want = new Map([...b.hashes, ...a.hashes]);
      for (const [ic, h] of b.hashes) if (a.hashes.has(ic)) expect(h, `live runs at icount ${ic}`).to.equal(a.hashes.get(ic));
      // Around each input: just before, at, and just after it.
      const around = a.kicks.flatMap((ic) => [ic - 1, ic, ic + 1, ic + 7]).filter((ic) => ic > 0 && ic <= a.rec.endIcount && !want.has(ic));
      const differ: number[] = [];
      for (const ic of shuffled([...want.keys()])) {
        await r.timeline.seek(ic);
        if (r.machine.stateHash() !== want.get(ic)) differ.push(ic);
      }
      expect(differ, `of ${want.size} points`).to.deep.equal([]);
      // Those points again through the other live session (seeking in its own history).
      for (const ic of shuffled(around)) {
        await r.timeline.seek(ic);
        await a.s.timeline.seek(ic);
        if (r.machine.stateHash() !== a.s.machine.stateHash()) differ.push(ic);
      }
      expect(differ, 'around the inputs').to.deep.equal([]);
      await r.timeline.seek(0);
      expect(await r.timeline.runForward(), 'the final hash checked').to.include({ reason: 'replaylog-end', icount: a.rec.endIcount, exitCode: 0 });
    });
  }

  for (const smp of [2, 3]) {
    it(`${smp} harts: recordings saved at a breakpoint just after a wake-up replay to their end, also with a register written there`, async () => {
      const { s } = idleSession('virtual', 'idle.elf', smp);
      const t = s.timeline;
      const woke = symbol(s, 'idle_woke');
      expect(woke).to.equal(0x80000038);
      expect((await t.runForward({ budget: 363 })).reason).to.equal('budget');
      s.machine.breakpoints.add(woke);
      const saved: { icount: number; hash: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const h = await t.runForward({ ignoreFirstStop: i > 0 });
        expect(h).to.include({ reason: 'breakpoint', hart: 0 });
        // The other harts wait (parked): the board passed over them to reach hart 0 here.
        expect(s.machine.harts.slice(1).every((x) => x.waiting())).to.equal(true);
        // A debugger write at the stop (s3, the ticks seen, +1): an input applied to that state
        // (a replay stops there with every input logged there applied: after the write).
        if (i === 3) t.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: 19, value: s.machine.harts[0].getX(19) + 1n });
        saved.push({ icount: t.icount, hash: s.machine.stateHash() });
        const rec = toRecording(s);
        expect(rec.finalStateHash).to.equal(s.machine.stateHash());
        // Replayed with the breakpoint: the same stops (more: the first 363 instructions had
        // wake-ups too) in the same states, then the end, where the final hash is checked.
        const { s: r } = replayThroughFile(rec);
        r.machine.breakpoints.add(woke);
        const hits = new Map<number, string>();
        let stop = await r.timeline.runForward();
        for (; stop.reason === 'breakpoint'; stop = await r.timeline.runForward({ ignoreFirstStop: true })) hits.set(stop.icount, r.machine.stateHash());
        expect(stop, `saved at icount ${t.icount}`).to.include({ reason: 'replaylog-end', icount: t.icount });
        expect(r.machine.stateHash()).to.equal(rec.finalStateHash);
        for (const p of saved.slice(0, i)) expect(hits.get(p.icount), `stop at icount ${p.icount}`).to.equal(p.hash);
      }
    });
  }
});
