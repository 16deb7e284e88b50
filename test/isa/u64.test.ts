import { expect } from 'chai';
import { r, qr, mul, mulh, mulhsu, mulhu, divu64, div64 } from '../../dist/isa/u64.js';

const M64 = (1n << 64n) - 1n;
const lo = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;
const pair = (l: number, h: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

// Deterministic xorshift so a failure is reproducible.
let seed = 0x9e3779b9;
function rnd32(): number { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }
const SPECIAL = [0n, 1n, 2n, 3n, M64, M64 - 1n, 1n << 63n, (1n << 63n) - 1n, 1n << 32n, 0xffffffffn, 0x100000001n, 7n << 53n];
function rnd64(): bigint {
  const k = rnd32() % 4;
  if (k === 0) return SPECIAL[rnd32() % SPECIAL.length];
  if (k === 1) return BigInt(rnd32()); // small
  return (BigInt(rnd32()) << 32n) | BigInt(rnd32());
}

describe('isa: u64 arithmetic on int32 pairs against BigInt', function () {
  this.timeout(60000);
  it('mul, mulh, mulhsu, mulhu', () => {
    for (let i = 0; i < 20000; i++) {
      const a = rnd64(), b = rnd64();
      mul(lo(a), hi(a), lo(b), hi(b));
      expect(pair(r.lo, r.hi)).to.equal((a * b) & M64);
      mulhu(lo(a), hi(a), lo(b), hi(b));
      expect(pair(r.lo, r.hi)).to.equal((a * b) >> 64n);
      mulh(lo(a), hi(a), lo(b), hi(b));
      expect(pair(r.lo, r.hi)).to.equal(((s64(a) * s64(b)) >> 64n) & M64);
      mulhsu(lo(a), hi(a), lo(b), hi(b));
      expect(pair(r.lo, r.hi)).to.equal(((s64(a) * b) >> 64n) & M64);
    }
  });

  it('divu/remu and div/rem (b != 0, no overflow)', () => {
    for (let i = 0; i < 20000; i++) {
      const a = rnd64(), b = rnd64();
      if (b === 0n) continue;
      divu64(lo(a), hi(a), lo(b), hi(b));
      expect(pair(qr.qlo, qr.qhi), `${a}/${b}`).to.equal(a / b);
      expect(pair(qr.rlo, qr.rhi), `${a}%${b}`).to.equal(a % b);
      if (a === 1n << 63n && b === M64) continue;
      div64(lo(a), hi(a), lo(b), hi(b));
      expect(pair(qr.qlo, qr.qhi)).to.equal((s64(a) / s64(b)) & M64);
      expect(pair(qr.rlo, qr.rhi)).to.equal((s64(a) % s64(b)) & M64);
    }
  });
});
