/**
 * RV64I: one function per instruction, named as in the spec. Registers are lo/hi int32 pairs
 * (x[op.d] low, x[op.d+1] high). The decoder turns pure computations with rd = x0 into `nop`,
 * so only handlers with side effects beyond rd check rd.
 */
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { setPair } from '../hart.js';

const TWO32 = 4294967296;

/** rs1 + imm as a virtual address (signed interpretation). */
function ea(h: Hart, op: Op): number {
  return h.x[op.s1 + 1] * TWO32 + (h.x[op.s1] >>> 0) + op.imm;
}

function sltPair(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi < bhi || (ahi === bhi && (alo >>> 0) < (blo >>> 0));
}
function sltuPair(alo: number, ahi: number, blo: number, bhi: number): boolean {
  const a = ahi >>> 0, b = bhi >>> 0;
  return a < b || (a === b && (alo >>> 0) < (blo >>> 0));
}

/** 64-bit shifts: write (alo,ahi) shifted by sh (0..63) into x[d]. */
function sll64(x: Int32Array, d: number, alo: number, ahi: number, sh: number): void {
  if (sh === 0) { x[d] = alo; x[d + 1] = ahi; } else if (sh < 32) { x[d + 1] = (ahi << sh) | (alo >>> (32 - sh)); x[d] = alo << sh; } else { x[d + 1] = alo << (sh - 32); x[d] = 0; }
}
function srl64(x: Int32Array, d: number, alo: number, ahi: number, sh: number): void {
  if (sh === 0) { x[d] = alo; x[d + 1] = ahi; } else if (sh < 32) { x[d] = (alo >>> sh) | (ahi << (32 - sh)); x[d + 1] = ahi >>> sh; } else { x[d] = ahi >>> (sh - 32); x[d + 1] = 0; }
}
function sra64(x: Int32Array, d: number, alo: number, ahi: number, sh: number): void {
  if (sh === 0) { x[d] = alo; x[d + 1] = ahi; } else if (sh < 32) { x[d] = (alo >>> sh) | (ahi << (32 - sh)); x[d + 1] = ahi >> sh; } else { x[d] = ahi >> (sh - 32); x[d + 1] = ahi >> 31; }
}
function setW(x: Int32Array, d: number, v: number): void {
  x[d] = v; x[d + 1] = v >> 31;
}

