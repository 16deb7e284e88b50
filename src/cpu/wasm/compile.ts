/**
 * The wasm tier of the block compiler (`--jit=wasm`): the same blocks as block.ts (a hot run of
 * instructions on one code page up to a jump, side exits on the way, loops back to the start
 * inside the function while the budget allows), compiled to a WebAssembly function with native
 * i64 arithmetic instead of JavaScript on int32 pairs. The result is a Block like the JS
 * compiler's, so the hart's run loop, block links, breakpoint checks and code invalidation
 * treat both alike.
 *
 * Counting stays exact as in block.ts: the function returns the instructions it ran, a memory
 * helper that takes the slow path first makes pc and icount exact (its icount argument is
 * relative to the block's entry), and the register file lives in memory, so nothing is lost
 * when a helper throws a trap through the wasm frames.
 *
 * RV64IM, AMOs, F/D (gen-fp.ts: inline in round-to-nearest on ordinary operands, else
 * the handler) and sstatus accesses (gen-csr.ts: inline unless they trap, change FS, SUM or MXR,
 * or make an interrupt deliverable) are compiled to wasm; other CSR accesses, LR/SC and the instructions that end
 * a block with a trap or an xRET call their interpreter handlers (as the JS block compiler
 * does), so a kernel's blocks run on through them; wfi and fence.i end a block before them
 * (the interpreter runs them). A block where V8 rejects the module is the JS block
 * compiler's (logged under DEBUG=rvrr:jit), as are blocks starting at an F/D instruction
 * while setWasmFp(false).
 */
import createDebug from 'debug';
import './types.js';
import type { Hart } from '../hart.js';
import type { Op } from '../op.js';
import { compileBlock, type Block } from '../block.js';
import { LB, LBU, LH, LHU, LW, LD, SB, SH, SW, SD } from '../block-mem.js';
import { ModuleBuilder, Code, I32, I64, F64, OP } from './encoder.js';
import { BlockEmitter, LOADS, STORES, WASM_BRANCHES, WASM_CALLS, WASM_TAILS, wasmCompilable, mulhuBody, FN_DISPATCH, HELPERS, TYPE_LOAD, TYPE_STORE, TYPE_MULHU, TYPE_EXEC, TYPE_BLOCK, TYPE_DISPATCH } from './gen.js';
import { FP_NAMES } from './gen-fp.js';
import { inlineSstatus } from './gen-csr.js';
import { WASM_CHAIN, WASM_EPOCH, WASM_JCACHE, WASM_NPC, WASM_STOP, WASM_TLB, JCACHE_ENTRIES } from './area.js';

const log = createDebug('rvrr:jit');

/** Most instructions in one block (as block.ts). */
const MAX_INSNS = 64;
/** Most instructions one call runs (the function counts in i32). */
const MAX_BUDGET = 1 << 30;

/**
 * Blocks compiled to wasm, the modules holding them (and how many V8 compiled: harts share them), fallbacks to the JS compiler, and loads/stores that missed the
 * inline probe (called the JS helper), and instructions run through their handlers (calls; fpCalls of them F/D), for tests and the benchmark.
 */
export const wasmStats = { blocks: 0, modules: 0, compiles: 0, fallbacks: 0, failures: 0, misses: 0, calls: 0, fpCalls: 0 };

/** Icount at the entry of the wasm block running now (helpers get icounts relative to it). */
let entryIcount = 0;

type Imports = Record<string, WebAssembly.ImportValue>;
const hartImports = new WeakMap<Hart, Imports>();


/**
 * The elements of a hart's function table holding blocks (after the helpers): the jump cache
 * names blocks by them. A dropped block's element is emptied and reused; the jump cache
 * cannot name it meanwhile (dropping code renews every epoch, Memory.codeChanged).
 */
interface Slots { tbl: WebAssembly.Table; free: number[]; size: number }
const hartSlots = new WeakMap<Hart, Slots>();

function takeSlot(h: Hart, fn: unknown): number {
  const s = hartSlots.get(h)!;
  let k = s.free.pop();
  if (k === undefined) {
    if (s.size === s.tbl.length) s.tbl.grow(Math.max(64, s.size));
    k = s.size++;
  }
  s.tbl.set(k, fn);
  return k;
}

