/**
 * WebAssembly for one instruction of a wasm block (compile.ts). Guest registers are i64 slots
 * of the hart's wasm area (memory.ts; the hart's `x` Int32Array is a view of it, lo/hi words
 * of a little-endian i64), cached in i64 locals while the block runs: loaded at its entry,
 * stored at its exit and before every call to JavaScript (a helper may read them, or throw a
 * trap that must find the register file exact), reloaded after one that writes rd. Arithmetic, including mul/mulh* and
 * div/rem, is native i64. Loads and stores probe the current TLB set's mirror (tlb.ts) inline
 * and access the guest page where it lies in the same memory; on a miss they call the JS
 * helpers of block-mem.ts through imports, which take the JS fast path or the slow path.
 */
import type { Op } from '../op.js';
import { Code, OP, I64 } from './encoder.js';
import { WASM_NPC, WASM_TLB } from './area.js';
import { TLB_MASK, MIRROR_WRITE } from '../tlb.js';
import { CSR_CALLS, SYSTEM_TAILS, TRAP_CALLS } from '../block-gen.js';
import { FP_NAMES, emitFp, wasmFpOn, type FpHost } from './gen-fp.js';
import { emitSstatus, type CsrHost } from './gen-csr.js';

/** Bytes, and the wasm opcode accessing them, of each load and store. */
const ACCESS: Record<string, [number, number]> = {
  lb: [1, 0x30], lbu: [1, 0x31], lh: [2, 0x32], lhu: [2, 0x33], lw: [4, 0x34], lwu: [4, 0x35], ld: [8, 0x29],
  sb: [1, 0x3c], sh: [2, 0x3d], sw: [4, 0x3e], sd: [8, 0x37],
};

/** The helpers, in the order of their table elements (mulhu last). */
export const LOADS = ['lb', 'lh', 'lw', 'lbu', 'lhu', 'lwu', 'ld'] as const;
export const STORES = ['sb', 'sh', 'sw', 'sd'] as const;
export const FN_MULHU = LOADS.length + STORES.length;
/** The interpreter handler of an instruction inside a block (CSR, atomic, F/D), then of one ending it (SYSTEM_TAILS). */
export const FN_EXEC = FN_MULHU + 1, FN_TAIL = FN_MULHU + 2;
/** The jump cache's way into a block of another module: (budget, instructions run, slot). */
export const FN_DISPATCH = FN_MULHU + 3;
/** Table elements a block module's helper table has. */
export const HELPERS = FN_DISPATCH + 1;
/**
 * The helpers are called through the hart's helper table (compile.ts), at these elements:
 * loads, stores, then mulhu; with these type indices (a block module declares them first). A
 * module importing functions costs V8 some 200 us more to compile than one importing a table.
 */
export const TYPE_LOAD = 0, TYPE_STORE = 1, TYPE_MULHU = 2, TYPE_EXEC = 3, TYPE_BLOCK = 4, TYPE_DISPATCH = 5;

/** Conditional branches (side exits or a loop back to the start). */
export const WASM_BRANCHES = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);
const ALU = new Set([
  'lui', 'auipc', 'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai', 'addiw', 'slliw', 'srliw', 'sraiw',
  'add', 'sub', 'sll', 'srl', 'sra', 'slt', 'sltu', 'xor', 'or', 'and', 'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'mulw', 'div', 'divu', 'rem', 'remu', 'divw', 'divuw', 'remw', 'remuw', 'fence',
]);

/**
 * Instructions a block runs through their interpreter handler, as the JS block compiler does
 * (block-gen.ts): CSR accesses and atomics, with pc and icount exact, leaving the block
 * when the handler asks (an interrupt to look at, another translation context).
 */
export const WASM_CALLS = new Set([...CSR_CALLS, ...TRAP_CALLS].filter((n) => !FP_NAMES.has(n)));
export { SYSTEM_TAILS as WASM_TAILS };

