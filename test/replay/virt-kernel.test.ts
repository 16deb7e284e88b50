/**
 * Determinism on the sample kernel (timer interrupts, virtio-blk disk I/O, UART input typed at
 * random real times): the recording replays to identical console output, the same state hash
 * at its end and at 100+ icounts spread over the run.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { VirtMachine } from '../../dist/machine/virt.js';
import { seededRandom } from '../../dist/replay/determinism.js';
import { decodeRecording, encodeRecording } from '../../dist/replay/recording.js';
import { Timeline } from '../../dist/replay/timeline.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, root)));

function kernelBoard() {
  let out = '';
  const m = new VirtMachine({
    kernel: file('samples/kernel/kernel.elf'),
    drive: file('samples/kernel/disk.img'),
    onConsoleOutput: (b) => { out += Buffer.from(b).toString('latin1'); },
  });
  return { m, out: () => out };
}

describe('replay on the sample kernel', function () {
  this.timeout(300_000);

  it('replays a run with console input at random real times to the same output and states', async () => {
    const rand = seededRandom(2024);
    const live = kernelBoard();
    const t = new Timeline(live.m, { clockMode: 'realtime' });
    // Type keys at random host times while the kernel runs.
    let sent = 0;
    const type = (i: number) => {
      sent++;
      t.queueInput({ kind: 'console', bytes: Uint8Array.of(0x61 + i) });
    };
    const timers = Array.from({ length: 8 }, (_, i) => setTimeout(() => type(i), 5 + rand() * 200));
    const hashes = new Map<number, string>();
    // Up to poweroff (about 15M instructions without input), at most 18M.
    let stop;
    for (;;) {
      stop = await t.runForward({ budget: 150_000 });
      hashes.set(t.icount, live.m.stateHash());
      // A fast host may outrun every timer: make sure at least one key arrives mid-run.
      if (sent === 0 && t.icount >= 8_000_000) type(8);
      if (stop.reason !== 'budget' || t.icount >= 18_000_000) break;
    }
    timers.forEach(clearTimeout);
    expect(stop.reason).to.equal('poweroff');
    expect(live.out()).to.contain('[kernel] powering off');
    // Typed keys: logged with their icount and seen by the kernel.
    const typed = t.log.toArray().filter((e) => e.event.kind === 'console').length;
    expect(typed, 'keys typed during the run').to.be.greaterThan(0);
    expect(live.out()).to.match(/\[kernel\] you typed: [a-i]/);
    expect(hashes.size).to.be.at.least(100);

    // Through the file format and onto a fresh board.
    const rec = decodeRecording(encodeRecording(t.toRecording(
      { memory: 128 * 1024 * 1024, smp: 1, options: { bios: 'none' } },
      [{ role: 'kernel', name: 'kernel.elf', bytes: file('samples/kernel/kernel.elf') }],
    )));
    const again = kernelBoard();
    const r = new Timeline(again.m, { mode: 'replay', log: rec.log, endIcount: rec.endIcount, expectedFinalHash: rec.finalStateHash });
    const end = await r.runForward();
    expect(end.icount).to.equal(stop.icount);
    expect(again.out()).to.equal(live.out());
    expect(again.m.stateHash()).to.equal(rec.finalStateHash);

    // Every hash noted while recording, visited in random order.
    const points = [...hashes.keys()];
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [points[i], points[j]] = [points[j], points[i]];
    }
    for (const ic of points) {
      await r.seek(ic);
      expect(again.m.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
    }
  });
});