function freeSlot(h: Hart, k: number): void {
  const s = hartSlots.get(h)!;
  s.tbl.set(k, null);
  s.free.push(k);
}
/**
 * The ops blocks run through their handlers, by the number a block passes to the exec helper.
 * An op is a pure function of its encoding, so one number serves every copy of an instruction
 * on every hart (the table grows with the distinct encodings compiled, not with code pages
 * decoded again), and harts compiling the same code make the same module.
 */
const opIds = new Map<number, number>();
const opList: Op[] = [];
/** Per op number: 1 for an F/D instruction (counted in wasmStats.fpCalls). */
const opFp: number[] = [];

function opId(op: Op): number {
  const key = (op.raw >>> 0) + op.len * 2 ** 32;
  let id = opIds.get(key);
  if (id === undefined) { id = opList.length; opList.push(op); opFp.push(FP_NAMES.has(op.name) ? 1 : 0); opIds.set(key, id); }
  return id;
}

/**
 * Compiled modules by their bytes. A module names its hart's wasm area only through its
 * imported global 0, so the harts of an SMP guest running the same kernel code share one
 * compilation (V8's fixed cost per module is most of what a block costs) and only
 * instantiate it each. Bounded: the least recently used go first.
 */
const modules = new Map<string, WebAssembly.Module>();
/** Harts compile the same code close together in time: a few hundred modules cover that without keeping dead code's compilations for long. */
const MAX_MODULES = 512;

function compiled(bytes: Uint8Array): WebAssembly.Module {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  let mod = modules.get(key);
  if (mod === undefined) {
    mod = new WebAssembly.Module(bytes);
    if (modules.size >= MAX_MODULES) modules.delete(modules.keys().next().value!);
    wasmStats.compiles++;
  } else modules.delete(key);
  modules.set(key, mod);
  return mod;
}

/** The memory and helpers a hart's wasm blocks import (made once per hart). */
function importsFor(h: Hart): Imports {
  let im = hartImports.get(h);
  if (im !== undefined) return im;
  const x = h.x;
  // A helper finding the hart asking to leave also stops the module's chaining (WASM_STOP).
  const stop = new Int32Array(h.wasmMem.buffer, h.wasmBase + WASM_STOP, 1);
  const npc = new Float64Array(h.wasmMem.buffer, h.wasmBase + WASM_NPC, 1);
  const tlbSet = new Int32Array(h.wasmMem.buffer, h.wasmBase + WASM_TLB, 1);
  const flag = () => (h.irqCheck ? (stop[0] = 1) : 0);
  const st = wasmStats;
  const ops = opList;
  const clock = h.clock;
  const sx = (rd: number, v: number) => { if (rd !== 0) { x[2 * rd] = v; x[2 * rd + 1] = v >> 31; } return flag(); };
  const zx = (rd: number, v: number) => { if (rd !== 0) { x[2 * rd] = v; x[2 * rd + 1] = 0; } return flag(); };
  im = {
    mem: h.wasmMem,
    lb: (va: number, pc: number, k: number, rd: number) => (st.misses++, sx(rd, LB(h, va, pc, entryIcount + k))),
    lh: (va: number, pc: number, k: number, rd: number) => (st.misses++, sx(rd, LH(h, va, pc, entryIcount + k))),
    lw: (va: number, pc: number, k: number, rd: number) => (st.misses++, sx(rd, LW(h, va, pc, entryIcount + k))),
    lbu: (va: number, pc: number, k: number, rd: number) => (st.misses++, zx(rd, LBU(h, va, pc, entryIcount + k))),
    lhu: (va: number, pc: number, k: number, rd: number) => (st.misses++, zx(rd, LHU(h, va, pc, entryIcount + k))),
    lwu: (va: number, pc: number, k: number, rd: number) => (st.misses++, zx(rd, LW(h, va, pc, entryIcount + k))),
    ld: (va: number, pc: number, k: number, rd: number) => {
      st.misses++;
      LD(h, va, pc, entryIcount + k);
      if (rd !== 0) { x[2 * rd] = h.rlo; x[2 * rd + 1] = h.rhi; }
      return flag();
    },
    sb: (va: number, lo: number, _hi: number, pc: number, k: number) => { st.misses++; SB(h, va, lo, pc, entryIcount + k); return flag(); },
    sh: (va: number, lo: number, _hi: number, pc: number, k: number) => { st.misses++; SH(h, va, lo, pc, entryIcount + k); return flag(); },
    sw: (va: number, lo: number, _hi: number, pc: number, k: number) => { st.misses++; SW(h, va, lo, pc, entryIcount + k); return flag(); },
    sd: (va: number, lo: number, hi: number, pc: number, k: number) => { st.misses++; SD(h, va, lo, hi, pc, entryIcount + k); return flag(); },
    // A handler that switched the translation context (an mstatus write of MPRV, SUM or MXR)
    // also ends the block: its code read the old context's TLB mirror into a local.
    ex: (id: number, pc: number, k: number) => {
      const op = ops[id], t = tlbSet[0];
      st.calls++;
      st.fpCalls += opFp[id];
      h.pc = pc; clock.icount = entryIcount + k;
      op.fn(h, op);
      return tlbSet[0] !== t ? (stop[0] = 1) : flag();
    },
    tail: (id: number, pc: number, k: number) => {
      const op = ops[id];
      h.pc = pc; clock.icount = entryIcount + k; h.npc = pc + op.len;
      op.fn(h, op);
      npc[0] = h.npc;
      return (stop[0] = 1);
    },
  };
  im = { ...helperModule(im), base: h.wasmBase };
  hartImports.set(h, im);
  const blocks = im.blocks as WebAssembly.Table;
  hartSlots.set(h, { tbl: blocks, free: [], size: 0 });
  delete im.blocks;
  return im;
}

