import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HELLO = path.join(ROOT, 'samples/hello/hello.elf');
const BUGHUNT = path.join(ROOT, 'samples/bughunt/bughunt.elf');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

describe('api: Machine (forward, registers, memory, symbols)', function () {
  this.timeout(60_000);

  it('runs hello to poweroff: console text as on QEMU, exit code 0, QEMU instruction count', async () => {
    const m = Machine.fromFiles({ kernel: HELLO });
    const stop = await m.runUntilPoweroff();
    expect(stop.reason).to.equal('poweroff');
    expect(stop.exitCode).to.equal(0);
    expect(m.exitCode).to.equal(0);
    expect(m.console).to.equal(read('samples/hello/expected.txt'));
    expect(m.icount).to.equal(8784);
  });

  it('reports console output as it appears through onConsole, once', async () => {
    let seen = '';
    const m = Machine.fromFiles({ kernel: HELLO, onConsole: (t) => (seen += t) });
    await m.runUntilPoweroff();
    await m.seek(100);
    await m.seek(8784);
    expect(seen).to.equal(read('samples/hello/expected.txt'));
  });

  it('starts in the boot ROM and steps into the program', async () => {
    const m = Machine.fromFiles({ kernel: HELLO });
    expect(m.icount).to.equal(0);
    expect(m.pc).to.equal(0x1000);
    expect(m.reg('pc')).to.equal(0x1000n);
    expect(m.reg('priv')).to.equal(3n); // M-mode
    let s = await m.step();
    expect(s).to.include({ reason: 'step', icount: 1, pc: 0x1004 });
    s = await m.run(10);
    expect(s.reason).to.equal('budget');
    expect(m.icount).to.equal(11);
    // The ROM jumped to the program entry at 0x80000000 with a0 = hart id.
    expect(m.pc).to.be.at.least(0x80000000);
    expect(m.reg('a0')).to.equal(0n);
    expect(m.csr('mhartid')).to.equal(0n);
  });

  it('names the ELF symbols and describes addresses as gdb does', () => {
    const m = Machine.fromFiles({ kernel: BUGHUNT });
    expect(m.symbol('alice')).to.equal(0x800005c8);
    expect(m.symbol('no_such_symbol')).to.equal(undefined);
    expect(m.symbols.get('remember')?.kind).to.equal('function');
    expect(m.describe(0x80000210)).to.equal('0x80000210 <remember+54>');
    expect(m.describe(m.symbol('alice')! + 40)).to.equal('0x800005f0 <alice+40>');
    expect(() => m.resolve('no_such_symbol')).to.throw(/no symbol 'no_such_symbol'/);
  });

  it('stops at breakpoints set by symbol, and continues past them', async () => {
    const m = Machine.fromFiles({ kernel: HELLO });
    const square = m.breakpoints.add('square');
    expect(square).to.equal(m.symbol('square'));
    for (const n of [1n, 2n, 3n]) {
      const s = await m.cont();
      expect(s.reason).to.equal('breakpoint');
      expect(s.pc).to.equal(square);
      expect(m.reg('a0')).to.equal(n); // square(n)
    }
    m.breakpoints.delete('square');
    expect((await m.cont()).reason).to.equal('poweroff');
  });

  it('reads registers by ABI name, number and CSR name; writes them', async () => {
    const m = Machine.fromFiles({ kernel: HELLO });
    m.breakpoints.add('square');
    await m.cont();
    expect(m.reg('x10')).to.equal(m.reg('a0'));
    expect(m.reg('fp')).to.equal(m.reg('s0'));
    expect(m.reg('sp')).to.equal(m.regs()['sp']);
    expect(m.csr('mstatus')).to.equal(m.csr(0x300));
    expect(m.reg('mstatus')).to.equal(m.csr('mstatus'));
    expect(m.csr('misa') >> 62n).to.equal(2n); // MXL = 64-bit
    m.setReg('a0', 7);
    expect(m.reg('a0')).to.equal(7n);
    m.setReg('zero', 5);
    expect(m.reg('zero')).to.equal(0n);
    m.setReg('fa0', 0x4000000000000000n);
    expect(m.reg('f10')).to.equal(0x4000000000000000n);
    expect(() => m.reg('foo')).to.throw(/unknown register 'foo'/);
    expect(() => m.csr('nocsr')).to.throw(/unknown CSR 'nocsr'/);
    // square(7) now: the changed argument is used.
    m.breakpoints.clear();
    m.breakpoints.add(0x80000192); // the return address in main
    await m.cont();
    expect(m.reg('a0')).to.equal(49n);
  });

  it('reads and writes memory, virtual and physical, by address or symbol', () => {
    const m = Machine.fromFiles({ kernel: BUGHUNT });
    const alice = m.symbol('alice')!;
    expect(m.readString('alice')).to.equal('alice');
    expect(Array.from(m.read(alice, 8))).to.deep.equal([97, 108, 105, 99, 101, 0, 0, 0]);
    expect(m.read(alice, 8, { physical: true })).to.deep.equal(m.read(alice, 8));
    expect(m.translate(alice)).to.equal(alice); // bare mode: no translation
    expect(m.readI64(alice + 40)).to.equal(0n);
    m.writeU64(alice + 40, -5n);
    expect(m.readI64(alice + 40)).to.equal(-5n);
    expect(m.readU64(alice + 40)).to.equal(2n ** 64n - 5n);
    m.write(alice, new TextEncoder().encode('bob\0'));
    expect(m.readString(alice)).to.equal('bob');
    expect(m.readU32(0x1000)).to.not.equal(0); // the boot ROM
    expect(() => m.read(0, 4)).to.throw(/cannot read 4 bytes at 0x0/);
    expect(() => m.read(0x10000000, 1)).to.throw(/cannot read/); // the UART: no side effects from reads
    expect(() => m.write(0x1000, Uint8Array.of(1))).to.throw(/not all RAM/);
  });

  it('builds from bytes and rejects bad input with one clear line', () => {
    const m = Machine.fromBytes({ kernel: new Uint8Array(fs.readFileSync(HELLO)), memory: '64M', smp: 2 });
    expect(m.hartCount).to.equal(2);
    expect(m.board.ram.size).to.equal(64 << 20);
    expect(() => Machine.fromFiles({ kernel: '/nonexistent/x.elf' })).to.throw(/cannot read kernel '\/nonexistent\/x.elf': no such file/);
    expect(() => Machine.fromBytes({ kernel: new TextEncoder().encode('not an elf') })).to.throw(/ELF/);
    expect(() => Machine.fromFiles({ kernel: HELLO, memory: '12Q' })).to.throw(/bad memory size '12Q'/);
    expect(() => Machine.fromFiles({ kernel: HELLO, smp: 9 })).to.throw(/smp.*9/);
    expect(() => Machine.fromBytes({})).to.throw(/nothing to run/);
    expect(() => m.reg('a0', 5)).to.throw(/no hart 5/);
  });
});
