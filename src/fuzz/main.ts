#!/usr/bin/env node
/**
 * `npm run fuzz`: the full protocol fuzz (100,000 packets), the guest fuzz (over a million
 * instructions) and the block compiler against the interpreter on random streams (10 million).
 * `npm run fuzz -- rsp|guest|jit|js|wasm` runs one of them. Sizes and seeds from the environment:
 * FUZZ_PACKETS, FUZZ_SEED, FUZZ_GUEST_SEEDS, FUZZ_GUEST_INSNS (per seed and mode).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import { compareCompiled, runGuestFuzz } from './guest-fuzz.js';
import { helloExpected, runRspFuzz } from './rsp-fuzz.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = (k: string, d: number): number => (process.env[k] !== undefined ? Number(process.env[k]) : d);

async function main(): Promise<number> {
  let bad = 0;
  const only = process.argv[2];
  if (only === undefined || only === 'rsp') {
    const r = await runRspFuzz({ root: ROOT, seed: env('FUZZ_SEED', 1), packets: env('FUZZ_PACKETS', 100_000), log: (l) => console.log(l) });
    const expected = helloExpected(ROOT);
    const finalOk = r.final.cont === 'W00' && r.final.registersMatch && r.final.output === expected;
    console.log(
      `rsp-fuzz: ${r.packets} packets (${r.bytesSent} bytes), ${r.replies} replies, ${r.interruptedBatches} batches interrupted, ` +
        `${r.randomInterrupts} random interrupts, ${r.reconnects} reconnects, ${(r.elapsedMs / 1000).toFixed(1)} s`,
    );
    console.log(`rsp-fuzz: final ? -> ${r.final.haltReason}; g matches the hart: ${r.final.registersMatch}; c -> ${r.final.cont}; output ${r.final.output === expected ? 'as expected' : JSON.stringify(r.final.output)}`);
    for (const f of r.failures) console.log(`rsp-fuzz FAILURE: ${f}`);
    if (r.failures.length > 0 || !finalOk) bad++;
  }
  if (only === undefined || only === 'guest') {
    const t0 = Date.now();
    const kernel = new Uint8Array(fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf')));
    const seeds = env('FUZZ_GUEST_SEEDS', 40);
    const per = env('FUZZ_GUEST_INSNS', 25_000);
    const g = runGuestFuzz(kernel, { seed: env('FUZZ_SEED', 1) * 1000, seeds, perRun: per });
    const causes = [...g.byCause.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}:${n}`).join(' ');
    console.log(
      `guest-fuzz: ${g.instructions} instructions, ${seeds} seeds x 5 modes (M; S, U with paging off/on), ${g.traps} traps (${g.illegal} illegal), ` +
        `${g.clobbered} handler clobbers, ${g.machineStops} power-offs/resets, ${g.wfiWakeups} wfi wakeups, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    console.log(`guest-fuzz: traps by mcause: ${causes}`);
    for (const f of g.failures) console.log(`guest-fuzz FAILURE: ${f}`);
    if (g.failures.length > 0) bad++;
  }
  for (const tier of ['js', 'wasm'] as const) {
    if (only !== undefined && only !== 'jit' && only !== tier) continue;
    const t0 = Date.now();
    const kernel = new Uint8Array(fs.readFileSync(path.join(ROOT, 'samples/hello/hello.elf')));
    const seeds = env('FUZZ_GUEST_SEEDS', 40);
    const j = compareCompiled(kernel, { seed: env('FUZZ_SEED', 1) * 5000, seeds, perRun: 2 * env('FUZZ_GUEST_INSNS', 25_000), wasm: tier === 'wasm' });
    console.log(
      `jit-fuzz (${tier}): ${j.instructions} instructions compiled and interpreted, states equal after every slice: ${j.failures.length === 0}; ` +
        `${j.blocks} blocks compiled, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (const f of j.failures) console.log(`jit-fuzz (${tier}) FAILURE: ${f}`);
    if (j.failures.length > 0) bad++;
  }
  return bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
