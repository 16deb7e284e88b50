import { expect } from 'chai';
import { Hart } from '../../dist/cpu/hart.js';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';

// The TLBs follow page-table writes as they happen (src/cpu/pt-watch.ts), so sfence.vma has
// nothing to drop: these are the writes that do not come from the hart that uses the tables.
// test/guests/ptwatch.S has the ones a single hart makes.

const I = (op: number, f3: number, rd: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (op: number, f3: number, rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const LD = (rd: number, rs1: number): number => I(0x03, 3, rd, rs1, 0);
const SD = (rs1: number, rs2: number): number => S(0x23, 3, rs1, rs2, 0);
const SFENCE = 0x12000073, WFI = 0x10500073;
const A0 = 10, A1 = 11, A2 = 12, A3 = 13;

const ROOT = RAM_BASE + 0x10000, L1 = ROOT + 0x1000, L0 = ROOT + 0x2000;
const PAGE_A = RAM_BASE + 0x20000, PAGE_B = RAM_BASE + 0x21000;
const VA = 0x40001000;
/** The reader: load, fence, load again. */
const READER = RAM_BASE;
/** Another hart's store of a1 at a0 (physical: it runs in M mode). */
const WRITER = RAM_BASE + 0x1000;

const leaf = (pa: number): bigint => (BigInt(pa / 4096) << 10n) | 0xd7n; // V R W U A D
const table = (pa: number): bigint => (BigInt(pa / 4096) << 10n) | 1n;

function put64(m: TestMachine, a: number, v: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  m.bus.writeBytes(a, b);
}

/** Hart 0 in S mode (SUM) under Sv39, VA -> PAGE_A, about to run READER. */
function setup(): TestMachine {
  const m = makeMachine();
  poke32(m, READER, [LD(A2, A0), SFENCE, LD(A3, A0), WFI]);
  poke32(m, WRITER, [SD(A0, A1), WFI]);
  put64(m, PAGE_A, 0xaan);
  put64(m, PAGE_B, 0xbbn);
  put64(m, ROOT + 16, (BigInt(RAM_BASE / 4096) << 10n) | 0xcfn); // RAM identity gigapage, S RWX A D
  put64(m, ROOT + 8, table(L1));
  put64(m, L1, table(L0));
  put64(m, L0 + 8, leaf(PAGE_A));
  const h = m.hart;
  h.writeCSR(0x180, (8n << 60n) | BigInt(ROOT / 4096));
  h.writeCSR(0x100, 1n << 18n); // sstatus.SUM
  h.priv = 1;
  h.flushCaches();
  h.setPC(BigInt(READER));
  h.setX(A0, BigInt(VA));
  return m;
}

describe('cpu: TLBs coherent with page-table writes from elsewhere', () => {
  it('a DMA or debugger write of a PTE (ram.onExternalWrite) is seen after the fence', () => {
    const m = setup();
    m.hart.run(1);
    expect(m.hart.getX(A2)).to.equal(0xaan);
    put64(m, L0 + 8, leaf(PAGE_B));
    m.hart.run(2);
    expect(m.hart.getX(A3)).to.equal(0xbbn);
  });

  it("another hart's store to a PTE is seen, even when it had the page in its write TLB before it was a table", () => {
    const m = setup();
    const other = new Hart(1, m.bus, m.clock);
    other.reset(WRITER);
    other.setX(A0, BigInt(L0 + 8));
    // Hart 1 writes the table page while it is plain data: that leaves it a write-TLB entry.
    other.setX(A1, leaf(PAGE_A));
    other.run(1);
    // Hart 0's walk makes it a page table; then hart 1 stores the new PTE.
    m.hart.run(1);
    expect(m.hart.getX(A2)).to.equal(0xaan);
    other.setPC(BigInt(WRITER));
    other.setX(A1, leaf(PAGE_B));
    other.run(1);
    m.hart.run(2);
    expect(m.hart.getX(A3)).to.equal(0xbbn);
  });

  it('a store filling an invalid PTE keeps the translations; one over a valid PTE drops them', () => {
    const m = setup();
    const other = new Hart(1, m.bus, m.clock);
    other.reset(WRITER);
    m.hart.run(1);
    const pt = m.hart.pt;
    const before = pt.flushes;
    const store = (a: number, v: bigint): void => { other.setPC(BigInt(WRITER)); other.setX(A0, BigInt(a)); other.setX(A1, v); other.run(1); };
    store(L0 + 16, leaf(PAGE_B)); // invalid before: no translation rests on it
    expect(pt.flushes).to.equal(before);
    store(L0 + 8, leaf(PAGE_B));
    expect(pt.flushes).to.equal(before + 1);
    m.hart.run(2);
    expect(m.hart.getX(A3)).to.equal(0xbbn);
  });
});

describe('cpu: a code page whose instructions were all overwritten is data again', () => {
  it('its stores get a write-TLB entry again (they took the slow path while it held code)', () => {
    const m = makeMachine();
    const h = m.hart;
    const CODE = RAM_BASE + 0x4000, idx = 4;
    poke32(m, CODE, [I(0x13, 0, 14, 0, 9), WFI]); // addi a4, x0, 9; wfi
    poke32(m, RAM_BASE, [SD(A0, 0), WFI]); // sd x0, 0(a0)
    h.setPC(BigInt(CODE));
    h.run(1);
    expect(h.getX(14)).to.equal(9n);
    const store = (): number[] => { h.setPC(BigInt(RAM_BASE)); h.setX(A0, BigInt(CODE)); h.run(1); const w: number[] = []; h.writablePages(w); return w; };
    // The store over the decoded addi forgets it: nothing decoded is left on the page.
    expect(store()).to.not.include(idx);
    expect(store()).to.include(idx);
    // New code written there runs (it is decoded afresh).
    poke32(m, CODE, [I(0x13, 0, 14, 0, 7), WFI]);
    h.setPC(BigInt(CODE));
    h.run(1);
    expect(h.getX(14)).to.equal(7n);
  });
});

describe('cpu: snapshots release the write entries of pages no longer written', () => {
  it('a page unchanged between snapshots is released, and its next store is still in the next snapshot', () => {
    const m = makeMachine();
    const h = m.hart;
    const DATA = RAM_BASE + 0x3000;
    const idx = (DATA - RAM_BASE) / 4096;
    poke32(m, RAM_BASE, [SD(A0, A1), WFI]);
    const store = (v: bigint): void => { h.setPC(BigInt(RAM_BASE)); h.setX(A0, BigInt(DATA)); h.setX(A1, v); h.run(1); };
    const snapshot = () => {
      const writable: number[] = [], released: number[] = [];
      h.writablePages(writable);
      const s = m.ram.snapshot(writable, released);
      h.dropWritePages(released);
      return { s, writable, released };
    };
    const peek = (): number => m.ram.readPageU8(idx)[0];
    store(1n);
    const s1 = snapshot();
    expect(s1.writable).to.include(idx);
    const s2 = snapshot();
    expect(s2.released).to.deep.equal([idx]);
    store(2n);
    const s3 = snapshot();
    m.ram.restore(s1.s);
    expect(peek()).to.equal(1);
    m.ram.restore(s3.s);
    expect(peek()).to.equal(2);
    m.ram.restore(s2.s);
    expect(peek()).to.equal(1);
  });
});
