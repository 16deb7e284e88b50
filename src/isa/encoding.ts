/**
 * Encodings of the 32-bit instructions of RV64IMAFD, Zicsr, Zifencei and the privileged
 * instructions, as (mask, match) data: an instruction word `w` is `name` when
 * `(w & mask) === match`. No two entries overlap (tested). The immediate format says how
 * the decoder extracts operands.
 */

/** Operand/immediate layout of an encoding. */
export type Format = 'R' | 'I' | 'S' | 'B' | 'U' | 'J' | 'SH6' | 'SH5' | 'CSR' | 'CSRI' | 'FP' | 'NONE';

export interface Encoding {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly format: Format;
}

const OPC = 0x7f, F3 = 0x707f, F7 = 0xfe00707f, F6 = 0xfc00707f, AMO = 0xf800707f, ALL = 0xffffffff;

function e(name: string, mask: number, match: number, format: Format): Encoding {
  return { name, mask: mask >>> 0, match: match >>> 0, format };
}
const f3 = (op: number, f: number): number => op | (f << 12);
const f7 = (op: number, f: number, s: number): number => op | (f << 12) | (s << 25);
const amo = (w: number, f5: number): number => 0x2f | (w << 12) | (f5 << 27);

/** RV64I base. */
export const RV64I: Encoding[] = [
  e('lui', OPC, 0x37, 'U'), e('auipc', OPC, 0x17, 'U'), e('jal', OPC, 0x6f, 'J'),
  e('jalr', F3, f3(0x67, 0), 'I'),
  e('beq', F3, f3(0x63, 0), 'B'), e('bne', F3, f3(0x63, 1), 'B'), e('blt', F3, f3(0x63, 4), 'B'),
  e('bge', F3, f3(0x63, 5), 'B'), e('bltu', F3, f3(0x63, 6), 'B'), e('bgeu', F3, f3(0x63, 7), 'B'),
  e('lb', F3, f3(0x03, 0), 'I'), e('lh', F3, f3(0x03, 1), 'I'), e('lw', F3, f3(0x03, 2), 'I'),
  e('ld', F3, f3(0x03, 3), 'I'), e('lbu', F3, f3(0x03, 4), 'I'), e('lhu', F3, f3(0x03, 5), 'I'),
  e('lwu', F3, f3(0x03, 6), 'I'),
  e('sb', F3, f3(0x23, 0), 'S'), e('sh', F3, f3(0x23, 1), 'S'), e('sw', F3, f3(0x23, 2), 'S'),
  e('sd', F3, f3(0x23, 3), 'S'),
  e('addi', F3, f3(0x13, 0), 'I'), e('slti', F3, f3(0x13, 2), 'I'), e('sltiu', F3, f3(0x13, 3), 'I'),
  e('xori', F3, f3(0x13, 4), 'I'), e('ori', F3, f3(0x13, 6), 'I'), e('andi', F3, f3(0x13, 7), 'I'),
  e('slli', F6, f3(0x13, 1), 'SH6'), e('srli', F6, f3(0x13, 5), 'SH6'),
  e('srai', F6, f3(0x13, 5) | (0x10 << 26), 'SH6'),
  e('addiw', F3, f3(0x1b, 0), 'I'), e('slliw', F7, f7(0x1b, 1, 0), 'SH5'),
  e('srliw', F7, f7(0x1b, 5, 0), 'SH5'), e('sraiw', F7, f7(0x1b, 5, 0x20), 'SH5'),
  e('add', F7, f7(0x33, 0, 0), 'R'), e('sub', F7, f7(0x33, 0, 0x20), 'R'),
  e('sll', F7, f7(0x33, 1, 0), 'R'), e('slt', F7, f7(0x33, 2, 0), 'R'),
  e('sltu', F7, f7(0x33, 3, 0), 'R'), e('xor', F7, f7(0x33, 4, 0), 'R'),
  e('srl', F7, f7(0x33, 5, 0), 'R'), e('sra', F7, f7(0x33, 5, 0x20), 'R'),
  e('or', F7, f7(0x33, 6, 0), 'R'), e('and', F7, f7(0x33, 7, 0), 'R'),
  e('addw', F7, f7(0x3b, 0, 0), 'R'), e('subw', F7, f7(0x3b, 0, 0x20), 'R'),
  e('sllw', F7, f7(0x3b, 1, 0), 'R'), e('srlw', F7, f7(0x3b, 5, 0), 'R'),
  e('sraw', F7, f7(0x3b, 5, 0x20), 'R'),
  e('fence', F3, f3(0x0f, 0), 'NONE'),
  e('ecall', ALL, 0x00000073, 'NONE'), e('ebreak', ALL, 0x00100073, 'NONE'),
];

