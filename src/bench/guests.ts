/**
 * The benchmark guests (samples/bench): where they are and what each one exercises.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../machine/elf.js';

/** samples/bench, from dist/bench/ (or src/bench/). */
export const GUEST_DIR = fileURLToPath(new URL('../../samples/bench/', import.meta.url));

/** A CPU-bound guest measured for forward speed. */
export interface ForwardGuest {
  /** Short name used in the table and the JSON. */
  name: string;
  /** What it exercises. */
  what: string;
  /** ELF file name in samples/bench (the `q-` variant in quick mode). */
  file: string;
}

export const FORWARD_GUESTS: readonly ForwardGuest[] = [
  { name: 'int', what: 'integer mix, RV64IM', file: 'int.elf' },
  { name: 'comp', what: 'same work, compressed code (RV64IMAC)', file: 'comp.elf' },
  { name: 'mem', what: 'memory-heavy, 4 MiB array', file: 'mem.elf' },
  { name: 'fp', what: 'F/D: matmul, n-body, fmadd.s', file: 'fp.elf' },
  { name: 'sv39', what: 'S-mode under Sv39, 4 KiB pages', file: 'sv39.elf' },
];

/** The endless guest for reverse execution, and the guest that powers off at once. */
export const LONG_GUEST = 'long.elf';
export const NOP_GUEST = 'nop.elf';

export function guestPath(file: string, quick = false): string {
  const f = quick && FORWARD_GUESTS.some((g) => g.file === file) ? `q-${file}` : file;
  return GUEST_DIR + f;
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
