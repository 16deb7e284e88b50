// history.mjs - the history of alice.balance, newest write first, from a script.
//
// The scripted equivalent of `var-history alice.balance` (samples/history.gdb) on the bug
// hunt sample: run the program to the end, then go backwards from write to write with
// lastWrite() and seek(), printing where each write happened and what it changed.
//
// Run it after `npm run build`, from anywhere:
//   node samples/ts-api/history.mjs [path/to/bughunt.elf]
import { fileURLToPath } from 'node:url';
import { Machine } from '../../dist/index.js';

const elf = process.argv[2] ?? fileURLToPath(new URL('../bughunt/bughunt.elf', import.meta.url));
const m = Machine.fromFiles({ kernel: elf });

// Run forward to the end: the program powers off with status 3 after its failed audit.
const end = await m.runUntilPoweroff();
process.stdout.write(m.console);
console.log(`-- the guest powered off with status ${end.exitCode} after ${end.icount} instructions`);

// struct account { char owner[8]; long recent[4]; long balance; long n_recent; }:
// balance is 8 + 4 * 8 = 40 bytes into alice (no debug info needed, just the symbol).
const balance = m.symbol('alice') + 40;
const i64 = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true);

console.log(`alice.balance (at ${m.describe(balance)}) is ${m.readI64(balance)} now; its writes, newest first:`);
let n = 0;
for (;;) {
  // Who wrote it last, before where we stand? The position does not move.
  const w = await m.lastWrite(balance, 8);
  if (w === null) break;
  // Stand just after the write to see the value it stored, then on it to see the one before.
  await m.seek(w.icount + 1);
  const after = m.readI64(balance);
  await m.seek(w.icount);
  const before = m.readI64(balance);
  n++;
  console.log(`  icount ${String(w.icount).padStart(5)}  pc ${m.describe(w.pc).padEnd(28)} ${before} -> ${after}`);
}
console.log(`${n} writes; before the first one alice.balance held ${m.readI64(balance)}, as loaded from the ELF`);
