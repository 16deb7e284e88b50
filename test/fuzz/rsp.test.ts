import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { helloExpected, runRspFuzz } from '../../dist/fuzz/rsp-fuzz.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('RSP protocol fuzzing (in-process server over TCP, real machine)', function () {
  this.timeout(120_000);

  it('3,000 random and mutated packets: no crash, no hang; then ?, g and c answer correctly', async () => {
    const r = await runRspFuzz({ root: ROOT, seed: 20261122, packets: 3000 });
    expect(r.failures, r.failures.join('\n')).to.deep.equal([]);
    expect(r.packets).to.be.at.least(3000);
    expect(r.replies).to.be.greaterThan(1500);
    expect(r.final.haltReason).to.match(/^(T[0-9a-f]{2}|W[0-9a-f]{2})/);
    expect(r.final.registersMatch).to.equal(true);
    expect(r.final.cont).to.equal('W00');
    expect(r.final.output).to.equal(helloExpected(ROOT));
  });
});