/**
 * Whether the wasm tier compiles `name` (anything else ends the block before it). F/D
 * instructions are compiled (gen-fp.ts) while wasmFpOn(); off, they end a wasm block before
 * them and blocks starting at one are the JS block compiler's (compile.ts falls back for them).
 */
export function wasmCompilable(name: string): boolean {
  return ALU.has(name) || (FP_NAMES.has(name) && wasmFpOn()) || WASM_BRANCHES.has(name) || name === 'jal' || name === 'jalr' ||
    (LOADS as readonly string[]).includes(name) || (STORES as readonly string[]).includes(name) ||
    WASM_CALLS.has(name) || SYSTEM_TAILS.has(name);
}

/** The i64 bit pattern of a JS number holding a 64-bit value (either interpretation). */
function bits(v: number): bigint {
  return BigInt.asIntN(64, BigInt(v));
}

const MIN64 = -(1n << 63n);

/**
 * Emits the instructions of one block into a function whose locals are fixed: param 0 the
 * budget, param 1 the instructions run in this call before the block (by the blocks chained
 * before it, compile.ts), then `done` (instructions of earlier loop passes), `nk` (of this
 * pass at an exit), two i64 temporaries and those of memory accesses. The hart's wasm area
 * is the module's global 0 (compile.ts), so that harts share compiled modules.
 */
export class BlockEmitter implements FpHost, CsrHost {
  readonly c = new Code(2);
  readonly budget = 0;
  readonly before = 1;
  readonly done = this.c.local(0x7f);
  readonly nk = this.c.local(0x7f);
  private readonly ta = this.c.local(I64);
  private readonly tb = this.c.local(I64);
  /** A memory access's address, its low word, and its mirror entry's address. */
  private readonly va = this.c.local(I64);
  private readonly vlo = this.c.local(0x7f);
  private readonly ent = this.c.local(0x7f);
  /** The current TLB set's mirror, read once at entry (see `start`). */
  private readonly tlb = this.c.local(0x7f);
  /** The i64 local caching each guest register the block touches. */
  private readonly regs = new Map<number, number>();
  /** Registers the block writes (stored at its exit). */
  readonly written = new Set<number>();

  /**
   * `dirty`: the registers to store before a call to JavaScript: every register the block
   * writes, found by emitting it once before (in a loop, a later instruction of the pass
   * before may have written one).
   */
  constructor(private readonly dirty: ReadonlySet<number> = new Set()) {}

  private loc(r: number): number {
    let l = this.regs.get(r);
    if (l === undefined) { l = this.c.local(I64); this.regs.set(r, l); }
    return l;
  }
  /** Before a call to JavaScript: the register file in memory as the instructions so far left it. */
  private spill(): void {
    for (const r of this.dirty) this.c.base().get(this.loc(r)).mem(OP.i64Store, 3, 8 * r);
  }
  /** After a helper that may have written xr in memory. */
  private reload(r: number): void {
    if (r !== 0) this.c.base().mem(OP.i64Load, 3, 8 * r).set(this.loc(r));
  }
  /** At the end of the function (every exit leads there): the registers written, to memory. */
  epilogue(): void {
    for (const r of this.written) this.c.base().get(this.loc(r)).mem(OP.i64Store, 3, 8 * r);
  }
  /** Once the body is complete: load every register it refers to at the function's entry. */
  prologue(): void {
    const p = new Code(0);
    for (const [r, l] of this.regs) p.base().mem(OP.i64Load, 3, 8 * r).set(l);
    this.c.bytes.unshift(...p.bytes);
  }

  /**
   * The function's first instructions: the current set's mirror offset into a local. The set
   * changes only with the translation context or a TLB flush, which happen between blocks, in
   * a trap (that leaves the function by throwing) or in a helper that then asks to leave.
   */
  start(): void {
    this.c.base().mem(OP.i32Load, 2, WASM_TLB).set(this.tlb);
  }

