/**
 * JavaScript source for one instruction inside a compiled block (block.ts). Guest registers
 * live in JS locals `lN`/`hN` (low/high int32 words of xN) for the whole block; memory accesses
 * call the helpers of block-mem.ts (TLB fast path; on a miss, pc and icount made exact, then the
 * hart's own access method), so that traps, watchpoints and devices see the same state as under
 * the interpreter. The source is kept short: parsing and compiling it is the cost of a block.
 */
import type { Op } from './op.js';

const TWO32 = 4294967296;

/** Split a JS number holding a 64-bit value into int32 words (as hart.setPair). */
function words(v: number): [number, number] {
  const hi = Math.floor(v / TWO32);
  return [(v - hi * TWO32) | 0, hi | 0];
}

/** Instructions that end a block after themselves (the block's last instruction). */
export const BRANCHES = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'jal', 'jalr']);

/** Register-only instructions run through their interpreter handler (reads rs1/rs2, writes rd). */
const PURE_CALLS = new Set(['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu', 'divw', 'divuw', 'remw', 'remuw']);
/**
 * Instructions run through their handler that may trap or touch memory (atomics, F/D). Their
 * integer operands are rs1/rs2 (read) and rd (written) at most, as the handlers guarantee.
 */
export const TRAP_CALLS = new Set([
  'flw', 'fld', 'fsw', 'fsd', 'op-fp', 'fmadd', 'fmsub', 'fnmsub', 'fnmadd',
  'lr.w', 'sc.w', 'lr.d', 'sc.d',
  ...['amoswap', 'amoadd', 'amoxor', 'amoand', 'amoor', 'amomin', 'amomax', 'amominu', 'amomaxu'].flatMap((n) => [`${n}.w`, `${n}.d`]),
]);
/** OP-FP and the fused multiply-adds (a subset of TRAP_CALLS): integer registers as the encoding says. */
const FP_OPS = new Set(['op-fp', 'fmadd', 'fmsub', 'fnmsub', 'fnmadd']);
/** F/D loads and stores (a subset of TRAP_CALLS): block-mem.ts helpers with the TLB fast path. */
const FP_MEM = new Set(['flw', 'fld', 'fsw', 'fsd']);
/**
 * CSR instructions, run through their handler with pc and icount exact (counters, traps). A
 * write that may make an interrupt deliverable or change translations (zicsr.ts decides: not
 * sscratch, sepc and the like, nor an sstatus write that turns no enable on) sets irqCheck,
 * which ends the block after it: interrupts and fetch are then looked at again.
 */
export const CSR_CALLS = new Set(['csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci']);
/**
 * System instructions that end a block after themselves: traps (`ecall`, `ebreak`), returns
 * from traps and fences that change the privilege, pc or translations the block ran under.
 */
export const SYSTEM_TAILS = new Set(['ecall', 'ebreak', 'sret', 'mret', 'sfence.vma']);
/** Instructions compiled inline. */
const INLINE = new Set([
  'lui', 'auipc', 'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai', 'addiw', 'slliw', 'srliw', 'sraiw',
  'add', 'sub', 'sll', 'srl', 'sra', 'slt', 'sltu', 'xor', 'or', 'and', 'addw', 'subw', 'sllw', 'srlw', 'sraw', 'mulw',
  'lb', 'lh', 'lw', 'lbu', 'lhu', 'lwu', 'ld', 'sb', 'sh', 'sw', 'sd', 'fence',
]);

/** Whether `name` may stand inside a block (anything else is left to the interpreter). */
export function compilable(name: string): boolean {
  return INLINE.has(name) || BRANCHES.has(name) || PURE_CALLS.has(name) || TRAP_CALLS.has(name) || CSR_CALLS.has(name) || SYSTEM_TAILS.has(name);
}

/**
 * Collects the source of a block. Statement templates use temporaries t1/t2 (a result about to
 * be committed to rd) and u1 (an intermediate).
 */
export class BlockSource {
  readonly body: string[] = [];
  /** Registers the block reads or writes (loaded at entry). */
  readonly used = new Set<number>();
  /** Registers the block writes (stored back at every exit). */
  readonly written = new Set<number>();
  /** Handlers and ops the source refers to as c0, c1, ... */
  readonly consts: unknown[] = [];

  private lo(r: number): string { if (r === 0) return '0'; this.used.add(r); return `l${r}`; }
  private hi(r: number): string { if (r === 0) return '0'; this.used.add(r); return `h${r}`; }
  private konst(v: unknown): string { this.consts.push(v); return `c${this.consts.length - 1}`; }

