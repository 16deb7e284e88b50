/**
 * Sdtrig debug triggers (RISC-V Debug spec, "Trigger Module") as QEMU 7.2's virt hart has them,
 * measured on QEMU 7.2 itself (test/guests/sdtrig.S):
 * - 2 triggers; tselect keeps its value when written with 2 or more; tinfo = 0x44 (types 2
 *   mcontrol and 6 mcontrol6), writes ignored; tdata3 reads 0, writes ignored.
 * - tdata1 accepts only type 2 and 6 (any other type leaves it unchanged). dmode, match, chain,
 *   action, timing, select and hit always read 0 (so only match = 0 "equal", action 0
 *   "breakpoint exception", fire before the access/instruction); the mode bits (U, S, M; VU, VS
 *   for type 6) and load/store/execute are kept; a size is kept when it is any, 1, 2, 4 or 8
 *   bytes, otherwise it reads as any.
 * - Execute: fires when pc equals tdata2 (the start of an instruction) in a mode whose bit is
 *   set, before the fetch (so before fetch faults). Load/store: fires before the access when it
 *   overlaps [tdata2, tdata2 + len), before its page or access fault but after an atomic's
 *   misalignment trap. QEMU inserts its watchpoint with len = the size *code* (1, 2, 3, 5), or 8
 *   for any: a "4 byte" trigger covers 3 bytes there, and here. AMOs and a storing SC match load
 *   and store triggers; LR matches load triggers; an SC without reservation makes no access.
 * - The mode is the current privilege (mstatus.MPRV does not change it). The exception is a
 *   breakpoint (cause 3) with tval 0, as QEMU 7.2 reports it (and its ebreak).
 *
 * The trigger state is architectural: saved and restored with the hart (state.ts), so a trigger
 * fires at the same icount in every replay. It is the guest's own and separate from gdb's
 * breakpoints and watchpoints, which live on the timeline and are checked before it.
 */

/** Number of triggers (QEMU 7.2: RV_MAX_TRIGGERS). */
export const N_TRIGGERS = 2;
/** tinfo: the types every trigger supports (bit n = type n): 2 (mcontrol) and 6 (mcontrol6). */
export const TINFO = (1 << 2) | (1 << 6);

/** tdata1 bits shared by types 2 and 6 (low word): modes M, S, U and execute, store, load. */
export const MC_M = 1 << 6, MC_S = 1 << 4, MC_U = 1 << 3;
export const MC_EXECUTE = 1 << 2, MC_STORE = 1 << 1, MC_LOAD = 1 << 0;
const KEEP_LO = MC_M | MC_S | MC_U | MC_EXECUTE | MC_STORE | MC_LOAD;
/** Type 6: VS (bit 24) and VU (bit 23). */
const MC6_VSVU = (1 << 24) | (1 << 23);

/** Kinds of data access checked against load/store triggers (bit mask of MC_LOAD/MC_STORE). */
export const TRIG_LOAD = MC_LOAD, TRIG_STORE = MC_STORE, TRIG_AMO = MC_LOAD | MC_STORE;

/** Size codes QEMU 7.2 accepts (any, 1, 2, 4, 8 bytes); others read back as any. */
function validSize(code: number): boolean {
  return code === 0 || code === 1 || code === 2 || code === 3 || code === 5;
}

const TWO32 = 4294967296;
/** tdata2 as a signed address number, or NaN when not exact (no address there to match). */
function addrOf(lo: number, hi: number): number {
  if (hi < -0x200000 || hi >= 0x200000) return NaN;
  return hi * TWO32 + (lo >>> 0);
}

/** Saved trigger state (named fields; words as [low, high] int32 pairs). */
export interface TriggerState {
  tselect: number;
  tdata1: [number, number][];
  tdata2: [number, number][];
}

/** The trigger module of one hart: CSR storage and the armed triggers in a form quick to check. */
export class Triggers {
  tselect = 0;
  /** tdata1 / tdata2 of trigger i at [2i] (low word) and [2i+1] (high word). */
  readonly tdata1 = new Int32Array(2 * N_TRIGGERS);
  readonly tdata2 = new Int32Array(2 * N_TRIGGERS);
  // Armed triggers (derived by arm()): address, modes as a bit per privilege, and for data
  // triggers the covered length and the access kinds.
  private execAddr: number[] = [];
  private execModes: number[] = [];
  private dataAddr: number[] = [];
  private dataLen: number[] = [];
  private dataKinds: number[] = [];
  private dataModes: number[] = [];
  /** What save() returned, until anything changes: snapshots share it (it is never written). */
  private saved: TriggerState | null = null;

  constructor() { this.reset(); }

  /** As QEMU's riscv_trigger_init: every trigger type 2, nothing enabled, tselect 0. */
  reset(): void {
    this.tselect = 0;
    for (let i = 0; i < N_TRIGGERS; i++) {
      this.tdata1[2 * i] = 0; this.tdata1[2 * i + 1] = 0x20000000;
      this.tdata2[2 * i] = 0; this.tdata2[2 * i + 1] = 0;
    }
    this.arm();
  }

  /** Whether any execute trigger is armed (the run loop then checks every instruction). */
  get anyExec(): boolean { return this.execAddr.length > 0; }
  /** Whether any load/store trigger is armed (every data access then takes the slow path). */
  get anyData(): boolean { return this.dataAddr.length > 0; }

  /** Read tdata1 (n = 1), tdata2 (2) or tdata3 (3) of the selected trigger as [lo, hi]. */
  read(n: number): [number, number] {
    const i = this.tselect;
    if (n === 1) return [this.tdata1[2 * i], this.tdata1[2 * i + 1]];
    if (n === 2) return [this.tdata2[2 * i], this.tdata2[2 * i + 1]];
    return [0, 0];
  }

