/**
 * The C extension (RV64C): every 16-bit encoding as (mask, match) data with an expansion to
 * the equivalent 32-bit instruction. `expand` returns 0 for reserved/illegal parcels
 * (0 is never a valid 32-bit instruction). Where the spec discriminates by register or
 * immediate fields (c.jr vs c.mv, c.lui vs c.addi16sp), the more specific mask is listed
 * first and overlapping entries must refine each other (tested).
 */

export interface CEncoding {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  /** The 32-bit instruction, or 0 if this parcel is reserved. */
  readonly expand: (c: number) => number;
}

// 32-bit encoders.
const encR = (op: number, f3: number, f7: number, rd: number, rs1: number, rs2: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const encI = (op: number, f3: number, rd: number, rs1: number, imm: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const encS = (op: number, f3: number, rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const encB = (f3: number, rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
const encJ = (rd: number, imm: number): number =>
  ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;

// Field extraction from the 16-bit parcel.
const bit = (c: number, i: number): number => (c >>> i) & 1;
const bits = (c: number, hi: number, lo: number): number => (c >>> lo) & ((1 << (hi - lo + 1)) - 1);
const rdFull = (c: number): number => bits(c, 11, 7);
const rs2Full = (c: number): number => bits(c, 6, 2);
const rdP = (c: number): number => 8 + bits(c, 4, 2);
const rs1P = (c: number): number => 8 + bits(c, 9, 7);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);
/** The 6-bit immediate imm[5] = bit 12, imm[4:0] = bits 6:2, sign-extended. */
const imm6 = (c: number): number => sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);
const shamt6 = (c: number): number => (bit(c, 12) << 5) | bits(c, 6, 2);

// Scaled unsigned offsets.
const uimmW = (c: number): number => (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
const uimmD = (c: number): number => (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6);
const uimmLwsp = (c: number): number => (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
const uimmLdsp = (c: number): number => (bit(c, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6);
const uimmSwsp = (c: number): number => (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
const uimmSdsp = (c: number): number => (bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6);
const jOff = (c: number): number => sext(
  (bit(c, 12) << 11) | (bit(c, 11) << 4) | (bits(c, 10, 9) << 8) | (bit(c, 8) << 10) | (bit(c, 7) << 6) |
  (bit(c, 6) << 7) | (bits(c, 5, 3) << 1) | (bit(c, 2) << 5), 12);
const bOff = (c: number): number => sext(
  (bit(c, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) | (bits(c, 4, 3) << 1) | (bit(c, 2) << 5), 9);

const Q = 0xe003; // quadrant + funct3
const q = (quad: number, f3: number): number => (f3 << 13) | quad;

export const RV64C: CEncoding[] = [
  // Quadrant 0
  { name: 'c.addi4spn', mask: Q, match: q(0, 0), expand: (c) => {
    const nz = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
    return nz === 0 ? 0 : encI(0x13, 0, rdP(c), 2, nz);
  } },
  { name: 'c.fld', mask: Q, match: q(0, 1), expand: (c) => encI(0x07, 3, rdP(c), rs1P(c), uimmD(c)) },
  { name: 'c.lw', mask: Q, match: q(0, 2), expand: (c) => encI(0x03, 2, rdP(c), rs1P(c), uimmW(c)) },
  { name: 'c.ld', mask: Q, match: q(0, 3), expand: (c) => encI(0x03, 3, rdP(c), rs1P(c), uimmD(c)) },
  { name: 'c.fsd', mask: Q, match: q(0, 5), expand: (c) => encS(0x27, 3, rs1P(c), rdP(c), uimmD(c)) },
  { name: 'c.sw', mask: Q, match: q(0, 6), expand: (c) => encS(0x23, 2, rs1P(c), rdP(c), uimmW(c)) },
  { name: 'c.sd', mask: Q, match: q(0, 7), expand: (c) => encS(0x23, 3, rs1P(c), rdP(c), uimmD(c)) },
  // Quadrant 1
  { name: 'c.addi', mask: Q, match: q(1, 0), expand: (c) => encI(0x13, 0, rdFull(c), rdFull(c), imm6(c)) },
  { name: 'c.addiw', mask: Q, match: q(1, 1), expand: (c) =>
    rdFull(c) === 0 ? 0 : encI(0x1b, 0, rdFull(c), rdFull(c), imm6(c)) },
  { name: 'c.li', mask: Q, match: q(1, 2), expand: (c) => encI(0x13, 0, rdFull(c), 0, imm6(c)) },
  { name: 'c.addi16sp', mask: Q | 0x0f80, match: q(1, 3) | (2 << 7), expand: (c) => {
    const imm = sext((bit(c, 12) << 9) | (bit(c, 6) << 4) | (bit(c, 5) << 6) | (bits(c, 4, 3) << 7) | (bit(c, 2) << 5), 10);
    return imm === 0 ? 0 : encI(0x13, 0, 2, 2, imm);
  } },
  { name: 'c.lui', mask: Q, match: q(1, 3), expand: (c) => {
    const imm = imm6(c);
    return imm === 0 ? 0 : (((imm << 12) & 0xfffff000) | (rdFull(c) << 7) | 0x37) >>> 0;
  } },
  { name: 'c.srli', mask: Q | 0x0c00, match: q(1, 4), expand: (c) => encI(0x13, 5, rs1P(c), rs1P(c), shamt6(c)) },
  { name: 'c.srai', mask: Q | 0x0c00, match: q(1, 4) | 0x0400, expand: (c) =>
    encI(0x13, 5, rs1P(c), rs1P(c), shamt6(c) | 0x400) },
  { name: 'c.andi', mask: Q | 0x0c00, match: q(1, 4) | 0x0800, expand: (c) => encI(0x13, 7, rs1P(c), rs1P(c), imm6(c)) },
  { name: 'c.sub', mask: 0xfc63, match: q(1, 4) | 0x0c00, expand: (c) => encR(0x33, 0, 0x20, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.xor', mask: 0xfc63, match: q(1, 4) | 0x0c20, expand: (c) => encR(0x33, 4, 0, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.or', mask: 0xfc63, match: q(1, 4) | 0x0c40, expand: (c) => encR(0x33, 6, 0, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.and', mask: 0xfc63, match: q(1, 4) | 0x0c60, expand: (c) => encR(0x33, 7, 0, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.subw', mask: 0xfc63, match: q(1, 4) | 0x1c00, expand: (c) => encR(0x3b, 0, 0x20, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.addw', mask: 0xfc63, match: q(1, 4) | 0x1c20, expand: (c) => encR(0x3b, 0, 0, rs1P(c), rs1P(c), rdP(c)) },
  { name: 'c.j', mask: Q, match: q(1, 5), expand: (c) => encJ(0, jOff(c)) },
  { name: 'c.beqz', mask: Q, match: q(1, 6), expand: (c) => encB(0, rs1P(c), 0, bOff(c)) },
  { name: 'c.bnez', mask: Q, match: q(1, 7), expand: (c) => encB(1, rs1P(c), 0, bOff(c)) },
  // Quadrant 2
  { name: 'c.slli', mask: Q, match: q(2, 0), expand: (c) => encI(0x13, 1, rdFull(c), rdFull(c), shamt6(c)) },
  { name: 'c.fldsp', mask: Q, match: q(2, 1), expand: (c) => encI(0x07, 3, rdFull(c), 2, uimmLdsp(c)) },
  { name: 'c.lwsp', mask: Q, match: q(2, 2), expand: (c) =>
    rdFull(c) === 0 ? 0 : encI(0x03, 2, rdFull(c), 2, uimmLwsp(c)) },
  { name: 'c.ldsp', mask: Q, match: q(2, 3), expand: (c) =>
    rdFull(c) === 0 ? 0 : encI(0x03, 3, rdFull(c), 2, uimmLdsp(c)) },
  { name: 'c.jr', mask: 0xf07f, match: q(2, 4), expand: (c) =>
    rdFull(c) === 0 ? 0 : encI(0x67, 0, 0, rdFull(c), 0) },
  { name: 'c.mv', mask: 0xf003, match: q(2, 4), expand: (c) => encR(0x33, 0, 0, rdFull(c), 0, rs2Full(c)) },
  { name: 'c.ebreak', mask: 0xffff, match: 0x9002, expand: () => 0x00100073 },
  { name: 'c.jalr', mask: 0xf07f, match: q(2, 4) | 0x1000, expand: (c) => encI(0x67, 0, 1, rdFull(c), 0) },
  { name: 'c.add', mask: 0xf003, match: q(2, 4) | 0x1000, expand: (c) =>
    encR(0x33, 0, 0, rdFull(c), rdFull(c), rs2Full(c)) },
  { name: 'c.fsdsp', mask: Q, match: q(2, 5), expand: (c) => encS(0x27, 3, 2, rs2Full(c), uimmSdsp(c)) },
  { name: 'c.swsp', mask: Q, match: q(2, 6), expand: (c) => encS(0x23, 2, 2, rs2Full(c), uimmSwsp(c)) },
  { name: 'c.sdsp', mask: Q, match: q(2, 7), expand: (c) => encS(0x23, 3, 2, rs2Full(c), uimmSdsp(c)) },
];

/** The first (most specific) entry matching parcel `c`, or undefined (reserved encoding). */
export function lookupC(c: number): CEncoding | undefined {
  for (const enc of RV64C) if ((c & enc.mask) === enc.match) return enc;
  return undefined;
}

/** Expand a 16-bit parcel to its 32-bit equivalent; 0 if it is reserved or illegal. */
export function expandCompressed(c: number): number {
  const enc = lookupC(c & 0xffff);
  return enc === undefined ? 0 : enc.expand(c & 0xffff);
}
