/**
 * Memory access of a hart. Fast path: direct-mapped TLBs mapping a virtual page to the RAM
 * page's typed arrays (read, write and fetch separately). Slow path: address translation
 * (mmu.ts), watchpoints, page-crossing and MMIO accesses through the Bus, access faults.
 * Write entries are made only for private RAM pages that hold no decoded code, so a store
 * through the TLB never needs a copy-on-write or a code-cache check; a store to a code page
 * takes the slow path and forgets only the decoded instructions it overlaps.
 */
import type { Bus } from '../bus/bus.js';
import type { PagedRam } from '../bus/ram.js';
import type { Watchpoint, WatchHit } from '../machine/types.js';
import type { Op } from './op.js';
import type { Block } from './block.js';
import { CSR, EXC, MSTATUS_MPRV, PRV_M } from './csr-defs.js';
import { walk, PAGE_FAULT } from './mmu.js';
import { TlbSet, TLB_MASK, TLB_SETS, tlbContext, MIRROR_BYTES, type UsedList } from './tlb.js';
import { WASM_AREA, WASM_CSR, WASM_MIPHW, WASM_PRIV, WASM_MSTATUS, WASM_CHAIN, WASM_EPOCH, WASM_JCACHE, WASM_MIRRORS, WASM_TLB, JCACHE_ENTRIES, jcacheIndex } from './wasm/area.js';
import { pageTableWatch, type PageTableWatch, type PageTableClient } from './pt-watch.js';
import { codeWatch, type CodeWatch, type CodeClient } from './code-watch.js';
import { decode16, decode32 } from './decode.js';
import { Triggers, TRIG_LOAD, TRIG_STORE, TRIG_AMO } from './trigger.js';

/** Thrown (as this exact object) to end a step with an exception; see Hart.raise. */
export const TRAP = { signal: 'trap' };
/** Thrown when an access hits a watchpoint before it executes. */
export const WATCH = { signal: 'watch' };

export const ACC_R = 0, ACC_W = 1, ACC_X = 2;
/** Kinds of atomic accesses for amoTranslate. */
export const AMO_LR = 0, AMO_RMW = 1;

export { TLB_MASK };
/** tlbContext of M mode without MPRV: fetch and data untranslated. */
const PURE_M = tlbContext(PRV_M, 0);
const TWO32 = 4294967296;
const TWO64 = 18446744073709551616;


export abstract class Memory implements PageTableClient, CodeClient {
  readonly ram: PagedRam;
  protected readonly ramBase: number;
  protected readonly ramEnd: number;
  /**
   * CSR storage: csr[2*n] low word, csr[2*n+1] high word of CSR n (plain registers only). In
   * the hart's wasm area (wasm/area.ts), as are mstatus, priv and mipHw: wasm code reads and
   * writes sstatus in place and sees from them whether an interrupt became deliverable.
   */
  readonly csr: Int32Array;
  /** mstatus bits 31:0 (bits 63:32 are constant: UXL, SXL, SD computed). */
  get mstatus(): number { return this.wasmI32[WASM_MSTATUS >> 2]; }
  set mstatus(v: number) { this.wasmI32[WASM_MSTATUS >> 2] = v; }
  /** mip bits driven by device lines (setPending). */
  get mipHw(): number { return this.wasmI32[WASM_MIPHW >> 2]; }
  set mipHw(v: number) { this.wasmI32[WASM_MIPHW >> 2] = v; }
  /** The privilege mode (PRV_U, PRV_S, PRV_M). */
  get priv(): number { return this.wasmI32[WASM_PRIV >> 2]; }
  set priv(v: number) { this.wasmI32[WASM_PRIV >> 2] = v; }
  watchpoints: Watchpoint[] = [];
  lastWatch: WatchHit | undefined = undefined;
  /** True during a run() with watchpoints: the data TLB is bypassed so every access is checked. */
  watching = false;
  /** The guest's debug triggers (Sdtrig, trigger.ts); separate from gdb's breakpoints and watchpoints. */
  readonly triggers = new Triggers();
  /** Some execute trigger is armed: the run loop checks each pc (and runs no block holding one). */
  trigExec = false;
  /** Some load/store trigger is armed: the data TLB is bypassed, so every access is checked. */
  trigData = false;
  ignoreStop = false;
  irqCheck = true;
  /** Result of 64-bit loads (low, high words). */
  rlo = 0;
  rhi = 0;