  writeSelect(lo: number, hi: number): void {
    if (hi === 0 && (lo >>> 0) < N_TRIGGERS && lo !== this.tselect) { this.tselect = lo; this.saved = null; }
  }

  /** Write tdata1/2/3 of the selected trigger with QEMU 7.2's WARL rules; returns whether anything changed. */
  write(n: number, lo: number, hi: number): boolean {
    const i = this.tselect;
    if (n === 1) {
      const type = hi >>> 28;
      let nlo: number, nhi: number;
      if (type === 2) {
        // sizelo bits 17:16, sizehi bits 22:21.
        const code = (((lo >>> 21) & 3) << 2) | ((lo >>> 16) & 3);
        nlo = (lo & KEEP_LO) | (validSize(code) ? lo & ((3 << 21) | (3 << 16)) : 0);
        nhi = 0x20000000;
      } else if (type === 6) {
        const code = (lo >>> 16) & 15;
        nlo = (lo & (KEEP_LO | MC6_VSVU)) | (validSize(code) ? lo & (15 << 16) : 0);
        nhi = 0x60000000 | 0;
      } else {
        return false; // types QEMU 7.2 does not implement: the write is ignored
      }
      if (nlo === this.tdata1[2 * i] && nhi === this.tdata1[2 * i + 1]) return false;
      this.tdata1[2 * i] = nlo; this.tdata1[2 * i + 1] = nhi;
    } else if (n === 2) {
      if (lo === this.tdata2[2 * i] && hi === this.tdata2[2 * i + 1]) return false;
      this.tdata2[2 * i] = lo; this.tdata2[2 * i + 1] = hi;
    } else {
      return false; // tdata3: not supported for types 2 and 6
    }
    this.arm();
    return true;
  }

  /** Rebuild the armed lists from tdata1/tdata2. */
  private arm(): void {
    this.saved = null;
    this.execAddr = []; this.execModes = [];
    this.dataAddr = []; this.dataLen = []; this.dataKinds = []; this.dataModes = [];
    for (let i = 0; i < N_TRIGGERS; i++) {
      const lo = this.tdata1[2 * i], type = this.tdata1[2 * i + 1] >>> 28;
      if (type !== 2 && type !== 6) continue;
      // Bit p of `modes` for privilege p: U = 0 (bit 3), S = 1 (bit 4), M = 3 (bit 6).
      const modes = (lo >>> 3) & 0xb;
      if (modes === 0) continue;
      const addr = addrOf(this.tdata2[2 * i], this.tdata2[2 * i + 1]);
      if (addr !== addr) continue;
      if (lo & MC_EXECUTE) { this.execAddr.push(addr); this.execModes.push(modes); }
      const kinds = lo & (MC_LOAD | MC_STORE);
      if (kinds !== 0) {
        const code = type === 2 ? (((lo >>> 21) & 3) << 2) | ((lo >>> 16) & 3) : (lo >>> 16) & 15;
        this.dataAddr.push(addr); this.dataLen.push(code === 0 ? 8 : code);
        this.dataKinds.push(kinds); this.dataModes.push(modes);
      }
    }
  }

  /** Whether an execute trigger fires for the instruction at `pc` in privilege `priv`. */
  execHit(pc: number, priv: number): boolean {
    const a = this.execAddr;
    for (let k = 0; k < a.length; k++) if (a[k] === pc && ((this.execModes[k] >>> priv) & 1) !== 0) return true;
    return false;
  }

  /** Whether an execute trigger's address lies in [start, end) (a compiled block there runs interpreted). */
  execIn(start: number, end: number): boolean {
    for (const a of this.execAddr) if (a >= start && a < end) return true;
    return false;
  }

  /** Whether a load/store trigger fires for an access of `size` bytes at `va` of `kind` (TRIG_*) in `priv`. */
  dataHit(va: number, size: number, kind: number, priv: number): boolean {
    const a = this.dataAddr;
    for (let k = 0; k < a.length; k++) {
      if ((this.dataKinds[k] & kind) !== 0 && ((this.dataModes[k] >>> priv) & 1) !== 0 && va < a[k] + this.dataLen[k] && a[k] < va + size) return true;
    }
    return false;
  }

  save(): TriggerState {
    const pairs = (v: Int32Array): [number, number][] => Array.from({ length: N_TRIGGERS }, (_, i) => [v[2 * i], v[2 * i + 1]] as [number, number]);
    this.saved ??= { tselect: this.tselect, tdata1: pairs(this.tdata1), tdata2: pairs(this.tdata2) };
    return this.saved;
  }

  /** Load saved state (only read, never kept); `undefined` (state saved before triggers existed) is the reset state. */
  load(s: TriggerState | undefined): void {
    if (s === undefined) { this.reset(); return; }
    const ok = (p: unknown): p is [number, number][] => Array.isArray(p) && p.length === N_TRIGGERS &&
      p.every((w) => Array.isArray(w) && w.length === 2 && w.every((x) => Number.isInteger(x)));
    if (!Number.isInteger(s.tselect) || s.tselect < 0 || s.tselect >= N_TRIGGERS || !ok(s.tdata1) || !ok(s.tdata2)) {
      throw new Error(`hart state: triggers must be {tselect: 0..${N_TRIGGERS - 1}, tdata1, tdata2: ${N_TRIGGERS} [lo, hi] pairs}`);
    }
    this.tselect = s.tselect;
    for (let i = 0; i < N_TRIGGERS; i++) {
      this.tdata1[2 * i] = s.tdata1[i][0]; this.tdata1[2 * i + 1] = s.tdata1[i][1];
      this.tdata2[2 * i] = s.tdata2[i][0]; this.tdata2[2 * i + 1] = s.tdata2[i][1];
    }
    this.arm();
  }
}
