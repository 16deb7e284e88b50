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
  /** Wall clock of the whole process. */
  seconds: number;
  /** CPU time (user + system, all threads) of the process, from the shell's `times`. */
  cpuSeconds: number;
  exitCode: number | null;
  output: string;
}

/**
 * Run `elf` on QEMU's virt board with `smp` harts, plain TCG or with `-icount shift=0`. With
 * -icount QEMU runs all harts round-robin on one host thread, as rvrr does; plain TCG runs
 * several harts on host threads in parallel (its wall clock then gains from a second core).
 */
export function runQemu(elf: string, icount: boolean, timeoutMs = 120_000, smp = 1): QemuRun {
  const args = ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio'];
  if (smp !== 1) args.push('-smp', String(smp));
  if (icount) args.push('-icount', 'shift=0');
  args.push('-kernel', elf);
  // Through sh, whose `times` reports the CPU time of its finished child (QEMU).
  const script = `"$0" "$@"; s=$?; times >&2; exit $s`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', script, QEMU, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw new Error(`${QEMU} failed on ${elf}: ${r.error.message}`);
  return { seconds, cpuSeconds: childCpuSeconds(r.stderr), exitCode: r.status, output: r.stdout };
}

/** The children's user + system time from the last line of `times` ("0m1.234s 0m0.056s"). */
function childCpuSeconds(stderr: string): number {
  const lines = stderr.trim().split('\n');
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(lines[lines.length - 1] ?? '');
  if (!m) return NaN;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

/** The fastest of `n` runs (noise on a shared machine only ever adds time), wall and CPU separately. */
export function bestQemu(elf: string, icount: boolean, n: number, smp = 1): QemuRun {
  let best = runQemu(elf, icount, undefined, smp);
  for (let i = 1; i < n; i++) {
    const r = runQemu(elf, icount, undefined, smp);
    const same = r.output === best.output && r.exitCode === best.exitCode;
    best = {
      seconds: Math.min(best.seconds, r.seconds),
      cpuSeconds: Math.min(best.cpuSeconds, r.cpuSeconds),
      output: best.output,
      exitCode: same ? best.exitCode : -1,
    };
  }
  return best;
}
