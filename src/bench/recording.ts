/**
 * Recordings at scale: the endless guest (long.elf, integer work writing a 256 KiB array) is
 * recorded live for `instructions` (1e10 by default), saved three ways — without keyframes,
 * with keyframes by the default rule (at most 64, size-budgeted), and with 160 keyframes
 * whatever their size (what a seek p99 of 200 ms takes at 1e10 and ~330 MIPS of replay) —
 * and each file is opened in a fresh process (recording-probe.ts):
 * time to open and seek to the end, seek latency at random points, peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { writeRecording, type Recording } from '../replay/recording.js';
import { DEFAULT_KEYFRAME_RULE, withKeyframes, type KeyframeRule } from '../session/keyframes.js';
import { createSession, toRecording } from '../session/session.js';
import { BENCH_RAM } from './forward.js';
import type { ProbeResult } from './recording-probe.js';

const PROBE = fileURLToPath(new URL('./recording-probe.js', import.meta.url));

/** One way of saving the recording, and what opening it cost. */
export interface RecordingVariant {
  name: 'none' | 'default' | 'dense';
  /** How its keyframes were chosen. */
  rule: string;
  fileBytes: number;
  keyframes: number;
  keyframeBytes: number;
  /** keyframeBytes / size of the file without them. */
  keyframeShare: number;
  /** Time to choose and encode the keyframes when saving (s). */
  writeSeconds: number;
  probe: ProbeResult | { failed: string };
}

export interface RecordingResults {
  guest: string;
  instructions: number;
  recordSeconds: number;
  recordMips: number;
  /** Random seeks timed per file. */
  seeks: number;
  variants: RecordingVariant[];
}

export interface RecordingOptions {
  kernel: Uint8Array;
  instructions: number;
  seeks: number;
  onPhase?: (what: string) => void;
}

/** More keyframes than the default allows, no size limit: the seek latency a denser spacing buys. */
const DENSE_RULE: KeyframeRule = { ...DEFAULT_KEYFRAME_RULE, maxCount: 400, share: Infinity, minBudget: 0 };

export async function runRecordingBench(o: RecordingOptions): Promise<RecordingResults> {
  const say = o.onPhase ?? (() => {});
  const s = createSession({
    config: { memoryBytes: BENCH_RAM, smp: 1, bios: 'none', files: { kernel: 'long.elf' }, kernel: o.kernel },
    clockMode: 'virtual',
  });
  const t0 = performance.now();
  const stop = await s.timeline.runForward({ budget: o.instructions });
  const recordSeconds = (performance.now() - t0) / 1000;
  if (stop.reason !== 'budget') throw new Error(`long guest stopped early: ${stop.reason} at ${stop.icount}`);
  say(`recording: ${o.instructions.toExponential(2)} instructions of long.elf recorded in ${recordSeconds.toFixed(1)} s`);
  const bare = toRecording(s);
  const dir = mkdtempSync(join(tmpdir(), 'rvrr-bench-rec-'));
  try {
    const variants: RecordingVariant[] = [];
    const bareFile = join(dir, 'none.rvrr');
    await writeRecording(bareFile, bare);
    const bareBytes = statSync(bareFile).size;
    const plans: [RecordingVariant['name'], string, KeyframeRule | null][] = [
      ['none', 'no keyframes', null],
      ['default', `default: <= ${DEFAULT_KEYFRAME_RULE.maxCount}, <= max(${DEFAULT_KEYFRAME_RULE.minBudget >> 20} MiB, ${DEFAULT_KEYFRAME_RULE.share * 100}% of the file)`, DEFAULT_KEYFRAME_RULE],
      ['dense', `up to ${DENSE_RULE.maxCount} whatever their size`, DENSE_RULE],
    ];
    for (const [name, rule, r] of plans) {
      let rec: Recording = bare;
      let writeSeconds = 0;
      if (r) {
        const w0 = performance.now();
        rec = (await withKeyframes(s.timeline, bare, r)).recording;
        writeSeconds = (performance.now() - w0) / 1000;
      }
      const file = join(dir, `${name}.rvrr`);
      if (r) await writeRecording(file, rec);
      const fileBytes = statSync(file).size;
      const keyframeBytes = (rec.keyframes ?? []).reduce((n, k) => n + 44 + k.payload.length, 0);
      say(`recording: ${name}: ${rec.keyframes?.length ?? 0} keyframes, ${fileBytes} bytes; opening it in a fresh process`);
      let probe: RecordingVariant['probe'];
      try {
        const out = execFileSync(process.execPath, [PROBE, file, String(o.seeks), '7'], { encoding: 'utf8', maxBuffer: 1 << 20 });
        probe = JSON.parse(out.trim().split('\n').pop()!) as ProbeResult;
      } catch (e) {
        probe = { failed: (e as Error).message.split('\n')[0] };
      }
      variants.push({ name, rule, fileBytes, keyframes: rec.keyframes?.length ?? 0, keyframeBytes, keyframeShare: keyframeBytes / bareBytes, writeSeconds, probe });
    }
    return { guest: 'long.elf', instructions: o.instructions, recordSeconds, recordMips: o.instructions / recordSeconds / 1e6, seeks: o.seeks, variants };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
