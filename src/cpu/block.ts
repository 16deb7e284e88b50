/**
 * The block compiler: a hot run of instructions on one code page, up to a jump (conditional
 * branches on the way are side exits; the block goes on with the fall-through path), becomes
 * one JavaScript function (`new Function`) keeping the guest registers it uses in JS locals.
 * Counting stays exact: a block runs only when the whole pass fits in the run's budget and
 * holds no breakpoint; a block whose last instruction jumps back to its start loops inside the
 * function while the budget allows. Anything the hart must see between two instructions (an
 * MMIO access, a store into compiled code, a trap, a watchpoint) happens only on a slow path,
 * which leaves the block with pc and icount exact. CSR instructions run through their handler
 * (a CSR write ends the block after it); ecall, ebreak, sret, mret and sfence.vma end a block;
 * wfi and fence.i are never compiled: the interpreter runs them. Blocks that ran one after the other are linked,
 * and the hart follows links without fetching (Hart.runChain).
 *
 * Blocks are cached on the Op of their first instruction (per physical page, as the decoded
 * ops are) and forgotten with it; a store into a block's bytes drops that block.
 */
import type { Hart } from './hart.js';
import type { Op } from './op.js';
import { BlockSource, BRANCHES, compilable, SYSTEM_TAILS } from './block-gen.js';
import { rv64i } from './exec/rv64i.js';
import { BLOCK_MEM } from './block-mem.js';

/** A compiled block. */
export interface Block {
  /** Virtual address of the first instruction (the block is used only when entered there). */
  readonly pc: number;
  /** Instructions in one pass. */
  readonly n: number;
  /** Page offset of the first byte and the number of code bytes covered. */
  readonly start: number;
  readonly bytes: number;
  /** The op holding this block. */
  readonly op: Op;
  /** Runs one pass (or, for a loop, as many as fit in the budget). */
  readonly fn: (h: Hart) => void;
  /**
   * Blocks that ran right after this one (two: a branch has two ways on), valid while the
   * hart's fetchEpoch equals `epoch` (that of the TLB set current when they were linked,
   * renewed whenever its translations or compiled code change).
   */
  s0: Block | null;
  s1: Block | null;
  /** Two more for a block that ends in an indirect jump (a `ret` returns to many call sites). */
  s2: Block | null;
  s3: Block | null;
  epoch: number;
  /**
   * The blocks compiled into one wasm module with it (wasm/compile.ts), itself included: they
   * run on into each other inside the module, so a store that drops one drops them all.
   */
  readonly group?: readonly Block[];
  /** A wasm block: its element of the hart's function table (the jump cache refers to it). */
  readonly slot?: number;
  /** Called once when the block is dropped (a wasm block frees its table element). */
  readonly release?: () => void;
}

/** Remember that `next` ran right after `b` (under translation epoch `epoch`). */
export function link(b: Block, next: Block, epoch: number): void {
  if (b.epoch !== epoch) { b.s0 = null; b.s1 = null; b.s2 = null; b.s3 = null; b.epoch = epoch; }
  const pc = next.pc;
  if (b.s0 === null || b.s0.pc === pc) b.s0 = next;
  else if (b.s1 === null || b.s1.pc === pc) b.s1 = next;
  else if (b.s2 === null || b.s2.pc === pc) b.s2 = next;
  else if (b.s3 === null || b.s3.pc === pc) b.s3 = next;
  else { b.s2 = b.s3; b.s3 = next; }
}

/**
 * Default executions of an instruction by the interpreter before a block is compiled from it.
 * Compiling costs some 200 us (V8 parses the source, then runs it in its own bytecode
 * interpreter until it is hot there too), so code that runs only a few hundred times, as most
 * of a booting kernel does, is faster interpreted: booting Linux took 9.6 s compiling at 16
 * executions, 2.4 s at 4000, 2.1 s never compiling; hot loops compile within microseconds at
 * either setting.
 */
export const HOT = 4000;
/** Most instructions in one block. */
const MAX_INSNS = 64;

/**
 * Compile the block starting at `pc`, which must be on the hart's current fetch page with
 * `first` its decoded op. Returns null when no block can start there.
 */