  /**
   * The k-th instruction, at `pc`, through its handler (WASM_CALLS): `id` names its op to the
   * exec helper (compile.ts). Registers live in memory, so the handler reads and writes them
   * in place; it returns whether the block must end after it.
   */
  exec(op: Op, pc: number, k: number, depth: number, id: number): void {
    this.spill();
    this.c.i32(id).f64(pc); this.icount(k); this.c.i32(FN_EXEC).callIndirect(TYPE_EXEC);
    // rd (for an F/D op writing an f register, an x register reloaded unchanged).
    this.reload(op.d >> 1);
    this.exitIfAsked(pc + op.len, k, depth);
  }

  /**
   * The n-th and last instruction, k = n - 1, through its handler (WASM_TAILS: a trap, an
   * xRET, sfence.vma): the helper leaves the pc the handler chose and stops chaining.
   */
  tail(pc: number, k: number, n: number, id: number): void {
    this.spill();
    this.c.i32(id).f64(pc); this.icount(k); this.c.i32(FN_TAIL).callIndirect(TYPE_EXEC).op(OP.drop);
    this.c.i32(n).set(this.nk).br(1);
  }

  /** Push xr as i64. */
  reg(r: number): void {
    if (r === 0) this.c.i64(0n);
    else this.c.get(this.loc(r));
  }
  /** Push xr's low word as i32. */
  reg32(r: number): void {
    if (r === 0) this.c.i32(0);
    else this.c.get(this.loc(r)).op(OP.i32WrapI64);
  }
  /** xr = the i64 `value` pushes (nothing, the value not even computed, for x0). */
  setReg(r: number, value: () => void): void {
    if (r === 0) return;
    value();
    this.c.set(this.loc(r));
    this.written.add(r);
  }
  /** xr = sign-extended i32 `value`. */
  setReg32(r: number, value: () => void): void {
    this.setReg(r, () => { value(); this.c.op(OP.i64ExtendI32S); });
  }
  /** Leave the pc to continue at. */
  setNpc(pc: number): void {
    this.c.base().f64(pc).mem(OP.f64Store, 3, WASM_NPC);
  }
  /** rs1 + imm as a virtual address (f64), computed as the interpreter does. */
  address(op: Op): void {
    const a = op.s1 >> 1;
    if (a === 0) { this.c.f64(op.imm); return; }
    this.reg(a);
    this.c.op(0xb9); // f64.convert_i64_s: the one rounding of hi * 2^32 + (lo >>> 0)
    if (op.imm !== 0) this.c.f64(op.imm).op(OP.f64Add);
  }
  /** Push before + done + k (the helper adds the icount at the call's entry). */
  private icount(k: number): void {
    this.c.get(this.before).get(this.done).op(OP.i32Add).i32(k).op(OP.i32Add);
  }
  /** After a helper returned its "leave now" flag: exit at npc with k + 1 done, from depth `depth`. */
  private exitIfAsked(npc: number, k: number, depth: number): void {
    this.c.if();
    this.setNpc(npc);
    this.c.i32(k + 1).set(this.nk).br(depth + 1);
    this.c.end();
  }

  /**
   * A load or store, the k-th instruction, at `pc`; `depth` is the exit block's from here.
   * Inline when the current set's mirror has the page and the access stays in it (as the JS
   * fast path, whose entries the mirror copies, it then has no side effect beyond the access
   * itself); otherwise through the JS helper.
   */
  memory(op: Op, pc: number, k: number, depth: number): void {
    const c = this.c;
    const [size, access] = ACCESS[op.name];
    const load = op.name[0] === 'l';
    this.probe(op, size, !load);
    c.if();
    if (load) {
      this.setReg(op.d >> 1, () => { this.host(false); c.mem(access, 0, 0); });
    } else {
      this.host(true); this.reg(op.s2 >> 1); c.mem(access, 0, 0);
    }
    c.else();
    this.helper(op, pc, k, depth + 1);
    c.end();
  }

