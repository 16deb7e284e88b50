import { expect } from 'chai';
import { setPair } from '../../dist/cpu/hart.js';

/** x[i], x[i+1] read back as the unsigned 64-bit value. */
function u64(a: Int32Array, i: number): bigint {
  return (BigInt(a[i + 1] >>> 0) << 32n) | BigInt(a[i] >>> 0);
}

describe('cpu: setPair (JS number -> lo/hi register pair)', () => {
  const cases: [number, bigint][] = [
    [0, 0n],
    [5, 5n],
    [2 ** 32 + 5, 0x1_0000_0005n],
    [-1, 0xffff_ffff_ffff_ffffn],
    // A Linux Sv39 kernel text address: auipc/jal there must keep the upper word all ones.
    [-0x7fffef08, 0xffff_ffff_8000_10f8n],
    [-(2 ** 32), 0xffff_ffff_0000_0000n],
    [-(2 ** 32) - 1, 0xffff_fffe_ffff_ffffn],
    [-(2 ** 63), 0x8000_0000_0000_0000n],
    [2 ** 64 - 2 ** 32, 0xffff_ffff_0000_0000n], // unsigned interpretation of the same bits
  ];
  for (const [v, want] of cases) {
    it(`${v} -> 0x${want.toString(16)}`, () => {
      const a = new Int32Array(4);
      setPair(a, 2, v);
      expect(u64(a, 2)).to.equal(want);
    });
  }
});