  /** rd = (lo, hi): both computed before either is assigned (rd may be a source). */
  private set(rd: number, lo: string, hi: string): string {
    if (rd === 0) return '';
    this.used.add(rd); this.written.add(rd);
    return `t1 = ${lo}; t2 = ${hi}; l${rd} = t1; h${rd} = t2;`;
  }
  /** rd = sign-extended 32-bit value. */
  private setW(rd: number, v: string): string {
    if (rd === 0) return '';
    this.used.add(rd); this.written.add(rd);
    return `t1 = ${v}; l${rd} = t1; h${rd} = t1 >> 31;`;
  }
  private flush(r: number): string {
    return r === 0 ? '' : `x[${2 * r}] = ${this.lo(r)}; x[${2 * r + 1}] = ${this.hi(r)};`;
  }
  private reload(r: number): string {
    if (r === 0) return '';
    this.used.add(r); this.written.add(r);
    return `l${r} = x[${2 * r}]; h${r} = x[${2 * r + 1}];`;
  }
  /** Make pc and icount exact before something that may trap or reach a device. */
  private sync(pc: number, k: number): string {
    return `h.pc = ${pc}; clock.icount = ic + ${k};`;
  }
  /** After a slow access: leave the block if it must end here (MMIO, code written, stop requested). */
  private exitIfAsked(npc: number, k: number): string {
    return `if (h.irqCheck) { h.pc = ${npc}; nk = ${k + 1}; break L; }`;
  }

  /** rs1 + imm as a virtual address. */
  private address(op: Op): string {
    const a = op.s1 >> 1;
    return a === 0 ? `${op.imm}` : `${this.hi(a)} * ${TWO32} + (${this.lo(a)} >>> 0) + ${op.imm}`;
  }

