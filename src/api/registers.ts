/**
 * Register names for the scripting API: the RISC-V ABI and architectural names of the integer
 * and floating-point registers, `pc`, `priv`, and CSRs by their spec names, resolved to GDB's
 * riscv register numbers (the numbering the board, the timeline log and the gdb server share).
 */
import { csrName } from '../gdb/csr-names.js';
import { REG_CSR0, REG_F0, REG_PC, REG_PRIV } from '../gdb/target.js';

/** Integer register ABI names, x0..x31 (the psABI's). */
export const X_ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

/** Floating-point register ABI names, f0..f31. */
export const F_ABI_NAMES: readonly string[] = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];

const BY_NAME = new Map<string, number>();
for (let i = 0; i < 32; i++) {
  BY_NAME.set(`x${i}`, i);
  BY_NAME.set(X_ABI_NAMES[i], i);
  BY_NAME.set(`f${i}`, REG_F0 + i);
  BY_NAME.set(F_ABI_NAMES[i], REG_F0 + i);
}
BY_NAME.set('fp', 8);
BY_NAME.set('pc', REG_PC);
BY_NAME.set('priv', REG_PRIV);
for (let n = 0; n < 4096; n++) {
  const name = csrName(n);
  if (!name.startsWith('csr0x')) BY_NAME.set(name, REG_CSR0 + n);
}

/**
 * GDB register number of a register name: `x0`..`x31` or ABI names (`a0`, `sp`, `fp`...),
 * `f0`..`f31` or `fa0`..., `pc`, `priv`, a CSR by spec name (`mstatus`, `satp`...) or as
 * `csr0x300`. Case-insensitive. undefined for an unknown name.
 */
export function regnoOf(name: string): number | undefined {
  const n = name.trim().toLowerCase();
  const known = BY_NAME.get(n);
  if (known !== undefined) return known;
  const m = /^csr(?:0x)?([0-9a-f]{1,3})$/.exec(n);
  if (m) return REG_CSR0 + parseInt(m[1], 16);
  return undefined;
}

/** GDB register number of a CSR given by spec name or number (0..0xfff); undefined if unknown. */
export function csrRegno(csr: string | number): number | undefined {
  if (typeof csr === 'number') return Number.isInteger(csr) && csr >= 0 && csr < 4096 ? REG_CSR0 + csr : undefined;
  const r = regnoOf(csr);
  if (r !== undefined && r >= REG_CSR0 && r < REG_CSR0 + 4096) return r;
  const m = /^(?:0x)?([0-9a-f]{1,3})$/i.exec(csr.trim());
  return m ? REG_CSR0 + parseInt(m[1], 16) : undefined;
}