  /**
   * Push the i32 "the access of `size` bytes at rs1 + imm hits the current set's mirror"
   * (the write mirror for a store): va = rs1 + imm; the entry of its page; a hit when its key
   * is the page of va's last byte (so an access crossing into the next page misses: that page
   * is another entry's).
   */
  probe(op: Op, size: number, write: boolean): void {
    const c = this.c;
    const part = write ? MIRROR_WRITE : 0;
    this.reg(op.s1 >> 1);
    if (op.imm !== 0) c.i64(BigInt(op.imm)).op(OP.i64Add);
    c.tee(this.va).op(OP.i32WrapI64).tee(this.vlo);
    c.i32(12).op(OP.i32ShrU).i32(TLB_MASK).op(OP.i32And).i32(4).op(OP.i32Shl);
    c.get(this.tlb).op(OP.i32Add).tee(this.ent);
    c.mem(OP.i64Load, 3, part);
    c.get(this.va);
    if (size > 1) c.i64(BigInt(size - 1)).op(OP.i64Add);
    c.i64(-4096n).op(OP.i64And).i64(1n).op(OP.i64Or, OP.i64Eq);
  }

  /** Push the host address (in the memory) of the access `probe` found in the mirror. */
  host(write: boolean): void {
    const part = write ? MIRROR_WRITE : 0;
    this.c.get(this.ent).mem(OP.i32Load, 2, part + 8).get(this.vlo).i32(4095).op(OP.i32And, OP.i32Add);
  }

  /** An sstatus access, inline where it can be (gen-csr.ts), else through its handler. */
  sstatus(op: Op, pc: number, k: number, depth: number, id: number): void {
    emitSstatus(this, op, pc, k, depth, id);
  }

  /** An F/D instruction, inline where it can be (gen-fp.ts), else through its handler. */
  fp(op: Op, pc: number, k: number, depth: number, id: number): void {
    emitFp(this, op, pc, k, depth, id);
  }

  /**
   * An AMO (not LR/SC), the k-th instruction, at `pc`: inline, as the handler's own fast path
   * (exec/rv64a.ts), when the current set's write mirror has the page and the address is
   * aligned (a write entry is a private, readable, writable RAM page without decoded code,
   * and there is none while watchpoints or data triggers are armed): a plain read-modify-write
   * of the word. Otherwise through the handler (misalignment, faults, MMIO, watchpoints).
   * Operands of the .w forms are sign-extended to i64, which keeps their signed and unsigned
   * order; the low word is stored.
   */
  amo(op: Op, pc: number, k: number, depth: number, id: number): void {
    const c = this.c;
    const wide = op.name.endsWith('.d');
    const size = wide ? 8 : 4;
    const f = op.name.slice(3, op.name.length - 2);
    this.reg(op.s1 >> 1);
    c.tee(this.va).op(OP.i32WrapI64).tee(this.vlo);
    c.i32(12).op(OP.i32ShrU).i32(TLB_MASK).op(OP.i32And).i32(4).op(OP.i32Shl);
    c.get(this.tlb).op(OP.i32Add).tee(this.ent);
    c.mem(OP.i64Load, 3, MIRROR_WRITE);
    c.get(this.va).i64(-4096n).op(OP.i64And).i64(1n).op(OP.i64Or, OP.i64Eq);
    c.get(this.vlo).i32(size - 1).op(OP.i32And, OP.i32Eqz, OP.i32And);
    c.if();
    c.get(this.ent).mem(OP.i32Load, 2, MIRROR_WRITE + 8).get(this.vlo).i32(4095).op(OP.i32And, OP.i32Add).set(this.ent);
    // old -> ta, the operand -> tb (rd may be rs1 or rs2: both read before rd is written).
    c.get(this.ent).mem(wide ? OP.i64Load : 0x34, wide ? 3 : 2, 0).set(this.ta);
    if (wide) this.reg(op.s2 >> 1); else { this.reg32(op.s2 >> 1); c.op(OP.i64ExtendI32S); }
    c.set(this.tb);
    c.get(this.ent);
    const ta = () => c.get(this.ta), tb = () => c.get(this.tb);
    switch (f) {
      case 'swap': tb(); break;
      case 'add': ta(); tb(); c.op(0x7c); break;
      case 'xor': ta(); tb(); c.op(OP.i64Xor); break;
      case 'and': ta(); tb(); c.op(OP.i64And); break;
      case 'or': ta(); tb(); c.op(OP.i64Or); break;
      case 'min': ta(); tb(); ta(); tb(); c.op(OP.i64LtS, OP.select); break;
      case 'max': ta(); tb(); tb(); ta(); c.op(OP.i64LtS, OP.select); break;
      case 'minu': ta(); tb(); ta(); tb(); c.op(OP.i64LtU, OP.select); break;
      case 'maxu': ta(); tb(); tb(); ta(); c.op(OP.i64LtU, OP.select); break;
      default: throw new Error(`wasm block: ${op.name} is not an AMO`);
    }
    c.mem(wide ? OP.i64Store : 0x3e, wide ? 3 : 2, 0);
    this.setReg(op.d >> 1, ta);
    c.else();
    this.exec(op, pc, k, depth + 1, id);
    c.end();
  }

