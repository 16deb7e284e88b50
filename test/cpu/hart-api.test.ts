import { expect } from 'chai';
import { makeMachine, poke32, RAM_BASE, type TestMachine } from './harness.js';

// addi a1,x0,5; sd a1,0(a0); ld a2,0(a0); addi a1,a1,1; amoadd.d a3,a1,(a0); wfi; addi a4,x0,9; wfi
const PROG = [0x00500593, 0x00b53023, 0x00053603, 0x00158593, 0x00b536af, 0x10500073, 0x00900713, 0x10500073];
const DATA = RAM_BASE + 0x2000;

function setup(): TestMachine {
  const m = makeMachine();
  poke32(m, RAM_BASE, PROG);
  m.hart.setX(10, BigInt(DATA));
  return m;
}
const read64 = (m: TestMachine, a: number): bigint => new DataView(m.bus.readBytes(a, 8)!.buffer).getBigUint64(0, true);

describe('cpu: hart run API', () => {
  it('counts steps exactly in clock.icount and stops at the budget', () => {
    const m = setup();
    expect(m.hart.run(3)).to.equal(3);
    expect(m.clock.icount).to.equal(3);
    expect(m.hart.stopReason).to.equal('budget');
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 12));
    expect(m.hart.getX(12)).to.equal(5n);
  });

  it('stops before a breakpoint, and ignoreFirstStop steps over it', () => {
    const m = setup();
    m.hart.breakpoints.add(RAM_BASE + 8);
    expect(m.hart.run(100)).to.equal(2);
    expect(m.hart.stopReason).to.equal('breakpoint');
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 8));
    expect(m.hart.run(100)).to.equal(0);
    expect(m.hart.run(1, true)).to.equal(1);
    expect(m.hart.getX(12)).to.equal(5n);
  });

  it('write watchpoint stops before the store with memory unchanged; reported then stepped over', () => {
    const m = setup();
    m.hart.watchpoints.push({ addr: DATA + 4, len: 2, kind: 'write' });
    expect(m.hart.run(100)).to.equal(1);
    expect(m.hart.stopReason).to.equal('watchpoint');
    expect(m.hart.lastWatch).to.deep.equal({
      watch: { addr: DATA + 4, len: 2, kind: 'write' }, accessAddr: DATA, accessSize: 8, accessKind: 'write',
    });
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 4));
    expect(read64(m, DATA)).to.equal(0n);
    expect(m.hart.run(1, true)).to.equal(1);
    expect(read64(m, DATA)).to.equal(5n);
    // The load does not match a write watchpoint; the AMO does.
    expect(m.hart.run(100)).to.equal(2);
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 16));
    expect(m.hart.lastWatch?.accessKind).to.equal('write');
  });

  it('a write watchpoint set after the store cached the page still stops the AMO, memory unchanged', () => {
    const m = setup();
    expect(m.hart.run(2)).to.equal(2); // the sd leaves a write-TLB entry for DATA
    m.hart.watchpoints.push({ addr: DATA, len: 8, kind: 'write' });
    expect(m.hart.run(100)).to.equal(2);
    expect(m.hart.stopReason).to.equal('watchpoint');
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 16));
    expect(read64(m, DATA)).to.equal(5n);
    m.hart.watchpoints.length = 0;
    m.hart.run(1, true);
    expect(read64(m, DATA)).to.equal(11n);
    expect(m.hart.getX(13)).to.equal(5n);
  });

  it('read watchpoint matches loads and AMOs, not stores', () => {
    const m = setup();
    m.hart.watchpoints.push({ addr: DATA, len: 8, kind: 'read' });
    m.hart.run(100);
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 8));
    expect(m.hart.lastWatch?.accessKind).to.equal('read');
    m.hart.run(100, true);
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 16));
  });

  it('WFI with nothing pending stops with wfi; a pending enabled interrupt wakes it and is taken', () => {
    const m = setup();
    const h = m.hart;
    h.writeCSR(0x305, BigInt(RAM_BASE + 0x100)); // mtvec
    poke32(m, RAM_BASE + 0x100, [0x10500073]); // handler: wfi
    expect(h.run(100)).to.equal(6);
    expect(h.stopReason).to.equal('wfi');
    expect(h.wfi).to.equal(true);
    expect(h.run(100)).to.equal(0);
    // Pending but not enabled in mie: still asleep.
    h.setPending(7, true);
    expect(h.run(100)).to.equal(0);
    // Enabled in mie but MIE clear: wakes and continues after the WFI without a trap.
    h.writeCSR(0x304, 1n << 7n);
    expect(h.run(1)).to.equal(1);
    expect(h.getX(14)).to.equal(9n);
    // With MIE set, the interrupt is taken at the next boundary: mcause = 2^63 + 7.
    h.writeCSR(0x300, 1n << 3n);
    h.run(1);
    expect(h.readCSR(0x342)).to.equal((1n << 63n) | 7n);
    expect(h.readCSR(0x341)).to.equal(BigInt(RAM_BASE + 28));
    expect(h.getPC()).to.equal(BigInt(RAM_BASE + 0x104));
  });

  for (const jit of [true, false]) {
    it(`turning MIE on with an interrupt pending traps right after the csrrsi (${jit ? 'compiled blocks' : 'interpreter'}); with none pending the loop runs on`, () => {
      const m = makeMachine();
      const h = m.hart;
      h.jit = jit;
      h.jitThreshold = 2;
      const I = (f3: number, rd: number, rs1: number, imm: number): number => (imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13;
      const CSRI = (f3: number, csr: number, uimm: number): number => (csr << 20) | (uimm << 15) | (f3 << 12) | 0x73;
      // li a0,0; li a1,200; loop: csrsi mstatus,MIE; csrci mstatus,MIE; addi a0,a0,1; bne a0,a1,loop; wfi
      poke32(m, RAM_BASE, [I(0, 10, 0, 0), I(0, 11, 0, 200), CSRI(6, 0x300, 8), CSRI(7, 0x300, 8), I(0, 10, 10, 1), 0xfeb51ae3, 0x10500073]);
      h.writeCSR(0x305, BigInt(RAM_BASE + 0x100)); // mtvec: j .
      poke32(m, RAM_BASE + 0x100, [0x0000006f]);
      h.writeCSR(0x304, 1n << 3n); // mie.MSIE
      // 50 times round the loop with nothing pending (hot, so compiled when jit is on).
      expect(h.run(2 + 4 * 50)).to.equal(2 + 4 * 50);
      expect(h.getX(10)).to.equal(50n);
      expect(h.getPC()).to.equal(BigInt(RAM_BASE + 8));
      if (jit) expect(h.blocksCompiled).to.be.greaterThan(0);
      // Pending now: MIE is clear, so nothing until the csrsi; then the trap comes before the csrci.
      h.setPending(3, true);
      h.run(20);
      expect(h.getPC()).to.equal(BigInt(RAM_BASE + 0x100));
      expect(h.readCSR(0x342)).to.equal((1n << 63n) | 3n);
      expect(h.readCSR(0x341)).to.equal(BigInt(RAM_BASE + 12));
      expect(h.getX(10)).to.equal(50n);
      // Cleared and back at the csrci: the loop finishes.
      h.setPending(3, false);
      h.setPC(BigInt(RAM_BASE + 12));
      h.writeCSR(0x300, 0n);
      h.run(10_000);
      expect(h.stopReason).to.equal('wfi');
      expect(h.getX(10)).to.equal(200n);
      expect(h.getPC()).to.equal(BigInt(RAM_BASE + 28));
    });
  }

  it('interrupt priority: MEI, then MTI, then SEI; vectored mtvec enters at base + 4*cause', () => {
    const m = setup();
    const h = m.hart;
    const base = RAM_BASE + 0x100;
    poke32(m, base, new Array(16).fill(0x00000013)); // nops
    h.writeCSR(0x305, BigInt(base) | 1n);
    h.writeCSR(0x304, (1n << 11n) | (1n << 7n) | (1n << 9n));
    h.setPending(9, true); h.setPending(7, true); h.setPending(11, true);
    for (const [cause, line] of [[11, 11], [7, 7], [9, 9]]) {
      h.writeCSR(0x300, 1n << 3n); // MIE
      h.setPC(BigInt(RAM_BASE));
      expect(h.run(1)).to.equal(1); // the interrupt entry is not a step; the nop at the vector is
      expect(h.readCSR(0x342)).to.equal((1n << 63n) | BigInt(cause));
      expect(h.getPC()).to.equal(BigInt(base + 4 * cause + 4));
      h.setPending(line, false);
    }
  });

  it('delegated supervisor interrupt goes to stvec in S-mode; not taken in M', () => {
    const m = setup();
    const h = m.hart;
    h.writeCSR(0x303, 1n << 5n); // mideleg STIP
    h.writeCSR(0x304, 1n << 5n); // mie STIE
    h.writeCSR(0x105, BigInt(RAM_BASE + 0x200)); // stvec
    h.writeCSR(0x344, 1n << 5n); // mip.STIP (software-writable by M)
    h.run(1);
    expect(h.priv).to.equal(3); // M ignores delegated interrupts
    h.writeCSR(0x100, 1n << 1n); // sstatus.SIE
    h.priv = 1;
    h.flushCaches();
    poke32(m, RAM_BASE + 0x200, [0x00000013]);
    h.run(1);
    expect(h.readCSR(0x142)).to.equal((1n << 63n) | 5n);
    expect(h.priv).to.equal(1);
    expect(h.getPC()).to.equal(BigInt(RAM_BASE + 0x204));
  });

  it('saveState/loadState resume exactly', () => {
    const m = setup();
    m.hart.run(2);
    const s = structuredClone(m.hart.saveState());
    // As the machine does: pages the hart may still write through its TLB are copied, not
    // frozen in place (the amoadd below writes the data page through its write entry).
    const writable: number[] = [];
    m.hart.writablePages(writable);
    expect(writable.length).to.be.greaterThan(0);
    const snap = m.ram.snapshot(writable);
    const icount = m.clock.icount;
    m.hart.run(100);
    const after = [m.hart.getPC(), m.hart.getX(13), m.hart.getX(11), m.hart.readCSR(0xb02)];
    m.ram.restore(snap);
    m.hart.loadState(s);
    m.clock.icount = icount;
    m.hart.run(100);
    expect([m.hart.getPC(), m.hart.getX(13), m.hart.getX(11), m.hart.readCSR(0xb02)]).to.deep.equal(after);
  });

  it('self-modifying code by DMA: invalidateCodePage via ram.onExternalWrite', () => {
    const m = setup();
    m.hart.run(1);
    expect(m.hart.getX(11)).to.equal(5n);
    poke32(m, RAM_BASE, [0x00700593]); // addi a1, x0, 7
    m.hart.setPC(BigInt(RAM_BASE));
    m.hart.run(1);
    expect(m.hart.getX(11)).to.equal(7n);
  });

  it('debugger register and CSR access', () => {
    const m = setup();
    const h = m.hart;
    h.setX(5, 0xfedcba9876543210n);
    expect(h.getX(5)).to.equal(0xfedcba9876543210n);
    h.setX(0, 5n);
    expect(h.getX(0)).to.equal(0n);
    h.setF(3, 0x400921fb54442d18n);
    expect(h.getF(3)).to.equal(0x400921fb54442d18n);
    expect(h.readCSR(0x301)).to.equal(0x800000000014112dn);
    expect(h.readCSR(0x7c0)).to.equal(undefined);
    expect(h.writeCSR(0xf14, 1n)).to.equal(false);
    expect(h.writeCSR(0x340, 0x1234567890abcdefn)).to.equal(true);
    expect(h.readCSR(0x340)).to.equal(0x1234567890abcdefn);
    expect(h.implementedCSRs()).to.include.members([0x300, 0x180, 0x3b0, 0xc01]);
    h.setPC(0xffffffc000001000n);
    expect(h.getPC()).to.equal(0xffffffc000001000n);
  });

  it('translate() follows Sv39 from S-mode without A/D updates', () => {
    const m = setup();
    const h = m.hart;
    const root = RAM_BASE + 0x10000, l1 = root + 0x1000, l0 = root + 0x2000;
    const put = (a: number, v: bigint): void => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); m.bus.writeBytes(a, b); };
    const va = -0x4000000000 + 0x12345000; // 0xffffffc0_12345000
    const vpn2 = Math.floor(va / 2 ** 30) & 511, vpn1 = Math.floor(va / 2 ** 21) & 511, vpn0 = Math.floor(va / 4096) & 511;
    put(root + 8 * vpn2, (BigInt(l1 / 4096) << 10n) | 1n);
    put(l1 + 8 * vpn1, (BigInt(l0 / 4096) << 10n) | 1n);
    put(l0 + 8 * vpn0, (BigInt((RAM_BASE + 0x5000) / 4096) << 10n) | 0x3n); // V|R, A clear
    h.writeCSR(0x180, (8n << 60n) | BigInt(root / 4096));
    // M-mode: low addresses are physical; an upper-half one cannot be, so it goes through satp.
    expect(h.translate(RAM_BASE + 0x10, 'x')).to.equal(RAM_BASE + 0x10);
    expect(h.translate(va + 0x10, 'r')).to.equal(RAM_BASE + 0x5010);
    h.priv = 1;
    expect(h.translate(va + 0x10, 'r')).to.equal(RAM_BASE + 0x5010);
    // The debugger is not the guest: a read-only page is writable to it.
    expect(h.translate(va + 0x10, 'w')).to.equal(RAM_BASE + 0x5010);
    expect(h.translate(va + 0x1000, 'r')).to.equal(undefined);
    expect(read64(m, l0 + 8 * vpn0) & 0x40n).to.equal(0n);
  });

  it('translate() ignores U, SUM and MXR: the debugger sees user pages from S and kernel pages from U', () => {
    const m = setup();
    const h = m.hart;
    const root = RAM_BASE + 0x10000, l1 = root + 0x1000, l0 = root + 0x2000;
    const put = (a: number, v: bigint): void => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); m.bus.writeBytes(a, b); };
    put(root, (BigInt(l1 / 4096) << 10n) | 1n);
    put(l1, (BigInt(l0 / 4096) << 10n) | 1n);
    put(l0 + 8 * 1, (BigInt((RAM_BASE + 0x6000) / 4096) << 10n) | 0x1bn); // VA 0x1000: V|R|X|U (user code)
    put(l0 + 8 * 2, (BigInt((RAM_BASE + 0x7000) / 4096) << 10n) | 0x9n); // VA 0x2000: V|X, kernel, execute-only
    put(l0 + 8 * 3, (BigInt((RAM_BASE + 0x8000) / 4096) << 10n) | 0x0en); // VA 0x3000: R|W|X but not V
    h.writeCSR(0x180, (8n << 60n) | BigInt(root / 4096));
    h.writeCSR(0x100, 0n); // SUM = MXR = 0
    h.priv = 1;
    expect(h.translate(0x1008, 'r')).to.equal(RAM_BASE + 0x6008);
    expect(h.translate(0x1008, 'w')).to.equal(RAM_BASE + 0x6008);
    expect(h.translate(0x2010, 'r')).to.equal(RAM_BASE + 0x7010);
    expect(h.translate(0x3000, 'r')).to.equal(undefined);
    h.priv = 0;
    expect(h.translate(0x2010, 'r')).to.equal(RAM_BASE + 0x7010);
    expect(h.translate(0x1008, 'x')).to.equal(RAM_BASE + 0x6008);
  });

  it('executes a 32-bit instruction that straddles two pages', () => {
    const m = setup();
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, 0x123455b7, true); // lui a1, 0x12345
    m.bus.writeBytes(RAM_BASE + 0xffe, b);
    m.hart.setPC(BigInt(RAM_BASE + 0xffe));
    expect(m.hart.run(1)).to.equal(1);
    expect(m.hart.getX(11)).to.equal(0x12345000n);
    expect(m.hart.getPC()).to.equal(BigInt(RAM_BASE + 0x1002));
  });

  it('8-byte MMIO accesses are two 4-byte accesses, low address first; nothing mapped = access fault', () => {
    const m = setup();
    const log: string[] = [];
    m.bus.map(0x3000000, 0x1000, {
      name: 'rec',
      read: (off, size) => { log.push(`r${off}/${size}`); return off === 0 ? 0x89abcdef : 0x01234567; },
      write: (off, size, v) => { log.push(`w${off}/${size}=${v.toString(16)}`); },
      reset: () => {}, saveState: () => ({}), loadState: () => {},
    });
    poke32(m, RAM_BASE + 0x400, [0x00053603, 0x00c53423]); // ld a2,0(a0); sd a2,8(a0)
    m.hart.setPC(BigInt(RAM_BASE + 0x400));
    m.hart.setX(10, 0x3000000n);
    expect(m.hart.run(2)).to.equal(2);
    expect(m.hart.getX(12)).to.equal(0x0123456789abcdefn);
    expect(log).to.deep.equal(['r0/4', 'r4/4', 'w8/4=89abcdef', 'w12/4=1234567']);
    m.hart.setPC(BigInt(RAM_BASE + 0x400));
    m.hart.setX(10, 0x4000000n);
    expect(m.hart.run(1)).to.equal(1); // the faulting step counts
    expect(m.hart.readCSR(0x342)).to.equal(5n);
    expect(m.hart.readCSR(0x343)).to.equal(0x4000000n);
    expect(m.hart.readCSR(0x341)).to.equal(BigInt(RAM_BASE + 0x400));
  });

  it('MPRV: M-mode loads translate with MPP = S; fetches stay physical', () => {
    const m = setup();
    const h = m.hart;
    const root = RAM_BASE + 0x10000;
    const b = new Uint8Array(8);
    // Root gigapage entry 1 (VA 0x40000000..) -> PA 0x80000000, R|W|A|D.
    new DataView(b.buffer).setBigUint64(0, (BigInt(RAM_BASE / 4096) << 10n) | 0xc7n, true);
    m.bus.writeBytes(root + 8, b);
    new DataView(b.buffer).setBigUint64(0, 0x1122334455667788n, true);
    m.bus.writeBytes(RAM_BASE + 0x3000, b);
    h.writeCSR(0x180, (8n << 60n) | BigInt(root / 4096));
    poke32(m, RAM_BASE + 0x400, [0x00053603]); // ld a2, 0(a0)
    h.setPC(BigInt(RAM_BASE + 0x400));
    h.setX(10, 0x40003000n);
    h.writeCSR(0x300, (1n << 17n) | (1n << 11n)); // MPRV, MPP = S
    expect(h.run(1)).to.equal(1);
    expect(h.getX(12)).to.equal(0x1122334455667788n);
    // Without MPRV the same address is physical: nothing there, load access fault.
    h.writeCSR(0x300, 0n);
    h.setPC(BigInt(RAM_BASE + 0x400));
    h.run(1);
    expect(h.readCSR(0x342)).to.equal(5n);
    expect(h.readCSR(0x343)).to.equal(0x40003000n);
  });
});
