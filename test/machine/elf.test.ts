import { expect } from 'chai';
import * as fs from 'node:fs';
import { checkSegmentsInRam, ElfError, parseElf } from '../../dist/machine/elf.js';
import { makeElf } from './make-elf.js';

const FIX = new URL('../../test/machine/fixtures/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(new URL(name, FIX)));

const code = Uint8Array.of(0x13, 0, 0, 0, 0x6f, 0, 0, 0);

describe('machine/elf', () => {
  it('parses a toolchain-built program: entry, PT_LOAD segments, symbols', () => {
    const img = parseElf(fixture('hello.elf'));
    expect(img.entry).to.equal(0x80000000);
    expect(img.entryPhys).to.equal(0x80000000);
    expect(img.segments.length).to.be.greaterThan(0);
    expect(img.segments[0].paddr).to.equal(0x80000000);
    const start = img.symbols.find((s) => s.name === '_start');
    expect(start?.value).to.equal(0x80000000);
    expect(img.symbols.find((s) => s.name === 'bad')).to.not.equal(undefined);
  });

  it('keeps memsz beyond filesz (zero fill) and loads by paddr', () => {
    const img = parseElf(makeElf([{ vaddr: 0x80001000n, paddr: 0x80002000n, data: code, memsz: 0x100 }], { entry: 0x80001000n }));
    const s = img.segments[0];
    expect([s.paddr, s.vaddr, s.filesz, s.memsz]).to.deep.equal([0x80002000, 0x80001000, 8, 0x100]);
    expect(Array.from(s.data)).to.deep.equal(Array.from(code));
    // entry in an executable segment linked elsewhere is moved to its load address, like QEMU
    expect(img.entryPhys).to.equal(0x80002000);
  });

  it('represents a high-linked kernel vaddr as a signed number', () => {
    const img = parseElf(makeElf([{ vaddr: 0xffffffff80000000n, paddr: 0x80200000n, data: code }], { entry: 0xffffffff80000000n }));
    expect(img.segments[0].vaddr).to.equal(-0x80000000);
    expect(img.entry).to.equal(-0x80000000);
    expect(img.entryPhys).to.equal(0x80200000);
  });

  const bad: [string, () => Uint8Array, RegExp][] = [
    ['not ELF', () => new TextEncoder().encode('#!/bin/sh\necho hi\n'), /^not an ELF file/],
    ['empty', () => new Uint8Array(0), /^not an ELF file/],
    ['32-bit', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }], { cls: 1 }), /^not a 64-bit ELF file \(ELFCLASS32\)/],
    ['big-endian', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }], { data: 2 }), /^not a little-endian ELF file/],
    ['x86-64', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }], { machine: 62 }), /^not a RISC-V ELF file \(e_machine 62, expected 243\)/],
    ['object file', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }], { type: 1 }), /^not an executable ELF file \(a relocatable object\)/],
    ['truncated header', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }]).subarray(0, 40), /^truncated ELF file: 40 bytes, the header needs 64/],
    ['truncated program headers', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }]).subarray(0, 100), /^truncated ELF file: program headers \[0x40, 0x78\) extend beyond the end of the file \(100 bytes\)/],
    ['truncated segment data', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code }]).subarray(0, 124), /^truncated ELF file: segment 0 data \[0x78, 0x80\) extends beyond the end of the file \(124 bytes\)/],
    ['no PT_LOAD', () => makeElf([{ type: 4, vaddr: 0x80000000n, paddr: 0x80000000n, data: code }]), /^no loadable segments/],
    ['filesz > memsz', () => makeElf([{ vaddr: 0x80000000n, paddr: 0x80000000n, data: code, memsz: 4 }]), /segment 0 has p_filesz 0x8 > p_memsz 0x4/],
  ];
  for (const [what, make, msg] of bad) {
    it(`rejects ${what} with a one-line message`, () => {
      let err: unknown;
      try {
        parseElf(make());
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ElfError);
      expect((err as Error).message).to.match(msg);
      expect((err as Error).message).to.not.include('\n');
    });
  }

  it('names the segment and range that lies outside RAM', () => {
    const img = parseElf(makeElf([
      { vaddr: 0x80000000n, paddr: 0x80000000n, data: code },
      { vaddr: 0x1000n, paddr: 0x1000n, data: code, memsz: 0x20 },
    ]));
    expect(() => checkSegmentsInRam(img, 0x80000000, 0x8000000, 'kernel')).to.throw(
      ElfError, 'kernel: segment 1 [0x1000, 0x1020) lies outside RAM [0x80000000, 0x88000000)');
  });
});
