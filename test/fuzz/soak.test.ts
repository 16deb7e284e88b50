import { expect } from 'chai';
import { runSoak, SOAK_DEFAULTS } from '../../dist/fuzz/soak.js';

describe('soak (a short run of `npm run soak`)', function () {
  this.timeout(180_000);

  it('npm run soak defaults to what issue 8 asks: >= 1e9 instructions, >= 1,000 seeks and reverse operations', () => {
    expect(SOAK_DEFAULTS.instructions).to.be.at.least(1e9);
    // About 10% of the operations are forward runs: the rest must still be 1,000 or more.
    expect(Math.floor(SOAK_DEFAULTS.ops * 0.85)).to.be.at.least(1000);
  });

  it('35e6 instructions of the sample kernel with console input and reboots at power-off, 50 random operations: every state hash equals a straight replay', async () => {
    const r = await runSoak({ instructions: 35e6, ops: 50, seed: 3, snapshotBytes: 256 << 20 });
    expect(r.mismatches, r.mismatches.join('\n')).to.deep.equal([]);
    expect(r.recorded).to.equal(35e6);
    expect(r.reboots).to.be.at.least(2); // the kernel powers off after ~15e6 instructions
    expect(r.inputs).to.be.greaterThan(5);
    expect(r.checked).to.equal(50);
    expect(r.ops.seek + r.ops.reverseStep + r.ops.reverseContinue).to.be.greaterThan(30);
    expect(r.peakSnapshotBytes).to.be.at.most(r.snapshotBudget);
  });
});
