/**
 * Decoding to Ops: look the word up in the encoding tables (isa/encoding.ts), expand compressed
 * parcels (isa/rvc.ts), extract operands per format and bind the handler of that name.
 */
import { lookup, immI, immS, immB, immU, immJ } from '../isa/encoding.js';
import { expandCompressed } from '../isa/rvc.js';
import { Op, type Exec } from './op.js';
import { rv64i, RV64I_PURE } from './exec/rv64i.js';
import { rv64m, RV64M_PURE } from './exec/rv64m.js';
import { rv64a } from './exec/rv64a.js';
import { zicsr } from './exec/zicsr.js';
import { priv } from './exec/priv.js';
import { fmem } from './exec/fmem.js';
import { fpHandler } from './exec/fparith.js';

const HANDLERS = new Map<string, Exec>();
for (const table of [rv64i, rv64m, rv64a, zicsr, priv]) {
  for (const [name, fn] of Object.entries(table)) HANDLERS.set(name, fn as Exec);
}
for (const name of ['flw', 'fld', 'fsw', 'fsd'] as const) HANDLERS.set(name, fmem[name]);
for (const name of ['op-fp', 'fmadd', 'fmsub', 'fnmsub', 'fnmadd']) HANDLERS.set(name, fmem.fp);

const PURE = new Set([...RV64I_PURE, ...RV64M_PURE]);

/** Names of encodings without a handler (a bug; checked by a test). */
export function unboundEncodings(names: string[]): string[] {
  return names.filter((n) => !HANDLERS.has(n));
}

/** Decode a 32-bit instruction; `raw` is what was fetched (the 16-bit parcel for RVC). */
export function decode32(w: number, len: number, raw: number = w): Op {
  w = w | 0;
  const enc = lookup(w);
  if (enc === undefined) return new Op(priv.illegal, 0, 0, 0, 0, w, raw >>> 0, len, 'illegal');
  const rd = (w >>> 7) & 31, rs1 = (w >>> 15) & 31, rs2 = (w >>> 20) & 31;
  let imm = 0;
  switch (enc.format) {
    case 'I': imm = immI(w); break;
    case 'S': imm = immS(w); break;
    case 'B': imm = immB(w); break;
    case 'U': imm = immU(w); break;
    case 'J': imm = immJ(w); break;
    case 'SH6': imm = (w >>> 20) & 63; break;
    case 'SH5': imm = (w >>> 20) & 31; break;
    case 'CSR': case 'CSRI': imm = (w >>> 20) & 0xfff; break;
  }
  let fn = HANDLERS.get(enc.name)!;
  if (rd === 0 && PURE.has(enc.name)) fn = rv64i.nop;
  // Hot F/D arithmetic in round-to-nearest: a handler per operation (exec/fparith.ts).
  else if (enc.format === 'FP') fn = fpHandler(w) ?? fn;
  return new Op(fn, 2 * rd, 2 * rs1, 2 * rs2, imm, w, raw >>> 0, len, enc.name);
}

/** Decode a 16-bit parcel (RVC); reserved encodings become an illegal op with tval = the parcel. */
export function decode16(c: number): Op {
  const w = expandCompressed(c);
  if (w === 0) return new Op(priv.illegal, 0, 0, 0, 0, 0, c, 2, 'illegal');
  return decode32(w, 2, c);
}
