/**
 * Reverse execution on a long history: the endless guest (long.elf) is recorded live up to
 * each depth in turn; at each depth we time reverse-stepi (one instruction back, repeatedly,
 * from the end of history) and seeks to random earlier icounts; at one depth a
 * reverse-continue from the end back to a breakpoint hit near the start of history (marker()).
 * A depth whose recording would not fit in the time budget is skipped, with the reason.
 */
import { performance } from 'node:perf_hooks';
import { VirtMachine } from '../machine/virt.js';
import { Timeline } from '../replay/timeline.js';
import { BENCH_RAM, cpuSince } from './forward.js';
import { percentile, seededRandom } from './stats.js';

/** Latency samples summarised. */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** The same by this process's CPU time (user + system): what other load on the host does not inflate. */
  cpuP50Ms: number;
  cpuP99Ms: number;
}

/** Wall and CPU milliseconds of one timed operation. */
interface Sample {
  ms: number;
  cpuMs: number;
}

async function timed<T>(f: () => Promise<T>, into: Sample[]): Promise<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  into.push({ ms, cpuMs: (c.user + c.system) / 1000 });
  return r;
}

/** What was measured at one history depth (or why not). */
export interface DepthResult {
  /** Instructions of history when measuring. */
  depth: number;
  skipped?: string;
  reverseStep?: Latency;
  seek?: Latency;
}

export interface ReverseContinueResult {
  /** History length when it started (its end) and where the hit was. */
  fromIcount: number;
  hitIcount: number;
  scanned: number;
  seconds: number;
  /** Instructions scanned per second. */
  ips: number;
  /** ips / forward recording speed of the same guest. */
  ratioToForward: number;
  /** The same by CPU time. */
  cpuSeconds: number;
  cpuIps: number;
  cpuRatioToForward: number;
}

export interface ReverseResults {
  depths: DepthResult[];
  reverseContinue: ReverseContinueResult | { skipped: string };
  /** Live recording speed of the long guest (MIPS), over all the recording done; and by CPU time. */
  recordMips: number;
  recordCpuMips: number;
  historyEnd: number;
  snapshotCount: number;
  snapshotBytes: number;
  logBytes: number;
  logBytesPerSecond: number;
}

export interface ReverseOptions {
  kernel: Uint8Array;
  /** Address of marker() in the guest. */
  marker: number;
  depths: readonly number[];
  /** Depth at which reverse-continue is timed (must be one of `depths`). */
  reverseContinueDepth: number;
  reverseSteps: number;
  seeks: number;
  /** Stop taking seek samples at one depth after this many seconds. */
  seekSeconds: number;
  /** The whole benchmark's deadline (performance.now() ms): depths that would pass it are skipped. */
  deadlineMs: number;
  /** Called after each phase (for peak-memory sampling and progress). */
  onPhase?: (what: string) => void;
}

function summarise(samples: Sample[]): Latency {
  const xs = samples.map((s) => s.ms);
  const cs = samples.map((s) => s.cpuMs);
  return {
    p50Ms: percentile(xs, 50), p99Ms: percentile(xs, 99), maxMs: Math.max(...xs), samples: xs.length,
    cpuP50Ms: percentile(cs, 50), cpuP99Ms: percentile(cs, 99),
  };
}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new Error(`reverse benchmark: ${what}`);
}

