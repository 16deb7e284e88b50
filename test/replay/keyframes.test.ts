/**
 * Keyframes in recording files, on the sample kernel (timer interrupts, virtio-blk writes,
 * console input): every state reached through a keyframe equals the straight replay's,
 * recordings without keyframes still open, `rvrr index` adds them, a corrupt keyframe is
 * reported and skipped with identical results, and `rvrr info` lists them.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Machine } from '../../dist/api/machine.js';
import { kernelConfig } from './sample-kernel.js';
import { startServer } from '../e2e/harness.js';
import { diskChunksOf, type VirtSnapshot } from '../../dist/machine/virt.js';
import {
  decodeRecording, encodeRecording, formatRecordingSummary, readRecording, RecordingError, summarizeRecording,
  writeRecording, type Recording,
} from '../../dist/replay/recording.js';
import { stateFromJson, stateToJson } from '../../dist/replay/keyframe-json.js';
import { configFromRecording, createSession, toRecording, type Session } from '../../dist/session/session.js';
import { keyframeCandidates, seedKeyframes, withKeyframes, type KeyframeRule } from '../../dist/session/keyframes.js';

const root = new URL('../../', import.meta.url);
const CLI = new URL('dist/cli.js', root).pathname;

/** Keyframes every 2M instructions (the sample kernel runs 15M), whatever their size. */
const RULE: KeyframeRule = { maxCount: 64, share: 0.25, minBudget: 64 << 20, minSpacing: 2_000_000 };


/** Record the sample kernel to its power-off with keys typed at fixed points; note state hashes. */
async function recordKernel(): Promise<{ rec: Recording; hashes: Map<number, string>; out: string }> {
  let out = '';
  const s = createSession({ config: kernelConfig(), clockMode: 'virtual', onConsoleOutput: (b) => { out += Buffer.from(b).toString('latin1'); } });
  const hashes = new Map<number, string>();
  let typed = 0;
  for (;;) {
    const stop = await s.timeline.runForward({ budget: 700_000 });
    hashes.set(s.timeline.icount, s.machine.stateHash());
    if (s.timeline.icount > 3_000_000 * (typed + 1) && typed < 3) s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x61 + typed++) });
    if (stop.reason !== 'budget') break;
  }
  return { rec: toRecording(s), hashes, out };
}

function replaySession(rec: Recording): Session {
  return createSession({
    config: configFromRecording(rec), mode: 'replay', log: rec.log, endIcount: rec.endIcount,
    ...(rec.finalStateHash !== undefined ? { expectedFinalHash: rec.finalStateHash } : {}), clockMode: 'virtual',
  });
}

const target = (s: Session) => ({ ramPages: s.config.memoryBytes / 4096, harts: s.config.smp });

/** Visit every noted point in a fixed shuffled order (end first), checking each hash. */
async function checkHashes(s: Session, hashes: Map<number, string>): Promise<void> {
  const points = [...hashes.keys()].sort((a, b) => b - a);
  const order = [points[0], ...points.slice(1).sort((a, b) => ((a * 2654435761) % 1000) - ((b * 2654435761) % 1000))];
  for (const ic of order) {
    await s.timeline.seek(ic);
    expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
  }
}