  // The current TLB set (tlb.ts), its arrays as fields: the fast paths here and the memory
  // helpers of compiled blocks (block-mem.ts) read them directly; only this class fills them.
  rTag!: Float64Array;
  rU8!: Uint8Array[];
  rI32!: Int32Array[];
  private rPage!: Int32Array;
  wTag!: Float64Array;
  wU8!: Uint8Array[];
  wI32!: Int32Array[];
  private wPage!: Int32Array;
  private xTag!: Float64Array;
  private xPage!: Int32Array;
  private rUsed!: UsedList;
  private wUsed!: UsedList;
  private xUsed!: UsedList;
  /** The TLB sets, one per recent translation context, and the current one. */
  private readonly tlbs: TlbSet[] = Array.from({ length: TLB_SETS }, () => new TlbSet());
  private tlb!: TlbSet;
  private tlbUses = 0;
  /** tlbUses at the last writablePages (snapshot). */
  private snapshotUse = 0;
  /** The page-table pages of every hart on this RAM (pt-watch.ts): what keeps the TLBs coherent. */
  readonly pt: PageTableWatch;
  /** The code pages of every hart on this RAM (code-watch.ts): a store by any hart reaches them all. */
  readonly code: CodeWatch;
  private readonly codeBit: number;
  /** Set while a page walk stores A/D bits: that store changes no translation. */
  walkStore = false;
  /**
   * The memory holding this hart's wasm area (wasm/area.ts), and the area's byte offset in it: the arena of
   * RAM when it had room (then wasm code reaches guest pages inline), else a memory of its own.
   */
  readonly wasmMem: WebAssembly.Memory;
  readonly wasmBase: number;
  private readonly wasmI32: Int32Array;
  /** The jump cache (wasm/area.ts), as f64 and i32 words. */
  private readonly jcF64: Float64Array;
  private readonly jcI32: Int32Array;

  /** Decoded instructions per RAM page (2048 halfword slots), and which pages have any. */
  private codeCache: (Op[] | undefined)[];
  private isCode: Uint8Array;
  /** Decoded instructions held per page: at 0 after stores, the page stops being code. */
  private codeLive: Int32Array;
  /** Compiled blocks per RAM page (each lies within its page), to drop those a store overlaps. */
  private pageBlocks: (Block[] | undefined)[];
  /**
   * The page buffer each code page's ops were decoded from. Stores keep ops and buffer in step
   * (a copy-on-write store moves this to the new buffer), so after a snapshot restore a page
   * whose buffer is still this one holds the same bytes and keeps its ops and blocks.
   */
  private codeSrc: (Uint8Array | undefined)[];
  /** Pages that have (or had) decoded code, each once (codeListed), for restoreCaches. */
  private codePages: number[] = [];
  private codeListed: Uint8Array;
  /** Scratch marks per RAM page (zero between uses). */
  private pageMarks: Uint8Array;
  /**
   * The current TLB set's epoch (TlbSet.epoch): links between compiled blocks made under
   * another epoch are not followed. A set keeps its epoch while its translations and the
   * compiled code stand, so a kernel's links survive the trips to user mode and back.
   */
  fetchEpoch = 0;
  /** Epochs handed out so far. */
  private epochs = 0;
  /** The compiled block that ran last, if nothing ran since (see Hart.runChain). */
  lastBlock: Block | null = null;
  /** The page the run loop is fetching from: its virtual base and decoded slots. */
  fetchBase = NaN;
  fetchOps: Op[] | null = null;
  protected fetchPage = -1;

  constructor(readonly bus: Bus) {
    this.ram = bus.ram;
    this.ramBase = bus.ram.base;
    this.ramEnd = bus.ram.base + bus.ram.size;
    this.codeCache = new Array(bus.ram.pageCount).fill(undefined);
    this.isCode = new Uint8Array(bus.ram.pageCount);
    this.codeLive = new Int32Array(bus.ram.pageCount);
    this.pageBlocks = new Array(bus.ram.pageCount).fill(undefined);
    this.codeSrc = new Array(bus.ram.pageCount).fill(undefined);
    this.codeListed = new Uint8Array(bus.ram.pageCount);
    this.pageMarks = new Uint8Array(bus.ram.pageCount);
    const arena = bus.ram.arena;
    const at = arena?.alloc(WASM_AREA, 65536) ?? -1;
    this.wasmMem = at >= 0 ? arena!.memory : new WebAssembly.Memory({ initial: Math.ceil(WASM_AREA / 65536) });
    this.wasmBase = at >= 0 ? at : 0;
    const buf = this.wasmMem.buffer;
    this.wasmI32 = new Int32Array(buf, this.wasmBase, WASM_MIRRORS >> 2);
    this.csr = new Int32Array(buf, this.wasmBase + WASM_CSR, 2 * 4096);
    this.priv = PRV_M;
    this.jcF64 = new Float64Array(buf, this.wasmBase + WASM_JCACHE, 2 * JCACHE_ENTRIES);
    this.jcI32 = new Int32Array(buf, this.wasmBase + WASM_JCACHE, 4 * JCACHE_ENTRIES);
    // No pc equals NaN: an empty entry never matches.
    for (let i = 0; i < JCACHE_ENTRIES; i++) this.jcF64[2 * i] = NaN;
    this.tlbs.forEach((t, k) => t.attachMirror(buf, this.wasmBase + WASM_MIRRORS + k * MIRROR_BYTES));
    this.useTlb(this.tlbs[0]);
    this.pt = pageTableWatch(bus.ram);
    this.pt.add(this);
    this.code = codeWatch(bus.ram);
    this.codeBit = this.code.add(this);
  }

