/**
 * Idle warps across recording format versions. Files of versions 1 and 2 (written by the rvrr
 * before version 3, test/replay/fixtures/make-legacy-recordings.mjs) log every warp: they still
 * replay, to the very states that rvrr computed. Recordings made now of the same guest reach
 * those same states at every icount though they log no warp, through the file, through
 * keyframes taken while the guest idles, and backwards (reverse steps scan through idle points).
 */
import { expect } from 'chai';
import { decodeRecording, encodeRecording, summarizeRecording, type Recording } from '../../dist/replay/recording.js';
import { replaySessionOf, toRecording, type Session } from '../../dist/session/session.js';
import { seedKeyframes, withKeyframes, type KeyframeRule } from '../../dist/session/keyframes.js';
import { LEGACY_QUANTUM } from '../../dist/machine/virt.js';
import { fixture, idleSession, replayThroughFile, shuffled, symbol } from './idle-guest.js';

interface Seen { icount: number; hash: string; virtualNs: number }
const legacy = JSON.parse(Buffer.from(fixture('legacy.json')).toString('utf8')) as Record<string, { endIcount: number; finalStateHash: string; logEntries: number; points: Seen[] }>;
/** Keyframes about every 2500 instructions (the guest runs 10k), at idle points. */
const RULE: KeyframeRule = { maxCount: 4, share: 1, minBudget: 1 << 20, minSpacing: 2000 };

async function seeded(rec: Recording): Promise<Session> {
  const s = replaySessionOf(rec);
  const r = await seedKeyframes(s.timeline, rec, { ramPages: s.config.memoryBytes / 4096, harts: s.config.smp });
  expect(r.problems).to.deep.equal([]);
  expect(r.used.length).to.equal(rec.keyframes?.length ?? 0);
  return s;
}

async function expectSeen(s: Session, points: Seen[]): Promise<void> {
  for (const p of shuffled(points.map((x) => x.icount)).map((ic) => points.find((x) => x.icount === ic)!)) {
    await s.timeline.seek(p.icount);
    expect(s.machine.stateHash(), `state at icount ${p.icount}`).to.equal(p.hash);
    expect(s.timeline.when().virtualNs, `virtual time at icount ${p.icount}`).to.equal(p.virtualNs);
  }
}

describe('replay/idle warps across format versions', function () {
  this.timeout(120_000);

  for (const [name, version] of [['idle-v1.rvrr', 1], ['idle-v2.rvrr', 2]] as const) {
    it(`a version ${version} recording (every warp logged) replays to the states the rvrr that wrote it saw`, async () => {
      const bytes = fixture(name);
      const seen = legacy[name];
      expect(Buffer.from(bytes).readUInt16LE(8)).to.equal(version);
      const rec = decodeRecording(bytes);
      expect(rec.log.length).to.equal(seen.logEntries);
      expect(rec.log.filter((e) => e.event.kind === 'warp').length, 'a warp per wake-up').to.be.at.least(1000);
      expect(rec.keyframes?.length ?? 0).to.equal(version === 2 ? 4 : 0);
      const end = seen.points[seen.points.length - 1];
      // The log adds up to the virtual time (nothing unlogged in these versions).
      expect(rec.endWarpNs).to.equal(end.virtualNs - rec.endIcount);
      expect(summarizeRecording(rec).virtualNsEnd).to.equal(end.virtualNs);
      const s = await seeded(rec);
      await expectSeen(s, seen.points);
      await s.timeline.seek(0);
      expect(await s.timeline.runForward(), 'the final hash checked').to.include({ reason: 'replaylog-end', icount: seen.endIcount, exitCode: 0 });
      // Written again (as `rvrr index` does), it is a version 3 file with the same history.
      const again = encodeRecording(rec);
      expect(Buffer.from(again).readUInt16LE(8)).to.equal(3);
      const rec3 = decodeRecording(again);
      expect(rec3.endWarpNs).to.equal(rec.endWarpNs);
      await expectSeen(await seeded(rec3), seen.points.slice(0, 6));
    });
  }

  it('a recording made now of the guest on two idle harts: the old states at every icount, no warp logged, replayed through keyframes and backwards', async () => {
    // With the quantum the old files were made with (they name none: replayed with it).
    const { s, out } = idleSession('virtual', 'idle.elf', 2, LEGACY_QUANTUM);
    const t = s.timeline;
    const hashes = new Map<number, string>();
    const times = new Map<number, number>();
    let stop;
    do {
      stop = await t.runForward({ budget: 613 });
      hashes.set(t.icount, s.machine.stateHash());
      times.set(t.icount, t.when().virtualNs);
    } while (stop.reason === 'budget');
    expect(stop.reason).to.equal('poweroff');
    expect(out()).to.equal('idle: 1000 ticks\n');
    expect(t.log.length).to.equal(0);
    const rec = toRecording(s);
    expect(rec.finalStateHash).to.equal(legacy['idle-v2.rvrr'].finalStateHash);
    expect(rec.endIcount).to.equal(legacy['idle-v2.rvrr'].endIcount);
    // The same states as the rvrr that logged every warp (same guest, same configuration).
    await expectSeen(s, legacy['idle-v2.rvrr'].points);

    // Through the file, with keyframes taken at idle points.
    const kf = (await withKeyframes(t, rec, RULE)).recording;
    expect(kf.keyframes?.length).to.equal(4);
    const back = decodeRecording(encodeRecording(kf));
    expect(back.endWarpNs).to.equal(rec.endWarpNs);
    const r = await seeded(back);
    expect(r.timeline.info().keyframeCount).to.equal(4);
    await expectSeen(r, [...hashes.keys()].map((icount) => ({ icount, hash: hashes.get(icount)!, virtualNs: times.get(icount)! })));
    await expectSeen(r, legacy['idle-v2.rvrr'].points);

    // Backwards: with two harts, reverse steps scan history instruction by instruction,
    // through the idle points, to the state noted while recording.
    const from = [...hashes.keys()].find((ic) => ic > 6000)!;
    await r.timeline.seek(from + 60);
    for (let i = 0; i < 60; i++) expect((await r.timeline.reverseStep()).reason).to.equal('step');
    expect(r.timeline.icount).to.equal(from);
    expect(r.machine.stateHash()).to.equal(hashes.get(from));

    // Reverse-continue to a breakpoint where the timer wakes the guest: the hits forward, in reverse.
    const woke = symbol(r, 'idle_woke');
    const fwd = replayThroughFile(rec).s;
    fwd.machine.breakpoints.add(woke);
    const hits: number[] = [];
    for (let h = await fwd.timeline.runForward(); h.reason === 'breakpoint'; h = await fwd.timeline.runForward({ ignoreFirstStop: true })) hits.push(h.icount);
    expect(hits.length).to.equal(1000);
    await r.timeline.seek(rec.endIcount);
    r.machine.breakpoints.add(woke);
    for (const want of hits.slice(-3).reverse()) {
      const h = await r.timeline.reverseContinue();
      expect(h).to.include({ reason: 'breakpoint', icount: want });
      expect(Number(r.machine.harts[0].getPC())).to.equal(woke);
    }
    // Continuing from there steps off the breakpoint though the hart still waits (the warp
    // that wakes it comes first): the next stop is the next wake-up.
    expect(await r.timeline.runForward({ ignoreFirstStop: true })).to.include({ reason: 'breakpoint', icount: hits[hits.length - 2] });
  });
});