/** Zifencei. */
export const ZIFENCEI: Encoding[] = [e('fence.i', F3, f3(0x0f, 1), 'NONE')];

/** Zicsr. */
export const ZICSR: Encoding[] = [
  e('csrrw', F3, f3(0x73, 1), 'CSR'), e('csrrs', F3, f3(0x73, 2), 'CSR'), e('csrrc', F3, f3(0x73, 3), 'CSR'),
  e('csrrwi', F3, f3(0x73, 5), 'CSRI'), e('csrrsi', F3, f3(0x73, 6), 'CSRI'), e('csrrci', F3, f3(0x73, 7), 'CSRI'),
];

/** M extension. */
export const RV64M: Encoding[] = [
  ['mul', 0], ['mulh', 1], ['mulhsu', 2], ['mulhu', 3], ['div', 4], ['divu', 5], ['rem', 6], ['remu', 7],
].map(([n, f]) => e(n as string, F7, f7(0x33, f as number, 1), 'R')).concat(
  [['mulw', 0], ['divw', 4], ['divuw', 5], ['remw', 6], ['remuw', 7]]
    .map(([n, f]) => e(n as string, F7, f7(0x3b, f as number, 1), 'R')));

/** A extension (aq/rl bits are ignored: this hart is sequentially consistent). */
export const RV64A: Encoding[] = [];
for (const [sfx, w] of [['w', 2], ['d', 3]] as const) {
  RV64A.push(e(`lr.${sfx}`, AMO | 0x01f00000, amo(w, 0x02), 'R'));
  RV64A.push(e(`sc.${sfx}`, AMO, amo(w, 0x03), 'R'));
  for (const [n, f5] of [['amoswap', 0x01], ['amoadd', 0x00], ['amoxor', 0x04], ['amoand', 0x0c],
    ['amoor', 0x08], ['amomin', 0x10], ['amomax', 0x14], ['amominu', 0x18], ['amomaxu', 0x1c]] as const) {
    RV64A.push(e(`${n}.${sfx}`, AMO, amo(w, f5), 'R'));
  }
}

/** F/D loads and stores (the hart's) and the arithmetic opcodes (delegated to the FPU). */
export const RV64FD: Encoding[] = [
  e('flw', F3, f3(0x07, 2), 'I'), e('fld', F3, f3(0x07, 3), 'I'),
  e('fsw', F3, f3(0x27, 2), 'S'), e('fsd', F3, f3(0x27, 3), 'S'),
  e('op-fp', OPC, 0x53, 'FP'), e('fmadd', OPC, 0x43, 'FP'), e('fmsub', OPC, 0x47, 'FP'),
  e('fnmsub', OPC, 0x4b, 'FP'), e('fnmadd', OPC, 0x4f, 'FP'),
];

/** Privileged instructions. */
export const PRIV: Encoding[] = [
  e('sret', ALL, 0x10200073, 'NONE'), e('mret', ALL, 0x30200073, 'NONE'),
  e('wfi', ALL, 0x10500073, 'NONE'), e('sfence.vma', 0xfe007fff, 0x12000073, 'R'),
];

/** Every 32-bit encoding this hart implements. */
export const ALL_ENCODINGS: Encoding[] = [...RV64I, ...ZIFENCEI, ...ZICSR, ...RV64M, ...RV64A, ...RV64FD, ...PRIV];

/** Encodings grouped by major opcode (bits 6:0) for a short scan. */
const byOpcode: Encoding[][] = Array.from({ length: 128 }, () => []);
for (const enc of ALL_ENCODINGS) byOpcode[enc.match & 0x7f].push(enc);

/** The encoding of a 32-bit instruction word, or undefined if it is not implemented. */
export function lookup(w: number): Encoding | undefined {
  w = w >>> 0;
  if ((w & 3) !== 3) return undefined;
  for (const enc of byOpcode[w & 0x7f]) if (((w & enc.mask) >>> 0) === enc.match) return enc;
  return undefined;
}

/** Sign-extended immediates of the base formats. */
export const immI = (w: number): number => w >> 20;
export const immS = (w: number): number => ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
export const immB = (w: number): number =>
  ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
export const immU = (w: number): number => w & 0xfffff000 | 0;
export const immJ = (w: number): number =>
  ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
