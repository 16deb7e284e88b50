/**
 * Forward speed of rvrr on one guest, run to power-off: without recording (the board's
 * run loop directly) and recording live (a Timeline in live mode with the virtual clock,
 * as `rvrr serve` runs a guest). Host time is read here, outside the emulator.
 */
import { performance } from 'node:perf_hooks';
import { VirtMachine } from '../machine/virt.js';
import { Timeline } from '../replay/timeline.js';

/** Guest RAM of the benchmark machines (QEMU's default). */
export const BENCH_RAM = 128 * 1024 * 1024;

/** One rvrr run of a guest to power-off. */
export interface RvrrRun {
  instructions: number;
  seconds: number;
  mips: number;
  /** CPU time of this process (user + system) during the run, and MIPS by it. */
  cpuSeconds: number;
  cpuMips: number;
  exitCode: number | undefined;
  /** What the guest printed on the UART. */
  output: string;
}

/** A recording run adds what the timeline holds at its end. */
export interface RecordRun extends RvrrRun {
  snapshotCount: number;
  snapshotBytes: number;
  logBytes: number;
  logBytesPerSecond: number;
}

/** Slice of machine.run() in the no-recording loop (long enough that the loop costs nothing). */
const SLICE = 10_000_000;

/** User + system CPU seconds of this process since `c0`. */
export function cpuSince(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}

function makeMachine(kernel: Uint8Array, out: string[]): VirtMachine {
  const dec = new TextDecoder();
  return new VirtMachine({ kernel, bios: 'none', memoryBytes: BENCH_RAM, onConsoleOutput: (b) => out.push(dec.decode(b)) });
}

/** Run `kernel` to power-off with no recording; throws if it does not power off within `limit`. */
export function runNoRecord(kernel: Uint8Array, limit = 5e9): RvrrRun {
  const out: string[] = [];
  const m = makeMachine(kernel, out);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (;;) {
    const r = m.run(SLICE);
    if (r.reason === 'poweroff') {
      const seconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSince(c0);
      return { instructions: m.icount, seconds, mips: m.icount / seconds / 1e6, cpuSeconds, cpuMips: m.icount / cpuSeconds / 1e6, exitCode: r.exitCode, output: out.join('') };
    }
    if (r.reason !== 'budget') throw new Error(`guest stopped with '${r.reason}' at icount ${m.icount} (a CPU-bound guest should not)`);
    if (m.icount >= limit) throw new Error(`guest did not power off within ${limit} instructions`);
  }
}

/** Run `kernel` to power-off while recording live (virtual clock). */
export async function runRecord(kernel: Uint8Array): Promise<RecordRun> {
  const out: string[] = [];
  const m = makeMachine(kernel, out);
  const tl = new Timeline(m, { mode: 'live', clockMode: 'virtual' });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const stop = await tl.runForward({});
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSince(c0);
  if (stop.reason !== 'poweroff') throw new Error(`recording stopped with '${stop.reason}' at icount ${stop.icount}`);
  const info = tl.info();
  return {
    instructions: tl.icount,
    seconds,
    mips: tl.icount / seconds / 1e6,
    cpuSeconds,
    cpuMips: tl.icount / cpuSeconds / 1e6,
    exitCode: stop.exitCode,
    output: out.join(''),
    snapshotCount: info.snapshotCount,
    snapshotBytes: info.snapshotBytes,
    logBytes: info.logBytes,
    logBytesPerSecond: info.logBytes / seconds,
  };
}