  /** A load or store through its JS helper (the TLB fast path or the slow path). */
  private helper(op: Op, pc: number, k: number, depth: number): void {
    const li = (LOADS as readonly string[]).indexOf(op.name);
    this.spill();
    this.address(op);
    if (li >= 0) {
      this.c.f64(pc); this.icount(k); this.c.i32(op.d >> 1).i32(li).callIndirect(TYPE_LOAD);
      this.reload(op.d >> 1);
    } else {
      const b = op.s2 >> 1;
      this.reg32(b);
      if (op.name === 'sd') { this.reg(b); this.c.i64(32n).op(OP.i64ShrU, OP.i32WrapI64); } else this.c.i32(0);
      this.c.f64(pc); this.icount(k);
      this.c.i32(LOADS.length + (STORES as readonly string[]).indexOf(op.name)).callIndirect(TYPE_STORE);
    }
    this.exitIfAsked(pc + op.len, k, depth);
  }

  /** Push the i32 condition under which branch `op` is taken. */
  condition(op: Op): void {
    const a = op.s1 >> 1, b = op.s2 >> 1;
    this.reg(a); this.reg(b);
    const cmp = { beq: OP.i64Eq, bne: OP.i64Ne, blt: OP.i64LtS, bge: OP.i64GeS, bltu: OP.i64LtU, bgeu: OP.i64GeU }[op.name];
    if (cmp === undefined) throw new Error(`wasm block: ${op.name} is not a branch`);
    this.c.op(cmp);
  }

  /** jal/jalr: link rd, leave the target as npc. */
  jump(op: Op, pc: number): void {
    const d = op.d >> 1, a = op.s1 >> 1;
    if (op.name === 'jal') {
      this.setNpc(pc + op.imm);
    } else {
      // Target first (rd may be rs1): t - ((lo + imm) & 1), as the interpreter computes it.
      this.c.base();
      this.address(op);
      this.reg32(a); this.c.i32(op.imm).op(OP.i32Add).i32(1).op(OP.i32And, OP.f64ConvertI32S, OP.f64Sub);
      this.c.mem(OP.f64Store, 3, WASM_NPC);
    }
    this.setReg(d, () => this.c.i64(bits(pc + op.len)));
  }

