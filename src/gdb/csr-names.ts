/**
 * CSR numbers -> names as the RISC-V specs (and gdb's register names) spell them, for the
 * target description. gdb recognises these names and shows their fields decoded.
 */

const FIXED: Record<number, string> = {
  // Unprivileged floating-point and counters.
  0x001: 'fflags', 0x002: 'frm', 0x003: 'fcsr',
  0xc00: 'cycle', 0xc01: 'time', 0xc02: 'instret',
  // Supervisor.
  0x100: 'sstatus', 0x104: 'sie', 0x105: 'stvec', 0x106: 'scounteren', 0x10a: 'senvcfg',
  0x140: 'sscratch', 0x141: 'sepc', 0x142: 'scause', 0x143: 'stval', 0x144: 'sip',
  0x14d: 'stimecmp', 0x180: 'satp', 0x5a8: 'scontext',
  // Machine information.
  0xf11: 'mvendorid', 0xf12: 'marchid', 0xf13: 'mimpid', 0xf14: 'mhartid', 0xf15: 'mconfigptr',
  // Machine trap setup and handling.
  0x300: 'mstatus', 0x301: 'misa', 0x302: 'medeleg', 0x303: 'mideleg', 0x304: 'mie',
  0x305: 'mtvec', 0x306: 'mcounteren', 0x30a: 'menvcfg', 0x320: 'mcountinhibit',
  0x340: 'mscratch', 0x341: 'mepc', 0x342: 'mcause', 0x343: 'mtval', 0x344: 'mip',
  0x34a: 'mtinst', 0x34b: 'mtval2', 0x747: 'mseccfg',
  // Machine counters.
  0xb00: 'mcycle', 0xb02: 'minstret',
  // Debug / trigger module.
  0x7a0: 'tselect', 0x7a1: 'tdata1', 0x7a2: 'tdata2', 0x7a3: 'tdata3', 0x7a8: 'mcontext',
  0x7b0: 'dcsr', 0x7b1: 'dpc', 0x7b2: 'dscratch0', 0x7b3: 'dscratch1',
};

/** The spec name of CSR `num` (0..0xfff); `csr0xNNN` for numbers without a standard name. */
export function csrName(num: number): string {
  const fixed = FIXED[num];
  if (fixed) return fixed;
  if (num >= 0xc03 && num <= 0xc1f) return `hpmcounter${num - 0xc00}`;
  if (num >= 0xb03 && num <= 0xb1f) return `mhpmcounter${num - 0xb00}`;
  if (num >= 0x323 && num <= 0x33f) return `mhpmevent${num - 0x320}`;
  if (num >= 0x3a0 && num <= 0x3af) return `pmpcfg${num - 0x3a0}`;
  if (num >= 0x3b0 && num <= 0x3ef) return `pmpaddr${num - 0x3b0}`;
  return `csr0x${num.toString(16).padStart(3, '0')}`;
}
