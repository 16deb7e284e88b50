/** Hart state save/restore with named fields (design invariant 4). */
import type { Hart } from './hart.js';
import { IMPLEMENTED_CSRS } from './csr.js';
import { CSR } from './csr-defs.js';
import type { TriggerState } from './trigger.js';

/** Full architectural state of a hart; structured-cloneable, named fields only. */
export interface HartState { [field: string]: unknown }

const STORED_CSRS = IMPLEMENTED_CSRS.filter((n) => {
  const special: number[] = [CSR.fflags, CSR.frm, CSR.fcsr, CSR.sstatus, CSR.sie, CSR.sip, CSR.mstatus, CSR.misa,
    CSR.mvendorid, CSR.marchid, CSR.mimpid, CSR.mhartid, CSR.mconfigptr,
    CSR.tselect, CSR.tdata1, CSR.tdata2, CSR.tdata3, CSR.tinfo];
  return !special.includes(n) && !(n >= 0xb00 && n < 0xb20) && !(n >= 0xc00 && n < 0xc20) && !(n >= 0x323 && n < 0x340);
});

/** Their names in saved state (made once: a snapshot is taken every million instructions). */
const STORED_KEYS = STORED_CSRS.map((n) => `0x${n.toString(16)}`);
const STORED_INDEX = new Map(STORED_CSRS.map((n, i) => [n, i]));

/**
 * Registers and CSRs are saved as Int32Arrays of lo/hi words: a history holds thousands of
 * snapshots, and plain arrays (with a [lo, hi] pair per CSR) cost five times the memory and
 * a hundred objects each. `csrs` holds the words of STORED_CSRS in order (see hartHashForm).
 */
export function saveHart(h: Hart): HartState {
  const csrs = new Int32Array(2 * STORED_CSRS.length);
  for (let i = 0; i < STORED_CSRS.length; i++) {
    const n = STORED_CSRS[i];
    csrs[2 * i] = h.csr[2 * n]; csrs[2 * i + 1] = h.csr[2 * n + 1];
  }
  return {
    hartid: h.hartid,
    pc: h.pc,
    priv: h.priv,
    x: h.x.slice(),
    f: h.f.slice(),
    fcsr: h.fcsr,
    mstatus: h.mstatus,
    mipHw: h.mipHw,
    csrs,
    steps: h.steps(),
    cycleOffset: h.cycleOffset,
    instretOffset: h.instretOffset,
    wfi: h.wfi,
    reservation: Number.isNaN(h.reservation) ? null : h.reservation,
    triggers: h.triggers.save(),
  };
}

function num(s: HartState, k: string): number {
  const v = s[k];
  if (typeof v !== 'number') throw new Error(`hart state: field ${k} missing or not a number`);
  return v;
}

/** The saved state with its CSRs as a record by name (the form state hashes are computed over). */
export function hartHashForm(s: HartState): HartState {
  const c = s.csrs as Int32Array;
  const csrs: Record<string, [number, number]> = {};
  for (let i = 0; i < STORED_CSRS.length; i++) csrs[STORED_KEYS[i]] = [c[2 * i], c[2 * i + 1]];
  return { ...s, csrs };
}

function words64(v: unknown, what: string): ArrayLike<number> {
  if ((!Array.isArray(v) && !(v instanceof Int32Array) && !(v instanceof Uint32Array)) || v.length !== 64) throw new Error(`hart state: ${what} must be 64 words`);
  return v as ArrayLike<number>;
}

export function loadHart(h: Hart, s: HartState): void {
  const x = words64(s.x, 'x'), f = words64(s.f, 'f');
  h.x.set(x);
  h.f.set(f);
  h.pc = num(s, 'pc');
  h.priv = num(s, 'priv');
  h.fcsr = num(s, 'fcsr');
  h.mstatus = num(s, 'mstatus');
  h.mipHw = num(s, 'mipHw');
  h.csr.fill(0);
  const csrs = s.csrs;
  if (csrs instanceof Int32Array && csrs.length === 2 * STORED_CSRS.length) {
    for (let i = 0; i < STORED_CSRS.length; i++) {
      const n = STORED_CSRS[i];
      h.csr[2 * n] = csrs[2 * i]; h.csr[2 * n + 1] = csrs[2 * i + 1];
    }
  } else if (csrs !== null && typeof csrs === 'object' && !ArrayBuffer.isView(csrs)) {
    // By name (hartHashForm's shape).
    for (const [k, [lo, hi]] of Object.entries(csrs as Record<string, [number, number]>)) {
      const n = parseInt(k, 16);
      if (!STORED_INDEX.has(n)) throw new Error(`hart state: CSR ${k} is not saved state`);
      h.csr[2 * n] = lo; h.csr[2 * n + 1] = hi;
    }
  } else {
    throw new Error('hart state: csrs missing or of the wrong size');
  }
  h.stepsBefore = num(s, 'steps');
  h.cycleOffset = num(s, 'cycleOffset');
  h.instretOffset = num(s, 'instretOffset');
  h.wfi = s.wfi === true;
  h.reservation = typeof s.reservation === 'number' ? s.reservation : NaN;
  h.triggers.load(s.triggers as TriggerState | undefined);
  h.triggersChanged();
}
