import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeRecording, formatRecordingSummary, readRecording, RecordingError, summarizeRecording, writeRecording,
  type Recording,
} from '../../dist/replay/recording.js';

function sample(): Recording {
  return {
    config: { memory: 128 * 1024 * 1024, smp: 2, append: 'console=ttyS0', options: { bios: 'none' } },
    images: [
      { role: 'kernel', name: 'kernel.elf', bytes: Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255) },
      { role: 'disk', name: 'disk.img', bytes: new Uint8Array(4096).fill(0xe5) },
    ],
    log: [
      { icount: 0, event: { kind: 'mem', paddr: 0x80001000, bytes: Uint8Array.of(1, 2, 3) } },
      { icount: 1000, event: { kind: 'console', bytes: new TextEncoder().encode('ls\r') } },
      { icount: 5000, event: { kind: 'warp', ns: 2_500_000_000 } },
      { icount: 5000, event: { kind: 'console', bytes: Uint8Array.of(3) } },
    ],
    endIcount: 9000,
    finalStateHash: 'abc123',
    // Idle warps to a deadline are not logged: more warped time than the log holds.
    endWarpNs: 3_000_000_000,
  };
}

describe('replay/recording', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'rvrr-rec-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through a file written atomically', async () => {
    const f = join(dir, 'run.rvrr');
    await writeRecording(f, sample());
    expect(readdirSync(dir)).to.deep.equal(['run.rvrr']); // no temporary left behind
    expect(await readRecording(f)).to.deep.equal(sample());
  });

  it('summarizes configuration, images, span, events and virtual time', () => {
    const s = summarizeRecording(sample());
    expect(s.endIcount).to.equal(9000);
    expect(s.eventsByKind).to.deep.equal({ mem: 1, console: 2, warp: 1 });
    expect(s.virtualNsEnd).to.equal(9000 + 3_000_000_000);
    expect(s.warpNs).to.equal(3_000_000_000);
    expect(s.images).to.deep.equal([
      { role: 'kernel', name: 'kernel.elf', bytes: 5000 },
      { role: 'disk', name: 'disk.img', bytes: 4096 },
    ]);
    const text = formatRecordingSummary(s);
    expect(text).to.contain('128 MiB RAM, 2 hart(s)');
    expect(text).to.contain('image: kernel kernel.elf (5000 bytes)');
    expect(text).to.contain('history: icount 0 .. 9000');
    expect(text).to.contain('virtual time: 0 .. 3.000 s (idle warps 3.000 s)');
    const { endWarpNs: _, ...allLogged } = sample();
    expect(summarizeRecording(allLogged).virtualNsEnd, 'without endWarpNs: the warps logged').to.equal(9000 + 2_500_000_000);
    expect(text).to.contain('console 2');
  });

  it('gives clear errors for a non-recording, a wrong version, truncation and corruption', async () => {
    const f = join(dir, 'run.rvrr');
    await writeRecording(f, sample());
    const good = readFileSync(f);
    const bad = join(dir, 'bad.rvrr');
    const expectError = async (bytes: Uint8Array, re: RegExp) => {
      writeFileSync(bad, bytes);
      let err: unknown;
      try { await readRecording(bad); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(RecordingError);
      expect((err as Error).message).to.match(re);
    };
    await expectError(Buffer.from('#!/bin/sh\necho hello\n'), /not an rvrr recording/);
    const v = Buffer.from(good); v.writeUInt16LE(9, 8);
    expect(good.readUInt16LE(8), 'the version written').to.equal(3);
    await expectError(v, /recording format version 9; this rvrr reads versions 1, 2, 3/);
    await expectError(good.subarray(0, good.length - 10), /truncated: \d+ of \d+ bytes/);
    // A flipped bit inside the kernel image, then inside the log.
    const img = Buffer.from(good); img[good.indexOf('kernel.elf') + 100] ^= 1;
    await expectError(img, /checksum mismatch in its image section 2/);
    const lg = Buffer.from(good); lg[good.length - 20] ^= 0x40;
    await expectError(lg, /checksum mismatch in its event log section/);
    // Idle time at the end below what the log alone warps: not a file rvrr wrote.
    await expectError(encodeRecording({ ...sample(), endWarpNs: 1 }), /no valid idle-warp total at the end of history \(metadata endWarpNs 1\)/);
    let err: unknown;
    try { await readRecording(join(dir, 'missing.rvrr')); } catch (e) { err = e; }
    expect((err as Error).message).to.match(/cannot read recording .*missing\.rvrr/);
  });
});
