/**
 * History around a guest power-off (found by the soak and the API work): a reset logged after the
 * power-off is replayed, and reverse operations start from the power-off position.
 */
import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMachineConfig } from '../../dist/cli/machine-args.js';
import { createSession } from '../../dist/session/session.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('timeline: history around a guest power-off', function () {
  this.timeout(60_000);

  // A reset logged at the icount where the guest powered off (what `monitor reset` after the
  // guest exited records) must be replayed, so that the history after it stays reachable.
  it('history after poweroff + logged reset is reachable by seek and reverse-continue', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/hello/hello.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const s = createSession({ config, clockMode: 'virtual' });
    const tl = s.timeline;
    expect((await tl.runForward({})).reason).to.equal('poweroff'); // hello exits at icount 8784
    const p = tl.icount;
    tl.recordDebuggerWrite({ kind: 'reset' }); // monitor reset
    expect((await tl.runForward({ budget: 1000 })).reason).to.equal('budget');
    expect(tl.icount).to.equal(p + 1000);
    const seek = await tl.seek(p + 500);
    expect(seek.reason).to.equal('step');
    expect(tl.icount).to.equal(p + 500);
    // Reverse-continue from the end to a pc executed before the poweroff scans across it
    await tl.seek(p + 1000);
    s.machine.breakpoints.add(0x80000000);
    const rc = await tl.reverseContinue();
    expect(rc.reason).to.equal('breakpoint');
  });

  it('reverse operations start from the power-off position', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/bughunt/bughunt.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const s = createSession({ config, clockMode: 'virtual' });
    const tl = s.timeline;
    const end = await tl.runForward({});
    expect(end.reason).to.equal('poweroff');
    const hit = await tl.lastWrite(0x800005f0, 8); // alice.balance
    expect(hit).to.not.equal(null);
    expect(hit !== null && hit !== 'interrupted' && hit.pc).to.equal(0x80000210);
    expect(tl.icount).to.equal(end.icount);
    s.machine.breakpoints.add(0x800002ec); // report_corruption
    const rc = await tl.reverseContinue();
    expect(rc.reason).to.equal('breakpoint');
  });
});