export async function runReverse(o: ReverseOptions): Promise<ReverseResults> {
  const m = new VirtMachine({ kernel: o.kernel, bios: 'none', memoryBytes: BENCH_RAM });
  const tl = new Timeline(m, { mode: 'live', clockMode: 'virtual' });
  const rand = seededRandom(0x5eed);
  let recordSeconds = 0;
  let recordCpuSeconds = 0;
  const depths: DepthResult[] = [];
  let rc: ReverseContinueResult | { skipped: string } = { skipped: `depth ${o.reverseContinueDepth} not reached` };
  let skipReason: string | null = null;

  for (const depth of o.depths) {
    if (skipReason !== null) {
      depths.push({ depth, skipped: skipReason });
      continue;
    }
    const more = depth - tl.endIcount;
    if (recordSeconds > 0) {
      const ips = tl.endIcount / recordSeconds;
      const need = more / ips;
      // Recording plus the measurements (seeks are capped; keep a margin for the steps).
      const left = (o.deadlineMs - performance.now()) / 1000;
      if (need + o.seekSeconds + 10 > left) {
        skipReason = `recording ${more.toExponential(1)} more instructions at ${(ips / 1e6).toFixed(1)} MIPS would take ~${need.toFixed(0)} s; ${Math.max(0, left).toFixed(0)} s left of the time budget`;
        depths.push({ depth, skipped: skipReason });
        if (depth === o.reverseContinueDepth) rc = { skipped: skipReason };
        continue;
      }
    }
    if (tl.icount !== tl.endIcount) await tl.seek(tl.endIcount);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const s = await tl.runForward({ budget: more });
    recordSeconds += (performance.now() - t0) / 1000;
    recordCpuSeconds += cpuSince(c0);
    expect(s.reason === 'budget' && tl.endIcount === depth, `recording to ${depth} stopped with ${s.reason} at ${s.icount}`);
    o.onPhase?.(`recorded ${depth}`);

    const steps: Sample[] = [];
    for (let k = 0; k < o.reverseSteps; k++) {
      const before = tl.icount;
      const r = await timed(() => tl.reverseStep(), steps);
      expect(r.reason === 'step' && r.icount === before - 1, `reverse-stepi from ${before} gave ${r.reason} at ${r.icount}`);
    }
    o.onPhase?.(`reverse-stepi at ${depth}`);

    const seeks: Sample[] = [];
    const seekStart = performance.now();
    while (seeks.length < o.seeks && (seeks.length < 3 || performance.now() - seekStart < o.seekSeconds * 1000)) {
      const target = Math.floor(rand() * depth);
      const r = await timed(() => tl.seek(target), seeks);
      expect(r.reason === 'step' && r.icount === target, `seek to ${target} gave ${r.reason} at ${r.icount}`);
    }
    o.onPhase?.(`seek at ${depth}`);
    depths.push({ depth, reverseStep: summarise(steps), seek: summarise(seeks) });

    if (depth === o.reverseContinueDepth) {
      await tl.seek(tl.endIcount);
      m.breakpoints.add(o.marker);
      const from = tl.icount;
      const t = performance.now();
      const c0 = process.cpuUsage();
      const r = await tl.reverseContinue();
      const seconds = (performance.now() - t) / 1000;
      const cpuSeconds = cpuSince(c0);
      m.breakpoints.delete(o.marker);
      expect(r.reason === 'breakpoint', `reverse-continue to marker() ended with ${r.reason} at ${r.icount}`);
      const scanned = from - r.icount;
      const ips = scanned / seconds;
      rc = {
        fromIcount: from, hitIcount: r.icount, scanned, seconds, ips, ratioToForward: ips / (tl.endIcount / recordSeconds),
        cpuSeconds, cpuIps: scanned / cpuSeconds, cpuRatioToForward: scanned / cpuSeconds / (tl.endIcount / recordCpuSeconds),
      };
      o.onPhase?.(`reverse-continue at ${depth}`);
    }
  }
  const info = tl.info();
  return {
    depths,
    reverseContinue: rc,
    recordMips: tl.endIcount / recordSeconds / 1e6,
    recordCpuMips: tl.endIcount / recordCpuSeconds / 1e6,
    historyEnd: info.endIcount,
    snapshotCount: info.snapshotCount,
    snapshotBytes: info.snapshotBytes,
    logBytes: info.logBytes,
    logBytesPerSecond: info.logBytes / recordSeconds,
  };
}