describe('replay/keyframes', function () {
  this.timeout(300_000);
  let recorded: Awaited<ReturnType<typeof recordKernel>>;
  let withKf: Recording;
  let dir: string;

  before(async () => {
    recorded = await recordKernel();
    const live = replaySession(recorded.rec);
    await live.timeline.runForward();
    withKf = (await withKeyframes(live.timeline, recorded.rec, RULE)).recording;
    dir = mkdtempSync(join(tmpdir(), 'rvrr-kf-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the recording has console input, disk writes and a keyframe every 2M instructions, the first full', () => {
    expect(recorded.rec.log.filter((e) => e.event.kind === 'console')).to.have.length(3);
    expect(recorded.out).to.contain('[kernel] powering off');
    const kf = withKf.keyframes!;
    expect(kf.map((k) => k.icount)).to.deep.equal(keyframeCandidates(recorded.rec.endIcount, RULE));
    expect(kf.map((k) => k.icount).slice(0, 3)).to.deep.equal([2_000_000, 4_000_000, 6_000_000]);
    expect(kf.map((k) => k.kind)).to.deep.equal(['full', ...kf.slice(1).map(() => 'delta')]);
    // Deltas hold only what changed: much smaller than the full one.
    expect(kf[3].payload.length).to.be.lessThan(kf[0].payload.length / 2);
  });

  it('every state reached through keyframes equals the straight recording, after the last keyframe too', async () => {
    const rec = decodeRecording(encodeRecording(withKf));
    const s = replaySession(rec);
    const seeded = await seedKeyframes(s.timeline, rec, target(s));
    expect(seeded.problems).to.deep.equal([]);
    expect(seeded.used).to.deep.equal(rec.keyframes!.map((k) => k.icount));
    // The end is reached from the keyframe there, not by re-executing from 0.
    const last = s.timeline.snapshots.latestAtOrBefore(rec.endIcount)!;
    expect(last.icount).to.equal(rec.endIcount);
    // It holds the blocks the kernel wrote to its disk.
    const chunks = diskChunksOf((last.snap as VirtSnapshot).devices['virtio0']!)!;
    expect(chunks.filter((c) => c !== null).length).to.be.greaterThan(0);
    await checkHashes(s, recorded.hashes);
    // Without the last keyframe (at the end), points after the one before it.
    const fewer: Recording = { ...rec, keyframes: rec.keyframes!.slice(0, -1) };
    const t = replaySession(fewer);
    await seedKeyframes(t.timeline, fewer, target(t));
    const lastKf = fewer.keyframes!.at(-1)!.icount;
    const after = new Map([...recorded.hashes].filter(([ic]) => ic > lastKf));
    expect(after.size).to.be.greaterThan(0);
    await checkHashes(t, after);
    // And a forward run from a keyframe reaches the recorded final hash and output.
    await t.timeline.seek(lastKf);
    const stop = await t.timeline.runForward();
    expect(stop.reason).to.equal('replaylog-end');
    expect(t.machine.stateHash()).to.equal(rec.finalStateHash);
  });

  it('a keyframe at an end of history where inputs are logged holds the state before them', async () => {
    // A live session stopped mid-run, a console byte and a register write at its end, saved.
    const s = createSession({ config: kernelConfig(), clockMode: 'virtual' });
    await s.timeline.runForward({ budget: 9_000_123 }); // not where a snapshot is taken
    s.timeline.recordDebuggerWrite({ kind: 'console', bytes: Uint8Array.of(0x7a) });
    s.timeline.recordDebuggerWrite({ kind: 'reg', hart: 0, regno: 10, value: 1234n });
    const hashAfter = s.machine.stateHash();
    const { recording } = await withKeyframes(s.timeline, toRecording(s), RULE);
    // The live session is where it was, inputs applied.
    expect(s.timeline.icount).to.equal(9_000_123);
    expect(s.machine.stateHash()).to.equal(hashAfter);
    expect(recording.keyframes!.at(-1)!.icount).to.equal(9_000_123);
    const rec = decodeRecording(encodeRecording(recording));
    const r = replaySession(rec);
    await seedKeyframes(r.timeline, rec, target(r));
    await r.timeline.seek(rec.endIcount);
    const stop = await r.timeline.runForward();
    expect(stop.reason).to.equal('replaylog-end');
    expect(r.machine.stateHash()).to.equal(hashAfter);
  });

  it('with a snapshot budget smaller than the keyframes, the far ones are dropped and states stay the same', async () => {
    const rec = decodeRecording(encodeRecording(withKf));
    const s = createSession({
      config: configFromRecording(rec), mode: 'replay', log: rec.log, endIcount: rec.endIcount, clockMode: 'virtual', snapshotMemory: 400_000,
    });
    const seeded = await seedKeyframes(s.timeline, rec, target(s));
    expect(seeded.used).to.have.length(rec.keyframes!.length);
    const kept = s.timeline.snapshots.list().filter((e) => e.keyframe).length;
    expect(kept).to.be.greaterThan(0);
    expect(kept).to.be.lessThan(rec.keyframes!.length);
    expect(s.timeline.snapshots.bytes).to.be.at.most(400_000);
    await checkHashes(s, new Map([...recorded.hashes].filter((_, i) => i % 4 === 1)));
  });

  it('a recording without keyframes (format version 3, as with them) still opens and replays', async () => {
    const bytes = encodeRecording(recorded.rec);
    expect(Buffer.from(bytes).readUInt16LE(8)).to.equal(3);
    expect(Buffer.from(encodeRecording(withKf)).readUInt16LE(8)).to.equal(3);
    const rec = decodeRecording(bytes);
    expect(rec.keyframes).to.equal(undefined);
    const s = replaySession(rec);
    expect((await seedKeyframes(s.timeline, rec, target(s))).used).to.deep.equal([]);
    await checkHashes(s, new Map([...recorded.hashes].filter((_, i) => i % 5 === 0)));
  });

  it('rvrr index adds keyframes in place; the result replays identically; info lists them', async () => {
    const f = join(dir, 'bare.rvrr');
    await writeRecording(f, recorded.rec);
    const before = spawnSync(process.execPath, [CLI, 'info', f], { encoding: 'utf8' });
    expect(before.stdout).to.contain('keyframes: none');
    const r = spawnSync(process.execPath, [CLI, 'index', f], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/rvrr: .*bare\.rvrr: \d+ keyframes, \d+ bytes/);
    const rec = await readRecording(f);
    expect(rec.keyframes!.length).to.be.greaterThan(1);
    expect(rec.log).to.deep.equal(recorded.rec.log);
    expect(rec.finalStateHash).to.equal(recorded.rec.finalStateHash);
    const s = replaySession(rec);
    expect((await seedKeyframes(s.timeline, rec, target(s))).problems).to.deep.equal([]);
    await checkHashes(s, new Map([...recorded.hashes].filter((_, i) => i % 3 === 0)));

    const info = spawnSync(process.execPath, [CLI, 'info', f], { encoding: 'utf8' });
    const size = readFileSync(f).length;
    const kfBytes = rec.keyframes!.reduce((n, k) => n + 44 + k.payload.length, 0);
    expect(info.stdout).to.contain(`keyframes: ${rec.keyframes!.length}, `);
    expect(info.stdout).to.match(new RegExp(`\\(${((100 * kfBytes) / size).toFixed(1)}% of `));
    for (const k of rec.keyframes!) expect(info.stdout).to.match(new RegExp(`keyframe: icount ${k.icount} (full|delta) \\d`));
    // Default rule: the first is full, keyframes are at most 25% of the file (over the 1 MiB floor they would be).
    expect(summarizeRecording(rec).fileBytes).to.equal(size);

    // -o writes elsewhere and leaves the input alone.
    const o = join(dir, 'other.rvrr');
    const r2 = spawnSync(process.execPath, [CLI, 'index', join(dir, 'bare.rvrr'), '-o', o], { encoding: 'utf8' });
    expect(r2.status, r2.stderr).to.equal(0);
    expect((await readRecording(o)).keyframes!.length).to.equal(rec.keyframes!.length);
  });

  it('a corrupt keyframe (bad checksum) is reported and skipped; replay is identical', async () => {
    const good = Buffer.from(encodeRecording(withKf));
    const k = withKf.keyframes![2];
    const at = good.indexOf(Buffer.from(k.payload));
    expect(at).to.be.greaterThan(0);
    const bad = Buffer.from(good);
    bad[at + Math.floor(k.payload.length / 2)] ^= 0x10;
    const rec = decodeRecording(bad, 'bad.rvrr');
    expect(rec.keyframes![2].problem).to.match(/checksum mismatch in keyframe section/);
    const s = replaySession(rec);
    const msgs: string[] = [];
    const seeded = await seedKeyframes(s.timeline, rec, target(s), (m) => msgs.push(m), () => replaySession(rec).timeline);
    expect(msgs).to.have.length(1);
    expect(msgs[0]).to.match(/^keyframe 3 of \d+: checksum mismatch in keyframe section \d+; skipped$/);
    // The session's own timeline did not run while seeding.
    expect(s.timeline.icount).to.equal(0);
    // The one after it (a delta on top of it) was rebuilt on the replayed state: still used.
    expect(seeded.used).to.deep.equal(withKf.keyframes!.filter((_, i) => i !== 2).map((x) => x.icount));
    await checkHashes(s, recorded.hashes);
    // The file still says what is wrong in `info`, and a bad checksum elsewhere stays an error.
    expect(formatRecordingSummary(summarizeRecording(rec))).to.match(/keyframe: unusable \(checksum mismatch in keyframe section \d+\)/);
    const img = Buffer.from(good);
    img[good.indexOf('kernel.elf') + 200] ^= 1;
    expect(() => decodeRecording(img)).to.throw(RecordingError, /checksum mismatch in its image section/);
    expect(() => decodeRecording(good.subarray(0, good.length - 100))).to.throw(RecordingError, /truncated/);
  });

  it('rvrr replay and the API say which keyframe they skipped, and replay the same history', async () => {
    const good = Buffer.from(encodeRecording(withKf));
    const k = withKf.keyframes![1];
    const at = good.indexOf(Buffer.from(k.payload));
    const bad = Buffer.from(good);
    bad[at + 30] ^= 0x01;
    const f = join(dir, 'corrupt.rvrr');
    writeFileSync(f, bad);
    const srv = await startServer(['replay', f, '--console', 'none']);
    await srv.stop();
    const n = withKf.keyframes!.length;
    expect(srv.stderr()).to.match(new RegExp(`rvrr: warning: .*corrupt\\.rvrr: keyframe 2 of ${n}: checksum mismatch in keyframe section \\d+; skipped\n`));
    expect(srv.stderr()).to.contain(`instructions of history, ${n - 1} of ${n} keyframes usable`);
    const m = await Machine.fromRecording(f);
    expect(m.keyframeProblems).to.have.length(1);
    const stop = await m.runUntilPoweroff();
    expect(stop.reason).to.equal('replaylog-end');
    expect(m.console).to.equal(recorded.out);
  });

  it('a keyframe whose checksum holds but which does not decode is skipped too', async () => {
    const kf = withKf.keyframes!.map((k) => ({ ...k }));
    const p = Buffer.from(kf[1].payload);
    p.fill(0x5a, 40, 80); // inside the compressed body
    kf[1].payload = new Uint8Array(p);
    const rec = decodeRecording(encodeRecording({ ...withKf, keyframes: kf }));
    expect(rec.keyframes![1].problem).to.equal(undefined);
    const s = replaySession(rec);
    const msgs: string[] = [];
    const seeded = await seedKeyframes(s.timeline, rec, target(s), (m) => msgs.push(m), () => replaySession(rec).timeline);
    expect(msgs).to.have.length(1);
    expect(msgs[0]).to.match(/^keyframe 2 of \d+ \(icount 4000000\): .*; skipped$/);
    expect(seeded.used).to.not.include(4_000_000);
    expect(seeded.used).to.have.length(kf.length - 1);
    // Without a scratch timeline to rebuild on, the deltas after it are skipped too.
    const t = replaySession(rec);
    const alone = await seedKeyframes(t.timeline, rec, target(t));
    expect(alone.used).to.deep.equal([2_000_000]);
    expect(alone.problems).to.have.length(kf.length - 1);
    expect(alone.problems[1]).to.match(/delta against the keyframe at icount 4000000, which could not be used; skipped/);
    await checkHashes(t, new Map([...recorded.hashes].filter((_, i) => i % 4 === 0)));
    await checkHashes(s, recorded.hashes);
  });

  it('a keyframe that would inflate past the size its header gives is refused, not inflated', async () => {
    const kf = withKf.keyframes!.map((k) => ({ ...k }));
    const p = Buffer.from(kf[0].payload);
    p.writeUInt32LE(100, 20); // bodyBytes
    kf[0].payload = new Uint8Array(p);
    const rec = decodeRecording(encodeRecording({ ...withKf, keyframes: kf }));
    const s = replaySession(rec);
    const msgs: string[] = [];
    const seeded = await seedKeyframes(s.timeline, rec, target(s), (m) => msgs.push(m), () => replaySession(rec).timeline);
    expect(msgs).to.have.length(1);
    expect(msgs[0]).to.match(/^keyframe 1 of \d+ \(icount 2000000\): undecodable: .*; skipped$/);
    expect(seeded.used).to.deep.equal(kf.slice(1).map((k) => k.icount));
    await checkHashes(s, new Map([...recorded.hashes].filter((_, i) => i % 4 === 2)));
  });

  it('keyframe JSON keeps what plain JSON loses (typed arrays, bigints, Infinity, -0)', () => {
    const v = { a: new Uint8Array([1, 2, 255]), b: new Int32Array([-1, 7]), c: 2n ** 70n, d: Infinity, e: -0, f: [NaN, null], g: 'x' };
    const back = stateFromJson(stateToJson(v)) as typeof v;
    expect(back.a).to.be.instanceOf(Uint8Array).and.deep.equal(v.a);
    expect(back.b).to.be.instanceOf(Int32Array).and.deep.equal(v.b);
    expect(back.c).to.equal(v.c);
    expect(back.d).to.equal(Infinity);
    expect(Object.is(back.e, -0)).to.equal(true);
    expect(Number.isNaN(back.f[0])).to.equal(true);
    expect(() => stateToJson({ m: new Map() })).to.throw(/cannot store a Map/);
    expect(() => stateFromJson('{"$":"Nope","v":"AA=="}')).to.throw(/unknown value type/);
  });

  it('the default rule: at most 160 keyframes, never closer than 4M instructions, aligned to 8M when coarse', () => {
    expect(keyframeCandidates(3_000_000)).to.deep.equal([]);
    expect(keyframeCandidates(4_000_000)).to.deep.equal([4_000_000]);
    expect(keyframeCandidates(10_000_000)).to.deep.equal([4_000_000, 8_000_000, 10_000_000]);
    const big = keyframeCandidates(1e10);
    expect(big.length).to.be.at.most(160);
    expect(big.at(-1)).to.equal(1e10);
    for (const c of big.slice(0, -1)) expect(c % 8_000_000).to.equal(0);
    // 1e10 / 160 rounded up to a multiple of 8M: 64M apart.
    expect(big[0]).to.equal(64_000_000);
    expect(big[1]).to.equal(128_000_000);
  });
});
