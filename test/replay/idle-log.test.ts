/**
 * How fast the event log of a live session grows while the guest idles: test/guests/idle.elf
 * waits in wfi for 1000 timer ticks 1 ms apart (one virtual second). Every wake-up is one
 * logged 'warp' (the time skipped to the deadline, or what host time really let pass): 21
 * bytes in the file, so a guest ticking at 1 kHz grows the log by about 21 KB per virtual
 * second, and one that waits for input with no timer armed by nothing at all.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { encodeRecording } from '../../dist/replay/recording.js';
import { createSession, toRecording } from '../../dist/session/session.js';

const root = new URL('../../', import.meta.url);
const config = (): MachineConfig => ({
  memoryBytes: 16 << 20, smp: 1, bios: 'none', files: { kernel: 'idle.elf' },
  kernel: new Uint8Array(readFileSync(new URL('test/guests/idle.elf', root))),
});
const TICKS = 1000;
/** Bytes one logged warp takes in a recording file (entry header 13, ns 8). */
const WARP_BYTES = 21;

async function idleRun(clockMode: 'virtual' | 'realtime') {
  let out = '';
  const s = createSession({ config: config(), clockMode, onConsoleOutput: (b) => { out += Buffer.from(b).toString('latin1'); } });
  const stop = await s.timeline.runForward();
  const rec = toRecording(s);
  const logBytes = encodeRecording({ ...rec, images: [] }).length - encodeRecording({ ...rec, images: [], log: [] }).length;
  return { s, stop, out, rec, logBytes, seconds: s.timeline.when().virtualNs / 1e9 };
}

describe('replay/idle log growth', function () {
  this.timeout(60_000);

  it('virtual clock: one warp per timer wake-up, 21 bytes of log each (21 KB per virtual second at 1 kHz)', async () => {
    const r = await idleRun('virtual');
    expect(r.stop.reason).to.equal('poweroff');
    expect(r.out).to.equal('idle: 1000 ticks\n');
    expect(r.seconds).to.be.within(1.0, 1.001);
    expect(r.rec.log.length).to.equal(TICKS);
    expect(r.rec.log.every((e) => e.event.kind === 'warp')).to.equal(true);
    expect(r.logBytes).to.be.at.most(TICKS * WARP_BYTES + 64);
    expect(r.logBytes / r.seconds).to.be.at.most(21_100);
  });

  it('realtime clock: at most one more warp per early host wake-up, the same bound within 50%', async () => {
    const r = await idleRun('realtime');
    expect(r.stop.reason).to.equal('poweroff');
    expect(r.seconds).to.be.within(1.0, 1.001);
    expect(r.rec.log.length).to.be.within(TICKS, TICKS * 1.5);
    expect(r.logBytes / r.seconds).to.be.at.most(21_100 * 1.5);
  });
});