  /** A straight-line ALU instruction at `pc`. */
  alu(op: Op, pc: number): void {
    const c = this.c;
    const d = op.d >> 1, a = op.s1 >> 1, b = op.s2 >> 1, imm = op.imm;
    const ab = (o: number) => () => { this.reg(a); this.reg(b); c.op(o); };
    const ai = (o: number, v: bigint = BigInt(imm)) => () => { this.reg(a); c.i64(v).op(o); };
    const ab32 = (o: number) => () => { this.reg32(a); this.reg32(b); c.op(o); };
    const ai32 = (o: number) => () => { this.reg32(a); c.i32(imm).op(o); };
    const cmp = (f: () => void) => () => { f(); c.op(OP.i64ExtendI32U); };
    switch (op.name) {
      case 'fence': return;
      case 'lui': return this.setReg(d, () => c.i64(BigInt(imm)));
      case 'auipc': return this.setReg(d, () => c.i64(bits(pc + imm)));
      case 'addi': return this.setReg(d, ai(OP.i64Add));
      case 'slti': return this.setReg(d, cmp(ai(OP.i64LtS)));
      case 'sltiu': return this.setReg(d, cmp(ai(OP.i64LtU)));
      case 'xori': return this.setReg(d, ai(OP.i64Xor));
      case 'ori': return this.setReg(d, ai(OP.i64Or));
      case 'andi': return this.setReg(d, ai(OP.i64And));
      case 'slli': return this.setReg(d, ai(OP.i64Shl));
      case 'srli': return this.setReg(d, ai(OP.i64ShrU));
      case 'srai': return this.setReg(d, ai(OP.i64ShrS));
      case 'addiw': return this.setReg32(d, ai32(OP.i32Add));
      case 'slliw': return this.setReg32(d, ai32(OP.i32Shl));
      case 'srliw': return this.setReg32(d, ai32(OP.i32ShrU));
      case 'sraiw': return this.setReg32(d, ai32(OP.i32ShrS));
      case 'add': return this.setReg(d, ab(OP.i64Add));
      case 'sub': return this.setReg(d, ab(OP.i64Sub));
      case 'sll': return this.setReg(d, ab(OP.i64Shl));
      case 'srl': return this.setReg(d, ab(OP.i64ShrU));
      case 'sra': return this.setReg(d, ab(OP.i64ShrS));
      case 'slt': return this.setReg(d, cmp(ab(OP.i64LtS)));
      case 'sltu': return this.setReg(d, cmp(ab(OP.i64LtU)));
      case 'xor': return this.setReg(d, ab(OP.i64Xor));
      case 'or': return this.setReg(d, ab(OP.i64Or));
      case 'and': return this.setReg(d, ab(OP.i64And));
      case 'addw': return this.setReg32(d, ab32(OP.i32Add));
      case 'subw': return this.setReg32(d, ab32(OP.i32Sub));
      case 'sllw': return this.setReg32(d, ab32(OP.i32Shl));
      case 'srlw': return this.setReg32(d, ab32(OP.i32ShrU));
      case 'sraw': return this.setReg32(d, ab32(OP.i32ShrS));
      case 'mul': return this.setReg(d, ab(OP.i64Mul));
      case 'mulw': return this.setReg32(d, ab32(OP.i32Mul));
      case 'mulhu': return this.setReg(d, () => { this.reg(a); this.reg(b); c.i32(FN_MULHU).callIndirect(TYPE_MULHU); });
      case 'mulh': case 'mulhsu': return this.setReg(d, () => this.mulh(a, b, op.name === 'mulh'));
      case 'div': case 'divu': case 'rem': case 'remu': return this.setReg(d, () => this.div64(op.name, a, b));
      case 'divw': case 'divuw': case 'remw': case 'remuw': return this.setReg32(d, () => this.div32(op.name, a, b));
      default: throw new Error(`wasm block: ${op.name} is not straight-line integer code`);
    }
  }

  /** Signed high products from the unsigned one: mulhu - (a < 0 ? b : 0) [- (b < 0 ? a : 0)]. */
  private mulh(a: number, b: number, signedB: boolean): void {
    const c = this.c;
    this.reg(a); c.set(this.ta); this.reg(b); c.set(this.tb);
    c.get(this.ta).get(this.tb).i32(FN_MULHU).callIndirect(TYPE_MULHU);
    c.get(this.ta).i64(63n).op(OP.i64ShrS).get(this.tb).op(OP.i64And, OP.i64Sub);
    if (signedB) c.get(this.tb).i64(63n).op(OP.i64ShrS).get(this.ta).op(OP.i64And, OP.i64Sub);
  }