export function compileBlock(h: Hart, pc: number, first: Op): Block | null {
  if (!compilable(first.name)) return null;
  const src = new BlockSource();
  const page = pc - (pc & 4095);
  let at = pc, n = 0, op: Op = first;
  let tail = '';
  for (;;) {
    const k = n;
    n++;
    if (SYSTEM_TAILS.has(op.name)) {
      tail = src.systemTail(op, at, k, n);
      at += op.len;
      break;
    }
    if (op.name === 'jal' || op.name === 'jalr') {
      tail = jumpTail(src, op, at, n, pc);
      at += op.len;
      break;
    }
    if (BRANCHES.has(op.name)) {
      const cond = src.condition(op);
      const target = at + op.imm;
      at += op.len;
      if (target === pc) {
        tail = loopTail(cond, n, pc) + ` h.pc = ${at}; nk = ${n}; break L;`;
        break;
      }
      // A side exit; the block goes on with the fall-through path.
      src.body.push(`if (${cond}) { h.pc = ${target}; nk = ${n}; break L; }`);
    } else {
      src.add(op, at, k, op.fn === rv64i.nop);
      at += op.len;
    }
    const o = at - page;
    // Stop at the page end (a 32-bit instruction may straddle it) and before what is not compiled.
    if (n >= MAX_INSNS || o > 4092) break;
    op = h.cachedOp(o) ?? h.decodeAt(at);
    if (!compilable(op.name)) break;
  }
  if (tail === '') tail = `h.pc = ${at}; nk = ${n}; break L;`;
  const fn = assemble(src, tail, pc, n);
  return { pc, n, start: pc & 4095, bytes: at - pc, op: first, fn, s0: null, s1: null, s2: null, s3: null, epoch: -1 };
}

/** Back to the block's start when `cond` holds: another pass inside the function if it fits the budget. */
function loopTail(cond: string, n: number, start: number): string {
  return `if (${cond}) { ic += ${n}; if (ic + ${n} > h.end) { h.pc = ${start}; break L; } continue L; }`;
}

/** jal/jalr ending a block; a jal back to the block's start loops. */
function jumpTail(src: BlockSource, op: Op, pc: number, n: number, start: number): string {
  const s = src.jump(op, pc);
  src.body.push(s);
  if (op.name === 'jal' && pc + op.imm === start) return loopTail('true', n, start);
  return `h.pc = u1; nk = ${n}; break L;`;
}

function assemble(src: BlockSource, tail: string, pc: number, n: number): (h: Hart) => void {
  const used = [...src.used].sort((a, b) => a - b);
  const written = [...src.written].sort((a, b) => a - b);
  const load = used.map((r) => `l${r} = x[${2 * r}], h${r} = x[${2 * r + 1}]`).join(', ');
  const store = written.map((r) => `x[${2 * r}] = l${r}; x[${2 * r + 1}] = h${r};`).join(' ');
  const consts = src.consts.map((_, i) => `c${i}`).join(', ');
  const body = `
    const x = h.x, clock = h.clock;
    let ic = clock.icount, nk = 0, t1 = 0, t2 = 0, u1 = 0;
    ${load === '' ? '' : `let ${load};`}
    try {
      L: for (;;) {
        ${src.body.join('\n        ')}
        ${tail}
      }
    } catch (e) {
      ${store}
      throw e;
    }
    ${store}
    clock.icount = ic + nk;`;
  const name = `block_${(pc < 0 ? pc + 2 ** 64 : pc).toString(16)}_${n}`;
  const mem = Object.keys(BLOCK_MEM);
  const factory = new Function(...mem, consts, `"use strict"; return (function ${name}(h) {${body}\n});`);
  return factory(...Object.values(BLOCK_MEM), ...src.consts) as (h: Hart) => void;
}

/** Whether a breakpoint lies on one of the block's instructions (it then runs interpreted). */
export function blockHasBreakpoint(b: Block, breakpoints: Set<number>): boolean {
  const end = b.pc + b.bytes;
  for (const a of breakpoints) if (a >= b.pc && a < end) return true;
  return false;
}
