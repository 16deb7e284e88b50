/**
 * QEMU as the reference: the wall-clock time of a whole `qemu-system-riscv64` process running
 * a guest to power-off, minus the time of a process running a guest that powers off at once
 * (start-up and shut-down), divided into the guest's instruction count (counted by rvrr: the
 * guests are deterministic, so both run the same instructions).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const QEMU = process.env.RVRR_BENCH_QEMU ?? 'qemu-system-riscv64';

/** QEMU's version line, or null when it is not installed. */
export function qemuVersion(): string | null {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split('\n')[0].trim();
}

/** One timed QEMU run. */
export interface QemuRun {
  seconds: number;
  exitCode: number | null;
  output: string;
}

/** Run `elf` on QEMU's virt board, plain TCG or with `-icount shift=0`. */
export function runQemu(elf: string, icount: boolean, timeoutMs = 120_000): QemuRun {
  const args = ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio'];
  if (icount) args.push('-icount', 'shift=0');
  args.push('-kernel', elf);
  const t0 = performance.now();
  const r = spawnSync(QEMU, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw new Error(`${QEMU} failed on ${elf}: ${r.error.message}`);
  return { seconds, exitCode: r.status, output: r.stdout };
}

/** The fastest of `n` runs (noise on a shared machine only ever adds time). */
export function bestQemu(elf: string, icount: boolean, n: number): QemuRun {
  let best: QemuRun | null = null;
  for (let i = 0; i < n; i++) {
    const r = runQemu(elf, icount);
    if (best === null || r.seconds < best.seconds) best = r;
  }
  return best!;
}
