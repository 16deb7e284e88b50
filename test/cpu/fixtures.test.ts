import { expect } from 'chai';
import { makeMachine, loadElf, runToFinish } from './harness.js';

/** Run a fixture program of test/cpu/fixtures and return 'pass' or the failing check number. */
function runFixture(name: string): string {
  const m = makeMachine();
  loadElf(m, `test/cpu/fixtures/${name}.elf`);
  runToFinish(m);
  if (m.finish === undefined) return `no finish (pc 0x${m.hart.getPC().toString(16)}, ${m.hart.stopReason})`;
  return m.finish === 0x5555 ? 'pass' : `failed check ${m.finish >>> 16}`;
}

describe('cpu: fixture programs', () => {
  it('mtraps: M-mode exceptions, tvals, misaligned access, LR/SC/AMO, CSR WARL, FS gating, fence.i, counters', () => {
    expect(runFixture('mtraps')).to.equal('pass');
  });
  it('smode: Sv39 walks, A/D update, page faults with tval, SUM, delegation, U/S/M transitions, counter enables', () => {
    expect(runFixture('smode')).to.equal('pass');
  });
});
