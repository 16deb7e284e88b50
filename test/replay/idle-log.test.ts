/**
 * How fast the event log of a live session grows while the guest idles: test/guests/idle.elf
 * waits in wfi for 1000 timer ticks 1 ms apart (one virtual second), idle-long.elf for 3000.
 * A wake-up at the deadline is recomputed by replay, so it is not logged: before recording
 * format 3 each one was a 21-byte 'warp' (21 KB per virtual second at 1 kHz); now an idling
 * guest logs nothing. Only a wait cut short (input arrived, the user interrupted) logs the
 * time that really passed, and a stop right after an unlogged warp logs it (the end of
 * history must be what the log says).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeRecording } from '../../dist/replay/recording.js';
import { toRecording } from '../../dist/session/session.js';
import { idleSession, logBytes, replayThroughFile, shuffled, symbol } from './idle-guest.js';

const MS = 1_000_000;
const root = new URL('../../', import.meta.url).pathname;
/** x19 (s3) counts the ticks seen in idle.S. */
const REG_S3 = 19;

async function idleRun(clockMode: 'virtual' | 'realtime', elf: string) {
  const { s, out } = idleSession(clockMode, elf);
  const stop = await s.timeline.runForward();
  const rec = toRecording(s);
  return { s, stop, out: out(), rec, logBytes: logBytes(rec), seconds: s.timeline.when().virtualNs / 1e9 };
}

