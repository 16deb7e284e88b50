import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { makeMachine, loadElf, runToFinish } from './harness.js';

// The assembly ISA programs of test/guests (shared with the QEMU differential test) must pass.
const GUESTS = ['rv64i', 'rv64m', 'rv64a', 'rv64c', 'csr', 'traps', 'priv', 'sv39', 'tlb', 'ptwatch', 'fpu'];

describe('guest ISA programs on the hart', () => {
  for (const g of GUESTS) {
    const path = `test/guests/${g}.elf`;
    it(`${g}.elf reports pass (0x5555)`, () => {
      expect(existsSync(path), `${path} is committed`).to.equal(true);
      const m = makeMachine();
      loadElf(m, path);
      runToFinish(m);
      const fin = m.finish;
      expect(fin === undefined ? 'no finish' : `0x${fin.toString(16)} (check ${fin >>> 16})`, m.uart).to.equal('0x5555 (check 0)');
    });
  }
});
