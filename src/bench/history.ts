/**
 * The history-file row: a long live session of the busy endless guest (long.elf) with a small
 * snapshot budget, without and with `--history-file`, each in a fresh process
 * (history-probe.ts) so that its peak RSS is its own. Seeks go to random points in the older
 * half of history: without the file they replay from the few snapshots the budget kept, with
 * it from the nearest spilled one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryProbeResult } from './history-probe.js';

const PROBE = fileURLToPath(new URL('./history-probe.js', import.meta.url));

/** The two runs and whether they agree. */
export interface HistoryResults {
  instructions: number;
  budgetBytes: number;
  without: HistoryProbeResult | { failed: string };
  withFile: HistoryProbeResult | { failed: string };
  /** The states at the seek targets are the same both ways. */
  statesMatch: boolean;
}

/** What the history-file row runs. */
export interface HistoryBenchOptions {
  instructions: number;
  budgetBytes: number;
  seeks: number;
  onPhase?: (what: string) => void;
}

function probe(o: HistoryBenchOptions, file?: string): HistoryProbeResult | { failed: string } {
  try {
    const args = [PROBE, String(o.instructions), String(o.budgetBytes), String(o.seeks), '11', ...(file !== undefined ? [file] : [])];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as HistoryProbeResult;
  } catch (e) {
    return { failed: (e as Error).message.split('\n')[0] };
  }
}

/** Run the row: the probe without, then with, a history file (in a temporary directory). */
export function runHistoryBench(o: HistoryBenchOptions): HistoryResults {
  const dir = mkdtempSync(join(tmpdir(), 'rvrr-bench-hist-'));
  try {
    o.onPhase?.(`history file: ${o.instructions.toExponential(1)} instructions live, budget ${o.budgetBytes} bytes, without the file`);
    const without = probe(o);
    o.onPhase?.('history file: the same with --history-file');
    const withFile = probe(o, join(dir, 'history'));
    const statesMatch = !('failed' in without) && !('failed' in withFile) && without.statesDigest === withFile.statesDigest;
    return { instructions: o.instructions, budgetBytes: o.budgetBytes, without, withFile, statesMatch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