  private useTlb(t: TlbSet): void {
    this.tlb = t;
    t.lastUse = ++this.tlbUses;
    if (t.generation !== this.ram.generation) { t.refreshAll(this.ram); t.generation = this.ram.generation; }
    this.rTag = t.rTag; this.rU8 = t.rU8; this.rI32 = t.rI32; this.rPage = t.rPage; this.rUsed = t.rUsed;
    this.wTag = t.wTag; this.wU8 = t.wU8; this.wI32 = t.wI32; this.wPage = t.wPage; this.wUsed = t.wUsed;
    this.xTag = t.xTag; this.xPage = t.xPage; this.xUsed = t.xUsed;
    this.wasmI32[WASM_TLB >> 2] = t.mirrorBase;
  }

  /** satp as it bears on translation: 0 when bare (its other fields then mean nothing). */
  private satpKey(): number {
    const hi = this.csr[2 * CSR.satp + 1];
    return (hi >>> 28) === 8 ? hi >>> 0 : 0;
  }

  /**
   * Privilege, MPRV/MPP, SUM, MXR or satp may have changed: make the set of the translation
   * context now in force current (the least recently used set, emptied, if none has it). The
   * sets of other address spaces keep their entries: the TLBs are coherent with the page
   * tables (pt-watch.ts), so an address space switched back to finds its translations.
   */
  protected tlbContextChanged(): void {
    const ctx = tlbContext(this.priv, this.mstatus);
    // Fully in M mode nothing is translated: one set whatever satp holds.
    const hi = ctx === PURE_M ? 0 : this.satpKey();
    const lo = hi === 0 ? 0 : this.csr[2 * CSR.satp];
    const t0 = this.tlb;
    if (ctx === t0.context && hi === t0.satpHi && lo === t0.satpLo) return;
    let t = this.tlbs.find((x) => x.context === ctx && x.satpHi === hi && x.satpLo === lo);
    if (t === undefined) {
      t = this.tlbs.reduce((a, b) => (b.lastUse < a.lastUse ? b : a));
      t.flush();
      t.epoch = ++this.epochs;
      t.generation = this.ram.generation;
      t.context = ctx; t.satpHi = hi; t.satpLo = lo;
    }
    this.useTlb(t);
    this.fetchEpoch = t.epoch;
    this.wasmI32[WASM_EPOCH >> 2] = t.epoch;
    this.fetchOps = null; this.fetchBase = NaN; this.fetchPage = -1;
  }

  abstract raise(cause: number, tval: number): never;