/**
 * Most blocks in one module. V8 spends some 0.3-0.5 ms on every module whatever its size (a
 * block's own code costs a few tens of microseconds), and a guest such as CoreMark makes
 * hundreds of blocks: so a hot block's module also holds the blocks it exits to on its page.
 */
const MAX_MODULE_BLOCKS = 16;

/**
 * Compile the block at `pc` (on the hart's current fetch page, `first` its op) to wasm, or,
 * when it cannot start with integer code or the module fails, with the JS block compiler.
 * Blocks at the places it exits to on the same page (branch targets, the fall-through, a
 * call's return address) that have none yet are compiled into the same module, breadth
 * first, and attached to their first ops as if they had become hot.
 */
export function compileWasmBlock(h: Hart, pc: number, first: Op): Block | null {
  if (!wasmCompilable(first.name)) { wasmStats.fallbacks++; return compileBlock(h, pc, first); }
  let bytes: Uint8Array | undefined;
  try {
    const page = pc - (pc & 4095);
    const bodies = [emitBlock(h, pc, first)];
    const seen = new Set([pc]);
    for (let q = 0; q < bodies.length && bodies.length < MAX_MODULE_BLOCKS; q++) {
      for (const t of bodies[q].exits) {
        const o = t - page;
        // Not at the page's last halfword: decoding there could translate the next page.
        if (bodies.length >= MAX_MODULE_BLOCKS || seen.has(t) || o < 0 || o > 4092) continue;
        seen.add(t);
        const op = h.cachedOp(o) ?? h.decodeAt(t);
        if (op.block === undefined && wasmCompilable(op.name)) bodies.push(emitBlock(h, t, op));
      }
    }
    let blocks: Block[];
    try {
      bytes = moduleOf(bodies);
      blocks = instantiate(h, bytes, bodies);
    } catch (e) {
      if (bodies.length === 1) throw e;
      log('wasm module of %d blocks at 0x%s failed: %s; compiling the block alone', bodies.length, hex(pc), e);
      bytes = moduleOf(bodies.slice(0, 1));
      blocks = instantiate(h, bytes, bodies.slice(0, 1));
    }
    for (const b of blocks.slice(1)) { b.op.block = b; h.addBlock(b); h.blocksCompiled++; }
    wasmStats.blocks += blocks.length;
    wasmStats.modules++;
    return blocks[0];
  } catch (e) {
    wasmStats.failures++;
    log('wasm block at 0x%s failed (%s bytes): %s; using the JS block compiler', hex(pc), bytes?.length ?? '?', e);
    return compileBlock(h, pc, first);
  }
}

function hex(pc: number): string {
  return (pc < 0 ? pc + 2 ** 64 : pc).toString(16);
}

/** One block's function: its body, its pc, op, instructions per pass, end, and where it exits to. */
interface BlockBody { code: Code; pc: number; op: Op; n: number; end: number; exits: number[] }

