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
    // Running forward through the power-off and the reset after it.
    await tl.seek(p - 100);
    expect(await tl.runForward({ budget: 200 })).to.include({ reason: 'budget', icount: p + 100 });
    const seek = await tl.seek(p + 500);
    expect(seek.reason).to.equal('step');
    expect(tl.icount).to.equal(p + 500);
    // Reverse-continue from the end to a pc executed before the poweroff scans across it
    await tl.seek(p + 1000);
    s.machine.breakpoints.add(0x80000000);
    const rc = await tl.reverseContinue();
    expect(rc.reason).to.equal('breakpoint');
  });

  it('live: the power-off is new once; arriving at it again is arriving at the end of history', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/bughunt/bughunt.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const tl = createSession({ config, clockMode: 'virtual' }).timeline;
    expect(await tl.runForward({})).to.include({ reason: 'poweroff', exitCode: 3, icount: 9653, inHistory: false });
    expect(await tl.runForward({})).to.include({ reason: 'poweroff', exitCode: 3, icount: 9653, inHistory: true });
    await tl.seek(5000);
    expect(await tl.runForward({})).to.include({ reason: 'poweroff', exitCode: 3, icount: 9653, inHistory: true });
    await tl.seek(9652);
    expect(await tl.runForward({ stepHart: 0 })).to.include({ reason: 'poweroff', exitCode: 3, icount: 9653, inHistory: true });
  });

  it('replay: a recording that ended with a power-off ends there with replaylog-end and the exit code', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/bughunt/bughunt.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const live = createSession({ config, clockMode: 'virtual' });
    await live.timeline.runForward({});
    const hash = live.machine.stateHash();
    const tl = createSession({ config, mode: 'replay', log: live.timeline.log.toArray(), endIcount: live.timeline.endIcount, expectedFinalHash: hash, clockMode: 'virtual' }).timeline;
    expect(await tl.runForward({})).to.include({ reason: 'replaylog-end', exitCode: 3, icount: 9653 });
    expect(await tl.runForward({})).to.include({ reason: 'replaylog-end', exitCode: 3, icount: 9653 });
    await tl.seek(9652);
    expect(await tl.runForward({ stepHart: 0 })).to.include({ reason: 'replaylog-end', exitCode: 3, icount: 9653 });
    expect(tl.live).to.equal(false);
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