  /** Append one straight-line instruction at `pc`, the k-th of the block. */
  add(op: Op, pc: number, k: number, isNop: boolean): void {
    if (isNop) { this.body.push(`/* ${op.name} x0 */`); return; }
    const d = op.d >> 1, a = op.s1 >> 1, b = op.s2 >> 1, imm = op.imm, ih = imm >> 31;
    const la = this.lo(a), ha = this.hi(a);
    const lb = () => this.lo(b), hb = () => this.hi(b);
    const npc = pc + op.len;
    let s: string;
    switch (op.name) {
      case 'lui': s = this.set(d, `${imm}`, `${ih}`); break;
      case 'auipc': { const [lo, hi] = words(pc + imm); s = this.set(d, `${lo}`, `${hi}`); break; }
      case 'addi':
        s = a === 0 ? this.set(d, `${imm}`, `${ih}`)
          : `u1 = (${la} + ${imm}) | 0; ` + this.set(d, 'u1', `(${ha} + ${ih} + ((u1 >>> 0) < (${la} >>> 0) ? 1 : 0)) | 0`);
        break;
      case 'slti': s = this.set(d, `(${ha} < ${ih} || (${ha} === ${ih} && (${la} >>> 0) < ${imm >>> 0})) ? 1 : 0`, '0'); break;
      case 'sltiu': s = this.set(d, `((${ha} >>> 0) < ${ih >>> 0} || (${ha} === ${ih} && (${la} >>> 0) < ${imm >>> 0})) ? 1 : 0`, '0'); break;
      case 'xori': s = this.set(d, `${la} ^ ${imm}`, `${ha} ^ ${ih}`); break;
      case 'ori': s = this.set(d, `${la} | ${imm}`, `${ha} | ${ih}`); break;
      case 'andi': s = this.set(d, `${la} & ${imm}`, `${ha} & ${ih}`); break;
      case 'slli': s = imm === 0 ? this.set(d, la, ha) : imm < 32
        ? this.set(d, `${la} << ${imm}`, `(${ha} << ${imm}) | (${la} >>> ${32 - imm})`)
        : this.set(d, '0', `${la} << ${imm - 32}`); break;
      case 'srli': s = imm === 0 ? this.set(d, la, ha) : imm < 32
        ? this.set(d, `(${la} >>> ${imm}) | (${ha} << ${32 - imm})`, `(${ha} >>> ${imm}) | 0`)
        : this.set(d, `(${ha} >>> ${imm - 32}) | 0`, '0'); break;
      case 'srai': s = imm === 0 ? this.set(d, la, ha) : imm < 32
        ? this.set(d, `(${la} >>> ${imm}) | (${ha} << ${32 - imm})`, `${ha} >> ${imm}`)
        : this.set(d, `${ha} >> ${imm - 32}`, `${ha} >> 31`); break;
      case 'addiw': s = this.setW(d, `(${la} + ${imm}) | 0`); break;
      case 'slliw': s = this.setW(d, `${la} << ${imm}`); break;
      case 'srliw': s = this.setW(d, `(${la} >>> ${imm}) | 0`); break;
      case 'sraiw': s = this.setW(d, `${la} >> ${imm}`); break;
      case 'add':
        s = `u1 = (${la} + ${lb()}) | 0; ` + this.set(d, 'u1', `(${ha} + ${hb()} + ((u1 >>> 0) < (${la} >>> 0) ? 1 : 0)) | 0`);
        break;
      case 'sub': s = this.set(d, `(${la} - ${lb()}) | 0`, `(${ha} - ${hb()} - ((${la} >>> 0) < (${lb()} >>> 0) ? 1 : 0)) | 0`); break;
      case 'sll': case 'srl': case 'sra': s = this.shift(op.name, d, la, ha, lb()); break;
      case 'slt': s = this.set(d, `(${ha} < ${hb()} || (${ha} === ${hb()} && (${la} >>> 0) < (${lb()} >>> 0))) ? 1 : 0`, '0'); break;
      case 'sltu': s = this.set(d, `((${ha} >>> 0) < (${hb()} >>> 0) || (${ha} === ${hb()} && (${la} >>> 0) < (${lb()} >>> 0))) ? 1 : 0`, '0'); break;
      case 'xor': s = this.set(d, `${la} ^ ${lb()}`, `${ha} ^ ${hb()}`); break;
      case 'or': s = this.set(d, `${la} | ${lb()}`, `${ha} | ${hb()}`); break;
      case 'and': s = this.set(d, `${la} & ${lb()}`, `${ha} & ${hb()}`); break;
      case 'addw': s = this.setW(d, `(${la} + ${lb()}) | 0`); break;
      case 'subw': s = this.setW(d, `(${la} - ${lb()}) | 0`); break;
      case 'sllw': s = this.setW(d, `${la} << (${lb()} & 31)`); break;
      case 'srlw': s = this.setW(d, `(${la} >>> (${lb()} & 31)) | 0`); break;
      case 'sraw': s = this.setW(d, `${la} >> (${lb()} & 31)`); break;
      case 'mulw': s = this.setW(d, `Math.imul(${la}, ${lb()})`); break;
      case 'fence': s = ''; break;
      case 'lb': case 'lh': case 'lw': case 'lbu': case 'lhu': case 'lwu': case 'ld': s = this.load(op, pc, k, d); break;
      case 'sb': case 'sh': case 'sw': case 'sd': s = this.store(op, pc, k, b); break;
      default:
        if (PURE_CALLS.has(op.name)) {
          s = this.flush(a) + this.flush(b) + `${this.konst(op.fn)}(h, ${this.konst(op)}); ` + this.reload(d);
        } else if (CSR_CALLS.has(op.name)) {
          // The immediate forms hold uimm, not a register, in rs1 (and rs2 is part of the CSR number).
          s = (op.name.endsWith('i') ? '' : this.flush(a)) + this.sync(pc, k) +
            `${this.konst(op.fn)}(h, ${this.konst(op)}); ` + this.reload(d) + this.exitIfAsked(npc, k);
        } else if (FP_OPS.has(op.name)) {
          // F/D operations touch integer registers only as listed (fmem.fp's writesX too).
          const f5 = op.insn >>> 27, opfp = (op.insn & 0x7f) === 0x53;
          const readsX = opfp && (f5 === 0x1a || f5 === 0x1e);
          const writesX = opfp && (f5 === 0x14 || f5 === 0x18 || f5 === 0x1c);
          s = (readsX ? this.flush(a) : '') + this.sync(pc, k) + `${this.konst(op.fn)}(h, ${this.konst(op)}); ` +
            (writesX ? this.reload(d) : '') + this.exitIfAsked(npc, k);
        } else if (FP_MEM.has(op.name)) {
          s = `${op.name.toUpperCase()}(h, ${this.address(op)}, ${this.konst(op)}, ${pc}, ic + ${k}); ` + this.exitIfAsked(npc, k);
        } else if (TRAP_CALLS.has(op.name)) {
          s = this.flush(a) + this.flush(b) + this.flush(d) + this.sync(pc, k) +
            `${this.konst(op.fn)}(h, ${this.konst(op)}); ` + this.reload(d) + this.exitIfAsked(npc, k);
        } else {
          throw new Error(`block compiler: ${op.name} is not straight-line code`);
        }
    }
    this.body.push(s);
  }