/** A module of the blocks' functions and their dispatcher, exported as `run(budget, block)`. */
function moduleOf(bodies: readonly BlockBody[]): Uint8Array {
  const m = new ModuleBuilder();
  if (m.typeIndex(LOAD_TYPE) !== TYPE_LOAD || m.typeIndex(STORE_TYPE) !== TYPE_STORE || m.typeIndex(MULHU_TYPE) !== TYPE_MULHU ||
    m.typeIndex(EXEC_TYPE) !== TYPE_EXEC || m.typeIndex(BLOCK_TYPE) !== TYPE_BLOCK || m.typeIndex(DISPATCH_TYPE) !== TYPE_DISPATCH) {
    throw new Error('wasm block: type indices');
  }
  m.importTable(HELPERS);
  m.importBase();
  const first = m.nextFunc;
  bodies.forEach((b, j) => m.func(BLOCK_TYPE, b.code, `b${j}`));
  m.func(BLOCK_TYPE, dispatcher(bodies, first), 'run');
  return m.encode();
}

/**
 * run(budget, j): block j, then, while the block that ran exits to the start of another block
 * of the module, that one, as Hart.runChain would (without returning to JavaScript): only
 * while chaining is allowed (WASM_CHAIN: no breakpoints or execute triggers), no helper saw
 * the hart ask to leave (WASM_STOP: interrupt check, code or translations changed), and the
 * next block fits in what is left of the budget. Returns the instructions run in all.
 * The blocks of a module share their page and are dropped together (Memory.invalidateSlots),
 * so one that runs can only chain to blocks still valid.
 */
function dispatcher(bodies: readonly BlockBody[], first: number): Code {
  const c = new Code(2);
  const budget = 0, cur = 1;
  const total = c.local(I32), next = c.local(I32);
  const k = bodies.length;
  const index = new Map(bodies.map((b, i) => [b.pc, i]));
  c.base().i32(0).mem(OP.i32Store, 2, WASM_STOP);
  c.loop();
  c.block();
  for (let j = 0; j < k; j++) c.block();
  c.get(cur).brTable(bodies.map((_, j) => j), k - 1);
  for (let j = 0; j < k; j++) {
    c.end();
    // Here for block j, inside the blocks of j + 1 .. k - 1 and the one all leave by.
    c.get(budget).get(total).op(OP.i32Sub).get(total).call(first + j).get(total).op(OP.i32Add).set(total);
    c.i32(-1).set(next);
    c.base().mem(OP.i32Load, 2, WASM_CHAIN).base().mem(OP.i32Load, 2, WASM_STOP).op(OP.i32Eqz, OP.i32And).if();
    for (const pc of new Set(bodies[j].exits)) {
      const t = index.get(pc);
      if (t === undefined) continue;
      c.base().mem(OP.f64Load, 3, WASM_NPC).f64(pc).op(OP.f64Eq);
      c.get(total).i32(bodies[t].n).op(OP.i32Add).get(budget).op(OP.i32LeU, OP.i32And);
      c.if().i32(t).set(next).end();
    }
    c.end();
    if (j < k - 1) c.br(k - 1 - j);
  }
  c.end();
  c.get(next).i32(0).op(OP.i32GeS).if().get(next).set(cur).br(1).end();
  c.end();
  jumpCache(c, budget, total);
  c.get(total);
  return c;
}

/**
 * Where the blocks of the module exit elsewhere: on into blocks of other modules, while the
 * jump cache has one for the pc left at (made under the current fetchEpoch, so for the
 * current translations and code), chaining is allowed, nothing asked to leave and it fits
 * the budget. Each is called by its slot in the hart's block table, through the dispatch
 * helper (the one instance that imports that table: see helperModule).
 */