  // ---------------- fast paths ----------------
  loadU8(va: number): number {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.rTag[i] === va - o) return this.rU8[i][o];
    return this.loadSlow(va, 1);
  }
  loadU16(va: number): number {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.rTag[i] === va - o && o < 4095) { const u = this.rU8[i]; return u[o] | (u[o + 1] << 8); }
    return this.loadSlow(va, 2);
  }
  /** 32-bit load, result as int32. */
  load32(va: number): number {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.rTag[i] === va - o) {
      if ((o & 3) === 0) return this.rI32[i][o >> 2];
      if (o <= 4092) { const u = this.rU8[i]; return u[o] | (u[o + 1] << 8) | (u[o + 2] << 16) | (u[o + 3] << 24); }
    }
    return this.loadSlow(va, 4) | 0;
  }
  /** 64-bit load into rlo/rhi. */
  load64(va: number): void {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.rTag[i] === va - o && (o & 7) === 0) {
      const p = this.rI32[i];
      this.rlo = p[o >> 2];
      this.rhi = p[(o >> 2) + 1];
      return;
    }
    this.loadSlow(va, 8);
  }
  store8(va: number, v: number): void {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.wTag[i] === va - o) { this.wU8[i][o] = v; return; }
    this.storeSlow(va, 1, v, 0);
  }
  store16(va: number, v: number): void {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.wTag[i] === va - o && o < 4095) { const u = this.wU8[i]; u[o] = v; u[o + 1] = v >> 8; return; }
    this.storeSlow(va, 2, v, 0);
  }
  store32(va: number, v: number): void {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.wTag[i] === va - o && (o & 3) === 0) { this.wI32[i][o >> 2] = v; return; }
    this.storeSlow(va, 4, v, 0);
  }
  store64(va: number, lo: number, hi: number): void {
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (this.wTag[i] === va - o && (o & 7) === 0) {
      const p = this.wI32[i];
      p[o >> 2] = lo;
      p[(o >> 2) + 1] = hi;
      return;
    }
    this.storeSlow(va, 8, lo, hi);
  }

  // ---------------- slow paths ----------------
  /** Check the access [va, va+size) against the watchpoints; throws WATCH on a hit. kind: 0 load, 1 store, 2 AMO. */
  checkWatch(va: number, size: number, kind: number): void {
    if (this.ignoreStop) return;
    for (const w of this.watchpoints) {
      const match = w.kind === 'access' || kind === 2 || (kind === 1 ? w.kind === 'write' : w.kind === 'read');
      if (match && va < w.addr + w.len && w.addr < va + size) {
        this.lastWatch = { watch: w, accessAddr: va, accessSize: size, accessKind: kind === 0 ? 'read' : 'write' };
        throw WATCH;
      }
    }
  }

  /**
   * A guest load/store trigger on [va, va+size) fires before the access: a breakpoint exception
   * with tval 0 (QEMU 7.2). gdb's watchpoints are checked first (checkWatch), so gdb reports
   * its stop and the trigger fires when the access is executed again.
   */
  private checkTriggers(va: number, size: number, kind: number): void {
    if (this.triggers.dataHit(va, size, kind, this.priv)) this.raise(EXC.breakpoint, 0);
  }

  /**
   * The guest changed a trigger (tdata1/tdata2, or its state was loaded): recompute what the
   * run loop and the memory paths must check. Arming a load/store trigger empties the data
   * TLBs (no entries are made while one is armed), so that compiled code, whose fast path is
   * the TLB, reaches the checked slow path too.
   */
  triggersChanged(): void {
    const t = this.triggers;
    this.trigExec = t.anyExec;
    if (this.trigExec) this.wasmChain(false);
    const data = t.anyData;
    if (data && !this.trigData) this.flushDataTlb();
    this.trigData = data;
  }

  /**
   * Whether wasm blocks may run on into the blocks of their module they exit to, without the
   * run loop's checks between them: not with breakpoints or execute triggers (the run loop
   * sets it as it starts; arming a trigger clears it).
   */
  wasmChain(on: boolean): void {
    this.wasmI32[WASM_CHAIN >> 2] = on ? 1 : 0;
  }

  /** Virtual -> physical for a data or fetch access by the current privilege (MPRV for data). */
  xlate(va: number, acc: number): number {
    let prv = this.priv;
    if (acc !== ACC_X && (this.mstatus & MSTATUS_MPRV) !== 0) prv = (this.mstatus >>> 11) & 3;
    if (prv === PRV_M || (this.csr[2 * CSR.satp + 1] >>> 28) !== 8) return va < 0 ? va + TWO64 : va;
    const pa = walk(this, va, acc, prv, true);
    if (pa >= 0) return pa;
    const page = pa === PAGE_FAULT;
    if (acc === ACC_X) this.raise(page ? EXC.insnPage : EXC.insnAccess, va);
    if (acc === ACC_R) this.raise(page ? EXC.loadPage : EXC.loadAccess, va);
    return this.raise(page ? EXC.storePage : EXC.storeAccess, va);
  }

  /** Load of `size` bytes: unsigned for 1/2, int32 for 4; for 8, the value goes to rlo/rhi. */
  loadSlow(va: number, size: number): number {
    if (this.watching) this.checkWatch(va, size, 0);
    if (this.trigData) this.checkTriggers(va, size, TRIG_LOAD);
    if ((va & 4095) + size > 4096) {
      // Crosses a page: byte by byte (a fault on the second page reports its first byte).
      let lo = 0, hi = 0;
      for (let k = 0; k < size; k++) {
        const b = this.physLoad(this.xlate(va + k, ACC_R), 1, NaN, EXC.loadAccess, va + k);
        if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
      }
      this.rlo = lo; this.rhi = hi;
      return size < 4 ? lo : lo | 0;
    }
    return this.physLoad(this.xlate(va, ACC_R), size, va, EXC.loadAccess, va);
  }

  storeSlow(va: number, size: number, lo: number, hi: number): void {
    if (this.watching) this.checkWatch(va, size, 1);
    if (this.trigData) this.checkTriggers(va, size, TRIG_STORE);
    if ((va & 4095) + size > 4096) {
      // Translate both pages before writing anything, so a fault leaves memory unchanged.
      const split = 4096 - (va & 4095);
      const pa1 = this.xlate(va, ACC_W);
      const pa2 = this.xlate(va + split, ACC_W);
      for (let k = 0; k < size; k++) {
        const b = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
        this.physStore(k < split ? pa1 + k : pa2 + k - split, 1, b, 0, NaN, EXC.storeAccess, va + k);
      }
      return;
    }
    this.physStore(this.xlate(va, ACC_W), size, lo, hi, va, EXC.storeAccess, va);
  }

  /**
   * Physical load. `va` (or NaN) is the virtual address whose read-TLB entry may be filled;
   * `fault`/`tval` are raised when nothing answers at `pa`.
   */
  physLoad(pa: number, size: number, va: number, fault: number, tval: number): number {
    if (pa >= this.ramBase && pa + size <= this.ramEnd) {
      const off = pa - this.ramBase;
      const idx = Math.floor(off / 4096);
      const u = this.ram.readPageU8(idx);
      if (!this.watching && !this.trigData && va === va) {
        const i = (va >>> 12) & TLB_MASK;
        if (this.rPage[i] < 0) this.rUsed.add(i, this.rPage);
        this.rTag[i] = va - (va & 4095); this.rU8[i] = u; this.rI32[i] = this.ram.readPageI32(idx); this.rPage[i] = idx;
        this.tlb.syncR(i);
      }
      const o = off & 4095;
      if (size === 1) return u[o];
      if (size === 2) return u[o] | (u[o + 1] << 8);
      const lo = u[o] | (u[o + 1] << 8) | (u[o + 2] << 16) | (u[o + 3] << 24);
      if (size === 4) return lo;
      this.rlo = lo;
      this.rhi = u[o + 4] | (u[o + 5] << 8) | (u[o + 6] << 16) | (u[o + 7] << 24);
      return lo;
    }
    // MMIO: a device may change an interrupt line during the access.
    this.irqCheck = true;
    if (size === 8) {
      const lo = this.mmioRead(pa, 4, fault, tval);
      const hi = this.mmioRead(pa + 4, 4, fault, tval);
      this.rlo = lo | 0; this.rhi = hi | 0;
      return lo | 0;
    }
    const v = this.mmioRead(pa, size, fault, tval);
    return size === 4 ? v | 0 : v;
  }

  private mmioRead(pa: number, size: number, fault: number, tval: number): number {
    if ((pa & (size - 1)) !== 0) {
      let v = 0;
      for (let k = size - 1; k >= 0; k--) v = v * 256 + this.mmioRead(pa + k, 1, fault, tval);
      return v;
    }
    const v = this.bus.read(pa, size as 1 | 2 | 4);
    if (v === undefined) this.raise(fault, tval);
    return v;
  }

  physStore(pa: number, size: number, lo: number, hi: number, va: number, fault: number, tval: number): void {
    if (pa >= this.ramBase && pa + size <= this.ramEnd) {
      const off = pa - this.ramBase;
      const idx = Math.floor(off / 4096);
      // Decoded code of any hart (code-watch.ts).
      const code = this.code.harts[idx] !== 0;
      const pt = this.pt.mark[idx] !== 0;
      if (pt && !this.walkStore && this.overwritesValidPte(idx, off & 4095, size)) this.pt.changed();
      const wasPrivate = this.ram.isPrivate(idx);
      const g0 = this.ram.generation;
      const u = this.ram.writablePageU8(idx);
      if (code) this.code.stored(idx, off & 4095, size, u);
      if (!wasPrivate) {
        this.refreshReadTlb(idx);
        // Our own copy-on-write: this TLB now knows the new page, so it need not be flushed for
        // it (any other change since our last flush still is: the generation moved further).
        if (this.ram.generation === g0 + 1) for (const t of this.tlbs) if (t.generation === g0) t.generation = g0 + 1;
      }
      // No write entry for a page with decoded code or page tables: its stores must keep
      // invalidating slots, or translations.
      if (!this.watching && !this.trigData && va === va && !code && !pt) {
        const i = (va >>> 12) & TLB_MASK;
        if (this.wPage[i] < 0) this.wUsed.add(i, this.wPage);
        this.wTag[i] = va - (va & 4095); this.wU8[i] = u; this.wI32[i] = this.ram.writablePageI32(idx); this.wPage[i] = idx;
        this.tlb.syncW(i);
      }
      const o = off & 4095;
      u[o] = lo;
      if (size === 1) return;
      u[o + 1] = lo >>> 8;
      if (size === 2) return;
      u[o + 2] = lo >>> 16; u[o + 3] = lo >>> 24;
      if (size === 4) return;
      u[o + 4] = hi; u[o + 5] = hi >>> 8; u[o + 6] = hi >>> 16; u[o + 7] = hi >>> 24;
      return;
    }
    this.irqCheck = true;
    if (size === 8) {
      this.mmioWrite(pa, 4, lo, fault, tval);
      this.mmioWrite(pa + 4, 4, hi, fault, tval);
      return;
    }
    this.mmioWrite(pa, size, lo, fault, tval);
  }

  /** Whether a store to [o, o+size) of page-table page idx overlaps a PTE with V set. */
  private overwritesValidPte(idx: number, o: number, size: number): boolean {
    const p = this.ram.readPageI32(idx);
    return (p[(o & ~7) >> 2] & 1) !== 0 || (p[((o + size - 1) & ~7) >> 2] & 1) !== 0;
  }

  private mmioWrite(pa: number, size: number, v: number, fault: number, tval: number): void {
    if ((pa & (size - 1)) !== 0) {
      for (let k = 0; k < size; k++) this.mmioWrite(pa + k, 1, (v >>> (8 * k)) & 0xff, fault, tval);
      return;
    }
    if (!this.bus.write(pa, size as 1 | 2 | 4, v >>> 0)) this.raise(fault, tval);
  }

  /** Alignment, watchpoint and translation for LR/SC/AMO (store permission except LR); returns the physical address. */
  amoTranslate(va: number, size: number, kind: number): number {
    // QEMU 7.2 reports every misaligned atomic (LR, SC, AMO) as a load address misaligned.
    if ((va & (size - 1)) !== 0) this.raise(EXC.loadMisaligned, va);
    if (this.watching) this.checkWatch(va, size, kind === AMO_LR ? 0 : 2);
    if (this.trigData) this.checkTriggers(va, size, kind === AMO_LR ? TRIG_LOAD : TRIG_AMO);
    // The data TLBs hold what a walk would give (a write entry: W, A and D already checked):
    // spinlocks are AMOs, and a walk per acquire was a fifth of an SMP kernel's time.
    const o = va & 4095;
    const i = (va >>> 12) & TLB_MASK;
    if (kind === AMO_LR) {
      if (this.rTag[i] === va - o) return this.ramBase + this.rPage[i] * 4096 + o;
      return this.xlate(va, ACC_R);
    }
    if (this.wTag[i] === va - o) return this.ramBase + this.wPage[i] * 4096 + o;
    return this.xlate(va, ACC_W);
  }

  // ---------------- instruction fetch ----------------
  /** Fetch the op at pc when it is not on the current fetch page. */
  fetchSlow(pc: number): Op {
    const vpn = Math.floor(pc / 4096);
    const i = vpn & TLB_MASK;
    let idx: number;
    if (this.xTag[i] === vpn) {
      idx = this.xPage[i];
    } else {
      const pa = this.xlate(pc, ACC_X);
      if (!(pa >= this.ramBase && pa < this.ramEnd)) {
        this.fetchOps = null;
        this.fetchBase = NaN;
        return this.decodeFromBus(pc, pa);
      }
      idx = Math.floor((pa - this.ramBase) / 4096);
      if (this.xPage[i] < 0) this.xUsed.add(i, this.xPage);
      this.xTag[i] = vpn;
      this.xPage[i] = idx;
    }
    let ops = this.codeCache[idx];
    if (ops === undefined) {
      ops = new Array(2048);
      this.codeCache[idx] = ops;
      this.markCode(idx);
    }
    this.fetchBase = vpn * 4096;
    this.fetchOps = ops;
    this.fetchPage = idx;
    return ops[(pc & 4095) >> 1] ?? this.decodeAt(pc);
  }

  /** The cached op at page offset `o` of the current fetch page, if decoded. */
  cachedOp(o: number): Op | undefined {
    return this.fetchOps?.[o >> 1];
  }

  /** Remember a block compiled from the current fetch page (see block.ts). */
  addBlock(b: Block): void {
    (this.pageBlocks[this.fetchPage] ??= []).push(b);
  }

  /** Decode the instruction at pc on the current fetch page and cache it. */
  decodeAt(pc: number): Op {
    const o = pc & 4095;
    const u = this.ram.readPageU8(this.fetchPage);
    const lo16 = u[o] | (u[o + 1] << 8);
    const ops = this.fetchOps!;
    if (o <= 4092 || (lo16 & 3) !== 3) {
      if (ops[o >> 1] === undefined) this.codeLive[this.fetchPage]++;
      if ((lo16 & 3) !== 3) return (ops[o >> 1] = decode16(lo16));
      return (ops[o >> 1] = decode32(lo16 | (u[o + 2] << 16) | (u[o + 3] << 24), 4));
    }
    // The upper parcel is on the next page: translate it separately and do not cache.
    const pa2 = this.xlate(pc + 2, ACC_X);
    const hi16 = this.fetchParcel(pa2, pc + 2);
    return decode32(lo16 | (hi16 << 16), 4);
  }

  private fetchParcel(pa: number, va: number): number {
    if (pa >= this.ramBase && pa + 2 <= this.ramEnd) {
      const off = pa - this.ramBase;
      const u = this.ram.readPageU8(Math.floor(off / 4096));
      return u[off & 4095] | (u[(off & 4095) + 1] << 8);
    }
    const v = this.bus.read(pa, 2);
    if (v === undefined) this.raise(EXC.insnAccess, va);
    return v;
  }

  /** Fetch from ROM or other non-RAM memory (not cached). */
  private decodeFromBus(pc: number, pa: number): Op {
    const lo16 = this.fetchParcel(pa, pc);
    if ((lo16 & 3) !== 3) return decode16(lo16);
    const pa2 = (pc & 4095) === 4094 ? this.xlate(pc + 2, ACC_X) : pa + 2;
    return decode32(lo16 | (this.fetchParcel(pa2, pc + 2) << 16), 4);
  }

  private markCode(idx: number): void {
    this.isCode[idx] = 1;
    this.codeSrc[idx] = this.ram.readPageU8(idx);
    // A page dropped (DMA) and decoded again is listed once, however often that happens.
    if (this.codeListed[idx] === 0) { this.codeListed[idx] = 1; this.codePages.push(idx); }
    this.code.mark(idx, this.codeBit);
  }

  /** A store by this or another hart (CodeWatch.stored): ops and blocks over it go, the rest follows the buffer. */
  codeStored(idx: number, o: number, size: number, u: Uint8Array): void {
    if (this.isCode[idx] === 0) return;
    this.invalidateSlots(idx, o, size);
    if (this.isCode[idx] !== 0) this.codeSrc[idx] = u;
  }

  /**
   * A store of `size` bytes at offset `o` of code page idx: forget the decoded instructions it
   * may overlap (a 32-bit one may start 2 bytes before), keeping the rest of the page (code and
   * data often share a page).
   */
  private invalidateSlots(idx: number, o: number, size: number): void {
    const ops = this.codeCache[idx];
    if (ops === undefined) return;
    const last = (o + size - 1) >> 1;
    let gone = 0;
    for (let k = o > 1 ? (o >> 1) - 1 : 0; k <= last; k++) {
      if (ops[k] !== undefined) { gone++; ops[k] = undefined as unknown as Op; }
    }
    // Every decoded instruction overwritten (a freed page reused for data): the page is no
    // longer code, so its stores take the fast path again and its slot array is freed.
    if (gone > 0 && (this.codeLive[idx] -= gone) <= 0) {
      const blocks = this.pageBlocks[idx];
      if (blocks !== undefined) for (const b of blocks) { b.op.block = undefined; b.op.heat = 0; }
      if (blocks !== undefined && blocks.length > 0) this.irqCheck = true;
      this.dropCodePage(idx);
      return;
    }
    let blocks: Block[] | undefined = this.pageBlocks[idx];
    if (blocks === undefined) return;
    for (let j = blocks.length - 1; j >= 0; j--) {
      const b: Block = blocks[j];
      if (b.start < o + size && o < b.start + b.bytes) {
        b.op.block = undefined;
        b.op.heat = 0;
        const g: readonly Block[] | undefined = b.group;
        if (g !== undefined && g.length > 1) {
          // Its module's other blocks may run on into it (wasm/compile.ts): they go too.
          for (const m of g) if (m.op.block === m) { m.op.block = undefined; m.op.heat = 0; }
          for (const m of g) m.release?.();
          this.pageBlocks[idx] = blocks = blocks.filter((x) => x.group !== g);
          j = blocks.length;
        } else { b.release?.(); blocks.splice(j, 1); }
        this.codeChanged();
        // The running block may be this one: its slow store path leaves it after the store.
        this.irqCheck = true;
      }
    }
  }

  private releaseBlocks(blocks: readonly Block[] | undefined): void {
    if (blocks !== undefined) for (const b of blocks) b.release?.();
  }

  /**
   * The wasm block `b` runs at its pc under the current translations: enter it in the jump
   * cache, so that wasm blocks exiting there run on into it.
   */
  cacheBlock(b: Block, slot: number): void {
    const i = jcacheIndex(b.pc);
    this.jcF64[2 * i] = b.pc;
    this.jcI32[4 * i + 2] = this.fetchEpoch;
    this.jcI32[4 * i + 3] = (slot << 8) | b.n;
  }

  /** Compiled code was dropped: no link made before may be followed, in any context. */
  private codeChanged(): void {
    for (const t of this.tlbs) t.epoch = ++this.epochs;
    this.fetchEpoch = this.tlb.epoch;
    this.wasmI32[WASM_EPOCH >> 2] = this.fetchEpoch;
  }

  private dropCodePage(idx: number): void {
    this.codeCache[idx] = undefined;
    this.isCode[idx] = 0;
    this.code.unmark(idx, this.codeBit);
    this.codeLive[idx] = 0;
    this.releaseBlocks(this.pageBlocks[idx]);
    this.pageBlocks[idx] = undefined;
    this.codeChanged();
    if (this.fetchPage === idx) { this.fetchOps = null; this.fetchBase = NaN; this.fetchPage = -1; }
  }

  private refreshReadTlb(idx: number): void {
    for (const t of this.tlbs) t.refreshRead(this.ram, idx);
  }

  /** Drop any cached decode/translation for a RAM page (DMA or debugger wrote it). */
  invalidateCodePage(pageIndex: number): void {
    if (pageIndex < 0 || pageIndex >= this.isCode.length) return;
    this.dropCodePage(pageIndex);
    for (const t of this.tlbs) t.dropData(pageIndex);
    // Whatever changed there, a translation may have rested on it.
    if (this.pt.mark[pageIndex] !== 0) this.pt.changed();
  }

  /** Forget all decoded code (fence.i). */
  flushCode(): void {
    for (const idx of this.codePages) this.code.unmark(idx, this.codeBit);
    this.codeCache.fill(undefined);
    this.isCode.fill(0);
    this.codeLive.fill(0);
    for (const bs of this.pageBlocks) this.releaseBlocks(bs);
    this.pageBlocks.fill(undefined);
    this.codeChanged();
    this.codePages = [];
    this.codeListed.fill(0);
    this.fetchOps = null; this.fetchBase = NaN; this.fetchPage = -1;
  }

  /**
   * Push the RAM pages this hart can write through its write TLBs (for PagedRam.snapshot,
   * which copies them instead of freezing them in place). Only the sets used since the last
   * snapshot keep their write entries: the pages of address spaces not run lately are frozen
   * in place, and their next store takes the slow path, rather than every snapshot copying
   * or comparing the pages of every context this hart ever ran.
   */
  writablePages(out: number[]): void {
    for (const t of this.tlbs) {
      if (t === this.tlb || t.lastUse > this.snapshotUse) t.writablePages(out);
      else t.dropAllWrite();
    }
    this.snapshotUse = this.tlbUses;
  }

  /** Drop the write entries of these RAM pages in every set (PagedRam.snapshot's `released`). */
  dropWritePages(pages: readonly number[]): void {
    const mark = this.pageMarks;
    for (const i of pages) mark[i] = 1;
    for (const t of this.tlbs) t.dropWriteMarked(mark);
    for (const i of pages) mark[i] = 0;
  }

  flushDataTlb(): void {
    for (const t of this.tlbs) { t.flushData(); t.generation = this.ram.generation; }
  }

  /**
   * RAM page buffers were replaced (another hart's copy-on-write or allocation) but no
   * translation changed: refresh the current set's buffers (TlbSet.refreshAll; the others
   * are when they become current). Cheaper than a flush, which would cost a page walk per
   * page used again.
   */
  refreshDataTlb(): void {
    this.tlb.refreshAll(this.ram);
    this.tlb.generation = this.ram.generation;
  }

  /** Whether the current set's page buffers may be out of date (RAM generation moved). */
  tlbStale(): boolean {
    return this.tlb.generation !== this.ram.generation;
  }

  /**
   * Drop all translations of every context: a valid PTE was overwritten (pt-watch.ts), or
   * the debugger or a state load changed what translation depends on. A block running now
   * leaves after the store that caused it (its fetch translation may be gone).
   */
  flushTlb(): void {
    for (const t of this.tlbs) { t.flush(); t.context = -1; t.epoch = ++this.epochs; t.generation = this.ram.generation; }
    // Privilege, mstatus or satp may have been set directly (debugger, state load): label afresh.
    this.tlbContextChanged();
    this.fetchOps = null; this.fetchBase = NaN; this.fetchPage = -1;
    this.irqCheck = true;
  }

  /** RAM page idx became a page table: no write entry of any context may point at it. */
  dropWritePage(idx: number): void {
    for (const t of this.tlbs) t.dropWrite(idx);
  }

  /**
   * After RAM pages were swapped (snapshot restore) and the hart state loaded: drop every
   * translation, and of the decoded code only what the restored bytes no longer match. A code
   * page whose buffer is unchanged keeps everything; one whose buffer changed (code and data
   * often share a page) is compared word by word with the bytes the ops were decoded from,
   * and only the instructions and blocks over differing words are forgotten, as a store would.
   * So a replay after a seek starts with its blocks compiled.
   */
  restoreCaches(): void {
    // Every hart's translations and the page-table marks: RAM changed under all of them.
    this.pt.flushAll();
    const kept: number[] = [];
    for (const idx of this.codePages) {
      if (this.isCode[idx] === 0) { this.codeListed[idx] = 0; continue; }
      kept.push(idx);
      const now = this.ram.readPageU8(idx);
      const was = this.codeSrc[idx]!;
      if (now === was) continue;
      const a = this.ram.readPageI32(idx);
      const b = new Int32Array(was.buffer, was.byteOffset, 1024);
      for (let w = 0; w < 1024; w++) {
        if (a[w] === b[w]) continue;
        let e = w + 1;
        while (e < 1024 && a[e] !== b[e]) e++;
        this.invalidateSlots(idx, 4 * w, 4 * (e - w));
        w = e;
      }
      this.codeSrc[idx] = now;
    }
    this.codePages = kept;
  }

  /** Drop all caches (after a reset or debugger changes). */
  flushCaches(): void {
    this.pt.flushAll();
    this.flushCode();
  }
}

export { TWO32 };
