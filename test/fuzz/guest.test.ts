import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIGS, GuestFuzzRig, RESERVED_ENCODINGS, compareCompiled, reservedStream, runGuestFuzz } from '../../dist/fuzz/guest-fuzz.js';
import { Prng } from '../../dist/fuzz/prng.js';
import { wasmStats } from '../../dist/cpu/wasm/compile.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KERNEL = new Uint8Array(fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf')));

describe('guest fuzzing (random instruction streams on the virt board)', function () {
  this.timeout(120_000);

  for (const c of CONFIGS) {
    it(`every reserved RV64GC encoding traps as illegal (mcause 2, mtval = bits) in ${c.mode}-mode, paging ${c.paging ? 'on' : 'off'}`, () => {
      const rig = new GuestFuzzRig(KERNEL);
      const { stream, addrs } = reservedStream();
      rig.start(stream, c.mode, c.paging, new Prng(7));
      rig.machine.run(RESERVED_ENCODINGS.length * 80);
      const recs = rig.drain();
      if (recs === 'overflow') throw new Error('trap log overflowed');
      const got = recs.slice(0, RESERVED_ENCODINGS.length).map((t, i) => ({
        why: RESERVED_ENCODINGS[i].why,
        mcause: Number(t.mcause),
        mepc: Number(t.mepc) - addrs[i],
        mtval: '0x' + t.mtval.toString(16),
        fromPriv: Number((t.mstatus >> 11n) & 3n), // mstatus.MPP: the mode the trap came from
      }));
      const priv = { M: 3, S: 1, U: 0 }[c.mode];
      const want = RESERVED_ENCODINGS.map((e) => ({ why: e.why, mcause: 2, mepc: 0, mtval: '0x' + e.bits.toString(16), fromPriv: priv }));
      expect(got).to.deep.equal(want);
    });
  }

  it('compiled blocks compute the same states as the interpreter on random streams (M, S, U, paging on and off)', () => {
    const r = compareCompiled(KERNEL, { seed: 2000, seeds: 4, perRun: 20_000 });
    expect(r.failures, r.failures.join('\n')).to.deep.equal([]);
    expect(r.instructions).to.be.at.least(400_000);
    expect(r.blocks).to.be.greaterThan(100);
  });

  it('wasm blocks compute the same states as the interpreter over 1e6 random instructions (M, S, U, paging on and off)', () => {
    const before = wasmStats.blocks;
    const r = compareCompiled(KERNEL, { seed: 3000, seeds: 6, perRun: 40_000, wasm: true });
    expect(r.failures, r.failures.join('\n')).to.deep.equal([]);
    expect(r.instructions).to.be.at.least(1_000_000);
    // Most blocks of random streams start with integer code: they went through the wasm tier.
    expect(wasmStats.blocks - before).to.be.greaterThan(r.blocks / 2);
  });

  it('100,000 random instructions over 2 seeds x {M, S, U} x paging: no host exception, illegal traps report their bits', () => {
    const r = runGuestFuzz(KERNEL, { seed: 1000, seeds: 2, perRun: 10_000 });
    expect(r.failures, r.failures.join('\n')).to.deep.equal([]);
    expect(r.instructions).to.be.at.least(100_000);
    expect(r.illegal).to.be.greaterThan(100);
    // The streams reach more than illegal instructions: loads/stores/fetches fault too.
    expect(r.byCause.size).to.be.greaterThan(4);
  });
});
