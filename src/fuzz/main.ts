#!/usr/bin/env node
/**
 * `npm run fuzz`: the full protocol fuzz (100,000 packets) and guest fuzz (over a million
 * instructions). Sizes and seeds from the environment: FUZZ_PACKETS, FUZZ_SEED,
 * FUZZ_GUEST_SEEDS, FUZZ_GUEST_INSNS (per seed and mode).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  return bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
