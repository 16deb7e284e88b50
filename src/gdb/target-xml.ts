/**
 * Target description (qXfer:features:read, annex target.xml) and memory map
 * (qXfer:memory-map:read) documents.
 *
 * Register numbering follows gdb's riscv port, given explicitly with `regnum` so that the
 * remote numbers are exactly gdb's: x0..x31 0..31, pc 32, f0..f31 33..64, CSR n at 65 + n,
 * priv at 4161. All registers are 64 bits wide on rv64.
 */
import { csrName } from './csr-names.js';
import { REG_CSR0, REG_F0, REG_PRIV, type MemoryRegion } from './target.js';

/** ABI names of x0..x31, the names gdb's riscv.cpu feature expects. */
export const GPR_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

/** ABI names of f0..f31, the names gdb's riscv.fpu feature expects. */
export const FPR_NAMES = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11',
  'ft8', 'ft9', 'ft10', 'ft11',
] as const;

/** The floating-point CSRs, which gdb looks for in the fpu feature. */
const FP_CSRS = [0x001, 0x002, 0x003];

function reg(name: string, regnum: number, type: string, group?: string): string {
  const g = group ? ` group="${group}"` : '';
  return `    <reg name="${name}" bitsize="64" regnum="${regnum}" type="${type}"${g}/>\n`;
}

/**
 * Build target.xml for an rv64 hart implementing `csrs` (CSR numbers). The fpu feature is
 * included when the F CSRs (fflags, frm, fcsr) are implemented.
 */
export function targetXml(csrs: readonly number[]): string {
  const implemented = new Set(csrs);
  const hasFpu = FP_CSRS.every((n) => implemented.has(n));
  let xml = '<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n';
  xml += '  <architecture>riscv:rv64</architecture>\n';
  // A bare machine, not a Linux process: without this, a gdb built for a Linux host picks the
  // GNU/Linux ABI for riscv and single-steps with temporary breakpoints, which an interrupt
  // taken on the way defeats. With no OS ABI gdb single-steps with `s` / `vCont;s`.
  xml += '  <osabi>none</osabi>\n';

  xml += '  <feature name="org.gnu.gdb.riscv.cpu">\n';
  GPR_NAMES.forEach((name, i) => {
    const type = i === 1 ? 'code_ptr' : i >= 2 && i <= 4 ? 'data_ptr' : i === 8 ? 'data_ptr' : 'int';
    xml += reg(name, i, type);
  });
  xml += reg('pc', 32, 'code_ptr');
  xml += '  </feature>\n';

  if (hasFpu) {
    xml += '  <feature name="org.gnu.gdb.riscv.fpu">\n';
    // A double register also holds NaN-boxed singles: let gdb show both views.
    xml += '    <union id="riscv_double">\n      <field name="float" type="ieee_single"/>\n';
    xml += '      <field name="double" type="ieee_double"/>\n    </union>\n';
    FPR_NAMES.forEach((name, i) => (xml += reg(name, REG_F0 + i, 'riscv_double')));
    for (const n of FP_CSRS) xml += reg(csrName(n), REG_CSR0 + n, 'int', 'float');
    xml += '  </feature>\n';
  }

  const others = [...implemented].filter((n) => !(hasFpu && FP_CSRS.includes(n))).sort((a, b) => a - b);
  if (others.length > 0) {
    xml += '  <feature name="org.gnu.gdb.riscv.csr">\n';
    for (const n of others) xml += reg(csrName(n), REG_CSR0 + n, 'int', 'csr');
    xml += '  </feature>\n';
  }

  xml += '  <feature name="org.gnu.gdb.riscv.virtual">\n';
  xml += reg('priv', REG_PRIV, 'int', 'system');
  xml += '  </feature>\n</target>\n';
  return xml;
}

const TOP = 1n << 64n;

const hex = (v: bigint): string => '0x' + v.toString(16);

/**
 * Build the memory-map document. gdb treats addresses outside a memory map as inaccessible,
 * but gdb addresses are *virtual* (a kernel maps RAM at 0xffffffc0...): so the gaps between the
 * physical regions are described as `ram` too, leaving the target to answer what is really
 * there. `rom` regions make gdb use hardware breakpoints there, which is the point of the map.
 */
export function memoryMapXml(regions: readonly MemoryRegion[]): string {
  const sorted = regions
    .filter((r) => r.length > 0)
    .map((r) => ({ start: BigInt(r.start), end: BigInt(r.start) + BigInt(r.length), type: r.type }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let xml = '<?xml version="1.0"?>\n<!DOCTYPE memory-map PUBLIC "+//IDN gnu.org//DTD GDB Memory Map V1.0//EN" "http://sourceware.org/gdb/gdb-memory-map.dtd">\n<memory-map>\n';
  const entry = (start: bigint, end: bigint, type: string): void => {
    if (end > start) xml += `  <memory type="${type}" start="${hex(start)}" length="${hex(end - start)}"/>\n`;
  };
  let cursor = 0n;
  for (const r of sorted) {
    const start = r.start < cursor ? cursor : r.start; // overlapping regions are clipped
    entry(cursor, start, 'ram');
    entry(start, r.end, r.type);
    if (r.end > cursor) cursor = r.end;
  }
  entry(cursor, TOP, 'ram');
  xml += '</memory-map>\n';
  return xml;
}
