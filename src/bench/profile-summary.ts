/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): self time per function, highest first.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/bench.js --only int --no-qemu --no-reverse
 *   node dist/bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples. */
export interface HotSpot {
  name: string;
  /** file:line (1-based) */
  where: string;
  selfPercent: number;
  selfMs: number;
}

export function hotSpots(profile: CpuProfile): HotSpot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    ms.set(id, (ms.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...ms.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, HotSpot>();
  for (const [id, t] of ms) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^file:\/\/.*?\/dist\//, 'dist/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    const h = agg.get(key) ?? { name: f.functionName || '(anonymous)', where: file ? `${file}:${f.lineNumber + 1}` : '', selfPercent: 0, selfMs: 0 };
    h.selfMs += t;
    agg.set(key, h);
  }
  const out = [...agg.values()];
  for (const h of out) h.selfPercent = (100 * h.selfMs) / total;
  return out.sort((a, b) => b.selfMs - a.selfMs);
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary FILE.cpuprofile [top]\n');
    process.exitCode = 1;
    return;
  }
  let profile: CpuProfile;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  } catch (e) {
    process.stderr.write(`profile-summary: cannot read ${file}: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const top = Number(topArg ?? 25);
  for (const h of hotSpots(profile).slice(0, top)) {
    console.log(`${h.selfPercent.toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.name.padEnd(28)} ${h.where}`);
  }
}

main();