  /** RISC-V division: x/0 = -1, x%0 = x, MIN/-1 = MIN (wasm would trap on these). */
  private div64(name: string, a: number, b: number): void {
    const c = this.c;
    this.reg(a); c.set(this.ta); this.reg(b); c.set(this.tb);
    c.get(this.tb).op(OP.i64Eqz).ifT(I64);
    if (name === 'div' || name === 'divu') c.i64(-1n); else c.get(this.ta);
    c.else();
    if (name === 'div') {
      c.get(this.ta).i64(MIN64).op(OP.i64Eq).get(this.tb).i64(-1n).op(OP.i64Eq, OP.i32And).ifT(I64);
      c.get(this.ta).else().get(this.ta).get(this.tb).op(OP.i64DivS).end();
    } else {
      c.get(this.ta).get(this.tb).op({ divu: OP.i64DivU, rem: OP.i64RemS, remu: OP.i64RemU }[name]!);
    }
    c.end();
  }

  /** 32-bit division on the low words (result i32, sign-extended by the caller). */
  private div32(name: string, a: number, b: number): void {
    const c = this.c;
    // The i64 temporaries hold the operands' low words, zero-extended.
    this.reg32(a); c.op(OP.i64ExtendI32U).set(this.ta); this.reg32(b); c.op(OP.i64ExtendI32U).set(this.tb);
    const wa = () => c.get(this.ta).op(OP.i32WrapI64), wb = () => c.get(this.tb).op(OP.i32WrapI64);
    c.get(this.tb).op(OP.i64Eqz).ifT(0x7f);
    if (name === 'divw' || name === 'divuw') c.i32(-1); else wa();
    c.else();
    if (name === 'divw') {
      wa(); c.i32(-0x80000000).op(OP.i32Eq); wb(); c.i32(-1).op(OP.i32Eq, OP.i32And).ifT(0x7f);
      wa(); c.else(); wa(); wb(); c.op(OP.i32DivS).end();
    } else {
      wa(); wb(); c.op({ divuw: OP.i32DivU, remw: OP.i32RemS, remuw: OP.i32RemU }[name]!);
    }
    c.end();
  }
}

/** The body of mulhu(a, b): the high 64 bits of the unsigned 128-bit product, from 32-bit halves. */
export function mulhuBody(): Code {
  const c = new Code(2);
  const al = c.local(I64), ah = c.local(I64), bl = c.local(I64), bh = c.local(I64), lh = c.local(I64), hl = c.local(I64);
  const M = 0xffffffffn;
  c.get(0).i64(M).op(OP.i64And).set(al).get(0).i64(32n).op(OP.i64ShrU).set(ah);
  c.get(1).i64(M).op(OP.i64And).set(bl).get(1).i64(32n).op(OP.i64ShrU).set(bh);
  c.get(al).get(bh).op(OP.i64Mul).set(lh);
  c.get(ah).get(bl).op(OP.i64Mul).set(hl);
  // hh + (lh >> 32) + (hl >> 32) + (((ll >> 32) + (lh & M) + (hl & M)) >> 32)
  c.get(ah).get(bh).op(OP.i64Mul);
  c.get(lh).i64(32n).op(OP.i64ShrU, OP.i64Add);
  c.get(hl).i64(32n).op(OP.i64ShrU, OP.i64Add);
  c.get(al).get(bl).op(OP.i64Mul).i64(32n).op(OP.i64ShrU);
  c.get(lh).i64(M).op(OP.i64And, OP.i64Add);
  c.get(hl).i64(M).op(OP.i64And, OP.i64Add);
  c.i64(32n).op(OP.i64ShrU, OP.i64Add);
  return c;
}
