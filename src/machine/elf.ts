/**
 * ELF64 (RISC-V, little-endian) executable parsing for the boot loader.
 *
 * Only what a board needs to load a program: the header, the PT_LOAD program headers
 * (loaded at their physical address, LMA, like QEMU), the entry point and, when present,
 * the symbol table. Every malformed input is reported as an {@link ElfError} with a
 * one-line message naming the problem.
 */
import { Parser } from 'binary-parser';

/** e_machine of RISC-V. */
export const EM_RISCV = 243;
export const PT_LOAD = 1;
export const PF_X = 1;
const SHT_SYMTAB = 2;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

/** A bad ELF file; `message` is a one-line description suitable for the user. */
export class ElfError extends Error {
  override name = 'ElfError';
}

/** A PT_LOAD segment. Addresses are numbers: paddr unsigned, vaddr signed 64-bit. */
export interface ElfSegment {
  /** Index of the program header (for messages). */
  readonly index: number;
  readonly flags: number;
  readonly vaddr: number;
  /** Load address (LMA): where the bytes go in physical memory. */
  readonly paddr: number;
  readonly filesz: number;
  /** Bytes in memory; [filesz, memsz) is zero-filled. */
  readonly memsz: number;
  /** The file bytes (filesz of them), a view into the input. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly name: string;
  /** st_value as a signed 64-bit number (virtual address convention). */
  readonly value: number;
  readonly size: number;
  /** STT_* (low nibble of st_info). */
  readonly type: number;
}

/** A parsed executable. */
export interface ElfImage {
  /** e_entry as a signed 64-bit number (virtual). */
  readonly entry: number;
  /**
   * The entry as a physical address: e_entry moved by (paddr - vaddr) of the executable
   * segment that contains it, when that segment is linked at a different virtual address
   * (e.g. a Linux vmlinux), as QEMU's loader does.
   */
  readonly entryPhys: number;
  readonly segments: readonly ElfSegment[];
  readonly symbols: readonly ElfSymbol[];
}

const identParser = new Parser()
  .endianness('little')
  .uint32be('magic')
  .uint8('eiClass')
  .uint8('eiData');

const ehdrParser = new Parser()
  .endianness('little')
  .seek(16)
  .uint16('type')
  .uint16('machine')
  .uint32('version')
  .uint64('entry')
  .uint64('phoff')
  .uint64('shoff')
  .uint32('flags')
  .uint16('ehsize')
  .uint16('phentsize')
  .uint16('phnum')
  .uint16('shentsize')
  .uint16('shnum')
  .uint16('shstrndx');

const phdrParser = new Parser()
  .endianness('little')
  .uint32('type')
  .uint32('flags')
  .uint64('offset')
  .uint64('vaddr')
  .uint64('paddr')
  .uint64('filesz')
  .uint64('memsz')
  .uint64('align');

const shdrParser = new Parser()
  .endianness('little')
  .uint32('name')
  .uint32('type')
  .uint64('flags')
  .uint64('addr')
  .uint64('offset')
  .uint64('size')
  .uint32('link')
  .uint32('info')
  .uint64('addralign')
  .uint64('entsize');

const symParser = new Parser()
  .endianness('little')
  .uint32('name')
  .uint8('info')
  .uint8('other')
  .uint16('shndx')
  .uint64('value')
  .uint64('size');

interface Ehdr {
  type: number; machine: number; entry: bigint; phoff: bigint; shoff: bigint;
  phentsize: number; phnum: number; shentsize: number; shnum: number;
}
interface Phdr { type: number; flags: number; offset: bigint; vaddr: bigint; paddr: bigint; filesz: bigint; memsz: bigint }
interface Shdr { type: number; offset: bigint; size: bigint; link: number; entsize: bigint }
interface Sym { name: number; info: number; shndx: number; value: bigint; size: bigint }

const hex = (n: number | bigint): string => '0x' + n.toString(16);

/** True if `bytes` starts with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** An unsigned 64-bit field that must fit a JS number exactly (offsets, sizes, paddr). */
function u(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`bad ELF file: ${what} ${hex(v)} is too large`);
  return Number(v);
}

