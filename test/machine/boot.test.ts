import { expect } from 'chai';
import * as fs from 'node:fs';
import { buildBootRom, fdtLoadAddr } from '../../dist/machine/boot-rom.js';
import { parseElf } from '../../dist/machine/elf.js';
import { decodeDtb, findNode } from '../../dist/machine/fdt.js';
import { makeElf } from './make-elf.js';
import { parseMemorySize, parseSmp } from '../../dist/machine/options.js';
import { planBoot, VirtConfigError, type VirtOptions } from '../../dist/machine/virt-boot.js';

const FIX = new URL('../../test/machine/fixtures/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(new URL(name, FIX)));
const MiB = 1 << 20;

function configError(opts: VirtOptions): string {
  try {
    planBoot(opts);
  } catch (e) {
    expect(e).to.be.instanceOf(VirtConfigError);
    expect((e as Error).message).to.not.include('\n');
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('machine/boot planning', () => {
  it('builds the reset vector QEMU 7.2 has at 0x1000, with fw_dynamic_info at 0x1028', () => {
    const rom = buildBootRom({ romBase: 0x1000, romSize: 0xf000, startAddr: 0x80000000, fdtAddr: 0x87e00000, kernelEntry: 0x80200000 });
    const dv = new DataView(rom.buffer);
    const words = Array.from({ length: 6 }, (_, i) => dv.getUint32(i * 4, true));
    // auipc t0,0; addi a2,t0,40; csrr a0,mhartid; ld a1,32(t0); ld t0,24(t0); jr t0
    expect(words).to.deep.equal([0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067]);
    expect(dv.getBigUint64(0x18, true)).to.equal(0x80000000n);
    expect(dv.getBigUint64(0x20, true)).to.equal(0x87e00000n);
    const info = Array.from({ length: 6 }, (_, i) => dv.getBigUint64(0x28 + i * 8, true));
    expect(info).to.deep.equal([0x4942534fn, 2n, 0x80200000n, 1n, 0n, 0n]);
    expect(rom.length).to.equal(0xf000);
  });

  it('places the DTB like QEMU 7.2: top of RAM (capped at 3 GiB), aligned down to 2 MiB', () => {
    // Observed on qemu-system-riscv64 7.2 -m 128M: a1 = 0x87e00000.
    expect(fdtLoadAddr(0x80000000, 128 * MiB, 0x107e)).to.equal(0x87e00000);
    expect(fdtLoadAddr(0x80000000, 4096 * MiB, 0x1000)).to.equal(0xbfe00000);
  });

  it('bios none: kernel ELF at its addresses, ROM jumps to its entry, DTB at the top', () => {
    const p = planBoot({ kernel: fixture('hello.elf') });
    expect(p.startAddr).to.equal(0x80000000);
    expect(p.kernelEntry).to.equal(0x80000000);
    expect(p.dtbAddr).to.equal(0x87e00000);
    expect(p.regions[0].name).to.equal('kernel segment 1');
    expect(p.regions[0].start).to.equal(0x80000000);
    const mem = findNode(decodeDtb(p.dtb).root, '/memory@80000000')!;
    expect(Buffer.from(mem.props.get('reg')!).toString('hex')).to.equal('00000000800000000000000008000000');
  });

  it('firmware: raw firmware at 0x80000000, raw kernel at 0x80200000, initrd at entry + min(RAM/2, 128M)', () => {
    const fw = new Uint8Array(200 * 1024).fill(0x13);
    const kernel = new Uint8Array(3 * MiB).fill(1);
    const initrd = new Uint8Array(5000).fill(2);
    const p = planBoot({ bios: fw, kernel, initrd, memoryBytes: 256 * MiB, append: 'console=ttyS0' });
    expect(p.startAddr).to.equal(0x80000000);
    expect(p.kernelEntry).to.equal(0x80200000);
    expect(p.initrd).to.deep.equal({ start: 0x80200000 + 128 * MiB, end: 0x80200000 + 128 * MiB + 5000 });
    expect(p.regions.map((r) => [r.name, r.start])).to.deep.equal([
      ['firmware', 0x80000000], ['kernel', 0x80200000], ['initrd', 0x88200000],
    ]);
    const chosen = findNode(decodeDtb(p.dtb).root, '/chosen')!;
    expect(Buffer.from(chosen.props.get('bootargs')!).toString()).to.equal('console=ttyS0\0');
    expect(Buffer.from(chosen.props.get('linux,initrd-start')!).toString('hex')).to.equal('88200000');
    const small = planBoot({ bios: fw, kernel, initrd, memoryBytes: 64 * MiB });
    expect(small.initrd!.start).to.equal(0x80200000 + 32 * MiB);
  });

  it('firmware + kernel ELF: the kernel loads at its own addresses and is fw_dynamic next_addr', () => {
    const fw = new Uint8Array(4096);
    const kernel = makeElf([{ vaddr: 0xffffffff80000000n, paddr: 0x80200000n, data: Uint8Array.of(0x13, 0, 0, 0), memsz: 0x2000 }], { entry: 0xffffffff80000000n });
    const p = planBoot({ bios: fw, kernel });
    expect(p.startAddr).to.equal(0x80000000);
    expect(p.kernelEntry).to.equal(0x80200000);
    expect(p.regions.map((r) => [r.name, r.start, r.end])).to.deep.equal([
      ['firmware', 0x80000000, 0x80001000], ['kernel segment 0', 0x80200000, 0x80202000],
    ]);
    // hello.elf is linked at 0x80000000: it collides with the firmware there.
    const end = parseElf(fixture('hello.elf')).segments.find((s) => s.paddr === 0x80000000)!.memsz + 0x80000000;
    expect(configError({ bios: fw, kernel: fixture('hello.elf') })).to.equal(
      `kernel segment 1 [0x80000000, 0x${end.toString(16)}) overlaps firmware [0x80000000, 0x80001000)`);
  });

  it('rejects bad configurations before anything runs, naming the problem', () => {
    expect(configError({})).to.equal('no kernel given: with --bios none a kernel ELF is required');
    expect(configError({ kernel: new Uint8Array(100) })).to.equal('kernel: not an ELF file (no \\x7fELF magic)');
    expect(configError({ kernel: fixture('hello.elf'), smp: 9 })).to.equal('smp 9 out of range: the virt board has 1 to 8 harts');
    expect(configError({ kernel: fixture('hello.elf'), smp: 0 })).to.match(/^smp 0 out of range/);
    expect(configError({ kernel: fixture('hello.elf'), drive: new Uint8Array(1000) })).to.equal('disk image size 1000 bytes is not a multiple of 512');
    expect(configError({ kernel: fixture('hello.elf'), initrd: new Uint8Array(10), bios: new Uint8Array(16) }))
      .to.match(/^kernel segment 1 .* overlaps firmware/);
    expect(configError({ bios: new Uint8Array(16), initrd: new Uint8Array(10) })).to.equal('an initrd needs a kernel');
    expect(configError({ bios: new Uint8Array(2 * MiB), memoryBytes: MiB })).to.equal(
      'too little memory for the firmware: firmware ends at 0x80200000 but 1 MiB of RAM end at 0x80100000');
    expect(configError({ bios: new Uint8Array(16), kernel: new Uint8Array(3 * MiB), memoryBytes: 4 * MiB })).to.equal(
      'too little memory for the kernel: kernel ends at 0x80500000 but 4 MiB of RAM end at 0x80400000');
    expect(configError({ bios: new Uint8Array(16), kernel: new Uint8Array(16), initrd: new Uint8Array(3 * MiB), memoryBytes: 4 * MiB }))
      .to.equal('too little memory for the initrd: initrd starts at 0x80400000 but 4 MiB of RAM end at 0x80400000');
    // The DTB's 2 MiB slot at the top of RAM collides with a kernel that reaches it.
    expect(configError({ bios: new Uint8Array(16), kernel: new Uint8Array(3 * MiB), memoryBytes: 6 * MiB }))
      .to.match(/^device tree \[0x80400000, 0x804[0-9a-f]+\) overlaps kernel \[0x80200000, 0x80500000\): too little memory \(\d+ MiB\)/);
  });

  it('parses memory sizes like QEMU -m', () => {
    expect(parseMemorySize('128M')).to.equal(128 * MiB);
    expect(parseMemorySize('128')).to.equal(128 * MiB);
    expect(parseMemorySize('1G')).to.equal(1024 * MiB);
    expect(parseMemorySize('1.5g')).to.equal(1536 * MiB);
    expect(parseMemorySize('65536K')).to.equal(64 * MiB);
    expect(parseMemorySize('256MiB')).to.equal(256 * MiB);
    expect(() => parseMemorySize('lots')).to.throw("bad memory size 'lots'");
    expect(() => parseMemorySize('512K')).to.throw('too small');
    expect(() => parseMemorySize('64G')).to.throw('too large');
    expect(() => parseMemorySize('1000001B')).to.throw();
    expect(parseSmp('3')).to.equal(3);
    expect(() => parseSmp('9')).to.throw('1 to 8 harts');
  });
});
