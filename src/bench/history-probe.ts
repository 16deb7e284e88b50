/**
 * One run of the history-file benchmark, in a process of its own (so its peak RSS is only
 * this): record the endless guest (long.elf) live for N instructions with a small snapshot
 * budget, with or without a history file, then seek to random points in the older half of the
 * history; print the figures as one JSON line.
 *
 *   node dist/bench/history-probe.js INSTRUCTIONS BUDGET_BYTES SEEKS SEED [HISTORY_FILE]
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HistoryFile } from '../replay/history-file.js';
import { Timeline } from '../replay/timeline.js';
import { VirtMachine } from '../machine/virt.js';
import { BENCH_RAM } from './forward.js';
import { guestPath, loadGuest, LONG_GUEST } from './guests.js';
import { percentile, seededRandom } from './stats.js';

/** What the probe prints. */
export interface HistoryProbeResult {
  instructions: number;
  budgetBytes: number;
  recordSeconds: number;
  /** Snapshots in memory at the end of recording, and their bytes. */
  snapshotCount: number;
  snapshotBytes: number;
  /** The history file at the end (0 without one), and the snapshots spilled there. */
  fileBytes: number;
  spilled: number;
  seekP50Ms: number;
  seekP99Ms: number;
  seekMaxMs: number;
  seeks: number;
  /** Of the seeks, how many restored a spilled snapshot. */
  fileLoads: number;
  /** A digest of the state hashes at the seek targets (equal with and without the file). */
  statesDigest: string;
  maxRssBytes: number;
}

async function main(): Promise<void> {
  const [nArg, budgetArg, seeksArg, seedArg, path] = process.argv.slice(2);
  const n = Number(nArg), budget = Number(budgetArg), seeks = Number(seeksArg ?? 30);
  if (!(n > 0) || !(budget > 0)) throw new Error('usage: history-probe INSTRUCTIONS BUDGET_BYTES SEEKS SEED [HISTORY_FILE]');
  const m = new VirtMachine({ kernel: loadGuest(guestPath(LONG_GUEST)), bios: 'none', memoryBytes: BENCH_RAM });
  const history = path !== undefined ? new HistoryFile({ path, target: { ramPages: BENCH_RAM / 4096, harts: 1 } }) : undefined;
  const tl = new Timeline(m, { mode: 'live', clockMode: 'virtual', snapshots: { memoryBudget: budget }, ...(history ? { historyFile: history } : {}) });
  const t0 = performance.now();
  await tl.runForward({ budget: n });
  const recordSeconds = (performance.now() - t0) / 1000;
  const atEnd = tl.info();
  const rand = seededRandom(Number(seedArg ?? 1));
  const ms: number[] = [];
  const digest = createHash('sha256');
  for (let i = 0; i < seeks; i++) {
    const target = Math.floor(rand() * n * 0.5);
    const a = performance.now();
    await tl.seek(target);
    ms.push(performance.now() - a);
    digest.update(m.stateHash());
  }
  const out: HistoryProbeResult = {
    instructions: n,
    budgetBytes: budget,
    recordSeconds,
    snapshotCount: atEnd.snapshotCount,
    snapshotBytes: atEnd.snapshotBytes,
    fileBytes: atEnd.historyFile?.bytes ?? 0,
    spilled: atEnd.historyFile?.usable ?? 0,
    seekP50Ms: percentile(ms, 50),
    seekP99Ms: percentile(ms, 99),
    seekMaxMs: Math.max(...ms),
    seeks,
    fileLoads: tl.info().historyFile?.loads ?? 0,
    statesDigest: digest.digest('hex').slice(0, 16),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  history?.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`history-probe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
