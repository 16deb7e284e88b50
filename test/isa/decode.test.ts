import { expect } from 'chai';
import { ALL_ENCODINGS, lookup } from '../../dist/isa/encoding.js';
import { RV64C, expandCompressed, lookupC } from '../../dist/isa/rvc.js';
import { unboundEncodings, decode16, decode32 } from '../../dist/cpu/decode.js';
import { RVC_VECTORS } from './rvc-vectors.js';

const overlaps = (a: { mask: number; match: number }, b: { mask: number; match: number }): boolean =>
  ((a.match ^ b.match) & a.mask & b.mask) === 0;

describe('isa: decode tables', () => {
  it('no two 32-bit encodings overlap', () => {
    const clashes: string[] = [];
    for (let i = 0; i < ALL_ENCODINGS.length; i++) {
      for (let j = i + 1; j < ALL_ENCODINGS.length; j++) {
        if (overlaps(ALL_ENCODINGS[i], ALL_ENCODINGS[j])) clashes.push(`${ALL_ENCODINGS[i].name}/${ALL_ENCODINGS[j].name}`);
      }
    }
    expect(clashes).to.deep.equal([]);
  });

  it('every encoding has an execution handler', () => {
    expect(unboundEncodings(ALL_ENCODINGS.map((e) => e.name))).to.deep.equal([]);
  });

  it('overlapping RVC entries refine each other, the more specific listed first', () => {
    for (let i = 0; i < RV64C.length; i++) {
      for (let j = i + 1; j < RV64C.length; j++) {
        const a = RV64C[i], b = RV64C[j];
        if (!overlaps(a, b)) continue;
        // a (earlier) must test every bit b tests, plus more.
        expect((a.mask & b.mask) === b.mask && a.mask !== b.mask, `${a.name} vs ${b.name}`).to.equal(true);
      }
    }
  });

  it('decodes representative words by name', () => {
    expect(lookup(0x00000013)?.name).to.equal('addi');
    expect(lookup(0x40000033)?.name).to.equal('sub');
    expect(lookup(0x02a5c533)?.name).to.equal('div');
    expect(lookup(0x1005252f)?.name).to.equal('lr.w');
    expect(lookup(0x1015252f)).to.equal(undefined); // lr with rs2 != 0 is reserved
    expect(lookup(0x30200073)?.name).to.equal('mret');
    expect(lookup(0x12000073)?.name).to.equal('sfence.vma');
    expect(lookup(0x0000100f)?.name).to.equal('fence.i');
    expect(lookup(0x4000d013)?.name).to.equal('srai');
    expect(lookup(0x0200d01b)).to.equal(undefined); // srliw with shamt[5] set is reserved
    expect(lookup(0xffffffff)).to.equal(undefined);
  });
});

describe('isa: RV64C expansion', () => {
  for (const [name, c, w] of RVC_VECTORS) {
    it(`${name} expands like the assembler's 32-bit form`, () => {
      expect(expandCompressed(c).toString(16)).to.equal((w >>> 0).toString(16));
    });
  }

  it('reserved parcels are illegal with tval = the 16-bit parcel', () => {
    for (const c of [0x0000, 0x0001 | (0 << 7) | (1 << 13) /* c.addiw x0 */, 0x6101 & ~0x107c /* c.addi16sp 0 */,
      0x4002 /* c.lwsp x0 */, 0x6002 /* c.ldsp x0 */, 0x8002 /* c.jr x0 */, 0x8000 /* quadrant 0 f3=100 */,
      0x6001 | (5 << 7) /* c.lui a0, 0 */, 0x9c41 /* c.subw reserved 10 */]) {
      expect(expandCompressed(c), `0x${c.toString(16)}`).to.equal(0);
      const op = decode16(c);
      expect(op.name).to.equal('illegal');
      expect(op.raw).to.equal(c);
    }
  });

  it('every 16-bit parcel either expands to a decodable instruction or is reserved', function () {
    this.timeout(30000);
    let legal = 0;
    const bad: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      if ((c & 3) === 3) continue;
      const w = expandCompressed(c);
      if (w === 0) continue;
      legal++;
      if (lookup(w) === undefined || decode32(w, 2, c).len !== 2) bad.push(`0x${c.toString(16)} (${lookupC(c)?.name})`);
    }
    expect(bad).to.deep.equal([]);
    expect(legal).to.be.greaterThan(40000);
  });
});