describe('replay/idle log growth', function () {
  this.timeout(120_000);

  it('virtual clock: three virtual seconds idling at 1 kHz log nothing, and rvrr info still tells the time', async () => {
    const r = await idleRun('virtual', 'idle-long.elf');
    expect(r.stop.reason).to.equal('poweroff');
    expect(r.out).to.equal('idle: 3000 ticks\n');
    expect(r.seconds).to.be.within(3.0, 3.001);
    expect(r.rec.log).to.deep.equal([]);
    expect(r.logBytes).to.equal(0);
    const { rec, s } = replayThroughFile(r.rec);
    const sum = summarizeRecording(rec);
    expect(sum.virtualNsEnd).to.equal(r.s.timeline.when().virtualNs);
    expect(sum.warpNs).to.equal(sum.virtualNsEnd - rec.endIcount);
    expect(await s.timeline.runForward()).to.include({ reason: 'replaylog-end', icount: r.rec.endIcount, exitCode: 0 });
    expect(s.timeline.when().virtualNs).to.equal(sum.virtualNsEnd);
  });

  it('realtime clock: the same three seconds log under 100 bytes per virtual second', async () => {
    const r = await idleRun('realtime', 'idle-long.elf');
    expect(r.stop.reason).to.equal('poweroff');
    expect(r.out).to.equal('idle: 3000 ticks\n');
    expect(r.seconds).to.be.within(3.0, 3.001);
    expect(r.logBytes / r.seconds).to.be.below(100);
    const { s } = replayThroughFile(r.rec);
    expect((await s.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(s.machine.stateHash()).to.equal(r.rec.finalStateHash);
  });

  it('`rvrr record` of the idling guest writes no event, and `rvrr info` tells its virtual time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvrr-idle-'));
    try {
      const f = join(dir, 'idle.rvrr');
      const rec = spawnSync(process.execPath, ['dist/cli.js', 'record', '--kernel', 'test/guests/idle-long.elf', '--memory', '16M', '--console', 'none', '--no-keyframes', '-o', f], { cwd: root, encoding: 'utf8' });
      expect(rec.status, rec.stderr).to.equal(0);
      expect(rec.stderr).to.match(/rvrr: recorded \d+ instructions, 0 input events/);
      expect(statSync(f).size, 'the file: the image, a few headers').to.be.below(12_000);
      const info = spawnSync(process.execPath, ['dist/cli.js', 'info', f], { cwd: root, encoding: 'utf8' });
      expect(info.status, info.stderr).to.equal(0);
      expect(info.stdout).to.match(/^virtual time: 0 \.\. 3\.000 s \(idle warps 3\.000 s\)$/m);
      expect(info.stdout).to.match(/^events: 0$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('input arriving mid-wait: the time waited is logged, then the input, and replay reproduces every state', async () => {
    const { s, out } = idleSession('realtime');
    // Five keys while the guest idles (they do not wake it: only MTIE is enabled).
    const timers = [100, 250, 400, 550, 700].map((ms, i) => setTimeout(() => s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x61 + i) }), ms));
    const hashes = new Map<number, string>();
    let stop;
    do {
      stop = await s.timeline.runForward({ budget: 397 });
      hashes.set(s.timeline.icount, s.machine.stateHash());
    } while (stop.reason === 'budget');
    timers.forEach(clearTimeout);
    expect(stop.reason).to.equal('poweroff');
    expect(out()).to.equal('idle: 1000 ticks\n');
    const log = s.timeline.log.toArray();
    const keys = log.filter((e) => e.event.kind === 'console');
    expect(keys.length).to.equal(5);
    // A key that came during a wait follows, at its icount, the part of the wait that passed.
    const cut = keys.filter((k) => log.some((e) => e.icount === k.icount && e.event.kind === 'warp' && e.event.ns < 1 * MS));
    expect(cut.length, 'keys that cut a wait short').to.be.at.least(1);
    expect(log.length, 'nothing else logged').to.be.at.most(10);
    const { rec, s: r } = replayThroughFile(toRecording(s));
    for (const ic of shuffled([...hashes.keys()])) {
      await r.timeline.seek(ic);
      expect(r.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
    }
    expect((await r.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(r.machine.stateHash()).to.equal(rec.finalStateHash);
  });

  it('a stop right after an unlogged warp (a breakpoint where the timer wakes the guest) logs it, so the saved history ends there', async () => {
    const { s } = idleSession('virtual');
    const woke = symbol(s, 'idle_woke');
    s.machine.breakpoints.add(woke);
    const first = await s.timeline.runForward();
    expect(first.reason).to.equal('breakpoint');
    expect(Number(s.machine.harts[0].getPC())).to.equal(woke);
    // The warp that woke the guest is in the state, so it is in the log now.
    expect(s.timeline.log.toArray()).to.have.length(1);
    expect(s.timeline.log.toArray()[0]).to.deep.include({ icount: first.icount });
    expect(s.timeline.log.toArray()[0].event.kind).to.equal('warp');
    const stopped = replayThroughFile(toRecording(s));
    expect((await stopped.s.timeline.runForward()).reason, 'replay checks the final state hash').to.equal('replaylog-end');
    // Going on: one more logged warp per stop, none once the breakpoint is gone.
    expect((await s.timeline.runForward({ ignoreFirstStop: true })).reason).to.equal('breakpoint');
    s.machine.breakpoints.delete(woke);
    expect((await s.timeline.runForward()).reason).to.equal('poweroff');
    expect(s.timeline.log.length).to.equal(2);
    const { rec, s: r } = replayThroughFile(toRecording(s));
    expect((await r.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(r.machine.stateHash()).to.equal(rec.finalStateHash);
  });

  it('the user interrupting an idle realtime session: what passed is logged, and the run replays', async () => {
    const { s } = idleSession('realtime');
    const running = s.timeline.runForward();
    await new Promise((res) => setTimeout(res, 300));
    s.timeline.interrupt();
    const stop = await running;
    expect(stop.reason).to.equal('interrupted');
    // Virtual time followed host time (never ahead of it; behind by the host's timer delays).
    const at = s.timeline.when().virtualNs;
    expect(at).to.be.within(50 * MS, 400 * MS);
    expect(s.timeline.log.length, 'the warp cut short, or the one just taken').to.be.at.most(1);
    const mid = replayThroughFile(toRecording(s));
    expect((await mid.s.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(mid.s.timeline.when().virtualNs).to.equal(at);
    expect((await s.timeline.runForward()).reason).to.equal('poweroff');
    const { rec, s: r } = replayThroughFile(toRecording(s));
    expect((await r.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(r.machine.stateHash()).to.equal(rec.finalStateHash);
  });

  it('changing the past right after an unlogged warp: the warp is logged before the write, checkpoints and last-write keep their states', async () => {
    const live = await idleRun('virtual', 'idle.elf');
    const { s } = replayThroughFile(live.rec);
    const t = s.timeline;
    const woke = symbol(s, 'idle_woke');
    s.machine.breakpoints.add(woke);
    let stop = await t.runForward();
    for (let i = 0; i < 499; i++) stop = await t.runForward({ ignoreFirstStop: true });
    expect(stop.reason).to.equal('breakpoint');
    s.machine.breakpoints.delete(woke);
    const here = { hash: s.machine.stateHash(), when: t.when() };
    // The last write to mtimecmp, from a state with an unlogged warp: the position stays.
    const lw = await t.lastWrite(0x2004000, 8);
    expect(lw).to.not.equal(null);
    expect((lw as { icount: number }).icount).to.be.below(stop.icount);
    expect(s.machine.stateHash()).to.equal(here.hash);
    expect(t.when()).to.deep.equal(here.when);
    t.checkpoint('woke');
    t.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: REG_S3, value: 995n });
    expect(t.log.toArray().map((e) => [e.icount, e.event.kind])).to.deep.equal([[stop.icount, 'warp'], [stop.icount, 'reg']]);
    expect((await t.runForward()).reason).to.equal('poweroff');
    const end = s.machine.stateHash();
    expect(t.when().virtualNs).to.be.within(0.5e9, 0.51e9);
    // Back to the checkpoint: its warp is now logged, the write comes next.
    await t.restart('woke');
    expect(s.machine.stateHash()).to.equal(here.hash);
    expect((await t.runForward()).reason).to.equal('poweroff');
    expect(s.machine.stateHash()).to.equal(end);
    const { rec, s: r } = replayThroughFile(toRecording(s));
    expect((await r.timeline.runForward()).reason).to.equal('replaylog-end');
    expect(r.machine.stateHash()).to.equal(rec.finalStateHash).and.to.equal(end);
  });
});