function jumpCache(c: Code, budget: number, total: number): void {
  const pc = c.local(F64), e = c.local(I32), w = c.local(I32);
  c.block().loop();
  c.base().mem(OP.i32Load, 2, WASM_CHAIN).base().mem(OP.i32Load, 2, WASM_STOP).op(OP.i32Eqz, OP.i32And, OP.i32Eqz).brIf(1);
  c.base().mem(OP.f64Load, 3, WASM_NPC).tee(pc);
  // jcacheIndex: the low word of the pc as an integer (saturating: never a wasm trap).
  c.op(0xfc, 0x06, OP.i32WrapI64).i32(1).op(OP.i32ShrU).i32(JCACHE_ENTRIES - 1).op(OP.i32And).i32(4).op(OP.i32Shl).base().op(OP.i32Add).set(e);
  c.get(e).mem(OP.f64Load, 3, WASM_JCACHE).get(pc).op(OP.f64Eq);
  c.get(e).mem(OP.i32Load, 2, WASM_JCACHE + 8).base().mem(OP.i32Load, 2, WASM_EPOCH).op(OP.i32Eq, OP.i32And, OP.i32Eqz).brIf(1);
  c.get(e).mem(OP.i32Load, 2, WASM_JCACHE + 12).set(w);
  c.get(total).get(w).i32(255).op(OP.i32And, OP.i32Add).get(budget).op(OP.i32GtU).brIf(1);
  c.get(budget).get(total).op(OP.i32Sub).get(total).get(w).i32(8).op(OP.i32ShrU).i32(FN_DISPATCH).callIndirect(TYPE_DISPATCH);
  c.get(total).op(OP.i32Add).set(total);
  c.br(0);
  c.end().end();
}

/** Instantiate a module of `bodies` and wrap each of its blocks as a Block (one group). */
function instantiate(h: Hart, bytes: Uint8Array, bodies: readonly BlockBody[]): Block[] {
  const exports = new WebAssembly.Instance(compiled(bytes), { env: importsFor(h) }).exports;
  const run = exports.run as (budget: number, block: number) => number;
  const npc = new Float64Array(h.wasmMem.buffer, h.wasmBase + WASM_NPC, 1);
  const clock = h.clock;
  const group: Block[] = [];
  for (const [k, b] of bodies.entries()) {
    const fn = (hh: Hart) => {
      const ic = clock.icount;
      entryIcount = ic;
      const left = hh.end - ic;
      const ran = run(left < MAX_BUDGET ? left : MAX_BUDGET, k);
      clock.icount = ic + ran;
      hh.pc = npc[0];
    };
    const slot = takeSlot(h, exports[`b${k}`]);
    let live = true;
    const release = () => { if (live) { live = false; freeSlot(h, slot); } };
    group.push({ pc: b.pc, n: b.n, start: b.pc & 4095, bytes: b.end - b.pc, op: b.op, fn, s0: null, s1: null, s2: null, s3: null, epoch: -1, group, slot, release });
  }
  return group;
}

/**
 * The function of one block: emitted twice, the first time only to learn which registers it
 * writes (those its calls to JavaScript must find in memory).
 */
function emitBlock(h: Hart, pc: number, first: Op): BlockBody {
  return emitPass(h, pc, first, emitPass(h, pc, first, new Set()).written);
}

function emitPass(h: Hart, pc: number, first: Op, dirty: ReadonlySet<number>): BlockBody & { written: ReadonlySet<number> } {
  const e = new BlockEmitter(dirty);
  const c = e.c;
  const page = pc - (pc & 4095);
  const exits: number[] = [];
  e.start();
  c.block().loop();
  let at = pc, n = 0, op = first, ended = false;
  for (;;) {
    const k = n;
    n++;
    if (WASM_TAILS.has(op.name)) {
      e.tail(at, k, n, opId(op));
      at += op.len;
      ended = true;
      break;
    }
    if (op.name === 'jal' || op.name === 'jalr') {
      e.jump(op, at);
      if (op.name === 'jal' && at + op.imm === pc) loopBack(e, n, pc, () => c.i32(1));
      if (op.name === 'jal') exits.push(at + op.imm);
      at += op.len;
      // A call: its return address starts a block once the callee returns.
      if (op.d !== 0) exits.push(at);
      c.i32(n).set(e.nk).br(1);
      ended = true;
      break;
    }
    if (WASM_BRANCHES.has(op.name)) {
      const target = at + op.imm;
      const branch = op;
      at += op.len;
      if (target === pc) {
        loopBack(e, n, pc, () => e.condition(branch));
        break;
      }
      exits.push(target);
      e.condition(op);
      c.if(); e.setNpc(target); c.i32(n).set(e.nk).br(2).end();
    } else if ((LOADS as readonly string[]).includes(op.name) || (STORES as readonly string[]).includes(op.name)) {
      e.memory(op, at, k, 1);
      at += op.len;
    } else if (FP_NAMES.has(op.name)) {
      e.fp(op, at, k, 1, opId(op));
      at += op.len;
    } else if (op.name.startsWith('amo')) {
      e.amo(op, at, k, 1, opId(op));
      at += op.len;
    } else if (inlineSstatus(op)) {
      e.sstatus(op, at, k, 1, opId(op));
      at += op.len;
    } else if (WASM_CALLS.has(op.name)) {
      e.exec(op, at, k, 1, opId(op));
      at += op.len;
    } else {
      e.alu(op, at);
      at += op.len;
    }
    const o = at - page;
    if (n >= MAX_INSNS || o > 4092) break;
    op = h.cachedOp(o) ?? h.decodeAt(at);
    if (!wasmCompilable(op.name)) break;
  }
  if (!ended) { e.setNpc(at); c.i32(n).set(e.nk); exits.push(at); }
  c.end().end();
  e.epilogue();
  c.get(e.done).get(e.nk).op(OP.i32Add);
  e.prologue();
  return { code: c, pc, op: first, n, end: at, exits, written: e.written };
}

