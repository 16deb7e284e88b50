/** CSR numbers, mstatus/mip bit positions and exception causes (names from the privileged spec 1.12). */

export const CSR = {
  fflags: 0x001, frm: 0x002, fcsr: 0x003,
  cycle: 0xc00, time: 0xc01, instret: 0xc02,
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, senvcfg: 0x10a,
  sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143, sip: 0x144, stimecmp: 0x14d, satp: 0x180,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14, mconfigptr: 0xf15,
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305,
  mcounteren: 0x306, menvcfg: 0x30a, mcountinhibit: 0x320,
  mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  pmpcfg0: 0x3a0, pmpcfg2: 0x3a2, pmpaddr0: 0x3b0,
  mcycle: 0xb00, minstret: 0xb02,
  tselect: 0x7a0, tdata1: 0x7a1, tdata2: 0x7a2, tdata3: 0x7a3, tinfo: 0x7a4,
} as const;

// mstatus bits (low word).
export const MSTATUS_SIE = 1 << 1;
export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_SPIE = 1 << 5;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_SPP = 1 << 8;
export const MSTATUS_MPP_SHIFT = 11;
export const MSTATUS_MPP = 3 << 11;
export const MSTATUS_FS = 3 << 13;
export const MSTATUS_MPRV = 1 << 17;
export const MSTATUS_SUM = 1 << 18;
export const MSTATUS_MXR = 1 << 19;
export const MSTATUS_TVM = 1 << 20;
export const MSTATUS_TW = 1 << 21;
export const MSTATUS_TSR = 1 << 22;
/** Writable bits of mstatus (low word); the high word is UXL = SXL = 2 and SD. */
export const MSTATUS_WMASK = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
  MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
export const SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR;
/** menvcfg.STCE (bit 63, Sstc) as part of the high word: stimecmp drives STIP. */
export const MENVCFG_HI_STCE = 0x80000000 | 0;
/** mcounteren/scounteren.TM: time (and, for S with Sstc, stimecmp) accessible below M. */
export const COUNTEREN_TM = 1 << 1;
/** mstatus bits 63:32: UXL (33:32) = 2, SXL (35:34) = 2. */
export const MSTATUS_HI_XL = 0xa;

// mip / mie bits.
export const MIP_SSIP = 1 << 1;
export const MIP_MSIP = 1 << 3;
export const MIP_STIP = 1 << 5;
export const MIP_MTIP = 1 << 7;
export const MIP_SEIP = 1 << 9;
export const MIP_MEIP = 1 << 11;
export const S_INTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
export const ALL_INTS = S_INTS | MIP_MSIP | MIP_MTIP | MIP_MEIP;
/** Interrupt causes in decreasing priority: MEI, MSI, MTI, SEI, SSI, STI. */
export const IRQ_PRIORITY = [11, 3, 7, 9, 1, 5];

/** Exception causes. */
export const EXC = {
  insnMisaligned: 0, insnAccess: 1, illegal: 2, breakpoint: 3, loadMisaligned: 4, loadAccess: 5,
  storeMisaligned: 6, storeAccess: 7, ecallU: 8, ecallS: 9, ecallM: 11,
  insnPage: 12, loadPage: 13, storePage: 15,
} as const;
/** medeleg writable bits: causes 0-15 except 14, as QEMU 7.2 (whose H bits 20-23 this hart lacks). */
export const MEDELEG_MASK = 0xbfff;

/** misa: MXL = 2 (RV64) and extensions A C D F I M S U. */
export const MISA_LO = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);
export const MISA_HI = 0x80000000 | 0;

/** Privilege levels. */
export const PRV_U = 0, PRV_S = 1, PRV_M = 3;