  private shift(name: string, d: number, la: string, ha: string, lb: string): string {
    if (d === 0) return '';
    let s = `u1 = ${lb} & 63; if (u1 === 0) { t1 = ${la}; t2 = ${ha}; } else if (u1 < 32) { `;
    if (name === 'sll') s += `t1 = ${la} << u1; t2 = (${ha} << u1) | (${la} >>> (32 - u1)); } else { t1 = 0; t2 = ${la} << (u1 - 32); }`;
    else if (name === 'srl') s += `t1 = (${la} >>> u1) | (${ha} << (32 - u1)); t2 = (${ha} >>> u1) | 0; } else { t1 = (${ha} >>> (u1 - 32)) | 0; t2 = 0; }`;
    else s += `t1 = (${la} >>> u1) | (${ha} << (32 - u1)); t2 = ${ha} >> u1; } else { t1 = ${ha} >> (u1 - 32); t2 = ${ha} >> 31; }`;
    this.used.add(d); this.written.add(d);
    return s + ` l${d} = t1; h${d} = t2;`;
  }

  private load(op: Op, pc: number, k: number, d: number): string {
    const call = (f: string) => `${f}(h, ${this.address(op)}, ${pc}, ic + ${k})`;
    let s: string;
    if (op.name === 'ld') {
      s = `${call('LD')};`;
      if (d !== 0) { this.used.add(d); this.written.add(d); s += ` l${d} = h.rlo; h${d} = h.rhi;`; }
    } else {
      const f = { lb: 'LB', lbu: 'LBU', lh: 'LH', lhu: 'LHU', lw: 'LW', lwu: 'LW' }[op.name]!;
      const unsigned = op.name === 'lbu' || op.name === 'lhu' || op.name === 'lwu';
      s = `u1 = ${call(f)};`;
      if (d !== 0) { this.used.add(d); this.written.add(d); s += unsigned ? ` l${d} = u1; h${d} = 0;` : ` l${d} = u1; h${d} = u1 >> 31;`; }
    }
    return s + ' ' + this.exitIfAsked(pc + op.len, k);
  }

  private store(op: Op, pc: number, k: number, b: number): string {
    const lb = this.lo(b), hb = this.hi(b);
    const va = this.address(op);
    const s = op.name === 'sd' ? `SD(h, ${va}, ${lb}, ${hb}, ${pc}, ic + ${k});`
      : `${op.name.toUpperCase()}(h, ${va}, ${lb}, ${pc}, ic + ${k});`;
    return s + ' ' + this.exitIfAsked(pc + op.len, k);
  }

  /** A system instruction ending the block (SYSTEM_TAILS), the n-th, k = n - 1. */
  systemTail(op: Op, pc: number, k: number, n: number): string {
    const regs = op.name === 'sfence.vma' ? this.flush(op.s1 >> 1) + this.flush(op.s2 >> 1) : '';
    return regs + this.sync(pc, k) + ` h.npc = ${pc + op.len}; ${this.konst(op.fn)}(h, ${this.konst(op)}); h.pc = h.npc; nk = ${n}; break L;`;
  }

  /** The condition under which a conditional branch is taken. */
  condition(op: Op): string {
    const a = op.s1 >> 1, b = op.s2 >> 1;
    const la = this.lo(a), ha = this.hi(a), lb = this.lo(b), hb = this.hi(b);
    switch (op.name) {
      case 'beq': return `${la} === ${lb} && ${ha} === ${hb}`;
      case 'bne': return `${la} !== ${lb} || ${ha} !== ${hb}`;
      case 'blt': return `${ha} < ${hb} || (${ha} === ${hb} && (${la} >>> 0) < (${lb} >>> 0))`;
      case 'bge': return `!(${ha} < ${hb} || (${ha} === ${hb} && (${la} >>> 0) < (${lb} >>> 0)))`;
      case 'bltu': return `(${ha} >>> 0) < (${hb} >>> 0) || (${ha} === ${hb} && (${la} >>> 0) < (${lb} >>> 0))`;
      default: return `!((${ha} >>> 0) < (${hb} >>> 0) || (${ha} === ${hb} && (${la} >>> 0) < (${lb} >>> 0)))`; // bgeu
    }
  }

  /** jal/jalr: statements that link rd and leave the target in u1. */
  jump(op: Op, pc: number): string {
    const d = op.d >> 1, a = op.s1 >> 1;
    const [llo, lhi] = words(pc + op.len);
    if (op.name === 'jal') return `u1 = ${pc + op.imm}; ` + this.set(d, `${llo}`, `${lhi}`);
    const la = this.lo(a), ha = this.hi(a);
    return `u1 = ${ha} * ${TWO32} + (${la} >>> 0) + ${op.imm}; u1 -= (${la} + ${op.imm}) & 1; ` + this.set(d, `${llo}`, `${lhi}`);
  }
}