const LOAD_TYPE = { params: [F64, F64, I32, I32], results: [I32] };
const STORE_TYPE = { params: [F64, I32, I32, F64, I32], results: [I32] };
const MULHU_TYPE = { params: [I64, I64], results: [I64] };
const EXEC_TYPE = { params: [I32, F64, I32], results: [I32] };
/** A block's function (and a module's dispatcher): (budget, instructions run before it) -> instructions run. */
const BLOCK_TYPE = { params: [I32, I32], results: [I32] };
/** The dispatch helper: (budget, instructions run before, slot of the block) -> instructions run. */
const DISPATCH_TYPE = { params: [I32, I32, I32], results: [I32] };

/**
 * The helpers as a table of wasm functions, from one module per hart that imports the JS ones
 * and forwards to them (and defines mulhu and dispatch). Block modules call them with
 * call_indirect: a module importing any function cost V8 some 200 us more to compile
 * (measured on Node 20), one importing a table nothing. The helper table never changes after
 * this. The blocks themselves are in a second table that only this module imports, and its
 * `dispatch` calls them: V8 gives every instance importing a table its own copy of the
 * table's entries, so instantiating a module cost time in proportion to the table's size
 * (about 190 us at 1,024 elements against 23 us at 32) and setting an element cost time in
 * proportion to the instances importing it (100 us and more with a few thousand blocks), when
 * the block modules imported the blocks' table themselves.
 */
function helperModule(js: Imports): Imports {
  const m = new ModuleBuilder();
  const names = [...LOADS, ...STORES, 'ex', 'tail'];
  const typeOf = (k: number) => (k < LOADS.length ? LOAD_TYPE : k < LOADS.length + STORES.length ? STORE_TYPE : EXEC_TYPE);
  names.forEach((name, k) => m.importFunc(name, typeOf(k)));
  m.importTable(1);
  names.forEach((name, k) => {
    const t = typeOf(k);
    const c = new Code(t.params.length);
    for (let p = 0; p < t.params.length; p++) c.get(p);
    c.call(k);
    m.func(t, c, name);
  });
  m.func(MULHU_TYPE, mulhuBody(), 'mulhu');
  const d = new Code(3);
  d.get(0).get(1).get(2).callIndirect(m.typeIndex(BLOCK_TYPE));
  m.func(DISPATCH_TYPE, d, 'dispatch');
  const blocks = new WebAssembly.Table({ initial: 64, element: 'anyfunc' });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(m.encode()), { env: { ...js, tbl: blocks } }).exports;
  const tbl = new WebAssembly.Table({ initial: HELPERS, element: 'anyfunc' });
  // Table order (gen.ts): loads, stores, mulhu, then the handlers' helpers and dispatch.
  [...LOADS, ...STORES, 'mulhu', 'ex', 'tail', 'dispatch'].forEach((name, k) => tbl.set(k, ex[name]));
  return { mem: js.mem, tbl, blocks };
}

/**
 * A jump back to the block's start when `cond` holds: another pass if it fits the budget,
 * else leave at the start with the passes so far counted.
 */
function loopBack(e: BlockEmitter, n: number, start: number, cond: () => void): void {
  const c = e.c;
  cond();
  c.if();
  c.get(e.done).i32(n).op(OP.i32Add).set(e.done);
  c.get(e.done).i32(n).op(OP.i32Add).get(e.budget).op(OP.i32GtU).if();
  e.setNpc(start); c.i32(0).set(e.nk).br(3);
  c.end();
  c.br(1);
  c.end();
}
