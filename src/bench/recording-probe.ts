/**
 * One measurement of a recording file, in a process of its own (so its peak RSS is only
 * this): open it as `rvrr replay` does (read, build the board, seed the keyframes), seek to
 * the end, then seek to random points; print the figures as one JSON line.
 *
 *   node dist/bench/recording-probe.js FILE SEEKS SEED
 */
import { performance } from 'node:perf_hooks';
import { readRecording } from '../replay/recording.js';
import { seedKeyframes } from '../session/keyframes.js';
import { replaySessionOf } from '../session/session.js';
import { percentile, seededRandom } from './stats.js';

/** What the probe prints. */
export interface ProbeResult {
  /** Read + decode + board + keyframes seeded (ms). */
  openMs: number;
  /** Then seek to the end of history (ms), and both together. */
  seekEndMs: number;
  openSeekEndMs: number;
  seekP50Ms: number;
  seekP99Ms: number;
  seekMaxMs: number;
  seeks: number;
  keyframesUsed: number;
  /** The state at the end equals the recorded one. */
  endHashMatches: boolean;
  maxRssBytes: number;
}

async function main(): Promise<void> {
  const [file, seeksArg, seedArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: recording-probe FILE SEEKS SEED');
  const seeks = Number(seeksArg ?? 20);
  const t0 = performance.now();
  const rec = await readRecording(file);
  const s = replaySessionOf(rec);
  const seeded = await seedKeyframes(s.timeline, rec, { ramPages: s.config.memoryBytes / 4096, harts: s.config.smp }, (m) => process.stderr.write(`probe: ${m}\n`), () => replaySessionOf(rec).timeline);
  const t1 = performance.now();
  await s.timeline.seek(rec.endIcount);
  const t2 = performance.now();
  // The recorded hash is of the end with its inputs applied (a forward run there applies them).
  let endHashMatches = true;
  try {
    await s.timeline.runForward();
    endHashMatches = rec.finalStateHash === undefined || s.machine.stateHash() === rec.finalStateHash;
  } catch (e) {
    process.stderr.write(`probe: ${(e as Error).message}\n`);
    endHashMatches = false;
  }
  const rand = seededRandom(Number(seedArg ?? 1));
  const ms: number[] = [];
  for (let i = 0; i < seeks; i++) {
    const target = Math.floor(rand() * rec.endIcount);
    const a = performance.now();
    await s.timeline.seek(target);
    ms.push(performance.now() - a);
  }
  const out: ProbeResult = {
    openMs: t1 - t0,
    seekEndMs: t2 - t1,
    openSeekEndMs: t2 - t0,
    seekP50Ms: percentile(ms, 50),
    seekP99Ms: percentile(ms, 99),
    seekMaxMs: Math.max(...ms),
    seeks,
    keyframesUsed: seeded.used.length,
    endHashMatches,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`recording-probe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
