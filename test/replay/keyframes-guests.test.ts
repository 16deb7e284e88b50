/**
 * Keyframes on more guests: three harts (the os3 benchmark kernel: processes, page tables,
 * fork on every hart), a network card (netping with --net user), and a live session saved
 * through the scripting API (Machine.saveRecording) and reopened with Machine.fromRecording.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../dist/api/machine.js';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { decodeRecording, encodeRecording, readRecording, type Recording } from '../../dist/replay/recording.js';
import { seedKeyframes, withKeyframes, type KeyframeRule } from '../../dist/session/keyframes.js';
import { createSession, replaySessionOf, toRecording, type Session } from '../../dist/session/session.js';

const root = new URL('../../', import.meta.url);
const path = (p: string) => new URL(p, root).pathname;
const file = (p: string) => new Uint8Array(readFileSync(path(p)));

/** Record to power-off, noting the state hash every `every` instructions. */
async function record(config: MachineConfig, every: number): Promise<{ rec: Recording; hashes: Map<number, string> }> {
  const s = createSession({ config, clockMode: 'virtual' });
  const hashes = new Map<number, string>();
  for (;;) {
    const stop = await s.timeline.runForward({ budget: every });
    hashes.set(s.timeline.icount, s.machine.stateHash());
    if (stop.reason !== 'budget') break;
  }
  return { rec: toRecording(s), hashes };
}

/** Keyframes by `rule` from a replay of `rec`, through the file format, seeded into a fresh replay. */
async function seeded(rec: Recording, rule: KeyframeRule): Promise<{ s: Session; kf: Recording }> {
  const w = replaySessionOf(rec);
  const kf = decodeRecording(encodeRecording((await withKeyframes(w.timeline, rec, rule)).recording));
  const s = replaySessionOf(kf);
  const r = await seedKeyframes(s.timeline, kf, { ramPages: s.config.memoryBytes / 4096, harts: s.config.smp });
  expect(r.problems).to.deep.equal([]);
  expect(r.used.length).to.be.greaterThan(2);
  return { s, kf };
}

async function expectHashes(s: Session, hashes: Map<number, string>, points: number[]): Promise<void> {
  for (const ic of points) {
    await s.timeline.seek(ic);
    expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
  }
}

describe('replay/keyframes on more guests', function () {
  this.timeout(300_000);

  it('three harts (os3): states through keyframes and reverse steps from them equal the recording', async () => {
    const config: MachineConfig = { memoryBytes: 128 << 20, smp: 3, bios: 'none', files: { kernel: 'os3.p1.elf' }, kernel: file('samples/bench/os3.p1.elf') };
    const { rec, hashes } = await record(config, 1_000_000);
    expect(rec.endIcount).to.be.greaterThan(20_000_000);
    const { s, kf } = await seeded(rec, { maxCount: 64, share: 0.25, minBudget: 64 << 20, minSpacing: 3_000_000 });
    const pts = [...hashes.keys()];
    // End first (from the last keyframe), then backwards, then every third point in between.
    await expectHashes(s, hashes, [pts.at(-1)!, ...pts.slice(0, -1).reverse().filter((_, i) => i % 3 === 0)]);
    // One reverse step onto a noted point just after a keyframe.
    const k = kf.keyframes![2].icount;
    const p = pts.find((x) => x > k)!;
    await s.timeline.seek(p + 1);
    const back = await s.timeline.reverseStep();
    expect(back.icount).to.equal(p);
    expect(s.machine.stateHash()).to.equal(hashes.get(p));
  });

  it('a network card (netping, --net user): its device state round-trips through keyframes', async () => {
    const config: MachineConfig = {
      memoryBytes: 128 << 20, smp: 1, bios: 'none', files: { kernel: 'netping.elf' }, kernel: file('test/guests/netping.elf'),
      net: { spec: { kind: 'user' } },
    };
    const { rec, hashes } = await record(config, 500);
    const { s, kf } = await seeded(rec, { maxCount: 16, share: 0.25, minBudget: 64 << 20, minSpacing: 1000 });
    expect(kf.keyframes!.length).to.be.at.least(8);
    await expectHashes(s, hashes, [...hashes.keys()].reverse());
  });

  it('Machine.saveRecording writes keyframes; Machine.fromRecording uses them and shows the same states', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvrr-kf-api-'));
    try {
      const live = Machine.fromFiles({ kernel: path('samples/kernel/kernel.elf'), drive: path('samples/kernel/disk.img') });
      const seen = new Map<number, { pc: number; regs: Record<string, bigint>; console: string }>();
      for (;;) {
        const stop = await live.run(1_500_000);
        seen.set(live.icount, { pc: live.pc, regs: live.regs(), console: live.console });
        if (stop.reason !== 'budget' && stop.reason !== 'step') break;
      }
      expect(live.console).to.contain('[kernel] powering off');
      const f = join(dir, 'api.rvrr');
      await live.saveRecording(f);
      const rec = await readRecording(f);
      expect(rec.keyframes!.length).to.be.at.least(3);
      const m = await Machine.fromRecording(f);
      expect(m.keyframeProblems).to.deep.equal([]);
      for (const ic of [...seen.keys()].reverse()) {
        await m.seek(ic);
        const want = seen.get(ic)!;
        expect(m.pc, `pc at ${ic}`).to.equal(want.pc);
        expect(m.regs(), `registers at ${ic}`).to.deep.equal(want.regs);
      }
      await m.seek(0);
      await m.runUntilPoweroff();
      expect(m.console).to.equal(live.console);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
