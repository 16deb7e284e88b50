/**
 * Recordings corrupted past their checksums (a hand-edited or maliciously crafted file: bytes
 * of the configuration, metadata or event log changed and the section's SHA-256 recomputed).
 * Reading and replaying them fails only with the project's named, one-line errors.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMachineConfig } from '../../dist/cli/machine-args.js';
import { Prng } from '../../dist/fuzz/prng.js';
import { decodeRecording, encodeRecording } from '../../dist/replay/recording.js';
import { configFromRecording, createSession, toRecording } from '../../dist/session/session.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXPECTED_ERRORS = new Set(['RecordingError', 'LogFormatError', 'ReplayDivergenceError', 'VirtConfigError']);

describe('recordings corrupted behind valid checksums', function () {
  this.timeout(120_000);

  it('400 mutations of CONF/META/LOG: rejected with a named error, or replayed without a host exception', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/kernel/kernel.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const s = createSession({ config, clockMode: 'virtual' });
    for (let i = 0; i < 5; i++) {
      await s.timeline.runForward({ budget: 300_000 });
      s.timeline.queueInput({ kind: 'console', bytes: new TextEncoder().encode('ab\r') });
    }
    await s.timeline.runForward({ budget: 1000 });
    const good = Buffer.from(encodeRecording(toRecording(s)));
    // Sections after the 24-byte header: tag(4) | payloadBytes u64 | sha256(32) | payload.
    const secs: { tag: string; hdr: number; start: number; n: number }[] = [];
    for (let off = 24; off < good.length; ) {
      const n = Number(good.readBigUInt64LE(off + 4));
      secs.push({ tag: good.toString('latin1', off, off + 4), hdr: off, start: off + 44, n });
      off += 44 + n;
    }
    expect(secs.map((x) => x.tag)).to.include.members(['CONF', 'META', 'LOG ']);
    const targets = secs.filter((x) => x.tag !== 'IMAG');
    const r = new Prng(77);
    const outcome = new Map<string, number>();
    const unexpected: string[] = [];
    for (let it = 0; it < 400; it++) {
      const b = Buffer.from(good);
      const sec = r.pick(targets);
      for (let k = 0, n = 1 + r.int(4); k < n; k++) {
        const p = sec.start + r.int(sec.n);
        b[p] = r.chance(0.5) ? b[p] ^ (1 << r.int(8)) : r.int(256);
      }
      createHash('sha256').update(b.subarray(sec.start, sec.start + sec.n)).digest().copy(b, sec.hdr + 12);
      try {
        const rec = decodeRecording(b, 'mutated');
        const t = createSession({
          config: configFromRecording(rec),
          mode: 'replay',
          log: rec.log,
          endIcount: rec.endIcount,
          clockMode: 'virtual',
          ...(rec.finalStateHash !== undefined ? { expectedFinalHash: rec.finalStateHash } : {}),
        });
        const st = await t.timeline.runForward({ budget: 2_000_000 });
        await t.timeline.seek(Math.floor(t.timeline.icount / 2));
        outcome.set(`replayed (${st.reason})`, (outcome.get(`replayed (${st.reason})`) ?? 0) + 1);
      } catch (e) {
        const name = (e as Error).constructor.name;
        outcome.set(name, (outcome.get(name) ?? 0) + 1);
        if (!EXPECTED_ERRORS.has(name) || (e as Error).message.includes('\n')) unexpected.push(`${sec.tag}: ${name}: ${(e as Error).message}`);
      }
    }
    expect(unexpected, unexpected.join('\n')).to.deep.equal([]);
    expect(outcome.get('RecordingError') ?? 0).to.be.greaterThan(100);
  });
});
