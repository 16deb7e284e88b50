/**
 * Recordings at scale on an OS: xv6-riscv (../shared/guests/xv6-riscv, beside the clone) booted
 * on 1 hart, `usertests -q` typed at its shell prompt as a user would (console input, logged),
 * recorded live for `instructions` (1e10 by default) and saved without keyframes and with the
 * default keyframe rule; each file is then opened in a fresh process (recording-probe.ts).
 *
 * Recording 1e10 instructions of an OS takes minutes, so `cacheDir` keeps the two files (and
 * what recording them cost) for the next run; nothing is cached without it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readRecording, writeRecording, type Recording } from '../replay/recording.js';
import { DEFAULT_KEYFRAME_RULE, withKeyframes } from '../session/keyframes.js';
import { createSession, toRecording } from '../session/session.js';
import type { ProbeResult } from './recording-probe.js';
import type { RecordingResults, RecordingVariant } from './recording.js';

const PROBE = fileURLToPath(new URL('./recording-probe.js', import.meta.url));

/** xv6-riscv's kernel and file system image, from dist/bench/ (or src/bench/): ../shared beside the clone. */
export const XV6_DIR = fileURLToPath(new URL('../../../shared/guests/xv6-riscv/', import.meta.url));

/** Why the xv6 rows cannot run here, or null when they can. */
export function xv6Missing(dir = XV6_DIR): string | null {
  for (const f of ['kernel', 'fs.img']) if (!existsSync(join(dir, f))) return `${join(dir, f)} not found (xv6-riscv is in ../shared/guests beside the clone)`;
  return null;
}

export interface Xv6Options {
  instructions: number;
  seeks: number;
  /** Keep the recordings here and reuse them when they are there (same instruction count). */
  cacheDir?: string;
  /** Where the kernel and fs.img are (default XV6_DIR). */
  xv6Dir?: string;
  onPhase?: (what: string) => void;
}

/** What recording and saving cost (kept beside cached files). */
interface Made {
  instructions: number;
  recordSeconds: number;
  /** Instructions before `usertests -q` was typed (boot to the shell prompt). */
  promptIcount: number;
  writeSeconds: number;
  keyframes: number;
  keyframeBytes: number;
  bareBytes: number;
  /** What the console showed at the end (its last line). */
  lastConsoleLine: string;
}

