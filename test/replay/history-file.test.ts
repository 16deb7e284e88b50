/**
 * The history file (`--history-file`): live sessions with a tiny snapshot budget spill thinned
 * snapshots to it, seeks into old history restore from them with states identical to a session
 * without a memory limit, the snapshots in memory stay under the budget while the file grows,
 * a corrupt record is reported and skipped with identical results, the file is deleted at
 * close, and without the option nothing changes.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { format } from 'node:util';
import createDebug from 'debug';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { Machine } from '../../dist/api/machine.js';
import { kernelConfig } from './sample-kernel.js';
import { closeSession, createSession, type Session } from '../../dist/session/session.js';
import { MachineTarget } from '../../dist/session/target.js';
import { monitorCommands } from '../../dist/session/monitor.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, root)));
const CLI = new URL('dist/cli.js', root).pathname;
/** The sample kernel's snapshots every 1M instructions hold about 800 KiB: a budget for a few of them. */
const TINY = 256 << 10;
/**
 * The file keeps the snapshots at multiples of the coarsest spacing (8M instructions by
 * default); the sample kernel runs 15M, so these tests make that 1M.
 */
const EVERY_1M = { maxLevel: 0 };


function longConfig(): MachineConfig {
  return { memoryBytes: 32 * 1024 * 1024, smp: 1, bios: 'none', files: { kernel: 'long.elf' }, kernel: file('samples/bench/long.elf') };
}

/**
 * Run a live session in steps of `step` to power-off (or `limit`), typing a key now and then;
 * note the state hash after each step, and call `each` after it.
 */
async function recordLive(s: Session, step: number, limit: number, each: () => void = () => {}): Promise<Map<number, string>> {
  const hashes = new Map<number, string>();
  let typed = 0;
  for (;;) {
    const stop = await s.timeline.runForward({ budget: step });
    hashes.set(s.timeline.icount, s.machine.stateHash());
    each();
    if (s.timeline.icount > 3_000_000 * (typed + 1) && typed < 3) s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x61 + typed++) });
    if (stop.reason !== 'budget' || s.timeline.icount >= limit) break;
  }
  return hashes;
}

/** The noted points in a fixed shuffled order, earliest ones included. */
function shuffled(hashes: Map<number, string>): number[] {
  return [...hashes.keys()].sort((a, b) => ((a * 2654435761) % 1009) - ((b * 2654435761) % 1009));
}

/** Offsets and lengths of the records of a history file (walking its format). */
function recordsOf(path: string): { offset: number; length: number }[] {
  const b = readFileSync(path);
  expect(b.subarray(0, 8).toString('latin1')).to.equal('RVRRHIST');
  const out: { offset: number; length: number }[] = [];
  for (let off = 16; off + 24 <= b.length;) {
    expect(b.readUInt32LE(off)).to.equal(0x53485652);
    const length = 24 + b.readUInt32LE(off + 16);
    out.push({ offset: off, length });
    off += length;
  }
  return out;
}

