/**
 * The benchmark guests (samples/bench): where they are and what each one exercises.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../machine/elf.js';

/** samples/bench, from dist/bench/ (or src/bench/). */
export const GUEST_DIR = fileURLToPath(new URL('../../samples/bench/', import.meta.url));

/** A guest measured for forward speed (CPU-bound, or the OS-heavy kernels). */
export interface ForwardGuest {
  /** Short name used in the table and the JSON. */
  name: string;
  /** What it exercises. */
  what: string;
  /**
   * Base name of its ELFs in samples/bench (`q-` prefixed in quick mode): BASE.elf runs 2
   * identical passes (timed on rvrr), BASE.p1.elf 1 pass (counted on rvrr, so a pass's exact
   * instruction count is known), BASE.qemu.elf many passes (timed on QEMU).
   */
  file: string;
  /** Harts of the machine it runs on, on rvrr and on QEMU (`-smp`). */
  harts: number;
}

export const FORWARD_GUESTS: readonly ForwardGuest[] = [
  { name: 'int', what: 'integer mix, RV64IM', file: 'int', harts: 1 },
  { name: 'comp', what: 'same work, compressed code (RV64IMAC)', file: 'comp', harts: 1 },
  { name: 'mem', what: 'memory-heavy, 4 MiB array', file: 'mem', harts: 1 },
  { name: 'fp', what: 'F/D: matmul, n-body, fmadd.s', file: 'fp', harts: 1 },
  { name: 'sv39', what: 'S-mode under Sv39, 4 KiB pages', file: 'sv39', harts: 1 },
  { name: 'os', what: 'a tiny kernel: processes, system calls, page faults, fork, satp switches', file: 'os', harts: 1 },
  { name: 'os3', what: 'the same kernel on 3 harts, one instance per hart', file: 'os3', harts: 3 },
];

/** The endless guest for reverse execution, and the guest that powers off at once. */
export const LONG_GUEST = 'long.elf';
export const NOP_GUEST = 'nop.elf';

/** Path of an ELF in samples/bench. */
export function guestPath(file: string): string {
  return GUEST_DIR + file;
}

/** The three ELFs of a forward guest. */
export function forwardElfs(g: ForwardGuest, quick: boolean): { timed: string; onePass: string; qemu: string } {
  const b = GUEST_DIR + (quick ? 'q-' : '') + g.file;
  return { timed: `${b}.elf`, onePass: `${b}.p1.elf`, qemu: `${b}.qemu.elf` };
}

/** What a forward guest prints: "NAME N passes CHECKSUM". */
export interface PassReport {
  name: string;
  passes: number;
  checksum: string;
}

export function parsePassReport(output: string): PassReport | null {
  const m = /^(\w+) (\d+) passes ([0-9a-f]{16})\n?$/.exec(output);
  return m ? { name: m[1], passes: Number(m[2]), checksum: m[3] } : null;
}

export function loadGuest(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`cannot read benchmark guest ${path}: ${(e as Error).message} (build it with make -C samples/bench)`);
  }
}

/** Address of a symbol of an ELF (e.g. `marker` of long.elf). */
export function symbolAddress(elf: Uint8Array, name: string): number {
  const img = parseElf(elf);
  const s = img.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`symbol ${name} not found in the benchmark guest`);
  return s.value;
}
