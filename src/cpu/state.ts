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

/** A register file as a plain array (Array.from's iterator costs 10x this loop). */
function words(v: Int32Array | Uint32Array): number[] {
  const a = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) a[i] = v[i];
  return a;
}

/** Their names in saved state (made once: a snapshot is taken every million instructions). */
const STORED_KEYS = STORED_CSRS.map((n) => `0x${n.toString(16)}`);

export function saveHart(h: Hart): HartState {
  const csrs: Record<string, [number, number]> = {};
  for (let i = 0; i < STORED_CSRS.length; i++) {
    const n = STORED_CSRS[i];
    csrs[STORED_KEYS[i]] = [h.csr[2 * n], h.csr[2 * n + 1]];
  }
  return {
    hartid: h.hartid,
    pc: h.pc,
    priv: h.priv,
    x: words(h.x),
    f: words(h.f),
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

export function loadHart(h: Hart, s: HartState): void {
  const x = s.x as number[], f = s.f as number[];
  if (!Array.isArray(x) || x.length !== 64 || !Array.isArray(f) || f.length !== 64) {
    throw new Error('hart state: x/f must be arrays of 64 words');
  }
  h.x.set(x);
  h.f.set(f);
  h.pc = num(s, 'pc');
  h.priv = num(s, 'priv');
  h.fcsr = num(s, 'fcsr');
  h.mstatus = num(s, 'mstatus');
  h.mipHw = num(s, 'mipHw');
  h.csr.fill(0);
  const csrs = s.csrs as Record<string, [number, number]>;
  for (const [k, [lo, hi]] of Object.entries(csrs)) {
    const n = parseInt(k, 16);
    h.csr[2 * n] = lo; h.csr[2 * n + 1] = hi;
  }
  h.stepsBefore = num(s, 'steps');
  h.cycleOffset = num(s, 'cycleOffset');
  h.instretOffset = num(s, 'instretOffset');
  h.wfi = s.wfi === true;
  h.reservation = typeof s.reservation === 'number' ? s.reservation : NaN;
  h.triggers.load(s.triggers as TriggerState | undefined);
  h.triggersChanged();
}