/** Record xv6 for `n` instructions, usertests typed at the prompt; write both files. */
async function makeFiles(dir: string, n: number, none: string, withKf: string, say: (m: string) => void): Promise<Made> {
  let text = '';
  const dec = new TextDecoder('latin1');
  const s = createSession({
    config: {
      memoryBytes: 128 << 20, smp: 1, bios: 'none', files: { kernel: 'kernel', drive: 'fs.img' },
      kernel: new Uint8Array(readFileSync(join(dir, 'kernel'))), drive: new Uint8Array(readFileSync(join(dir, 'fs.img'))),
    },
    clockMode: 'virtual',
    onConsoleOutput: (b) => { text += dec.decode(b); },
  });
  const tl = s.timeline;
  const t0 = performance.now();
  let promptIcount = -1;
  let lastSay = t0;
  while (tl.icount < n) {
    // Small steps until the prompt (typed soon after it appears), then larger ones.
    const stop = await tl.runForward({ budget: Math.min(n - tl.icount, promptIcount < 0 ? 10_000_000 : 100_000_000) });
    if (stop.reason !== 'budget') throw new Error(`xv6 stopped at ${stop.icount}: ${stop.reason}`);
    if (promptIcount < 0 && /init: starting sh\r?\n\$ $/.test(text)) {
      promptIcount = tl.icount;
      tl.queueInput({ kind: 'console', bytes: new TextEncoder().encode('usertests -q\r') });
      say(`xv6: shell prompt at icount ${promptIcount.toExponential(2)}; typed usertests -q`);
    }
    if (performance.now() - lastSay > 30_000) {
      lastSay = performance.now();
      say(`xv6: recording, icount ${tl.icount.toExponential(2)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  const recordSeconds = (performance.now() - t0) / 1000;
  if (promptIcount < 0) throw new Error(`xv6 did not reach its shell prompt in ${n} instructions`);
  const lastConsoleLine = text.trimEnd().split('\n').pop() ?? '';
  say(`xv6: ${n.toExponential(2)} instructions recorded in ${recordSeconds.toFixed(1)} s; console ends: ${JSON.stringify(lastConsoleLine)}`);
  const bare = toRecording(s);
  await writeRecording(none, bare);
  const w0 = performance.now();
  const rec = (await withKeyframes(tl, bare, DEFAULT_KEYFRAME_RULE)).recording;
  const writeSeconds = (performance.now() - w0) / 1000;
  await writeRecording(withKf, rec);
  const keyframeBytes = (rec.keyframes ?? []).reduce((k, f) => k + 44 + f.payload.length, 0);
  return { instructions: n, recordSeconds, promptIcount, writeSeconds, keyframes: rec.keyframes?.length ?? 0, keyframeBytes, bareBytes: statSync(none).size, lastConsoleLine };
}

/** The xv6 rows' figures: the same shape as the long.elf ones (variants 'none' and 'default'), and more. */
export interface Xv6Results extends RecordingResults {
  /** Instructions before usertests was typed (boot to the shell prompt). */
  promptIcount: number;
  /** The console's last line at the end of the recording. */
  lastConsoleLine: string;
  /** The recordings came from `cacheDir`. */
  cached: boolean;
}

/** Record (or reuse from `cacheDir`) the two xv6 files and open each in a fresh process. */
export async function runXv6RecordingBench(o: Xv6Options): Promise<Xv6Results> {
  const say = o.onPhase ?? (() => {});
  const xv6 = o.xv6Dir ?? XV6_DIR;
  const missing = xv6Missing(xv6);
  if (missing) throw new Error(missing);
  const tmp = o.cacheDir === undefined ? mkdtempSync(join(tmpdir(), 'rvrr-bench-xv6-')) : undefined;
  const dir = o.cacheDir ?? tmp!;
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `xv6-${o.instructions}`);
  const none = `${base}-none.rvrr`, withKf = `${base}-default.rvrr`, meta = `${base}.json`;
  try {
    let made: Made | undefined;
    let cached = false;
    if (o.cacheDir !== undefined && existsSync(none) && existsSync(withKf) && existsSync(meta)) {
      made = JSON.parse(readFileSync(meta, 'utf8')) as Made;
      // A file from another build could differ: reuse it only if it reads back whole.
      const rec: Recording = await readRecording(withKf);
      if (made.instructions !== o.instructions || rec.endIcount !== o.instructions) made = undefined;
      else {
        cached = true;
        say(`xv6: reusing the recordings in ${dir}`);
      }
    }
    if (!made) {
      made = await makeFiles(xv6, o.instructions, none, withKf, say);
      if (o.cacheDir !== undefined) writeFileSync(meta, JSON.stringify(made) + '\n');
    }
    const variants: RecordingVariant[] = [];
    const defaultRule = `default: <= ${DEFAULT_KEYFRAME_RULE.maxCount}, <= max(${DEFAULT_KEYFRAME_RULE.minBudget >> 20} MiB, ${DEFAULT_KEYFRAME_RULE.share * 100}% of the file)`;
    for (const [name, file, rule] of [['none', none, 'no keyframes'], ['default', withKf, defaultRule]] as const) {
      say(`xv6: ${name}: ${statSync(file).size} bytes; opening it in a fresh process`);
      let probe: RecordingVariant['probe'];
      try {
        const out = execFileSync(process.execPath, [PROBE, file, String(o.seeks), '7'], { encoding: 'utf8', maxBuffer: 1 << 20 });
        probe = JSON.parse(out.trim().split('\n').pop()!) as ProbeResult;
      } catch (e) {
        probe = { failed: (e as Error).message.split('\n')[0]! };
      }
      const kf = name === 'none' ? 0 : made.keyframes;
      const kfBytes = name === 'none' ? 0 : made.keyframeBytes;
      variants.push({
        name, rule, fileBytes: statSync(file).size, keyframes: kf, keyframeBytes: kfBytes, keyframeShare: kfBytes / made.bareBytes,
        writeSeconds: name === 'none' ? 0 : made.writeSeconds, probe,
      });
    }
    return {
      guest: 'xv6 usertests -q', instructions: o.instructions, recordSeconds: made.recordSeconds, recordMips: o.instructions / made.recordSeconds / 1e6,
      seeks: o.seeks, variants, promptIcount: made.promptIcount, lastConsoleLine: made.lastConsoleLine, cached,
    };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