describe('replay/history-file', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rvrr-hf-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('seeks into thinned history restore spilled snapshots: states identical to an unlimited session', async () => {
    const path = join(dir, 'kernel.hist');
    writeFileSync(path, 'stale contents of an earlier session');
    const s = createSession({ config: kernelConfig(), clockMode: 'virtual', snapshotMemory: TINY, snapshotPolicy: EVERY_1M, historyFile: path });
    const sizes: number[] = [];
    const hashes = await recordLive(s, 700_000, Infinity, () => {
      expect(s.timeline.snapshots.bytes).to.be.at.most(TINY);
      sizes.push(s.timeline.info().historyFile!.bytes);
    });
    expect(s.machine.exitCode).to.not.equal(undefined);
    // The file grew (truncated first: the stale text is gone) while memory stayed under budget.
    expect(readFileSync(path).subarray(0, 8).toString('latin1')).to.equal('RVRRHIST');
    expect(sizes.at(-1)!).to.be.greaterThan(sizes[2]);
    const st = s.timeline.info().historyFile!;
    expect(st.usable).to.be.greaterThan(5);
    expect(statSync(path).size).to.equal(st.bytes);
    // A reference without a memory limit, fed the same inputs.
    const ref = createSession({ config: kernelConfig(), clockMode: 'virtual' });
    await recordLive(ref, 700_000, Infinity);
    for (const ic of shuffled(hashes)) {
      await s.timeline.seek(ic);
      await ref.timeline.seek(ic);
      expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
      expect(ref.machine.stateHash(), `reference state at icount ${ic}`).to.equal(hashes.get(ic));
      expect(s.timeline.snapshots.bytes).to.be.at.most(TINY);
    }
    const after = s.timeline.info().historyFile!;
    expect(after.loads).to.be.greaterThan(5);
    expect(after.records).to.be.greaterThan(8); // several chains
    expect(after.longestLoad).to.be.within(1, 8);
    expect(after.bad).to.equal(0);
    // gdb's `monitor info replay` shows it.
    let printed = '';
    monitorCommands(new MachineTarget(s.machine, s.timeline)).find((c) => c.name === 'info')!.run('replay', { print: (t: string) => { printed += t; } });
    expect(printed).to.match(new RegExp(`^history file: ${after.usable} spilled snapshots, [\\d.]+ (KiB|MiB)$`, 'm'));
    // Reverse execution through spilled history: a reverse step from a far point.
    await s.timeline.seek(5_000_000);
    await s.timeline.reverseStep();
    await ref.timeline.seek(4_999_999);
    expect(s.machine.stateHash()).to.equal(ref.machine.stateHash());
    closeSession(s);
    expect(existsSync(path)).to.equal(false);
  });

  it('a busy guest: the file grows, memory stays under the budget, old points match an unlimited session', async () => {
    const path = join(dir, 'long.hist');
    const budget = 2 << 20;
    const s = createSession({ config: longConfig(), clockMode: 'virtual', snapshotMemory: budget, historyFile: path });
    const ref = createSession({ config: longConfig(), clockMode: 'virtual' });
    let last = 0;
    for (let i = 0; i < 6; i++) {
      await s.timeline.runForward({ budget: 10_000_000 });
      expect(s.timeline.snapshots.bytes).to.be.at.most(budget);
      const size = s.timeline.info().historyFile!.bytes;
      expect(size).to.be.greaterThan(last);
      last = size;
    }
    await ref.timeline.runForward({ budget: 60_000_000 });
    for (const ic of [1_234_567, 9_000_001, 3_500_000, 17_777_777, 250_000, 33_333_333]) {
      await s.timeline.seek(ic);
      await ref.timeline.seek(ic);
      expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(ref.machine.stateHash());
    }
    const st = s.timeline.info().historyFile!;
    expect(st.loads).to.be.greaterThan(0);
    // Bounded reading: a load reads its chain from the last full keyframe, 8 records at most.
    expect(st.longestLoad).to.be.within(1, 8);
    closeSession(s);
  });

  it('a corrupt record is reported under DEBUG=rvrr:replay and skipped, with identical results', async () => {
    const path = join(dir, 'corrupt.hist');
    const s = createSession({ config: kernelConfig(), clockMode: 'virtual', snapshotMemory: TINY, snapshotPolicy: EVERY_1M, historyFile: path });
    const hashes = await recordLive(s, 700_000, Infinity);
    const recs = recordsOf(path);
    expect(recs.length).to.be.greaterThan(4);
    // Flip a byte in the payload of every third record (fulls and deltas alike).
    const fd = openSync(path, 'r+');
    for (let k = 0; k < recs.length; k += 3) {
      const at = recs[k].offset + 24 + Math.floor((recs[k].length - 24) / 2);
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, at);
      b[0] ^= 0x5a;
      writeSync(fd, b, 0, 1, at);
    }
    closeSync(fd);
    const messages: string[] = [];
    const saved = createDebug.log;
    const wasEnabled = createDebug.enabled('rvrr:replay');
    const namespaces = process.env['DEBUG'] ?? '';
    createDebug.enable([namespaces, 'rvrr:replay'].filter((x) => x !== '').join(','));
    createDebug.log = (...args: unknown[]) => { messages.push(format(...args)); };
    try {
      for (const ic of shuffled(hashes)) {
        await s.timeline.seek(ic);
        expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
      }
    } finally {
      createDebug.log = saved;
      if (!wasEnabled) createDebug.enable(namespaces);
    }
    expect(s.timeline.info().historyFile!.bad).to.be.greaterThan(0);
    expect(messages.some((m) => /history file: record at icount \d+: checksum mismatch/.test(m)), messages.join('\n')).to.equal(true);
    closeSession(s);
  });

  it('a change of the past forgets the spilled snapshots after it; later seeks see the new history', async () => {
    const path = join(dir, 'past.hist');
    const s = createSession({ config: longConfig(), clockMode: 'virtual', snapshotMemory: 2 << 20, historyFile: path });
    const ref = createSession({ config: longConfig(), clockMode: 'virtual' });
    for (const x of [s, ref]) {
      await x.timeline.runForward({ budget: 30_000_000 });
      await x.timeline.seek(10_000_003);
      // Overwrite part of the guest's array (`a`, at 0x80000168): later history differs.
      x.timeline.recordDebuggerWrite({ kind: 'mem', paddr: 0x8000_1000, bytes: new Uint8Array(8192).fill(0xa5) });
      await x.timeline.runForward({ budget: 20_000_000 });
    }
    expect(s.timeline.info().historyFile!.usable).to.be.greaterThan(0);
    for (const ic of [25_000_000, 12_000_000, 10_000_003, 4_000_000, 17_000_001]) {
      await s.timeline.seek(ic);
      await ref.timeline.seek(ic);
      expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(ref.machine.stateHash());
    }
    closeSession(s);
  });

  it('without a history file nothing changes: no file, no spills, the same states', async () => {
    const s = createSession({ config: kernelConfig(), clockMode: 'virtual', snapshotMemory: TINY });
    const hashes = await recordLive(s, 700_000, Infinity, () => expect(s.timeline.snapshots.bytes).to.be.at.most(TINY));
    expect(s.timeline.info().historyFile).to.equal(undefined);
    expect(s.history).to.equal(undefined);
    for (const ic of shuffled(hashes).slice(0, 8)) {
      await s.timeline.seek(ic);
      expect(s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
    }
  });

  it('the API takes historyFile and close() deletes it; the CLI takes --history-file and deletes it at exit', async () => {
    const path = join(dir, 'api.hist');
    const m = Machine.fromFiles({ kernel: new URL('samples/bench/long.elf', root).pathname, memory: '32M', snapshotMemory: 1 << 20, historyFile: path });
    await m.run(20_000_000);
    expect(m.timeline.info().historyFile!.usable).to.be.greaterThan(0);
    await m.seek(2_000_000);
    expect(m.icount).to.equal(2_000_000);
    m.close();
    expect(existsSync(path)).to.equal(false);
    const cliPath = join(dir, 'cli.hist');
    const r = spawnSync(process.execPath, [CLI, 'run', '--kernel', new URL('test/guests/idle.elf', root).pathname, '--clock', 'virtual', '--console', 'none', '--snapshot-memory', '1M', '--history-file', cliPath], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(existsSync(cliPath)).to.equal(false);
    // The history file is deleted at exit: never the recording's name.
    const rec = join(dir, 'same.rvrr');
    const same = spawnSync(process.execPath, [CLI, 'record', '--kernel', new URL('test/guests/idle.elf', root).pathname, '--console', 'none', '-o', rec, '--history-file', rec], { encoding: 'utf8' });
    expect(same.status).to.equal(1);
    expect(same.stderr).to.match(/^rvrr: history file '.*same\.rvrr' is the recording file: give another file name/);
    // A file that cannot be created: one clear line, no crash.
    const bad = spawnSync(process.execPath, [CLI, 'run', '--kernel', new URL('test/guests/idle.elf', root).pathname, '--console', 'none', '--history-file', join(dir, 'nodir', 'h')], { encoding: 'utf8' });
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/^rvrr: history file .*nodir\/h: ENOENT/);
  });
});