/** Parse an ELF64 RISC-V executable. Throws ElfError with a one-line message on bad input. */
export function parseElf(bytes: Uint8Array): ElfImage {
  if (!isElf(bytes)) throw new ElfError('not an ELF file (no \\x7fELF magic)');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 6) throw new ElfError(`truncated ELF file: ${bytes.length} bytes, the header needs ${EHDR_SIZE}`);
  const ident = identParser.parse(buf) as { eiClass: number; eiData: number };
  if (ident.eiClass !== 2) {
    throw new ElfError(`not a 64-bit ELF file (${ident.eiClass === 1 ? 'ELFCLASS32' : `EI_CLASS ${ident.eiClass}`})`);
  }
  if (ident.eiData !== 1) {
    throw new ElfError(`not a little-endian ELF file (${ident.eiData === 2 ? 'big-endian' : `EI_DATA ${ident.eiData}`})`);
  }
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(`truncated ELF file: ${bytes.length} bytes, the header needs ${EHDR_SIZE}`);
  }
  const eh = ehdrParser.parse(buf) as Ehdr;
  if (eh.machine !== EM_RISCV) throw new ElfError(`not a RISC-V ELF file (e_machine ${eh.machine}, expected ${EM_RISCV})`);
  if (eh.type !== 2 && eh.type !== 3) {
    const kind = eh.type === 1 ? 'a relocatable object' : eh.type === 4 ? 'a core dump' : `e_type ${eh.type}`;
    throw new ElfError(`not an executable ELF file (${kind})`);
  }
  if (eh.phnum > 0 && eh.phentsize !== PHDR_SIZE) {
    throw new ElfError(`bad ELF file: program header size ${eh.phentsize}, expected ${PHDR_SIZE}`);
  }
  const phoff = u(eh.phoff, 'e_phoff');
  const phEnd = phoff + eh.phnum * PHDR_SIZE;
  if (phEnd > bytes.length) {
    throw new ElfError(
      `truncated ELF file: program headers [${hex(phoff)}, ${hex(phEnd)}) extend beyond the end of the file (${bytes.length} bytes)`,
    );
  }

  const segments: ElfSegment[] = [];
  let entryPhys: number | undefined;
  const entry = Number(BigInt.asIntN(64, eh.entry));
  for (let i = 0; i < eh.phnum; i++) {
    const ph = phdrParser.parse(buf.subarray(phoff + i * PHDR_SIZE)) as Phdr;
    if (ph.type !== PT_LOAD) continue;
    const offset = u(ph.offset, `segment ${i} offset`);
    const filesz = u(ph.filesz, `segment ${i} p_filesz`);
    const memsz = u(ph.memsz, `segment ${i} p_memsz`);
    const paddr = u(ph.paddr, `segment ${i} p_paddr`);
    if (filesz > memsz) {
      throw new ElfError(`bad ELF file: segment ${i} has p_filesz ${hex(filesz)} > p_memsz ${hex(memsz)}`);
    }
    if (offset + filesz > bytes.length) {
      throw new ElfError(
        `truncated ELF file: segment ${i} data [${hex(offset)}, ${hex(offset + filesz)}) extends beyond the end of the file (${bytes.length} bytes)`,
      );
    }
    if (memsz === 0) continue;
    const vaddr = Number(BigInt.asIntN(64, ph.vaddr));
    // A kernel linked high (vaddr != paddr): its entry is virtual, translate it like QEMU does.
    if (entryPhys === undefined && ph.vaddr !== ph.paddr && (ph.flags & PF_X) !== 0 &&
        eh.entry >= ph.vaddr && eh.entry < ph.vaddr + ph.filesz) {
      entryPhys = Number(eh.entry - ph.vaddr + ph.paddr);
    }
    segments.push({ index: i, flags: ph.flags, vaddr, paddr, filesz, memsz, data: bytes.subarray(offset, offset + filesz) });
  }
  if (segments.length === 0) throw new ElfError('no loadable segments in ELF file (no PT_LOAD with p_memsz > 0)');
  return { entry, entryPhys: entryPhys ?? entry, segments, symbols: readSymbols(buf, eh) };
}

/** The symbol table, if any; a damaged section table just means no symbols (they are optional). */
function readSymbols(buf: Buffer, eh: Ehdr): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  if (eh.shnum === 0 || eh.shentsize !== SHDR_SIZE || eh.shoff > BigInt(buf.length)) return out;
  const shoff = Number(eh.shoff);
  if (shoff + eh.shnum * SHDR_SIZE > buf.length) return out;
  const sh = (i: number): Shdr => shdrParser.parse(buf.subarray(shoff + i * SHDR_SIZE)) as Shdr;
  for (let i = 0; i < eh.shnum; i++) {
    const s = sh(i);
    if (s.type !== SHT_SYMTAB || s.entsize !== BigInt(SYM_SIZE) || s.link >= eh.shnum) continue;
    const str = sh(s.link);
    const symOff = Number(s.offset), symEnd = symOff + Number(s.size);
    const strOff = Number(str.offset), strEnd = strOff + Number(str.size);
    if (symEnd > buf.length || strEnd > buf.length) return out;
    for (let o = symOff + SYM_SIZE; o + SYM_SIZE <= symEnd; o += SYM_SIZE) {
      const y = symParser.parse(buf.subarray(o)) as Sym;
      const start = strOff + y.name;
      if (y.name === 0 || start >= strEnd) continue;
      let end = start;
      while (end < strEnd && buf[end] !== 0) end++;
      out.push({
        name: buf.toString('latin1', start, end),
        value: Number(BigInt.asIntN(64, y.value)),
        size: Number(y.size),
        type: y.info & 0xf,
      });
    }
    break;
  }
  return out;
}

/** [start, end) of physical memory an image's segments occupy. */
export function elfExtent(img: ElfImage): { start: number; end: number } {
  let start = Infinity, end = 0;
  for (const s of img.segments) {
    start = Math.min(start, s.paddr);
    end = Math.max(end, s.paddr + s.memsz);
  }
  return { start, end };
}

/**
 * Check every segment of `img` lies in RAM [ramBase, ramBase+ramSize); `what` names the
 * image in the message ("kernel", "firmware").
 */
export function checkSegmentsInRam(img: ElfImage, ramBase: number, ramSize: number, what: string): void {
  for (const s of img.segments) {
    if (s.paddr < ramBase || s.paddr + s.memsz > ramBase + ramSize) {
      throw new ElfError(
        `${what}: segment ${s.index} [${hex(s.paddr)}, ${hex(s.paddr + s.memsz)}) lies outside RAM [${hex(ramBase)}, ${hex(ramBase + ramSize)})`,
      );
    }
  }
}
