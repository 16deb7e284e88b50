/**
 * Forward speed of rvrr on one guest, run to power-off: without recording (the board's
 * run loop directly) and recording live (a Timeline in live mode with the virtual clock,
 * as `rvrr serve` runs a guest). Host time is read here, outside the emulator.
 *
 * runPaired times both at once, in alternating chunks of a few milliseconds (which one goes
 * first changes every round): on a shared machine whose speed drifts by a third within
 * seconds, and with V8 optimizing each run's compiled blocks a little differently, separate
 * runs of the two cannot show a difference of a few percent; chunks side by side see the
 * same machine and the same optimized code.
 */
import { performance } from 'node:perf_hooks';
import { VirtMachine } from '../machine/virt.js';
import { Timeline } from '../replay/timeline.js';
import { yieldToEventLoop } from '../replay/host-time.js';

/** How often runPaired's run without recording yields to the event loop (as the timeline does). */
const YIELD_MS = 5;

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

function makeMachine(kernel: Uint8Array, out: string[], jitWasm = false, smp = 1): VirtMachine {
  const dec = new TextDecoder();
  return new VirtMachine({ kernel, bios: 'none', memoryBytes: BENCH_RAM, jitWasm, smp, onConsoleOutput: (b) => out.push(dec.decode(b)) });
}

/**
 * Run `kernel` on `smp` harts to power-off with no recording; throws if it does not power off
 * within `limit` instructions (all harts together).
 */
export function runNoRecord(kernel: Uint8Array, limit = 5e9, smp = 1): RvrrRun {
  const out: string[] = [];
  const m = makeMachine(kernel, out, false, smp);
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

/** Instructions per chunk of runPaired (about 10-50 ms of either machine). */
const PAIR_CHUNK = 4_000_000;

/** Both runs of runPaired: each one's time is the sum of its own chunks. */
export interface PairedRun {
  raw: RvrrRun;
  rec: RecordRun;
}

/**
 * Run `kernel` on `smp` harts to power-off twice, without and with recording, in alternating
 * chunks (`wasm`: both with the wasm tier, `--jit=wasm`).
 */
export async function runPaired(kernel: Uint8Array, limit = 5e9, wasm = false, smp = 1): Promise<PairedRun> {
  const rawOut: string[] = [];
  const recOut: string[] = [];
  const m = makeMachine(kernel, rawOut, wasm, smp);
  const rm = makeMachine(kernel, recOut, wasm, smp);
  const tl = new Timeline(rm, { mode: 'live', clockMode: 'virtual' });
  let rawWall = 0, rawCpu = 0, recWall = 0, recCpu = 0;
  let rawExit: number | undefined, recExit: number | undefined;
  let rawDone = false, recDone = false;
  const rawChunk = async (): Promise<void> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    // Yielding to the event loop as often as the timeline does: V8 runs some of its garbage
    // collection as tasks there, which would otherwise all be charged to the recording.
    let last = t0;
    for (let n = 0; n < PAIR_CHUNK && !rawDone; ) {
      const r = m.run(PAIR_CHUNK / 8);
      n += r.executed;
      if (r.reason === 'poweroff') { rawDone = true; rawExit = r.exitCode; }
      else if (r.reason !== 'budget') throw new Error(`guest stopped with '${r.reason}' at icount ${m.icount} (a CPU-bound guest should not)`);
      if (performance.now() - last >= YIELD_MS) {
        await yieldToEventLoop();
        last = performance.now();
      }
    }
    rawWall += (performance.now() - t0) / 1000;
    rawCpu += cpuSince(c0);
  };
  const recChunk = async (): Promise<void> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const stop = await tl.runForward({ budget: PAIR_CHUNK });
    recWall += (performance.now() - t0) / 1000;
    recCpu += cpuSince(c0);
    if (stop.reason === 'poweroff') { recDone = true; recExit = stop.exitCode; }
    else if (stop.reason !== 'budget') throw new Error(`recording stopped with '${stop.reason}' at icount ${stop.icount}`);
  };
  // The order changes every round: whichever runs second measured up to 10% faster here.
  for (let round = 0; !rawDone || !recDone; round++) {
    for (const which of round % 2 === 0 ? ['raw', 'rec'] : ['rec', 'raw']) {
      if (which === 'raw' && !rawDone) await rawChunk();
      if (which === 'rec' && !recDone) await recChunk();
    }
    if (m.icount >= limit || tl.icount >= limit) throw new Error(`guest did not power off within ${limit} instructions`);
  }
  const info = tl.info();
  const run = (n: number, wall: number, cpu: number, exitCode: number | undefined, out: string[]): RvrrRun => ({
    instructions: n, seconds: wall, mips: n / wall / 1e6, cpuSeconds: cpu, cpuMips: n / cpu / 1e6, exitCode, output: out.join(''),
  });
  return {
    raw: run(m.icount, rawWall, rawCpu, rawExit, rawOut),
    rec: {
      ...run(tl.icount, recWall, recCpu, recExit, recOut),
      snapshotCount: info.snapshotCount,
      snapshotBytes: info.snapshotBytes,
      logBytes: info.logBytes,
      logBytesPerSecond: info.logBytes / recWall,
    },
  };
}
