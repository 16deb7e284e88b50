/** The sample kernel with its disk as a machine configuration, for the replay tests. */
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../../dist/cli/machine-args.js';

const root = new URL('../../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, root)));

/** samples/kernel (kernel.elf + disk.img) on one hart with 128 MiB, as `rvrr run` would load it. */
export function kernelConfig(): MachineConfig {
  return {
    memoryBytes: 128 * 1024 * 1024, smp: 1, bios: 'none',
    files: { kernel: 'kernel.elf', drive: 'disk.img' },
    kernel: file('samples/kernel/kernel.elf'),
    drive: file('samples/kernel/disk.img'),
  };
}