export const rv64i = {
  nop(): void {},
  lui(h: Hart, op: Op): void { h.x[op.d] = op.imm; h.x[op.d + 1] = op.imm >> 31; },
  auipc(h: Hart, op: Op): void { setPair(h.x, op.d, h.pc + op.imm); },
  jal(h: Hart, op: Op): void {
    if (op.d !== 0) setPair(h.x, op.d, h.npc);
    h.npc = h.pc + op.imm;
  },
  jalr(h: Hart, op: Op): void {
    const x = h.x;
    const lo = x[op.s1];
    const t = x[op.s1 + 1] * TWO32 + (lo >>> 0) + op.imm;
    if (op.d !== 0) setPair(x, op.d, h.npc);
    h.npc = t - ((lo + op.imm) & 1);
  },
  beq(h: Hart, op: Op): void { const x = h.x; if (x[op.s1] === x[op.s2] && x[op.s1 + 1] === x[op.s2 + 1]) h.npc = h.pc + op.imm; },
  bne(h: Hart, op: Op): void { const x = h.x; if (x[op.s1] !== x[op.s2] || x[op.s1 + 1] !== x[op.s2 + 1]) h.npc = h.pc + op.imm; },
  blt(h: Hart, op: Op): void { const x = h.x; if (sltPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1])) h.npc = h.pc + op.imm; },
  bge(h: Hart, op: Op): void { const x = h.x; if (!sltPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1])) h.npc = h.pc + op.imm; },
  bltu(h: Hart, op: Op): void { const x = h.x; if (sltuPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1])) h.npc = h.pc + op.imm; },
  bgeu(h: Hart, op: Op): void { const x = h.x; if (!sltuPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1])) h.npc = h.pc + op.imm; },

  lb(h: Hart, op: Op): void { const v = (h.loadU8(ea(h, op)) << 24) >> 24; if (op.d !== 0) setW(h.x, op.d, v); },
  lh(h: Hart, op: Op): void { const v = (h.loadU16(ea(h, op)) << 16) >> 16; if (op.d !== 0) setW(h.x, op.d, v); },
  lw(h: Hart, op: Op): void { const v = h.load32(ea(h, op)); if (op.d !== 0) setW(h.x, op.d, v); },
  lbu(h: Hart, op: Op): void { const v = h.loadU8(ea(h, op)); if (op.d !== 0) { h.x[op.d] = v; h.x[op.d + 1] = 0; } },
  lhu(h: Hart, op: Op): void { const v = h.loadU16(ea(h, op)); if (op.d !== 0) { h.x[op.d] = v; h.x[op.d + 1] = 0; } },
  lwu(h: Hart, op: Op): void { const v = h.load32(ea(h, op)); if (op.d !== 0) { h.x[op.d] = v; h.x[op.d + 1] = 0; } },
  ld(h: Hart, op: Op): void { h.load64(ea(h, op)); if (op.d !== 0) { h.x[op.d] = h.rlo; h.x[op.d + 1] = h.rhi; } },
  sb(h: Hart, op: Op): void { h.store8(ea(h, op), h.x[op.s2] & 0xff); },
  sh(h: Hart, op: Op): void { h.store16(ea(h, op), h.x[op.s2] & 0xffff); },
  sw(h: Hart, op: Op): void { h.store32(ea(h, op), h.x[op.s2]); },
  sd(h: Hart, op: Op): void { h.store64(ea(h, op), h.x[op.s2], h.x[op.s2 + 1]); },

  addi(h: Hart, op: Op): void {
    const x = h.x, a = x[op.s1], lo = (a + op.imm) | 0;
    x[op.d + 1] = (x[op.s1 + 1] + (op.imm >> 31) + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
    x[op.d] = lo;
  },
  slti(h: Hart, op: Op): void { const x = h.x; const v = sltPair(x[op.s1], x[op.s1 + 1], op.imm, op.imm >> 31) ? 1 : 0; x[op.d] = v; x[op.d + 1] = 0; },
  sltiu(h: Hart, op: Op): void { const x = h.x; const v = sltuPair(x[op.s1], x[op.s1 + 1], op.imm, op.imm >> 31) ? 1 : 0; x[op.d] = v; x[op.d + 1] = 0; },
  xori(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] ^ (op.imm >> 31); x[op.d] = x[op.s1] ^ op.imm; },
  ori(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] | (op.imm >> 31); x[op.d] = x[op.s1] | op.imm; },
  andi(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] & (op.imm >> 31); x[op.d] = x[op.s1] & op.imm; },
  slli(h: Hart, op: Op): void { sll64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], op.imm); },
  srli(h: Hart, op: Op): void { srl64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], op.imm); },
  srai(h: Hart, op: Op): void { sra64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], op.imm); },
  addiw(h: Hart, op: Op): void { setW(h.x, op.d, (h.x[op.s1] + op.imm) | 0); },
  slliw(h: Hart, op: Op): void { setW(h.x, op.d, h.x[op.s1] << op.imm); },
  srliw(h: Hart, op: Op): void { setW(h.x, op.d, (h.x[op.s1] >>> op.imm) | 0); },
  sraiw(h: Hart, op: Op): void { setW(h.x, op.d, h.x[op.s1] >> op.imm); },

  add(h: Hart, op: Op): void {
    const x = h.x, a = x[op.s1], lo = (a + x[op.s2]) | 0;
    x[op.d + 1] = (x[op.s1 + 1] + x[op.s2 + 1] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
    x[op.d] = lo;
  },
  sub(h: Hart, op: Op): void {
    const x = h.x, a = x[op.s1], b = x[op.s2];
    x[op.d + 1] = (x[op.s1 + 1] - x[op.s2 + 1] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
    x[op.d] = (a - b) | 0;
  },
  sll(h: Hart, op: Op): void { sll64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], h.x[op.s2] & 63); },
  srl(h: Hart, op: Op): void { srl64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], h.x[op.s2] & 63); },
  sra(h: Hart, op: Op): void { sra64(h.x, op.d, h.x[op.s1], h.x[op.s1 + 1], h.x[op.s2] & 63); },
  slt(h: Hart, op: Op): void { const x = h.x; const v = sltPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]) ? 1 : 0; x[op.d] = v; x[op.d + 1] = 0; },
  sltu(h: Hart, op: Op): void { const x = h.x; const v = sltuPair(x[op.s1], x[op.s1 + 1], x[op.s2], x[op.s2 + 1]) ? 1 : 0; x[op.d] = v; x[op.d + 1] = 0; },
  xor(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] ^ x[op.s2 + 1]; x[op.d] = x[op.s1] ^ x[op.s2]; },
  or(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] | x[op.s2 + 1]; x[op.d] = x[op.s1] | x[op.s2]; },
  and(h: Hart, op: Op): void { const x = h.x; x[op.d + 1] = x[op.s1 + 1] & x[op.s2 + 1]; x[op.d] = x[op.s1] & x[op.s2]; },
  addw(h: Hart, op: Op): void { setW(h.x, op.d, (h.x[op.s1] + h.x[op.s2]) | 0); },
  subw(h: Hart, op: Op): void { setW(h.x, op.d, (h.x[op.s1] - h.x[op.s2]) | 0); },
  sllw(h: Hart, op: Op): void { setW(h.x, op.d, h.x[op.s1] << (h.x[op.s2] & 31)); },
  srlw(h: Hart, op: Op): void { setW(h.x, op.d, (h.x[op.s1] >>> (h.x[op.s2] & 31)) | 0); },
  sraw(h: Hart, op: Op): void { setW(h.x, op.d, h.x[op.s1] >> (h.x[op.s2] & 31)); },

  fence(): void {},
  'fence.i'(h: Hart): void { h.flushCode(); },
  ecall(h: Hart): void { h.trapHere(8 + h.priv, 0); },
  ebreak(h: Hart): void { h.raise(3, 0); },
};

/** Instructions whose only effect is writing rd (decoded as nop when rd = x0). */
export const RV64I_PURE = [
  'lui', 'auipc', 'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai', 'addiw', 'slliw',
  'srliw', 'sraiw', 'add', 'sub', 'sll', 'srl', 'sra', 'slt', 'sltu', 'xor', 'or', 'and', 'addw', 'subw',
  'sllw', 'srlw', 'sraw',
];
